/*
 * fuzz_policy_request.c: the policy protocol reader and parser. The bytes
 * are a connection's input: requests are taken off the front one at a
 * time, as the server does, each scanned whole and again in pieces
 * (split points taken from the input), then parsed from an exact-size
 * copy. Invariants, checked with abort(): the pieces give the same answer
 * as the whole; a complete request ends with its empty line and is within
 * POLICY_REQUEST_MAX; a parsed request has the right type
 * (smtpd_access_policy or confirm_check, and the kind that names it), at
 * most POLICY_ATTRS_MAX attributes, every field pointing into the copy or
 * "", and has_sender set whenever sender is not "".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_field(const char *f, const char *b, size_t len)
{
	if (f[0] == '\0')
		return;
	if (f < b || f >= b + len)
		abort();
	if (memchr(f, '\n', strlen(f)) != NULL)
		abort();
}

static void
parse_one(const char *in, size_t len)
{
	struct policy_request	 r;
	const char		*err = NULL;
	char			*b;

	if ((b = malloc(len)) == NULL)
		abort();
	memcpy(b, in, len);
	if (policy_request_parse(b, len, &r, &err) == 0) {
		if (!(strcmp(r.request, "smtpd_access_policy") == 0 &&
		    r.kind == POLICY_REQ_ACCESS) &&
		    !(strcmp(r.request, "confirm_check") == 0 &&
		    r.kind == POLICY_REQ_CONFIRM))
			abort();
		if (r.nattrs < 1 || r.nattrs > POLICY_ATTRS_MAX ||
		    (r.sender[0] != '\0' && !r.has_sender))
			abort();
		check_field(r.protocol_state, b, len);
		check_field(r.protocol_name, b, len);
		check_field(r.client_address, b, len);
		check_field(r.client_name, b, len);
		check_field(r.reverse_client_name, b, len);
		check_field(r.helo_name, b, len);
		check_field(r.sender, b, len);
		check_field(r.recipient, b, len);
		check_field(r.instance, b, len);
		check_field(r.sasl_username, b, len);
		check_field(r.queue_id, b, len);
		check_field(r.dkim_pass, b, len);
	} else if (err == NULL)
		abort();
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_reader	 rd;
	const char		*in = (const char *)data;
	const char		*err;
	size_t			 off = 0, left, cut, step;
	long			 whole, part;

	while (off < size) {
		left = size - off;
		policy_reader_init(&rd);
		err = NULL;
		whole = policy_reader_scan(&rd, in + off, left, &err);
		if (whole < -1 || whole > (long)left ||
		    whole > POLICY_REQUEST_MAX || (whole == -1 && err == NULL))
			abort();

		/* The same bytes in pieces: cuts from the first byte. */
		step = 1 + (size_t)data[off] % 64;
		policy_reader_init(&rd);
		part = 0;
		for (cut = step < left ? step : left; part == 0;
		    cut = cut + step < left ? cut + step : left) {
			if ((part = policy_reader_scan(&rd, in + off, cut,
			    &err)) != 0 || cut == left)
				break;
		}
		if (part != whole)
			abort();
		if (whole <= 0)
			break;
		if (in[off + (size_t)whole - 1] != '\n' || (whole > 1 &&
		    in[off + (size_t)whole - 2] != '\n'))
			abort();
		if (memchr(in + off, '\0', (size_t)whole) != NULL)
			abort();
		parse_one(in + off, (size_t)whole);
		off += (size_t)whole;
	}
	return 0;
}
