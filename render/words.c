/* words.c - the short forms every format prints alike: how a program
 * ended. */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"
#include "program.h"
#include "render.h"

/* "SEGV" for 11 */
static const char *sig_name(int sig)
{
	const char *n = sigabbrev_np(sig);

	return n ? n : "?";
}

/* One sentence per way a program can end (result.h decides which). */
void render_prog_end(const struct result_program *pg, char *buf, size_t len)
{
	switch (pg->end) {
	case PROG_ENDED:
		if (pg->status >= 128)
			snprintf(buf, len, "ended by itself: signal %ld (SIG%s)", pg->status - 128,
				 sig_name((int)(pg->status - 128)));
		else
			snprintf(buf, len, "ended by itself: exit status %ld", pg->status);
		return;
	case PROG_STOPPED:
		if (pg->status >= 128)
			snprintf(buf, len, "stopped: ended by signal %ld (SIG%s)%s",
				 pg->status - 128, sig_name((int)(pg->status - 128)),
				 pg->killed ? ", sent by bindlab after the grace period" : "");
		else
			snprintf(buf, len, "stopped: exit status %ld", pg->status);
		return;
	case PROG_EXITED:
		snprintf(buf, len, "exited by itself");
		return;
	case PROG_VANISHED:
		snprintf(buf, len, "ended without exiting: killed by a signal?");
		return;
	case PROG_RUNNING:
		break;
	}
	snprintf(buf, len, "still running at the end: killed with the world");
}
