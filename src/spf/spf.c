/*
 * spf.c: check_host() (RFC 7208 sections 4, 5, 6) as a state machine.
 *
 * The machine never blocks: whenever it needs DNS it stores one question
 * (name, type) and returns SPF_STEP_QUERY; the caller feeds the answer to
 * spf_answer() and steps again. Includes are a stack of frames, redirect
 * replaces the top frame. Limits of section 4.6.4 are checked before each
 * lookup: 10 DNS-querying terms (include, a, mx, ptr, exists, redirect),
 * 2 void lookups, 10 MX names per mx, 10 PTR names per ptr or %{p}.
 * A client given as an IPv4-mapped IPv6 address is treated as IPv4.
 * Memory of one check comes from its arena and is bounded by SPF_MEM_MAX.
 * Nothing is logged: spf_problem() says why an error result was given.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "core/xmalloc.h"
#include "spf/spf_int.h"

enum state {
	ST_START,	/* initial processing (section 4.3) */
	ST_FETCH,	/* ask TXT for the top frame's domain */
	ST_TERM,	/* start the term at frame->pos */
	ST_TERM_EXPAND,	/* expand the target of a counted term, query */
	ST_MX_NEXT,	/* address query for the next MX name */
	ST_PTR_NEXT,	/* address query for the next PTR name */
	ST_REDIRECT,	/* after the last term: redirect or neutral */
	ST_REDIRECT_EXPAND,
	ST_EXP,		/* fail: expand exp= and ask its TXT */
	ST_EXP_TEXT,	/* expand the explanation text */
	ST_P_NEXT,	/* %{p}: address query for the next PTR name */
	ST_WAIT,	/* a question is outstanding */
	ST_DONE
};

/* What the outstanding answer is for. */
enum cont {
	K_TXT, K_A, K_MX, K_MXA, K_PTR, K_PTRA, K_EXISTS, K_EXP, K_PPTR, K_PA
};

struct frame {
	const char		*domain;	/* <domain> of this record */
	struct spf_record	 rec;
	size_t			 pos;		/* current term */
	int			 redirected;	/* reached by redirect= */
	const char		*target;	/* expanded target of a term */
	char			**names;	/* MX or PTR names */
	size_t			 nnames, idx;
};

#define ARENA_INLINE	6144
#define NAMEBUF		(SPF_NAME_MAX + 2)

struct spf {
	/* The request. */
	uint8_t			 ip[16];
	int			 v4;
	char			 cstr[INET6_ADDRSTRLEN];	/* %{c} */
	char			 istr[72];	/* %{i} */
	char			 rev[80];	/* reverse name for PTR */
	const char		*sender, *local, *sdomain, *helo, *receiver;
	const char		*default_exp;
	char			 tstr[24];	/* %{t}, made on first use */
	time_t			 now;
	enum spf_identity	 identity;

	/* The machine. */
	enum state		 state;
	enum state		 p_resume;
	enum cont		 cont;
	char			 qname[NAMEBUF];
	uint16_t		 qtype;
	int			 lookups, voids, queries;
	struct frame		 frames[SPF_DEPTH_MAX];
	int			 depth;

	/* %{p}: validated names of the client, found once. */
	int			 p_done;
	char			**pnames;
	uint8_t			*pvalid;
	size_t			 npnames, pidx;
	const char		*exp_text;

	/* The outcome. */
	enum spf_result		 result;
	const char		*mech;
	char			*exp;
	const char		*problem;

	struct spf_arena	 arena;
	char			 mem[ARENA_INLINE];
};

static const char *const result_names[] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror",
	"permerror"
};

const char *
spf_result_str(enum spf_result r)
{
	if ((unsigned)r >= sizeof(result_names) / sizeof(result_names[0]))
		return "?";
	return result_names[r];
}

int
spf_result_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < sizeof(result_names) / sizeof(result_names[0]); i++)
		if (strcasecmp(s, result_names[i]) == 0)
			return (int)i;
	return -1;
}

static char *
adup(struct spf *s, const char *p, size_t n)
{
	return spf_arena_strndup(&s->arena, p, n);
}

/* Append the decimal form of v to p; returns the new end. */
static char *
put_dec(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* Parse the client address; IPv4-mapped IPv6 becomes IPv4 (5). */
static int
set_ip(struct spf *s, const char *ip)
{
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	static const char	hex[] = "0123456789ABCDEF";
	uint8_t			a[16];
	size_t			i, o = 0;
	char			*p;

	if (inet_pton(AF_INET, ip, a + 12) == 1) {
		memcpy(a, mapped, 12);
	} else if (inet_pton(AF_INET6, ip, a) != 1)
		return -1;
	memcpy(s->ip, a, 16);
	s->v4 = memcmp(a, mapped, 12) == 0;
	if (s->v4) {
		p = s->cstr;
		for (i = 12; i < 16; i++) {
			p = put_dec(p, a[i]);
			*p++ = i == 15 ? '\0' : '.';
		}
		memcpy(s->istr, s->cstr, (size_t)(p - s->cstr));
		p = s->rev;
		for (i = 16; i-- > 12;) {
			p = put_dec(p, a[i]);
			*p++ = '.';
		}
		memcpy(p, "in-addr.arpa", 13);
		return 0;
	}
	inet_ntop(AF_INET6, a, s->cstr, sizeof(s->cstr));
	/* %{i} of IPv6: 32 dot-separated nibbles (section 7.3). */
	for (i = 0; i < 16; i++) {
		s->istr[o++] = hex[a[i] >> 4];
		s->istr[o++] = '.';
		s->istr[o++] = hex[a[i] & 15];
		s->istr[o++] = i == 15 ? '\0' : '.';
	}
	p = s->rev;
	for (i = 16; i-- > 0;) {
		*p++ = (char)(hex[a[i] & 15] | 0x20);
		*p++ = '.';
		*p++ = (char)(hex[a[i] >> 4] | 0x20);
		*p++ = '.';
	}
	memcpy(p, "ip6.arpa", 9);
	return 0;
}

struct spf *
spf_new(const struct spf_request *req, char *err, size_t errlen)
{
	struct spf	*s;
	const char	*mf = req->mail_from, *at, *helo = req->helo;
	char		*p;
	size_t		 ll, dl, ml, hl;

	s = xmalloc(sizeof(*s));
	memset(s, 0, offsetof(struct spf, frames));
	s->depth = 0;
	s->p_done = 0;
	s->pnames = NULL;
	s->npnames = 0;
	s->exp_text = NULL;
	s->mech = "";
	s->exp = NULL;
	s->problem = "";
	s->result = SPF_NONE;
	spf_arena_init(&s->arena, s->mem, sizeof(s->mem));
	if (req->ip == NULL || set_ip(s, req->ip) == -1) {
		snprintf(err, errlen, "bad client address '%s'",
		    req->ip != NULL ? req->ip : "");
		spf_free(s);
		return NULL;
	}
	if (helo == NULL)
		helo = "";
	if (mf == NULL)
		mf = "";
	ml = strlen(mf);
	hl = strlen(helo);
	if (ml > SPF_MAILFROM_MAX || hl > SPF_MAILFROM_MAX) {
		snprintf(err, errlen, "sender or HELO name too long");
		spf_free(s);
		return NULL;
	}
	s->identity = req->identity;
	s->helo = adup(s, helo, hl);
	if (req->identity == SPF_ID_HELO || *mf == '\0') {
		/* Section 2.3/2.4: postmaster@<HELO name>. */
		if (*helo == '\0') {
			snprintf(err, errlen, "no sender and no HELO name");
			spf_free(s);
			return NULL;
		}
		s->local = "postmaster";
		s->sdomain = s->helo;
	} else if ((at = strrchr(mf, '@')) == NULL) {
		s->local = "postmaster";
		s->sdomain = adup(s, mf, ml);
	} else {
		/* Section 4.3: an empty local-part becomes "postmaster". */
		s->local = at == mf ? "postmaster" :
		    adup(s, mf, (size_t)(at - mf));
		s->sdomain = adup(s, at + 1, ml - (size_t)(at + 1 - mf));
	}
	ll = strlen(s->local);
	dl = strlen(s->sdomain);
	p = spf_arena_alloc(&s->arena, ll + dl + 2);
	memcpy(p, s->local, ll);
	p[ll] = '@';
	memcpy(p + ll + 1, s->sdomain, dl + 1);
	s->sender = p;
	s->receiver = req->receiver != NULL ?
	    adup(s, req->receiver, strlen(req->receiver)) : "unknown";
	s->default_exp = req->default_exp != NULL ?
	    adup(s, req->default_exp, strlen(req->default_exp)) :
	    SPF_EXP_DEFAULT;
	s->now = req->now;
	s->tstr[0] = '\0';
	s->state = ST_START;
	return s;
}

void
spf_free(struct spf *s)
{
	if (s == NULL)
		return;
	spf_arena_free(&s->arena);
	free(s);
}

/* Finish with a final result. */
static void
finish(struct spf *s, enum spf_result r, const char *problem)
{
	s->result = r;
	if (problem != NULL)
		s->problem = problem;
	s->state = ST_DONE;
}

static void
ask(struct spf *s, const char *name, size_t len, uint16_t type,
    enum cont k)
{
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len >= sizeof(s->qname))
		len = sizeof(s->qname) - 1;
	memcpy(s->qname, name, len);
	s->qname[len] = '\0';
	s->qtype = type;
	s->cont = k;
	s->queries++;
	s->state = ST_WAIT;
}

static int
name_eq(const char *a, size_t al, const char *b, size_t bl)
{
	if (al > 0 && a[al - 1] == '.')
		al--;
	if (bl > 0 && b[bl - 1] == '.')
		bl--;
	return al == bl && strncasecmp(a, b, al) == 0;
}

/* 1 if name is dom or a subdomain of it (case-insensitive). */
static int
in_domain(const char *name, const char *dom)
{
	size_t	nl = strlen(name), dl = strlen(dom);

	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (dl > 0 && dom[dl - 1] == '.')
		dl--;
	if (nl == dl)
		return strncasecmp(name, dom, nl) == 0;
	if (nl > dl && name[nl - dl - 1] == '.')
		return strncasecmp(name + nl - dl, dom, dl) == 0;
	return 0;
}

/* %{p}: the validated name to use for the current domain (7.3). */
static const char *
p_value(struct spf *s, const char *dom)
{
	size_t		 i;
	const char	*any = NULL, *sub = NULL;

	for (i = 0; i < s->npnames; i++) {
		if (!s->pvalid[i])
			continue;
		if (name_eq(s->pnames[i], strlen(s->pnames[i]), dom,
		    strlen(dom)))
			return s->pnames[i];
		if (sub == NULL && in_domain(s->pnames[i], dom))
			sub = s->pnames[i];
		if (any == NULL)
			any = s->pnames[i];
	}
	return sub != NULL ? sub : any != NULL ? any : "unknown";
}

static void
macro_env(struct spf *s, struct spf_macro_env *e, const char *dom)
{
	e->s = s->sender;
	e->l = s->local;
	e->o = s->sdomain;
	e->d = dom;
	e->i = s->istr;
	e->p = s->p_done ? p_value(s, dom) : "unknown";
	e->h = s->helo;
	e->c = s->cstr;
	e->r = s->receiver;
	e->t = s->tstr;		/* only explanations use it: exp_text() */
	e->v = s->v4 ? "in-addr" : "ip6";
}

/*
 * Make sure %{p} is known before expanding. Returns 1 if it is, else
 * starts the PTR lookup (resuming at state resume) and returns 0.
 */
static int
need_p(struct spf *s, enum state resume)
{
	if (s->p_done)
		return 1;
	s->p_resume = resume;
	ask(s, s->rev, strlen(s->rev), DNS_T_PTR, K_PPTR);
	return 0;
}

/*
 * Expand spec as a domain name for the current frame. Returns the name
 * (in the arena) or NULL: *bad = 1 for an unusable name (section 4.8:
 * treated as no match by a, mx, ptr, exists), *bad = 2 for an error.
 */
static const char *
expand_name(struct spf *s, const char *spec, size_t len, int *bad)
{
	struct spf_macro_env	 e;
	char			 buf[SPF_EXPAND_MAX];
	const char		*n;
	long			 r;
	size_t			 nl;

	*bad = 0;
	if (spec == NULL)
		return s->frames[s->depth].domain;
	macro_env(s, &e, s->frames[s->depth].domain);
	r = spf_macro_expand(&e, spec, len, 0, buf, sizeof(buf));
	if (r < 0) {
		*bad = r == -1 ? 2 : 1;
		return NULL;
	}
	nl = (size_t)r;
	if ((n = spf_name_truncate(buf, &nl)) == NULL ||
	    !spf_domain_ok(n, nl)) {
		*bad = 1;
		return NULL;
	}
	if (nl > 0 && n[nl - 1] == '.')
		nl--;
	if ((n = adup(s, n, nl)) == NULL) {
		*bad = 2;
		return NULL;
	}
	return n;
}

static void
next_term(struct spf *s)
{
	s->frames[s->depth].pos++;
	s->state = ST_TERM;
}

/* A frame produced a (non-error) result. */
static void
frame_result(struct spf *s, enum spf_result r, const struct spf_term *t)
{
	struct frame	*f;

	if (s->depth > 0) {
		/* Section 5.2: the include's own result decides a match. */
		s->depth--;
		f = &s->frames[s->depth];
		if (r == SPF_PASS) {
			t = &f->rec.terms[f->pos];
			frame_result(s, t->qual, t);
		} else
			next_term(s);
		return;
	}
	f = &s->frames[0];
	s->result = r;
	s->mech = t != NULL ? adup(s, t->text, t->textlen) : "default";
	if (s->mech == NULL)
		s->mech = "";
	if (r == SPF_FAIL) {
		s->exp = (char *)(uintptr_t)s->default_exp;
		if (f->rec.exp != NULL) {
			s->state = ST_EXP;
			return;
		}
	}
	s->state = ST_DONE;
}

static void
match(struct spf *s)
{
	struct frame	*f = &s->frames[s->depth];

	frame_result(s, f->rec.terms[f->pos].qual, &f->rec.terms[f->pos]);
}

static int
addr_in(const struct spf *s, const uint8_t *a, int v4, unsigned plen)
{
	const uint8_t	*ip = v4 ? s->ip + 12 : s->ip;
	unsigned	 bytes = plen / 8, bits = plen % 8;

	if (memcmp(ip, a, bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	return ((ip[bytes] ^ a[bytes]) & (0xff00 >> bits) & 0xff) == 0;
}

/* Does an A/AAAA answer hold an address inside the term's CIDR? */
static int
answer_match(const struct spf *s, const struct spf_answer *a,
    unsigned cidr4, unsigned cidr6)
{
	size_t	i;

	for (i = 0; i < a->nrr; i++) {
		const struct spf_rr	*rr = &a->rr[i];

		if (s->v4 && rr->type == DNS_T_A && rr->len == 4 &&
		    addr_in(s, rr->data, 1, cidr4))
			return 1;
		if (!s->v4 && rr->type == DNS_T_AAAA && rr->len == 16 &&
		    addr_in(s, rr->data, 0, cidr6))
			return 1;
	}
	return 0;
}

static size_t
count_type(const struct spf_answer *a, uint16_t type)
{
	size_t	i, n = 0;

	for (i = 0; i < a->nrr; i++)
		if (a->rr[i].type == type)
			n++;
	return n;
}

/* Section 4.6.4: a void lookup; returns -1 (and finishes) past 2. */
static int
void_lookup(struct spf *s)
{
	if (++s->voids > SPF_VOID_MAX) {
		finish(s, SPF_PERMERROR, "too many void lookups");
		return -1;
	}
	return 0;
}

/* Copy the names of the PTR or MX records of a, at most max. */
static char **
copy_names(struct spf *s, const struct spf_answer *a, uint16_t type,
    size_t max, size_t *n)
{
	char	**v;
	size_t	  i;

	*n = 0;
	if ((v = spf_arena_alloc(&s->arena, sizeof(*v) * (max + 1))) == NULL)
		return NULL;
	for (i = 0; i < a->nrr && *n < max; i++) {
		const struct spf_rr	*rr = &a->rr[i];
		size_t			 len = rr->len;

		if (rr->type != type)
			continue;
		if (len > 0 && ((const char *)rr->data)[len - 1] == '.')
			len--;
		if (len > SPF_NAME_MAX || memchr(rr->data, '\0', len) != NULL)
			continue;
		if ((v[*n] = adup(s, rr->data, len)) == NULL)
			return NULL;
		(*n)++;
	}
	return v;
}

/* Select and parse the record of the top frame (section 4.5). */
static void
got_txt(struct spf *s, const struct spf_answer *a)
{
	struct frame		*f = &s->frames[s->depth];
	const struct spf_rr	*rec = NULL;
	size_t			 i, n = 0;
	const char		*err;
	char			*text;
	struct spf_term		*terms;

	if (a->status == SPF_DNS_TEMPFAIL) {
		finish(s, SPF_TEMPERROR, "DNS error fetching the record");
		return;
	}
	for (i = 0; a->status == SPF_DNS_OK && i < a->nrr; i++) {
		if (a->rr[i].type == DNS_T_TXT &&
		    spf_record_is_v1(a->rr[i].data, a->rr[i].len)) {
			rec = &a->rr[i];
			n++;
		}
	}
	if (n == 0) {
		/* Section 5.2 and 6.1: none below include/redirect. */
		if (s->depth > 0 || f->redirected)
			finish(s, SPF_PERMERROR, "no SPF record at include "
			    "or redirect target");
		else
			finish(s, SPF_NONE, "no SPF record");
		return;
	}
	if (n > 1) {
		finish(s, SPF_PERMERROR, "more than one SPF record");
		return;
	}
	if (rec->len > SPF_RECORD_MAX) {
		finish(s, SPF_PERMERROR, "record too long");
		return;
	}
	text = adup(s, rec->data, rec->len);
	n = spf_record_max_terms(text, rec->len);
	if (n > SPF_TERMS_MAX)
		n = SPF_TERMS_MAX;
	terms = text == NULL ? NULL :
	    spf_arena_alloc(&s->arena, sizeof(*terms) * n);
	if (terms == NULL) {
		finish(s, SPF_PERMERROR, "record too large");
		return;
	}
	if (spf_record_parse(text, rec->len, terms, &f->rec, &err) == -1) {
		finish(s, SPF_PERMERROR, err);
		return;
	}
	f->pos = 0;
	s->state = ST_TERM;
}

/* Start the term at f->pos. */
static void
term(struct spf *s)
{
	struct frame		*f = &s->frames[s->depth];
	const struct spf_term	*t;

	if (f->pos >= f->rec.nterms) {
		s->state = ST_REDIRECT;
		return;
	}
	t = &f->rec.terms[f->pos];
	switch (t->mech) {
	case SPF_M_ALL:
		match(s);
		return;
	case SPF_M_IP4:
		if (s->v4 && addr_in(s, t->addr, 1, t->cidr4))
			match(s);
		else
			next_term(s);
		return;
	case SPF_M_IP6:
		if (!s->v4 && addr_in(s, t->addr, 0, t->cidr6))
			match(s);
		else
			next_term(s);
		return;
	default:
		/* Section 4.6.4: count the term before its lookup. */
		if (++s->lookups > SPF_LOOKUPS_MAX) {
			finish(s, SPF_PERMERROR, "more than 10 DNS lookups");
			return;
		}
		s->state = ST_TERM_EXPAND;
		return;
	}
}

static void
term_expand(struct spf *s)
{
	struct frame		*f = &s->frames[s->depth];
	const struct spf_term	*t = &f->rec.terms[f->pos];
	const char		*target;
	int			 bad;

	if (t->needs_p && !need_p(s, ST_TERM_EXPAND))
		return;
	target = expand_name(s, t->spec, t->speclen, &bad);
	if (target == NULL) {
		if (bad == 2 || t->mech == SPF_M_INCLUDE)
			finish(s, SPF_PERMERROR, "bad target name");
		else
			next_term(s);
		return;
	}
	f->target = target;
	switch (t->mech) {
	case SPF_M_A:
		ask(s, target, strlen(target), s->v4 ? DNS_T_A : DNS_T_AAAA,
		    K_A);
		return;
	case SPF_M_MX:
		ask(s, target, strlen(target), DNS_T_MX, K_MX);
		return;
	case SPF_M_PTR:
		ask(s, s->rev, strlen(s->rev), DNS_T_PTR, K_PTR);
		return;
	case SPF_M_EXISTS:
		/* Section 5.7: always an A query, whatever the client. */
		ask(s, target, strlen(target), DNS_T_A, K_EXISTS);
		return;
	case SPF_M_INCLUDE:
		if (s->depth + 1 >= SPF_DEPTH_MAX) {
			finish(s, SPF_PERMERROR, "includes nested too deep");
			return;
		}
		s->depth++;
		f = &s->frames[s->depth];
		memset(f, 0, sizeof(*f));
		f->domain = target;
		s->state = ST_FETCH;
		return;
	default:
		finish(s, SPF_PERMERROR, "impossible mechanism");
		return;
	}
}

static void
redirect(struct spf *s)
{
	struct frame	*f = &s->frames[s->depth];

	if (f->rec.redirect == NULL) {
		/* Section 4.7: no match and no redirect gives neutral. */
		frame_result(s, SPF_NEUTRAL, NULL);
		return;
	}
	if (++s->lookups > SPF_LOOKUPS_MAX) {
		finish(s, SPF_PERMERROR, "more than 10 DNS lookups");
		return;
	}
	s->state = ST_REDIRECT_EXPAND;
}

static void
redirect_expand(struct spf *s)
{
	struct frame	*f = &s->frames[s->depth];
	const char	*target;
	int		 bad;

	if (f->rec.redirect_p && !need_p(s, ST_REDIRECT_EXPAND))
		return;
	target = expand_name(s, f->rec.redirect, f->rec.redirectlen, &bad);
	if (target == NULL) {
		finish(s, SPF_PERMERROR, "bad redirect target");
		return;
	}
	/* Section 6.1: the target's record replaces this one. */
	memset(f, 0, sizeof(*f));
	f->domain = target;
	f->redirected = 1;
	s->state = ST_FETCH;
}

/* Section 6.2: exp= on a fail. Any trouble keeps the default. */
static void
exp_start(struct spf *s)
{
	struct frame	*f = &s->frames[0];
	const char	*target;
	int		 bad;

	if (f->rec.exp_p && !need_p(s, ST_EXP))
		return;
	target = expand_name(s, f->rec.exp, f->rec.explen, &bad);
	if (target == NULL) {
		s->state = ST_DONE;
		return;
	}
	ask(s, target, strlen(target), DNS_T_TXT, K_EXP);
}

static void
exp_text(struct spf *s)
{
	struct spf_macro_env	 e;
	char			 buf[SPF_EXP_MAX];
	long			 r;
	int			 p = 0;

	if (spf_macro_check(s->exp_text, strlen(s->exp_text), 1, &p) == -1) {
		s->state = ST_DONE;
		return;
	}
	if (p && !need_p(s, ST_EXP_TEXT))
		return;
	snprintf(s->tstr, sizeof(s->tstr), "%lld",
	    (long long)(s->now != 0 ? s->now : time(NULL)));
	macro_env(s, &e, s->frames[0].domain);
	r = spf_macro_expand(&e, s->exp_text, strlen(s->exp_text), 1, buf,
	    sizeof(buf));
	if (r >= 0)
		s->exp = adup(s, buf, (size_t)r);
	if (s->exp == NULL)
		s->exp = (char *)(uintptr_t)s->default_exp;
	s->state = ST_DONE;
}

static void
got_exp(struct spf *s, const struct spf_answer *a)
{
	const struct spf_rr	*rec = NULL;
	size_t			 i, n = 0;

	s->state = ST_DONE;
	if (a->status != SPF_DNS_OK)
		return;
	for (i = 0; i < a->nrr; i++)
		if (a->rr[i].type == DNS_T_TXT) {
			rec = &a->rr[i];
			n++;
		}
	if (n != 1 || rec->len >= SPF_EXP_MAX)
		return;
	for (i = 0; i < rec->len; i++) {
		unsigned char	c = ((const unsigned char *)rec->data)[i];

		if (c < 0x20 || c > 0x7e)
			return;
	}
	if ((s->exp_text = adup(s, rec->data, rec->len)) == NULL)
		return;
	s->state = ST_EXP_TEXT;
}

enum spf_step
spf_step(struct spf *s)
{
	struct frame	*f;
	const char	*name;

	for (;;) {
		f = &s->frames[s->depth];
		switch (s->state) {
		case ST_START:
			/* Section 4.3: a malformed domain gives none. */
			if (!spf_domain_ok(s->sdomain, strlen(s->sdomain))) {
				finish(s, SPF_NONE, "not a valid domain name");
				break;
			}
			memset(f, 0, sizeof(*f));
			f->domain = s->sdomain;
			s->state = ST_FETCH;
			break;
		case ST_FETCH:
			ask(s, f->domain, strlen(f->domain), DNS_T_TXT, K_TXT);
			break;
		case ST_TERM:
			term(s);
			break;
		case ST_TERM_EXPAND:
			term_expand(s);
			break;
		case ST_MX_NEXT:
			if (f->idx >= f->nnames) {
				next_term(s);
				break;
			}
			name = f->names[f->idx];
			if (*name == '\0') {
				/* A null MX (RFC 7505) has no address. */
				f->idx++;
				break;
			}
			ask(s, name, strlen(name), s->v4 ? DNS_T_A :
			    DNS_T_AAAA, K_MXA);
			break;
		case ST_PTR_NEXT:
			/* Only names inside the target can match (5.5). */
			while (f->idx < f->nnames &&
			    !in_domain(f->names[f->idx], f->target))
				f->idx++;
			if (f->idx >= f->nnames) {
				next_term(s);
				break;
			}
			name = f->names[f->idx];
			ask(s, name, strlen(name), s->v4 ? DNS_T_A :
			    DNS_T_AAAA, K_PTRA);
			break;
		case ST_P_NEXT:
			if (s->pidx >= s->npnames) {
				s->p_done = 1;
				s->state = s->p_resume;
				break;
			}
			name = s->pnames[s->pidx];
			ask(s, name, strlen(name), s->v4 ? DNS_T_A :
			    DNS_T_AAAA, K_PA);
			break;
		case ST_REDIRECT:
			redirect(s);
			break;
		case ST_REDIRECT_EXPAND:
			redirect_expand(s);
			break;
		case ST_EXP:
			exp_start(s);
			break;
		case ST_EXP_TEXT:
			exp_text(s);
			break;
		case ST_WAIT:
			return SPF_STEP_QUERY;
		case ST_DONE:
			return SPF_STEP_DONE;
		}
	}
}

const char *
spf_query_name(const struct spf *s)
{
	return s->qname;
}

uint16_t
spf_query_type(const struct spf *s)
{
	return s->qtype;
}

void
spf_answer(struct spf *s, const struct spf_answer *a)
{
	struct frame	*f = &s->frames[s->depth];
	int		 empty;

	if (s->state != ST_WAIT)
		return;
	empty = a->status == SPF_DNS_NXDOMAIN ||
	    (a->status == SPF_DNS_OK && count_type(a, s->qtype) == 0);
	switch (s->cont) {
	case K_TXT:
		got_txt(s, a);
		return;
	case K_A:
		if (a->status == SPF_DNS_TEMPFAIL)
			finish(s, SPF_TEMPERROR, "DNS error in a");
		else if (empty) {
			if (void_lookup(s) == 0)
				next_term(s);
		} else if (answer_match(s, a, f->rec.terms[f->pos].cidr4,
		    f->rec.terms[f->pos].cidr6))
			match(s);
		else
			next_term(s);
		return;
	case K_EXISTS:
		if (a->status == SPF_DNS_TEMPFAIL)
			finish(s, SPF_TEMPERROR, "DNS error in exists");
		else if (empty) {
			if (void_lookup(s) == 0)
				next_term(s);
		} else
			match(s);
		return;
	case K_MX:
		if (a->status == SPF_DNS_TEMPFAIL) {
			finish(s, SPF_TEMPERROR, "DNS error in mx");
			return;
		}
		if (empty) {
			if (void_lookup(s) == 0)
				next_term(s);
			return;
		}
		/* Section 4.6.4: more than 10 MX names is a permerror. */
		if (count_type(a, DNS_T_MX) > SPF_MX_MAX) {
			finish(s, SPF_PERMERROR, "more than 10 MX names");
			return;
		}
		f->names = copy_names(s, a, DNS_T_MX, SPF_MX_MAX, &f->nnames);
		if (f->names == NULL) {
			finish(s, SPF_PERMERROR, "out of memory for mx");
			return;
		}
		f->idx = 0;
		s->state = ST_MX_NEXT;
		return;
	case K_MXA:
		if (a->status == SPF_DNS_TEMPFAIL) {
			finish(s, SPF_TEMPERROR, "DNS error in mx address");
			return;
		}
		if (!empty && answer_match(s, a, f->rec.terms[f->pos].cidr4,
		    f->rec.terms[f->pos].cidr6)) {
			match(s);
			return;
		}
		f->idx++;
		s->state = ST_MX_NEXT;
		return;
	case K_PTR:
		/* Section 5.5: a DNS error means no match. */
		if (a->status == SPF_DNS_TEMPFAIL) {
			next_term(s);
			return;
		}
		if (empty) {
			if (void_lookup(s) == 0)
				next_term(s);
			return;
		}
		/* Only the first 10 names are used (4.6.4). */
		f->names = copy_names(s, a, DNS_T_PTR, SPF_PTR_MAX,
		    &f->nnames);
		if (f->names == NULL) {
			finish(s, SPF_PERMERROR, "out of memory for ptr");
			return;
		}
		f->idx = 0;
		s->state = ST_PTR_NEXT;
		return;
	case K_PTRA:
		/* Errors on one name only skip that name (5.5). */
		if (a->status == SPF_DNS_OK && answer_match(s, a, 32, 128)) {
			match(s);
			return;
		}
		f->idx++;
		s->state = ST_PTR_NEXT;
		return;
	case K_PPTR:
		s->npnames = 0;
		if (a->status == SPF_DNS_OK)
			s->pnames = copy_names(s, a, DNS_T_PTR, SPF_PTR_MAX,
			    &s->npnames);
		if (s->pnames == NULL)
			s->npnames = 0;
		s->pvalid = spf_arena_alloc(&s->arena, s->npnames + 1);
		if (s->pvalid == NULL)
			s->npnames = 0;
		s->pidx = 0;
		s->state = ST_P_NEXT;
		return;
	case K_PA:
		s->pvalid[s->pidx] = a->status == SPF_DNS_OK &&
		    answer_match(s, a, 32, 128);
		s->pidx++;
		s->state = ST_P_NEXT;
		return;
	case K_EXP:
		got_exp(s, a);
		return;
	}
}

enum spf_result
spf_result(const struct spf *s)
{
	return s->result;
}

const char *
spf_explanation(const struct spf *s)
{
	return s->result == SPF_FAIL ? s->exp : NULL;
}

const char *
spf_mechanism(const struct spf *s)
{
	return s->mech;
}

const char *
spf_problem(const struct spf *s)
{
	return s->problem;
}

int
spf_lookups(const struct spf *s)
{
	return s->lookups;
}

int
spf_queries(const struct spf *s)
{
	return s->queries;
}

const char *
spf_domain(const struct spf *s)
{
	return s->sdomain;
}

const char *
spf_sender(const struct spf *s)
{
	return s->sender;
}

const char *
spf_client_ip(const struct spf *s)
{
	return s->cstr;
}

const char *
spf_helo(const struct spf *s)
{
	return s->helo;
}

enum spf_identity
spf_identity(const struct spf *s)
{
	return s->identity;
}

/* The driver of spf_run(): loops while the resolver answers at once. */
struct run {
	struct spf			*s;
	const struct spf_resolver	*r;
	void				(*done)(struct spf *, void *);
	void				*arg;
	int				 looping;
	int				 answered;
};

static void run_loop(struct run *ru);

static void
run_cb(void *arg, const struct spf_answer *a)
{
	struct run	*ru = arg;

	spf_answer(ru->s, a);
	ru->answered = 1;
	if (!ru->looping)
		run_loop(ru);
}

static void
run_loop(struct run *ru)
{
	struct spf	*s = ru->s;

	ru->looping = 1;
	while (spf_step(s) == SPF_STEP_QUERY) {
		ru->answered = 0;
		ru->r->query(ru->r->ctx, spf_query_name(s),
		    spf_query_type(s), run_cb, ru);
		if (!ru->answered) {
			/* Asynchronous: run_cb continues later. */
			ru->looping = 0;
			return;
		}
	}
	ru->looping = 0;
	ru->done(s, ru->arg);
	free(ru);
}

void
spf_run(struct spf *s, const struct spf_resolver *r,
    void (*done)(struct spf *s, void *arg), void *arg)
{
	struct run	*ru = xmalloc(sizeof(*ru));

	ru->s = s;
	ru->r = r;
	ru->done = done;
	ru->arg = arg;
	ru->looping = 0;
	ru->answered = 0;
	run_loop(ru);
}
