/* test_db.c — the statement layer (db.h) on each backend built: DDL, ?N and ? parameters (and
 * literals that hold a '?'), every bind type with NULL and blobs holding NUL bytes, rows,
 * types, names, changes, transactions, a unique violation; on PostgreSQL also the write lock,
 * a connection the server kills (inside a transaction: PL_E_UNAVAILABLE; outside: reconnected
 * with the slots prepared again) and the schema's migrations applied twice.
 * PostgreSQL runs when PLUMB_TEST_PG_URL names a database (tests/pg/pg-cluster run sets it) or
 * PLUMB_TEST_PG_URL_FILE a file holding its URL (the CTest fixture "pg");
 * SQLite when db_sqlite.c is in the build. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "core/arena.h"
#include "store/db.h"
#ifdef PL_HAVE_PG
#include "store/pg_schema.h"
#endif

/* T_RUN for a test of one connection; the line names the backend */
#define T_RUN_DB(fn, db)                                                                           \
    do {                                                                                           \
        t_failed_now = 0;                                                                          \
        t_run_total++;                                                                             \
        fn(db);                                                                                    \
        printf("%s %s (%s)\n", t_failed_now ? "FAIL" : "ok  ", #fn,                                \
               pl_db_kind(db) == PL_DB_PG ? "postgres" : "sqlite");                                \
        if (t_failed_now)                                                                          \
            t_failed_total++;                                                                      \
    } while (0)

static struct pl_db *open_or_die(const char *spec)
{
    struct pl_db *db = NULL;
    struct pl_err err = {0};
    if (pl_db_open(spec, 0, 0, "test", &db, &err) < 0) {
        fprintf(stderr, "open %s: %s\n", spec, err.msg);
        exit(1);
    }
    return db;
}

static void exec_ok(struct pl_db *db, const char *sql)
{
    struct pl_err err = {0};
    if (pl_db_exec(db, sql, "test", &err) < 0)
        T_FAIL_("exec %s: %s", sql, err.msg);
}

/* The first column of the one row of sql, as an integer (-1 on failure). */
static int64_t one_i64(struct pl_db *db, const char *sql)
{
    struct pl_err err = {0};
    struct pl_q *q = pl_db_prepare(db, sql, "test", &err);
    int64_t v = -1;
    if (q && pl_q_step(q, &err, "one") == PL_Q_ROW)
        v = pl_q_i64(q, 0);
    else
        T_FAIL_("%s: %s", sql, err.msg);
    pl_q_finalize(q);
    return v;
}

static void make_table(struct pl_db *db)
{
    exec_ok(db, PL_DB_SQL(db,
                          "DROP TABLE IF EXISTS t; CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT,"
                          " d REAL, b BLOB, n INTEGER)",
                          "DROP TABLE IF EXISTS t; CREATE TABLE t(id BIGINT PRIMARY KEY, s TEXT,"
                          " d DOUBLE PRECISION, b BYTEA, n BIGINT)"));
}

static void test_bind_and_rows(struct pl_db *db)
{
    struct pl_err err = {0};
    struct pl_q *ins = NULL, *sel = NULL;
    static const char blob[] = {'a', 0, 'b', 0, (char)0xff};
    make_table(db);
    T_REQUIRE(pl_db_prepared(db, &ins, "INSERT INTO t(id, s, d, b, n) VALUES(?1, ?2, ?3, ?4, ?5)",
                             "test", &err));
    pl_q_bind_i64(ins, 1, 5000000000LL);
    pl_q_bind_text(ins, 2, "h\xc3\xa9llo 'q' ?");
    pl_q_bind_double(ins, 3, 2.5);
    pl_q_bind_blob(ins, 4, blob, sizeof blob);
    pl_q_bind_null(ins, 5);
    T_EQ(pl_q_run(ins, &err, "insert"), 0);
    T_EQ(pl_db_changes(db), 1);
    T_REQUIRE(pl_db_prepared(db, &ins, "INSERT INTO t(id, s, d, b, n) VALUES(?1, ?2, ?3, ?4, ?5)",
                             "test", &err));
    pl_q_bind_i64(ins, 1, 2);
    pl_q_bind_textn(ins, 2, "abcdef", 3);
    pl_q_bind_null(ins, 3);
    pl_q_bind_blob(ins, 4, "", 0);
    pl_q_bind_i64(ins, 5, -7);
    T_EQ(pl_q_run(ins, &err, "insert"), 0);

    T_REQUIRE(
        pl_db_prepared(db, &sel, "SELECT id, s, d, b, n AS num FROM t ORDER BY id", "test", &err));
    T_EQ(pl_q_step(sel, &err, "select"), PL_Q_ROW);
    T_EQ(pl_q_columns(sel), 5);
    T_STR(pl_q_name(sel, 4), "num");
    T_EQ(pl_q_i64(sel, 0), 2);
    T_STR(pl_q_text(sel, 1), "abc");
    T_EQ(pl_q_type(sel, 2), PL_DBT_NULL);
    T_OK(pl_q_text(sel, 2) == NULL);
    T_EQ(pl_q_double(sel, 2), 0);
    T_EQ(pl_q_type(sel, 3), PL_DBT_BLOB);
    T_EQ(pl_q_bytes(sel, 3), 0);
    T_EQ(pl_q_type(sel, 4), PL_DBT_INT);
    T_EQ(pl_q_i64(sel, 4), -7);
    T_EQ(pl_q_step(sel, &err, "select"), PL_Q_ROW);
    T_EQ(pl_q_i64(sel, 0), 5000000000LL);
    T_EQ(pl_q_type(sel, 1), PL_DBT_TEXT);
    T_STR(pl_q_text(sel, 1), "h\xc3\xa9llo 'q' ?");
    T_EQ(pl_q_type(sel, 2), PL_DBT_FLOAT);
    T_OK(pl_q_double(sel, 2) == 2.5);
    T_EQ(pl_q_bytes(sel, 3), sizeof blob);
    T_REQUIRE(pl_q_blob(sel, 3));
    T_MEM(pl_q_blob(sel, 3), blob, sizeof blob);
    T_EQ(pl_q_type(sel, 4), PL_DBT_NULL);
    T_EQ(pl_q_i64(sel, 4), 0);
    struct pl_arena a;
    pl_arena_init(&a);
    T_STR(pl_q_dup(&a, sel, 1), "h\xc3\xa9llo 'q' ?");
    T_OK(pl_q_dup(&a, sel, 4) == NULL);
    pl_arena_fini(&a);
    T_EQ(pl_q_step(sel, &err, "select"), PL_Q_DONE); /* (stepping on is backend-defined) */

    /* the slot again: reset, bindings cleared, same rows */
    T_REQUIRE(
        pl_db_prepared(db, &sel, "SELECT id, s, d, b, n AS num FROM t ORDER BY id", "test", &err));
    T_EQ(pl_q_step(sel, &err, "select"), PL_Q_ROW);
    T_EQ(pl_q_i64(sel, 0), 2);
    pl_q_finalize(sel);
    pl_q_finalize(ins);
    T_EQ(err.code, PL_E_NONE);
}

static void test_params_and_literals(struct pl_db *db)
{
    struct pl_err err = {0};
    /* ?2 before ?1, a bare ? after ?2 is ?3, and '?', "?" and -- ? are not parameters */
    struct pl_q *q = pl_db_prepare(db,
                                   "SELECT 'a?b' || ?2 AS \"x?\", ?1 + 1, ? || 'it''s ?1', "
                                   "'' || 'q' -- not ?4\n",
                                   "test", &err);
    T_REQUIRE(q);
    pl_q_bind_i64(q, 1, 41);
    pl_q_bind_text(q, 2, "!");
    pl_q_bind_text(q, 3, "z");
    T_EQ(pl_q_step(q, &err, "literals"), PL_Q_ROW);
    T_STR(pl_q_text(q, 0), "a?b!");
    T_STR(pl_q_name(q, 0), "x?");
    T_EQ(pl_q_i64(q, 1), 42);
    T_STR(pl_q_text(q, 2), "zit's ?1");
    T_STR(pl_q_text(q, 3), "q");
    pl_q_finalize(q);
    T_EQ(err.code, PL_E_NONE);

    /* 300 bare ? in a row: each is one more than the last */
    char sql[2048] = "SELECT 0";
    for (int i = 0; i < 300; i++) /* 0 first: PostgreSQL types $1 from it */
        strcat(sql, "+?");
    q = pl_db_prepare(db, sql, "test", &err);
    T_REQUIRE(q);
    for (int i = 1; i <= 300; i++)
        pl_q_bind_i64(q, i, i);
    T_EQ(pl_q_step(q, &err, "many"), PL_Q_ROW);
    T_EQ(pl_q_i64(q, 0), 300 * 301 / 2);
    pl_q_finalize(q);

    /* more parameters than PostgreSQL allows (SQLite's default limit is lower still) */
    T_OK(pl_db_prepare(db, "SELECT 0 + ?99999999999", "test", &err) == NULL);
    err = (struct pl_err){0};

    /* a slot's syntax error fails the prepare, as SQLite's does */
    struct pl_q *slot = NULL;
    T_OK(pl_db_prepared(db, &slot, "SELEC 1", "test", &err) == NULL);
    T_OK(slot == NULL);
    T_EQ(err.code, PL_E_INTERNAL);

    /* module NULL / what NULL: the error stays on the connection, err untouched */
    err = (struct pl_err){0};
    q = pl_db_prepare(db, "SELECT * FROM no_such_table_at_all", NULL, &err);
    if (q) /* PostgreSQL parses a one-off statement at its step */
        T_EQ(pl_q_step(q, &err, NULL), PL_Q_ERROR);
    pl_q_finalize(q);
    T_EQ(err.code, PL_E_NONE);
    T_OK(strstr(pl_db_errmsg(db), "no_such_table_at_all") != NULL);
    T_EQ(pl_db_fail(db, "test", &err, "later"), -1);
    T_EQ(err.code, PL_E_INTERNAL);
    T_OK(strstr(err.msg, "no_such_table_at_all") != NULL);
}

static void test_transactions(struct pl_db *db)
{
    make_table(db);
    T_OK(!pl_db_in_tx(db));
    struct pl_err err = {0};
    T_EQ(pl_db_begin_write(db, "test", &err), 0);
    T_OK(pl_db_in_tx(db));
    exec_ok(db, "INSERT INTO t(id) VALUES(1)");
    pl_db_rollback(db);
    T_OK(!pl_db_in_tx(db));
    T_EQ(one_i64(db, "SELECT count(*) FROM t"), 0);
    T_EQ(pl_db_begin_write(db, "test", &err), 0);
    exec_ok(db, "INSERT INTO t(id) VALUES(1); INSERT INTO t(id) VALUES(2)");
    T_EQ(pl_db_commit(db, "test", &err), 0);
    T_OK(!pl_db_in_tx(db));
    T_EQ(one_i64(db, "SELECT sum(id) FROM t"), 3);
    T_EQ(pl_db_begin_read(db, "test", &err), 0);
    T_OK(pl_db_in_tx(db));
    T_EQ(one_i64(db, "SELECT count(*) FROM t"), 2);
    T_EQ(pl_db_commit(db, "test", &err), 0);
    T_OK(!pl_db_in_tx(db));

    /* UPDATE counts its rows; a duplicate key is an error, not a retryable one */
    struct pl_q *q = pl_db_prepare(db, "UPDATE t SET n = ?1 WHERE id >= ?2", "test", &err);
    T_REQUIRE(q);
    pl_q_bind_i64(q, 1, 9);
    pl_q_bind_i64(q, 2, 0);
    T_EQ(pl_q_run(q, &err, "update"), 0);
    T_EQ(pl_db_changes(db), 2);
    pl_q_finalize(q);
    T_EQ(err.code, PL_E_NONE);
    q = pl_db_prepare(db, "INSERT INTO t(id) VALUES(?1)", "test", &err);
    T_REQUIRE(q);
    pl_q_bind_i64(q, 1, 1);
    T_EQ(pl_q_step(q, &err, "duplicate"), PL_Q_ERROR);
    T_EQ(err.code, PL_E_INTERNAL);
    T_OK(strstr(err.msg, "duplicate") || strstr(err.msg, "UNIQUE"));
    pl_q_finalize(q);
    /* a failed statement inside a transaction: the commit fails too */
    err = (struct pl_err){0};
    T_EQ(pl_db_begin_write(db, "test", &err), 0);
    T_OK(pl_db_exec(db, "INSERT INTO t(id) VALUES(1)", "test", &err) < 0);
    pl_db_rollback(db);
    T_OK(!pl_db_in_tx(db));
}

static void run_suite(struct pl_db *db)
{
    T_RUN_DB(test_bind_and_rows, db);
    T_RUN_DB(test_params_and_literals, db);
    T_RUN_DB(test_transactions, db);
}

#ifdef PL_HAVE_PG
static const char *pg_url;
static char pg_fresh[512];

/* PLUMB_TEST_PG_URL, else the first line of the file PLUMB_TEST_PG_URL_FILE; NULL if neither */
static const char *test_pg_url(void)
{
    static char line[512];
    const char *u = getenv("PLUMB_TEST_PG_URL"), *f = getenv("PLUMB_TEST_PG_URL_FILE");
    if (u && *u)
        return u;
    FILE *fp = f ? fopen(f, "r") : NULL;
    if (!fp)
        return NULL;
    u = fgets(line, sizeof line, fp) ? line : NULL;
    fclose(fp);
    if (u)
        line[strcspn(line, "\r\n")] = 0;
    return u && *u ? u : NULL;
}

/* A new empty database beside pg_url's (dropped first if a previous run left it). */
static const char *fresh_db(const char *name)
{
    struct pl_db *db = open_or_die(pg_url);
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    exec_ok(db, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    exec_ok(db, sql);
    pl_db_close(db);
    const char *slash = strrchr(pg_url, '/');
    snprintf(pg_fresh, sizeof pg_fresh, "%.*s/%s", (int)(slash - pg_url), pg_url, name);
    return pg_fresh;
}

/* The server ends db's backend; returns when it is gone (pg_stat_activity says so). */
static void kill_backend(struct pl_db *db)
{
    int64_t pid = one_i64(db, "SELECT pg_backend_pid()");
    struct pl_db *admin = open_or_die(pg_url);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)::int", (long long)pid);
    T_EQ(one_i64(admin, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = %lld",
             (long long)pid);
    for (int i = 0; i < 10000 && one_i64(admin, sql) != 0; i++)
        usleep(1000);
    pl_db_close(admin);
}

static void test_pg_killed_connection(struct pl_db *db)
{
    struct pl_err err = {0};
    struct pl_q *slot = NULL;
    T_REQUIRE(pl_db_prepared(db, &slot, "SELECT ?1 + 1", "test", &err));
    pl_q_bind_i64(slot, 1, 1);
    T_EQ(pl_q_step(slot, &err, "before"), PL_Q_ROW);
    T_EQ(pl_q_i64(slot, 0), 2);

    /* killed inside a transaction: the statement fails as retryable, until rollback */
    T_EQ(pl_db_begin_write(db, "test", &err), 0);
    kill_backend(db);
    T_REQUIRE(pl_db_prepared(db, &slot, "SELECT ?1 + 1", "test", &err));
    pl_q_bind_i64(slot, 1, 2);
    T_EQ(pl_q_step(slot, &err, "in tx"), PL_Q_ERROR);
    T_EQ(err.code, PL_E_UNAVAILABLE);
    T_OK(pl_db_in_tx(db));
    pl_db_rollback(db);
    T_OK(!pl_db_in_tx(db));

    /* outside a transaction: the next statement reconnects and prepares again */
    err = (struct pl_err){0};
    T_REQUIRE(pl_db_prepared(db, &slot, "SELECT ?1 + 1", "test", &err));
    pl_q_bind_i64(slot, 1, 3);
    T_EQ(pl_q_step(slot, &err, "after"), PL_Q_ROW);
    T_EQ(pl_q_i64(slot, 0), 4);
    T_EQ(err.code, PL_E_NONE);

    /* killed while idle: noticed before the next statement is sent, so it succeeds */
    kill_backend(db);
    T_REQUIRE(pl_db_prepared(db, &slot, "SELECT ?1 + 1", "test", &err));
    pl_q_bind_i64(slot, 1, 4);
    T_EQ(pl_q_step(slot, &err, "idle kill"), PL_Q_ROW);
    T_EQ(pl_q_i64(slot, 0), 5);
    T_EQ(err.code, PL_E_NONE);
    pl_q_finalize(slot);
}

static void test_pg_write_lock(struct pl_db *db)
{
    struct pl_err err = {0};
    struct pl_db *other = open_or_die(pg_url);
    char held[160]; /* db's own: other tests share the cluster */
    snprintf(held, sizeof held,
             "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = %lld",
             (long long)one_i64(db, "SELECT pg_backend_pid()"));
    T_EQ(pl_db_begin_write(db, "test", &err), 0);
    T_EQ(one_i64(other, held), 1);
    T_EQ(pl_db_commit(db, "test", &err), 0);
    T_EQ(one_i64(other, held), 0);
    pl_db_close(other);
}

static void test_pg_refused(void)
{
    struct pl_db *db = NULL;
    struct pl_err err = {0};
    T_EQ(pl_db_open("postgres://nobody@127.0.0.1:1/x?connect_timeout=5", 0, 0, "test", &db, &err),
         -1);
    T_OK(db == NULL);
    T_EQ(err.code, PL_E_UNAVAILABLE);
}

static void test_pg_migrations(void)
{
    struct pl_db *db = open_or_die(fresh_db("plumb_test_db_schema"));
    struct pl_err err = {0};
    int before = -1;
    T_EQ(pl_pg_migrate(db, "test", &before, &err), 0);
    T_EQ(before, 0);
    T_EQ(pl_pg_migration_count, 17);
    T_EQ(one_i64(db, "SELECT version FROM plumb_schema"), pl_pg_migration_count);
    T_EQ(pl_pg_migrate(db, "test", &before, &err), 0);
    T_EQ(before, pl_pg_migration_count);
    T_EQ(err.code, PL_E_NONE);
    /* every migration once more on the migrated schema: each is idempotent by itself too */
    for (int v = 0; v < pl_pg_migration_count; v++)
        exec_ok(db, pl_pg_migrations[v]);

    /* resource_counts follows the current resources through the triggers */
    exec_ok(db, "INSERT INTO resources(account, region, resource_type, resource_id, status,"
                " deleted, capture_ms, deletion_ms, first_ms, state_id, latest_seq, versions,"
                " hash) VALUES('1', 'r', 'AWS::S3::Bucket', 'b1', 'OK', 0, 1, 0, 1, 1, 1, 1, 'h'),"
                " ('1', 'r', 'AWS::S3::Bucket', 'b2', 'ResourceNotRecorded', 0, 1, 0, 1, 1, 2, 1,"
                " 'h')");
    const char *n = "SELECT n FROM resource_counts WHERE resource_type = 'AWS::S3::Bucket'";
    T_EQ(one_i64(db, n), 1);
    exec_ok(db, "UPDATE resources SET status = 'OK' WHERE resource_id = 'b2'");
    T_EQ(one_i64(db, n), 2);
    exec_ok(db, "UPDATE resources SET deleted = 1 WHERE resource_id = 'b1'");
    T_EQ(one_i64(db, n), 1);
    exec_ok(db, "DELETE FROM resources");
    T_EQ(one_i64(db, n), 0);
    /* identity ids where SQLite's rowid was */
    exec_ok(db, "INSERT INTO outbox(account, region, kind, payload, created_ms,"
                " next_attempt_ms) VALUES('1', 'r', 'k', '{}', 1, 1)");
    T_EQ(one_i64(db, "SELECT id FROM outbox"), 1);
    T_EQ(pl_db_last_id(db), 1);

    /* a database newer than this plumb is refused */
    exec_ok(db, "UPDATE plumb_schema SET version = 999");
    T_EQ(pl_pg_migrate(db, "test", NULL, &err), -1);
    T_OK(strstr(err.msg, "newer") != NULL);
    T_OK(!pl_db_in_tx(db));
    pl_db_close(db);
}
#endif

int main(void)
{
    int suites = 0;
    char dir[] = "/tmp/pl_test_db_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    struct pl_db *lite = open_or_die(dir);
    T_EQ(pl_db_kind(lite), PL_DB_SQLITE);
    run_suite(lite);
    pl_db_close(lite);
    suites++;
#ifdef PL_HAVE_PG
    pg_url = test_pg_url();
    if (pg_url) {
        T_OK(pl_db_spec_is_pg(pg_url));
        T_OK(pl_db_spec_is_pg("postgresql://h/db"));
        T_OK(!pl_db_spec_is_pg("/var/lib/plumb"));
        struct pl_db *pg = open_or_die(fresh_db("plumb_test_db"));
        T_EQ(pl_db_kind(pg), PL_DB_PG);
        run_suite(pg);
        T_RUN_DB(test_pg_write_lock, pg);
        T_RUN_DB(test_pg_killed_connection, pg);
        pl_db_close(pg);
        T_RUN(test_pg_refused);
        T_RUN(test_pg_migrations);
        suites++;
    }
#endif
    if (!suites) {
        fprintf(stderr, "test_db: no backend to test (PLUMB_TEST_PG_URL unset): skipped\n");
        return t_failed_now ? 1 : 77;
    }
    return T_EXIT();
}
