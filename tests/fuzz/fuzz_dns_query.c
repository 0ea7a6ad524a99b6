/*
 * fuzz_dns_query.c: libFuzzer target for the DNS query parser
 * (dns_parse_query in dns/wire.c), and the writer that echoes what it
 * parsed. Checks the parser's promises on every input: a parsed name
 * fits its limits and its labels chain up to the root, lname is name
 * lower-cased, and a response built from it never passes its cap.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dns/dns.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_query	q;
	struct dns_writer	w;
	uint8_t			out[DNS_UDP_MIN], low[DNS_NAME_MAX];
	enum dns_parse_result	r;
	size_t			n, off;
	unsigned		i;

	r = dns_parse_query(data, size, &q);
	if (r == DNS_PARSE_DROP) {
		assert(size < DNS_HEADER_LEN || (data[2] & 0x80));
		return 0;
	}
	assert(size >= DNS_HEADER_LEN && !(data[2] & 0x80));
	if (q.name_len > 0) {
		assert(q.name_len <= DNS_NAME_MAX);
		assert(q.nlabels < DNS_LABELS_MAX);
		for (off = 0, i = 0; q.name[off] != 0; i++) {
			assert(i < q.nlabels && q.label_off[i] == off);
			assert(q.name[off] <= DNS_LABEL_MAX);
			off += 1 + (size_t)q.name[off];
			assert(off < q.name_len);
		}
		assert(i == q.nlabels && off + 1 == q.name_len);
		/* The name is the question's bytes, in the packet. */
		assert(q.name == data + DNS_HEADER_LEN);
		dns_lower(low, q.name, q.name_len);
		assert(dns_name_eq_lower(q.name, low, q.name_len));
	}
	if (r == DNS_PARSE_OK && q.edns)
		assert(q.edns_udp >= DNS_UDP_MIN);

	/* Echo it into a small buffer, with an RR and an OPT. */
	dns_writer_init(&w, out, sizeof(out), &q, DNS_R_NOERROR);
	off = dns_rr_begin(&w);
	dns_put_name_ptr(&w, NULL, 0, DNS_HEADER_LEN);
	dns_put_u16(&w, DNS_T_TXT);
	dns_put_u16(&w, DNS_C_IN);
	dns_put_u32(&w, 0);
	n = w.len;
	dns_put_u16(&w, 0);
	dns_put_bytes(&w, data, size > 600 ? 600 : size);
	dns_rr_end(&w, off, n, 0);
	dns_put_opt(&w, DNS_EDNS_MAX, q.edns_do, DNS_R_BADVERS);
	n = dns_writer_finish(&w, DNS_R_BADVERS);
	assert(n <= sizeof(out));
	return 0;
}
