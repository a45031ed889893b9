/* sigv4.c — AWS Signature Version 4: canonical request, string to sign, signature, the
 * Authorization header parser and the signer for outgoing requests (see sigv4.h).
 *
 * Invariants: nothing here logs, reads the clock or allocates beyond the caller's buffers and
 * short-lived arrays freed before returning; every output buffer is bounded.
 */
#include "core/sigv4.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/time.h"
#include "core/util.h"

/* ---- SHA-256 (core/hash.c's per-thread context) and HMAC ---- */

void pl_sigv4_sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char d[32];
    pl_sha256_concat(p, n, NULL, 0, d);
    pl_hex(d, 32, out);
}

/* HMAC-SHA256 (RFC 2104) over the per-thread context. */
static void hmac(const void *key, size_t klen, const void *m, size_t n, unsigned char out[32])
{
    unsigned char k0[64] = {0}, pad[64], inner[32];
    if (klen > sizeof k0)
        pl_sha256_concat(key, klen, NULL, 0, k0);
    else
        memcpy(k0, key, klen);
    for (int i = 0; i < 64; i++)
        pad[i] = k0[i] ^ 0x36;
    pl_sha256_concat(pad, 64, m, n, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = k0[i] ^ 0x5c;
    pl_sha256_concat(pad, 64, inner, 32, out);
    memset(k0, 0, sizeof k0);
    memset(pad, 0, sizeof pad);
}

/* ---- signing key ---- */

void pl_sigv4_derive_key(const char *secret, const char *date, const char *region,
                         const char *service, unsigned char key[32])
{
    char k0[160];
    unsigned char a[32], b[32];
    int n = snprintf(k0, sizeof k0, "AWS4%s", secret);
    if (n < 0 || (size_t)n >= sizeof k0)
        n = (int)sizeof k0 - 1;
    hmac(k0, (size_t)n, date, strlen(date), a);
    hmac(a, 32, region, strlen(region), b);
    hmac(b, 32, service, strlen(service), a);
    hmac(a, 32, PL_SIGV4_TERMINATOR, strlen(PL_SIGV4_TERMINATOR), key);
    memset(k0, 0, sizeof k0);
}

const unsigned char *pl_sigv4_key_get(struct pl_sigv4_key *c, const char *secret, const char *date,
                                      const char *region, const char *service)
{
    uint64_t fp = pl_fnv1a(secret, strlen(secret));
    if (c->valid && c->secret_fp == fp && strcmp(c->date, date) == 0 &&
        strcmp(c->region, region) == 0 && strcmp(c->service, service) == 0)
        return c->key;
    pl_sigv4_derive_key(secret, date, region, service, c->key);
    c->secret_fp = fp;
    pl_strlcpy(c->date, date, sizeof c->date);
    pl_strlcpy(c->region, region, sizeof c->region);
    pl_strlcpy(c->service, service, sizeof c->service);
    c->valid = 1;
    return c->key;
}

/* ---- encoding helpers ---- */

static int unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int pl_sigv4_uri_encode(struct pl_buf *b, const char *s, size_t n, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            if (pl_buf_putc(b, (char)c) < 0)
                return -1;
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            if (pl_buf_append(b, e, 3) < 0)
                return -1;
        }
    }
    return 0;
}

size_t pl_sigv4_uri_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = pl_hex_value((unsigned char)s[i + 1])) >= 0 &&
            (l = pl_hex_value((unsigned char)s[i + 2])) >= 0) {
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    return o;
}

/* ---- canonical URI ---- */

/* Appends the canonical URI of a decoded path: dot segments removed and empty segments
 * collapsed (unless no_normalize), then every segment URI-encoded. */
static int canonical_uri(struct pl_buf *b, const char *path, int no_normalize)
{
    if (!path || !*path || strcmp(path, "/") == 0)
        return pl_buf_putc(b, '/');
    if (no_normalize)
        return pl_sigv4_uri_encode(b, path, strlen(path), 1);

    size_t n = strlen(path), nseg = 0;
    size_t *start = pl_xmalloc((n + 1) * sizeof *start), *len = pl_xmalloc((n + 1) * sizeof *len);
    int rc = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && path[i] == '/')
            i++;
        size_t j = i;
        while (j < n && path[j] != '/')
            j++;
        size_t l = j - i;
        if (l == 0 || (l == 1 && path[i] == '.')) {
            /* skip */
        } else if (l == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (nseg)
                nseg--;
        } else {
            start[nseg] = i;
            len[nseg++] = l;
        }
        i = j;
    }
    int trailing = path[n - 1] == '/' || (n >= 2 && path[n - 1] == '.' && path[n - 2] == '/') ||
                   (n >= 3 && path[n - 1] == '.' && path[n - 2] == '.' && path[n - 3] == '/');
    for (size_t k = 0; k < nseg && rc == 0; k++)
        rc = pl_buf_putc(b, '/') < 0 || pl_sigv4_uri_encode(b, path + start[k], len[k], 0) < 0
                 ? -1
                 : 0;
    if (rc == 0 && (nseg == 0 || trailing))
        rc = pl_buf_putc(b, '/');
    free(start);
    free(len);
    return rc;
}

/* ---- canonical query ---- */

struct qparam {
    char *name, *value; /* encoded, NUL-terminated, malloc'd */
};

static int qparam_cmp(const void *a, const void *b)
{
    const struct qparam *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* Decodes then re-encodes s[0..n) into a malloc'd string. */
static char *reencode(const char *s, size_t n)
{
    char *dec = pl_xmalloc(n + 1);
    size_t dl = pl_sigv4_uri_decode(s, n, dec);
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    if (pl_sigv4_uri_encode(&b, dec, dl, 0) < 0 || pl_buf_putc(&b, '\0') < 0)
        abort();
    free(dec);
    return pl_buf_take(&b);
}

static int canonical_query(struct pl_buf *b, const char *q)
{
    if (!q || !*q)
        return 0;
    size_t n = strlen(q), np = 0, cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += q[i] == '&';
    struct qparam *p = pl_xcalloc(cap, sizeof *p);
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && q[j] != '&')
            j++;
        if (j > i) {
            const char *eq = memchr(q + i, '=', j - i);
            size_t kl = eq ? (size_t)(eq - (q + i)) : j - i;
            p[np].name = reencode(q + i, kl);
            p[np].value = eq ? reencode(eq + 1, (size_t)(q + j - eq - 1)) : pl_xstrdup("");
            np++;
        }
        i = j + 1;
    }
    qsort(p, np, sizeof *p, qparam_cmp);
    int rc = 0;
    for (size_t k = 0; k < np; k++) {
        if (rc == 0 && pl_buf_printf(b, "%s%s=%s", k ? "&" : "", p[k].name, p[k].value) < 0)
            rc = -1;
        free(p[k].name);
        free(p[k].value);
    }
    free(p);
    return rc;
}

/* ---- canonical headers ---- */

/* Appends v trimmed, with runs of spaces collapsed to one. */
static int put_trimmed(struct pl_buf *b, const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
        n--;
    for (size_t i = 0; i < n; i++) {
        int sp = v[i] == ' ' || v[i] == '\t';
        if (sp && i && (v[i - 1] == ' ' || v[i - 1] == '\t'))
            continue;
        if (pl_buf_putc(b, sp ? ' ' : v[i]) < 0)
            return -1;
    }
    return 0;
}

/* Appends "name:v1,v2\n" for the signed header name[0..nl). 1 if found, 0 if absent, -1. */
static int put_header(struct pl_buf *b, const char *name, size_t nl,
                      const struct pl_sigv4_header *h, size_t nh)
{
    int found = 0;
    for (size_t i = 0; i < nh; i++) {
        if (strlen(h[i].name) != nl || strncasecmp(h[i].name, name, nl) != 0)
            continue;
        if (!found && (pl_buf_append(b, name, nl) < 0 || pl_buf_putc(b, ':') < 0))
            return -1;
        if (found && pl_buf_putc(b, ',') < 0)
            return -1;
        if (put_trimmed(b, h[i].value ? h[i].value : "") < 0)
            return -1;
        found = 1;
    }
    if (found && pl_buf_putc(b, '\n') < 0)
        return -1;
    return found;
}

static int canonical_headers(struct pl_buf *b, const struct pl_sigv4_req *r, struct pl_err *err)
{
    const char *s = r->signed_headers;
    if (!s || !*s)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE, "SignedHeaders is empty.");
    while (*s) {
        const char *e = strchr(s, ';');
        size_t nl = e ? (size_t)(e - s) : strlen(s);
        if (nl == 0)
            return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE, "SignedHeaders has an empty name.");
        int f = put_header(b, s, nl, r->headers, r->nheaders);
        if (f < 0)
            return pl_fail(err, PL_E_SERIALIZATION, "canonical request too large");
        if (f == 0)
            return pl_fail(err, PL_E_INVALID_SIGNATURE,
                           "The request signature we calculated does not match the signature "
                           "you provided: signed header '%.*s' is missing.",
                           (int)(nl > 64 ? 64 : nl), s);
        s += nl + (e ? 1 : 0);
    }
    return 0;
}

int pl_sigv4_canonical_request(const struct pl_sigv4_req *r, struct pl_buf *out, struct pl_err *err)
{
    if (pl_buf_puts(out, r->method) < 0 || pl_buf_putc(out, '\n') < 0 ||
        canonical_uri(out, r->path, r->no_normalize) < 0 || pl_buf_putc(out, '\n') < 0 ||
        canonical_query(out, r->query) < 0 || pl_buf_putc(out, '\n') < 0)
        return pl_fail(err, PL_E_SERIALIZATION, "canonical request too large");
    if (canonical_headers(out, r, err) < 0)
        return -1;
    if (pl_buf_printf(out, "\n%s\n%s", r->signed_headers, r->payload_hash) < 0)
        return pl_fail(err, PL_E_SERIALIZATION, "canonical request too large");
    return 0;
}

int pl_sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical,
                            size_t len, struct pl_buf *out)
{
    char h[65];
    pl_sigv4_sha256_hex(canonical, len, h);
    return pl_buf_printf(out, PL_SIGV4_ALGORITHM "\n%s\n%s\n%s", amz_date, scope, h);
}

void pl_sigv4_signature(const unsigned char key[32], const char *sts, size_t len, char sig[65])
{
    unsigned char mac[32];
    hmac(key, 32, sts, len, mac);
    pl_hex(mac, 32, sig);
}

int pl_sigv4_compute(const struct pl_sigv4_req *r, const char *amz_date, const char *scope,
                     const unsigned char key[32], struct pl_buf *scratch, char sig[65],
                     struct pl_err *err)
{
    pl_buf_reset(scratch);
    if (pl_sigv4_canonical_request(r, scratch, err) < 0)
        return -1;
    size_t clen = scratch->len;
    if (pl_buf_putc(scratch, '\0') < 0 ||
        pl_sigv4_string_to_sign(amz_date, scope, scratch->data, clen, scratch) < 0)
        return pl_fail(err, PL_E_SERIALIZATION, "canonical request too large");
    const char *sts = scratch->data + clen + 1;
    pl_sigv4_signature(key, sts, scratch->len - clen - 1, sig);
    return 0;
}

int pl_sigv4_sig_equal(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned char d = na != nb;
    for (size_t i = 0; i < na && i < nb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/* ---- Authorization header ---- */

static int is_token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || isdigit(c) || strchr("!#$%&'*+-.^_`|~", c);
}

/* Copies s[0..n) into dst (size) when it fits; -1 otherwise. */
static int copy_part(char *dst, size_t size, const char *s, size_t n)
{
    if (n == 0 || n >= size)
        return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

static int parse_credential(const char *v, size_t n, struct pl_sigv4_auth *a, struct pl_err *err)
{
    const char *p[5];
    size_t l[5], k = 0;
    const char *s = v, *end = v + n;
    while (k < 5) {
        const char *e = memchr(s, '/', (size_t)(end - s));
        p[k] = s;
        l[k] = e ? (size_t)(e - s) : (size_t)(end - s);
        k++;
        if (!e)
            break;
        s = e + 1;
    }
    if (k != 5 || p[4] + l[4] != end)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                       "Credential should be scoped to a valid region, service and terminator: "
                       "KEY/YYYYMMDD/REGION/SERVICE/aws4_request.");
    for (size_t i = 0; i < l[0]; i++)
        if (!isalnum((unsigned char)p[0][i]))
            return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE, "Malformed access key id.");
    if (copy_part(a->access_key, sizeof a->access_key, p[0], l[0]) < 0)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE, "Malformed access key id.");
    int date_ok = l[1] == 8;
    for (size_t i = 0; date_ok && i < 8; i++)
        date_ok = isdigit((unsigned char)p[1][i]);
    if (!date_ok || copy_part(a->date, sizeof a->date, p[1], l[1]) < 0)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                       "Credential should be scoped to a valid date (YYYYMMDD).");
    for (size_t i = 0; i < l[2]; i++)
        if (!islower((unsigned char)p[2][i]) && !isdigit((unsigned char)p[2][i]) && p[2][i] != '-')
            return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                           "Credential should be scoped to a valid region.");
    if (copy_part(a->region, sizeof a->region, p[2], l[2]) < 0)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                       "Credential should be scoped to a valid region.");
    for (size_t i = 0; i < l[3]; i++)
        if (!is_token_char((unsigned char)p[3][i]))
            return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                           "Credential should be scoped to a valid service.");
    if (copy_part(a->service, sizeof a->service, p[3], l[3]) < 0)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                       "Credential should be scoped to a valid service.");
    if (l[4] != strlen(PL_SIGV4_TERMINATOR) || memcmp(p[4], PL_SIGV4_TERMINATOR, l[4]) != 0)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                       "Credential should be scoped with a valid terminator: 'aws4_request'.");
    snprintf(a->scope, sizeof a->scope, "%s/%s/%s/%s", a->date, a->region, a->service,
             PL_SIGV4_TERMINATOR);
    return 0;
}

static int parse_signed_headers(const char *v, size_t n, struct pl_sigv4_auth *a,
                                struct pl_err *err)
{
    size_t count = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == ';') {
            if (i == 0 || i + 1 == n || v[i + 1] == ';')
                return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE, "Malformed SignedHeaders.");
            count++;
        } else if (!is_token_char(c)) {
            return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                           "SignedHeaders must be lowercase header names separated by ';'.");
        }
    }
    if (count > PL_SIGV4_MAX_SIGNED ||
        copy_part(a->signed_headers, sizeof a->signed_headers, v, n) < 0)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE, "Malformed SignedHeaders.");
    return 0;
}

static int parse_signature(const char *v, size_t n, struct pl_sigv4_auth *a, struct pl_err *err)
{
    int ok = n == 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = isdigit((unsigned char)v[i]) || (v[i] >= 'a' && v[i] <= 'f');
    if (!ok || copy_part(a->signature, sizeof a->signature, v, n) < 0)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                       "Signature must be 64 lowercase hexadecimal characters.");
    return 0;
}

/* One "Key=value" component; seen[] flags Credential, SignedHeaders, Signature. */
static int parse_component(const char *s, size_t n, struct pl_sigv4_auth *a, int seen[3],
                           struct pl_err *err)
{
    static const char *const keys[3] = {"Credential", "SignedHeaders", "Signature"};
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                       "Authorization header components must be Key=value pairs.");
    size_t kl = (size_t)(eq - s), vl = n - kl - 1;
    for (int k = 0; k < 3; k++) {
        if (kl != strlen(keys[k]) || memcmp(s, keys[k], kl) != 0)
            continue;
        if (seen[k]++)
            return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                           "Authorization header has a duplicate '%s' parameter.", keys[k]);
        if (k == 0)
            return parse_credential(eq + 1, vl, a, err);
        if (k == 1)
            return parse_signed_headers(eq + 1, vl, a, err);
        return parse_signature(eq + 1, vl, a, err);
    }
    return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                   "Authorization header has an unknown component '%.*s'.",
                   (int)(kl > 32 ? 32 : kl), s);
}

int pl_sigv4_parse_auth(const char *h, struct pl_sigv4_auth *a, struct pl_err *err)
{
    static const char *const keys[3] = {"Credential", "SignedHeaders", "Signature"};
    int seen[3] = {0, 0, 0};
    memset(a, 0, sizeof *a);
    if (!h)
        return pl_fail(err, PL_E_MISSING_AUTH_TOKEN, "Missing Authentication Token");
    while (*h == ' ')
        h++;
    size_t alen = strlen(PL_SIGV4_ALGORITHM);
    if (strncmp(h, PL_SIGV4_ALGORITHM, alen) != 0 || h[alen] != ' ')
        return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                       "Unsupported Authorization type; only AWS4-HMAC-SHA256 is accepted.");
    const char *s = h + alen;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        if (!*s)
            break;
        const char *e = s;
        while (*e && *e != ',' && *e != ' ')
            e++;
        if (parse_component(s, (size_t)(e - s), a, seen, err) < 0)
            return -1;
        s = e;
    }
    for (int k = 0; k < 3; k++)
        if (!seen[k])
            return pl_fail(err, PL_E_INCOMPLETE_SIGNATURE,
                           "Authorization header requires '%s' parameter.", keys[k]);
    return 0;
}

/* ---- signer ---- */

struct sign_hdr {
    char name[64]; /* lowercase */
    const char *value;
};

static int sign_hdr_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sign_hdr *)a)->name, ((const struct sign_hdr *)b)->name);
}

static int add_sign_hdr(struct sign_hdr *h, size_t *n, const char *name, const char *value)
{
    if (*n >= PL_SIGV4_MAX_SIGNED || strlen(name) >= sizeof h[0].name)
        return -1;
    size_t i = 0;
    for (; name[i]; i++)
        h[*n].name[i] = (char)tolower((unsigned char)name[i]);
    h[*n].name[i] = '\0';
    h[*n].value = value;
    (*n)++;
    return 0;
}

int pl_sigv4_sign(const struct pl_sigv4_sign_req *r, const struct pl_sigv4_creds *c,
                  struct pl_sigv4_signed *out, struct pl_err *err)
{
    struct sign_hdr h[PL_SIGV4_MAX_SIGNED];
    struct pl_sigv4_header rh[PL_SIGV4_MAX_SIGNED];
    char date[9], scope[256], sig[65], list[1024];
    unsigned char keybuf[32];
    size_t n = 0, ll = 0;
    int rc = -1;
    struct pl_buf scratch;
    pl_buf_init(&scratch, 1 << 20);

    memset(out, 0, sizeof *out);
    pl_time_basic(r->now_ms, out->amz_date);
    memcpy(date, out->amz_date, 8);
    date[8] = '\0';
    pl_sigv4_sha256_hex(r->body ? r->body : "", r->body ? r->body_len : 0, out->content_sha256);
    if (add_sign_hdr(h, &n, "host", r->host) < 0 ||
        add_sign_hdr(h, &n, "x-amz-date", out->amz_date) < 0 ||
        (r->s3 && add_sign_hdr(h, &n, "x-amz-content-sha256", out->content_sha256) < 0) ||
        (c->session_token && add_sign_hdr(h, &n, "x-amz-security-token", c->session_token) < 0))
        goto too_many;
    for (size_t i = 0; i < r->nheaders; i++)
        if (add_sign_hdr(h, &n, r->headers[i].name, r->headers[i].value) < 0)
            goto too_many;
    qsort(h, n, sizeof *h, sign_hdr_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(h[i].name, h[i - 1].name) == 0)
            continue; /* a duplicate name is listed once; its values are joined */
        int w = snprintf(list + ll, sizeof list - ll, "%s%s", ll ? ";" : "", h[i].name);
        if (w < 0 || (size_t)w >= sizeof list - ll)
            goto too_many;
        ll += (size_t)w;
    }
    for (size_t i = 0; i < n; i++)
        rh[i] = (struct pl_sigv4_header){h[i].name, h[i].value};
    snprintf(scope, sizeof scope, "%s/%s/%s/%s", date, r->region, r->service, PL_SIGV4_TERMINATOR);

    const unsigned char *key = keybuf;
    if (r->key_cache)
        key = pl_sigv4_key_get(r->key_cache, c->secret, date, r->region, r->service);
    else
        pl_sigv4_derive_key(c->secret, date, r->region, r->service, keybuf);
    struct pl_sigv4_req cr = {
        .method = r->method,
        .path = r->path,
        .query = r->query,
        .headers = rh,
        .nheaders = n,
        .signed_headers = list,
        .payload_hash = out->content_sha256,
        .no_normalize = r->s3,
    };
    if (pl_sigv4_compute(&cr, out->amz_date, scope, key, &scratch, sig, err) < 0)
        goto out;
    int w = snprintf(out->authorization, sizeof out->authorization,
                     PL_SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                     c->access_key, scope, list, sig);
    if (w < 0 || (size_t)w >= sizeof out->authorization)
        goto too_many;
    rc = 0;
    goto out;
too_many:
    pl_fail(err, PL_E_VALIDATION, "too many or too long headers to sign");
out:
    memset(keybuf, 0, sizeof keybuf);
    pl_buf_fini(&scratch);
    return rc;
}
