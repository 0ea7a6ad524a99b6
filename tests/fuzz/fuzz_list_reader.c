/*
 * fuzz_list_reader.c: the import's capped line reader (list/import.c,
 * list_read_line) against a plain split of the same bytes. The first two
 * input bytes choose how far past LIST_READ_CHUNK the file goes, the rest
 * is repeated to fill it, so lines cross the reader's chunk boundary and
 * a line without a newline becomes one longer than LIST_LINE_MAX.
 *
 * The contract checked: every '\n'-terminated line, and a last line
 * without one if it is not empty, comes out in order; a line of more than
 * LIST_LINE_MAX bytes comes out empty with toolong set, every other one
 * byte for byte; the reader then says 0 and has consumed the whole file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list/list.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct list_reader	 r;
	const char		*line, *p, *end, *nl;
	size_t			 len, n, i, want;
	char			*file;
	FILE			*f;
	int			 toolong, rc;

	if (size < 3)
		return 0;
	n = LIST_READ_CHUNK + ((size_t)data[0] << 8 | data[1]);
	data += 2;
	size -= 2;
	if ((file = malloc(n)) == NULL)
		return 0;
	/* data, then the file so far, doubled until it is full. */
	memcpy(file, data, size < n ? size : n);
	for (i = size; i < n; i *= 2)
		memcpy(file + i, file, i < n - i ? i : n - i);
	if ((f = fmemopen(file, n, "r")) == NULL) {
		free(file);
		return 0;
	}
	list_reader_init(&r, f);
	p = file;
	end = file + n;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		want = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		if (list_read_line(&r, &line, &len, &toolong) != 1)
			abort();
		if (want > LIST_LINE_MAX) {
			if (!toolong || len != 0)
				abort();
		} else if (toolong || len != want ||
		    memcmp(line, p, len) != 0)
			abort();
		p += want + (nl != NULL);
	}
	rc = list_read_line(&r, &line, &len, &toolong);
	if (rc != 0 || r.consumed != (int64_t)n)
		abort();
	list_reader_free(&r);
	fclose(f);
	free(file);
	return 0;
}
