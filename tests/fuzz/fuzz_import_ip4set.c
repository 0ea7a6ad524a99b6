/*
 * fuzz_import_ip4set.c: the list file line parser (list/format.c) on
 * rbldnsd ip4set input. The input is split at newlines (the importer's
 * capped line reader has its own target, fuzz_list_reader); every entry
 * is checked against the parser's contract, then loaded into an index
 * that is queried for it. No I/O.
 * fuzz_import_{ip4trie,ip6trie,plain}.c include this file with another
 * FUZZ_FORMAT.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "list/list.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT	LIST_FMT_IP4SET
#endif
#define FUZZ_INDEX_MAX	4096	/* entries loaded into the index */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct list_parser	*p = list_parser_new(FUZZ_FORMAT);
	struct index_builder	*b = index_builder_new();
	struct index_zone	 z;
	struct index		*idx;
	struct list_entry	 e[LIST_LINE_ENTRIES];
	struct addr_prefix	 *keep;
	size_t			 off = 0, nkeep = 0, i;
	const char		*msg;
	int			 n, k;

	memset(&z, 0, sizeof(z));
	z.name = "bl.fuzz.test";
	z.code = 0x7f000002u;
	index_builder_zone(b, &z);
	keep = malloc(FUZZ_INDEX_MAX * sizeof(*keep));
	while (off < size) {
		const uint8_t	*nl = memchr(data + off, '\n', size - off);
		size_t		 len = nl != NULL ? (size_t)(nl - data) - off :
				    size - off;

		n = list_parse_line(p, (const char *)data + off, len, e, &msg);
		off += len + 1;
		if (n < 0) {
			if (msg == NULL)
				abort();
			continue;
		}
		if (n > LIST_LINE_ENTRIES)
			abort();
		for (k = 0; k < n; k++) {
			struct addr_prefix	m = e[k].prefix;

			if (m.plen > 128 || (m.family != 4 && m.family != 6))
				abort();
			addr_mask(m.a, m.plen);
			if (memcmp(m.a, e[k].prefix.a, ADDR_LEN) != 0)
				abort();	/* host bits must be clear */
			if (e[k].txt != NULL &&
			    strlen(e[k].txt) >= LIST_TXT_MAX)
				abort();
			if (nkeep < FUZZ_INDEX_MAX) {
				keep[nkeep++] = e[k].prefix;
				index_builder_add(b, 0, &e[k].prefix,
				    e[k].exclude, e[k].code, e[k].txt, 0,
				    e[k].expires_at);
			}
		}
	}
	idx = index_builder_finish(b);
	for (i = 0; i < nkeep; i++) {
		struct index_hit	h[130];

		/* Every loaded prefix covers its own first address. */
		if (index_lookup(idx, 0, keep[i].a, 0, h, 130) == 0 ||
		    !index_any_within(idx, 0, &keep[i]))
			abort();
		index_match(idx, 0, keep[i].a, 0, h);
	}
	index_free(idx);
	free(keep);
	list_parser_free(p);
	return 0;
}
