/*
 * time.c: the monotonic clock (CLOCK_MONOTONIC never jumps with the wall
 * clock, so a timeout measured with it is never cut short or stretched).
 */
#include <time.h>

#include "core/time.h"

int64_t
time_mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
time_mono_ms(void)
{
	return time_mono_us() / 1000;
}

double
time_ms_since(int64_t t0_us)
{
	return (double)(time_mono_us() - t0_us) / 1e3;
}
