/* 10-escapes-with-setsid - the right fix (SO_REUSEADDR before bind), which
 * then leaves a "watchdog" behind the way a daemon does: fork, setsid() in
 * the child (a new session and process group, away from the one the grader
 * started), fork again, and the child exits so that the grandchild is
 * nobody's child.  The grandchild ignores SIGTERM and SIGHUP, sleeps for
 * ever and keeps the listening socket it inherited.  The server itself
 * serves and ends on SIGTERM.
 *
 * Check 01 passes (2): the server answers and stops with 143.  Check 02
 * fails (0): after the stop the grandchild still holds 0.0.0.0:8080 in
 * LISTEN, and SO_REUSEADDR never lets a bind share a port with a listener,
 * so the restart gets EADDRINUSE.  The hidden checks look only at the
 * restarted server's calls (setsockopt before bind, whatever bind returns)
 * and pass (2 + 1 + 1).  6 / 9, and the grandchild must die with each
 * check's world: no process of the sandbox's uids may be left on the host,
 * however the grading ends. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long the server waits before its first accept(): none as handed in.
 * The test that kills a grading midway builds a copy with
 * -DFIRST_ACCEPT_DELAY_MS=1000, so that each check lasts long enough to be
 * killed in (the check's recv waits 2 s for the reply). */
#ifndef FIRST_ACCEPT_DELAY_MS
#define FIRST_ACCEPT_DELAY_MS 0
#endif

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

/* The double fork: returns in the server; the grandchild never returns. */
static void leave_a_watchdog(void)
{
	pid_t child = fork();

	if (child == 0) {
		setsid();
		if (fork() == 0) {
			signal(SIGTERM, SIG_IGN);
			signal(SIGHUP, SIG_IGN);
			for (;;)
				pause();
		}
		_exit(0);
	}
	if (child > 0)
		waitpid(child, NULL, 0);
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
	leave_a_watchdog();
	nanosleep(&(struct timespec){FIRST_ACCEPT_DELAY_MS / 1000,
				     FIRST_ACCEPT_DELAY_MS % 1000 * 1000000L},
		  NULL);
	for (;;) {
		int conn = accept(ls, NULL, NULL);

		if (conn >= 0)
			serve(conn);
		else if (errno != ECONNABORTED)
			return 1;
	}
}
