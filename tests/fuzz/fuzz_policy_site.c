/*
 * fuzz_policy_site.c: the DNSBL site parser (policy_site_parse, postscreen
 * syntax) on arbitrary bytes. A spec it accepts must give a valid zone (a
 * lower-case DNS name of at most 253 bytes without a trailing dot, which
 * parses again to itself), a weight in range, and a filter that never
 * matches a DNSBL error code; the message of a spec it refuses must be a
 * bounded, terminated line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SPEC_MAX	2048

static void
check_zone(const char *z)
{
	size_t	len = strlen(z), i, lab = 0;

	if (len == 0 || len > 253 || z[len - 1] == '.' || z[0] == '.')
		abort();
	for (i = 0; i < len; i++) {
		if (z[i] == '.') {
			if (lab == 0)
				abort();
			lab = 0;
			continue;
		}
		if (!((z[i] >= 'a' && z[i] <= 'z') ||
		    (z[i] >= '0' && z[i] <= '9') || z[i] == '-' ||
		    z[i] == '_'))
			abort();
		if (++lab > 63)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t	 errs[] = { 0x7f000001, 0x7fffff00,
				    0x7ffffffc, 0x7ffffffe, 0x7fffffff,
				    0x00000000, 0x0a000002, 0xc0000201 };
	struct policy_site	 s, again;
	char			 spec[SPEC_MAX + 1], err[128];
	uint32_t		 code;
	size_t			 i;

	if (size > SPEC_MAX)
		return 0;
	memcpy(spec, data, size);
	spec[size] = '\0';
	memset(err, 'E', sizeof(err));
	if (policy_site_parse(spec, &s, err, sizeof(err)) == -1) {
		if (memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		if (s.zone[0] != '\0' || s.has_filter)
			abort();
		return 0;
	}
	check_zone(s.zone);
	if (s.weight < -1000 || s.weight > 1000)
		abort();
	if (s.server != NULL || s.reply != NULL || s.url != NULL ||
	    s.label != NULL)
		abort();
	if (policy_site_parse(s.zone, &again, err, sizeof(err)) == -1 ||
	    strcmp(again.zone, s.zone) != 0)
		abort();
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (policy_site_match(&s, errs[i]))
			abort();
	/* Codes taken from the input: a match is never an error code. */
	for (i = 0; i + 4 <= size && i < 64; i += 4) {
		code = (uint32_t)data[i] << 24 | (uint32_t)data[i + 1] << 16 |
		    (uint32_t)data[i + 2] << 8 | data[i + 3];
		if (policy_site_match(&s, code) && policy_code_is_error(code))
			abort();
		code = 0x7f000000 | (code & 0xffffff);
		if (policy_site_match(&s, code) && policy_code_is_error(code))
			abort();
		if (!s.has_filter && !policy_code_is_error(code) &&
		    !policy_site_match(&s, code))
			abort();
	}
	return 0;
}
