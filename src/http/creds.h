/* creds.h — access keys: the credentials file of a data directory and the live table the server
 * authenticates against.
 *
 * DIR/credentials.json (mode 0600) maps access key ids to their secret and account:
 *   {"AKIA…": {"secret": "…", "account": "123456789012",
 *              "created": "2026-11-27T06:00:00Z", "revoked": false}, …}
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

#define PL_CREDS_FILE      "credentials.json"
#define PL_DEFAULT_ACCOUNT "123456789012"

struct pl_cred {
    char access_key[129];
    char secret[129];
    char account[13];
    int64_t created_ms;
    int revoked;
};

/* ---- the file ---- */

/* Reads every key of DIR/credentials.json into a malloc'd array (caller frees; may be NULL with
 * *n = 0 when the file does not exist). */
int pl_creds_read(const char *dir, struct pl_cred **out, size_t *n, struct pl_err *err);

/* Creates a new key pair for account (12 digits; NULL = PL_DEFAULT_ACCOUNT), appends it and
 * returns it in *out. */
int pl_creds_add(const char *dir, const char *account, struct pl_cred *out, struct pl_err *err);

/* Marks key id revoked. PL_E_RESOURCE_NOT_FOUND when unknown; revoking twice is fine. */
int pl_creds_revoke(const char *dir, const char *key_id, struct pl_err *err);

/* The key plumb serve announces: the first active key of PL_DEFAULT_ACCOUNT (else the first
 * active key). When the file holds no key at all, creates one for PL_DEFAULT_ACCOUNT and sets
 * *created. Fails with PL_E_RESOURCE_NOT_FOUND when every key is revoked. */
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

#endif
