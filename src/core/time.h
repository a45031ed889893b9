/* time.h — the one clock, and the time formats AWS uses.
 *
 * All of plumb reads "now" through pl_now_ms(), so tests can move time instead of sleeping
 * (schedulers, retention, periodic rules and deliveries all follow it). Times are int64
 * milliseconds since the Unix epoch, UTC.
 */
#ifndef PL_CORE_TIME_H
#define PL_CORE_TIME_H

#include <stddef.h>
#include <stdint.h>

int64_t pl_now_ms(void);
/* Freezes the clock at ms (tests, `plumb serve --fake-clock`); pl_clock_advance moves it. */
void pl_clock_set(int64_t ms);
void pl_clock_advance(int64_t ms);
void pl_clock_real(void); /* back to the wall clock */
int pl_clock_is_fake(void);

/* Monotonic nanoseconds, for measuring durations only. */
int64_t pl_mono_ns(void);

/* "2018-09-07T05:26:45.866Z" into out (at least 32 bytes). Returns out. */
char *pl_time_iso8601_ms(int64_t ms, char *out);
/* "2016-09-27T19:58:18Z"-style without millis. */
char *pl_time_iso8601(int64_t ms, char *out);
/* "20160927T195818Z" (delivered file names, SigV4 x-amz-date). */
char *pl_time_basic(int64_t ms, char *out);

/* The timestamps plumb accepts: years 0001 to 9999, as ISO-8601 can write them. */
#define PL_TIME_MIN_S (-62135596800.0) /* 0001-01-01T00:00:00Z */
#define PL_TIME_MAX_S 253402300799.999 /* 9999-12-31T23:59:59.999Z */

/* Epoch seconds (possibly fractional) to ms; -1 when NaN, infinite or outside
 * [PL_TIME_MIN_S, PL_TIME_MAX_S]. */
int pl_time_from_epoch_s(double s, int64_t *ms);

/* Parses ISO-8601 (with or without fraction, 'Z' or +hh:mm offsets, date-only) or an epoch
 * number in seconds (possibly fractional, within the range above). Returns 0 and sets *ms, or
 * -1. */
int pl_time_parse(const char *s, int64_t *ms);

/* Splits ms into civil UTC date-time fields (thread-safe, no libc gmtime). */
struct pl_tm {
    int year, mon, day, hour, min, sec, msec; /* mon 1-12 */
};
void pl_time_civil(int64_t ms, struct pl_tm *tm);
int64_t pl_time_from_civil(const struct pl_tm *tm);

#endif
