/* test_name.c: names between text and wire form (dns/name.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dns/dns.h"

static void
test_from_text(void **state)
{
	static const struct {
		const char	*in;
		const char	*want;		/* wire, NULL if invalid */
		size_t		 want_len;
	} t[] = {
		{ "bl.example.org", "\x02" "bl" "\x07" "example" "\x03" "org"
		    "\x00", 16 },
		{ "BL.Example.ORG.", "\x02" "bl" "\x07" "example" "\x03" "org"
		    "\x00", 16 },
		{ "", "\x00", 1 },
		{ ".", "\x00", 1 },
		{ "a", "\x01" "a" "\x00", 3 },
		{ "a..b", NULL, 0 },
		{ ".a", NULL, 0 },
		{ "a.b..", NULL, 0 },
		{ "a\tb", NULL, 0 },
		{ "a\x7f", NULL, 0 },
	};
	uint8_t	wire[DNS_NAME_MAX];
	size_t	i, n;
	int	fails = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = dns_name_from_text(t[i].in, wire, sizeof(wire));
		if (t[i].want == NULL ? n != 0 : (n != t[i].want_len ||
		    memcmp(wire, t[i].want, n) != 0)) {
			print_error("'%s': got %zu bytes, want %zu\n",
			    t[i].in, n, t[i].want_len);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

static void
test_limits(void **state)
{
	char	text[400];
	uint8_t	wire[DNS_NAME_MAX + 10];
	char	back[300];

	(void)state;
	/* A 63-byte label is fine, 64 is not. */
	memset(text, 'a', 63);
	text[63] = '\0';
	assert_int_equal(dns_name_from_text(text, wire, sizeof(wire)), 65);
	memset(text, 'a', 64);
	text[64] = '\0';
	assert_int_equal(dns_name_from_text(text, wire, sizeof(wire)), 0);

	/* 253 characters make 255 wire bytes; 254 do not fit. */
	memset(text, 'a', 253);
	text[63] = text[127] = text[191] = '.';
	text[253] = '\0';
	assert_int_equal(dns_name_from_text(text, wire, sizeof(wire)), 255);
	assert_int_equal(dns_name_to_text(wire, 255, back, sizeof(back)),
	    253);
	assert_string_equal(back, text);
	assert_int_equal(dns_name_to_text(wire, 255, back, 253),
	    (size_t)-1);
	text[253] = 'a';
	text[254] = '\0';
	assert_int_equal(dns_name_from_text(text, wire, sizeof(wire)), 0);

	/* cap is respected. */
	assert_int_equal(dns_name_from_text("abc.de", wire, 7), 0);
	assert_int_equal(dns_name_from_text("abc.de", wire, 8), 8);

	/* Root to text, and a wire name cut short. */
	assert_int_equal(dns_name_to_text((const uint8_t *)"", 1, back,
	    sizeof(back)), 0);
	assert_string_equal(back, "");
	assert_int_equal(dns_name_to_text((const uint8_t *)"\x05" "ab", 3,
	    back, sizeof(back)), (size_t)-1);
}

static void
test_lower(void **state)
{
	uint8_t	b[8];

	uint8_t	in[300], out[300];
	size_t	i, off, n;
	int	c, want;

	(void)state;
	dns_lower(b, (const uint8_t *)"AZaz@[\xc1", 8);
	assert_memory_equal(b, "azaz@[\xc1", 8);
	/* Every byte value, at every position of the 8-byte blocks. */
	for (off = 0; off < 9; off++) {
		for (i = 0; i < 256; i++)
			in[off + i] = (uint8_t)i;
		n = off + 256;
		dns_lower(out, in, n);
		for (i = 0; i < 256; i++) {
			c = (int)i;
			want = c >= 'A' && c <= 'Z' ? c + 32 : c;
			if (out[off + i] != want)
				fail_msg("offset %zu byte %02x: got %02x, want "
				    "%02x", off, c, out[off + i], want);
		}
	}
	/* In place. */
	memcpy(in, "MiXeD.CaSe-Name_0123456789", 26);
	dns_lower(in, in, 26);
	assert_memory_equal(in, "mixed.case-name_0123456789", 26);
}

static void
test_eq_lower(void **state)
{
	static const struct {
		const char	*name, *a, *lower;
		size_t		 n;
		int		 want;
	} t[] = {
		{ "same", "\x02" "bl" "\x00", "\x02" "bl" "\x00", 4, 1 },
		{ "upper folds", "\x02" "Bl" "\x00", "\x02" "bl" "\x00", 4, 1 },
		{ "all upper", "\x02" "BL", "\x02" "bl", 3, 1 },
		{ "differs", "\x02" "bk", "\x02" "bl", 3, 0 },
		{ "'[' is not '{'", "\x01" "[", "\x01" "{", 2, 0 },
		{ "'@' is not '`'", "\x01" "@", "\x01" "`", 2, 0 },
		{ "high bytes do not fold", "\x01" "\xc1", "\x01" "\xe1", 2, 0 },
		{ "lower is not folded", "\x01" "b", "\x01" "B", 2, 0 },
		{ "length byte 34 vs 2", "\x22", "\x02", 1, 0 },
		{ "empty", "", "", 0, 1 },
	};
	size_t	i;
	int	got, fails = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = dns_name_eq_lower((const uint8_t *)t[i].a,
		    (const uint8_t *)t[i].lower, t[i].n);
		if (got != t[i].want) {
			print_error("%s: got %d, want %d\n", t[i].name, got,
			    t[i].want);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

/*
 * The word-at-a-time compare against a byte loop: random names of 0-40
 * bytes over letters and their neighbours ('@', '[', '`', '{'), bytes
 * with the top bit set whose low bits are letters, and digits; half the
 * pairs equal once folded, the rest differing in one byte.
 */
static void
test_eq_lower_random(void **state)
{
	static const uint8_t	alpha[] = "AZaz@[`{09-\xc1\xda\xe1\xfa\x01";
	uint64_t		rng = 0x243f6a8885a308d3ULL;
	uint8_t			a[40], l[40];
	size_t			n, i, k;
	int			want, got, fails = 0, eq = 0;
	uint8_t			c;

	(void)state;
	for (k = 0; k < 200000 && fails < 5; k++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		n = (size_t)(rng >> 58) % 41;
		for (i = 0; i < n; i++) {
			a[i] = alpha[(rng >> (i % 50)) % (sizeof(alpha) - 1)];
			c = a[i];
			l[i] = (uint8_t)((unsigned)(c - 'A') < 26u ?
			    c + ('a' - 'A') : c);
		}
		if (n > 0 && (rng & 1)) {
			i = (rng >> 8) % n;
			l[i] ^= (uint8_t)(1 << ((rng >> 16) % 8));
			/* The contract: lower is lower case. */
			if ((unsigned)(l[i] - 'A') < 26u)
				l[i] = (uint8_t)(l[i] + ('a' - 'A'));
		}
		want = 1;
		for (i = 0; i < n; i++) {
			c = a[i];
			if ((unsigned)(c - 'A') < 26u)
				c = (uint8_t)(c + ('a' - 'A'));
			if (c != l[i])
				want = 0;
		}
		got = dns_name_eq_lower(a, l, n);
		eq += want;
		if (got != want) {
			print_error("length %zu: got %d, want %d\n", n, got,
			    want);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
	assert_true(eq > 50000 && eq < 150000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_text),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_lower),
		cmocka_unit_test(test_eq_lower),
		cmocka_unit_test(test_eq_lower_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
