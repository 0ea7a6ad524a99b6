/*
 * pconf.c: the `policy { }` block of the configuration (docs/CONFIG.md).
 *
 * Reads the generic conf tree strictly: an unknown key, a repeated
 * single-valued key, a bad number, an unknown preset, a bad DNSBL site or
 * a template that policy_reply_check() refuses is an error naming the
 * file and line, so a typo stops the daemon at startup instead of
 * silently weakening (or tightening) the gatekeeper. A NULL node gives
 * the defaults: listen on POLICY_DEFAULT_LISTEN, exempt loopback and
 * private networks, SASL clients, postmaster@ and abuse@, every zone of
 * the store as a blocklist (local_store), no remote lists, SPF checked
 * and recorded but never rejecting. A block starts from the same
 * defaults without local_store: only its own allowlist and blocklist
 * lines are local lists.
 *
 * `confirm-check yes` (default no) answers request=confirm_check on the
 * policy socket (confirm.c), with the limits of the configuration's
 * confirm { } block, read here then (confirm_conf_read, strict too).
 *
 * Keys are handled in file order, so `dnsbl` and `preset` lines add their
 * sites in the order written. Strings in the result are owned by it and
 * freed by policy_conf_free(). No I/O except gethostname().
 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/conf.h"
#include "core/sockaddr.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "policy/policy.h"

#define PCONF_LISTEN_MAX	8		/* policy_conf.listen[] */
#define PCONF_DEADLINE_MAX	600000		/* ms: Postfix waits 100 s */
#define PCONF_LOOKUP_MIN	10		/* ms */
#define PCONF_LOOKUP_MAX	60000		/* ms */
#define PCONF_IDLE_MAX		86400		/* s */
#define PCONF_CLIENTS_MAX	100000
#define PCONF_THRESHOLD_MAX	10000
#define PCONF_TTL_MAX		604800		/* s: a week */
#define PCONF_PROBE_MAX		86400		/* s */
#define PCONF_LOCALPART_MAX	64		/* RFC 5321 section 4.5.3.1.1 */
#define PCONF_ADDRESS_MAX	254		/* RFC 5321 section 4.5.3.1.3 */
#define PCONF_FIELD_MAX		64		/* our cap on a header name */
#define PCONF_SERVERS_MAX	512		/* bytes of a server list */

/* The networks exempt by default: loopback and private ranges. */
_Static_assert(sizeof(((struct policy_conf *)0)->listen) ==
    PCONF_LISTEN_MAX * sizeof(char *), "PCONF_LISTEN_MAX");

static const char *const default_exempt[] = {
	"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12",
	"192.168.0.0/16", "fc00::/7", "fe80::/10", NULL
};

static const char *const action_names[] = {
	"dunno", "reject", "defer", "tag", "report"
};

static const char *const state_names[] = {
	"connect", "helo", "mail", "rcpt", "data", "end-of-message", NULL
};

struct pctx {
	const struct conf	*cf;
	struct policy_conf	*pc;
	char			*err;
	size_t			 errlen;
	int			 listen_seen;	/* the default is replaced */
	int			 listen_off;
	int			 exempt_seen;
	int			 rcpt_seen;
};

/* Write "file:line: message" for node k. Returns -1. */
static int __attribute__((format(printf, 3, 4)))
bad(struct pctx *x, const struct conf_node *k, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	n = snprintf(x->err, x->errlen, "%s:%d: ",
	    x->cf != NULL && x->cf->path != NULL ? x->cf->path : "config",
	    k != NULL ? k->line : 0);
	if (n < 0 || (size_t)n >= x->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Every child of k must be one of keys (conf_check_keys, but with our
 * message format and without needing cf).
 */
static int
check_keys(struct pctx *x, const struct conf_node *k,
    const char *const *keys)
{
	const struct conf_node	*c;
	int			 i;

	for (c = k->child; c != NULL; c = c->next) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(c->name, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return bad(x, c, "unknown key '%s'", c->name);
	}
	return 0;
}

static int
one_arg(struct pctx *x, const struct conf_node *k)
{
	if (k->nargs != 1)
		return bad(x, k, "%s takes one value", k->name);
	return 0;
}

static int
no_block(struct pctx *x, const struct conf_node *k)
{
	if (k->child != NULL)
		return bad(x, k, "%s takes no { } block", k->name);
	return 0;
}

/* A plain key: one value, no block. */
static int
plain(struct pctx *x, const struct conf_node *k)
{
	if (no_block(x, k) == -1 || one_arg(x, k) == -1)
		return -1;
	return 0;
}

static int
get_int(struct pctx *x, const struct conf_node *k, long long min,
    long long max, int *out)
{
	const char	*e;
	long long	 v;

	if (plain(x, k) == -1)
		return -1;
	v = str_tonum(k->args[0], min, max, &e);
	if (e != NULL)
		return bad(x, k, "%s: '%s' is %s (want %lld..%lld)", k->name,
		    k->args[0], e, min, max);
	*out = (int)v;
	return 0;
}

/* Seconds, with an optional unit s m h d w (str_duration). */
static int
get_secs(struct pctx *x, const struct conf_node *k, long long max, int *out)
{
	int64_t	v;

	if (plain(x, k) == -1)
		return -1;
	if (str_duration(k->args[0], &v) == -1 || v < 0 || v > max)
		return bad(x, k, "%s: '%s' is not a duration of 0..%lld "
		    "seconds", k->name, k->args[0], max);
	*out = (int)v;
	return 0;
}

static int
get_bool(struct pctx *x, const struct conf_node *k, int *out)
{
	if (plain(x, k) == -1)
		return -1;
	if (strcmp(k->args[0], "yes") == 0)
		*out = 1;
	else if (strcmp(k->args[0], "no") == 0)
		*out = 0;
	else
		return bad(x, k, "%s takes yes or no", k->name);
	return 0;
}

/* An action; dunno_ok allows "dunno". */
static int
get_action(struct pctx *x, const struct conf_node *k, int dunno_ok,
    enum policy_action *out)
{
	int	i;

	if (plain(x, k) == -1)
		return -1;
	for (i = dunno_ok ? 0 : 1; i <= POLICY_REPORT; i++) {
		if (strcmp(k->args[0], action_names[i]) == 0) {
			*out = (enum policy_action)i;
			return 0;
		}
	}
	return bad(x, k, "%s: unknown action '%s' (want %sreject, defer, tag "
	    "or report)", k->name, k->args[0], dunno_ok ? "dunno, " : "");
}

static int
get_template(struct pctx *x, const struct conf_node *k, char **out)
{
	char	why[128];

	if (plain(x, k) == -1)
		return -1;
	if (policy_reply_check(k->args[0], why, sizeof(why)) == -1)
		return bad(x, k, "%s: %s", k->name, why);
	free(*out);
	*out = xstrdup(k->args[0]);
	return 0;
}

/* A server list: the arguments joined by ','; each element checked. */
static int
get_servers(struct pctx *x, const struct conf_node *k, char **out)
{
	struct sbuf	 b;
	const char	*s, *comma;
	size_t		 n;
	int		 i;

	if (no_block(x, k) == -1)
		return -1;
	if (k->nargs < 1)
		return bad(x, k, "%s takes ADDR[:PORT][,...]", k->name);
	sbuf_init(&b);
	for (i = 0; i < k->nargs; i++) {
		for (s = k->args[i]; ; s = comma + 1) {
			comma = strchr(s, ',');
			n = comma != NULL ? (size_t)(comma - s) : strlen(s);
			if (!sa_server_ok(s, n, 53)) {
				sbuf_free(&b);
				return bad(x, k, "%s: bad DNS server '%.*s' "
				    "(want ADDR[:PORT] or [V6]:PORT)",
				    k->name, n > 64 ? 64 : (int)n, s);
			}
			if (b.len > 0)
				sbuf_addc(&b, ',');
			sbuf_add(&b, s, n);
			if (comma == NULL)
				break;
		}
	}
	if (b.len > PCONF_SERVERS_MAX) {
		sbuf_free(&b);
		return bad(x, k, "%s: server list too long", k->name);
	}
	free(*out);
	*out = xstrdup(b.s);
	sbuf_free(&b);
	return 0;
}

/* A listen address: "ADDR:PORT", "[V6]:PORT" or "unix:/PATH". */
static int
listen_ok(const char *s)
{
	struct sockaddr_un	 su;
	size_t			 len = strlen(s);

	if (strncmp(s, "unix:", 5) == 0)
		return s[5] == '/' && len - 5 < sizeof(su.sun_path) &&
		    !str_has_ctl(s, len);
	return sa_server_ok(s, len, -1);
}

static int
key_listen(struct pctx *x, const struct conf_node *k)
{
	struct policy_conf	*pc = x->pc;
	int			 i;

	if (no_block(x, k) == -1)
		return -1;
	if (k->nargs < 1)
		return bad(x, k, "listen takes ADDR:PORT, [V6]:PORT, "
		    "unix:/PATH or off");
	if (!x->listen_seen) {
		for (i = 0; i < pc->nlisten; i++) {
			free(pc->listen[i]);
			pc->listen[i] = NULL;
		}
		pc->nlisten = 0;
		x->listen_seen = 1;
	}
	for (i = 0; i < k->nargs; i++) {
		if (strcmp(k->args[i], "off") == 0) {
			if (k->nargs != 1 || pc->nlisten > 0)
				return bad(x, k, "listen off cannot be "
				    "combined with addresses");
			x->listen_off = 1;
			continue;
		}
		if (x->listen_off)
			return bad(x, k, "listen off cannot be combined with "
			    "addresses");
		if (!listen_ok(k->args[i]))
			return bad(x, k, "bad listen address '%s' (want "
			    "ADDR:PORT, [V6]:PORT or unix:/PATH)",
			    k->args[i]);
		if (pc->nlisten >= PCONF_LISTEN_MAX)
			return bad(x, k, "at most %d listen addresses",
			    PCONF_LISTEN_MAX);
		pc->listen[pc->nlisten++] = xstrdup(k->args[i]);
	}
	return 0;
}

static int
key_socket_mode(struct pctx *x, const struct conf_node *k)
{
	const char	*s;
	int		 v = 0;

	if (plain(x, k) == -1)
		return -1;
	s = k->args[0];
	if (*s == '\0' || strlen(s) > 4)
		return bad(x, k, "socket-mode: '%s' is not an octal mode like "
		    "0660", s);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '7')
			return bad(x, k, "socket-mode: '%s' is not an octal "
			    "mode like 0660", k->args[0]);
		v = v * 8 + (*s - '0');
	}
	if (v > 0777)
		return bad(x, k, "socket-mode: '%s' has bits beyond 0777",
		    k->args[0]);
	x->pc->socket_mode = v;
	return 0;
}

static int
key_state(struct pctx *x, const struct conf_node *k)
{
	int	i;

	if (plain(x, k) == -1)
		return -1;
	for (i = 0; state_names[i] != NULL; i++) {
		if (strcmp(k->args[0], state_names[i]) == 0) {
			x->pc->state = (enum policy_state)i;
			return 0;
		}
	}
	return bad(x, k, "state: unknown state '%s' (want connect, helo, "
	    "mail, rcpt, data or end-of-message)", k->args[0]);
}

static int
key_fail_open(struct pctx *x, const struct conf_node *k)
{
	if (plain(x, k) == -1)
		return -1;
	if (strcmp(k->args[0], "dunno") == 0)
		x->pc->fail_open = POLICY_DUNNO;
	else if (strcmp(k->args[0], "defer") == 0)
		x->pc->fail_open = POLICY_DEFER;
	else
		return bad(x, k, "fail-open takes dunno or defer");
	return 0;
}

static int
add_exempt(struct pctx *x, const struct conf_node *k, const char *s)
{
	struct policy_conf	*pc = x->pc;
	const char		*e;

	if (pc->nexempt >= POLICY_EXEMPT_MAX)
		return bad(x, k, "at most %d exempt networks",
		    POLICY_EXEMPT_MAX);
	if (addr_parse(s, &pc->exempt[pc->nexempt], &e) == -1)
		return bad(x, k, "exempt: '%s': %s", s, e);
	pc->nexempt++;
	return 0;
}

static int
key_exempt(struct pctx *x, const struct conf_node *k)
{
	int	i;

	if (no_block(x, k) == -1)
		return -1;
	if (k->nargs < 1)
		return bad(x, k, "exempt takes CIDR ... or none");
	if (!x->exempt_seen) {
		x->pc->nexempt = 0;
		x->exempt_seen = 1;
	} else if (x->exempt_seen == 2)
		return bad(x, k, "exempt none cannot be combined with "
		    "networks");
	if (strcmp(k->args[0], "none") == 0) {
		if (k->nargs != 1 || x->pc->nexempt > 0)
			return bad(x, k, "exempt none cannot be combined "
			    "with networks");
		x->exempt_seen = 2;
		return 0;
	}
	for (i = 0; i < k->nargs; i++)
		if (add_exempt(x, k, k->args[i]) == -1)
			return -1;
	return 0;
}

static void
free_rcpts(struct policy_conf *pc)
{
	int	i;

	for (i = 0; i < pc->nexempt_rcpt; i++) {
		free(pc->exempt_rcpt[i]);
		pc->exempt_rcpt[i] = NULL;
	}
	pc->nexempt_rcpt = 0;
}

/* A local part: 1..64 printable bytes, no '@', no space. */
static int
localpart_ok(const char *s)
{
	size_t	len = strlen(s), i;

	if (len == 0 || len > PCONF_LOCALPART_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '@')
			return 0;
	return 1;
}

static int
key_exempt_rcpt(struct pctx *x, const struct conf_node *k)
{
	struct policy_conf	*pc = x->pc;
	int			 i;

	if (no_block(x, k) == -1)
		return -1;
	if (k->nargs < 1)
		return bad(x, k, "exempt-recipients takes local parts "
		    "(postmaster abuse) or none");
	if (!x->rcpt_seen) {
		free_rcpts(pc);
		x->rcpt_seen = 1;
	} else if (x->rcpt_seen == 2)
		return bad(x, k, "exempt-recipients none cannot be combined "
		    "with names");
	if (strcmp(k->args[0], "none") == 0) {
		if (k->nargs != 1 || pc->nexempt_rcpt > 0)
			return bad(x, k, "exempt-recipients none cannot be "
			    "combined with names");
		x->rcpt_seen = 2;
		return 0;
	}
	for (i = 0; i < k->nargs; i++) {
		if (!localpart_ok(k->args[i]))
			return bad(x, k, "exempt-recipients: '%s' is not a "
			    "local part (the part before '@')", k->args[i]);
		if (pc->nexempt_rcpt >= POLICY_RCPT_MAX)
			return bad(x, k, "at most %d exempt recipients",
			    POLICY_RCPT_MAX);
		pc->exempt_rcpt[pc->nexempt_rcpt++] =
		    str_lower(xstrdup(k->args[i]));
	}
	return 0;
}

static int
key_removal(struct pctx *x, const struct conf_node *k)
{
	const char	*s, *at;
	size_t		 len, i;

	if (plain(x, k) == -1)
		return -1;
	s = k->args[0];
	len = strlen(s);
	at = strrchr(s, '@');
	if (len > PCONF_ADDRESS_MAX || at == NULL || at == s || at[1] == '\0')
		return bad(x, k, "removal-address: '%s' is not an address "
		    "local@domain", s);
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return bad(x, k, "removal-address: '%s' is not an "
			    "address local@domain", s);
	free(x->pc->removal_address);
	x->pc->removal_address = xstrdup(s);
	return 0;
}

/* A zone name alone (no filter, no weight), checked by the site parser. */
static int
get_zone(struct pctx *x, const struct conf_node *k, char zone[POLICY_ZONE_MAX])
{
	struct policy_site	s;
	char			why[160];

	if (one_arg(x, k) == -1)
		return -1;
	if (strpbrk(k->args[0], "=*") != NULL)
		return bad(x, k, "%s: '%s' is a zone name, not a DNSBL site",
		    k->name, k->args[0]);
	if (policy_site_parse(k->args[0], &s, why, sizeof(why)) == -1)
		return bad(x, k, "%s: %s", k->name, why);
	memcpy(zone, s.zone, POLICY_ZONE_MAX);
	return 0;
}

static int
key_local(struct pctx *x, const struct conf_node *k, int allow)
{
	static const char *const keys[] = { "action", "reply", NULL };
	struct policy_conf	*pc = x->pc;
	struct policy_local	*l;
	struct conf_node	*c;

	if (allow && no_block(x, k) == -1)
		return -1;
	if (pc->nlocal >= POLICY_LOCAL_MAX)
		return bad(x, k, "at most %d allowlist and blocklist zones",
		    POLICY_LOCAL_MAX);
	l = &pc->local[pc->nlocal];
	memset(l, 0, sizeof(*l));
	if (get_zone(x, k, l->zone) == -1)
		return -1;
	l->allow = allow;
	l->action = allow ? POLICY_DUNNO : POLICY_REJECT;
	pc->nlocal++;	/* from here on policy_conf_free frees its reply */
	if (check_keys(x, k, keys) == -1)
		return -1;
	for (c = k->child; c != NULL; c = c->next) {
		if (strcmp(c->name, "action") == 0) {
			if (get_action(x, c, 0, &l->action) == -1)
				return -1;
		} else if (get_template(x, c, &l->reply) == -1)
			return -1;
	}
	return 0;
}

/* The { server; reply; url } block of a dnsbl or preset line. */
static int
site_block(struct pctx *x, const struct conf_node *k, int first)
{
	static const char *const keys[] = { "server", "reply", "url", NULL };
	struct policy_site	*s;
	struct conf_node	*c;
	int			 i;

	if (k->child == NULL)
		return 0;
	if (check_keys(x, k, keys) == -1)
		return -1;
	for (c = k->child; c != NULL; c = c->next) {
		for (i = first; i < x->pc->nsites; i++) {
			s = &x->pc->sites[i];
			if (strcmp(c->name, "server") == 0) {
				if (get_servers(x, c, &s->server) == -1)
					return -1;
			} else if (get_template(x, c, strcmp(c->name,
			    "reply") == 0 ? &s->reply : &s->url) == -1)
				return -1;
		}
	}
	return 0;
}

/* One or more sites on a line; the block applies to each of them. */
static int
key_dnsbl(struct pctx *x, const struct conf_node *k)
{
	struct policy_conf	*pc = x->pc;
	char			 why[160];
	int			 i, first = pc->nsites;

	if (k->nargs < 1)
		return bad(x, k, "dnsbl takes zone[=filter][*weight] ...");
	for (i = 0; i < k->nargs; i++) {
		if (pc->nsites >= POLICY_SITES_MAX)
			return bad(x, k, "at most %d DNSBL sites (presets "
			    "included)", POLICY_SITES_MAX);
		if (policy_site_parse(k->args[i], &pc->sites[pc->nsites], why,
		    sizeof(why)) == -1)
			return bad(x, k, "%s", why);
		pc->nsites++;
	}
	return site_block(x, k, first);
}

static int
key_preset(struct pctx *x, const struct conf_node *k)
{
	struct policy_conf		*pc = x->pc;
	const struct policy_preset	*p;
	const struct policy_preset *const *all;
	struct sbuf			 names;
	char				 why[160];
	int				 i, first = pc->nsites;

	if (one_arg(x, k) == -1)
		return -1;
	if ((p = policy_preset_find(k->args[0])) == NULL) {
		sbuf_init(&names);
		for (all = policy_presets(); *all != NULL; all++)
			sbuf_printf(&names, "%s%s", names.len > 0 ? ", " : "",
			    (*all)->name);
		bad(x, k, "unknown preset '%s' (known: %s)", k->args[0],
		    names.s != NULL ? names.s : "");
		sbuf_free(&names);
		return -1;
	}
	for (i = 0; p->sites[i] != NULL; i++) {
		if (pc->nsites >= POLICY_SITES_MAX)
			return bad(x, k, "at most %d DNSBL sites (presets "
			    "included)", POLICY_SITES_MAX);
		if (policy_site_parse(p->sites[i], &pc->sites[pc->nsites],
		    why, sizeof(why)) == -1)
			return bad(x, k, "preset %s: %s", p->name, why);
		pc->sites[pc->nsites].label = p->labels[i];
		if (p->url != NULL)
			pc->sites[pc->nsites].url = xstrdup(p->url);
		pc->nsites++;
	}
	return site_block(x, k, first);
}

/* RFC 5322 section 3.6.8: a field name is printable ASCII but ':'. */
static int
key_tag_header(struct pctx *x, const struct conf_node *k)
{
	const char	*s;
	size_t		 len;

	if (plain(x, k) == -1)
		return -1;
	s = k->args[0];
	len = strlen(s);
	if (len == 0 || len > PCONF_FIELD_MAX)
		return bad(x, k, "tag-header: want a header name of 1..%d "
		    "bytes", PCONF_FIELD_MAX);
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~' || *s == ':')
			return bad(x, k, "tag-header: '%s' is not a header "
			    "field name", k->args[0]);
	free(x->pc->tag_header);
	x->pc->tag_header = xstrdup(k->args[0]);
	return 0;
}

/*
 * RFC 8601 section 2.5: the authserv-id is a value token; we take a host
 * name-like word (no space, ';', quotes, comments or backslashes).
 */
static int
authserv_ok(const char *s)
{
	size_t	len = strlen(s);

	if (len == 0 || len > 255)
		return 0;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~' || strchr(";()\"\\", *s) != NULL)
			return 0;
	return 1;
}

static int
key_spf(struct pctx *x, const struct conf_node *k)
{
	static const char *const keys[] = { "check", "helo", "fail-action",
	    "header", "reply", "authserv-id", NULL };
	struct policy_conf	*pc = x->pc;
	struct conf_node	*c;

	if (k->nargs != 0)
		return bad(x, k, "spf takes a { } block, not values");
	if (check_keys(x, k, keys) == -1)
		return -1;
	for (c = k->child; c != NULL; c = c->next) {
		if (strcmp(c->name, "check") == 0) {
			if (get_bool(x, c, &pc->spf) == -1)
				return -1;
		} else if (strcmp(c->name, "helo") == 0) {
			if (get_bool(x, c, &pc->spf_helo) == -1)
				return -1;
		} else if (strcmp(c->name, "fail-action") == 0) {
			if (get_action(x, c, 1, &pc->spf_fail_action) == -1)
				return -1;
		} else if (strcmp(c->name, "header") == 0) {
			if (plain(x, c) == -1)
				return -1;
			if (strcmp(c->args[0], "received-spf") == 0)
				pc->spf_header = POLICY_SPF_HDR_RECEIVED;
			else if (strcmp(c->args[0],
			    "authentication-results") == 0)
				pc->spf_header = POLICY_SPF_HDR_AR;
			else if (strcmp(c->args[0], "none") == 0)
				pc->spf_header = POLICY_SPF_HDR_NONE;
			else
				return bad(x, c, "header takes received-spf, "
				    "authentication-results or none");
		} else if (strcmp(c->name, "reply") == 0) {
			if (get_template(x, c, &pc->spf_reply) == -1)
				return -1;
		} else {
			if (plain(x, c) == -1)
				return -1;
			if (!authserv_ok(c->args[0]))
				return bad(x, c, "authserv-id: '%s' is not a "
				    "host name-like word", c->args[0]);
			free(pc->authserv_id);
			pc->authserv_id = xstrdup(c->args[0]);
		}
	}
	return 0;
}

/* The numbers and choices of a configuration without keys. */
static const struct policy_conf defaults = {
	.socket_mode = 0666,
	.deadline_ms = POLICY_DEADLINE_MS,
	.fail_open = POLICY_DUNNO,
	.state = POLICY_AT_RCPT,
	.idle_s = 300,
	.request_s = 5,
	.clients = 1000,
	.exempt_sasl = 1,
	.threshold = POLICY_THRESHOLD,
	.action = POLICY_REJECT,
	.lookup_ms = POLICY_LOOKUP_MS,
	.ttl_min = POLICY_TTL_MIN,
	.ttl_max = POLICY_TTL_MAX,
	.probe_s = POLICY_PROBE_S,
	.spf = 1,
	.spf_helo = 1,
	.spf_fail_action = POLICY_DUNNO,
	.spf_header = POLICY_SPF_HDR_RECEIVED,
	.reject_code = 554,
};

/* defaults, and the parts that are allocated or looked up. */
static void
set_defaults(struct policy_conf *pc)
{
	char		 host[256];
	const char	*e;
	int		 i;

	*pc = defaults;
	pc->listen[0] = xstrdup(POLICY_DEFAULT_LISTEN);
	pc->nlisten = 1;
	for (i = 0; default_exempt[i] != NULL; i++)
		if (addr_parse(default_exempt[i], &pc->exempt[pc->nexempt],
		    &e) == 0)
			pc->nexempt++;
	pc->exempt_rcpt[pc->nexempt_rcpt++] = xstrdup("postmaster");
	pc->exempt_rcpt[pc->nexempt_rcpt++] = xstrdup("abuse");
	/* gethostname may not terminate a truncated name. */
	memset(host, 0, sizeof(host));
	if (gethostname(host, sizeof(host) - 1) == -1 || !authserv_ok(host))
		str_lcpy(host, "localhost", sizeof(host));
	pc->authserv_id = xstrdup(host);
	pc->tag_header = xstrdup("X-Fairlist");
	/* The defaults alone cannot fail. */
	(void)confirm_conf_read(NULL, NULL, &pc->confirm, host, sizeof(host));
}

/* The keys that may appear once; the others are repeatable. */
static const char *const single_keys[] = {
	"socket-mode", "deadline", "fail-open", "state", "idle-timeout",
	"request-timeout", "clients", "exempt-sasl", "removal-address",
	"threshold", "action", "reply", "resolver", "lookup-timeout",
	"cache-min-ttl", "cache-max-ttl", "probe-interval", "spf",
	"tag-header", "reject-code", "confirm-check", NULL
};

static int
key_one(struct pctx *x, const struct conf_node *k)
{
	struct policy_conf	*pc = x->pc;
	const char		*n = k->name;

	if (strcmp(n, "listen") == 0)
		return key_listen(x, k);
	if (strcmp(n, "socket-mode") == 0)
		return key_socket_mode(x, k);
	if (strcmp(n, "deadline") == 0) {
		if (get_int(x, k, 100, PCONF_DEADLINE_MAX,
		    &pc->deadline_ms) == -1)
			return -1;
		if (pc->deadline_ms <= POLICY_MARGIN_MS + 100)
			return bad(x, k, "deadline must exceed %d ms (the "
			    "engine decides %d ms before it)",
			    POLICY_MARGIN_MS + 100, POLICY_MARGIN_MS);
		return 0;
	}
	if (strcmp(n, "fail-open") == 0)
		return key_fail_open(x, k);
	if (strcmp(n, "state") == 0)
		return key_state(x, k);
	if (strcmp(n, "idle-timeout") == 0 ||
	    strcmp(n, "request-timeout") == 0) {
		int	*secs = n[0] == 'i' ? &pc->idle_s : &pc->request_s;

		if (get_secs(x, k, PCONF_IDLE_MAX, secs) == -1)
			return -1;
		if (*secs == 0)
			return bad(x, k, "%s must be at least 1 second", n);
		return 0;
	}
	if (strcmp(n, "clients") == 0)
		return get_int(x, k, 1, PCONF_CLIENTS_MAX, &pc->clients);
	if (strcmp(n, "exempt") == 0)
		return key_exempt(x, k);
	if (strcmp(n, "exempt-sasl") == 0)
		return get_bool(x, k, &pc->exempt_sasl);
	if (strcmp(n, "exempt-recipients") == 0)
		return key_exempt_rcpt(x, k);
	if (strcmp(n, "removal-address") == 0)
		return key_removal(x, k);
	if (strcmp(n, "allowlist") == 0)
		return key_local(x, k, 1);
	if (strcmp(n, "blocklist") == 0)
		return key_local(x, k, 0);
	if (strcmp(n, "dnsbl") == 0)
		return key_dnsbl(x, k);
	if (strcmp(n, "preset") == 0)
		return key_preset(x, k);
	if (strcmp(n, "threshold") == 0)
		return get_int(x, k, 1, PCONF_THRESHOLD_MAX, &pc->threshold);
	if (strcmp(n, "action") == 0)
		return get_action(x, k, 0, &pc->action);
	if (strcmp(n, "reply") == 0)
		return get_template(x, k, &pc->dnsbl_reply);
	if (strcmp(n, "resolver") == 0)
		return get_servers(x, k, &pc->resolver);
	if (strcmp(n, "lookup-timeout") == 0)
		return get_int(x, k, PCONF_LOOKUP_MIN, PCONF_LOOKUP_MAX,
		    &pc->lookup_ms);
	if (strcmp(n, "cache-min-ttl") == 0)
		return get_secs(x, k, PCONF_TTL_MAX, &pc->ttl_min);
	if (strcmp(n, "cache-max-ttl") == 0)
		return get_secs(x, k, PCONF_TTL_MAX, &pc->ttl_max);
	if (strcmp(n, "probe-interval") == 0)
		return get_secs(x, k, PCONF_PROBE_MAX, &pc->probe_s);
	if (strcmp(n, "spf") == 0)
		return key_spf(x, k);
	if (strcmp(n, "tag-header") == 0)
		return key_tag_header(x, k);
	if (strcmp(n, "reject-code") == 0)
		return get_int(x, k, 500, 599, &pc->reject_code);
	if (strcmp(n, "confirm-check") == 0)
		return get_bool(x, k, &pc->confirm_check);
	return bad(x, k, "unknown key '%s'", n);
}

int
policy_conf_read(const struct conf *cf, const struct conf_node *node,
    struct policy_conf *pc, char *err, size_t errlen)
{
	struct pctx		 x;
	const struct conf_node	*k, *prev;
	int			 i;

	set_defaults(pc);
	if (node == NULL) {
		pc->local_store = 1;
		return 0;
	}
	memset(&x, 0, sizeof(x));
	x.cf = cf;
	x.pc = pc;
	x.err = err;
	x.errlen = errlen;
	if (node->nargs != 0) {
		bad(&x, node, "policy takes a { } block, not values");
		goto fail;
	}
	for (k = node->child; k != NULL; k = k->next) {
		for (i = 0; single_keys[i] != NULL; i++) {
			if (strcmp(k->name, single_keys[i]) != 0)
				continue;
			for (prev = node->child; prev != k; prev = prev->next)
				if (strcmp(prev->name, k->name) == 0)
					break;
			if (prev != k) {
				bad(&x, k, "%s given twice (first on line %d)",
				    k->name, prev->line);
				goto fail;
			}
		}
		if (key_one(&x, k) == -1)
			goto fail;
	}
	if (pc->ttl_min > pc->ttl_max) {
		bad(&x, conf_find(node, "cache-min-ttl"), "cache-min-ttl %d "
		    "exceeds cache-max-ttl %d", pc->ttl_min, pc->ttl_max);
		goto fail;
	}
	/* The limits confirm_check requests share with the CLI and HTTP. */
	if (pc->confirm_check && cf != NULL && confirm_conf_read(cf,
	    conf_find(cf->root, "confirm"), &pc->confirm, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	policy_conf_free(pc);
	return -1;
}

void
policy_conf_free(struct policy_conf *pc)
{
	int	i;

	if (pc == NULL)
		return;
	for (i = 0; i < pc->nlisten; i++)
		free(pc->listen[i]);
	for (i = 0; i < pc->nexempt_rcpt; i++)
		free(pc->exempt_rcpt[i]);
	free(pc->removal_address);
	for (i = 0; i < pc->nlocal; i++)
		free(pc->local[i].reply);
	for (i = 0; i < pc->nsites; i++) {
		free(pc->sites[i].server);
		free(pc->sites[i].reply);
		free(pc->sites[i].url);
	}
	free(pc->dnsbl_reply);
	free(pc->resolver);
	free(pc->spf_reply);
	free(pc->authserv_id);
	free(pc->tag_header);
	memset(pc, 0, sizeof(*pc));
}

const char *
policy_action_name(enum policy_action a)
{
	if ((unsigned)a < sizeof(action_names) / sizeof(action_names[0]))
		return action_names[a];
	return "unknown";
}
