/* sqlq.c — full SQL over plumb's views (sqlq.h), in a sandbox.
 *
 * One call opens its own connection: main is an empty in-memory database, and the store's file
 * is ATTACHed read-only (mode=ro) under a random schema name "pl_<32 hex>" that the caller
 * never sees. Setup (before the sandbox closes) makes TEMP table pl_parts (the caller's
 * partitions), the TEMP views over the attached tables filtered by it, and an empty TEMP
 * shadow view of every other table of the store, so an unqualified name of a store table finds
 * nothing (TEMP is searched first) and the real tables can be named only through the random
 * schema, which only plumb's views do. Then the authorizer (authorize()) allows SQLITE_SELECT,
 * SQLITE_RECURSIVE, functions other than load_extension and those making huge values, and
 * SQLITE_READ of the attached schema, from plumb's views, of the views themselves, and of
 * CTEs, subqueries and json_each/json_tree; it denies the shadows' and pl_parts' columns, the
 * schema tables, PRAGMA and the pragma_* table-valued functions, dbstat, sqlite_dbpage,
 * ATTACH/DETACH, and every write, CREATE or transaction. The statement must be one, read-only
 * (sqlite3_stmt_readonly) and not EXPLAIN (which would show the schema name). A progress
 * handler cancels it at its deadline; rows and result bytes are capped. The connection is
 * closed at the end of the call. (SQLite's authorizer does not name the view for reads that
 * view flattening leaves without columns, so the sandbox cannot rest on the view context alone:
 * hence the random schema and the shadows.)
 *
 * Memory: no process-wide heap limit (sqlite3_hard_heap_limit64 would bound every connection
 * of plumb); instead the connection's page cache is small, sorts spill to temporary files,
 * a value is at most PL_SQLQ_MAX_VALUE bytes and the result at most max_bytes.
 *
 * PostgreSQL: refused (ValidationException "QuerySql is not available on PostgreSQL yet"): the
 * sandbox rests on SQLite's authorizer, and an equivalent one there (read-only transaction,
 * temporary views per partition, no side-effecting functions) is not built yet (DECISIONS.md).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/hash.h"
#include "store/db.h"
#include "store/sql.h"
#include "store/sqlq.h"
#include "store/store_int.h"

const char *const pl_sqlq_views[] = {"resources",   "history",    "relationships",     "tags",
                                     "evaluations", "compliance", "cloudtrail_events", NULL};

#define ISO(x)   "strftime('%Y-%m-%dT%H:%M:%fZ', (" x ") / 1000.0, 'unixepoch')"
#define PARTS(t) "(" t ".account, " t ".region) IN (SELECT account, region FROM temp.pl_parts)"
#define COMP(x)                                                                                    \
    "CASE " x " WHEN 0 THEN 'NOT_APPLICABLE' WHEN 1 THEN 'COMPLIANT' WHEN 2 THEN "                 \
    "'NON_COMPLIANT' ELSE 'INSUFFICIENT_DATA' END"

/* The setup statements, run before the authorizer is installed ("S." is the attached store). */
/* clang-format off */
static const char *const setup_sql[] = {
    "CREATE TEMP TABLE pl_parts(account TEXT NOT NULL, region TEXT NOT NULL, "
        "PRIMARY KEY(account, region)) WITHOUT ROWID",
    "CREATE TEMP VIEW resources AS SELECT r.account AS accountId, r.region AS awsRegion, "
        "r.resource_type AS resourceType, r.resource_id AS resourceId, "
        "r.resource_name AS resourceName, json_extract(c.body, '$.arn') AS arn, "
        "json_extract(c.body, '$.availabilityZone') AS availabilityZone, r.status AS status, "
        "r.deleted AS deleted, " ISO("r.capture_ms") " AS captureTime, "
        "r.state_id AS configurationStateId, r.versions AS versions, "
        "json_extract(c.body, '$.configuration') AS configuration, "
        "json_extract(c.body, '$.supplementaryConfiguration') AS supplementaryConfiguration, "
        "json_extract(c.body, '$.tags') AS tags "
        "FROM S.resources r JOIN S.config_items c ON c.seq = r.latest_seq WHERE " PARTS("r"),
    "CREATE TEMP VIEW history AS SELECT r.account AS accountId, r.region AS awsRegion, "
        "r.resource_type AS resourceType, r.resource_id AS resourceId, "
        "c.resource_name AS resourceName, c.status AS status, "
        ISO("c.capture_ms") " AS captureTime, c.state_id AS configurationStateId, "
        "json_extract(c.body, '$.configuration') AS configuration, "
        "json_extract(c.body, '$.tags') AS tags, c.diff AS diff "
        "FROM S.resources r JOIN S.config_items c ON c.res = r.id WHERE " PARTS("r"),
    "CREATE TEMP VIEW relationships AS SELECT r.account AS accountId, r.region AS awsRegion, "
        "r.resource_type AS resourceType, r.resource_id AS resourceId, "
        "json_extract(j.value, '$.name') AS relationshipName, "
        "json_extract(j.value, '$.resourceType') AS relatedResourceType, "
        "json_extract(j.value, '$.resourceId') AS relatedResourceId, "
        "json_extract(j.value, '$.resourceName') AS relatedResourceName "
        "FROM S.resources r JOIN S.config_items c ON c.seq = r.latest_seq, "
        "json_each(c.body, '$.relationships') j WHERE r.deleted = 0 AND " PARTS("r"),
    "CREATE TEMP VIEW tags AS SELECT r.account AS accountId, r.region AS awsRegion, "
        "r.resource_type AS resourceType, r.resource_id AS resourceId, j.key AS key, "
        "j.value AS value FROM S.resources r JOIN S.config_items c ON c.seq = r.latest_seq, "
        "json_each(c.body, '$.tags') j WHERE r.deleted = 0 AND " PARTS("r"),
    "CREATE TEMP VIEW evaluations AS SELECT e.account AS accountId, e.region AS awsRegion, "
        "e.rule AS ruleName, e.resource_type AS resourceType, e.resource_id AS resourceId, "
        COMP("e.comp") " AS complianceType, e.annotation AS annotation, "
        ISO("e.ordering_ms") " AS orderingTime, " ISO("e.recorded_ms") " AS recordedTime, "
        "e.mode AS evaluationMode FROM S.rule_evals e WHERE " PARTS("e"),
    "CREATE TEMP VIEW compliance AS SELECT e.account AS accountId, e.region AS awsRegion, "
        "e.resource_type AS resourceType, e.resource_id AS resourceId, "
        "CASE WHEN MAX(e.comp = 2) THEN 'NON_COMPLIANT' WHEN MAX(e.comp = 1) THEN 'COMPLIANT' "
        "WHEN MAX(e.comp = 3) THEN 'INSUFFICIENT_DATA' ELSE 'NOT_APPLICABLE' END "
        "AS complianceType, SUM(e.comp = 1) AS compliantRules, "
        "SUM(e.comp = 2) AS nonCompliantRules, COUNT(*) AS rules "
        "FROM S.rule_evals e WHERE " PARTS("e") " "
        "GROUP BY e.account, e.region, e.resource_type, e.resource_id",
    "CREATE TEMP VIEW cloudtrail_events AS SELECT t.account AS accountId, "
        "t.region AS awsRegion, t.event_id AS eventId, " ISO("t.event_ms") " AS eventTime, "
        "t.event_name AS eventName, t.event_source AS eventSource, t.read_only AS readOnly, "
        "t.error_code AS errorCode, t.user_type AS userType, t.user_arn AS userArn, "
        "t.source_ip AS sourceIp, t.user_agent AS userAgent, t.body AS event "
        "FROM S.trail_events t WHERE " PARTS("t"),
};
/* clang-format on */

struct sandbox {
    bool open;       /* setup done: the authorizer enforces */
    char schema[40]; /* the store's file is attached under this random name */
    char denied[200];
    int64_t deadline_ns, start_ns;
    bool timed_out;
};

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static bool is_view(const char *name)
{
    for (size_t i = 0; name && pl_sqlq_views[i]; i++)
        if (sqlite3_stricmp(name, pl_sqlq_views[i]) == 0) /* SQL names ignore case */
            return true;
    return false;
}

/* Functions that are refused: extensions, and those that make a value of any size at once. */
static bool bad_function(const char *f)
{
    static const char *const bad[] = {"load_extension", "zeroblob",  "randomblob", "fts3_tokenizer",
                                      "readfile",       "writefile", "edit",       NULL};
    for (size_t i = 0; bad[i]; i++)
        if (f && sqlite3_stricmp(f, bad[i]) == 0)
            return true;
    return false;
}

/* Table-valued functions that show the connection's databases, pages or statements. */
static bool bad_vtab(const char *t)
{
    return sqlite3_strnicmp(t, "pragma_", 7) == 0 || sqlite3_stricmp(t, "dbstat") == 0 ||
           sqlite3_stricmp(t, "sqlite_dbpage") == 0 || sqlite3_stricmp(t, "sqlite_stmt") == 0;
}

static int deny(struct sandbox *sb, const char *fmt, const char *what)
{
    if (!sb->denied[0])
        snprintf(sb->denied, sizeof sb->denied, fmt, what ? what : "");
    return SQLITE_DENY;
}

/* The sandbox. a1 is the table (or function), a3 the database name, a4 the innermost view or
 * trigger responsible. The store's tables are reachable only through sb->schema, a random
 * name the caller never sees; unqualified names of its tables find the empty TEMP shadows. */
static int authorize(void *ud, int action, const char *a1, const char *a2, const char *a3,
                     const char *a4)
{
    struct sandbox *sb = ud;
    if (!sb->open)
        return SQLITE_OK;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        return bad_function(a2) ? deny(sb, "the function %s is not allowed", a2) : SQLITE_OK;
    case SQLITE_READ:
        /* the store's tables (only plumb's views name them), inside or from a view; a view
         * itself; CTEs, subqueries and table-valued functions (no database) */
        if (a1 && bad_vtab(a1))
            return deny(sb, "the table-valued function %s is not allowed", a1);
        if ((a3 && strcmp(a3, sb->schema) == 0) || (a4 && is_view(a4)) || !a3)
            return SQLITE_OK;
        if (strcmp(a3, "temp") == 0 && is_view(a1))
            return SQLITE_OK;
        if (strcmp(a3, "main") == 0) /* the empty in-memory main (json_each reads its schema) */
            return SQLITE_OK;
        return deny(sb,
                    "table '%s' is not readable: query plumb's views (resources, history, "
                    "relationships, tags, evaluations, compliance, cloudtrail_events)",
                    a1);
    case SQLITE_PRAGMA:
        return deny(sb, "PRAGMA %s is not allowed", a1);
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
        return deny(sb, "%sATTACH and DETACH are not allowed", "");
    case SQLITE_UPDATE:
        /* SQLite asks this of main's (empty, in-memory) schema table when a statement names a
         * table-valued function (json_each); the statement must be read-only */
        if (a1 && strcmp(a1, "sqlite_master") == 0 && a3 && strcmp(a3, "main") == 0 && !a4)
            return SQLITE_OK;
        return deny(sb, "%sonly SELECT statements are allowed (read-only)", "");
    default:
        return deny(sb, "%sonly SELECT statements are allowed (read-only)", "");
    }
}

static int progress(void *ud)
{
    struct sandbox *sb = ud;
    if (now_ns() < sb->deadline_ns)
        return 0;
    sb->timed_out = true;
    return 1;
}

/* Runs sql with every "S." replaced by the attached schema's name. */
static int exec_in(sqlite3 *db, const struct sandbox *sb, const char *sql, struct pl_err *err)
{
    struct pl_buf b;
    pl_buf_init(&b, 1 << 20);
    for (const char *p = sql; *p; p++) {
        if (p[0] == 'S' && p[1] == '.' && (p == sql || p[-1] == ' ' || p[-1] == ',')) {
            pl_buf_puts(&b, sb->schema);
            pl_buf_puts(&b, ".");
            p++;
        } else {
            pl_buf_append(&b, p, 1);
        }
    }
    int rc = sqlite3_exec(db, pl_buf_cstr(&b), NULL, NULL, NULL);
    pl_buf_fini(&b);
    return rc == SQLITE_OK ? 0 : pl_sql_fail(db, "store", err, "sql views");
}

/* Attaches the store read-only under a random name, makes the views, the partitions table and
 * an empty TEMP shadow of every other table of the store. */
static int setup(sqlite3 *db, struct sandbox *sb, const char *path, const struct pl_sqlq *q,
                 struct pl_err *err)
{
    char hex[33];
    pl_random_hex(16, hex);
    snprintf(sb->schema, sizeof sb->schema, "pl_%s", hex);
    /* the path as a URI path: '%', '?' and '#' escaped (quotes are %q's) */
    struct pl_buf uri;
    pl_buf_init(&uri, 3 * 4096 + 1);
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            pl_buf_printf(&uri, "%%%02X", (unsigned char)*p);
        else
            pl_buf_append(&uri, p, 1);
    }
    char *att = sqlite3_mprintf("ATTACH 'file:%q?mode=ro' AS %s", pl_buf_cstr(&uri), sb->schema);
    pl_buf_fini(&uri);
    int rc = att ? sqlite3_exec(db, att, NULL, NULL, NULL) : SQLITE_NOMEM;
    sqlite3_free(att);
    if (rc != SQLITE_OK)
        return pl_sql_fail(db, "store", err, "sql attach");
    for (size_t i = 0; i < sizeof setup_sql / sizeof setup_sql[0]; i++)
        if (exec_in(db, sb, setup_sql[i], err) < 0)
            return -1;
    sqlite3_stmt *st;
    char *list = sqlite3_mprintf("SELECT name FROM %s.sqlite_master WHERE type IN ('table', "
                                 "'view') AND name NOT LIKE 'sqlite_%%'",
                                 sb->schema);
    rc = list ? sqlite3_prepare_v2(db, list, -1, &st, NULL) : SQLITE_NOMEM;
    sqlite3_free(list);
    if (rc != SQLITE_OK)
        return pl_sql_fail(db, "store", err, "sql tables");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (is_view(name))
            continue;
        char *shadow =
            sqlite3_mprintf("CREATE TEMP VIEW \"%w\" AS SELECT NULL AS denied WHERE 0", name);
        int r = shadow ? sqlite3_exec(db, shadow, NULL, NULL, NULL) : SQLITE_NOMEM;
        sqlite3_free(shadow);
        if (r != SQLITE_OK)
            break;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return pl_sql_fail(db, "store", err, "sql shadows");
    if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO temp.pl_parts VALUES (?1, ?2)", -1, &st,
                           NULL) != SQLITE_OK)
        return pl_sql_fail(db, "store", err, "sql parts");
    rc = SQLITE_DONE;
    for (size_t i = 0; i < q->nparts && rc == SQLITE_DONE; i++) {
        sqlite3_bind_text(st, 1, q->parts[i].account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, q->parts[i].region, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return pl_sql_fail(db, "store", err, "sql parts");
    return 0;
}

/* Only blanks, comments and semicolons after the statement. */
static bool only_tail(const char *t)
{
    while (t && *t) {
        if (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' || *t == ';')
            t++;
        else if (t[0] == '-' && t[1] == '-')
            t += strcspn(t, "\n");
        else
            return false;
    }
    return true;
}

/* s[0..n) as valid UTF-8 in arena a: each byte that does not start a valid sequence becomes
 * U+FFFD (SQLite's text may hold any bytes: CAST(x'ff' AS TEXT), the input's own). */
static const char *utf8(struct pl_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t ok = pl_utf8_valid_prefix(s, n);
    if (ok == n)
        return pl_arena_strndup(a, s, n);
    char *out = pl_arena_alloc(a, 3 * n + 1), *o = out;
    for (size_t i = 0; i < n;) {
        size_t k = pl_utf8_valid_prefix(s + i, n - i);
        memcpy(o, s + i, k);
        o += k;
        i += k;
        if (i < n) {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    *o = 0;
    return out;
}

static const char *hex(struct pl_arena *a, const unsigned char *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *out = pl_arena_alloc(a, 2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
    return out;
}

/* A failure with SQLite's message (or the sandbox's), made valid UTF-8. */
static int sql_fail(struct pl_err *err, enum pl_errcode code, const char *msg)
{
    struct pl_arena a;
    pl_arena_init(&a);
    pl_fail(err, code, "%s", utf8(&a, msg, strlen(msg)));
    pl_arena_fini(&a);
    return -1;
}

static void read_val(struct pl_arena *a, sqlite3_stmt *st, int i, struct pl_sel_value *v,
                     size_t *bytes)
{
    memset(v, 0, sizeof *v);
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        v->type = PL_SEL_T_INT;
        v->i = sqlite3_column_int64(st, i);
        *bytes += 8;
        break;
    case SQLITE_FLOAT:
        v->type = PL_SEL_T_REAL;
        v->d = sqlite3_column_double(st, i);
        *bytes += 8;
        break;
    case SQLITE_NULL:
        v->type = PL_SEL_T_NULL;
        *bytes += 4;
        break;
    case SQLITE_BLOB: /* as lowercase hex */
        v->type = PL_SEL_T_TEXT;
        v->s = hex(a, sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
        *bytes += 2 * (size_t)sqlite3_column_bytes(st, i) + 2;
        break;
    default:
        v->type = PL_SEL_T_TEXT;
        v->s =
            utf8(a, (const char *)sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
        *bytes += (size_t)sqlite3_column_bytes(st, i) + 2;
    }
}

static int run(sqlite3 *db, struct sandbox *sb, const struct pl_sqlq *q, struct pl_arena *a,
               struct pl_sqlq_result *out, struct pl_err *err)
{
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int timeout = q->timeout_ms > 0 ? q->timeout_ms : PL_SQLQ_TIMEOUT_MS;
    size_t max_bytes = q->max_bytes ? q->max_bytes : PL_SQLQ_MAX_BYTES, bytes = 0, cap = 0;
    sb->start_ns = now_ns();
    sb->deadline_ns = sb->start_ns + (int64_t)timeout * 1000000;
    sb->open = true;
    int rc = sqlite3_prepare_v2(db, q->sql, -1, &st, &tail);
    if (rc != SQLITE_OK || !st) {
        if (sb->denied[0])
            return sql_fail(err, PL_E_INVALID_EXPRESSION, sb->denied);
        return sql_fail(err, PL_E_INVALID_EXPRESSION,
                        st || rc != SQLITE_OK ? sqlite3_errmsg(db) : "the statement is empty");
    }
    if (!only_tail(tail) || !sqlite3_stmt_readonly(st) || sqlite3_stmt_isexplain(st)) {
        sqlite3_finalize(st);
        return pl_fail(err, PL_E_INVALID_EXPRESSION,
                       "give one read-only SELECT statement (nothing after it)");
    }
    out->ncols = (size_t)sqlite3_column_count(st);
    out->cols = pl_arena_alloc(a, (out->ncols + 1) * sizeof *out->cols);
    for (size_t i = 0; i < out->ncols; i++) {
        const char *name = sqlite3_column_name(st, (int)i);
        out->cols[i] = name ? utf8(a, name, strlen(name)) : "";
    }
    size_t nv = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->nrows == (size_t)q->max_rows || bytes > max_bytes) {
            out->truncated = true;
            break;
        }
        for (size_t i = 0; i < out->ncols; i++) {
            out->vals = pl_db_grow(a, out->vals, nv, &cap, sizeof *out->vals);
            read_val(a, st, (int)i, &out->vals[nv++], &bytes);
        }
        out->nrows++;
    }
    int ret = 0;
    if (sb->timed_out)
        ret = pl_fail(err, PL_E_LIMIT_EXCEEDED, "query cancelled after %d ms", timeout);
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        ret =
            sql_fail(err, PL_E_INVALID_EXPRESSION, sb->denied[0] ? sb->denied : sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return ret;
}

int pl_store_sql_query(struct pl_store *s, const struct pl_sqlq *q, struct pl_arena *a,
                       struct pl_sqlq_result *out, struct pl_err *err)
{
    sqlite3 *db = NULL;
    struct sandbox sb = {0};
    int ret = -1;
    memset(out, 0, sizeof *out);
    if (!q->sql || !*q->sql || strlen(q->sql) > PL_SQLQ_MAX_SQL)
        return pl_fail(err, PL_E_VALIDATION, "Sql must be 1 to %d bytes", PL_SQLQ_MAX_SQL);
    if (pl_db_kind(s->db) != PL_DB_SQLITE)
        return pl_fail(err, PL_E_VALIDATION,
                       "QuerySql is not available on PostgreSQL yet (this store's backend): use "
                       "SelectResourceConfig");
    /* main is an empty in-memory database (the TEMP objects need a writable connection); the
     * store is attached read-only in setup() */
    if (sqlite3_open_v2(":memory:", &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        pl_sql_fail(db, "store", err, "sql open");
        goto out;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, PL_SQLQ_MAX_VALUE);
    if (setup(db, &sb, s->path, q, err) < 0)
        goto out;
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 1);
    char *cache = sqlite3_mprintf("PRAGMA %s.cache_size = -8192", sb.schema); /* 8 MB */
    sqlite3_exec(db, cache, NULL, NULL, NULL);
    sqlite3_free(cache);
    sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, PL_SQLQ_MAX_SQL);
    sqlite3_set_authorizer(db, authorize, &sb);
    sqlite3_progress_handler(db, 1000, progress, &sb);
    ret = run(db, &sb, q, a, out, err);
out:
    sqlite3_close(db);
    return ret;
}
