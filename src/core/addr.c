/*
 * addr.c: parse and format IPv4/IPv6 addresses and prefixes.
 *
 * Text comes from the command line, import files and HTTP: it is parsed
 * with inet_pton into the 128-bit form of addr.h, and a prefix length is
 * range-checked for its family. Host bits set under the mask are refused
 * rather than silently cleared: "192.0.2.1/24" is much more likely a typo
 * than a wish to list 192.0.2.0/24. An IPv4-mapped IPv6 address or prefix
 * (::ffff:192.0.2.50, ::ffff:192.0.2.0/120) comes back as IPv4.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/str.h"

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff };

void
addr_from_v4(uint8_t a[ADDR_LEN], uint32_t v4)
{
	memcpy(a, v4mapped, 12);
	a[12] = (uint8_t)(v4 >> 24);
	a[13] = (uint8_t)(v4 >> 16);
	a[14] = (uint8_t)(v4 >> 8);
	a[15] = (uint8_t)v4;
}

int
addr_is_v4(const uint8_t a[ADDR_LEN], uint32_t *v4)
{
	if (memcmp(a, v4mapped, 12) != 0)
		return 0;
	if (v4 != NULL)
		*v4 = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 |
		    (uint32_t)a[14] << 8 | a[15];
	return 1;
}

void
addr_mask(uint8_t a[ADDR_LEN], unsigned plen)
{
	unsigned	i;

	for (i = 0; i < ADDR_LEN; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		a[i] &= (uint8_t)(0xff00 >> plen);
		plen = 0;
	}
}

void
addr_last(const struct addr_prefix *p, uint8_t last[ADDR_LEN])
{
	unsigned	i, plen = p->plen;

	memcpy(last, p->a, ADDR_LEN);
	for (i = 0; i < ADDR_LEN; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		last[i] |= (uint8_t)(0xff >> plen);
		plen = 0;
	}
}

int
addr_contains(const struct addr_prefix *p, const uint8_t a[ADDR_LEN])
{
	unsigned	full = p->plen / 8, rest = p->plen % 8;

	/* Whole bytes at once, then the partial byte under its mask. */
	if (p->plen >= ADDR_LEN * 8)
		return memcmp(p->a, a, ADDR_LEN) == 0;
	if (memcmp(p->a, a, full) != 0)
		return 0;
	return rest == 0 ||
	    ((p->a[full] ^ a[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

int
addr_parse(const char *s, struct addr_prefix *out, const char **err)
{
	static __thread char	 msg[128];
	char			 host[INET6_ADDRSTRLEN + 1], net[ADDR_TEXT_MAX];
	const char		*slash, *e;
	size_t			 hlen;
	long long		 plen = -1;
	uint8_t			 a[ADDR_LEN], m[ADDR_LEN];
	int			 family;
	struct addr_prefix	 tmp;

	slash = strchr(s, '/');
	hlen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (hlen == 0 || hlen >= sizeof(host)) {
		*err = "not an IP address";
		return -1;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, a + 12) == 1) {
		memcpy(a, v4mapped, 12);
		family = 4;
	} else if (inet_pton(AF_INET6, host, a) == 1) {
		family = 6;
	} else {
		*err = "not an IP address";
		return -1;
	}
	if (slash != NULL) {
		plen = str_tonum(slash + 1, 0, family == 4 ? 32 : 128, &e);
		if (e != NULL) {
			*err = family == 4 ? "prefix length must be 0-32" :
			    "prefix length must be 0-128";
			return -1;
		}
	}
	if (plen == -1)
		plen = family == 4 ? 32 : 128;
	if (family == 4)
		plen += 96;
	/*
	 * One rule for DNS, policy, show and remove: an IPv4-mapped address
	 * (::ffff:a.b.c.d, and a /96 or longer inside ::ffff:0:0/96) is the
	 * IPv4 address, so it is stored, formatted and matched as one.
	 */
	if (family == 6 && plen >= 96 && addr_is_v4(a, NULL))
		family = 4;
	memcpy(m, a, ADDR_LEN);
	addr_mask(m, (unsigned)plen);
	if (memcmp(m, a, ADDR_LEN) != 0) {
		memcpy(tmp.a, m, ADDR_LEN);
		tmp.plen = (uint8_t)plen;
		tmp.family = (uint8_t)family;
		snprintf(msg, sizeof(msg), "host bits set (did you mean %s?)",
		    addr_format(&tmp, net, sizeof(net)));
		*err = msg;
		return -1;
	}
	memcpy(out->a, a, ADDR_LEN);
	out->plen = (uint8_t)plen;
	out->family = (uint8_t)family;
	*err = NULL;
	return 0;
}

/*
 * Decimal digits of an octet at dst (room for 3); returns the count. The
 * policy engine formats the client and builds its query names per
 * request, and snprintf/inet_ntop were a fifth of the instructions of a
 * cached request.
 */
static size_t
put_octet(char *dst, unsigned v)
{
	size_t	n = 0;

	if (v >= 100)
		dst[n++] = (char)('0' + v / 100);
	if (v >= 10)
		dst[n++] = (char)('0' + v / 10 % 10);
	dst[n++] = (char)('0' + v % 10);
	return n;
}

char *
addr_v4_text(uint32_t v4, char *dst, size_t dstsize)
{
	char	buf[16];
	size_t	n = 0;
	int	sh;

	/* inet_ntop's dotted quad, without its overhead. */
	for (sh = 24; sh >= 0; sh -= 8) {
		n += put_octet(buf + n, (v4 >> sh) & 0xff);
		if (sh > 0)
			buf[n++] = '.';
	}
	buf[n] = '\0';
	str_lcpy(dst, buf, dstsize);
	return dst;
}

char *
addr_ntop(const uint8_t a[ADDR_LEN], int family, char *dst, size_t dstsize)
{
	char	buf[INET6_ADDRSTRLEN];

	if (family == 4)
		return addr_v4_text((uint32_t)a[12] << 24 |
		    (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15], dst,
		    dstsize);
	if (inet_ntop(AF_INET6, a, buf, sizeof(buf)) == NULL)
		str_lcpy(buf, "?", sizeof(buf));
	str_lcpy(dst, buf, dstsize);
	return dst;
}

size_t
addr_reverse_name(const uint8_t a[ADDR_LEN], char *dst, size_t size)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 n = 0;
	int			 i;

	if (addr_is_v4(a, NULL)) {
		if (size < 17)		/* "255.255.255.255." */
			return 0;
		for (i = 15; i >= 12; i--) {
			n += put_octet(dst + n, a[i]);
			dst[n++] = '.';
		}
		dst[n] = '\0';
		return n;
	}
	if (size < 65)
		return 0;
	for (i = ADDR_LEN - 1; i >= 0; i--) {
		dst[n++] = hex[a[i] & 0xf];
		dst[n++] = '.';
		dst[n++] = hex[a[i] >> 4];
		dst[n++] = '.';
	}
	dst[n] = '\0';
	return n;
}

char *
addr_format(const struct addr_prefix *p, char *dst, size_t dstsize)
{
	char		buf[INET6_ADDRSTRLEN];
	unsigned	plen = p->plen;

	addr_ntop(p->a, p->family, buf, sizeof(buf));
	if (p->family == 4)
		plen -= 96;
	if (p->plen == 128)
		str_lcpy(dst, buf, dstsize);
	else
		snprintf(dst, dstsize, "%s/%u", buf, plen);
	return dst;
}
