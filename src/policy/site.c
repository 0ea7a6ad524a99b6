/*
 * site.c: remote DNSBLs written in postscreen's syntax, and the presets.
 *
 * A site is "zone[=filter][*weight]" as in Postfix's postscreen_dnsbl_sites
 * (postconf(5)): the filter is d.d.d.d where each d is a decimal number
 * 0..255 or "[" a ";"-separated list of numbers and n..m ranges "]"; the
 * weight is a decimal integer, default 1, negative for allowlists. The
 * filter is compiled into one 256-bit bitmap per octet, so matching an
 * answer is four bit tests.
 *
 * What counts as an answer at all is decided here too: the DNSBL error
 * codes (policy_code_is_error) never match a site, with or without a
 * filter, so a list that starts answering "you are querying too much"
 * can never reject mail.
 *
 * The presets are the public lists most people use, with the return codes
 * their operators document (docs/POLICY.md has the table and the reasons
 * for each weight). No I/O, no allocation.
 */
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "policy/policy.h"

/* Weights beyond this are typos: the default threshold is 3. */
#define SITE_WEIGHT_MAX	1000

/* The DNS name rules for a zone (RFC 1035 section 2.3.4). */
#define LABEL_MAX	63
#define NAME_MAX_TEXT	253

static void
bit_set(uint8_t map[32], unsigned v)
{
	map[v >> 3] |= (uint8_t)(1u << (v & 7));
}

static int
bit_isset(const uint8_t map[32], unsigned v)
{
	return (map[v >> 3] >> (v & 7)) & 1;
}

/*
 * Read a decimal octet value 0..255 at s[*i]: one to three digits, no
 * sign. Returns the value and advances *i, or -1.
 */
static int
read_octet(const char *s, size_t len, size_t *i)
{
	size_t	k = *i;
	int	v = 0;

	while (k < len && s[k] >= '0' && s[k] <= '9') {
		if (k - *i >= 3)
			return -1;
		v = v * 10 + (s[k] - '0');
		k++;
	}
	if (k == *i || v > 255)
		return -1;
	*i = k;
	return v;
}

/*
 * One field of the filter at s[*i]: a number, or "[a;b..c;...]". Sets the
 * allowed values in map and leaves *i after the field. Returns 0 or -1
 * with a static message in OUT:why.
 */
static int
parse_field(const char *s, size_t len, size_t *i, uint8_t map[32],
    const char **why)
{
	size_t	k = *i;
	int	lo, hi, v;

	if (k >= len || s[k] != '[') {
		if ((v = read_octet(s, len, &k)) == -1) {
			*why = "want a number 0..255 or [list]";
			return -1;
		}
		bit_set(map, (unsigned)v);
		*i = k;
		return 0;
	}
	k++;		/* '[' */
	for (;;) {
		if ((lo = read_octet(s, len, &k)) == -1) {
			*why = "want a number 0..255 in [list]";
			return -1;
		}
		hi = lo;
		if (len - k >= 2 && s[k] == '.' && s[k + 1] == '.') {
			k += 2;
			if ((hi = read_octet(s, len, &k)) == -1) {
				*why = "want a number 0..255 after '..'";
				return -1;
			}
			if (hi < lo) {
				*why = "range n..m with m < n";
				return -1;
			}
		}
		for (v = lo; v <= hi; v++)
			bit_set(map, (unsigned)v);
		if (k < len && s[k] == ';') {
			k++;
			continue;
		}
		if (k < len && s[k] == ']') {
			k++;
			break;
		}
		*why = "want ';' or ']' in [list]";
		return -1;
	}
	*i = k;
	return 0;
}

/* Untrusted input (configuration): the filter text s[0..len). */
static int
parse_filter(const char *s, size_t len, struct policy_filter *f,
    const char **why)
{
	size_t	i = 0;
	int	o;

	memset(f, 0, sizeof(*f));
	for (o = 0; o < 4; o++) {
		if (o > 0) {
			if (i >= len || s[i] != '.') {
				*why = "want four octets d.d.d.d";
				return -1;
			}
			i++;
		}
		if (parse_field(s, len, &i, f->octet[o], why) == -1)
			return -1;
	}
	if (i != len) {
		*why = "trailing text after the fourth octet";
		return -1;
	}
	return 0;
}

/*
 * Copy the zone name s[0..len) lower-cased into dst without one trailing
 * dot, and check it as a host name: labels of 1..63 letters, digits, '-'
 * and '_', at most 253 bytes in all.
 */
static int
parse_zone(const char *s, size_t len, char dst[POLICY_ZONE_MAX],
    const char **why)
{
	size_t	i, lab = 0;
	int	c;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0) {
		*why = "empty zone name";
		return -1;
	}
	if (len > NAME_MAX_TEXT) {
		*why = "zone name longer than 253 bytes";
		return -1;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (lab == 0) {
				*why = "empty label in zone name";
				return -1;
			}
			lab = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++lab > LABEL_MAX) {
				*why = "zone label longer than 63 bytes";
				return -1;
			}
		} else {
			*why = "bad character in zone name";
			return -1;
		}
		dst[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	if (lab == 0) {
		*why = "empty label in zone name";
		return -1;
	}
	dst[len] = '\0';
	return 0;
}

/*
 * Parse "zone[=filter][*weight]". The zone ends at the first '=' or '*';
 * a filter ends at '*' (it never contains one); the weight runs to the
 * end. On error s is zeroed and OUT:err names the spec and the fault.
 */
int
policy_site_parse(const char *spec, struct policy_site *s, char *err,
    size_t errlen)
{
	const char	*eq, *star, *why = NULL, *errstr;
	size_t		 len, zlen;
	long long	 w;

	memset(s, 0, sizeof(*s));
	s->weight = 1;
	len = strlen(spec);
	if (str_has_ctl(spec, len)) {
		snprintf(err, errlen, "DNSBL site: control character");
		return -1;
	}
	star = memchr(spec, '*', len);
	eq = memchr(spec, '=', star != NULL ? (size_t)(star - spec) : len);
	zlen = eq != NULL ? (size_t)(eq - spec) :
	    star != NULL ? (size_t)(star - spec) : len;
	if (parse_zone(spec, zlen, s->zone, &why) == -1)
		goto bad;
	if (eq != NULL) {
		if (parse_filter(eq + 1, (star != NULL ? (size_t)(star - eq) :
		    len - zlen) - 1, &s->filter, &why) == -1)
			goto bad;
		s->has_filter = 1;
	}
	if (star != NULL) {
		w = str_tonum(star + 1, -SITE_WEIGHT_MAX, SITE_WEIGHT_MAX, &errstr);
		if (errstr != NULL) {
			why = strcmp(errstr, "invalid") == 0 ?
			    "weight is not an integer" :
			    "weight out of range -1000..1000";
			goto bad;
		}
		s->weight = (int)w;
	}
	return 0;
bad:
	snprintf(err, errlen, "DNSBL site '%.*s': %s",
	    len > 80 ? 80 : (int)len, spec, why);
	memset(s, 0, sizeof(*s));
	return -1;
}

int
policy_site_match(const struct policy_site *s, uint32_t code)
{
	if (policy_code_is_error(code))
		return 0;
	if (!s->has_filter)
		return 1;
	return bit_isset(s->filter.octet[0], code >> 24) &&
	    bit_isset(s->filter.octet[1], (code >> 16) & 0xff) &&
	    bit_isset(s->filter.octet[2], (code >> 8) & 0xff) &&
	    bit_isset(s->filter.octet[3], code & 0xff);
}

/*
 * RFC 5782 section 2.1: listings are in 127.0.0.0/8, and 127.0.0.1 must
 * never be a listing (it is what a wildcard or a parked domain answers).
 * Spamhaus returns 127.255.255.0/24 for errors about the query itself
 * (252 typo in the zone name, 254 public resolver, 255 too many queries):
 * none of them says anything about the client.
 */
int
policy_code_is_error(uint32_t code)
{
	if ((code >> 24) != 127)
		return 1;
	if (code == 0x7f000001)
		return 1;
	if ((code & 0xffffff00) == 0x7fffff00)
		return 1;
	return 0;
}

/*
 * The presets. Weights are chosen against the default threshold 3:
 * a list whose every listing is evidence about that very address rejects
 * alone; a list that lists whole networks for a neighbour's behaviour
 * only adds to a score. docs/POLICY.md explains each choice.
 */
static const char *const zen_sites[] = {
	"zen.spamhaus.org=127.0.0.2*3",
	"zen.spamhaus.org=127.0.0.3*3",
	"zen.spamhaus.org=127.0.0.[4..7]*3",
	"zen.spamhaus.org=127.0.0.9*3",
	"zen.spamhaus.org=127.0.0.[10;11]*3",
	"zen.spamhaus.org=127.0.0.30*3",
	NULL
};
static const char *const zen_labels[] = {
	"Spamhaus SBL", "Spamhaus CSS", "Spamhaus XBL", "Spamhaus DROP",
	"Spamhaus PBL", "Spamhaus BCL", NULL
};
static const struct policy_preset preset_zen = {
	"spamhaus-zen",
	"Spamhaus ZEN (SBL, CSS, XBL, DROP, PBL, BCL), each weight 3",
	zen_sites, zen_labels,
	"https://check.spamhaus.org/results/?query=$ip"
};

static const char *const spamcop_sites[] = {
	"bl.spamcop.net=127.0.0.2*2", NULL
};
static const char *const spamcop_labels[] = { "SpamCop", NULL };
static const struct policy_preset preset_spamcop = {
	"spamcop",
	"SpamCop blocking list, weight 2",
	spamcop_sites, spamcop_labels,
	"https://www.spamcop.net/w3m?action=checkblock&ip=$ip"
};

#define UCE_URL	"https://www.uceprotect.net/en/rblcheck.php?ipr=$ip"
#define UCE1	"dnsbl-1.uceprotect.net=127.0.0.2*2"
#define UCE2	"dnsbl-2.uceprotect.net=127.0.0.2*1"
#define UCE3	"dnsbl-3.uceprotect.net=127.0.0.2*1"
#define UCE1_L	"UCEPROTECT Level 1"
#define UCE2_L	"UCEPROTECT Level 2"
#define UCE3_L	"UCEPROTECT Level 3"

static const char *const uce_sites[] = { UCE1, UCE2, UCE3, NULL };
static const char *const uce_labels[] = { UCE1_L, UCE2_L, UCE3_L, NULL };
static const struct policy_preset preset_uce = {
	"uceprotect",
	"UCEPROTECT Levels 1, 2, 3, weights 2, 1, 1 (2 and 3 never reject "
	"alone)",
	uce_sites, uce_labels, UCE_URL
};

static const char *const uce1_sites[] = { UCE1, NULL };
static const char *const uce1_labels[] = { UCE1_L, NULL };
static const struct policy_preset preset_uce1 = {
	"uceprotect-1", "UCEPROTECT Level 1 (single addresses), weight 2",
	uce1_sites, uce1_labels, UCE_URL
};

static const char *const uce2_sites[] = { UCE2, NULL };
static const char *const uce2_labels[] = { UCE2_L, NULL };
static const struct policy_preset preset_uce2 = {
	"uceprotect-2", "UCEPROTECT Level 2 (allocations), weight 1",
	uce2_sites, uce2_labels, UCE_URL
};

static const char *const uce3_sites[] = { UCE3, NULL };
static const char *const uce3_labels[] = { UCE3_L, NULL };
static const struct policy_preset preset_uce3 = {
	"uceprotect-3", "UCEPROTECT Level 3 (whole networks), weight 1",
	uce3_sites, uce3_labels, UCE_URL
};

static const struct policy_preset *const presets[] = {
	&preset_zen, &preset_spamcop, &preset_uce, &preset_uce1,
	&preset_uce2, &preset_uce3, NULL
};

const struct policy_preset *
policy_preset_find(const char *name)
{
	int	i;

	for (i = 0; presets[i] != NULL; i++)
		if (strcmp(presets[i]->name, name) == 0)
			return presets[i];
	return NULL;
}

const struct policy_preset *const *
policy_presets(void)
{
	return presets;
}
