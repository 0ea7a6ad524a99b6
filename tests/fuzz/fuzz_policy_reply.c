/*
 * fuzz_policy_reply.c: reply template expansion (policy_reply_expand) and
 * the configuration check (policy_reply_check) on arbitrary bytes.
 *
 * Input: one byte choosing the output buffer size (below 0x80: that many
 * bytes; else a full buffer), then NUL-separated parts: the template and
 * up to 14 variable values. The output lives in a buffer of exactly the
 * chosen size, so a write past it is caught by ASan, and must be valid
 * reply text: printable ASCII and single spaces, no leading or trailing
 * space, within min(size - 1, POLICY_REPLY_MAX) bytes. Each value alone
 * expands within POLICY_VAR_MAX bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX	8192
#define NVARS		14

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_vars	 v;
	const char		*part[1 + NVARS];
	const char		*tmpl;
	char			*in, *out, err[128];
	size_t			 outlen, n, i, cap, np;

	if (size < 1 || size > INPUT_MAX)
		return 0;
	outlen = data[0] < 0x80 ? data[0] : POLICY_REPLY_MAX + 1;
	in = malloc(size);
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	memset(part, 0, sizeof(part));
	part[0] = in;
	for (i = 0, np = 1; i < size - 1 && np < 1 + NVARS; i++)
		if (in[i] == '\0')
			part[np++] = in + i + 1;
	tmpl = part[0];
	memset(&v, 0, sizeof(v));
	v.ip = part[1]; v.list = part[2]; v.zone = part[3];
	v.since = part[4]; v.listed = part[5]; v.reason = part[6];
	v.url = part[7]; v.code = part[8]; v.score = part[9];
	v.threshold = part[10]; v.sender = part[11]; v.helo = part[12];
	v.spf = part[13]; v.explanation = part[14];

	out = malloc(outlen > 0 ? outlen : 1);
	n = policy_reply_expand(tmpl, &v, out, outlen);
	if (outlen == 0) {
		if (n != 0)
			abort();
	} else {
		cap = outlen - 1 < POLICY_REPLY_MAX ? outlen - 1 :
		    POLICY_REPLY_MAX;
		if (n > cap || memchr(out, '\0', outlen) == NULL ||
		    strlen(out) != n)
			abort();
		if (n > 0 && (out[0] == ' ' || out[n - 1] == ' '))
			abort();
		for (i = 0; i < n; i++) {
			if (out[i] < 0x20 || out[i] > 0x7e)
				abort();
			if (i > 0 && out[i] == ' ' && out[i - 1] == ' ')
				abort();
		}
	}
	free(out);

	/* One variable alone is within its own cap. */
	out = malloc(POLICY_REPLY_MAX + 1);
	for (i = 1; i < 1 + NVARS; i++) {
		memset(&v, 0, sizeof(v));
		v.reason = part[i];
		n = policy_reply_expand("$reason", &v, out,
		    POLICY_REPLY_MAX + 1);
		if (n > POLICY_VAR_MAX || strlen(out) != n)
			abort();
	}
	free(out);

	/* The check never accepts what expansion would have to repair. */
	memset(err, 'E', sizeof(err));
	if (policy_reply_check(tmpl, err, sizeof(err)) == 0) {
		n = strlen(tmpl);
		if (n == 0 || n >= POLICY_TEMPLATE_MAX)
			abort();
		for (i = 0; i < n; i++)
			if (tmpl[i] < 0x20 || tmpl[i] > 0x7e)
				abort();
	} else if (memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	free(in);
	return 0;
}
