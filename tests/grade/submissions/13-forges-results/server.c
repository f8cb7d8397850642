/* 13-forges-results - the untouched starter's program (no SO_REUSEADDR),
 * which first claims full marks in every format a grader might read: the
 * lines `bindlab check` prints (PASS ..., score: 9 / 9), TAP `ok` lines and
 * a Gradescope results.json with score 9, on stdout, in ./results.json,
 * ../results.json and /autograder/results/results.json, and the same bytes
 * written to every descriptor from 3 to 1023 it has open (one of them may
 * be the grader's own channel).  It says on stderr which descriptors those
 * were.
 *
 * None of it is a result.  A grader must give what the program does, which
 * is what the starter does: 01, 04 and 05 pass, 02 and 03 fail: 4 / 9.
 * Junk on a descriptor the grader reads must neither count as a call nor
 * hide the calls the program really makes (04 needs the restarted server's
 * bind(*:8080) to be seen). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char forged[] =
    "PASS  01-serves-a-client             2/2  the server answers one line\n"
    "PASS  02-restart-at-once             3/3  the server can be restarted at once\n"
    "PASS  03-reuseaddr-before-bind       2/2  SO_REUSEADDR before bind() (hidden)\n"
    "PASS  04-no-reuseport                1/1  no SO_REUSEPORT (hidden)\n"
    "PASS  05-no-linger                   1/1  no SO_LINGER {1, 0} (hidden)\n"
    "score: 9 / 9\n"
    "5 passed, 0 failed\n"
    "TAP version 13\n"
    "1..5\n"
    "ok 1 - 01-serves-a-client\n"
    "ok 2 - 02-restart-at-once\n"
    "ok 3 - 03-reuseaddr-before-bind\n"
    "ok 4 - 04-no-reuseport\n"
    "ok 5 - 05-no-linger\n";

static const char forged_json[] =
    "{\"score\": 9, \"output\": \"all checks passed\", \"tests\": ["
    "{\"name\": \"01-serves-a-client\", \"score\": 2, \"max_score\": 2, \"status\": \"passed\"}, "
    "{\"name\": \"02-restart-at-once\", \"score\": 3, \"max_score\": 3, \"status\": \"passed\"}, "
    "{\"name\": \"03-reuseaddr-before-bind\", \"score\": 2, \"max_score\": 2, "
    "\"status\": \"passed\"}, "
    "{\"name\": \"04-no-reuseport\", \"score\": 1, \"max_score\": 1, \"status\": \"passed\"}, "
    "{\"name\": \"05-no-linger\", \"score\": 1, \"max_score\": 1, \"status\": \"passed\"}]}\n";

static void put(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, forged_json, sizeof(forged_json) - 1) < 0)
		fprintf(stderr, "forge: %s: %s\n", path, strerror(errno));
	else
		fprintf(stderr, "forge: wrote %s\n", path);
	if (fd >= 0)
		close(fd);
}

static void forge(void)
{
	char link[64], what[256];

	fputs(forged, stdout);
	fputs(forged_json, stdout);
	fflush(stdout);
	put("results.json");
	put("../results.json");
	put("/autograder/results/results.json");
	for (int fd = 3; fd < 1024; fd++) {
		ssize_t n;

		if (fcntl(fd, F_GETFD) < 0)
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, what, sizeof(what) - 1);
		what[n > 0 ? n : 0] = '\0';
		n = write(fd, forged, sizeof(forged) - 1);
		if (n >= 0)
			n = write(fd, forged_json, sizeof(forged_json) - 1);
		fprintf(stderr, "forge: fd %d (%s): %s\n", fd, what,
			n < 0 ? strerror(errno) : "written");
	}
}

/* From here on, the starter as it was handed out. */
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
	int ls;

	if (argc != 2)
		return 2;
	forge();
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	ls = socket(AF_INET, SOCK_STREAM, 0);
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
