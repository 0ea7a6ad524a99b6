/*
 * noop.c: the ceiling of bench/milter/run: a libmilter filter that does
 * nothing. It asks for every event a signing filter needs (connect,
 * helo, envelope, headers, body, end of message) and answers continue
 * to each, so the figure is libmilter's own cost per message.
 *
 *	noop inet:PORT@127.0.0.1
 */
#include <stdio.h>
#include <string.h>

#include <libmilter/mfapi.h>

static sfsistat
cont(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
on_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)host;
	(void)sa;
	return cont(ctx);
}

static sfsistat
on_args(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return cont(ctx);
}

static sfsistat
on_helo(SMFICTX *ctx, char *helo)
{
	(void)helo;
	return cont(ctx);
}

static sfsistat
on_header(SMFICTX *ctx, char *name, char *value)
{
	(void)name;
	(void)value;
	return cont(ctx);
}

static sfsistat
on_body(SMFICTX *ctx, unsigned char *p, size_t len)
{
	(void)p;
	(void)len;
	return cont(ctx);
}

int
main(int argc, char **argv)
{
	struct smfiDesc	d;

	if (argc != 2) {
		fprintf(stderr, "usage: noop inet:PORT@127.0.0.1\n");
		return 1;
	}
	memset(&d, 0, sizeof(d));
	d.xxfi_name = "noop";
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_flags = SMFIF_ADDHDRS;
	d.xxfi_connect = on_connect;
	d.xxfi_helo = on_helo;
	d.xxfi_envfrom = on_args;
	d.xxfi_envrcpt = on_args;
	d.xxfi_header = on_header;
	d.xxfi_eoh = cont;
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
