/*
 * parse.c: the HTTP request parsers of ours: percent-decoding (RFC 3986
 * section 2.1), query strings and urlencoded form bodies (the HTML form
 * encoding), Cookie headers (RFC 6265 section 5.4), and X-Forwarded-For
 * behind trusted proxies.
 *
 * Pure: bytes in, result out, no allocation past fixed buffers. Every
 * read checks its bounds; every refusal is a return value for a 400.
 */
#include <string.h>

#include "core/addr.h"
#include "core/str.h"
#include "web/web_int.h"

long
web_pct_decode(const char *s, size_t len, char *dst, size_t cap, int plus)
{
	size_t	i, n = 0;
	int	hi, lo, c;

	if (cap == 0)
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			/* Untrusted input: "%" must be followed by 2 hex digits. */
			if (len - i < 3 || (hi = str_hexval(s[i + 1])) < 0 ||
			    (lo = str_hexval(s[i + 2])) < 0)
				return -1;
			c = hi << 4 | lo;
			i += 2;
		} else if (c == '+' && plus)
			c = ' ';
		if (c == '\0' || n + 1 >= cap)
			return -1;
		dst[n++] = (char)c;
	}
	dst[n] = '\0';
	return (long)n;
}

int
web_form_each(const char *s, size_t len,
    int (*cb)(const char *name, const char *value, void *arg), void *arg,
    const char **err)
{
	char		 name[WEB_FIELD_MAX], value[WEB_FIELD_MAX];
	const char	*end = s + len, *amp, *eq;
	int		 n = 0, rc;

	*err = NULL;
	while (s < end) {
		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		if (amp == s) {
			s++;
			continue;
		}
		if (++n > WEB_FIELDS_MAX) {
			*err = "too many fields";
			return -1;
		}
		if ((eq = memchr(s, '=', (size_t)(amp - s))) == NULL)
			eq = amp;
		if (web_pct_decode(s, (size_t)(eq - s), name, sizeof(name),
		    1) < 0 || web_pct_decode(eq < amp ? eq + 1 : amp,
		    eq < amp ? (size_t)(amp - eq - 1) : 0, value,
		    sizeof(value), 1) < 0) {
			*err = "bad percent-encoding, a NUL byte or a field "
			    "too long";
			return -1;
		}
		if ((rc = cb(name, value, arg)) != 0)
			return rc;
		s = amp < end ? amp + 1 : end;
	}
	return 0;
}

static int
trusted(const struct addr_prefix *proxies, int n, const uint8_t a[ADDR_LEN])
{
	int	i;

	for (i = 0; i < n; i++)
		if (addr_contains(&proxies[i], a))
			return 1;
	return 0;
}

/* The hops of xff: OUT:hop[] of *OUT:nhop; -1 for a malformed header. */
static int
xff_hops(const char *xff, size_t len, uint8_t hop[][ADDR_LEN], int *nhop)
{
	struct addr_prefix	 p;
	const char		*end = xff + len, *s = xff, *e, *why;
	char			 tmp[ADDR_TEXT_MAX];
	size_t			 n;

	*nhop = 0;
	for (;;) {
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if ((e = memchr(s, ',', (size_t)(end - s))) == NULL)
			e = end;
		n = (size_t)(e - s);
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		/* Untrusted input: each hop is one address, no prefix. */
		if (n == 0 || n >= sizeof(tmp) || memchr(s, '/', n) != NULL ||
		    *nhop == WEB_XFF_MAX)
			return -1;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		if (addr_parse(tmp, &p, &why) == -1)
			return -1;
		memcpy(hop[(*nhop)++], p.a, ADDR_LEN);
		if (e == end)
			return 0;
		s = e + 1;	/* a ',' at the end leaves an empty hop */
	}
}

int
web_client_addr(const struct addr_prefix *proxies, int n,
    const uint8_t peer[ADDR_LEN], const char *xff, size_t len,
    uint8_t client[ADDR_LEN])
{
	uint8_t	hop[WEB_XFF_MAX][ADDR_LEN];
	int	nhop, i;

	memcpy(client, peer, ADDR_LEN);
	if (xff == NULL || !trusted(proxies, n, peer) ||
	    xff_hops(xff, len, hop, &nhop) == -1)
		return 0;
	for (i = nhop - 1; i > 0; i--)
		if (!trusted(proxies, n, hop[i]))
			break;
	memcpy(client, hop[i], ADDR_LEN);
	return 1;
}

/*
 * RFC 6265 section 4.1.1 cookie-octet: printable US-ASCII but for
 * DQUOTE, comma, semicolon and backslash (so no NUL, control or 8-bit).
 */
static int
cookie_octets(const char *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)p[i];

		if (c < 0x21 || c > 0x7e || c == '"' || c == ',' ||
		    c == ';' || c == '\\')
			return 0;
	}
	return 1;
}

const char *
web_cookie_value(const char *hdr, size_t len, const char *name, char *out,
    size_t cap)
{
	const char	*end = hdr + len, *s = hdr, *e, *eq;
	size_t		 n = strlen(name), vlen;

	while (s < end) {
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if ((e = memchr(s, ';', (size_t)(end - s))) == NULL)
			e = end;
		/* Untrusted input: NAME=VALUE pairs split by "; ". */
		if ((eq = memchr(s, '=', (size_t)(e - s))) != NULL &&
		    (size_t)(eq - s) == n && memcmp(s, name, n) == 0) {
			vlen = (size_t)(e - eq - 1);
			while (vlen > 0 && (eq[vlen] == ' ' || eq[vlen] == '\t'))
				vlen--;
			if (vlen == 0 || vlen >= cap ||
			    !cookie_octets(eq + 1, vlen))
				return NULL;
			memcpy(out, eq + 1, vlen);
			out[vlen] = '\0';
			return out;
		}
		s = e < end ? e + 1 : end;
	}
	return NULL;
}
