/* rt_python.c — the python runtime: a bootstrap process (bootstrap.py) that imports the
 * handler's module once and serves events over a socket on fd 3.
 *
 * Framing (both directions are one stream socket):
 *   plumb -> worker  {"requestId":"...","deadlineMs":N,"len":N}\n  + len bytes of event JSON
 *   worker -> plumb  "ok LEN\n" + result JSON  |  "error LEN\n" + Lambda's error object
 * A worker that times out, runs out of memory, dies or answers garbage is killed; one that
 * answered (even with a handler error) can serve the next event, as a Lambda container can.
 * stdout and stderr share one pipe and form the invocation's logs.
 */
#include "rules/functions/functions_int.h"

#include "core/arena.h"
#include "core/json.h"
#include "core/time.h"
#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses the response header "ok 12\n": 1 with *ok, *len, *hdr set; 0 incomplete; -1 junk. */
static int parse_head(const struct pl_fn_cap *r, bool *ok, size_t *len, size_t *hdr)
{
    const char *nl = r->data ? memchr(r->data, '\n', r->len) : NULL;
    if (!nl)
        return r->len > 32 ? -1 : 0;
    char *end;
    if (pl_starts_with(r->data, "ok "))
        *ok = true;
    else if (pl_starts_with(r->data, "error "))
        *ok = false;
    else
        return -1;
    const char *num = r->data + (*ok ? 3 : 6);
    errno = 0;
    unsigned long long v = strtoull(num, &end, 10);
    if (end != nl || errno || end == num)
        return -1;
    *len = (size_t)v;
    *hdr = (size_t)(nl - r->data) + 1;
    return 1;
}

/* Complete when the header says how much and it has all arrived, or the cap is full. */
static int frame_done(const struct pl_fn_cap *r)
{
    bool ok;
    size_t len, hdr;
    int h = parse_head(r, &ok, &len, &hdr);
    return h < 0 || (h == 1 && (r->len - hdr >= len || r->dropped > 0));
}

/* Lambda's error object -> res: error_type ("Unhandled" for handler exceptions, the runtime's
 * own type for Runtime.*, Runtime.OutOfMemory for MemoryError) and a one-line message. */
static void handler_error(const char *json, size_t len, struct pl_fn_result *res)
{
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_json *o = pl_json_parse(&a, json, len, NULL);
    const char *type = pl_json_get_str(o, "errorType");
    const char *msg = pl_json_get_str(o, "errorMessage");
    type = type ? type : "Error";
    msg = msg ? msg : "";
    if (strcmp(type, "MemoryError") == 0)
        pl_fn__fail(res, "Runtime.OutOfMemory", "MemoryError: %s (memory limit reached)", msg);
    else if (pl_starts_with(type, "Runtime."))
        pl_fn__fail(res, type, "%s", msg);
    else
        pl_fn__fail(res, "Unhandled", "%s: %s", type, msg);
    res->error_json = pl_xstrndup(json, len);
    pl_arena_fini(&a);
}

struct pl_fn_pyworker *pl_fn__py_start(const char *python, const struct pl_fn_call *c, bool cold,
                                       struct pl_fn_result *res)
{
    const char *h = c->fn->handler, *colon = strrchr(h, ':');
    char *path = pl_xstrndup(h, (size_t)(colon - h));
    char *dir = pl_xstrdup(path);
    char *slash = strrchr(dir, '/');
    slash[slash == dir ? 1 : 0] = '\0';
    char *argv[] = {"python3", "-c", (char *)pl_fn_bootstrap_py, path, (char *)colon + 1, NULL};
    struct pl_fn_spawn sp = {
        .path = python,
        .argv = argv,
        .envp = c->envp,
        .merge_stderr = true,
        .cwd = dir,
        .memory_mb = c->fn->memory_mb,
        .cpu_s = cold ? c->fn->timeout_s + 1 : 0,
        .die_with_thread = cold,
    };
    struct pl_err err = {0};
    struct pl_fn_pyworker *w = pl_xcalloc(1, sizeof(*w));
    if (pl_fn__spawn(&sp, &w->proc, &err) < 0) {
        pl_fn__fail(res, "ServiceException", "%s", err.msg);
        free(w);
        w = NULL;
    }
    free(path);
    free(dir);
    return w;
}

void pl_fn__py_free(struct pl_fn_pyworker *w)
{
    if (!w)
        return;
    pl_fn__proc_kill(&w->proc);
    free(w->key);
    free(w->owner);
    free(w);
}

/* Sends the framed request; its buffer is malloc'd (the caller frees *frame). */
static char *frame(const struct pl_fn_call *c, size_t *n)
{
    int64_t left_ms = (c->deadline_ns - pl_mono_ns()) / 1000000;
    char head[160];
    int hl =
        snprintf(head, sizeof(head), "{\"requestId\":\"%s\",\"deadlineMs\":%lld,\"len\":%zu}\n",
                 c->request_id, (long long)(pl_now_ms() + left_ms), c->len);
    char *f = pl_xmalloc((size_t)hl + c->len);
    memcpy(f, head, (size_t)hl);
    memcpy(f + hl, c->event, c->len);
    *n = (size_t)hl + c->len;
    return f;
}

bool pl_fn__py_invoke(struct pl_fn_pyworker *w, const struct pl_fn_call *c,
                      struct pl_fn_result *res)
{
    struct pl_fn_cap resp, logs;
    size_t flen;
    char *f = frame(c, &flen);
    bool reusable = false, ok;
    size_t len, hdr;
    char st[64];

    pl_fn__cap_init(&resp, c->max_payload + 64);
    pl_fn__cap_init(&logs, c->max_output);
    struct pl_fn_io io = {
        .wbuf = f,
        .wlen = flen,
        .rsock = &resp,
        .done = frame_done,
        .cout = &logs,
        .cerr = &logs,
    };
    int r = pl_fn__io(&w->proc, &io, c->deadline_ns);
    w->served++;
    if (r == PL_FN_IO_TIMEOUT) {
        pl_fn__timeout(res, c->fn->timeout_s);
    } else if (r == PL_FN_IO_DONE && parse_head(&resp, &ok, &len, &hdr) == 1) {
        if (resp.dropped > 0) {
            pl_fn__fail(res, "Function.ResponseSizeTooLarge",
                        "Response payload size exceeded "
                        "maximum allowed payload size (%zu bytes).",
                        c->max_payload);
        } else if (ok) {
            res->ok = true;
            res->payload = pl_xstrndup(resp.data + hdr, len);
            reusable = true;
        } else {
            handler_error(resp.data + hdr, len, res);
            reusable = strcmp(res->error_type, "Runtime.OutOfMemory") != 0;
        }
        pl_fn__drain(&w->proc, &logs, &logs); /* flushed before the answer was sent */
    } else if (r == PL_FN_IO_EOF || r == PL_FN_IO_DONE) {
        /* died without a (valid) answer: give it a moment to exit, then look at how */
        pl_fn__proc_wait(&w->proc, 1000);
        pl_fn__drain(&w->proc, &logs, &logs);
        pl_fn__fail(res, "Runtime.ExitError", "RequestId: %s Error: Runtime exited with error: %s",
                    c->request_id, pl_fn__exit_text(w->proc.status, st, sizeof(st)));
    } else {
        pl_fn__fail(res, "ServiceException", "I/O error talking to the python worker");
    }
    if (!reusable)
        pl_fn__drain(&w->proc, &logs, &logs);
    res->logs_truncated = logs.dropped > 0;
    res->logs = pl_fn__cap_take(&logs);
    pl_fn__cap_fini(&resp);
    pl_fn__cap_fini(&logs);
    free(f);
    return reusable;
}
