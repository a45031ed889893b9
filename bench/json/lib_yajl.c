/* lib_yajl.c — the yajl side of bench_json (one library per file: json-c and jansson clash). */
#include "bench_json.h"
#include "core/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

void bench_yajl(const char *doc, size_t len, int n)
{
    double r1, r2 = 0;
    (void)r2;
    int64_t t0;
    int found = 0;
    (void)found;
    char *copy = malloc(len + 1);
    memcpy(copy, doc, len + 1);
    t0 = pl_mono_ns();
    for (int i = 0; i < n; i++)
        yajl_tree_free(yajl_tree_parse(copy, NULL, 0));
    r1 = bench_rate(t0, n);
    yajl_val y = yajl_tree_parse(copy, NULL, 0);
    yajl_val big = yajl_tree_get(y, (const char *[]){"configuration", "bigCounter", NULL},
                                 yajl_t_number);
    found = big && YAJL_IS_INTEGER(big) && YAJL_GET_INTEGER(big) == 9007199254740993LL;
    yajl_tree_free(y);
    printf("%-10s %14.0f %14s %s\n", "yajl", r1, "(no writer)", found ? "yes (int64)" : "no");

    free(copy);
}
