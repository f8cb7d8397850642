/* 01-does-not-compile - the right fix with the option's name misspelt
 * (SO_REUSEADR): the compiler stops, so there is no program to run.  A
 * grader must report the build as failed, show the compiler's error (it is
 * all the student has to go on) and give 0 without running any check. */
#include <netinet/in.h>
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
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	ls = socket(AF_INET, SOCK_STREAM, 0);
	/* the typo: SO_REUSEADR is no such constant */
	if (setsockopt(ls, SOL_SOCKET, SO_REUSEADR, &one, sizeof(one)) < 0 ||
	    bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 16) < 0) {
		perror("server");
		return 1;
	}
	for (;;) {
		int conn = accept(ls, NULL, NULL);

		if (conn >= 0)
			serve(conn);
	}
}
