/*
 * fuzz_web_conf.c: the http { } reader (web/conf.c) on arbitrary
 * configuration text. Whatever it accepts must satisfy its own limits:
 * a listen address, a public-url that needs no HTML escaping and has no
 * trailing '/', at most WEB_PROXIES_MAX proxies, every number in its
 * range. A refusal always says why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "web/web.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_url(const char *u)
{
	size_t	n = strlen(u);

	if ((strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) !=
	    0) || n > WEB_URL_MAX || u[n - 1] == '/')
		abort();
	/* The page writes it into attributes without escaping. */
	if (strpbrk(u, "<>\"'& \t\r\n$`\\") != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			 err[256];
	struct conf		*c;
	struct web_conf		 wc;
	int			 i;

	c = conf_parse((const char *)data, size, "fuzz", err, sizeof(err));
	if (c == NULL)
		return 0;
	err[0] = '\0';
	if (web_conf_read(c, conf_find(c->root, "http"), &wc, err,
	    sizeof(err)) == 0) {
		if ((wc.listen != NULL && wc.listen[0] == '\0') ||
		    wc.nproxies < 0 || wc.nproxies > WEB_PROXIES_MAX ||
		    wc.body_max < 256 || wc.body_max > WEB_BODY_CAP ||
		    wc.timeout_s < 1 || wc.timeout_s > 3600 ||
		    wc.clients < 1 || wc.clients > 100000 ||
		    wc.workers < 1 || wc.workers > WEB_WORKERS_MAX)
			abort();
		if (wc.public_url != NULL)
			check_url(wc.public_url);
		for (i = 0; i < wc.nproxies; i++)
			if (wc.proxies[i].plen > 128)
				abort();
		web_conf_free(&wc);
		if (wc.listen != NULL || wc.public_url != NULL)
			abort();
	} else if (err[0] == '\0')
		abort();	/* a refusal always says why */
	conf_free(c);
	return 0;
}
