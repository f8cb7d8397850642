/* 07-busy-loops - the right fix (SO_REUSEADDR before bind), but between
 * listen() and accept() it runs a "let the old connections drain" delay
 * loop that never ends: one CPU at 100 % in user space, no system call,
 * nothing accepted.  The kernel still completes the client's handshake
 * (the backlog), so connect() succeeds and the reply never comes.
 *
 * A grader must bound it in wall-clock time (it never blocks, so only a
 * signal ends it) and in CPU time, and grade it as 06: the visible checks
 * fail (0 / 5), the hidden ones look only at the calls before the loop and
 * pass (2 + 1 + 1): 4 / 9 under the checks as written. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	int ls, one = 1;

	if (argc != 2)
		return 2;
	addr.sin_port = htons((unsigned short)atoi(argv[1]));
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 16) < 0) {
		perror("server");
		return 1;
	}
	/* the bug: i wraps around before it reaches the end, so it never ends */
	for (volatile unsigned int i = 0; i != 0xffffffffu; i += 2)
		;
	return 0;
}
