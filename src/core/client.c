/* client.c — the outbound HTTP client of client.h over libcurl's easy interface.
 *
 * Each thread owns one easy handle (a pthread key, freed at thread exit): curl_easy_reset()
 * between requests clears the options but keeps the handle's connection cache, which is what
 * makes consecutive requests to a host share one kept-alive connection. The thread's SigV4
 * signing key is cached beside it. Invariants: a handle is only ever used by its thread; a
 * response body never holds more than the request's cap.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/client.h"
#include "core/sigv4.h"
#include "core/time.h"
#include "core/util.h"

#define HEADERS_MAX (64 * 1024) /* response header lines kept; more are dropped */

struct thread_client {
    CURL *curl;
    struct pl_sigv4_key key; /* the last signing key derived on this thread */
};

static pthread_once_t client_once = PTHREAD_ONCE_INIT;
static pthread_key_t client_key;

static void thread_client_free(void *p)
{
    struct thread_client *t = p;
    curl_easy_cleanup(t->curl);
    memset(&t->key, 0, sizeof t->key);
    free(t);
}

static void client_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_key_create(&client_key, thread_client_free);
}

/* The calling thread's client with its handle reset to defaults; NULL when libcurl fails. */
static struct thread_client *thread_client(void)
{
    pthread_once(&client_once, client_init_once);
    struct thread_client *t = pthread_getspecific(client_key);
    if (t) {
        curl_easy_reset(t->curl);
        return t;
    }
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    t = pl_xcalloc(1, sizeof *t);
    t->curl = c;
    pthread_setspecific(client_key, t);
    return t;
}

void pl_client_thread_done(void)
{
    pthread_once(&client_once, client_init_once);
    struct thread_client *t = pthread_getspecific(client_key);
    if (t) {
        pthread_setspecific(client_key, NULL);
        thread_client_free(t);
    }
}

/* ---- request headers ---- */

/* Appends "name: value" (or the whole line when value is NULL) to *l; -1 when out of memory. */
static int add_header(struct curl_slist **l, const char *name, const char *value)
{
    char *line = NULL;
    if (value) {
        size_t len = strlen(name) + strlen(value) + 3;
        line = pl_xmalloc(len);
        snprintf(line, len, "%s: %s", name, value);
    }
    struct curl_slist *n = curl_slist_append(*l, line ? line : name);
    free(line);
    if (!n)
        return -1;
    *l = n;
    return 0;
}

/* The request's header called name ("Host"), its value without leading blanks; NULL if none. */
static const char *req_header(const struct pl_client_req *rq, const char *name)
{
    size_t n = strlen(name);
    for (const char *const *h = rq->headers; h && *h; h++)
        if (strncasecmp(*h, name, n) == 0 && (*h)[n] == ':')
            return (*h) + n + 1 + strspn((*h) + n + 1, " \t");
    return NULL;
}

/* ---- SigV4 ---- */

/* "scheme://host[:port][/path][?query]" → the host part into host[0..hn) and the rest. */
static int split_url(const char *url, char *host, size_t hn, const char **rest)
{
    const char *p = strstr(url, "://");
    if (!p)
        return -1;
    p += 3;
    size_t len = strcspn(p, "/?#");
    if (len == 0 || len >= hn)
        return -1;
    memcpy(host, p, len);
    host[len] = 0;
    *rest = p + len;
    return 0;
}

/* The names and values of rq's headers to sign (all but Host and curl's "Name:" removals). */
static int sign_headers(const struct pl_client_req *rq, struct pl_sigv4_header *out, size_t max,
                        char names[][64], size_t *n)
{
    *n = 0;
    for (const char *const *h = rq->headers; h && *h; h++) {
        const char *colon = strchr(*h, ':');
        const char *v = colon ? colon + 1 + strspn(colon + 1, " \t") : NULL;
        if (!colon || !*v || ((size_t)(colon - *h) == 4 && strncasecmp(*h, "Host", 4) == 0))
            continue;
        if (*n == max || (size_t)(colon - *h) >= 64)
            return -1;
        memcpy(names[*n], *h, (size_t)(colon - *h));
        names[*n][colon - *h] = 0;
        out[*n] = (struct pl_sigv4_header){names[*n], v};
        (*n)++;
    }
    return 0;
}

/* Adds the SigV4 headers for rq to *hl, signed with the thread's key cache. The URL's path is
 * decoded once here because the signer encodes it once (callers encode each byte once). */
static int sign(const struct pl_client_req *rq, struct pl_sigv4_key *cache, struct curl_slist **hl,
                struct pl_err *err)
{
    enum { MAX_EXTRA = PL_SIGV4_MAX_SIGNED - 4 };
    const struct pl_client_sigv4 *s = rq->sigv4;
    struct pl_sigv4_header extra[MAX_EXTRA];
    char host[256], names[MAX_EXTRA][64], *path = NULL;
    const char *rest;
    size_t ne;
    int rc = -1;
    if (split_url(rq->url, host, sizeof host, &rest) != 0)
        return pl_fail(err, PL_E_VALIDATION, "bad URL '%.200s'", rq->url);
    if (sign_headers(rq, extra, MAX_EXTRA, names, &ne) != 0)
        return pl_fail(err, PL_E_VALIDATION, "too many or too long headers to sign");
    const char *hosth = req_header(rq, "Host");
    size_t plen = strcspn(rest, "?#");
    path = pl_xmalloc(plen + 2);
    path[pl_sigv4_uri_decode(rest, plen, path)] = 0;
    if (!*path)
        memcpy(path, "/", 2); /* room for it allocated above */
    const char *query = rest[plen] == '?' ? rest + plen + 1 : NULL;
    char *qcopy = query ? pl_xstrdup(query) : NULL;
    if (qcopy)
        qcopy[strcspn(qcopy, "#")] = 0;
    struct pl_sigv4_sign_req sr = {
        .method = rq->method,
        .host = hosth ? hosth : host,
        .path = path,
        .query = qcopy,
        .headers = extra,
        .nheaders = ne,
        .body = rq->body,
        .body_len = rq->body_len,
        .region = s->region,
        .service = s->service,
        .now_ms = s->now_ms ? s->now_ms : pl_now_ms(),
        .s3 = strcmp(s->service, "s3") == 0,
        .key_cache = cache,
    };
    struct pl_sigv4_creds c = {s->access_key, s->secret_key, s->session_token};
    struct pl_sigv4_signed sig;
    if (pl_sigv4_sign(&sr, &c, &sig, err) != 0)
        goto out;
    if (add_header(hl, "Authorization", sig.authorization) != 0 ||
        add_header(hl, "X-Amz-Date", sig.amz_date) != 0 ||
        (sr.s3 && add_header(hl, "x-amz-content-sha256", sig.content_sha256) != 0) ||
        (c.session_token && add_header(hl, "X-Amz-Security-Token", c.session_token) != 0)) {
        pl_fail(err, PL_E_INTERNAL, "out of memory");
        goto out;
    }
    rc = 0;
out:
    memset(&sig, 0, sizeof sig);
    free(qcopy);
    free(path);
    return rc;
}

/* ---- response ---- */

struct sink {
    struct pl_client_resp *resp;
    int cut_body;
    int over; /* the body went past the cap (without cut_body): transfer aborted */
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct sink *s = ud;
    struct pl_buf *b = &s->resp->body;
    size_t len = sz * n;
    if (!s->cut_body) {
        if (pl_buf_append(b, p, len) == 0)
            return len;
        s->over = 1;
        return 0; /* aborts the transfer */
    }
    size_t keep = len < b->max - b->len ? len : b->max - b->len;
    if (keep && pl_buf_append(b, p, keep) != 0)
        return 0;
    s->resp->cut += len - keep;
    return len; /* keep reading: the body is bounded, not the transfer */
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    struct pl_client_resp *r = ud;
    size_t len = sz * n;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
        pl_buf_reset(&r->headers); /* a new response (after 100 Continue): keep only the last */
    (void)pl_buf_append(&r->headers, p, len); /* past HEADERS_MAX: dropped */
    return len;
}

int pl_client_header(const struct pl_client_resp *resp, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    const char *p = resp->headers.data;
    out[0] = 0;
    for (; p && *p; p += strcspn(p, "\n"), p += *p == '\n') {
        if (strncasecmp(p, name, nl) != 0 || p[nl] != ':')
            continue;
        const char *v = p + nl + 1, *e;
        v += strspn(v, " \t");
        for (e = v + strcspn(v, "\r\n"); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
            ;
        if ((size_t)(e - v) >= n)
            return -1;
        memcpy(out, v, (size_t)(e - v));
        out[e - v] = 0;
        return 0;
    }
    return -1;
}

void pl_client_resp_fini(struct pl_client_resp *resp)
{
    pl_buf_fini(&resp->body);
    pl_buf_fini(&resp->headers);
}

/* ---- the request ---- */

/* Sets every option of one request on c (headers in hl, the response into s). */
static void set_options(CURL *c, const struct pl_client_req *rq, struct curl_slist *hl,
                        struct sink *s)
{
    long total = rq->timeout_ms > 0 ? rq->timeout_ms : PL_CLIENT_TIMEOUT_MS;
    long conn = rq->connect_ms > 0 ? rq->connect_ms : PL_CLIENT_CONNECT_MS;
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, conn < total ? conn : total);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, s->resp);
    curl_easy_setopt(c, CURLOPT_USERAGENT, rq->user_agent ? rq->user_agent : "plumb/1");
    if (rq->sigv4 && strcmp(rq->sigv4->service, "s3") == 0)
        curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* the path S3 signed, dots and all */
    if (strcmp(rq->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(rq->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
    }
}

/* The header list of rq: its own headers, no curl defaults, then the signature if any. */
static int build_headers(const struct pl_client_req *rq, struct thread_client *t,
                         struct curl_slist **hl, struct pl_err *err)
{
    for (const char *const *h = rq->headers; h && *h; h++)
        if (add_header(hl, *h, NULL) != 0)
            return pl_fail(err, PL_E_INTERNAL, "out of memory");
    if ((!req_header(rq, "Content-Type") && add_header(hl, "Content-Type:", NULL) != 0) ||
        add_header(hl, "Expect:", NULL) != 0) /* no form type, no 100-continue round trip */
        return pl_fail(err, PL_E_INTERNAL, "out of memory");
    return rq->sigv4 ? sign(rq, &t->key, hl, err) : 0;
}

int pl_client_do(const struct pl_client_req *rq, struct pl_client_resp *resp, struct pl_err *err)
{
    struct curl_slist *hl = NULL;
    struct sink s = {.resp = resp, .cut_body = rq->cut_body};
    size_t max = rq->max_body ? rq->max_body : PL_CLIENT_MAX_BODY;
    int rc = -1;
    memset(resp, 0, sizeof *resp);
    pl_buf_init(&resp->body, max);
    pl_buf_init(&resp->headers, HEADERS_MAX);
    struct thread_client *t = thread_client();
    if (!t)
        return pl_fail(err, PL_E_INTERNAL, "curl_easy_init failed");
    if (build_headers(rq, t, &hl, err) != 0)
        goto out;
    set_options(t->curl, rq, hl, &s);
    CURLcode cc = curl_easy_perform(t->curl);
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &resp->status);
    if (s.over) {
        pl_fail(err, PL_E_UNAVAILABLE, "%s %.200s: response body over %zu bytes", rq->method,
                rq->url, max);
    } else if (cc != CURLE_OK) {
        resp->timed_out = cc == CURLE_OPERATION_TIMEDOUT;
        pl_fail(err, PL_E_UNAVAILABLE, "%s %.200s: %s", rq->method, rq->url,
                curl_easy_strerror(cc));
    } else {
        rc = 0;
    }
out:
    curl_slist_free_all(hl);
    return rc;
}
