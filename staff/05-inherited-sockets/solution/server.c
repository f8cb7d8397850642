/* server.c - lab 05: inherited sockets.
 *
 *   server PORT
 *
 * Listens on 0.0.0.0:PORT and serves one client at a time with the
 * protocol of lab 04, the client closing first:
 *
 *   client -> server   NAME\n          (one line, at most 100 bytes)
 *   server -> client   hello, NAME\n
 *   client closes, then the server closes (it waits at most 5 s for that)
 *
 * At start it launches a long-running helper, a stand-in for a log shipper
 * (here: sleep 600).  Runs until SIGTERM (the default action).
 *
 * The bug: after `kill PID` of the server, a restart at once fails with
 * "bind: Address already in use", although the server is gone.  Find out
 * who holds the port with bindlab, then fix it. */
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* how long a client may keep the connection open after the reply */
#define CLIENT_CLOSE_MS 5000

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
	char line[101], reply[128], junk[256];
	ssize_t n = read_line(c, line, sizeof(line));
	struct pollfd pf = {.fd = c, .events = POLLIN};

	if (n > 0) {
		line[strcspn(line, "\r\n")] = '\0';
		int len = snprintf(reply, sizeof(reply), "hello, %s\n", line);

		if (write(c, reply, (size_t)len) != len)
			perror("write");
	}
	/* the client closes first (lab 04): wait for its FIN, then close */
	while (poll(&pf, 1, CLIENT_CLOSE_MS) > 0 && read(c, junk, sizeof(junk)) > 0)
		;
	close(c);
}

/* Start the helper: fork, and exec it in the child. */
static void start_helper(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		execlp("sleep", "sleep", "600", (char *)NULL);
		perror("execlp");
		_exit(127);
	}
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
	/* SOCK_CLOEXEC: the listener is closed in any program we exec.
	 * Without it the helper (fork + exec) inherits a copy of the
	 * listening socket and keeps port PORT in LISTEN after we are gone,
	 * so a restart fails with EADDRINUSE and clients queue up unserved. */
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
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
	start_helper();
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
