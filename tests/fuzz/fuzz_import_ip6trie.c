/*
 * fuzz_import_ip6trie.c: the list file line parser on ip6trie input; the
 * harness is fuzz_import_ip4set.c's.
 */
#define FUZZ_FORMAT	LIST_FMT_IP6TRIE
#include "fuzz_import_ip4set.c"
