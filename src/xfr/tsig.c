/*
 * tsig.c: TSIG (RFC 8945) with HMAC-SHA256 from OpenSSL: verifying a
 * request, signing each message of a response, and the unsigned error
 * records of BADKEY and BADSIG.
 *
 * The MAC of a request covers the message as sent less its TSIG RR (with
 * the original id and ARCOUNT one lower) and the TSIG variables (section
 * 4.3.3: key name, class ANY, TTL 0, algorithm, time signed, fudge,
 * error, other data). A response's first message covers the request MAC
 * too (section 4.3.1); each later message of a transfer covers the prior
 * MAC, the message and the timers only (section 5.3.1). Every message is
 * signed, which section 5.3.1 allows. MACs are compared with
 * CRYPTO_memcmp, and only full 32-byte MACs are accepted for signing.
 * No I/O, no logging.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "dns/dns.h"
#include "xfr/xfr.h"
#include "xfr/xfr_int.h"

/* "hmac-sha256." in wire form (RFC 8945 section 6). */
static const uint8_t	alg_sha256[] = "\013hmac-sha256";
#define ALG_LEN		sizeof(alg_sha256)	/* with the root's 0 */

struct mac {
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx;
};

static int
mac_init(struct mac *m, const struct xfr_key *k)
{
	OSSL_PARAM	p[2];
	char		digest[] = "SHA256";

	m->ctx = NULL;
	if ((m->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	if ((m->ctx = EVP_MAC_CTX_new(m->mac)) == NULL) {
		EVP_MAC_free(m->mac);
		return -1;
	}
	p[0] = OSSL_PARAM_construct_utf8_string("digest", digest, 0);
	p[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(m->ctx, k->secret, k->len, p) != 1) {
		EVP_MAC_CTX_free(m->ctx);
		EVP_MAC_free(m->mac);
		return -1;
	}
	return 0;
}

static void
mac_add(struct mac *m, const void *p, size_t n)
{
	EVP_MAC_update(m->ctx, p, n);
}

static void
mac_u16(struct mac *m, unsigned v)
{
	uint8_t	b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	mac_add(m, b, 2);
}

static void
mac_u48(struct mac *m, uint64_t v)
{
	uint8_t	b[6];
	int	i;

	for (i = 0; i < 6; i++)
		b[i] = (uint8_t)(v >> (8 * (5 - i)));
	mac_add(m, b, 6);
}

static int
mac_final(struct mac *m, uint8_t out[XFR_MAC_LEN])
{
	size_t	n = 0;
	int	rc;

	rc = EVP_MAC_final(m->ctx, out, &n, XFR_MAC_LEN);
	EVP_MAC_CTX_free(m->ctx);
	EVP_MAC_free(m->mac);
	return rc == 1 && n == XFR_MAC_LEN ? 0 : -1;
}

/* The message less its TSIG: header with id and ARCOUNT - 1, the rest. */
static void
mac_message(struct mac *m, const uint8_t *pkt, size_t len, uint16_t id,
    int minus_one)
{
	uint8_t	h[DNS_HEADER_LEN];
	unsigned ar;

	memcpy(h, pkt, DNS_HEADER_LEN);
	h[0] = (uint8_t)(id >> 8);
	h[1] = (uint8_t)id;
	ar = (unsigned)(h[10] << 8 | h[11]) - (minus_one ? 1 : 0);
	h[10] = (uint8_t)(ar >> 8);
	h[11] = (uint8_t)ar;
	mac_add(m, h, DNS_HEADER_LEN);
	mac_add(m, pkt + DNS_HEADER_LEN, len - DNS_HEADER_LEN);
}

/* Section 4.3.3: the variables, all of them or the timers only. */
static void
mac_vars(struct mac *m, const uint8_t *key, size_t key_len, uint64_t time,
    uint16_t fudge, uint16_t error, const uint8_t *other, size_t olen,
    int timers_only)
{
	if (!timers_only) {
		mac_add(m, key, key_len);
		mac_u16(m, DNS_C_ANY);
		mac_add(m, "\0\0\0\0", 4);	/* TTL */
		mac_add(m, alg_sha256, ALG_LEN);
	}
	mac_u48(m, time);
	mac_u16(m, fudge);
	if (!timers_only) {
		mac_u16(m, error);
		mac_u16(m, (unsigned)olen);
		if (olen > 0)
			mac_add(m, other, olen);
	}
}

int
xfr_tsig_verify(const struct xfr_key *k, const uint8_t *pkt, size_t len,
    const struct xfr_req *r, int64_t now, struct xfr_tsig *t)
{
	struct mac	m;
	uint8_t		mac[XFR_MAC_LEN];
	int64_t		d;

	memset(t, 0, sizeof(*t));
	if (!r->tsig || r->tsig_off < DNS_HEADER_LEN || r->tsig_off > len)
		return XFR_TSIG_BADSIG;		/* not a parsed TSIG */
	/* Section 5.2.1: an unknown key or algorithm. */
	if (r->key_len != k->name_len ||
	    memcmp(r->key, k->name, k->name_len) != 0 ||
	    r->alg_len != ALG_LEN || memcmp(r->alg, alg_sha256, ALG_LEN) != 0)
		return XFR_TSIG_BADKEY;
	/* Section 5.2.2.1: below half the length (and 10 bytes): FORMERR. */
	if (r->mac_len < XFR_MAC_LEN / 2 || r->mac_len > XFR_MAC_LEN)
		return r->mac_len > XFR_MAC_LEN ? XFR_TSIG_BADSIG : -1;
	if (mac_init(&m, k) == -1)
		return XFR_TSIG_BADSIG;
	mac_message(&m, pkt, r->tsig_off, r->orig_id, 1);
	mac_vars(&m, r->key, r->key_len, r->time, r->fudge, r->error, NULL,
	    0, 0);
	if (mac_final(&m, mac) == -1)
		return XFR_TSIG_BADSIG;
	/* Section 5.2.2: the MAC first, then its length, then the time. */
	if (CRYPTO_memcmp(mac, r->mac, r->mac_len) != 0)
		return XFR_TSIG_BADSIG;
	if (r->mac_len < XFR_MAC_LEN)
		return XFR_TSIG_BADTRUNC;
	t->key = k;
	memcpy(t->mac, r->mac, XFR_MAC_LEN);
	t->mac_len = XFR_MAC_LEN;
	t->time = r->time;
	t->fudge = r->fudge;
	t->id = r->orig_id;
	t->first = 1;
	d = now - (int64_t)r->time;
	if (d > (int64_t)r->fudge || -d > (int64_t)r->fudge) {
		/* Section 5.2.3: signed, our time in Other Data. */
		t->error = XFR_TSIG_BADTIME;
		t->other_time = (uint64_t)now;
		return XFR_TSIG_BADTIME;
	}
	return 0;
}

/* The TSIG RR with mac (mac_len bytes) at buf + len; 0 if no room. */
static size_t
put_tsig(uint8_t *buf, size_t len, size_t cap, const uint8_t *key,
    size_t key_len, uint64_t time, uint16_t fudge, const uint8_t *mac,
    size_t mac_len, uint16_t id, uint16_t error, uint64_t other_time)
{
	size_t		olen = other_time != 0 ? 6 : 0, rdlen, n = len;
	unsigned	ar;
	int		i;

	rdlen = ALG_LEN + 6 + 2 + 2 + mac_len + 2 + 2 + 2 + olen;
	if (len < DNS_HEADER_LEN || cap < len ||
	    cap - len < key_len + 10 + rdlen)
		return 0;
	memcpy(buf + n, key, key_len);
	n += key_len;
	buf[n++] = 0;
	buf[n++] = XFR_T_TSIG;
	buf[n++] = 0;
	buf[n++] = DNS_C_ANY;
	memset(buf + n, 0, 4);
	n += 4;
	buf[n++] = (uint8_t)(rdlen >> 8);
	buf[n++] = (uint8_t)rdlen;
	memcpy(buf + n, alg_sha256, ALG_LEN);
	n += ALG_LEN;
	for (i = 0; i < 6; i++)
		buf[n++] = (uint8_t)(time >> (8 * (5 - i)));
	buf[n++] = (uint8_t)(fudge >> 8);
	buf[n++] = (uint8_t)fudge;
	buf[n++] = (uint8_t)(mac_len >> 8);
	buf[n++] = (uint8_t)mac_len;
	if (mac_len > 0)
		memcpy(buf + n, mac, mac_len);
	n += mac_len;
	buf[n++] = (uint8_t)(id >> 8);
	buf[n++] = (uint8_t)id;
	buf[n++] = (uint8_t)(error >> 8);
	buf[n++] = (uint8_t)error;
	buf[n++] = 0;
	buf[n++] = (uint8_t)olen;
	for (i = 0; i < (int)olen; i++)
		buf[n++] = (uint8_t)(other_time >> (8 * (5 - i)));
	ar = (unsigned)(buf[10] << 8 | buf[11]) + 1;
	buf[10] = (uint8_t)(ar >> 8);
	buf[11] = (uint8_t)ar;
	return n;
}

size_t
xfr_tsig_sign(struct xfr_tsig *t, uint8_t *buf, size_t len, size_t cap,
    int64_t now)
{
	struct mac	m;
	uint8_t		mac[XFR_MAC_LEN], other[6];
	uint64_t	time;
	size_t		n;
	int		i;

	if (len < DNS_HEADER_LEN || mac_init(&m, t->key) == -1)
		return 0;
	/* BADTIME answers with the request's time (section 5.2.3). */
	time = t->error == XFR_TSIG_BADTIME ? t->time : (uint64_t)now;
	mac_u16(&m, (unsigned)t->mac_len);
	mac_add(&m, t->mac, t->mac_len);
	mac_message(&m, buf, len, t->id, 0);
	for (i = 0; i < 6; i++)
		other[i] = (uint8_t)(t->other_time >> (8 * (5 - i)));
	mac_vars(&m, t->key->name, t->key->name_len, time, t->fudge,
	    t->error, other, t->other_time != 0 ? 6 : 0, !t->first);
	if (mac_final(&m, mac) == -1)
		return 0;
	n = put_tsig(buf, len, cap, t->key->name, t->key->name_len, time,
	    t->fudge, mac, XFR_MAC_LEN, t->id, t->first ? t->error : 0,
	    t->first ? t->other_time : 0);
	if (n == 0)
		return 0;
	memcpy(t->mac, mac, XFR_MAC_LEN);
	t->mac_len = XFR_MAC_LEN;
	t->first = 0;
	return n;
}

size_t
xfr_tsig_sign_request(const struct xfr_key *k, uint8_t *buf, size_t len,
    size_t cap, int64_t now, uint8_t *mac_out)
{
	struct mac	m;
	uint8_t		mac[XFR_MAC_LEN];
	uint16_t	id;

	if (len < DNS_HEADER_LEN || mac_init(&m, k) == -1)
		return 0;
	id = (uint16_t)(buf[0] << 8 | buf[1]);
	mac_add(&m, buf, len);
	mac_vars(&m, k->name, k->name_len, (uint64_t)now, XFR_FUDGE, 0, NULL,
	    0, 0);
	if (mac_final(&m, mac) == -1)
		return 0;
	if (mac_out != NULL)
		memcpy(mac_out, mac, XFR_MAC_LEN);
	return put_tsig(buf, len, cap, k->name, k->name_len, (uint64_t)now,
	    XFR_FUDGE, mac, XFR_MAC_LEN, id, 0, 0);
}

int
xfr_tsig_verify_reply(const struct xfr_key *k,
    const uint8_t req_mac[XFR_MAC_LEN], const uint8_t *pkt,
    const struct xfr_req *r, int64_t now)
{
	struct mac	m;
	uint8_t		mac[XFR_MAC_LEN];
	int64_t		d;

	if (r->key_len != k->name_len ||
	    memcmp(r->key, k->name, k->name_len) != 0 ||
	    r->alg_len != ALG_LEN || memcmp(r->alg, alg_sha256, ALG_LEN) != 0)
		return XFR_TSIG_BADKEY;
	/* Section 5.3.2: the peer's own verdict on our request. */
	if (r->error != 0)
		return r->error;
	if (r->mac_len != XFR_MAC_LEN || r->tsig_off < DNS_HEADER_LEN)
		return XFR_TSIG_BADSIG;
	if (mac_init(&m, k) == -1)
		return XFR_TSIG_BADSIG;
	/* Section 4.3.1: the request MAC, the answer, all variables. */
	mac_u16(&m, XFR_MAC_LEN);
	mac_add(&m, req_mac, XFR_MAC_LEN);
	mac_message(&m, pkt, r->tsig_off, r->orig_id, 1);
	mac_vars(&m, r->key, r->key_len, r->time, r->fudge, r->error,
	    r->other, r->other_len, 0);
	if (mac_final(&m, mac) == -1 ||
	    CRYPTO_memcmp(mac, r->mac, XFR_MAC_LEN) != 0)
		return XFR_TSIG_BADSIG;
	d = now - (int64_t)r->time;
	if (d > (int64_t)r->fudge || -d > (int64_t)r->fudge)
		return XFR_TSIG_BADTIME;
	return 0;
}

size_t
xfr_tsig_unsigned(const struct xfr_req *r, uint16_t error, uint8_t *buf,
    size_t len, size_t cap)
{
	return put_tsig(buf, len, cap, r->key, r->key_len, r->time,
	    r->fudge, NULL, 0, r->orig_id, error, 0);
}

int
xfr_key_set(struct xfr_key *k, const char *name, const char *b64,
    const char **err)
{
	uint8_t	buf[((XFR_KEY_MAX + 2) / 3) * 3 + 3];
	size_t	n = strlen(b64), pad = 0;
	int	got;

	memset(k, 0, sizeof(*k));
	if ((k->name_len = dns_name_from_text(name, k->name,
	    sizeof(k->name))) == 0) {
		*err = "bad key name";
		return -1;
	}
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof(buf)) {
		*err = "the secret is not base64 of at most 64 bytes";
		return -1;
	}
	while (pad < 2 && n > pad && b64[n - 1 - pad] == '=')
		pad++;
	got = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n);
	if (got < 0 || (size_t)got < pad || (size_t)got - pad > XFR_KEY_MAX ||
	    (size_t)got - pad == 0) {
		*err = "the secret is not base64 of at most 64 bytes";
		return -1;
	}
	k->len = (size_t)got - pad;
	memcpy(k->secret, buf, k->len);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}
