/*
 * replay.c: a plain main() for fuzz targets. Feeds every file of the
 * corpus folders (or files) named on the command line to
 * LLVMFuzzerTestOneInput once, so the normal test run replays the corpora
 * (Knot tests-fuzz). Prints the count; exits non-zero if a folder is
 * missing or empty. A crash is the failure it exists to catch.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE		*f;
	uint8_t		*buf;
	struct stat	 st;
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) == -1) {
		perror(path);
		return -1;
	}
	/* One spare byte so that an empty file still gets a valid pointer. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int		 i, count = 0;
	DIR		*d;
	struct dirent	*de;
	char		 path[4096];
	struct stat	 st;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) == -1)
				return 1;
			count++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			return 1;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name);
			if (run_file(path) == -1) {
				closedir(d);
				return 1;
			}
			count++;
		}
		closedir(d);
	}
	printf("replayed %d inputs\n", count);
	return count > 0 ? 0 : 1;
}
