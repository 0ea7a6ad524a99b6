/*
 * hash.c: SipHash-1-3 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012; one compression round, three finalisation
 * rounds, as Rust's and Python's hash tables use) and the per-process
 * random seed.
 *
 * The 128-bit SipHash key is (seed, seed ^ HASH_K1), so one 64-bit value
 * carries the whole secret; a random 64-bit seed is plenty against
 * bucket flooding, which needs the attacker to predict collisions.
 */
#include <sys/random.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/hash.h"

#define HASH_K1	0x646f72616e646f6dULL

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound; evaluates its arguments more than once. */
#define SIPROUND(v0, v1, v2, v3) do {				\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
load64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	    (uint64_t)p[7] << 56;
}

uint64_t
hash_siphash(uint64_t k0, uint64_t k1, const void *p, size_t len, int c,
    int d)
{
	const unsigned char	*s = p, *end = s + (len & ~(size_t)7);
	uint64_t		 m, b;
	uint64_t		 v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t		 v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t		 v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t		 v3 = k1 ^ 0x7465646279746573ULL;
	size_t			 left = len & 7;
	int			 i;

	for (; s != end; s += 8) {
		m = load64(s);
		v3 ^= m;
		for (i = 0; i < c; i++)
			SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	b = (uint64_t)len << 56;
	switch (left) {
	case 7: b |= (uint64_t)s[6] << 48;	/* FALLTHROUGH */
	case 6: b |= (uint64_t)s[5] << 40;	/* FALLTHROUGH */
	case 5: b |= (uint64_t)s[4] << 32;	/* FALLTHROUGH */
	case 4: b |= (uint64_t)s[3] << 24;	/* FALLTHROUGH */
	case 3: b |= (uint64_t)s[2] << 16;	/* FALLTHROUGH */
	case 2: b |= (uint64_t)s[1] << 8;	/* FALLTHROUGH */
	case 1: b |= (uint64_t)s[0];		/* FALLTHROUGH */
	default: break;
	}
	v3 ^= b;
	for (i = 0; i < c; i++)
		SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (i = 0; i < d; i++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
hash_bytes(const void *p, size_t len, uint64_t seed)
{
	return hash_siphash(seed, seed ^ HASH_K1, p, len, 1, 3);
}

uint64_t
hash_str(const char *s, uint64_t seed)
{
	return hash_bytes(s, strlen(s), seed);
}

static uint64_t		seed_value;
static pthread_once_t	seed_once = PTHREAD_ONCE_INIT;

static void
seed_init(void)
{
	uint64_t	v = 0;
	ssize_t		n;
	struct timespec	ts;

	do
		n = getrandom(&v, sizeof(v), 0);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(v)) {
		/* No entropy source: still differ per process and start. */
		clock_gettime(CLOCK_REALTIME, &ts);
		v = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^
		    (uint64_t)getpid() << 17;
		v = hash_bytes(&v, sizeof(v), HASH_SEED_FIXED);
	}
	seed_value = v != 0 ? v : 1;
}

uint64_t
hash_seed(void)
{
	pthread_once(&seed_once, seed_init);
	return seed_value;
}
