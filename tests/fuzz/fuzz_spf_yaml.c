/*
 * fuzz_spf_yaml.c: the YAML subset reader of the SPF suite runner on
 * arbitrary bytes, then the zone master-file reader on the same bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "spf/spf.h"
#include "spf/spf_int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 err[256];
	struct ynode	*docs;
	struct spf_zone	*z;
	struct spf_answer a;

	docs = yaml_parse((const char *)data, size, "fuzz", err, sizeof(err));
	if (docs != NULL)
		(void)yaml_get(docs->child, "tests");
	yaml_free(docs);
	z = spf_zone_new();
	if (spf_zone_parse(z, (const char *)data, size, "fuzz", err,
	    sizeof(err)) == 0)
		spf_zone_lookup(z, "example.com", DNS_T_TXT, &a);
	spf_zone_free(z);
	return 0;
}
