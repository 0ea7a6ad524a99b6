/*
 * cli.c: what every subcommand shares: the one error-line format (and
 * getopt's complaints in it) and the actor name written into history and
 * audit rows.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/str.h"
#include "core/xmalloc.h"

const char	*cli_command;

void
cli_err(const char *cmd, const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	if (cmd == NULL)
		cmd = cli_command;
	if (cmd != NULL)
		fprintf(stderr, "fairlist: %s: ", cmd);
	else
		fprintf(stderr, "fairlist: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cli_opt_err(const char *cmd, int ch, char **argv)
{
	const char	*bad = argv[optind - 1];

	if (ch == ':')
		cli_err(cmd, "option '%s' needs a value (see 'fairlist %s "
		    "--help')", bad, cmd);
	else if (optopt != 0)
		cli_err(cmd, "unknown option '-%c' (see 'fairlist %s --help')",
		    optopt, cmd);
	else
		cli_err(cmd, "unknown option '%s' (see 'fairlist %s --help')",
		    bad, cmd);
	return 2;
}

int
cli_operands(const char *cmd, int n, const char *what)
{
	if (what == NULL ? n == 0 : n == 1)
		return 0;
	if (what == NULL)
		cli_err(cmd, "no arguments expected (see 'fairlist %s --help')",
		    cmd);
	else
		cli_err(cmd, n == 0 ? "which %s? (see 'fairlist %s --help')" :
		    "one %s at a time (see 'fairlist %s --help')", what, cmd);
	return 2;
}

const char *
cli_actor(char *buf, unsigned size)
{
	struct passwd	*pw = getpwuid(getuid());

	snprintf(buf, size, "cli:%s", pw != NULL ? pw->pw_name : "?");
	return buf;
}

const char *
cli_esc(char *dst, size_t dstsize, const char *s)
{
	if (s == NULL)
		return "";
	return str_escape(dst, dstsize, s, strlen(s));
}

json_t *
cli_json_time(int64_t t)
{
	char	buf[32];

	if (t == 0)
		return json_null();
	return json_string(str_isotime(buf, sizeof(buf), t));
}

int
cli_json_print(json_t *root, int oneline)
{
	size_t	flags = JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12);
	int	rc = 0;

	flags |= oneline ? JSON_COMPACT | JSON_ENSURE_ASCII : JSON_INDENT(2);
	if (root == NULL || json_dumpf(root, stdout, flags) == -1)
		rc = -1;
	else
		fputc('\n', stdout);
	json_decref(root);
	return rc;
}
