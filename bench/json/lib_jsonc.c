/* lib_jsonc.c — the jsonc side of bench_json (one library per file: json-c and jansson clash). */
#include "bench_json.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

void bench_jsonc(const char *doc, size_t len, int n)
{
    double r1, r2 = 0;
    (void)r2;
    int64_t t0;
    int found = 0;
    (void)found;
    t0 = pl_mono_ns();
    for (int i = 0; i < n; i++)
        json_object_put(json_tokener_parse(doc));
    r1 = bench_rate(t0, n);
    const char *jc = NULL;
    t0 = pl_mono_ns();
    for (int i = 0; i < n; i++) {
        struct json_object *j = json_tokener_parse(doc);
        jc = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
        found = strstr(jc, "9007199254740993") != NULL;
        json_object_put(j);
    }
    r2 = bench_rate(t0, n);
    printf("%-10s %14.0f %14.0f %s\n", "json-c", r1, r2, found ? "yes" : "no");

}
