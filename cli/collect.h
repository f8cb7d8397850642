/* collect.h - the scenario files a command names: files as given, every
 * *.scn under a directory (sorted, so runs are reproducible), each parsed
 * once into its plans (one per variant).  A scenario whose opening
 * comments say `# slow:` is left out of a directory walk unless asked. */
#ifndef BINDLAB_COLLECT_H
#define BINDLAB_COLLECT_H

#include "plan.h"

struct scn_file {
	char *path;
	int from_dir; /* found by a directory walk (not named) */
	struct plan *plans;
	int nplans; /* 0 when it did not parse (bad counts it) */
};

struct collection {
	struct scn_file *files;
	int n, cap;
	int bad;	  /* files that did not parse; each printed to stderr */
	int skipped_slow; /* `# slow:` files a directory walk left out */
};

/* Collect args (files and directories).  with_slow keeps `# slow:` files
 * of directories; defs are the --set values (may be NULL).  0, or -1 with
 * err (a path that cannot be read). */
int collect(char **args, int nargs, int with_slow, const struct plan_defs *defs,
	    struct collection *c, char *err);
void collection_free(struct collection *c);

#endif
