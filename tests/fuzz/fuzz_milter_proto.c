/*
 * fuzz_milter_proto.c: the milter packet codec (milter/proto.c) on a
 * stream of bytes, as the milter service reads it: frame after frame
 * with the 64K cap until an SMFIC_OPTNEG offer negotiates a larger one,
 * each frame parsed.
 *
 * The oracle: a frame never claims more bytes than it was given nor
 * data past its own length; every string the parser returns ends with a
 * NUL inside the packet; counts stay within their caps; a negotiated
 * limit is one of the three MDS sizes. No I/O.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "milter/proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* s must lie inside the packet and end with a NUL inside it. */
static void
in_packet(const struct milter_pkt *p, const char *s)
{
	const uint8_t	*u = (const uint8_t *)s;

	if (s == NULL)
		abort();
	if (u < p->data || u >= p->data + p->len ||
	    memchr(u, '\0', (size_t)(p->data + p->len - u)) == NULL)
		abort();
}

static void
check(const struct milter_pkt *p, const struct milter_cmd *c)
{
	size_t	i;

	switch (c->cmd) {
	case SMFIC_MACRO:
		if (c->nmacros > MILTER_MACROS_MAX)
			abort();
		for (i = 0; i < c->nmacros; i++) {
			in_packet(p, c->mname[i]);
			in_packet(p, c->mvalue[i]);
		}
		break;
	case SMFIC_CONNECT:
		in_packet(p, c->host);
		/* Family U may come without an address: a static "". */
		if (c->family != SMFIA_UNKNOWN || c->addr[0] != '\0')
			in_packet(p, c->addr);
		break;
	case SMFIC_MAIL:
	case SMFIC_RCPT:
		if (c->nargs > MILTER_ESMTP_ARGS_MAX)
			abort();
		for (i = 0; i < c->nargs; i++)
			in_packet(p, c->args[i]);
		/* FALLTHROUGH */
	case SMFIC_HELO:
	case SMFIC_UNKNOWN:
		in_packet(p, c->arg);
		break;
	case SMFIC_HEADER:
		in_packet(p, c->hname);
		in_packet(p, c->hvalue);
		if (c->hname[0] == '\0' || c->hvalue[c->hvalue_len] != '\0')
			abort();
		break;
	case SMFIC_BODY:
	case SMFIC_BODYEOB:
		if (c->body_len != p->len)
			abort();
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct milter_pkt	 p;
	struct milter_cmd	 c;
	const char		*err;
	size_t			 off = 0, used, max = MILTER_DATA_64K;
	uint32_t		 act, proto;
	int			 r;

	while ((r = milter_frame(data + off, size - off, max, &p, &used,
	    &err)) == 1) {
		if (used > size - off || used != MILTER_LEN_BYTES + 1 + p.len ||
		    p.len > max)
			abort();
		off += used;
		if (milter_parse(&p, &c, &err) == -1) {
			if (err == NULL)
				abort();
			continue;
		}
		check(&p, &c);
		if (c.cmd == SMFIC_OPTNEG && milter_negotiate(&c, 0xffffffff,
		    0xffffffff, &act, &proto, &max, &err) == 0 &&
		    max != MILTER_DATA_64K && max != MILTER_DATA_256K &&
		    max != MILTER_DATA_1M)
			abort();
	}
	if (r == -1 && err == NULL)
		abort();
	return 0;
}
