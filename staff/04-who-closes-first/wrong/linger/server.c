/* server.c - lab 04: who closes first keeps TIME_WAIT.
 *
 *   server PORT
 *
 * Listens on 0.0.0.0:PORT and serves one client at a time with a one-line
 * protocol:
 *
 *   client -> server   NAME\n          (one line, at most 100 bytes)
 *   server -> client   hello, NAME\n
 *
 * then the connection ends.  A client that closes without sending a line
 * gets nothing.  Runs until SIGTERM (the default action: the kernel closes
 * every socket the process holds).
 *
 * The bug: after a client was served, a restart at once fails with
 * "bind: Address already in use".  Find out why with bindlab, then fix it
 * in the protocol handling - without any setsockopt(). */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Read one line (up to and including '\n') into buf.  Returns its length,
 * 0 when the client closed before sending anything, -1 on an error. */
static ssize_t read_line(int c, char *buf, size_t size)
{
	size_t len = 0;

	while (len < size - 1) {
		ssize_t n = read(c, buf + len, size - 1 - len);

		if (n <= 0)
			return len > 0 ? (ssize_t)len : n;
		len += (size_t)n;
		if (memchr(buf + len - (size_t)n, '\n', (size_t)n))
			break;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

static void serve(int c)
{
	char line[101], reply[128];
	ssize_t n = read_line(c, line, sizeof(line));

	if (n > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		int len = snprintf(reply, sizeof(reply), "hello, %s\n", line);

		if (write(c, reply, (size_t)len) != len)
			perror("write");
	}
	/* no TIME_WAIT: abort the connection instead of closing it */
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(c); /* the reply is out: hang up */
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
	int port = argc == 2 ? atoi(argv[1]) : 0, ls;

	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: server PORT\n");
		exit(2);
	}
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
	printf("listening on port %d\n", port);
	fflush(stdout);
	for (;;) {
		int c = accept(ls, NULL, NULL);

		if (c < 0) {
			perror("accept");
			continue;
		}
		serve(c);
	}
}
