/* cmd_listing.c: placeholder until the module lands. */
#include <stdio.h>
#include "cli.h"
int
cmd_add(struct cli *c, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	fprintf(stderr, "fairlist: add: not built yet\n");
	return 1;
}
int
cmd_remove(struct cli *c, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	fprintf(stderr, "fairlist: remove: not built yet\n");
	return 1;
}
int
cmd_show(struct cli *c, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	fprintf(stderr, "fairlist: show: not built yet\n");
	return 1;
}
int
cmd_zone(struct cli *c, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	fprintf(stderr, "fairlist: zone: not built yet\n");
	return 1;
}
