/* test_sockaddr.c: addresses with ports as text (core/sockaddr.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/sockaddr.h"

static const struct {
	const char	*in;
	int		 defport;	/* -1: the port is required */
	const char	*want;		/* sa_format of the result, or NULL */
} cases[] = {
	{ "127.0.0.1:5300", 53, "127.0.0.1:5300" },
	{ "127.0.0.1", 5300, "127.0.0.1:5300" },
	{ "127.0.0.1", -1, NULL },
	{ "[::1]:10040", -1, "[::1]:10040" },
	{ "[::1]", 5300, "[::1]:5300" },
	{ "[::1]", -1, NULL },
	{ "::1", 5300, "[::1]:5300" },
	{ "::1", -1, NULL },
	{ "2001:db8::1:53", -1, NULL },		/* ambiguous: needs [] */
	{ "0.0.0.0:0", -1, "0.0.0.0:0" },
	{ "127.0.0.1:65535", -1, "127.0.0.1:65535" },
	{ "127.0.0.1:65536", -1, NULL },
	{ "127.0.0.1:-1", -1, NULL },
	{ "127.0.0.1:", 5300, NULL },
	{ "127.0.0.1:53x", -1, NULL },
	{ ":53", -1, NULL },
	{ "", 5300, NULL },
	{ "[]:53", -1, NULL },
	{ "[::1]x", 5300, NULL },
	{ "[::1", 5300, NULL },
	{ "[127.0.0.1]:53", -1, "127.0.0.1:53" },
	{ "localhost:53", -1, NULL },		/* names are not resolved */
	{ "unix:/run/x", -1, NULL },
	{ "1.2.3.4.5:53", -1, NULL },
	{ "[0123456789012345678901234567890123456789012345678]:1", -1, NULL },
};

static void
test_parse(void **state)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	char			got[SA_TEXT_MAX];
	size_t			i;
	int			rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = sa_parse(cases[i].in, cases[i].defport, &ss, &len);
		if (cases[i].want == NULL) {
			if (rc != -1)
				fail_msg("%s: got success, want an error",
				    cases[i].in);
			continue;
		}
		if (rc != 0)
			fail_msg("%s: got an error, want %s", cases[i].in,
			    cases[i].want);
		sa_format((struct sockaddr *)&ss, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", cases[i].in, got,
			    cases[i].want);
		if (len != (ss.ss_family == AF_INET ? 16u : 28u))
			fail_msg("%s: got length %u", cases[i].in,
			    (unsigned)len);
	}
}

static void
test_format_other(void **state)
{
	struct sockaddr_storage	ss;
	char			got[SA_TEXT_MAX];

	(void)state;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	sa_format((struct sockaddr *)&ss, got, sizeof(got));
	assert_string_equal(got, "?");
}

/* Server lists as the command line and the configuration give them. */
static const struct {
	const char	*in;
	int		 ok;
} servers[] = {
	{ "127.0.0.1", 1 },
	{ "127.0.0.1:5353", 1 },
	{ "[::1]:5353", 1 },
	{ "::1", 1 },
	{ "127.0.0.1:5353,[::1]:53,192.0.2.1", 1 },
	{ "8.8.8.8.8", 0 },
	{ "1.2.3.4.5.6", 0 },
	{ "127.0.0.1.5", 0 },
	{ "127.0.0.1:0", 0 },
	{ "[::1]:0", 0 },
	{ "127.1", 0 },
	{ "127.0.0.1:99999", 0 },
	{ "[127.0.0.1]:53", 0 },		/* brackets hold IPv6 */
	{ "localhost", 0 },
	{ "", 0 },
	{ "127.0.0.1,", 0 },
	{ ",127.0.0.1", 0 },
	{ "127.0.0.1,,127.0.0.2", 0 },
	{ "127.0.0.1:5353,127.1", 0 },
};

static void
test_servers(void **state)
{
	char	err[128];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(servers) / sizeof(servers[0]); i++) {
		err[0] = '\0';
		rc = sa_servers_check(servers[i].in, 53, err, sizeof(err));
		if (servers[i].ok && rc != 0)
			fail_msg("'%s': got '%s', want accepted",
			    servers[i].in, err);
		if (!servers[i].ok && (rc != -1 ||
		    strstr(err, "bad DNS server") == NULL))
			fail_msg("'%s': got %d '%s', want refused",
			    servers[i].in, rc, err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_format_other),
		cmocka_unit_test(test_servers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
