/*
 * buf.c: read cursor and growable byte string.
 *
 * The cursor never reads past len: each accessor checks the remaining
 * length first and records the first error. The sbuf grows geometrically
 * and keeps a NUL past its contents.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/xmalloc.h"

void
rd_init(struct rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = NULL;
}

void
rd_fail(struct rd *r, const char *why)
{
	if (r->err == NULL)
		r->err = why;
	r->off = r->len;
}

size_t
rd_left(const struct rd *r)
{
	return r->len - r->off;
}

const uint8_t *
rd_take(struct rd *r, size_t n)
{
	const uint8_t	*p;

	if (r->err != NULL)
		return NULL;
	if (r->len - r->off < n) {
		rd_fail(r, "truncated");
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

uint8_t
rd_u8(struct rd *r)
{
	const uint8_t	*p = rd_take(r, 1);

	return p == NULL ? 0 : p[0];
}

uint16_t
rd_u16(struct rd *r)
{
	const uint8_t	*p = rd_take(r, 2);

	return p == NULL ? 0 : (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t
rd_u32(struct rd *r)
{
	const uint8_t	*p = rd_take(r, 4);

	if (p == NULL)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
rd_bytes(struct rd *r, void *dst, size_t n)
{
	const uint8_t	*p = rd_take(r, n);

	if (dst == NULL)
		return;
	if (p == NULL)
		memset(dst, 0, n);
	else
		memcpy(dst, p, n);
}

void
sbuf_init(struct sbuf *b)
{
	b->s = NULL;
	b->len = 0;
	b->cap = 0;
}

void
sbuf_free(struct sbuf *b)
{
	if (b == NULL)
		return;
	free(b->s);
	sbuf_init(b);
}

void
sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->s != NULL)
		b->s[0] = '\0';
}

void
sbuf_reserve(struct sbuf *b, size_t n)
{
	size_t	need, cap;

	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap < 64 ? 64 : b->cap;
	while (cap < need)
		cap *= 2;
	b->s = xreallocarray(b->s, cap, 1);
	b->cap = cap;
	/* Keep the promise of buf.h, also for a fresh, empty buffer. */
	b->s[b->len] = '\0';
}

void
sbuf_add(struct sbuf *b, const void *p, size_t n)
{
	sbuf_reserve(b, n);
	if (n > 0)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
sbuf_addc(struct sbuf *b, int c)
{
	char	ch = (char)c;

	sbuf_add(b, &ch, 1);
}

void
sbuf_adds(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sbuf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}
