/*
 * fuzz_web_xff.c: X-Forwarded-For behind trusted proxies
 * (web_client_addr) on any header value. Oracles: from an untrusted peer
 * the client is always the peer; when the header is not used, the client
 * is the peer; when it is, the client is not the peer's own address unless
 * a hop says so (it is one of the hops, found again by a plain search).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/web_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr_prefix	 px[2], trusted, untrusted, hop;
	const char		*why, *s = (const char *)data, *end = s + size;
	uint8_t			 got[ADDR_LEN];
	char			 tmp[ADDR_TEXT_MAX];
	int			 found = 0;
	size_t			 n;

	if (addr_parse("10.0.0.0/8", &px[0], &why) == -1 ||
	    addr_parse("2001:db8::/32", &px[1], &why) == -1 ||
	    addr_parse("10.0.0.1", &trusted, &why) == -1 ||
	    addr_parse("192.0.2.1", &untrusted, &why) == -1)
		abort();
	if (web_client_addr(px, 2, untrusted.a, s, size, got) != 0 ||
	    memcmp(got, untrusted.a, ADDR_LEN) != 0)
		abort();
	if (web_client_addr(px, 2, trusted.a, s, size, got) == 0) {
		if (memcmp(got, trusted.a, ADDR_LEN) != 0)
			abort();
		return 0;
	}
	/* The client is one of the hops (split at ',', spaces trimmed). */
	while (s <= end && !found) {
		const char	*e = memchr(s, ',', (size_t)(end - s));

		if (e == NULL)
			e = end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		n = (size_t)(e - s);
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n < sizeof(tmp)) {
			memcpy(tmp, s, n);
			tmp[n] = '\0';
			found = addr_parse(tmp, &hop, &why) == 0 &&
			    memcmp(hop.a, got, ADDR_LEN) == 0;
		}
		s = e + 1;
	}
	if (!found)
		abort();
	return 0;
}
