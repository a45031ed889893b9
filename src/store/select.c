/* select.c — runs an advanced-query plan (select.h) as one SQLite statement.
 *
 * The plan becomes "SELECT ... FROM resources r JOIN config_items c ON c.seq = r.latest_seq
 * WHERE <partition, current> AND (<where>) [GROUP BY] ORDER BY ... LIMIT OFFSET"; literals are
 * bound, never written into the SQL. Paths are written as SQL string literals after checking
 * that they are made of identifier characters only (the parser guarantees it).
 *
 * Any-element matching: a configuration path is compared against every scalar that json_tree
 * finds under its first segment whose full key, with array indexes removed (pl_qkey()), is
 * the path; tags and relationships use json_each. Top-level fields are columns or top-level
 * members of the body, and resourceType/resourceId/resourceName comparisons are plain
 * column comparisons the indexes serve (migration 7 adds the id and name indexes).
 * IP and CIDR paths (cond->cidr) compare as IPv4 or IPv6 ranges through pl_qcidr().
 * With as_of_ms the same plan runs over the versions that were current at that moment.
 * Partitions: one is "r.account = ? AND r.region = ?"; several (an aggregator's sources) are
 * one bound JSON array of [account, region] pairs that a row-value IN reads, so that any
 * number of sources is one parameter and the (account, region, ...) indexes still serve it.
 *
 * PostgreSQL (pl_db_kind): the same plan in its SQL, with SQLite's semantics kept by the
 * functions of pg_schema.c's query migration: the body is parsed once per row (PG_BODY), a
 * property is the jsonb at its path (JSON null as NULL), compared by pl_qcmp (numbers and booleans
 * before text, text by bytes), walked by pl_qtree (json_tree with pl_qkey's keys), sorted by
 * (pl_qrank, pl_qnum, pl_qtxt), matched as addresses by pl_qcidr; LIKE's GLOB pattern becomes an
 * anchored regular expression; every value is bound as text and cast where it is used; aggregate
 * outputs are jsonb that read_value() turns back into SQLite's types. The hot paths are not read
 * (the body is).
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/util.h"
#include "store/select.h"
#include "store/db.h"
#include "store/sql.h"
#include "store/store_int.h"

#define SQL_MAX (1024 * 1024) /* a 4096-byte expression needs far less */

#define PL_SEL__COL_NAME(id, name) name,
static const char *const col_names[] = {PL_SEL_COLS(PL_SEL__COL_NAME)};

const char *pl_sel_col_name(enum pl_sel_col c)
{
    return (unsigned)c < PL_SEL_NCOLS ? col_names[c] : "";
}

#define ISO(x) "strftime('%Y-%m-%dT%H:%M:%fZ', " x ", 'unixepoch')"
/* PostgreSQL's: text, like SQLite's (all but capture and creation times are stored text) */
#define PG_ISO(x)  "pl_qiso(" x ")"
#define PG_JTXT(k) "(jb.b ->> '" k "')"
static const char *const col_pg[] = {
    [PL_SEL_C_ACCOUNT] = "r.account",
    [PL_SEL_C_REGION] = "r.region",
    [PL_SEL_C_ARN] = PG_JTXT("arn"),
    [PL_SEL_C_AZ] = PG_JTXT("availabilityZone"),
    [PL_SEL_C_CAPTURE] = PG_ISO("r.capture_ms / 1000.0"),
    [PL_SEL_C_CREATED] = PG_ISO("pl_qnum(jb.b -> 'resourceCreationTime')"),
    [PL_SEL_C_ID] = "r.resource_id",
    [PL_SEL_C_NAME] = "r.resource_name",
    [PL_SEL_C_TYPE] = "r.resource_type",
    [PL_SEL_C_VERSION] = "'1.3'::text",
    [PL_SEL_C_STATUS] = "r.status",
    [PL_SEL_C_STATE_ID] = "CAST(r.state_id AS TEXT)",
    [PL_SEL_C_FREQUENCY] = PG_JTXT("recordingFrequency"),
};
static const char *const col_sql[] = {
    [PL_SEL_C_ACCOUNT] = "r.account",
    [PL_SEL_C_REGION] = "r.region",
    [PL_SEL_C_ARN] = "json_extract(c.body, '$.arn')",
    [PL_SEL_C_AZ] = "json_extract(c.body, '$.availabilityZone')",
    [PL_SEL_C_CAPTURE] = ISO("r.capture_ms / 1000.0"),
    [PL_SEL_C_CREATED] = ISO("json_extract(c.body, '$.resourceCreationTime')"),
    [PL_SEL_C_ID] = "r.resource_id",
    [PL_SEL_C_NAME] = "r.resource_name",
    [PL_SEL_C_TYPE] = "r.resource_type",
    [PL_SEL_C_VERSION] = "'1.3'",
    [PL_SEL_C_STATUS] = "r.status",
    [PL_SEL_C_STATE_ID] = "CAST(r.state_id AS TEXT)",
    [PL_SEL_C_FREQUENCY] = "json_extract(c.body, '$.recordingFrequency')",
};

/* pl_qkey(fullkey): json_tree's full key without array indexes or key quotes, so that
 * "$.configuration.ipPermissions[2].ipRanges[0]" compares equal to the query's path. */
static void qkey_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *k = (const char *)sqlite3_value_text(argv[0]);
    if (!k) {
        sqlite3_result_null(ctx);
        return;
    }
    size_t n = strlen(k), o = 0;
    char *out = sqlite3_malloc64(n + 1);
    if (!out) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (k[i] == '[') {
            while (i < n && k[i] != ']')
                i++;
        } else if (k[i] != '"') {
            out[o++] = k[i];
        }
    }
    sqlite3_result_text(ctx, out, (int)o, sqlite3_free);
}

/* An IP address or CIDR block as a range [lo, hi] of one family (IPv4 in the low 32 bits). */
struct ip_range {
    int family; /* 4 or 6 */
    unsigned __int128 lo, hi;
};

static int ipv4_range(const char *s, struct ip_range *r)
{
    unsigned a[4], bits = 32;
    int used = 0;
    if (sscanf(s, "%3u.%3u.%3u.%3u%n", &a[0], &a[1], &a[2], &a[3], &used) != 4)
        return -1;
    if (s[used] == '/') {
        int more = 0;
        if (sscanf(s + used + 1, "%2u%n", &bits, &more) != 1 || bits > 32)
            return -1;
        used += 1 + more;
    }
    if (s[used] || a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255)
        return -1;
    uint32_t ip = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
    uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
    *r = (struct ip_range){.family = 4, .lo = ip & mask, .hi = (ip & mask) | ~mask};
    return 0;
}

/* "2600:1f18::/56", "::ffff:10.0.0.1", "fe80::1": inet_pton's forms, then an optional /0-128. */
static int ipv6_range(const char *s, struct ip_range *r)
{
    char addr[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    unsigned bits = 128;
    unsigned char b[16];
    if (n >= sizeof addr)
        return -1;
    memcpy(addr, s, n);
    addr[n] = 0;
    if (slash) {
        int used = 0;
        if (sscanf(slash + 1, "%3u%n", &bits, &used) != 1 || slash[1 + used] || bits > 128 ||
            slash[1] < '0' || slash[1] > '9')
            return -1;
    }
    if (inet_pton(AF_INET6, addr, b) != 1)
        return -1;
    unsigned __int128 ip = 0, mask = bits == 0 ? 0 : ~(unsigned __int128)0 << (128 - bits);
    for (int i = 0; i < 16; i++)
        ip = ip << 8 | b[i];
    *r = (struct ip_range){.family = 6, .lo = ip & mask, .hi = (ip & mask) | ~mask};
    return 0;
}

static int ip_range(const char *s, struct ip_range *r)
{
    if (!s)
        return -1;
    return strchr(s, ':') ? ipv6_range(s, r) : ipv4_range(s, r);
}

/* pl_qcidr(stored, v0, v1, mode): the stored address or block, as a range, against [v0, v1]
 * (AWS: "CIDR notation is converted to IP ranges for search"): mode 0 (= and !=) contains it,
 * 1 (BETWEEN) overlaps it; 2-5 (<, <=, >, >=) holds an address below v0's first, at or below
 * v0's last, above v0's last, at or above v0's first. NULL when either side is not an address
 * or the families differ (IPv4 against IPv6). */
static void qcidr_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct ip_range st, a, b;
    if (ip_range((const char *)sqlite3_value_text(argv[0]), &st) < 0 ||
        ip_range((const char *)sqlite3_value_text(argv[1]), &a) < 0 ||
        ip_range((const char *)sqlite3_value_text(argv[2]), &b) < 0 || st.family != a.family ||
        st.family != b.family) {
        sqlite3_result_null(ctx);
        return;
    }
    bool hit = false;
    switch (sqlite3_value_int(argv[3])) {
    case 0:
        hit = st.lo <= a.lo && b.hi <= st.hi;
        break;
    case 1:
        hit = st.lo <= b.hi && a.lo <= st.hi;
        break;
    case 2:
        hit = st.lo < a.lo;
        break;
    case 3:
        hit = st.lo <= a.hi;
        break;
    case 4:
        hit = st.hi > a.hi;
        break;
    default:
        hit = st.hi >= a.lo;
    }
    sqlite3_result_int(ctx, hit);
}

/* SQLite-only: PostgreSQL's pl_qkey / pl_qcidr come as SQL functions of the pg migrations. */
static int register_fns(struct pl_store *s, struct pl_err *err)
{
    if (s->query_fns || pl_db_kind(s->db) != PL_DB_SQLITE)
        return 0;
    sqlite3 *h = pl_db_handle(s->db);
    if (sqlite3_create_function_v2(h, "pl_qkey", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   qkey_fn, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(h, "pl_qcidr", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   qcidr_fn, NULL, NULL, NULL) != SQLITE_OK)
        return pl_sql_fail(h, "store", err, "select functions");
    s->query_fns = true;
    return 0;
}

/* ---- building the SQL ---- */

#define MAX_PARAMS 4096 /* a 4096-byte expression has fewer values (each is written twice) */
#define MAX_FIELDS 64   /* distinct fields of an aggregate plan's columns, groups and order */

struct gen {
    struct pl_buf sql;
    const struct pl_sel_val *params[MAX_PARAMS];
    int nparams;
    /* aggregate plans: the distinct fields the inner SELECT computes, as x0, x1, ... */
    const struct pl_sel_field *fields[MAX_FIELDS];
    int nfields;
    int64_t as_of_ms; /* > 0: the inventory as it was then (pl_sel.as_of_ms) */
    bool pg;          /* PostgreSQL's SQL (pl_db_kind) */
    bool counts;      /* the plan reads resource_counts (counts_plan()) */
    struct pl_arena *a;
    /* the values the partition and type filters bind (param() keeps pointers to them) */
    struct pl_sel_val fixed[3];
    int nfixed;
    struct pl_err *err;
};

/* The SQL of a top-level column. As of a past moment the version's own columns (c.) replace
 * the resources row's, which describe the latest version. */
static const char *col_text(const struct gen *g, enum pl_sel_col col)
{
    if (g->as_of_ms > 0)
        switch (col) {
        case PL_SEL_C_CAPTURE:
            return g->pg ? PG_ISO("c.capture_ms / 1000.0") : ISO("c.capture_ms / 1000.0");
        case PL_SEL_C_NAME:
            return "c.resource_name";
        case PL_SEL_C_STATUS:
            return "c.status";
        case PL_SEL_C_STATE_ID:
            return "CAST(c.state_id AS TEXT)";
        default:
            break;
        }
    return g->pg ? col_pg[col] : col_sql[col];
}

static int safe_path(struct gen *g, const char *p)
{
    for (const char *c = p; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '.' || *c == '-'))
            return pl_fail(g->err, PL_E_INTERNAL, "select: bad path '%s'", p);
    return 0;
}

#define PL_SEL__HOT_NAME(path, key) path,
static const char *const hot_paths[] = {PL_STORE__HOT_PATHS(PL_SEL__HOT_NAME)};

/* The index of path in resources.hot (migration 15), or -1: a path the resources row does not
 * keep. As of a past moment the version read is not the latest, so nothing is kept. */
static int hot_ix(int64_t as_of_ms, const char *path)
{
    if (as_of_ms > 0)
        return -1;
    for (size_t i = 0; i < PL_ARRAY_LEN(hot_paths); i++)
        if (strcmp(hot_paths[i], path) == 0)
            return (int)i;
    return -1;
}

static int param(struct gen *g, const struct pl_sel_val *v)
{
    if (g->nparams == (int)(sizeof g->params / sizeof g->params[0]))
        return pl_fail(g->err, PL_E_INVALID_EXPRESSION, "too many values in the expression");
    g->params[g->nparams++] = v;
    return pl_buf_printf(&g->sql, "?%d", g->nparams);
}

/* PostgreSQL: the SQL of the jsonb at a body path ('{a,b}'), JSON null as NULL unless raw, in
 * g's arena. */
static const char *pg_path(struct gen *g, const char *path, bool raw)
{
    char *keys = pl_arena_strdup(g->a, path);
    for (char *c = keys; *c; c++)
        if (*c == '.')
            *c = ',';
    size_t n = strlen(keys) + 64;
    char *out = pl_arena_alloc(g->a, n);
    snprintf(out, n, raw ? "jb.b #> '{%s}'" : "NULLIF(jb.b #> '{%s}', 'null'::jsonb)", keys);
    return out;
}

/* The single-valued SQL of a field (SELECT lists, GROUP BY, ORDER BY, aggregates). */
static int scalar(struct gen *g, const struct pl_sel_field *f)
{
    switch (f->src) {
    case PL_SEL_COL:
        if (g->pg)
            return pl_buf_printf(&g->sql, "to_jsonb(%s)", col_text(g, f->col));
        return pl_buf_puts(&g->sql, col_text(g, f->col));
    case PL_SEL_PATH:
        if (safe_path(g, f->path) < 0)
            return -1;
        if (g->pg)
            return pl_buf_puts(&g->sql, pg_path(g, f->path, false));
        if (hot_ix(g->as_of_ms, f->path) >= 0)
            return pl_buf_printf(&g->sql, "json_extract(r.hot, '$[%d]')",
                                 hot_ix(g->as_of_ms, f->path));
        return pl_buf_printf(&g->sql, "json_extract(c.body, '$.%s')", f->path);
    case PL_SEL_TAG:
    case PL_SEL_REL:
        break;
    }
    return pl_fail(g->err, PL_E_INVALID_EXPRESSION,
                   "tags and relationships cannot be grouped, ordered or aggregated");
}

/* An ORDER BY term of the (single-valued) SQL that emit() writes: on PostgreSQL the jsonb
 * sorted as SQLite sorts values (NULL, numbers, text by bytes). */
static int order_term(struct gen *g, int (*emit)(struct gen *, const void *), const void *x,
                      bool desc)
{
    const char *dir = desc ? " DESC" : "";
    if (!g->pg) {
        if (emit(g, x) < 0)
            return -1;
        return pl_buf_puts(&g->sql, dir);
    }
    static const char *const fn[] = {"pl_qrank(", "pl_qnum(", "pl_qtxt("};
    for (size_t i = 0; i < PL_ARRAY_LEN(fn); i++) {
        pl_buf_puts(&g->sql, fn[i]);
        if (emit(g, x) < 0)
            return -1;
        pl_buf_printf(&g->sql, ")%s%s%s", i == 2 ? " COLLATE \"C\"" : "", dir, i < 2 ? ", " : "");
    }
    return 0;
}

/* PostgreSQL's "<lhs> op <values>": lhs is text (text) or jsonb (pl_qcmp, pl_qcidr). */
static int pg_op(struct gen *g, const char *lhs, bool text, const char *op,
                 const struct pl_sel_val *v)
{
    if (text) {
        pl_buf_printf(&g->sql, "(%s COLLATE \"C\" %s ", lhs, op);
        if (param(g, v) < 0)
            return -1;
        return pl_buf_puts(&g->sql, "::text)");
    }
    pl_buf_printf(&g->sql, "pl_qcmp(%s, '%s', ", lhs, op);
    if (param(g, v) < 0)
        return -1;
    return pl_buf_printf(&g->sql, "::text, %d)", v->kind == PL_SEL_V_STR ? 0 : 1);
}

/* The GLOB pattern of LIKE (parse.c: a literal prefix with [c] escapes, then '*' and '?') as an
 * anchored regular expression, in g's arena. */
static const char *glob_regex(struct gen *g, const char *glob)
{
    size_t n = strlen(glob);
    char *re = pl_arena_alloc(g->a, 2 * n + 3), *o = re;
    *o++ = '^';
    for (size_t i = 0; i < n; i++) {
        if (glob[i] == '[' && i + 2 < n && glob[i + 2] == ']') {
            *o++ = '\\';
            *o++ = glob[i + 1];
            i += 2;
        } else if (glob[i] == '*' || glob[i] == '?') {
            if (glob[i] == '*')
                *o++ = '.', *o++ = '*';
            else
                *o++ = '.';
        } else {
            if (!((glob[i] >= 'a' && glob[i] <= 'z') || (glob[i] >= 'A' && glob[i] <= 'Z') ||
                  (glob[i] >= '0' && glob[i] <= '9') || (unsigned char)glob[i] >= 0x80))
                *o++ = '\\';
            *o++ = glob[i];
        }
    }
    *o++ = '$';
    *o = 0;
    return re;
}

static int pg_compare(struct gen *g, const struct pl_sel_cond *c, const char *lhs, bool text)
{
    static const char *const ops[] = {[PL_SEL_EQ] = "=",  [PL_SEL_NE] = "<>", [PL_SEL_LT] = "<",
                                      [PL_SEL_LE] = "<=", [PL_SEL_GT] = ">",  [PL_SEL_GE] = ">="};
    switch (c->op) {
    case PL_SEL_EQ:
    case PL_SEL_NE:
    case PL_SEL_LT:
    case PL_SEL_LE:
    case PL_SEL_GT:
    case PL_SEL_GE:
        return pg_op(g, lhs, text, ops[c->op], &c->v[0]);
    case PL_SEL_IN:
        pl_buf_puts(&g->sql, "(");
        for (size_t i = 0; i < c->nv; i++) {
            if (i)
                pl_buf_puts(&g->sql, " OR ");
            if (pg_op(g, lhs, text, "=", &c->v[i]) < 0)
                return -1;
        }
        return pl_buf_puts(&g->sql, ")");
    case PL_SEL_BETWEEN:
        pl_buf_puts(&g->sql, "(");
        if (pg_op(g, lhs, text, ">=", &c->v[0]) < 0)
            return -1;
        pl_buf_puts(&g->sql, " AND ");
        if (pg_op(g, lhs, text, "<=", &c->v[1]) < 0)
            return -1;
        return pl_buf_puts(&g->sql, ")");
    case PL_SEL_PREFIX: {
        struct pl_sel_val *re = pl_arena_alloc(g->a, sizeof *re);
        *re = (struct pl_sel_val){.kind = PL_SEL_V_STR, .text = glob_regex(g, c->v[0].text)};
        pl_buf_printf(&g->sql, text ? "(%s ~ " : "(pl_qstr(%s) ~ ", lhs);
        if (param(g, re) < 0)
            return -1;
        return pl_buf_puts(&g->sql, "::text)");
    }
    default:
        return pl_fail(g->err, PL_E_INTERNAL, "select: bad comparison");
    }
}

/* "<lhs> op <values>". */
static int compare(struct gen *g, const struct pl_sel_cond *c, const char *lhs, bool text)
{
    static const char *const ops[] = {[PL_SEL_EQ] = " = ", [PL_SEL_NE] = " <> ",
                                      [PL_SEL_LT] = " < ", [PL_SEL_LE] = " <= ",
                                      [PL_SEL_GT] = " > ", [PL_SEL_GE] = " >= "};
    if (c->cidr) {
        /* pl_qcidr's modes, by operator */
        static const int mode[] = {[PL_SEL_BETWEEN] = 1,
                                   [PL_SEL_LT] = 2,
                                   [PL_SEL_LE] = 3,
                                   [PL_SEL_GT] = 4,
                                   [PL_SEL_GE] = 5};
        const char *cast = g->pg ? "::text" : "";
        if (g->pg && text)
            pl_buf_printf(&g->sql, "%spl_qcidr(to_jsonb(%s), ", c->op == PL_SEL_NE ? "NOT " : "",
                          lhs);
        else
            pl_buf_printf(&g->sql, "%spl_qcidr(%s, ", c->op == PL_SEL_NE ? "NOT " : "", lhs);
        if (param(g, &c->v[0]) < 0)
            return -1;
        pl_buf_printf(&g->sql, "%s, ", cast);
        if (param(g, &c->v[c->op == PL_SEL_BETWEEN ? 1 : 0]) < 0)
            return -1;
        return pl_buf_printf(&g->sql, "%s, %d)", cast,
                             (size_t)c->op < PL_ARRAY_LEN(mode) ? mode[c->op] : 0);
    }
    if (g->pg)
        return pg_compare(g, c, lhs, text);
    pl_buf_puts(&g->sql, lhs);
    switch (c->op) {
    case PL_SEL_EQ:
    case PL_SEL_NE:
    case PL_SEL_LT:
    case PL_SEL_LE:
    case PL_SEL_GT:
    case PL_SEL_GE:
        pl_buf_puts(&g->sql, ops[c->op]);
        return param(g, &c->v[0]);
    case PL_SEL_IN:
        pl_buf_puts(&g->sql, " IN (");
        for (size_t i = 0; i < c->nv; i++) {
            if (i)
                pl_buf_puts(&g->sql, ", ");
            if (param(g, &c->v[i]) < 0)
                return -1;
        }
        return pl_buf_puts(&g->sql, ")");
    case PL_SEL_BETWEEN:
        pl_buf_puts(&g->sql, " BETWEEN ");
        if (param(g, &c->v[0]) < 0)
            return -1;
        pl_buf_puts(&g->sql, " AND ");
        return param(g, &c->v[1]);
    case PL_SEL_PREFIX:
        /* the value is the GLOB pattern the caller built (prefix escaped, '?' per '_', '*') */
        pl_buf_puts(&g->sql, " GLOB ");
        return param(g, &c->v[0]);
    default:
        return pl_fail(g->err, PL_E_INTERNAL, "select: bad comparison");
    }
}

/* path_leaf() on PostgreSQL: the same CASE over jsonb_typeof, pl_qtree for json_tree. */
static int pg_path_leaf(struct gen *g, const struct pl_sel_cond *c, int rootlen)
{
    const char *p = c->f.path, *one = pg_path(g, p, false);
    char root[256];
    snprintf(root, sizeof root, "%.*s", rootlen, p);
    pl_buf_printf(&g->sql,
                  "(%sCASE COALESCE(jsonb_typeof(%s), 'array') WHEN 'object' THEN false WHEN "
                  "'array' THEN EXISTS (SELECT 1 FROM pl_qtree(%s, '$.%s') t WHERE t.k = '$.%s' "
                  "AND ",
                  strncmp(p, "configuration.", 14) == 0 ? "r.resource_type LIKE 'AWS::%' AND " : "",
                  pg_path(g, p, true), pg_path(g, root, false), root, p);
    if (compare(g, c, "t.v", false) < 0)
        return -1;
    pl_buf_puts(&g->sql, ") ELSE ");
    if (compare(g, c, one, false) < 0)
        return -1;
    return pl_buf_puts(&g->sql, " END)");
}

/* A configuration path: when the path leads to one scalar (no array on the way, the common
 * case) json_extract compares it; when it is missing or an array, json_tree finds every scalar
 * whose full key without array indexes is the path (under the path's first two segments only,
 * configuration.X, so that it walks X alone). Third-party types have no configuration. */
static int path_leaf(struct gen *g, const struct pl_sel_cond *c)
{
    const char *p = c->f.path;
    char one[300];
    const char *dot = strchr(p, '.');
    const char *dot2 = dot ? strchr(dot + 1, '.') : NULL;
    int rootlen = dot2 ? (int)(dot2 - p) : (int)strlen(p);
    if (strlen(p) > 250)
        return pl_fail(g->err, PL_E_INVALID_EXPRESSION, "a property path is too long");
    if (g->pg)
        return pg_path_leaf(g, c, rootlen);
    snprintf(one, sizeof one, "json_extract(c.body, '$.%s')", p);
    /* a missing path may run through an array: the tree decides */
    pl_buf_printf(&g->sql,
                  "(%sCASE IFNULL(json_type(c.body, '$.%s'), 'array') WHEN 'object' THEN 0 "
                  "WHEN 'array' THEN EXISTS (SELECT 1 FROM json_tree(c.body, '$.%.*s') t WHERE "
                  "t.type NOT IN ('object', 'array') AND pl_qkey(t.fullkey) = '$.%s' AND ",
                  strncmp(p, "configuration.", 14) == 0 ? "r.resource_type GLOB 'AWS::*' AND " : "",
                  p, rootlen, p, p);
    if (compare(g, c, "t.atom", false) < 0)
        return -1;
    pl_buf_puts(&g->sql, ") ELSE ");
    if (compare(g, c, one, false) < 0)
        return -1;
    return pl_buf_puts(&g->sql, " END)");
}

/* leaf() of a tag or relationship on PostgreSQL: jsonb_each / jsonb_array_elements. */
static int pg_leaf(struct gen *g, const struct pl_sel_cond *c)
{
    const struct pl_sel_field *f = &c->f;
    char rel[200];
    const char *lhs = rel;
    if (f->src == PL_SEL_TAG) {
        lhs = strcmp(f->path, "key") == 0     ? "to_jsonb(t.key)"
              : strcmp(f->path, "value") == 0 ? "t.value"
                                              : "to_jsonb(t.key || '=' || pl_qstr(t.value))";
        pl_buf_puts(&g->sql, "(EXISTS (SELECT 1 FROM jsonb_each(CASE WHEN jsonb_typeof(jb.b "
                             "-> 'tags') = 'object' THEN jb.b -> 'tags' END) t WHERE ");
    } else {
        snprintf(rel, sizeof rel, "NULLIF(t.value -> '%s', 'null'::jsonb)", f->path);
        pl_buf_puts(&g->sql, "(EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN "
                             "jsonb_typeof(jb.b -> 'relationships') = 'array' THEN "
                             "jb.b -> 'relationships' END) t(value) WHERE ");
    }
    if (compare(g, c, lhs, false) < 0)
        return -1;
    return pl_buf_puts(&g->sql, "))");
}

/* A comparison leaf: the any-element forms for paths, tags and relationships. */
static int leaf(struct gen *g, const struct pl_sel_cond *c)
{
    const struct pl_sel_field *f = &c->f;
    const char *lhs = "t.atom";
    char rel[200];
    if (f->src != PL_SEL_COL && f->path && safe_path(g, f->path) < 0)
        return -1;
    if (g->pg && f->src != PL_SEL_COL && f->src != PL_SEL_PATH)
        return pg_leaf(g, c);
    switch (f->src) {
    case PL_SEL_COL:
        lhs = col_text(g, f->col);
        pl_buf_puts(&g->sql, "(");
        break;
    case PL_SEL_PATH:
        return path_leaf(g, c);
    case PL_SEL_TAG:
        lhs = strcmp(f->path, "key") == 0     ? "t.key"
              : strcmp(f->path, "value") == 0 ? "t.value"
                                              : "(t.key || '=' || t.value)";
        pl_buf_puts(&g->sql, "(EXISTS (SELECT 1 FROM json_each(c.body, '$.tags') t WHERE ");
        break;
    case PL_SEL_REL:
        snprintf(rel, sizeof rel, "json_extract(t.value, '$.%s')", f->path);
        lhs = rel;
        pl_buf_puts(&g->sql,
                    "(EXISTS (SELECT 1 FROM json_each(c.body, '$.relationships') t WHERE ");
        break;
    }
    if (compare(g, c, lhs, f->src == PL_SEL_COL) < 0)
        return -1;
    return pl_buf_puts(&g->sql, f->src == PL_SEL_COL ? ")" : "))");
}

static int cond(struct gen *g, const struct pl_sel_cond *c)
{
    switch (c->op) {
    case PL_SEL_AND:
    case PL_SEL_OR:
        pl_buf_puts(&g->sql, "(");
        if (cond(g, c->l) < 0)
            return -1;
        pl_buf_puts(&g->sql, c->op == PL_SEL_AND ? " AND " : " OR ");
        if (cond(g, c->r) < 0)
            return -1;
        return pl_buf_puts(&g->sql, ")");
    case PL_SEL_NOT:
        /* a missing field (NULL) does not match, so its negation does */
        pl_buf_puts(&g->sql, g->pg ? "(NOT COALESCE(" : "(NOT IFNULL(");
        if (cond(g, c->l) < 0)
            return -1;
        return pl_buf_puts(&g->sql, g->pg ? ", false))" : ", 0))");
    default:
        return leaf(g, c);
    }
}

/* Does the field read the CI body (config_items), or only the resources row (its columns and
 * the hot paths)? For the current inventory only (from_where). */
static bool reads_body(const struct pl_sel_field *f, bool pg)
{
    if (f->src == PL_SEL_PATH)
        return pg || hot_ix(0, f->path) < 0;
    if (f->src != PL_SEL_COL)
        return true;
    return strncmp(col_sql[f->col], "r.", 2) != 0 && strstr(col_sql[f->col], "c.body") != NULL;
}

static bool cond_reads_body(const struct pl_sel_cond *c)
{
    if (!c)
        return false;
    if (c->op == PL_SEL_AND || c->op == PL_SEL_OR || c->op == PL_SEL_NOT)
        return cond_reads_body(c->l) || cond_reads_body(c->r);
    return c->f.src == PL_SEL_PATH || reads_body(&c->f, false); /* path_leaf() reads the body */
}

/* Only plans that read the body join config_items: GROUP BY resourceType does not. */
static bool plan_reads_body(const struct pl_sel *q, bool pg)
{
    if (!q->aggregate || cond_reads_body(q->where))
        return true;
    for (size_t i = 0; i < q->ncols; i++)
        if (!q->cols[i].star && reads_body(&q->cols[i].f, pg))
            return true;
    for (size_t i = 0; i < q->ngroup; i++)
        if (reads_body(&q->group[i], pg))
            return true;
    for (size_t i = 0; i < q->norder; i++)
        if (!q->order[i].e.star && reads_body(&q->order[i].e.f, pg))
            return true;
    return false;
}

bool pl_sel_field_same(const struct pl_sel_field *x, const struct pl_sel_field *y)
{
    if (x->src != y->src)
        return false;
    if (x->src == PL_SEL_COL)
        return x->col == y->col;
    return x->path && y->path && strcmp(x->path, y->path) == 0;
}

/* The inner column of f in an aggregate plan (x<i>), added on first use; -1 when too many. */
static int field_ix(struct gen *g, const struct pl_sel_field *f)
{
    for (int i = 0; i < g->nfields; i++)
        if (pl_sel_field_same(g->fields[i], f))
            return i;
    if (g->nfields == MAX_FIELDS)
        return pl_fail(g->err, PL_E_INVALID_EXPRESSION, "too many properties in the query");
    g->fields[g->nfields] = f;
    return g->nfields++;
}

/* ---- counts plans: COUNT(*) by accountId, awsRegion and resourceType ---- */

/* A field resource_counts has (account, region, resource_type: the same names as resources') */
static bool counts_field(const struct pl_sel_field *f)
{
    return f->src == PL_SEL_COL &&
           (f->col == PL_SEL_C_ACCOUNT || f->col == PL_SEL_C_REGION || f->col == PL_SEL_C_TYPE);
}

static bool counts_expr(const struct pl_sel_expr *e)
{
    if (e->star)
        return e->agg == PL_SEL_COUNT;
    return counts_field(&e->f) && (e->agg == PL_SEL_NONE || e->agg == PL_SEL_COUNT ||
                                   e->agg == PL_SEL_MIN || e->agg == PL_SEL_MAX);
}

static bool counts_cond(const struct pl_sel_cond *c)
{
    if (!c)
        return true;
    if (c->op == PL_SEL_AND || c->op == PL_SEL_OR || c->op == PL_SEL_NOT)
        return counts_cond(c->l) && counts_cond(c->r);
    return counts_field(&c->f);
}

/* Does the aggregate plan only count current resources by account, Region and type? Then the
 * per-type counters the store keeps (resource_counts, the same current, recorded resources)
 * answer it with one row per group instead of one per resource: GROUP BY resourceType over
 * 1,000,000 resources reads a few thousand rows. COUNT(*) becomes SUM(n). */
static bool counts_plan(const struct pl_sel *q)
{
    if (!q->aggregate || q->as_of_ms > 0 || !counts_cond(q->where))
        return false;
    for (size_t i = 0; i < q->ncols; i++)
        if (!counts_expr(&q->cols[i]))
            return false;
    for (size_t i = 0; i < q->ngroup; i++)
        if (!counts_field(&q->group[i]))
            return false;
    for (size_t i = 0; i < q->norder; i++)
        if (!counts_expr(&q->order[i].e))
            return false;
    return true;
}

/* agg_expr() on PostgreSQL: jsonb, MIN and MAX in SQLite's order (order_term()). */
static int pg_agg_expr(struct gen *g, const struct pl_sel_expr *e, int ix)
{
    static const char *const fn[] = {[PL_SEL_COUNT] = "to_jsonb(COUNT(x%d))",
                                     [PL_SEL_SUM] = "to_jsonb(SUM(pl_qnum(x%d)))",
                                     [PL_SEL_AVG] = "to_jsonb(AVG(pl_qnum(x%d)))"};
    if (e->agg == PL_SEL_NONE)
        return pl_buf_printf(&g->sql, "x%d", ix);
    if (e->agg == PL_SEL_MIN || e->agg == PL_SEL_MAX) {
        const char *d = e->agg == PL_SEL_MAX ? " DESC" : "";
        return pl_buf_printf(&g->sql,
                             "(array_agg(x%d ORDER BY pl_qrank(x%d)%s, pl_qnum(x%d)%s, "
                             "pl_qtxt(x%d) COLLATE \"C\"%s) FILTER (WHERE x%d IS NOT NULL))[1]",
                             ix, ix, d, ix, d, ix, d, ix);
    }
    return pl_buf_printf(&g->sql, fn[e->agg], ix);
}

/* An output or ORDER BY expression of an aggregate plan, over the inner columns. */
static int agg_expr(struct gen *g, const struct pl_sel_expr *e)
{
    static const char *const fn[] = {[PL_SEL_COUNT] = "COUNT", [PL_SEL_MIN] = "MIN",
                                     [PL_SEL_MAX] = "MAX", [PL_SEL_SUM] = "SUM",
                                     [PL_SEL_AVG] = "AVG"};
    if (g->counts && e->agg == PL_SEL_COUNT) /* the fields counted are never NULL */
        return pl_buf_puts(&g->sql,
                           g->pg ? "to_jsonb(COALESCE(SUM(xn), 0))" : "IFNULL(SUM(xn), 0)");
    if (e->star)
        return pl_buf_printf(&g->sql, g->pg ? "to_jsonb(%s(*))" : "%s(*)", fn[e->agg]);
    if (e->f.src == PL_SEL_TAG || e->f.src == PL_SEL_REL)
        return pl_fail(g->err, PL_E_INVALID_EXPRESSION,
                       "tags and relationships cannot be grouped, ordered or aggregated");
    int ix = field_ix(g, &e->f);
    if (ix < 0)
        return -1;
    if (g->pg)
        return pg_agg_expr(g, e, ix);
    if (e->agg == PL_SEL_NONE)
        return pl_buf_printf(&g->sql, "x%d", ix);
    return pl_buf_printf(&g->sql, "%s(x%d)", fn[e->agg], ix);
}

static int emit_agg(struct gen *g, const void *e)
{
    return agg_expr(g, e);
}

static int emit_scalar(struct gen *g, const void *f)
{
    return scalar(g, f);
}

static int emit_inner(struct gen *g, const void *ix)
{
    return pl_buf_printf(&g->sql, "x%d", *(const int *)ix);
}

/* A string value bound as a parameter, kept in g. */
static int param_str(struct gen *g, const char *text)
{
    assert(g->nfixed < (int)(sizeof g->fixed / sizeof g->fixed[0]));
    struct pl_sel_val *v = &g->fixed[g->nfixed++];
    *v = (struct pl_sel_val){.kind = PL_SEL_V_STR, .text = text};
    return param(g, v);
}

/* The strings as one JSON array (pairs: [[s0, s1], [s2, s3], ...]), in g's arena. */
static const char *json_list(struct gen *g, const char *const *s, size_t n, bool pairs)
{
    struct pl_json *arr = pl_json_new_arr(g->a);
    for (size_t i = 0; i < n; i++) {
        if (!pairs) {
            pl_json_push(arr, pl_json_new_str(g->a, s[i]));
            continue;
        }
        struct pl_json *p = pl_json_push(arr, pl_json_new_arr(g->a));
        pl_json_push(p, pl_json_new_str(g->a, s[2 * i]));
        pl_json_push(p, pl_json_new_str(g->a, s[2 * i + 1]));
    }
    return pl_json_dump(g->a, arr, 0);
}

/* The partitions (and the type allow list) of q, after "WHERE ". */
static int partitions(struct gen *g, const struct pl_sel *q)
{
    if (q->nparts == 0)
        pl_buf_puts(&g->sql, g->pg ? "false" : "0");
    else if (q->nparts == 1) {
        pl_buf_puts(&g->sql, "r.account = ");
        param_str(g, q->parts[0].account);
        pl_buf_puts(&g->sql, " AND r.region = ");
        param_str(g, q->parts[0].region);
    } else {
        const char **flat = pl_arena_alloc(g->a, 2 * q->nparts * sizeof *flat);
        for (size_t i = 0; i < q->nparts; i++) {
            flat[2 * i] = q->parts[i].account;
            flat[2 * i + 1] = q->parts[i].region;
        }
        pl_buf_puts(&g->sql, g->pg ? "(r.account, r.region) IN (SELECT p.value ->> 0, "
                                     "p.value ->> 1 FROM jsonb_array_elements(CAST("
                                   : "(r.account, r.region) IN (SELECT json_extract(p.value, "
                                     "'$[0]'), json_extract(p.value, '$[1]') FROM json_each(");
        param_str(g, json_list(g, flat, q->nparts, true));
        pl_buf_puts(&g->sql, g->pg ? " AS jsonb)) p)" : ") p)");
    }
    if (!q->types)
        return 0;
    pl_buf_puts(&g->sql, g->pg ? " AND r.resource_type IN (SELECT jsonb_array_elements_text(CAST("
                               : " AND r.resource_type IN (SELECT value FROM json_each(");
    param_str(g, json_list(g, q->types, q->ntypes, false));
    return pl_buf_puts(&g->sql, g->pg ? " AS jsonb)))" : "))");
}

/* FROM and WHERE: the current CIs of the partitions that match; as of a past moment, each
 * resource's latest version captured then (config_items_res finds it), unless that version
 * says the resource was deleted or not recorded. The moment is an integer plumb formats, the
 * one value written into the SQL. */
/* PostgreSQL: the body parsed once per row, as jb.b (OFFSET 0 keeps the planner from pulling
 * the cast up into every use). */
#define PG_BODY " CROSS JOIN LATERAL (SELECT c.body::jsonb AS b OFFSET 0) jb"

static int from_where(struct gen *g, const struct pl_sel *q)
{
    const char *body = g->pg ? PG_BODY : "";
    if (g->counts)
        pl_buf_puts(&g->sql, " FROM resource_counts r WHERE r.n > 0 AND ");
    else if (g->as_of_ms > 0)
        pl_buf_printf(&g->sql,
                      " FROM resources r JOIN config_items c ON c.seq = (SELECT h.seq FROM "
                      "config_items h WHERE h.res = r.id AND h.capture_ms <= %lld ORDER BY "
                      "h.capture_ms DESC, h.seq DESC LIMIT 1)%s WHERE c.status NOT IN "
                      "('ResourceDeleted', 'ResourceDeletedNotRecorded', 'ResourceNotRecorded') "
                      "AND ",
                      (long long)g->as_of_ms, body);
    else if (plan_reads_body(q, g->pg))
        pl_buf_printf(&g->sql,
                      " FROM resources r JOIN config_items c ON c.seq = r.latest_seq%s WHERE "
                      "r.deleted = 0 AND r.status <> 'ResourceNotRecorded' AND ",
                      body);
    else
        pl_buf_puts(&g->sql, " FROM resources r WHERE r.deleted = 0 AND "
                             "r.status <> 'ResourceNotRecorded' AND ");
    if (partitions(g, q) < 0)
        return -1;
    if (!q->where)
        return 0;
    pl_buf_puts(&g->sql, " AND ");
    return cond(g, q->where);
}

static int limit_offset(struct gen *g, const struct pl_sel *q)
{
    return pl_buf_printf(&g->sql, " LIMIT %d OFFSET %lld", q->limit > 0 ? q->limit : 1,
                         (long long)q->offset);
}

/* Plain plans: the CI columns in ORDER BY order, then resource row order. */
static int plain_sql(struct gen *g, const struct pl_sel *q)
{
    pl_buf_puts(&g->sql, "SELECT " CI_COLS);
    if (from_where(g, q) < 0)
        return -1;
    pl_buf_puts(&g->sql, " ORDER BY ");
    for (size_t i = 0; i < q->norder; i++) {
        if (order_term(g, emit_scalar, &q->order[i].e.f, q->order[i].desc) < 0)
            return -1;
        pl_buf_puts(&g->sql, ", ");
    }
    pl_buf_puts(&g->sql, "r.id");
    return limit_offset(g, q);
}

/* Aggregate plans: SELECT aggs FROM (SELECT x0, x1, ... FROM ... WHERE ...) GROUP BY ...
 * ORDER BY ..., then the groups (pages follow each other). The inner SELECT computes each
 * property once per row, so the sorter carries values, not CI bodies. */
static int agg_sql(struct gen *g, const struct pl_sel *q)
{
    struct pl_buf outer = g->sql;
    pl_buf_init(&g->sql, SQL_MAX); /* the outer part first: it names the inner columns */
    pl_buf_puts(&g->sql, "SELECT ");
    for (size_t i = 0; i < q->ncols; i++) {
        if (i)
            pl_buf_puts(&g->sql, ", ");
        if (agg_expr(g, &q->cols[i]) < 0)
            goto fail;
    }
    pl_buf_puts(&g->sql, " FROM (%INNER%) q");
    for (size_t i = 0; i < q->ngroup; i++) {
        int ix = field_ix(g, &q->group[i]);
        if (ix < 0)
            goto fail;
        pl_buf_printf(&g->sql, "%sx%d", i ? ", " : " GROUP BY ", ix);
    }
    pl_buf_puts(&g->sql, " ORDER BY ");
    for (size_t i = 0; i < q->norder; i++) {
        if (order_term(g, emit_agg, &q->order[i].e, q->order[i].desc) < 0)
            goto fail;
        pl_buf_puts(&g->sql, ", ");
    }
    for (size_t i = 0; i < q->ngroup; i++) {
        int ix = field_ix(g, &q->group[i]);
        order_term(g, emit_inner, &ix, false);
        pl_buf_puts(&g->sql, ", ");
    }
    pl_buf_puts(&g->sql, "1");
    if (limit_offset(g, q) < 0)
        goto fail;
    struct pl_buf head = g->sql;
    g->sql = outer;
    /* the outer text has no parameters: the inner part (WHERE) binds them all, in order */
    const char *h = pl_buf_cstr(&head), *mark = strstr(h, "%INNER%");
    pl_buf_append(&g->sql, h, (size_t)(mark - h));
    pl_buf_puts(&g->sql, g->counts ? "SELECT 1 AS xx, r.n AS xn" : "SELECT 1 AS xx");
    for (int i = 0; i < g->nfields; i++) {
        pl_buf_puts(&g->sql, ", ");
        if (scalar(g, g->fields[i]) < 0) {
            pl_buf_fini(&head);
            return -1;
        }
        pl_buf_printf(&g->sql, " AS x%d", i);
    }
    int rc = from_where(g, q);
    /* OFFSET keeps SQLite from flattening the inner SELECT into the outer one (which would
     * sort whole rows and evaluate the properties again after the sort) */
    if (plan_reads_body(q, g->pg))
        pl_buf_puts(&g->sql, g->pg ? " OFFSET 0" : " LIMIT -1 OFFSET 0");
    pl_buf_puts(&g->sql, mark + 7);
    pl_buf_fini(&head);
    return rc;
fail:
    pl_buf_fini(&g->sql);
    g->sql = outer;
    return -1;
}

static void bind_val(struct pl_q *st, int i, const struct pl_sel_val *v, bool pg)
{
    if (pg) { /* cast where used (pg_op()) */
        pl_q_bind_text(st, i,
                       v->kind != PL_SEL_V_BOOL       ? v->text
                       : strcmp(v->text, "true") == 0 ? "1"
                                                      : "0");
        return;
    }
    switch (v->kind) {
    case PL_SEL_V_STR:
        pl_q_bind_text(st, i, v->text);
        break;
    case PL_SEL_V_BOOL:
        pl_q_bind_i64(st, i, strcmp(v->text, "true") == 0);
        break;
    case PL_SEL_V_NUM:
        if (strpbrk(v->text, ".eE"))
            pl_q_bind_double(st, i, strtod(v->text, NULL));
        else
            pl_q_bind_i64(st, i, strtoll(v->text, NULL, 10));
        break;
    }
}

/* Builds the whole statement of q; *out is prepared and bound (caller finalizes). */
static int prepare(struct pl_store *s, const struct pl_sel *q, struct pl_arena *a,
                   struct pl_q **out, struct pl_err *err)
{
    struct gen g = {.err = err,
                    .as_of_ms = q->as_of_ms,
                    .a = a,
                    .counts = counts_plan(q),
                    .pg = pl_db_kind(s->db) == PL_DB_PG};
    int rc = -1;
    *out = NULL;
    pl_buf_init(&g.sql, SQL_MAX);
    if (register_fns(s, err) < 0)
        goto out;
    if ((q->aggregate ? agg_sql(&g, q) : plain_sql(&g, q)) < 0)
        goto out;
    if (g.sql.len + 1 >= SQL_MAX) {
        pl_fail(err, PL_E_INVALID_EXPRESSION, "the expression is too complex");
        goto out;
    }
    if (!(*out = pl_db_prepare(s->db, pl_buf_cstr(&g.sql), NULL, err))) {
        /* a nesting the dialect allows can still pass SQLite's own parser or expression-depth
         * bounds (found by fuzz_query_parse): the caller's expression, not a store failure */
        const char *m = pl_db_errmsg(s->db);
        if (strstr(m, "parser stack overflow") || strstr(m, "too large") || strstr(m, "too many"))
            pl_fail(err, PL_E_INVALID_EXPRESSION, "the expression is too complex");
        else
            pl_db_fail(s->db, "store", err, "select prepare");
        goto out;
    }
    for (int i = 0; i < g.nparams; i++)
        bind_val(*out, i + 1, g.params[i], g.pg);
    rc = 0;
out:
    pl_buf_fini(&g.sql);
    return rc;
}

int pl_store_select_cis(struct pl_store *s, const struct pl_sel *q, struct pl_arena *a,
                        struct pl_ci_row **rows, size_t *n, struct pl_err *err)
{
    struct pl_q *st;
    size_t cap = 0;
    *rows = NULL;
    *n = 0;
    if (prepare(s, q, a, &st, err) < 0)
        return -1;
    int rc;
    while ((rc = pl_q_step(st, NULL, NULL)) == PL_Q_ROW) {
        *rows = pl_db_grow(a, *rows, *n, &cap, sizeof **rows);
        pl_store__read_ci(a, st, &(*rows)[(*n)++]);
    }
    if (rc != PL_Q_DONE)
        pl_db_fail(s->db, "store", err, "select");
    pl_q_finalize(st);
    return rc == PL_Q_DONE ? 0 : -1;
}

/* PostgreSQL's aggregate outputs are jsonb: SQLite's value of it (json_extract's types). */
static void pg_value(struct pl_arena *a, const char *text, struct pl_sel_value *v)
{
    struct pl_err err = {0};
    struct pl_json *j = pl_json_parse(a, text, strlen(text), &err);
    int64_t i;
    if (!j || j->type == PL_JNULL) {
        v->type = PL_SEL_T_NULL;
    } else if (j->type == PL_JBOOL) {
        v->type = PL_SEL_T_INT;
        v->i = j->b;
    } else if (j->type == PL_JNUM && !strpbrk(j->str, ".eE") && pl_json_i64(j, &i) == 0) {
        v->type = PL_SEL_T_INT;
        v->i = i;
    } else if (j->type == PL_JNUM) {
        v->type = PL_SEL_T_REAL;
        v->d = strtod(j->str, NULL);
    } else {
        v->type = PL_SEL_T_TEXT;
        v->s = j->type == PL_JSTR ? j->str : pl_json_dump(a, j, PL_JSON_COMPACT);
    }
}

static void read_value(struct pl_arena *a, struct pl_q *st, int i, struct pl_sel_value *v, bool pg)
{
    memset(v, 0, sizeof *v);
    if (pg && pl_q_type(st, i) != PL_DBT_NULL) {
        pg_value(a, pl_q_dup(a, st, i), v);
        return;
    }
    switch (pl_q_type(st, i)) {
    case PL_DBT_INT:
        v->type = PL_SEL_T_INT;
        v->i = pl_q_i64(st, i);
        break;
    case PL_DBT_FLOAT:
        v->type = PL_SEL_T_REAL;
        v->d = pl_q_double(st, i);
        break;
    case PL_DBT_NULL:
        v->type = PL_SEL_T_NULL;
        break;
    default:
        v->type = PL_SEL_T_TEXT;
        v->s = pl_q_dup(a, st, i);
    }
}

int pl_store_select_agg(struct pl_store *s, const struct pl_sel *q, struct pl_arena *a,
                        struct pl_sel_value **vals, size_t *n, struct pl_err *err)
{
    struct pl_q *st;
    size_t cap = 0, nv = 0;
    *vals = NULL;
    *n = 0;
    if (prepare(s, q, a, &st, err) < 0)
        return -1;
    int rc;
    while ((rc = pl_q_step(st, NULL, NULL)) == PL_Q_ROW) {
        for (size_t i = 0; i < q->ncols; i++) {
            *vals = pl_db_grow(a, *vals, nv, &cap, sizeof **vals);
            read_value(a, st, (int)i, &(*vals)[nv++], pl_db_kind(s->db) == PL_DB_PG);
        }
        (*n)++;
    }
    if (rc != PL_Q_DONE)
        pl_db_fail(s->db, "store", err, "select");
    pl_q_finalize(st);
    return rc == PL_Q_DONE ? 0 : -1;
}
