/* 18-retries-bind-in-a-spin - the staff's "wait out TIME_WAIT" wrong fix
 * without its sleep: while bind() fails it calls bind() again at once, as
 * fast as the CPU allows, each call a traced system call.  TIME_WAIT lasts
 * 60 s, so a restart spins for a minute.
 *
 * A grader must bound the CPU, survive a flood of traced calls (hundreds of
 * thousands a second, none of which may make it hang or run out of memory)
 * and grade it as the starter: 01 passes (nothing in the way of the first
 * bind), 02 fails (no bind = 0 within the check's bound), 03 fails (no
 * SO_REUSEADDR), 04 and 05 pass: 4 / 9. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
	int ls;

	if (argc != 2)
		return 2;
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	ls = socket(AF_INET, SOCK_STREAM, 0);
	/* the bug: a retry loop with no pause in it */
	while (bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		if (errno != EADDRINUSE) {
			perror("bind");
			return 1;
		}
	if (listen(ls, 16) < 0) {
		perror("listen");
		return 1;
	}
	for (;;) {
		int conn = accept(ls, NULL, NULL);

		if (conn >= 0)
			serve(conn);
		else if (errno != ECONNABORTED)
			return 1;
	}
}
