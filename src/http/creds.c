/* creds.c — the credentials file and the server's live key table (see creds.h).
 *
 * Key ids look like AWS's ("AKIA" + 16 base32 characters) and secrets are 40 characters of the
 * base64 alphabet, both from OpenSSL's RAND_bytes. Secrets never reach a log line.
 */
#include "http/creds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/time.h"
#include "core/util.h"

#define CREDS_MAX_BYTES (4 << 20)

int pl_creds_valid_account(const char *s)
{
    if (!s || strlen(s) != 12)
        return 0;
    for (int i = 0; i < 12; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static void creds_path(char *out, size_t n, const char *dir, const char *suffix)
{
    snprintf(out, n, "%s/%s%s", dir, PL_CREDS_FILE, suffix);
}

/* Parses one "KEYID": {...} member into c. */
static int parse_entry(const struct pl_json *e, struct pl_cred *c, struct pl_err *err)
{
    const char *secret = pl_json_get_str(e, "secret");
    const char *account = pl_json_get_str(e, "account");
    const char *created = pl_json_get_str(e, "created");
    memset(c, 0, sizeof *c);
    if (!e->key || !*e->key || e->klen >= sizeof c->access_key || !secret ||
        strlen(secret) >= sizeof c->secret || !pl_creds_valid_account(account))
        return pl_fail(err, PL_E_VALIDATION, "credentials file: malformed entry '%.40s'",
                       e->key ? e->key : "");
    pl_strlcpy(c->access_key, e->key, sizeof c->access_key);
    pl_strlcpy(c->secret, secret, sizeof c->secret);
    pl_strlcpy(c->account, account, sizeof c->account);
    if (created)
        pl_time_parse(created, &c->created_ms);
    c->revoked = pl_json_truthy(pl_json_get(e, "revoked"));
    c->admin = pl_json_truthy(pl_json_get(e, "admin"));
    return 0;
}

static int parse_file(const char *text, size_t len, struct pl_cred **out, size_t *n,
                      struct pl_err *err)
{
    struct pl_arena a;
    int rc = -1;
    pl_arena_init(&a);
    *out = NULL;
    *n = 0;
    struct pl_json *root = pl_json_parse(&a, text, len, err);
    if (!root)
        goto out;
    if (!pl_json_is(root, PL_JOBJ)) {
        pl_fail(err, PL_E_VALIDATION, "credentials file: not a JSON object");
        goto out;
    }
    *out = pl_xcalloc(root->len ? root->len : 1, sizeof **out);
    for (const struct pl_json *e = root->child; e; e = e->next)
        if (parse_entry(e, &(*out)[(*n)++], err) < 0)
            goto out;
    rc = 0;
out:
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    pl_arena_fini(&a);
    return rc;
}

int pl_creds_read(const char *dir, struct pl_cred **out, size_t *n, struct pl_err *err)
{
    char path[4096];
    size_t len = 0;
    creds_path(path, sizeof path, dir, "");
    *out = NULL;
    *n = 0;
    char *text = pl_read_file(path, CREDS_MAX_BYTES, &len);
    if (!text)
        return errno == ENOENT ? 0 : pl_fail(err, PL_E_IO, "%s: %s", path, strerror(errno));
    int rc = parse_file(text, len, out, n, err);
    free(text);
    return rc;
}

/* Writes the keys to DIR/credentials.json atomically with mode 0600. */
static int write_file(const char *dir, const struct pl_cred *k, size_t n, struct pl_err *err)
{
    char path[4096], tmp[4200], created[32];
    struct pl_buf b;
    int rc = -1, fd = -1;
    pl_buf_init(&b, CREDS_MAX_BYTES);
    pl_buf_puts(&b, "{");
    for (size_t i = 0; i < n; i++) {
        pl_buf_puts(&b, i ? ",\n  " : "\n  ");
        pl_json_write_str(&b, k[i].access_key, strlen(k[i].access_key));
        pl_buf_puts(&b, ": {\"secret\": ");
        pl_json_write_str(&b, k[i].secret, strlen(k[i].secret));
        pl_buf_printf(&b, ", \"account\": \"%s\", \"created\": \"%s\", \"revoked\": %s%s}",
                      k[i].account, pl_time_iso8601(k[i].created_ms, created),
                      k[i].revoked ? "true" : "false", k[i].admin ? ", \"admin\": true" : "");
    }
    if (pl_buf_puts(&b, "\n}\n") < 0) {
        pl_fail(err, PL_E_LIMIT_EXCEEDED, "too many credentials");
        goto out;
    }
    creds_path(path, sizeof path, dir, "");
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) < 0) {
        pl_fail(err, PL_E_IO, "%s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) < 0) {
        pl_fail(err, PL_E_IO, "%s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    pl_buf_fini(&b);
    return rc;
}

/* Takes the writers' lock (creating DIR when missing). Returns the fd or -1. */
static int lock_dir(const char *dir, struct pl_err *err)
{
    char path[4096];
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return pl_fail(err, PL_E_IO, "%s: %s", dir, strerror(errno));
    creds_path(path, sizeof path, dir, ".lock");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) < 0) {
        if (fd >= 0)
            close(fd);
        return pl_fail(err, PL_E_IO, "%s: %s", path, strerror(errno));
    }
    return fd;
}

static void random_chars(char *out, size_t n, const char *alphabet)
{
    unsigned char r[64];
    size_t na = strlen(alphabet);
    if (RAND_bytes(r, (int)n) != 1)
        abort();
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[r[i] % na]; /* 32 and 64 divide 256: uniform */
    out[n] = '\0';
}

static void new_key(struct pl_cred *c, const char *account, int admin)
{
    memset(c, 0, sizeof *c);
    memcpy(c->access_key, "AKIA", 4);
    random_chars(c->access_key + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    random_chars(c->secret, 40,
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    pl_strlcpy(c->account, account, sizeof c->account);
    c->created_ms = pl_now_ms() / 1000 * 1000;
    c->admin = admin;
}

/* Appends a new key for account to the keys already in the (locked) file. */
static int add_locked(const char *dir, const char *account, int admin, struct pl_cred *out,
                      struct pl_err *err)
{
    struct pl_cred *k = NULL;
    size_t n = 0;
    int rc = -1;
    if (pl_creds_read(dir, &k, &n, err) < 0)
        return -1;
    struct pl_cred *all = pl_xrealloc(k, (n + 1) * sizeof *all);
    new_key(&all[n], account, admin);
    if (write_file(dir, all, n + 1, err) == 0) {
        *out = all[n];
        rc = 0;
    }
    free(all);
    return rc;
}

int pl_creds_add(const char *dir, const char *account, struct pl_cred *out, struct pl_err *err)
{
    return pl_creds_add_key(dir, account, 0, out, err);
}

int pl_creds_add_key(const char *dir, const char *account, int admin, struct pl_cred *out,
                     struct pl_err *err)
{
    account = account ? account : PL_DEFAULT_ACCOUNT;
    if (!pl_creds_valid_account(account))
        return pl_fail(err, PL_E_VALIDATION, "account must be 12 digits, got '%.20s'", account);
    int fd = lock_dir(dir, err);
    if (fd < 0)
        return -1;
    int rc = add_locked(dir, account, admin, out, err);
    close(fd);
    return rc;
}

int pl_creds_revoke(const char *dir, const char *key_id, struct pl_err *err)
{
    struct pl_cred *k = NULL;
    size_t n = 0, i = 0;
    int rc = -1, fd = lock_dir(dir, err);
    if (fd < 0)
        return -1;
    if (pl_creds_read(dir, &k, &n, err) < 0)
        goto out;
    while (i < n && strcmp(k[i].access_key, key_id) != 0)
        i++;
    if (i == n) {
        pl_fail(err, PL_E_RESOURCE_NOT_FOUND, "no access key '%.128s'", key_id);
        goto out;
    }
    k[i].revoked = 1;
    rc = write_file(dir, k, n, err);
out:
    free(k);
    close(fd);
    return rc;
}

/* The announced key among k[0..n): first active of the default account, else first active. */
static const struct pl_cred *pick(const struct pl_cred *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!k[i].revoked && strcmp(k[i].account, PL_DEFAULT_ACCOUNT) == 0)
            return &k[i];
    for (size_t i = 0; i < n; i++)
        if (!k[i].revoked)
            return &k[i];
    return NULL;
}

int pl_creds_ensure(const char *dir, struct pl_cred *out, int *created, struct pl_err *err)
{
    struct pl_cred *k = NULL;
    size_t n = 0;
    int rc = -1, fd = lock_dir(dir, err);
    *created = 0;
    if (fd < 0)
        return -1;
    if (pl_creds_read(dir, &k, &n, err) < 0)
        goto out;
    if (n == 0) {
        rc = add_locked(dir, PL_DEFAULT_ACCOUNT, 1, out, err); /* the first key: administrator */
        *created = rc == 0;
        goto out;
    }
    const struct pl_cred *p = pick(k, n);
    if (!p) {
        pl_fail(err, PL_E_RESOURCE_NOT_FOUND,
                "every access key is revoked; create one with: plumb credentials add --data %s",
                dir);
        goto out;
    }
    *out = *p;
    rc = 0;
out:
    free(k);
    close(fd);
    return rc;
}

/* ---- live table ---- */

struct pl_creds {
    char *dir;
    pthread_rwlock_t lock;
    struct pl_cred *keys;
    size_t n;
    struct stat st;     /* of the file as last loaded (st_ino 0: absent) */
    int64_t checked_ns; /* last stat, pl_mono_ns() */
    int sessions;       /* pl_creds_set_sessions was called */
    struct pl_session_master master;
    pl_creds_session_check_fn check;
    void *check_ctx;
};

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Re-reads the file if it changed since the last load; keeps the old table on a bad file.
 * Unless now is set, the file is looked at no more than every 100 ms; force reloads even when
 * it looks unchanged. */
static void maybe_reload(struct pl_creds *c, int now, int force)
{
    char path[4096];
    struct stat st;
    int64_t t = pl_mono_ns();
    if (!now && !force && t - __atomic_load_n(&c->checked_ns, __ATOMIC_RELAXED) < 100000000)
        return;
    __atomic_store_n(&c->checked_ns, t, __ATOMIC_RELAXED);
    creds_path(path, sizeof path, c->dir, "");
    if (stat(path, &st) < 0)
        memset(&st, 0, sizeof st);
    pthread_rwlock_rdlock(&c->lock);
    int same = same_file(&st, &c->st);
    pthread_rwlock_unlock(&c->lock);
    if (same && !force)
        return;
    struct pl_cred *k = NULL;
    size_t n = 0;
    struct pl_err err = {0};
    if (pl_creds_read(c->dir, &k, &n, &err) < 0) {
        free(k);
        return; /* the caller of pl_creds_open reports errors; later ones keep the old table */
    }
    pthread_rwlock_wrlock(&c->lock);
    free(c->keys);
    c->keys = k;
    c->n = n;
    c->st = st;
    pthread_rwlock_unlock(&c->lock);
}

struct pl_creds *pl_creds_open(const char *dir, struct pl_err *err)
{
    struct pl_cred *k = NULL;
    size_t n = 0;
    if (pl_creds_read(dir, &k, &n, err) < 0)
        return NULL;
    struct pl_creds *c = pl_xcalloc(1, sizeof *c);
    c->dir = pl_xstrdup(dir);
    pthread_rwlock_init(&c->lock, NULL);
    free(k);
    maybe_reload(c, 0, 1);
    return c;
}

void pl_creds_close(struct pl_creds *c)
{
    if (!c)
        return;
    pthread_rwlock_destroy(&c->lock);
    OPENSSL_cleanse(&c->master, sizeof c->master);
    free(c->keys);
    free(c->dir);
    free(c);
}

/* Copies key_id's record into *out from the current table; 0 found, -1 not. */
static int lookup(struct pl_creds *c, const char *key_id, struct pl_cred *out)
{
    int rc = -1;
    pthread_rwlock_rdlock(&c->lock);
    for (size_t i = 0; i < c->n && rc < 0; i++)
        if (strcmp(c->keys[i].access_key, key_id) == 0) {
            *out = c->keys[i];
            rc = 0;
        }
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int pl_creds_find(struct pl_creds *c, const char *key_id, struct pl_cred *out)
{
    maybe_reload(c, 0, 0);
    if (lookup(c, key_id, out) == 0)
        return 0;
    /* an unknown key may be one just added (or the first key, created right after start):
     * look at the file now rather than within 100 ms */
    maybe_reload(c, 1, 0);
    return lookup(c, key_id, out);
}

void pl_creds_set_sessions(struct pl_creds *c, const struct pl_session_master *master,
                           pl_creds_session_check_fn check, void *ctx)
{
    c->master = *master;
    c->check = check;
    c->check_ctx = ctx;
    c->sessions = 1;
}

int pl_creds_find_session(struct pl_creds *c, const char *key_id, const char *token,
                          struct pl_cred *out, struct pl_err *err)
{
    struct pl_session_cred s;
    memset(out, 0, sizeof *out);
    if (!c || !c->sessions || !token)
        return pl_fail(err, PL_E_UNRECOGNIZED_CLIENT,
                       "The security token included in the request is invalid.");
    if (pl_session_verify(&c->master, key_id, token, &s, err) < 0)
        return -1;
    if (c->check && c->check(c->check_ctx, s.account, s.region, s.function, s.revision) != 1) {
        OPENSSL_cleanse(&s, sizeof s);
        return pl_fail(err, PL_E_UNRECOGNIZED_CLIENT,
                       "The security token included in the request is invalid.");
    }
    pl_strlcpy(out->access_key, s.key_id, sizeof out->access_key);
    pl_strlcpy(out->secret, s.secret, sizeof out->secret);
    pl_strlcpy(out->account, s.account, sizeof out->account);
    pl_strlcpy(out->function, s.function, sizeof out->function);
    out->session = 1;
    OPENSSL_cleanse(&s, sizeof s);
    return 0;
}
