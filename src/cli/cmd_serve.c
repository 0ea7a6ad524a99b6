/* cmd_serve.c: placeholder until the module lands. */
#include <stdio.h>
#include "cli.h"
int
cmd_serve(struct cli *c, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	fprintf(stderr, "fairlist: serve: not built yet\n");
	return 1;
}
