/* cmd_list.c - `bindlab list [--json] SCENARIO|DIR...`: the scenarios a
 * run would take, with their variants and the `# key: value` lines of
 * their opening comments, as the parser reads them.  docs/matrix.py and
 * the tests read it rather than parse comments of their own. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "collect.h"
#include "jsonw.h"

static const struct cli_option list_opts[] = {
    {"--json", "one JSON object: {\"scenarios\": [{file, name, variants, meta}]}"},
    {"--slow", "include the scenarios marked '# slow:' under a directory"},
    {NULL, NULL},
};

static void list_json(const struct collection *c)
{
	int first = 1;

	printf("{\"scenarios\":[");
	for (int i = 0; i < c->n; i++) {
		const struct scn_file *f = &c->files[i];

		if (!f->nplans)
			continue;
		printf("%s\n{\"file\":", first ? "" : ",");
		first = 0;
		json_str(stdout, f->path);
		printf(",\"name\":");
		json_str(stdout, f->plans[0].name);
		printf(",\"variants\":[");
		for (int k = 0; k < f->nplans; k++) {
			printf("%s", k ? "," : "");
			json_str(stdout, f->plans[k].variant);
		}
		printf("],\"meta\":{");
		for (int k = 0; k < f->plans[0].nmeta; k++) {
			printf("%s", k ? "," : "");
			json_str(stdout, f->plans[0].meta[k].key);
			putchar(':');
			json_str(stdout, f->plans[0].meta[k].value);
		}
		printf("}}");
	}
	printf("]}\n");
}

static int list_main(int argc, char **argv)
{
	static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
						 {"slow", no_argument, NULL, 'S'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct collection col;
	int json = 0, slow = 0, c;
	char err[ERRLEN];

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'S')
			slow = 1;
		else {
			cli_usage(c == 'h' ? stdout : stderr, &command_list);
			return c == 'h' ? EXIT_PASS : EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "bindlab: list needs a scenario file or directory\n");
		return EXIT_USAGE;
	}
	if (collect(argv + optind, argc - optind, slow, NULL, &col, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		collection_free(&col);
		return EXIT_USAGE;
	}
	if (json) {
		list_json(&col);
	} else {
		for (int i = 0; i < col.n; i++) {
			const struct scn_file *f = &col.files[i];
			const char *q = f->nplans ? plan_meta(&f->plans[0], "question") : NULL;

			if (f->nplans)
				printf("%s (%d run%s)%s%s\n", f->path, f->nplans,
				       f->nplans > 1 ? "s" : "", q ? ": " : "", q ? q : "");
		}
	}
	c = col.bad ? EXIT_USAGE : EXIT_PASS;
	collection_free(&col);
	return c;
}

const struct command command_list = {
    "list",
    "[--json] SCENARIO|DIR...",
    "the scenarios a run would take, their variants and what each asks",
    NULL,
    list_opts,
    list_main,
};
