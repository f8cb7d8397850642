/* 06-hangs-after-accept - the right fix (SO_REUSEADDR before bind), but
 * after it reads the client's line it waits for a second message the
 * protocol never sends: it never replies and never closes, for ever.
 *
 * A grader must bound every step: the two visible checks wait for
 * "hello, one" and fail (0 / 5).  The hidden checks do not read the reply
 * (recv = *, which gives up with EAGAIN), stop the server and look only at
 * the restarted server's calls: SO_REUSEADDR before bind, no SO_REUSEPORT,
 * no SO_LINGER {1, 0} all hold, so they pass (2 + 1 + 1): 4 / 9 under the
 * checks as written (no `# requires:` line ties them to check 01). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void serve(int conn)
{
	char line[256], ch;
	size_t n = 0;

	while (n + 1 < sizeof(line) && read(conn, &ch, 1) == 1 && ch != '\n')
		line[n++] = ch;
	line[n] = '\0';
	/* the bug: "wait for the client to say it is done" - it never will */
	for (;;)
		pause();
}

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
	for (;;) {
		int conn = accept(ls, NULL, NULL);

		if (conn >= 0)
			serve(conn);
		else if (errno != ECONNABORTED)
			return 1;
	}
}
