/*
 * fuzz_traps_smtp.c: the trap receiver's SMTP state machine
 * (src/traps/smtp.c). The first byte picks the chunk size the rest is fed
 * in, so framing across reads is fuzzed too. Oracle: the machine takes no
 * more than it is given and all of it unless it stops at an event; every
 * reply line is three digits, a space or '-', printable ASCII and CRLF
 * (nothing the peer sent can break a line); a message is never longer
 * than message-size; after TRAPS_EV_CLOSE nothing more is answered.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "traps/traps.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_replies(const struct sbuf *out)
{
	const char	*p = out->s, *end = out->s + out->len, *lf;
	const char	*q;

	while (p < end) {
		if ((lf = memchr(p, '\n', (size_t)(end - p))) == NULL)
			abort();
		if (lf - p < 5 || lf[-1] != '\r')
			abort();
		if (p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
		    p[2] < '0' || p[2] > '9' || (p[3] != ' ' && p[3] != '-'))
			abort();
		for (q = p; q < lf - 1; q++)
			if (*q < 0x20 || *q > 0x7e)
				abort();
		p = lf + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char		 dom[] = "trap.example.org";
	struct traps_conf	 tc;
	struct traps_smtp	 s;
	struct sbuf		 out;
	enum traps_smtp_event	 ev;
	size_t			 off = 1, step, n, used;

	if (size < 1)
		return 0;
	memset(&tc, 0, sizeof(tc));
	tc.domains[0] = dom;
	tc.ndomains = 1;
	strcpy(tc.hostname, "mx.test");
	tc.msg_max = 2048;
	tc.rcpt_max = 5;
	step = (size_t)data[0] % 64 + 1;
	sbuf_init(&out);
	traps_smtp_init(&s, &tc);
	traps_smtp_greet(&s, &out);
	while (off < size) {
		n = size - off < step ? size - off : step;
		used = 0;
		ev = traps_smtp_feed(&s, data + off, n, &used, &out);
		if (used > n)
			abort();
		off += used;
		if (ev == TRAPS_EV_MESSAGE) {
			if (s.msg.len > tc.msg_max || s.nrcpt < 1 ||
			    s.nrcpt > tc.rcpt_max || s.rcpt[0] == '\0')
				abort();
			traps_smtp_done(&s, data[0] & 1, &out);
		} else if (ev == TRAPS_EV_CLOSE) {
			if (s.state != TRAPS_S_CLOSED)
				abort();
			break;
		} else if (used != n)
			abort();
	}
	check_replies(&out);
	traps_smtp_free(&s);
	sbuf_free(&out);
	return 0;
}
