/* session.c — stateless session credentials signed by a master secret (see session.h).
 *
 * Invariants: a token's fields never hold ':' (checked when minting, so parsing by ':' is
 * exact); every comparison of a MAC is constant-time; secrets and the master key never reach a
 * log line.
 */
#include "core/session.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/hash.h"
#include "core/time.h"
#include "core/util.h"

#define TOKEN_PREFIX "plumb1:"

static int hex_decode(const char *s, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

/* Creates DIR/session.key with O_EXCL (a concurrent creator wins; the loser reads its key). */
static int create_key(const char *path, struct pl_session_master *m, struct pl_err *err)
{
    char hex[65];
    if (RAND_bytes(m->key, sizeof m->key) != 1)
        return pl_fail(err, PL_E_INTERNAL, "no random bytes for %s", path);
    pl_hex(m->key, sizeof m->key, hex);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? 1 : pl_fail(err, PL_E_IO, "%s: %s", path, strerror(errno));
    int ok = write(fd, hex, 64) == 64 && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    close(fd);
    OPENSSL_cleanse(hex, sizeof hex);
    return ok ? 0 : pl_fail(err, PL_E_IO, "%s: %s", path, strerror(errno));
}

int pl_session_master_load(const char *dir, struct pl_session_master *m, struct pl_err *err)
{
    char path[4096];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", dir, PL_SESSION_KEY_FILE);
    char *text = pl_read_file(path, 4096, &len);
    if (!text) {
        if (errno != ENOENT)
            return pl_fail(err, PL_E_IO, "%s: %s", path, strerror(errno));
        int rc = create_key(path, m, err);
        if (rc <= 0)
            return rc;
        text = pl_read_file(path, 4096, &len);
        if (!text)
            return pl_fail(err, PL_E_IO, "%s: %s", path, strerror(errno));
    }
    int rc = len >= 64 && hex_decode(text, m->key, sizeof m->key) == 0
                 ? 0
                 : pl_fail(err, PL_E_VALIDATION, "%s: not 64 hex characters", path);
    OPENSSL_cleanse(text, len);
    free(text);
    return rc;
}

static void mac_hex(const struct pl_session_master *m, const char *label, const char *body,
                    char out[65])
{
    unsigned char mac[32];
    char buf[PL_SESSION_TOKEN_MAX + 16];
    int n = snprintf(buf, sizeof buf, "%s\n%s", label, body);
    pl_hmac_sha256(m->key, sizeof m->key, buf, (size_t)n, mac);
    pl_hex(mac, sizeof mac, out);
    OPENSSL_cleanse(buf, sizeof buf);
}

/* The secret of a token body: the first 40 hex characters of its "secret" MAC. */
static void derive_secret(const struct pl_session_master *m, const char *body, char out[41])
{
    char hex[65];
    mac_hex(m, "secret", body, hex);
    memcpy(out, hex, 40);
    out[40] = '\0';
    OPENSSL_cleanse(hex, sizeof hex);
}

static int field_ok(const char *s, size_t max)
{
    return s && *s && strlen(s) < max && !strchr(s, ':') && !strchr(s, '\n');
}

int pl_session_mint(const struct pl_session_master *m, const char *account, const char *region,
                    const char *function, const char *revision, int64_t expires_ms,
                    struct pl_session_cred *out, struct pl_err *err)
{
    static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char r[16];
    char body[PL_SESSION_TOKEN_MAX], mac[65];
    memset(out, 0, sizeof *out);
    if (!field_ok(account, sizeof out->account) || !field_ok(region, sizeof out->region) ||
        !field_ok(function, sizeof out->function) || !field_ok(revision, sizeof out->revision))
        return pl_fail(err, PL_E_VALIDATION, "session credentials: malformed field");
    if (RAND_bytes(r, sizeof r) != 1)
        return pl_fail(err, PL_E_INTERNAL, "session credentials: no random bytes");
    memcpy(out->key_id, "ASIA", 4);
    for (size_t i = 0; i < 16; i++)
        out->key_id[4 + i] = b32[r[i] % 32];
    snprintf(body, sizeof body, TOKEN_PREFIX "%s:%s:%s:%" PRId64 ":%s:%s:", out->key_id, account,
             region, expires_ms, function, revision);
    mac_hex(m, "token", body, mac);
    size_t bl = strlen(body);
    if (bl + 64 >= sizeof out->token)
        return pl_fail(err, PL_E_VALIDATION, "session credentials: token too long");
    memcpy(out->token, body, bl);
    memcpy(out->token + bl, mac, 65);
    derive_secret(m, body, out->secret);
    pl_strlcpy(out->account, account, sizeof out->account);
    pl_strlcpy(out->region, region, sizeof out->region);
    pl_strlcpy(out->function, function, sizeof out->function);
    pl_strlcpy(out->revision, revision, sizeof out->revision);
    out->expires_ms = expires_ms;
    return 0;
}

/* Splits body "plumb1:K:A:R:E:F:V:" into out's fields; -1 when malformed. */
static int parse_body(const char *body, struct pl_session_cred *out)
{
    char *f[7], copy[PL_SESSION_TOKEN_MAX];
    static const size_t max[7] = {21, 13, 32, 21, 65, 33, 0};
    pl_strlcpy(copy, body + strlen(TOKEN_PREFIX), sizeof copy);
    char *p = copy;
    for (int i = 0; i < 6; i++) {
        char *c = strchr(p, ':');
        if (!c || c == p || (size_t)(c - p) >= max[i])
            return -1;
        *c = '\0';
        f[i] = p;
        p = c + 1;
    }
    if (*p) /* the body ends with the ':' before the MAC */
        return -1;
    char *end;
    errno = 0;
    long long exp = strtoll(f[3], &end, 10);
    if (errno || *end)
        return -1;
    pl_strlcpy(out->key_id, f[0], sizeof out->key_id);
    pl_strlcpy(out->account, f[1], sizeof out->account);
    pl_strlcpy(out->region, f[2], sizeof out->region);
    out->expires_ms = exp;
    pl_strlcpy(out->function, f[4], sizeof out->function);
    pl_strlcpy(out->revision, f[5], sizeof out->revision);
    return 0;
}

int pl_session_verify(const struct pl_session_master *m, const char *key_id, const char *token,
                      struct pl_session_cred *out, struct pl_err *err)
{
    char body[PL_SESSION_TOKEN_MAX], mac[65];
    size_t n = token ? strlen(token) : 0;
    memset(out, 0, sizeof *out);
    if (n < 64 + strlen(TOKEN_PREFIX) || n >= sizeof out->token ||
        strncmp(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0)
        goto invalid;
    memcpy(body, token, n - 64);
    body[n - 64] = '\0';
    mac_hex(m, "token", body, mac);
    if (CRYPTO_memcmp(mac, token + n - 64, 64) != 0 || parse_body(body, out) < 0 ||
        strcmp(out->key_id, key_id) != 0)
        goto invalid;
    if (out->expires_ms <= pl_now_ms())
        return pl_fail(err, PL_E_EXPIRED_TOKEN,
                       "The security token included in the request is expired");
    pl_strlcpy(out->token, token, sizeof out->token);
    derive_secret(m, body, out->secret);
    return 0;
invalid:
    memset(out, 0, sizeof *out);
    return pl_fail(err, PL_E_UNRECOGNIZED_CLIENT,
                   "The security token included in the request is invalid.");
}
