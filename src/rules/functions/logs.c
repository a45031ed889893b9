/* logs.c — what an invocation leaves behind: the text kept in the function's log (its output
 * and, for a failure, Lambda's error lines and traceback) and the per-function /metrics.
 *
 * The log text is bounded: at most max bytes, cut on a UTF-8 character boundary, other invalid
 * bytes made '?', so the store and the API's JSON always hold valid text. The metrics are
 * labelled by function name; the first PL_FN_METRIC_NAMES names get their own series and later
 * ones share "~other" (not a valid function name), so /metrics stays bounded however many
 * functions come and go.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/metrics.h"
#include "core/util.h"
#include "rules/functions/functions.h"
#include "store/evals.h"

/* Lambda's log lines for an unhandled error: "[ERROR] Type: message", then the traceback. */
static void error_lines(struct pl_buf *b, const struct pl_fn_result *res)
{
    struct pl_arena a;
    struct pl_err err = {0};
    pl_arena_init(&a);
    const struct pl_json *j =
        res->error_json ? pl_json_parse(&a, res->error_json, strlen(res->error_json), &err) : NULL;
    const struct pl_json *tb = pl_json_get(j, "stackTrace");
    if (b->len && b->data[b->len - 1] != '\n')
        pl_buf_putc(b, '\n');
    pl_buf_printf(b, "[ERROR] %s: %s\n", res->error_type,
                  res->error_message ? res->error_message : "");
    if (tb && tb->type == PL_JARR && tb->len) {
        pl_buf_puts(b, "Traceback (most recent call last):\n");
        for (const struct pl_json *f = tb->child; f; f = f->next)
            if (f->type == PL_JSTR)
                pl_buf_puts(b, f->str);
    }
    pl_arena_fini(&a);
}

char *pl_fn_log_text(const struct pl_fn_result *res, size_t max, bool *truncated)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_buf_puts(&b, res->logs ? res->logs : "");
    if (!res->ok)
        error_lines(&b, res);
    *truncated = res->logs_truncated || b.len > max;
    char *text = pl_buf_take(&b);
    size_t len = strlen(text);
    if (len > max)
        text[len = max] = '\0';
    /* the runner's cap, or this one, may cut a character; a function may print any bytes */
    pl_utf8_fix_cut(text, len);
    return text;
}

struct pl_json *pl_fn_log_json(struct pl_arena *a, const struct pl_fn_log *l)
{
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set_str(a, o, "RequestId", l->request_id);
    if (l->rule)
        pl_json_set_str(a, o, "RuleName", l->rule);
    if (l->resource_type)
        pl_json_set_str(a, o, "ResourceType", l->resource_type);
    if (l->resource_id)
        pl_json_set_str(a, o, "ResourceId", l->resource_id);
    pl_json_set(a, o, "StartTime", pl_json_new_epoch_ms(a, l->start_ms));
    pl_json_set_i64(a, o, "DurationMs", l->duration_ms);
    pl_json_set_str(a, o, "Outcome", l->outcome);
    if (l->error_message)
        pl_json_set_str(a, o, "ErrorMessage", l->error_message);
    pl_json_set_str(a, o, "Output", l->output ? l->output : "");
    pl_json_set_bool(a, o, "Truncated", l->truncated);
    return o;
}

/* ---- metrics ---- */

static pthread_mutex_t names_mu = PTHREAD_MUTEX_INITIALIZER;
static char names[PL_FN_METRIC_NAMES][PL_FN_NAME_MAX + 1];
static int nnames;

static void help_once(void)
{
    pl_metrics_help("plumb_function_invocations_total",
                    "Invocations of Lambda-style functions that ran (throttled ones excluded).");
    pl_metrics_help("plumb_function_errors_total",
                    "Invocations that failed (raised, timed out, exited non-zero, non-2xx).");
    pl_metrics_help("plumb_function_throttles_total",
                    "Invocations refused for want of a concurrency slot or queue room.");
    pl_metrics_help("plumb_function_duration_seconds", "Duration of invocations that ran.");
}

/* The label text for name: its own, or the shared one once the table is full. */
static void label(const char *name, char *out, size_t n)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, help_once);
    bool known = false;
    pthread_mutex_lock(&names_mu);
    for (int i = 0; i < nnames && !known; i++)
        known = strcmp(names[i], name) == 0;
    if (!known && nnames < PL_FN_METRIC_NAMES && strlen(name) <= PL_FN_NAME_MAX) {
        pl_strlcpy(names[nnames++], name, sizeof names[0]);
        known = true;
    }
    pthread_mutex_unlock(&names_mu);
    /* validated names are [A-Za-z0-9_-]: nothing to escape */
    snprintf(out, n, "function=\"%s\"", known ? name : "~other");
}

void pl_fn_count(const char *name, const struct pl_fn_result *res)
{
    char l[PL_FN_NAME_MAX + 16];
    label(name ? name : "", l, sizeof l);
    if (!res) {
        pl_metrics_add("plumb_function_throttles_total", l, 1);
        return;
    }
    /* adding 0 creates the series, so each function shows all three counters */
    pl_metrics_add("plumb_function_invocations_total", l, 1);
    pl_metrics_add("plumb_function_errors_total", l, res->ok ? 0 : 1);
    pl_metrics_add("plumb_function_throttles_total", l, 0);
    pl_metrics_observe("plumb_function_duration_seconds", l, (double)res->duration_ms / 1000.0);
}
