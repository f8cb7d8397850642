/* 15-kills-everyone - at start, kill(-1, SIGKILL) (every process it may
 * signal) and then kill(0, SIGKILL) (its own process group, itself
 * included): it never listens.  A grader whose own processes, or another
 * student's, share its uid, its process group or its pid namespace dies
 * with it.
 *
 * A grader must keep it from reaching anything but itself, grade the other
 * submissions (graded alongside, -j 2) as if it were not there, and give it
 * 0 / 9: it dies of SIGKILL before any check sees a listener.
 *
 * A guard, so that a grader that forgot to drop privileges is caught without
 * taking the machine down: with the power to signal any process (uid 0 or
 * CAP_KILL) it kills nothing and serves as the right fix, which then shows
 * as 9 / 9 where 0 / 9 is expected, with the reason on stderr. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CAP_KILL_BIT 5

/* May this process signal any process on the machine? */
static int all_powerful(void)
{
	char line[256];
	unsigned long long eff = ~0ull;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	if (f)
		fclose(f);
	return geteuid() == 0 || (eff >> CAP_KILL_BIT & 1);
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

	if (argc != 2)
		return 2;
	if (!all_powerful()) {
		int r = kill(-1, SIGKILL);

		fprintf(stderr, "kill(-1, SIGKILL) = %d%s%s; now kill(0, SIGKILL)\n", r,
			r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
		kill(0, SIGKILL);
		return 3; /* not reached: the group includes this process */
	}
	fprintf(stderr,
		"uid %d may signal any process: the grader did not drop privileges; "
		"killing nothing, serving instead\n",
		(int)geteuid());
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
