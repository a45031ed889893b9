/* bench_json.h — one entry point per JSON library compared by bench_json. */
#ifndef PL_BENCH_JSON_H
#define PL_BENCH_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "core/time.h"

static inline double bench_rate(int64_t t0, int n)
{
    return n / ((pl_mono_ns() - t0) / 1e9);
}

void bench_cjson(const char *doc, size_t len, int n);
void bench_jsonc(const char *doc, size_t len, int n);
void bench_jansson(const char *doc, size_t len, int n);
void bench_yajl(const char *doc, size_t len, int n);

#endif
