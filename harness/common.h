/* common.h - the one error convention and small helpers every module shares.
 *
 * Error convention (end to end): a function that can fail returns -1 and
 * writes one lowercase line without a full stop into a caller-owned
 * char err[ERRLEN]; only main() prints and exits.  Messages name the failed
 * call and its object: "cannot bind '10.0.0.1:8080': Address already in use".
 */
#ifndef BINDLAB_COMMON_H
#define BINDLAB_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define ERRLEN 512

/* Exit statuses of every bindlab command. */
enum {
	EXIT_PASS = 0,	/* every expectation held */
	EXIT_FAIL = 1,	/* an expectation failed */
	EXIT_USAGE = 2, /* bad input or an unusable environment */
};

/* Fill err like snprintf and return -1, so "return errf(err, ...)" reads well. */
int errf(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "EADDRINUSE" for EADDRINUSE; "E<n>" for an unknown number; "0" for 0. */
const char *errno_name(int e);
/* A syscall result as scenarios write it: "0", "5", "-1 EADDRINUSE". */
void result_str(long ret, int err, char *buf, size_t len);
/* n bytes of data as a scenario string: "hello\n" (C escapes, \xHH for
 * other bytes), cut with "..." to fit len. */
void data_quoted(const char *data, size_t n, char *buf, size_t len);
/* EADDRINUSE for "EADDRINUSE"; -1 if the name is not an errno. */
int errno_from_name(const char *name);

/* An IPv4 or IPv6 address; family is AF_INET or AF_INET6, 0 when unset. */
struct addr {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} u;
};

/* An address and a port: the thing bind() and connect() take. */
struct endpoint {
	struct addr addr;
	uint16_t port;
};

/* Parse "10.0.0.1", "::1", "fd00::2"; -1 if not an address. */
int addr_parse(const char *s, struct addr *out);
/* Parse "10.0.0.1:8080", "[::]:8080", "[fd00::1]:0"; -1 if malformed. */
int endpoint_parse(const char *s, struct endpoint *out);
/* Write "10.0.0.1" / "fd00::1" into buf (at least 64 bytes). */
const char *addr_str(const struct addr *a, char *buf, size_t len);
/* Write "10.0.0.1:8080" / "[fd00::1]:8080" into buf (at least 80 bytes). */
const char *endpoint_str(const struct endpoint *e, char *buf, size_t len);
int addr_equal(const struct addr *a, const struct addr *b);
int addr_is_any(const struct addr *a);
/* Fill a sockaddr for the endpoint; returns its length. */
unsigned endpoint_to_sockaddr(const struct endpoint *e, struct sockaddr_storage *ss);
/* The reverse; -1 if the family is neither AF_INET nor AF_INET6. */
int endpoint_from_sockaddr(const struct sockaddr *sa, struct endpoint *out);

/* The array v of *cap elements of size bytes, grown (doubling) to hold at
 * least need: the new pointer, *cap updated; NULL on ENOMEM (v is then
 * untouched and still the caller's). */
void *array_grow(void *v, int *cap, int need, size_t size);

/* The one strict reader of numbers and durations, for the scenario
 * language and every command: the whole of s, nothing after it ("5x" is
 * not 5).  A number from min to max: 0, or -1. */
int number_parse(const char *s, long min, long max, long *out);
/* "500ms", "2s", "1.5s" (unit_ms_default: also a bare "500" as ms) up to
 * max_ms: the milliseconds in *ms, or -1. */
int duration_parse(const char *s, long max_ms, int unit_ms_default, long *ms);

/* Write len bytes of data as the file name in the folder dirfd, whole or
 * not at all: a nameless file (O_TMPFILE) given a temporary name only once
 * it is complete, then renamed into place, so that a process killed while
 * writing leaves the previous file and no temporary one (where O_TMPFILE is
 * not supported, a named temporary).  Never follows a link.  shown is the
 * file as the error names it.  0, or -1 with err. */
int write_file_atomic(int dirfd, const char *name, const char *shown, const void *data, size_t len,
		      char *err);

/* The path of the running bindlab (/proc/self/exe), "" if unknown: the
 * trace library, the labs and a replay command are found from it. */
const char *self_exe(void);

/* CLOCK_REALTIME in nanoseconds: the clock libpcap stamps packets with, so
 * syscalls and packets share one timeline. */
uint64_t now_ns(void);

#endif
