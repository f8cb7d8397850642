/* common.c - see common.h */
#include "common.h"

#include <ctype.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <time.h>

int errf(char *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, ERRLEN, fmt, ap);
	va_end(ap);
	return -1;
}

const char *errno_name(int e)
{
	static __thread char buf[16];
	const char *n;

	if (e == 0)
		return "0";
	n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

void result_str(long ret, int err, char *buf, size_t len)
{
	if (ret == -1)
		snprintf(buf, len, "-1 %s", errno_name(err));
	else
		snprintf(buf, len, "%ld", ret);
}

int errno_from_name(const char *name)
{
	/* glibc knows the names; errno values stay below 200 on Linux. */
	for (int e = 1; e < 200; e++) {
		const char *n = strerrorname_np(e);

		if (n && strcmp(n, name) == 0)
			return e;
	}
	return -1;
}

int addr_parse(const char *s, struct addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->u.v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->u.v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

int endpoint_parse(const char *s, struct endpoint *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port;
	char *end;
	unsigned long p;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		n = (size_t)(close - s - 1);
		if (n == 0 || n >= sizeof(host))
			return -1;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		port = close + 2;
		if (addr_parse(host, &out->addr) < 0 || out->addr.family != AF_INET6)
			return -1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		n = (size_t)(colon - s);
		if (n == 0 || n >= sizeof(host))
			return -1;
		memcpy(host, s, n);
		host[n] = '\0';
		port = colon + 1;
		if (addr_parse(host, &out->addr) < 0 || out->addr.family != AF_INET)
			return -1;
	}
	if (*port < '0' || *port > '9')
		return -1;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *end || p > 65535)
		return -1;
	out->port = (uint16_t)p;
	return 0;
}

const char *addr_str(const struct addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, &a->u, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *endpoint_str(const struct endpoint *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(&e->addr, a, sizeof(a));
	if (e->addr.family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, e->port);
	else
		snprintf(buf, len, "%s:%u", a, e->port);
	return buf;
}

int addr_equal(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return 0;
	if (a->family == AF_INET)
		return a->u.v4.s_addr == b->u.v4.s_addr;
	return memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6)) == 0;
}

int addr_is_any(const struct addr *a)
{
	if (a->family == AF_INET)
		return a->u.v4.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&a->u.v6);
}

unsigned endpoint_to_sockaddr(const struct endpoint *e, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (e->addr.family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(e->port);
		s6->sin6_addr = e->addr.u.v6;
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(e->port);
	s4->sin_addr = e->addr.u.v4;
	return sizeof(*s4);
}

int endpoint_from_sockaddr(const struct sockaddr *sa, struct endpoint *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		out->addr.family = AF_INET;
		out->addr.u.v4 = s4->sin_addr;
		out->port = ntohs(s4->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		out->addr.family = AF_INET6;
		out->addr.u.v6 = s6->sin6_addr;
		out->port = ntohs(s6->sin6_port);
		return 0;
	}
	return -1;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void *array_grow(void *v, int *cap, int need, size_t size)
{
	int cap2 = *cap ? *cap : 16;
	void *nv;

	if (need <= *cap)
		return v;
	while (cap2 < need)
		cap2 *= 2;
	nv = realloc(v, (size_t)cap2 * size);
	if (nv)
		*cap = cap2;
	return nv;
}

int number_parse(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int duration_parse(const char *s, long max_ms, int unit_ms_default, long *ms)
{
	char *end;
	double v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	if (!strcmp(end, "ms") || (unit_ms_default && !*end))
		;
	else if (!strcmp(end, "s"))
		v *= 1000;
	else
		return -1;
	if (v > (double)max_ms)
		return -1;
	*ms = (long)(v + 0.5);
	return 0;
}

void data_quoted(const char *data, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 8) {
		if (len)
			buf[0] = '\0';
		return;
	}
	buf[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];
		char one[8];

		if (c == '\n' || c == '\r' || c == '\t' || c == '"' || c == '\\')
			snprintf(one, sizeof(one), "\\%c",
				 c == '\n'   ? 'n'
				 : c == '\r' ? 'r'
				 : c == '\t' ? 't'
					     : (char)c);
		else if (c < 0x20 || c >= 0x7f)
			snprintf(one, sizeof(one), "\\x%02x", c);
		else
			snprintf(one, sizeof(one), "%c", c);
		/* room for this, the closing quote, "..." and NUL */
		if (o + strlen(one) + 5 > len) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, one, strlen(one));
		o += strlen(one);
	}
	buf[o++] = '"';
	buf[o] = '\0';
}

const char *self_exe(void)
{
	static char exe[4096];
	ssize_t n;

	if (!exe[0]) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
	}
	return exe;
}

int write_file_atomic(int dirfd, const char *name, const char *shown, const void *data, size_t len,
		      char *err)
{
	char tmp[300], self[64];
	int fd, named = 0, e;

	snprintf(tmp, sizeof(tmp), ".%.200s.tmp.%d", name, (int)getpid());
	fd = openat(dirfd, ".", O_WRONLY | O_TMPFILE | O_CLOEXEC, 0644);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		named = 1;
	}
	if (fd < 0)
		return errf(err, "cannot write '%s': %s", shown, strerror(errno));
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, (const char *)data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto err;
		off += (size_t)n;
	}
	if (!named) {
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, self, dirfd, tmp, AT_SYMLINK_FOLLOW) < 0)
			goto err;
		named = 1;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto err;
	}
	fd = -1;
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		goto err;
	return 0;
err:
	e = errno;
	if (fd >= 0)
		close(fd);
	if (named)
		unlinkat(dirfd, tmp, 0);
	return errf(err, "cannot write '%s': %s", shown, strerror(e));
}
