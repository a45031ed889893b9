/* server.c — the libmicrohttpd glue: routing, body cap, authentication, X-Amz-Target dispatch
 * to pl_api_call(), AWS-shaped responses and request metrics (see http.h).
 *
 * libmicrohttpd calls the access handler several times per request: once with the headers
 * (*con_cls == NULL), then with body chunks, then once more with *upload_data_size == 0. The
 * per-request state (struct hreq) is created on the first call and freed by the completion
 * callback. A response queued on the first call (body too large, bad route) makes MHD close the
 * connection instead of reading the body. Everything a request allocates lives in its arena or
 * its capped body buffer.
 *
 * Every connection is also watched by http/deadline.c from accept (NOTIFY_CONNECTION STARTED)
 * to close (CLOSED, which libmicrohttpd calls before closing the fd): its request headers must
 * be complete within header_timeout seconds, or within idle_timeout + header_timeout of the end
 * of the previous request on a kept-alive connection, however slowly the bytes trickle in.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "api/api.h"
#include "core/arena.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "core/util.h"
#include "http/auth.h"
#include "http/creds.h"
#include "http/deadline.h"
#include "http/assets.h"

#define MAX_HEADERS   96
#define JSON_TYPE     "application/x-amz-json-1.1"
#define METRICS_TYPE  "text/plain; version=0.0.4; charset=utf-8"
#define TARGET_AWS    "StarlingDoveService"
#define TARGET_PLUMB  "PlumbService"
#define MAX_OP_LEN    96
#define DRAIN_FACTOR  8 /* chunked bodies past the cap are drained up to 8x it */
/* The console's policy: scripts, styles and API calls from this origin only; no inline script
 * or style, no plugins, no framing, no other origin for anything (docs/security.md). */
#define CONSOLE_CSP                                                                                \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                    \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct pl_http_server {
    struct MHD_Daemon *d;
    struct pl_http_opts o;
    struct pl_creds *creds;
    struct pl_http_deadline *deadline;
    uint16_t port;
};

/* Per-request state, from the first handler call to the completion callback. */
struct hreq {
    struct pl_buf body;
    struct pl_arena arena;
    int too_large;
    size_t seen; /* body bytes received */
    int64_t t0_ns;
    char request_id[37];
};

/* ---- connection limits ---- */

/* Raises RLIMIT_NOFILE to its hard limit and returns want, or fewer connections when the fds
 * (less a reserve for the store, deliveries and functions) cannot hold that many. */
static unsigned conn_limit(unsigned want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return want;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    rlim_t reserve = 256;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want + reserve)
        return rl.rlim_cur > reserve + 16 ? (unsigned)(rl.rlim_cur - reserve) : 16;
    return want;
}

/* ---- request ids ----
 * A UUID v4 per request from a per-thread xorshift128+ seeded by pl_uuid() (OpenSSL's RNG):
 * unique and unpredictable enough for correlating logs, at a fraction of RAND_bytes' cost. */

static __thread uint64_t rid_state[2];

static uint64_t rid_next(void)
{
    uint64_t x = rid_state[0], y = rid_state[1];
    rid_state[0] = y;
    x ^= x << 23;
    rid_state[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
    return rid_state[1] + y;
}

static void request_id(char out[37])
{
    if (!rid_state[0] && !rid_state[1]) {
        char seed[37];
        pl_uuid(seed);
        rid_state[0] = pl_fnv1a(seed, 18) | 1;
        rid_state[1] = pl_fnv1a(seed + 18, 18);
    }
    uint64_t a = rid_next(), b = rid_next();
    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
             0x8000 | ((unsigned)(b >> 48) & 0x3fff), (unsigned long long)b & 0xffffffffffffULL);
}

/* ---- responses ---- */

/* Queues status + body (taken from b) with the AWS headers. */
static enum MHD_Result send_buf(struct MHD_Connection *c, int status, const char *ctype,
                                struct pl_buf *b, const char *request_id, int close_conn)
{
    size_t len = b->len;
    char *data = len ? pl_buf_take(b) : NULL;
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "x-amzn-RequestId", request_id);
    if (close_conn)
        MHD_add_response_header(r, "Connection", "close");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static void count_request(const char *op, const char *code, int64_t t0_ns)
{
    char labels[192];
    snprintf(labels, sizeof labels, "operation=\"%s\",code=\"%s\"", op, code);
    pl_metrics_add("plumb_requests_total", labels, 1);
    snprintf(labels, sizeof labels, "operation=\"%s\"", op);
    pl_metrics_observe("plumb_request_duration_seconds", labels,
                       (double)(pl_mono_ns() - t0_ns) / 1e9);
}

/* Renders {"__type","message"} for err with its status, counts it under op. */
static enum MHD_Result send_error(struct MHD_Connection *c, struct hreq *h, const char *op,
                                  const struct pl_err *err, int close_conn, int status)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT); /* the message is as long as the request made it */
    enum pl_errcode code = pl_json_write_error(&b, err);
    status = status ? status : pl_err_status(code);
    if (status >= 500)
        PL_LOG(WARN, "http", "req=%s op=%s status=%d code=%s msg=\"%s\"", h->request_id, op,
               status, pl_err_name(code), pl_err_msg(err));
    else
        PL_LOG(DEBUG, "http", "req=%s op=%s status=%d code=%s", h->request_id, op, status,
               pl_err_name(code));
    count_request(op, pl_err_name(code), h->t0_ns);
    enum MHD_Result r = send_buf(c, status, JSON_TYPE, &b, h->request_id, close_conn);
    pl_buf_fini(&b);
    return r;
}

static enum MHD_Result send_fail_status(struct MHD_Connection *c, struct hreq *h, const char *op,
                                        enum pl_errcode code, int close_conn, int status,
                                        const char *msg)
{
    struct pl_err err = {0};
    pl_fail(&err, code, "%s", msg);
    return send_error(c, h, op, &err, close_conn, status);
}

static enum MHD_Result send_fail(struct MHD_Connection *c, struct hreq *h, const char *op,
                                 enum pl_errcode code, int close_conn, const char *msg)
{
    return send_fail_status(c, h, op, code, close_conn, 0, msg);
}

/* ---- request view ---- */

struct collect {
    struct pl_sigv4_header *h;
    size_t n;
    struct pl_buf *query;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    struct collect *col = cls;
    if (col->n < MAX_HEADERS)
        col->h[col->n] = (struct pl_sigv4_header){key, value ? value : ""};
    col->n++;
    return MHD_YES;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct collect *col = cls;
    pl_buf_printf(col->query, "%s%s=%s", col->query->len ? "&" : "", key, value ? value : "");
    return MHD_YES;
}

/* ---- dispatch ---- */

/* Splits "Prefix.Op"; 0 when the prefix is served and Op is a plain identifier. */
static int parse_target(const char *t, char *prefix, size_t plen, char *op, size_t olen)
{
    const char *dot = t ? strrchr(t, '.') : NULL;
    if (!dot)
        return -1;
    size_t pl = (size_t)(dot - t), ol = strlen(dot + 1);
    if (pl >= plen || ol == 0 || ol >= olen)
        return -1;
    memcpy(prefix, t, pl);
    prefix[pl] = '\0';
    if (strcmp(prefix, TARGET_AWS) != 0 && strcmp(prefix, TARGET_PLUMB) != 0)
        return -1;
    for (size_t i = 0; i < ol; i++)
        if (!isalnum((unsigned char)dot[1 + i]))
            return -1;
    memcpy(op, dot + 1, ol + 1);
    return 0;
}

static int content_type_ok(const char *ct)
{
    if (!ct || !*ct)
        return 1;
    return pl_starts_with(ct, "application/x-amz-json-1.") ||
           pl_starts_with(ct, "application/json");
}

/* The operation label for metrics: the op when the model knows it, else "unknown". */
static const char *op_label(const char *prefix, const char *op)
{
    return *op && pl_api_known_op(prefix, op) ? op : "unknown";
}

static enum MHD_Result serve_api(struct pl_http_server *s, struct MHD_Connection *c,
                                 struct hreq *h, const char *url)
{
    struct pl_sigv4_header hdrs[MAX_HEADERS];
    struct pl_buf query, out;
    struct pl_err err = {0};
    struct pl_http_identity id;
    char prefix[64] = "", op[MAX_OP_LEN] = "";
    enum MHD_Result ret;

    pl_buf_init(&query, 8192);
    pl_buf_init(&out, PL_BUF_NOLIMIT);
    struct collect col = {hdrs, 0, &query};
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &col);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &col);
    if (col.n > MAX_HEADERS) {
        ret = send_fail(c, h, "unknown", PL_E_SERIALIZATION, 0, "Too many request headers.");
        goto out;
    }
    struct pl_http_request r = {"POST", url, pl_buf_cstr(&query), hdrs, col.n,
                                h->body.data ? h->body.data : "", h->body.len};
    const char *target = pl_http_header(&r, "x-amz-target");
    int target_ok = parse_target(target, prefix, sizeof prefix, op, sizeof op) == 0;
    if (pl_http_authenticate(s->o.auth, s->creds, &r, &id, &err) < 0) {
        ret = send_error(c, h, target_ok ? op_label(prefix, op) : "unknown", &err, 0, 0);
        goto out;
    }
    if (!target_ok) {
        ret = send_fail(c, h, "unknown", PL_E_UNKNOWN_OPERATION, 0,
                        target ? "The requested operation is not recognized by the service."
                               : "Missing X-Amz-Target header.");
        goto out;
    }
    if (!content_type_ok(pl_http_header(&r, "content-type"))) {
        ret = send_fail(c, h, op_label(prefix, op), PL_E_SERIALIZATION, 0,
                        "Unsupported Content-Type: use application/x-amz-json-1.1.");
        goto out;
    }
    struct pl_api_req req = {
        .app = s->o.app, .part = id.part, .access_key = id.access_key, .admin = id.admin,
        .target_prefix = prefix,
        .op = op, .body = r.body, .body_len = r.body_len, .request_id = h->request_id,
        .arena = &h->arena,
    };
    if (pl_api_call(&req, &out, &err) < 0) {
        ret = send_error(c, h, op_label(prefix, op), &err, 0, 0);
        goto out;
    }
    if (out.len == 0)
        pl_buf_puts(&out, "{}");
    count_request(op_label(prefix, op), "200", h->t0_ns);
    PL_LOG(DEBUG, "http", "req=%s op=%s account=%s region=%s status=200", h->request_id, op,
           id.part.account, id.part.region);
    ret = send_buf(c, 200, JSON_TYPE, &out, h->request_id, 0);
out:
    pl_buf_fini(&query);
    pl_buf_fini(&out);
    return ret;
}

/* One embedded console file (http/assets.h): no-cache with a strong ETag (revalidated on every
 * load, 304 when unchanged, so a new binary's files are never mixed with a cached old one),
 * the console's CSP, nosniff, no framing, no referrer. */
static enum MHD_Result send_asset(struct MHD_Connection *c, struct hreq *h,
                                  const struct pl_web_asset *a)
{
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    int fresh = inm && strstr(inm, a->etag) != NULL;
    struct MHD_Response *r = MHD_create_response_from_buffer(fresh ? 0 : a->len, (void *)a->data,
                                                             MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", a->content_type);
    MHD_add_response_header(r, "ETag", a->etag);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "Content-Security-Policy", CONSOLE_CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "x-amzn-RequestId", h->request_id);
    enum MHD_Result ret = MHD_queue_response(c, fresh ? 304 : 200, r);
    MHD_destroy_response(r);
    count_request("console", fresh ? "304" : "200", h->t0_ns);
    return ret;
}

/* GET routes: /metrics, /healthz, the console's files, then the optional hook. */
static enum MHD_Result serve_get(struct pl_http_server *s, struct MHD_Connection *c,
                                 struct hreq *h, const char *url)
{
    struct pl_buf b;
    const char *ctype = "text/plain; charset=utf-8";
    int status = 200;
    enum MHD_Result ret;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    if (strcmp(url, "/metrics") == 0) {
        pl_metrics_render(&b);
        ctype = METRICS_TYPE;
    } else if (strcmp(url, "/healthz") == 0) {
        pl_buf_puts(&b, "ok\n");
    } else if (pl_web_asset_find(url)) {
        ret = send_asset(c, h, pl_web_asset_find(url));
        goto out;
    } else if (s->o.get) {
        const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
        status = s->o.get(s->o.get_ctx, url, q, &b, &ctype);
    } else {
        status = 404;
    }
    if (status == 404 && b.len == 0) {
        pl_buf_reset(&b);
        ret = send_fail_status(c, h, "unknown", PL_E_UNKNOWN_OPERATION, 0, 404,
                               "No such resource.");
        goto out;
    }
    ret = send_buf(c, status, ctype, &b, h->request_id, 0);
out:
    pl_buf_fini(&b);
    return ret;
}

/* First call: route checks and the Content-Length cap, before any body is read. */
static enum MHD_Result first_call(struct pl_http_server *s, struct MHD_Connection *c,
                                  struct hreq *h, const char *url, const char *method)
{
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return serve_get(s, c, h, url);
    if (strcmp(method, "POST") != 0)
        return send_fail(c, h, "unknown", PL_E_UNKNOWN_OPERATION, 1,
                         "Only POST / is served (AWS JSON 1.1 protocol).");
    if (strcmp(url, "/") != 0)
        return send_fail(c, h, "unknown", PL_E_UNKNOWN_OPERATION, 1,
                         "The API is served at POST / only.");
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    long long n;
    if (cl && pl_parse_i64(cl, &n) == 0 && (n < 0 || (unsigned long long)n > h->body.max)) {
        char msg[128];
        snprintf(msg, sizeof msg, "Request body of %lld bytes exceeds the limit of %zu bytes.",
                 n, h->body.max);
        return send_fail(c, h, "unknown", PL_E_REQUEST_TOO_LARGE, 1, msg);
    }
    return MHD_YES;
}

/* The connection's deadline entry (NULL if it has none). */
static struct pl_http_watched *watched(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *data,
                               size_t *size, void **con_cls)
{
    struct pl_http_server *s = cls;
    struct hreq *h = *con_cls;
    if (!h) {
        pl_http_deadline_body(s->deadline, watched(c)); /* headers complete: the body's turn */
        h = pl_xcalloc(1, sizeof *h);
        h->t0_ns = pl_mono_ns();
        request_id(h->request_id);
        pl_buf_init(&h->body, s->o.max_body);
        pl_arena_init(&h->arena);
        *con_cls = h;
        return first_call(s, c, h, url, method);
    }
    if (*size) {
        h->seen += *size;
        if (!h->too_large && pl_buf_append(&h->body, data, *size) < 0) {
            h->too_large = 1; /* keep reading, stop storing: answered when the body ends */
            pl_buf_fini(&h->body);
            pl_buf_init(&h->body, s->o.max_body);
        }
        *size = 0;
        /* a body far beyond the cap is not worth draining: drop the connection */
        return h->seen > DRAIN_FACTOR * s->o.max_body ? MHD_NO : MHD_YES;
    }
    pl_http_deadline_done(watched(c)); /* the body is complete */
    if (h->too_large) {
        char msg[96];
        snprintf(msg, sizeof msg, "Request body exceeds the limit of %zu bytes.",
                 s->o.max_body);
        return send_fail(c, h, "unknown", PL_E_REQUEST_TOO_LARGE, 1, msg);
    }
    return serve_api(s, c, h, url);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct pl_http_server *s = cls;
    struct hreq *h = *con_cls;
    pl_http_deadline_rearm(s->deadline, watched(c)); /* the next request's headers */
    if (!h)
        return;
    pl_buf_fini(&h->body);
    pl_arena_fini(&h->arena);
    free(h);
    *con_cls = NULL;
}

/* Tracks each connection's header deadline from accept to close (see deadline.h). */
static void notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe)
{
    struct pl_http_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci ? pl_http_deadline_track(s->deadline, ci->connect_fd) : NULL;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        pl_http_deadline_untrack(s->deadline, *socket_context);
        *socket_context = NULL;
    }
}

/* ---- start / stop ---- */

int pl_http_parse_listen(const char *listen, char *host, size_t hostlen, uint16_t *port,
                         struct pl_err *err)
{
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    long long p;
    if (!colon || pl_parse_i64(colon + 1, &p) < 0 || p < 0 || p > 65535)
        return pl_fail(err, PL_E_VALIDATION, "--listen wants HOST:PORT, got '%s'",
                       listen ? listen : "");
    const char *h = listen;
    size_t hl = (size_t)(colon - listen);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= hostlen)
        return pl_fail(err, PL_E_VALIDATION, "--listen: host too long");
    memcpy(host, h, hl);
    host[hl] = '\0';
    if (hl == 0)
        pl_strlcpy(host, "0.0.0.0", hostlen);
    *port = (uint16_t)p;
    return 0;
}

static int resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
                   struct pl_err *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    int rc = getaddrinfo(host, ps, &hints, &res);
    if (rc != 0 || !res)
        return pl_fail(err, PL_E_VALIDATION, "--listen: cannot resolve '%s': %s", host,
                       gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

static void describe_metrics(void)
{
    pl_metrics_help("plumb_requests_total", "API requests by operation and AWS error code.");
    pl_metrics_help("plumb_request_duration_seconds", "API request latency, seconds.");
}

struct pl_http_server *pl_http_server_start(const struct pl_http_opts *o, struct pl_err *err)
{
    char host[256];
    uint16_t port;
    struct sockaddr_storage ss;
    if (pl_http_parse_listen(o->listen ? o->listen : PL_HTTP_DEFAULT_LISTEN, host, sizeof host,
                             &port, err) < 0 ||
        resolve(host, port, &ss, err) < 0)
        return NULL;
    struct pl_http_server *s = pl_xcalloc(1, sizeof *s);
    s->o = *o;
    s->o.threads = o->threads ? o->threads : PL_HTTP_DEFAULT_THREADS;
    s->o.max_body = o->max_body ? o->max_body : PL_HTTP_MAX_BODY;
    if (o->auth == PL_HTTP_AUTH_SIGV4) {
        s->creds = pl_creds_open(o->data_dir ? o->data_dir : ".", err);
        if (!s->creds)
            goto fail;
        if (o->session_master)
            pl_creds_set_sessions(s->creds, o->session_master, o->session_check,
                                  o->session_ctx);
    } else {
        PL_LOG(WARN, "http", "auth=open: signatures are NOT verified; do not expose this port");
    }
    describe_metrics();
    unsigned max_conns = conn_limit(s->o.max_conns ? s->o.max_conns : PL_HTTP_MAX_CONNS);
    unsigned per_ip = s->o.max_per_ip ? s->o.max_per_ip : PL_HTTP_MAX_PER_IP;
    unsigned idle = s->o.idle_timeout ? s->o.idle_timeout : PL_HTTP_IDLE_TIMEOUT;
    unsigned hdr = s->o.header_timeout ? s->o.header_timeout : PL_HTTP_HEADER_TIMEOUT;
    unsigned body = s->o.body_timeout ? s->o.body_timeout : PL_HTTP_BODY_TIMEOUT;
    s->deadline = pl_http_deadline_start(hdr, idle + hdr, body, err);
    if (!s->deadline)
        goto fail;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(flags, port, NULL, NULL, handler, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_THREAD_POOL_SIZE, s->o.threads,
                            MHD_OPTION_CONNECTION_TIMEOUT, idle,
                            MHD_OPTION_CONNECTION_LIMIT, max_conns,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, notify_conn, s,
                            MHD_OPTION_END);
    if (!s->d) {
        pl_fail(err, PL_E_IO, "cannot listen on %s:%u (in use or not permitted)", host, port);
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di && di->port ? di->port : port;
    PL_LOG(INFO, "http", "listen=%s:%u auth=%s threads=%u header_timeout=%u body_timeout=%u",
           host, s->port, o->auth == PL_HTTP_AUTH_OPEN ? "open" : "sigv4", s->o.threads, hdr,
           body);
    return s;
fail:
    pl_http_deadline_stop(s->deadline);
    pl_creds_close(s->creds);
    free(s);
    return NULL;
}

uint16_t pl_http_server_port(const struct pl_http_server *s)
{
    return s ? s->port : 0;
}

void pl_http_server_stop(struct pl_http_server *s)
{
    if (!s)
        return;
    if (s->d)
        MHD_stop_daemon(s->d); /* closes every connection: each is untracked first */
    pl_http_deadline_stop(s->deadline);
    pl_creds_close(s->creds);
    free(s);
}

int pl_http_announce(FILE *out, const struct pl_http_opts *o, uint16_t port, struct pl_err *err)
{
    char host[256];
    uint16_t p;
    struct pl_cred c;
    int created = 0;
    if (pl_http_parse_listen(o->listen ? o->listen : PL_HTTP_DEFAULT_LISTEN, host, sizeof host,
                             &p, err) < 0)
        return -1;
    if (strcmp(host, "0.0.0.0") == 0)
        pl_strlcpy(host, "127.0.0.1", sizeof host);
    const char *lb = strchr(host, ':') ? "[" : "", *rb = strchr(host, ':') ? "]" : "";
    if (o->auth == PL_HTTP_AUTH_OPEN) {
        pl_strlcpy(c.access_key, PL_DEFAULT_ACCOUNT, sizeof c.access_key);
        pl_strlcpy(c.secret, "anything", sizeof c.secret);
    } else if (pl_creds_ensure(o->data_dir ? o->data_dir : ".", &c, &created, err) < 0) {
        return -1;
    }
    fprintf(out, "plumb: listening on http://%s%s%s:%u (auth %s)\n", lb, host, rb, port,
            o->auth == PL_HTTP_AUTH_OPEN ? "open: signatures not checked" : "sigv4");
    if (created)
        fprintf(out, "plumb: created access key %s for account %s in %s/%s\n", c.access_key,
                PL_DEFAULT_ACCOUNT, o->data_dir ? o->data_dir : ".", PL_CREDS_FILE);
    fprintf(out,
            "export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=us-east-1\n",
            c.access_key, c.secret);
    fprintf(out, "export AWS_ENDPOINT_URL_CONFIG_SERVICE=http://%s%s%s:%u\n", lb, host, rb, port);
    memset(c.secret, 0, sizeof c.secret);
    fflush(out);
    return 0;
}
