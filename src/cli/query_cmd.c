/* query_cmd.c — `plumb query`: AWS Config's advanced query over a data directory, for people
 * (a table) and scripts (--json: one AWS result row per line; --csv).
 *
 *   plumb query [--data DIR] [--account ID] [--region NAME] [--as-of TIME] [--json | --csv] QUERY
 *
 * The same dialect and rows as SelectResourceConfig (query/query.h), but not capped at AWS's
 * page sizes: every row is printed, read page by page (QUERY_EXPORT_PAGE rows each) so the
 * output streams. Without --account/--region the data directory must hold one partition.
 * --as-of runs it over the inventory as it was at TIME (beyond AWS; query_run_as_of).
 *
 *   plumb query [--data DIR] [--account ID --region NAME] [--json | --csv] --sql SQL
 *
 * runs SQLite's own SELECT over plumb's read-only views of the partition instead (beyond AWS;
 * store/sqlq.h: the same sandbox as PlumbService.QuerySql), at most PL_SQLQ_MAX_ROWS rows.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/json.h"
#include "core/time.h"
#include "query/query.h"
#include "store/sqlq.h"

#define QUERY_EXPORT_PAGE 1000

enum qformat { Q_TABLE, Q_JSON, Q_CSV };

struct qopts {
    const char *data, *account, *region, *expr;
    bool sql;         /* expr is full SQL over the views (--sql) */
    int64_t as_of_ms; /* 0: now */
    enum qformat format;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: plumb query [--data DIR] [--account ID] [--region NAME] [--as-of TIME] "
               "[--json | --csv] EXPRESSION\n"
               "       plumb query [--data DIR] [--account ID] [--region NAME] [--json | --csv] "
               "--sql SQL\n");
    if (f != stdout)
        return;
    fprintf(f, "\n"
               "Runs an AWS Config advanced query (SELECT ... [WHERE ...] [GROUP BY ...]\n"
               "[ORDER BY ...]) over the current configuration items and prints every row.\n\n"
               "  --data DIR      data directory (default ./plumb-data); read only\n"
               "  --account ID    the partition to query, with --region NAME (needed when the\n"
               "                  data directory holds several)\n"
               "  --as-of TIME    over the inventory as it was at TIME (ISO-8601 or epoch\n"
               "                  seconds), from the recorded history\n"
               "  --json          each row as AWS returns it (a JSON object per line)\n"
               "  --csv           a header line of the selected fields, then the rows\n"
               "  --sql SQL       SQLite's own SELECT over plumb's read-only views (resources,\n"
               "                  history, relationships, tags, evaluations, compliance,\n"
               "                  cloudtrail_events; docs/query.md), beyond AWS's dialect\n");
}

/* The options pl_cli_getopt leaves to the command: --json/--csv, --as-of. */
static int option(void *ctx, int c, char *arg)
{
    struct qopts *o = ctx;
    if (c == 't') {
        if (pl_time_parse(arg, &o->as_of_ms) < 0 || o->as_of_ms <= 0)
            return pl_cli_usage_error("query", "--as-of wants an ISO-8601 time or epoch "
                                               "seconds after 1970");
        return 0;
    }
    if (o->format != Q_TABLE)
        return pl_cli_usage_error("query", "--json and --csv exclude each other");
    o->format = c == 'j' ? Q_JSON : Q_CSV;
    return 0;
}

static int parse_args(int argc, char **argv, struct qopts *o)
{
    memset(o, 0, sizeof *o);
    o->data = "./plumb-data";
    const struct pl_cli_opt opts[] = {
        {"data", 'd', &o->data, NULL, false},     {"account", 'a', &o->account, NULL, false},
        {"region", 'r', &o->region, NULL, false}, {"json", 'j', NULL, NULL, false},
        {"csv", 'c', NULL, NULL, false},          {"as-of", 't', NULL, NULL, true},
        {"sql", 's', &o->expr, &o->sql, false},   {NULL, 0, NULL, NULL, false},
    };
    int r = pl_cli_getopt("query", argc, argv, ":d:a:r:jcht:s:", opts, option, o);
    if (r == 1)
        usage(stdout);
    if (r != 0)
        return r == 1 ? 1 : -1;
    if (o->sql && (optind != argc || o->as_of_ms))
        return pl_cli_usage_error("query", "--sql takes the whole query (no EXPRESSION, no "
                                           "--as-of: the history view has every version)"),
               -1;
    if (!o->sql && optind + 1 != argc)
        return pl_cli_usage_error("query", "give one EXPRESSION (quote it)"), -1;
    if (!o->account != !o->region)
        return pl_cli_usage_error("query", "--account and --region go together"), -1;
    if (!o->sql)
        o->expr = argv[optind];
    return 0;
}

/* The partition to query: the options', or the data directory's only one. */
static int partition(struct pl_store *s, struct pl_arena *a, struct qopts *o)
{
    struct pl_part_row *parts;
    size_t n;
    struct pl_err err = {0};
    if (o->account)
        return 0;
    if (pl_store_partitions(s, a, &parts, &n, &err) < 0) {
        fprintf(stderr, "plumb query: %s\n", pl_err_msg(&err));
        return -1;
    }
    if (n != 1) {
        fprintf(stderr, "plumb query: %s; name one with --account ID --region NAME\n",
                n ? "the data directory holds several partitions" : "no resources recorded");
        if (n == 0)
            return 1;
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "  %s %s\n", parts[i].account, parts[i].region);
        return -1;
    }
    o->account = parts[0].account;
    o->region = parts[0].region;
    return 0;
}

/* The value of field (a selected name) in a result row: the top-level key of that name
 * (aggregates), else the dotted path, through arrays. NULL when absent. */
static const struct pl_json *cell(struct pl_arena *a, const struct pl_json *j, const char *path)
{
    if (!j)
        return NULL;
    if (j->type == PL_JARR) {
        struct pl_json *arr = pl_json_new_arr(a);
        for (const struct pl_json *e = j->child; e; e = e->next) {
            const struct pl_json *v = cell(a, e, path);
            if (v)
                pl_json_push(arr, pl_json_clone(a, v));
        }
        return arr;
    }
    const struct pl_json *whole = pl_json_get(j, path);
    if (whole || !strchr(path, '.'))
        return whole;
    const char *dot = strchr(path, '.');
    char *key = pl_arena_strndup(a, path, (size_t)(dot - path));
    return cell(a, pl_json_get(j, key), dot + 1);
}

/* A cell as text: strings as they are, anything else as compact JSON, "" when absent. */
static const char *cell_text(struct pl_arena *a, const struct pl_json *v)
{
    if (!v || v->type == PL_JNULL)
        return "";
    if (v->type == PL_JSTR)
        return v->str;
    return pl_json_dump(a, v, 0);
}

static void csv_field(const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n")) {
        putchar('"');
        for (; *s; s++) {
            if (*s == '"')
                putchar('"');
            putchar(*s);
        }
        putchar('"');
    } else {
        fputs(s, stdout);
    }
    putchar(last ? '\n' : ',');
}

/* One row in the chosen format (the table is tab-separated under a header line). */
static void print_row(struct pl_arena *a, const struct query *q, const char *row,
                      enum qformat f)
{
    if (f == Q_JSON) {
        puts(row);
        return;
    }
    struct pl_err err = {0};
    const struct pl_json *j = pl_json_parse(a, row, strlen(row), &err);
    size_t n = query_nfields(q);
    for (size_t i = 0; i < n; i++) {
        const char *t = cell_text(a, cell(a, j, query_field(q, i)));
        if (f == Q_CSV)
            csv_field(t, i + 1 == n);
        else
            printf("%s%s", t, i + 1 == n ? "\n" : "\t");
    }
}

static void print_header(const struct query *q, enum qformat f)
{
    size_t n = query_nfields(q);
    for (size_t i = 0; f != Q_JSON && i < n; i++) {
        if (f == Q_CSV)
            csv_field(query_field(q, i), i + 1 == n);
        else
            printf("%s%s", query_field(q, i), i + 1 == n ? "\n" : "\t");
    }
}

/* Prints every row of q, page by page. */
static int run(struct pl_store *s, const struct query *q, const struct qopts *o)
{
    struct pl_arena page;
    struct pl_err err = {0};
    int64_t offset = 0;
    bool more = true;
    int rc = 0;
    pl_arena_init(&page);
    print_header(q, o->format);
    while (more) {
        const char **rows;
        size_t n;
        pl_arena_reset(&page);
        if (query_run_as_of(s, q, o->account, o->region, o->as_of_ms, offset, QUERY_EXPORT_PAGE,
                            &page, &rows, &n, &more, &err) < 0) {
            fprintf(stderr, "plumb query: %s\n", pl_err_msg(&err));
            rc = 1;
            break;
        }
        for (size_t i = 0; i < n; i++)
            print_row(&page, q, rows[i], o->format);
        offset += (int64_t)n;
    }
    pl_arena_fini(&page);
    return rc;
}

/* A value of a --sql row as text (NULL: ""). */
static const char *sql_text(struct pl_arena *a, const struct pl_sel_value *v)
{
    switch (v->type) {
    case PL_SEL_T_INT:
        return pl_arena_printf(a, "%lld", (long long)v->i);
    case PL_SEL_T_REAL:
        return pl_json_dump(a, pl_json_new_double(a, v->d), 0);
    case PL_SEL_T_TEXT:
        return v->s;
    case PL_SEL_T_NULL:
        break;
    }
    return "";
}

static struct pl_json *sql_json(struct pl_arena *a, const struct pl_sel_value *v)
{
    struct pl_json *j = query_value_json(a, v);
    return j ? j : pl_json_new_null(a);
}

/* --sql: runs o->expr in the store's sandbox and prints the rows (--json: an object per row). */
static int run_sql(struct pl_store *s, struct pl_arena *a, const struct qopts *o)
{
    struct pl_sel_part part = {.account = o->account, .region = o->region};
    struct pl_sqlq q = {.sql = o->expr, .parts = &part, .nparts = 1, .max_rows = PL_SQLQ_MAX_ROWS};
    struct pl_sqlq_result r;
    struct pl_err err = {0};
    if (pl_store_sql_query(s, &q, a, &r, &err) < 0) {
        fprintf(stderr, "plumb query: %s: %s\n", pl_err_name(err.code), pl_err_msg(&err));
        return 1;
    }
    for (size_t i = 0; o->format != Q_JSON && i < r.ncols; i++) {
        if (o->format == Q_CSV)
            csv_field(r.cols[i], i + 1 == r.ncols);
        else
            printf("%s%s", r.cols[i], i + 1 == r.ncols ? "\n" : "\t");
    }
    for (size_t i = 0; i < r.nrows; i++) {
        const struct pl_sel_value *row = &r.vals[i * r.ncols];
        struct pl_json *obj = pl_json_new_obj(a);
        for (size_t k = 0; k < r.ncols; k++) {
            if (o->format == Q_JSON)
                pl_json_set(a, obj, r.cols[k], sql_json(a, &row[k]));
            else if (o->format == Q_CSV)
                csv_field(sql_text(a, &row[k]), k + 1 == r.ncols);
            else
                printf("%s%s", sql_text(a, &row[k]), k + 1 == r.ncols ? "\n" : "\t");
        }
        if (o->format == Q_JSON)
            puts(pl_json_dump(a, obj, 0));
    }
    if (r.truncated)
        fprintf(stderr, "plumb query: truncated after %zu rows\n", r.nrows);
    return 0;
}

int pl_cli_query(int argc, char **argv)
{
    struct qopts o;
    struct pl_arena a;
    struct pl_store *s = NULL;
    struct query *q;
    struct pl_err err = {0};
    int r = parse_args(argc, argv, &o), rc = 1;
    if (r != 0)
        return r > 0 ? 0 : 2;
    pl_arena_init(&a);
    if (!o.sql && query_parse(o.expr, strlen(o.expr), &a, &q, &err) < 0) {
        fprintf(stderr, "plumb query: %s: %s\n", pl_err_name(err.code), pl_err_msg(&err));
        goto out;
    }
    if (pl_cli_open_read("query", o.data, &s) < 0)
        goto out;
    r = partition(s, &a, &o);
    if (r != 0) {
        rc = r > 0 ? 0 : 1;
        goto out;
    }
    rc = o.sql ? run_sql(s, &a, &o) : run(s, q, &o);
out:
    pl_store_close(s);
    pl_arena_fini(&a);
    return rc;
}
