/*
 * probe.c: latency prober for the DNSBL benchmark.
 *
 *   probe ADDR PORT QNAME INTERVAL_US DURATION_S OUTFILE
 *
 * Sends one A query for QNAME to ADDR:PORT (UDP) every INTERVAL_US
 * microseconds, one at a time: the next query leaves only once the previous
 * one is answered (or after a 2 s timeout), so a stalled server shows as one
 * long round trip. Writes one line per query to OUTFILE:
 *   <send time, CLOCK_MONOTONIC ns> <round trip ns, -1 on timeout> <rcode>
 * A benchmark helper, not part of fairlist.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROBE_TIMEOUT_MS	2000
#define PROBE_MAX_SAMPLES	2000000

struct sample {
	int64_t	t, rtt;
	int	rcode;
};

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t
make_query(uint8_t *q, size_t qsize, const char *name, uint16_t id)
{
	size_t		 n = 12;
	const char	*p = name, *dot;

	memset(q, 0, 12);
	q[0] = id >> 8;
	q[1] = id & 0xff;
	q[2] = 0x01;		/* RD */
	q[5] = 1;		/* QDCOUNT */
	while (*p != '\0') {
		size_t	l;

		dot = strchr(p, '.');
		l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || n + l + 6 > qsize)
			return 0;
		q[n++] = (uint8_t)l;
		memcpy(q + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	q[n++] = 0;
	q[n++] = 0; q[n++] = 1;		/* A */
	q[n++] = 0; q[n++] = 1;		/* IN */
	return n;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sin;
	struct sample		*s;
	uint8_t			 q[512], r[4096];
	size_t			 qlen, ns = 0, i;
	int64_t			 interval, end, next;
	uint16_t		 id = 1;
	FILE			*out;
	int			 fd;

	if (argc != 7) {
		fprintf(stderr, "usage: probe ADDR PORT QNAME INTERVAL_US "
		    "DURATION_S OUTFILE\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)strtoul(argv[2], NULL, 10));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "probe: bad address %s\n", argv[1]);
		return 2;
	}
	interval = strtoll(argv[4], NULL, 10) * 1000;
	end = now_ns() + (int64_t)(strtod(argv[5], NULL) * 1e9);
	if (interval <= 0 || (s = calloc(PROBE_MAX_SAMPLES, sizeof(*s))) ==
	    NULL)
		return 2;
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("probe: socket");
		return 1;
	}
	next = now_ns();
	while (ns < PROBE_MAX_SAMPLES && next < end) {
		struct pollfd	pfd = { fd, POLLIN, 0 };
		struct timespec	ts;
		int64_t		t0, dl;
		ssize_t		n;

		ts.tv_sec = next / 1000000000;
		ts.tv_nsec = next % 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		id++;
		if ((qlen = make_query(q, sizeof(q), argv[3], id)) == 0) {
			fprintf(stderr, "probe: bad name\n");
			return 2;
		}
		t0 = now_ns();
		s[ns].t = t0;
		s[ns].rtt = -1;
		s[ns].rcode = -1;
		if (send(fd, q, qlen, 0) == -1) {
			perror("probe: send");
			return 1;
		}
		dl = t0 + (int64_t)PROBE_TIMEOUT_MS * 1000000;
		for (;;) {
			int64_t	left = (dl - now_ns()) / 1000000;

			if (left < 0 || poll(&pfd, 1, (int)left) <= 0)
				break;
			n = recv(fd, r, sizeof(r), 0);
			if (n >= 12 && r[0] == q[0] && r[1] == q[1] &&
			    (r[2] & 0x80) != 0) {
				s[ns].rtt = now_ns() - t0;
				s[ns].rcode = r[3] & 0x0f;
				break;
			}
		}
		ns++;
		next += interval;
		if (next < now_ns())
			next = now_ns();
	}
	if ((out = fopen(argv[6], "w")) == NULL) {
		perror(argv[6]);
		return 1;
	}
	for (i = 0; i < ns; i++)
		fprintf(out, "%lld %lld %d\n", (long long)s[i].t,
		    (long long)s[i].rtt, s[i].rcode);
	fclose(out);
	free(s);
	close(fd);
	return 0;
}
