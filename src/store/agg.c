/* agg.c — agg.h: per-partition roll-ups for aggregate views.
 *
 * A rule's roll-up is its row of rule_counts (migration 14: COMPLIANT and NON_COMPLIANT
 * results counted per rule, kept by triggers on rule_evals): one seek per rule of a small table,
 * however many results it has. Before, two probes per rule into rule_evals (rule_evals_bad and the
 * primary key) cost the aggregate compliance summary 20 ms of CPU over 4,000 rules and
 * 1,000,000 results; and without statistics the planner took the primary key for the
 * NON_COMPLIANT probe too, walking every result of a rule that has none. A partition's tally
 * (the compliance summary's) reads its range of rule_counts and nothing else: 200 partitions of
 * 20 rules, 1.0 ms of CPU instead of 3.3 ms with a seek per rule. */
#include <string.h>

#include "store/agg.h"
#include "store/db.h"
#include "store/store_int.h"

enum { Q_RULES, Q_TALLY, Q__COUNT };
_Static_assert(Q__COUNT <= PL_STORE__AG_STMTS, "grow PL_STORE__AG_STMTS");

/* min is SQLite's scalar min (least on PostgreSQL), B a comparison as an integer */
#define Q_RULES_SQL(min, B)                                                                        \
    "SELECT o.name, " min "(coalesce(c.bad, 0), ?6), coalesce(" B(                                 \
        "c.ok > 0") ", 0)"                                                                         \
                    " FROM objects o LEFT JOIN rule_counts c ON c.account = o.account"             \
                    " AND c.region = o.region AND c.rule = o.name"                                 \
                    " WHERE o.account = ?1 AND o.region = ?2 AND o.kind = 'ConfigRule'"            \
                    " AND (CAST(?3 AS TEXT) IS NULL OR o.name = ?3) AND o.name > ?4 ORDER BY "     \
                    "o.name LIMIT ?5"
/* the partition's range of rule_counts alone: no seek per rule */
#define Q_TALLY_SQL(B)                                                                             \
    "SELECT coalesce(sum(" B("bad > 0") "), 0), coalesce(sum(" B(                                  \
        "bad = 0 AND ok > 0") "), 0)"                                                              \
                              " FROM rule_counts WHERE account = ?1 AND region = ?2"

static const char *const sql_text[] = {
    [Q_RULES] = Q_RULES_SQL("min", PL_SQL_INT_LITE),
    [Q_TALLY] = Q_TALLY_SQL(PL_SQL_INT_LITE),
};
/* PostgreSQL's (PL_DB_PICK) */
static const char *const sql_pg[] = {
    [Q_RULES] = Q_RULES_SQL("least", PL_SQL_INT_PG),
    [Q_TALLY] = Q_TALLY_SQL(PL_SQL_INT_PG),
};

int pl_store_agg_rules(struct pl_store *s, const char *account, const char *region,
                       const char *rule, const char *after, int limit, int cap, struct pl_arena *a,
                       struct pl_agg_rule **rows, size_t *n, struct pl_err *err)
{
    *rows = NULL;
    *n = 0;
    struct pl_q *q =
        pl_db_prepared(s->db, &s->ag[Q_RULES],
                       PL_DB_PICK(s->db, sql_text[Q_RULES], sql_pg[Q_RULES]), "store", err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, rule);
    pl_q_bind_text(q, 4, after ? after : "");
    pl_q_bind_limit(q, 5, limit);
    pl_q_bind_i64(q, 6, cap > 0 ? cap : 1);
    size_t room = 0;
    int rc;
    while ((rc = pl_q_step(q, NULL, NULL)) == PL_Q_ROW) {
        *rows = pl_db_grow(a, *rows, *n, &room, sizeof **rows);
        struct pl_agg_rule *r = &(*rows)[(*n)++];
        r->rule = pl_q_dup(a, q, 0);
        r->noncompliant = pl_q_i64(q, 1);
        r->compliant = (int)pl_q_i64(q, 2) != 0;
    }
    pl_q_reset(q);
    if (rc != PL_Q_DONE)
        return pl_db_fail(s->db, "store", err, "agg_rules");
    return 0;
}

int pl_store_agg_rule_tally(struct pl_store *s, const char *account, const char *region,
                            int64_t *ok, int64_t *bad, struct pl_err *err)
{
    *ok = *bad = 0;
    struct pl_q *q =
        pl_db_prepared(s->db, &s->ag[Q_TALLY],
                       PL_DB_PICK(s->db, sql_text[Q_TALLY], sql_pg[Q_TALLY]), "store", err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    int rc = pl_q_step(q, NULL, NULL);
    if (rc == PL_Q_ROW) {
        *bad = pl_q_i64(q, 0);
        *ok = pl_q_i64(q, 1);
    }
    pl_q_reset(q);
    if (rc != PL_Q_ROW)
        return pl_db_fail(s->db, "store", err, "agg_rule_tally");
    return 0;
}
