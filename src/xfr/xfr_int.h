/*
 * xfr_int.h: what the files of src/xfr share and no one else sees: the
 * zone as records (zone.c builds it, ixfr.c diffs two of them).
 */
#ifndef FAIRLIST_XFR_INT_H
#define FAIRLIST_XFR_INT_H

#include <stddef.h>

#include "list/list.h"
#include "xfr/xfr.h"

/*
 * A zone as records. Its names are in the order xfr_zone_build writes
 * them, which is xfr_name_cmp's: IPv4 before IPv6, then by address, a
 * wildcard's block before the names below it.
 */
struct xfr_zone {
	int			 refs;		/* xfr_zone_ref, xfr_zone_free */
	struct index_zone	 z;		/* strings owned */
	struct index_value	*values;	/* reasons owned */
	size_t			 nvalues;
	struct xfr_name		*names;
	size_t			 n, cap;
	int			 ip_free;	/* TXT does not use $ip */
	struct xfr_zone_stats	 st;		/* as built */
};

#endif /* FAIRLIST_XFR_INT_H */
