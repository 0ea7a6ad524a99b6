/*
 * test_request.c: the policy protocol reader and parser (policy/request.c):
 * every limit at and one past its edge, NUL and CRLF, a request split at
 * every byte position, pipelined requests, and the parser's attribute
 * table, repeats, unknown names and malformed lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "policy/policy.h"

#define REQ	"request=smtpd_access_policy\n"

/* A request as Postfix 3.x sends it at RCPT time. */
static const char full[] =
	"request=smtpd_access_policy\n"
	"protocol_state=RCPT\n"
	"protocol_name=ESMTP\n"
	"client_address=192.0.2.7\n"
	"client_name=mail.example.net\n"
	"client_port=41234\n"
	"reverse_client_name=mail.example.net\n"
	"server_address=192.0.2.1\n"
	"server_port=25\n"
	"helo_name=mail.example.net\n"
	"sender=alice@example.net\n"
	"recipient=bob@example.com\n"
	"recipient_count=0\n"
	"queue_id=\n"
	"instance=123.456.7\n"
	"size=12345\n"
	"etrn_domain=\n"
	"stress=\n"
	"sasl_method=\n"
	"sasl_username=\n"
	"sasl_sender=\n"
	"ccert_subject=\n"
	"ccert_issuer=\n"
	"ccert_fingerprint=\n"
	"ccert_pubkey_fingerprint=\n"
	"encryption_protocol=TLSv1.3\n"
	"encryption_cipher=TLS_AES_256_GCM_SHA384\n"
	"encryption_keysize=256\n"
	"policy_context=\n"
	"compatibility_level=3.6\n"
	"mail_version=3.7.11\n"
	"\n";

/* Fixed inputs for the reader. rc: > 0 complete length, 0 more, -1. */
static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	long		 rc;
	const char	*err;	/* substring of the error, if rc == -1 */
} scans[] = {
#define S(s) s, sizeof(s) - 1
	{ "empty buffer", S(""), 0, NULL },
	{ "lone empty line", S("\n"), 1, NULL },
	{ "one line, no end", S(REQ), 0, NULL },
	{ "one line, half end", S("a=b"), 0, NULL },
	{ "minimal", S(REQ "\n"), 29, NULL },
	{ "trailing bytes", S(REQ "\nrequest=x"), 29, NULL },
	{ "two requests", S(REQ "\n" REQ "\n"), 29, NULL },
	{ "cr in value", S("a=b\rc\n\n"), 7, NULL },
	{ "cr at line end", S("a=b\r\n\n"), 6, NULL },
	{ "crlf end", S("a=b\r\n\r\n"), -1, "CRLF" },
	{ "crlf first line", S("\r\n"), -1, "CRLF" },
	{ "lone cr", S("\r"), 0, NULL },
	{ "nul first", S("\0"), -1, "NUL" },
	{ "nul in name", S("a\0=b\n\n"), -1, "NUL" },
	{ "nul in value", S("a=b\0\n\n"), -1, "NUL" },
	{ "nul after end", S("a=b\n\n\0"), 5, NULL },
	{ "nul second line", S(REQ "x=\0"), -1, "NUL" },
	{ "no equals", S("garbage\n\n"), 9, NULL },	/* parse rejects */
	{ "high bytes", S("a=\xff\xfe\x80\n\n"), 7, NULL },
	/* A NUL before another error is the error reported. */
	{ "nul then crlf end", S("a=\0\n\r\n"), -1, "NUL" },
	{ "nul in cr line", S("a=b\n\r\0\n"), -1, "NUL" },
	{ "crlf end then nul", S("a=b\r\n\r\n\0"), -1, "CRLF" },
	{ "nul third line", S("a=b\nc=d\ne=\0f\n\n"), -1, "NUL" },
	{ "nul in open line", S("a=b\nc=d\0"), -1, "NUL" },
#undef S
};

static void
test_scan_table(void **state)
{
	struct policy_reader	 rd;
	const char		*err;
	size_t			 i, k;
	long			 rc;
	int			 failed = 0;

	(void)state;
	for (i = 0; i < sizeof(scans) / sizeof(scans[0]); i++) {
		policy_reader_init(&rd);
		err = NULL;
		rc = policy_reader_scan(&rd, scans[i].in, scans[i].len, &err);
		if (rc != scans[i].rc) {
			print_error("%s: got %ld (%s), want %ld\n",
			    scans[i].name, rc, rc == -1 ? err : "",
			    scans[i].rc);
			failed++;
		} else if (rc == -1 && (err == NULL ||
		    strstr(err, scans[i].err) == NULL)) {
			print_error("%s: got error '%s', want '%s'\n",
			    scans[i].name, err ? err : "(null)",
			    scans[i].err);
			failed++;
		}
		/* Byte by byte: the same answer and the same error. */
		policy_reader_init(&rd);
		err = NULL;
		for (k = 1, rc = 0; k <= scans[i].len && rc == 0; k++)
			rc = policy_reader_scan(&rd, scans[i].in, k, &err);
		if (rc != scans[i].rc || (rc == -1 && (err == NULL ||
		    strstr(err, scans[i].err) == NULL))) {
			print_error("%s: byte by byte got %ld (%s), want %ld\n",
			    scans[i].name, rc, rc == -1 && err ? err : "",
			    scans[i].rc);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/*
 * A line over the limit with a NUL: the NUL wins if it comes within the
 * limit (the bytes scanned before the line was found too long).
 */
static void
test_scan_nul_long(void **state)
{
	static const struct {
		size_t		 at;	/* where the NUL is, 0: none */
		const char	*err;
	} tests[] = {
		{ 0, "line too long" },
		{ 100, "NUL" },
		{ POLICY_LINE_MAX - 1, "NUL" },
		{ POLICY_LINE_MAX + 5, "line too long" },
	};
	struct policy_reader	 rd;
	const char		*err;
	char			 b[POLICY_LINE_MAX + 20];
	size_t			 i;
	long			 rc;

	(void)state;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		memset(b, 'v', sizeof(b));
		b[0] = 'x';
		b[1] = '=';
		if (tests[i].at > 0)
			b[tests[i].at] = '\0';
		policy_reader_init(&rd);
		err = NULL;
		rc = policy_reader_scan(&rd, b, sizeof(b), &err);
		if (rc != -1 || err == NULL ||
		    strstr(err, tests[i].err) == NULL)
			fail_msg("NUL at %zu: got %ld (%s), want -1 (%s)",
			    tests[i].at, rc, err ? err : "", tests[i].err);
	}
}

/*
 * Generated requests at the limits. kind: 'l' one line of n bytes (LF
 * not counted); 'a' n attribute lines; 's' n bytes in all.
 */
static char *
gen(int kind, size_t n, size_t *len)
{
	char	*b;
	size_t	 cap, off = 0, k, rem, l;

	cap = n * 4 + POLICY_REQUEST_MAX + 64;
	if ((b = malloc(cap)) == NULL)
		abort();
	memcpy(b, REQ, sizeof(REQ) - 1);
	off = sizeof(REQ) - 1;
	switch (kind) {
	case 'l':
		memcpy(b + off, "x=", 2);
		memset(b + off + 2, 'v', n - 2);
		off += n;
		b[off++] = '\n';
		break;
	case 'a':
		for (k = 1; k < n; k++) {
			memcpy(b + off, "a=b\n", 4);
			off += 4;
		}
		break;
	case 's':
		rem = n - off - 1;	/* filler bytes, LFs included */
		while (rem > 0) {
			l = rem < 4001 ? rem : 4001;
			if (rem - l > 0 && rem - l < 3)
				l -= 3;
			memcpy(b + off, "f=", 2);
			memset(b + off + 2, 'v', l - 3);
			off += l - 1;
			b[off++] = '\n';
			rem -= l;
		}
		break;
	default:
		abort();
	}
	b[off++] = '\n';
	*len = off;
	return b;
}

static const struct {
	const char	*name;
	int		 kind;
	size_t		 n;
	int		 ok;
	const char	*err;
} limits[] = {
	{ "line at max", 'l', POLICY_LINE_MAX, 1, NULL },
	{ "line max+1", 'l', POLICY_LINE_MAX + 1, 0, "line too long" },
	{ "line max+100", 'l', POLICY_LINE_MAX + 100, 0, "line too long" },
	{ "attrs at max", 'a', POLICY_ATTRS_MAX, 1, NULL },
	{ "attrs max+1", 'a', POLICY_ATTRS_MAX + 1, 0, "too many" },
	{ "attrs 1000", 'a', 1000, 0, "too many" },
	{ "size at max", 's', POLICY_REQUEST_MAX, 1, NULL },
	{ "size max+1", 's', POLICY_REQUEST_MAX + 1, 0, "request too long" },
	{ "size max+5000", 's', POLICY_REQUEST_MAX + 5000, 0,
	    "request too long" },
};

/* Whole buffer at once, then byte by byte: the same answer. */
static void
test_scan_limits(void **state)
{
	struct policy_reader	 rd;
	struct policy_request	 r;
	const char		*err;
	char			*b;
	size_t			 i, len, k;
	long			 rc, want;
	int			 failed = 0;

	(void)state;
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		b = gen(limits[i].kind, limits[i].n, &len);
		if (limits[i].kind == 's' && len != limits[i].n)
			fail_msg("%s: generated %zu bytes", limits[i].name,
			    len);
		want = limits[i].ok ? (long)len : -1;
		policy_reader_init(&rd);
		err = "";
		rc = policy_reader_scan(&rd, b, len, &err);
		if (rc != want || (rc == -1 &&
		    strstr(err, limits[i].err) == NULL)) {
			print_error("%s: got %ld (%s), want %ld (%s)\n",
			    limits[i].name, rc, err, want,
			    limits[i].err ? limits[i].err : "");
			failed++;
		}
		policy_reader_init(&rd);
		for (k = 1, rc = 0; k <= len && rc == 0; k++)
			rc = policy_reader_scan(&rd, b, k, &err);
		if (rc != want) {
			print_error("%s: byte by byte got %ld at %zu, "
			    "want %ld\n", limits[i].name, rc, k - 1, want);
			failed++;
		}
		if (limits[i].ok && policy_request_parse(b, len, &r,
		    &err) != 0) {
			print_error("%s: parse got error %s\n",
			    limits[i].name, err);
			failed++;
		}
		free(b);
	}
	assert_int_equal(failed, 0);
}

/* The error is caught at the first byte past the limit, not later. */
static void
test_scan_early(void **state)
{
	struct policy_reader	 rd;
	const char		*err;
	char			*b;
	size_t			 len;

	(void)state;
	b = gen('l', POLICY_LINE_MAX + 100, &len);
	policy_reader_init(&rd);
	/* REQ, then LINE_MAX bytes of the long line: still fine. */
	assert_int_equal(policy_reader_scan(&rd, b,
	    sizeof(REQ) - 1 + POLICY_LINE_MAX, &err), 0);
	assert_int_equal(policy_reader_scan(&rd, b,
	    sizeof(REQ) - 1 + POLICY_LINE_MAX + 1, &err), -1);
	free(b);

	b = gen('a', POLICY_ATTRS_MAX + 1, &len);
	policy_reader_init(&rd);
	/* Up to the LF of the last allowed line, then one byte more. */
	assert_int_equal(policy_reader_scan(&rd, b, len - 5, &err), 0);
	assert_int_equal(policy_reader_scan(&rd, b, len - 4, &err), -1);
	free(b);
}

/* One request split at every byte position, in two and in three parts. */
static void
test_scan_split(void **state)
{
	struct policy_reader	 rd;
	const char		*err;
	size_t			 len = sizeof(full) - 1, k, j;
	long			 rc;
	int			 failed = 0;

	(void)state;
	for (k = 0; k < len; k++) {
		policy_reader_init(&rd);
		if ((rc = policy_reader_scan(&rd, full, k, &err)) != 0) {
			print_error("split %zu: first part got %ld\n", k, rc);
			failed++;
		}
		if ((rc = policy_reader_scan(&rd, full, len, &err)) !=
		    (long)len) {
			print_error("split %zu: got %ld, want %zu\n", k, rc,
			    len);
			failed++;
		}
		for (j = k; j < len; j += 37) {
			policy_reader_init(&rd);
			(void)policy_reader_scan(&rd, full, k, &err);
			if (policy_reader_scan(&rd, full, j, &err) != 0 ||
			    policy_reader_scan(&rd, full, len, &err) !=
			    (long)len) {
				print_error("split %zu/%zu failed\n", k, j);
				failed++;
			}
		}
	}
	/* Byte by byte: never rescans, so off moves with the input. */
	policy_reader_init(&rd);
	for (k = 1; k < len; k++) {
		if (policy_reader_scan(&rd, full, k, &err) != 0 ||
		    rd.off != k) {
			print_error("bytewise %zu: off %zu\n", k, rd.off);
			failed++;
		}
	}
	assert_int_equal(policy_reader_scan(&rd, full, len, &err), (long)len);
	assert_int_equal(rd.nattrs, 31);
	assert_int_equal(failed, 0);
}

/* Pipelined requests in one buffer come out one at a time, in order. */
static void
test_scan_pipelined(void **state)
{
	struct policy_reader	 rd;
	struct policy_request	 r;
	const char		*err;
	char			 buf[256];
	const char		*want[] = { "1", "2", "3" };
	size_t			 off = 0, len;
	long			 rc;
	int			 i;

	(void)state;
	len = (size_t)snprintf(buf, sizeof(buf),
	    REQ "instance=1\n\n" REQ "instance=2\nx=y\n\n"
	    REQ "instance=3\n\n" REQ "instance=4\n");
	for (i = 0; i < 3; i++) {
		policy_reader_init(&rd);
		rc = policy_reader_scan(&rd, buf + off, len - off, &err);
		assert_true(rc > 0);
		assert_int_equal(policy_request_parse(buf + off, (size_t)rc,
		    &r, &err), 0);
		assert_string_equal(r.instance, want[i]);
		off += (size_t)rc;
	}
	policy_reader_init(&rd);
	assert_int_equal(policy_reader_scan(&rd, buf + off, len - off, &err),
	    0);
}

/* Parser: fields checked are request, state, client, instance, sender. */
static const struct {
	const char	*name;
	const char	*in;
	int		 rc;
	const char	*err;
	const char	*state, *client, *instance, *sender;
	int		 nattrs;
} parses[] = {
#define BAD(n, in, err) { n, in, -1, err, NULL, NULL, NULL, NULL, 0 }
	{ "minimal", REQ "\n", 0, NULL, "", "", "", "", 1 },
	{ "fields", REQ "protocol_state=RCPT\nclient_address=192.0.2.1\n"
	    "instance=a.b\nsender=x@y\n\n", 0, NULL, "RCPT", "192.0.2.1",
	    "a.b", "x@y", 5 },
	{ "unknown ignored", REQ "foo=bar\nclient_addresses=1\n"
	    "Client_address=2\n\n", 0, NULL, "", "", "", "", 4 },
	{ "repeat keeps last", REQ "sender=a\nsender=b\n\n", 0, NULL,
	    "", "", "", "b", 3 },
	{ "equals in value", REQ "sender=a=b==\n\n", 0, NULL,
	    "", "", "", "a=b==", 2 },
	{ "empty value", REQ "sender=\n\n", 0, NULL, "", "", "", "", 2 },
	{ "cr kept", REQ "sender=a\r\n\n", 0, NULL, "", "", "", "a\r", 2 },
	{ "request last", "sender=s\n" REQ "\n", 0, NULL, "", "", "", "s",
	    2 },
	BAD("no equals", REQ "garbage\n\n", "'='"),
	BAD("empty name", REQ "=value\n\n", "empty name"),
	BAD("request missing", "sender=a\n\n", "missing"),
	BAD("request empty", "request=\n\n", "missing"),
	BAD("request other", "request=junk\n\n", "unknown request"),
	BAD("request case", "request=SMTPD_ACCESS_POLICY\n\n",
	    "unknown request"),
	BAD("request repeated other", REQ "request=x\n\n",
	    "unknown request"),
	BAD("lone empty line", "\n", "missing"),
	BAD("no end", REQ, "empty line"),
	BAD("no lf", "request=smtpd_access_policy", "empty line"),
	BAD("empty", "", "empty line"),
#undef BAD
};

static void
test_parse_table(void **state)
{
	struct policy_request	 r;
	const char		*err;
	char			*b;
	size_t			 i, len;
	int			 rc, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(parses) / sizeof(parses[0]); i++) {
		/* An exact-size copy: any read past len is a bug (ASan). */
		len = strlen(parses[i].in);
		if ((b = malloc(len + 1)) == NULL)
			abort();
		memcpy(b, parses[i].in, len);
		err = NULL;
		rc = policy_request_parse(b, len, &r, &err);
		if (rc != parses[i].rc) {
			print_error("%s: got %d (%s), want %d\n",
			    parses[i].name, rc, err ? err : "", parses[i].rc);
			failed++;
		} else if (rc == -1) {
			if (err == NULL || strstr(err, parses[i].err) == NULL) {
				print_error("%s: got error '%s', want '%s'\n",
				    parses[i].name, err ? err : "(null)",
				    parses[i].err);
				failed++;
			}
		} else if (strcmp(r.request, "smtpd_access_policy") != 0 ||
		    strcmp(r.protocol_state, parses[i].state) != 0 ||
		    strcmp(r.client_address, parses[i].client) != 0 ||
		    strcmp(r.instance, parses[i].instance) != 0 ||
		    strcmp(r.sender, parses[i].sender) != 0 ||
		    r.nattrs != parses[i].nattrs) {
			print_error("%s: got state '%s' client '%s' "
			    "instance '%s' sender '%s' nattrs %d, want '%s' "
			    "'%s' '%s' '%s' %d\n", parses[i].name,
			    r.protocol_state, r.client_address, r.instance,
			    r.sender, r.nattrs, parses[i].state,
			    parses[i].client, parses[i].instance,
			    parses[i].sender, parses[i].nattrs);
			failed++;
		}
		free(b);
	}
	assert_int_equal(failed, 0);
}

/* request=confirm_check: its kind, sender presence and dkim_pass. */
static const struct {
	const char			*name;
	const char			*in;
	int				 rc;
	enum policy_request_kind	 kind;
	int				 has_sender;
	const char			*sender, *dkim, *client;
} confirms[] = {
	{ "access", REQ "sender=a@b\n\n", 0, POLICY_REQ_ACCESS, 1, "a@b", "",
	    "" },
	{ "confirm", "request=confirm_check\nclient_address=192.0.2.1\n"
	    "sender=a@b\nhelo_name=h\n\n", 0, POLICY_REQ_CONFIRM, 1, "a@b", "",
	    "192.0.2.1" },
	{ "confirm dkim", "request=confirm_check\nsender=a@b\n"
	    "dkim_pass=b.example\n\n", 0, POLICY_REQ_CONFIRM, 1, "a@b",
	    "b.example", "" },
	{ "confirm null sender", "request=confirm_check\nsender=\n\n", 0,
	    POLICY_REQ_CONFIRM, 1, "", "", "" },
	{ "confirm no sender", "request=confirm_check\nclient_address=::1\n"
	    "\n", 0, POLICY_REQ_CONFIRM, 0, "", "", "::1" },
	{ "confirm last wins", REQ "request=confirm_check\n\n", 0,
	    POLICY_REQ_CONFIRM, 0, "", "", "" },
	{ "access last wins", "request=confirm_check\n" REQ "\n", 0,
	    POLICY_REQ_ACCESS, 0, "", "", "" },
	{ "confirm case", "request=Confirm_Check\n\n", -1, POLICY_REQ_ACCESS,
	    0, "", "", "" },
	{ "confirm space", "request=confirm_check \n\n", -1,
	    POLICY_REQ_ACCESS, 0, "", "", "" },
};

static void
test_parse_confirm(void **state)
{
	struct policy_request	 r;
	const char		*err;
	char			*b;
	size_t			 i, len;
	int			 rc, failed = 0;

	(void)state;
	for (i = 0; i < sizeof(confirms) / sizeof(confirms[0]); i++) {
		len = strlen(confirms[i].in);
		if ((b = malloc(len + 1)) == NULL)
			abort();
		memcpy(b, confirms[i].in, len);
		err = NULL;
		rc = policy_request_parse(b, len, &r, &err);
		if (rc != confirms[i].rc) {
			print_error("%s: got %d (%s), want %d\n",
			    confirms[i].name, rc, err ? err : "",
			    confirms[i].rc);
			failed++;
		} else if (rc == -1) {
			if (err == NULL || strstr(err, "unknown request") ==
			    NULL) {
				print_error("%s: got error '%s'\n",
				    confirms[i].name, err ? err : "(null)");
				failed++;
			}
		} else if (r.kind != confirms[i].kind ||
		    r.has_sender != confirms[i].has_sender ||
		    strcmp(r.sender, confirms[i].sender) != 0 ||
		    strcmp(r.dkim_pass, confirms[i].dkim) != 0 ||
		    strcmp(r.client_address, confirms[i].client) != 0) {
			print_error("%s: got kind %d has_sender %d sender '%s' "
			    "dkim '%s' client '%s', want %d %d '%s' '%s' "
			    "'%s'\n", confirms[i].name, (int)r.kind,
			    r.has_sender, r.sender, r.dkim_pass,
			    r.client_address, (int)confirms[i].kind,
			    confirms[i].has_sender, confirms[i].sender,
			    confirms[i].dkim, confirms[i].client);
			failed++;
		}
		free(b);
	}
	assert_int_equal(failed, 0);
}

/* Every attribute fairlist uses, from the Postfix request. */
static void
test_parse_full(void **state)
{
	struct policy_reader	 rd;
	struct policy_request	 r;
	const char		*err;
	char			 b[sizeof(full)];

	(void)state;
	memcpy(b, full, sizeof(full));
	policy_reader_init(&rd);
	assert_int_equal(policy_reader_scan(&rd, b, sizeof(full) - 1, &err),
	    (long)sizeof(full) - 1);
	assert_int_equal(policy_request_parse(b, sizeof(full) - 1, &r, &err),
	    0);
	assert_string_equal(r.request, "smtpd_access_policy");
	assert_string_equal(r.protocol_state, "RCPT");
	assert_string_equal(r.protocol_name, "ESMTP");
	assert_string_equal(r.client_address, "192.0.2.7");
	assert_string_equal(r.client_name, "mail.example.net");
	assert_string_equal(r.reverse_client_name, "mail.example.net");
	assert_string_equal(r.helo_name, "mail.example.net");
	assert_string_equal(r.sender, "alice@example.net");
	assert_string_equal(r.recipient, "bob@example.com");
	assert_string_equal(r.instance, "123.456.7");
	assert_string_equal(r.sasl_username, "");
	assert_string_equal(r.queue_id, "");
	assert_int_equal(r.nattrs, 31);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_scan_table),
		cmocka_unit_test(test_scan_nul_long),
		cmocka_unit_test(test_scan_limits),
		cmocka_unit_test(test_scan_early),
		cmocka_unit_test(test_scan_split),
		cmocka_unit_test(test_scan_pipelined),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_confirm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
