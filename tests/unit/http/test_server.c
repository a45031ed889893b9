/* test_server.c — the HTTP server in-process with a stub pl_api_call(): routing, SigV4 in both
 * modes, AWS error shapes, keep-alive, the body cap, revocation taking effect, /metrics.
 * Requests go through libcurl (keep-alive, signed with core/sigv4) or raw sockets (body cap). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "api/api.h"
#include "core/buf.h"
#include "core/sigv4.h"
#include "core/time.h"
#include "http/creds.h"
#include "http/http.h"
#include "t.h"

/* ---- stub API ---- */

int pl_api_known_op(const char *prefix, const char *op)
{
    return strcmp(op, "Echo") == 0 || strcmp(op, "Fail") == 0;
}

int pl_api_call(const struct pl_api_req *req, struct pl_buf *out, struct pl_err *err)
{
    if (strcmp(req->op, "Fail") == 0)
        return pl_fail(err, PL_E_NO_SUCH_CONFIGURATION_RECORDER,
                       "Cannot find configuration recorder with the specified name 'x'.");
    if (strcmp(req->op, "Empty") == 0)
        return 0;
    if (strcmp(req->op, "Echo") != 0)
        return pl_fail(err, PL_E_UNKNOWN_OPERATION, "unknown op %s", req->op);
    pl_buf_printf(out, "{\"op\":\"%s\",\"prefix\":\"%s\",\"account\":\"%s\",\"region\":\"%s\","
                       "\"key\":\"%s\",\"len\":%zu}",
                  req->op, req->target_prefix, req->part.account, req->part.region,
                  req->access_key, req->body_len);
    return 0;
}

/* ---- client helpers ---- */

static char dir[256];
static uint16_t port;
static struct pl_cred key;

struct resp {
    long status;
    struct pl_buf body;
    char request_id[256];
    char ctype[256];
};

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
    struct resp *r = ctx;
    pl_buf_append(&r->body, p, sz * n);
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ctx)
{
    struct resp *r = ctx;
    size_t len = sz * n;
    char line[256];
    if (len >= sizeof line)
        return len;
    memcpy(line, p, len);
    line[len] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    if (strncasecmp(line, "x-amzn-RequestId: ", 18) == 0)
        snprintf(r->request_id, sizeof r->request_id, "%s", line + 18);
    if (strncasecmp(line, "Content-Type: ", 14) == 0)
        snprintf(r->ctype, sizeof r->ctype, "%s", line + 14);
    return len;
}

struct call {
    const char *target;    /* NULL: no X-Amz-Target */
    const char *body;
    const char *key_id;    /* NULL: key.access_key */
    const char *secret;    /* NULL: key.secret */
    const char *region;    /* NULL: us-east-1 */
    int unsigned_req;      /* no Authorization at all */
    int64_t skew_ms;       /* signing time offset */
    const char *extra_hdr; /* one more raw header, unsigned */
};

/* POSTs c on handle h (reused for keep-alive) and fills r. */
static void post(CURL *h, const struct call *c, struct resp *r)
{
    char url[64], host[64], hdr[4][1700];
    struct curl_slist *hl = NULL;
    struct pl_sigv4_signed s;
    struct pl_err err = {0};
    const char *body = c->body ? c->body : "{}";
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
    snprintf(host, sizeof host, "127.0.0.1:%u", port);
    struct pl_sigv4_header sh[] = {{"content-type", "application/x-amz-json-1.1"},
                                   {"x-amz-target", c->target ? c->target : ""}};
    struct pl_sigv4_creds cr = {c->key_id ? c->key_id : key.access_key,
                                c->secret ? c->secret : key.secret, NULL};
    struct pl_sigv4_sign_req sr = {.method = "POST", .host = host, .path = "/",
                                   .headers = sh, .nheaders = c->target ? 2 : 1,
                                   .body = body, .body_len = strlen(body),
                                   .region = c->region ? c->region : "us-east-1",
                                   .service = "config", .now_ms = pl_now_ms() + c->skew_ms};
    T_OK(pl_sigv4_sign(&sr, &cr, &s, &err) == 0);
    hl = curl_slist_append(hl, "Content-Type: application/x-amz-json-1.1");
    if (c->target) {
        snprintf(hdr[0], sizeof hdr[0], "X-Amz-Target: %s", c->target);
        hl = curl_slist_append(hl, hdr[0]);
    }
    if (!c->unsigned_req) {
        snprintf(hdr[1], sizeof hdr[1], "Authorization: %s", s.authorization);
        snprintf(hdr[2], sizeof hdr[2], "X-Amz-Date: %s", s.amz_date);
        hl = curl_slist_append(hl, hdr[1]);
        hl = curl_slist_append(hl, hdr[2]);
    }
    if (c->extra_hdr)
        hl = curl_slist_append(hl, c->extra_hdr);
    hl = curl_slist_append(hl, "Expect:");
    memset(r, 0, sizeof *r);
    pl_buf_init(&r->body, 1 << 20);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    T_EQ(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(hl);
}

static int has(struct resp *r, const char *s)
{
    return strstr(pl_buf_cstr(&r->body), s) != NULL;
}

static void expect_error(CURL *h, const struct call *c, long status, const char *type)
{
    struct resp r;
    char want[128];
    post(h, c, &r);
    T_EQ(r.status, status);
    snprintf(want, sizeof want, "{\"__type\":\"%s\",\"message\":", type);
    T_OK(has(&r, want));
    if (!has(&r, want))
        fprintf(stderr, "  body: %s\n", pl_buf_cstr(&r.body));
    T_STR(r.ctype, "application/x-amz-json-1.1");
    T_EQ(strlen(r.request_id), 36);
    pl_buf_fini(&r.body);
}

/* ---- tests ---- */

static void test_signed_echo_keepalive(void)
{
    CURL *h = curl_easy_init();
    struct resp r;
    struct call c = {.target = "StarlingDoveService.Echo", .body = "{\"a\":1}"};
    post(h, &c, &r);
    T_EQ(r.status, 200);
    T_OK(has(&r, "\"op\":\"Echo\""));
    T_OK(has(&r, "\"prefix\":\"StarlingDoveService\""));
    T_OK(has(&r, "\"account\":\"123456789012\""));
    T_OK(has(&r, "\"region\":\"us-east-1\""));
    T_OK(has(&r, "\"len\":7"));
    T_STR(r.ctype, "application/x-amz-json-1.1");
    T_EQ(strlen(r.request_id), 36);
    pl_buf_fini(&r.body);
    c.target = "PlumbService.Echo";
    c.region = "eu-west-1";
    post(h, &c, &r);
    long conns = -1;
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
    T_EQ(conns, 0); /* the second request reused the connection */
    T_OK(has(&r, "\"region\":\"eu-west-1\""));
    T_OK(has(&r, "\"prefix\":\"PlumbService\""));
    pl_buf_fini(&r.body);
    c.target = "StarlingDoveService.Empty";
    post(h, &c, &r);
    T_EQ(r.status, 200);
    T_STR(pl_buf_cstr(&r.body), "{}");
    pl_buf_fini(&r.body);
    curl_easy_cleanup(h);
}

static void test_auth_errors(void)
{
    CURL *h = curl_easy_init();
    const char *t = "StarlingDoveService.Echo";
    expect_error(h, &(struct call){.target = t, .unsigned_req = 1}, 403,
                 "MissingAuthenticationTokenException");
    expect_error(h, &(struct call){.target = t, .secret = "wrong/wrong/wrong/wrong/wrong/wrong"},
                 403, "InvalidSignatureException");
    expect_error(h, &(struct call){.target = t, .key_id = "AKIAUNKNOWNKEY000000"}, 403,
                 "UnrecognizedClientException");
    expect_error(h, &(struct call){.target = t, .skew_ms = -20 * 60 * 1000}, 403,
                 "InvalidSignatureException");
    expect_error(h, &(struct call){.target = t, .skew_ms = 20 * 60 * 1000}, 403,
                 "InvalidSignatureException");
    expect_error(h,
                 &(struct call){.target = t, .unsigned_req = 1,
                                .extra_hdr = "Authorization: AWS4-HMAC-SHA256 x"},
                 400, "IncompleteSignatureException");
    expect_error(h, &(struct call){.target = t, .extra_hdr = "x-amz-content-sha256: 00"}, 403,
                 "InvalidSignatureException");
    /* a signed header changed after signing */
    expect_error(h, &(struct call){.target = t, .extra_hdr = "Content-Type: text/plain"}, 403,
                 "InvalidSignatureException");
    curl_easy_cleanup(h);
}

static void test_dispatch_errors(void)
{
    CURL *h = curl_easy_init();
    expect_error(h, &(struct call){.target = NULL}, 400, "UnknownOperationException");
    expect_error(h, &(struct call){.target = "OtherService.Echo"}, 400,
                 "UnknownOperationException");
    expect_error(h, &(struct call){.target = "StarlingDoveService.Bad-Op"}, 400,
                 "UnknownOperationException");
    expect_error(h, &(struct call){.target = "StarlingDoveService.Nope"}, 400,
                 "UnknownOperationException");
    expect_error(h, &(struct call){.target = "StarlingDoveService.Fail"}, 400,
                 "NoSuchConfigurationRecorderException");
    curl_easy_cleanup(h);
}

static void test_revocation_is_live(void)
{
    CURL *h = curl_easy_init();
    struct pl_cred k2;
    struct pl_err err = {0};
    struct resp r;
    T_OK(pl_creds_add(dir, "111122223333", &k2, &err) == 0);
    usleep(150 * 1000);
    struct call c = {.target = "StarlingDoveService.Echo", .key_id = k2.access_key,
                     .secret = k2.secret};
    post(h, &c, &r);
    T_EQ(r.status, 200);
    T_OK(has(&r, "\"account\":\"111122223333\""));
    pl_buf_fini(&r.body);
    T_OK(pl_creds_revoke(dir, k2.access_key, &err) == 0);
    usleep(150 * 1000);
    expect_error(h, &c, 403, "UnrecognizedClientException");
    curl_easy_cleanup(h);
}

/* Sends raw bytes on a fresh connection and returns the response text (malloc'd). */
static char *raw(const char *head, size_t body_bytes, int chunked)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    struct timeval tv = {5, 0};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return NULL;
    }
    send(fd, head, strlen(head), MSG_NOSIGNAL);
    static char chunk[65536 + 16];
    for (size_t sent = 0; sent < body_bytes; sent += 65536) {
        size_t n = 0;
        if (chunked)
            n = (size_t)snprintf(chunk, sizeof chunk, "10000\r\n");
        memset(chunk + n, 'x', 65536);
        n += 65536;
        if (chunked)
            n += (size_t)snprintf(chunk + n, 8, "\r\n");
        if (send(fd, chunk, n, MSG_NOSIGNAL) < 0)
            break;
    }
    if (chunked)
        send(fd, "0\r\n\r\n", 5, MSG_NOSIGNAL);
    char *out = calloc(1, 8192);
    size_t got = 0;
    ssize_t k;
    while (got < 8191 && (k = recv(fd, out + got, 8191 - got, 0)) > 0)
        got += (size_t)k;
    close(fd);
    return out;
}

static void test_body_cap(void)
{
    char head[512];
    snprintf(head, sizeof head,
             "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
             "X-Amz-Target: StarlingDoveService.Echo\r\nContent-Length: 10485760\r\n\r\n");
    int64_t t0 = pl_mono_ns();
    char *r = raw(head, 0, 0); /* no body sent at all: the answer must not wait for it */
    T_REQUIRE(r);
    T_OK(pl_mono_ns() - t0 < 2000000000LL);
    T_OK(strncmp(r, "HTTP/1.1 400", 12) == 0);
    T_OK(strstr(r, "RequestEntityTooLargeException") != NULL);
    T_OK(strstr(r, "x-amzn-RequestId: ") != NULL);
    free(r);
    snprintf(head, sizeof head,
             "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
             "X-Amz-Target: StarlingDoveService.Echo\r\nTransfer-Encoding: chunked\r\n\r\n");
    r = raw(head, 3u << 20, 1);
    T_REQUIRE(r);
    if (!strstr(r, "RequestEntityTooLargeException"))
        fprintf(stderr, "  chunked: [%s]\n", r);
    T_OK(strstr(r, "RequestEntityTooLargeException") != NULL);
    free(r);
}

static void test_routes(void)
{
    char head[256];
    snprintf(head, sizeof head, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    char *r = raw(head, 0, 0);
    T_OK(r && strncmp(r, "HTTP/1.1 200", 12) == 0 && strstr(r, "\r\n\r\nok\n"));
    free(r);
    snprintf(head, sizeof head, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    r = raw(head, 0, 0);
    T_OK(r && strncmp(r, "HTTP/1.1 404", 12) == 0 && strstr(r, "UnknownOperationException"));
    if (r && !strstr(r, "UnknownOperationException"))
        fprintf(stderr, "  404: [%s]\n", r);
    free(r);
    snprintf(head, sizeof head, "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    r = raw(head, 0, 0);
    T_OK(r && strncmp(r, "HTTP/1.1 400", 12) == 0 && strstr(r, "UnknownOperationException"));
    free(r);
    snprintf(head, sizeof head, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    r = raw(head, 0, 0);
    T_OK(r && strncmp(r, "HTTP/1.1 400", 12) == 0);
    free(r);
    snprintf(head, sizeof head, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    r = raw(head, 0, 0);
    T_OK(r && strstr(r, "plumb_requests_total{operation=\"Echo\",code=\"200\"} "));
    T_OK(r && strstr(r, "plumb_requests_total{operation=\"Echo\","
                        "code=\"InvalidSignatureException\"}"));
    T_OK(r && strstr(r, "plumb_request_duration_seconds_count{operation=\"Echo\"} "));
    T_OK(r && strstr(r, "text/plain; version=0.0.4"));
    free(r);
}

static void test_open_mode(void)
{
    struct pl_err err = {0};
    struct pl_http_opts o = {.listen = "127.0.0.1:0", .auth = PL_HTTP_AUTH_OPEN};
    struct pl_http_server *s = pl_http_server_start(&o, &err);
    T_REQUIRE(s);
    uint16_t saved = port;
    port = pl_http_server_port(s);
    CURL *h = curl_easy_init();
    struct resp r;
    struct call c = {.target = "StarlingDoveService.Echo", .key_id = "111122223333",
                     .secret = "whatever", .skew_ms = -3600 * 1000};
    post(h, &c, &r);
    T_EQ(r.status, 200);
    T_OK(has(&r, "\"account\":\"111122223333\""));
    pl_buf_fini(&r.body);
    c.key_id = "AKIDEXAMPLE";
    post(h, &c, &r);
    T_OK(has(&r, "\"account\":\"123456789012\""));
    pl_buf_fini(&r.body);
    expect_error(h, &(struct call){.target = c.target, .unsigned_req = 1}, 403,
                 "MissingAuthenticationTokenException");
    curl_easy_cleanup(h);
    pl_http_server_stop(s);
    port = saved;
}

static void test_announce(void)
{
    char buf[2048] = "";
    struct pl_err err = {0};
    FILE *f = fmemopen(buf, sizeof buf, "w");
    struct pl_http_opts o = {.listen = "127.0.0.1:7711", .data_dir = dir};
    T_OK(pl_http_announce(f, &o, 7711, &err) == 0);
    fclose(f);
    T_OK(strstr(buf, "http://127.0.0.1:7711") != NULL);
    T_OK(strstr(buf, "export AWS_ACCESS_KEY_ID=") != NULL);
    T_OK(strstr(buf, key.secret) != NULL);
    T_OK(strstr(buf, "AWS_DEFAULT_REGION=us-east-1") != NULL);
}

static void test_parse_listen(void)
{
    static const struct {
        const char *in, *host;
        int port;
    } ok[] = {{"127.0.0.1:7711", "127.0.0.1", 7711}, {"[::1]:8080", "::1", 8080},
              {":7711", "0.0.0.0", 7711}, {"localhost:0", "localhost", 0}};
    static const char *const bad[] = {"7711", "h:99999", "h:-1", "h:x", "", NULL};
    char host[64];
    uint16_t p;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct pl_err err = {0};
        T_OK(pl_http_parse_listen(ok[i].in, host, sizeof host, &p, &err) == 0);
        T_STR(host, ok[i].host);
        T_EQ(p, ok[i].port);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pl_err err = {0};
        T_OK(pl_http_parse_listen(bad[i], host, sizeof host, &p, &err) < 0);
        T_EQ(err.code, PL_E_VALIDATION);
    }
    struct pl_err err = {0};
    struct pl_http_opts o = {.listen = "127.0.0.1:" , .auth = PL_HTTP_AUTH_OPEN};
    T_OK(pl_http_server_start(&o, &err) == NULL);
    o.listen = "no-such-host.invalid:80";
    struct pl_err e2 = {0};
    T_OK(pl_http_server_start(&o, &e2) == NULL);
}

int main(void)
{
    struct pl_err err = {0};
    int created;
    char cmd[300];
    snprintf(dir, sizeof dir, "/tmp/pl_test_server.%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0 || pl_creds_ensure(dir, &key, &created, &err) < 0)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct pl_http_opts o = {.listen = "127.0.0.1:0", .data_dir = dir, .threads = 2};
    struct pl_http_server *s = pl_http_server_start(&o, &err);
    if (!s) {
        fprintf(stderr, "start: %s\n", err.msg);
        return 1;
    }
    port = pl_http_server_port(s);
    T_RUN(test_signed_echo_keepalive);
    T_RUN(test_auth_errors);
    T_RUN(test_dispatch_errors);
    T_RUN(test_revocation_is_live);
    T_RUN(test_body_cap);
    T_RUN(test_routes);
    T_RUN(test_open_mode);
    T_RUN(test_announce);
    T_RUN(test_parse_listen);
    pl_http_server_stop(s);
    curl_global_cleanup();
    if (system(cmd) != 0)
        return 1;
    return T_EXIT();
}
