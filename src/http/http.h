/* http.h — plumb's HTTP transport: libmicrohttpd with a small thread pool and keep-alive,
 * SigV4 verification, the X-Amz-Target dispatch to pl_api_call(), /metrics and /healthz.
 *
 * Routes:
 *   POST /          AWS JSON 1.1: X-Amz-Target "StarlingDoveService.<Op>" or "PlumbService.<Op>"
 *   GET  /metrics   Prometheus text (core/metrics.h registry)
 *   GET  /healthz   "ok"
 *   GET  /, /<file> the console's embedded files (web/assets.h): ETag, no-cache, strict CSP
 *   GET  other      the optional get hook (console), else 404
 * Every response carries x-amzn-RequestId; errors are {"__type", "message"} with
 * pl_err_status(). Bodies above max_body are refused with 400 RequestEntityTooLargeException
 * before they are read (Content-Length) or as soon as they pass the cap (chunked).
 *
 * pl_api_call() runs concurrently on the pool's threads (opts.threads of them).
 */
#ifndef PL_HTTP_HTTP_H
#define PL_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/session.h"
#include "http/creds.h"

struct pl_app;

#define PL_HTTP_MAX_BODY       (2u << 20) /* 2 MiB: PutResourceConfig's configuration <= 64 KB */
#define PL_HTTP_DEFAULT_LISTEN "127.0.0.1:7711"
#define PL_HTTP_CLOCK_SKEW_MS  (15 * 60 * 1000)
/* 4 threads keep both cores busy while a request waits for the store's write lock */
#define PL_HTTP_DEFAULT_THREADS 4

enum pl_http_auth {
    PL_HTTP_AUTH_SIGV4 = 0, /* verify signatures against DIR/credentials.json (default) */
    PL_HTTP_AUTH_OPEN,      /* accept any well-formed SigV4 header (local testing only) */
};

/* Optional handler for GET paths other than /metrics and /healthz. Appends the body to out,
 * sets *content_type (a static string) and returns the HTTP status (404 when unknown). */
typedef int (*pl_http_get_fn)(void *ctx, const char *path, const char *query,
                              struct pl_buf *out, const char **content_type);

/* Connection limits: one client address cannot take the server's connections from others
 * (1,000 idle sockets used to stop it for everyone). */
#define PL_HTTP_MAX_CONNS    10000
#define PL_HTTP_MAX_PER_IP   64
#define PL_HTTP_IDLE_TIMEOUT 30
/* Request headers must be complete this many seconds after accept, however slowly they
 * trickle in (the idle timeout alone let a byte every few seconds hold a socket forever). */
#define PL_HTTP_HEADER_TIMEOUT 10
/* And the request body this many seconds after its headers (a body trickled a byte at a time
 * held a connection and a request buffer for as long as the idle timeout allowed). */
#define PL_HTTP_BODY_TIMEOUT 60

struct pl_http_opts {
    const char *listen;     /* "HOST:PORT" (IPv4 or [IPv6]); port 0 picks a free port */
    enum pl_http_auth auth; /* PL_HTTP_AUTH_SIGV4 unless --auth open */
    const char *data_dir;   /* credentials.json lives (and is re-read when changed) here */
    struct pl_app *app;     /* handed to pl_api_call() in every request */
    unsigned threads;       /* thread pool size; 0 = PL_HTTP_DEFAULT_THREADS */
    size_t max_body;        /* 0 = PL_HTTP_MAX_BODY */
    unsigned max_conns;     /* connections in all; 0 = PL_HTTP_MAX_CONNS (clamped to the fds) */
    unsigned max_per_ip;    /* connections per client address; 0 = PL_HTTP_MAX_PER_IP */
    unsigned idle_timeout;  /* seconds a connection may stay silent; 0 = PL_HTTP_IDLE_TIMEOUT */
    unsigned header_timeout; /* seconds from accept (or from the previous request's end, plus
                                idle_timeout) to complete request headers; 0 = default */
    unsigned body_timeout;  /* seconds from the headers to the end of the body; 0 = default */
    pl_http_get_fn get;     /* optional */
    void *get_ctx;
    /* session credentials of functions (sigv4 mode): accepted when signed by this master and
     * session_check says their function is unchanged; NULL: none accepted */
    const struct pl_session_master *session_master;
    pl_creds_session_check_fn session_check;
    void *session_ctx;
};

struct pl_http_server;

/* Parses "HOST:PORT" ("127.0.0.1:7711", "0.0.0.0:80", "[::1]:7711", ":7711" = all IPv4). */
int pl_http_parse_listen(const char *listen, char *host, size_t hostlen, uint16_t *port,
                         struct pl_err *err);

/* Starts the server; returns NULL with err on failure (bad address, port in use, unreadable
 * credentials file). In SigV4 mode it does NOT create credentials: call pl_http_announce()
 * (or pl_creds_ensure()) first. Logs a warning in open mode. */
struct pl_http_server *pl_http_server_start(const struct pl_http_opts *o, struct pl_err *err);

/* The port actually bound (useful with port 0). */
uint16_t pl_http_server_port(const struct pl_http_server *s);

/* Stops accepting, finishes in-flight requests, joins the threads and frees s (NULL is fine). */
void pl_http_server_stop(struct pl_http_server *s);

/* Ensures DIR/credentials.json holds a usable key (creating one for account 123456789012 on
 * first start) and prints to out, for plumb serve's banner:
 *   plumb: listening on http://HOST:PORT (auth sigv4)
 *   export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… AWS_DEFAULT_REGION=us-east-1
 *   export AWS_ENDPOINT_URL_CONFIG_SERVICE=http://HOST:PORT
 * In open mode it prints example credentials instead and touches no file. */
int pl_http_announce(FILE *out, const struct pl_http_opts *o, uint16_t port, struct pl_err *err);

#endif
