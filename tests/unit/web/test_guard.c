/*
 * test_guard.c: the removal route's guards (web/guard.c): CSRF tokens
 * (made, checked, refused when tampered, mismatched, old or missing) and
 * the rate-limit windows (limit, Retry-After, reset, kinds apart, a full
 * table).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "web/web_int.h"

static void
test_csrf(void **state)
{
	char	tok[WEB_CSRF_LEN], bad[WEB_CSRF_LEN];
	int64_t	now = 1800000000;

	(void)state;
	web_csrf_make(now, tok);
	assert_int_equal(web_csrf_check(tok, tok, now), 1);
	assert_int_equal(web_csrf_check(tok, tok, now + WEB_CSRF_TTL), 1);
	assert_int_equal(web_csrf_check(tok, tok, now + WEB_CSRF_TTL + 1), 0);
	assert_int_equal(web_csrf_check(tok, tok, now - 61), 0);	/* future */
	assert_int_equal(web_csrf_check(tok, NULL, now), 0);
	assert_int_equal(web_csrf_check(NULL, tok, now), 0);
	memcpy(bad, tok, sizeof(bad));
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'a' ? 'b' : 'a';
	assert_int_equal(web_csrf_check(bad, bad, now), 0);	/* MAC */
	assert_int_equal(web_csrf_check(tok, bad, now), 0);	/* mismatch */
	memcpy(bad, tok, sizeof(bad));
	bad[0] = bad[0] == '1' ? '2' : '1';			/* time */
	assert_int_equal(web_csrf_check(bad, bad, now), 0);
	assert_int_equal(web_csrf_check("", "", now), 0);
	assert_int_equal(web_csrf_check(".", ".", now), 0);
	assert_int_equal(web_csrf_check("x.y", "x.y", now), 0);
	assert_int_equal(web_csrf_check("-5.00000000000000000000000000000000",
	    "-5.00000000000000000000000000000000", now), 0);
}

static void
addr(uint8_t a[ADDR_LEN], uint32_t v)
{
	memset(a, 0, ADDR_LEN);
	a[10] = a[11] = 0xff;
	a[12] = (uint8_t)(v >> 24);
	a[13] = (uint8_t)(v >> 16);
	a[14] = (uint8_t)(v >> 8);
	a[15] = (uint8_t)v;
}

static void
test_rl(void **state)
{
	struct web_rl	*rl = web_rl_new();
	uint8_t		 a[ADDR_LEN], b[ADDR_LEN];
	int64_t		 now = 1000;
	int		 i;

	(void)state;
	addr(a, 0xc0000201);
	addr(b, 0xc0000202);
	for (i = 0; i < 3; i++)
		assert_int_equal(web_rl_hit(rl, WEB_RL_REQUESTER, a, 3, 60,
		    now + i), 0);
	/* The fourth waits for the end of the window begun at 1000. */
	assert_int_equal(web_rl_hit(rl, WEB_RL_REQUESTER, a, 3, 60, now + 10),
	    50);
	assert_int_equal(web_rl_hit(rl, WEB_RL_REQUESTER, a, 3, 60, now + 59),
	    1);
	/* Another address, another kind: windows of their own. */
	assert_int_equal(web_rl_hit(rl, WEB_RL_REQUESTER, b, 3, 60, now + 10),
	    0);
	assert_int_equal(web_rl_hit(rl, WEB_RL_LISTED, a, 3, 60, now + 10), 0);
	/* A new window. */
	assert_int_equal(web_rl_hit(rl, WEB_RL_REQUESTER, a, 3, 60, now + 60),
	    0);
	web_rl_free(rl);
}

static void
test_rl_full(void **state)
{
	struct web_rl	*rl = web_rl_new();
	uint8_t		 a[ADDR_LEN];
	uint32_t	 v;

	(void)state;
	/* Four times as many keys as slots: old ones are evicted. */
	for (v = 0; v < 4 * WEB_RL_SLOTS; v++) {
		addr(a, v);
		assert_int_equal(web_rl_hit(rl, WEB_RL_LISTED, a, 1, 3600,
		    5000), 0);
	}
	/* The newest key is still held and limited. */
	assert_int_equal(web_rl_hit(rl, WEB_RL_LISTED, a, 1, 3600, 5000),
	    3600);
	web_rl_free(rl);
	web_rl_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_rl),
		cmocka_unit_test(test_rl_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
