/* fuzz_http_sigv4.c — libFuzzer target for the SigV4 surface an attacker controls: the
 * Authorization header parser, the canonical request over arbitrary headers, paths and
 * queries, the request authenticator (both modes) and the signer.
 *
 * Input: line 1 the Authorization value, line 2 "path[?query]", then "Name: value" header
 * lines, a blank line and the body. Every error message is valid UTF-8, and the authenticator's
 * errors (which the server sends) render as AWS JSON errors (fuzz_check.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sigv4.h"
#include "core/time.h"
#include "fuzz_check.h"
#include "http/auth.h"

#define MAXH 40

/* Splits the next '\n'-terminated line off *p (in place); NULL at the end. */
static char *next_line(char **p, char *end)
{
    if (*p >= end)
        return NULL;
    char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));
    if (!nl)
        nl = end;
    *nl = '\0';
    *p = nl + 1;
    return s;
}

/* An authentication failure as the server sends it. */
static void check_wire_error(struct pl_arena *a, const struct pl_err *e)
{
    struct pl_buf b;
    fuzz_err(e);
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_json_write_error(&b, e);
    fuzz_aws_error(a, b.data, b.len);
    pl_buf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_sigv4_header h[MAXH + 1];
    size_t nh = 0;
    char *buf = malloc(size + 1), *p = buf, *end = buf + size;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *authz = next_line(&p, end), *target = next_line(&p, end), *line;
    char *query = target ? strchr(target, '?') : NULL;
    if (query)
        *query++ = '\0';
    if (authz)
        h[nh++] = (struct pl_sigv4_header){"Authorization", authz};
    while (nh < MAXH && (line = next_line(&p, end)) && *line) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        h[nh++] = (struct pl_sigv4_header){line, colon + 1};
    }
    const char *body = p < end ? p : "";
    size_t blen = p < end ? (size_t)(end - p) : 0;

    struct pl_sigv4_auth a;
    struct pl_err err = {0};
    struct pl_buf out;
    pl_buf_init(&out, 1 << 20);
    if (authz && pl_sigv4_parse_auth(authz, &a, &err) == 0) {
        struct pl_sigv4_req r = {"POST", target, query, h, nh, a.signed_headers,
                                 PL_SIGV4_EMPTY_SHA256, (int)(size & 1)};
        struct pl_err e2 = {0};
        pl_sigv4_canonical_request(&r, &out, &e2);
        fuzz_err(&e2);
    }
    fuzz_err(&err);
    pl_clock_set(1795755469000LL); /* 2026-11-27T04:57:49Z, deterministic */
    struct pl_http_request req = {"POST", target ? target : "/", query ? query : "", h, nh,
                                  body, blen};
    struct pl_http_identity id;
    struct pl_err e3 = {0}, e4 = {0}, e5 = {0};
    struct pl_arena ar;
    pl_arena_init(&ar);
    if (pl_http_authenticate(PL_HTTP_AUTH_OPEN, NULL, &req, &id, &e3) < 0)
        check_wire_error(&ar, &e3);
    if (pl_http_authenticate(PL_HTTP_AUTH_SIGV4, NULL, &req, &id, &e4) < 0)
        check_wire_error(&ar, &e4);
    pl_arena_fini(&ar);

    struct pl_sigv4_creds c = {"AKIDEXAMPLE", "secret", NULL};
    struct pl_sigv4_signed s;
    struct pl_sigv4_sign_req sr = {.method = "POST", .host = "h", .path = target ? target : "/",
                                   .query = query, .headers = h, .nheaders = nh, .body = body,
                                   .body_len = blen, .region = "us-east-1", .service = "config",
                                   .now_ms = 1795755469000LL, .s3 = (int)(size & 2)};
    pl_sigv4_sign(&sr, &c, &s, &e5);
    fuzz_err(&e5);
    pl_buf_fini(&out);
    free(buf);
    return 0;
}
