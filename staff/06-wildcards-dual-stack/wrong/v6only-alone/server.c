/* server.c - lab 06: one port, IPv4 and IPv6 clients.
 *
 *   server PORT
 *
 * Protocol: the server reads one line ("ann\n"), answers "hello, ann\n",
 * then waits for the client to hang up and closes its end (the client
 * closes first, so the TIME_WAIT stays on the client, not on the port).
 * One client at a time.  It serves until SIGTERM.
 *
 * It wants IPv4 and IPv6 clients, so it opens two listeners on the same
 * port: 0.0.0.0:PORT and [::]:PORT.  It binds both before it listens on
 * either, so a failed bind leaves nothing half-running: it exits 1. */
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NLISTEN 2

static void serve(int c)
{
	char line[256], reply[300];
	size_t n = 0;
	ssize_t r;

	/* read one line */
	while (n < sizeof(line) - 1 && (r = read(c, line + n, 1)) == 1 && line[n] != '\n')
		n++;
	line[n] = '\0';
	snprintf(reply, sizeof(reply), "hello, %s\n", line);
	if (write(c, reply, strlen(reply)) < 0)
		perror("write");
	/* wait for the client to close first */
	while (read(c, line, sizeof(line)) > 0)
		;
	close(c);
}

int main(int argc, char **argv)
{
	int port = argc == 2 ? atoi(argv[1]) : 0;
	struct pollfd pf[NLISTEN];
	int nl = 0;

	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: server PORT\n");
		return 2;
	}

	/* one socket is enough: [::] means every address */
	int one = 1;
	/* IPv6 clients: [::]:PORT */
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
				  .sin6_addr = IN6ADDR_ANY_INIT};
	int s6 = socket(AF_INET6, SOCK_STREAM, 0);
	if (s6 < 0) {
		perror("socket");
		exit(1);
	}
	if (setsockopt(s6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) {
		perror("setsockopt");
		exit(1);
	}
	if (bind(s6, (struct sockaddr *)&a6, sizeof(a6)) < 0) {
		perror("bind");
		exit(1);
	}
	pf[nl++].fd = s6;

	for (int i = 0; i < nl; i++) {
		if (listen(pf[i].fd, 16) < 0) {
			perror("listen");
			exit(1);
		}
		pf[i].events = POLLIN;
	}
	printf("listening on port %d\n", port);
	fflush(stdout);

	for (;;) {
		if (poll(pf, (nfds_t)nl, -1) < 0) {
			perror("poll");
			exit(1);
		}
		for (int i = 0; i < nl; i++) {
			if (!(pf[i].revents & POLLIN))
				continue;
			int c = accept(pf[i].fd, NULL, NULL);
			if (c < 0) {
				perror("accept");
				continue;
			}
			serve(c);
		}
	}
}
