/*
 * bounce_rate.c: the bounce classifier's messages per second over a
 * corpus (bench/traps/run): every NAME.eml (bounce_classify_message) and
 * NAME.txt (bounce_classify_text) under the folder given, read once into
 * memory, then classified round after round for at least the seconds
 * given. Prints one JSON line: files, rounds, classified, seconds,
 * per_s, and how many came out unknown.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounce/bounce.h"

struct item {
	char	*p;
	size_t	 n;
	int	 eml;
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct item		 items[4096];
	struct bounce_result	 r;
	struct dirent		*de;
	DIR			*d;
	FILE			*f;
	char			 path[4096];
	size_t			 ni = 0, i, len;
	long			 rounds = 0, unknown = 0;
	double			 t0, t, secs;

	if (argc != 3 || (d = opendir(argv[1])) == NULL) {
		fprintf(stderr, "usage: bounce_rate DIR SECONDS\n");
		return 1;
	}
	secs = atof(argv[2]);
	while ((de = readdir(d)) != NULL && ni < 4096) {
		len = strlen(de->d_name);
		if (len < 5 || (strcmp(de->d_name + len - 4, ".eml") != 0 &&
		    strcmp(de->d_name + len - 4, ".txt") != 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		items[ni].p = malloc(BOUNCE_MSG_MAX);
		items[ni].n = fread(items[ni].p, 1, BOUNCE_MSG_MAX, f);
		items[ni].eml = de->d_name[len - 3] == 'e';
		fclose(f);
		ni++;
	}
	closedir(d);
	if (ni == 0)
		return 1;
	t0 = now();
	do {
		for (i = 0; i < ni; i++) {
			if (items[i].eml)
				bounce_classify_message(items[i].p,
				    items[i].n, &r);
			else
				bounce_classify_text(items[i].p, items[i].n,
				    &r);
			if (rounds == 0 && r.cls == BOUNCE_UNKNOWN)
				unknown++;
		}
		rounds++;
		t = now() - t0;
	} while (t < secs);
	printf("{\"files\": %zu, \"rounds\": %ld, \"classified\": %ld, "
	    "\"seconds\": %.3f, \"per_s\": %.0f, \"unknown\": %ld}\n", ni,
	    rounds, rounds * (long)ni, t, rounds * (double)ni / t, unknown);
	return 0;
}
