/*
 * txt.c: the expansion of a zone's TXT template, shared by the DNS answer
 * path (dnsbl/answer.c) and the BIND export (export.c), so that a file
 * says what the server answers.
 *
 * Pure: no allocation, lock or stdio (the DNS workers call it), no
 * gmtime_r (glibc takes the tz lock there). The variables are documented
 * in docs/CONFIG.md and at list_txt_expand in list.h.
 */
#include <stdint.h>
#include <string.h>

#include "core/str.h"
#include "list/list.h"
#include "store/store.h"

/*
 * A bounded text buffer: bytes past cap are dropped. With ipat set
 * (list_txt_compile), the address is not written: its offsets go into
 * ipat, at most maxip of them (nip counts them all).
 */
struct tbuf {
	char		*p;
	size_t		 len, cap;
	uint16_t	*ipat;
	size_t		 nip, maxip;
};

static void tb_add(struct tbuf *, const char *, size_t);

/* The queried address, or where it goes. */
static void
tb_ip(struct tbuf *t, const char *ip, size_t iplen)
{
	if (t->ipat == NULL) {
		tb_add(t, ip, iplen);
		return;
	}
	if (t->nip < t->maxip)
		t->ipat[t->nip] = (uint16_t)t->len;
	t->nip++;
}

static void
tb_add(struct tbuf *t, const char *s, size_t n)
{
	if (n > t->cap - t->len)
		n = t->cap - t->len;
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

size_t
list_txt_uint(char *dst, unsigned v, unsigned width)
{
	char	tmp[10];
	size_t	n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && n < sizeof(tmp));
	while (n < width && n < sizeof(tmp))
		tmp[n++] = '0';
	for (i = 0; i < n; i++)
		dst[i] = tmp[n - 1 - i];
	return n;
}

size_t
list_txt_time(char *dst, int64_t t)
{
	int64_t		days, era, y;
	unsigned	doe, yoe, doy, mp, d, m, secs;
	size_t		n = 0;

	/* Howard Hinnant's civil_from_days. */
	days = t / 86400;
	secs = (unsigned)(t % 86400);
	if (t < 0 && secs != 0) {
		secs = (unsigned)((t % 86400) + 86400);
		days--;
	}
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (unsigned)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999)
		y = 0;
	n += list_txt_uint(dst + n, (unsigned)y, 4);
	dst[n++] = '-';
	n += list_txt_uint(dst + n, m, 2);
	dst[n++] = '-';
	n += list_txt_uint(dst + n, d, 2);
	dst[n++] = 'T';
	n += list_txt_uint(dst + n, secs / 3600, 2);
	dst[n++] = ':';
	n += list_txt_uint(dst + n, secs / 60 % 60, 2);
	dst[n++] = ':';
	n += list_txt_uint(dst + n, secs % 60, 2);
	dst[n++] = 'Z';
	return n;
}

const char *
list_url_rest(const char *tpl, const char *base)
{
	size_t	n = sizeof(STORE_DEFAULT_BASE) - 1;

	if (base == NULL || tpl == NULL ||
	    strncmp(tpl, STORE_DEFAULT_BASE, n) != 0 ||
	    (tpl[n] != '\0' && tpl[n] != '/'))
		return NULL;
	return tpl + n;
}

char *
list_url_rebase(char *dst, size_t cap, const char *tpl, const char *base)
{
	const char	*rest = list_url_rest(tpl, base);

	if (cap == 0)
		return dst;
	str_lcpy(dst, rest != NULL ? base : tpl != NULL ? tpl : "", cap);
	if (rest != NULL)
		str_lcat(dst, rest, cap);
	return dst;
}

/*
 * A reason, spliced: "$ip" in it is the queried address (an rbldnsd "$",
 * format.c) and "$$" a '$'; any other '$' is itself. A reason without
 * '$' is one copy.
 */
static void
splice_reason(struct tbuf *t, const char *r, size_t len, const char *ip,
    size_t iplen)
{
	const char	*end = r + len, *s;

	while (r < end) {
		if ((s = memchr(r, '$', (size_t)(end - r))) == NULL)
			s = end;
		tb_add(t, r, (size_t)(s - r));
		if (s == end)
			break;
		if (end - s >= 3 && s[1] == 'i' && s[2] == 'p') {
			tb_ip(t, ip, iplen);
			r = s + 3;
		} else {
			tb_add(t, "$", 1);
			r = s + (end - s >= 2 && s[1] == '$' ? 2 : 1);
		}
	}
}

/*
 * $url expands z->url the same way, except that $url in it stays as is;
 * base (NULL: none) replaces its default base (list_url_rest).
 */
static void
expand(struct tbuf *t, const char *tpl, int in_url,
    const struct index_zone *z, const struct index_value *v,
    const char *ip, size_t iplen, const char *base)
{
	const char	*p = tpl, *s;
	char		 tmp[LIST_TXT_TIME_LEN];

	while (*p != '\0' && t->len < t->cap) {
		if ((s = strchr(p, '$')) == NULL)
			s = p + strlen(p);
		tb_add(t, p, (size_t)(s - p));
		p = s;
		if (*p == '\0')
			break;
		p++;		/* the '$' */
		/* Dispatch on the first letter: one compare, not a chain. */
		if (*p == '$') {
			tb_add(t, "$", 1);
			p++;
		} else if (*p == 'i' && p[1] == 'p') {
			tb_ip(t, ip, iplen);
			p += 2;
		} else if (*p == 'r' && strncmp(p, "reason", 6) == 0) {
			if (v->reason != NULL)
				splice_reason(t, v->reason, v->reason_len, ip,
				    iplen);
			p += 6;
		} else if (*p == 'l' && strncmp(p, "listed", 6) == 0) {
			/* 0: the RFC 5782 test point, listed by definition. */
			if (v->listed_at == 0)
				tb_add(t, "always", 6);
			else
				tb_add(t, tmp, list_txt_time(tmp, v->listed_at));
			p += 6;
		} else if (*p == 'e' && strncmp(p, "expires", 7) == 0) {
			if (v->expires_at == 0)
				tb_add(t, "never", 5);
			else
				tb_add(t, tmp, list_txt_time(tmp,
				    v->expires_at));
			p += 7;
		} else if (*p == 'z' && strncmp(p, "zone", 4) == 0) {
			tb_add(t, z->name, strlen(z->name));
			p += 4;
		} else if (!in_url && *p == 'u' && p[1] == 'r' && p[2] == 'l') {
			if ((s = list_url_rest(z->url, base)) != NULL) {
				tb_add(t, base, strlen(base));
				expand(t, s, 1, z, v, ip, iplen, NULL);
			} else if (z->url != NULL)
				expand(t, z->url, 1, z, v, ip, iplen, NULL);
			p += 3;
		} else {
			tb_add(t, "$", 1);	/* anything else: as is */
		}
	}
}

size_t
list_txt_expand_url(char *dst, size_t cap, const struct index_zone *z,
    const struct index_value *v, const char *ip, size_t iplen,
    const char *base)
{
	struct tbuf	t = { dst, 0, cap, NULL, 0, 0 };

	/* A zone without a template still says why (its reason). */
	expand(&t, z->txt != NULL && z->txt[0] != '\0' ? z->txt : "$reason",
	    0, z, v, ip, iplen, base);
	return t.len;
}

size_t
list_txt_expand(char *dst, size_t cap, const struct index_zone *z,
    const struct index_value *v, const char *ip, size_t iplen)
{
	return list_txt_expand_url(dst, cap, z, v, ip, iplen, NULL);
}

size_t
list_txt_compile(char *dst, size_t cap, const struct index_zone *z,
    const struct index_value *v, const char *base, uint16_t *ipat,
    size_t maxip, size_t *nip)
{
	struct tbuf	t = { dst, 0, cap, ipat, 0, maxip };

	expand(&t, z->txt != NULL && z->txt[0] != '\0' ? z->txt : "$reason",
	    0, z, v, "", 0, base);
	*nip = t.nip;
	return t.len;
}
