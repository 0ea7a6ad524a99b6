/*
 * orgdomain.c: domain names for DMARC, and the organizational domain
 * (RFC 7489 section 3.2) from the Public Suffix List.
 *
 * The list is read by libpsl from a file named by the caller, by default
 * Debian's publicsuffix package's public_suffix_list.dat, rather than
 * libpsl's built-in copy or psl_latest(): the operator sees which list is
 * used, and the package keeps it current. The loaded list is an object
 * its owner frees (the daemon's milter holds one); there is no global
 * state. libpsl applies the wildcard (*.ck) and exception (!www.ck)
 * rules, the default "*" rule for an unlisted TLD, and both the ICANN and
 * the private sections.
 *
 * Names are normalised before any comparison: ASCII lower case, without
 * the trailing dot, U-labels as A-labels (libidn2, IDNA2008 with the
 * TR46 non-transitional mapping), so the public suffix rules (which
 * libpsl holds in both forms) and DNS queries see one spelling.
 * No logging.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
#include <libpsl.h>

#include "core/str.h"
#include "dmarc/dmarc.h"

struct dmarc_psl {
	psl_ctx_t	*ctx;
};

static struct dmarc_psl *
from_fp(FILE *fp, const char *name, char *err, size_t errlen)
{
	struct dmarc_psl	*psl;
	psl_ctx_t		*ctx;

	ctx = psl_load_fp(fp);
	if (ctx == NULL) {
		snprintf(err, errlen, "%s: not a public suffix list", name);
		return NULL;
	}
	if ((psl = calloc(1, sizeof(*psl))) == NULL) {
		psl_free(ctx);
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	psl->ctx = ctx;
	return psl;
}

struct dmarc_psl *
dmarc_psl_load(const char *path, char *err, size_t errlen)
{
	struct dmarc_psl	*psl;
	FILE			*fp;

	if (path == NULL)
		path = DMARC_PSL_DEFAULT;
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	psl = from_fp(fp, path, err, errlen);
	fclose(fp);
	return psl;
}

struct dmarc_psl *
dmarc_psl_from_mem(const void *p, size_t len, char *err, size_t errlen)
{
	struct dmarc_psl	*psl;
	FILE			*fp;

	/* fmemopen refuses a zero-length buffer: an empty list is "\n". */
	if ((fp = fmemopen(len > 0 ? (void *)(uintptr_t)p : "\n",
	    len > 0 ? len : 1, "r")) == NULL) {
		snprintf(err, errlen, "list in memory: %s", strerror(errno));
		return NULL;
	}
	psl = from_fp(fp, "list in memory", err, errlen);
	fclose(fp);
	return psl;
}

void
dmarc_psl_free(struct dmarc_psl *psl)
{
	if (psl == NULL)
		return;
	psl_free(psl->ctx);
	free(psl);
}

int
dmarc_domain_norm(const char *in, size_t len, char *out, size_t outlen)
{
	char	 buf[DMARC_DOMAIN_MAX * 4 + 2];
	char	*a = NULL;
	size_t	 n;

	/* Untrusted input: bounded, no NUL inside, one trailing dot. */
	if (len == 0 || len >= sizeof(buf) || memchr(in, '\0', len) != NULL)
		return -1;
	memcpy(buf, in, len);
	buf[len] = '\0';
	if (buf[len - 1] == '.')
		buf[--len] = '\0';
	if (str_has_nonascii(buf, len)) {
		/* U-labels (RFC 5890): to A-labels, mapped to lower case. */
		if (idn2_to_ascii_8z(buf, &a, IDN2_NFC_INPUT |
		    IDN2_NONTRANSITIONAL) != IDN2_OK)
			return -1;
		n = str_lcpy(buf, a, sizeof(buf));
		idn2_free(a);
		if (n >= sizeof(buf))
			return -1;
		len = n;
	}
	str_lower(buf);
	if (len > DMARC_DOMAIN_MAX || !str_dnsname_ok(buf, len) ||
	    len >= outlen)
		return -1;
	memcpy(out, buf, len + 1);
	return 0;
}

int
dmarc_orgdomain(const struct dmarc_psl *psl, const char *domain, char *out,
    size_t outlen)
{
	const char	*r;

	/*
	 * Section 3.2 steps 3-4: the longest matching public suffix plus
	 * one label. NULL means domain is itself a public suffix (or
	 * empty): then it is its own organizational domain.
	 */
	r = psl_registrable_domain(psl->ctx, domain);
	if (r == NULL)
		r = domain;
	if (str_lcpy(out, r, outlen) >= outlen)
		return -1;
	return 0;
}
