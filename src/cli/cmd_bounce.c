/*
 * cmd_bounce.c: "fairlist bounce classify": read a bounce the way a
 * person would (src/bounce).
 *
 *   fairlist bounce classify [--json] [--text 'SMTP reply'] [FILE]
 *
 * Reads a whole message (a DSN or a non-DSN bounce) from FILE or stdin,
 * at most BOUNCE_MSG_MAX bytes of it, or takes the reply text of --text.
 * Prints the class, the action, the list and address the text names,
 * the reply and enhanced status codes, the rule that fired and one line
 * for a person. Exits 0 when classified, 1 when the class is unknown, 2
 * on bad usage or an unreadable file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bounce/bounce.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/str.h"

static void
usage_bounce(FILE *f)
{
	fprintf(f,
	    "usage: fairlist bounce classify [--json] [--text 'SMTP reply'] "
	    "[FILE]\n"
	    "\n"
	    "classify: read a bounce (an RFC 3464 DSN, an Exim, qmail,\n"
	    "Exchange or Gmail bounce) from FILE or stdin, or an SMTP reply\n"
	    "given with --text, and say what it means: class, action\n"
	    "(keep, retry, suppress), the list and address it names.\n"
	    "  --text REPLY   classify this reply text, not a message\n"
	    "  --json         print one JSON object\n"
	    "Exit status: 0 classified, 1 unknown, 2 error.\n");
}

/* Read at most BOUNCE_MSG_MAX bytes of f into b; -1 on a read error. */
static int
read_input(FILE *f, struct sbuf *b)
{
	size_t	n;

	for (;;) {
		if (b->len >= BOUNCE_MSG_MAX)
			return 0;
		sbuf_reserve(b, 65536);
		n = fread(b->s + b->len, 1, b->cap - b->len - 1 <
		    BOUNCE_MSG_MAX - b->len ? b->cap - b->len - 1 :
		    BOUNCE_MSG_MAX - b->len, f);
		b->len += n;
		b->s[b->len] = '\0';
		if (n == 0)
			return ferror(f) ? -1 : 0;
	}
}

static void
set_opt(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v[0] != '\0' ? str_json(v) :
	    json_null());
}

static int
print_json(const struct bounce_result *r)
{
	json_t	*o = json_object();

	json_object_set_new(o, "class", json_string(bounce_class_name(r->cls)));
	json_object_set_new(o, "action",
	    json_string(bounce_action_name(r->action)));
	set_opt(o, "list", r->list);
	set_opt(o, "ip", r->ip);
	set_opt(o, "reply", r->reply);
	set_opt(o, "status", r->status);
	json_object_set_new(o, "rule", str_json(r->rule));
	json_object_set_new(o, "explanation", str_json(r->explain));
	json_object_set_new(o, "dsn", json_boolean(r->dsn));
	set_opt(o, "recipient", r->recipient);
	set_opt(o, "remote_mta", r->remote_mta);
	set_opt(o, "diagnostic", r->diag);
	return cli_json_print(o, 0);
}

static void
print_line(const char *key, const char *v)
{
	char	esc[4 * 512 + 1];

	if (v != NULL && v[0] != '\0')
		printf("%-12s %s\n", key, cli_esc(esc, sizeof(esc), v));
}

static void
print_text(const struct bounce_result *r)
{
	print_line("class:", bounce_class_name(r->cls));
	print_line("action:", bounce_action_name(r->action));
	print_line("list:", r->list);
	print_line("ip:", r->ip);
	print_line("reply:", r->reply);
	print_line("status:", r->status);
	print_line("rule:", r->rule);
	print_line("recipient:", r->recipient);
	print_line("explanation:", r->explain);
}

static int
bounce_classify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "text", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct bounce_result	 r;
	struct sbuf		 b;
	const char		*text = NULL;
	FILE			*f = stdin;
	int			 ch, json = 0, rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 't': text = optarg; break;
		case 'h':
			usage_bounce(stdout);
			return 0;
		default:
			return cli_opt_err("bounce classify", ch, argv);
		}
	}
	if (argc - optind > 1 || (text != NULL && argc - optind > 0)) {
		cli_err("bounce classify", "unexpected argument '%s' (see "
		    "'fairlist bounce classify --help')",
		    argv[argc - 1]);
		return 2;
	}
	if (text != NULL)
		bounce_classify_text(text, strlen(text), &r);
	else {
		if (optind < argc && strcmp(argv[optind], "-") != 0 &&
		    (f = fopen(argv[optind], "rb")) == NULL) {
			cli_err("bounce classify", "%s: %s", argv[optind],
			    strerror(errno));
			return 2;
		}
		sbuf_init(&b);
		rc = read_input(f, &b);
		if (f != stdin)
			fclose(f);
		if (rc == -1) {
			cli_err("bounce classify", "%s: read error",
			    optind < argc ? argv[optind] : "stdin");
			sbuf_free(&b);
			return 2;
		}
		bounce_classify_message(b.s != NULL ? b.s : "", b.len, &r);
		sbuf_free(&b);
	}
	if (json) {
		if (print_json(&r) == -1) {
			cli_err("bounce classify", "cannot print JSON");
			return 2;
		}
	} else
		print_text(&r);
	return r.cls == BOUNCE_UNKNOWN ? 1 : 0;
}

int
cmd_bounce(struct cli *c, int argc, char **argv)
{
	(void)c;
	if (argc < 2) {
		cli_err("bounce", "classify? (see 'fairlist bounce --help')");
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage_bounce(stdout);
		return 0;
	}
	if (strcmp(argv[1], "classify") == 0)
		return bounce_classify(argc - 1, argv + 1);
	cli_err("bounce", "unknown subcommand '%s' (classify)", argv[1]);
	return 2;
}
