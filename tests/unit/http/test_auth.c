/* test_auth.c — pl_http_authenticate() on hand-built requests with a frozen clock: the order of
 * the checks, the 15-minute window at its edges, the scope checks, the payload hash, open mode's
 * accounts, and AWS's messages. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sigv4.h"
#include "core/time.h"
#include "http/auth.h"
#include "http/creds.h"
#include "t.h"

#define NOW_MS 1795755469000LL /* 2026-11-27T04:57:49Z */

static char dir[256];
static struct pl_cred key;
static struct pl_creds *creds;

/* A signed request as botocore would send it, built into static storage. */
struct built {
    struct pl_sigv4_header h[8];
    size_t nh;
    struct pl_sigv4_signed s;
    char host[32];
    const char *body;
};

/* nsigned: how many of content-type and x-amz-target are signed (botocore: both). */
static void build_n(struct built *b, const char *service, int64_t at_ms, const char *secret,
                    const char *body, size_t nsigned)
{
    struct pl_err err = {0};
    struct pl_sigv4_header sh[] = {{"content-type", "application/x-amz-json-1.1"},
                                   {"x-amz-target", "StarlingDoveService.Echo"}};
    struct pl_sigv4_creds c = {key.access_key, secret ? secret : key.secret, NULL};
    snprintf(b->host, sizeof b->host, "127.0.0.1:7711");
    b->body = body ? body : "{}";
    struct pl_sigv4_sign_req r = {.method = "POST", .host = b->host, .path = "/", .headers = sh,
                                  .nheaders = nsigned, .body = b->body, .body_len = strlen(b->body),
                                  .region = "eu-west-1", .service = service, .now_ms = at_ms};
    T_OK(pl_sigv4_sign(&r, &c, &b->s, &err) == 0);
    b->nh = 0;
    b->h[b->nh++] = (struct pl_sigv4_header){"Host", b->host};
    b->h[b->nh++] = (struct pl_sigv4_header){"Content-Type", "application/x-amz-json-1.1"};
    b->h[b->nh++] = (struct pl_sigv4_header){"X-Amz-Target", "StarlingDoveService.Echo"};
    b->h[b->nh++] = (struct pl_sigv4_header){"X-Amz-Date", b->s.amz_date};
    b->h[b->nh++] = (struct pl_sigv4_header){"Authorization", b->s.authorization};
}

static void build(struct built *b, const char *service, int64_t at_ms, const char *secret,
                  const char *body)
{
    build_n(b, service, at_ms, secret, body, 2);
}

static int auth(struct built *b, enum pl_http_auth mode, struct pl_http_identity *id,
                struct pl_err *err)
{
    struct pl_http_request r = {"POST", "/", "", b->h, b->nh, b->body, strlen(b->body)};
    return pl_http_authenticate(mode, creds, &r, id, err);
}

static void expect(struct built *b, enum pl_errcode code, const char *msg_part)
{
    struct pl_http_identity id;
    struct pl_err err = {0};
    T_EQ(auth(b, PL_HTTP_AUTH_SIGV4, &id, &err), code ? -1 : 0);
    T_EQ(err.code, code);
    if (msg_part && !strstr(err.msg, msg_part))
        T_FAIL_("message \"%s\" lacks \"%s\"", err.msg, msg_part);
}

static void test_good(void)
{
    struct built b;
    struct pl_http_identity id;
    struct pl_err err = {0};
    build(&b, "config", NOW_MS, NULL, "{\"a\":1}");
    T_OK(auth(&b, PL_HTTP_AUTH_SIGV4, &id, &err) == 0);
    T_STR(id.part.account, "123456789012");
    T_STR(id.part.region, "eu-west-1");
    T_STR(id.access_key, key.access_key);
}

static void test_clock_window(void)
{
    struct built b;
    build(&b, "config", NOW_MS - 15 * 60 * 1000, NULL, NULL); /* exactly 15 min: accepted */
    expect(&b, PL_E_NONE, NULL);
    build(&b, "config", NOW_MS - 15 * 60 * 1000 - 1000, NULL, NULL);
    expect(&b, PL_E_INVALID_SIGNATURE,
           "Signature expired: 20261127T044248Z is now earlier than 20261127T044249Z "
           "(20261127T045749Z - 15 min.)");
    build(&b, "config", NOW_MS + 15 * 60 * 1000 + 1000, NULL, NULL);
    expect(&b, PL_E_INVALID_SIGNATURE, "Signature not yet current: 20261127T051250Z");
}

static void test_scope_and_headers(void)
{
    struct built b;
    build(&b, "s3", NOW_MS, NULL, NULL);
    expect(&b, PL_E_INVALID_SIGNATURE, "Credential should be scoped to correct service: 'config'");
    build(&b, "config", NOW_MS, NULL, NULL);
    b.h[3].value = "20261126T045749Z"; /* a day off the scope */
    expect(&b, PL_E_INVALID_SIGNATURE, "Date in Credential scope does not match");
    b.h[3].value = "2026-11-27T04:57:49Z";
    expect(&b, PL_E_INCOMPLETE_SIGNATURE, "YYYYMMDDTHHMMSSZ");
    b.h[3].name = "X-Not-Date";
    expect(&b, PL_E_INCOMPLETE_SIGNATURE, "'X-Amz-Date' or a 'Date' header");
    build(&b, "config", NOW_MS, NULL, NULL);
    b.h[0].value = "evil.example:7711"; /* host changed in flight */
    expect(&b, PL_E_INVALID_SIGNATURE, "does not match the signature you provided");
    build(&b, "config", NOW_MS, NULL, NULL);
    b.nh--; /* no Authorization */
    expect(&b, PL_E_MISSING_AUTH_TOKEN, "Missing Authentication Token");
}

static void test_host_must_be_signed(void)
{
    struct built b;
    char hdr[512];
    build(&b, "config", NOW_MS, NULL, NULL);
    snprintf(hdr, sizeof hdr,
             "AWS4-HMAC-SHA256 Credential=%s/20261127/eu-west-1/config/aws4_request, "
             "SignedHeaders=x-amz-date, Signature=%064d",
             key.access_key, 0);
    b.h[4].value = hdr;
    expect(&b, PL_E_INCOMPLETE_SIGNATURE, "'Host' or ':authority' must be a 'SignedHeader'");
}

/* A request validly signed over host;x-amz-date only cannot be replayed as another operation:
 * the operation header (and content-type) must be signed. */
static void test_target_must_be_signed(void)
{
    struct built b;
    build_n(&b, "config", NOW_MS, NULL, NULL, 0);
    T_OK(strstr(b.s.authorization, "SignedHeaders=host;x-amz-date,") != NULL);
    expect(&b, PL_E_INCOMPLETE_SIGNATURE, "'X-Amz-Target' must be a 'SignedHeader'");
    build_n(&b, "config", NOW_MS, NULL, NULL, 1); /* content-type signed, the target not */
    expect(&b, PL_E_INCOMPLETE_SIGNATURE, "'X-Amz-Target' must be a 'SignedHeader'");
}

static void test_payload(void)
{
    struct built b;
    char sha[65];
    build(&b, "config", NOW_MS, NULL, "{\"a\":1}");
    b.body = "{\"a\":2}"; /* body changed after signing */
    expect(&b, PL_E_INVALID_SIGNATURE, "does not match the signature you provided");
    build(&b, "config", NOW_MS, NULL, "{\"a\":1}");
    pl_sigv4_sha256_hex("{\"a\":1}", 7, sha);
    b.h[b.nh++] = (struct pl_sigv4_header){"x-amz-content-sha256", sha}; /* right, unsigned */
    expect(&b, PL_E_NONE, NULL);
    b.h[b.nh - 1].value = PL_SIGV4_EMPTY_SHA256;
    expect(&b, PL_E_INVALID_SIGNATURE, "'x-amz-content-sha256' header does not match");
}

static void test_keys(void)
{
    struct built b;
    struct pl_err err = {0};
    build(&b, "config", NOW_MS, "0000000000000000000000000000000000000000", NULL);
    expect(&b, PL_E_INVALID_SIGNATURE, "Check your AWS Secret Access Key");
    T_OK(pl_creds_revoke(dir, key.access_key, &err) == 0);
    usleep(150 * 1000);
    build(&b, "config", NOW_MS, NULL, NULL);
    expect(&b, PL_E_UNRECOGNIZED_CLIENT, "The security token included in the request is invalid.");
}

static void test_open_mode(void)
{
    struct built b;
    struct pl_http_identity id;
    struct pl_err err = {0};
    build(&b, "anything", NOW_MS - 86400000LL, "wrong", NULL); /* stale, wrong service and key */
    T_OK(auth(&b, PL_HTTP_AUTH_OPEN, &id, &err) == 0);
    T_STR(id.part.account, "123456789012"); /* the key id is not 12 digits */
    T_STR(id.part.region, "eu-west-1");
    char hdr[512];
    snprintf(hdr, sizeof hdr,
             "AWS4-HMAC-SHA256 Credential=444455556666/20200101/ap-south-1/config/aws4_request, "
             "SignedHeaders=host, Signature=%064d", 0);
    b.h[4].value = hdr;
    T_OK(auth(&b, PL_HTTP_AUTH_OPEN, &id, &err) == 0);
    T_STR(id.part.account, "444455556666");
    T_STR(id.part.region, "ap-south-1");
    b.h[4].value = "AWS4-HMAC-SHA256 Credential=444455556666/2020/x";
    T_OK(auth(&b, PL_HTTP_AUTH_OPEN, &id, &err) < 0);
    T_EQ(err.code, PL_E_INCOMPLETE_SIGNATURE);
}

int main(void)
{
    struct pl_err err = {0};
    int created;
    char cmd[300];
    snprintf(dir, sizeof dir, "/tmp/pl_test_auth.%d", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0 || pl_creds_ensure(dir, &key, &created, &err) < 0)
        return 1;
    creds = pl_creds_open(dir, &err);
    if (!creds)
        return 1;
    pl_clock_set(NOW_MS);
    T_RUN(test_good);
    T_RUN(test_clock_window);
    T_RUN(test_scope_and_headers);
    T_RUN(test_host_must_be_signed);
    T_RUN(test_target_must_be_signed);
    T_RUN(test_payload);
    T_RUN(test_open_mode);
    T_RUN(test_keys);
    pl_creds_close(creds);
    if (system(cmd) != 0)
        return 1;
    return T_EXIT();
}
