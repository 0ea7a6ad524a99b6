/*
 * record.c: the DMARC policy record (RFC 7489 section 6.3 and 6.4, the np
 * tag of RFC 9091 section 4.1).
 *
 * A record is a DKIM-style tag list ("tag=value; ..."). The first tag
 * must be v=DMARC1 (the version is case-sensitive in the ABNF), or the
 * TXT record is not a DMARC record at all. The p tag may be anywhere
 * after it. Per section 6.3, unknown tags are ignored and syntax errors
 * in the rest of the record fall back to the defaults: a tag without
 * '=', a repeated tag (the first one counts) and a bad value of an
 * optional tag are skipped. Section 6.6.3 step 6: a missing or invalid p,
 * or an invalid sp, makes the record p=none when rua holds at least one
 * valid URI, and no record otherwise. Tags past DMARC_TAGS_MAX and
 * records longer than DMARC_RECORD_MAX are cut off.
 * No I/O, no logging, no allocation.
 */
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "dmarc/dmarc.h"

/* A span of the record: [p, p + len). */
struct span {
	const char	*p;
	size_t		 len;
};

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct span
trim(const char *p, const char *end)
{
	struct span	s;

	while (p < end && is_wsp(*p))
		p++;
	while (end > p && is_wsp(end[-1]))
		end--;
	s.p = p;
	s.len = (size_t)(end - p);
	return s;
}

static int
span_is(struct span s, const char *word)
{
	return s.len == strlen(word) && strncasecmp(s.p, word, s.len) == 0;
}

/* RFC 7489 section 6.4 dmarc-request: -1 when the value is not one. */
static int
policy_value(struct span v)
{
	if (span_is(v, "none"))
		return DMARC_POLICY_NONE;
	if (span_is(v, "quarantine"))
		return DMARC_POLICY_QUARANTINE;
	if (span_is(v, "reject"))
		return DMARC_POLICY_REJECT;
	return -1;
}

/* 1*DIGIT within max; -1 when not. */
static long long
number(struct span v, long long max)
{
	long long	n = 0;
	size_t		i;

	if (v.len == 0 || v.len > 10)
		return -1;
	for (i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		n = n * 10 + (v.p[i] - '0');
	}
	return n <= max ? n : -1;
}

/*
 * RFC 7489 section 6.4 dmarc-uri: an RFC 3986 URI (scheme ":" and a
 * non-empty rest without spaces, commas or '!') with an optional
 * "!" 1*DIGIT [kmgt] size limit.
 */
static int
uri_ok(struct span u)
{
	size_t	i = 0, colon;

	if (u.len == 0 || !((u.p[0] >= 'a' && u.p[0] <= 'z') ||
	    (u.p[0] >= 'A' && u.p[0] <= 'Z')))
		return 0;
	while (i < u.len && u.p[i] != ':') {
		char	c = u.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '-' ||
		    c == '.'))
			return 0;
		i++;
	}
	if (i == u.len)
		return 0;
	colon = i++;
	for (; i < u.len && u.p[i] != '!'; i++)
		if ((unsigned char)u.p[i] <= 0x20 ||
		    (unsigned char)u.p[i] >= 0x7f)
			return 0;
	if (i == colon + 1)
		return 0;
	if (i == u.len)
		return 1;
	/* "!" size: at least one digit, then at most one unit letter. */
	i++;
	if (i == u.len || u.p[i] < '0' || u.p[i] > '9')
		return 0;
	while (i < u.len && u.p[i] >= '0' && u.p[i] <= '9')
		i++;
	if (i < u.len && strchr("kmgtKMGT", u.p[i]) != NULL)
		i++;
	return i == u.len;
}

/* Keep printable text, cut to fit; 0 if it holds another byte. */
static int
keep_text(struct span v, char *dst, size_t dstlen)
{
	size_t	n = v.len < dstlen - 1 ? v.len : dstlen - 1;

	if (str_has_ctl(v.p, v.len) || str_has_nonascii(v.p, v.len))
		return 0;
	memcpy(dst, v.p, n);
	dst[n] = '\0';
	return 1;
}

/*
 * Words separated by sep (',' for URIs, ':' for fo and rf), each
 * accepted by ok(); WSP allowed around the separators. 1 if the list is
 * non-empty and every word passes.
 */
static int
list_ok(struct span v, char sep, int (*ok)(struct span))
{
	const char	*p = v.p, *end = v.p + v.len, *at;

	if (v.len == 0)
		return 0;
	for (;;) {
		at = memchr(p, sep, (size_t)(end - p));
		if (at == NULL)
			at = end;
		if (!ok(trim(p, at)))
			return 0;
		if (at == end)
			return 1;
		p = at + 1;
	}
}

/* RFC 7489 section 6.4 dmarc-fo: "0", "1", "d" or "s". */
static int
fo_word(struct span w)
{
	return w.len == 1 && strchr("01dDsS", w.p[0]) != NULL;
}

/* dmarc-rfmt: Keyword (RFC 5321: Ldh-str). */
static int
rf_word(struct span w)
{
	size_t	i;

	if (w.len == 0)
		return 0;
	for (i = 0; i < w.len; i++) {
		char	c = w.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && i > 0)))
			return 0;
	}
	return 1;
}

/* Tags that are read, in the order of seen[] below. */
static const char *const known[] = {
	"p", "sp", "np", "adkim", "aspf", "pct", "rua", "ruf", "fo", "rf",
	"ri"
};
#define NKNOWN	(sizeof(known) / sizeof(known[0]))

static void
defaults(struct dmarc_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->adkim = DMARC_ALIGN_RELAXED;
	rec->aspf = DMARC_ALIGN_RELAXED;
	rec->pct = 100;
	rec->ri = 86400;
	str_lcpy(rec->fo, "0", sizeof(rec->fo));
	str_lcpy(rec->rf, "afrf", sizeof(rec->rf));
}

/*
 * The version tag: "v" *WSP "=" *WSP "DMARC1", then only WSP before the
 * first ';' or the end. Returns the offset past it, or 0.
 */
static size_t
version(const char *p, size_t len)
{
	struct span	t;
	const char	*semi, *eq;

	semi = memchr(p, ';', len);
	if (semi == NULL)
		semi = p + len;
	if ((eq = memchr(p, '=', (size_t)(semi - p))) == NULL)
		return 0;
	t = trim(p, eq);
	if (t.len != 1 || t.p[0] != 'v')
		return 0;
	t = trim(eq + 1, semi);
	if (t.len != 6 || memcmp(t.p, "DMARC1", 6) != 0)
		return 0;
	return (size_t)(semi - p) + (semi < p + len);
}

enum dmarc_rec_status
dmarc_record_parse(const void *txt, size_t len, struct dmarc_record *rec,
    const char **why)
{
	const char	*p = txt, *end, *semi, *next, *eq, *note = NULL;
	struct span	 name, v;
	int		 seen[NKNOWN], p_ok = 0, sp_bad = 0, rua_ok = 0;
	int		 pv, ntags = 0, sp_set = 0, np_set = 0;
	long long	 n;
	size_t		 k, off;

	defaults(rec);
	memset(seen, 0, sizeof(seen));
	if (why != NULL)
		*why = NULL;
	/* Untrusted input: cut, never read past len. */
	if (len > DMARC_RECORD_MAX)
		len = DMARC_RECORD_MAX;
	end = p + len;
	/* Section 6.3: v=DMARC1 is the first tag. */
	if ((off = version(p, len)) == 0) {
		if (why != NULL)
			*why = "no v=DMARC1 first";
		return DMARC_REC_NOT_DMARC;
	}
	for (p += off; p < end && ntags < DMARC_TAGS_MAX; p = next) {
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			semi = end;
		next = semi < end ? semi + 1 : end;
		if (trim(p, semi).len == 0)
			continue;		/* ";;" or a final ';' */
		ntags++;
		eq = memchr(p, '=', (size_t)(semi - p));
		if (eq == NULL) {
			if (note == NULL)
				note = "a tag without '=' is ignored";
			continue;
		}
		name = trim(p, eq);
		v = trim(eq + 1, semi);
		for (k = 0; k < NKNOWN; k++)
			if (span_is(name, known[k]))
				break;
		if (k == NKNOWN)
			continue;		/* unknown tags: ignored */
		if (seen[k]++) {
			if (note == NULL)
				note = "a repeated tag is ignored";
			continue;
		}
		switch (k) {
		case 0:			/* p */
			if ((pv = policy_value(v)) != -1) {
				rec->p = pv;
				p_ok = 1;
			}
			break;
		case 1:			/* sp */
		case 2:			/* np */
			if ((pv = policy_value(v)) == -1) {
				/* Only a bad sp voids p (section 6.6.3). */
				sp_bad |= k == 1;
				if (k == 2 && note == NULL)
					note = "a bad np is ignored";
				break;
			}
			if (k == 1) {
				rec->sp = pv;
				sp_set = 1;
			} else {
				rec->np = pv;
				np_set = 1;
			}
			break;
		case 3:			/* adkim */
		case 4:			/* aspf */
			if (!span_is(v, "r") && !span_is(v, "s")) {
				if (note == NULL)
					note = "a bad adkim or aspf is ignored";
				break;
			}
			*(k == 3 ? &rec->adkim : &rec->aspf) =
			    span_is(v, "s") ? DMARC_ALIGN_STRICT :
			    DMARC_ALIGN_RELAXED;
			break;
		case 5:			/* pct */
			if ((n = number(v, 100)) == -1) {
				if (note == NULL)
					note = "a bad pct is ignored";
				break;
			}
			rec->pct = (int)n;
			break;
		case 6:			/* rua */
			rua_ok = list_ok(v, ',', uri_ok);
			if (!keep_text(v, rec->rua, sizeof(rec->rua)))
				rua_ok = 0;
			break;
		case 7:			/* ruf */
			(void)keep_text(v, rec->ruf, sizeof(rec->ruf));
			break;
		case 8:			/* fo */
			if (!list_ok(v, ':', fo_word) ||
			    !keep_text(v, rec->fo, sizeof(rec->fo))) {
				str_lcpy(rec->fo, "0", sizeof(rec->fo));
				if (note == NULL)
					note = "a bad fo is ignored";
			}
			break;
		case 9:			/* rf */
			if (!list_ok(v, ':', rf_word) ||
			    !keep_text(v, rec->rf, sizeof(rec->rf))) {
				str_lcpy(rec->rf, "afrf", sizeof(rec->rf));
				if (note == NULL)
					note = "a bad rf is ignored";
			}
			break;
		case 10:		/* ri */
			if ((n = number(v, UINT32_MAX)) == -1) {
				if (note == NULL)
					note = "a bad ri is ignored";
				break;
			}
			rec->ri = (uint32_t)n;
			break;
		default:
			break;
		}
	}
	if (!p_ok || sp_bad) {
		/* Section 6.6.3 step 6. */
		if (!rua_ok) {
			if (why != NULL)
				*why = !p_ok ? "no valid p tag" :
				    "an invalid sp tag";
			return DMARC_REC_INVALID;
		}
		rec->p = rec->sp = rec->np = DMARC_POLICY_NONE;
		rec->p_assumed = 1;
		if (why != NULL)
			*why = !p_ok ? "no valid p tag: p=none for rua" :
			    "an invalid sp tag: p=none for rua";
		return DMARC_REC_OK;
	}
	/* Section 6.3: sp defaults to p; RFC 9091 section 4.1: np to sp. */
	if (!sp_set)
		rec->sp = rec->p;
	if (!np_set)
		rec->np = rec->sp;
	if (why != NULL)
		*why = note;
	return DMARC_REC_OK;
}

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_POLICY_NONE:
		return "none";
	case DMARC_POLICY_QUARANTINE:
		return "quarantine";
	case DMARC_POLICY_REJECT:
		return "reject";
	default:
		return "?";
	}
}
