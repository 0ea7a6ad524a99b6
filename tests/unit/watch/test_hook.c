/*
 * test_hook.c: the webhook's exchange as bytes (watch/hook.c): the
 * answer's status line, well formed, cut short and malformed (a table:
 * input, want result and code, "got X, want Y"); the request's bytes;
 * the host's addresses from A and AAAA answers built here, including
 * broken packets, which give no address.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/ssl.h>

#include "core/addr.h"
#include "core/buf.h"
#include "dns/dns.h"
#include "watch/watch.h"

struct scase {
	const char	*name;
	const char	*in;
	int		 want;		/* 1, 0 (more) or -1 */
	int		 code;
};

static void
test_status(void **state)
{
	static const struct scase c[] = {
		{ "200", "HTTP/1.1 200 OK\r\n", 1, 200 },
		{ "with headers", "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n",
		  1, 204 },
		{ "500", "HTTP/1.0 500 Internal Server Error\r\n", 1, 500 },
		{ "bare LF", "HTTP/1.1 404 Not Found\n", 1, 404 },
		{ "no reason", "HTTP/1.1 200 \r\n", 1, 200 },
		{ "no SP, no reason", "HTTP/1.1 201\r\n", 1, 201 },
		{ "tab in reason", "HTTP/1.1 200 O\tK\r\n", 1, 200 },
		{ "100 then 200", "HTTP/1.1 100 Continue\r\n\r\n"
		  "HTTP/1.1 200 OK\r\n", 1, 200 },
		{ "103 with fields, then 503", "HTTP/1.1 103 Early Hints\r\n"
		  "Link: </a>\r\n\r\nHTTP/1.1 503 Busy\r\n", 1, 503 },
		{ "1xx bare LF", "HTTP/1.1 100 Continue\n\nHTTP/1.1 202 A\n",
		  1, 202 },
		{ "599", "HTTP/1.1 599 x\r\n", 1, 599 },
		/* more bytes needed */
		{ "empty", "", 0, 0 },
		{ "partial version", "HTTP/1.", 0, 0 },
		{ "no end of line", "HTTP/1.1 200 OK", 0, 0 },
		{ "1xx without its end", "HTTP/1.1 100 Continue\r\n", 0, 0 },
		{ "1xx, half a field", "HTTP/1.1 100 Continue\r\nX: y", 0, 0 },
		/* malformed */
		{ "HTTP/2", "HTTP/2 200 OK\r\n", -1, 0 },
		{ "HTTP/2.0", "HTTP/2.0 200 OK\r\n", -1, 0 },
		{ "lower case", "http/1.1 200 OK\r\n", -1, 0 },
		{ "not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", -1, 0 },
		{ "short line", "HTTP/1.1 20\r\n", -1, 0 },
		{ "two digits", "HTTP/1.1 20 OK\r\n", -1, 0 },
		{ "four digits", "HTTP/1.1 2000 OK\r\n", -1, 0 },
		{ "letters", "HTTP/1.1 2x0 OK\r\n", -1, 0 },
		{ "under 100", "HTTP/1.1 099 x\r\n", -1, 0 },
		{ "over 599", "HTTP/1.1 600 x\r\n", -1, 0 },
		{ "two spaces", "HTTP/1.1  200 OK\r\n", -1, 0 },
		{ "minor not a digit", "HTTP/1.x 200 OK\r\n", -1, 0 },
		{ "ESC in reason", "HTTP/1.1 200 \x1b[31mOK\r\n", -1, 0 },
		{ "CR inside reason", "HTTP/1.1 200 O\rK\r\n", -1, 0 },
		{ "DEL in reason", "HTTP/1.1 200 \x7f\r\n", -1, 0 },
		{ "1xx then junk", "HTTP/1.1 100 Continue\r\n\r\njunk\r\n",
		  -1, 0 },
		{ "TLS bytes", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
		  "\n", -1, 0 },
	};
	const char	*why;
	size_t		 i;
	int		 rc, code;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		rc = watch_hook_status((const uint8_t *)c[i].in,
		    strlen(c[i].in), &code, &why);
		if (rc != c[i].want || (rc == 1 && code != c[i].code))
			fail_msg("%s: got %d (code %d, %s), want %d (code %d)",
			    c[i].name, rc, code, why != NULL ? why : "-",
			    c[i].want, c[i].code);
		if (rc == -1 && why == NULL)
			fail_msg("%s: refused without a reason", c[i].name);
	}
}

/* 8 KiB without a final status line: refused, never "more" forever. */
static void
test_status_long(void **state)
{
	static uint8_t	 buf[WATCH_HOOK_ANSWER_MAX + 100];
	const char	*why;
	size_t		 o = 0;
	int		 code;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(watch_hook_status(buf, sizeof(buf), &code, &why), -1);
	assert_int_equal(watch_hook_status(buf, 100, &code, &why), -1);
	/* A 1xx with fields that never end, up to the limit. */
	memcpy(buf, "HTTP/1.1 100 Continue\r\n", 23);
	o = 23;
	while (o + 6 < sizeof(buf)) {
		memcpy(buf + o, "X: y\r\n", 6);
		o += 6;
	}
	assert_int_equal(watch_hook_status(buf, 4096, &code, &why), 0);
	assert_int_equal(watch_hook_status(buf, WATCH_HOOK_ANSWER_MAX, &code,
	    &why), -1);
	assert_non_null(strstr(why, "8 KiB"));
	assert_int_equal(watch_hook_status(buf, o, &code, &why), -1);
}

static void
test_request(void **state)
{
	static const struct {
		const char	*url;
		const char	*want;
	} c[] = {
		{ "https://hooks.example.org/fairlist",
		  "POST /fairlist HTTP/1.1\r\nHost: hooks.example.org\r\n" },
		{ "https://h.test:8443/a?b=c",
		  "POST /a?b=c HTTP/1.1\r\nHost: h.test:8443\r\n" },
		{ "http://h.test:443/",
		  "POST / HTTP/1.1\r\nHost: h.test:443\r\n" },
		{ "http://127.0.0.1:80",
		  "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" },
		{ "http://[::1]:8080/x",
		  "POST /x HTTP/1.1\r\nHost: [::1]:8080\r\n" },
		{ "https://[::1]/x",
		  "POST /x HTTP/1.1\r\nHost: [::1]\r\n" },
	};
	struct watch_url	 u;
	struct sbuf		 b;
	const char		*why, *rest;
	char			 want[512];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (watch_url_split(c[i].url, &u, &why) == -1)
			fail_msg("%s: %s", c[i].url, why);
		sbuf_init(&b);
		watch_hook_request(&b, &u, "{\"a\":1}", 7);
		if (strncmp(b.s, c[i].want, strlen(c[i].want)) != 0)
			fail_msg("%s: got '%s', want it to start '%s'",
			    c[i].url, b.s, c[i].want);
		rest = b.s + strlen(c[i].want);
		snprintf(want, sizeof(want), "Content-Type: application/json"
		    "\r\nContent-Length: 7\r\nUser-Agent: fairlist/%s\r\n"
		    "Connection: close\r\n\r\n{\"a\":1}", FAIRLIST_VERSION);
		if (strcmp(rest, want) != 0)
			fail_msg("%s: got '%s', want '%s'", c[i].url, rest,
			    want);
		assert_int_equal(b.len, strlen(b.s));
		sbuf_free(&b);
	}
}

#define HNAME	"\x04" "sink" "\x05" "hooks" "\x04" "test"
#define HLEN	(sizeof(HNAME))		/* with the root label */

/*
 * An answer to HNAME/qtype with records of rtype (rdlen bytes of rd
 * each, the owner a pointer to the question), n of them; cname puts a
 * CNAME to "other.test" first, so the records (owned by the question)
 * are off the chain.
 */
static size_t
mkans(uint8_t *p, uint16_t qtype, uint16_t rtype, const uint8_t *rd,
    uint8_t rdlen, int n, int cname)
{
	size_t	o;
	int	i;

	memset(p, 0, 12);
	p[2] = 0x81;
	p[3] = 0x80;
	p[5] = 1;
	p[7] = (uint8_t)(n + (cname ? 1 : 0));
	o = 12;
	memcpy(p + o, HNAME, HLEN);
	o += HLEN;
	p[o++] = (uint8_t)(qtype >> 8); p[o++] = (uint8_t)qtype;
	p[o++] = 0; p[o++] = 1;
	if (cname) {
		static const uint8_t t[] = "\x05" "other" "\x04" "test";

		p[o++] = 0xc0; p[o++] = 12;
		p[o++] = 0; p[o++] = 5; p[o++] = 0; p[o++] = 1;
		p[o++] = 0; p[o++] = 0; p[o++] = 0; p[o++] = 60;
		p[o++] = 0; p[o++] = sizeof(t);
		memcpy(p + o, t, sizeof(t));
		o += sizeof(t);
	}
	for (i = 0; i < n; i++) {
		p[o++] = 0xc0; p[o++] = 12;
		p[o++] = (uint8_t)(rtype >> 8); p[o++] = (uint8_t)rtype;
		p[o++] = 0; p[o++] = 1;
		p[o++] = 0; p[o++] = 0; p[o++] = 0; p[o++] = 60;
		p[o++] = 0; p[o++] = rdlen;
		memcpy(p + o, rd, rdlen);
		p[o + rdlen - 1] = (uint8_t)(p[o + rdlen - 1] + i);
		o += rdlen;
	}
	return o;
}

static void
test_addrs(void **state)
{
	static const uint8_t	v4[4] = { 127, 0, 0, 1 };
	static const uint8_t	v6[16] = { [15] = 1 };
	uint8_t			pkt[512], a[WATCH_HOOK_ADDRS_MAX][ADDR_LEN];
	char			t[ADDR_TEXT_MAX];
	size_t			len;
	uint32_t		x;

	(void)state;
	len = mkans(pkt, DNS_T_A, DNS_T_A, v4, 4, 2, 0);
	assert_int_equal(watch_hook_addrs(pkt, len, DNS_T_A, a,
	    WATCH_HOOK_ADDRS_MAX), 2);
	assert_true(addr_is_v4(a[0], &x));
	assert_int_equal(x, 0x7f000001);
	assert_true(addr_is_v4(a[1], &x));
	assert_int_equal(x, 0x7f000002);
	/* At most max. */
	len = mkans(pkt, DNS_T_A, DNS_T_A, v4, 4, 6, 0);
	assert_int_equal(watch_hook_addrs(pkt, len, DNS_T_A, a, 3), 3);
	len = mkans(pkt, DNS_T_AAAA, DNS_T_AAAA, v6, 16, 1, 0);
	assert_int_equal(watch_hook_addrs(pkt, len, DNS_T_AAAA, a,
	    WATCH_HOOK_ADDRS_MAX), 1);
	assert_string_equal(addr_ntop(a[0], 6, t, sizeof(t)), "::1");
	/* The wrong question type, or records of another type. */
	assert_int_equal(watch_hook_addrs(pkt, len, DNS_T_A, a,
	    WATCH_HOOK_ADDRS_MAX), 0);
	len = mkans(pkt, DNS_T_A, DNS_T_TXT, (const uint8_t *)"\x03" "abc",
	    4, 1, 0);
	assert_int_equal(watch_hook_addrs(pkt, len, DNS_T_A, a,
	    WATCH_HOOK_ADDRS_MAX), 0);
	/* Off the chain: the question's records after a CNAME elsewhere. */
	len = mkans(pkt, DNS_T_A, DNS_T_A, v4, 4, 1, 1);
	assert_int_equal(watch_hook_addrs(pkt, len, DNS_T_A, a,
	    WATCH_HOOK_ADDRS_MAX), 0);
	/* An A record of 5 bytes: the reader refuses the packet. */
	len = mkans(pkt, DNS_T_A, DNS_T_A, (const uint8_t *)"\x7f\0\0\1\1", 5,
	    1, 0);
	assert_int_equal(watch_hook_addrs(pkt, len, DNS_T_A, a,
	    WATCH_HOOK_ADDRS_MAX), 0);
	/* Cut short, a query, nothing. */
	len = mkans(pkt, DNS_T_A, DNS_T_A, v4, 4, 2, 0);
	assert_int_equal(watch_hook_addrs(pkt, len - 2, DNS_T_A, a,
	    WATCH_HOOK_ADDRS_MAX), 0);
	pkt[2] = 0x01;
	assert_int_equal(watch_hook_addrs(pkt, len, DNS_T_A, a,
	    WATCH_HOOK_ADDRS_MAX), 0);
	assert_int_equal(watch_hook_addrs(NULL, 0, DNS_T_A, a,
	    WATCH_HOOK_ADDRS_MAX), 0);
	assert_int_equal(watch_hook_addrs(pkt, 5, DNS_T_A, a,
	    WATCH_HOOK_ADDRS_MAX), 0);
}

/* The TLS context: a CA file that is missing or holds no certificate. */
static void
test_tls_ctx(void **state)
{
	struct ssl_ctx_st	*ctx;
	char			 err[600], path[] = "/tmp/fl-hook-XXXXXX";
	FILE			*f;
	int			 fd;

	(void)state;
	assert_null(watch_tls_ctx("/nonexistent/ca.pem", err, sizeof(err)));
	if (strstr(err, "webhook-ca /nonexistent/ca.pem: cannot load") ==
	    NULL)
		fail_msg("got '%s', want the file named", err);
	assert_int_not_equal((fd = mkstemp(path)), -1);
	assert_non_null((f = fdopen(fd, "w")));
	fputs("not a certificate\n", f);
	fclose(f);
	assert_null(watch_tls_ctx(path, err, sizeof(err)));
	if (strstr(err, path) == NULL)
		fail_msg("got '%s', want the file named", err);
	unlink(path);
	/* The system's store: made (its files are read when verifying). */
	ctx = watch_tls_ctx(NULL, err, sizeof(err));
	if (ctx == NULL)
		fail_msg("system store: %s", err);
	SSL_CTX_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_status_long),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_tls_ctx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
