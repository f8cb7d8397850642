/* build.c - see build.h */
#include "build.h"

#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "sandbox.h"

#define BUILD_ARGS_MAX 64

static int has_file(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* argv for the build: make, or cc on every .c file of the folder. */
static int build_argv(struct build *b, const char *program, int sandboxed, char **argv, char *names,
		      size_t namelen, char *err)
{
	int n = 0;

	if (has_file(b->dir, "Makefile") || has_file(b->dir, "makefile") ||
	    has_file(b->dir, "GNUmakefile")) {
		argv[n++] = "make";
		argv[n++] = "--no-print-directory";
		/* a grade builds from source: no submitted binary or object counts */
		if (sandboxed)
			argv[n++] = "-B";
		argv[n++] = (char *)program;
		argv[n] = NULL;
		snprintf(b->cmd, sizeof(b->cmd), "make %s%s (in %s)", sandboxed ? "-B " : "",
			 program, b->dir);
		return 0;
	}
	DIR *d = opendir(b->dir);
	struct dirent *de;
	size_t used = 0;
	int first;

	if (!d)
		return errf(err, "cannot open '%s': %s", b->dir, strerror(errno));
	argv[n++] = "cc";
	argv[n++] = "-Wall";
	argv[n++] = "-Wextra";
	argv[n++] = "-O2";
	argv[n++] = "-o";
	argv[n++] = (char *)program;
	first = n;
	while ((de = readdir(d)) && n < BUILD_ARGS_MAX - 1) {
		size_t l = strlen(de->d_name);

		if (l < 3 || strcmp(de->d_name + l - 2, ".c") || used + l + 1 > namelen)
			continue;
		memcpy(names + used, de->d_name, l + 1);
		argv[n++] = names + used;
		used += l + 1;
	}
	closedir(d);
	argv[n] = NULL;
	if (n == first)
		return errf(err, "no Makefile and no .c file in '%s'", b->dir);
	qsort(argv + first, (size_t)(n - first), sizeof(argv[0]), cmp_str);
	snprintf(b->cmd, sizeof(b->cmd), "cc -Wall -Wextra -O2 -o %s *.c (in %s)", program, b->dir);
	return 0;
}

/* The build of an untrusted folder: in a pid namespace of its own (its
 * first process is the compiler's make, so that whatever it leaves behind
 * dies with it) and in the sandbox.  Does not return. */
static __attribute__((noreturn)) void sandboxed_exec(const struct sandbox *sb, char **argv)
{
	char err[ERRLEN];
	int st = 0, alive[2];
	pid_t pid;

	/* getppid() says 0 inside the new pid namespace: a pipe whose write
	 * end only this process holds says whether it is still there */
	if (pipe2(alive, O_CLOEXEC) < 0 || unshare(CLONE_NEWPID) < 0) {
		dprintf(STDERR_FILENO, "bindlab: cannot create a pid namespace: %s\n",
			strerror(errno));
		_exit(127);
	}
	pid = fork();
	if (pid < 0)
		_exit(127);
	if (pid == 0) {
		struct pollfd pf = {.fd = alive[0], .events = POLLIN};

		close(alive[1]);
		if (sandbox_enter(sb, NULL, err) < 0) {
			dprintf(STDERR_FILENO, "bindlab: %s\n", err);
			_exit(127);
		}
		/* the uid change cleared it: this is the build's pid 1, and
		 * whatever make leaves running dies with it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (poll(&pf, 1, 0) > 0)
			_exit(127); /* the parent died before prctl took hold */
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(alive[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static void keep(struct build *b, const char *buf, size_t n)
{
	size_t room = sizeof(b->log) - 1 - b->loglen;

	if (n > room)
		n = room;
	memcpy(b->log + b->loglen, buf, n);
	b->loglen += n;
	b->log[b->loglen] = '\0';
}

int build_program(struct build *b, const char *dir, const char *program, long timeout_ms,
		  const struct sandbox *sb, char *err)
{
	char *argv[BUILD_ARGS_MAX], names[8192];
	int p[2], st = 0, timed_out = 0;
	uint64_t deadline;
	struct stat st_prog;
	pid_t pid;

	memset(b, 0, sizeof(*b));
	b->status = -1;
	if (!realpath(dir, b->dir))
		return errf(err, "cannot open '%s': %s", dir, strerror(errno));
	if (stat(b->dir, &st_prog) < 0 || !S_ISDIR(st_prog.st_mode))
		return errf(err, "'%s' is not a folder", dir);
	if (build_argv(b, program, sb != NULL, argv, names, sizeof(names), err) < 0)
		return -1;
	if (sb) {
		char old[PATH_MAX + 64];

		snprintf(old, sizeof(old), "%s/%s", b->dir, program);
		unlink(old);
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return errf(err, "cannot create a pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return errf(err, "cannot fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		/* its own group, so that a timeout ends the compiler too */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		if (chdir(b->dir) < 0)
			_exit(127);
		if (sb)
			sandboxed_exec(sb, argv);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(p[1]);
	deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		struct pollfd pf = {.fd = p[0], .events = POLLIN};
		uint64_t now = now_ns();
		char buf[4096];
		ssize_t n;

		if (now >= deadline) {
			timed_out = 1;
			break;
		}
		if (poll(&pf, 1, (int)((deadline - now) / 1000000ull) + 1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!pf.revents)
			continue;
		n = read(p[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		keep(b, buf, (size_t)n);
	}
	close(p[0]);
	/* whatever the build left running in its group ends with it */
	kill(-pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	b->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (timed_out)
		return errf(err, "the build took longer than %ld s: stopped", timeout_ms / 1000);
	if (b->status)
		return errf(err, "the build failed (%s: exit status %d)", argv[0], b->status);
	snprintf(b->program, sizeof(b->program), "%s/%s", b->dir, program);
	if (stat(b->program, &st_prog) < 0 || !S_ISREG(st_prog.st_mode) ||
	    access(b->program, X_OK) < 0)
		return errf(err, "the build made no program '%s' in %s", program, b->dir);
	return 0;
}
