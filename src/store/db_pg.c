/* db_pg.c — the PostgreSQL backend of db.h, on libpq.
 *
 * A struct pl_db is one PGconn. Statements in slots are named server-side prepared statements
 * ("plq<n>", PQprepare on first step), one-off statements run unnamed (PQexecParams), so
 * finalizing either leaves nothing on the server that outlives the connection. Parameters are
 * sent in text format (integers and reals printed, text as is) except blobs (binary); results
 * come back in text format, bytea decoded on first read. A step fetches the statement's whole
 * result, then hands out its rows one by one (single-row mode for very large scans is left for
 * later: docs/deploy.md).
 *
 * Connection loss: a statement or BEGIN issued outside a transaction on a connection that is
 * bad (or whose idle socket shows the server hung up) first PQresets it; prepared names belong
 * to a connection, so each statement remembers the generation it was prepared in and prepares
 * again in a newer one. A connection lost inside a transaction fails with PL_E_UNAVAILABLE
 * until the caller rolls back; nothing is retried behind the caller's back.
 *
 * SQL the store writes for both backends: every '?' outside '...', "..." and -- comments is a
 * parameter, so PostgreSQL's jsonb operators ? ?| ?& must be written jsonb_exists() & co, and
 * neither $$-quoted bodies nor E'...' strings may hold a '?' (pl_db_exec does not rewrite, so
 * DDL is free). PostgreSQL types parameters from their context: a parameter with none
 * ("SELECT ?1 + ?2") needs a CAST; one the text never names (SQLite allows gaps) is sent as text.
 * SQLite's index hints (INDEXED BY name) are dropped, so a statement that needs one on SQLite can
 * still be shared.
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "core/arena.h"
#include "core/log.h"
#include "store/db_twin.h"

/* The key of the transaction-level advisory lock every write transaction takes: "plumb" in
 * ASCII, so that plumb's writers are serialized cluster-wide as SQLite's are (DECISIONS.md). */
#define PG_WRITE_LOCK 0x706c756d62LL

/* Type OIDs of pl_pgq_type.h (server headers are not needed for these few). */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_TEXT = 25,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_OID = 26,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700,
};

struct pl_db {
    enum pl_db_kind kind; /* PL_DB_PG; first, like db_sqlite.c's (db_twin.h) */
    PGconn *conn;
    char *url;
    unsigned gen;    /* bumped by each reconnect: prepared statements of older ones are gone */
    unsigned names;  /* prepared statement names handed out */
    bool tx;         /* a BEGIN was sent and no COMMIT/ROLLBACK yet */
    int64_t changes; /* rows of the last INSERT/UPDATE/DELETE/MERGE */
    char state[6];   /* SQLSTATE of the last failure, "" when the connection failed */
    char msg[240];   /* its message */
};

struct pg_param {
    const char *v; /* NULL for SQL NULL */
    int len, fmt;
    char num[32]; /* integers and reals are printed here */
    char *own;    /* bind_textn's NUL-terminated copy */
    size_t cap;
};

struct pl_q {
    enum pl_db_kind kind; /* PL_DB_PG */
    struct pl_db *db;
    char *sql; /* with $N parameters */
    bool cached;
    const char *module; /* the preparer's, for the errors of steps (a literal) */
    char name[16];
    unsigned gen; /* generation prepared in; 0: not prepared */
    int np;
    struct pg_param *p;
    Oid *types; /* per parameter: 0 (the server infers it), text for one the SQL never names */
    PGresult *res;
    int row, rows; /* row: the current one, -1 before the first */
    bool ran;
    char **dec; /* per column: decoded bytea of the current row (malloc) */
    size_t *declen;
};

/* ---- errors ---- */

static void note_conn_error(struct pl_db *d)
{
    d->state[0] = 0;
    snprintf(d->msg, sizeof d->msg, "%s", PQerrorMessage(d->conn));
    size_t n = strlen(d->msg);
    while (n && (d->msg[n - 1] == '\n' || d->msg[n - 1] == ' '))
        d->msg[--n] = 0;
}

static void note_error(struct pl_db *d, const PGresult *res)
{
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!st || !m) {
        note_conn_error(d);
        return;
    }
    snprintf(d->state, sizeof d->state, "%s", st);
    snprintf(d->msg, sizeof d->msg, "%s", m);
}

/* SQLSTATE classes that a retry can cure are PL_E_UNAVAILABLE; a full disk or an I/O error
 * on the server PL_E_IO; the rest (constraints, syntax, ...) PL_E_INTERNAL. */
static enum pl_errcode map_state(const struct pl_db *d)
{
    const char *s = d->state;
    if (!s[0])
        return PL_E_UNAVAILABLE; /* no server answer: the connection is lost or refused */
    if (strcmp(s, "53100") == 0 || strncmp(s, "58", 2) == 0)
        return PL_E_IO;
    if (strncmp(s, "08", 2) == 0 || strncmp(s, "53", 2) == 0 || strcmp(s, "40001") == 0 ||
        strcmp(s, "40P01") == 0 || strncmp(s, "57P0", 4) == 0 || strcmp(s, "55P03") == 0 ||
        strcmp(s, "57014") == 0)
        return PL_E_UNAVAILABLE;
    return PL_E_INTERNAL;
}

int pl_pg_fail(struct pl_db *db, const char *module, struct pl_err *err, const char *what)
{
    struct pl_db *d = db;
    PL_LOG(ERROR, module, "op=%s sqlstate=%s err=\"%s\"", what, d->state[0] ? d->state : "-",
           d->msg);
    return pl_fail(err, map_state(d), "%s: %s: %s", module, what, d->msg);
}

/* pl_pg_fail, or only -1 with the error left on the connection when module is NULL (db.h:
 * a one-off statement prepared with module NULL, a step with what NULL). */
static int report(struct pl_db *d, const char *module, struct pl_err *err, const char *what)
{
    return module ? pl_pg_fail(d, module, err, what) : -1;
}

const char *pl_pg_errmsg(struct pl_db *db)
{
    return db->msg;
}

/* ---- connection ---- */

/* True when the idle connection's socket is readable: the server sent something unasked,
 * which on a store connection (no LISTEN on it) is the FATAL message of a server ending it
 * (pg_terminate_backend, a shutdown, idle_session_timeout) before the close. The rare other
 * unasked message (a ParameterStatus when a standby is promoted) costs one needless reset. */
static bool hung_up(struct pl_db *d)
{
    struct pollfd p = {.fd = PQsocket(d->conn), .events = POLLIN};
    return p.fd >= 0 && poll(&p, 1, 0) > 0;
}

/* The server's notices (NOTICE: relation already exists, ...) go to the debug log. */
static void notice(void *module, const char *msg)
{
    PL_LOG(DEBUG, (const char *)module, "notice=\"%.*s\"", (int)strcspn(msg, "\n"), msg);
}

/* Before a statement or BEGIN outside a transaction: a lost connection is reset. */
static int ensure_conn(struct pl_db *d, const char *module, struct pl_err *err)
{
    if (d->tx || (PQstatus(d->conn) == CONNECTION_OK && !hung_up(d)))
        return 0;
    PQreset(d->conn);
    d->gen++;
    if (PQstatus(d->conn) != CONNECTION_OK) {
        note_conn_error(d);
        return report(d, module, err, "reconnect");
    }
    PL_LOG(WARN, module ? module : "store", "op=reconnect db=postgres gen=%u", d->gen);
    return 0;
}

/* db.h's pl_db_open for a postgres:// spec (flags: PL_DB_READONLY changes nothing, the role's
 * grants decide). */
int pl_db__open_pg(const char *url, int flags, const char *module, struct pl_db **out,
                   struct pl_err *err)
{
    (void)flags;
    *out = NULL;
    /* expand_dbname: the URL's settings win over those before it (application_name), not over
     * those after it (client_encoding: plumb's text is UTF-8) */
    const char *keys[] = {"application_name", "dbname", "client_encoding", NULL};
    const char *vals[] = {"plumb", url, "UTF8", NULL};
    struct pl_db *d = calloc(1, sizeof *d);
    if (!d)
        return pl_fail(err, PL_E_INTERNAL, "%s: out of memory", module);
    d->kind = PL_DB_PG;
    d->gen = 1;
    d->url = strdup(url);
    d->conn = PQconnectdbParams(keys, vals, 1);
    if (!d->url || !d->conn || PQstatus(d->conn) != CONNECTION_OK) {
        if (d->conn)
            note_conn_error(d);
        else
            snprintf(d->msg, sizeof d->msg, "out of memory");
        pl_pg_fail(d, module, err, "connect");
        PQfinish(d->conn);
        free(d->url);
        free(d);
        return -1;
    }
    PQsetNoticeProcessor(d->conn, notice, (void *)"store");
    *out = d;
    return 0;
}

void pl_pg_close(struct pl_db *db)
{
    struct pl_db *d = db;
    PQfinish(d->conn);
    free(d->url);
    free(d);
}

int pl_pg_wait_notify(struct pl_db *db, int timeout_ms, char *payload, size_t cap)
{
    struct pl_db *d = db;
    for (int round = 0; round < 2; round++) {
        if (PQstatus(d->conn) != CONNECTION_OK || !PQconsumeInput(d->conn))
            return -1;
        PGnotify *n = PQnotifies(d->conn);
        if (n) {
            snprintf(payload, cap, "%s", n->extra ? n->extra : "");
            PQfreemem(n);
            return 1;
        }
        if (round)
            return 0;
        struct pollfd p = {.fd = PQsocket(d->conn), .events = POLLIN};
        if (p.fd < 0)
            return -1;
        if (poll(&p, 1, timeout_ms) <= 0)
            return 0;
    }
    return 0;
}

void *pl_pg_handle(struct pl_db *db)
{
    return db->conn;
}

static bool ok_status(ExecStatusType st)
{
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
}

/* Runs sql (no parameters) and checks it; the command string's rows are dropped. */
static int run(struct pl_db *d, const char *sql, const char *module, struct pl_err *err,
               const char *what)
{
    PGresult *res = PQexec(d->conn, sql);
    if (!res || !ok_status(PQresultStatus(res))) {
        note_error(d, res);
        PQclear(res);
        return pl_pg_fail(d, module, err, what);
    }
    PQclear(res);
    return 0;
}

int pl_pg_exec(struct pl_db *db, const char *sql, const char *module, struct pl_err *err)
{
    struct pl_db *d = db;
    if (ensure_conn(d, module, err) < 0)
        return -1;
    return run(d, sql, module, err, "exec");
}

const char *pl_pg_path(const struct pl_db *db)
{
    return db->url;
}

/* lastval(): the value the session's last nextval() gave, an identity column's included */
int64_t pl_pg_last_id(struct pl_db *db)
{
    PGresult *res = PQexec(db->conn, "SELECT lastval()");
    int64_t v = res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
                    ? strtoll(PQgetvalue(res, 0, 0), NULL, 10)
                    : 0;
    PQclear(res);
    return v;
}

int64_t pl_pg_changes(struct pl_db *db)
{
    return db->changes;
}

bool pl_pg_in_tx(struct pl_db *db)
{
    struct pl_db *d = db;
    PGTransactionStatusType t = PQtransactionStatus(d->conn);
    if (t == PQTRANS_UNKNOWN)
        return d->tx;
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static int begin(struct pl_db *d, const char *sql, const char *module, struct pl_err *err)
{
    if (ensure_conn(d, module, err) < 0)
        return -1;
    d->tx = true;
    if (run(d, sql, module, err, "begin") < 0) {
        run(d, "ROLLBACK", module, NULL, "rollback");
        d->tx = false;
        return -1;
    }
    return 0;
}

int pl_pg_begin_write(struct pl_db *db, const char *module, struct pl_err *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%lld)", PG_WRITE_LOCK);
    return begin(db, sql, module, err);
}

int pl_pg_begin_read(struct pl_db *db, const char *module, struct pl_err *err)
{
    return begin(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", module, err);
}

int pl_pg_commit(struct pl_db *db, const char *module, struct pl_err *err)
{
    struct pl_db *d = db;
    /* COMMIT of a failed transaction answers ROLLBACK without an error: it must not pass */
    bool failed = PQtransactionStatus(d->conn) == PQTRANS_INERROR;
    PGresult *res = PQexec(d->conn, "COMMIT");
    bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK &&
              strcmp(PQcmdStatus(res), "COMMIT") == 0 && !failed;
    if (!ok)
        note_error(d, res);
    if (ok || PQtransactionStatus(d->conn) != PQTRANS_INTRANS)
        d->tx = false;
    PQclear(res);
    if (!ok && failed && d->state[0] == 0 && PQstatus(d->conn) == CONNECTION_OK) {
        snprintf(d->state, sizeof d->state, "25P02");
        snprintf(d->msg, sizeof d->msg, "the transaction failed earlier and was rolled back");
    }
    return ok ? 0 : pl_pg_fail(db, module, err, "commit");
}

void pl_pg_rollback(struct pl_db *db)
{
    struct pl_db *d = db;
    if (PQstatus(d->conn) == CONNECTION_OK && PQtransactionStatus(d->conn) != PQTRANS_IDLE)
        PQclear(PQexec(d->conn, "ROLLBACK"));
    d->tx = false;
}

/* ---- statements ---- */

/* The length of SQLite's index hint "INDEXED BY name" (and the blanks after it) at s, 0 when
 * s does not start one: PostgreSQL has no hints, the planner picks its index. */
static size_t index_hint(const char *s)
{
    if (strncasecmp(s, "INDEXED BY ", 11) != 0)
        return 0;
    size_t n = 11;
    while (s[n] == ' ')
        n++;
    while (s[n] == '_' || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
           (s[n] >= '0' && s[n] <= '9'))
        n++;
    while (s[n] == ' ')
        n++;
    return n;
}

/* sql with ?N and ? written $N outside '...' literals, "..." identifiers and -- comments; a
 * bare ? is one more than the largest number so far (SQLite's rule); SQLite's index hints
 * dropped. *np gets the count, used[k] (65537 bytes, zeroed) is set for each $k written. */
static char *translate(const char *sql, int *np, unsigned char *used)
{
    size_t n = strlen(sql);
    char *out = malloc(n * 6 + 16), *o = out; /* a bare ? may become $65536 */
    int max = 0;
    if (!out)
        return NULL;
    for (const char *s = sql; *s;) {
        if (*s == '\'' || *s == '"') { /* a doubled quote stays inside */
            char qc = *s;
            *o++ = *s++;
            while (*s && (*s != qc || s[1] == qc)) {
                if (*s == qc)
                    *o++ = *s++;
                *o++ = *s++;
            }
            if (*s)
                *o++ = *s++;
        } else if ((s == sql || s[-1] == ' ') && index_hint(s)) {
            s += index_hint(s);
        } else if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n')
                *o++ = *s++;
        } else if (*s == '?') {
            int k = 0; /* at most 65536: 6 bytes of output for 1 of input, refused later */
            for (s++; *s >= '0' && *s <= '9'; s++)
                k = k > 6553 ? 65536 : k * 10 + (*s - '0');
            if (k == 0)
                k = max + 1;
            k = k > 65536 ? 65536 : k;
            if (k > max)
                max = k;
            used[k] = 1;
            o += snprintf(o, 8, "$%d", k);
        } else {
            *o++ = *s++;
        }
    }
    *o = 0;
    *np = max;
    return out;
}

static void drop_rows(struct pl_q *q)
{
    if (q->dec) {
        int nc = q->res ? PQnfields(q->res) : 0;
        for (int i = 0; i < nc; i++)
            free(q->dec[i]);
        free(q->dec);
        free(q->declen);
        q->dec = NULL;
        q->declen = NULL;
    }
    PQclear(q->res);
    q->res = NULL;
    q->row = -1;
    q->rows = 0;
    q->ran = false;
}

static int prepare_named(struct pl_q *q, const char *module, struct pl_err *err);
void pl_pgq_finalize(struct pl_q *pq);

/* A slot's statement is prepared on the server now, so that a syntax error fails here as on
 * SQLite; a one-off statement is parsed at its step (unnamed statements cannot wait). */
static struct pl_q *make_q(struct pl_db *db, const char *sql, bool cached, const char *module,
                           struct pl_err *err)
{
    struct pl_db *d = db;
    struct pl_q *q = calloc(1, sizeof *q);
    unsigned char *used = calloc(65537, 1);
    if (q && used)
        q->sql = translate(sql, &q->np, used);
    if (q && q->np) {
        q->p = calloc((size_t)q->np, sizeof *q->p);
        q->types = calloc((size_t)q->np, sizeof *q->types);
    }
    for (int i = 0; q && q->types && i < q->np; i++)
        q->types[i] = used[i + 1] ? 0 : OID_TEXT; /* unreferenced: no type to infer */
    free(used);
    if (!q || !q->sql || (q->np && (!q->p || !q->types))) {
        if (q) {
            free(q->sql);
            free(q->p);
            free(q->types);
        }
        free(q);
        pl_fail(err, PL_E_INTERNAL, "%s: prepare: out of memory", module ? module : "store");
        return NULL;
    }
    q->kind = PL_DB_PG;
    q->db = d;
    q->cached = cached;
    q->module = module;
    q->row = -1;
    if (q->np > 65535) {
        snprintf(d->state, sizeof d->state, "54023");
        snprintf(d->msg, sizeof d->msg, "more than 65535 parameters");
        report(d, module, err, "prepare");
        goto fail;
    }
    if (cached) {
        snprintf(q->name, sizeof q->name, "plq%u", ++d->names);
        if (ensure_conn(d, module, err) < 0 || prepare_named(q, module, err) < 0)
            goto fail;
    }
    return q;
fail:
    pl_pgq_finalize(q);
    return NULL;
}

void pl_pgq_reset(struct pl_q *pq)
{
    drop_rows(pq);
}

static void clear_bindings(struct pl_q *pq)
{
    struct pl_q *q = pq;
    for (int i = 0; i < q->np; i++)
        q->p[i].v = NULL;
}

void pl_pgq_finalize(struct pl_q *pq)
{
    struct pl_q *q = pq;
    drop_rows(q);
    for (int i = 0; i < q->np; i++)
        free(q->p[i].own);
    free(q->p);
    free(q->types);
    free(q->sql);
    free(q);
}

static struct pg_param *param(struct pl_q *pq, int i)
{
    struct pl_q *q = pq;
    if (q->res || q->ran)
        drop_rows(q); /* SQLite requires a reset before binding; be lenient */
    return i >= 1 && i <= q->np ? &q->p[i - 1] : NULL;
}

void pl_pgq_bind_i64(struct pl_q *pq, int i, int64_t v)
{
    struct pg_param *p = param(pq, i);
    if (!p)
        return;
    snprintf(p->num, sizeof p->num, "%" PRId64, v);
    p->v = p->num;
    p->fmt = 0;
}

void pl_pgq_bind_double(struct pl_q *pq, int i, double v)
{
    struct pg_param *p = param(pq, i);
    if (!p)
        return;
    snprintf(p->num, sizeof p->num, "%.17g", v);
    p->v = p->num;
    p->fmt = 0;
}

void pl_pgq_bind_null(struct pl_q *pq, int i)
{
    struct pg_param *p = param(pq, i);
    if (p)
        p->v = NULL;
}

void pl_pgq_bind_text(struct pl_q *pq, int i, const char *v)
{
    struct pg_param *p = param(pq, i);
    if (!p || !v) {
        pl_pgq_bind_null(pq, i);
        return;
    }
    p->v = v;
    p->fmt = 0;
}

/* Text format wants a NUL-terminated value: v[0..n) is copied (PostgreSQL's text holds no
 * NUL, so a value with one ends there). */
void pl_pgq_bind_textn(struct pl_q *pq, int i, const char *v, size_t n)
{
    struct pg_param *p = param(pq, i);
    if (!p || !v) {
        pl_pgq_bind_null(pq, i);
        return;
    }
    if (p->cap < n + 1) {
        char *o = realloc(p->own, n + 1);
        if (!o)
            return;
        p->own = o;
        p->cap = n + 1;
    }
    memcpy(p->own, v, n);
    p->own[n] = 0;
    p->v = p->own;
    p->fmt = 0;
}

void pl_pgq_bind_blob(struct pl_q *pq, int i, const void *v, size_t n)
{
    struct pg_param *p = param(pq, i);
    if (!p)
        return;
    p->v = v ? v : "";
    p->len = (int)n;
    p->fmt = 1;
}

/* Sends the statement with its bindings; PGresult or NULL on a lost connection. */
static PGresult *execute(struct pl_q *q)
{
    const char *vals[q->np ? q->np : 1];
    int lens[q->np ? q->np : 1], fmts[q->np ? q->np : 1];
    for (int i = 0; i < q->np; i++) {
        vals[i] = q->p[i].v;
        lens[i] = q->p[i].len;
        fmts[i] = q->p[i].fmt;
    }
    if (!q->cached)
        return PQexecParams(q->db->conn, q->sql, q->np, q->types, vals, lens, fmts, 0);
    return PQexecPrepared(q->db->conn, q->name, q->np, vals, lens, fmts, 0);
}

static int prepare_named(struct pl_q *q, const char *module, struct pl_err *err)
{
    struct pl_db *d = q->db;
    PGresult *res = PQprepare(d->conn, q->name, q->sql, q->np, q->types);
    bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        note_error(d, res);
    PQclear(res);
    if (!ok)
        return report(d, module, err, "prepare");
    q->gen = d->gen;
    return 0;
}

static bool is_dml(const char *tag)
{
    return strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
           strncmp(tag, "DELETE", 6) == 0 || strncmp(tag, "MERGE", 5) == 0;
}

static int first_step(struct pl_q *q, struct pl_err *err, const char *what)
{
    struct pl_db *d = q->db;
    const char *module = what ? (q->module ? q->module : "store") : NULL;
    q->ran = true;
    if (ensure_conn(d, module, err) < 0)
        return PL_Q_ERROR;
    if (q->cached && q->gen != d->gen && prepare_named(q, module, err) < 0)
        return PL_Q_ERROR;
    PGresult *res = execute(q);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        note_error(d, res);
        PQclear(res);
        report(d, module, err, what);
        return PL_Q_ERROR;
    }
    if (is_dml(PQcmdStatus(res)))
        d->changes = strtoll(PQcmdTuples(res), NULL, 10);
    q->res = res;
    q->rows = st == PGRES_TUPLES_OK ? PQntuples(res) : 0;
    int nc = PQnfields(res);
    if (nc) {
        q->dec = calloc((size_t)nc, sizeof *q->dec);
        q->declen = calloc((size_t)nc, sizeof *q->declen);
    }
    return PL_Q_DONE;
}

static void drop_decoded(struct pl_q *q)
{
    if (!q->dec)
        return;
    for (int i = 0; i < PQnfields(q->res); i++) {
        free(q->dec[i]);
        q->dec[i] = NULL;
    }
}

int pl_pgq_step(struct pl_q *pq, struct pl_err *err, const char *what)
{
    struct pl_q *q = pq;
    if (!q->ran && first_step(q, err, what) == PL_Q_ERROR)
        return PL_Q_ERROR;
    if (!q->res || q->row + 1 >= q->rows) {
        q->row = q->rows;
        return PL_Q_DONE;
    }
    drop_decoded(q);
    q->row++;
    return PL_Q_ROW;
}

/* ---- columns ---- */

static bool have(struct pl_q *q, int i)
{
    return q->res && q->row >= 0 && q->row < q->rows && i >= 0 && i < PQnfields(q->res) &&
           !PQgetisnull(q->res, q->row, i);
}

int pl_pgq_columns(struct pl_q *pq)
{
    struct pl_q *q = pq;
    return q->res ? PQnfields(q->res) : 0;
}

enum pl_db_type pl_pgq_type(struct pl_q *pq, int i)
{
    struct pl_q *q = pq;
    if (!have(q, i))
        return PL_DBT_NULL;
    switch (PQftype(q->res, i)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        return PL_DBT_INT;
    case OID_FLOAT4:
    case OID_FLOAT8:
        return PL_DBT_FLOAT;
    case OID_NUMERIC: /* sum() of integers is numeric: whole values read as integers */
        return strpbrk(PQgetvalue(q->res, q->row, i), ".eEN") ? PL_DBT_FLOAT : PL_DBT_INT;
    case OID_BYTEA:
        return PL_DBT_BLOB;
    default:
        return PL_DBT_TEXT;
    }
}

int64_t pl_pgq_i64(struct pl_q *pq, int i)
{
    struct pl_q *q = pq;
    if (!have(q, i))
        return 0;
    const char *v = PQgetvalue(q->res, q->row, i);
    if (PQftype(q->res, i) == OID_BOOL)
        return v[0] == 't';
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E')
        return (int64_t)strtod(v, NULL);
    return n;
}

double pl_pgq_double(struct pl_q *pq, int i)
{
    struct pl_q *q = pq;
    if (!have(q, i))
        return 0;
    const char *v = PQgetvalue(q->res, q->row, i);
    if (PQftype(q->res, i) == OID_BOOL)
        return v[0] == 't';
    return strtod(v, NULL);
}

/* The bytes of column i: bytea decoded (kept until the next step), anything else as sent. */
static const char *value(struct pl_q *q, int i, size_t *n)
{
    if (!have(q, i)) {
        *n = 0;
        return NULL;
    }
    if (PQftype(q->res, i) != OID_BYTEA || !q->dec) {
        *n = (size_t)PQgetlength(q->res, q->row, i);
        return PQgetvalue(q->res, q->row, i);
    }
    if (!q->dec[i]) {
        size_t len = 0;
        unsigned char *raw =
            PQunescapeBytea((const unsigned char *)PQgetvalue(q->res, q->row, i), &len);
        char *z = raw ? malloc(len + 1) : NULL; /* NUL-terminated, as text must be */
        if (z) {
            memcpy(z, raw, len);
            z[len] = 0;
        }
        PQfreemem(raw);
        if (!z) {
            *n = 0;
            return "";
        }
        q->dec[i] = z;
        q->declen[i] = len;
    }
    *n = q->declen[i];
    return (const char *)q->dec[i];
}

const char *pl_pgq_text(struct pl_q *pq, int i)
{
    size_t n;
    return value(pq, i, &n);
}

const void *pl_pgq_blob(struct pl_q *pq, int i)
{
    size_t n;
    return value(pq, i, &n);
}

size_t pl_pgq_bytes(struct pl_q *pq, int i)
{
    size_t n;
    value(pq, i, &n);
    return n;
}

const char *pl_pgq_name(struct pl_q *pq, int i)
{
    struct pl_q *q = pq;
    return q->res && i >= 0 && i < PQnfields(q->res) ? PQfname(q->res, i) : NULL;
}

struct pl_q *pl_pg_prepared(struct pl_db *db, struct pl_q **slot, const char *sql,
                            const char *module, struct pl_err *err)
{
    if (!*slot)
        return *slot = make_q(db, sql, true, module, err);
    pl_pgq_reset(*slot);
    clear_bindings(*slot);
    return *slot;
}

struct pl_q *pl_pg_prepare(struct pl_db *db, const char *sql, const char *module,
                           struct pl_err *err)
{
    return make_q(db, sql, false, module, err);
}

int pl_pgq_run(struct pl_q *q, struct pl_err *err, const char *what)
{
    int rc;
    while ((rc = pl_pgq_step(q, err, what)) == PL_Q_ROW)
        ;
    pl_pgq_reset(q);
    return rc == PL_Q_DONE ? 0 : -1;
}

const char *pl_pgq_dup(struct pl_arena *a, struct pl_q *q, int i)
{
    size_t n;
    const char *v = value(q, i, &n);
    return v ? pl_arena_strndup(a, v, n) : NULL;
}
