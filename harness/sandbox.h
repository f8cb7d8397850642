/* sandbox.h - where an untrusted program runs when bindlab grades it.
 *
 * The grader copies a student's folder into a scratch folder (a tmpfs in
 * its own mount namespace, so nothing of it outlives the grader), builds
 * it there and runs it, each time in a child that has entered
 * sandbox_enter():
 *
 *   - its own mount namespace whose root is a small read-only tmpfs holding
 *     /usr, /etc, /bin, /sbin, /lib* (read-only binds), /dev/null, zero,
 *     full, random, urandom, a fresh /proc of its pid namespace (other
 *     users' processes invisible), the trace library, and the scratch
 *     folder read-write at its own path: no staff folder, no other
 *     submission, no report, no host /tmp;
 *   - an unprivileged uid and gid (no supplementary groups), no_new_privs;
 *   - limits on CPU time, address space, processes (per uid: one uid per
 *     grader slot, so that one student's fork bomb starves no other),
 *     open files and file size.
 *
 * The world's actors create their sockets as the same uid (sandbox_actor),
 * so that the kernel's same-user rules (SO_REUSEPORT) judge a graded
 * program as they would judge it beside its own user's other programs;
 * they keep root's other powers, and the program cannot signal or trace
 * them.  Everything runs in the world's pid namespace, which the kernel
 * empties when the run ends. */
#ifndef BINDLAB_SANDBOX_H
#define BINDLAB_SANDBOX_H

#include <limits.h>
#include <sys/types.h>

#define SANDBOX_UID_BASE 60100 /* first uid of the grader slots */
#define SANDBOX_SLOTS 64

struct sandbox {
	uid_t uid;		/* the program's uid and gid, never 0 */
	char scratch[PATH_MAX]; /* the one folder it may write, its cwd and HOME */
	long cpu_s;		/* RLIMIT_CPU */
	long mem_mb;		/* RLIMIT_AS */
	long nproc;		/* RLIMIT_NPROC (counted per uid) */
	long nofile;		/* RLIMIT_NOFILE */
	long fsize_mb;		/* RLIMIT_FSIZE */
	long scratch_mb;	/* size of the scratch tmpfs */
};

/* The limits a lab's program runs under; uid from the slot. */
void sandbox_defaults(struct sandbox *sb, int slot);

/* In the grader, as root, before anything of the student's runs: a private
 * mount namespace for the calling process, a tmpfs of sb->scratch_mb over
 * dir holding a copy of what dir held (regular files and folders only, at
 * most sb->scratch_mb), owned by sb->uid; sb->scratch is set to dir.  The
 * folder itself is never written.  0; -2 with err when the submission
 * breaks a limit (too large, too many files, too deep: the student's to
 * fix); -1 with err when bindlab could not do it. */
int sandbox_scratch(struct sandbox *sb, const char *dir, char *err);

/* In a child between fork() and exec(), as root: enter the sandbox (see
 * above); lib is a file to show read-only at its own path (the trace
 * library), or NULL.  0, or -1 with err (the child then reports and exits). */
int sandbox_enter(const struct sandbox *sb, const char *lib, char *err);

/* In an actor: the sockets it creates from now on belong to sb->uid. */
int sandbox_actor(const struct sandbox *sb, char *err);

#endif
