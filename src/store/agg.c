/* agg.c — agg.h: per-partition roll-ups for aggregate views.
 *
 * A rule's roll-up probes rule_evals through rule_evals_bad (migration 8: the NON_COMPLIANT
 * results, partial) and the primary key, a few index seeks per rule however many it has. */
#include <string.h>

#include "store/agg.h"
#include "store/db.h"
#include "store/store_int.h"

enum { Q_RULES, Q__COUNT };
_Static_assert(Q__COUNT <= PL_STORE__AG_STMTS, "grow PL_STORE__AG_STMTS");

static const char *const sql_text[] = {
    [Q_RULES] = "SELECT o.name,"
                " (SELECT count(*) FROM (SELECT 1 FROM rule_evals e WHERE e.account = o.account"
                "   AND e.region = o.region AND e.rule = o.name AND e.comp = 2 LIMIT ?6)),"
                " EXISTS(SELECT 1 FROM rule_evals e WHERE e.account = o.account"
                "   AND e.region = o.region AND e.rule = o.name AND e.comp = 1)"
                " FROM objects o WHERE o.account = ?1 AND o.region = ?2 AND o.kind = 'ConfigRule'"
                " AND (?3 IS NULL OR o.name = ?3) AND o.name > ?4 ORDER BY o.name LIMIT ?5",
};

int pl_store_agg_rules(struct pl_store *s, const char *account, const char *region,
                       const char *rule, const char *after, int limit, int cap, struct pl_arena *a,
                       struct pl_agg_rule **rows, size_t *n, struct pl_err *err)
{
    *rows = NULL;
    *n = 0;
    struct pl_q *q = pl_db_prepared(s->db, &s->ag[Q_RULES], sql_text[Q_RULES], "store", err);
    if (!q)
        return -1;
    pl_q_bind_text(q, 1, account);
    pl_q_bind_text(q, 2, region);
    pl_q_bind_text(q, 3, rule);
    pl_q_bind_text(q, 4, after ? after : "");
    pl_q_bind_i64(q, 5, limit > 0 ? limit : -1);
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
