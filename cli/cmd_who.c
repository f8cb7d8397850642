/* cmd_who.c - `bindlab who PORT|ADDR:PORT [--would-bind ...]` */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"
#include "who.h"

static const struct cli_option who_opts_help[] = {
    {"--would-bind", "would a new bind to that address succeed now, and what blocks it"},
    {"--reuseaddr, --reuseport", "with --would-bind: the new socket sets that option"},
    {"--udp", "with --would-bind: a UDP bind (default TCP)"},
    {"--json", "one JSON object"},
    {NULL, NULL},
};

static int who_main(int argc, char **argv)
{
	static const struct option longopts[] = {{"would-bind", no_argument, NULL, 'w'},
						 {"reuseaddr", no_argument, NULL, 'a'},
						 {"reuseport", no_argument, NULL, 'p'},
						 {"udp", no_argument, NULL, 'u'},
						 {"json", no_argument, NULL, 'j'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct who_opts o;
	struct who_result *res;
	char err[ERRLEN];
	int c;
	long port;
	char *end;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			o.would_bind = 1;
			break;
		case 'a':
			o.reuseaddr = 1;
			break;
		case 'p':
			o.reuseport = 1;
			break;
		case 'u':
			o.udp = 1;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'h':
			cli_usage(stdout, &command_who);
			return EXIT_PASS;
		default:
			cli_usage(stderr, &command_who);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_usage(stderr, &command_who);
		return EXIT_USAGE;
	}
	errno = 0;
	port = strtol(argv[optind], &end, 10);
	if (!errno && !*end && end != argv[optind] && port > 0 && port <= 65535) {
		addr_parse("0.0.0.0", &o.ep.addr);
		o.ep.port = (uint16_t)port;
	} else if (endpoint_parse(argv[optind], &o.ep) < 0 || o.ep.port == 0) {
		fprintf(stderr, "bindlab: bad port '%s': write 8080, 10.0.0.1:8080 or [::1]:8080\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	res = malloc(sizeof(*res));
	if (!res || who_query(&o, res, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", res ? err : "out of memory");
		free(res);
		return EXIT_USAGE;
	}
	render_who(stdout, &o, res);
	c = o.would_bind && res->pred.conflict ? EXIT_FAIL : EXIT_PASS;
	free(res);
	return c;
}

const struct command command_who = {
    "who",
    "PORT|ADDR:PORT [--would-bind ...] [--json]",
    "who holds a port here (state, timer, owner), and whether a bind would succeed",
    NULL,
    who_opts_help,
    who_main,
};
