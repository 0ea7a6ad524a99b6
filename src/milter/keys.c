/*
 * keys.c: the signing keys of the milter, loaded from the configured
 * files, and which keys sign mail from a domain.
 *
 * Keys are parsed once (dkim_key_load) and shared between the keyrings
 * of successive configurations by reference count. Never logs a key;
 * logs a key file that cannot be read on SIGHUP, naming the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/str.h"
#include "core/xmalloc.h"
#include "milter/milter_int.h"

static void
mkey_drop(struct milter_mkey *k)
{
	if (k == NULL || --k->refs > 0)
		return;
	dkim_key_free(k->key);
	free(k->domain);
	free(k->selector);
	free(k->path);
	free(k);
}

static struct milter_mkey *
prev_key(const struct milter_keyring *prev, const struct milter_key_conf *kc)
{
	int	i;

	for (i = 0; prev != NULL && i < prev->n; i++)
		if (strcmp(prev->k[i]->domain, kc->domain) == 0 &&
		    strcmp(prev->k[i]->selector, kc->selector) == 0)
			return prev->k[i];
	return NULL;
}

struct milter_keyring *
milter_keyring_load(const struct milter_conf *mc,
    const struct milter_keyring *prev, char *err, size_t errlen)
{
	struct milter_keyring		*kr = xcalloc(1, sizeof(*kr));
	const struct milter_key_conf	*kc;
	struct milter_mkey		*k, *old;
	struct dkim_key			*key;
	char				 e[256];
	int				 i;

	kr->refs = 1;
	for (i = 0; i < mc->nkeys; i++) {
		kc = &mc->keys[i];
		if ((key = dkim_key_load(kc->path, e, sizeof(e))) == NULL) {
			if (prev == NULL) {
				snprintf(err, errlen, "milter: key %s %s: %s",
				    kc->domain, kc->selector, e);
				milter_keyring_drop(kr);
				return NULL;
			}
			if ((old = prev_key(prev, kc)) != NULL) {
				log_warnx("milter: key %s %s: %s; the key "
				    "loaded before stays", kc->domain,
				    kc->selector, e);
				old->refs++;
				kr->k[kr->n++] = old;
			} else
				log_warnx("milter: key %s %s: %s; mail of %s "
				    "is not signed with it", kc->domain,
				    kc->selector, e, kc->domain);
			continue;
		}
		k = xcalloc(1, sizeof(*k));
		k->refs = 1;
		k->domain = xstrdup(kc->domain);
		k->selector = xstrdup(kc->selector);
		k->path = xstrdup(kc->path);
		k->key = key;
		kr->k[kr->n++] = k;
	}
	return kr;
}

void
milter_keyring_hold(struct milter_keyring *kr)
{
	kr->refs++;
}

void
milter_keyring_drop(struct milter_keyring *kr)
{
	int	i;

	if (kr == NULL || --kr->refs > 0)
		return;
	for (i = 0; i < kr->n; i++)
		mkey_drop(kr->k[i]);
	free(kr);
}

size_t
milter_keyring_find(const struct milter_keyring *kr, const char *domain,
    int subdomains, const struct milter_mkey **out, size_t max,
    const char **signdom)
{
	const char	*d = domain;
	size_t		 n;
	int		 i;

	while (d != NULL && *d != '\0') {
		n = 0;
		for (i = 0; i < kr->n && n < max; i++)
			if (strcmp(kr->k[i]->domain, d) == 0)
				out[n++] = kr->k[i];
		if (n > 0) {
			*signdom = d;
			return n;
		}
		if (!subdomains || (d = strchr(d, '.')) == NULL)
			break;
		d++;
	}
	return 0;
}
