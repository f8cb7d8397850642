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
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/un.h>
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

/* The old instance holds an abstract Unix socket named after the port (an
 * abstract name lives in the network namespace, like the port), so that a
 * new instance can find it: SO_PEERCRED on a connection to it gives the
 * old instance's pid. */
static void control_name(struct sockaddr_un *u, socklen_t *len, int port)
{
	memset(u, 0, sizeof(*u));
	u->sun_family = AF_UNIX;
	snprintf(u->sun_path + 1, sizeof(u->sun_path) - 1, "lab07-server-%d", port);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(u->sun_path + 1));
}

/* "kill the old one, then start the new one", done by the new one:
 * SIGTERM the instance that holds the port and wait until it has exited. */
static void stop_old_instance(int port)
{
	struct sockaddr_un u;
	struct ucred cred;
	socklen_t len, clen = sizeof(cred);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);

	control_name(&u, &len, port);
	if (c < 0 || connect(c, (struct sockaddr *)&u, len) < 0 ||
	    getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		perror("finding the old instance");
		exit(1);
	}
	int pidfd = (int)syscall(SYS_pidfd_open, cred.pid, 0);
	if (pidfd < 0) {
		perror("pidfd_open");
		exit(1);
	}
	fprintf(stderr, "stopping the old instance, pid %d\n", (int)cred.pid);
	kill(cred.pid, SIGTERM);
	struct pollfd pf = {.fd = pidfd, .events = POLLIN};
	while (poll(&pf, 1, -1) < 0)
		;
	close(pidfd);
	close(c);
}

static void hold_control_socket(int port)
{
	struct sockaddr_un u;
	socklen_t len;
	int l = socket(AF_UNIX, SOCK_STREAM, 0);

	control_name(&u, &len, port);
	if (l < 0 || bind(l, (struct sockaddr *)&u, len) < 0 || listen(l, 4) < 0) {
		perror("control socket");
		exit(1);
	}
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
	/* the old instance leaves connections behind when it is killed */
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (errno != EADDRINUSE) {
			perror("bind");
			exit(1);
		}
		/* the port is taken: by the old instance */
		stop_old_instance(port);
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
			perror("bind");
			exit(1);
		}
	}
	if (listen(s, 16) < 0) {
		perror("listen");
		exit(1);
	}
	hold_control_socket(port);
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
