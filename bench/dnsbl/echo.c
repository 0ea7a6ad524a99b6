/*
 * echo.c: the trivial responder of the DNSBL benchmark, to measure how many
 * queries/s dnsperf itself can drive on this machine (the ceiling).
 *
 *   echo ADDR PORT
 *
 * Receives up to 32 UDP packets per recvmmsg(2) and returns each one as an
 * NXDOMAIN response (QR, RA and rcode set, question copied, nothing looked
 * up) with one sendmmsg(2). Runs until killed. A benchmark helper, not part
 * of fairlist.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ECHO_BATCH	32
#define ECHO_PKT	512

int
main(int argc, char **argv)
{
	static unsigned char	buf[ECHO_BATCH][ECHO_PKT];
	struct mmsghdr		msg[ECHO_BATCH];
	struct iovec		iov[ECHO_BATCH];
	struct sockaddr_in	sin, peer[ECHO_BATCH];
	int			fd, n, i;

	if (argc != 3) {
		fprintf(stderr, "usage: echo ADDR PORT\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)strtoul(argv[2], NULL, 10));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1)
		return 2;
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("echo");
		return 1;
	}
	for (;;) {
		for (i = 0; i < ECHO_BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = ECHO_PKT;
			memset(&msg[i], 0, sizeof(msg[i]));
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_name = &peer[i];
			msg[i].msg_hdr.msg_namelen = sizeof(peer[i]);
		}
		if ((n = recvmmsg(fd, msg, ECHO_BATCH, MSG_WAITFORONE,
		    NULL)) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (msg[i].msg_len < 12) {
				iov[i].iov_len = 0;
				continue;
			}
			buf[i][2] |= 0x80;			/* QR */
			buf[i][3] = (buf[i][3] & 0xf0) | 0x80 | 3; /* RA, NX */
			iov[i].iov_len = msg[i].msg_len;
		}
		sendmmsg(fd, msg, (unsigned)n, 0);
	}
}
