/*
 * hash.h: the one hash function of fairlist, SipHash-1-3 with a 64-bit
 * seed.
 *
 * Tables whose keys a peer chooses (HELO names, sender domains, DNSBL
 * query names in the policy cache) hash with hash_seed(), a random value
 * drawn once per process, so a crafted set of keys cannot chain one
 * bucket. Values that must be the same in every process (the store
 * generation, anything written to a file) hash with a fixed seed of the
 * caller's; chaining calls, seed = the previous result, hashes several
 * pieces in order.
 */
#ifndef FAIRLIST_HASH_H
#define FAIRLIST_HASH_H

#include <stddef.h>
#include <stdint.h>

/* A fixed seed for stable values (files, the store generation). */
#define HASH_SEED_FIXED	0x736f6d6570736575ULL

/* SipHash-1-3 of len bytes at p, keyed by seed. */
uint64_t	hash_bytes(const void *p, size_t len, uint64_t seed);

/* hash_bytes of a NUL-terminated string. */
uint64_t	hash_str(const char *s, uint64_t seed);

/*
 * This process's random seed: drawn from getrandom() on the first call
 * (thread-safe), the same value afterwards. Never 0.
 */
uint64_t	hash_seed(void);

/*
 * SipHash-c-d with the 128-bit key (k0, k1), k0 holding key bytes 0-7
 * little-endian. hash_bytes is hash_siphash(seed, seed ^ K, p, len, 1, 3);
 * this form exists so that tests can check the reference vectors.
 */
uint64_t	hash_siphash(uint64_t k0, uint64_t k1, const void *p, size_t len,
		    int c, int d);

#endif /* FAIRLIST_HASH_H */
