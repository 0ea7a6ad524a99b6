/*
 * dmarc_int.h: helpers shared by the files of src/dmarc/.
 */
#ifndef FAIRLIST_DMARC_INT_H
#define FAIRLIST_DMARC_INT_H

#include <stddef.h>

/*
 * Untrusted input (RFC 5322 section 3.2.2). Skip CFWS in p[off..len):
 * spaces, tabs, CR, LF and comments, nested at most
 * DMARC_COMMENT_DEPTH_MAX deep, with quoted-pairs. Returns the offset
 * past it, or -1 for an unterminated or too deeply nested comment.
 * from.c has it; authres.c uses it too.
 */
long	dmarc_cfws(const unsigned char *p, size_t len, size_t off);

#endif /* FAIRLIST_DMARC_INT_H */
