/*
 * guard.c: what stands in front of the removal route: the CSRF token of
 * the page's form, and the rate limits per requester and per listed
 * address.
 *
 * CSRF: a token is "T.MAC", T the Unix time it was made and MAC the hex
 * of the first 16 bytes of HMAC-SHA256(per-process secret, T). The form
 * carries it in a hidden field and the response sets it as a SameSite
 * cookie; a POST must bring both, equal, with a MAC that checks
 * (CRYPTO_memcmp) and a T at most WEB_CSRF_TTL old. A cross-site page can
 * read neither, and a restart (a new secret) invalidates every token.
 *
 * Rate limits: a fixed table of WEB_RL_SLOTS windows keyed by a seeded
 * hash (hash_seed: peers choose the keys) of the kind and the address;
 * each allows max events per window seconds. A full probe run evicts the
 * oldest window in it, so memory stays fixed whatever the peers send.
 */
#include <sys/random.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "web/web_int.h"

static uint8_t		secret[32];
static pthread_once_t	secret_once = PTHREAD_ONCE_INIT;

static void
csrf_secret_make(void)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < sizeof(secret)) {
		if ((n = getrandom(secret + got, sizeof(secret) - got, 0)) < 0)
			fatal("getrandom");
		got += (size_t)n;
	}
}

/* Once per process, whichever HTTP worker thread asks first. */
static void
csrf_secret(void)
{
	pthread_once(&secret_once, csrf_secret_make);
}

/* The MAC of the decimal time t (len bytes) in hex into out (33 bytes). */
static void
csrf_mac(const char *t, size_t len, char out[33])
{
	uint8_t		md[EVP_MAX_MD_SIZE];
	unsigned	mdlen = 0, i;

	csrf_secret();
	HMAC(EVP_sha256(), secret, sizeof(secret), (const uint8_t *)t, len,
	    md, &mdlen);
	for (i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

void
web_csrf_make(int64_t now, char tok[WEB_CSRF_LEN])
{
	char	t[24], mac[33];
	int	n;

	n = snprintf(t, sizeof(t), "%lld", (long long)now);
	csrf_mac(t, (size_t)n, mac);
	snprintf(tok, WEB_CSRF_LEN, "%s.%s", t, mac);
}

int
web_csrf_check(const char *field, const char *cookie, int64_t now)
{
	const char	*dot, *e;
	char		 t[24], mac[33];
	long long	 when;
	size_t		 n;

	if (field == NULL || cookie == NULL || strcmp(field, cookie) != 0 ||
	    (dot = strchr(field, '.')) == NULL ||
	    (n = (size_t)(dot - field)) == 0 || n >= sizeof(t) ||
	    strlen(dot + 1) != 32)
		return 0;
	memcpy(t, field, n);
	t[n] = '\0';
	when = str_tonum(t, 0, INT64_MAX / 2, &e);
	if (e != NULL || when > now + 60 || now - when > WEB_CSRF_TTL)
		return 0;
	csrf_mac(t, n, mac);
	return CRYPTO_memcmp(mac, dot + 1, 32) == 0;
}

/* --- rate limits --- */

struct rl_slot {
	uint64_t	key;		/* 0: free */
	int64_t		start;		/* the window's first second */
	int		count;
};

/* Shared by the HTTP worker threads: mu guards slot. */
struct web_rl {
	pthread_mutex_t	mu;
	struct rl_slot	slot[WEB_RL_SLOTS];
	uint64_t	seed;
};

struct web_rl *
web_rl_new(void)
{
	struct web_rl	*rl = xcalloc(1, sizeof(*rl));

	rl->seed = hash_seed();
	pthread_mutex_init(&rl->mu, NULL);
	return rl;
}

void
web_rl_free(struct web_rl *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

static int64_t
rl_hit(struct web_rl *rl, int kind, const uint8_t a[ADDR_LEN], int max,
    int64_t window, int64_t now)
{
	uint8_t		 k[ADDR_LEN + 1];
	uint64_t	 key;
	struct rl_slot	*s, *old = NULL;
	size_t		 i, h;

	k[0] = (uint8_t)kind;
	memcpy(k + 1, a, ADDR_LEN);
	key = hash_bytes(k, sizeof(k), rl->seed) | 1;	/* never 0 */
	h = (size_t)(key >> 32);
	for (i = 0; i < WEB_RL_PROBE; i++) {
		s = &rl->slot[(h + i) % WEB_RL_SLOTS];
		if (s->key == key)
			break;
		if (s->key == 0 || now - s->start >= window) {
			s->key = 0;	/* free, or its window is over */
			if (old == NULL || old->key != 0)
				old = s;
		} else if (old == NULL || (old->key != 0 &&
		    s->start < old->start))
			old = s;
	}
	if (i == WEB_RL_PROBE) {
		s = old;
		s->key = key;
		s->start = now;
		s->count = 0;
	}
	if (now - s->start >= window) {
		s->start = now;
		s->count = 0;
	}
	if (s->count >= max)
		return s->start + window - now;
	s->count++;
	return 0;
}

int64_t
web_rl_hit(struct web_rl *rl, int kind, const uint8_t a[ADDR_LEN],
    int max, int64_t window, int64_t now)
{
	int64_t	wait;

	pthread_mutex_lock(&rl->mu);
	wait = rl_hit(rl, kind, a, max, window, now);
	pthread_mutex_unlock(&rl->mu);
	return wait;
}
