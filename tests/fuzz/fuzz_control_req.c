/*
 * fuzz_control_req.c: the control socket's request reader
 * (daemon/control.c, daemon_ctl_feed) against a plain reading of the same
 * bytes. The first input byte chooses the size of the pieces (1 to 16
 * bytes) the rest is fed in, as a peer's reads would split it.
 *
 * The contract checked: up to the first '\n' the answer is MORE while the
 * line fits in DAEMON_CTL_LINE_MAX bytes and BAD once it does not; at the
 * '\n' it is STATUS exactly when the line, less one '\r' at its end, is
 * "status", BAD otherwise; once decided, further bytes change nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct daemon_ctl_req	 r;
	enum daemon_ctl_cmd	 got = DAEMON_CTL_MORE, want;
	const uint8_t		*nl;
	size_t			 piece, off, n, k;

	if (size < 1)
		return 0;
	piece = (size_t)(data[0] % 16) + 1;
	data++;
	size--;
	memset(&r, 0, sizeof(r));
	for (off = 0; off < size; off += n) {
		n = size - off < piece ? size - off : piece;
		got = daemon_ctl_feed(&r, data + off, n);
	}
	nl = memchr(data, '\n', size);
	k = nl != NULL ? (size_t)(nl - data) : size;
	if (k > DAEMON_CTL_LINE_MAX)
		want = DAEMON_CTL_BAD;
	else if (nl == NULL)
		want = DAEMON_CTL_MORE;
	else {
		if (k > 0 && data[k - 1] == '\r')
			k--;
		want = k == 6 && memcmp(data, "status", 6) == 0 ?
		    DAEMON_CTL_STATUS : DAEMON_CTL_BAD;
	}
	if (got != want)
		abort();
	if (want != DAEMON_CTL_MORE &&
	    daemon_ctl_feed(&r, "status\n", 7) != want)
		abort();
	return 0;
}
