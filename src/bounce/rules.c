/*
 * rules.c: the bounce classifier's rule table. Data only: each row is a
 * pattern (lower case, single spaces: the reply text is normalised the
 * same way), the class it means, and a list name for texts that name a
 * list only by a code. The first matching row wins, so the order is:
 * resolver errors (the receiver's DNSBL query was refused: we are not
 * listed), dead or wildcard lists, receivers' own block lists, 4xx
 * reputation throttles, then third-party blocklists, then the rest.
 * docs/BOUNCES.md explains the classes; sources of the texts are in
 * tests/data/bounce/SOURCES.
 */
#include "bounce/bounce_int.h"

#define R(name, pat, cls)	{ name, pat, cls, NULL }
#define RL(name, pat, cls, l)	{ name, pat, cls, l }

const struct bounce_rule bounce_rules[] = {
	/* Spamhaus return codes for refused queries (returnc/pub, /vol). */
	R("spamhaus-returnc", "spamhaus.org/returnc/", BOUNCE_RESOLVER_ERROR),
	R("rc-127.255.255.254", "127.255.255.254", BOUNCE_RESOLVER_ERROR),
	R("rc-127.255.255.255", "127.255.255.255", BOUNCE_RESOLVER_ERROR),
	R("rc-127.255.255.252", "127.255.255.252", BOUNCE_RESOLVER_ERROR),
	R("open-resolver", "open resolver", BOUNCE_RESOLVER_ERROR),
	R("public-resolver", "public resolver", BOUNCE_RESOLVER_ERROR),
	R("query-refused", "query refused", BOUNCE_RESOLVER_ERROR),
	R("uribl-refused", "uribl.com/refused", BOUNCE_RESOLVER_ERROR),
	R("excess-volume", "excessive number of queries",
	    BOUNCE_RESOLVER_ERROR),

	/* Lists that shut down by answering for every address. */
	RL("ahbl", "ahbl.org", BOUNCE_BROKEN_LIST, "dnsbl.ahbl.org"),
	RL("njabl", "njabl.org", BOUNCE_BROKEN_LIST, "dnsbl.njabl.org"),
	RL("dsbl", "dsbl.org", BOUNCE_BROKEN_LIST, "list.dsbl.org"),
	RL("ordb", "ordb.org", BOUNCE_BROKEN_LIST, "relays.ordb.org"),
	RL("rfc-ignorant", "rfc-ignorant.org", BOUNCE_BROKEN_LIST,
	    "rfc-ignorant.org"),
	RL("spamhaus-rbl", "blocked using rbl.spamhaus.org",
	    BOUNCE_BROKEN_LIST, "rbl.spamhaus.org"),
	R("listing-the-world", "listing the world", BOUNCE_BROKEN_LIST),

	/* Receivers' own block lists and reputation systems. */
	RL("ms-s3150", "(s3150)", BOUNCE_PROVIDER_BLOCK, "Microsoft S3150"),
	RL("ms-s3140", "(s3140)", BOUNCE_PROVIDER_BLOCK, "Microsoft S3140"),
	RL("ms-network-block", "part of their network is on our block list",
	    BOUNCE_PROVIDER_BLOCK, "Microsoft"),
	RL("ms-banned-ip", "banned sending ip", BOUNCE_PROVIDER_BLOCK,
	    "Microsoft 5.7.606"),
	RL("ms-5.7.606", "5.7.606", BOUNCE_PROVIDER_BLOCK,
	    "Microsoft 5.7.606"),
	RL("ms-5.7.511", "5.7.511", BOUNCE_PROVIDER_BLOCK,
	    "Microsoft 5.7.511"),
	RL("ms-delist", "sender.office.com", BOUNCE_PROVIDER_BLOCK,
	    "Microsoft"),
	RL("proofpoint", "ipcheck.proofpoint.com", BOUNCE_PROVIDER_BLOCK,
	    "Proofpoint"),
	RL("cloudmark", "csi.cloudmark.com", BOUNCE_PROVIDER_BLOCK,
	    "Cloudmark"),
	RL("gmail-ip-reputation", "low reputation of the sending ip",
	    BOUNCE_PROVIDER_BLOCK, "Gmail"),
	RL("gmail-domain-reputation", "low reputation of the sending domain",
	    BOUNCE_PROVIDER_BLOCK, "Gmail"),
	RL("gmail-unsolicited", "our system has detected that this message "
	    "is likely unsolicited mail", BOUNCE_PROVIDER_BLOCK, "Gmail"),
	RL("gmail-suspicious", "our system has detected an unusual rate of "
	    "unsolicited mail", BOUNCE_REPUTATION_TEMP, "Gmail"),
	RL("yahoo-tss04", "[tss04]", BOUNCE_REPUTATION_TEMP, "Yahoo TSS04"),
	RL("yahoo-ts01", "[ts01]", BOUNCE_REPUTATION_TEMP, "Yahoo TS01"),
	RL("yahoo-ts02", "[ts02]", BOUNCE_REPUTATION_TEMP, "Yahoo TS02"),
	RL("yahoo-ts03", "[ts03]", BOUNCE_PROVIDER_BLOCK, "Yahoo TS03"),
	R("ip-reputation", "ip reputation", BOUNCE_PROVIDER_BLOCK),
	R("poor-reputation", "poor reputation", BOUNCE_PROVIDER_BLOCK),
	R("bad-reputation", "bad reputation", BOUNCE_PROVIDER_BLOCK),
	R("rate-limited", "rate limited", BOUNCE_REPUTATION_TEMP),
	R("deferred-complaints", "user complaints", BOUNCE_REPUTATION_TEMP),

	/* Third-party DNSBLs, by name, then by the words of the reply. */
	RL("spamhaus-ip", "in spamhaus's list", BOUNCE_BLOCKLIST, "Spamhaus"),
	RL("spamhaus-query", "spamhaus.org/query/", BOUNCE_BLOCKLIST,
	    "Spamhaus"),
	RL("spamhaus", "spamhaus", BOUNCE_BLOCKLIST, "Spamhaus"),
	RL("spamcop", "spamcop.net", BOUNCE_BLOCKLIST, "bl.spamcop.net"),
	RL("barracuda", "barracudacentral", BOUNCE_BLOCKLIST,
	    "b.barracudacentral.org"),
	RL("barracuda-rbl", "barracuda reputation", BOUNCE_BLOCKLIST,
	    "b.barracudacentral.org"),
	RL("uceprotect", "uceprotect", BOUNCE_BLOCKLIST, "UCEPROTECT"),
	RL("backscatterer", "backscatterer", BOUNCE_BLOCKLIST,
	    "ips.backscatterer.org"),
	RL("sorbs", "sorbs.net", BOUNCE_BLOCKLIST, "SORBS"),
	RL("psbl", "psbl.surriel.com", BOUNCE_BLOCKLIST, "psbl.surriel.com"),
	RL("abusix", "abusix", BOUNCE_BLOCKLIST, "Abusix"),
	RL("mailspike", "mailspike", BOUNCE_BLOCKLIST, "Mailspike"),
	RL("senderscore", "senderscore", BOUNCE_BLOCKLIST, "Sender Score"),
	R("blocked-using", "blocked using ", BOUNCE_BLOCKLIST),
	R("listed-at", "listed at ", BOUNCE_BLOCKLIST),
	R("is-in-black-list", "in a black list", BOUNCE_BLOCKLIST),
	R("dnsbl", "dnsbl", BOUNCE_BLOCKLIST),
	R("rbl", " rbl", BOUNCE_BLOCKLIST),
	R("blacklisted", "blacklisted", BOUNCE_BLOCKLIST),
	R("blocklisted", "blocklisted", BOUNCE_BLOCKLIST),
	R("on-blacklist", "blacklist", BOUNCE_BLOCKLIST),
	R("on-blocklist", "blocklist", BOUNCE_BLOCKLIST),
	R("block-list", "block list", BOUNCE_BLOCKLIST),

	/* Dead mailboxes and domains. */
	R("user-unknown", "user unknown", BOUNCE_USER_UNKNOWN),
	R("unknown-user", "unknown user", BOUNCE_USER_UNKNOWN),
	R("no-such-user", "no such user", BOUNCE_USER_UNKNOWN),
	R("unknown-recipient", "unknown recipient", BOUNCE_USER_UNKNOWN),
	R("recipient-not-found", "recipient not found", BOUNCE_USER_UNKNOWN),
	R("recipnotfound", "recipnotfound", BOUNCE_USER_UNKNOWN),
	R("gmail-nosuchuser", "account that you tried to reach does not "
	    "exist", BOUNCE_USER_UNKNOWN),
	R("qmail-no-mailbox", "no mailbox here by that name",
	    BOUNCE_USER_UNKNOWN),
	R("mailbox-not-found", "mailbox not found", BOUNCE_USER_UNKNOWN),
	R("mailbox-does-not-exist", "mailbox does not exist",
	    BOUNCE_USER_UNKNOWN),
	R("address-does-not-exist", "address does not exist",
	    BOUNCE_USER_UNKNOWN),
	R("user-does-not-exist", "user does not exist", BOUNCE_USER_UNKNOWN),
	R("invalid-recipient", "invalid recipient", BOUNCE_USER_UNKNOWN),
	R("no-such-recipient", "no such recipient", BOUNCE_USER_UNKNOWN),
	R("not-registered", "is not a registered", BOUNCE_USER_UNKNOWN),
	R("unrouteable-address", "unrouteable address", BOUNCE_USER_UNKNOWN),
	R("mailbox-full", "mailbox full", BOUNCE_MAILBOX_FULL),
	R("mailbox-is-full", "mailbox is full", BOUNCE_MAILBOX_FULL),
	R("over-quota", "over quota", BOUNCE_MAILBOX_FULL),
	R("quota-exceeded", "quota exceeded", BOUNCE_MAILBOX_FULL),
	R("exceeded-storage", "exceeded storage allocation",
	    BOUNCE_MAILBOX_FULL),
	R("insufficient-storage", "insufficient system storage",
	    BOUNCE_MAILBOX_FULL),
	R("host-not-found", "host or domain name not found",
	    BOUNCE_DOMAIN_UNKNOWN),
	R("domain-not-found", "domain not found", BOUNCE_DOMAIN_UNKNOWN),
	R("no-such-domain", "no such domain", BOUNCE_DOMAIN_UNKNOWN),
	R("domain-does-not-exist", "domain does not exist",
	    BOUNCE_DOMAIN_UNKNOWN),
	R("unrouteable-domain", "unrouteable mail domain",
	    BOUNCE_DOMAIN_UNKNOWN),
	R("qmail-no-host", "sorry, i couldn't find any host",
	    BOUNCE_DOMAIN_UNKNOWN),
	R("mx-nonexistent", "point to non-existent hosts",
	    BOUNCE_DOMAIN_UNKNOWN),
	R("nxdomain", "nxdomain", BOUNCE_DOMAIN_UNKNOWN),

	/* The message, not the sender. */
	R("virus", "virus", BOUNCE_CONTENT),
	R("malware", "malware", BOUNCE_CONTENT),
	R("content-rejected", "content rejected", BOUNCE_CONTENT),
	R("message-content", "message content", BOUNCE_CONTENT),
	R("spam-content", "spam content", BOUNCE_CONTENT),
	R("looks-like-spam", "looks like spam", BOUNCE_CONTENT),
	R("identified-as-spam", "identified as spam", BOUNCE_CONTENT),
	R("spam-score", "spam score", BOUNCE_CONTENT),
	R("message-too-big", "message size exceeds", BOUNCE_CONTENT),
	R("attachment", "attachment", BOUNCE_CONTENT),

	/* The receiver's rules for authentication and relaying. */
	R("dmarc", "dmarc", BOUNCE_POLICY),
	R("spf", "spf", BOUNCE_POLICY),
	R("dkim", "dkim", BOUNCE_POLICY),
	R("unauthenticated", "unauthenticated", BOUNCE_POLICY),
	R("not-authorized", "not authorized to send", BOUNCE_POLICY),
	R("relay-denied", "relay access denied", BOUNCE_POLICY),
	R("relaying-denied", "relaying denied", BOUNCE_POLICY),
	R("reverse-dns", "reverse dns", BOUNCE_POLICY),
	R("ptr", "ptr record", BOUNCE_POLICY),
	R("helo", "helo", BOUNCE_POLICY),
	R("policy", "policy", BOUNCE_POLICY),

	/* Try again later. */
	R("greylisted", "greylist", BOUNCE_TEMPORARY),
	R("graylisted", "graylist", BOUNCE_TEMPORARY),
	R("try-again-later", "try again later", BOUNCE_TEMPORARY),
	R("temporarily", "temporarily", BOUNCE_TEMPORARY),
	R("timed-out", "timed out", BOUNCE_TEMPORARY),
	R("connection-refused", "connection refused", BOUNCE_TEMPORARY),
};
const size_t bounce_nrules = sizeof(bounce_rules) / sizeof(bounce_rules[0]);

const struct bounce_code_rule bounce_code_rules[] = {
	{ "5.1.1", BOUNCE_USER_UNKNOWN },
	{ "5.1.10", BOUNCE_USER_UNKNOWN },
	{ "5.1.2", BOUNCE_DOMAIN_UNKNOWN },
	{ "5.1.6", BOUNCE_USER_UNKNOWN },	/* mailbox has moved */
	{ "5.2.1", BOUNCE_USER_UNKNOWN },	/* mailbox disabled */
	{ "5.2.2", BOUNCE_MAILBOX_FULL },
	{ "4.2.2", BOUNCE_MAILBOX_FULL },
	{ "5.4.4", BOUNCE_DOMAIN_UNKNOWN },
	{ "5.6.", BOUNCE_CONTENT },
	{ "5.3.4", BOUNCE_CONTENT },		/* message too big */
	{ "5.7.", BOUNCE_POLICY },
	{ "4.", BOUNCE_TEMPORARY },
};
const size_t bounce_ncode_rules =
    sizeof(bounce_code_rules) / sizeof(bounce_code_rules[0]);
