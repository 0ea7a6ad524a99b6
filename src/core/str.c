/*
 * str.c: bounded copies, range-checked numbers, escaping, text checks and
 * time text.
 *
 * These replace the banned strcpy/strcat/sprintf/atoi family. Nothing here
 * allocates; every output is bounded by the caller's buffer.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>


#include "core/str.h"
#include "core/xmalloc.h"

size_t
str_lcpy(char *dst, const char *src, size_t dstsize)
{
	size_t	len = strlen(src);

	if (dstsize > 0) {
		size_t	n = len < dstsize - 1 ? len : dstsize - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t
str_lcat(char *dst, const char *src, size_t dstsize)
{
	size_t	dlen = strnlen(dst, dstsize);

	if (dlen == dstsize)
		return dlen + strlen(src);
	return dlen + str_lcpy(dst + dlen, src, dstsize - dlen);
}

long long
str_tonum(const char *s, long long minval, long long maxval,
    const char **errstr)
{
	long long	 v;
	char		*end;

	*errstr = NULL;
	if (s == NULL || *s == '\0' || minval > maxval ||
	    isspace((unsigned char)*s)) {
		*errstr = "invalid";
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*errstr = "invalid";
		return 0;
	}
	if ((v == LLONG_MIN && errno == ERANGE) || v < minval) {
		*errstr = "too small";
		return 0;
	}
	if ((v == LLONG_MAX && errno == ERANGE) || v > maxval) {
		*errstr = "too large";
		return 0;
	}
	return v;
}

/* 1 if code point c is a bidirectional formatting control. */
static int
is_bidi(uint32_t c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

int
str_text_check(const char *s, size_t len, const char **why)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	uint32_t		 c, min;
	const char		*dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f) {
				*why = "contains a control character";
				return -1;
			}
			i++;
			continue;
		}
		/* RFC 3629 section 4: the lead byte gives the length. */
		if (c >= 0xc2 && c <= 0xdf) {
			n = 2;
			c &= 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			c &= 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			c &= 0x07;
			min = 0x10000;
		} else
			goto bad;
		if (len - i < n)
			goto bad;
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			c = c << 6 | (p[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			goto bad;
		if (c <= 0x9f) {
			*why = "contains a control character";
			return -1;
		}
		if (is_bidi(c)) {
			*why = "contains a bidirectional control character";
			return -1;
		}
		i += n;
	}
	return 0;
bad:
	*why = "is not valid UTF-8";
	return -1;
}

int
str_is_blank(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

int
str_has_nonascii(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] > 0x7e)
			return 1;
	return 0;
}

int
str_has_ctl(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

char *
str_escape(char *dst, size_t dstsize, const void *src, size_t len)
{
	const unsigned char	*s = src;
	size_t			 i, o = 0;

	if (dstsize == 0)
		return dst;
	for (i = 0; i < len; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			if (o + 1 >= dstsize)
				break;
			dst[o++] = (char)s[i];
		} else {
			if (o + 4 >= dstsize)
				break;
			snprintf(dst + o, 5, "\\x%02x", s[i]);
			o += 4;
		}
	}
	dst[o] = '\0';
	return dst;
}

int
str_duration(const char *s, int64_t *secs)
{
	char		 num[32];
	size_t		 len;
	int64_t		 mult = 1;
	long long	 v;
	const char	*err;

	len = strlen(s);
	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 7 * 86400; break;
	default:
		if (!isdigit((unsigned char)num[len - 1]))
			return -1;
		len++;
		break;
	}
	num[len - 1] = '\0';
	/* Cap at 100 years so that now + duration cannot overflow. */
	v = str_tonum(num, 0, 100LL * 366 * 86400 / mult, &err);
	if (err != NULL)
		return -1;
	*secs = v * mult;
	return 0;
}

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm: days since 1970-01-01. */
	int64_t		era;
	unsigned	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int
str_time(const char *s, time_t now, int relative, int64_t *t)
{
	int64_t		 d;
	int		 y, mo, da, h = 0, mi = 0, se = 0, n = 0;
	long long	 v;
	const char	*err;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (strcmp(s, "now") == 0) {
		*t = now;
		return 0;
	}
	if (s[0] == '@') {
		v = str_tonum(s + 1, 0, 253402300799LL, &err);
		if (err != NULL)
			return -1;
		*t = v;
		return 0;
	}
	if (s[0] == '+' || (relative && strchr(s, '-') == NULL)) {
		if (str_duration(s[0] == '+' ? s + 1 : s, &d) == -1)
			return -1;
		*t = (int64_t)now + d;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &da, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		s++;
		n = 0;
		if (sscanf(s, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
			return -1;
		s += n;
		if (*s == ':') {
			n = 0;
			if (sscanf(s, ":%2d%n", &se, &n) != 1 || n != 3)
				return -1;
			s += n;
		}
		if (*s == 'Z')
			s++;
	}
	if (*s != '\0')
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || da < 1 ||
	    da > mdays[mo - 1] || h > 23 || mi > 59 || se > 60 || h < 0 ||
	    mi < 0 || se < 0)
		return -1;
	*t = days_from_civil(y, (unsigned)mo, (unsigned)da) * 86400 +
	    h * 3600 + mi * 60 + se;
	return 0;
}

char *
str_isotime(char *dst, size_t dstsize, int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(dst, dstsize, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		str_lcpy(dst, "?", dstsize);
	return dst;
}

int
str_dnsname_ok(const char *s, size_t len)
{
	size_t		i, lab = 0;
	unsigned char	c;

	if (len == 0 || len > STR_DNSNAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (lab == 0)
				return 0;
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (++lab > 63)
			return 0;
	}
	return lab > 0;
}

char *
str_lower(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

int
str_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

json_t *
str_json(const char *s)
{
	json_t	*j;
	char	*e;
	size_t	 n;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	n = 4 * strlen(s) + 1;
	e = xmalloc(n);
	j = json_string(str_escape(e, n, s, strlen(s)));
	free(e);
	return j;
}
