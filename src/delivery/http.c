/* http.c — one outgoing HTTP request with libcurl, optionally SigV4-signed (core/sigv4.h) for
 * S3 and SNS. Bodies are in memory (callers bound their size: S3 uploads go in parts); the
 * response body is capped at 1 MB. Each thread reuses one libcurl handle, so requests to the
 * same host share a kept-alive connection. No redirects are followed and no proxy is used
 * implicitly beyond libcurl's environment handling. Secrets are never logged.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sigv4.h"
#include "core/time.h"
#include "core/util.h"
#include "delivery/delivery_int.h"

#define RESP_MAX (1 << 20)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static pthread_key_t curl_key; /* one easy handle per thread: keeps connections alive */

static void curl_free_handle(void *h)
{
    curl_easy_cleanup(h);
}

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_key_create(&curl_key, curl_free_handle);
}

/* The calling thread's handle, reset to defaults (its connection cache survives the reset). */
static CURL *thread_handle(void)
{
    CURL *c = pthread_getspecific(curl_key);
    if (c) {
        curl_easy_reset(c);
        return c;
    }
    c = curl_easy_init();
    if (c)
        pthread_setspecific(curl_key, c);
    return c;
}

int pl_http_uri_encode(struct pl_buf *b, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
        int rc = keep ? pl_buf_putc(b, (char)c)
                      : pl_buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct pl_buf *b = ud;
    if (pl_buf_append(b, p, sz * n) != 0)
        return 0; /* over the cap: abort the transfer */
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct pl_http_resp *r = ud;
    size_t len = sz * n;
    if (len > 5 && strncasecmp(p, "etag:", 5) == 0) {
        size_t i = 5, e = len;
        while (i < len && (p[i] == ' ' || p[i] == '\t'))
            i++;
        while (e > i && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
            e--;
        if (e - i < sizeof r->etag) {
            memcpy(r->etag, p + i, e - i);
            r->etag[e - i] = 0;
        }
    }
    return len;
}

/* Splits "http://host:port/base" into the Host header value and the path prefix. */
static int split_url(const char *url, char *host, size_t hn, const char **path)
{
    const char *p = strstr(url, "://");
    if (!p)
        return -1;
    p += 3;
    const char *slash = strchr(p, '/');
    const char *q = strchr(p, '?');
    const char *end = slash ? slash : (q ? q : p + strlen(p));
    if ((size_t)(end - p) >= hn || end == p)
        return -1;
    memcpy(host, p, (size_t)(end - p));
    host[end - p] = 0;
    *path = slash ? slash : "/";
    return 0;
}

/* Adds the SigV4 headers for req to the curl list. The URL's path is decoded once by the
 * signer's rules, so callers build URLs with pl_http_uri_encode (each byte encoded once). */
static int sign(const struct pl_http_req *rq, struct curl_slist **hl, struct pl_err *err)
{
    char host[256], *path = NULL;
    const char *raw;
    int rc = -1;
    struct pl_sigv4_signed sig;
    if (split_url(rq->url, host, sizeof host, &raw) != 0)
        return pl_fail(err, PL_E_VALIDATION, "bad URL '%.200s'", rq->url);
    const char *qm = strchr(raw, '?');
    size_t plen = qm ? (size_t)(qm - raw) : strlen(raw);
    /* decode %XX so the signer's single encoding reproduces what we send */
    path = pl_xmalloc(plen + 1);
    size_t o = 0;
    for (size_t i = 0; i < plen; i++) {
        unsigned v;
        if (raw[i] == '%' && i + 2 < plen && sscanf(raw + i + 1, "%2x", &v) == 1) {
            path[o++] = (char)v;
            i += 2;
        } else {
            path[o++] = raw[i];
        }
    }
    path[o] = 0;
    struct pl_sigv4_header extra[4];
    size_t ne = 0;
    for (const char *const *h = rq->headers; h && *h && ne < 4; h++) {
        const char *colon = strchr(*h, ':');
        if (!colon || !pl_starts_with(*h, "Content-Type"))
            continue;
        extra[ne++] = (struct pl_sigv4_header){"content-type", colon + 2};
    }
    struct pl_sigv4_sign_req sr = {
        .method = rq->method, .host = host, .path = path, .query = qm ? qm + 1 : NULL,
        .headers = extra, .nheaders = ne, .body = rq->body, .body_len = rq->body_len,
        .region = rq->region, .service = rq->service, .now_ms = pl_now_ms(),
        .s3 = strcmp(rq->service, "s3") == 0,
    };
    struct pl_sigv4_creds c = {rq->access_key, rq->secret_key, rq->session_token};
    if (pl_sigv4_sign(&sr, &c, &sig, err) != 0)
        goto out;
    char line[1700];
    snprintf(line, sizeof line, "Authorization: %s", sig.authorization);
    *hl = curl_slist_append(*hl, line);
    snprintf(line, sizeof line, "X-Amz-Date: %s", sig.amz_date);
    *hl = curl_slist_append(*hl, line);
    if (sr.s3) {
        snprintf(line, sizeof line, "x-amz-content-sha256: %s", sig.content_sha256);
        *hl = curl_slist_append(*hl, line);
    }
    if (c.session_token) {
        snprintf(line, sizeof line, "X-Amz-Security-Token: %s", c.session_token);
        *hl = curl_slist_append(*hl, line);
    }
    rc = 0;
out:
    free(path);
    return rc;
}

int pl_http_do(const struct pl_http_req *rq, struct pl_http_resp *resp, struct pl_err *err)
{
    pthread_once(&curl_once, curl_init_once);
    struct curl_slist *hl = NULL;
    int rc = -1;
    resp->status = 0;
    resp->etag[0] = 0;
    pl_buf_init(&resp->body, RESP_MAX);
    CURL *c = thread_handle();
    if (!c)
        return pl_fail(err, PL_E_INTERNAL, "curl_easy_init failed");
    int has_ctype = 0;
    for (const char *const *h = rq->headers; h && *h; h++) {
        hl = curl_slist_append(hl, *h);
        has_ctype |= strncasecmp(*h, "Content-Type:", 13) == 0;
    }
    if (!has_ctype) /* not curl's default form type for a POST body */
        hl = curl_slist_append(hl, "Content-Type:");
    hl = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
    if (rq->service && sign(rq, &hl, err) != 0)
        goto out;
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : 30000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "plumb-delivery/1");
    if (strcmp(rq->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(rq->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    }
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        pl_fail(err, PL_E_UNAVAILABLE, "%s %s: %s", rq->method, rq->url, curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    rc = 0;
out:
    curl_slist_free_all(hl);
    return rc;
}
