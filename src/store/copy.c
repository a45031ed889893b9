/* copy.c — pl_store_copy: every table of one store into another, empty one (`plumb store copy
 * DIR postgres://...` moves a SQLite data directory onto PostgreSQL; the other way works too).
 *
 * The destination is opened (so migrated to this build's schema) and must hold no data. The
 * source is migrated to this build's schema first, as any plumb command would. Rows are copied
 * table by table, column by column by name, in ONE destination transaction: a copy that fails or is
 * killed leaves the destination as empty as it was, and is simply run again. resource_counts, which
 * the destination's triggers fill while resources are copied, is then overwritten with the source's
 * rows. On PostgreSQL the identity sequences are moved past the copied ids. */
#include "store/store.h"
#include "store/db.h"
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/util.h"

/* Every table of the schema, parents first (resource_counts last: it is overwritten). */
static const char *const tables[] = {
    "objects",
    "resources",
    "config_items",
    "outbox",
    "rule_evals",
    "rule_status",
    "rule_tokens",
    "function_logs",
    "eval_counts",
    "resource_evaluations",
    "resource_evaluation_results",
    "trail_events",
    "trail_links",
    "trail_files",
    "pack_scores",
    "resource_counts",
};

static int count_rows(struct pl_store *s, const char *table, int64_t *n, struct pl_err *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", table);
    struct pl_q *q = pl_db_prepare(s->db, sql, "copy", err);
    if (!q)
        return -1;
    int rc = pl_q_step(q, err, "count");
    *n = rc == PL_Q_ROW ? pl_q_i64(q, 0) : 0;
    pl_q_finalize(q);
    return rc == PL_Q_ERROR ? -1 : 0;
}

/* "INSERT INTO t(c1, ...) VALUES(?1, ...)" for the columns of src's row statement. */
static char *insert_sql(struct pl_arena *a, const char *table, struct pl_q *src, bool upsert)
{
    struct pl_buf b;
    int n = pl_q_columns(src);
    pl_buf_init(&b, 1 << 16);
    pl_buf_printf(&b, "INSERT INTO %s(", table);
    for (int i = 0; i < n; i++)
        pl_buf_printf(&b, "%s%s", i ? ", " : "", pl_q_name(src, i));
    pl_buf_puts(&b, ") VALUES(");
    for (int i = 0; i < n; i++)
        pl_buf_printf(&b, "%s?%d", i ? ", " : "", i + 1);
    pl_buf_puts(&b, ")");
    if (upsert) /* resource_counts */
        pl_buf_puts(&b, " ON CONFLICT(account, region, resource_type) DO UPDATE SET n = "
                        "excluded.n");
    char *sql = pl_arena_strndup(a, b.data ? b.data : "", b.len);
    pl_buf_fini(&b);
    return sql;
}

static void bind_column(struct pl_q *dst, int i, struct pl_q *src)
{
    switch (pl_q_type(src, i)) {
    case PL_DBT_NULL:
        pl_q_bind_null(dst, i + 1);
        break;
    case PL_DBT_INT:
        pl_q_bind_i64(dst, i + 1, pl_q_i64(src, i));
        break;
    case PL_DBT_FLOAT:
        pl_q_bind_double(dst, i + 1, pl_q_double(src, i));
        break;
    case PL_DBT_BLOB:
        pl_q_bind_blob(dst, i + 1, pl_q_blob(src, i), pl_q_bytes(src, i));
        break;
    default:
        pl_q_bind_textn(dst, i + 1, pl_q_text(src, i), pl_q_bytes(src, i));
    }
}

static int copy_table(struct pl_store *from, struct pl_store *to, const char *table, int64_t *rows,
                      struct pl_err *err)
{
    char sql[128];
    struct pl_arena a;
    struct pl_q *dst = NULL;
    snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
    struct pl_q *src = pl_db_prepare(from->db, sql, "copy", err);
    if (!src)
        return -1;
    pl_arena_init(&a);
    int rc;
    while ((rc = pl_q_step(src, err, table)) == PL_Q_ROW) {
        if (!dst && !(dst = pl_db_prepare(
                          to->db, insert_sql(&a, table, src, strcmp(table, "resource_counts") == 0),
                          "copy", err))) {
            rc = PL_Q_ERROR;
            break;
        }
        pl_q_reset(dst);
        for (int i = 0; i < pl_q_columns(src); i++)
            bind_column(dst, i, src);
        if (pl_q_run(dst, err, table) < 0) {
            rc = PL_Q_ERROR;
            break;
        }
        (*rows)++;
    }
    pl_q_finalize(dst);
    pl_q_finalize(src);
    pl_arena_fini(&a);
    return rc == PL_Q_ERROR ? -1 : 0;
}

/* PostgreSQL: each identity/serial column's sequence continues after the copied maximum. */
static int move_sequences(struct pl_store *to, struct pl_err *err)
{
    if (pl_db_kind(to->db) != PL_DB_PG)
        return 0;
    return pl_db_exec(
        to->db,
        "DO $$ DECLARE c record; BEGIN FOR c IN SELECT table_name AS t, column_name AS col "
        "FROM information_schema.columns WHERE table_schema = current_schema() AND "
        "(is_identity = 'YES' OR column_default LIKE 'nextval(%') LOOP "
        "EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, %L), "
        "COALESCE((SELECT MAX(%I) FROM %I), 0) + 1, false)', c.t, c.col, c.col, c.t); "
        "END LOOP; END $$",
        "copy", err);
}

static int check_empty(struct pl_store *to, struct pl_err *err)
{
    for (size_t i = 0; i < PL_ARRAY_LEN(tables); i++) {
        int64_t n = 0;
        if (count_rows(to, tables[i], &n, err) < 0)
            return -1;
        if (n > 0)
            return pl_fail(err, PL_E_VALIDATION,
                           "copy: the destination already holds data (table %s has %lld rows)",
                           tables[i], (long long)n);
    }
    return 0;
}

int pl_store_copy(const char *from_spec, const char *to_spec, struct pl_store_copy_stats *st,
                  struct pl_err *err)
{
    struct pl_store *from = NULL, *to = NULL;
    memset(st, 0, sizeof *st);
    if (pl_store_open(from_spec, 0, &from, err) < 0) /* migrated, as any command does */
        return -1;
    int rc = -1;
    if (pl_store_open(to_spec, 0, &to, err) < 0 || check_empty(to, err) < 0 ||
        pl_store_begin(to, err) < 0)
        goto out;
    rc = 0;
    for (size_t i = 0; rc == 0 && i < PL_ARRAY_LEN(tables); i++) {
        int64_t rows = 0;
        rc = copy_table(from, to, tables[i], &rows, err);
        st->rows += rows;
        st->tables++;
        if (rc == 0)
            PL_LOG(INFO, "copy", "table=%s rows=%lld", tables[i], (long long)rows);
    }
    if (rc == 0)
        rc = move_sequences(to, err);
    if (rc < 0)
        pl_store_rollback(to);
    else
        rc = pl_store_commit(to, err);
out:
    pl_store_close(to);
    pl_store_close(from);
    return rc;
}
