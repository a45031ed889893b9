/* sigv4.h — AWS Signature Version 4 primitives, shared by the server's verifier (http/), the
 * outbound client (core/client.c) and the load generator (bench/http/).
 *
 * The steps follow AWS's specification and its published test suite (tests/data/sigv4/):
 *   signing key  = HMAC chain over "AWS4"+secret, date, region, service, "aws4_request"
 *   canonical    = METHOD \n URI \n QUERY \n headers \n signed-header-list \n payload-hash
 *   string2sign  = "AWS4-HMAC-SHA256" \n amz-date \n scope \n hex(sha256(canonical))
 *   signature    = hex(hmac(signing key, string2sign))
 * Nothing here reads the clock, the network or a credentials store; every input is explicit,
 * so the same code signs and verifies. Secrets and signatures are never logged.
 */
#ifndef PL_CORE_SIGV4_H
#define PL_CORE_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define PL_SIGV4_ALGORITHM    "AWS4-HMAC-SHA256"
#define PL_SIGV4_TERMINATOR   "aws4_request"
#define PL_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define PL_SIGV4_UNSIGNED     "UNSIGNED-PAYLOAD"
#define PL_SIGV4_MAX_SIGNED   64 /* signed headers per request */

/* One request header as received or to be sent. Names are compared case-insensitively;
 * a name may appear several times (values are then joined with ',' in request order). */
struct pl_sigv4_header {
    const char *name;
    const char *value;
};

/* ---- signing key (cache-friendly) ---- */

/* A derived signing key and what it was derived from. It is valid for one (secret, date,
 * region, service) and changes once a day, so callers keep one per credential (or per thread)
 * and let pl_sigv4_key_get() re-derive only when an input changes. Zero-initialise it. */
struct pl_sigv4_key {
    uint64_t secret_fp; /* fingerprint of the secret (not the secret) */
    char date[9];       /* YYYYMMDD */
    char region[32];
    char service[32];
    unsigned char key[32];
    int valid;
};

/* key = HMAC chain for (secret, date "YYYYMMDD", region, service). */
void pl_sigv4_derive_key(const char *secret, const char *date, const char *region,
                         const char *service, unsigned char key[32]);

/* Returns the signing key for the inputs, deriving it into *cache only when they differ from
 * the cached ones. The returned pointer is cache->key. Not thread-safe per cache. */
const unsigned char *pl_sigv4_key_get(struct pl_sigv4_key *cache, const char *secret,
                                      const char *date, const char *region, const char *service);

/* ---- canonical request, string to sign, signature ---- */

/* The parts of a request that SigV4 covers. */
struct pl_sigv4_req {
    const char *method; /* "POST" */
    const char *path;   /* decoded path ("/", "/my key.json"); it is URI-encoded once here */
    const char *query;  /* raw query string without '?' (may be NULL or "") */
    const struct pl_sigv4_header *headers; /* every header of the request */
    size_t nheaders;
    const char *signed_headers; /* "content-type;host;x-amz-date": lowercase, ';'-separated */
    const char *payload_hash;   /* 64 lowercase hex chars, or PL_SIGV4_UNSIGNED */
    int no_normalize;           /* S3: keep '.', '..' and '//' segments as they are */
};

/* Appends the canonical request to out. Fails with PL_E_INCOMPLETE_SIGNATURE when the signed
 * header list is empty, unsorted or duplicated, or PL_E_INVALID_SIGNATURE when a signed
 * header is absent from the request. */
int pl_sigv4_canonical_request(const struct pl_sigv4_req *r, struct pl_buf *out,
                               struct pl_err *err);

/* scope: "YYYYMMDD/region/service/aws4_request"; amz_date: "YYYYMMDDTHHMMSSZ". Appends the
 * string to sign for canonical[0..len) to out. */
int pl_sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical,
                            size_t len, struct pl_buf *out);

/* hex(HMAC(key, sts)) into sig (65 bytes with NUL). */
void pl_sigv4_signature(const unsigned char key[32], const char *sts, size_t len, char sig[65]);

/* Canonical request -> string to sign -> signature, in one call (scratch is reused by the
 * caller to avoid allocations; it is reset here). */
int pl_sigv4_compute(const struct pl_sigv4_req *r, const char *amz_date, const char *scope,
                     const unsigned char key[32], struct pl_buf *scratch, char sig[65],
                     struct pl_err *err);

/* Appends s[0..n) URI-encoded as SigV4 and RFC 3986 want: unreserved bytes kept, '/' kept when
 * keep_slash, every other byte as %XX. 0, or -1 past b's cap. */
int pl_sigv4_uri_encode(struct pl_buf *b, const char *s, size_t n, int keep_slash);

/* Percent-decodes s[0..n) into out (room for n bytes; not NUL-terminated); a '%' not followed
 * by two hex digits is kept as is. Returns the decoded length. */
size_t pl_sigv4_uri_decode(const char *s, size_t n, char *out);

/* Lowercase hex SHA-256 of p[0..n) (the payload hash), 65 bytes with NUL. */
void pl_sigv4_sha256_hex(const void *p, size_t n, char out[65]);

/* Constant-time comparison of two hex signatures; 1 when equal. */
int pl_sigv4_sig_equal(const char *a, const char *b);

/* ---- the Authorization header ---- */

/* A parsed "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=a;b, Signature=hex" header. */
struct pl_sigv4_auth {
    char access_key[129];
    char date[9];
    char region[32];
    char service[32];
    char scope[256]; /* "DATE/REGION/SERVICE/aws4_request" */
    char signed_headers[1024];
    char signature[65];
};

/* Parses an Authorization header strictly: the algorithm, then exactly one each of Credential,
 * SignedHeaders and Signature (any order, ", " or "," separated). Fails with
 * PL_E_INCOMPLETE_SIGNATURE and an AWS-style message on anything malformed (the message never
 * contains the signature). */
int pl_sigv4_parse_auth(const char *header, struct pl_sigv4_auth *out, struct pl_err *err);

/* ---- signing an outgoing request ---- */

struct pl_sigv4_creds {
    const char *access_key;
    const char *secret;
    const char *session_token; /* NULL unless temporary credentials */
};

struct pl_sigv4_sign_req {
    const char *method;
    const char *host;  /* value of the Host header ("bucket.s3.amazonaws.com", "h:port") */
    const char *path;  /* decoded, as in pl_sigv4_req */
    const char *query; /* canonical-ready raw query or NULL */
    const struct pl_sigv4_header *headers; /* extra headers to sign (content-type, x-amz-target) */
    size_t nheaders;
    const void *body;
    size_t body_len;
    const char *region;
    const char *service; /* "config", "s3", "sns" */
    int64_t now_ms;      /* the signing time (pass pl_now_ms()) */
    int s3;              /* adds x-amz-content-sha256 and keeps the path un-normalised */
    struct pl_sigv4_key *key_cache; /* optional; NULL derives the key every time */
};

/* The headers to add to the request: "Authorization", "X-Amz-Date", and for S3
 * "x-amz-content-sha256" (and "X-Amz-Security-Token" when the credentials carry one). */
struct pl_sigv4_signed {
    char authorization[1600];
    char amz_date[17];
    char content_sha256[65];
};

int pl_sigv4_sign(const struct pl_sigv4_sign_req *r, const struct pl_sigv4_creds *c,
                  struct pl_sigv4_signed *out, struct pl_err *err);

#endif
