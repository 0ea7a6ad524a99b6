/*
 * fuzz_index_snap.c: the snapshot cache loader (list/snap.c) on arbitrary
 * bytes. The generation expected is the one the header records (bytes
 * 16..23), so that input reaches the checks behind the generation test;
 * each input is tried as it is and again with its checksum recomputed
 * (index_snap_seal), so that it reaches the structural checks too. A
 * snapshot that loads is queried in every zone and freed. No I/O.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "list/list.h"
#include "list/list_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
exercise(const struct index *idx)
{
	static const uint32_t	v4[] = { 0x7f000002u, 0x7f000001u,
	    0x0a000001u, 0xc0000201u, 0u, 0xffffffffu };
	struct index_hit	 hits[8];
	struct addr_prefix	 p;
	uint8_t			 a[ADDR_LEN];
	size_t			 i;
	int			 z;

	(void)index_next_expiry(idx, 1000);
	for (z = 0; z < index_zone_count(idx); z++) {
		const struct index_zone	*iz = index_zone_get(idx, z);

		if (iz == NULL || index_zone_find(idx, iz->name,
		    strlen(iz->name)) < 0 || strlen(iz->txt) > SIZE_MAX / 2 ||
		    strlen(iz->url) > SIZE_MAX / 2)
			abort();
		(void)index_zone_size(idx, z);
		for (i = 0; i < sizeof(v4) / sizeof(v4[0]) * 2; i++) {
			if (i % 2 == 0)
				addr_from_v4(a, v4[i / 2]);
			else {
				memset(a, (int)(i * 37), ADDR_LEN);
				a[0] = 0x20;
			}
			if (index_match(idx, z, a, 1000, &hits[0]) &&
			    hits[0].v != NULL)
				(void)strlen(hits[0].v->reason);
			(void)index_lookup(idx, z, a, 1000, hits, 8);
			memcpy(p.a, a, ADDR_LEN);
			p.plen = (uint8_t)(i * 11 % 129);
			p.family = 6;
			(void)index_any_within(idx, z, &p);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct index	*idx;
	uint64_t	 gen = 0;
	uint8_t		*copy;
	char		 err[256];
	int		 pass;

	if (size >= 24)
		memcpy(&gen, data + 16, sizeof(gen));
	copy = malloc(size > 0 ? size : 1);
	if (size > 0)
		memcpy(copy, data, size);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1)
			index_snap_seal(copy, size);
		err[0] = '\0';
		idx = index_open_saved_mem(copy, size, gen, err, sizeof(err));
		if (idx == NULL) {
			/* Every refusal says why. */
			if (err[0] == '\0')
				abort();
			continue;
		}
		exercise(idx);
		index_free(idx);
	}
	free(copy);
	return 0;
}
