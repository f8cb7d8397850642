/* collect.c - see collect.h */
#include "collect.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int add(struct collection *c, const char *path, int from_dir)
{
	struct scn_file *nv = array_grow(c->files, &c->cap, c->n + 1, sizeof(*nv));

	if (!nv)
		return -1;
	c->files = nv;
	memset(&c->files[c->n], 0, sizeof(c->files[0]));
	c->files[c->n].path = strdup(path);
	c->files[c->n].from_dir = from_dir;
	return c->files[c->n].path ? (c->n++, 0) : -1;
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Every *.scn below dir, in alphabetical order at each level. */
static int walk(const char *dir, struct collection *c, char *err)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort);
	int rc = 0;

	if (n < 0)
		return errf(err, "cannot read directory '%s': %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat sb;

		if (ents[i]->d_name[0] == '.' || rc < 0)
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (stat(path, &sb) < 0)
			goto next;
		if (S_ISDIR(sb.st_mode))
			rc = walk(path, c, err);
		else if (ends_with(path, ".scn") && add(c, path, 1) < 0)
			rc = errf(err, "out of memory");
	next:
		free(ents[i]);
	}
	free(ents);
	return rc;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct scn_file *)a)->path, ((const struct scn_file *)b)->path);
}

int collect(char **args, int nargs, int with_slow, const struct plan_defs *defs,
	    struct collection *c, char *err)
{
	char perr[ERRLEN];

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < nargs; i++) {
		struct stat sb;
		char path[4096];

		snprintf(path, sizeof(path), "%s", args[i]);
		while (strlen(path) > 1 && path[strlen(path) - 1] == '/')
			path[strlen(path) - 1] = '\0';
		if (stat(path, &sb) < 0)
			return errf(err, "cannot open '%s': %s", args[i], strerror(errno));
		if (S_ISDIR(sb.st_mode)) {
			int before = c->n;

			if (walk(path, c, err) < 0)
				return -1;
			if (c->n == before)
				return errf(err, "no .scn files under '%s'", args[i]);
			qsort(c->files + before, (size_t)(c->n - before), sizeof(c->files[0]),
			      cmp_file);
		} else if (add(c, path, 0) < 0) {
			return errf(err, "out of memory");
		}
	}
	/* Parse everything first: bad input is reported before anything runs. */
	for (int i = 0; i < c->n; i++) {
		struct scn_file *f = &c->files[i];

		if (plan_parse_file_defs(f->path, defs, &f->plans, &f->nplans, perr) < 0) {
			fprintf(stderr, "%s\n", perr);
			c->bad++;
			continue;
		}
		/* `# slow:` waits out real kernel timers (a minute): a directory
		 * run leaves it out unless asked */
		if (f->from_dir && !with_slow && plan_meta(&f->plans[0], "slow")) {
			plan_free(f->plans, f->nplans);
			f->plans = NULL;
			f->nplans = 0;
			c->skipped_slow++;
		}
	}
	return 0;
}

void collection_free(struct collection *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->files[i].path);
		if (c->files[i].plans)
			plan_free(c->files[i].plans, c->files[i].nplans);
	}
	free(c->files);
	memset(c, 0, sizeof(*c));
}
