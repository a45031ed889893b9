/* lib_cjson.c — the cjson side of bench_json (one library per file: json-c and jansson clash). */
#include "bench_json.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

void bench_cjson(const char *doc, size_t len, int n)
{
    double r1, r2 = 0;
    (void)r2;
    int64_t t0;
    int found = 0;
    (void)found;
    char *text = NULL;
    t0 = pl_mono_ns();
    for (int i = 0; i < n; i++)
        cJSON_Delete(cJSON_ParseWithLength(doc, len));
    r1 = bench_rate(t0, n);
    t0 = pl_mono_ns();
    for (int i = 0; i < n; i++) {
        cJSON *j = cJSON_ParseWithLength(doc, len);
        free(text);
        text = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
    }
    r2 = bench_rate(t0, n);
    printf("%-10s %14.0f %14.0f %s\n", "cJSON", r1, r2, strstr(text, "9007199254740993") ? "yes" : "no");
    free(text);

}
