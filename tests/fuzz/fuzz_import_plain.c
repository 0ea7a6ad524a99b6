/*
 * fuzz_import_plain.c: the list file line parser on plain input; the
 * harness is fuzz_import_ip4set.c's.
 */
#define FUZZ_FORMAT	LIST_FMT_PLAIN
#include "fuzz_import_ip4set.c"
