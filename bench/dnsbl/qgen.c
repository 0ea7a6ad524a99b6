/*
 * qgen.c: the UDP query generator of the DNSBL benchmark, so that the
 * client is not the ceiling (dnsperf with one thread is, on 2 cores).
 *
 *   qgen -s ADDR -p PORT -d QUERIES [-e EXPECT] [-c SOCKETS] [-l SECONDS]
 *        [-Q RATE] [-w WINDOW] [-t TIMEOUT_MS]
 *
 * QUERIES is the dnsperf input ("name type" lines, A or TXT; the one
 * gen.py writes). Each query is built once; the generator then cycles
 * through the file in order over SOCKETS connected UDP sockets (4), sending
 * and receiving up to QGEN_BATCH packets per sendmmsg/recvmmsg.
 *
 * Two modes:
 *   - open-loop max (no -Q): each socket keeps WINDOW (100) queries in
 *     flight and sends the next as soon as one is answered or lost, so the
 *     server is saturated without overflowing its socket buffer;
 *   - fixed rate (-Q RATE): RATE queries/s in total, whatever comes back.
 * A query without an answer after TIMEOUT_MS (1000) is lost.
 *
 * EXPECT (gen.py's "expect" file) has one line per query line, in order:
 * "NXDOMAIN", "A 127.0.0.2" or "TXT text". An answer is wrong when its
 * question differs from the query's, or the rcode, or (A, TXT) no record
 * of the answer section has that data. Without -e only rcodes are counted.
 *
 * Prints one line on stdout:
 *   sent=N answered=N lost=N wrong=N noerror=N nxdomain=N other=N
 *   seconds=S qps=Q
 * (qps = answered / seconds of sending) and the first few wrong answers
 * on stderr. Exit 0, or 1 if it could not run. A benchmark helper, not
 * part of fairlist.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QGEN_BATCH	32
#define QGEN_SOCKETS	64
#define QGEN_PKT	512	/* a query; answers up to QGEN_ANS */
#define QGEN_ANS	4096
#define QGEN_IDS	65536
#define QGEN_LINE	1024
#define QGEN_WRONG_LOG	5

enum { EXP_NONE, EXP_NX, EXP_A, EXP_TXT };

struct query {
	uint8_t		*pkt;		/* whole query, id 0 */
	uint16_t	 len;
	uint8_t		 exp;		/* EXP_* */
	uint32_t	 a;		/* EXP_A, network order */
	char		*txt;		/* EXP_TXT */
	size_t		 txt_len;
};

struct slot {
	int64_t		 sent_us;	/* 0: free */
	uint32_t	 q;		/* query number */
};

struct sock {
	int		 fd;
	struct slot	*slots;		/* by id */
	uint32_t	 next, tail;	/* ids in flight are in [tail, next) */
	uint32_t	 inflight;
};

static struct query	*qs;
static size_t		 nq;
static unsigned long long	 n_sent, n_ans, n_lost, n_wrong, n_noerr, n_nx,
			 n_other;

static int64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: qgen -s ADDR -p PORT -d QUERIES [-e EXPECT] "
	    "[-c SOCKETS] [-l SECONDS] [-Q RATE] [-w WINDOW] "
	    "[-t TIMEOUT_MS]\n");
	exit(1);
}

/* "name type" to a query packet (RD clear, like dnsperf's default). */
static int
build(struct query *q, const char *line)
{
	uint8_t		 p[QGEN_PKT];
	char		 name[QGEN_LINE], type[16];
	size_t		 n = 12, l;
	const char	*s, *dot;
	unsigned	 t;

	if (sscanf(line, "%1023s %15s", name, type) != 2)
		return -1;
	if (strcasecmp(type, "A") == 0)
		t = 1;
	else if (strcasecmp(type, "TXT") == 0)
		t = 16;
	else if (strcasecmp(type, "ANY") == 0)
		t = 255;
	else
		return -1;
	memset(p, 0, 12);
	p[5] = 1;				/* QDCOUNT */
	for (s = name; *s != '\0'; s = *dot != '\0' ? dot + 1 : dot) {
		if ((dot = strchr(s, '.')) == NULL)
			dot = s + strlen(s);
		l = (size_t)(dot - s);
		if (l == 0 || l > 63 || n + 1 + l + 5 > sizeof(p))
			return -1;
		p[n++] = (uint8_t)l;
		memcpy(p + n, s, l);
		n += l;
	}
	p[n++] = 0;
	p[n++] = 0;
	p[n++] = (uint8_t)t;
	p[n++] = 0;
	p[n++] = 1;				/* IN */
	q->pkt = malloc(n);
	if (q->pkt == NULL)
		return -1;
	memcpy(q->pkt, p, n);
	q->len = (uint16_t)n;
	return 0;
}

static int
expect(struct query *q, char *line)
{
	struct in_addr	ia;

	line[strcspn(line, "\n")] = '\0';
	if (strcmp(line, "NXDOMAIN") == 0) {
		q->exp = EXP_NX;
	} else if (strncmp(line, "A ", 2) == 0 &&
	    inet_pton(AF_INET, line + 2, &ia) == 1) {
		q->exp = EXP_A;
		q->a = ia.s_addr;
	} else if (strncmp(line, "TXT ", 4) == 0) {
		q->exp = EXP_TXT;
		q->txt_len = strlen(line + 4);
		if ((q->txt = strdup(line + 4)) == NULL)
			return -1;
	} else
		return -1;
	return 0;
}

static void
load(const char *qpath, const char *epath)
{
	FILE	*f, *e = NULL;
	char	 line[QGEN_LINE], el[QGEN_LINE * 4];
	size_t	 cap = 0;

	if ((f = fopen(qpath, "r")) == NULL ||
	    (epath != NULL && (e = fopen(epath, "r")) == NULL)) {
		perror("qgen: open");
		exit(1);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (nq == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((qs = realloc(qs, cap * sizeof(*qs))) == NULL) {
				perror("qgen");
				exit(1);
			}
		}
		memset(&qs[nq], 0, sizeof(qs[nq]));
		if (build(&qs[nq], line) == -1) {
			fprintf(stderr, "qgen: %s: bad line %zu\n", qpath,
			    nq + 1);
			exit(1);
		}
		if (e != NULL && (fgets(el, sizeof(el), e) == NULL ||
		    expect(&qs[nq], el) == -1)) {
			fprintf(stderr, "qgen: %s: bad or missing line %zu\n",
			    epath, nq + 1);
			exit(1);
		}
		nq++;
	}
	fclose(f);
	if (e != NULL)
		fclose(e);
	if (nq == 0) {
		fprintf(stderr, "qgen: %s: no queries\n", qpath);
		exit(1);
	}
}

/* Skip a possibly compressed name at *off; 0 if it runs off the end. */
static int
skip_name(const uint8_t *p, size_t len, size_t *off)
{
	size_t	o = *off;

	while (o < len) {
		if ((p[o] & 0xc0) == 0xc0) {
			if (len - o < 2)
				return 0;
			*off = o + 2;
			return 1;
		}
		if (p[o] == 0) {
			*off = o + 1;
			return 1;
		}
		if (p[o] > 63)
			return 0;
		o += 1 + (size_t)p[o];
	}
	return 0;
}

/* 1 if one record of the answer section matches q's expectation. */
static int
has_data(const struct query *q, const uint8_t *p, size_t len, size_t off,
    unsigned an)
{
	char		txt[QGEN_ANS];
	size_t		rdl, i, tl;
	unsigned	type;

	for (; an > 0; an--) {
		if (!skip_name(p, len, &off) || len - off < 10)
			return 0;
		type = (unsigned)p[off] << 8 | p[off + 1];
		rdl = (size_t)p[off + 8] << 8 | p[off + 9];
		off += 10;
		if (len - off < rdl)
			return 0;
		if (q->exp == EXP_A && type == 1 && rdl == 4 &&
		    memcmp(p + off, &q->a, 4) == 0)
			return 1;
		if (q->exp == EXP_TXT && type == 16) {
			for (i = 0, tl = 0; i < rdl; i += 1 + p[off + i]) {
				if (p[off + i] > rdl - i - 1)
					return 0;
				memcpy(txt + tl, p + off + i + 1, p[off + i]);
				tl += p[off + i];
			}
			if (tl == q->txt_len && memcmp(txt, q->txt, tl) == 0)
				return 1;
		}
		off += rdl;
	}
	return 0;
}

static void
wrong(const struct query *q, const char *why)
{
	if (++n_wrong <= QGEN_WRONG_LOG)
		fprintf(stderr, "qgen: wrong answer (%s) to query %zu\n", why,
		    (size_t)(q - qs) + 1);
}

static void
check(const struct query *q, const uint8_t *p, size_t len)
{
	unsigned	rcode = p[3] & 0xf;
	unsigned	qd = (unsigned)p[4] << 8 | p[5];
	unsigned	an = (unsigned)p[6] << 8 | p[7];

	n_ans++;
	if (rcode == 0)
		n_noerr++;
	else if (rcode == 3)
		n_nx++;
	else
		n_other++;
	if (q->exp == EXP_NONE)
		return;
	/* The question must be the query's, byte for byte. */
	if (!(p[2] & 0x80) || qd != 1 || len < q->len ||
	    memcmp(p + 12, q->pkt + 12, q->len - 12u) != 0) {
		wrong(q, "question");
		return;
	}
	if (q->exp == EXP_NX) {
		if (rcode != 3)
			wrong(q, "rcode, want NXDOMAIN");
		return;
	}
	if (rcode != 0)
		wrong(q, "rcode, want NOERROR");
	else if (!has_data(q, p, len, q->len, an))
		wrong(q, "data");
}

static void
receive(struct sock *k)
{
	static uint8_t	 buf[QGEN_BATCH][QGEN_ANS];
	struct mmsghdr	 m[QGEN_BATCH];
	struct iovec	 iov[QGEN_BATCH];
	struct slot	*sl;
	int		 n, i;
	unsigned	 id;

	for (;;) {
		memset(m, 0, sizeof(m));
		for (i = 0; i < QGEN_BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = QGEN_ANS;
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(k->fd, m, QGEN_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			if (m[i].msg_len < 12)
				continue;
			id = (unsigned)buf[i][0] << 8 | buf[i][1];
			sl = &k->slots[id];
			if (sl->sent_us == 0)
				continue;	/* late: already counted lost */
			sl->sent_us = 0;
			k->inflight--;
			check(&qs[sl->q], buf[i], m[i].msg_len);
		}
		if (n < QGEN_BATCH)
			return;
	}
}

/* Count the oldest queries lost once older than timeout (all: force). */
static void
expire(struct sock *k, int64_t now, int64_t timeout, int force)
{
	struct slot	*sl;

	while (k->tail != k->next) {
		sl = &k->slots[k->tail % QGEN_IDS];
		if (sl->sent_us != 0) {
			if (!force && now - sl->sent_us < timeout)
				return;
			sl->sent_us = 0;
			k->inflight--;
			n_lost++;
		}
		k->tail++;
	}
}

static size_t	qnext;

static int
send_batch(struct sock *k, unsigned want, int64_t now, int64_t timeout)
{
	static uint8_t	 buf[QGEN_BATCH][QGEN_PKT];
	struct mmsghdr	 m[QGEN_BATCH];
	struct iovec	 iov[QGEN_BATCH];
	struct query	*q;
	unsigned	 i, id;
	int		 r;

	if (want > QGEN_BATCH)
		want = QGEN_BATCH;
	memset(m, 0, sizeof(m));
	for (i = 0; i < want; i++) {
		/* The id space is full: the oldest is lost. */
		if (k->next - k->tail >= QGEN_IDS)
			expire(k, now, timeout, 1);
		id = k->next % QGEN_IDS;
		q = &qs[qnext];
		memcpy(buf[i], q->pkt, q->len);
		buf[i][0] = (uint8_t)(id >> 8);
		buf[i][1] = (uint8_t)id;
		iov[i].iov_base = buf[i];
		iov[i].iov_len = q->len;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		k->slots[id].q = (uint32_t)qnext;
		k->slots[id].sent_us = now;
		k->next++;
		k->inflight++;
		qnext = (qnext + 1) % nq;
	}
	r = sendmmsg(k->fd, m, want, 0);
	if (r < 0)
		r = 0;
	/* Unsent ones are taken back (ENOBUFS and the like). */
	for (i = (unsigned)r; i < want; i++) {
		k->next--;
		k->inflight--;
		k->slots[k->next % QGEN_IDS].sent_us = 0;
		qnext = (qnext + nq - 1) % nq;
	}
	n_sent += (unsigned)r;
	return r;
}

int
main(int argc, char **argv)
{
	struct sock		 ks[QGEN_SOCKETS];
	struct pollfd		 pfd[QGEN_SOCKETS];
	struct sockaddr_in	 sin;
	const char		*addr = NULL, *qpath = NULL, *epath = NULL;
	long			 port = 0, nsock = 4, secs = 10, rate = 0;
	long			 window = 100, tmo_ms = 1000;
	int64_t			 t0, now, end, timeout, due;
	int			 ch, i, busy, rcvbuf = 4 << 20;

	while ((ch = getopt(argc, argv, "s:p:d:e:c:l:Q:w:t:")) != -1) {
		switch (ch) {
		case 's': addr = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 'd': qpath = optarg; break;
		case 'e': epath = optarg; break;
		case 'c': nsock = strtol(optarg, NULL, 10); break;
		case 'l': secs = strtol(optarg, NULL, 10); break;
		case 'Q': rate = strtol(optarg, NULL, 10); break;
		case 'w': window = strtol(optarg, NULL, 10); break;
		case 't': tmo_ms = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (addr == NULL || qpath == NULL || port <= 0 || port > 65535 ||
	    nsock < 1 || nsock > QGEN_SOCKETS || secs < 1 || rate < 0 ||
	    window < 1 || window >= QGEN_IDS || tmo_ms < 1)
		usage();
	load(qpath, epath);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		usage();
	for (i = 0; i < nsock; i++) {
		memset(&ks[i], 0, sizeof(ks[i]));
		ks[i].slots = calloc(QGEN_IDS, sizeof(struct slot));
		if (ks[i].slots == NULL ||
		    (ks[i].fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
		    connect(ks[i].fd, (struct sockaddr *)&sin,
		    sizeof(sin)) == -1) {
			perror("qgen: socket");
			return 1;
		}
		setsockopt(ks[i].fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
		pfd[i].fd = ks[i].fd;
		pfd[i].events = POLLIN;
	}
	timeout = tmo_ms * 1000;
	t0 = now_us();
	end = t0 + secs * 1000000;
	for (now = t0; now < end; now = now_us()) {
		busy = 0;
		for (i = 0; i < nsock; i++) {
			receive(&ks[i]);
			expire(&ks[i], now, timeout, 0);
		}
		for (i = 0; i < nsock; i++) {
			if (rate > 0) {
				/* Due so far, spread over the sockets. */
				due = (now - t0) * rate / 1000000 -
				    (int64_t)n_sent;
				if (due > 0)
					busy |= send_batch(&ks[i], (unsigned)
					    (due < QGEN_BATCH ? due :
					    QGEN_BATCH), now, timeout) > 0;
			} else if (ks[i].inflight < (uint32_t)window)
				busy |= send_batch(&ks[i], (unsigned)window -
				    ks[i].inflight, now, timeout) > 0;
		}
		if (!busy)
			poll(pfd, (nfds_t)nsock, 1);
	}
	/* Sending is over: wait out the timeout for the last answers. */
	for (now = now_us(); now < end + timeout; now = now_us()) {
		busy = 0;
		for (i = 0; i < nsock; i++) {
			receive(&ks[i]);
			busy |= ks[i].inflight > 0;
		}
		if (!busy)
			break;
		poll(pfd, (nfds_t)nsock, 10);
	}
	for (i = 0; i < nsock; i++)
		expire(&ks[i], now, timeout, 1);
	printf("sent=%llu answered=%llu lost=%llu wrong=%llu noerror=%llu "
	    "nxdomain=%llu other=%llu seconds=%.3f qps=%.0f\n", n_sent, n_ans,
	    n_lost, n_wrong, n_noerr, n_nx, n_other, (double)secs,
	    (double)n_ans / (double)secs);
	return 0;
}
