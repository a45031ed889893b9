/* lib_jansson.c — the jansson side of bench_json (one library per file: json-c and jansson clash). */
#include "bench_json.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

void bench_jansson(const char *doc, size_t len, int n)
{
    double r1, r2 = 0;
    (void)r2;
    int64_t t0;
    int found = 0;
    (void)found;
    t0 = pl_mono_ns();
    for (int i = 0; i < n; i++)
        json_decref(json_loadb(doc, len, 0, NULL));
    r1 = bench_rate(t0, n);
    t0 = pl_mono_ns();
    for (int i = 0; i < n; i++) {
        json_t *j = json_loadb(doc, len, 0, NULL);
        char *s = json_dumps(j, JSON_COMPACT);
        found = strstr(s, "9007199254740993") != NULL;
        free(s);
        json_decref(j);
    }
    r2 = bench_rate(t0, n);
    printf("%-10s %14.0f %14.0f %s\n", "jansson", r1, r2, found ? "yes" : "no");

}
