/*
 * test_classify.c: spam or backscatter (src/traps/classify.c): each rule
 * of docs/FAIRNESS.md fires on its sign and is named, the order between
 * rules holds, plain spam is spam, and malformed headers (no colon, a
 * folded field at the start, no blank line, a field past the buffer,
 * NUL and 8-bit bytes in the Message-ID) neither crash nor leak
 * unprintable bytes into the Message-ID kept for the evidence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "traps/traps.h"

static const struct tcase {
	const char	*msg;
	int		 null_sender;
	enum traps_class cls;
	const char	*rule;
} cases[] = {
	{ "From: a@b\r\nSubject: cheap pills\r\n\r\nbuy now\r\n", 0,
	  TRAPS_SPAM, "no-backscatter-sign" },
	{ "Subject: cheap pills\r\n\r\nbuy now\r\n", 1,
	  TRAPS_BACKSCATTER, "null-sender" },
	{ "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	  "\tboundary=x\r\n\r\n--x\r\n", 0,
	  TRAPS_BACKSCATTER, "multipart-report" },
	{ "content-type:   Multipart/Report\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "multipart-report" },
	{ "Content-Type: message/delivery-status\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "multipart-report" },
	{ "Content-Type: multipart/mixed\r\n\r\nmultipart/report\r\n", 0,
	  TRAPS_SPAM, "no-backscatter-sign" },
	{ "Auto-Submitted: auto-replied\r\nSubject: re: hi\r\n\r\nx\r\n", 0,
	  TRAPS_BACKSCATTER, "auto-submitted" },
	{ "Auto-Submitted: auto-generated\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "auto-submitted" },
	{ "Auto-Submitted: no\r\nSubject: hello\r\n\r\nx\r\n", 0,
	  TRAPS_SPAM, "no-backscatter-sign" },
	{ "Auto-Submitted: no (comment)\r\n\r\n", 0,
	  TRAPS_SPAM, "no-backscatter-sign" },
	{ "Auto-Submitted: notice\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "auto-submitted" },
	{ "X-Autoreply: yes\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "autoreply-header" },
	{ "X-Autorespond: x\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "autoreply-header" },
	{ "Precedence: bulk\r\n\r\n", 0, TRAPS_BACKSCATTER, "precedence" },
	{ "Precedence: first-class\r\n\r\n", 0,
	  TRAPS_SPAM, "no-backscatter-sign" },
	{ "List-Id: <news.example.org>\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "list-header" },
	{ "List-Unsubscribe: <mailto:x@y>\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "list-header" },
	{ "List-: x\r\n\r\n", 0, TRAPS_SPAM, "no-backscatter-sign" },
	{ "Subject: Undeliverable: hello\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "bounce-wording" },
	{ "Subject: Out of Office: hello\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "autoreply-wording" },
	{ "Subject: hello\r\n\r\nI am on vacation until Monday.\r\n", 0,
	  TRAPS_BACKSCATTER, "autoreply-wording" },
	{ "Subject: Please confirm\r\n your subscription\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "confirm-wording" },
	{ "Subject: news\r\n\r\nTo CONFIRM YOUR SUBSCRIPTION, click\r\n", 0,
	  TRAPS_BACKSCATTER, "confirm-wording" },
	{ "Subject: Welcome to the news list\r\n\r\nhi\r\n", 0,
	  TRAPS_BACKSCATTER, "welcome-wording" },
	/* Rule order: the null sender first, then header signs. */
	{ "List-Id: x\r\nAuto-Submitted: auto-replied\r\n\r\n", 1,
	  TRAPS_BACKSCATTER, "null-sender" },
	{ "List-Id: x\r\nAuto-Submitted: auto-replied\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "auto-submitted" },
	/* Malformed. */
	{ "", 0, TRAPS_SPAM, "no-backscatter-sign" },
	{ "\r\n", 0, TRAPS_SPAM, "no-backscatter-sign" },
	{ " folded first: x\r\nList-Id: y\r\n\r\n", 0,
	  TRAPS_BACKSCATTER, "list-header" },
	{ "no colon here\r\nPrecedence: junk", 0,
	  TRAPS_BACKSCATTER, "precedence" },
	{ "Subject\r\n\r\nvacation", 0, TRAPS_BACKSCATTER,
	  "autoreply-wording" },
	{ "X: y\n\nbare LF body: out of office\n", 0,
	  TRAPS_BACKSCATTER, "autoreply-wording" },
};

static void
test_cases(void **state)
{
	struct traps_verdict	v;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		traps_classify(cases[i].msg, strlen(cases[i].msg),
		    cases[i].null_sender, &v);
		if (v.cls != cases[i].cls ||
		    strcmp(v.rule, cases[i].rule) != 0)
			fail_msg("case %zu: got %s/%s, want %s/%s", i,
			    traps_class_name(v.cls), v.rule,
			    traps_class_name(cases[i].cls), cases[i].rule);
	}
	assert_string_equal(traps_class_name(TRAPS_SPAM), "spam");
	assert_string_equal(traps_class_name(TRAPS_BACKSCATTER),
	    "backscatter");
}

static void
test_msgid(void **state)
{
	static const char	m1[] = "Message-ID:  <a\0b\x01\xff@x>  \r\n"
	    "Message-ID: <second@x>\r\n\r\n";
	struct traps_verdict	v;
	char			big[3000];
	size_t			i;

	(void)state;
	traps_classify(m1, sizeof(m1) - 1, 0, &v);
	assert_string_equal(v.msgid, "<a?b??@x>");
	traps_classify("X: y\r\n\r\n", 8, 0, &v);
	assert_string_equal(v.msgid, "");
	/* A Message-ID folded over many lines is cut, not overrun. */
	memcpy(big, "Message-Id: <", 13);
	for (i = 13; i < sizeof(big) - 4; i++)
		big[i] = i % 80 == 0 ? '\n' : i % 80 == 1 ? ' ' : 'x';
	memcpy(big + sizeof(big) - 4, ">\n\n", 3);
	traps_classify(big, sizeof(big) - 1, 0, &v);
	assert_int_equal(strlen(v.msgid), TRAPS_MSGID_MAX);
	for (i = 0; v.msgid[i] != '\0'; i++)
		assert_true(v.msgid[i] > ' ' && v.msgid[i] < 0x7f);
}

/* The scan limits: a sign past them is not read. */
static void
test_limits(void **state)
{
	char			*m;
	struct traps_verdict	 v;
	size_t			 n = TRAPS_HEADER_SCAN + TRAPS_BODY_SCAN + 100;

	(void)state;
	m = malloc(n);
	assert_non_null(m);
	/* A header with no blank line, longer than the scan. */
	memset(m, 'a', n);
	memcpy(m, "X: ", 3);
	memcpy(m + TRAPS_HEADER_SCAN + 10, "\r\nList-Id: x\r\n", 14);
	traps_classify(m, n, 0, &v);
	assert_int_equal(v.cls, TRAPS_SPAM);
	/* Body wording past TRAPS_BODY_SCAN. */
	memset(m, 'a', n);
	memcpy(m, "X: y\r\n\r\n", 8);
	memcpy(m + 8 + TRAPS_BODY_SCAN + 5, "vacation", 8);
	traps_classify(m, n, 0, &v);
	assert_int_equal(v.cls, TRAPS_SPAM);
	memcpy(m + 8 + TRAPS_BODY_SCAN - 100, "vacation", 8);
	traps_classify(m, n, 0, &v);
	assert_int_equal(v.cls, TRAPS_BACKSCATTER);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_msgid),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
