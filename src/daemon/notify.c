/*
 * notify.c: the systemd readiness protocol (sd_notify(3), Type=notify),
 * through libsystemd. Without NOTIFY_SOCKET in the environment (not
 * started by systemd) every call does nothing.
 *
 * READY=1 once the first snapshot is published and every service has
 * started; RELOADING=1 (with MONOTONIC_USEC, as systemd 253's
 * Type=notify-reload wants) at SIGHUP, and READY=1 again once the
 * rebuild it forces is published, or failed and the last snapshot stays;
 * STOPPING=1 at SIGINT and SIGTERM. Each carries a STATUS= line that
 * `systemctl status` shows. Sent from the loop and the reload thread:
 * sd_notify only sends one datagram.
 */
#include <systemd/sd-daemon.h>

#include "core/time.h"
#include "daemon/daemon_int.h"
#include "list/list.h"

void
daemon_notify_ready(struct daemon *d, const char *what)
{
	const struct index	*idx = dnsbl_server_current(d->srv);
	size_t			 n = 0;
	int			 z, nz = idx != NULL ? index_zone_count(idx) : 0;

	for (z = 0; z < nz; z++)
		n += index_zone_size(idx, z);
	(void)sd_notifyf(0, "READY=1\nSTATUS=%s: %d zones, %zu entries, "
	    "snapshot %llu", what, nz, n,
	    (unsigned long long)atomic_load(&d->snap_gen));
}

void
daemon_notify_reloading(void)
{
	(void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%lld\nSTATUS="
	    "reloading the configuration and the index",
	    (long long)time_mono_us());
}

void
daemon_notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}
