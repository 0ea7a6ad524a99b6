/* cmd_spf.c: placeholder until the module lands. */
#include <stdio.h>
#include "cli.h"
int
cmd_spf(struct cli *c, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	fprintf(stderr, "fairlist: spf: not built yet\n");
	return 1;
}
