/*
 * classify.c: is a message that reached a trap spam or backscatter?
 *
 * Backscatter is mail a server sent because of a forged address: a
 * bounce or DSN, an auto-reply or vacation message, a mailing list's
 * confirmation or welcome. It is not spam and is never listed as spam
 * (docs/FAIRNESS.md). The rules, first match named:
 *
 *   null-sender       MAIL FROM:<> (RFC 5321 section 4.5.5)
 *   multipart-report  Content-Type multipart/report (RFC 6522) or
 *                     message/delivery-status (RFC 3464)
 *   auto-submitted    Auto-Submitted other than "no" (RFC 3834)
 *   autoreply-header  X-Autoreply, X-Autorespond
 *   precedence        Precedence: bulk, junk, list or auto_reply
 *   list-header       any List-* field (RFC 2369, RFC 2919)
 *   bounce-wording, autoreply-wording, confirm-wording, welcome-wording
 *                     the Subject or the first TRAPS_BODY_SCAN bytes of
 *                     the body hold such a phrase (table below)
 *
 * A message no rule matches is spam (rule "no-backscatter-sign"). The
 * rules err towards backscatter: a spammer who dresses up as a list gets
 * the milder zone, and an innocent list host never the spam zone.
 *
 * Untrusted input: any bytes. The header is read up to its blank line or
 * TRAPS_HEADER_SCAN bytes, each field unfolded into a bounded buffer.
 */
#include <string.h>
#include <strings.h>

#include "traps/traps.h"

#define FIELD_MAX	1024	/* bytes of an unfolded field value kept */
#define SUBJECT_MAX	512

/* Phrases, matched in lower case; the first table row that hits names. */
static const struct phrase {
	const char	*text;
	const char	*rule;
} phrases[] = {
	{ "undeliverable", "bounce-wording" },
	{ "undelivered mail", "bounce-wording" },
	{ "delivery status notification", "bounce-wording" },
	{ "mail delivery failed", "bounce-wording" },
	{ "delivery has failed", "bounce-wording" },
	{ "returned mail", "bounce-wording" },
	{ "failure notice", "bounce-wording" },
	{ "out of office", "autoreply-wording" },
	{ "out of the office", "autoreply-wording" },
	{ "automatic reply", "autoreply-wording" },
	{ "auto-reply", "autoreply-wording" },
	{ "autoreply", "autoreply-wording" },
	{ "vacation", "autoreply-wording" },
	{ "confirm your subscription", "confirm-wording" },
	{ "confirm your email", "confirm-wording" },
	{ "confirm your e-mail", "confirm-wording" },
	{ "confirm your address", "confirm-wording" },
	{ "confirm your request", "confirm-wording" },
	{ "please confirm", "confirm-wording" },
	{ "verify your email", "confirm-wording" },
	{ "verify your e-mail", "confirm-wording" },
	{ "subscription request", "confirm-wording" },
	{ "confirmation of subscription", "confirm-wording" },
	{ "activate your account", "confirm-wording" },
	{ "welcome to", "welcome-wording" },
	{ "you have been subscribed", "welcome-wording" },
	{ "you are now subscribed", "welcome-wording" },
	{ "thanks for subscribing", "welcome-wording" },
	{ "thank you for subscribing", "welcome-wording" },
};
#define NPHRASES	(sizeof(phrases) / sizeof(phrases[0]))

/* Header signs, in rule order (lower index wins). */
enum { H_REPORT, H_AUTOSUB, H_AUTOREPLY, H_PRECEDENCE, H_LIST, H_COUNT };
static const char *const hrule[H_COUNT] = {
	"multipart-report", "auto-submitted", "autoreply-header",
	"precedence", "list-header"
};

const char *
traps_class_name(enum traps_class c)
{
	return c == TRAPS_BACKSCATTER ? "backscatter" : "spam";
}

static void
lower(char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}

/* The first phrase in s (lower case, n bytes), or NULL. */
static const char *
phrase_in(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < NPHRASES; i++)
		if (memmem(s, n, phrases[i].text, strlen(phrases[i].text)) !=
		    NULL)
			return phrases[i].rule;
	return NULL;
}

/* v (n bytes, unfolded) without its leading and trailing blanks. */
static const char *
trim(const char *v, size_t *n)
{
	while (*n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		(*n)--;
	}
	while (*n > 0 && (v[*n - 1] == ' ' || v[*n - 1] == '\t'))
		(*n)--;
	return v;
}

static int
starts(const char *v, size_t n, const char *w)
{
	size_t	wl = strlen(w);

	return n >= wl && strncasecmp(v, w, wl) == 0;
}

/* Judge one header field: name (nl bytes), value (vl bytes, unfolded). */
static void
field(const char *name, size_t nl, const char *v, size_t vl,
    int hits[H_COUNT], struct traps_verdict *tv, char *subj, size_t *subjl)
{
	size_t	i, k;

	v = trim(v, &vl);
	if (nl == 12 && strncasecmp(name, "Content-Type", 12) == 0) {
		if (starts(v, vl, "multipart/report") ||
		    starts(v, vl, "message/delivery-status"))
			hits[H_REPORT] = 1;
	} else if (nl == 14 && strncasecmp(name, "Auto-Submitted", 14) == 0) {
		/* RFC 3834 section 5: "no" is the one value that is not. */
		if (vl > 0 && !(starts(v, vl, "no") && (vl == 2 ||
		    v[2] == ' ' || v[2] == ';' || v[2] == '(')))
			hits[H_AUTOSUB] = 1;
	} else if ((nl == 11 && strncasecmp(name, "X-Autoreply", 11) == 0) ||
	    (nl == 13 && strncasecmp(name, "X-Autorespond", 13) == 0)) {
		hits[H_AUTOREPLY] = 1;
	} else if (nl == 10 && strncasecmp(name, "Precedence", 10) == 0) {
		if (starts(v, vl, "bulk") || starts(v, vl, "junk") ||
		    starts(v, vl, "list") || starts(v, vl, "auto_reply"))
			hits[H_PRECEDENCE] = 1;
	} else if (nl > 5 && strncasecmp(name, "List-", 5) == 0) {
		hits[H_LIST] = 1;
	} else if (nl == 7 && strncasecmp(name, "Subject", 7) == 0) {
		k = vl < SUBJECT_MAX ? vl : SUBJECT_MAX;
		memcpy(subj, v, k);
		*subjl = k;
		lower(subj, k);
	} else if (nl == 10 && strncasecmp(name, "Message-ID", 10) == 0 &&
	    tv->msgid[0] == '\0') {
		/* Printable ASCII only: it goes into the evidence text. */
		k = vl < TRAPS_MSGID_MAX ? vl : TRAPS_MSGID_MAX;
		for (i = 0; i < k; i++)
			tv->msgid[i] = (v[i] > ' ' && v[i] < 0x7f) ?
			    v[i] : '?';
		tv->msgid[k] = '\0';
	}
}

void
traps_classify(const void *msg, size_t len, int null_sender,
    struct traps_verdict *tv)
{
	const char	*p = msg, *end, *body = NULL, *name, *colon;
	char		 val[FIELD_MAX], subj[SUBJECT_MAX], scan[TRAPS_BODY_SCAN];
	size_t		 vl = 0, nl = 0, subjl = 0, hlen, line, k, i;
	int		 hits[H_COUNT] = { 0 }, have = 0;
	const char	*rule = NULL;

	memset(tv, 0, sizeof(*tv));
	hlen = len < TRAPS_HEADER_SCAN ? len : TRAPS_HEADER_SCAN;
	end = p + hlen;
	name = NULL;
	/* One line at a time; a field ends where the next unindented line
	   starts (RFC 5322 section 2.2.3 unfolding). */
	while (p < end) {
		const char	*lf = memchr(p, '\n', (size_t)(end - p));
		const char	*next = lf != NULL ? lf + 1 : end;

		line = (size_t)((lf != NULL ? lf : end) - p);
		if (line > 0 && p[line - 1] == '\r')
			line--;
		if (line == 0) {		/* the blank line */
			body = next;
			break;
		}
		if ((p[0] == ' ' || p[0] == '\t') && have) {
			k = line < sizeof(val) - vl ? line : sizeof(val) - vl;
			memcpy(val + vl, p, k);
			vl += k;
		} else {
			if (have)
				field(name, nl, val, vl, hits, tv, subj,
				    &subjl);
			have = 0;
			if ((colon = memchr(p, ':', line)) != NULL) {
				name = p;
				nl = (size_t)(colon - p);
				while (nl > 0 && (name[nl - 1] == ' ' ||
				    name[nl - 1] == '\t'))
					nl--;
				vl = (size_t)(p + line - colon - 1);
				if (vl > sizeof(val))
					vl = sizeof(val);
				memcpy(val, colon + 1, vl);
				have = 1;
			}
		}
		p = next;
	}
	if (have)
		field(name, nl, val, vl, hits, tv, subj, &subjl);

	if (null_sender)
		rule = "null-sender";
	for (i = 0; rule == NULL && i < H_COUNT; i++)
		if (hits[i])
			rule = hrule[i];
	if (rule == NULL && subjl > 0)
		rule = phrase_in(subj, subjl);
	if (rule == NULL && body != NULL) {
		k = (size_t)((const char *)msg + len - body);
		if (k > sizeof(scan))
			k = sizeof(scan);
		memcpy(scan, body, k);
		lower(scan, k);
		rule = phrase_in(scan, k);
	}
	if (rule != NULL) {
		tv->cls = TRAPS_BACKSCATTER;
		tv->rule = rule;
	} else {
		tv->cls = TRAPS_SPAM;
		tv->rule = "no-backscatter-sign";
	}
}
