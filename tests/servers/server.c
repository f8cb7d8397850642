/* server.c - a small TCP server for the tests of run() and restart-check,
 * with the habits real servers have, one flag each:
 *
 *   server [--reuseaddr] [--fork-keeper] [--no-close] PORT
 *
 *   --reuseaddr    set SO_REUSEADDR before bind (the usual fix)
 *   --fork-keeper  fork a worker that inherits the listener and outlives us
 *   --no-close     on SIGTERM, exit at once without closing anything
 *
 * It answers "hello\n" to every connection and keeps it open, so a stop
 * finds established connections.  A failed bind says so on stderr and exits
 * 1, as real servers do. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXC 64

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	int reuse = 0, keeper = 0, noclose = 0, port = 0, one = 1, ls, nc = 0;
	struct pollfd pf[MAXC + 1];
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct sigaction sa = {.sa_handler = on_term};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reuseaddr"))
			reuse = 1;
		else if (!strcmp(argv[i], "--fork-keeper"))
			keeper = 1;
		else if (!strcmp(argv[i], "--no-close"))
			noclose = 1;
		else
			port = atoi(argv[i]);
	}
	if (port <= 0 || port > 65535) {
		fprintf(stderr, "usage: server [--reuseaddr] [--fork-keeper] [--no-close] PORT\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (reuse)
		setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons((uint16_t)port);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "server: bind: %s\n", strerror(errno));
		return 1;
	}
	if (listen(ls, 16) < 0) {
		fprintf(stderr, "server: listen: %s\n", strerror(errno));
		return 1;
	}
	if (keeper && fork() == 0) {
		/* a worker that never closes what it inherited */
		for (;;)
			pause();
	}
	printf("listening on port %d\n", port);
	fflush(stdout);
	pf[0].fd = ls;
	pf[0].events = POLLIN;
	while (!stop) {
		if (poll(pf, (nfds_t)nc + 1, -1) < 0)
			continue; /* EINTR: the signal */
		if ((pf[0].revents & POLLIN) && nc < MAXC) {
			int c = accept(ls, NULL, NULL);

			if (c >= 0) {
				(void)!write(c, "hello\n", 6);
				pf[++nc].fd = c;
				pf[nc].events = POLLIN;
				pf[nc].revents = 0; /* new: not part of this poll round */
			}
		}
		for (int i = 1; i <= nc; i++)
			if (pf[i].revents & (POLLIN | POLLHUP)) {
				char buf[256];

				if (read(pf[i].fd, buf, sizeof(buf)) <= 0) {
					close(pf[i].fd);
					pf[i] = pf[nc--];
					i--;
				}
			}
	}
	if (noclose)
		_exit(0);
	for (int i = 1; i <= nc; i++)
		close(pf[i].fd);
	close(ls);
	printf("stopped\n");
	return 0;
}
