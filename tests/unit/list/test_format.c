/* test_format.c: the list file line parser and text helpers (list/format.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/addr.h"
#include "core/buf.h"
#include "list/list.h"

/*
 * One case: lines fed in order to one parser (state carries over); the
 * last line's result is checked. want: the entries as text,
 * "[!]prefix code txt" joined by " | ", or "ERR" for -1, or "" for none.
 */
struct pcase {
	const char	*name;
	int		 fmt;
	const char	*lines[4];
	const char	*want;
};

static void
render(const struct list_entry *e, int n, char *out, size_t size)
{
	char	net[ADDR_TEXT_MAX], one[700];
	int	i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		snprintf(one, sizeof(one), "%s%s%s %u.%u.%u.%u %s%s",
		    i > 0 ? " | " : "", e[i].exclude ? "!" : "",
		    addr_format(&e[i].prefix, net, sizeof(net)),
		    e[i].code >> 24, (e[i].code >> 16) & 0xff,
		    (e[i].code >> 8) & 0xff, e[i].code & 0xff,
		    e[i].txt != NULL ? e[i].txt : "-",
		    e[i].expires_at != 0 ? " exp" : "");
		strncat(out, one, size - strlen(out) - 1);
	}
}

static void
test_parse_table(void **state)
{
	static const struct pcase t[] = {
	    /* ip4set addresses */
	    { "ip4set /32", LIST_FMT_IP4SET, { "192.0.2.1" },
	      "192.0.2.1 0.0.0.0 -" },
	    { "ip4set 3 octets is /24", LIST_FMT_IP4SET, { "192.0.2" },
	      "192.0.2.0/24 0.0.0.0 -" },
	    { "ip4set 2 octets is /16", LIST_FMT_IP4SET, { "10.1" },
	      "10.1.0.0/16 0.0.0.0 -" },
	    { "ip4set bare number refused", LIST_FMT_IP4SET, { "10" }, "ERR" },
	    { "ip4set 127/8", LIST_FMT_IP4SET, { "127/8" },
	      "127.0.0.0/8 0.0.0.0 -" },
	    { "ip4set CIDR", LIST_FMT_IP4SET, { "192.0.2.0/24" },
	      "192.0.2.0/24 0.0.0.0 -" },
	    { "ip4set short CIDR", LIST_FMT_IP4SET, { "127.16/12" },
	      "127.16.0.0/12 0.0.0.0 -" },
	    { "ip4set /0", LIST_FMT_IP4SET, { "0.0.0.0/0" },
	      "0.0.0.0/0 0.0.0.0 -" },
	    { "ip4set host bits", LIST_FMT_IP4SET, { "192.0.2.1/24" }, "ERR" },
	    { "ip4set /33", LIST_FMT_IP4SET, { "192.0.2.0/33" }, "ERR" },
	    { "ip4set octet > 255", LIST_FMT_IP4SET, { "192.0.256.1" }, "ERR" },
	    { "ip4set 5 octets", LIST_FMT_IP4SET, { "1.2.3.4.5" }, "ERR" },
	    { "ip4set trailing dot", LIST_FMT_IP4SET, { "1.2.3." }, "ERR" },
	    { "ip4set junk", LIST_FMT_IP4SET, { "1.2.3.4x" }, "ERR" },
	    { "ip4set range", LIST_FMT_IP4SET, { "10.0.0.1-10.0.0.6" },
	      "10.0.0.1 0.0.0.0 - | 10.0.0.2/31 0.0.0.0 - | "
	      "10.0.0.4/31 0.0.0.0 - | 10.0.0.6 0.0.0.0 -" },
	    { "ip4set range last octet", LIST_FMT_IP4SET, { "127.0.0.0-255" },
	      "127.0.0.0/24 0.0.0.0 -" },
	    { "ip4set prefix range", LIST_FMT_IP4SET, { "127.16-127.31" },
	      "127.16.0.0/12 0.0.0.0 -" },
	    { "ip4set prefix range suffix", LIST_FMT_IP4SET, { "127.16-31" },
	      "127.16.0.0/12 0.0.0.0 -" },
	    { "ip4set whole space", LIST_FMT_IP4SET,
	      { "0.0.0.0-255.255.255.255" }, "0.0.0.0/0 0.0.0.0 -" },
	    { "ip4set backwards range", LIST_FMT_IP4SET,
	      { "10.0.0.9-10.0.0.1" }, "ERR" },
	    { "ip4set mixed range", LIST_FMT_IP4SET, { "1.2-1.2.3.4" }, "ERR" },
	    /* values */
	    { "per-line A and TXT", LIST_FMT_IP4SET,
	      { "192.0.2.1 :127.0.0.3:open relay" },
	      "192.0.2.1 127.0.0.3 open relay" },
	    { "A shorthand", LIST_FMT_IP4SET, { "192.0.2.1 :5:x" },
	      "192.0.2.1 127.0.0.5 x" },
	    { "value glued to address", LIST_FMT_IP4SET, { "192.0.2.1:4:y" },
	      "192.0.2.1 127.0.0.4 y" },
	    { "TXT only", LIST_FMT_IP4SET, { "192.0.2.1 spam source" },
	      "192.0.2.1 0.0.0.0 spam source" },
	    { "trailing comment", LIST_FMT_IP4SET, { "192.0.2.1 ; why" },
	      "192.0.2.1 0.0.0.0 -" },
	    { "bad A value", LIST_FMT_IP4SET, { "192.0.2.1 :x:y" }, "ERR" },
	    { "A zero", LIST_FMT_IP4SET, { "192.0.2.1 :0.0.0.0:y" }, "ERR" },
	    { "A then junk", LIST_FMT_IP4SET, { "192.0.2.1 :3 x" }, "ERR" },
	    { "default value", LIST_FMT_IP4SET,
	      { ":127.0.0.4:default text", "192.0.2.1" },
	      "192.0.2.1 127.0.0.4 default text" },
	    { "default A, own TXT", LIST_FMT_IP4SET,
	      { ":127.0.0.4:default text", "192.0.2.1 mine" },
	      "192.0.2.1 127.0.0.4 mine" },
	    { "own A, default TXT", LIST_FMT_IP4SET,
	      { ":127.0.0.4:default text", "192.0.2.1 :6" },
	      "192.0.2.1 127.0.0.6 default text" },
	    { "own A, no TXT", LIST_FMT_IP4SET,
	      { ":127.0.0.4:default text", "192.0.2.1 :6:" },
	      "192.0.2.1 127.0.0.6 -" },
	    { "bad default line", LIST_FMT_IP4SET, { ":nope:x" }, "ERR" },
	    /* rbldnsd's "$" is the queried address: "$ip" in the reason. */
	    { "dollar on the entry's line", LIST_FMT_IP4SET,
	      { "192.0.2.0/24 see http://x/?$ for $$5" },
	      "192.0.2.0/24 0.0.0.0 see http://x/?$ip for $5" },
	    { "dollar of a default line", LIST_FMT_IP4SET,
	      { ":2:see http://x/?$ $$", "192.0.2.1" },
	      "192.0.2.1 127.0.0.2 see http://x/?$ip $" },
	    { "a literal dollar before ip stays escaped", LIST_FMT_IP4SET,
	      { "192.0.2.1 $$ip $$$$ $$$ $$" },
	      "192.0.2.1 0.0.0.0 $$ip $$$ $$$ip $" },
	    { "an undefined variable stays as is", LIST_FMT_IP4SET,
	      { "192.0.2.1 a $7 b" }, "192.0.2.1 0.0.0.0 a $7 b" },
	    { "a variable's dollar is literal", LIST_FMT_IP4SET,
	      { "$1 cost $ip", "192.0.2.1 $1 $" },
	      "192.0.2.1 0.0.0.0 cost $$ip $ip" },
	    { "variables", LIST_FMT_IP4SET,
	      { "$1 See http://bl.example", "$2 for details",
		"192.0.2.3 $1/relay/$ $2" },
	      "192.0.2.3 0.0.0.0 See http://bl.example/relay/$ip "
	      "for details" },
	    { "base template", LIST_FMT_IP4SET,
	      { "$= See http://x/?$= ($)", "192.0.2.2 r123" },
	      "192.0.2.2 0.0.0.0 See http://x/?r123 ($ip)" },
	    { "base template opt-out", LIST_FMT_IP4SET,
	      { "$= See http://x/?$= ($)", "192.0.2.4 =Other $" },
	      "192.0.2.4 0.0.0.0 Other $ip" },
	    /* exclusions, comments, specials */
	    { "exclusion", LIST_FMT_IP4SET, { "!192.0.2.5" },
	      "!192.0.2.5 0.0.0.0 -" },
	    { "exclusion value ignored", LIST_FMT_IP4SET,
	      { "! 192.0.2.0/25 :3:x" }, "!192.0.2.0/25 0.0.0.0 -" },
	    { "comment #", LIST_FMT_IP4SET, { "# 192.0.2.1" }, "" },
	    { "comment ;", LIST_FMT_IP4SET, { "; 192.0.2.1" }, "" },
	    { "blank", LIST_FMT_IP4SET, { "   \t " }, "" },
	    { "CRLF", LIST_FMT_IP4SET, { "192.0.2.1\r" },
	      "192.0.2.1 0.0.0.0 -" },
	    { "SOA skipped", LIST_FMT_IP4SET,
	      { "$SOA 0 ns.x. h.x. 0 1h 1h 1d 1h" }, "" },
	    { "#$NS skipped", LIST_FMT_IP4SET, { "#$NS 0 ns.x." }, "" },
	    { "unknown special", LIST_FMT_IP4SET, { "$FOO bar" }, "ERR" },
	    { "control character", LIST_FMT_IP4SET, { "192.0.2.1 a\x01z" },
	      "ERR" },
	    { "expires", LIST_FMT_IP4SET,
	      { "#@expires 2030-01-01T00:00:00Z", "192.0.2.1" },
	      "192.0.2.1 0.0.0.0 - exp" },
	    { "expires never", LIST_FMT_IP4SET,
	      { "#@expires @1900000000", "#@expires never", "192.0.2.1" },
	      "192.0.2.1 0.0.0.0 -" },
	    { "expires relative refused", LIST_FMT_IP4SET,
	      { "#@expires +7d" }, "ERR" },
	    /* ip4trie */
	    { "ip4trie CIDR", LIST_FMT_IP4TRIE, { "10.0.0.0/8 :3:x" },
	      "10.0.0.0/8 127.0.0.3 x" },
	    { "ip4trie prefix", LIST_FMT_IP4TRIE, { "10.1.2" },
	      "10.1.2.0/24 0.0.0.0 -" },
	    { "ip4trie no ranges", LIST_FMT_IP4TRIE, { "10.0.0.1-10.0.0.2" },
	      "ERR" },
	    { "ip4trie no IPv6", LIST_FMT_IP4TRIE, { "2001:db8::1" }, "ERR" },
	    /* ip6trie */
	    { "ip6trie address", LIST_FMT_IP6TRIE, { "2001:db8::1" },
	      "2001:db8::1 0.0.0.0 -" },
	    { "ip6trie CIDR", LIST_FMT_IP6TRIE, { "2605:6001:42::/52 x" },
	      "2605:6001:42::/52 0.0.0.0 x" },
	    { "ip6trie short form", LIST_FMT_IP6TRIE, { "2001:21ab:c000/36" },
	      "2001:21ab:c000::/36 0.0.0.0 -" },
	    { "ip6trie groups give the length", LIST_FMT_IP6TRIE,
	      { "2001:21ab:def7:4242 :127.0.1.3: smells" },
	      "2001:21ab:def7:4242::/64 127.0.1.3 smells" },
	    { "ip6trie exclusion", LIST_FMT_IP6TRIE, { "!2605:6001:42::bead" },
	      "!2605:6001:42::bead 0.0.0.0 -" },
	    { "ip6trie comment after", LIST_FMT_IP6TRIE,
	      { "::1   # localhost" }, "::1 0.0.0.0 -" },
	    { "ip6trie no IPv4", LIST_FMT_IP6TRIE, { "192.0.2.1" }, "ERR" },
	    { "ip6trie garbage", LIST_FMT_IP6TRIE, { "2001:zz::" }, "ERR" },
	    { "ip6trie /129", LIST_FMT_IP6TRIE, { "2001:db8::/129" }, "ERR" },
	    /* plain */
	    { "plain v4", LIST_FMT_PLAIN, { "192.0.2.1" },
	      "192.0.2.1 0.0.0.0 -" },
	    { "plain v6 CIDR", LIST_FMT_PLAIN, { "2001:db8::/32 # why" },
	      "2001:db8::/32 0.0.0.0 -" },
	    { "plain no values", LIST_FMT_PLAIN, { "192.0.2.1 text" }, "ERR" },
	    { "plain no exclusions", LIST_FMT_PLAIN, { "!192.0.2.1" }, "ERR" },
	    { "plain no ip4set short forms", LIST_FMT_PLAIN, { "10.1" },
	      "ERR" },
	    { "plain comment", LIST_FMT_PLAIN, { "# x" }, "" },
	};
	struct list_entry	 e[LIST_LINE_ENTRIES];
	char			 got[4096];
	size_t			 i, j;
	int			 fails = 0, n = 0;
	const char		*msg;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct list_parser	*p = list_parser_new(t[i].fmt);

		assert_non_null(p);
		for (j = 0; j < 4 && t[i].lines[j] != NULL; j++)
			n = list_parse_line(p, t[i].lines[j],
			    strlen(t[i].lines[j]), e, &msg);
		if (n < 0) {
			snprintf(got, sizeof(got), "ERR");
			if (msg == NULL) {
				print_error("%s: -1 without a message\n",
				    t[i].name);
				fails++;
			}
		} else
			render(e, n, got, sizeof(got));
		if (strcmp(got, t[i].want) != 0) {
			print_error("%s: got \"%s\" (%s), want \"%s\"\n",
			    t[i].name, got, n < 0 ? msg : "ok", t[i].want);
			fails++;
		}
		list_parser_free(p);
	}
	assert_int_equal(fails, 0);
}

static void
test_limits(void **state)
{
	struct list_parser	*p = list_parser_new(LIST_FMT_IP4SET);
	struct list_entry	 e[LIST_LINE_ENTRIES];
	static char		 line[LIST_LINE_MAX + 10];
	const char		*msg;
	int			 n;

	(void)state;
	/* Not NUL-terminated: only len bytes are read. */
	n = list_parse_line(p, "192.0.2.1 text", 9, e, &msg);
	assert_int_equal(n, 1);
	assert_null(e[0].txt);
	/* A NUL inside the line is a control character. */
	n = list_parse_line(p, "192.0.2.1\0x", 11, e, &msg);
	assert_int_equal(n, -1);
	/* Too long. */
	memset(line, 'a', sizeof(line));
	n = list_parse_line(p, line, LIST_LINE_MAX + 1, e, &msg);
	assert_int_equal(n, -1);
	/* A TXT over LIST_TXT_MAX is refused, not cut. */
	memcpy(line, "192.0.2.1 ", 10);
	memset(line + 10, 'b', LIST_TXT_MAX);
	n = list_parse_line(p, line, 10 + LIST_TXT_MAX, e, &msg);
	assert_int_equal(n, -1);
	/* Expansion past the limit is refused too. */
	for (n = 0; n < LIST_TXT_MAX - 2; n++)
		line[10 + n] = n % 2 == 0 ? '$' : 'x';
	n = list_parse_line(p, line, 10 + LIST_TXT_MAX - 2, e, &msg);
	assert_int_equal(n, -1);
	/* The widest range yields at most 62 CIDRs, each with its text. */
	n = list_parse_line(p, "0.0.0.1-255.255.255.254 at $", 28, e, &msg);
	assert_int_equal(n, 62);
	assert_string_equal(e[0].txt, "at $ip");
	assert_string_equal(e[61].txt, "at $ip");
	assert_null(list_parser_new(LIST_FMT_BIND));
	list_parser_free(NULL);
	list_parser_free(p);
}

static void
test_names_and_text(void **state)
{
	struct sbuf	b;
	char		buf[64], big[600];
	size_t		i;

	(void)state;
	assert_int_equal(list_format_parse("ip4set"), LIST_FMT_IP4SET);
	assert_int_equal(list_format_parse("bind"), LIST_FMT_BIND);
	assert_int_equal(list_format_parse("csv"), -1);
	assert_string_equal(list_format_name(LIST_FMT_IP6TRIE), "ip6trie");
	assert_string_equal(list_escape_rbldnsd("a $5 \x01z", buf,
	    sizeof(buf)), "a $$5 z");
	assert_string_equal(list_escape_rbldnsd("$$$$", buf, 5), "$$$$");
	/* The reason's "$ip" is rbldnsd's "$"; "$$" stays one '$'. */
	assert_string_equal(list_escape_rbldnsd("at $ip, $$ip $$", buf,
	    sizeof(buf)), "at $, $$ip $$");

	sbuf_init(&b);
	list_bind_txt(&b, "say \"hi\" \\ \x7f", 12);
	assert_string_equal(b.s, "\"say \\\"hi\\\" \\\\ \\127\"");
	sbuf_reset(&b);
	list_bind_txt(&b, "", 0);
	assert_string_equal(b.s, "\"\"");
	/* 600 bytes: strings of 255, 255 and 90. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = 'x';
	sbuf_reset(&b);
	list_bind_txt(&b, big, sizeof(big));
	assert_int_equal(b.len, 600 + 3 * 2 + 2);
	assert_int_equal(b.s[256], '"');
	assert_int_equal(b.s[257], ' ');
	assert_int_equal(b.s[258], '"');
	sbuf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_names_and_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
