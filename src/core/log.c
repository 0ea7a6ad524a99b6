/*
 * log.c: logging for the daemon and the command-line tool.
 *
 * Writes one line per event to stderr in the foreground and to syslog
 * otherwise (OpenSMTPD log.c). Every function preserves errno, so callers
 * can log and then still inspect it. Messages are formatted into a fixed
 * buffer first and written with one call, which keeps lines from several
 * threads whole. Peer bytes must be escaped by the caller (str_escape).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

#define LOG_LINE_MAX	2048

static int	log_foreground = 1;
static int	log_verbose;

void	(*log_fatal_hook)(const char *msg);

void
log_init(int foreground, int verbose, const char *ident)
{
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

static void	vlog(int, const char *, const char *, va_list, int)
		    __attribute__((format(printf, 3, 0)));
static noreturn void	vfatal(const char *, va_list, int)
			    __attribute__((format(printf, 1, 0)));

static void
vlog(int pri, const char *prefix, const char *fmt, va_list ap, int err)
{
	char	line[LOG_LINE_MAX];
	int	n;
	size_t	len;

	n = snprintf(line, sizeof(line), "%s", prefix);
	len = n < 0 ? 0 : (size_t)n;
	if (len < sizeof(line)) {
		n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
		if (n > 0)
			len += (size_t)n;
	}
	if (len >= sizeof(line))
		len = sizeof(line) - 1;
	if (err != 0) {
		n = snprintf(line + len, sizeof(line) - len, ": %s",
		    strerror(err));
		if (n > 0)
			len += (size_t)n;
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
	}
	if (log_foreground) {
		line[len] = '\n';
		/* One write per line keeps concurrent lines whole. */
		if (write(STDERR_FILENO, line, len + 1) == -1)
			return;
	} else {
		line[len] = '\0';
		syslog(pri, "%s", line);
	}
}

#define LOGFN(name, pri, prefix, witherr)				\
void									\
name(const char *fmt, ...)						\
{									\
	int	saved = errno;						\
	va_list	ap;							\
									\
	va_start(ap, fmt);						\
	vlog(pri, prefix, fmt, ap, witherr ? saved : 0);		\
	va_end(ap);							\
	errno = saved;							\
}

LOGFN(log_warn, LOG_WARNING, "warning: ", 1)
LOGFN(log_warnx, LOG_WARNING, "warning: ", 0)
LOGFN(log_info, LOG_INFO, "", 0)

void
log_debug(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	if (log_verbose <= 0)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, "debug: ", fmt, ap, 0);
	va_end(ap);
	errno = saved;
}

static noreturn void
vfatal(const char *fmt, va_list ap, int err)
{
	char	msg[LOG_LINE_MAX];
	va_list	cp;

	if (log_fatal_hook != NULL) {
		va_copy(cp, ap);
		vsnprintf(msg, sizeof(msg), fmt, cp);
		va_end(cp);
		log_fatal_hook(msg);
	}
	vlog(LOG_CRIT, "fatal: ", fmt, ap, err);
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	vfatal(fmt, ap, saved);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vfatal(fmt, ap, 0);
}

int
log_limit_ok(struct log_limit *l, int per_sec, const char *what)
{
	long	now = (long)time(NULL);

	if (now != l->sec) {
		if (l->suppressed > 0)
			log_warnx("%s: %d warnings suppressed", what,
			    l->suppressed);
		l->sec = now;
		l->n = 0;
		l->suppressed = 0;
	}
	if (l->n++ < per_sec)
		return 1;
	l->suppressed++;
	return 0;
}
