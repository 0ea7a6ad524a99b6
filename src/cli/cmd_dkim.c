/* cmd_dkim.c: placeholder until the module lands. */
#include <stdio.h>
#include "cli.h"
int
cmd_dkim(struct cli *c, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	fprintf(stderr, "fairlist: dkim: not built yet\n");
	return 1;
}
