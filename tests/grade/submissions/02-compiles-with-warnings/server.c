/* 02-compiles-with-warnings - the right fix (SO_REUSEADDR before bind), in
 * a program the compiler warns about twice (an unused variable, a signed
 * and unsigned comparison) but still builds.  Warnings are not errors: a
 * grader must build it, give full marks (9 / 9) and still show the
 * warnings, since they are the student's to fix. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void serve(int conn)
{
	char line[256], reply[272], ch;
	int n = 0, len;

	/* -Wsign-compare: n is an int, sizeof() a size_t */
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
	int ls, one = 1, backlog; /* -Wunused-variable: backlog */

	if (argc != 2)
		return 2;
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
