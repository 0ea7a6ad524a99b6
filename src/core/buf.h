/*
 * buf.h: the bounds-checked read cursor (struct rd) for untrusted input,
 * and the growable byte string (struct sbuf) for output.
 */
#ifndef FAIRLIST_BUF_H
#define FAIRLIST_BUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read cursor over borrowed bytes. Every read checks the remaining length;
 * the first failure sets err and every later read does nothing and returns
 * zeros, so a parser checks err once at the end (OpenSMTPD unpack_dns.c).
 */
struct rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	const char	*err;
};

void		 rd_init(struct rd *r, const void *p, size_t len);
uint8_t		 rd_u8(struct rd *r);
uint16_t	 rd_u16(struct rd *r);	/* network byte order */
uint32_t	 rd_u32(struct rd *r);	/* network byte order */
/* Copy n bytes to OUT:dst (may be NULL to skip). */
void		 rd_bytes(struct rd *r, void *dst, size_t n);
/* Borrow n bytes; returns NULL (and sets err) if short. */
const uint8_t	*rd_take(struct rd *r, size_t n);
size_t		 rd_left(const struct rd *r);
/* Set err (if not already set) and stop reading. */
void		 rd_fail(struct rd *r, const char *why);

/*
 * Growable byte string. s is always NUL-terminated past len, so it can be
 * used as a C string when it holds text. sbuf_free(NULL) is a no-op.
 */
struct sbuf {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

void	sbuf_init(struct sbuf *b);
void	sbuf_free(struct sbuf *b);		/* frees s, keeps b */
void	sbuf_reset(struct sbuf *b);		/* len = 0, keeps memory */
void	sbuf_add(struct sbuf *b, const void *p, size_t n);
void	sbuf_addc(struct sbuf *b, int c);
void	sbuf_adds(struct sbuf *b, const char *s);
void	sbuf_printf(struct sbuf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Ensure room for n more bytes (plus the NUL). */
void	sbuf_reserve(struct sbuf *b, size_t n);

#endif /* FAIRLIST_BUF_H */
