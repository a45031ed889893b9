/* stub_server.c — the HTTP transport alone: pl_http_server with SigV4 verification in front of
 * a trivial pl_api_call() that parses the JSON body and answers "{}". run.sh measures it when
 * no plumb binary is given, to separate transport + auth cost from the operations' cost.
 *
 *   plumb-http-stub DATA_DIR [PORT]   prints "port=N" and the export line, runs until SIGTERM
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "core/json.h"
#include "http/http.h"

int pl_api_known_op(const char *prefix, const char *op)
{
    return 1;
}

int pl_api_call(const struct pl_api_req *req, struct pl_buf *out, struct pl_err *err)
{
    return pl_json_parse(req->arena, req->body, req->body_len, err) ? 0 : -1;
}

int main(int argc, char **argv)
{
    char listen[64];
    struct pl_err err = {0};
    sigset_t set;
    int sig;
    if (argc < 2)
        return fprintf(stderr, "usage: plumb-http-stub DATA_DIR [PORT]\n"), 2;
    snprintf(listen, sizeof listen, "127.0.0.1:%s", argc > 2 ? argv[2] : "0");
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    const char *th = getenv("PL_HTTP_THREADS");
    struct pl_http_opts o = {.listen = listen, .data_dir = argv[1],
                             .threads = th ? (unsigned)atoi(th) : 0};
    struct pl_http_server *s = pl_http_server_start(&o, &err);
    if (!s || pl_http_announce(stdout, &o, pl_http_server_port(s), &err) < 0)
        return fprintf(stderr, "plumb-http-stub: %s\n", err.msg), 1;
    printf("port=%u\n", pl_http_server_port(s));
    fflush(stdout);
    sigwait(&set, &sig);
    pl_http_server_stop(s);
    return 0;
}
