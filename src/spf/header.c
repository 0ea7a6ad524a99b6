/*
 * header.c: the Received-SPF (RFC 7208 section 9.1) and the spf part of
 * Authentication-Results (RFC 8601 section 2.7.2) header fields.
 *
 * Every value that comes from the peer (sender, HELO name, the decisive
 * term of a record, the problem text) is emitted as an RFC 5322
 * quoted-string or comment with '"', '\\', '(' and ')' escaped and every
 * byte outside printable ASCII replaced by '?', so no CR, LF or other
 * control byte can reach the header (no header injection). No folding:
 * callers fold long fields if they need to.
 */
#include <string.h>

#include "spf/spf_int.h"

/* Append s as a quoted-string. */
static void
quoted(struct sbuf *b, const char *s)
{
	size_t	i, n = strlen(s);

	if (n > SPF_HDR_VALUE_MAX)
		n = SPF_HDR_VALUE_MAX;
	sbuf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			sbuf_addc(b, '\\');
			sbuf_addc(b, c);
		} else if (c < 0x20 || c > 0x7e)
			sbuf_addc(b, '?');
		else
			sbuf_addc(b, c);
	}
	sbuf_addc(b, '"');
}

/* Append s inside a comment: ( ) \ escaped, controls replaced. */
static void
commented(struct sbuf *b, const char *s)
{
	size_t	i, n = strlen(s);

	if (n > SPF_HDR_VALUE_MAX)
		n = SPF_HDR_VALUE_MAX;
	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c == '(' || c == ')' || c == '\\') {
			sbuf_addc(b, '\\');
			sbuf_addc(b, c);
		} else if (c < 0x20 || c > 0x7e)
			sbuf_addc(b, '?');
		else
			sbuf_addc(b, c);
	}
}

/* 1 if s is a dot-atom-like token that needs no quoting. */
static int
plain_ok(const char *s, int allow_at)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > SPF_HDR_VALUE_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char	c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_' || c == '+' || (c == '@' && allow_at))
			continue;
		return 0;
	}
	return s[0] != '.' && s[n - 1] != '.';
}

static void
value(struct sbuf *b, const char *s, int allow_at)
{
	if (plain_ok(s, allow_at))
		sbuf_adds(b, s);
	else
		quoted(b, s);
}

void
spf_received_spf(const struct spf *s, const char *receiver,
    struct sbuf *b)
{
	enum spf_result	 r = spf_result(s);
	const char	*rcv = receiver != NULL ? receiver : "unknown";
	const char	*id = spf_identity(s) == SPF_ID_HELO ? "helo" :
			    "mailfrom";

	sbuf_adds(b, "Received-SPF: ");
	sbuf_adds(b, spf_result_str(r));
	sbuf_adds(b, " (");
	commented(b, rcv);
	sbuf_adds(b, ": ");
	switch (r) {
	case SPF_PASS:
		sbuf_adds(b, "domain of ");
		commented(b, spf_sender(s));
		sbuf_printf(b, " designates %s as permitted sender",
		    spf_client_ip(s));
		break;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
		sbuf_adds(b, "domain of ");
		commented(b, spf_sender(s));
		sbuf_printf(b, " does not designate %s as permitted sender",
		    spf_client_ip(s));
		break;
	case SPF_NEUTRAL:
		sbuf_printf(b, "%s is neither permitted nor denied by domain "
		    "of ", spf_client_ip(s));
		commented(b, spf_sender(s));
		break;
	case SPF_NONE:
		sbuf_adds(b, "domain of ");
		commented(b, spf_sender(s));
		sbuf_adds(b, " does not provide an SPF record");
		break;
	case SPF_TEMPERROR:
		sbuf_adds(b, "temporary error checking domain of ");
		commented(b, spf_sender(s));
		break;
	case SPF_PERMERROR:
		sbuf_adds(b, "permanent error in the SPF record of domain of ");
		commented(b, spf_sender(s));
		break;
	}
	/* An IPv6 address is no dot-atom (RFC 7208 section 9.1): quote it. */
	sbuf_adds(b, ") client-ip=");
	value(b, spf_client_ip(s), 0);
	sbuf_adds(b, "; envelope-from=");
	quoted(b, spf_sender(s));
	if (spf_helo(s)[0] != '\0') {
		sbuf_adds(b, "; helo=");
		value(b, spf_helo(s), 0);
	}
	sbuf_adds(b, "; receiver=");
	value(b, rcv, 0);
	sbuf_printf(b, "; identity=%s", id);
	if (spf_mechanism(s)[0] != '\0') {
		sbuf_adds(b, "; mechanism=");
		quoted(b, spf_mechanism(s));
	}
	if ((r == SPF_PERMERROR || r == SPF_TEMPERROR) &&
	    spf_problem(s)[0] != '\0') {
		sbuf_adds(b, "; problem=");
		quoted(b, spf_problem(s));
	}
}

void
spf_auth_results(const struct spf *s, const char *authserv_id,
    struct sbuf *b)
{
	sbuf_adds(b, "Authentication-Results: ");
	value(b, authserv_id != NULL ? authserv_id : "unknown", 0);
	sbuf_printf(b, "; spf=%s", spf_result_str(spf_result(s)));
	if (spf_identity(s) == SPF_ID_HELO) {
		sbuf_adds(b, " smtp.helo=");
		value(b, spf_helo(s), 0);
	} else {
		sbuf_adds(b, " smtp.mailfrom=");
		value(b, spf_sender(s), 1);
	}
}
