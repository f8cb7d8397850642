/* main.c - the bindlab command: find the verb in the command table and run
 * it.  Only the command line prints and exits; the engine returns data. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const struct command *const commands[] = {
    &command_run,	    &command_list, &command_lab,    &command_check,   &command_grade,
    &command_restart_check, &command_who,  &command_doctor, &command_version, &command_help,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cli_exit_status(FILE *out)
{
	fprintf(out, "exit status: 0 every expectation held, 1 one failed, 2 bad input or an "
		     "unusable environment\n");
}

void cli_usage(FILE *out, const struct command *c)
{
	fprintf(out, "usage: bindlab %s%s%s\n", c->name, c->args[0] ? " " : "", c->args);
	fprintf(out, "  %s\n", c->summary);
	if (c->details)
		fputs(c->details, out);
	if (c->opts && c->opts[0].flags) {
		fprintf(out, "\noptions:\n");
		for (const struct cli_option *o = c->opts; o->flags; o++)
			fprintf(out, "  %-22s %s\n", o->flags, o->help);
	}
}

static void usage_all(FILE *out)
{
	fprintf(out, "usage: bindlab COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char head[96];

		snprintf(head, sizeof(head), "%s %s", commands[i]->name, commands[i]->args);
		fprintf(out, "  %-44s %s\n", head, commands[i]->summary);
	}
	fprintf(out, "\n'bindlab COMMAND --help' shows a command's options.\n");
	cli_exit_status(out);
}

static int help_main(int argc, char **argv)
{
	if (argc > 1) {
		for (size_t i = 0; i < NCOMMANDS; i++)
			if (!strcmp(argv[1], commands[i]->name)) {
				cli_usage(stdout, commands[i]);
				return EXIT_PASS;
			}
		fprintf(stderr, "bindlab: unknown command '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	usage_all(stdout);
	return EXIT_PASS;
}

static int version_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("bindlab %s\n", BINDLAB_VERSION);
	return EXIT_PASS;
}

const struct command command_help = {"help", "[COMMAND]", "this list, or one command's options",
				     NULL,   NULL,	  help_main};
const struct command command_version = {"version", "",	 "print bindlab's version",
					NULL,	   NULL, version_main};

int cli_number(const char *opt, const char *s, long min, long max, long *out)
{
	if (number_parse(s, min, max, out) == 0)
		return 0;
	fprintf(stderr, "bindlab: %s takes a number from %ld to %ld, not '%s'\n", opt, min, max, s);
	return -1;
}

int cli_duration(const char *opt, const char *s, long max_ms, long *ms)
{
	if (duration_parse(s, max_ms, 0, ms) == 0)
		return 0;
	fprintf(stderr,
		"bindlab: %s takes a duration such as 2s or 500ms (at most %ld s), not '%s'\n", opt,
		max_ms / 1000, s);
	return -1;
}

int cli_write_all(int fd, const void *data, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, (const char *)data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

int cli_write_file(const char *path, const char *data, size_t len, char *err)
{
	char dir[4096];
	const char *name;
	struct stat sb;
	int fd, rc;

	if (!strcmp(path, "-")) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			return errf(err, "cannot write to stdout: %s", strerror(errno));
		return 0;
	}
	/* /dev/stdout, a pipe: written as it is, never replaced */
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || cli_write_all(fd, data, len) < 0) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			return errf(err, "cannot write '%s': %s", path, strerror(e));
		}
		if (close(fd) < 0)
			return errf(err, "cannot write '%s': %s", path, strerror(errno));
		return 0;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
		name = path;
	} else {
		name = path + (slash - dir) + 1;
		slash[slash == dir] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errf(err, "cannot write '%s': %s", path, strerror(errno));
	rc = write_file_atomic(fd, name, path, data, len, err);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return help_main(1, argv);
	if (!strcmp(argv[1], "--version"))
		return version_main(1, argv);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->main(argc - 1, argv + 1);
	fprintf(stderr, "bindlab: unknown command '%s'\n", argv[1]);
	usage_all(stderr);
	return EXIT_USAGE;
}
