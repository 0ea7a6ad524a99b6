/*
 * arena.c: a per-request arena for jansson on the page routes (STYLE.md
 * section 6: each request gets an arena freed in one call). The pages
 * are expanded from a jansson tree of a few hundred small blocks, each
 * malloc'ed, then freed one by one by json_delete: a fifth of a lookup
 * page's instructions (callgrind). Between web_arena_begin and
 * web_arena_end on one thread, jansson's allocations come from that
 * thread's arena (WEB_ARENA_SIZE bytes, malloc past its end) and its
 * frees of them cost nothing; web_arena_end takes the arena back whole.
 *
 * The contract: what jansson allocates between begin and end on a thread
 * is freed (json_decref'd) before end, on the same thread, and never
 * handed to free() directly (json_dumps's result is, so no json_dumps in
 * between). Outside begin/end, and on every other thread, jansson
 * allocates with malloc as before; a block from malloc is always given
 * to free.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/xmalloc.h"
#include "web/web_int.h"

static _Thread_local char	*ja_base;
static _Thread_local size_t	 ja_off;
static _Thread_local int	 ja_on;

static int
ja_mine(const void *p)
{
	uintptr_t	a = (uintptr_t)p, b = (uintptr_t)ja_base;

	return ja_base != NULL && a >= b && a < b + WEB_ARENA_SIZE;
}

static void *
ja_malloc(size_t n)
{
	size_t	a = (n + 15) & ~(size_t)15;	/* malloc's alignment */
	void	*p;

	if (ja_on && a >= n && a <= WEB_ARENA_SIZE - ja_off) {
		p = ja_base + ja_off;
		ja_off += a;
		return p;
	}
	return malloc(n);
}

static void
ja_free(void *p)
{
	if (!ja_mine(p))
		free(p);
}

static void
ja_install(void)
{
	json_set_alloc_funcs(ja_malloc, ja_free);
}

void
web_arena_init(void)
{
	static pthread_once_t	once = PTHREAD_ONCE_INIT;

	pthread_once(&once, ja_install);
}

void
web_arena_begin(void)
{
	if (ja_base == NULL)
		ja_base = xmalloc(WEB_ARENA_SIZE);
	ja_off = 0;
	ja_on = 1;
}

void
web_arena_end(void)
{
	ja_on = 0;
	ja_off = 0;
}

void
web_arena_free(void)
{
	ja_on = 0;
	free(ja_base);
	ja_base = NULL;
}
