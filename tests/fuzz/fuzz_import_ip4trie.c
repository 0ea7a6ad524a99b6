/*
 * fuzz_import_ip4trie.c: the list file line parser on ip4trie input; the
 * harness is fuzz_import_ip4set.c's.
 */
#define FUZZ_FORMAT	LIST_FMT_IP4TRIE
#include "fuzz_import_ip4set.c"
