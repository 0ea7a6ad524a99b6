/*
 * gen.c: a milter load generator (bench/milter/run). Speaks milter
 * protocol version 6 as an MTA does: option negotiation once per
 * connection, then per message CONNECT, HELO, MAIL, RCPT, DATA, every
 * header, EOH, the body in chunks of at most 64 KiB, EOM, then QUIT and a
 * new connection for the next message, as Postfix does it (one milter
 * connection per SMTP session); with -k, QUIT_NC and the next session on
 * the same connection instead (OpenDKIM 2.11 stops answering there).
 * Commands the filter asked not to see (SMFIP_NO*) are not sent, and
 * replies it asked not to give (SMFIP_NR_*) are not waited for.
 *
 *	gen -s HOST:PORT -c CONNS -d SECONDS -m MESSAGE [-a CLIENT-IP]
 *	    [-f SENDER] [-r RCPT] [-w WARMUP] [-k]
 *
 * MESSAGE is a file with the header, a blank line and the body (LF or
 * CRLF). Each of CONNS connections is a thread with a blocking socket that
 * sends the next message as soon as the last one's EOM reply is in; the
 * messages started in SECONDS after WARMUP seconds (0.5) and done before
 * the end are counted. Latency is CONNECT to the final EOM reply (and
 * the QUIT and reconnect after it). One line of JSON on stdout:
 * messages, seconds, messages/s, p50/p99/max in ms, how many EOM replies
 * inserted or added a header (a signer or verifier must do so for every
 * message), how many ended before EOM (a reply of accept, reject,
 * discard or tempfail), and errors. Exit 1 if it could not run.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK		65535
#define REPLY_MAX	(1024 * 1024 + 16)
#define HDRS_MAX	256
#define CONNS_MAX	256
#define LAT_MAX		4000000

/* mfdef.h's values. */
#define SMFIP_NOCONNECT	0x00000001
#define SMFIP_NOHELO	0x00000002
#define SMFIP_NOMAIL	0x00000004
#define SMFIP_NORCPT	0x00000008
#define SMFIP_NOBODY	0x00000010
#define SMFIP_NOHDRS	0x00000020
#define SMFIP_NOEOH	0x00000040
#define SMFIP_NR_HDR	0x00000080
#define SMFIP_NODATA	0x00000200
#define SMFIP_NR_CONN	0x00001000
#define SMFIP_NR_HELO	0x00002000
#define SMFIP_NR_MAIL	0x00004000
#define SMFIP_NR_RCPT	0x00008000
#define SMFIP_NR_DATA	0x00010000
#define SMFIP_NR_EOH	0x00040000
#define SMFIP_NR_BODY	0x00080000
#define PROTO_OFFER	0x001fffff
#define ACTIONS_OFFER	0x000001ff

struct hdr {
	char	*name;
	char	*value;
};

static struct hdr	 hdrs[HDRS_MAX];
static int		 nhdrs;
static char		*body;
static size_t		 bodylen;
static const char	*client = "192.0.2.1", *sender = "<sender@example.org>",
			*rcpt = "<rcpt@example.net>";
static struct sockaddr_storage	 srv;
static socklen_t	 srvlen;
static double		 duration = 5;
static double		 warmup = 0.5;
static volatile int	 measuring, stop;
static int		 keep;		/* -k: QUIT_NC, keep the connection */

struct worker {
	pthread_t	 t;
	int		 fd;
	uint32_t	 proto;
	uint8_t		*buf;
	double		*lat;
	size_t		 nlat;
	unsigned long	 msgs, inserted, early, errors;
	int		 last_ins, last_early;	/* of the last message */
	char		 err[256];
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
writeall(int fd, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
readall(int fd, void *p, size_t n)
{
	char	*c = p;
	ssize_t	 r;

	while (n > 0) {
		if ((r = read(fd, c, n)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			return -1;
		}
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One packet, cmd and the pieces of its data, in one system call. */
static int
put(struct worker *w, char cmd, const void *a, size_t alen, const void *b,
    size_t blen)
{
	struct iovec	v[3];
	uint8_t		h[5];
	uint32_t	n = (uint32_t)(1 + alen + blen);
	size_t		total = 5 + alen + blen, k;
	ssize_t		r;
	int		i;

	h[0] = n >> 24;
	h[1] = n >> 16;
	h[2] = n >> 8;
	h[3] = n;
	h[4] = (uint8_t)cmd;
	v[0].iov_base = h;
	v[0].iov_len = 5;
	v[1].iov_base = (void *)(uintptr_t)a;
	v[1].iov_len = alen;
	v[2].iov_base = (void *)(uintptr_t)b;
	v[2].iov_len = blen;
	if ((r = writev(w->fd, v, 3)) == (ssize_t)total)
		return 0;
	if (r == -1 && errno != EINTR)
		goto err;
	/* A short write: the rest piece by piece. */
	k = r > 0 ? (size_t)r : 0;
	for (i = 0; i < 3; i++) {
		if (k >= v[i].iov_len) {
			k -= v[i].iov_len;
			continue;
		}
		if (writeall(w->fd, (char *)v[i].iov_base + k,
		    v[i].iov_len - k) == -1)
			goto err;
		k = 0;
	}
	return 0;
err:
	snprintf(w->err, sizeof(w->err), "write: %s", strerror(errno));
	return -1;
}

/* One reply packet into w->buf; returns its command, -1 on error. */
static int
get(struct worker *w, size_t *len)
{
	uint8_t		h[4];
	uint32_t	n;

	if (readall(w->fd, h, 4) == -1) {
		snprintf(w->err, sizeof(w->err), "read: %s",
		    errno != 0 ? strerror(errno) : "closed");
		return -1;
	}
	n = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
	if (n == 0 || n > REPLY_MAX) {
		snprintf(w->err, sizeof(w->err), "reply length %u", n);
		return -1;
	}
	if (readall(w->fd, w->buf, n) == -1) {
		snprintf(w->err, sizeof(w->err), "read: short reply");
		return -1;
	}
	*len = n - 1;
	return w->buf[0];
}

/*
 * The reply to a command: 0 go on, 1 the message ended (accept,
 * reject, discard, tempfail, reply code), 2 skip the rest of the body,
 * -1 error. At EOM, modifications come first; OUT:ins counts header
 * insertions.
 */
static int
reply(struct worker *w, int eom, int *ins)
{
	size_t	len;
	int	c;

	for (;;) {
		if ((c = get(w, &len)) == -1)
			return -1;
		switch (c) {
		case 'c':
			return 0;
		case 's':
			return 2;
		case 'a': case 'r': case 'd': case 't': case 'y':
			return 1;
		case 'p':		/* progress: keep waiting */
			continue;
		case 'h': case 'i':
			if (ins != NULL)
				(*ins)++;
			/* FALLTHROUGH */
		case 'm': case 'b': case '+': case '-': case 'e': case 'q':
		case '2':
			if (eom)
				continue;
			/* FALLTHROUGH */
		default:
			snprintf(w->err, sizeof(w->err), "unexpected reply "
			    "'%c' (0x%02x)", c >= 0x20 && c < 0x7f ? c : '?', c);
			return -1;
		}
	}
}

/* Send cmd and, unless the filter said it gives none, wait for its reply. */
static int
step(struct worker *w, char cmd, uint32_t nr, const void *a, size_t alen,
    const void *b, size_t blen)
{
	if (put(w, cmd, a, alen, b, blen) == -1)
		return -1;
	if (w->proto & nr)
		return 0;
	return reply(w, 0, NULL);
}

static int
negotiate(struct worker *w)
{
	uint32_t	v[3] = { htonl(6), htonl(ACTIONS_OFFER),
			    htonl(PROTO_OFFER) };
	size_t		len;
	int		c;

	if (put(w, 'O', v, sizeof(v), NULL, 0) == -1)
		return -1;
	if ((c = get(w, &len)) == -1)
		return -1;
	if (c != 'O' || len < 12) {
		snprintf(w->err, sizeof(w->err), "bad negotiation reply");
		return -1;
	}
	memcpy(&w->proto, w->buf + 9, 4);
	w->proto = ntohl(w->proto);
	return 0;
}

static int	dial(struct worker *);

/* One message. Returns 0, or -1 on error (the connection is dropped). */
static int
message(struct worker *w, unsigned long n)
{
	char		 buf[512], qid[32];
	size_t		 off, k;
	int		 i, r = 0, ins = 0, l;

	w->last_ins = w->last_early = 0;
	l = snprintf(qid, sizeof(qid), "Q%lx", n);
	/* Macros: the MTA's name at CONNECT, the queue id at MAIL. */
	l = snprintf(buf, sizeof(buf), "C%s%c%s%c", "j", 0, "mx.bench.test",
	    0);
	if (put(w, 'D', buf, (size_t)l, "{daemon_name}\0MTA", 18) == -1)
		return -1;
	if (!(w->proto & SMFIP_NOCONNECT)) {
		l = snprintf(buf, sizeof(buf), "client.bench.test%c4", 0);
		buf[l++] = 0x63;	/* port 25555 */
		buf[l++] = (char)0x53;
		l += snprintf(buf + l, sizeof(buf) - l, "%s", client) + 1;
		if ((r = step(w, 'C', SMFIP_NR_CONN, buf, (size_t)l, NULL,
		    0)) != 0)
			goto end;
	}
	if (!(w->proto & SMFIP_NOHELO) && (r = step(w, 'H', SMFIP_NR_HELO,
	    "client.bench.test", 18, NULL, 0)) != 0)
		goto end;
	l = snprintf(buf, sizeof(buf), "Mi%c%s%c", 0, qid, 0);
	if (put(w, 'D', buf, (size_t)l, NULL, 0) == -1)
		return -1;
	if (!(w->proto & SMFIP_NOMAIL) && (r = step(w, 'M', SMFIP_NR_MAIL,
	    sender, strlen(sender) + 1, NULL, 0)) != 0)
		goto end;
	if (!(w->proto & SMFIP_NORCPT) && (r = step(w, 'R', SMFIP_NR_RCPT,
	    rcpt, strlen(rcpt) + 1, NULL, 0)) != 0)
		goto end;
	if (!(w->proto & SMFIP_NODATA) && (r = step(w, 'T', SMFIP_NR_DATA,
	    NULL, 0, NULL, 0)) != 0)
		goto end;
	for (i = 0; !(w->proto & SMFIP_NOHDRS) && i < nhdrs; i++)
		if ((r = step(w, 'L', SMFIP_NR_HDR, hdrs[i].name,
		    strlen(hdrs[i].name) + 1, hdrs[i].value,
		    strlen(hdrs[i].value) + 1)) != 0)
			goto end;
	if (!(w->proto & SMFIP_NOEOH) && (r = step(w, 'N', SMFIP_NR_EOH,
	    NULL, 0, NULL, 0)) != 0)
		goto end;
	for (off = 0; !(w->proto & SMFIP_NOBODY) && off < bodylen;
	    off += k) {
		k = bodylen - off < CHUNK ? bodylen - off : CHUNK;
		if ((r = step(w, 'B', SMFIP_NR_BODY, body + off, k, NULL,
		    0)) != 0)
			break;
	}
	if (r == 1 || r == -1)
		goto end;
	if (put(w, 'E', NULL, 0, NULL, 0) == -1)
		return -1;
	if ((r = reply(w, 1, &ins)) == -1)
		return -1;
	w->last_ins = ins > 0;
	r = 0;
end:
	if (r == -1)
		return -1;
	w->last_early = r == 1;
	if (r == 1) {
		/* The MTA aborts the message it will not finish. */
		if (put(w, 'A', NULL, 0, NULL, 0) == -1)
			return -1;
	}
	if (keep)
		return put(w, 'K', NULL, 0, NULL, 0);
	/* Postfix: one milter connection per SMTP session, QUIT at its end. */
	if (put(w, 'Q', NULL, 0, NULL, 0) == -1)
		return -1;
	close(w->fd);
	return dial(w);
}

static int
dial(struct worker *w)
{
	int	one = 1;

	if ((w->fd = socket(srv.ss_family, SOCK_STREAM, 0)) == -1 ||
	    connect(w->fd, (struct sockaddr *)&srv, srvlen) == -1) {
		snprintf(w->err, sizeof(w->err), "connect: %s",
		    strerror(errno));
		return -1;
	}
	setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return negotiate(w);
}

static void *
run(void *arg)
{
	struct worker	*w = arg;
	unsigned long	 n = 0;
	double		 t0;
	int		 counted;

	if (dial(w) == -1) {
		w->errors++;
		return NULL;
	}
	while (!stop) {
		t0 = now();
		counted = measuring;
		if (message(w, n++) == -1) {
			w->errors++;
			close(w->fd);
			if (stop || dial(w) == -1)
				return NULL;
			continue;
		}
		if (stop || !counted)
			continue;
		if (w->nlat < LAT_MAX)
			w->lat[w->nlat++] = now() - t0;
		w->msgs++;
		w->inserted += (unsigned long)w->last_ins;
		w->early += (unsigned long)w->last_early;
	}
	close(w->fd);
	return NULL;
}

/* Read the message: headers (folded lines joined with LF), then body. */
static int
load(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*line = NULL, *c;
	size_t	 cap = 0, n, bcap = 0;
	ssize_t	 len;
	int	 inbody = 0;

	if (f == NULL)
		return -1;
	while ((len = getline(&line, &cap, f)) != -1) {
		n = (size_t)len;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		line[n] = '\0';
		if (inbody) {
			if (bodylen + n + 2 > bcap) {
				bcap = (bodylen + n + 2) * 2;
				body = realloc(body, bcap);
			}
			memcpy(body + bodylen, line, n);
			memcpy(body + bodylen + n, "\r\n", 2);
			bodylen += n + 2;
			continue;
		}
		if (n == 0) {
			inbody = 1;
			continue;
		}
		if ((line[0] == ' ' || line[0] == '\t') && nhdrs > 0) {
			c = hdrs[nhdrs - 1].value;
			n = strlen(c);
			c = realloc(c, n + strlen(line) + 2);
			c[n] = '\n';
			strcpy(c + n + 1, line);
			hdrs[nhdrs - 1].value = c;
			continue;
		}
		if ((c = strchr(line, ':')) == NULL || nhdrs == HDRS_MAX)
			return -1;
		*c++ = '\0';
		while (*c == ' ')
			c++;
		hdrs[nhdrs].name = strdup(line);
		hdrs[nhdrs].value = strdup(c);
		nhdrs++;
	}
	free(line);
	fclose(f);
	return inbody ? 0 : -1;
}

static int
cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct worker	*w;
	struct addrinfo	 hints, *ai;
	const char	*server = NULL, *msg = NULL;
	char		 host[256], *port;
	double		*all, t0, el;
	size_t		 nall = 0, k;
	unsigned long	 msgs = 0, ins = 0, early = 0, errs = 0;
	int		 ch, conns = 1, i;

	while ((ch = getopt(argc, argv, "ks:c:d:m:a:f:r:w:")) != -1) {
		switch (ch) {
		case 'k': keep = 1; break;
		case 's': server = optarg; break;
		case 'c': conns = atoi(optarg); break;
		case 'd': duration = strtod(optarg, NULL); break;
		case 'm': msg = optarg; break;
		case 'a': client = optarg; break;
		case 'f': sender = optarg; break;
		case 'r': rcpt = optarg; break;
		case 'w': warmup = strtod(optarg, NULL); break;
		default:
			fprintf(stderr, "usage: gen -s HOST:PORT -c CONNS -d "
			    "SECONDS -m MESSAGE [-a IP] [-f <SENDER>] "
			    "[-r <RCPT>] [-w WARMUP]\n");
			return 1;
		}
	}
	if (server == NULL || msg == NULL || conns < 1 || conns > CONNS_MAX) {
		fprintf(stderr, "gen: -s, -m and 1..%d connections\n",
		    CONNS_MAX);
		return 1;
	}
	if (load(msg) == -1) {
		fprintf(stderr, "gen: %s: cannot read a message\n", msg);
		return 1;
	}
	snprintf(host, sizeof(host), "%s", server);
	if ((port = strrchr(host, ':')) == NULL) {
		fprintf(stderr, "gen: -s HOST:PORT\n");
		return 1;
	}
	*port++ = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0) {
		fprintf(stderr, "gen: %s: cannot resolve\n", server);
		return 1;
	}
	memcpy(&srv, ai->ai_addr, ai->ai_addrlen);
	srvlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	w = calloc((size_t)conns, sizeof(*w));
	for (i = 0; i < conns; i++) {
		w[i].buf = malloc(REPLY_MAX);
		w[i].lat = malloc(LAT_MAX * sizeof(double));
		pthread_create(&w[i].t, NULL, run, &w[i]);
	}
	/* Messages started in the warm-up are not counted. */
	usleep((useconds_t)(warmup * 1e6));
	t0 = now();
	measuring = 1;
	usleep((useconds_t)(duration * 1e6));
	stop = 1;
	el = now() - t0;
	for (i = 0; i < conns; i++)
		pthread_join(w[i].t, NULL);
	all = malloc(LAT_MAX * sizeof(double));
	for (i = 0; i < conns; i++) {
		for (k = 0; k < w[i].nlat && nall < LAT_MAX; k++)
			all[nall++] = w[i].lat[k];
		msgs += w[i].msgs;
		ins += w[i].inserted;
		early += w[i].early;
		errs += w[i].errors;
		if (w[i].err[0] != '\0')
			fprintf(stderr, "gen: connection %d: %s\n", i,
			    w[i].err);
	}
	if (nall == 0) {
		fprintf(stderr, "gen: no message measured\n");
		return 1;
	}
	qsort(all, nall, sizeof(double), cmp);
	printf("{\"conns\": %d, \"messages\": %lu, \"seconds\": %.3f, "
	    "\"msgs_per_s\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
	    "\"max_ms\": %.3f, \"header_inserted\": %lu, \"ended_early\": %lu, "
	    "\"errors\": %lu}\n", conns, msgs, el, msgs / el,
	    all[nall / 2] * 1e3, all[(size_t)(nall * 0.99)] * 1e3,
	    all[nall - 1] * 1e3, ins, early, errs);
	return 0;
}
