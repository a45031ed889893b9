/* time.c — the one clock (real or frozen for tests) and ISO-8601 / epoch formatting.
 * Civil-date conversion uses the days-from-civil algorithm (proleptic Gregorian), so no libc
 * gmtime/timegm and no time zone state is involved. */
#include "core/time.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t fake_ms = -1;

int64_t pl_now_ms(void)
{
    int64_t f = atomic_load(&fake_ms);
    if (f >= 0)
        return f;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pl_clock_set(int64_t ms)
{
    atomic_store(&fake_ms, ms);
}

void pl_clock_advance(int64_t ms)
{
    int64_t f = atomic_load(&fake_ms);
    if (f < 0)
        f = pl_now_ms();
    atomic_store(&fake_ms, f + ms);
}

void pl_clock_real(void)
{
    atomic_store(&fake_ms, -1);
}

int pl_clock_is_fake(void)
{
    return atomic_load(&fake_ms) >= 0;
}

int64_t pl_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void pl_time_civil(int64_t ms, struct pl_tm *tm)
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    tm->msec = (int)(ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    tm->hour = (int)(rem / 3600);
    tm->min = (int)(rem % 3600 / 60);
    tm->sec = (int)(rem % 60);
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    tm->day = (int)(doy - (153 * mp + 2) / 5 + 1);
    tm->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
    tm->year = (int)(y + (tm->mon <= 2));
}

int64_t pl_time_from_civil(const struct pl_tm *tm)
{
    int64_t days = days_from_civil(tm->year, tm->mon, tm->day);
    return ((days * 86400) + tm->hour * 3600 + tm->min * 60 + tm->sec) * 1000 + tm->msec;
}

char *pl_time_iso8601_ms(int64_t ms, char *out)
{
    struct pl_tm t;
    pl_time_civil(ms, &t);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.year % 10000, t.mon % 100,
             t.day % 100, t.hour % 100, t.min % 100, t.sec % 100, t.msec % 1000);
    return out;
}

char *pl_time_iso8601(int64_t ms, char *out)
{
    struct pl_tm t;
    pl_time_civil(ms, &t);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.mon, t.day, t.hour, t.min,
             t.sec);
    return out;
}

char *pl_time_basic(int64_t ms, char *out)
{
    struct pl_tm t;
    pl_time_civil(ms, &t);
    snprintf(out, 32, "%04d%02d%02dT%02d%02d%02dZ", t.year, t.mon, t.day, t.hour, t.min, t.sec);
    return out;
}

/* Reads exactly n digits at *p into *v. */
static int digits(const char **p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        x = x * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *v = x;
    return 0;
}

int pl_time_from_epoch_s(double d, int64_t *ms)
{
    if (!(d >= PL_TIME_MIN_S && d <= PL_TIME_MAX_S)) /* NaN fails too */
        return -1;
    *ms = (int64_t)(d * 1000.0 + (d >= 0 ? 0.5 : -0.5));
    return 0;
}

static int parse_epoch(const char *s, int64_t *ms)
{
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end)
        return -1;
    return pl_time_from_epoch_s(d, ms);
}

int pl_time_parse(const char *s, int64_t *ms)
{
    struct pl_tm t = {0};
    const char *p = s;
    if (!s || !*s)
        return -1;
    if (strlen(s) < 10 || s[4] != '-')
        return parse_epoch(s, ms);
    if (digits(&p, 4, &t.year) || *p++ != '-' || digits(&p, 2, &t.mon) || *p++ != '-' ||
        digits(&p, 2, &t.day))
        return -1;
    if (t.mon < 1 || t.mon > 12 || t.day < 1 || t.day > 31)
        return -1;
    int offset_min = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &t.hour) || *p++ != ':' || digits(&p, 2, &t.min))
            return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &t.sec))
                return -1;
        }
        if (*p == '.' || *p == ',') {
            p++;
            int scale = 100, any = 0;
            while (*p >= '0' && *p <= '9') {
                t.msec += (*p - '0') * scale;
                scale /= 10;
                p++;
                any = 1;
            }
            if (!any)
                return -1;
        }
        if (t.hour > 23 || t.min > 59 || t.sec > 60)
            return -1;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
            if (digits(&p, 2, &oh))
                return -1;
            if (*p == ':')
                p++;
            if (*p && digits(&p, 2, &om))
                return -1;
            offset_min = sign * (oh * 60 + om);
        }
    }
    if (*p)
        return -1;
    *ms = pl_time_from_civil(&t) - (int64_t)offset_min * 60000;
    return 0;
}
