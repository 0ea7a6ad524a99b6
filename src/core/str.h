/*
 * str.h: bounded string helpers glibc 2.36 lacks, and text checks shared
 * by every parser (control characters, durations, timestamps).
 */
#ifndef FAIRLIST_STR_H
#define FAIRLIST_STR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* OpenBSD semantics: return strlen(src); truncated if >= dstsize. */
size_t		str_lcpy(char *dst, const char *src, size_t dstsize);
size_t		str_lcat(char *dst, const char *src, size_t dstsize);

/*
 * OpenBSD strtonum: parse a base-10 integer in [minval, maxval]. On error
 * returns 0 and sets *OUT:errstr to "invalid", "too small" or "too large";
 * on success *errstr is NULL.
 */
long long	str_tonum(const char *s, long long minval, long long maxval,
		    const char **errstr);

/* 1 if s (len bytes) holds a byte < 0x20 or 0x7f, else 0. */
int		str_has_ctl(const char *s, size_t len);

/*
 * Check text a person or a file gives us for a listing (reason, evidence,
 * source, why): valid UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF), and no control characters (C0, DEL, C1
 * U+0080-U+009F such as NEL) or bidirectional controls (U+061C,
 * U+200E-U+200F, U+202A-U+202E, U+2066-U+2069), which would reorder or
 * break the line they reach (a TXT answer, a log, a terminal).
 * Returns 0, or -1 with *OUT:why set to a static message (may be NULL).
 */
int		str_text_check(const char *s, size_t len, const char **why);

/* 1 if s (len bytes) is empty or only ASCII spaces and tabs, else 0. */
int		str_is_blank(const char *s, size_t len);

/* 1 if s (len bytes) holds a byte above 0x7e, else 0. */
int		str_has_nonascii(const char *s, size_t len);

/*
 * Escape len bytes of untrusted text for a log line into dst (dstsize
 * bytes, always NUL-terminated): printable ASCII stays, everything else
 * becomes \xHH. Returns dst.
 */
char		*str_escape(char *dst, size_t dstsize, const void *s, size_t len);

/*
 * A peer's or a row's text as a new jansson string: s as it is when it
 * is UTF-8, else its whole str_escape form (\xHH) instead of letting
 * jansson refuse it and drop the key. NULL gives JSON null.
 */
struct json_t	*str_json(const char *s);

/*
 * Parse a duration: a number with an optional unit s, m, h, d or w
 * ("90", "15m", "7d"). Returns 0 and sets *OUT:secs, or -1.
 */
int		str_duration(const char *s, int64_t *secs);

/*
 * Parse a time: "now", a duration relative to now ("+7d" or "7d" when
 * relative != 0), Unix seconds "@1700000000", or ISO 8601 UTC
 * "2026-11-28", "2026-11-28T10:00Z", "2026-11-28T10:00:00Z".
 * Returns 0 and sets *OUT:t, or -1.
 */
int		str_time(const char *s, time_t now, int relative, int64_t *t);

/* Format t as "2026-11-28T10:00:00Z" into dst (at least 21 bytes). */
char		*str_isotime(char *dst, size_t dstsize, int64_t t);

#define STR_DNSNAME_MAX	253	/* text form, no trailing dot */

/*
 * 1 if s (len bytes) is a DNS name of dot-separated labels of 1-63
 * letters, digits, '-' and '_' (underscores occur in DKIM selectors and
 * service names), at most STR_DNSNAME_MAX bytes, no trailing dot; else 0.
 */
int		str_dnsname_ok(const char *s, size_t len);

/* Lower-case ASCII in place; returns s. */
char		*str_lower(char *s);
/* The value of hex digit c (either case), or -1. */
int		str_hexval(int c);

#endif /* FAIRLIST_STR_H */
