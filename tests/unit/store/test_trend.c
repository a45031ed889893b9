/* test_trend.c — store/evals: pl_store_compliance_trend from the per-day deltas (compliance_days)
 * against a brute-force count over random ResourceCompliance histories: versions appended out
 * of capture order, deleted statuses, bodies that are not canonical, other types and another
 * partition beside them; after retention pruning; and after migration 16 refills the table from
 * the stored versions. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "store_spec.h"
#include "store/evals.h"
#include "store/store.h"

#define DAY   86400000LL
#define NRES  40
#define NVER  400
#define NDAYS 12

static struct pl_arena A;
static const char *const kinds[] = {"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "deleted"};

struct ver {
    int res, kind;
    int64_t ms, seq;
    bool gone; /* pruned */
};
static struct ver V[NVER];
static int64_t now_ms;

static void put(struct pl_store *s, const char *account, const char *type, struct ver *v)
{
    char id[32], body[128];
    snprintf(id, sizeof id, "r-%d", v->res);
    /* canonical bodies, and some that are not (read by json_extract) */
    snprintf(body, sizeof body,
             v->ms % 7 ? "{\"configuration\":{\"complianceType\":\"%s\"}}"
                       : "{ \"configuration\": {\"complianceType\": \"%s\"} }",
             kinds[v->kind == 3 ? 0 : v->kind]);
    struct pl_ci_row r = {
        .account = account,
        .region = "us-east-1",
        .resource_type = type,
        .resource_id = id,
        .status = v->kind == 3 ? "ResourceDeleted" : "OK",
        .capture_ms = v->ms,
        .state_id = v->ms,
        .body = body,
        .body_len = strlen(body),
    };
    snprintf(r.hash, sizeof r.hash, "h%" PRId64, v->ms);
    struct pl_err err = {0};
    T_EQ(pl_store_ci_append(s, &r, &err), 0);
    v->seq = r.seq;
}

/* The counts of day d (0: the oldest of NDAYS ending with now's day) from V. */
static void brute(int d, int64_t *ok, int64_t *bad)
{
    int64_t end = (now_ms / DAY - (NDAYS - 1) + d + 1) * DAY;
    *ok = *bad = 0;
    for (int r = 0; r < NRES; r++) {
        const struct ver *best = NULL;
        for (int i = 0; i < NVER; i++) {
            const struct ver *v = &V[i];
            if (v->res != r || v->gone || v->ms >= end)
                continue;
            if (!best || v->ms > best->ms || (v->ms == best->ms && v->seq > best->seq))
                best = v;
        }
        *ok += best && best->kind == 0;
        *bad += best && best->kind == 1;
    }
}

static void check(struct pl_store *s)
{
    int64_t ok[NDAYS], bad[NDAYS], eok, ebad;
    struct pl_err err = {0};
    T_EQ(pl_store_compliance_trend(s, "123456789012", "us-east-1", now_ms, NDAYS, ok, bad, &err),
         0);
    for (int d = 0; d < NDAYS; d++) {
        brute(d, &eok, &ebad);
        T_EQ(ok[d], eok);
        T_EQ(bad[d], ebad);
    }
}

/* The store at d as before migration 16 */
static void undo_trend(const char *d)
{
    if (t_store_pg()) {
        struct pl_db *db = NULL;
        struct pl_err err = {0};
        T_EQ(pl_db_open(d, 0, 0, "test", &db, &err), 0);
        T_EQ(pl_db_exec(db,
                        "DROP TRIGGER compliance_days ON config_items; DROP TABLE compliance_days;"
                        "UPDATE plumb_schema SET version = 15",
                        "test", &err),
             0);
        pl_db_close(db);
        return;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/plumb.db", d);
    sqlite3 *db;
    T_EQ(sqlite3_open(path, &db), SQLITE_OK);
    T_EQ(sqlite3_exec(db,
                      "DROP TRIGGER compliance_days_ins; DROP TRIGGER compliance_days_ins_next;"
                      "DROP TRIGGER compliance_days_del; DROP TRIGGER compliance_days_del_next;"
                      "DROP TABLE compliance_days; PRAGMA user_version = 15;",
                      NULL, NULL, NULL),
         SQLITE_OK);
    sqlite3_close(db);
}

static void test_trend(void)
{
    char *d = t_store_fresh(&A, "pl_test_trend");
    struct pl_store *s = NULL;
    struct pl_err err = {0};
    T_EQ(pl_store_open(d, 0, &s, &err), 0);
    srand(7);
    now_ms = 20000 * DAY + 13 * 3600000LL;
    T_EQ(pl_store_begin(s, &err), 0);
    for (int i = 0; i < NVER; i++) {
        /* from 15 days before now's day (before the window) to the end of now's day */
        V[i] = (struct ver){.res = rand() % NRES,
                            .kind = rand() % 4,
                            .ms = now_ms - now_ms % DAY - 15 * DAY + rand() % (16 * DAY)};
        put(s, "123456789012", "AWS::Config::ResourceCompliance", &V[i]);
        if (i % 5 == 0) { /* the same versions elsewhere: not counted */
            struct ver o = V[i];
            put(s, "210987654321", "AWS::Config::ResourceCompliance", &o);
            put(s, "123456789012", "AWS::EC2::Instance", &o);
        }
    }
    T_EQ(pl_store_commit(s, &err), 0);
    check(s);

    /* retention: versions before the window's fourth day go, each resource's last kept */
    int64_t cut = (now_ms / DAY - (NDAYS - 1) + 3) * DAY, deleted = 0;
    T_EQ(pl_store_prune_before(s, "123456789012", "us-east-1", cut, &deleted, &err), 0);
    T_OK(deleted > 0);
    for (int r = 0; r < NRES; r++) {
        int64_t last = 0;
        for (int i = 0; i < NVER; i++)
            if (V[i].res == r && V[i].seq > last)
                last = V[i].seq;
        for (int i = 0; i < NVER; i++)
            if (V[i].res == r && V[i].ms < cut && V[i].seq != last)
                V[i].gone = true;
    }
    check(s);
    pl_store_close(s);

    /* migration 16 again (an older store): the table is refilled from the versions */
    undo_trend(d);
    T_EQ(pl_store_open(d, 0, &s, &err), 0);
    check(s);
    pl_store_close(s);
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_trend);
    pl_arena_fini(&A);
    return T_EXIT();
}
