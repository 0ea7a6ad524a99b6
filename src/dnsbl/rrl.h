/*
 * rrl.h: response rate limiting for the UDP DNS answers (the BIND/Knot
 * RRL model), so that the server is a poor amplifier for queries sent
 * with a victim's address as the source. Pure accounting: the caller
 * (server.c) owns the sockets and the clock.
 */
#ifndef FAIRLIST_DNSBL_RRL_H
#define FAIRLIST_DNSBL_RRL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/addr.h"

#define RRL_EXEMPT_MAX		16	/* exempt prefixes */
#define RRL_RATE_MAX		1000000	/* responses per second */
#define RRL_SLIP_MAX		10
#define RRL_WINDOW_MAX		3600	/* seconds */
/*
 * Accounts per table (one table per UDP worker): a power of two, looked
 * up RRL_WAYS at a time; a new account takes the least recently used of
 * its RRL_WAYS slots, so no flood of sources grows the table.
 */
#define RRL_TABLE		16384
#define RRL_WAYS		4

struct rrl_conf {
	uint32_t		rate;	/* responses/s per account; 0: off */
	uint32_t		slip;	/* every Nth limited one goes TC; 0 never */
	uint32_t		window;	/* seconds of debt at most */
	uint8_t			v4_prefix;	/* 8..32 */
	uint8_t			v6_prefix;	/* 16..128 */
	uint8_t			nexempt;
	struct addr_prefix	exempt[RRL_EXEMPT_MAX];
};

enum rrl_action {
	RRL_PASS,		/* send the answer */
	RRL_DROP,		/* send nothing */
	RRL_SLIP		/* send the truncated form (rrl_slip) */
};

struct rrl;

/* Fill c with the defaults: off (rate 0), slip 2, window 15, /24, /56. */
void	rrl_conf_defaults(struct rrl_conf *c);

/*
 * A table for one thread, with a copy of c and the hash seed (hash_seed()
 * in the daemon: clients choose the keys). Never fails (xcalloc).
 * rrl_free(NULL) is a no-op.
 */
struct rrl	*rrl_new(const struct rrl_conf *c, uint64_t seed);
void		 rrl_free(struct rrl *r);

/*
 * Before answering: the query pkt (len bytes, untrusted) from sa at
 * now_ms (a monotonic clock in milliseconds). If the account its answer
 * would be charged to (NOERROR answers are accounted by client prefix,
 * query name and type) is already out of credit, charges it and returns
 * RRL_DROP or RRL_SLIP, so that the answer need not be built; RRL_PASS
 * otherwise (also for anything that does not parse, or an exempt source).
 */
enum rrl_action	rrl_query(struct rrl *r, const struct sockaddr *sa,
		    const uint8_t *pkt, size_t len, int64_t now_ms);

/*
 * After answering: charge response resp (rlen bytes, as dnsbl_answer
 * wrote it) to its account and say what to send. Accounts, as in BIND:
 * NOERROR (answers and NODATA) by prefix, query name and type; NXDOMAIN
 * by prefix and zone (the owner of the SOA in the authority section);
 * other rcodes by prefix alone. Each account earns rate responses a
 * second, holds at most one second of them and goes at most window
 * seconds into debt; a response without credit is dropped, but every
 * slip-th one is sent truncated so that a real client retries over TCP.
 */
enum rrl_action	rrl_response(struct rrl *r, const struct sockaddr *sa,
		    const uint8_t *resp, size_t rlen, int64_t now_ms);

/*
 * The slipped form of a query or a response, in place (the buffer has
 * len bytes, at least a header and the question): the header with QR and
 * TC set, rcode NOERROR, the question alone. Returns its length, or 0 if
 * the question does not parse (then send nothing).
 */
size_t	rrl_slip(uint8_t *pkt, size_t len);

#endif /* FAIRLIST_DNSBL_RRL_H */
