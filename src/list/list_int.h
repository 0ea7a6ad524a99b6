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

#endif /* FAIRLIST_LIST_INT_H */
