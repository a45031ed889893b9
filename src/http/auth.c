/* auth.c — SigV4 verification of incoming requests (see auth.h).
 *
 * Order of checks, as AWS does them: header present (MissingAuthenticationToken), well formed
 * (IncompleteSignature), X-Amz-Date present and in the credential's day, service "config",
 * date within 15 minutes of pl_now_ms() (InvalidSignature "Signature expired…"), key known and
 * active (UnrecognizedClient), then the signature (InvalidSignature), compared in constant time.
 * Derived signing keys are cached per thread and per key id, so a steady client costs one
 * SHA-256 of the body, one of the canonical request and one HMAC per request.
 */
#include "http/auth.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/hash.h"
#include "core/time.h"
#include "core/util.h"

#define KEY_CACHE 4

static __thread struct {
    char key_id[129];
    struct pl_sigv4_key key;
} key_cache[KEY_CACHE];
static __thread unsigned key_cache_next;

const char *pl_http_header(const struct pl_http_request *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* "YYYYMMDDTHHMMSSZ" -> ms; -1 when malformed. */
static int parse_amz_date(const char *s, int64_t *ms)
{
    struct pl_tm t = {0};
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return -1;
    for (int i = 0; i < 15; i++)
        if (i != 8 && !isdigit((unsigned char)s[i]))
            return -1;
    if (sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &t.year, &t.mon, &t.day, &t.hour, &t.min, &t.sec) != 6)
        return -1;
    if (t.mon < 1 || t.mon > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.min > 59 ||
        t.sec > 60)
        return -1;
    *ms = pl_time_from_civil(&t);
    return 0;
}

static int check_date(const char *amz_date, const struct pl_sigv4_auth *a, struct pl_err *err)
{
    int64_t t, now = pl_now_ms();
    char a1[32], a2[32];
    if (!amz_date)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                       "Authorization header requires existence of either a 'X-Amz-Date' or a "
                       "'Date' header.");
    if (parse_amz_date(amz_date, &t) < 0)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                       "X-Amz-Date must be in the ISO-8601 basic format YYYYMMDDTHHMMSSZ.");
    if (strncmp(amz_date, a->date, 8) != 0)
        return pl_fail(err, PL_E_INVALID_SIGNATURE,
                       "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                       "of date from HTTP: '%s' != '%.8s', from '%s'.",
                       a->date, amz_date, amz_date);
    if (t < now - PL_HTTP_CLOCK_SKEW_MS)
        return pl_fail(err, PL_E_INVALID_SIGNATURE,
                       "Signature expired: %s is now earlier than %s (%s - 15 min.)", amz_date,
                       pl_time_basic(now - PL_HTTP_CLOCK_SKEW_MS, a1), pl_time_basic(now, a2));
    if (t > now + PL_HTTP_CLOCK_SKEW_MS)
        return pl_fail(err, PL_E_INVALID_SIGNATURE,
                       "Signature not yet current: %s is still later than %s (%s + 15 min.)",
                       amz_date, pl_time_basic(now + PL_HTTP_CLOCK_SKEW_MS, a1),
                       pl_time_basic(now, a2));
    return 0;
}

/* 1 when name is in the ';'-separated list. */
static int signed_has(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *s = list; s; s = strchr(s, ';') ? strchr(s, ';') + 1 : NULL)
        if (strncmp(s, name, n) == 0 && (s[n] == ';' || s[n] == '\0'))
            return 1;
    return 0;
}

/* The headers that decide what a request does must be signed, as botocore always signs them:
 * host always; x-amz-target (the operation), content-type, x-amz-date and
 * x-amz-security-token whenever the request has them. Otherwise a request signed over less
 * could be replayed, within the date window, as another operation. */
static int check_signed_headers(const struct pl_http_request *r, const struct pl_sigv4_auth *a,
                                struct pl_err *err)
{
    static const struct {
        const char *name, *shown;
    } must[] = {{"x-amz-target", "X-Amz-Target"},
                {"content-type", "Content-Type"},
                {"x-amz-date", "X-Amz-Date"},
                {"x-amz-security-token", "X-Amz-Security-Token"}};
    if (!signed_has(a->signed_headers, "host"))
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                       "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                       "Authorization.");
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (pl_http_header(r, must[i].name) && !signed_has(a->signed_headers, must[i].name))
            return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                           "'%s' must be a 'SignedHeader' in the AWS Authorization.",
                           must[i].shown);
    return 0;
}

static const unsigned char *cached_key(const struct pl_cred *c, const struct pl_sigv4_auth *a)
{
    unsigned i = 0;
    while (i < KEY_CACHE && strcmp(key_cache[i].key_id, c->access_key) != 0)
        i++;
    if (i == KEY_CACHE) {
        i = key_cache_next++ % KEY_CACHE;
        pl_strlcpy(key_cache[i].key_id, c->access_key, sizeof key_cache[i].key_id);
        key_cache[i].key.valid = 0;
    }
    return pl_sigv4_key_get(&key_cache[i].key, c->secret, a->date, a->region, a->service);
}

/* The payload hash to sign with: x-amz-content-sha256 when sent (it must match the body),
 * else the SHA-256 of the body. */
static int payload_hash(const struct pl_http_request *r, char out[65], struct pl_err *err)
{
    const char *sent = pl_http_header(r, "x-amz-content-sha256");
    pl_sigv4_sha256_hex(r->body ? r->body : "", r->body ? r->body_len : 0, out);
    if (sent && strcmp(sent, out) != 0)
        return pl_fail(err, PL_E_INVALID_SIGNATURE,
                       "The provided 'x-amz-content-sha256' header does not match what was "
                       "computed.");
    return 0;
}

static int verify_signature(const struct pl_cred *c, const struct pl_sigv4_auth *a,
                            const char *amz_date, const struct pl_http_request *r,
                            struct pl_err *err)
{
    char ph[65], sig[65];
    struct pl_buf scratch;
    int rc = -1;
    if (payload_hash(r, ph, err) < 0)
        return -1;
    pl_buf_init(&scratch, 256 << 10);
    struct pl_sigv4_req sr = {
        .method = r->method, .path = r->path, .query = r->query, .headers = r->headers,
        .nheaders = r->nheaders, .signed_headers = a->signed_headers, .payload_hash = ph,
    };
    if (pl_sigv4_compute(&sr, amz_date, a->scope, cached_key(c, a), &scratch, sig, err) < 0)
        goto out;
    if (!pl_sigv4_sig_equal(sig, a->signature)) {
        pl_fail(err, PL_E_INVALID_SIGNATURE,
                "The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method. Consult the "
                "service documentation for details.");
        goto out;
    }
    rc = 0;
out:
    memset(sig, 0, sizeof sig);
    pl_buf_fini(&scratch);
    return rc;
}

/* Session credentials (ASIA… key ids, core/session.h): the token must be sent in
 * X-Amz-Security-Token and signed, as botocore does; the table verifies it. */
static int find_session(struct pl_creds *creds, const struct pl_sigv4_auth *a,
                        const struct pl_http_request *r, struct pl_cred *c, struct pl_err *err)
{
    const char *token = pl_http_header(r, "x-amz-security-token");
    if (!token || !signed_has(a->signed_headers, "x-amz-security-token"))
        return pl_fail(err, PL_E_UNRECOGNIZED_CLIENT,
                       "The security token included in the request is invalid.");
    return pl_creds_find_session(creds, a->access_key, token, c, err);
}

/* The key record of the request's key id (long-lived or session); -1 with err when unusable. */
static int find_key(struct pl_creds *creds, const struct pl_sigv4_auth *a,
                    const struct pl_http_request *r, struct pl_cred *c, struct pl_err *err)
{
    if (strncmp(a->access_key, "ASIA", 4) == 0)
        return find_session(creds, a, r, c, err);
    if (!creds || pl_creds_find(creds, a->access_key, c) < 0 || c->revoked)
        return pl_fail(err, PL_E_UNRECOGNIZED_CLIENT,
                       "The security token included in the request is invalid.");
    return 0;
}

static void open_account(const char *key_id, char account[13])
{
    pl_strlcpy(account, pl_creds_valid_account(key_id) ? key_id : PL_DEFAULT_ACCOUNT, 13);
}

int pl_http_authenticate(enum pl_http_auth mode, struct pl_creds *creds,
                         const struct pl_http_request *r, struct pl_http_identity *id,
                         struct pl_err *err)
{
    struct pl_sigv4_auth a;
    struct pl_cred c;
    memset(id, 0, sizeof *id);
    const char *h = pl_http_header(r, "authorization");
    if (!h)
        return pl_fail(err, PL_E_MISSING_AUTH_TOKEN, "Missing Authentication Token");
    if (pl_sigv4_parse_auth(h, &a, err) < 0)
        return -1;
    pl_strlcpy(id->access_key, a.access_key, sizeof id->access_key);
    pl_strlcpy(id->part.region, a.region, sizeof id->part.region);
    if (mode == PL_HTTP_AUTH_OPEN) {
        open_account(a.access_key, id->part.account);
        id->admin = 1;
        return 0;
    }
    if (check_signed_headers(r, &a, err) < 0)
        return -1;
    const char *amz_date = pl_http_header(r, "x-amz-date");
    if (check_date(amz_date, &a, err) < 0)
        return -1;
    if (strcmp(a.service, PL_HTTP_SERVICE) != 0)
        return pl_fail(err, PL_E_INVALID_SIGNATURE,
                       "Credential should be scoped to correct service: '" PL_HTTP_SERVICE "'.");
    if (find_key(creds, &a, r, &c, err) < 0)
        return -1;
    int rc = verify_signature(&c, &a, amz_date, r, err);
    if (rc == 0) {
        pl_strlcpy(id->part.account, c.account, sizeof id->part.account);
        id->admin = c.admin && !c.session;
        id->session = c.session;
    }
    memset(c.secret, 0, sizeof c.secret);
    return rc;
}
