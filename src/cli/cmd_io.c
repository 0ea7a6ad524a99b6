/* cmd_io.c: placeholder until the module lands. */
#include <stdio.h>
#include "cli.h"
int
cmd_import(struct cli *c, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	fprintf(stderr, "fairlist: import: not built yet\n");
	return 1;
}
int
cmd_export(struct cli *c, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	fprintf(stderr, "fairlist: export: not built yet\n");
	return 1;
}
