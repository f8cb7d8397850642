/* build.h - build a student's program in their folder: `make PROGRAM`
 * when the folder has a Makefile, else `cc -Wall -Wextra -O2 -o PROGRAM
 * *.c`, bounded in time, its output kept (not printed) for the report. */
#ifndef BINDLAB_BUILD_H
#define BINDLAB_BUILD_H

#include <limits.h>
#include <stddef.h>

#define BUILD_LOG_MAX 8192

struct build {
	char dir[PATH_MAX];	     /* the student's folder, absolute */
	char program[PATH_MAX + 64]; /* dir/PROGRAM once built */
	char cmd[PATH_MAX + 128];    /* "make server (in DIR)", as shown */
	char log[BUILD_LOG_MAX];     /* what the compiler said (the end, when longer) */
	size_t loglen;
	int status; /* the build's exit status, 128 + signal, -1 not run */
};

struct sandbox;

/* Build program in dir within timeout_ms; with sb, in the sandbox as its
 * uid (dir is then its scratch folder).  0 when the program is there and
 * executable afterwards; -1 with err saying why not (the build failed, took
 * too long, made no such program). */
int build_program(struct build *b, const char *dir, const char *program, long timeout_ms,
		  const struct sandbox *sb, char *err);

#endif
