/* creds.h — access keys: the credentials file of a data directory and the live table the server
 * authenticates against.
 *
 * DIR/credentials.json (mode 0600) maps access key ids to their secret and account:
 *   {"AKIA…": {"secret": "…", "account": "123456789012",
 *              "created": "2026-11-27T06:00:00Z", "revoked": false, "admin": true}, …}
 * "admin" (absent = false) marks an administrator key: it may also register code that runs on
 * the host (PlumbService.PutFunction). The key plumb serve creates at first start is one.
 * Writers (plumb credentials, first start of plumb serve) take an flock on
 * DIR/credentials.json.lock and replace the file atomically (write + fsync + rename), so a
 * running server never reads a half-written file. The server re-reads the file when its
 * mtime, size or inode change, so `plumb credentials revoke` takes effect within ~100 ms.
 */
#ifndef PL_HTTP_CREDS_H
#define PL_HTTP_CREDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/session.h"

#define PL_CREDS_FILE      "credentials.json"
#define PL_DEFAULT_ACCOUNT "123456789012"

struct pl_cred {
    char access_key[129];
    char secret[129];
    char account[13];
    int64_t created_ms;
    int revoked;
    int admin;   /* an administrator key */
    int session; /* session credentials (ASIA…, core/session.h) of function below */
    char function[65];
};

/* ---- the file ---- */

/* Reads every key of DIR/credentials.json into a malloc'd array (caller frees; may be NULL with
 * *n = 0 when the file does not exist). */
int pl_creds_read(const char *dir, struct pl_cred **out, size_t *n, struct pl_err *err);

/* Creates a new key pair for account (12 digits; NULL = PL_DEFAULT_ACCOUNT), appends it and
 * returns it in *out. Not an administrator key. */
int pl_creds_add(const char *dir, const char *account, struct pl_cred *out, struct pl_err *err);

/* The same with the administrator flag (plumb credentials add --admin). */
int pl_creds_add_key(const char *dir, const char *account, int admin, struct pl_cred *out,
                     struct pl_err *err);

/* Marks key id revoked. PL_E_RESOURCE_NOT_FOUND when unknown; revoking twice is fine. */
int pl_creds_revoke(const char *dir, const char *key_id, struct pl_err *err);

/* The key plumb serve announces: the first active key of PL_DEFAULT_ACCOUNT (else the first
 * active key). When the file holds no key at all, creates one for PL_DEFAULT_ACCOUNT (an
 * administrator key) and sets *created. Fails with PL_E_RESOURCE_NOT_FOUND when every key is revoked. */
int pl_creds_ensure(const char *dir, struct pl_cred *out, int *created, struct pl_err *err);

/* True when s is a 12-digit account id. */
int pl_creds_valid_account(const char *s);

/* ---- the live table (server) ---- */

struct pl_creds;

/* Loads DIR/credentials.json (an absent file is an empty table). */
struct pl_creds *pl_creds_open(const char *dir, struct pl_err *err);
void pl_creds_close(struct pl_creds *c);

/* Copies the record of key_id into *out (revoked keys included: check out->revoked). Re-reads
 * the file first when it changed (checked at most every 100 ms). Thread-safe. Returns 0, or -1
 * when the key is unknown. */
int pl_creds_find(struct pl_creds *c, const char *key_id, struct pl_cred *out);

/* Is the function (account, region, name) still at revision? 1 yes, 0 no (deleted or changed:
 * its credentials are revoked). Called from any HTTP thread. */
typedef int (*pl_creds_session_check_fn)(void *ctx, const char *account, const char *region,
                                         const char *function, const char *revision);

/* Makes the table accept session credentials signed by master (copied), as long as check says
 * their function is unchanged. Call before serving; without it no session key is accepted. */
void pl_creds_set_sessions(struct pl_creds *c, const struct pl_session_master *master,
                           pl_creds_session_check_fn check, void *ctx);

/* Session credentials: verifies token for key_id (pl_session_verify, then the check
 * callback) and fills *out (derived secret, the token's account, session = 1, admin = 0).
 * -1 with PL_E_UNRECOGNIZED_CLIENT when sessions are off, the token is missing, forged,
 * tampered, expired, or its function was deleted or changed. */
int pl_creds_find_session(struct pl_creds *c, const char *key_id, const char *token,
                          struct pl_cred *out, struct pl_err *err);

#endif
