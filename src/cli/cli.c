/*
 * cli.c: what every subcommand shares: the one error-line format (and
 * getopt's complaints in it) and the actor name written into history and
 * audit rows.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"

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

const char *
cli_actor(char *buf, unsigned size)
{
	struct passwd	*pw = getpwuid(getuid());

	snprintf(buf, size, "cli:%s", pw != NULL ? pw->pw_name : "?");
	return buf;
}
