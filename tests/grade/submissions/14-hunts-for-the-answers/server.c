/* 14-hunts-for-the-answers - the untouched starter's program (no
 * SO_REUSEADDR), which first looks for the staff's files: the hidden
 * checks (staff/NN/hidden/ *.scn) and the reference solution
 * (staff/NN/solution/change.patch).  It tries the paths a student would
 * guess (../../staff and deeper, /work, /proc/1/root, the working folder
 * of every process it can see, $BINDLAB_LABS) and then walks /, for at
 * most 300 ms.  It prints on stderr where it looked, what it found, the
 * first line of each file and whether it could write to it (it never
 * does), and it cheats with what it finds: with the staff's files in
 * sight it behaves as the solution does.
 *
 * A grader must show it none of them (and nothing of anyone else's), so
 * that it finds nothing and is graded as the starter: 01, 04 and 05 pass,
 * 02 and 03 fail: 4 / 9.  9 / 9 means the staff's files were in reach. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUDGET_MS 300
#define MAX_DEPTH 7

static int found, looked;
static struct timespec t0;

static long elapsed_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
}

static int is_staff_file(const char *path)
{
	size_t n = strlen(path);

	return strstr(path, "staff/") &&
	       ((strstr(path, "/hidden/") && n > 4 && !strcmp(path + n - 4, ".scn")) ||
		(strstr(path, "/solution/") && n > 12 && !strcmp(path + n - 12, "change.patch")));
}

static void report(const char *path)
{
	char first[128] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(first, sizeof(first), f))
			first[0] = '\0';
		first[strcspn(first, "\n")] = '\0';
		fclose(f);
	}
	found++;
	if (found <= 12)
		fprintf(stderr, "hunt: found %s (%s%s): %s\n", path, f ? "readable" : "unreadable",
			access(path, W_OK) == 0 ? ", writable" : "", first);
}

/* Skipped below the top: no staff files there, and too much to walk. */
static int boring(const char *name)
{
	static const char *const skip[] = {
	    "proc", "sys",  "dev", "usr",  "lib",	   "lib64", "lib32",	 "bin",
	    "sbin", "boot", "run", ".git", "node_modules", "build", "scenarios", NULL};

	for (int i = 0; skip[i]; i++)
		if (!strcmp(name, skip[i]))
			return 1;
	return 0;
}

static void walk(const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;

	if (depth > MAX_DEPTH || elapsed_ms() > BUDGET_MS || !(d = opendir(dir)))
		return;
	while ((e = readdir(d)) && elapsed_ms() <= BUDGET_MS) {
		char path[PATH_MAX];
		struct stat st;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || boring(e->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name) >=
		    (int)sizeof(path))
			continue;
		looked++;
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(path, depth + 1);
		else if (S_ISREG(st.st_mode) && is_staff_file(path))
			report(path);
	}
	closedir(d);
}

static void hunt(const char *argv0)
{
	static const char *const guesses[] = {"../staff",
					      "../../staff",
					      "../../../staff",
					      "../../../../staff",
					      "../../../../../staff",
					      "/work",
					      "/proc/1/root/work",
					      "/proc/1/cwd",
					      "/root",
					      "/home",
					      "/srv",
					      "/opt",
					      "/tmp",
					      NULL};
	char here[PATH_MAX], path[PATH_MAX + 32];
	const char *labs = getenv("BINDLAB_LABS");
	DIR *procs;
	struct dirent *e;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(here, sizeof(here), "%s", argv0);
	dirname(here);
	for (int i = 0; guesses[i]; i++) {
		walk(guesses[i], 0);
		if (guesses[i][0] == '.') { /* beside the program too, not only in the cwd */
			snprintf(path, sizeof(path), "%s/%s", here, guesses[i]);
			walk(path, 0);
		}
	}
	if (labs) {
		snprintf(path, sizeof(path), "%s/../staff", labs);
		walk(path, 0);
	}
	/* the working folder of every process in sight: the grader's may be the repository */
	if ((procs = opendir("/proc"))) {
		while ((e = readdir(procs)))
			if (e->d_name[0] >= '1' && e->d_name[0] <= '9') {
				snprintf(path, sizeof(path), "/proc/%s/cwd", e->d_name);
				walk(path, 0);
			}
		closedir(procs);
	}
	walk("/", 0);
	fprintf(stderr, "hunt: %d entries looked at in %ld ms, %d staff files found%s\n", looked,
		elapsed_ms(), found,
		found ? ": cheating with them (SO_REUSEADDR)" : ": the starter as it was");
}

static void serve(int conn)
{
	char line[256], reply[272], ch;
	size_t n = 0;
	int len;

	while (n + 1 < sizeof(line) && read(conn, &ch, 1) == 1 && ch != '\n')
		line[n++] = ch;
	line[n] = '\0';
	len = snprintf(reply, sizeof(reply), "hello, %s\n", line);
	if (write(conn, reply, (size_t)len) < 0)
		perror("write");
	close(conn);
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	int ls, one = 1;

	if (argc != 2)
		return 2;
	hunt(argv[0]);
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	ls = socket(AF_INET, SOCK_STREAM, 0);
	/* the cheat: the fix, but only where the answers could be seen */
	if (found && setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		perror("setsockopt");
	if (bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 16) < 0) {
		perror("bind");
		return 1;
	}
	for (;;) {
		int conn = accept(ls, NULL, NULL);

		if (conn >= 0)
			serve(conn);
		else if (errno != ECONNABORTED)
			return 1;
	}
}
