/* 08-ignores-sigterm - the right fix (SO_REUSEADDR before bind), in a
 * server that ignores SIGTERM "so that it cannot be stopped by mistake".
 * A stop then has to wait out its grace period and SIGKILL it: the status
 * is 137, not the 143 of a server that ends on SIGTERM.
 *
 * Checks 01 and 02 expect `stop(p) = 143` and fail (0 / 5); the hidden
 * checks accept any status (`stop(p) = *`) and see the right calls, so
 * they pass (2 + 1 + 1): 4 / 9.  A grader must kill it, and say why 01 and
 * 02 failed (137: ended by SIGKILL). */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
	signal(SIGTERM, SIG_IGN); /* the bug */
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
