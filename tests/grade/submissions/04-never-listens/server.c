/* 04-never-listens - a stub handed in as it was left: it checks its
 * argument and exits 0 at once, without a socket.  A grader must fail every
 * check (0 / 9: none can see a listener on 8080) and say the program
 * exited by itself; an exit status of 0 is not a pass. */
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PORT\n", argv[0]);
		return 2;
	}
	/* TODO: socket, SO_REUSEADDR, bind, listen, accept loop */
	printf("listening on 0.0.0.0:%s\n", argv[1]);
	return 0;
}
