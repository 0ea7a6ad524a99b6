/*
 * test_proto.c: the milter packet codec (milter/proto.c). Framing with
 * and without enough bytes, the length cap before and after an MDS
 * negotiation, every command's layout, and malformed packets: a zero or
 * oversized length, a truncated macro, header or string, an unknown
 * command or family, trailing bytes. Then the reply writers, byte for
 * byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "milter/proto.h"

/* A packet: 4-byte length, command, data (len bytes of data). */
static size_t
mk(uint8_t *dst, uint8_t cmd, const void *data, size_t len)
{
	uint32_t	n = (uint32_t)len + 1;

	dst[0] = (uint8_t)(n >> 24);
	dst[1] = (uint8_t)(n >> 16);
	dst[2] = (uint8_t)(n >> 8);
	dst[3] = (uint8_t)n;
	dst[4] = cmd;
	if (len > 0)
		memcpy(dst + 5, data, len);
	return len + 5;
}

static void
test_frame(void **state)
{
	uint8_t			 b[64];
	struct milter_pkt	 p;
	const char		*err = NULL;
	size_t			 n, used = 0, i;

	(void)state;
	n = mk(b, SMFIC_HELO, "mx.example\0", 11);
	/* Every prefix is "need more", never an error. */
	for (i = 0; i < n; i++)
		assert_int_equal(milter_frame(b, i, MILTER_DATA_64K, &p,
		    &used, &err), 0);
	assert_int_equal(milter_frame(b, n, MILTER_DATA_64K, &p, &used,
	    &err), 1);
	assert_int_equal(used, n);
	assert_int_equal(p.cmd, SMFIC_HELO);
	assert_int_equal(p.len, 11);
	assert_memory_equal(p.data, "mx.example", 11);
	/* A second packet behind it is left for the next call. */
	n += mk(b + n, SMFIC_EOH, NULL, 0);
	assert_int_equal(milter_frame(b, n, MILTER_DATA_64K, &p, &used,
	    &err), 1);
	assert_int_equal(used, 16);
}

struct lcase {
	const char	*name;
	uint32_t	 len;		/* the length field */
	size_t		 max;
	int		 want;		/* with only the 4 length bytes */
};

static const struct lcase lcases[] = {
	{ "zero length", 0, MILTER_DATA_64K, -1 },
	{ "64K data, 64K cap", MILTER_DATA_64K + 1, MILTER_DATA_64K, 0 },
	{ "64K+1 data, 64K cap", MILTER_DATA_64K + 2, MILTER_DATA_64K, -1 },
	{ "256K data, 256K cap", MILTER_DATA_256K + 1, MILTER_DATA_256K, 0 },
	{ "1M data, 256K cap", MILTER_DATA_1M + 1, MILTER_DATA_256K, -1 },
	{ "1M data, 1M cap", MILTER_DATA_1M + 1, MILTER_DATA_1M, 0 },
	{ "4G length", 0xffffffffu, MILTER_DATA_1M, -1 },
};

static void
test_frame_length(void **state)
{
	struct milter_pkt	 p;
	const char		*err;
	uint8_t			 b[4];
	size_t			 i, used;
	int			 got;

	(void)state;
	for (i = 0; i < sizeof(lcases) / sizeof(lcases[0]); i++) {
		b[0] = (uint8_t)(lcases[i].len >> 24);
		b[1] = (uint8_t)(lcases[i].len >> 16);
		b[2] = (uint8_t)(lcases[i].len >> 8);
		b[3] = (uint8_t)lcases[i].len;
		err = NULL;
		got = milter_frame(b, 4, lcases[i].max, &p, &used, &err);
		if (got != lcases[i].want)
			fail_msg("%s: got %d, want %d", lcases[i].name, got,
			    lcases[i].want);
		if (got == -1 && err == NULL)
			fail_msg("%s: no error text", lcases[i].name);
	}
}

/* Parse one command's data. */
static int
parse(uint8_t cmd, const void *data, size_t len, struct milter_cmd *c,
    const char **err)
{
	struct milter_pkt	p = { cmd, data, len };

	*err = NULL;
	return milter_parse(&p, c, err);
}

static void
test_commands(void **state)
{
	static const uint8_t	optneg[] = { 0, 0, 0, 6, 0, 0, 1, 0xff,
				    0x00, 0x1f, 0xff, 0xff };
	static const uint8_t	conn4[] = "mx.example\0" "4\x00\x19"
				    "192.0.2.1";
	static const uint8_t	conn6[] = "h\0" "6\x01\xbb" "IPv6:2001:db8::1";
	static const uint8_t	macros[] = "M{auth_authen}\0alice\0i\0ABC";
	static const uint8_t	mail[] = "<a@example.org>\0SIZE=10\0BODY=8BITMIME";
	static const uint8_t	hdr[] = "Subject\0 h\xc3\xa9llo";
	struct milter_cmd	 c;
	const char		*err;

	(void)state;
	assert_int_equal(parse(SMFIC_OPTNEG, optneg, sizeof(optneg), &c,
	    &err), 0);
	assert_int_equal(c.version, 6);
	assert_int_equal(c.actions, 0x1ff);
	assert_int_equal(c.protocol, 0x1fffff);

	assert_int_equal(parse(SMFIC_CONNECT, conn4, sizeof(conn4), &c,
	    &err), 0);
	assert_string_equal(c.host, "mx.example");
	assert_int_equal(c.family, '4');
	assert_int_equal(c.port, 25);
	assert_string_equal(c.addr, "192.0.2.1");

	assert_int_equal(parse(SMFIC_CONNECT, conn6, sizeof(conn6), &c,
	    &err), 0);
	assert_int_equal(c.port, 443);
	assert_string_equal(c.addr, "2001:db8::1");

	assert_int_equal(parse(SMFIC_CONNECT, "h\0U", 3, &c, &err), 0);
	assert_string_equal(c.addr, "");

	assert_int_equal(parse(SMFIC_MACRO, macros, sizeof(macros), &c,
	    &err), 0);
	assert_int_equal(c.macro_cmd, 'M');
	assert_int_equal(c.nmacros, 2);
	assert_true(milter_macro_is(c.mname[0], "auth_authen"));
	assert_string_equal(c.mvalue[0], "alice");
	assert_true(milter_macro_is(c.mname[1], "i"));
	assert_string_equal(c.mvalue[1], "ABC");

	assert_int_equal(parse(SMFIC_MAIL, mail, sizeof(mail), &c, &err), 0);
	assert_string_equal(c.arg, "<a@example.org>");
	assert_int_equal(c.nargs, 2);
	assert_string_equal(c.args[1], "BODY=8BITMIME");

	/* 8-bit bytes in a value are kept as they are. */
	assert_int_equal(parse(SMFIC_HEADER, hdr, sizeof(hdr), &c, &err), 0);
	assert_string_equal(c.hname, "Subject");
	assert_int_equal(c.hvalue_len, 7);
	assert_memory_equal(c.hvalue, " h\xc3\xa9llo", 7);
	/* A header without a value is a header with an empty one. */
	assert_int_equal(parse(SMFIC_HEADER, "X-Empty\0", 9, &c, &err), 0);
	assert_int_equal(c.hvalue_len, 0);

	assert_int_equal(parse(SMFIC_BODY, "line\r\n", 6, &c, &err), 0);
	assert_int_equal(c.body_len, 6);
	assert_int_equal(parse(SMFIC_BODYEOB, NULL, 0, &c, &err), 0);
	assert_int_equal(parse(SMFIC_QUIT_NC, NULL, 0, &c, &err), 0);
	assert_int_equal(c.cmd, SMFIC_QUIT_NC);
	assert_int_equal(parse(SMFIC_UNKNOWN, "XYZZY\0", 6, &c, &err), 0);
	assert_string_equal(c.arg, "XYZZY");
}

/* Malformed data: every one fails with a reason. */
struct bcase {
	const char	*name;
	uint8_t		 cmd;
	const char	*data;
	size_t		 len;
};

static const struct bcase bcases[] = {
	{ "unknown command", 'Z', "", 0 },
	{ "short optneg", SMFIC_OPTNEG, "\0\0\0\6\0\0", 6 },
	{ "macro name without value", SMFIC_MACRO, "Mi\0", 3 },
	{ "macro value without NUL", SMFIC_MACRO, "Mi\0ABC", 6 },
	{ "macro without command byte", SMFIC_MACRO, "", 0 },
	{ "header name without NUL", SMFIC_HEADER, "Subject", 7 },
	{ "header value without NUL", SMFIC_HEADER, "Subject\0hi", 10 },
	{ "header with empty name", SMFIC_HEADER, "\0v\0", 3 },
	{ "header trailing bytes", SMFIC_HEADER, "A\0b\0c", 5 },
	{ "connect bad family", SMFIC_CONNECT, "h\0X", 3 },
	{ "connect truncated port", SMFIC_CONNECT, "h\0" "4\0", 4 },
	{ "connect address without NUL", SMFIC_CONNECT, "h\0" "4\0\31" "1.2",
	    7 },
	{ "helo without NUL", SMFIC_HELO, "mx", 2 },
	{ "helo trailing bytes", SMFIC_HELO, "mx\0x", 4 },
	{ "mail empty", SMFIC_MAIL, "", 0 },
	{ "rcpt arg without NUL", SMFIC_RCPT, "<a@b>\0X", 7 },
};

static void
test_malformed(void **state)
{
	struct milter_cmd	 c;
	const char		*err;
	size_t			 i;
	int			 got;

	(void)state;
	for (i = 0; i < sizeof(bcases) / sizeof(bcases[0]); i++) {
		got = parse(bcases[i].cmd, bcases[i].data, bcases[i].len, &c,
		    &err);
		if (got != -1 || err == NULL)
			fail_msg("%s: got %d (%s), want -1 with a reason",
			    bcases[i].name, got, err != NULL ? err : "none");
	}
}

/* Pairs past the cap are read over, not kept and not an error. */
static void
test_many_macros(void **state)
{
	struct sbuf		 b;
	struct milter_cmd	 c;
	const char		*err;
	int			 i;

	(void)state;
	sbuf_init(&b);
	sbuf_addc(&b, 'C');
	for (i = 0; i < MILTER_MACROS_MAX + 10; i++) {
		sbuf_printf(&b, "m%d", i);
		sbuf_addc(&b, '\0');
		sbuf_adds(&b, "v");
		sbuf_addc(&b, '\0');
	}
	assert_int_equal(parse(SMFIC_MACRO, b.s, b.len, &c, &err), 0);
	assert_int_equal(c.nmacros, MILTER_MACROS_MAX);
	sbuf_free(&b);
}

static void
test_negotiate(void **state)
{
	struct milter_cmd	 o;
	uint32_t		 act, proto;
	size_t			 max;
	const char		*err;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.version = 6;
	o.actions = 0x1ff;
	o.protocol = 0x1fffff;		/* Postfix: no MDS flags */
	assert_int_equal(milter_negotiate(&o, SMFIF_ADDHDRS | SMFIF_CHGHDRS,
	    SMFIP_HDR_LEADSPC, &act, &proto, &max, &err), 0);
	assert_int_equal(act, SMFIF_ADDHDRS | SMFIF_CHGHDRS);
	assert_int_equal(proto, SMFIP_HDR_LEADSPC);
	assert_int_equal(max, MILTER_DATA_64K);

	o.protocol |= SMFIP_MDS_256K | SMFIP_MDS_1M;	/* Sendmail */
	assert_int_equal(milter_negotiate(&o, SMFIF_ADDHDRS, 0, &act, &proto,
	    &max, &err), 0);
	assert_int_equal(proto, SMFIP_MDS_1M);
	assert_int_equal(max, MILTER_DATA_1M);
	o.protocol &= ~(uint32_t)SMFIP_MDS_1M;
	assert_int_equal(milter_negotiate(&o, 0, 0, &act, &proto, &max,
	    &err), 0);
	assert_int_equal(max, MILTER_DATA_256K);

	o.actions = SMFIF_ADDHDRS;	/* no CHGHDRS offered: not taken */
	assert_int_equal(milter_negotiate(&o, SMFIF_ADDHDRS | SMFIF_CHGHDRS,
	    0, &act, &proto, &max, &err), 0);
	assert_int_equal(act, SMFIF_ADDHDRS);

	o.version = 2;
	assert_int_equal(milter_negotiate(&o, 0, 0, &act, &proto, &max,
	    &err), -1);
}

static void
test_replies(void **state)
{
	struct sbuf	b;
	char		longtext[2 * MILTER_REPLY_MAX];

	(void)state;
	sbuf_init(&b);
	milter_put(&b, SMFIR_CONTINUE);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.s, "\0\0\0\1c", 5);

	sbuf_reset(&b);
	milter_put_optneg(&b, 0x11, 0x100000);
	assert_int_equal(b.len, 17);
	assert_memory_equal(b.s, "\0\0\0\15O\0\0\0\6\0\0\0\21\0\20\0\0", 17);

	sbuf_reset(&b);
	assert_int_equal(milter_put_replycode(&b, 550, "5.7.1",
	    "no\r\nInjected: 100%"), 0);
	assert_int_equal(b.len, 5 + 29);
	assert_memory_equal(b.s, "\0\0\0\36y550 5.7.1 no  Injected: 100 \0",
	    34);
	assert_int_equal(milter_put_replycode(&b, 250, "2.0.0", "ok"), -1);

	sbuf_reset(&b);
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	assert_int_equal(milter_put_replycode(&b, 451, "4.3.0", longtext), 0);
	assert_int_equal(b.len, 5 + MILTER_REPLY_MAX + 1);

	sbuf_reset(&b);
	milter_put_header(&b, SMFIR_INSHEADER, 0, "A", "b");
	assert_memory_equal(b.s, "\0\0\0\11i\0\0\0\0A\0b\0", 13);
	sbuf_reset(&b);
	milter_put_header(&b, SMFIR_CHGHEADER, 2, "X", "");
	assert_memory_equal(b.s, "\0\0\0\10m\0\0\0\2X\0\0", 12);
	sbuf_reset(&b);
	milter_put_header(&b, SMFIR_ADDHEADER, 0, "A", "b");
	assert_memory_equal(b.s, "\0\0\0\5hA\0b\0", 9);
	sbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_frame_length),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_many_macros),
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_replies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
