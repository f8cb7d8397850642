/* sandbox.c - see sandbox.h */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

/* open_tree(2) and move_mount(2) (Linux 5.2): a copy of a mount taken
 * before the staging tmpfs covers /tmp, where the scratch folder may be. */
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

#define SANDBOX_FILES_MAX 2000 /* in a submission */
#define SANDBOX_DEPTH_MAX 16

void sandbox_defaults(struct sandbox *sb, int slot)
{
	memset(sb, 0, sizeof(*sb));
	sb->uid = (uid_t)(SANDBOX_UID_BASE + (slot % SANDBOX_SLOTS));
	sb->cpu_s = 20;
	sb->mem_mb = 1024;
	sb->nproc = 64;
	sb->nofile = 1024;
	sb->fsize_mb = 16;
	sb->scratch_mb = 64;
}

/* --- the scratch copy ------------------------------------------------------ */

struct copy {
	uid_t uid;
	int refused; /* the submission broke a limit: not bindlab's failure */
	long files;
	unsigned long long bytes, max_bytes;
	char *err;
};

static int copy_file(int from_dir, const char *name, int to_dir, mode_t mode, struct copy *c)
{
	int in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	int out = -1, rc = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return errf(c->err, "cannot read '%s': %s", name, strerror(errno));
	out = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     (mode & 0100) ? 0700 : 0600);
	if (out < 0) {
		errf(c->err, "cannot copy '%s': %s", name, strerror(errno));
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		c->bytes += (unsigned long long)n;
		if (c->bytes > c->max_bytes) {
			c->refused = 1;
			errf(c->err, "the submission is larger than %llu MiB", c->max_bytes >> 20);
			goto out;
		}
		if (write(out, buf, (size_t)n) != n) {
			c->refused = errno == ENOSPC || errno == EFBIG;
			errf(c->err, "cannot copy '%s': %s", name, strerror(errno));
			goto out;
		}
	}
	if (n < 0) {
		errf(c->err, "cannot read '%s': %s", name, strerror(errno));
		goto out;
	}
	if (fchown(out, c->uid, c->uid) < 0) {
		errf(c->err, "cannot chown '%s': %s", name, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/* Copy the folder from (a descriptor) into the folder to: regular files
 * and folders only.  A link is not followed: a submission that links to
 * the staff folder gets an absent file, not the staff's. */
static int copy_dir(int from, int to, int depth, struct copy *c)
{
	int fd = dup(from);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int rc = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return errf(c->err, "cannot read the submission: %s", strerror(errno));
	}
	if (depth > SANDBOX_DEPTH_MAX) {
		closedir(d);
		c->refused = 1;
		return errf(c->err, "the submission's folders nest deeper than %d",
			    SANDBOX_DEPTH_MAX);
	}
	while (rc == 0 && (de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(from, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (++c->files > SANDBOX_FILES_MAX) {
			c->refused = 1;
			rc = errf(c->err, "the submission has more than %d files",
				  SANDBOX_FILES_MAX);
			break;
		}
		if (S_ISREG(st.st_mode)) {
			rc = copy_file(from, de->d_name, to, st.st_mode, c);
		} else if (S_ISDIR(st.st_mode)) {
			int sub_from, sub_to;

			if (mkdirat(to, de->d_name, 0700) < 0) {
				rc = errf(c->err, "cannot copy '%s': %s", de->d_name,
					  strerror(errno));
				break;
			}
			sub_from = openat(from, de->d_name,
					  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			sub_to = openat(to, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub_from < 0 || sub_to < 0)
				rc = errf(c->err, "cannot copy '%s': %s", de->d_name,
					  strerror(errno));
			else if (fchown(sub_to, c->uid, c->uid) < 0)
				rc = errf(c->err, "cannot chown '%s': %s", de->d_name,
					  strerror(errno));
			else
				rc = copy_dir(sub_from, sub_to, depth + 1, c);
			if (sub_from >= 0)
				close(sub_from);
			if (sub_to >= 0)
				close(sub_to);
		}
		/* links, FIFOs, devices, sockets: not part of a submission */
	}
	closedir(d);
	return rc;
}

int sandbox_scratch(struct sandbox *sb, const char *dir, char *err)
{
	char opts[128], real[PATH_MAX];
	struct copy c = {.uid = sb->uid, .err = err};
	int from = -1, to = -1, rc = -1;

	if (!realpath(dir, real))
		return errf(err, "cannot open '%s': %s", dir, strerror(errno));
	if (strlen(real) >= sizeof(sb->scratch))
		return errf(err, "path too long: %s", real);
	/* the descriptor still reads the folder once the tmpfs covers it */
	from = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (from < 0)
		return errf(err, "cannot open '%s': %s", dir, strerror(errno));
	if (unshare(CLONE_NEWNS) < 0) {
		errf(err, "cannot create a mount namespace: %s", strerror(errno));
		goto out;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		errf(err, "cannot make the mounts private: %s", strerror(errno));
		goto out;
	}
	snprintf(opts, sizeof(opts), "size=%ldm,mode=0700,uid=%u,gid=%u", sb->scratch_mb,
		 (unsigned)sb->uid, (unsigned)sb->uid);
	if (mount("bindlab-scratch", real, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
		errf(err, "cannot mount the scratch folder on '%s': %s", real, strerror(errno));
		goto out;
	}
	to = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (to < 0) {
		errf(err, "cannot open the scratch folder: %s", strerror(errno));
		goto out;
	}
	c.max_bytes = (unsigned long long)sb->scratch_mb << 20;
	if (copy_dir(from, to, 0, &c) < 0) {
		rc = c.refused ? -2 : -1;
		goto out;
	}
	memcpy(sb->scratch, real, strlen(real) + 1);
	rc = 0;
out:
	if (from >= 0)
		close(from);
	if (to >= 0)
		close(to);
	return rc;
}

/* --- the program's root ------------------------------------------------------ */

/* mkdir -p of path (absolute) under root. */
static int make_path(const char *root, const char *path, char *err)
{
	char buf[PATH_MAX * 2];
	size_t rl = strlen(root);

	if (rl + strlen(path) + 1 > sizeof(buf))
		return errf(err, "path too long: %s", path);
	snprintf(buf, sizeof(buf), "%s%s", root, path);
	for (char *p = buf + rl + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return errf(err, "cannot make '%s': %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return errf(err, "cannot make '%s': %s", buf, strerror(errno));
	return 0;
}

/* Bind src read-only at the same path under root; a link is made again as
 * a link (/bin -> usr/bin), an absent source is skipped. */
static int show_dir(const char *root, const char *src, char *err)
{
	char dst[PATH_MAX * 2], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (lstat(src, &st) < 0)
		return 0;
	snprintf(dst, sizeof(dst), "%s%s", root, src);
	if (S_ISLNK(st.st_mode)) {
		n = readlink(src, target, sizeof(target) - 1);
		if (n < 0)
			return errf(err, "cannot read the link '%s': %s", src, strerror(errno));
		target[n] = '\0';
		if (symlink(target, dst) < 0)
			return errf(err, "cannot link '%s': %s", dst, strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (make_path(root, src, err) < 0)
		return -1;
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) <
		0)
		return errf(err, "cannot show '%s': %s", src, strerror(errno));
	return 0;
}

/* A device node bound at /dev/NAME under root. */
static int show_dev(const char *root, const char *name, char *err)
{
	char src[64], dst[PATH_MAX];
	int fd;

	snprintf(src, sizeof(src), "/dev/%s", name);
	snprintf(dst, sizeof(dst), "%s/dev/%s", root, name);
	fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0)
		return errf(err, "cannot make '%s': %s", dst, strerror(errno));
	close(fd);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC, NULL) < 0)
		return errf(err, "cannot show '%s': %s", src, strerror(errno));
	return 0;
}

/* Attach a copied mount (open_tree) at path under root; a file needs a file
 * to sit on, a folder a folder. */
static int attach(int tree, const char *root, const char *path, int is_file, int ro, char *err)
{
	char dst[PATH_MAX * 2], parent[PATH_MAX];

	snprintf(dst, sizeof(dst), "%s%s", root, path);
	if (is_file) {
		int fd;
		char *slash;

		snprintf(parent, sizeof(parent), "%s", path);
		slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = '\0';
			if (make_path(root, parent, err) < 0)
				return -1;
		}
		fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return errf(err, "cannot make '%s': %s", dst, strerror(errno));
		close(fd);
	} else if (make_path(root, path, err) < 0) {
		return -1;
	}
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return errf(err, "cannot show '%s': %s", path, strerror(errno));
	if (ro && mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
			NULL) < 0)
		return errf(err, "cannot make '%s' read-only: %s", path, strerror(errno));
	return 0;
}

static int limit(int res, long v, char *err)
{
	struct rlimit rl = {.rlim_cur = (rlim_t)v, .rlim_max = (rlim_t)v};

	if (setrlimit(res, &rl) < 0)
		return errf(err, "cannot set a limit: %s", strerror(errno));
	return 0;
}

int sandbox_enter(const struct sandbox *sb, const char *lib, char *err)
{
	static const char *const dirs[] = {"/usr", "/etc",   "/bin",   "/sbin",
					   "/lib", "/lib32", "/lib64", "/libx32"};
	static const char *const devs[] = {"null", "zero", "full", "random", "urandom"};
	const char *root = "/tmp";
	char proc[PATH_MAX];
	int scratch = -1, libtree = -1, rc = -1;

	if (!sb->uid)
		return errf(err, "the sandbox needs a uid other than root's");
	/* an actor's fsuid (sandbox_actor) would deny root's mounts below */
	setfsuid(0);
	setfsgid(0);
	if (unshare(CLONE_NEWNS) < 0)
		return errf(err, "cannot create a mount namespace: %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return errf(err, "cannot make the mounts private: %s", strerror(errno));
	/* copies of what may sit under /tmp, before the new root covers it */
	scratch = (int)syscall(SYS_open_tree, AT_FDCWD, sb->scratch, OPEN_TREE_CLONE | O_CLOEXEC);
	if (scratch < 0) {
		errf(err, "cannot open the scratch folder '%s': %s", sb->scratch, strerror(errno));
		goto out;
	}
	if (lib && *lib) {
		libtree = (int)syscall(SYS_open_tree, AT_FDCWD, lib, OPEN_TREE_CLONE | O_CLOEXEC);
		if (libtree < 0) {
			errf(err, "cannot open '%s': %s", lib, strerror(errno));
			goto out;
		}
	}
	if (mount("bindlab-root", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0) {
		errf(err, "cannot mount the sandbox's root: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (show_dir(root, dirs[i], err) < 0)
			goto out;
	if (make_path(root, "/dev", err) < 0)
		goto out;
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (show_dev(root, devs[i], err) < 0)
			goto out;
	/* this pid namespace's processes; root's (the actors, the reaper) hidden */
	snprintf(proc, sizeof(proc), "%s/proc", root);
	if (make_path(root, "/proc", err) < 0)
		goto out;
	if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2") < 0) {
		errf(err, "cannot mount /proc: %s", strerror(errno));
		goto out;
	}
	if (attach(scratch, root, sb->scratch, 0, 0, err) < 0)
		goto out;
	if (libtree >= 0 && attach(libtree, root, lib, 1, 1, err) < 0)
		goto out;
	if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		errf(err, "cannot enter the sandbox's root: %s", strerror(errno));
		goto out;
	}
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) <
	    0) {
		errf(err, "cannot make the sandbox's root read-only: %s", strerror(errno));
		goto out;
	}
	if (chdir(sb->scratch) < 0) {
		errf(err, "cannot enter '%s': %s", sb->scratch, strerror(errno));
		goto out;
	}
	setenv("HOME", sb->scratch, 1);
	setenv("TMPDIR", sb->scratch, 1);
	if (limit(RLIMIT_CPU, sb->cpu_s, err) < 0 || limit(RLIMIT_AS, sb->mem_mb << 20, err) < 0 ||
	    limit(RLIMIT_NPROC, sb->nproc, err) < 0 || limit(RLIMIT_NOFILE, sb->nofile, err) < 0 ||
	    limit(RLIMIT_FSIZE, sb->fsize_mb << 20, err) < 0 || limit(RLIMIT_CORE, 0, err) < 0)
		goto out;
	if (setgroups(0, NULL) < 0 || setresgid(sb->uid, sb->uid, sb->uid) < 0 ||
	    setresuid(sb->uid, sb->uid, sb->uid) < 0) {
		errf(err, "cannot become uid %u: %s", (unsigned)sb->uid, strerror(errno));
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		errf(err, "cannot set no_new_privs: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (scratch >= 0)
		close(scratch);
	if (libtree >= 0)
		close(libtree);
	return rc;
}

int sandbox_actor(const struct sandbox *sb, char *err)
{
	/* A socket's owner (sk_uid, what SO_REUSEPORT compares) is the fsuid
	 * of its creator.  The actor stays root otherwise, and non-dumpable, so
	 * that the program cannot trace it or read its memory. */
	setfsgid(sb->uid);
	setfsuid(sb->uid);
	if ((uid_t)setfsuid((uid_t)-1) != sb->uid)
		return errf(err, "cannot take uid %u for the actor's sockets", (unsigned)sb->uid);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return errf(err, "cannot make the actor non-dumpable: %s", strerror(errno));
	return 0;
}
