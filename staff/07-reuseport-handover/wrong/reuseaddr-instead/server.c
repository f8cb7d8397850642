/* server.c - lab 07: hand the port over to a new instance without a gap.
 *
 *   server PORT
 *
 * Protocol: the server reads one line ("ann\n"), answers "hello, ann\n",
 * then waits for the client to hang up and closes its end (the client
 * closes first, so no TIME_WAIT is left on the port).  One client at a
 * time.  It serves until SIGTERM.
 *
 * The upgrade we want: start the new instance while the old one still
 * runs, then stop the old one, and no client is ever refused. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: server PORT\n");
		return 2;
	}

	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_ANY)};
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0) {
		perror("socket");
		exit(1);
	}
	/* "Address already in use": SO_REUSEADDR */
	int one = 1;
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		perror("setsockopt");
		exit(1);
	}
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("bind");
		exit(1);
	}
	if (listen(s, 16) < 0) {
		perror("listen");
		exit(1);
	}
	printf("listening on port %d, pid %d\n", port, (int)getpid());
	fflush(stdout);

	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0) {
			perror("accept");
			continue;
		}
		serve(c);
	}
}
