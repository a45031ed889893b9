/* test_logs.c — functions/logs.c: the logged text of an invocation (output, Lambda's error
 * lines and traceback, the bound cut on a UTF-8 boundary) and the per-function metrics with
 * their bounded label set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "core/metrics.h"
#include "rules/functions/functions.h"

static void test_text_ok(void)
{
    struct pl_fn_result r = {.ok = true, .logs = "hello\n"};
    bool cut = true;
    char *t = pl_fn_log_text(&r, 100, &cut);
    T_STR(t, "hello\n");
    T_OK(!cut);
    free(t);
    r.logs_truncated = true; /* the runner's cap counts too */
    t = pl_fn_log_text(&r, 100, &cut);
    T_OK(cut);
    free(t);
}

static void test_text_error(void)
{
    struct pl_fn_result r = {
        .ok = false,
        .error_message = "KeyError: 'x'",
        .error_json = "{\"errorMessage\":\"'x'\",\"errorType\":\"KeyError\",\"stackTrace\":"
                      "[\"  File \\\"/r/m.py\\\", line 3, in h\\n    x['x']\\n\"]}",
        .logs = "printed",
    };
    snprintf(r.error_type, sizeof r.error_type, "Unhandled");
    bool cut;
    char *t = pl_fn_log_text(&r, 1000, &cut);
    T_STR(t, "printed\n[ERROR] Unhandled: KeyError: 'x'\nTraceback (most recent call last):\n"
             "  File \"/r/m.py\", line 3, in h\n    x['x']\n");
    T_OK(!cut);
    free(t);
}

/* A cut never splits a character: "é" is two bytes, so 5 bytes keep two of them. */
static void test_text_utf8_cut(void)
{
    struct pl_fn_result r = {.ok = true, .logs = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"};
    bool cut;
    char *t = pl_fn_log_text(&r, 5, &cut);
    T_STR(t, "\xc3\xa9\xc3\xa9");
    T_OK(cut);
    free(t);
    r.logs = "a\xff" "b"; /* invalid bytes become '?' */
    t = pl_fn_log_text(&r, 100, &cut);
    T_STR(t, "a?b");
    free(t);
}

static void test_metrics(void)
{
    struct pl_fn_result ok = {.ok = true, .duration_ms = 20}, bad = {.ok = false};
    pl_metrics_reset();
    pl_fn_count("f1", &ok);
    pl_fn_count("f1", &bad);
    pl_fn_count("f1", NULL);
    T_EQ(pl_metrics_value("plumb_function_invocations_total", "function=\"f1\""), 2);
    T_EQ(pl_metrics_value("plumb_function_errors_total", "function=\"f1\""), 1);
    T_EQ(pl_metrics_value("plumb_function_throttles_total", "function=\"f1\""), 1);
    for (int i = 0; i < PL_FN_METRIC_NAMES + 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "g%d", i);
        pl_fn_count(name, &ok);
    }
    /* f1 and the first 63 others have their own series; the rest share one */
    T_EQ(pl_metrics_value("plumb_function_invocations_total", "function=\"g62\""), 1);
    T_EQ(pl_metrics_value("plumb_function_invocations_total", "function=\"g63\""), 0);
    T_EQ(pl_metrics_value("plumb_function_invocations_total", "function=\"~other\""), 6);
}

int main(void)
{
    T_RUN(test_text_ok);
    T_RUN(test_text_error);
    T_RUN(test_text_utf8_cut);
    T_RUN(test_metrics);
    return T_EXIT();
}
