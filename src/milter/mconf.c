/*
 * mconf.c: the `milter { }` block of the configuration (docs/MILTER.md,
 * docs/CONFIG.md).
 *
 *	milter {
 *		listen 127.0.0.1:8891		# or unix:/PATH; repeatable
 *		socket-mode 0660
 *		sign {
 *			key example.org s1 /etc/fairlist/keys/s1.private
 *			networks 127.0.0.0/8 ::1/128
 *			headers from:to:subject	# h=; default RFC 6376 5.4
 *			canon relaxed/relaxed
 *			subdomains no
 *		}
 *		verify yes
 *		dmarc { reject no }
 *		authserv-id mx.example.org
 *		timeout 10s
 *		fail-open accept		# or tempfail
 *		idle-timeout 1h
 *		clients 1024
 *		workers 4			# default: one per CPU
 *	}
 *
 * Strict, like the policy block: an unknown key, a bad value or a
 * repeated single key is an error naming the file and line. No block: the
 * milter is off. A block without listen listens on 127.0.0.1:8891, the
 * port OpenDKIM's Debian package uses. No I/O except gethostname().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/conf.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "milter/milter.h"

#define MCONF_DEFAULT_LISTEN	"127.0.0.1:8891"

struct mctx {
	const struct conf	*cf;
	struct milter_conf	*mc;
	char			*err;
	size_t			 errlen;
};

static const char *const top_keys[] = {
	"listen", "socket-mode", "sign", "verify", "dmarc", "authserv-id",
	"timeout", "fail-open", "idle-timeout", "clients", "workers", NULL
};
static const char *const sign_keys[] = {
	"key", "networks", "headers", "canon", "subdomains", NULL
};
static const char *const dmarc_keys[] = { "reject", NULL };

/* Single-valued keys: each may appear once in its block. */
static const char *const single_keys[] = {
	"socket-mode", "sign", "verify", "dmarc", "authserv-id", "timeout",
	"fail-open", "idle-timeout", "clients", "workers", "headers", "canon",
	"subdomains", "reject", NULL
};

/* Unknown or repeated keys in block n. */
static int
check_block(struct mctx *x, const struct conf_node *n,
    const char *const *keys)
{
	const struct conf_node	*k;
	size_t			 i;

	if (conf_check_keys(x->cf, n, keys, x->err, x->errlen) == -1)
		return -1;
	for (k = n->child; k != NULL; k = k->next)
		for (i = 0; single_keys[i] != NULL; i++)
			if (strcmp(k->name, single_keys[i]) == 0 &&
			    conf_next(k) != NULL)
				return conf_err(x->cf, conf_next(k), x->err,
				    x->errlen, "%s given twice", k->name);
	return 0;
}

/* One value and no block; a block key: no values and a block. */
static int
want_args(struct mctx *x, const struct conf_node *k, int min, int max)
{
	if (k->child != NULL)
		return conf_err(x->cf, k, x->err, x->errlen,
		    "%s takes no { } block", k->name);
	if (k->nargs < min || k->nargs > max)
		return conf_err(x->cf, k, x->err, x->errlen,
		    min == max ? "%s takes %d value(s)" :
		    "%s takes %d or more values", k->name, min);
	return 0;
}

static int
want_block(struct mctx *x, const struct conf_node *k)
{
	if (k->nargs != 0 || k->child == NULL)
		return conf_err(x->cf, k, x->err, x->errlen,
		    "%s takes a { } block and no values", k->name);
	return 0;
}

static int
get_yesno(struct mctx *x, const struct conf_node *k, int *out)
{
	if (want_args(x, k, 1, 1) == -1)
		return -1;
	if (strcmp(k->args[0], "yes") == 0 || strcmp(k->args[0], "no") == 0) {
		*out = k->args[0][0] == 'y';
		return 0;
	}
	return conf_err(x->cf, k, x->err, x->errlen, "%s takes yes or no",
	    k->name);
}

static int
get_secs(struct mctx *x, const struct conf_node *k, int64_t min,
    int64_t max, int64_t *out)
{
	if (want_args(x, k, 1, 1) == -1)
		return -1;
	if (str_duration(k->args[0], out) == -1 || *out < min || *out > max)
		return conf_err(x->cf, k, x->err, x->errlen, "%s: '%s' is not "
		    "a duration of %lld..%lld seconds", k->name, k->args[0],
		    (long long)min, (long long)max);
	return 0;
}

/* Lower-case copy of a domain without its trailing dot. */
static char *
domain_dup(const char *d)
{
	char	*s = xstrdup(d), *p;
	size_t	 n = strlen(s);

	if (n > 0 && s[n - 1] == '.')
		s[n - 1] = '\0';
	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static int
read_key(struct mctx *x, const struct conf_node *k)
{
	struct milter_key_conf	*kc;
	char			 e[256];
	char			*dom;
	int			 i;

	if (want_args(x, k, 3, 3) == -1)
		return -1;
	if (x->mc->nkeys >= MILTER_KEYS_MAX)
		return conf_err(x->cf, k, x->err, x->errlen, "more than %d "
		    "keys", MILTER_KEYS_MAX);
	dom = domain_dup(k->args[0]);
	if (dkim_names_check(k->args[1], dom, e, sizeof(e)) == -1) {
		free(dom);
		return conf_err(x->cf, k, x->err, x->errlen, "key: %s", e);
	}
	for (i = 0; i < x->mc->nkeys; i++)
		if (strcmp(x->mc->keys[i].domain, dom) == 0 &&
		    strcmp(x->mc->keys[i].selector, k->args[1]) == 0) {
			free(dom);
			return conf_err(x->cf, k, x->err, x->errlen, "key: "
			    "selector %s of %s given twice", k->args[1],
			    k->args[0]);
		}
	kc = &x->mc->keys[x->mc->nkeys++];
	kc->domain = dom;
	kc->selector = xstrdup(k->args[1]);
	kc->path = xstrdup(k->args[2]);
	return 0;
}

static int
read_networks(struct mctx *x, const struct conf_node *k)
{
	const char	*e;
	int		 i;

	if (want_args(x, k, 1, CONF_ARGS_MAX) == -1)
		return -1;
	for (i = 0; i < k->nargs; i++) {
		if (x->mc->nnetworks >= MILTER_NETWORKS_MAX)
			return conf_err(x->cf, k, x->err, x->errlen, "more "
			    "than %d networks", MILTER_NETWORKS_MAX);
		if (addr_parse(k->args[i], &x->mc->networks[x->mc->nnetworks],
		    &e) == -1)
			return conf_err(x->cf, k, x->err, x->errlen,
			    "networks: '%s': %s", k->args[i], e);
		x->mc->nnetworks++;
	}
	return 0;
}

/*
 * h= as written: names of letters, digits and '-', separated by ':'
 * (spaces allowed around them), "from" among them (RFC 6376 5.4).
 */
static int
read_headers(struct mctx *x, const struct conf_node *k)
{
	struct sbuf	 b;
	const char	*p;
	int		 i, from = 0;
	size_t		 n;

	if (want_args(x, k, 1, CONF_ARGS_MAX) == -1)
		return -1;
	sbuf_init(&b);
	for (i = 0; i < k->nargs; i++) {
		if (i > 0)
			sbuf_addc(&b, ':');
		sbuf_adds(&b, k->args[i]);
	}
	for (p = b.s; *p != '\0'; p += n) {
		p += strspn(p, ": ");
		n = strcspn(p, ": ");
		if (n == 0)
			break;
		if (strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") < n) {
			sbuf_free(&b);
			return conf_err(x->cf, k, x->err, x->errlen, "headers: "
			    "'%.*s' is not a header name", (int)n, p);
		}
		if (n == 4 && strncasecmp(p, "from", 4) == 0)
			from = 1;
	}
	if (!from || b.len > MILTER_HEADERS_MAX) {
		sbuf_free(&b);
		return conf_err(x->cf, k, x->err, x->errlen, "headers: must "
		    "name From, within %d bytes", MILTER_HEADERS_MAX);
	}
	x->mc->headers = b.s;
	return 0;
}

static int
read_sign(struct mctx *x, const struct conf_node *n)
{
	const struct conf_node	*k;
	int			 r = 0;

	if (want_block(x, n) == -1 || check_block(x, n, sign_keys) == -1)
		return -1;
	for (k = n->child; k != NULL && r == 0; k = k->next) {
		if (strcmp(k->name, "key") == 0)
			r = read_key(x, k);
		else if (strcmp(k->name, "networks") == 0)
			r = read_networks(x, k);
		else if (strcmp(k->name, "headers") == 0)
			r = read_headers(x, k);
		else if (strcmp(k->name, "subdomains") == 0)
			r = get_yesno(x, k, &x->mc->subdomains);
		else if ((r = want_args(x, k, 1, 1)) == 0 &&
		    (dkim_canon_parse(k->args[0], strlen(k->args[0]),
		    &x->mc->hcanon, &x->mc->bcanon) == -1 ||
		    strchr(k->args[0], '/') == NULL))
			r = conf_err(x->cf, k, x->err, x->errlen, "canon: '%s' "
			    "is not HEADER/BODY of simple or relaxed",
			    k->args[0]);
	}
	return r;
}

static int
read_listen(struct mctx *x, const struct conf_node *k)
{
	if (want_args(x, k, 1, 1) == -1)
		return -1;
	if (x->mc->nlisten >= MILTER_LISTEN_MAX)
		return conf_err(x->cf, k, x->err, x->errlen, "more than %d "
		    "listen addresses", MILTER_LISTEN_MAX);
	x->mc->listen[x->mc->nlisten++] = xstrdup(k->args[0]);
	return 0;
}

/* Every key of the block but listen and sign. */
static int
read_other(struct mctx *x, const struct conf_node *k)
{
	struct milter_conf	*mc = x->mc;
	const char		*e;
	int64_t			 v;

	if (strcmp(k->name, "verify") == 0)
		return get_yesno(x, k, &mc->verify);
	if (strcmp(k->name, "dmarc") == 0) {
		if (want_block(x, k) == -1 ||
		    check_block(x, k, dmarc_keys) == -1)
			return -1;
		return get_yesno(x, k->child, &mc->dmarc_reject);
	}
	if (strcmp(k->name, "timeout") == 0) {
		if (get_secs(x, k, 1, MILTER_TIMEOUT_MAX_MS / 1000, &v) == -1)
			return -1;
		mc->timeout_ms = (int)v * 1000;
		return 0;
	}
	if (strcmp(k->name, "idle-timeout") == 0) {
		if (get_secs(x, k, 1, 86400, &v) == -1)
			return -1;
		mc->idle_s = (int)v;
		return 0;
	}
	if (want_args(x, k, 1, 1) == -1)
		return -1;
	if (strcmp(k->name, "authserv-id") == 0) {
		if (!str_dnsname_ok(k->args[0], strlen(k->args[0])) ||
		    strlen(k->args[0]) > MILTER_AUTHSERV_MAX)
			return conf_err(x->cf, k, x->err, x->errlen,
			    "authserv-id: '%s' is not a host name", k->args[0]);
		str_lcpy(mc->authserv_id, k->args[0], sizeof(mc->authserv_id));
		return 0;
	}
	if (strcmp(k->name, "fail-open") == 0) {
		if (strcmp(k->args[0], "accept") == 0)
			mc->fail_open = MILTER_FAIL_ACCEPT;
		else if (strcmp(k->args[0], "tempfail") == 0)
			mc->fail_open = MILTER_FAIL_TEMPFAIL;
		else
			return conf_err(x->cf, k, x->err, x->errlen,
			    "fail-open takes accept or tempfail");
		return 0;
	}
	if (strcmp(k->name, "socket-mode") == 0) {
		v = strtol(k->args[0], NULL, 8);
		if (strspn(k->args[0], "01234567") != strlen(k->args[0]) ||
		    k->args[0][0] == '\0' || v > 0777)
			return conf_err(x->cf, k, x->err, x->errlen,
			    "socket-mode: '%s' is not an octal mode",
			    k->args[0]);
		mc->socket_mode = (int)v;
		return 0;
	}
	if (strcmp(k->name, "workers") == 0) {
		v = str_tonum(k->args[0], 0, MILTER_WORKERS_MAX, &e);
		if (e != NULL)
			return conf_err(x->cf, k, x->err, x->errlen,
			    "workers: '%s' is %s (want 0..%d)", k->args[0],
			    e, MILTER_WORKERS_MAX);
		mc->workers = (int)v;
		return 0;
	}
	/* clients */
	v = str_tonum(k->args[0], 1, MILTER_CLIENTS_MAX, &e);
	if (e != NULL)
		return conf_err(x->cf, k, x->err, x->errlen, "clients: '%s' "
		    "is %s (want 1..%d)", k->args[0], e, MILTER_CLIENTS_MAX);
	mc->clients = (int)v;
	return 0;
}

int
milter_conf_read(const struct conf *cf, const struct conf_node *node,
    struct milter_conf *mc, char *err, size_t errlen)
{
	struct mctx		 x = { cf, mc, err, errlen };
	const struct conf_node	*k;
	int			 r = 0;

	memset(mc, 0, sizeof(*mc));
	mc->socket_mode = 0660;
	mc->hcanon = DKIM_CANON_RELAXED;
	mc->bcanon = DKIM_CANON_RELAXED;
	mc->verify = 1;
	mc->timeout_ms = MILTER_TIMEOUT_MS;
	mc->fail_open = MILTER_FAIL_ACCEPT;
	mc->idle_s = MILTER_IDLE_S;
	mc->clients = MILTER_CLIENTS;
	mc->workers = MILTER_WORKERS_CPUS;
	if (gethostname(mc->authserv_id, sizeof(mc->authserv_id)) == -1 ||
	    !str_dnsname_ok(mc->authserv_id, strlen(mc->authserv_id)))
		str_lcpy(mc->authserv_id, "localhost", sizeof(mc->authserv_id));
	if (node == NULL)
		return 0;
	if (node->nargs != 0)
		return conf_err(cf, node, err, errlen, "milter takes a { } "
		    "block and no values");
	if (node->child != NULL && check_block(&x, node, top_keys) == -1)
		return -1;
	for (k = node->child; k != NULL && r == 0; k = k->next) {
		if (strcmp(k->name, "listen") == 0)
			r = read_listen(&x, k);
		else if (strcmp(k->name, "sign") == 0)
			r = read_sign(&x, k);
		else
			r = read_other(&x, k);
	}
	if (r == 0 && conf_next(node) != NULL)
		r = conf_err(cf, conf_next(node), err, errlen,
		    "milter given twice");
	if (r == 0 && mc->nlisten == 0)
		mc->listen[mc->nlisten++] = xstrdup(MCONF_DEFAULT_LISTEN);
	if (r == -1)
		milter_conf_free(mc);
	return r;
}

void
milter_conf_free(struct milter_conf *mc)
{
	int	i;

	for (i = 0; i < mc->nlisten; i++)
		free(mc->listen[i]);
	for (i = 0; i < mc->nkeys; i++) {
		free(mc->keys[i].domain);
		free(mc->keys[i].selector);
		free(mc->keys[i].path);
	}
	free(mc->headers);
	memset(mc, 0, sizeof(*mc));
}
