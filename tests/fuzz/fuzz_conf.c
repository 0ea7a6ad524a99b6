/* fuzz_conf.c: the configuration parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 err[256];
	struct conf	*c;

	c = conf_parse((const char *)data, size, "fuzz", err, sizeof(err));
	if (c != NULL) {
		(void)conf_get(c->root, "db");
		(void)conf_next(c->root);
	}
	conf_free(c);
	return 0;
}
