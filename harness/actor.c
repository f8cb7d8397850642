/* actor.c - see actor.h */
#include "actor.h"

#include "names.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The channel sits far above the descriptors a scenario opens, so that the
 * first socket() of a process returns 3, as it would in a real server. */
#define CHAN_FD 900

/* A step number, or ACTOR_DESCRIBE. */
struct actor_req {
	int step;
	int pid;		/* ACTOR_REAP: the program */
	int wait_ms;		/* ACTOR_REAP: how long it may take to become a zombie */
	int timeout_ms;		/* the runner's bound on this step */
	int fd, level, optname; /* ACTOR_PEEK */
};

#define ACTOR_DESCRIBE (-1)
#define ACTOR_REAP (-2)
#define ACTOR_PEEK (-3)

struct describe_reply {
	int n;
	struct actor_sock s[ACTOR_SOCKS_MAX];
};

/* An actor's hello: its pid as the runner's /proc sees it. */
struct actor_hello {
	pid_t pid;
};

#define FDS_MAX 3

/* Send one message with up to FDS_MAX descriptors (n may be 0). */
static int send_with_fds(int chan, const void *buf, size_t len, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(FDS_MAX * sizeof(int))];
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (n > 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	}
	return sendmsg(chan, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static int send_with_fd(int chan, const void *buf, size_t len, int fd)
{
	return send_with_fds(chan, buf, len, &fd, fd >= 0);
}

/* Receive one message and the descriptors that came with it (the rest of
 * fds[] set to -1).  Returns the byte count, 0 at EOF, -1 on error. */
static ssize_t recv_with_fds(int chan, void *buf, size_t len, int *fds)
{
	char cbuf[CMSG_SPACE(FDS_MAX * sizeof(int))];
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;
	ssize_t n;

	for (int k = 0; k < FDS_MAX; k++)
		fds[k] = -1;
	do
		n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			memcpy(fds, CMSG_DATA(c), (k > FDS_MAX ? FDS_MAX : k) * sizeof(int));
		}
	return n;
}

/* Where the trace records go in a program bindlab runs: far from the
 * descriptors a program uses, as the channel is. */
#define TRACE_FD 901

/* Start a program for a run step: its own process group (so that stop()
 * reaches the program, not the actor), stdout/stderr/trace into the pipes
 * the runner gave (io[0..2]), LD_PRELOAD with the trace library when there
 * is one.  Returns the pid, or -1 with errno (exec's, through a pipe). */
static pid_t start_program(const struct plan_step *st, const int *io, const struct sandbox *sb)
{
	char *argv[9] = {0};
	size_t off = 0;
	int status[2], e = 0;
	pid_t pid;

	for (int k = 0; k < st->u.argv.argc && k < 8; k++) {
		argv[k] = (char *)st->u.argv.argv + off;
		off += strlen(argv[k]) + 1;
	}
	if (pipe2(status, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(status[0]);
		close(status[1]);
		return -1;
	}
	if (pid == 0) {
		const char *lib = getenv("BINDLAB_TRACE_LIB");
		char fdnum[16];

		setpgid(0, 0);
		dup2(io[0], STDOUT_FILENO);
		dup2(io[1], STDERR_FILENO);
		dup2(io[2], TRACE_FD);
		dup2(status[1], TRACE_FD + 1);
		fcntl(TRACE_FD + 1, F_SETFD, FD_CLOEXEC);
		close_range(3, TRACE_FD - 1, 0);
		close_range(TRACE_FD + 2, ~0U, 0);
		snprintf(fdnum, sizeof(fdnum), "%d", TRACE_FD);
		setenv("BINDLAB_TRACE_FD", fdnum, 1);
		if (lib && *lib)
			setenv("LD_PRELOAD", lib, 1);
		if (sb) {
			char serr[ERRLEN];

			if (sandbox_enter(sb, lib, serr) < 0) {
				/* said on the program's stderr, which the report shows */
				dprintf(STDERR_FILENO, "bindlab: %s\n", serr);
				e = EPERM;
				(void)!write(TRACE_FD + 1, &e, sizeof(e));
				_exit(127);
			}
		}
		if (argv[0])
			execvp(argv[0], argv);
		e = errno;
		(void)!write(TRACE_FD + 1, &e, sizeof(e));
		_exit(127);
	}
	close(status[1]);
	if (read(status[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		close(status[0]);
		waitpid(pid, NULL, 0);
		errno = e;
		return -1;
	}
	close(status[0]);
	return pid;
}

/* stop(): SIGTERM to the program, as an operator's `kill PID` (its
 * children are not signalled: a forked worker that keeps the listener is the
 * kind of thing restart-check must show), then SIGKILL after the grace
 * period.  Returns the exit status, 128 + signal if it was killed. */
static long stop_program(pid_t pid, long grace_ms, int *killed)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), status = 0;
	struct pollfd pf = {.fd = pidfd, .events = POLLIN};

	if (pidfd < 0 && errno != ENOSYS)
		return -1;
	if (pidfd >= 0) {
		kill(pid, SIGTERM);
		if (poll(&pf, 1, (int)grace_ms) <= 0)
			*killed = kill(pid, SIGKILL) == 0;
		close(pidfd);
	} else {
		/* no pidfd (an old kernel, or valgrind): wait for SIGCHLD */
		sigset_t chld, old;
		uint64_t deadline = now_ns() + (uint64_t)grace_ms * 1000000ull;

		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		pid_t w;

		sigprocmask(SIG_BLOCK, &chld, &old);
		kill(pid, SIGTERM);
		while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
			uint64_t now = now_ns();
			struct timespec ts;

			if (now >= deadline) {
				*killed = kill(pid, SIGKILL) == 0;
				break;
			}
			ts.tv_sec = (time_t)((deadline - now) / 1000000000ull);
			ts.tv_nsec = (long)((deadline - now) % 1000000000ull);
			sigtimedwait(&chld, NULL, &ts);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (w == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void fill_names(int fd, struct actor_reply *r, int want_peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (fd < 0)
		return;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    endpoint_from_sockaddr((struct sockaddr *)&ss, &r->local) == 0)
		r->has_local = 1;
	len = sizeof(ss);
	if (want_peer && getpeername(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    endpoint_from_sockaddr((struct sockaddr *)&ss, &r->peer) == 0)
		r->has_peer = 1;
}

static int getint(int fd, int level, int opt)
{
	int v = 0;
	socklen_t l = sizeof(v);

	return getsockopt(fd, level, opt, &v, &l) == 0 ? v : 0;
}

static void fill_inode(int fd, struct actor_reply *r)
{
	struct stat sb;

	if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
		r->inode = (uint64_t)sb.st_ino;
		/* the runner remembers them: a TIME_WAIT socket keeps its
		 * parent's options, and sock_diag does not show them */
		r->reuseaddr = getint(fd, SOL_SOCKET, SO_REUSEADDR);
		r->reuseport = getint(fd, SOL_SOCKET, SO_REUSEPORT);
	}
}

static int opt_setsockopt(int fd, const struct step_setsockopt *so)
{
	int v = so->val, level, optname;
	struct linger l = {.l_onoff = so->val, .l_linger = so->linger_secs};

	names_opt_sockopt(so->opt, &level, &optname);
	if (so->opt == OPT_SO_LINGER)
		return setsockopt(fd, level, optname, &l, sizeof(l));
	return setsockopt(fd, level, optname, &v, sizeof(v));
}

/* recv(c, N) = "text": TCP may deliver the text in pieces, so read until
 * as many bytes as the text came (with eof: until the peer closes), keeping
 * the first PLAN_DATA_MAX for the comparison.  The step's timeout bounds
 * the wait (the driver gives up on the actor).  = the bytes read. */
static long recv_text(int fd, const struct step_recv *rv, struct actor_reply *r)
{
	char buf[PLAN_DATA_MAX];
	long total = 0;

	for (;;) {
		size_t want = rv->until_eof ? sizeof(buf) : rv->datalen - (size_t)total;
		ssize_t n;

		if (!rv->until_eof && (size_t)total >= rv->datalen)
			break;
		n = recv(fd, buf, want < sizeof(buf) ? want : sizeof(buf), 0);
		if (n < 0)
			return total ? total : -1;
		if (n == 0)
			break;
		if (r->datalen < sizeof(r->data)) {
			size_t keep = sizeof(r->data) - r->datalen;

			if (keep > (size_t)n)
				keep = (size_t)n;
			memcpy(r->data + r->datalen, buf, keep);
			r->datalen += keep;
		}
		total += n;
	}
	return total;
}

/* Bound the next recv() on fd to the time left before deadline (0: no
 * bound).  -1 when the deadline has passed. */
static int rcv_bound(int fd, uint64_t deadline)
{
	struct timeval tv = {0, 0};

	if (deadline) {
		uint64_t now = now_ns(), left;

		if (now >= deadline)
			return -1;
		left = (deadline - now) / 1000ull; /* us */
		tv.tv_sec = (time_t)(left / 1000000ull);
		tv.tv_usec = (suseconds_t)(left % 1000000ull);
		if (!tv.tv_sec && !tv.tv_usec)
			tv.tv_usec = 1;
	}
	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 && deadline ? -1 : 0;
}

/* Perform one syscall step in this actor.  fds maps scenario variables to
 * this process's descriptors; timeout_ms is the runner's bound on it. */
static void do_step(const struct plan_step *st, int *fds, int timeout_ms, struct actor_reply *r)
{
	uint64_t deadline = 0;
	int fd = st->sock >= 0 ? fds[st->sock] : -1;
	struct sockaddr_storage ss;
	socklen_t sl;
	char buf[PLAN_DATA_MAX];
	long ret = -1;

	r->fd = fd;
	errno = 0;
	r->t_start = now_ns();
	switch (st->kind) {
	case STEP_SOCKET:
		ret = socket(st->u.socket.family,
			     st->u.socket.socktype | (st->u.socket.cloexec ? SOCK_CLOEXEC : 0), 0);
		break;
	case STEP_SETSOCKOPT:
		ret = opt_setsockopt(fd, &st->u.setsockopt);
		break;
	case STEP_BIND:
		sl = endpoint_to_sockaddr(&st->u.bind.ep, &ss);
		ret = bind(fd, (struct sockaddr *)&ss, sl);
		break;
	case STEP_LISTEN:
		ret = listen(fd, st->u.listen.backlog);
		break;
	case STEP_CONNECT:
		sl = endpoint_to_sockaddr(&st->u.connect.ep, &ss);
		ret = connect(fd, (struct sockaddr *)&ss, sl);
		break;
	case STEP_ACCEPT:
		ret = accept(fd, NULL, NULL);
		break;
	case STEP_SHUTDOWN:
		ret = shutdown(fd, st->u.shutdown.how);
		break;
	case STEP_CLOSE:
		ret = close(fd);
		break;
	case STEP_SEND:
		ret = send(fd, st->u.send.data, st->u.send.len, MSG_NOSIGNAL);
		break;
	case STEP_SENDTO:
		sl = endpoint_to_sockaddr(&st->u.send.to, &ss);
		ret = sendto(fd, st->u.send.data, st->u.send.len, MSG_NOSIGNAL,
			     (struct sockaddr *)&ss, sl);
		break;
	case STEP_RECV:
		if (st->u.recv.has_data) {
			ret = recv_text(fd, &st->u.recv, r);
			break;
		}
		/* "= *": whatever comes, even nothing: the wait is bounded by the
		 * socket (SO_RCVTIMEO, -1 EAGAIN) before the runner's bound runs
		 * out, so the step has a result instead of failing */
		if (st->expect.any && !st->u.recv.dontwait)
			deadline = now_ns() + (uint64_t)timeout_ms * 750000ull;
		if (deadline)
			rcv_bound(fd, deadline);
		ret = recv(fd, buf, st->u.recv.max < sizeof(buf) ? st->u.recv.max : sizeof(buf),
			   st->u.recv.dontwait ? MSG_DONTWAIT : 0);
		/* eof: what a polite client does before it closes (unread data at
		 * close() would make the kernel send RST instead of FIN) */
		for (long got = ret; st->u.recv.until_eof && got > 0;) {
			if (deadline && rcv_bound(fd, deadline) < 0) {
				errno = EAGAIN;
				ret = -1;
				break;
			}
			got = recv(fd, buf, sizeof(buf), 0);
			ret = got < 0 ? got : ret + got;
		}
		if (deadline)
			rcv_bound(fd, 0);
		break;
	case STEP_SETUID:
		/* Drop supplementary groups first, as a daemon does, so the new
		 * uid really is unprivileged. */
		ret = setgroups(0, NULL);
		if (ret == 0)
			ret = setgid(st->u.setuid.uid);
		if (ret == 0)
			ret = setuid(st->u.setuid.uid);
		break;
	default:
		errno = EINVAL;
		break;
	}
	r->t_end = now_ns();
	r->ret = ret;
	r->err = ret < 0 ? errno : 0;

	if (ret < 0) {
		/* A failed listen() still has the address bind() gave it: the
		 * report needs it to find who else holds the port. */
		if (st->kind == STEP_LISTEN)
			fill_names(fd, r, 0);
		fill_inode(fd, r);
		return;
	}
	switch (st->kind) {
	case STEP_SOCKET:
		fds[st->var] = (int)ret;
		r->fd = (int)ret;
		break;
	case STEP_ACCEPT:
		fds[st->var] = (int)ret;
		r->fd = (int)ret;
		fill_names((int)ret, r, 1);
		break;
	case STEP_BIND:
	case STEP_LISTEN:
		fill_names(fd, r, 0);
		break;
	case STEP_CONNECT:
		fill_names(fd, r, 1);
		break;
	case STEP_CLOSE:
		/* Using the variable again must give EBADF, never another socket
		 * that happens to get the same number. */
		fds[st->sock] = -1;
		break;
	default:
		break;
	}
	fill_inode(r->fd, r);
}

/* Every socket this process holds, with the options sock_diag cannot show. */
static void describe(struct describe_reply *d)
{
	memset(d, 0, sizeof(*d));
	for (int fd = 0; fd < CHAN_FD && d->n < ACTOR_SOCKS_MAX; fd++) {
		struct actor_sock *a = &d->s[d->n];
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct stat sb;

		if (fstat(fd, &sb) < 0 || !S_ISSOCK(sb.st_mode))
			continue;
		a->family = getint(fd, SOL_SOCKET, SO_DOMAIN);
		if (a->family != AF_INET && a->family != AF_INET6)
			continue;
		a->fd = fd;
		a->inode = (uint64_t)sb.st_ino;
		a->uid = sb.st_uid;
		a->proto = getint(fd, SOL_SOCKET, SO_PROTOCOL);
		a->reuseaddr = getint(fd, SOL_SOCKET, SO_REUSEADDR);
		a->reuseport = getint(fd, SOL_SOCKET, SO_REUSEPORT);
		a->v6only = a->family == AF_INET6 ? getint(fd, IPPROTO_IPV6, IPV6_V6ONLY) : 0;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    endpoint_from_sockaddr((struct sockaddr *)&ss, &a->local) == 0)
			a->has_local = 1;
		d->n++;
	}
}

static void say_hello(void)
{
	struct actor_hello h;
	char link[32];
	ssize_t n;

	/* getpid() is our pid inside bindlab's pid namespace; /proc/self read
	 * through the host's /proc gives the one the runner knows. */
	n = readlink("/proc/self", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	h.pid = n > 0 ? (pid_t)atoi(link) : getpid();
	if (write(CHAN_FD, &h, sizeof(h)) != (ssize_t)sizeof(h))
		_exit(127);
}

static void close_others(void)
{
	close_range(3, CHAN_FD - 1, 0);
	close_range(CHAN_FD + 1, ~0U, 0);
}

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#define PEEK_FDS_MAX 4096 /* descriptors of a program looked at */

/* The integer option of the socket that is descriptor fd of process pid,
 * read from the kernel through a copy of the descriptor (pidfd_getfd). */
static int peek_one(int pidfd, int fd, int level, int optname, int *val)
{
	int copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0), rc;
	socklen_t l = sizeof(*val);

	if (copy < 0)
		return -1;
	rc = getsockopt(copy, level, optname, val, &l);
	close(copy);
	return rc;
}

/* ACTOR_PEEK: what the kernel says of a program's socket option, which
 * its trace (written by the program's own process) only claims.  fd >= 0:
 * that descriptor; fd < 0: the first of its sockets with the option on. */
static void peek(int pid, int fd, int level, int optname, struct actor_peek *pk)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	memset(pk, 0, sizeof(*pk));
	pk->fd = -1;
	if (pidfd < 0) {
		pk->err = errno;
		return;
	}
	if (fd >= 0) {
		if (peek_one(pidfd, fd, level, optname, &pk->val) < 0)
			pk->err = errno;
		else
			pk->fd = fd;
		close(pidfd);
		return;
	}
	/* /proc here is not this pid namespace's: ask each descriptor (the
	 * ones that are not there fail at once) */
	for (int n = 0; n < PEEK_FDS_MAX; n++) {
		int v = 0;

		if (peek_one(pidfd, n, level, optname, &v) == 0 && v) {
			pk->fd = n;
			pk->val = v;
			break;
		}
	}
	close(pidfd);
}

/* How a program this actor started ended, if it has: its exit status, 128
 * + the signal, or -1 while it runs.  Its trace pipe closing is the runner's
 * sign that it is dying; a pidfd waits (bounded) for the last moment,
 * when it becomes a zombie. */
static long reap(int pid, int wait_ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), status = 0;

	if (pfd >= 0) {
		struct pollfd pf = {.fd = pfd, .events = POLLIN};

		poll(&pf, 1, wait_ms);
		close(pfd);
	}
	if (pid <= 0 || waitpid(pid, &status, WNOHANG) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The actor's life: take steps until the runner goes away. */
__attribute__((noreturn)) static void actor_loop(const struct plan *plan, int *fds,
						 const struct sandbox *sb)
{
	for (;;) {
		struct actor_req req;
		struct actor_reply r;
		int io[FDS_MAX], newchan;
		ssize_t n = recv_with_fds(CHAN_FD, &req, sizeof(req), io);

		newchan = io[0];

		if (n <= 0)
			_exit(0); /* the runner is gone: so is the scenario */
		if (n == sizeof(req) && req.step == ACTOR_DESCRIBE) {
			struct describe_reply d;

			describe(&d);
			if (write(CHAN_FD, &d, sizeof(d)) != (ssize_t)sizeof(d))
				_exit(125);
			continue;
		}
		if (n == sizeof(req) && req.step == ACTOR_REAP) {
			long st = reap(req.pid, req.wait_ms);

			if (write(CHAN_FD, &st, sizeof(st)) != (ssize_t)sizeof(st))
				_exit(125);
			continue;
		}
		if (n == sizeof(req) && req.step == ACTOR_PEEK) {
			struct actor_peek pk;

			peek(req.pid, req.fd, req.level, req.optname, &pk);
			if (write(CHAN_FD, &pk, sizeof(pk)) != (ssize_t)sizeof(pk))
				_exit(125);
			continue;
		}
		if (n != sizeof(req) || req.step < 0 || req.step >= plan->nsteps)
			_exit(126);
		memset(&r, 0, sizeof(r));
		r.fd = -1;
		const struct plan_step *st = &plan->steps[req.step];

		if (st->kind == STEP_FORK) {
			r.t_start = now_ns();
			pid_t pid = fork();

			r.t_end = now_ns();
			if (pid == 0) {
				/* The child keeps every socket and answers on its
				 * own channel from now on. */
				dup2(newchan, CHAN_FD);
				close(newchan);
				say_hello();
				continue;
			}
			if (newchan >= 0)
				close(newchan);
			r.ret = pid < 0 ? -1 : pid;
			r.err = pid < 0 ? errno : 0;
		} else if (st->kind == STEP_RUN) {
			r.t_start = now_ns();
			pid_t pid = io[2] >= 0 ? start_program(st, io, sb) : -1;

			r.t_end = now_ns();
			r.ret = pid < 0 ? -1 : 0;
			r.err = pid < 0 ? (io[2] >= 0 ? errno : EBADF) : 0;
			r.fd = pid;
			if (pid > 0)
				fds[st->var] = pid;
			for (int k = 0; k < FDS_MAX; k++)
				if (io[k] >= 0)
					close(io[k]);
		} else if (st->kind == STEP_WAIT) {
			int pid = st->u.wait.prog >= 0 ? fds[st->u.wait.prog] : -1, status = 0;

			/* bounded by the runner's step timeout, like any call */
			r.t_start = now_ns();
			r.ret =
			    pid > 0 && waitpid(pid, &status, 0) == pid
				? (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status))
				: -1;
			r.err = r.ret < 0 ? (pid > 0 ? errno : ESRCH) : 0;
			r.t_end = now_ns();
			if (newchan >= 0)
				close(newchan);
		} else if (st->kind == STEP_STOP) {
			int pid = st->u.stop.prog >= 0 ? fds[st->u.stop.prog] : -1;

			r.t_start = now_ns();
			r.ret = pid > 0 ? stop_program(pid, st->u.stop.grace_ms, &r.killed) : -1;
			r.err = r.ret < 0 ? (pid > 0 ? errno : ESRCH) : 0;
			r.t_end = now_ns();
			if (newchan >= 0)
				close(newchan);
		} else if (st->kind == STEP_EXEC) {
			char *argv[5] = {0};
			size_t off = 0;

			for (int k = 0; k < st->u.argv.argc && k < 4; k++) {
				argv[k] = (char *)st->u.argv.argv + off;
				off += strlen(argv[k]) + 1;
			}
			if (newchan >= 0)
				close(newchan);
			/* The channel closes when exec succeeds: that EOF is the
			 * runner's answer.  The sockets stay, unless SOCK_CLOEXEC. */
			fcntl(CHAN_FD, F_SETFD, FD_CLOEXEC);
			r.t_start = now_ns();
			errno = EINVAL;
			/* a graded world execs nothing as root: the actor becomes
			 * the sandboxed program (a failed exec leaves it so) */
			if (sb) {
				char serr[ERRLEN];

				if (sandbox_enter(sb, NULL, serr) < 0)
					errno = EPERM;
				else if (argv[0])
					execvp(argv[0], argv);
			} else if (argv[0]) {
				execvp(argv[0], argv);
			}
			r.t_end = now_ns();
			r.ret = -1;
			r.err = errno;
			fcntl(CHAN_FD, F_SETFD, 0);
		} else if (st->kind == STEP_EXIT) {
			/* Close every socket before answering, so that the runner's
			 * next step sees the kernel after this process's exit. */
			close_others();
			r.t_start = r.t_end = now_ns();
			if (write(CHAN_FD, &r, sizeof(r)) < 0)
				_exit(st->u.exit.status);
			_exit(st->u.exit.status);
		} else {
			if (newchan >= 0)
				close(newchan);
			do_step(st, fds, req.timeout_ms, &r);
		}
		if (write(CHAN_FD, &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(125);
	}
}

static int read_full(int fd, void *buf, size_t len, long timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ull;
	size_t got = 0;

	while (got < len) {
		uint64_t now = now_ns();
		int left = now >= deadline ? 0 : (int)((deadline - now) / 1000000ull) + 1;
		int rc = poll(&p, 1, left);

		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n == 0 ? EPIPE : errno;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

int actor_spawn(struct actor *a, const struct plan *plan, int proc, const struct world *w,
		const struct sandbox *sb, char *err)
{
	int sp[2];
	pid_t pid;

	memset(a, 0, sizeof(*a));
	a->proc = proc;
	a->chan = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return errf(err, "cannot create the channel to process '%s': %s",
			    plan->procs[proc].name, strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(sp[0]);
		close(sp[1]);
		return errf(err, "cannot fork process '%s': %s", plan->procs[proc].name,
			    strerror(errno));
	}
	if (pid == 0) {
		char cerr[ERRLEN];
		int *fds;

		/* Die with the runner, even if it is SIGKILLed.  (getppid() says
		 * 0 inside the pid namespace, so it cannot tell whether the runner
		 * died before this line; the channel can: its end of it is then
		 * closed and the first read below sees EOF.) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (world_enter(w, plan->procs[proc].host, cerr) < 0)
			_exit(127);
		if (sb && sandbox_actor(sb, cerr) < 0)
			_exit(127);
		dup2(sp[1], CHAN_FD);
		close_others();
		fds = calloc((size_t)(plan->nvars > 0 ? plan->nvars : 1), sizeof(int));
		if (!fds)
			_exit(127);
		for (int i = 0; i < plan->nvars; i++)
			fds[i] = -1;
		actor_loop(plan, fds, sb);
	}
	close(sp[1]);
	a->pid = pid;
	a->chan = sp[0];
	return 0;
}

static int call_failed(struct actor *a, const char *what, char *err)
{
	int e = errno;

	actor_kill(a);
	if (e == ETIMEDOUT)
		return errf(err, "%s", what);
	if (e == EPIPE)
		return errf(err, "the process died during the step");
	return errf(err, "lost the process: %s", strerror(e));
}

int actor_call(struct actor *a, int step, long timeout_ms, struct actor_reply *rep, char *err)
{
	return actor_call_fds(a, step, NULL, 0, timeout_ms, rep, err);
}

int actor_call_fds(struct actor *a, int step, const int *fds, int nfds, long timeout_ms,
		   struct actor_reply *rep, char *err)
{
	struct actor_req req = {.step = step, .timeout_ms = (int)timeout_ms};
	char what[64];

	if (a->exited || a->chan < 0)
		return errf(err, "the process has exited");
	if (send_with_fds(a->chan, &req, sizeof(req), fds, nfds) < 0) {
		errno = EPIPE;
		return call_failed(a, "", err);
	}
	snprintf(what, sizeof(what), "the call did not return within %ld ms", timeout_ms);
	if (read_full(a->chan, rep, sizeof(*rep), timeout_ms) < 0)
		return call_failed(a, what, err);
	return 0;
}

int actor_fork(struct actor *parent, struct actor *child, const struct plan *plan, int step,
	       long timeout_ms, struct actor_reply *rep, char *err)
{
	struct actor_req req = {.step = step};
	struct actor_hello hello;
	int sp[2];

	memset(child, 0, sizeof(*child));
	child->proc = plan->steps[step].proc;
	child->chan = -1;
	child->exited = 1;
	if (parent->exited || parent->chan < 0)
		return errf(err, "process '%s' has exited", plan->procs[parent->proc].name);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return errf(err, "cannot create the channel to process '%s': %s",
			    plan->procs[child->proc].name, strerror(errno));
	if (send_with_fd(parent->chan, &req, sizeof(req), sp[1]) < 0) {
		close(sp[0]);
		close(sp[1]);
		errno = EPIPE;
		return call_failed(parent, "", err);
	}
	close(sp[1]);
	if (read_full(parent->chan, rep, sizeof(*rep), timeout_ms) < 0) {
		close(sp[0]);
		return call_failed(parent, "fork did not return in time", err);
	}
	if (rep->ret < 0) {
		close(sp[0]);
		return 0;
	}
	if (read_full(sp[0], &hello, sizeof(hello), timeout_ms) < 0) {
		close(sp[0]);
		return errf(err, "the forked process '%s' did not start",
			    plan->procs[child->proc].name);
	}
	child->pid = hello.pid;
	child->chan = sp[0];
	child->exited = 0;
	return 0;
}

int actor_describe(struct actor *a, struct actor_sock *out, long timeout_ms, char *err)
{
	struct actor_req req = {.step = ACTOR_DESCRIBE};
	struct describe_reply d;

	if (a->exited || a->chan < 0)
		return errf(err, "the process has exited");
	if (send_with_fd(a->chan, &req, sizeof(req), -1) < 0 ||
	    read_full(a->chan, &d, sizeof(d), timeout_ms) < 0)
		return call_failed(a, "the process did not describe its sockets in time", err);
	if (d.n < 0 || d.n > ACTOR_SOCKS_MAX)
		return errf(err, "bad answer from the process");
	memcpy(out, d.s, (size_t)d.n * sizeof(*out));
	return d.n;
}

int actor_peek(struct actor *a, int pid, int fd, int level, int optname, long timeout_ms,
	       struct actor_peek *pk)
{
	struct actor_req req = {
	    .step = ACTOR_PEEK, .pid = pid, .fd = fd, .level = level, .optname = optname};

	if (a->exited || a->chan < 0 || send_with_fd(a->chan, &req, sizeof(req), -1) < 0 ||
	    read_full(a->chan, pk, sizeof(*pk), timeout_ms) < 0)
		return -1;
	return 0;
}

long actor_reap(struct actor *a, int pid, int wait_ms, long timeout_ms)
{
	struct actor_req req = {.step = ACTOR_REAP, .pid = pid, .wait_ms = wait_ms};
	long st = -1;

	if (a->exited || a->chan < 0 || send_with_fd(a->chan, &req, sizeof(req), -1) < 0 ||
	    read_full(a->chan, &st, sizeof(st), timeout_ms) < 0)
		return -1;
	return st;
}

int actor_exec(struct actor *a, int step, long timeout_ms, struct actor_reply *rep, char *err)
{
	struct actor_req req = {.step = step};
	uint64_t t = now_ns();

	if (a->exited || a->chan < 0)
		return errf(err, "the process has exited");
	if (send_with_fd(a->chan, &req, sizeof(req), -1) < 0) {
		errno = EPIPE;
		return call_failed(a, "", err);
	}
	if (read_full(a->chan, rep, sizeof(*rep), timeout_ms) == 0)
		return 0; /* exec failed: the reply says why, the actor lives on */
	if (errno != EPIPE)
		return call_failed(a, "exec did not happen in time", err);
	/* EOF: the channel was closed by a successful exec.  The process runs
	 * on as the new program (killed with the world), but takes no steps. */
	memset(rep, 0, sizeof(*rep));
	rep->t_start = t;
	rep->t_end = now_ns();
	rep->fd = -1;
	close(a->chan);
	a->chan = -1;
	a->exited = 1;
	return 0;
}

void actor_kill(struct actor *a)
{
	if (!a->exited && a->pid > 0)
		kill(a->pid, SIGKILL);
	a->exited = 1;
	if (a->chan >= 0)
		close(a->chan);
	a->chan = -1;
}
