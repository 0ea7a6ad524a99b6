/*
 * milter_int.h: what the files of src/milter/ share: the signing keys.
 */
#ifndef FAIRLIST_MILTER_INT_H
#define FAIRLIST_MILTER_INT_H

#include <stddef.h>

#include "milter/milter.h"

/* One loaded key, shared by the keyrings that use it. */
struct milter_mkey {
	int		 refs;
	char		*domain;
	char		*selector;
	char		*path;
	struct dkim_key	*key;
};

/*
 * The keys of one configuration. A message in progress holds a reference
 * from its end of headers to its end, so a SIGHUP never frees a key that
 * a signer still borrows. Loop thread only.
 */
struct milter_keyring {
	int			 refs;
	int			 n;
	struct milter_mkey	*k[MILTER_KEYS_MAX];
};

/*
 * Load mc's keys. With prev NULL (startup) a key that cannot be read is
 * an error naming its file (NULL, OUT:err). With prev (SIGHUP) it keeps
 * prev's key of the same domain and selector, with a log line; a new key
 * that cannot be read is left out, logged. The result holds one
 * reference.
 */
struct milter_keyring	*milter_keyring_load(const struct milter_conf *mc,
			    const struct milter_keyring *prev, char *err,
			    size_t errlen);
void			 milter_keyring_hold(struct milter_keyring *kr);
void			 milter_keyring_drop(struct milter_keyring *kr);

/*
 * The keys for mail from domain (lower case): its own, or with
 * subdomains those of the nearest parent that has any. Up to max into
 * OUT:out; returns the count (0: none) and OUT:signdom, the d= domain.
 */
size_t	milter_keyring_find(const struct milter_keyring *kr,
	    const char *domain, int subdomains,
	    const struct milter_mkey **out, size_t max, const char **signdom);

#endif /* FAIRLIST_MILTER_INT_H */
