/* server.c - a small greeting server.
 *
 *   server PORT
 *
 * It listens on every address of the host (0.0.0.0) on PORT.  The
 * protocol, one connection per greeting:
 *   the client connects and sends one line   "NAME\n"
 *   the server answers one line              "hello, NAME\n"
 *   and closes the connection.
 * It serves clients one after the other until it is killed (SIGTERM). */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Read one line (without its '\n') into buf; returns its length, or -1
 * when the client closed or sent a line too long for buf. */
static int read_line(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, buf + got, 1);

		if (n <= 0)
			return -1;
		if (buf[got] == '\n') {
			buf[got] = '\0';
			return (int)got;
		}
		got++;
	}
	return -1;
}

static void serve(int c)
{
	char name[200], reply[256];
	int n;

	if (read_line(c, name, sizeof(name)) < 0)
		return;
	n = snprintf(reply, sizeof(reply), "hello, %s\n", name);
	if (write(c, reply, (size_t)n) != n)
		perror("write");
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	int port, s;

	if (argc != 2 || (port = atoi(argv[1])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: server PORT\n");
		return 2;
	}
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0) {
		perror("socket");
		exit(1);
	}
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons((uint16_t)port);
	/* "fix": wait until the port is free, then take it */
	while (bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("bind");
		sleep(1);
	}
	if (listen(s, 16) < 0) {
		perror("listen");
		exit(1);
	}
	printf("listening on port %d\n", port);
	fflush(stdout);
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0) {
			perror("accept");
			continue;
		}
		serve(c);
		close(c);
	}
}
