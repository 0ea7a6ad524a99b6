/*
 * event.c: a watch transition as the webhook's JSON body, and a list's
 * removal page for one of our addresses.
 *
 * The body (docs/SENDER-CARE.md) carries only what the store holds: the
 * target, the list, the old and new state names, the code, the text
 * (the code's meaning and the list's TXT, escaped when it was read) and
 * the removal page. No I/O.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/str.h"
#include "watch/watch.h"

char *
watch_removal_url(const struct watch_list *l, const char *target,
    char *dst, size_t dstsize)
{
	const char	*t;
	size_t		 o = 0, n;

	dst[0] = '\0';
	if (l->url == NULL || dstsize == 0)
		return dst;
	for (t = l->url; *t != '\0' && o + 1 < dstsize; ) {
		if (t[0] == '$' && t[1] == 'i' && t[2] == 'p') {
			/* An address or a DNS name: URL-safe as it is. */
			n = strlen(target);
			if (n > dstsize - 1 - o)
				n = dstsize - 1 - o;
			memcpy(dst + o, target, n);
			o += n;
			t += 3;
			continue;
		}
		dst[o++] = *t++;
	}
	dst[o] = '\0';
	return dst;
}

static json_t *
str_or_null(const char *s)
{
	char	esc[4 * WATCH_URL_MAX + 1];
	json_t	*j;

	if (s == NULL || s[0] == '\0')
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	/* Not UTF-8: the escaped form. */
	return json_string(str_escape(esc, sizeof(esc), s, strlen(s)));
}

json_t *
watch_event_json(const struct watch_event *e)
{
	char	at[32];
	json_t	*o = json_object();

	json_object_set_new(o, "event", json_string("watch.transition"));
	json_object_set_new(o, "id", json_integer(e->id));
	json_object_set_new(o, "at", json_string(str_isotime(at, sizeof(at),
	    e->at)));
	json_object_set_new(o, "target", str_or_null(e->target));
	json_object_set_new(o, "list", str_or_null(e->list));
	json_object_set_new(o, "old", str_or_null(e->old));
	json_object_set_new(o, "new", str_or_null(e->new));
	json_object_set_new(o, "listed", json_boolean(e->new != NULL &&
	    strcmp(e->new, "listed") == 0));
	json_object_set_new(o, "code", str_or_null(e->code));
	json_object_set_new(o, "text", str_or_null(e->text));
	json_object_set_new(o, "removal_url", str_or_null(e->removal_url));
	return o;
}
