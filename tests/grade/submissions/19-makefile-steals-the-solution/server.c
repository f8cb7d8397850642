/* server.c - lab 02: a one-line greeting server that should survive a rapid restart.
 *
 *   server PORT
 *
 * Listens on 0.0.0.0:PORT and serves one connection at a time: reads one
 * line, replies "hello, LINE\n" and closes the connection itself, as an
 * HTTP/1.0 server does.  Runs until it is killed (SIGTERM).  Exits 1 when
 * it cannot set up its listening socket. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LINE_LEN 256

/* Reads one line from fd into line, without its '\n'.  Stops at '\n', at
 * end of file or when line is full; a byte at a time, so nothing after the
 * line is read. */
static void read_line(int fd, char *line, size_t size)
{
	size_t n = 0;
	char ch;

	while (n + 1 < size && read(fd, &ch, 1) == 1 && ch != '\n')
		line[n++] = ch;
	line[n] = '\0';
}

static void serve(int conn)
{
	char line[LINE_LEN], reply[LINE_LEN + 16];
	int n;

	read_line(conn, line, sizeof(line));
	n = snprintf(reply, sizeof(reply), "hello, %s\n", line);
	if (write(conn, reply, (size_t)n) < 0)
		perror("write");
	/* The server closes first: the connection's FIN goes out from here. */
	close(conn);
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	int port, ls;

	if (argc != 2 || (port = atoi(argv[1])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: %s PORT\n", argv[0]);
		return 2;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons((unsigned short)port);

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0) {
		perror("socket");
		exit(1);
	}
	if (bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("bind");
		exit(1);
	}
	if (listen(ls, 16) < 0) {
		perror("listen");
		exit(1);
	}
	printf("listening on 0.0.0.0:%d\n", port);
	fflush(stdout);

	for (;;) {
		int conn = accept(ls, NULL, NULL);

		if (conn < 0) {
			if (errno == ECONNABORTED)
				continue; /* the client gave up before we took it */
			perror("accept");
			exit(1);
		}
		serve(conn);
	}
}
