/*
 * fuzz_bounce.c: the bounce classifier (src/bounce), a whole message and
 * the same bytes as a bare reply text, with its contract as the oracle:
 * the class and action are in range, only a user-unknown or
 * domain-unknown bounce is suppress, a blocklist bounce is keep, every
 * string is NUL-terminated within its buffer and holds no control byte
 * (the list, the address and the codes are printable ASCII), and the
 * reply and status codes have their shapes.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce/bounce.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
clean(const char *s, size_t cap, int ascii)
{
	if (strnlen(s, cap) == cap)
		abort();
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 ||
		    (ascii && (unsigned char)*s > 0x7e))
			abort();
}

static void
check(const struct bounce_result *r)
{
	size_t	i;

	if (bounce_class_name(r->cls) == NULL ||
	    bounce_action_name(r->action) == NULL)
		abort();
	if (r->action == BOUNCE_SUPPRESS && r->cls != BOUNCE_USER_UNKNOWN &&
	    r->cls != BOUNCE_DOMAIN_UNKNOWN)
		abort();
	if (r->cls == BOUNCE_BLOCKLIST && r->action != BOUNCE_KEEP)
		abort();
	if ((r->cls == BOUNCE_UNKNOWN) != (r->rule == NULL))
		abort();
	clean(r->list, sizeof(r->list), 1);
	clean(r->ip, sizeof(r->ip), 1);
	clean(r->status, sizeof(r->status), 1);
	clean(r->reply, sizeof(r->reply), 1);
	clean(r->recipient, sizeof(r->recipient), 0);
	clean(r->remote_mta, sizeof(r->remote_mta), 0);
	clean(r->explain, sizeof(r->explain), 0);
	clean(r->diag, sizeof(r->diag), 0);
	if (r->reply[0] != '\0' && (strlen(r->reply) != 3 ||
	    !isdigit((unsigned char)r->reply[1])))
		abort();
	for (i = 0; r->status[i] != '\0'; i++)
		if (!isdigit((unsigned char)r->status[i]) &&
		    r->status[i] != '.')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bounce_result	r;

	bounce_classify_message(data, size, &r);
	check(&r);
	bounce_classify_text(data, size, &r);
	check(&r);
	return 0;
}
