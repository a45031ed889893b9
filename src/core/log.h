/* log.h — one line per event, key=value, level checked before formatting.
 * Never log Authorization headers, secret keys or signatures. */
#ifndef PL_CORE_LOG_H
#define PL_CORE_LOG_H

enum pl_loglevel { PL_LOG_ERROR, PL_LOG_WARN, PL_LOG_INFO, PL_LOG_DEBUG };

extern enum pl_loglevel pl_log_level;

void pl_log_write(enum pl_loglevel lv, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pl_log_set_level(const char *name); /* "error" | "warn" | "info" | "debug" */

#define PL_LOG(LV, MOD, ...)                                  \
    do {                                                      \
        if (PL_LOG_##LV <= pl_log_level)                      \
            pl_log_write(PL_LOG_##LV, MOD, __VA_ARGS__);      \
    } while (0)

#endif
