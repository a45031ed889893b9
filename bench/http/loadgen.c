/* loadgen.c — an HTTP load generator for the AWS Config JSON API: N keep-alive connections
 * driven by one epoll loop, every request signed with core/sigv4 exactly as botocore signs it
 * (content-type;host;x-amz-date;x-amz-target), one request in flight per connection.
 *
 *   plumb-loadgen --endpoint http://127.0.0.1:7711 [--conns 32] [--duration 10] [--warmup 1]
 *                 [--op put|history|status] [--setup] [--ids N] [--region us-east-1]
 *                 [--access-key AK --secret SK]   (default: $AWS_ACCESS_KEY_ID/_SECRET_…)
 *
 * put:     PutResourceConfig of a third-party type with a ~1.8 KB configuration, a new resource
 *          id per request (or cycling through --ids N ids, which makes later ones changes).
 * history: GetResourceConfigHistory of a random resource: from --ids-file (lines
 *          "ACCOUNT REGION TYPE ID"; each request is signed for that region with the key of
 *          that account from --keys, lines "ACCOUNT KEYID SECRET"), else a random
 *          "inv-%09d" id below --ids (default 1000) of --type.
 * status:  DescribeConfigurationRecorderStatus (transport + auth cost only).
 * --setup first sends PutConfigurationRecorder, PutDeliveryChannel and
 * StartConfigurationRecorder, which both plumb and moto need before PutResourceConfig.
 *
 * Prints one line: requests, errors, rps, p50/p90/p99/max latency (ms) and status counts.
 * Requests answered in the warm-up period are not counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/sigv4.h"
#include "core/time.h"
#include "core/util.h"

#define MAX_CONNS 1024
#define RBUF      (256 << 10)

struct opts {
    char host[64];
    int port;
    int conns, warmup;
    double duration;
    const char *op, *region, *key, *secret, *type, *ids_file, *keys_file;
    long ids;
    int setup;
};

struct conn {
    int fd;
    struct pl_buf req; /* the request being written */
    size_t wrote;
    char *rbuf;
    size_t rlen;
    int64_t t0;
};

struct stats {
    uint32_t *lat_us;
    size_t n, cap;
    long status[600], errors, sent;
};

/* A resource to read (history with --ids-file) and the key of an account (--keys). */
struct target {
    char account[13], region[32], type[128], id[256];
};
struct acct_key {
    char account[13], key[129], secret[129];
};

static struct opts o;
static struct stats st;
static long next_id;
static struct pl_sigv4_key key_cache[16]; /* one per region seen */
static char config_blob[4096];
static struct target *targets;
static size_t ntargets;
static struct acct_key keys[16];
static size_t nkeys;

/* ---- request construction ---- */

/* A realistic third-party configuration (~1.8 KB), JSON-escaped into config_blob once. */
static void make_config_blob(void)
{
    struct pl_buf b;
    pl_buf_init(&b, sizeof config_blob - 1);
    pl_buf_puts(&b, "{\\\"invoiceId\\\":\\\"%s\\\",\\\"currency\\\":\\\"EUR\\\",\\\"status\\\":"
                    "\\\"OPEN\\\",\\\"customer\\\":{\\\"id\\\":\\\"cus-778812\\\",\\\"tier\\\":"
                    "\\\"enterprise\\\",\\\"region\\\":\\\"eu-central\\\"},\\\"lines\\\":[");
    for (int i = 0; i < 12; i++)
        pl_buf_printf(&b, "%s{\\\"sku\\\":\\\"SKU-%04d\\\",\\\"description\\\":\\\"Managed "
                          "service unit %d, monthly\\\",\\\"qty\\\":%d,\\\"unitPrice\\\":%d.%02d}",
                      i ? "," : "", 1000 + i * 37, i, 1 + i % 5, 10 + i * 3, i * 7 % 100);
    pl_buf_puts(&b, "],\\\"labels\\\":{\\\"costCenter\\\":\\\"cc-4410\\\",\\\"owner\\\":"
                    "\\\"billing-platform\\\"},\\\"encryption\\\":{\\\"enabled\\\":true}}");
    memcpy(config_blob, b.data, b.len + 1);
    pl_buf_fini(&b);
}

static void put_body(struct pl_buf *b, long id)
{
    char rid[32];
    snprintf(rid, sizeof rid, "inv-%09ld", id);
    pl_buf_printf(b, "{\"ResourceType\":\"%s\",\"SchemaVersionId\":\"00000001\","
                     "\"ResourceId\":\"%s\",\"ResourceName\":\"invoice %ld\",\"Configuration\":\"",
                  o.type, rid, id);
    /* config_blob holds one "%s" for the invoice id */
    const char *p = strstr(config_blob, "%s");
    pl_buf_append(b, config_blob, (size_t)(p - config_blob));
    pl_buf_puts(b, rid);
    pl_buf_puts(b, p + 2);
    pl_buf_puts(b, "\",\"Tags\":{\"env\":\"prod\",\"team\":\"billing\"}}");
}

/* The signing-key cache for region (a few regions at most; the last slot is shared). */
static struct pl_sigv4_key *cache_for(const char *region)
{
    size_t i = 0;
    while (i + 1 < PL_ARRAY_LEN(key_cache) && key_cache[i].valid &&
           strcmp(key_cache[i].region, region) != 0)
        i++;
    return &key_cache[i];
}

/* Appends a signed POST / for target with body to out, for region with key/secret. */
static void build_request_as(struct pl_buf *out, const char *target, const char *body,
                             const char *region, const char *key, const char *secret)
{
    char host[96], tgt[128];
    struct pl_err err = {0};
    struct pl_sigv4_signed s;
    snprintf(host, sizeof host, "%s:%d", o.host, o.port);
    snprintf(tgt, sizeof tgt, "StarlingDoveService.%s", target);
    struct pl_sigv4_header h[] = {{"content-type", "application/x-amz-json-1.1"},
                                  {"x-amz-target", tgt}};
    struct pl_sigv4_creds c = {key, secret, NULL};
    struct pl_sigv4_sign_req r = {.method = "POST", .host = host, .path = "/", .headers = h,
                                  .nheaders = 2, .body = body, .body_len = strlen(body),
                                  .region = region, .service = "config",
                                  .now_ms = pl_now_ms(), .key_cache = cache_for(region)};
    if (pl_sigv4_sign(&r, &c, &s, &err) < 0) {
        fprintf(stderr, "loadgen: sign: %s\n", err.msg);
        exit(1);
    }
    pl_buf_printf(out,
                  "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.1\r\n"
                  "X-Amz-Target: %s\r\nX-Amz-Date: %s\r\nAuthorization: %s\r\n"
                  "Content-Length: %zu\r\n\r\n%s",
                  host, tgt, s.amz_date, s.authorization, strlen(body), body);
}

static void build_request(struct pl_buf *out, const char *target, const char *body)
{
    build_request_as(out, target, body, o.region, o.key, o.secret);
}

static const struct acct_key *key_of(const char *account)
{
    for (size_t i = 0; i < nkeys; i++)
        if (strcmp(keys[i].account, account) == 0)
            return &keys[i];
    return NULL;
}

/* A GetResourceConfigHistory of a random resource of --ids-file. */
static void history_from_file(struct conn *c, struct pl_buf *body)
{
    const struct target *t = &targets[(size_t)random() % ntargets];
    const struct acct_key *k = key_of(t->account);
    pl_buf_printf(body, "{\"resourceType\":\"%s\",\"resourceId\":\"%s\",\"limit\":10}",
                  t->type, t->id);
    build_request_as(&c->req, "GetResourceConfigHistory", pl_buf_cstr(body), t->region,
                     k ? k->key : o.key, k ? k->secret : o.secret);
}

static void load_files(void)
{
    char line[1024];
    FILE *f;
    if (o.keys_file && (f = fopen(o.keys_file, "r"))) {
        while (nkeys < PL_ARRAY_LEN(keys) && fgets(line, sizeof line, f))
            if (sscanf(line, "%12s %128s %128s", keys[nkeys].account, keys[nkeys].key,
                       keys[nkeys].secret) == 3)
                nkeys++;
        fclose(f);
    }
    if (!o.ids_file)
        return;
    if (!(f = fopen(o.ids_file, "r"))) {
        perror(o.ids_file);
        exit(1);
    }
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        if (ntargets == cap) {
            cap = cap ? cap * 2 : 1024;
            targets = pl_xrealloc(targets, cap * sizeof *targets);
        }
        struct target *t = &targets[ntargets];
        if (sscanf(line, "%12s %31s %127s %255s", t->account, t->region, t->type, t->id) == 4)
            ntargets++;
    }
    fclose(f);
    if (!ntargets) {
        fprintf(stderr, "loadgen: no targets in %s\n", o.ids_file);
        exit(1);
    }
}

static void next_request(struct conn *c)
{
    struct pl_buf body;
    pl_buf_init(&body, 1 << 20);
    pl_buf_reset(&c->req);
    if (strcmp(o.op, "put") == 0) {
        long id = next_id++;
        put_body(&body, o.ids ? id % o.ids : id);
        build_request(&c->req, "PutResourceConfig", pl_buf_cstr(&body));
    } else if (strcmp(o.op, "history") == 0 && ntargets) {
        history_from_file(c, &body);
    } else if (strcmp(o.op, "history") == 0) {
        pl_buf_printf(&body, "{\"resourceType\":\"%s\",\"resourceId\":\"inv-%09ld\",\"limit\":10}",
                      o.type, random() % (o.ids ? o.ids : 1000));
        build_request(&c->req, "GetResourceConfigHistory", pl_buf_cstr(&body));
    } else {
        build_request(&c->req, "DescribeConfigurationRecorderStatus", "{}");
    }
    c->wrote = 0;
    c->rlen = 0;
    c->t0 = pl_mono_ns();
    pl_buf_fini(&body);
}

/* ---- connections ---- */

static int dial(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o.port)};
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || inet_pton(AF_INET, o.host, &a.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("loadgen: connect");
        exit(1);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* Length of the complete response in c->rbuf, 0 while incomplete; *status and *close set. */
static size_t response_len(struct conn *c, int *status, int *close_after)
{
    c->rbuf[c->rlen] = '\0';
    char *end = strstr(c->rbuf, "\r\n\r\n");
    if (!end)
        return 0;
    size_t hl = (size_t)(end - c->rbuf) + 4;
    long cl = -1;
    *status = atoi(c->rbuf + 9);
    *close_after = strncmp(c->rbuf, "HTTP/1.0", 8) == 0;
    for (char *p = strstr(c->rbuf, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, "content-length:", 15) == 0)
            cl = atol(p + 17);
        if (strncasecmp(p + 2, "connection: close", 17) == 0)
            *close_after = 1;
        if (strncasecmp(p + 2, "connection: keep-alive", 22) == 0)
            *close_after = 0;
    }
    if (cl < 0)
        return 0; /* read until close */
    return c->rlen >= hl + (size_t)cl ? hl + (size_t)cl : 0;
}

static void record(struct conn *c, int status, int64_t t_end, int64_t measure_from)
{
    if (t_end < measure_from)
        return;
    if (status <= 0 || status >= 600)
        status = 0;
    st.status[status]++;
    if (status != 200)
        st.errors++;
    if (st.n == st.cap) {
        st.cap = st.cap ? st.cap * 2 : 1 << 16;
        st.lat_us = pl_xrealloc(st.lat_us, st.cap * sizeof *st.lat_us);
    }
    st.lat_us[st.n++] = (uint32_t)((t_end - c->t0) / 1000);
}

static void rearm(int ep, struct conn *c, uint32_t ev)
{
    struct epoll_event e = {.events = ev, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

static void reconnect(int ep, struct conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = dial();
    struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e);
    c->wrote = 0;
    c->rlen = 0;
}

/* Handles readiness on c; returns when it would block. */
static void on_event(int ep, struct conn *c, uint32_t ev, int64_t measure_from)
{
    if (c->wrote < c->req.len && (ev & EPOLLOUT)) {
        ssize_t n = write(c->fd, c->req.data + c->wrote, c->req.len - c->wrote);
        if (n > 0)
            c->wrote += (size_t)n;
        if (c->wrote == c->req.len)
            rearm(ep, c, EPOLLIN);
        return;
    }
    for (;;) {
        ssize_t n = read(c->fd, c->rbuf + c->rlen, RBUF - 1 - c->rlen);
        int status = 0, close_after = 0;
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            if (c->rlen && response_len(c, &status, &close_after) == 0 && status) {
                record(c, status, pl_mono_ns(), measure_from); /* read-until-close body */
                next_request(c);
            } else if (c->rlen == 0) {
                st.errors++;
            }
            reconnect(ep, c);
            return;
        }
        if (n < 0)
            return;
        c->rlen += (size_t)n;
        size_t len = response_len(c, &status, &close_after);
        if (!len)
            continue;
        record(c, status, pl_mono_ns(), measure_from);
        next_request(c);
        if (close_after)
            reconnect(ep, c);
        else
            rearm(ep, c, EPOLLOUT);
        return;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(double p)
{
    if (!st.n)
        return 0;
    size_t i = (size_t)(p * (double)(st.n - 1));
    return st.lat_us[i] / 1000.0;
}

static void report(double secs)
{
    qsort(st.lat_us, st.n, sizeof *st.lat_us, cmp_u32);
    printf("op=%s conns=%d requests=%zu errors=%ld seconds=%.2f rps=%.0f p50_ms=%.3f "
           "p90_ms=%.3f p99_ms=%.3f max_ms=%.3f status:",
           o.op, o.conns, st.n, st.errors, secs, (double)st.n / secs, pct(0.5), pct(0.9),
           pct(0.99), st.n ? st.lat_us[st.n - 1] / 1000.0 : 0);
    for (int s = 0; s < 600; s++)
        if (st.status[s])
            printf(" %d=%ld", s, st.status[s]);
    printf("\n");
}

/* ---- setup: one blocking connection ---- */

static int send_once(const char *target, const char *body)
{
    struct conn c = {.fd = dial(), .rbuf = pl_xmalloc(RBUF)};
    int status = 0, close_after;
    fcntl(c.fd, F_SETFL, 0);
    pl_buf_init(&c.req, 1 << 20);
    build_request(&c.req, target, body);
    if (write(c.fd, c.req.data, c.req.len) != (ssize_t)c.req.len)
        perror("loadgen: write");
    while (c.rlen < RBUF - 1) {
        ssize_t n = read(c.fd, c.rbuf + c.rlen, RBUF - 1 - c.rlen);
        if (n <= 0)
            break;
        c.rlen += (size_t)n;
        if (response_len(&c, &status, &close_after))
            break;
    }
    c.rbuf[c.rlen] = '\0';
    char *b = strstr(c.rbuf, "\r\n\r\n");
    fprintf(stderr, "setup %s -> %d %.200s\n", target, status, b ? b + 4 : "");
    close(c.fd);
    free(c.rbuf);
    pl_buf_fini(&c.req);
    return status == 200 ? 0 : -1;
}

static void setup(void)
{
    char rec[256];
    snprintf(rec, sizeof rec,
             "{\"ConfigurationRecorder\":{\"name\":\"default\",\"roleARN\":\"arn:aws:iam::"
             "123456789012:role/ConfigRole\",\"recordingGroup\":{\"allSupported\":true,"
             "\"includeGlobalResourceTypes\":true}}}");
    send_once("PutConfigurationRecorder", rec);
    send_once("PutDeliveryChannel",
              "{\"DeliveryChannel\":{\"name\":\"default\",\"s3BucketName\":"
              "\"my-config-bucket-123456789012\"}}");
    send_once("StartConfigurationRecorder", "{\"ConfigurationRecorderName\":\"default\"}");
}

/* ---- main ---- */

static int usage(void)
{
    fprintf(stderr, "usage: plumb-loadgen --endpoint http://HOST:PORT [--conns N] "
                    "[--duration S] [--warmup S]\n"
                    "       [--op put|history|status] [--setup] [--ids N] [--type T] "
                    "[--region R] [--access-key AK --secret SK]\n"
                    "       [--ids-file F (ACCOUNT REGION TYPE ID)] [--keys F (ACCOUNT KEY "
                    "SECRET)]\n");
    return 2;
}

static int parse_args(int argc, char **argv)
{
    o = (struct opts){.conns = 32, .duration = 10, .warmup = 1, .op = "put",
                      .region = "us-east-1", .type = "Acme::Billing::Invoice",
                      .key = getenv("AWS_ACCESS_KEY_ID"),
                      .secret = getenv("AWS_SECRET_ACCESS_KEY")};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--setup") == 0) {
            o.setup = 1;
            continue;
        }
        if (!v)
            return -1;
        if (strcmp(a, "--endpoint") == 0) {
            if (sscanf(v, "http://%63[^:]:%d", o.host, &o.port) != 2)
                return -1;
        } else if (strcmp(a, "--conns") == 0) {
            o.conns = atoi(v);
        } else if (strcmp(a, "--duration") == 0) {
            o.duration = atof(v);
        } else if (strcmp(a, "--warmup") == 0) {
            o.warmup = atoi(v);
        } else if (strcmp(a, "--op") == 0) {
            o.op = v;
        } else if (strcmp(a, "--ids") == 0) {
            o.ids = atol(v);
        } else if (strcmp(a, "--type") == 0) {
            o.type = v;
        } else if (strcmp(a, "--region") == 0) {
            o.region = v;
        } else if (strcmp(a, "--access-key") == 0) {
            o.key = v;
        } else if (strcmp(a, "--secret") == 0) {
            o.secret = v;
        } else if (strcmp(a, "--ids-file") == 0) {
            o.ids_file = v;
        } else if (strcmp(a, "--keys") == 0) {
            o.keys_file = v;
        } else {
            return -1;
        }
        i++;
    }
    if (!o.port || ((!o.key || !o.secret) && !o.keys_file) || o.conns < 1 ||
        o.conns > MAX_CONNS)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) < 0)
        return usage();
    make_config_blob();
    load_files();
    if (!o.key || !o.secret) {
        if (!nkeys)
            return usage();
        o.key = keys[0].key;
        o.secret = keys[0].secret;
    }
    srandom(42);
    if (o.setup)
        setup();
    int ep = epoll_create1(0);
    struct conn *cs = pl_xcalloc((size_t)o.conns, sizeof *cs);
    for (int i = 0; i < o.conns; i++) {
        cs[i].fd = dial();
        cs[i].rbuf = pl_xmalloc(RBUF);
        pl_buf_init(&cs[i].req, 1 << 20);
        next_request(&cs[i]);
        struct epoll_event e = {.events = EPOLLOUT, .data.ptr = &cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &e);
    }
    int64_t start = pl_mono_ns(), measure_from = start + (int64_t)o.warmup * 1000000000LL;
    int64_t stop = measure_from + (int64_t)(o.duration * 1e9);
    struct epoll_event evs[256];
    while (pl_mono_ns() < stop) {
        int n = epoll_wait(ep, evs, 256, 100);
        for (int i = 0; i < n; i++)
            on_event(ep, evs[i].data.ptr, evs[i].events, measure_from);
    }
    report((double)(pl_mono_ns() - measure_from) / 1e9);
    for (int i = 0; i < o.conns; i++) {
        close(cs[i].fd);
        free(cs[i].rbuf);
        pl_buf_fini(&cs[i].req);
    }
    free(cs);
    free(st.lat_us);
    close(ep);
    return st.errors && !st.n ? 1 : 0;
}
