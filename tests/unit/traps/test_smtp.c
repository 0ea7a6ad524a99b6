/*
 * test_smtp.c: the trap receiver's SMTP state machine (src/traps/smtp.c):
 * a whole session, dot-unstuffing, and malformed input: bare LF, an
 * overlong line, NUL, commands out of order, DATA without RCPT, pipelined
 * garbage after a refused DATA, a message past message-size, a SIZE
 * declared too big, too many recipients, relaying. Every session is fed
 * once whole and once a byte at a time: the replies and the messages must
 * be the same, and no reply may hold a byte the peer sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "traps/traps.h"

static struct traps_conf	tc;
static char			dom[] = "trap.example.org";

static void
conf_init(size_t msg_max, int rcpt_max)
{
	memset(&tc, 0, sizeof(tc));
	tc.domains[0] = dom;
	tc.ndomains = 1;
	strcpy(tc.hostname, "mx.test");
	tc.msg_max = msg_max;
	tc.rcpt_max = rcpt_max;
}

struct result {
	struct sbuf	 out;		/* every reply */
	struct sbuf	 msgs;		/* each message, then "|" */
	int		 nmsg;
	int		 closed;
	char		 from[TRAPS_PATH_MAX + 1];	/* of the last */
	char		 rcpt[TRAPS_PATH_MAX + 1];
	int		 null_sender;
};

/* Feed in, step bytes at a time (0: all at once). */
static void
session(const char *in, size_t len, size_t step, struct result *r)
{
	struct traps_smtp	s;
	size_t			off = 0, n, used;
	enum traps_smtp_event	ev;

	memset(r, 0, sizeof(*r));
	sbuf_init(&r->out);
	sbuf_init(&r->msgs);
	traps_smtp_init(&s, &tc);
	traps_smtp_greet(&s, &r->out);
	while (off < len && !r->closed) {
		n = step == 0 ? len - off : (len - off < step ? len - off :
		    step);
		used = 0;
		ev = traps_smtp_feed(&s, in + off, n, &used, &r->out);
		assert_true(used <= n);
		off += used;
		if (ev == TRAPS_EV_MESSAGE) {
			sbuf_add(&r->msgs, s.msg.s, s.msg.len);
			sbuf_addc(&r->msgs, '|');
			r->nmsg++;
			strcpy(r->from, s.from);
			strcpy(r->rcpt, s.rcpt);
			r->null_sender = s.null_sender;
			traps_smtp_done(&s, 1, &r->out);
		} else if (ev == TRAPS_EV_CLOSE)
			r->closed = 1;
		else
			assert_int_equal(used, n);
	}
	traps_smtp_free(&s);
}

static void
result_free(struct result *r)
{
	sbuf_free(&r->out);
	sbuf_free(&r->msgs);
}

/* Run both ways; they must agree. Returns the whole-input result. */
static void
both(const char *in, size_t len, struct result *r)
{
	struct result	b;

	session(in, len, 0, r);
	session(in, len, 1, &b);
	assert_int_equal(r->out.len, b.out.len);
	assert_memory_equal(r->out.s, b.out.s, r->out.len);
	assert_int_equal(r->msgs.len, b.msgs.len);
	if (r->msgs.len > 0)
		assert_memory_equal(r->msgs.s, b.msgs.s, r->msgs.len);
	assert_int_equal(r->nmsg, b.nmsg);
	result_free(&b);
}

static void
both_s(const char *in, struct result *r)
{
	both(in, strlen(in), r);
}

/* The reply codes in order, "220 250 ..." */
static void
codes(const struct result *r, char *dst, size_t n)
{
	const char	*p = r->out.s, *end = r->out.s + r->out.len;
	size_t		 k = 0;

	dst[0] = '\0';
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));

		assert_non_null(lf);
		assert_true(lf > p && lf[-1] == '\r');
		if (p[3] == ' ' && k + 5 < n) {
			memcpy(dst + k, p, 3);
			dst[k + 3] = ' ';
			k += 4;
			dst[k] = '\0';
		}
		p = lf + 1;
	}
	if (k > 0)
		dst[k - 1] = '\0';
}

static void
test_session(void **state)
{
	struct result	r;
	char		c[256];

	(void)state;
	conf_init(4096, 10);
	both_s("EHLO client.test\r\nMAIL FROM:<a@b.test> SIZE=100\r\n"
	    "RCPT TO:<spam@trap.example.org>\r\nDATA\r\n"
	    "Subject: x\r\n\r\n..stuffed\r\n.\r\n"
	    "RSET\r\nNOOP\r\nVRFY x\r\nQUIT\r\nNOOP\r\n", &r);
	codes(&r, c, sizeof(c));
	assert_string_equal(c, "220 250 250 250 354 250 250 250 252 221");
	assert_int_equal(r.nmsg, 1);
	assert_string_equal(r.msgs.s, "Subject: x\r\n\r\n.stuffed\r\n|");
	assert_string_equal(r.from, "a@b.test");
	assert_string_equal(r.rcpt, "spam@trap.example.org");
	assert_int_equal(r.null_sender, 0);
	assert_true(r.closed);
	assert_non_null(strstr(r.out.s, "250-SIZE 4096\r\n"));
	result_free(&r);

	/* HELO, a null sender, case, space after the colon, 2 messages. */
	both_s("helo x\r\nmail from: <>\r\nrcpt to:<A@TRAP.example.ORG>\r\n"
	    "data\r\nhi\r\n.\r\nMAIL FROM:<b@c>\r\nRCPT TO:<t@trap.example.org>"
	    "\r\nDATA\r\n.\r\n", &r);
	codes(&r, c, sizeof(c));
	assert_string_equal(c, "220 250 250 250 354 250 250 250 354 250");
	assert_int_equal(r.nmsg, 2);
	assert_string_equal(r.msgs.s, "hi\r\n||");
	result_free(&r);
}

static void
test_order(void **state)
{
	struct result	r;
	char		c[256];

	(void)state;
	conf_init(4096, 10);
	/* MAIL before EHLO, RCPT before MAIL, DATA without RCPT. */
	both_s("MAIL FROM:<a@b>\r\nEHLO x\r\nRCPT TO:<t@trap.example.org>\r\n"
	    "DATA\r\nMAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\nDATA\r\n"
	    "RCPT TO:<t@elsewhere.test>\r\nDATA\r\nDATA x\r\nEHLO\r\n", &r);
	codes(&r, c, sizeof(c));
	assert_string_equal(c,
	    "220 503 250 503 503 250 503 554 550 554 501 501");
	assert_int_equal(r.nmsg, 0);
	result_free(&r);
}

static void
test_bad_lines(void **state)
{
	struct result	r;
	char		c[256], in[2048];

	(void)state;
	conf_init(4096, 10);
	/* Bare LF ends a command line; NUL in one is refused. */
	both("EHLO x\nNO\0OP\r\nNOOP\n", 19, &r);
	codes(&r, c, sizeof(c));
	assert_string_equal(c, "220 250 500 250");
	result_free(&r);

	/* 511 bytes and LF: 512 with the CR, the longest line there is. */
	memset(in, 'A', sizeof(in));
	memcpy(in, "NOOP ", 5);
	in[510] = '\r';
	in[511] = '\n';
	memcpy(in + 512, "NOOP ", 5);	/* 513 bytes and LF: too long */
	in[1025] = '\n';
	memcpy(in + 1026, "NOOP\r\n", 6);
	both(in, 1032, &r);
	codes(&r, c, sizeof(c));
	assert_string_equal(c, "220 250 500 250");
	result_free(&r);

	/* An overlong line with no end yet: refused once, then skipped. */
	both(in, 1025, &r);
	codes(&r, c, sizeof(c));
	assert_string_equal(c, "220 250 500");
	result_free(&r);
}

static void
test_data_framing(void **state)
{
	static const char nul[] = "EHLO x\r\nMAIL FROM:<a@b>\r\n"
	    "RCPT TO:<t@trap.example.org>\r\nDATA\r\na\0\xff\r\n.\r\n";
	struct result	r;
	char		c[256];

	(void)state;
	conf_init(4096, 10);
	/* A bare LF "." LF does not end DATA (no SMTP smuggling). */
	both_s("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<t@trap.example.org>\r\n"
	    "DATA\r\none\n.\nMAIL FROM:<x@y>\r\n.\r\n", &r);
	codes(&r, c, sizeof(c));
	assert_string_equal(c, "220 250 250 250 354 250");
	assert_int_equal(r.nmsg, 1);
	assert_string_equal(r.msgs.s, "one\n.\nMAIL FROM:<x@y>\r\n|");
	result_free(&r);

	/* "." CR x is not the end: the dot goes, the CR stays. */
	both_s("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<t@trap.example.org>\r\n"
	    "DATA\r\n.\rx\r\n.\r\r\n.\r\n", &r);
	assert_int_equal(r.nmsg, 1);
	assert_string_equal(r.msgs.s, "\rx\r\n\r\r\n|");
	result_free(&r);

	/* NUL and 8-bit bytes are message text. */
	both(nul, sizeof(nul) - 1, &r);
	assert_int_equal(r.nmsg, 1);
	assert_int_equal(r.msgs.len, 6);
	assert_memory_equal(r.msgs.s, "a\0\xff\r\n|", 6);
	result_free(&r);
}

static void
test_limits(void **state)
{
	struct result	r;
	struct sbuf	in;
	char		c[256];
	int		i;

	(void)state;
	conf_init(1024, 3);
	/* A message past message-size: read to its end, then 552. */
	sbuf_init(&in);
	sbuf_adds(&in, "EHLO x\r\nMAIL FROM:<a@b>\r\n"
	    "RCPT TO:<t@trap.example.org>\r\nDATA\r\n");
	for (i = 0; i < 2000; i++)
		sbuf_adds(&in, "0123456789012345678901234567890123456789\r\n");
	sbuf_adds(&in, ".\r\nNOOP\r\n");
	both(in.s, in.len, &r);
	codes(&r, c, sizeof(c));
	assert_string_equal(c, "220 250 250 250 354 552 250");
	assert_int_equal(r.nmsg, 0);
	result_free(&r);
	sbuf_free(&in);

	/* SIZE declared past it; a SIZE too long to be a number. */
	both_s("EHLO x\r\nMAIL FROM:<a@b> SIZE=1025\r\n"
	    "MAIL FROM:<a@b> SIZE=99999999999999999999999999\r\n"
	    "MAIL FROM:<a@b> SIZE=1024\r\n", &r);
	codes(&r, c, sizeof(c));
	assert_string_equal(c, "220 250 552 552 250");
	result_free(&r);

	/* rcpt-max, then relaying refused. */
	both_s("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<1@trap.example.org>\r\n"
	    "RCPT TO:<2@trap.example.org>\r\nRCPT TO:<3@trap.example.org>\r\n"
	    "RCPT TO:<4@trap.example.org>\r\nRCPT TO:<x@example.org>\r\n"
	    "RCPT TO:<trap.example.org>\r\nRCPT TO:<@trap.example.org>\r\n",
	    &r);
	codes(&r, c, sizeof(c));
	assert_string_equal(c, "220 250 250 250 250 250 452 452 452 452");
	result_free(&r);
}

static void
test_paths(void **state)
{
	struct result	r;
	char		c[256];

	(void)state;
	conf_init(4096, 10);
	both_s("EHLO x\r\nMAIL FROM:a@b\r\nMAIL FROM:<a b@c>\r\n"
	    "MAIL FROM:<a@b\r\nMAIL FROM:<a@b>x\r\nMAIL TO:<a@b>\r\n"
	    "MAIL FROM:<a@b>\r\nRCPT TO:<x@evil.test@trap.example.org>\r\n"
	    "RCPT TO:<x@trap.example.org.evil.test>\r\n", &r);
	codes(&r, c, sizeof(c));
	assert_string_equal(c, "220 250 501 501 501 501 501 250 250 550");
	result_free(&r);
}

/* Pipelined junk after a refused DATA: 10 errors, then 421 and close. */
static void
test_abuse(void **state)
{
	struct result	r;
	struct sbuf	in;
	int		i;

	(void)state;
	conf_init(4096, 10);
	sbuf_init(&in);
	sbuf_adds(&in, "EHLO x\r\nMAIL FROM:<a@b>\r\nDATA\r\n");
	for (i = 0; i < 100; i++)
		sbuf_adds(&in, "Subject: buy\r\n");
	sbuf_adds(&in, ".\r\nQUIT\r\n");
	both(in.s, in.len, &r);
	assert_true(r.closed);
	assert_int_equal(r.nmsg, 0);
	assert_non_null(strstr(r.out.s, "421 4.7.0"));
	/* Nothing after the 421. */
	assert_string_equal(strstr(r.out.s, "421 4.7.0"),
	    "421 4.7.0 too many errors; closing\r\n");
	result_free(&r);
	sbuf_free(&in);
}

/* The replies are the fixed texts only: no peer byte comes back. */
static void
test_no_echo(void **state)
{
	struct result	r;

	(void)state;
	conf_init(4096, 10);
	both_s("EHLO evil\rInjected: yes\r\nXYZZY\rBAD\r\n"
	    "MAIL FROM:<\r550 x@y>\r\nHELP me\r\n", &r);
	assert_null(strstr(r.out.s, "evil"));
	assert_null(strstr(r.out.s, "Injected"));
	assert_null(strstr(r.out.s, "XYZZY"));
	assert_null(strstr(r.out.s, "550 x"));
	result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_data_framing),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_abuse),
		cmocka_unit_test(test_no_echo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
