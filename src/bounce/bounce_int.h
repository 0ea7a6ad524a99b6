/*
 * bounce_int.h: what the message walk (mime.c) hands the classifier
 * (classify.c), and the rule table (rules.c).
 */
#ifndef FAIRLIST_BOUNCE_INT_H
#define FAIRLIST_BOUNCE_INT_H

#include <stddef.h>

#include "bounce/bounce.h"
#include "core/buf.h"

/* What a message yields: the DSN fields and the human text. */
struct bounce_input {
	int		dsn;		/* a message/delivery-status part seen */
	int		parts;		/* MIME parts walked */
	struct sbuf	diag;		/* Diagnostic-Code, unfolded */
	struct sbuf	status;		/* Status */
	struct sbuf	action;		/* Action */
	struct sbuf	recipient;	/* Final-Recipient */
	struct sbuf	remote_mta;	/* Remote-MTA */
	struct sbuf	human;		/* decoded text/plain (or bare body) */
	struct sbuf	html;		/* decoded text/html, tags dropped */
};

void	bounce_input_init(struct bounce_input *in);
void	bounce_input_free(struct bounce_input *in);

/*
 * Walk the message msg (len bytes, already capped) into OUT:in.
 * Untrusted input: every read is bounded, the walk stops at
 * BOUNCE_PARTS_MAX parts and BOUNCE_DEPTH_MAX levels.
 */
void	bounce_mime_walk(const unsigned char *msg, size_t len,
	    struct bounce_input *in);

/* Classify what the walk found (or a bare reply text in in->diag). */
void	bounce_classify_input(const struct bounce_input *in,
	    struct bounce_result *r);

/*
 * One rule: when pat (lower case, single spaces) occurs in the
 * normalised reply text, the bounce is of class cls. list, when not
 * NULL, names the list for a text that names none ("S3150"). Rules are
 * tried in table order; the first that matches wins, so the specific
 * (resolver errors, dead lists, providers' own blocks) come before the
 * general ("blocked using").
 */
struct bounce_rule {
	const char		*name;
	const char		*pat;
	enum bounce_class	 cls;
	const char		*list;
};

extern const struct bounce_rule bounce_rules[];
extern const size_t bounce_nrules;

/*
 * The enhanced status codes (RFC 3463) that decide when no rule
 * matched: prefix match ("5.1.1" before "5.1").
 */
struct bounce_code_rule {
	const char		*code;
	enum bounce_class	 cls;
};

extern const struct bounce_code_rule bounce_code_rules[];
extern const size_t bounce_ncode_rules;

#endif /* FAIRLIST_BOUNCE_INT_H */
