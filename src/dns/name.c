/*
 * name.c: domain names between text and wire form (RFC 1035 section
 * 3.1), and ASCII case folding for comparisons (RFC 4343).
 *
 * Text names here come from our configuration and the store, not from
 * peers; wire names from peers are read by wire.c. No escapes (\.) are
 * understood: a DNSBL has no use for them. Nothing is logged.
 */
#include <string.h>

#include "dns/dns.h"

/*
 * RFC 4343: only ASCII letters fold; other bytes compare as they are.
 * Eight bytes at a time (every query name goes through here): a byte
 * gets 0x20 added when its low 7 bits are in 'A'..'Z' and its top bit
 * is clear, computed without carries between bytes.
 */
void
dns_lower(uint8_t *dst, const uint8_t *src, size_t n)
{
	const uint64_t	h = 0x8080808080808080ULL;
	const uint64_t	ones = 0x0101010101010101ULL;
	uint64_t	x, lo, ge_a, gt_z, up;
	size_t		i = 0;
	uint8_t		c;

	for (; n - i >= 8; i += 8) {
		memcpy(&x, src + i, 8);
		lo = x & ~h;				/* low 7 bits */
		ge_a = (lo + ones * (0x80 - 'A')) & h;	/* >= 'A' */
		gt_z = (lo + ones * (0x80 - 'Z' - 1)) & h; /* > 'Z' */
		up = ge_a & ~gt_z & ~x;			/* and top clear */
		x |= up >> 2;				/* 0x80 >> 2 = 0x20 */
		memcpy(dst + i, &x, 8);
	}
	for (; i < n; i++) {
		c = src[i];
		dst[i] = (uint8_t)((unsigned)(c - 'A') < 26u ? c + ('a' - 'A') :
		    c);
	}
}

size_t
dns_name_from_text(const char *text, uint8_t *wire, size_t cap)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 n = 1, len = 0;	/* len: of wire[len] */
	size_t			 max = cap < DNS_NAME_MAX ? cap : DNS_NAME_MAX;
	unsigned		 c;

	if (max < 1)
		return 0;
	if (p[0] == '.' && p[1] == '\0')
		p++;
	if (*p == '\0') {
		wire[0] = 0;
		return 1;
	}
	/* One pass: wire[len] is the length byte of the open label. */
	for (;; p++) {
		c = *p;
		if (c == '.' || c == '\0') {
			if (n - len - 1 == 0 || n - len - 1 > DNS_LABEL_MAX)
				return 0;
			wire[len] = (uint8_t)(n - len - 1);
			if (c == '\0' || p[1] == '\0')
				break;
			len = n;
		} else if (c < 0x20 || c == 0x7f)
			return 0;
		/* A byte for c (or the next length), and the final root. */
		if (n + 1 >= max)
			return 0;
		wire[n++] = (uint8_t)((unsigned)(c - 'A') < 26u ? c + 32 : c);
	}
	wire[n++] = 0;
	return n;
}

size_t
dns_name_to_text(const uint8_t *wire, size_t len, char *dst, size_t dstsize)
{
	size_t	i = 0, n = 0, l;

	if (dstsize < 1)
		return (size_t)-1;
	while (i < len && wire[i] != 0) {
		l = wire[i];
		if (l > DNS_LABEL_MAX || i + 1 + l > len)
			return (size_t)-1;
		/* A dot before every label but the first, then the label. */
		if (n + (n > 0) + l + 1 > dstsize)
			return (size_t)-1;
		if (n > 0)
			dst[n++] = '.';
		memcpy(dst + n, wire + i + 1, l);
		n += l;
		i += 1 + l;
	}
	dst[n] = '\0';
	return n;
}

/* ASCII upper-case letters of the 8 bytes in x to lower case. */
static inline uint64_t
lower8(uint64_t x)
{
	const uint64_t	h = 0x8080808080808080ULL;
	const uint64_t	ones = 0x0101010101010101ULL;
	uint64_t	lo = x & ~h, ge_a, gt_z;

	ge_a = (lo + ones * (0x80 - 'A')) & h;
	gt_z = (lo + ones * (0x80 - 'Z' - 1)) & h;
	return x | (ge_a & ~gt_z & ~x) >> 2;
}

int
dns_name_eq_lower(const uint8_t *a, const uint8_t *lower, size_t n)
{
	uint64_t	x, y;
	size_t		i;
	uint8_t		c;

	if (n >= 8) {
		/*
		 * Eight bytes at a time, folded as dns_lower folds; the last
		 * word overlaps the one before it instead of a byte loop.
		 */
		for (i = 0; i + 8 <= n; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, lower + i, 8);
			/* Mostly lower case already: fold only on a miss. */
			if (x != y && lower8(x) != y)
				return 0;
		}
		if (i < n) {
			memcpy(&x, a + n - 8, 8);
			memcpy(&y, lower + n - 8, 8);
			if (x != y && lower8(x) != y)
				return 0;
		}
		return 1;
	}
	for (i = 0; i < n; i++) {
		c = a[i];
		if ((unsigned)(c - 'A') < 26u)
			c = (uint8_t)(c + ('a' - 'A'));
		if (c != lower[i])
			return 0;
	}
	return 1;
}
