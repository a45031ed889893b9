/* client.h — plumb's one outbound HTTP client (libcurl), used by delivery (S3, SNS, webhooks),
 * the functions' http runtime, the CLI's --endpoint calls and anything that calls out later.
 *
 * One request at a time per thread, in memory both ways: the caller bounds the request body,
 * and the response body is capped (max_body; past it the request fails, or with cut_body the
 * rest is read and dropped). Connect and total timeouts always apply. Each thread keeps one
 * libcurl handle, so consecutive requests of a thread to the same host reuse a kept-alive
 * connection; the handle is freed when the thread exits (or at pl_client_thread_done()).
 * Only http:// and https:// URLs, no redirects followed. Requests are optionally signed with
 * SigV4 by core/sigv4 (never by libcurl). Secrets and signatures are never logged or put in
 * error messages.
 */
#ifndef PL_CORE_CLIENT_H
#define PL_CORE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define PL_CLIENT_MAX_BODY   (1 << 20) /* response body cap when the request gives none */
#define PL_CLIENT_CONNECT_MS 5000      /* connect timeout when none is given */
#define PL_CLIENT_TIMEOUT_MS 30000     /* total timeout when none is given */

/* SigV4 signing of a request. Signed: Host (the URL's, or the request's Host header),
 * X-Amz-Date, every header of the request, X-Amz-Security-Token when a session token is set,
 * and for service "s3" x-amz-content-sha256 (with the path kept as is). */
struct pl_client_sigv4 {
    const char *service; /* "config", "s3", "sns" */
    const char *region;
    const char *access_key, *secret_key;
    const char *session_token; /* NULL unless temporary credentials */
    int64_t now_ms;            /* signing time; 0: the clock (tests pass a fixed time) */
};

struct pl_client_req {
    const char *method; /* "GET" "HEAD" "PUT" "POST" "DELETE" */
    /* Percent-encoded once (pl_sigv4_uri_encode): a signed request's path is decoded once
     * before signing so that the signature covers exactly what is sent. */
    const char *url;
    const char *const *headers; /* NULL-terminated "Name: value" list, or NULL */
    const char *body;           /* request body (NULL: none) */
    size_t body_len;
    size_t max_body;        /* response body cap in bytes; 0: PL_CLIENT_MAX_BODY */
    int cut_body;           /* 1: keep the first max_body bytes and drop the rest (resp->cut) */
    long connect_ms;        /* 0: PL_CLIENT_CONNECT_MS (never more than timeout_ms) */
    long timeout_ms;        /* the whole request; 0: PL_CLIENT_TIMEOUT_MS */
    const char *user_agent; /* NULL: "plumb/1" */
    const struct pl_client_sigv4 *sigv4; /* NULL: unsigned */
};

struct pl_client_resp {
    long status;           /* 0 when no response came (refused, timed out) */
    struct pl_buf body;    /* NUL-terminated; owned, freed by pl_client_resp_fini */
    struct pl_buf headers; /* the final response's header lines, as received; owned */
    size_t cut;            /* body bytes dropped past the cap (cut_body only) */
    int timed_out;         /* the request failed because a timeout ran out */
};

/* Performs rq on the calling thread's handle. resp is (re)initialised here: zero it before the
 * first call and pl_client_resp_fini() it after each. Returns 0 when a whole response came back
 * (any status), -1 with PL_E_UNAVAILABLE "METHOD URL: why" when none did, the body was over
 * the cap (without cut_body) or the URL is not http(s); resp->status and resp->timed_out tell
 * which. Fails with PL_E_VALIDATION when the request cannot be signed. */
int pl_client_do(const struct pl_client_req *rq, struct pl_client_resp *resp, struct pl_err *err);
void pl_client_resp_fini(struct pl_client_resp *resp);

/* Copies the value of response header name (case-insensitive, surrounding blanks removed) into
 * out[0..n); 0 when present and it fits, -1 otherwise (out is then ""). */
int pl_client_header(const struct pl_client_resp *resp, const char *name, char *out, size_t n);

/* Frees the calling thread's handle now (closing its connections) rather than at thread exit:
 * for the main thread of a command, which does not run thread-exit destructors. */
void pl_client_thread_done(void);

/* ---- the AWS JSON 1.1 protocol (client_aws.c) ---- */

struct pl_arena;
struct pl_json;

/* One operation of an AWS JSON 1.1 service, signed with SigV4. */
struct pl_client_aws {
    const char *endpoint; /* "http://127.0.0.1:7711" */
    const char *target;   /* X-Amz-Target: "PlumbService.PutFunction" */
    struct pl_client_sigv4 sigv4;
    long timeout_ms; /* 0: PL_CLIENT_TIMEOUT_MS */
    size_t max_body; /* reply cap; 0: PL_CLIENT_MAX_BODY */
};

/* POSTs the JSON text body[0..len) as c->target. On HTTP 200, *out is the reply object (in a;
 * an empty reply is {}) and the result is 0. Otherwise -1 with err: the transport's error when
 * nothing came back, the reply's AWS error (pl_client_aws_error) on any other status, or
 * PL_E_UNAVAILABLE "URL answered something that is not JSON". *status (may be NULL) gets the
 * HTTP status, 0 when there was none. */
int pl_client_aws_json(const struct pl_client_aws *c, const char *body, size_t len,
                       struct pl_arena *a, struct pl_json **out, long *status, struct pl_err *err);

/* Turns an AWS error reply into err and returns -1: the code is the reply's "__type" (namespace
 * before '#' and anything after ':' removed) when plumb knows it, else PL_E_UNAVAILABLE; the
 * message is "Type: message" ("HTTP error" when the reply has no type, its body when it has no
 * "message"/"Message"). a holds the parsed reply. */
int pl_client_aws_error(struct pl_arena *a, const char *body, size_t len, struct pl_err *err);

#endif
