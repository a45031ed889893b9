/* rt_http.c — the http runtime: POST the event JSON to the function's URL with libcurl.
 *
 * 2xx is success and the body (up to the payload cap) is the payload; any other status or a
 * transport error is a function error. The whole request, connection included, is bounded by
 * the function's timeout. HTTP functions run elsewhere, so plumb sends no credentials: the
 * endpoint, region, function ARN and request id travel as X-Plumb-* headers and the service
 * behind the URL uses keys of its own (docs/functions.md).
 */
#include "rules/functions/functions_int.h"

#include "core/arena.h"
#include "core/time.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    pl_fn__cap_add(arg, p, size * n);
    return size * n; /* keep reading past the cap: the body is bounded, not the transfer */
}

static struct curl_slist *headers(struct pl_arena *a, const struct pl_fn_call *c)
{
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    h = curl_slist_append(h, pl_arena_printf(a, "X-Plumb-Request-Id: %s", c->request_id));
    h = curl_slist_append(h, pl_arena_printf(a, "X-Plumb-Function-Arn: %s", pl_fn_arn(a, c->fn)));
    h = curl_slist_append(h, pl_arena_printf(a, "X-Plumb-Region: %s", c->fn->region));
    if (c->env && c->env->endpoint_url)
        h = curl_slist_append(h, pl_arena_printf(a, "X-Plumb-Endpoint: %s", c->env->endpoint_url));
    return h;
}

void pl_fn__run_http(const struct pl_fn_call *c, struct pl_fn_result *res)
{
    struct pl_arena a;
    struct pl_fn_cap body;
    struct curl_slist *h = NULL;
    CURL *cu = curl_easy_init();
    long status = 0;

    pl_arena_init(&a);
    pl_fn__cap_init(&body, c->max_payload);
    if (!cu) {
        pl_fn__fail(res, "ServiceException", "cannot initialise libcurl");
        goto out;
    }
    int64_t left_ms = (c->deadline_ns - pl_mono_ns()) / 1000000;
    h = headers(&a, c);
    curl_easy_setopt(cu, CURLOPT_URL, c->fn->url);
    curl_easy_setopt(cu, CURLOPT_POSTFIELDS, c->event);
    curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->len);
    curl_easy_setopt(cu, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(cu, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, (long)(left_ms > 1 ? left_ms : 1));
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(cu, CURLOPT_USERAGENT, "plumb-functions/1");
    CURLcode rc = curl_easy_perform(cu);
    curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        pl_fn__timeout(res, c->fn->timeout_s);
    } else if (rc != CURLE_OK) {
        pl_fn__fail(res, "HTTPError", "POST %.200s: %s", c->fn->url, curl_easy_strerror(rc));
    } else if (status < 200 || status > 299) {
        pl_fn__fail(res, "HTTPError", "POST %.200s: HTTP %ld: %.300s", c->fn->url, status,
                    body.data ? body.data : "");
    } else {
        res->ok = true;
        res->payload = pl_fn__cap_take(&body);
    }
out:
    curl_slist_free_all(h);
    if (cu)
        curl_easy_cleanup(cu);
    pl_fn__cap_fini(&body);
    pl_arena_fini(&a);
}
