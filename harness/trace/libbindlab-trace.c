/* libbindlab-trace.c - LD_PRELOAD library: reports a program's socket calls
 * to bindlab without changing them.  Each wrapper calls the real function
 * (dlsym RTLD_NEXT), keeps its errno, and writes one struct trace_rec to
 * BINDLAB_TRACE_FD.  Without that variable it does nothing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

static int trace_fd = -1;

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

__attribute__((constructor)) static void trace_init(void)
{
	const char *s = getenv("BINDLAB_TRACE_FD");

	trace_fd = s ? atoi(s) : -1;
}

static void emit(struct trace_rec *r)
{
	int e = errno;

	if (trace_fd < 0)
		return;
	r->magic = TRACE_MAGIC;
	r->pid = getpid();
	/* one write of a small record: atomic on a pipe, never interleaved */
	if (write(trace_fd, r, sizeof(*r)) < 0)
		trace_fd = -1;
	errno = e;
}

static void addr_of(struct trace_rec *r, const struct sockaddr *sa)
{
	if (!sa)
		return;
	r->family = sa->sa_family;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		r->port = ntohs(a->sin_port);
		memcpy(r->addr, &a->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		r->port = ntohs(a->sin6_port);
		memcpy(r->addr, &a->sin6_addr, 16);
	}
}

#define REAL(name, ...)                                                                            \
	static __typeof__(name) *real_##name;                                                      \
	if (!real_##name)                                                                          \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name);

#define DONE(r, v)                                                                                 \
	do {                                                                                       \
		(r).t_end = now();                                                                 \
		(r).ret = (v);                                                                     \
		(r).err = (v) < 0 ? errno : 0;                                                     \
		emit(&(r));                                                                        \
	} while (0)

int socket(int domain, int type, int protocol)
{
	struct trace_rec r = {.call = TRACE_SOCKET, .family = domain, .port = type};
	int v;

	REAL(socket);
	r.t_start = now();
	v = real_socket(domain, type, protocol);
	r.fd = v;
	if (domain == AF_INET || domain == AF_INET6)
		DONE(r, v);
	return v;
}

/* Is fd an IPv4 or IPv6 socket?  A program's Unix sockets, pipes and
 * files are none of bindlab's business (a listen() on a Unix socket must
 * not pass for the server's). */
static int is_inet(int fd)
{
	int t = 0;
	socklen_t l = sizeof(t);

	return fd != trace_fd && getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &t, &l) == 0 &&
	       (t == AF_INET || t == AF_INET6);
}

int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	struct trace_rec r = {
	    .call = TRACE_SETSOCKOPT, .fd = fd, .level = level, .optname = optname};
	int inet, v;

	REAL(setsockopt);
	if (optval && optlen >= sizeof(int))
		memcpy(&r.optval, optval, sizeof(int));
	if (optval && optlen >= 2 * sizeof(int))
		memcpy(&r.optval2, (const char *)optval + sizeof(int), sizeof(int));
	inet = is_inet(fd); /* before the call: it may change errno */
	r.t_start = now();
	v = real_setsockopt(fd, level, optname, optval, optlen);
	if (inet)
		DONE(r, v);
	return v;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct trace_rec r = {.call = TRACE_BIND, .fd = fd};
	int v;

	REAL(bind);
	addr_of(&r, sa);
	r.t_start = now();
	v = real_bind(fd, sa, len);
	if (r.family == AF_INET || r.family == AF_INET6)
		DONE(r, v);
	return v;
}

int listen(int fd, int backlog)
{
	struct trace_rec r = {.call = TRACE_LISTEN, .fd = fd};
	int inet, v;

	REAL(listen);
	inet = is_inet(fd); /* before the call: it may change errno */
	r.t_start = now();
	v = real_listen(fd, backlog);
	if (inet)
		DONE(r, v);
	return v;
}

int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct trace_rec r = {.call = TRACE_ACCEPT, .fd = fd};
	int inet, v;

	REAL(accept);
	inet = is_inet(fd); /* before the call: it may change errno */
	r.t_start = now();
	v = real_accept(fd, sa, len);
	if (inet)
		DONE(r, v);
	return v;
}

int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	struct trace_rec r = {.call = TRACE_ACCEPT, .fd = fd};
	int inet, v;

	REAL(accept4);
	inet = is_inet(fd); /* before the call: it may change errno */
	r.t_start = now();
	v = real_accept4(fd, sa, len, flags);
	if (inet)
		DONE(r, v);
	return v;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct trace_rec r = {.call = TRACE_CONNECT, .fd = fd};
	int v;

	REAL(connect);
	addr_of(&r, sa);
	r.t_start = now();
	v = real_connect(fd, sa, len);
	if (r.family == AF_INET || r.family == AF_INET6)
		DONE(r, v);
	return v;
}

int shutdown(int fd, int how)
{
	struct trace_rec r = {.call = TRACE_SHUTDOWN, .fd = fd, .optval = how};
	int inet, v;

	REAL(shutdown);
	inet = is_inet(fd); /* before the call: it may change errno */
	r.t_start = now();
	v = real_shutdown(fd, how);
	if (inet)
		DONE(r, v);
	return v;
}

int close(int fd)
{
	struct trace_rec r = {.call = TRACE_CLOSE, .fd = fd};
	int is_sock, v;

	REAL(close);
	/* only sockets: a program closes many files */
	is_sock = is_inet(fd);
	r.t_start = now();
	v = real_close(fd);
	if (is_sock)
		DONE(r, v);
	return v;
}

__attribute__((destructor)) static void trace_exit(void)
{
	struct trace_rec r = {.call = TRACE_EXIT};

	r.t_start = r.t_end = now();
	emit(&r);
}
