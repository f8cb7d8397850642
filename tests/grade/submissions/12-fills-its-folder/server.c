/* 12-fills-its-folder - the right fix (SO_REUSEADDR before bind), which at
 * each start appends to a "cache" file beside the program, 1 MiB at a time,
 * until a write fails (the disk is full, the file-size limit: SIGXFSZ is
 * ignored so that the limit shows as EFBIG instead of killing it), but
 * never past 2 GiB in all.  Then it serves.
 *
 * A grader must bound the space the submission can fill, leave nothing on
 * disk (the instructor's folder included) and give full marks (9 / 9): the
 * server does everything the checks ask once its file is written. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define CAP (2LL << 30) /* 2 GiB */

static void fill(const char *argv0)
{
	static char block[1 << 20];
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct stat st;
	long long added = 0;
	int fd;

	snprintf(dir, sizeof(dir), "%s", argv0);
	snprintf(path, sizeof(path), "%s/cache.bin", dirname(dir));
	signal(SIGXFSZ, SIG_IGN);
	memset(block, 'x', sizeof(block));
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0) {
		fprintf(stderr, "cannot open '%s': %s\n", path, strerror(errno));
		return;
	}
	while (fstat(fd, &st) == 0 && st.st_size + (long long)sizeof(block) <= CAP) {
		ssize_t n = write(fd, block, sizeof(block));

		if (n <= 0) {
			fprintf(stderr, "'%s': %lld bytes added, then: %s\n", path, added,
				n < 0 ? strerror(errno) : "nothing written");
			break;
		}
		added += n;
	}
	close(fd);
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
	fill(argv[0]);
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 16) < 0) {
		perror("server");
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
