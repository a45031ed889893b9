/* test_client.c — core/client against a loopback HTTP/1.1 server run by the test (a thread per
 * connection, in the manner of tests/unit/delivery/receiver.c): the response body cap (fail and
 * cut), the total timeout, keep-alive (two requests, one connection), the handle freed at
 * thread exit, response headers, SigV4 headers equal to AWS's test-suite vectors
 * (tests/data/sigv4/), and the AWS JSON helper's reading of error replies. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/client.h"
#include "core/json.h"
#include "core/time.h"
#include "core/util.h"
#include "t.h"

#define VDIR PL_SOURCE_DIR "/tests/data/sigv4/"

/* ---- the loopback server ---- */

struct server {
    int fd, port;
    char url[64];
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int accepted, active;
    volatile int stop;
};

static struct server srv;

/* One request's head and body (read_request). */
struct request {
    char head[16384];
    char path[1024], auth[2048], target[128];
    char *body;
    size_t blen;
};

/* Copies the value of header name out of head into out (empty when absent). */
static void head_value(const char *head, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    out[0] = 0;
    for (const char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n"))
        if (strncasecmp(l + 2, name, nl) == 0 && l[2 + nl] == ':') {
            const char *v = l + 3 + nl + strspn(l + 3 + nl, " ");
            snprintf(out, n, "%.*s", (int)strcspn(v, "\r\n"), v);
            return;
        }
}

/* Reads one request from c; -1 on EOF or error. */
static int read_request(int c, struct request *rq)
{
    size_t n = 0;
    char *end = NULL, cl[32];
    while (!end) {
        if (n == sizeof rq->head - 1)
            return -1;
        ssize_t r = read(c, rq->head + n, sizeof rq->head - 1 - n);
        if (r <= 0)
            return -1;
        n += (size_t)r;
        rq->head[n] = 0;
        end = strstr(rq->head, "\r\n\r\n");
    }
    size_t hl = (size_t)(end - rq->head) + 4;
    const char *sp = strchr(rq->head, ' ');
    snprintf(rq->path, sizeof rq->path, "%.*s", sp ? (int)strcspn(sp + 1, " ") : 0,
             sp ? sp + 1 : "");
    head_value(rq->head, "Authorization", rq->auth, sizeof rq->auth);
    head_value(rq->head, "X-Amz-Target", rq->target, sizeof rq->target);
    head_value(rq->head, "Content-Length", cl, sizeof cl);
    rq->blen = strtoul(cl, NULL, 10);
    rq->body = calloc(1, rq->blen + 1);
    size_t have = n - hl < rq->blen ? n - hl : rq->blen;
    memcpy(rq->body, rq->head + hl, have);
    for (ssize_t r = 1; have < rq->blen && r > 0; have += (size_t)(r > 0 ? r : 0))
        r = read(c, rq->body + have, rq->blen - have);
    return have == rq->blen ? 0 : -1;
}

static int send_all(int c, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(c, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Answers status with body and an X-Test header. */
static int answer(int c, int status, const char *body, size_t n)
{
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nX-Test:  hello \r\n\r\n", status, n);
    return send_all(c, head, (size_t)hl) == 0 && send_all(c, body, n) == 0 ? 0 : -1;
}

/* The routes: /big?n=N (N bytes), /slow (no answer until the client goes), X-Amz-Target
 * Test.Ok / Test.Fail / Test.Plain (AWS JSON), and anything else: the Authorization header. */
static int route(int c, const struct request *rq)
{
    if (strncmp(rq->path, "/big?n=", 7) == 0) {
        size_t n = strtoul(rq->path + 7, NULL, 10);
        char *b = malloc(n);
        memset(b, 'x', n);
        int rc = answer(c, 200, b, n);
        free(b);
        return rc;
    }
    if (strcmp(rq->path, "/slow") == 0)
        return -1; /* the caller waits for the client to close */
    char out[4096];
    int status = 200;
    if (strcmp(rq->target, "Test.Ok") == 0) {
        snprintf(out, sizeof out, "{\"ok\":true,\"auth\":\"%s\",\"body\":%s}", rq->auth, rq->body);
    } else if (strcmp(rq->target, "Test.Fail") == 0) {
        status = 400;
        snprintf(out, sizeof out, "{\"__type\":\"com.amazonaws.config#NoSuchConfigRuleException"
                                  "\",\"message\":\"no rule x\"}");
    } else if (strcmp(rq->target, "Test.Plain") == 0) {
        status = 502;
        snprintf(out, sizeof out, "bad gateway");
    } else {
        snprintf(out, sizeof out, "%s", rq->auth);
    }
    return answer(c, status, out, strlen(out));
}

static void *serve_conn(void *arg)
{
    int c = (int)(intptr_t)arg;
    struct request *rq = malloc(sizeof *rq);
    for (;;) {
        struct pollfd p = {c, POLLIN, 0};
        if (srv.stop || poll(&p, 1, 100) < 0)
            break;
        if (!p.revents)
            continue;
        if (read_request(c, rq) != 0)
            break;
        int rc = route(c, rq);
        free(rq->body);
        if (rc != 0) { /* /slow: hold the connection until the client closes it */
            char b[64];
            while (!srv.stop && read(c, b, sizeof b) > 0)
                ;
            break;
        }
    }
    free(rq);
    close(c);
    pthread_mutex_lock(&srv.mu);
    srv.active--;
    pthread_cond_broadcast(&srv.cv);
    pthread_mutex_unlock(&srv.mu);
    return NULL;
}

static void *accept_loop(void *arg)
{
    (void)arg;
    while (!srv.stop) {
        struct pollfd p = {srv.fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            continue;
        pthread_t th;
        pthread_mutex_lock(&srv.mu);
        srv.accepted++;
        srv.active++;
        pthread_mutex_unlock(&srv.mu);
        if (pthread_create(&th, NULL, serve_conn, (void *)(intptr_t)c) != 0)
            abort();
        pthread_detach(th);
    }
    return NULL;
}

static void server_start(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    pthread_mutex_init(&srv.mu, NULL);
    pthread_cond_init(&srv.cv, NULL);
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    T_REQUIRE(bind(srv.fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(srv.fd, 16) == 0 &&
              getsockname(srv.fd, (struct sockaddr *)&sa, &sl) == 0);
    srv.port = ntohs(sa.sin_port);
    snprintf(srv.url, sizeof srv.url, "http://127.0.0.1:%d", srv.port);
    T_REQUIRE(pthread_create(&srv.th, NULL, accept_loop, NULL) == 0);
}

static int counter(const int *v)
{
    pthread_mutex_lock(&srv.mu);
    int n = *v;
    pthread_mutex_unlock(&srv.mu);
    return n;
}

/* Waits (at most 5 s) until no connection is open; returns the number still open. */
static int wait_idle(void)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&srv.mu);
    while (srv.active > 0 && pthread_cond_timedwait(&srv.cv, &srv.mu, &until) == 0)
        ;
    int open = srv.active;
    pthread_mutex_unlock(&srv.mu);
    return open;
}

static void server_stop(void)
{
    srv.stop = 1;
    pthread_join(srv.th, NULL);
    pthread_mutex_lock(&srv.mu);
    while (srv.active > 0)
        pthread_cond_wait(&srv.cv, &srv.mu); /* connection threads notice stop within 100 ms */
    pthread_mutex_unlock(&srv.mu);
    close(srv.fd);
}

/* ---- tests ---- */

/* GET srv.url + path into resp; the result of pl_client_do. */
static int get(const char *path, size_t max, int cut, struct pl_client_resp *resp,
               struct pl_err *err)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", srv.url, path);
    struct pl_client_req rq = {.method = "GET", .url = url, .max_body = max, .cut_body = cut};
    return pl_client_do(&rq, resp, err);
}

static void test_body_cap(void)
{
    struct pl_client_resp resp;
    struct pl_err err = {0};
    T_EQ(get("/big?n=5000", 5000, 0, &resp, &err), 0);
    T_EQ(resp.status, 200);
    T_EQ(resp.body.len, 5000);
    pl_client_resp_fini(&resp);

    T_EQ(get("/big?n=5000", 4096, 0, &resp, &err), -1);
    T_EQ(err.code, PL_E_UNAVAILABLE);
    T_OK(strstr(err.msg, "response body over 4096 bytes") != NULL);
    T_EQ(resp.status, 200);
    T_OK(resp.body.len <= 4096);
    pl_client_resp_fini(&resp);

    pl_err_clear(&err);
    T_EQ(get("/big?n=5000", 1000, 1, &resp, &err), 0); /* cut: first 1000 bytes kept */
    T_EQ(resp.body.len, 1000);
    T_EQ(resp.cut, 4000);
    T_EQ(resp.body.data[999], 'x');
    pl_client_resp_fini(&resp);

    T_EQ(get("/big?n=2000000", 0, 0, &resp, &err), -1); /* default cap: 1 MiB */
    pl_client_resp_fini(&resp);
}

static void test_timeout(void)
{
    char url[256];
    snprintf(url, sizeof url, "%s/slow", srv.url);
    struct pl_client_req rq = {.method = "POST", .url = url, .body = "{}", .body_len = 2,
                               .timeout_ms = 300};
    struct pl_client_resp resp;
    struct pl_err err = {0};
    int64_t t0 = pl_mono_ns();
    T_EQ(pl_client_do(&rq, &resp, &err), -1);
    int64_t ms = (pl_mono_ns() - t0) / 1000000;
    T_OK(ms >= 250 && ms < 3000);
    T_EQ(resp.timed_out, 1);
    T_EQ(resp.status, 0);
    T_OK(strstr(err.msg, "POST http://127.0.0.1:") == err.msg);
    pl_client_resp_fini(&resp);

    pl_err_clear(&err);
    rq.url = "http://127.0.0.1:1/nothing-listens";
    T_EQ(pl_client_do(&rq, &resp, &err), -1);
    T_EQ(resp.timed_out, 0);
    pl_client_resp_fini(&resp);

    pl_err_clear(&err);
    rq.url = "file:///etc/passwd"; /* http and https only */
    T_EQ(pl_client_do(&rq, &resp, &err), -1);
    pl_client_resp_fini(&resp);
}

static void test_keep_alive_and_headers(void)
{
    struct pl_client_resp resp;
    struct pl_err err = {0};
    char v[32];
    T_EQ(get("/a", 0, 0, &resp, &err), 0); /* opens (or reuses) this thread's connection */
    pl_client_resp_fini(&resp);
    int before = counter(&srv.accepted);
    T_EQ(get("/b", 0, 0, &resp, &err), 0);
    T_EQ(pl_client_header(&resp, "x-test", v, sizeof v), 0);
    T_STR(v, "hello");
    T_EQ(pl_client_header(&resp, "Content-Length", v, sizeof v), 0);
    T_STR(v, "0");
    T_EQ(pl_client_header(&resp, "X-Missing", v, sizeof v), -1);
    T_EQ(pl_client_header(&resp, "X-Test", v, 3), -1); /* does not fit */
    pl_client_resp_fini(&resp);
    T_EQ(get("/c", 0, 0, &resp, &err), 0);
    pl_client_resp_fini(&resp);
    T_EQ(counter(&srv.accepted), before); /* both on the kept-alive connection */

    /* freeing the thread's handle closes its connections */
    T_OK(counter(&srv.active) > 0);
    pl_client_thread_done();
    T_EQ(wait_idle(), 0);
}

static void *one_request(void *arg)
{
    struct pl_client_resp resp;
    struct pl_err err = {0};
    *(int *)arg = get("/t", 0, 0, &resp, &err);
    pl_client_resp_fini(&resp);
    return NULL;
}

static void test_thread_exit(void)
{
    int rc = -1, accepted = counter(&srv.accepted);
    pthread_t th;
    T_EQ(wait_idle(), 0);
    T_REQUIRE(pthread_create(&th, NULL, one_request, &rc) == 0);
    pthread_join(th, NULL);
    T_EQ(rc, 0);
    T_EQ(counter(&srv.accepted), accepted + 1); /* a connection of its own */
    T_EQ(wait_idle(), 0);                       /* closed when the thread exited */
}

/* ---- SigV4: the Authorization header the server receives equals the vector's ---- */

struct vector {
    const char *name, *method, *path, *headers[3], *body, *token;
    int s3;
};

#define STS_TOKEN                                                                                  \
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfp" \
    "SPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQ" \
    "DYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+s" \
    "cqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

static const struct vector vectors[] = {
    {"post-vanilla", "POST", "/", {"Host: example.amazonaws.com"}, NULL, NULL, 0},
    {"post-vanilla-query", "POST", "/?Param1=value1", {"Host: example.amazonaws.com"}, NULL,
     NULL, 0},
    {"get-vanilla-query-order-key", "GET", "/?Param1=value2&Param1=Value1",
     {"Host: example.amazonaws.com"}, NULL, NULL, 0},
    {"post-x-www-form-urlencoded", "POST", "/",
     {"Content-Type: application/x-www-form-urlencoded", "Host: example.amazonaws.com"},
     "Param1=value1", NULL, 0},
    {"post-sts-header-before", "POST", "/", {"Host: example.amazonaws.com"}, NULL, STS_TOKEN, 0},
    {"s3-get-object", "GET", "/test.txt",
     {"Host: examplebucket.s3.amazonaws.com", "Range: bytes=0-9"}, NULL, NULL, 1},
};

static void test_sigv4_vectors(void)
{
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const struct vector *v = &vectors[i];
        char url[256], path[512];
        snprintf(url, sizeof url, "%s%s", srv.url, v->path);
        struct pl_client_sigv4 sig = {
            .service = v->s3 ? "s3" : "service", .region = "us-east-1",
            .access_key = v->s3 ? "AKIAIOSFODNN7EXAMPLE" : "AKIDEXAMPLE",
            .secret_key = v->s3 ? "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
                                : "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            .session_token = v->token,
            .now_ms = v->s3 ? 1369353600000 : 1440938160000, /* 20130524T000000Z, 20150830T123600Z */
        };
        struct pl_client_req rq = {.method = v->method, .url = url, .headers = v->headers,
                                   .body = v->body, .body_len = v->body ? strlen(v->body) : 0,
                                   .sigv4 = &sig};
        struct pl_client_resp resp;
        struct pl_err err = {0};
        T_EQ(pl_client_do(&rq, &resp, &err), 0);
        snprintf(path, sizeof path, VDIR "%s.authz", v->name);
        char *want = pl_read_file(path, 1 << 16, NULL);
        T_REQUIRE(want != NULL);
        want[strcspn(want, "\r\n")] = 0;
        if (strcmp(pl_buf_cstr(&resp.body), want) != 0)
            T_FAIL_("%s: got '%s', want '%s'", v->name, pl_buf_cstr(&resp.body), want);
        free(want);
        pl_client_resp_fini(&resp);
    }
}

/* ---- the AWS JSON helper ---- */

static void test_aws_json(void)
{
    struct pl_arena a;
    struct pl_json *out = NULL;
    struct pl_err err = {0};
    long status = -1;
    pl_arena_init(&a);
    struct pl_client_aws c = {
        .endpoint = srv.url, .target = "Test.Ok",
        .sigv4 = {.service = "config", .region = "eu-west-1", .access_key = "AKIDTEST",
                  .secret_key = "secret"},
    };
    T_EQ(pl_client_aws_json(&c, "{\"x\":1}", 7, &a, &out, &status, &err), 0);
    T_EQ(status, 200);
    T_OK(pl_json_get(out, "ok") != NULL);
    const char *auth = pl_json_get_str(out, "auth");
    T_OK(auth && strstr(auth, "Credential=AKIDTEST/") && strstr(auth, "/eu-west-1/config/") &&
         strstr(auth, "SignedHeaders=content-type;host;x-amz-date;x-amz-target,"));
    T_OK(pl_json_get(pl_json_get(out, "body"), "x") != NULL);

    c.target = "Test.Fail";
    T_EQ(pl_client_aws_json(&c, "{}", 2, &a, &out, &status, &err), -1);
    T_EQ(status, 400);
    T_EQ(err.code, PL_E_NO_SUCH_CONFIG_RULE);
    T_STR(err.msg, "NoSuchConfigRuleException: no rule x");

    pl_err_clear(&err);
    c.target = "Test.Plain";
    T_EQ(pl_client_aws_json(&c, "{}", 2, &a, &out, &status, &err), -1);
    T_EQ(status, 502);
    T_EQ(err.code, PL_E_UNAVAILABLE);
    T_STR(err.msg, "HTTP error: bad gateway");

    pl_err_clear(&err);
    c.endpoint = "http://127.0.0.1:1";
    T_EQ(pl_client_aws_json(&c, "{}", 2, &a, &out, &status, &err), -1);
    T_EQ(status, 0);
    T_OK(strstr(err.msg, "POST http://127.0.0.1:1: ") == err.msg);

    static const struct {
        const char *body, *msg;
        enum pl_errcode code;
    } replies[] = {
        {"{\"__type\":\"ThrottlingException\",\"Message\":\"slow down\"}",
         "ThrottlingException: slow down", PL_E_THROTTLING},
        {"{\"__type\":\"Odd:http://internal/\",\"message\":\"m\"}", "Odd: m", PL_E_UNAVAILABLE},
        {"{\"message\":\"no type\"}", "HTTP error: no type", PL_E_UNAVAILABLE},
        {"", "HTTP error: ", PL_E_UNAVAILABLE},
    };
    for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++) {
        pl_err_clear(&err);
        T_EQ(pl_client_aws_error(&a, replies[i].body, strlen(replies[i].body), &err), -1);
        T_STR(err.msg, replies[i].msg);
        T_EQ(err.code, replies[i].code);
    }
    pl_arena_fini(&a);
}

int main(void)
{
    server_start();
    T_RUN(test_body_cap);
    T_RUN(test_timeout);
    T_RUN(test_keep_alive_and_headers);
    T_RUN(test_thread_exit);
    T_RUN(test_sigv4_vectors);
    T_RUN(test_aws_json);
    pl_client_thread_done();
    server_stop();
    return T_EXIT();
}
