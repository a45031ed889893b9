/* log.c — key=value log lines on stderr with a UTC timestamp. */
#include "core/log.h"
#include "core/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum pl_loglevel pl_log_level = PL_LOG_INFO;

static const char *names[] = {"error", "warn", "info", "debug"};

void pl_log_set_level(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            pl_log_level = (enum pl_loglevel)i;
}

void pl_log_write(enum pl_loglevel lv, const char *module, const char *fmt, ...)
{
    char ts[40], line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s level=%s module=%s %s\n", pl_time_iso8601_ms(pl_now_ms(), ts), names[lv],
            module, line);
}
