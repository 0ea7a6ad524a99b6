/*
 * test_record.c: the DMARC record parser (dmarc/record.c). The RFC 7489
 * section 6.3 and appendix B examples, the defaults, v=DMARC1 first and
 * case-sensitive, the section 6.6.3 step 6 rule for a bad or missing p
 * or sp (p=none with a valid rua, else no record), the np tag of RFC
 * 9091, bad optional values falling back to their defaults, and hostile
 * bytes (NUL, controls, over-long records, too many tags).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dmarc/dmarc.h"

#define N	DMARC_POLICY_NONE
#define Q	DMARC_POLICY_QUARANTINE
#define R	DMARC_POLICY_REJECT
#define RX	DMARC_ALIGN_RELAXED
#define ST	DMARC_ALIGN_STRICT

static const struct {
	const char		*name;
	const char		*in;
	enum dmarc_rec_status	 want;
	enum dmarc_policy	 p, sp, np;
	enum dmarc_align	 adkim, aspf;
	int			 pct;
	int			 p_assumed;
	const char		*rua;
} table[] = {
	/* RFC 7489 appendix B.2.1 to B.2.4 and section 6.3. */
	{ "B.2.1", "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com",
	    DMARC_REC_OK, N, N, N, RX, RX, 100, 0,
	    "mailto:dmarc-feedback@example.com" },
	{ "B.2.3", "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com;"
	    " ruf=mailto:auth-reports@thirdparty.example.net",
	    DMARC_REC_OK, N, N, N, RX, RX, 100, 0,
	    "mailto:dmarc-feedback@example.com" },
	{ "B.2.4 pct", "v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@"
	    "example.com,mailto:tld-test@thirdparty.example.net!10m; pct=25",
	    DMARC_REC_OK, Q, Q, Q, RX, RX, 25, 0, NULL },
	{ "minimal", "v=DMARC1; p=reject", DMARC_REC_OK, R, R, R, RX, RX,
	    100, 0, "" },
	{ "no spaces, final ;", "v=DMARC1;p=reject;", DMARC_REC_OK, R, R, R,
	    RX, RX, 100, 0, NULL },
	{ "spaces around =", "v = DMARC1 ;  p = quarantine ; sp = none",
	    DMARC_REC_OK, Q, N, N, RX, RX, 100, 0, NULL },
	{ "sp and np", "v=DMARC1; p=none; sp=quarantine; np=reject",
	    DMARC_REC_OK, N, Q, R, RX, RX, 100, 0, NULL },
	{ "np defaults to sp", "v=DMARC1; p=none; sp=reject",
	    DMARC_REC_OK, N, R, R, RX, RX, 100, 0, NULL },
	{ "strict", "v=DMARC1; p=reject; adkim=s; aspf=s", DMARC_REC_OK,
	    R, R, R, ST, ST, 100, 0, NULL },
	{ "tag names and keywords in any case",
	    "v=DMARC1; P=REJECT; ADKIM=S; Aspf=r; PCT=0", DMARC_REC_OK,
	    R, R, R, ST, RX, 0, 0, NULL },
	{ "p after other tags", "v=DMARC1; pct=50; p=reject", DMARC_REC_OK,
	    R, R, R, RX, RX, 50, 0, NULL },
	{ "unknown tags ignored", "v=DMARC1; p=reject; t=y; psd=n; x=",
	    DMARC_REC_OK, R, R, R, RX, RX, 100, 0, NULL },
	{ "tag without = ignored", "v=DMARC1; p=reject; garbage",
	    DMARC_REC_OK, R, R, R, RX, RX, 100, 0, NULL },
	{ "repeated tag: the first counts", "v=DMARC1; p=reject; p=none",
	    DMARC_REC_OK, R, R, R, RX, RX, 100, 0, NULL },
	{ "bad pct ignored", "v=DMARC1; p=reject; pct=101", DMARC_REC_OK,
	    R, R, R, RX, RX, 100, 0, NULL },
	{ "pct not a number", "v=DMARC1; p=reject; pct=5x", DMARC_REC_OK,
	    R, R, R, RX, RX, 100, 0, NULL },
	{ "pct negative", "v=DMARC1; p=reject; pct=-1", DMARC_REC_OK,
	    R, R, R, RX, RX, 100, 0, NULL },
	{ "pct 0", "v=DMARC1; p=reject; pct=0", DMARC_REC_OK,
	    R, R, R, RX, RX, 0, 0, NULL },
	{ "bad adkim ignored", "v=DMARC1; p=reject; adkim=x; aspf=strict",
	    DMARC_REC_OK, R, R, R, RX, RX, 100, 0, NULL },
	{ "bad np ignored", "v=DMARC1; p=reject; sp=quarantine; np=bogus",
	    DMARC_REC_OK, R, Q, Q, RX, RX, 100, 0, NULL },
	/* Section 6.6.3 step 6. */
	{ "no p, valid rua: p=none", "v=DMARC1; rua=mailto:a@example.com",
	    DMARC_REC_OK, N, N, N, RX, RX, 100, 1, NULL },
	{ "bad p, valid rua: p=none",
	    "v=DMARC1; p=bogus; rua=mailto:a@example.com",
	    DMARC_REC_OK, N, N, N, RX, RX, 100, 1, NULL },
	{ "bad sp, valid rua: p=none",
	    "v=DMARC1; p=reject; sp=bogus; rua=mailto:a@example.com",
	    DMARC_REC_OK, N, N, N, RX, RX, 100, 1, NULL },
	{ "no p, no rua", "v=DMARC1; sp=reject", DMARC_REC_INVALID,
	    0, 0, 0, 0, 0, 0, 0, NULL },
	{ "bad p, bad rua", "v=DMARC1; p=bogus; rua=not a uri",
	    DMARC_REC_INVALID, 0, 0, 0, 0, 0, 0, 0, NULL },
	{ "bad sp, no rua", "v=DMARC1; p=reject; sp=bogus",
	    DMARC_REC_INVALID, 0, 0, 0, 0, 0, 0, 0, NULL },
	{ "rua with a bad URI among good", "v=DMARC1; rua=mailto:a@x.org,"
	    "nocolon", DMARC_REC_INVALID, 0, 0, 0, 0, 0, 0, 0, NULL },
	{ "rua size suffix", "v=DMARC1; rua=mailto:a@x.org!10k",
	    DMARC_REC_OK, N, N, N, RX, RX, 100, 1, NULL },
	{ "rua bad size suffix", "v=DMARC1; rua=mailto:a@x.org!k",
	    DMARC_REC_INVALID, 0, 0, 0, 0, 0, 0, 0, NULL },
	{ "v only", "v=DMARC1", DMARC_REC_INVALID, 0, 0, 0, 0, 0, 0, 0,
	    NULL },
	{ "v only with ;", "v=DMARC1;", DMARC_REC_INVALID, 0, 0, 0, 0, 0, 0,
	    0, NULL },
	/* Not DMARC records (section 6.6.3 step 4). */
	{ "empty", "", DMARC_REC_NOT_DMARC, 0, 0, 0, 0, 0, 0, 0, NULL },
	{ "SPF", "v=spf1 -all", DMARC_REC_NOT_DMARC, 0, 0, 0, 0, 0, 0, 0,
	    NULL },
	{ "v not first", "p=reject; v=DMARC1", DMARC_REC_NOT_DMARC,
	    0, 0, 0, 0, 0, 0, 0, NULL },
	{ "version is case-sensitive", "v=dmarc1; p=reject",
	    DMARC_REC_NOT_DMARC, 0, 0, 0, 0, 0, 0, 0, NULL },
	{ "V= upper case", "V=DMARC1; p=reject", DMARC_REC_NOT_DMARC,
	    0, 0, 0, 0, 0, 0, 0, NULL },
	{ "DMARC10", "v=DMARC10; p=reject", DMARC_REC_NOT_DMARC,
	    0, 0, 0, 0, 0, 0, 0, NULL },
	{ "DMARC2", "v=DMARC2; p=reject", DMARC_REC_NOT_DMARC,
	    0, 0, 0, 0, 0, 0, 0, NULL },
	{ "space before v", " v=DMARC1; p=reject", DMARC_REC_OK,
	    R, R, R, RX, RX, 100, 0, NULL },
	{ "no =", "vDMARC1; p=reject", DMARC_REC_NOT_DMARC,
	    0, 0, 0, 0, 0, 0, 0, NULL },
	{ "DMARC1 then junk", "v=DMARC1 p=reject", DMARC_REC_NOT_DMARC,
	    0, 0, 0, 0, 0, 0, 0, NULL },
};

static void
test_table(void **state)
{
	struct dmarc_record	 rec;
	enum dmarc_rec_status	 st;
	const char		*why;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		st = dmarc_record_parse(table[i].in, strlen(table[i].in),
		    &rec, &why);
		if (st != table[i].want)
			fail_msg("%s: got status %d (%s), want %d",
			    table[i].name, st, why != NULL ? why : "-",
			    table[i].want);
		if (st != DMARC_REC_OK)
			continue;
		if (rec.p != table[i].p || rec.sp != table[i].sp ||
		    rec.np != table[i].np)
			fail_msg("%s: got p=%s sp=%s np=%s, want %s %s %s",
			    table[i].name, dmarc_policy_name(rec.p),
			    dmarc_policy_name(rec.sp),
			    dmarc_policy_name(rec.np),
			    dmarc_policy_name(table[i].p),
			    dmarc_policy_name(table[i].sp),
			    dmarc_policy_name(table[i].np));
		if (rec.adkim != table[i].adkim || rec.aspf != table[i].aspf)
			fail_msg("%s: got adkim %d aspf %d, want %d %d",
			    table[i].name, rec.adkim, rec.aspf,
			    table[i].adkim, table[i].aspf);
		if (rec.pct != table[i].pct)
			fail_msg("%s: got pct %d, want %d", table[i].name,
			    rec.pct, table[i].pct);
		if (rec.p_assumed != table[i].p_assumed)
			fail_msg("%s: got p_assumed %d, want %d",
			    table[i].name, rec.p_assumed,
			    table[i].p_assumed);
		if (table[i].rua != NULL && strcmp(rec.rua, table[i].rua) != 0)
			fail_msg("%s: got rua '%s', want '%s'", table[i].name,
			    rec.rua, table[i].rua);
	}
}

static void
test_defaults_and_text(void **state)
{
	struct dmarc_record	 rec;
	const char		*why;
	const char		*in;

	(void)state;
	in = "v=DMARC1; p=none";
	assert_int_equal(dmarc_record_parse(in, strlen(in), &rec, &why),
	    DMARC_REC_OK);
	assert_null(why);
	assert_string_equal(rec.fo, "0");
	assert_string_equal(rec.rf, "afrf");
	assert_int_equal(rec.ri, 86400);
	assert_string_equal(rec.ruf, "");

	in = "v=DMARC1; p=none; fo=1:d : s; rf=afrf:iodef; ri=3600";
	assert_int_equal(dmarc_record_parse(in, strlen(in), &rec, &why),
	    DMARC_REC_OK);
	assert_string_equal(rec.fo, "1:d : s");
	assert_string_equal(rec.rf, "afrf:iodef");
	assert_int_equal(rec.ri, 3600);

	/* Bad optional values: the defaults, and a note. */
	in = "v=DMARC1; p=none; fo=2; rf=a_b; ri=99999999999";
	assert_int_equal(dmarc_record_parse(in, strlen(in), &rec, &why),
	    DMARC_REC_OK);
	assert_non_null(why);
	assert_string_equal(rec.fo, "0");
	assert_string_equal(rec.rf, "afrf");
	assert_int_equal(rec.ri, 86400);
}

static void
test_hostile(void **state)
{
	struct dmarc_record	 rec;
	char			*big;
	size_t			 n, i;
	static const char	 nul[] = "v=DMARC1; p=reject\0; p=none";
	static const char	 ctl[] = "v=DMARC1; p=reject; "
				    "rua=mailto:a@x.org\r\nX-Evil: 1";

	(void)state;
	/*
	 * A NUL is just a byte: the p holding it is no valid p, and the
	 * repeated p after it does not count.
	 */
	assert_int_equal(dmarc_record_parse(nul, sizeof(nul) - 1, &rec, NULL),
	    DMARC_REC_INVALID);
	/* Control bytes never reach the kept rua text. */
	assert_int_equal(dmarc_record_parse(ctl, sizeof(ctl) - 1, &rec, NULL),
	    DMARC_REC_OK);
	assert_string_equal(rec.rua, "");
	/* An over-long rua is cut, the record still parses. */
	n = DMARC_URIS_MAX * 3;
	big = malloc(n + 64);
	assert_non_null(big);
	memcpy(big, "v=DMARC1; p=reject; rua=mailto:", 31);
	memset(big + 31, 'a', n);
	assert_int_equal(dmarc_record_parse(big, 31 + n, &rec, NULL),
	    DMARC_REC_OK);
	assert_int_equal(strlen(rec.rua), DMARC_URIS_MAX);
	/* Past DMARC_RECORD_MAX nothing is read: a p there does not count. */
	n = DMARC_RECORD_MAX + 100;
	big = realloc(big, n + 32);
	assert_non_null(big);
	memcpy(big, "v=DMARC1; x=", 12);
	memset(big + 12, 'x', n - 12);
	memcpy(big + n, "; p=reject", 10);
	assert_int_equal(dmarc_record_parse(big, n + 10, &rec, NULL),
	    DMARC_REC_INVALID);
	/* Too many tags: the ones past DMARC_TAGS_MAX are not read. */
	memcpy(big, "v=DMARC1;", 9);
	n = 9;
	for (i = 0; i + 1 < DMARC_TAGS_MAX; i++) {
		memcpy(big + n, "x=1;", 4);
		n += 4;
	}
	memcpy(big + n, "p=reject", 8);
	assert_int_equal(dmarc_record_parse(big, n + 8, &rec, NULL),
	    DMARC_REC_OK);
	memcpy(big + n, "x=1;p=reject", 12);
	assert_int_equal(dmarc_record_parse(big, n + 12, &rec, NULL),
	    DMARC_REC_INVALID);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_defaults_and_text),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
