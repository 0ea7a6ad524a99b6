/*
 * jwrite.c: the pieces of a JSON answer written straight into an sbuf,
 * for the answers built in one pass from the store's rows (lookup.c,
 * removal.c) with no jansson tree in between.
 *
 * Strings are written as jansson's json_dumps writes them (RFC 8259
 * section 7): '"', '\\' and the bytes below 0x20 escaped (\b \f \n \r \t,
 * else \u00XX in upper-case hex), every other byte as it is, '/' and
 * non-ASCII not escaped. A string that is not valid UTF-8 by jansson's
 * rules (no overlong forms, no surrogates, nothing past U+10FFFF) is
 * refused, as json_string refuses it: nothing invalid is passed through.
 * tests/fuzz/fuzz_web_jstr.c compares the two on random bytes.
 */
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "list/list.h"
#include "web/web_int.h"

/*
 * The length of the UTF-8 sequence at s (n bytes left), 0 when it is not
 * one jansson takes (utf.c: utf8_check_first and utf8_check_full).
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	uint32_t	cp;
	size_t		len, i;
	unsigned char	c = s[0];

	if (c < 0x80)
		return 1;
	if (c < 0xc2)			/* a continuation byte, or overlong */
		return 0;
	if (c < 0xe0) {
		len = 2;
		cp = c & 0x1f;
	} else if (c < 0xf0) {
		len = 3;
		cp = c & 0x0f;
	} else if (c < 0xf5) {
		len = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
		return 0;
	return len;
}

int
web_json_str(struct sbuf *b, const char *str, size_t n)
{
	static const char	hex[] = "0123456789ABCDEF";
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 start = b->len, i = 0, run, l;
	unsigned char		 c;
	char			 esc[6];

	sbuf_reserve(b, n + 2);
	sbuf_addc(b, '"');
	while (i < n) {
		/* The common run: printable ASCII but '"' and '\\'. */
		for (run = i; run < n; run++) {
			c = s[run];
			if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80)
				break;
		}
		sbuf_add(b, s + i, run - i);
		if ((i = run) == n)
			break;
		c = s[i];
		if (c >= 0x80) {
			if ((l = utf8_len(s + i, n - i)) == 0) {
				b->len = start;
				b->s[start] = '\0';
				return -1;
			}
			sbuf_add(b, s + i, l);
			i += l;
			continue;
		}
		esc[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			sbuf_add(b, esc, 6);
			i++;
			continue;
		}
		sbuf_add(b, esc, 2);
		i++;
	}
	sbuf_addc(b, '"');
	return 0;
}

void
web_json_jstr(struct sbuf *b, const char *s)
{
	if (s == NULL || web_json_str(b, s, strlen(s)) == -1)
		sbuf_add(b, "null", 4);
}

void
web_json_i64(struct sbuf *b, int64_t v)
{
	char		 buf[24], *p = buf + sizeof(buf);
	uint64_t	 u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	sbuf_add(b, p, (size_t)(buf + sizeof(buf) - p));
}

void
web_json_bool(struct sbuf *b, int v)
{
	if (v)
		sbuf_add(b, "true", 4);
	else
		sbuf_add(b, "false", 5);
}

void
web_json_tm(struct sbuf *b, int64_t t)
{
	char	buf[LIST_TXT_TIME_LEN + 2];
	size_t	n;

	if (t == 0) {
		sbuf_add(b, "null", 4);
		return;
	}
	/* list_txt_time writes digits, '-', ':', 'T' and 'Z': no escapes. */
	buf[0] = '"';
	n = list_txt_time(buf + 1, t);
	buf[n + 1] = '"';
	sbuf_add(b, buf, n + 2);
}
