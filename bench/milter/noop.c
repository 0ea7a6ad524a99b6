/*
 * noop.c: the ceiling of bench/milter/run: a libmilter filter that does
 * nothing. It asks for every event a signing filter needs (connect,
 * helo, envelope, headers, body, end of message) and answers continue
 * to each, so the figure is libmilter's own cost per message.
 *
 * With "nr" it also asks for no reply to CONNECT, HELO, MAIL, RCPT, each
 * header, EOH and each body chunk (SMFIP_NR_*, as fairlist's milter
 * does; its callbacks then answer SMFIS_NOREPLY): the same round trips
 * per message as fairlist, the fair ceiling for it.
 *
 *	noop inet:PORT@127.0.0.1 [nr]
 */
#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

#define NR_FLAGS	(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | \
			 SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | \
			 SMFIP_NR_BODY)

static unsigned long	nr;	/* the SMFIP_NR_* agreed */

/* A callback whose command the MTA may have agreed to get no reply to. */
static sfsistat
cont_nr(SMFICTX *ctx, unsigned long flag)
{
	(void)ctx;
	return (nr & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
cont(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
on_eoh(SMFICTX *ctx)
{
	return cont_nr(ctx, SMFIP_NR_EOH);
}

static sfsistat
on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f2;
	(void)f3;
	*pf0 = f0 & SMFIF_ADDHDRS;
	*pf1 = f1 & (NR_FLAGS | SMFIP_NODATA | SMFIP_NOUNKNOWN);
	*pf2 = 0;
	*pf3 = 0;
	nr = *pf1 & NR_FLAGS;
	return SMFIS_CONTINUE;
}

static sfsistat
on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)host;
	(void)sa;
	return cont_nr(ctx, SMFIP_NR_CONN);
}

static sfsistat
on_mail(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return cont_nr(ctx, SMFIP_NR_MAIL);
}

static sfsistat
on_rcpt(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return cont_nr(ctx, SMFIP_NR_RCPT);
}

static sfsistat
on_helo(SMFICTX *ctx, char *helo)
{
	(void)helo;
	return cont_nr(ctx, SMFIP_NR_HELO);
}

static sfsistat
on_header(SMFICTX *ctx, char *name, char *value)
{
	(void)name;
	(void)value;
	return cont_nr(ctx, SMFIP_NR_HDR);
}

static sfsistat
on_body(SMFICTX *ctx, unsigned char *p, size_t len)
{
	(void)p;
	(void)len;
	return cont_nr(ctx, SMFIP_NR_BODY);
}

int
main(int argc, char **argv)
{
	struct smfiDesc	d;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "nr") != 0)) {
		fprintf(stderr, "usage: noop inet:PORT@127.0.0.1 [nr]\n");
		return 1;
	}
	memset(&d, 0, sizeof(d));
	d.xxfi_name = "noop";
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_flags = SMFIF_ADDHDRS;
	d.xxfi_connect = on_connect;
	d.xxfi_helo = on_helo;
	d.xxfi_envfrom = on_mail;
	d.xxfi_envrcpt = on_rcpt;
	d.xxfi_header = on_header;
	d.xxfi_eoh = on_eoh;
	if (argc == 3)
		d.xxfi_negotiate = on_negotiate;
	d.xxfi_body = on_body;
	d.xxfi_eom = cont;
	d.xxfi_abort = cont;
	d.xxfi_close = cont;
	if (smfi_setconn(argv[1]) == MI_FAILURE ||
	    smfi_register(d) == MI_FAILURE) {
		fprintf(stderr, "noop: cannot use %s\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
