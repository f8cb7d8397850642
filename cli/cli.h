/* cli.h - the bindlab command: one file per verb (cmd_*.c), each with one
 * `const struct command` that main.c lists.  `bindlab help` and every
 * `bindlab VERB --help` are printed from those structs, never written by
 * hand twice. */
#ifndef BINDLAB_CLI_H
#define BINDLAB_CLI_H

#include <stdio.h>

#include "common.h"

#define BINDLAB_VERSION "0.1.0"

struct cli_option {
	const char *flags; /* "--json FILE" */
	const char *help;  /* "write the report as JSON ('-' for stdout)" */
};

struct command {
	const char *name;	       /* "run" */
	const char *args;	       /* "[options] SCENARIO|DIR..." */
	const char *summary;	       /* one line, for `bindlab help` */
	const char *details;	       /* more lines for `bindlab VERB --help`, or NULL */
	const struct cli_option *opts; /* ends with {NULL, NULL} */
	int (*main)(int argc, char **argv);
};

extern const struct command command_run, command_list, command_restart_check, command_who,
    command_doctor, command_version, command_help, command_lab, command_check, command_grade;

/* `bindlab VERB --help` for c. */
void cli_usage(FILE *out, const struct command *c);

/* Strict numbers and durations for options (common.h's one parser); on a
 * bad value print "bindlab: OPTION takes ..." and return -1. */
int cli_number(const char *opt, const char *s, long min, long max, long *out);
int cli_duration(const char *opt, const char *s, long max_ms, long *ms);

/* write() all of data, through EINTR; -1 with errno. */
int cli_write_all(int fd, const void *data, size_t len);
/* Write a JSON report to path atomically ("-": stdout): data holds it
 * whole.  0, or -1 with err. */
int cli_write_file(const char *path, const char *data, size_t len, char *err);

#endif
