/*
 * addr.h: IPv4/IPv6 addresses and CIDR prefixes in one 128-bit form.
 *
 * An IPv4 address is kept as the IPv4-mapped IPv6 address ::ffff:a.b.c.d
 * and an IPv4 /n as prefix length 96 + n, so one code path (store ranges,
 * index intervals) serves both families. family says which text form to
 * use.
 */
#ifndef FAIRLIST_ADDR_H
#define FAIRLIST_ADDR_H

#include <stddef.h>
#include <stdint.h>

#define ADDR_LEN	16
#define ADDR_TEXT_MAX	64	/* enough for "ffff:...:ffff/128" */

struct addr_prefix {
	uint8_t	a[ADDR_LEN];	/* network address, host bits zero */
	uint8_t	plen;		/* 0..128 in the 128-bit space */
	uint8_t	family;		/* 4 or 6 */
};

/*
 * Parse "192.0.2.1", "192.0.2.0/24", "2001:db8::1" or "2001:db8::/48".
 * IPv4-mapped text ("::ffff:192.0.2.1", "::ffff:192.0.2.0/120") gives
 * the IPv4 address or prefix (family 4), as if written "192.0.2.1".
 * A prefix with host bits set is an error (its message names the network
 * that was probably meant). Returns 0, or -1 with *OUT:err set to a static
 * or thread-local message.
 */
int	addr_parse(const char *s, struct addr_prefix *out, const char **err);

/* Canonical text: no "/len" for a single address. Returns dst. */
char	*addr_format(const struct addr_prefix *p, char *dst, size_t dstsize);

/*
 * "a.b.c.d" of an IPv4 address in host byte order (a DNSBL return code,
 * for one), cut to dstsize. Returns dst.
 */
char	*addr_v4_text(uint32_t v4, char *dst, size_t dstsize);

/* Format a bare 128-bit address of the given family. Returns dst. */
char	*addr_ntop(const uint8_t a[ADDR_LEN], int family, char *dst,
	    size_t dstsize);

/*
 * The DNSBL query labels of a (RFC 5782 sections 2.1 and 2.4): "d.c.b.a."
 * for an IPv4-mapped address, else 32 nibbles, each followed by a dot.
 * Returns the length, or 0 if size is too small (17 for IPv4, 65 for
 * IPv6).
 */
size_t	addr_reverse_name(const uint8_t a[ADDR_LEN], char *dst, size_t size);

/* Set OUT:last to the last address covered by p. */
void	addr_last(const struct addr_prefix *p, uint8_t last[ADDR_LEN]);

/*
 * 1 if a lies inside p, else 0. Bit arithmetic only: a caller matching
 * listings must also refuse an IPv6 prefix (family 6) for an IPv4 a.
 */
int	addr_contains(const struct addr_prefix *p, const uint8_t a[ADDR_LEN]);

/* Clear the host bits of a for prefix length plen. */
void	addr_mask(uint8_t a[ADDR_LEN], unsigned plen);

/* Set OUT:a to the IPv4-mapped form of v4 (host byte order). */
void	addr_from_v4(uint8_t a[ADDR_LEN], uint32_t v4);

/* 1 if a is IPv4-mapped; then *OUT:v4 (may be NULL) gets the address. */
int	addr_is_v4(const uint8_t a[ADDR_LEN], uint32_t *v4);

#endif /* FAIRLIST_ADDR_H */
