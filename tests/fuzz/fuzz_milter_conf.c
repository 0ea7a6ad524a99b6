/*
 * fuzz_milter_conf.c: the milter { } reader (milter/mconf.c) on
 * arbitrary configuration text. Whatever it accepts must satisfy its own
 * limits: no listen address without a block, else 1 to
 * MILTER_LISTEN_MAX; keys with a lower-case domain without a trailing
 * dot, at most MILTER_NETWORKS_MAX networks, an h= list naming From
 * within MILTER_HEADERS_MAX bytes, a host name as authserv-id, every
 * number in its range. A refusal always says why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/conf.h"
#include "core/str.h"
#include "milter/milter.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct milter_conf *mc, int block)
{
	size_t	n;
	int	i;

	/* No block: the milter is off; a block listens somewhere. */
	if ((block ? mc->nlisten < 1 : mc->nlisten != 0) ||
	    mc->nlisten > MILTER_LISTEN_MAX ||
	    mc->nkeys < 0 || mc->nkeys > MILTER_KEYS_MAX ||
	    mc->nnetworks < 0 || mc->nnetworks > MILTER_NETWORKS_MAX ||
	    mc->socket_mode < 0 || mc->socket_mode > 0777 ||
	    mc->timeout_ms < 1000 || mc->timeout_ms > MILTER_TIMEOUT_MAX_MS ||
	    mc->idle_s < 1 || mc->idle_s > 86400 ||
	    mc->clients < 1 || mc->clients > MILTER_CLIENTS_MAX ||
	    (mc->verify != 0 && mc->verify != 1) ||
	    (mc->subdomains != 0 && mc->subdomains != 1) ||
	    (mc->dmarc_reject != 0 && mc->dmarc_reject != 1) ||
	    (mc->fail_open != MILTER_FAIL_ACCEPT &&
	    mc->fail_open != MILTER_FAIL_TEMPFAIL))
		abort();
	for (i = 0; i < mc->nlisten; i++)
		if (mc->listen[i] == NULL)
			abort();
	for (i = 0; i < mc->nkeys; i++) {
		if (mc->keys[i].domain == NULL || mc->keys[i].selector ==
		    NULL || mc->keys[i].path == NULL)
			abort();
		n = strlen(mc->keys[i].domain);
		if ((n > 0 && mc->keys[i].domain[n - 1] == '.') ||
		    strpbrk(mc->keys[i].domain,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != NULL)
			abort();
	}
	for (i = 0; i < mc->nnetworks; i++)
		if (mc->networks[i].plen > 128)
			abort();
	if (mc->headers != NULL && (strlen(mc->headers) >
	    MILTER_HEADERS_MAX || strcasestr(mc->headers, "from") == NULL))
		abort();
	n = strlen(mc->authserv_id);
	if (n > MILTER_AUTHSERV_MAX || !str_dnsname_ok(mc->authserv_id, n))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			 err[256];
	struct conf		*c;
	const struct conf_node	*node;
	struct milter_conf	 mc;

	c = conf_parse((const char *)data, size, "fuzz", err, sizeof(err));
	if (c == NULL)
		return 0;
	err[0] = '\0';
	node = conf_find(c->root, "milter");
	if (milter_conf_read(c, node, &mc, err, sizeof(err)) == 0) {
		check(&mc, node != NULL);
		milter_conf_free(&mc);
	} else if (err[0] == '\0')
		abort();	/* a refusal always says why */
	conf_free(c);
	return 0;
}
