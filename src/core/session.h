/* session.h — temporary ("session") credentials for the functions plumb runs, as Lambda hands
 * its execution role's credentials to a function.
 *
 * Stateless: nothing is stored per credential. A server master secret (32 random bytes, hex in
 * DIR/session.key, mode 0600, created on first use) signs them:
 *   access key id  "ASIA" + 16 random base32 characters
 *   session token  "plumb1:KEYID:ACCOUNT:REGION:EXPIRES_MS:FUNCTION:REVISION:" + hex HMAC of
 *                  everything before it (the MAC binds the key id to the rest)
 *   secret         hex(HMAC(master, "secret\n" + token without its MAC))[0..40)
 * The verifier recomputes the MAC (constant-time compare), checks the expiry against
 * pl_now_ms() (plumb's one clock) and derives the secret; whether FUNCTION still exists at
 * REVISION is the caller's question (http/auth.c asks a callback serve.c wires to the function
 * registry). Such credentials are never administrators.
 */
#ifndef PL_CORE_SESSION_H
#define PL_CORE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define PL_SESSION_KEY_FILE  "session.key"
#define PL_SESSION_TOKEN_MAX 400

struct pl_session_master {
    unsigned char key[32];
};

/* One session credential (what a function gets in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN), or the verified content of one. */
struct pl_session_cred {
    char key_id[21];
    char secret[41];
    char token[PL_SESSION_TOKEN_MAX];
    char account[13];
    char region[32];
    char function[65];
    char revision[33];
    int64_t expires_ms;
};

/* Reads DIR/session.key, creating it (0600, random) when absent. */
int pl_session_master_load(const char *dir, struct pl_session_master *m, struct pl_err *err);

/* Mints credentials for (account, region, function at revision) valid until expires_ms.
 * -1 (PL_E_VALIDATION) when a field is malformed (empty, too long, or holds ':'). */
int pl_session_mint(const struct pl_session_master *m, const char *account, const char *region,
                    const char *function, const char *revision, int64_t expires_ms,
                    struct pl_session_cred *out, struct pl_err *err);

/* Verifies token for key_id: MAC, key id, expiry. 0 with *out filled (secret derived), or -1
 * with PL_E_UNRECOGNIZED_CLIENT (forged, tampered, foreign key id) or PL_E_EXPIRED_TOKEN
 * (ExpiredTokenException, HTTP 400, as AWS answers for expired STS credentials). */
int pl_session_verify(const struct pl_session_master *m, const char *key_id, const char *token,
                      struct pl_session_cred *out, struct pl_err *err);

#endif
