/* client.c - connects N times in a row to a server and pings it.
 *
 *   client HOST PORT N
 *
 * The protocol, one connection per ping:
 *   the client connects and sends  "ping K\n"   (K = 1, 2, ... N)
 *   the server answers one line    "pong K\n"
 *   the client prints that line and closes first; then the next ping.
 *
 * Every connection leaves from the same source port, SOURCE_PORT, so
 * that a firewall rule on the server side can recognise the client.
 * Exit status: 0 when all N pings were answered, 1 on any error. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOURCE_PORT 5000

/* One ping on a new connection; returns 0 when the server answered. */
static int ping(const struct sockaddr_in *server, int k)
{
	struct sockaddr_in src = {.sin_family = AF_INET};
	char line[64], reply[256];
	size_t got = 0;
	int fd, n, one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("socket");
		return -1;
	}
	/* "fix": let bind() reuse the port while it is in TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	src.sin_addr.s_addr = htonl(INADDR_ANY);
	src.sin_port = htons(SOURCE_PORT);
	if (bind(fd, (const struct sockaddr *)&src, sizeof(src)) < 0) {
		perror("bind");
		close(fd);
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)server, sizeof(*server)) < 0) {
		perror("connect");
		close(fd);
		return -1;
	}
	n = snprintf(line, sizeof(line), "ping %d\n", k);
	if (write(fd, line, (size_t)n) != n) {
		perror("write");
		close(fd);
		return -1;
	}
	/* read the whole reply line before closing: closing with unread
	 * data would make the kernel reset the connection */
	while (got < sizeof(reply) - 1 && memchr(reply, '\n', got) == NULL) {
		ssize_t r = read(fd, reply + got, sizeof(reply) - 1 - got);

		if (r <= 0) {
			fprintf(stderr, "client: ping %d: no reply\n", k);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	reply[got] = '\0';
	fputs(reply, stdout);
	fflush(stdout);
	close(fd); /* the client closes first */
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in server = {.sin_family = AF_INET};
	int port, n;

	if (argc != 4) {
		fprintf(stderr, "usage: client HOST PORT N\n");
		return 2;
	}
	port = atoi(argv[2]);
	n = atoi(argv[3]);
	if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1 || port <= 0 || port > 65535 ||
	    n <= 0) {
		fprintf(stderr, "usage: client HOST PORT N (HOST an IPv4 address)\n");
		return 2;
	}
	server.sin_port = htons((uint16_t)port);
	for (int k = 1; k <= n; k++)
		if (ping(&server, k) < 0)
			exit(1);
	return 0;
}
