/* 09-forks-hundreds-of-children - the right fix (SO_REUSEADDR before
 * bind), after it has forked 300 "worker" children that only sleep and
 * never exit.  They are forked before the socket exists, so none holds the
 * port, but they keep the program's stdout and stderr open after it is
 * stopped.  A fork the process limit refuses is skipped: the server serves
 * with as many workers as it got.
 *
 * A grader must cap the processes, not wait for the children's output to
 * end, kill every one of them with the check's world, and give full marks
 * (9 / 9): the server itself does everything the checks ask. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WORKERS 300

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
	int ls, one = 1, forked = 0, refused = 0;

	if (argc != 2)
		return 2;
	for (int i = 0; i < WORKERS; i++) {
		pid_t pid = fork();

		if (pid == 0)
			for (;;)
				pause(); /* a worker with no work */
		if (pid < 0)
			refused++;
		else
			forked++;
	}
	fprintf(stderr, "%d workers forked, %d refused\n", forked, refused);
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
