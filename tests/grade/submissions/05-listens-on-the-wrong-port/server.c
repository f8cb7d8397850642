/* 05-listens-on-the-wrong-port - the right fix, but the port is stored
 * without htons(): told 8080 (0x1f90) it listens on 0x901f, port 36895 on
 * this little-endian machine.  It serves well there, but every check waits
 * for a listener on 8080, so a grader must fail all five (0 / 9). */
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
	int ls, one = 1;

	if (argc != 2)
		return 2;
	/* the bug: host byte order where the kernel wants network order */
	addr.sin_port = (unsigned short)atoi(argv[1]);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 16) < 0) {
		perror("server");
		return 1;
	}
	printf("listening on 0.0.0.0:%d\n", ntohs(addr.sin_port));
	fflush(stdout);
	for (;;) {
		int conn = accept(ls, NULL, NULL);

		if (conn >= 0)
			serve(conn);
		else if (errno != ECONNABORTED)
			return 1;
	}
}
