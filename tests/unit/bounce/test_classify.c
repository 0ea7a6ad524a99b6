/*
 * test_classify.c: the bounce classifier (src/bounce) over the corpus in
 * tests/data/bounce/cases/: each NAME.txt (a reply text, read with
 * bounce_classify_text) or NAME.eml (a whole message, read with
 * bounce_classify_message) has NAME.want beside it, "key value" lines
 * (class, action, list, ip, status, reply, dsn, recipient, remote_mta).
 * Every case must match; the accuracy is printed. Also: the names, the
 * limits (a huge message, deep nesting, many parts) and hostile bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bounce/bounce.h"
#include "core/buf.h"

static int
slurp(const char *path, struct sbuf *b)
{
	FILE	*f;
	char	 buf[8192];
	size_t	 n;

	sbuf_reset(b);
	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(b, buf, n);
	fclose(f);
	return 0;
}

static const char *
field(const struct bounce_result *r, const char *key, char *tmp)
{
	if (strcmp(key, "class") == 0)
		return bounce_class_name(r->cls);
	if (strcmp(key, "action") == 0)
		return bounce_action_name(r->action);
	if (strcmp(key, "list") == 0)
		return r->list;
	if (strcmp(key, "ip") == 0)
		return r->ip;
	if (strcmp(key, "status") == 0)
		return r->status;
	if (strcmp(key, "reply") == 0)
		return r->reply;
	if (strcmp(key, "recipient") == 0)
		return r->recipient;
	if (strcmp(key, "remote_mta") == 0)
		return r->remote_mta;
	if (strcmp(key, "dsn") == 0) {
		tmp[0] = r->dsn ? '1' : '0';
		tmp[1] = '\0';
		return tmp;
	}
	return NULL;
}

/* 1 when every line of want matches r; prints each mismatch. */
static int
matches(const char *name, const char *want, const struct bounce_result *r)
{
	char		 line[512], key[64], tmp[4];
	const char	*p = want, *nl, *val, *got;
	size_t		 n, kl;
	int		 ok = 1;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (n >= sizeof(line)) {
			fail_msg("%s.want: line too long", name);
			return 0;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += nl != NULL ? n + 1 : n;
		if (n == 0)
			continue;
		val = strchr(line, ' ');
		kl = val != NULL ? (size_t)(val - line) : sizeof(key);
		if (kl >= sizeof(key)) {
			fail_msg("%s.want: bad line '%s'", name, line);
			return 0;
		}
		memcpy(key, line, kl);
		key[kl] = '\0';
		val++;
		if ((got = field(r, key, tmp)) == NULL)
			fail_msg("%s.want: unknown key '%s'", name, key);
		if (strcmp(got, val) != 0) {
			print_message("%s: %s: got '%s', want '%s' (rule %s)\n",
			    name, key, got, val, r->rule != NULL ? r->rule :
			    "none");
			ok = 0;
		}
	}
	return ok;
}

static void
test_corpus(void **state)
{
	const char	*src = getenv("FAIRLIST_SRC");
	char		 dir[2048], path[4096], base[256];
	DIR		*d;
	struct dirent	*e;
	struct sbuf	 in, want;
	struct bounce_result r;
	int		 total = 0, good = 0, eml;
	size_t		 n;

	(void)state;
	assert_non_null(src);
	snprintf(dir, sizeof(dir), "%s/tests/data/bounce/cases", src);
	assert_non_null(d = opendir(dir));
	sbuf_init(&in);
	sbuf_init(&want);
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n < 6 || n >= sizeof(base) ||
		    strcmp(e->d_name + n - 5, ".want") != 0)
			continue;
		memcpy(base, e->d_name, n - 5);
		base[n - 5] = '\0';
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_int_equal(slurp(path, &want), 0);
		snprintf(path, sizeof(path), "%s/%s.eml", dir, base);
		eml = slurp(path, &in) == 0;
		if (!eml) {
			snprintf(path, sizeof(path), "%s/%s.txt", dir, base);
			if (slurp(path, &in) != 0)
				fail_msg("%s: no .eml or .txt beside it", base);
		}
		if (eml)
			bounce_classify_message(in.s != NULL ? in.s : "",
			    in.len, &r);
		else
			bounce_classify_text(in.s != NULL ? in.s : "", in.len,
			    &r);
		total++;
		good += matches(base, want.s, &r);
	}
	closedir(d);
	sbuf_free(&in);
	sbuf_free(&want);
	printf("bounce corpus: %d/%d correct\n", good, total);
	assert_true(total >= 60);
	assert_int_equal(good, total);
}

static void
test_names(void **state)
{
	int	c;

	(void)state;
	for (c = 0; c < BOUNCE_CLASS_COUNT; c++)
		assert_non_null(bounce_class_name((enum bounce_class)c));
	assert_null(bounce_class_name(BOUNCE_CLASS_COUNT));
	assert_string_equal(bounce_class_name(BOUNCE_RESOLVER_ERROR),
	    "resolver-error");
	assert_string_equal(bounce_action_name(BOUNCE_SUPPRESS), "suppress");
	assert_null(bounce_action_name((enum bounce_action)7));
}

/* A blocklist bounce is never suppress, whatever else it says. */
static void
test_blocklist_never_suppress(void **state)
{
	static const char *const texts[] = {
		"550 5.1.1 User unknown; Client host [203.0.113.5] blocked "
		    "using zen.spamhaus.org",
		"550 5.1.1 <x@example.com> rejected: 203.0.113.5 listed at "
		    "bl.spamcop.net",
	};
	struct bounce_result	r;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		bounce_classify_text(texts[i], strlen(texts[i]), &r);
		if (r.cls != BOUNCE_BLOCKLIST || r.action != BOUNCE_KEEP)
			fail_msg("'%s': got %s/%s, want blocklist/keep",
			    texts[i], bounce_class_name(r.cls),
			    bounce_action_name(r.action));
	}
}

/* Limits: bytes past BOUNCE_MSG_MAX are not read; many parts stop. */
static void
test_limits(void **state)
{
	struct bounce_result	 r;
	struct sbuf		 b;
	size_t			 i;

	(void)state;
	sbuf_init(&b);
	sbuf_adds(&b, "From: a@example.org\nContent-Type: text/plain\n\n");
	while (b.len < BOUNCE_MSG_MAX)
		sbuf_adds(&b, "padding padding padding padding padding\n");
	sbuf_adds(&b, "550 5.1.1 User unknown\n");
	bounce_classify_message(b.s, b.len, &r);
	assert_int_equal(r.cls, BOUNCE_UNKNOWN);

	/* The answer sits in part 70, past BOUNCE_PARTS_MAX. */
	sbuf_reset(&b);
	sbuf_adds(&b, "From: a@example.org\nContent-Type: multipart/mixed; "
	    "boundary=x\n\n");
	for (i = 0; i < 70; i++)
		sbuf_adds(&b, "--x\nContent-Type: image/png\n\nAAAA\n");
	sbuf_adds(&b, "--x\nContent-Type: text/plain\n\n550 5.1.1 User "
	    "unknown\n--x--\n");
	bounce_classify_message(b.s, b.len, &r);
	assert_int_equal(r.cls, BOUNCE_UNKNOWN);
	/* ... and in part 3 it is read. */
	sbuf_reset(&b);
	sbuf_adds(&b, "From: a@example.org\nContent-Type: multipart/mixed; "
	    "boundary=x\n\n--x\n\nhello\n--x\nContent-Type: text/plain\n\n"
	    "550 5.1.1 User unknown\n--x--\n");
	bounce_classify_message(b.s, b.len, &r);
	assert_int_equal(r.cls, BOUNCE_USER_UNKNOWN);
	sbuf_free(&b);
}

/* Hostile bytes: NULs, 8-bit, control bytes, never in the outputs. */
static void
test_hostile(void **state)
{
	static const char txt[] = "550 5.7.1 \x01\xff\0blocked using "
	    "bl.exa\x1bmple.net [203.0.113.5\x7f] \r\n\r\n";
	struct bounce_result	r;
	size_t			i;

	(void)state;
	bounce_classify_text(txt, sizeof(txt) - 1, &r);
	for (i = 0; r.diag[i] != '\0'; i++)
		assert_true((unsigned char)r.diag[i] >= 0x20);
	assert_int_equal(r.cls, BOUNCE_BLOCKLIST);
	assert_string_equal(r.list, "bl.exa");
	assert_string_equal(r.ip, "203.0.113.5");
	bounce_classify_message("", 0, &r);
	assert_int_equal(r.cls, BOUNCE_UNKNOWN);
	bounce_classify_message("\n\n\n", 3, &r);
	assert_int_equal(r.cls, BOUNCE_UNKNOWN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_blocklist_never_suppress),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
