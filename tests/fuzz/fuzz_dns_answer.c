/*
 * fuzz_dns_answer.c: libFuzzer target for the DNS answer reader
 * (dns_answer_init/next and dns_rr_txt in dns/answer.c). Checks its
 * contract on every input: each record's names are well-formed wire
 * names of at most 255 bytes ending in the root, RDATA lies inside the
 * packet, A and AAAA have their sizes, no more records than ANCOUNT and
 * no more than the packet can hold, an error is sticky, and a TXT joins
 * to the sum of its strings, cut at the maximum asked.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "dns/dns.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_name(const uint8_t *n, size_t len)
{
	size_t	off = 0;

	assert(len >= 1 && len <= DNS_NAME_MAX);
	while (n[off] != 0) {
		assert(n[off] <= DNS_LABEL_MAX);
		off += 1 + (size_t)n[off];
		assert(off < len);
	}
	assert(off + 1 == len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_answer	 a;
	struct dns_rr		 rr;
	struct sbuf		 b;
	size_t			 sum, off, full;
	int			 rc;

	if (dns_answer_init(&a, data, size) == -1) {
		assert(a.err != NULL);
		assert(dns_answer_next(&a, &rr) == -1);
		return 0;
	}
	assert(size >= DNS_HEADER_LEN + 5 && (data[2] & 0x80));
	check_name(a.chain, a.chain_len);
	sbuf_init(&b);
	while ((rc = dns_answer_next(&a, &rr)) == 1) {
		assert(a.nread <= a.ancount);
		/* Each record takes at least 11 bytes after the question. */
		assert((size_t)a.nread * 11 <= size - DNS_HEADER_LEN - 5);
		check_name(rr.owner, rr.owner_len);
		assert(rr.rdata >= data && rr.rdata + rr.rdlen <= data + size);
		assert(rr.ttl <= 0x7fffffffu);
		switch (rr.type) {
		case DNS_T_A:
			assert(rr.rdlen == 4);
			break;
		case DNS_T_AAAA:
			assert(rr.rdlen == 16);
			break;
		case DNS_T_CNAME:
		case DNS_T_PTR:
		case DNS_T_MX:
			check_name(rr.target, rr.target_len);
			break;
		case DNS_T_TXT:
			for (sum = 0, off = 0; off < rr.rdlen;
			    off += 1 + (size_t)rr.rdata[off])
				sum += rr.rdata[off];
			assert(off == rr.rdlen && rr.rdlen > 0);
			sbuf_reset(&b);
			full = dns_rr_txt(&rr, &b, 7);
			assert(full == sum && b.len == (sum < 7 ? sum : 7));
			break;
		default:
			assert(rr.target_len == 0);
			break;
		}
	}
	sbuf_free(&b);
	assert(rc == 0 || (rc == -1 && a.err != NULL));
	if (rc == 0)
		assert(a.nread == a.ancount && a.err == NULL);
	assert(dns_answer_next(&a, &rr) == rc);
	return 0;
}
