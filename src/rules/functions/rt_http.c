/* rt_http.c — the http runtime: POST the event JSON to the function's URL (core/client.h).
 *
 * 2xx is success and the body (up to the payload cap; the rest is read and dropped) is the
 * payload; any other status or a transport error is a function error. The whole request,
 * connection included, is bounded by the function's timeout. Dispatcher threads keep their
 * connections alive between calls. HTTP functions run elsewhere, so plumb sends no
 * credentials: the endpoint, region, function ARN and request id travel as X-Plumb-* headers
 * and the service behind the URL uses keys of its own (docs/functions.md).
 */
#include "rules/functions/functions_int.h"

#include "core/arena.h"
#include "core/client.h"
#include "core/time.h"

/* The request headers of call c (NULL-terminated, in a). */
static const char *const *headers(struct pl_arena *a, const struct pl_fn_call *c)
{
    const char **h = pl_arena_alloc(a, 6 * sizeof *h);
    int n = 0;
    h[n++] = "Content-Type: application/json";
    h[n++] = pl_arena_printf(a, "X-Plumb-Request-Id: %s", c->request_id);
    h[n++] = pl_arena_printf(a, "X-Plumb-Function-Arn: %s", pl_fn_arn(a, c->fn));
    h[n++] = pl_arena_printf(a, "X-Plumb-Region: %s", c->fn->region);
    if (c->env && c->env->endpoint_url)
        h[n++] = pl_arena_printf(a, "X-Plumb-Endpoint: %s", c->env->endpoint_url);
    h[n] = NULL;
    return h;
}

void pl_fn__run_http(const struct pl_fn_call *c, struct pl_fn_result *res)
{
    struct pl_arena a;
    struct pl_client_resp resp;
    struct pl_err err = {0};

    pl_arena_init(&a);
    int64_t left_ms = (c->deadline_ns - pl_mono_ns()) / 1000000;
    long budget = (long)(left_ms > 1 ? left_ms : 1);
    struct pl_client_req rq = {
        .method = "POST", .url = c->fn->url, .headers = headers(&a, c), .body = c->event,
        .body_len = c->len, .max_body = c->max_payload, .cut_body = 1, .connect_ms = budget,
        .timeout_ms = budget, .user_agent = "plumb-functions/1",
    };
    if (pl_client_do(&rq, &resp, &err) != 0) {
        if (resp.timed_out)
            pl_fn__timeout(res, c->fn->timeout_s);
        else
            pl_fn__fail(res, "HTTPError", "%s", err.msg);
    } else if (resp.status < 200 || resp.status > 299) {
        pl_fn__fail(res, "HTTPError", "POST %.200s: HTTP %ld: %.300s", c->fn->url, resp.status,
                    pl_buf_cstr(&resp.body));
    } else {
        res->ok = true;
        res->payload = pl_buf_take(&resp.body);
    }
    pl_client_resp_fini(&resp);
    pl_arena_fini(&a);
}
