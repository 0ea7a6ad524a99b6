/*
 * cmd_status.c: `fairlist status [--json]`: the running daemon's state,
 * asked over its control socket (src/daemon/control.c), and where that
 * socket is (control { socket }, cli_control_path).
 *
 * Sends "status\n", reads one JSON object (at most STATUS_ANSWER_MAX
 * bytes, within STATUS_TIMEOUT_S) and prints it as text or, with --json,
 * as it came. Exit 0, or 1 when the daemon cannot be reached, refuses, or
 * answers something that is not a status; 2 for bad usage.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "core/conf.h"
#include "core/str.h"
#include "core/xmalloc.h"

#define STATUS_ANSWER_MAX	(8u << 20)	/* bytes of JSON */
#define STATUS_TIMEOUT_S	10

int
cli_control_path(const struct conf *cf, const char *db, char **path,
    int *explicit)
{
	static const char *const keys[] = { "socket", NULL };
	const struct conf_node	*blk = NULL, *n;
	const char		*v = NULL;
	char			 err[256];

	if (cf != NULL && (blk = conf_find(cf->root, "control")) != NULL) {
		if (conf_check_keys(cf, blk, keys, err, sizeof(err)) == -1) {
			cli_err(NULL, "%s", err);
			return -1;
		}
		for (n = blk->child; n != NULL; n = n->next) {
			if (n->nargs != 1 || n->child != NULL ||
			    n->args[0][0] == '\0' || v != NULL) {
				cli_err(NULL, "%s:%d: control: socket takes "
				    "one value, once (a path, or off)",
				    cf->path, n->line);
				return -1;
			}
			v = n->args[0];
			if (strcmp(v, "off") != 0 && strlen(v) >=
			    sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
				cli_err(NULL, "%s:%d: control: socket path "
				    "longer than %zu bytes", cf->path, n->line,
				    sizeof(((struct sockaddr_un *)NULL)->
				    sun_path) - 1);
				return -1;
			}
		}
	}
	if (explicit != NULL)
		*explicit = v != NULL;
	if (path == NULL)
		return 0;
	if (v == NULL)
		xasprintf(path, "%s.control", db != NULL ? db : CLI_DEFAULT_DB);
	else
		*path = strcmp(v, "off") == 0 ? NULL : xstrdup(v);
	return 0;
}

/* The answer to "status\n" on path, parsed; NULL after the error line. */
static json_t *
ask(const char *path)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { STATUS_TIMEOUT_S, 0 };
	json_error_t		 je;
	json_t			*j;
	char			*buf;
	size_t			 len = 0, cap = 65536;
	ssize_t			 n;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (str_lcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		cli_err("status", "%s: path too long for a socket", path);
		return NULL;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		cli_err("status", "socket: %s", strerror(errno));
		return NULL;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			cli_err("status", "no daemon answers on %s (is "
			    "'fairlist serve' running with this --db or "
			    "control { socket }?)", path);
		else if (errno == EACCES || errno == EPERM)
			cli_err("status", "%s: %s (only root and the daemon's "
			    "user may ask)", path, strerror(errno));
		else
			cli_err("status", "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	/* A daemon that refuses answers and closes without reading. */
	if (send(fd, "status\n", 7, MSG_NOSIGNAL) != 7 && errno != EPIPE &&
	    errno != ECONNRESET) {
		cli_err("status", "%s: cannot send: %s", path,
		    strerror(errno));
		close(fd);
		return NULL;
	}
	buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap >= STATUS_ANSWER_MAX)
				break;
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		if ((n = read(fd, buf + len, cap - len)) <= 0) {
			/* A whole answer then a reset: the answer counts. */
			if (n < 0 && errno == ECONNRESET && len > 0 &&
			    buf[len - 1] == '\n')
				n = 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (n < 0) {
		cli_err("status", "%s: %s", path, errno == EAGAIN ?
		    "no answer in time" : strerror(errno));
		free(buf);
		return NULL;
	}
	if (n > 0) {
		cli_err("status", "%s: answer longer than %u bytes", path,
		    STATUS_ANSWER_MAX);
		free(buf);
		return NULL;
	}
	j = json_loadb(buf, len, 0, &je);
	free(buf);
	if (j == NULL || !json_is_object(j)) {
		cli_err("status", "%s: not a status answer (%s)", path,
		    j == NULL ? je.text : "not an object");
		json_decref(j);
		return NULL;
	}
	if (json_is_string(json_object_get(j, "error"))) {
		cli_err("status", "the daemon refused: %s",
		    json_string_value(json_object_get(j, "error")));
		json_decref(j);
		return NULL;
	}
	return j;
}

/* A JSON scalar as text, escaped for the terminal, into dst. */
static const char *
scalar(const json_t *v, char *dst, size_t size)
{
	char	tmp[256];

	if (json_is_string(v))
		return cli_esc(dst, size, json_string_value(v));
	if (json_is_integer(v))
		snprintf(tmp, sizeof(tmp), "%lld",
		    (long long)json_integer_value(v));
	else if (json_is_true(v) || json_is_false(v))
		snprintf(tmp, sizeof(tmp), "%s", json_is_true(v) ? "yes" :
		    "no");
	else if (json_is_null(v))
		snprintf(tmp, sizeof(tmp), "-");
	else
		snprintf(tmp, sizeof(tmp), "?");
	snprintf(dst, size, "%s", tmp);
	return dst;
}

static const char *
field(const json_t *o, const char *key, char *dst, size_t size)
{
	return scalar(json_object_get(o, key), dst, size);
}

static void
print_text(const json_t *j)
{
	json_t		*a, *o, *v, *snap = json_object_get(j, "snapshot");
	const char	*k;
	char		 b1[512], b2[512], b3[512], b4[64], b5[64];
	json_int_t	 up = json_integer_value(json_object_get(j,
			     "uptime_s"));
	size_t		 i, m;

	printf("fairlist %s, pid %s, user %s\n", field(j, "version", b1,
	    sizeof(b1)), field(j, "pid", b2, sizeof(b2)), field(j, "user",
	    b3, sizeof(b3)));
	printf("up %lldd %02lld:%02lld:%02lld, since %s\n",
	    (long long)(up / 86400), (long long)(up / 3600 % 24),
	    (long long)(up / 60 % 60), (long long)(up % 60),
	    field(j, "started", b1, sizeof(b1)));
	printf("snapshot: generation %s, published %s (%s s ago), %s zones, "
	    "%s entries\n", field(snap, "generation", b1, sizeof(b1)),
	    field(snap, "published", b2, sizeof(b2)), field(snap, "age_s",
	    b3, sizeof(b3)), field(snap, "zones", b4, sizeof(b4)),
	    field(snap, "entries", b5, sizeof(b5)));
	json_array_foreach(json_object_get(j, "services"), i, o) {
		printf("service %s:", field(o, "name", b1, sizeof(b1)));
		json_array_foreach(json_object_get(o, "listen"), m, v)
			printf(" %s", scalar(v, b1, sizeof(b1)));
		printf("\n");
	}
	json_array_foreach(json_object_get(j, "zones"), i, o)
		printf("zone %s: serial %s, %s entries\n", field(o, "name", b1,
		    sizeof(b1)), field(o, "serial", b2, sizeof(b2)),
		    field(o, "entries", b3, sizeof(b3)));
	a = json_object_get(j, "secondaries");
	if (json_array_size(a) == 0)
		printf("secondaries: none\n");
	json_array_foreach(a, i, o) {
		printf("secondary %s zone %s:", field(o, "address", b1,
		    sizeof(b1)), field(o, "zone", b2, sizeof(b2)));
		json_object_foreach(o, k, v) {
			if (strcmp(k, "address") == 0 || strcmp(k, "zone") == 0)
				continue;
			printf(" %s=%s", cli_esc(b1, sizeof(b1), k),
			    scalar(v, b2, sizeof(b2)));
		}
		printf("\n");
	}
}

static void
status_usage(FILE *f)
{
	fprintf(f,
"usage: fairlist [--db PATH] [--config FILE] status [--json]\n"
"\n"
"Ask the running daemon ('fairlist serve' with the same --db or\n"
"configuration) over its control socket (control { socket }, default\n"
"<db>.control): its version and uptime, its services and their addresses,\n"
"the published snapshot (generation, age), every zone with its serial and\n"
"entries (listings in force and the 2 test points), and the secondaries.\n"
"Only root and the daemon's user may ask.\n"
"\n"
"  --json   the answer as one JSON object (docs/CLI.md)\n");
}

int
cmd_status(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	json_t	*j;
	char	*path;
	int	 ch, json = 0, rc;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":jh", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			status_usage(stdout);
			return 0;
		default:
			return cli_opt_err("status", ch, argv);
		}
	}
	if ((rc = cli_operands("status", argc - optind, NULL)) != 0)
		return rc;
	if (cli_control_path(c->conf, c->db, &path, NULL) == -1)
		return 1;
	if (path == NULL) {
		cli_err("status", "the control socket is off (control { "
		    "socket off })");
		return 1;
	}
	j = ask(path);
	free(path);
	if (j == NULL)
		return 1;
	if (json)
		return cli_json_print(j, 0) == -1 ? 1 : 0;
	print_text(j);
	json_decref(j);
	return 0;
}
