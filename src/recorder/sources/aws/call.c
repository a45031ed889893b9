/* call.c — discovery's calls to AWS: one signed request through core/client.h, retried with
 * full-jitter exponential backoff when AWS throttles or fails (delay = random in
 * [0, min(max, base * 2^attempt)], AWS's recommended "full jitter"), and spaced per service so
 * that a sweep never sends more than ctx->rate calls a second to one service and region.
 * Calls env.c (endpoints) and xml.c (query answers). Never logs a secret or a signature.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/time.h"
#include "recorder/sources/aws/aws.h"

void pl_aws_ctx_init(struct pl_aws_ctx *c, const struct pl_aws_creds *creds, const char *region)
{
    memset(c, 0, sizeof *c);
    c->creds = *creds;
    c->region = region;
    c->rate = 50;
    c->rng = (uint64_t)pl_mono_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
}

void pl_aws_resp_fini(struct pl_aws_resp *r)
{
    pl_client_resp_fini(&r->raw);
    r->status = 0;
    r->code[0] = 0;
}

static uint64_t next_rand(struct pl_aws_ctx *c)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return c->rng;
}

static void sleep_ns(int64_t ns)
{
    if (ns <= 0)
        return;
    struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* waits for service's next slot, then books the one after it */
static void pace(struct pl_aws_ctx *c, const char *service)
{
    if (c->rate <= 0)
        return;
    size_t n = sizeof c->pace / sizeof c->pace[0], i;
    for (i = 0; i < n && c->pace[i].service[0]; i++)
        if (strcmp(c->pace[i].service, service) == 0)
            break;
    if (i == n)
        i = n - 1; /* more services than slots: the last slot is shared */
    if (!c->pace[i].service[0])
        snprintf(c->pace[i].service, sizeof c->pace[i].service, "%s", service);
    int64_t now = pl_mono_ns();
    if (c->pace[i].next_ns > now)
        sleep_ns(c->pace[i].next_ns - now);
    now = pl_mono_ns();
    int64_t gap = (int64_t)(1e9 / c->rate);
    c->pace[i].next_ns = (c->pace[i].next_ns > now - gap ? c->pace[i].next_ns : now) + gap;
}

/* the <Code> of an AWS XML error (S3's <Error>, EC2's <Response><Errors>, the query
 * protocol's <ErrorResponse>) or the __type of a JSON one */
static void error_code(const char *body, char *out, size_t n)
{
    out[0] = 0;
    const char *p = body ? strstr(body, "<Code>") : NULL;
    if (p) {
        p += 6;
        const char *e = strchr(p, '<');
        if (e && (size_t)(e - p) < n)
            snprintf(out, n, "%.*s", (int)(e - p), p);
        return;
    }
    p = body ? strstr(body, "\"__type\"") : NULL;
    if (p && (p = strchr(p + 8, '"'))) {
        const char *e = strchr(p + 1, '"');
        const char *h = e ? memchr(p + 1, '#', (size_t)(e - p - 1)) : NULL;
        if (h)
            p = h;
        if (e && (size_t)(e - p) < n)
            snprintf(out, n, "%.*s", (int)(e - p - 1), p + 1);
    }
}

static bool throttling_code(const char *code)
{
    static const char *const codes[] = {"Throttling",
                                        "ThrottlingException",
                                        "ThrottledException",
                                        "RequestLimitExceeded",
                                        "RequestThrottled",
                                        "RequestThrottledException",
                                        "SlowDown",
                                        "TooManyRequestsException",
                                        "ProvisionedThroughputExceededException",
                                        "BandwidthLimitExceeded",
                                        NULL};
    for (size_t i = 0; codes[i]; i++)
        if (strcmp(code, codes[i]) == 0)
            return true;
    return false;
}

static bool retryable(long status, const char *code, bool *throttled)
{
    *throttled = status == 429 || status == 503 || throttling_code(code);
    return *throttled || status == 0 || status == 500 || status == 502 || status == 504 ||
           strcmp(code, "InternalError") == 0 || strcmp(code, "RequestTimeout") == 0;
}

static int64_t backoff_ns(struct pl_aws_ctx *c, int attempt)
{
    long base = c->backoff_ms > 0 ? c->backoff_ms : 100;
    long max = c->backoff_max_ms > 0 ? c->backoff_max_ms : 20000;
    int64_t bound = (int64_t)base << (attempt < 20 ? attempt : 20);
    if (bound > max)
        bound = max;
    return (int64_t)(next_rand(c) % (uint64_t)(bound * 1000 + 1)) * 1000; /* [0, bound] ms */
}

int pl_aws_call(struct pl_aws_ctx *c, const char *service, const char *method,
                const char *path_query, const char *content_type, const char *body, size_t len,
                struct pl_aws_resp *r, struct pl_err *err)
{
    return pl_aws_call_hdr(c, service, method, path_query, content_type, NULL, body, len, r, err);
}

int pl_aws_call_hdr(struct pl_aws_ctx *c, const char *service, const char *method,
                    const char *path_query, const char *content_type, const char *header,
                    const char *body, size_t len, struct pl_aws_resp *r, struct pl_err *err)
{
    char endpoint[1024], url[4096], ct[160];
    pl_aws_endpoint(service, c->region, c->profile, endpoint, sizeof endpoint);
    if (snprintf(url, sizeof url, "%s%s", endpoint, path_query) >= (int)sizeof url)
        return pl_fail(err, PL_E_VALIDATION, "URL too long for %s", service);
    const char *hdrs[3] = {NULL, NULL, NULL};
    size_t nh = 0;
    if (content_type) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        hdrs[nh++] = ct;
    }
    if (header)
        hdrs[nh++] = header;
    struct pl_client_sigv4 sig = {
        .service = strcmp(service, "s3-control") == 0 ? "s3" : service, /* its signing name */
        .region = strcmp(service, "iam") == 0 ? "us-east-1" : c->region,
        .access_key = c->creds.access_key,
        .secret_key = c->creds.secret_key,
        .session_token = c->creds.session_token[0] ? c->creds.session_token : NULL,
    };
    struct pl_client_req rq = {
        .method = method,
        .url = url,
        .headers = hdrs,
        .body = body,
        .body_len = len,
        .max_body = PL_AWS_MAX_XML,
        .timeout_ms = c->timeout_ms,
        .user_agent = "plumb-discover/1",
        .sigv4 = c->creds.access_key[0] ? &sig : NULL, /* none: AssumeRoleWithWebIdentity */
    };
    memset(r, 0, sizeof *r);
    for (int attempt = 0;; attempt++) {
        pace(c, service);
        c->calls++;
        struct pl_err e = {0};
        int rc = pl_client_do(&rq, &r->raw, &e);
        r->status = rc == 0 ? r->raw.status : 0;
        if (rc == 0 && r->status / 100 != 2)
            error_code(r->raw.body.data, r->code, sizeof r->code);
        else
            r->code[0] = 0;
        bool throttled = false;
        if (rc != 0 && e.code == PL_E_VALIDATION) {
            pl_client_resp_fini(&r->raw);
            return pl_fail(err, e.code, "%s", e.msg);
        }
        if (rc == 0 && !retryable(r->status, r->code, &throttled))
            return 0;
        if (rc != 0)
            throttled = false;
        c->throttled += throttled;
        if (attempt + 1 >= PL_AWS_MAX_ATTEMPTS) {
            if (rc != 0)
                pl_fail(err, PL_E_UNAVAILABLE, "%s %s: %s (after %d attempts)", method, url, e.msg,
                        attempt + 1);
            else
                pl_fail(err, PL_E_UNAVAILABLE, "%s %s: HTTP %ld %s (after %d attempts)", method,
                        url, r->status, r->code, attempt + 1);
            pl_client_resp_fini(&r->raw);
            r->status = 0;
            return -1;
        }
        PL_LOG(DEBUG, "discover", "retry=%d service=%s status=%ld code=%s", attempt + 1, service,
               r->status, r->code);
        pl_client_resp_fini(&r->raw);
        c->retries++;
        sleep_ns(backoff_ns(c, attempt));
    }
}

struct pl_json *pl_aws_query(struct pl_aws_ctx *c, struct pl_arena *a, const char *service,
                             const char *action, const char *version, const char *params,
                             struct pl_err *err)
{
    const char *body = pl_arena_printf(a, "Action=%s&Version=%s%s%s", action, version,
                                       params && *params ? "&" : "", params ? params : "");
    struct pl_aws_resp r;
    if (pl_aws_call(c, service, "POST", "/", "application/x-www-form-urlencoded; charset=utf-8",
                    body, strlen(body), &r, err) < 0)
        return NULL;
    struct pl_json *out = NULL;
    if (r.status != 200) {
        const char *m = strstr(r.raw.body.data ? r.raw.body.data : "", "<Message>");
        const char *e = m ? strstr(m, "</Message>") : NULL;
        pl_fail(err, PL_E_UNAVAILABLE, "%s %s: HTTP %ld %s%s%.*s", service, action, r.status,
                r.code, m && e ? ": " : "", m && e ? (int)(e - m - 9) : 0, m && e ? m + 9 : "");
    } else {
        out = pl_aws_xml_to_json(a, r.raw.body.data, r.raw.body.len, NULL, err);
    }
    pl_aws_resp_fini(&r);
    return out;
}
