/*
 * time.h: the monotonic clock, for timeouts, deadlines and the durations
 * that log lines report. Wall-clock time (listing times, expiry) is
 * time(NULL); its text forms are in str.h.
 */
#ifndef FAIRLIST_TIME_H
#define FAIRLIST_TIME_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
int64_t		time_mono_ms(void);

/* CLOCK_MONOTONIC in microseconds. */
int64_t		time_mono_us(void);

/* Milliseconds since t0_us (a time_mono_us() value), for log lines. */
double		time_ms_since(int64_t t0_us);

#endif /* FAIRLIST_TIME_H */
