/*
 * list_int.h: helpers private to src/list: page-backed growable vectors
 * for the index builder and the snapshot's memory.
 *
 * Big arrays live in their own anonymous mappings (not malloc) so that
 * freeing a snapshot returns its memory to the kernel at once: glibc keeps
 * large freed heap chunks, and the daemon swaps snapshots of tens of MB.
 */
#ifndef FAIRLIST_LIST_INT_H
#define FAIRLIST_LIST_INT_H

#include <stddef.h>
#include <stdint.h>

#include "list/list.h"

/* A growable array in an anonymous mapping; zeroed struct is empty. */
struct lvec {
	void	*p;
	size_t	 n;		/* elements in use */
	size_t	 cap;		/* elements mapped */
	size_t	 esz;		/* element size */
};

/* Map size bytes of zeroed memory; fatal on failure. size 0 gives NULL. */
void	*list_map(size_t size);
/* Unmap memory from list_map (same size). NULL is a no-op. */
void	 list_unmap(void *p, size_t size);

void	 lvec_init(struct lvec *v, size_t esz);
/* Room for n more elements; returns a pointer to element v->n. */
void	*lvec_reserve(struct lvec *v, size_t n);
/* Append one element (esz bytes copied from e). */
void	 lvec_push(struct lvec *v, const void *e);
void	 lvec_free(struct lvec *v);

/*
 * The compiled snapshot, shared by index.c (compile, lookups) and snap.c
 * (save to and load from a file).
 */
#define EXCL32		0x80000000u	/* v32 flag: an exclusion */
#define NONE		(-1)

struct ikey {
	uint64_t	hi, lo;		/* big-endian halves of the address */
};

struct inode {
	struct ikey	k;
	uint8_t		plen;
	uint8_t		exclude;
	uint32_t	value;		/* index into values (listings only) */
	int32_t		parent;		/* less specific cover, or NONE */
};

struct izone {
	struct index_zone	 z;
	const uint32_t		*k32;		/* sorted IPv4 /32 keys */
	const uint32_t		*v32;		/* value index | EXCL32 */
	size_t			 n32;
	const uint32_t		*top;		/* (1 << topbits) + 1 offsets */
	unsigned		 topbits;
	const struct inode	*nodes;
	size_t			 nnodes;
	const struct ikey	*istart;	/* interval starts, ascending */
	const int32_t		*inode;		/* node per interval, or NONE */
	size_t			 nint;
	/*
	 * IPv4 lookups in the intervals: slot s of the top itopbits bits
	 * of an IPv4 address holds the interval of its first address, so
	 * an address of slot s lies in intervals itop[s]..itop[s + 1].
	 * Built in memory by index_zone_itop (compile and snapshot load),
	 * not saved; NULL when the zone has no IPv4 interval to speak of.
	 */
	uint32_t		*itop;
	unsigned		 itopbits;
};

struct strchunk {
	struct strchunk	*next;
	size_t		 used, size;
	char		 s[];
};

struct index {
	struct izone		 zones[INDEX_ZONES_MAX];
	int			 nzones;
	int			 nested;	/* index_zones_nested */
	struct index_value	*values;
	size_t			 nvalues;
	void			*map;		/* every array of every zone */
	size_t			 mapsize;
	struct strchunk		*strings;
};

/*
 * Checksum of a saved snapshot (snap.c): a 64-bit hash over 8-byte words
 * in four lanes, for corruption, not for adversaries.
 */
/*
 * Fill z->wire and z->wire_len from z->name, and give z a new id (builder
 * and snap.c).
 */
void		 index_zone_wire(struct index_zone *z);
uint64_t	 index_snap_sum(const void *p, size_t len);
/*
 * Build z->itop from z->istart (verified: istart[0] is 0 and starts
 * rise). index_free frees it.
 */
void		 index_zone_itop(struct izone *z);
/* Set idx->nested from the zones' wire names (builder and snap.c). */
void		 index_zones_check(struct index *idx);
/*
 * Recompute the checksum of the saved snapshot in buf (len bytes) in
 * place, so tests and the fuzzer can reach the checks behind it. Does
 * nothing if the header's string table offset lies outside buf.
 */
void		 index_snap_seal(void *buf, size_t len);

#endif /* FAIRLIST_LIST_INT_H */
