/*
 * classify.c: the bounce classifier. Reads the remote server's reply text
 * (a DSN's Diagnostic-Code, else the human text of the bounce, else its
 * HTML part), normalised to lower case with single spaces and without
 * the "550-5.1.1 " prefixes of multi-line replies (RFC 5321 section
 * 4.2.1), and tries the rule table (rules.c) in order. No rule matched:
 * the enhanced status code (RFC 3463) decides, else the class is
 * unknown. Also finds the reply code, the enhanced code, the list and
 * the client address the text names, and writes one line for a person.
 * No I/O, no allocation past the normalised copy of the text.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "bounce/bounce_int.h"
#include "core/str.h"

static const char *const class_names[BOUNCE_CLASS_COUNT] = {
	[BOUNCE_UNKNOWN] = "unknown",
	[BOUNCE_BLOCKLIST] = "blocklist",
	[BOUNCE_PROVIDER_BLOCK] = "provider-block",
	[BOUNCE_REPUTATION_TEMP] = "reputation-temp",
	[BOUNCE_RESOLVER_ERROR] = "resolver-error",
	[BOUNCE_BROKEN_LIST] = "broken-list",
	[BOUNCE_USER_UNKNOWN] = "user-unknown",
	[BOUNCE_MAILBOX_FULL] = "mailbox-full",
	[BOUNCE_DOMAIN_UNKNOWN] = "domain-unknown",
	[BOUNCE_CONTENT] = "content",
	[BOUNCE_POLICY] = "policy",
	[BOUNCE_TEMPORARY] = "temporary",
};

const char *
bounce_class_name(enum bounce_class c)
{
	if ((unsigned)c >= BOUNCE_CLASS_COUNT)
		return NULL;
	return class_names[c];
}

const char *
bounce_action_name(enum bounce_action a)
{
	switch (a) {
	case BOUNCE_KEEP:
		return "keep";
	case BOUNCE_RETRY:
		return "retry";
	case BOUNCE_SUPPRESS:
		return "suppress";
	default:
		return NULL;
	}
}

static int
is_word(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '[' || c == '-' || c == '_';
}

/* "ddd" with d[0] in 2, 4, 5 at p[0..2] (n bytes left). */
static int
reply_code_at(const char *p, size_t n)
{
	return n >= 3 && (p[0] == '2' || p[0] == '4' || p[0] == '5') &&
	    isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]);
}

/*
 * Length of an enhanced status code "c.s.d" (RFC 3463: class 2, 4 or 5,
 * subject and detail 1..3 digits) at p, else 0. Not followed by a digit
 * or a dot-digit, so an address is not taken for a code.
 */
static size_t
status_code_at(const char *p, size_t n)
{
	size_t	i = 1, k, part;

	if (n < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5'))
		return 0;
	for (part = 0; part < 2; part++) {
		if (i >= n || p[i] != '.')
			return 0;
		i++;
		for (k = 0; k < 3 && i < n && isdigit((unsigned char)p[i]); k++)
			i++;
		if (k == 0)
			return 0;
	}
	if (i < n && (isdigit((unsigned char)p[i]) || (p[i] == '.' &&
	    i + 1 < n && isdigit((unsigned char)p[i + 1]))))
		return 0;
	return i;
}

/*
 * Lower-case text into out with every run of white space as one space,
 * and without the "ddd-" (and "ddd-c.s.d") prefixes that multi-line
 * replies put before each line, so phrases cut by a line break match.
 */
static void
normalise(const char *p, size_t n, struct sbuf *out)
{
	size_t	i = 0, k;
	int	space = 1;

	sbuf_reset(out);
	sbuf_reserve(out, n);	/* out->s is a string even when empty */
	while (i < n) {
		unsigned char c = (unsigned char)p[i];

		if (space && reply_code_at(p + i, n - i) && n - i > 3 &&
		    p[i + 3] == '-') {
			i += 4;
			if ((k = status_code_at(p + i, n - i)) > 0)
				i += k;
			continue;
		}
		if (isspace(c) || c == '\0') {
			if (!space)
				sbuf_addc(out, ' ');
			space = 1;
			i++;
			continue;
		}
		sbuf_addc(out, tolower(c));
		space = 0;
		i++;
	}
	while (out->len > 0 && out->s[out->len - 1] == ' ')
		out->s[--out->len] = '\0';
}

/* Offset of the first reply code in s (a token "ddd" then ' ' or '-'). */
static size_t
find_reply(const char *s, size_t n, char reply[4])
{
	size_t	i;

	for (i = 0; i + 3 < n; i++) {
		if (i > 0 && is_word((unsigned char)s[i - 1]))
			continue;
		if (reply_code_at(s + i, n - i) &&
		    (s[i + 3] == ' ' || s[i + 3] == '-')) {
			memcpy(reply, s + i, 3);
			reply[3] = '\0';
			return i;
		}
	}
	reply[0] = '\0';
	return n;
}

static void
find_status(const char *s, size_t n, char *status, size_t cap)
{
	size_t	i, k;

	for (i = 0; i < n; i++) {
		if (i > 0 && (isalnum((unsigned char)s[i - 1]) ||
		    s[i - 1] == '.'))
			continue;
		if ((k = status_code_at(s + i, n - i)) > 0 && k < cap) {
			memcpy(status, s + i, k);
			status[k] = '\0';
			return;
		}
	}
}

/* Copy the host-name token at p into out when it has a dot. */
static int
take_name(const char *p, size_t n, char *out, size_t cap)
{
	size_t	k = 0, dots = 0;
	char	tmp[256];
	struct in_addr a;

	while (k < n && k + 1 < sizeof(tmp) && (isalnum((unsigned char)p[k]) ||
	    p[k] == '.' || p[k] == '-' || p[k] == '_')) {
		dots += p[k] == '.';
		tmp[k] = p[k];
		k++;
	}
	while (k > 0 && tmp[k - 1] == '.') {
		k--;
		dots--;
	}
	tmp[k] = '\0';
	if (dots == 0 || inet_pton(AF_INET, tmp, &a) == 1)
		return 0;
	str_lcpy(out, tmp, cap);
	return 1;
}

/* The list the text names after "blocked using", "listed at", ... */
static int
find_list(const char *s, size_t n, char *out, size_t cap)
{
	static const char *const marks[] = {
		"blocked using ", "listed at ", "listed in ", "listed on ",
		"listed by ", "blocked by ", "found on ", "rejected by ",
	};
	size_t	 i;
	const char *m;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		m = s;
		while ((m = memmem(m, n - (size_t)(m - s), marks[i],
		    strlen(marks[i]))) != NULL) {
			m += strlen(marks[i]);
			if (take_name(m, n - (size_t)(m - s), out, cap))
				return 1;
		}
	}
	return 0;
}

/* An address at p (up to n bytes, ends at a non-address byte). */
static int
take_ip(const char *p, size_t n, char *out, size_t cap)
{
	char		tmp[64];
	size_t		k = 0;
	unsigned char	a[16];

	if (n >= 5 && strncmp(p, "ipv6:", 5) == 0) {
		p += 5;
		n -= 5;
	}
	while (k < n && k + 1 < sizeof(tmp) && (isxdigit((unsigned char)p[k]) ||
	    p[k] == '.' || p[k] == ':'))
		tmp[k] = p[k], k++;
	while (k > 0 && (tmp[k - 1] == '.' || tmp[k - 1] == ':') &&
	    !(k >= 2 && tmp[k - 1] == ':' && tmp[k - 2] == ':'))
		k--;
	tmp[k] = '\0';
	if (k == 0)
		return 0;
	if (inet_pton(AF_INET, tmp, a) == 1) {
		if (a[0] == 127 || a[0] == 0)	/* DNSBL return codes */
			return 0;
	} else if (inet_pton(AF_INET6, tmp, a) != 1)
		return 0;
	str_lcpy(out, tmp, cap);
	return 1;
}

/*
 * The client address the reply names: in brackets, after "ip/" or "ip="
 * (lookup URLs), then any bare IPv4 address. The caller passes only the
 * text from reply_start on, so "host mx.example[192.0.2.1] said:" (the
 * receiver's address) is passed over.
 */
static void
find_ip(const char *s, size_t n, char *out, size_t cap)
{
	static const char *const marks[] = { "[", "ip/", "ip=", "from " };
	size_t	 i, j;
	const char *m;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		m = s;
		while ((m = memmem(m, n - (size_t)(m - s), marks[i],
		    strlen(marks[i]))) != NULL) {
			m += strlen(marks[i]);
			if (take_ip(m, n - (size_t)(m - s), out, cap))
				return;
		}
	}
	for (j = 0; j < n; j++) {
		if (!isdigit((unsigned char)s[j]) ||
		    (j > 0 && is_word((unsigned char)s[j - 1])))
			continue;
		if (take_ip(s + j, n - j, out, cap) && strchr(out, '.') != NULL)
			return;
		out[0] = '\0';
	}
}

/*
 * Where the remote server's words start in a bounce's human text: after
 * "said:" (Postfix, qmail), "smtp error from remote mail server" (Exim)
 * or "remote server returned" (Exchange), so the receiver's own address
 * printed before them is not taken for ours. 0 when none is there.
 */
static size_t
reply_start(const char *s, size_t n)
{
	static const char *const marks[] = {
		"said:", "smtp error from remote mail server",
		"remote server returned",
	};
	const char	*m;
	size_t		 i;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if ((m = memmem(s, n, marks[i], strlen(marks[i]))) != NULL)
			return (size_t)(m - s) + strlen(marks[i]);
	return 0;
}

static const struct bounce_rule *
match_rules(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return NULL;
	for (i = 0; i < bounce_nrules; i++)
		if (memmem(s, n, bounce_rules[i].pat,
		    strlen(bounce_rules[i].pat)) != NULL)
			return &bounce_rules[i];
	return NULL;
}

static enum bounce_class
match_code(const char *code)
{
	size_t	i, k;

	if (code[0] == '\0')
		return BOUNCE_UNKNOWN;
	for (i = 0; i < bounce_ncode_rules; i++) {
		k = strlen(bounce_code_rules[i].code);
		if (bounce_code_rules[i].code[k - 1] == '.' ?
		    strncmp(code, bounce_code_rules[i].code, k) == 0 :
		    strcmp(code, bounce_code_rules[i].code) == 0)
			return bounce_code_rules[i].cls;
	}
	return BOUNCE_UNKNOWN;
}

/*
 * One line for a person per class, permanent and temporary (NULL: the
 * same). "$ip" and "$list" stand for the address and the list.
 */
static const char *const explain_tpl[BOUNCE_CLASS_COUNT][2] = {
	[BOUNCE_UNKNOWN] = { "the bounce could not be classified; keep the "
	    "recipient and read it yourself", NULL },
	[BOUNCE_BLOCKLIST] = { "$ip is listed on $list, so the receiver "
	    "refused it; the recipient is fine: keep them and ask the list "
	    "for removal", NULL },
	[BOUNCE_PROVIDER_BLOCK] = { "the receiver's own reputation system "
	    "($list) refused $ip; the recipient is fine: keep them and ask "
	    "that provider", NULL },
	[BOUNCE_REPUTATION_TEMP] = { "the receiver is throttling $ip for its "
	    "reputation; retry later, more slowly", NULL },
	[BOUNCE_RESOLVER_ERROR] = { "the receiver's DNS query to $list was "
	    "refused (its resolver is at fault): you are not listed; keep "
	    "the recipient and tell the receiver's postmaster", NULL },
	[BOUNCE_BROKEN_LIST] = { "the receiver still queries $list, a list "
	    "that is dead or answers for every address; you are not really "
	    "listed: tell the receiver's postmaster", NULL },
	[BOUNCE_USER_UNKNOWN] = { "the mailbox does not exist: stop sending "
	    "to it", "the receiver does not know the mailbox for now; "
	    "retry" },
	[BOUNCE_MAILBOX_FULL] = { "the recipient's mailbox is full; retry "
	    "later", NULL },
	[BOUNCE_DOMAIN_UNKNOWN] = { "the recipient's domain does not exist: "
	    "stop sending to it", "the recipient's domain could not be "
	    "found for now; retry" },
	[BOUNCE_CONTENT] = { "the receiver refused this message for its "
	    "content; the recipient is fine", NULL },
	[BOUNCE_POLICY] = { "the receiver's policy refused the mail "
	    "(authentication, relaying or local rules); check SPF, DKIM, "
	    "DMARC and reverse DNS; keep the recipient", NULL },
	[BOUNCE_TEMPORARY] = { "a temporary failure; retry later", NULL },
};

static void
explain(struct bounce_result *r, int temp)
{
	const char	*t = explain_tpl[r->cls][temp && explain_tpl[r->cls][1]
			    != NULL ? 1 : 0];
	const char	*ip = r->ip[0] != '\0' ? r->ip : "the sending server";
	const char	*list = r->list[0] != '\0' ? r->list :
			    r->cls == BOUNCE_PROVIDER_BLOCK ? "its block list" :
			    "the blocklist";
	struct sbuf	 b;

	sbuf_init(&b);
	while (*t != '\0') {
		if (strncmp(t, "$ip", 3) == 0) {
			sbuf_adds(&b, ip);
			t += 3;
		} else if (strncmp(t, "$list", 5) == 0) {
			sbuf_adds(&b, list);
			t += 5;
		} else
			sbuf_addc(&b, *t++);
	}
	str_lcpy(r->explain, b.s, sizeof(r->explain));
	sbuf_free(&b);
}

static enum bounce_action
action_of(enum bounce_class c, int temp)
{
	switch (c) {
	case BOUNCE_USER_UNKNOWN:
	case BOUNCE_DOMAIN_UNKNOWN:
		return temp ? BOUNCE_RETRY : BOUNCE_SUPPRESS;
	case BOUNCE_REPUTATION_TEMP:
	case BOUNCE_MAILBOX_FULL:
	case BOUNCE_TEMPORARY:
		return BOUNCE_RETRY;
	default:
		return BOUNCE_KEEP;
	}
}

/* Copy at most cap-1 bytes of b, control bytes as spaces. */
static void
copy_field(char *dst, size_t cap, const struct sbuf *b)
{
	size_t	i, n = b->len < cap - 1 ? b->len : cap - 1;

	for (i = 0; i < n; i++)
		dst[i] = (unsigned char)b->s[i] < 0x20 ? ' ' : b->s[i];
	dst[n] = '\0';
}

void
bounce_classify_input(const struct bounce_input *in,
    struct bounce_result *r)
{
	const struct sbuf	*srcs[3] = { &in->diag, &in->human, &in->html };
	const struct bounce_rule *rule = NULL;
	struct sbuf		 norm;
	size_t			 i, at;
	int			 temp, used = -1;

	memset(r, 0, sizeof(*r));
	r->dsn = in->dsn;
	copy_field(r->recipient, sizeof(r->recipient), &in->recipient);
	copy_field(r->remote_mta, sizeof(r->remote_mta), &in->remote_mta);
	sbuf_init(&norm);
	for (i = 0; i < 3 && rule == NULL; i++) {
		if (srcs[i]->len == 0)
			continue;
		normalise(srcs[i]->s, srcs[i]->len, &norm);
		if (used < 0)
			used = (int)i;
		if ((rule = match_rules(norm.s, norm.len)) != NULL)
			used = (int)i;
	}
	if (used >= 0) {
		const struct sbuf *raw = srcs[used];

		/* Codes from the raw text: "550-5.7.1" prefixes count. */
		at = find_reply(raw->s, raw->len, r->reply);
		find_status(raw->s + (at < raw->len ? at : 0), raw->len -
		    (at < raw->len ? at : 0), r->status, sizeof(r->status));
		normalise(raw->s, raw->len, &norm);
		at = reply_start(norm.s, norm.len);
		find_ip(norm.s + at, norm.len - at, r->ip, sizeof(r->ip));
		if (!find_list(norm.s, norm.len, r->list, sizeof(r->list)) &&
		    rule != NULL && rule->list != NULL)
			str_lcpy(r->list, rule->list, sizeof(r->list));
		copy_field(r->diag, sizeof(r->diag), &norm);
	}
	/* The DSN's Status is the reporting MTA's; the remote's is finer. */
	if (r->status[0] == '\0' && in->status.len > 0)
		find_status(in->status.s, in->status.len, r->status,
		    sizeof(r->status));
	temp = r->reply[0] == '4' || r->status[0] == '4' ||
	    (r->reply[0] == '\0' && r->status[0] == '\0' &&
	    in->action.len >= 7 && strncasecmp(in->action.s, "delayed", 7) == 0);
	if (rule != NULL) {
		r->cls = rule->cls;
		r->rule = rule->name;
	} else if ((r->cls = match_code(r->status)) != BOUNCE_UNKNOWN)
		r->rule = "status-code";
	else if (r->reply[0] == '4') {
		r->cls = BOUNCE_TEMPORARY;
		r->rule = "reply-code";
	}
	if (r->cls == BOUNCE_PROVIDER_BLOCK && temp)
		r->cls = BOUNCE_REPUTATION_TEMP;
	r->action = action_of(r->cls, temp);
	explain(r, temp);
	sbuf_free(&norm);
}

void
bounce_classify_text(const void *text, size_t len, struct bounce_result *r)
{
	struct bounce_input	in;

	bounce_input_init(&in);
	if (len > BOUNCE_TEXT_MAX)
		len = BOUNCE_TEXT_MAX;
	sbuf_add(&in.diag, text, len);
	bounce_classify_input(&in, r);
	bounce_input_free(&in);
}
