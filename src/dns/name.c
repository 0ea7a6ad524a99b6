/*
 * name.c: domain names between text and wire form (RFC 1035 section
 * 3.1), and ASCII case folding for comparisons (RFC 4343).
 *
 * Text names here come from our configuration and the store, not from
 * peers; wire names from peers are read by wire.c. No escapes (\.) are
 * understood: a DNSBL has no use for them. Nothing is logged.
 */
#include <string.h>

#include "dns.h"

/* RFC 4343: only ASCII letters fold; other bytes compare as they are. */
void
dns_lower(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t	i;
	uint8_t	c;

	for (i = 0; i < n; i++) {
		c = src[i];
		dst[i] = (uint8_t)((unsigned)(c - 'A') < 26u ? c + ('a' - 'A') : c);
	}
}

size_t
dns_name_from_text(const char *text, uint8_t *wire, size_t cap)
{
	size_t		 n = 0, l;
	const char	*p = text, *dot;

	if (cap < 1)
		return 0;
	if (p[0] == '.' && p[1] == '\0')
		p++;
	while (*p != '\0') {
		if ((dot = strchr(p, '.')) == NULL)
			dot = p + strlen(p);
		l = (size_t)(dot - p);
		if (l == 0 || l > DNS_LABEL_MAX)
			return 0;
		/* The label, its length byte and the final root byte. */
		if (n + 1 + l + 1 > DNS_NAME_MAX || n + 1 + l + 1 > cap)
			return 0;
		wire[n] = (uint8_t)l;
		dns_lower(wire + n + 1, (const uint8_t *)p, l);
		for (size_t i = 0; i < l; i++)
			if (wire[n + 1 + i] < 0x20 || wire[n + 1 + i] == 0x7f)
				return 0;
		n += 1 + l;
		p = dot;
		if (*p == '.')
			p++;
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
