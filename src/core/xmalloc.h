/*
 * xmalloc.h: allocation that never fails (it logs and exits instead).
 */
#ifndef FAIRLIST_XMALLOC_H
#define FAIRLIST_XMALLOC_H

#include <stddef.h>

/* Each returns memory the caller frees with free(). Fatal on OOM. */
void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xreallocarray(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
char	*xstrndup(const char *s, size_t n);
int	 xasprintf(char **ret, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* FAIRLIST_XMALLOC_H */
