/* 11-floods-stdout - the right fix (SO_REUSEADDR before bind), with a
 * "heartbeat" thread that writes to stdout in a loop without a pause: as
 * many bytes as the reader takes, for as long as the server lives.  The
 * server itself serves and ends on SIGTERM (the thread ends with it).
 *
 * A grader must keep reading (a reader that stops would block the thread,
 * one that closes the pipe would kill the server with SIGPIPE), keep only a
 * bounded part of the output, and give full marks (9 / 9). */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void *heartbeat(void *arg)
{
	static char beat[65536];

	(void)arg;
	for (size_t i = 0; i < sizeof(beat); i++)
		beat[i] = i % 32 == 31 ? '\n' : "heartbeat: still alive ......."[i % 32 % 30];
	for (;;)
		if (write(1, beat, sizeof(beat)) < 0 && errno != EINTR)
			return NULL;
}

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
	pthread_t t;

	if (argc != 2)
		return 2;
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 16) < 0) {
		perror("server");
		return 1;
	}
	if (pthread_create(&t, NULL, heartbeat, NULL) != 0)
		return 1;
	for (;;) {
		int conn = accept(ls, NULL, NULL);

		if (conn >= 0)
			serve(conn);
		else if (errno != ECONNABORTED)
			return 1;
	}
}
