/*
 * loadgen.c: the load generator of the policy benchmark. Speaks the Postfix
 * policy delegation protocol (SMTPD_POLICY_README) to one server over C
 * persistent connections, each sending a request and waiting for its reply
 * before the next, as Postfix's smtpd processes do.
 *
 *   loadgen [-c CONNS] [-d SECONDS | -n COUNT] [-a POOLFILE] [-p PID]
 *           [-w] [-W N] [-j] [-x] [-t TIMEOUT_S] TARGET
 *
 * TARGET is HOST:PORT (IPv4, or [IPv6]:PORT) or the path of a unix socket
 * (anything with a '/'). Every request carries the 29 attributes Postfix
 * 3.7 sends (3.8 adds compatibility_level and mail_version), at
 * protocol_state RCPT, with the client address drawn from the pool file (one
 * address per line; a built-in pool of documentation addresses without -a)
 * and a distinct instance, queue_id and client_port per request. -w first
 * sends every pool address once (untimed), so that a server's caches are
 * warm. -W N first has every connection complete N requests (untimed),
 * so that connection setup and a forking server's new children are not
 * timed. -x prints the first request and exits.
 *
 * Prints requests/s, p50/p99/max latency (send of the request to the end of
 * the reply), the replies by action, errors, the generator's own CPU (one
 * thread: near 100% of one core means the generator, not the server, set
 * the pace) and, with -p, the CPU time of PID and its descendants (each
 * thread's run time from /proc/PID/task/TID/schedstat, plus cutime and
 * cstime for reaped children, before and after the timed part) per
 * request. -j prints the same as one JSON object, plus utime + stime +
 * cutime + cstime from /proc/PID/stat (kept by the kernel in ticks).
 *
 * One thread, epoll over the C connections. A benchmark helper, not part of
 * fairlist; built by bench/policy/run with cc -O2.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LG_CONNS_MAX	4096
#define LG_REQ_MAX	2048		/* bytes of one rendered request */
#define LG_REPLY_MAX	8192		/* bytes of one reply */
#define LG_POOL_MAX	1000000
#define LG_ACTIONS	16		/* distinct reply actions counted */
#define LG_INST_W	16		/* hex digits of the instance counter */

struct lg_req {				/* one rendered request */
	char	*text;
	size_t	 len;
	size_t	 inst_off;		/* where the instance digits are */
	size_t	 qid_off;		/* where the queue_id digits are */
	size_t	 port_off;		/* where the client_port digits are */
};

struct lg_conn {
	int		 fd;
	int		 busy;		/* a request is out */
	char		 out[LG_REQ_MAX];
	size_t		 outlen, outoff;
	char		 in[LG_REPLY_MAX];
	size_t		 inlen;
	size_t		 replylen;	/* of the last complete reply */
	uint64_t	 t_send;	/* ns, monotonic */
};

struct lg_action {
	char		name[32];
	uint64_t	n;
	char		sample[160];	/* the first such reply */
};

static struct lg_req	*pool;
static size_t		 npool;
static uint64_t		 counter;	/* requests rendered so far */

static struct lg_action	 actions[LG_ACTIONS];
static int		 nactions;

static uint64_t		*lat;		/* ns per completed request */
static size_t		 nlat, lat_cap;
static int		 recording;

static uint64_t		 errors, reconnects;
static char		 last_error[256];

/* The built-in pool: documentation ranges, so nothing real is named. */
static const char *default_pool[] = {
	"192.0.2.1", "192.0.2.77", "198.51.100.3", "198.51.100.200",
	"203.0.113.9", "203.0.113.250", NULL
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
diex(const char *msg)
{
	fprintf(stderr, "loadgen: %s\n", msg);
	exit(1);
}

static void *
xalloc(size_t n)
{
	void *p;

	if ((p = malloc(n)) == NULL)
		diex("out of memory");
	return p;
}

/*
 * Render the request for client address ip, number i of the pool. The
 * attributes and their order are those of Postfix 3.7's smtpd_check.c; the
 * values are those of an unauthenticated client delivering over TLS 1.3 to
 * port 25. The instance and queue_id get fixed-width hex placeholders that
 * are overwritten for every request.
 */
static void
render(struct lg_req *r, const char *ip, size_t i)
{
	char		buf[LG_REQ_MAX], name[128];
	const char	*inst_mark = "instance=", *qid_mark = "queue_id=";
	const char	*port_mark = "client_port=";
	char		*p;
	int		 n;

	/*
	 * One client in three has no reverse name, as on a real MX. The
	 * names are those bench/policy/run puts in its loopback DNS:
	 * smtpN.example.net and mailN.example.com have client N's address,
	 * senderN.example.com an MX.
	 */
	if (i % 3 == 2)
		snprintf(name, sizeof(name), "unknown");
	else
		snprintf(name, sizeof(name), "smtp%zu.example.net", i);
	n = snprintf(buf, sizeof(buf),
	    "request=smtpd_access_policy\n"
	    "protocol_state=RCPT\n"
	    "protocol_name=ESMTP\n"
	    "helo_name=mail%zu.example.com\n"
	    "queue_id=%010X\n"
	    "sender=newsletter+%zu@sender%zu.example.com\n"
	    "recipient=user%zu@example.org\n"
	    "recipient_count=0\n"
	    "client_address=%s\n"
	    "client_name=%s\n"
	    "reverse_client_name=%s\n"
	    "instance=%0*X.0\n"
	    "sasl_method=\n"
	    "sasl_username=\n"
	    "sasl_sender=\n"
	    "size=%zu\n"
	    "ccert_subject=\n"
	    "ccert_issuer=\n"
	    "ccert_fingerprint=\n"
	    "ccert_pubkey_fingerprint=\n"
	    "encryption_protocol=TLSv1.3\n"
	    "encryption_cipher=TLS_AES_256_GCM_SHA384\n"
	    "encryption_keysize=256\n"
	    "etrn_domain=\n"
	    "stress=\n"
	    "client_port=%05u\n"
	    "policy_context=\n"
	    "server_address=192.0.2.25\n"
	    "server_port=25\n"
	    "\n",
	    i, 0u, i % 89, i % 211, i % 500, ip, name, name,
	    LG_INST_W, 0u, 1000 + (i * 7919) % 200000, 10000u);
	if (n < 0 || (size_t)n >= sizeof(buf))
		diex("request too long");
	r->len = (size_t)n;
	r->text = xalloc(r->len);
	memcpy(r->text, buf, r->len);
	p = strstr(buf, inst_mark);
	r->inst_off = (size_t)(p - buf) + strlen(inst_mark);
	p = strstr(buf, qid_mark);
	r->qid_off = (size_t)(p - buf) + strlen(qid_mark);
	p = strstr(buf, port_mark);
	r->port_off = (size_t)(p - buf) + strlen(port_mark);
}

static void
put_hex(char *dst, int width, uint64_t v)
{
	static const char hex[] = "0123456789ABCDEF";

	while (width-- > 0) {
		dst[width] = hex[v & 15];
		v >>= 4;
	}
}

static void
put_dec(char *dst, int width, uint64_t v)
{
	while (width-- > 0) {
		dst[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

static int
valid_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static void
load_pool(const char *path)
{
	char	line[256];
	FILE	*f;
	size_t	 cap = 1024, len;
	int	 i;

	pool = xalloc(cap * sizeof(*pool));
	if (path == NULL) {
		for (i = 0; default_pool[i] != NULL; i++, npool++)
			render(&pool[npool], default_pool[i], npool);
		return;
	}
	if ((f = fopen(path, "r")) == NULL)
		die(path);
	while (fgets(line, sizeof(line), f) != NULL) {
		len = strcspn(line, " \t\r\n#");
		line[len] = '\0';
		if (len == 0)
			continue;
		if (!valid_ip(line)) {
			fprintf(stderr, "loadgen: %s: not an address: %s\n",
			    path, line);
			exit(1);
		}
		if (npool == LG_POOL_MAX)
			diex("pool too large");
		if (npool == cap) {
			cap *= 2;
			if ((pool = realloc(pool, cap * sizeof(*pool))) == NULL)
				diex("out of memory");
		}
		render(&pool[npool], line, npool);
		npool++;
	}
	fclose(f);
	if (npool == 0)
		diex("empty pool");
}

static int
dial(const char *target)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&ss;
	socklen_t		 sl;
	char			 host[256], *colon, *end;
	unsigned long		 port;
	int			 fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (strchr(target, '/') != NULL) {
		sun->sun_family = AF_UNIX;
		if (strlen(target) >= sizeof(sun->sun_path))
			diex("unix socket path too long");
		memcpy(sun->sun_path, target, strlen(target) + 1);
		sl = sizeof(*sun);
	} else {
		if (strlen(target) >= sizeof(host))
			diex("target too long");
		memcpy(host, target, strlen(target) + 1);
		if ((colon = strrchr(host, ':')) == NULL)
			diex("target: want HOST:PORT or a unix socket path");
		*colon = '\0';
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || port == 0 || port > 65535)
			diex("target: bad port");
		if (host[0] == '[' && colon > host + 1 && colon[-1] == ']') {
			colon[-1] = '\0';
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons((uint16_t)port);
			if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
				diex("target: bad IPv6 address");
			sl = sizeof(*sin6);
		} else {
			sin->sin_family = AF_INET;
			sin->sin_port = htons((uint16_t)port);
			if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
				diex("target: bad IPv4 address");
			sl = sizeof(*sin);
		}
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket");
	/* Blocking connect: simple, and not part of any measurement. */
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1)
		die(target);
	if (ss.ss_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		die("fcntl");
	return fd;
}

/* The first number in file path, or 0. */
static long long
read_num(const char *path)
{
	char	 buf[256];
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strtoll(buf, NULL, 10);
}

/*
 * CPU time in ns of pid and its live descendants: each thread's time on
 * a CPU from /proc/PID/task/TID/schedstat (exact, where utime and stime
 * are tick-sampled), plus cutime + cstime of every process (children that
 * exited and were reaped, which a forking server has).
 */
static long long
tree_cpu_ns(long pid, int depth, long long *ticks)
{
	char		 path[96], buf[1024], *p, *tok, *save;
	long long	 tot = 0, hz = sysconf(_SC_CLK_TCK);
	DIR		*d;
	struct dirent	*de;
	FILE		*f;
	int		 field;
	size_t		 n;

	if (depth > 16)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the ")" of comm: state is field 3, cutime 16. */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	field = 2;
	for (tok = strtok_r(p + 1, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		field++;
		if (field >= 14)	/* utime, stime, cutime, cstime */
			*ticks += strtoll(tok, NULL, 10);
		if (field == 16 || field == 17)
			tot += strtoll(tok, NULL, 10) * (1000000000LL / hz);
		if (field == 17)
			break;
	}
	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return tot;
	while ((de = readdir(d)) != NULL) {
		char	 cpath[320], kids[4096], *k, *e;
		size_t	 kn;

		if (de->d_name[0] == '.')
			continue;
		snprintf(cpath, sizeof(cpath), "/proc/%ld/task/%s/schedstat",
		    pid, de->d_name);
		tot += read_num(cpath);
		snprintf(cpath, sizeof(cpath), "/proc/%ld/task/%s/children",
		    pid, de->d_name);
		if ((f = fopen(cpath, "r")) == NULL)
			continue;
		kn = fread(kids, 1, sizeof(kids) - 1, f);
		fclose(f);
		kids[kn] = '\0';
		for (k = kids; *k != '\0'; k = e) {
			long c = strtol(k, &e, 10);

			if (e == k)
				break;
			if (c > 0)
				tot += tree_cpu_ns(c, depth + 1, ticks);
		}
	}
	closedir(d);
	return tot;
}

static double
self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
count_action(const char *reply, size_t len)
{
	char	name[32];
	size_t	i, n;
	int	a;

	/* "action=WORD rest...": keep WORD (a 4xx/5xx code is its own). */
	if (len > 7 && memcmp(reply, "action=", 7) == 0) {
		reply += 7;
		len -= 7;
	}
	for (n = 0; n < len && n < sizeof(name) - 1 && reply[n] != ' ' &&
	    reply[n] != '\n'; n++)
		name[n] = reply[n];
	name[n] = '\0';
	for (i = 0; i < n; i++)
		if (name[i] >= 'a' && name[i] <= 'z')
			name[i] = (char)(name[i] - 'a' + 'A');
	for (a = 0; a < nactions; a++)
		if (strcmp(actions[a].name, name) == 0) {
			actions[a].n++;
			return;
		}
	if (nactions < LG_ACTIONS) {
		memcpy(actions[nactions].name, name, n + 1);
		actions[nactions].n = 1;
		/* For the report: printable ASCII only, no quotes. */
		for (i = 0; i < len && i < sizeof(actions[0].sample) - 1; i++)
			actions[nactions].sample[i] = reply[i] >= ' ' &&
			    reply[i] <= '~' && reply[i] != '"' &&
			    reply[i] != '\\' ? reply[i] : '.';
		actions[nactions].sample[i] = '\0';
		nactions++;
	}
}

static void
record(uint64_t ns)
{
	if (!recording)
		return;
	if (nlat == lat_cap) {
		lat_cap = lat_cap ? lat_cap * 2 : 1 << 16;
		if ((lat = realloc(lat, lat_cap * sizeof(*lat))) == NULL)
			diex("out of memory");
	}
	lat[nlat++] = ns;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int		 epfd;
static const char	*target;
static size_t		 next_pool;	/* pool index of the next request */

static void
conn_open(struct lg_conn *c)
{
	struct epoll_event ev;

	c->fd = dial(target);
	c->busy = 0;
	c->inlen = 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		die("epoll_ctl");
}

static void
conn_fail(struct lg_conn *c, const char *why)
{
	errors++;
	snprintf(last_error, sizeof(last_error), "%s", why);
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	reconnects++;
	conn_open(c);
}

static void
want_out(struct lg_conn *c, int on)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
conn_flush(struct lg_conn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n > 0) {
			c->outoff += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			want_out(c, 1);
			return;
		}
		conn_fail(c, "write failed");
		return;
	}
}

static void
conn_send(struct lg_conn *c)
{
	struct lg_req	*r = &pool[next_pool];
	uint64_t	 k = ++counter;

	if (++next_pool == npool)
		next_pool = 0;
	memcpy(c->out, r->text, r->len);
	put_hex(c->out + r->inst_off, LG_INST_W, k);
	put_hex(c->out + r->qid_off, 10, k * 2654435761u);
	/* A new SMTP session, a new source port: as on a real MX, no two
	   requests are alike (postfwd's request cache keys on it). */
	put_dec(c->out + r->port_off, 5, 10000 + k % 55536);
	c->outlen = r->len;
	c->outoff = 0;
	c->busy = 1;
	c->inlen = 0;
	c->t_send = now_ns();
	conn_flush(c);
}

/* Read what is there; 1 when a complete reply arrived. */
static int
conn_read(struct lg_conn *c, uint64_t *done_at)
{
	ssize_t	 n;
	char	*end;

	for (;;) {
		if (c->inlen == sizeof(c->in)) {
			conn_fail(c, "reply too long");
			return 0;
		}
		n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
		if (n > 0) {
			c->inlen += (size_t)n;
			end = memmem(c->in, c->inlen, "\n\n", 2);
			if (end != NULL) {
				*done_at = now_ns();
				if (!c->busy) {
					conn_fail(c, "reply without request");
					return 0;
				}
				if ((size_t)(end + 2 - c->in) != c->inlen) {
					conn_fail(c, "bytes after the reply");
					return 0;
				}
				c->replylen = (size_t)(end - c->in);
				c->busy = 0;
				c->inlen = 0;
				return 1;
			}
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		conn_fail(c, n == 0 ? "server closed the connection" :
		    "read failed");
		return 0;
	}
}

/*
 * Run until deadline (ns) or until count requests completed (count 0: no
 * limit). Returns the completed requests.
 */
static uint64_t
drive(struct lg_conn *conns, int nconns, uint64_t deadline, uint64_t count,
    uint64_t timeout_ns)
{
	struct epoll_event	 evs[256];
	uint64_t		 done = 0, sent = 0, t;
	int			 i, n, out, ms;

	for (i = 0; i < nconns; i++) {
		if (count != 0 && sent >= count)
			break;
		conn_send(&conns[i]);
		sent++;
	}
	for (;;) {
		for (out = 0, i = 0; i < nconns; i++)
			out += conns[i].busy;
		if (out == 0)
			break;
		t = now_ns();
		if (deadline != 0 && t >= deadline)
			break;
		ms = 100;
		if (deadline != 0 && (deadline - t) / 1000000 < 100)
			ms = (int)((deadline - t) / 1000000) + 1;
		n = epoll_wait(epfd, evs, 256, ms);
		if (n == -1 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < n; i++) {
			struct lg_conn	*c = evs[i].data.ptr;
			uint64_t	 at;

			if ((evs[i].events & EPOLLOUT) && c->busy &&
			    c->outoff < c->outlen) {
				conn_flush(c);
				if (c->outoff == c->outlen)
					want_out(c, 0);
			}
			if (!(evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
				continue;
			if (!conn_read(c, &at))
				continue;
			if (deadline != 0 && at > deadline)
				continue;	/* late: not counted */
			record(at - c->t_send);
			count_action(c->in, c->replylen);
			done++;
			if (count == 0 || sent < count) {
				conn_send(c);
				sent++;
			}
		}
		/* A request out for too long: count it, start over. */
		t = now_ns();
		for (i = 0; i < nconns; i++)
			if (conns[i].busy && t - conns[i].t_send > timeout_ns)
				conn_fail(&conns[i], "reply timeout");
		for (i = 0; i < nconns; i++)
			if (!conns[i].busy && (count == 0 || sent < count) &&
			    (deadline == 0 || t < deadline)) {
				conn_send(&conns[i]);
				sent++;
			}
	}
	return done;
}

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen [-c CONNS] [-d SECONDS | -n COUNT] "
	    "[-a POOLFILE] [-p PID] [-w] [-W N] [-j] [-x] [-t TIMEOUT_S] TARGET\n");
	exit(2);
}

static long
num(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < min || v > max)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	struct lg_conn	*conns;
	const char	*poolfile = NULL;
	long		 nconns = 1, secs = 10, count = 0, pid = 0, tmo = 10;
	int		 ch, warm = 0, json = 0, show = 0, i, a;
	long		 warm_each = 0;
	uint64_t	 t0, t1, done, warmed = 0;
	long long	 tk0 = 0, tk1 = 0, st0 = 0, st1 = 0;
	double		 c0, c1, elapsed, rps, cpu_s = 0, gen_s;
	uint64_t	 p50 = 0, p99 = 0, pmax = 0;

	while ((ch = getopt(argc, argv, "a:c:d:jn:p:t:W:wx")) != -1) {
		switch (ch) {
		case 'a': poolfile = optarg; break;
		case 'c': nconns = num(optarg, 1, LG_CONNS_MAX); break;
		case 'd': secs = num(optarg, 1, 86400); break;
		case 'j': json = 1; break;
		case 'n': count = num(optarg, 1, 1000000000); break;
		case 'p': pid = num(optarg, 1, 1 << 30); break;
		case 't': tmo = num(optarg, 1, 3600); break;
		case 'W': warm_each = num(optarg, 1, 1000000); break;
		case 'w': warm = 1; break;
		case 'x': show = 1; break;
		default: usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	target = argv[optind];
	load_pool(poolfile);
	if (show) {
		fwrite(pool[0].text, 1, pool[0].len, stdout);
		return 0;
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");
	conns = calloc((size_t)nconns, sizeof(*conns));
	if (conns == NULL)
		diex("out of memory");
	for (i = 0; i < nconns; i++)
		conn_open(&conns[i]);

	if (warm) {
		warmed = drive(conns, (int)nconns, 0, npool,
		    (uint64_t)tmo * 1000000000u);
		next_pool = 0;
	}
	if (warm_each) {
		warmed += drive(conns, (int)nconns, 0,
		    (uint64_t)(warm_each * nconns), (uint64_t)tmo * 1000000000u);
		next_pool = 0;
	}
	for (a = 0; a < nactions; a++)
		actions[a].n = 0;
	errors = 0;
	reconnects = 0;

	recording = 1;
	if (pid != 0)
		tk0 = tree_cpu_ns(pid, 0, &st0);
	c0 = self_cpu_s();
	t0 = now_ns();
	done = drive(conns, (int)nconns, count ? 0 : t0 + (uint64_t)secs *
	    1000000000u, (uint64_t)count, (uint64_t)tmo * 1000000000u);
	t1 = now_ns();
	if (count == 0 && t1 > t0 + (uint64_t)secs * 1000000000u)
		t1 = t0 + (uint64_t)secs * 1000000000u;
	c1 = self_cpu_s();
	if (pid != 0)
		tk1 = tree_cpu_ns(pid, 0, &st1);
	recording = 0;

	elapsed = (double)(t1 - t0) / 1e9;
	rps = elapsed > 0 ? (double)done / elapsed : 0;
	gen_s = c1 - c0;
	cpu_s = (double)(tk1 - tk0) / 1e9;
	if (nlat > 0) {
		qsort(lat, nlat, sizeof(*lat), cmp_u64);
		p50 = lat[nlat / 2];
		p99 = lat[nlat * 99 / 100 < nlat ? nlat * 99 / 100 : nlat - 1];
		pmax = lat[nlat - 1];
	}
	if (json) {
		printf("{\"target\": \"%s\", \"conns\": %ld, \"pool\": %zu, "
		    "\"warmup\": %llu, \"requests\": %llu, \"seconds\": %.6f, "
		    "\"rps\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f, "
		    "\"max_us\": %.1f, \"errors\": %llu, \"reconnects\": %llu, "
		    "\"last_error\": \"%s\", \"gen_cpu_s\": %.3f, "
		    "\"gen_cpu_pct\": %.1f",
		    target, nconns, npool, (unsigned long long)warmed,
		    (unsigned long long)done, elapsed, rps, p50 / 1e3,
		    p99 / 1e3, pmax / 1e3, (unsigned long long)errors,
		    (unsigned long long)reconnects, last_error, gen_s,
		    elapsed > 0 ? 100 * gen_s / elapsed : 0);
		if (pid != 0)
			printf(", \"pid\": %ld, \"cpu_s\": %.3f, "
			    "\"cpu_us_req\": %.3f, \"stat_cpu_s\": %.2f, "
			    "\"stat_cpu_us_req\": %.3f", pid, cpu_s,
			    done ? cpu_s * 1e6 / (double)done : 0,
			    (double)(st1 - st0) / sysconf(_SC_CLK_TCK),
			    done ? (double)(st1 - st0) * 1e6 /
			    sysconf(_SC_CLK_TCK) / (double)done : 0);
		printf(", \"actions\": {");
		for (a = 0; a < nactions; a++)
			printf("%s\"%s\": %llu", a ? ", " : "",
			    actions[a].name,
			    (unsigned long long)actions[a].n);
		printf("}, \"samples\": {");
		for (a = 0; a < nactions; a++)
			printf("%s\"%s\": \"%s\"", a ? ", " : "",
			    actions[a].name, actions[a].sample);
		printf("}}\n");
		return 0;
	}
	printf("target %s, %ld connection(s), pool of %zu addresses",
	    target, nconns, npool);
	if (warmed)
		printf(", %llu warm-up requests", (unsigned long long)warmed);
	printf("\n%llu requests in %.3f s: %.0f requests/s\n",
	    (unsigned long long)done, elapsed, rps);
	printf("latency: p50 %.1f us, p99 %.1f us, max %.1f us\n", p50 / 1e3,
	    p99 / 1e3, pmax / 1e3);
	if (pid != 0)
		printf("server CPU (pid %ld and descendants): %.2f s, "
		    "%.2f us/request\n", pid, cpu_s,
		    done ? cpu_s * 1e6 / (double)done : 0);
	printf("generator CPU: %.2f s, %.0f%% of one core%s\n", gen_s,
	    elapsed > 0 ? 100 * gen_s / elapsed : 0,
	    elapsed > 0 && gen_s / elapsed > 0.9 ?
	    " (saturated: the generator set the pace)" : "");
	printf("replies:");
	for (a = 0; a < nactions; a++)
		printf(" %s %llu", actions[a].name,
		    (unsigned long long)actions[a].n);
	printf("\nerrors: %llu%s%s\n", (unsigned long long)errors,
	    errors ? ", last: " : "", last_error);
	return 0;
}
