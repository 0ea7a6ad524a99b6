/*
 * proto.h: the milter protocol, version 6, as pure code: packet framing,
 * option negotiation, the commands an MTA sends and the replies a filter
 * writes. No I/O and no allocation on the read side: parsed strings point
 * into the packet and live as long as it does.
 *
 * The protocol has no RFC; the constants are libmilter's (mfdef.h,
 * sendmail 8.17), the behaviour Postfix's (MILTER_README, milter8.c) and
 * Sendmail's. A packet is a 4-byte length in network byte order that
 * counts the command byte, the command byte, then the data.
 */
#ifndef FAIRLIST_MILTER_PROTO_H
#define FAIRLIST_MILTER_PROTO_H

#include <stddef.h>
#include <stdint.h>

struct sbuf;

#define MILTER_VERSION		6	/* the only version we speak */
#define MILTER_LEN_BYTES	4
#define MILTER_CHUNK_MAX	65535	/* body chunk, MILTER_CHUNK_SIZE */
/* Data limits, by negotiation (libmilter MILTER_MDS_*). */
#define MILTER_DATA_64K		((64 * 1024) - 1)
#define MILTER_DATA_256K	((256 * 1024) - 1)
#define MILTER_DATA_1M		((1024 * 1024) - 1)
#define MILTER_MACROS_MAX	64	/* name/value pairs kept per packet */
#define MILTER_ESMTP_ARGS_MAX	32	/* MAIL/RCPT arguments kept */
#define MILTER_REPLY_MAX	512	/* text of one SMFIR_REPLYCODE */

/* Commands, MTA to filter. */
#define SMFIC_ABORT	'A'
#define SMFIC_BODY	'B'
#define SMFIC_CONNECT	'C'
#define SMFIC_MACRO	'D'
#define SMFIC_BODYEOB	'E'
#define SMFIC_HELO	'H'
#define SMFIC_QUIT_NC	'K'
#define SMFIC_HEADER	'L'
#define SMFIC_MAIL	'M'
#define SMFIC_EOH	'N'
#define SMFIC_OPTNEG	'O'
#define SMFIC_QUIT	'Q'
#define SMFIC_RCPT	'R'
#define SMFIC_DATA	'T'
#define SMFIC_UNKNOWN	'U'

/* Replies, filter to MTA. */
#define SMFIR_ACCEPT	'a'
#define SMFIR_CONTINUE	'c'
#define SMFIR_DISCARD	'd'
#define SMFIR_ADDHEADER	'h'
#define SMFIR_INSHEADER	'i'
#define SMFIR_CHGHEADER	'm'
#define SMFIR_PROGRESS	'p'
#define SMFIR_REJECT	'r'
#define SMFIR_TEMPFAIL	't'
#define SMFIR_REPLYCODE	'y'

/* Actions the filter may take (SMFIF_*). */
#define SMFIF_ADDHDRS	0x01
#define SMFIF_CHGHDRS	0x10

/*
 * Protocol flags (SMFIP_*). SMFIP_NR_*: the filter gives no reply to
 * that command, so the MTA sends the next one at once (milter v6).
 */
#define SMFIP_NR_HDR	0x00000080
#define SMFIP_NOUNKNOWN	0x00000100
#define SMFIP_NODATA	0x00000200
#define SMFIP_NR_CONN	0x00001000
#define SMFIP_NR_HELO	0x00002000
#define SMFIP_NR_MAIL	0x00004000
#define SMFIP_NR_RCPT	0x00008000
#define SMFIP_NR_EOH	0x00040000
#define SMFIP_NR_BODY	0x00080000
#define SMFIP_HDR_LEADSPC 0x00100000
#define SMFIP_MDS_256K	0x10000000
#define SMFIP_MDS_1M	0x20000000

/* Address families of SMFIC_CONNECT. */
#define SMFIA_UNKNOWN	'U'
#define SMFIA_UNIX	'L'
#define SMFIA_INET	'4'
#define SMFIA_INET6	'6'

/* One framed packet; data borrows the input buffer. */
struct milter_pkt {
	uint8_t		 cmd;
	const uint8_t	*data;
	size_t		 len;
};

/*
 * Untrusted input: find the first packet in p[0..len). max is the data
 * limit in force (MILTER_DATA_64K until negotiation raises it). Returns
 * 1 with OUT:pkt and OUT:used (bytes to consume), 0 when more bytes are
 * needed, -1 with OUT:err (static text) for a length of 0 or over max.
 */
int	milter_frame(const uint8_t *p, size_t len, size_t max,
	    struct milter_pkt *pkt, size_t *used, const char **err);

/* A parsed command; strings are NUL-terminated inside the packet. */
struct milter_cmd {
	uint8_t		 cmd;
	/* SMFIC_OPTNEG */
	uint32_t	 version, actions, protocol;
	/* SMFIC_MACRO: the command they belong to, then the pairs */
	uint8_t		 macro_cmd;
	size_t		 nmacros;
	const char	*mname[MILTER_MACROS_MAX];
	const char	*mvalue[MILTER_MACROS_MAX];
	/* SMFIC_CONNECT */
	const char	*host;
	uint8_t		 family;
	uint16_t	 port;
	const char	*addr;		/* "" for SMFIA_UNKNOWN */
	/* SMFIC_HELO: arg; SMFIC_MAIL, RCPT: arg and args; UNKNOWN: arg */
	const char	*arg;
	size_t		 nargs;
	const char	*args[MILTER_ESMTP_ARGS_MAX];
	/* SMFIC_HEADER */
	const char	*hname;
	const char	*hvalue;
	size_t		 hvalue_len;
	/* SMFIC_BODY (and data of SMFIC_BODYEOB, usually empty) */
	const uint8_t	*body;
	size_t		 body_len;
};

/*
 * Untrusted input: parse pkt into OUT:c. Returns 0, or -1 with OUT:err
 * for an unknown command, a missing NUL, a truncated field or trailing
 * bytes where none may be. Pairs past MILTER_MACROS_MAX and arguments
 * past MILTER_ESMTP_ARGS_MAX are skipped, not an error.
 */
int	milter_parse(const struct milter_pkt *pkt, struct milter_cmd *c,
	    const char **err);

/*
 * The filter's answer to an SMFIC_OPTNEG offer: our version, the actions
 * we want (those offered of want_actions), and the protocol flags we set
 * (those offered of want_proto, plus the largest MDS flag offered).
 * Returns 0 with OUT:actions, OUT:proto and OUT:data_max (the data limit
 * from now on), or -1 with OUT:err when the MTA speaks a version below 6.
 */
int	milter_negotiate(const struct milter_cmd *offer, uint32_t want_actions,
	    uint32_t want_proto, uint32_t *actions, uint32_t *proto,
	    size_t *data_max, const char **err);

/* 1 if macro name (with or without braces: "i", "{auth_authen}") is n. */
int	milter_macro_is(const char *name, const char *n);

/* ---- replies: each appends one packet to out ---------------------- */

/* A reply with no data: SMFIR_CONTINUE, ACCEPT, REJECT, TEMPFAIL, ... */
void	milter_put(struct sbuf *out, uint8_t cmd);
void	milter_put_optneg(struct sbuf *out, uint32_t actions, uint32_t proto);
/*
 * SMFIR_REPLYCODE "ddd x.y.z text": code is 4xx or 5xx, the text cut at
 * MILTER_REPLY_MAX and cleaned of CR, LF, NUL and '%' (which Sendmail
 * would expand). Returns 0, or -1 for a code out of range (nothing put).
 */
int	milter_put_replycode(struct sbuf *out, int code, const char *xcode,
	    const char *text);
/*
 * SMFIR_ADDHEADER (idx unused), SMFIR_INSHEADER (before the idx-th
 * field, 0 = top) or SMFIR_CHGHEADER (the idx-th field of that name,
 * from 1; an empty value deletes it). The value is written as given.
 */
void	milter_put_header(struct sbuf *out, uint8_t cmd, uint32_t idx,
	    const char *name, const char *value);

#endif /* FAIRLIST_MILTER_PROTO_H */
