/*
 * milter.h: the milter service (Sendmail and Postfix milter protocol v6)
 * on the daemon's libevent loop: DKIM signing of outbound mail and, for
 * everyone else, the gatekeeper's verdict at RCPT, SPF, DKIM verification,
 * DMARC and one Authentication-Results header (docs/MILTER.md).
 *
 * The packet codec is milter/proto.h; this header is the configuration
 * (the milter { } block) and the server.
 */
#ifndef FAIRLIST_MILTER_H
#define FAIRLIST_MILTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "dkim/dkim.h"

struct conf;
struct conf_node;
struct event_base;
struct index;
struct policy_conf;
struct policy_engine;
struct policy_index_src;

#define MILTER_LISTEN_MAX	8
#define MILTER_KEYS_MAX		64	/* sign { key ... } lines */
#define MILTER_NETWORKS_MAX	256	/* sign { networks ... } prefixes */
#define MILTER_HEADERS_MAX	1024	/* bytes of sign { headers ... } */
#define MILTER_AUTHSERV_MAX	253	/* authserv-id, a host name */
#define MILTER_TIMEOUT_MS	10000	/* per stage; Postfix waits 30 s */
#define MILTER_TIMEOUT_MAX_MS	600000
#define MILTER_IDLE_S		3600	/* MTA connection without a command */
#define MILTER_CLIENTS		1024	/* connections kept at once */
#define MILTER_CLIENTS_MAX	100000
#define MILTER_WORKERS_MAX	256	/* milter { workers N } */
#define MILTER_WORKERS_CPUS	(-1)	/* the default: one per CPU */

/* One sign { key DOMAIN SELECTOR KEYFILE }; the key is loaded apart. */
struct milter_key_conf {
	char	*domain;	/* lower case, no trailing dot */
	char	*selector;
	char	*path;
};

enum milter_fail_open {
	MILTER_FAIL_ACCEPT,	/* the message goes on unchecked */
	MILTER_FAIL_TEMPFAIL	/* 451 4.3.0: the MTA retries later */
};

struct milter_conf {
	char			*listen[MILTER_LISTEN_MAX];
	int			 nlisten;	/* 0: no milter */
	int			 socket_mode;	/* unix sockets */
	struct milter_key_conf	 keys[MILTER_KEYS_MAX];
	int			 nkeys;
	struct addr_prefix	 networks[MILTER_NETWORKS_MAX];
	int			 nnetworks;
	char			*headers;	/* h= list; NULL: the default */
	enum dkim_canon		 hcanon, bcanon;
	int			 subdomains;	/* sign a.example.org with
						   example.org's keys */
	int			 verify;	/* inbound checks */
	int			 dmarc_reject;	/* honour p=reject */
	char			 authserv_id[MILTER_AUTHSERV_MAX + 1];
	int			 timeout_ms;	/* per stage */
	enum milter_fail_open	 fail_open;
	int			 idle_s;
	int			 clients;
	int			 workers;	/* threads for DKIM's crypto;
						   0: on the loop; a restart
						   applies a change */
};

/*
 * Read the milter block node of cf (NULL: no block, nlisten 0: the
 * milter is off) into OUT:mc, strictly: an unknown key, a bad value or a
 * repeated single key is "file:line: why" in OUT:err and -1. Keys are
 * not loaded here (milter_server_new does). authserv-id defaults to the
 * host name. Strings are owned by mc; free with milter_conf_free.
 */
int	milter_conf_read(const struct conf *cf, const struct conf_node *node,
	    struct milter_conf *mc, char *err, size_t errlen);
void	milter_conf_free(struct milter_conf *mc);

struct milter_server;

/*
 * Load mc's keys (each that cannot be read is an error naming the file)
 * and bind every mc->listen address, before privileges are dropped.
 * mc must outlive the server or the next milter_server_reconf. Returns
 * NULL with OUT:err.
 */
struct milter_server	*milter_server_new(const struct milter_conf *mc,
			    char *err, size_t errlen);

/*
 * Serve on base. pc (the policy { } block, which must outlive the server
 * or the next reconf) gives the DNS servers DKIM keys are looked up with
 * (resolver) and the reject code. The engine (may be NULL: no verdict at
 * RCPT) judges inbound clients at RCPT as the policy server does, with
 * the snapshot from src (may be NULL: no local lists). Returns 0 or -1
 * after logging why.
 */
int	milter_server_start(struct milter_server *s, struct event_base *base,
	    const struct policy_conf *pc, struct policy_engine *e,
	    const struct policy_index_src *src);

/*
 * SIGHUP: every setting of mc but the addresses applies to messages
 * started from now on; keys are read again, and a key that cannot be
 * read keeps the one loaded before (logged). pc and e replace the
 * running ones. Returns 0 (nothing fails but allocation).
 */
int	milter_server_reconf(struct milter_server *s,
	    const struct milter_conf *mc, const struct policy_conf *pc,
	    struct policy_engine *e);

/* Close every connection and listener. NULL is a no-op. */
void	milter_server_free(struct milter_server *s);

#endif /* FAIRLIST_MILTER_H */
