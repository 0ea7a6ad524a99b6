/*
 * log.h: one-line logging to stderr (foreground) or syslog.
 */
#ifndef FAIRLIST_LOG_H
#define FAIRLIST_LOG_H

#include <stdarg.h>
#include <stdnoreturn.h>

/*
 * Initialise logging. foreground != 0 writes to stderr, otherwise syslog
 * with ident. verbose > 0 enables log_debug. May be called again.
 */
void	log_init(int foreground, int verbose, const char *ident);

/* Adjust verbosity after log_init. */
void	log_setverbose(int verbose);

/* log_warn appends ": strerror(errno)". All preserve errno. */
void	log_warn(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

/* Startup, configuration and impossible states only. Never return. */
noreturn void	fatal(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
noreturn void	fatalx(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));

/*
 * Rate limit for warnings that peers cause: log_limit_ok returns 1 while
 * fewer than per_sec passed this second, else counts the one dropped;
 * the count is logged ("WHAT: N warnings suppressed") with the first one
 * of a later second. Zeroed memory is a fresh limit.
 */
struct log_limit {
	long	sec;
	int	n;
	int	suppressed;
};

int	log_limit_ok(struct log_limit *l, int per_sec, const char *what);

/*
 * Test hook: when set, fatal()/fatalx() call it instead of exiting.
 * The hook must not return (tests longjmp out of it).
 */
extern void	(*log_fatal_hook)(const char *msg);

#endif /* FAIRLIST_LOG_H */
