/* test_store.c — store/sqlite: schema and migrations, objects, transactions, CI rows,
 * history windows/order/cursors, listing, counts, retention pruning, outbox, function logs
 * (order, filters, rotation by age and count), and a second connection writing while the
 * first holds a transaction. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "store_spec.h"
#include "core/time.h"
#include "store/evals.h"
#include "store/store.h"

static struct pl_arena A;

/* A fresh store: a data directory under /tmp, or a PostgreSQL database (store_spec.h). */
static char *tmpdir(void)
{
    return t_store_fresh(&A, "pl_test_store");
}

static struct pl_store *open_store(const char *dir)
{
    struct pl_store *s = NULL;
    struct pl_err err = {0};
    if (pl_store_open(dir, 0, &s, &err) < 0) {
        fprintf(stderr, "open %s: %s\n", dir, err.msg);
        abort();
    }
    return s;
}

static void append(struct pl_store *s, const char *type, const char *id, const char *status,
                   int64_t ms, const char *hash)
{
    struct pl_err err = {0};
    struct pl_ci_row r = {
        .account = "123456789012", .region = "us-east-1", .resource_type = type,
        .resource_id = id, .resource_name = "n", .status = status, .capture_ms = ms,
        .state_id = ms, .body = "{}", .body_len = 2,
    };
    snprintf(r.hash, sizeof r.hash, "%s", hash);
    if (pl_store_ci_append(s, &r, &err) < 0) {
        fprintf(stderr, "append: %s\n", err.msg);
        abort();
    }
}

static void test_open_and_schema(void)
{
    char *d = tmpdir();
    struct pl_store *s = open_store(d);
    T_EQ(pl_store_schema_version(s), 17);
    pl_store_close(s);
    s = open_store(d); /* reopening does not migrate again */
    pl_store_close(s);
    struct pl_err err = {0};
    T_EQ(pl_store_open("postgres://x", 0, &s, &err), -1);
#ifdef PL_HAVE_PG
    T_EQ(err.code, PL_E_UNAVAILABLE); /* no such server: retryable, as a refused connection */
#else
    T_EQ(err.code, PL_E_VALIDATION); /* built without PostgreSQL */
#endif
}

static void test_objects_and_tx(void)
{
    struct pl_err err = {0};
    struct pl_store *s = open_store(tmpdir());
    const char *acct = "123456789012", *reg = "us-east-1";
    T_EQ(pl_store_obj_put(s, acct, reg, PL_KIND_RECORDER, "default", "{\"name\":\"default\"}",
                          18, &err), 0);
    struct pl_obj o;
    T_EQ(pl_store_obj_get(s, acct, reg, PL_KIND_RECORDER, "default", &A, &o, &err), 1);
    T_STR(o.json, "{\"name\":\"default\"}");
    T_EQ(pl_store_obj_get(s, acct, "eu-west-1", PL_KIND_RECORDER, "default", &A, &o, &err), 0);
    int64_t n;
    T_EQ(pl_store_obj_count(s, acct, reg, PL_KIND_RECORDER, &n, &err), 0);
    T_EQ(n, 1);
    /* rollback undoes */
    T_EQ(pl_store_begin(s, &err), 0);
    T_EQ(pl_store_obj_put(s, acct, reg, PL_KIND_CHANNEL, "default", "{}", 2, &err), 0);
    pl_store_rollback(s);
    T_EQ(pl_store_obj_get(s, acct, reg, PL_KIND_CHANNEL, "default", &A, &o, &err), 0);
    /* nested: inner rollback dooms the outer commit */
    T_EQ(pl_store_begin(s, &err), 0);
    T_EQ(pl_store_begin(s, &err), 0);
    T_EQ(pl_store_obj_put(s, acct, reg, PL_KIND_CHANNEL, "default", "{}", 2, &err), 0);
    pl_store_rollback(s);
    T_EQ(pl_store_commit(s, &err), -1);
    T_OK(!pl_store_in_tx(s));
    T_EQ(pl_store_obj_get(s, acct, reg, PL_KIND_CHANNEL, "default", &A, &o, &err), 0);
    /* nested commit */
    pl_err_clear(&err);
    T_EQ(pl_store_begin(s, &err), 0);
    T_EQ(pl_store_begin(s, &err), 0);
    T_EQ(pl_store_obj_put(s, acct, reg, PL_KIND_TAGS, "arn:b", "{\"k\":\"v\"}", 9, &err), 0);
    T_EQ(pl_store_obj_put(s, acct, reg, PL_KIND_TAGS, "arn:a", "{}", 2, &err), 0);
    T_EQ(pl_store_commit(s, &err), 0);
    T_OK(pl_store_in_tx(s));
    T_EQ(pl_store_commit(s, &err), 0);
    struct pl_obj *items;
    size_t ni;
    T_EQ(pl_store_obj_list(s, acct, reg, PL_KIND_TAGS, NULL, 0, &A, &items, &ni, &err), 0);
    T_EQ(ni, 2);
    T_STR(items[0].name, "arn:a");
    T_EQ(pl_store_obj_list(s, acct, reg, PL_KIND_TAGS, "arn:a", 0, &A, &items, &ni, &err), 0);
    T_EQ(ni, 1);
    T_EQ(pl_store_obj_list(s, NULL, NULL, PL_KIND_TAGS, NULL, 0, &A, &items, &ni, &err), 0);
    T_EQ(ni, 2);
    T_EQ(pl_store_obj_delete(s, acct, reg, PL_KIND_TAGS, "arn:a", &err), 1);
    T_EQ(pl_store_obj_delete(s, acct, reg, PL_KIND_TAGS, "arn:a", &err), 0);
    /* replace keeps created_ms */
    T_EQ(pl_store_obj_put(s, acct, reg, PL_KIND_TAGS, "arn:b", "{}", 2, &err), 0);
    T_EQ(pl_store_obj_get(s, acct, reg, PL_KIND_TAGS, "arn:b", &A, &o, &err), 1);
    T_STR(o.json, "{}");
    pl_store_close(s);
}

static void test_history(void)
{
    struct pl_err err = {0};
    struct pl_store *s = open_store(tmpdir());
    T_EQ(pl_store_begin(s, &err), 0);
    for (int i = 0; i < 25; i++)
        append(s, "AWS::EC2::Instance", "i-1", i ? PL_CI_OK : PL_CI_DISCOVERED, 1000 + i * 10,
               i % 2 ? "a" : "b");
    append(s, "AWS::EC2::Instance", "i-2", PL_CI_DISCOVERED, 5000, "c");
    T_EQ(pl_store_commit(s, &err), 0);

    struct pl_resource r;
    T_EQ(pl_store_resource_get(s, "123456789012", "us-east-1", "AWS::EC2::Instance", "i-1", &A,
                               &r, &err), 1);
    T_EQ(r.versions, 25);
    T_EQ(r.capture_ms, 1240);
    T_EQ(r.first_ms, 1000);
    T_OK(!r.deleted);

    struct pl_history_q q = {"123456789012", "us-east-1", "AWS::EC2::Instance", "i-1", 0,
                             INT64_MAX, false, 10, NULL};
    struct pl_ci_row *rows;
    size_t n;
    char *next;
    /* reverse, 3 pages */
    int total = 0;
    int64_t last = INT64_MAX;
    do {
        T_EQ(pl_store_history(s, &q, &A, &rows, &n, &next, &err), 0);
        for (size_t i = 0; i < n; i++) {
            T_OK(rows[i].capture_ms < last);
            last = rows[i].capture_ms;
            T_STR(rows[i].resource_id, "i-1");
        }
        total += (int)n;
        q.cursor = next;
    } while (next);
    T_EQ(total, 25);
    /* forward in a window [1050, 1100] */
    q.forward = true;
    q.earlier_ms = 1050;
    q.later_ms = 1100;
    q.cursor = NULL;
    q.limit = 4;
    T_EQ(pl_store_history(s, &q, &A, &rows, &n, &next, &err), 0);
    T_EQ(n, 4);
    T_EQ(rows[0].capture_ms, 1050);
    T_OK(next != NULL);
    q.cursor = next;
    T_EQ(pl_store_history(s, &q, &A, &rows, &n, &next, &err), 0);
    T_EQ(n, 2);
    T_EQ(rows[1].capture_ms, 1100);
    T_OK(next == NULL);
    /* a cursor from another query is rejected */
    q.cursor = "h1-1-00000000";
    T_EQ(pl_store_history(s, &q, &A, &rows, &n, &next, &err), -1);
    T_EQ(err.code, PL_E_INVALID_NEXT_TOKEN);
    pl_err_clear(&err);
    q.cursor = "garbage";
    T_EQ(pl_store_history(s, &q, &A, &rows, &n, &next, &err), -1);
    T_EQ(err.code, PL_E_INVALID_NEXT_TOKEN);
    pl_err_clear(&err);
    /* unknown resource: empty */
    q.cursor = NULL;
    q.resource_id = "i-404";
    T_EQ(pl_store_history(s, &q, &A, &rows, &n, &next, &err), 0);
    T_EQ(n, 0);
    /* latest */
    struct pl_ci_row row;
    T_EQ(pl_store_ci_latest(s, "123456789012", "us-east-1", "AWS::EC2::Instance", "i-1", &A,
                            &row, &err), 1);
    T_EQ(row.capture_ms, 1240);
    T_EQ(pl_store_ci_get(s, row.seq, &A, &row, &err), 1);
    T_EQ(pl_store_ci_get(s, 999999, &A, &row, &err), 0);

    /* retention: prune before 1200 keeps 1200..1240 (5) on i-1; i-2's only CI is kept */
    int64_t del = 0;
    T_EQ(pl_store_prune_before(s, "123456789012", "us-east-1", 1200, &del, &err), 0);
    T_EQ(del, 20);
    T_EQ(pl_store_prune_before(s, "123456789012", "us-east-1", 100000, &del, &err), 0);
    T_EQ(del, 4); /* everything but the latest of each */
    q.resource_id = "i-1";
    q.earlier_ms = 0;
    q.later_ms = INT64_MAX;
    q.limit = 100;
    T_EQ(pl_store_history(s, &q, &A, &rows, &n, &next, &err), 0);
    T_EQ(n, 1);
    T_EQ(rows[0].capture_ms, 1240);
    pl_store_close(s);
}

static void test_list_and_counts(void)
{
    struct pl_err err = {0};
    struct pl_store *s = open_store(tmpdir());
    T_EQ(pl_store_begin(s, &err), 0);
    char id[32];
    for (int i = 0; i < 30; i++) {
        snprintf(id, sizeof id, "b-%02d", i);
        append(s, "AWS::S3::Bucket", id, PL_CI_DISCOVERED, 1000, "h");
    }
    append(s, "AWS::S3::Bucket", "b-05", PL_CI_DELETED, 2000, "d");
    append(s, "AWS::EC2::VPC", "vpc-1", PL_CI_DISCOVERED, 1000, "h");
    T_EQ(pl_store_commit(s, &err), 0);

    struct pl_list_q q = {.account = "123456789012", .region = "us-east-1",
                          .resource_type = "AWS::S3::Bucket", .limit = 20};
    struct pl_resource *items;
    size_t n;
    char *next;
    T_EQ(pl_store_resources_list(s, &q, &A, &items, &n, &next, &err), 0);
    T_EQ(n, 20);
    T_STR(items[5].resource_id, "b-06"); /* b-05 is deleted */
    T_OK(next != NULL);
    q.cursor = next;
    T_EQ(pl_store_resources_list(s, &q, &A, &items, &n, &next, &err), 0);
    T_EQ(n, 9);
    T_OK(next == NULL);
    q.cursor = NULL;
    q.include_deleted = true;
    q.limit = 100;
    T_EQ(pl_store_resources_list(s, &q, &A, &items, &n, &next, &err), 0);
    T_EQ(n, 30);
    T_OK(items[5].deleted);
    T_EQ(items[5].deletion_ms, 2000);
    const char *ids[] = {"b-07", "nope", "b-05"};
    q.ids = ids;
    q.nids = 3;
    q.include_deleted = false;
    T_EQ(pl_store_resources_list(s, &q, &A, &items, &n, &next, &err), 0);
    T_EQ(n, 1);
    T_STR(items[0].resource_id, "b-07");
    q.ids = NULL;
    q.nids = 0;
    q.name = "n";
    T_EQ(pl_store_resources_list(s, &q, &A, &items, &n, &next, &err), 0);
    T_EQ(n, 29);
    q.name = "other";
    T_EQ(pl_store_resources_list(s, &q, &A, &items, &n, &next, &err), 0);
    T_EQ(n, 0);
    q.name = NULL;
    q.cursor = "lzz-00000000";
    T_EQ(pl_store_resources_list(s, &q, &A, &items, &n, &next, &err), -1);
    T_EQ(err.code, PL_E_INVALID_NEXT_TOKEN);
    pl_err_clear(&err);

    struct pl_type_count *counts;
    int64_t total;
    T_EQ(pl_store_resource_counts(s, "123456789012", "us-east-1", NULL, 0, 1, NULL, &A, &counts,
                                  &n, &total, &next, &err), 0);
    T_EQ(total, 30);
    T_EQ(n, 1);
    T_STR(counts[0].resource_type, "AWS::S3::Bucket");
    T_EQ(counts[0].count, 29);
    T_OK(next != NULL);
    T_EQ(pl_store_resource_counts(s, "123456789012", "us-east-1", NULL, 0, 1, next, &A, &counts,
                                  &n, &total, &next, &err), 0);
    T_EQ(n, 1);
    T_STR(counts[0].resource_type, "AWS::EC2::VPC");
    T_OK(next == NULL);
    const char *types[] = {"AWS::EC2::VPC"};
    T_EQ(pl_store_resource_counts(s, "123456789012", "us-east-1", types, 1, 0, NULL, &A, &counts,
                                  &n, &total, &next, &err), 0);
    T_EQ(total, 1);
    struct pl_part_row *parts;
    T_EQ(pl_store_partitions(s, &A, &parts, &n, &err), 0);
    T_EQ(n, 1);
    pl_store_close(s);
}

/* Migration 12 counts the resources a store already holds; its triggers follow recreations,
 * deletions and a resource leaving the recording (ResourceNotRecorded). */
/* A database from before migration 15 (the hot paths), for the tests that re-run migrations */
#define UNDO_HOT "DROP INDEX resources_hot; ALTER TABLE resources DROP COLUMN hot;"

static void test_counts_migration(void)
{
    if (t_store_pg()) /* re-runs SQLite migrations on a raw sqlite3 handle */
        return;
    struct pl_err err = {0};
    char *d = tmpdir(), path[512];
    struct pl_store *s = open_store(d);
    T_EQ(pl_store_begin(s, &err), 0);
    append(s, "AWS::S3::Bucket", "b-1", PL_CI_DISCOVERED, 1000, "h");
    append(s, "AWS::S3::Bucket", "b-2", PL_CI_DISCOVERED, 1000, "h");
    append(s, "AWS::EC2::VPC", "vpc-1", PL_CI_DISCOVERED, 1000, "h");
    T_EQ(pl_store_commit(s, &err), 0);
    pl_store_close(s);
    snprintf(path, sizeof path, "%s/plumb.db", d);
    sqlite3 *db;
    T_EQ(sqlite3_open(path, &db), SQLITE_OK);
    T_EQ(sqlite3_exec(db,
                      "DROP TRIGGER resource_counts_ins; DROP TRIGGER resource_counts_upd;"
                      "DROP TRIGGER resource_counts_del; DROP TABLE resource_counts;" UNDO_HOT
                      "PRAGMA user_version = 11;",
                      NULL, NULL, NULL),
         SQLITE_OK);
    sqlite3_close(db);
    s = open_store(d);
    T_EQ(pl_store_schema_version(s), 17);
    struct pl_type_count *counts;
    size_t n;
    int64_t total;
    char *next;
    T_EQ(pl_store_resource_counts(s, "123456789012", "us-east-1", NULL, 0, 0, NULL, &A, &counts, &n,
                                  &total, &next, &err),
         0);
    T_EQ(total, 3);
    T_EQ(n, 2);
    T_EQ(pl_store_begin(s, &err), 0);
    append(s, "AWS::EC2::VPC", "vpc-1", PL_CI_DELETED, 2000, "d");
    append(s, "AWS::S3::Bucket", "b-3", PL_CI_DISCOVERED, 2000, "h");
    append(s, "AWS::S3::Bucket", "b-1", PL_CI_NOT_RECORDED, 2000, "n");
    T_EQ(pl_store_commit(s, &err), 0);
    T_EQ(pl_store_resource_counts(s, "123456789012", "us-east-1", NULL, 0, 0, NULL, &A, &counts, &n,
                                  &total, &next, &err),
         0);
    T_EQ(total, 2);
    T_EQ(n, 1); /* the VPC's count is 0: not listed */
    T_STR(counts[0].resource_type, "AWS::S3::Bucket");
    T_EQ(pl_store_begin(s, &err), 0);
    append(s, "AWS::EC2::VPC", "vpc-1", PL_CI_DISCOVERED, 3000, "h2");
    T_EQ(pl_store_commit(s, &err), 0);
    T_EQ(pl_store_resource_counts(s, "123456789012", "us-east-1", NULL, 0, 0, NULL, &A, &counts, &n,
                                  &total, &next, &err),
         0);
    T_EQ(total, 3);
    pl_store_close(s);
}

static void test_outbox(void)
{
    struct pl_err err = {0};
    struct pl_store *s = open_store(tmpdir());
    pl_clock_set(1000000);
    int64_t id1, id2;
    T_EQ(pl_store_begin(s, &err), 0);
    T_EQ(pl_store_outbox_add(s, "123456789012", "us-east-1", PL_OUTBOX_CI_RECORDED, "{\"seq\":1}", 9,
                             &id1, &err), 0);
    T_EQ(pl_store_outbox_add(s, "123456789012", "us-east-1", PL_OUTBOX_DELIVERY_MSG, "{}", 2, &id2, &err), 0);
    T_EQ(pl_store_commit(s, &err), 0);
    int64_t pending;
    T_EQ(pl_store_outbox_pending(s, PL_OUTBOX_ANY, &pending, &err), 0);
    T_EQ(pending, 2);
    struct pl_outbox_item *items;
    size_t n;
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_CI_RECORDED, 10, 30000, &A, &items, &n, &err), 0);
    T_EQ(n, 1);
    T_EQ(items[0].id, id1);
    T_EQ(items[0].attempts, 1);
    T_STR(items[0].payload, "{\"seq\":1}");
    /* leased: not claimable again until the lease ends */
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_CI_RECORDED, 10, 30000, &A, &items, &n, &err), 0);
    T_EQ(n, 0);
    pl_clock_advance(30001);
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_CI_RECORDED, 10, 30000, &A, &items, &n, &err), 0);
    T_EQ(n, 1);
    T_EQ(items[0].attempts, 2);
    T_EQ(pl_store_outbox_retry(s, id1, pl_now_ms() + 5, "boom", &err), 0);
    pl_clock_advance(10);
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_ANY, 10, 30000, &A, &items, &n, &err), 0);
    T_EQ(n, 2);
    T_EQ(items[1].id, id1); /* ordered by due time: id2 was due first */
    T_STR(items[1].last_error, "boom");
    T_EQ(pl_store_outbox_complete(s, id1, &err), 0);
    T_EQ(pl_store_outbox_complete(s, id2, &err), 0);
    T_EQ(pl_store_outbox_pending(s, PL_OUTBOX_ANY, &pending, &err), 0);
    T_EQ(pending, 0);
    pl_clock_real();
    pl_store_close(s);
}

/* Housekeeping deletes finished rows created before the bound, never pending ones. */
static void test_outbox_prune(void)
{
    struct pl_err err = {0};
    struct pl_store *s = open_store(tmpdir());
    pl_clock_set(1000000);
    int64_t old_done, old_pending, new_done, deleted = -1, pending;
    T_EQ(pl_store_outbox_add(s, "123456789012", "us-east-1", PL_OUTBOX_RULES_EVALUATE, "{}", 2, &old_done, &err), 0);
    T_EQ(pl_store_outbox_add(s, "123456789012", "us-east-1", PL_OUTBOX_RULES_EVALUATE, "{}", 2, &old_pending, &err),
         0);
    pl_clock_advance(5000);
    T_EQ(pl_store_outbox_add(s, "123456789012", "us-east-1", PL_OUTBOX_RULES_EVALUATE, "{}", 2, &new_done, &err), 0);
    T_EQ(pl_store_outbox_complete(s, old_done, &err), 0);
    T_EQ(pl_store_outbox_complete(s, new_done, &err), 0);
    T_EQ(pl_store_outbox_prune(s, 1000000 + 1000, &deleted, &err), 0);
    T_EQ(deleted, 1); /* old_done only */
    T_EQ(pl_store_outbox_pending(s, PL_OUTBOX_ANY, &pending, &err), 0);
    T_EQ(pending, 1); /* old_pending survives however old */
    T_EQ(pl_store_outbox_prune(s, pl_now_ms() + 1, &deleted, &err), 0);
    T_EQ(deleted, 1); /* new_done */
    T_EQ(pl_store_outbox_pending(s, PL_OUTBOX_ANY, &pending, &err), 0);
    T_EQ(pending, 1);
    pl_clock_real();
    pl_store_close(s);
}

/* Claims of a kind share max between partitions, oldest first within each; a released item is
 * due again as before, its claim not counted. */
/* A claimed item's lease survives its process; outbox_recover gives it back, due now, and
 * leaves done, released and retried items alone. */
static void test_outbox_recover(void)
{
    struct pl_store *s = open_store(tmpdir());
    struct pl_err err = {0};
    struct pl_outbox_item *items;
    size_t n;
    int64_t ids[3], got;
    for (int i = 0; i < 3; i++)
        T_EQ(pl_store_outbox_add(s, "123456789012", "us-east-1", PL_OUTBOX_RULES_EVALUATE, "{}",
                                 2, &ids[i], &err), 0);
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_RULES_EVALUATE, 10, 600000, &A, &items, &n, &err), 0);
    T_EQ(n, 3);
    T_EQ(pl_store_outbox_complete(s, ids[0], &err), 0);
    T_EQ(pl_store_outbox_retry(s, ids[1], pl_now_ms() + 600000, "later", &err), 0);
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_RULES_EVALUATE, 10, 600000, &A, &items, &n, &err), 0);
    T_EQ(n, 0); /* ids[2] is leased for ten minutes */
    T_EQ(pl_store_outbox_recover(s, &got, &err), 0);
    T_EQ(got, 1);
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_RULES_EVALUATE, 10, 600000, &A, &items, &n, &err), 0);
    T_EQ(n, 1);
    T_EQ(items[0].id, ids[2]);
    T_EQ(items[0].attempts, 2); /* the dead process's claim counts */
    pl_store_close(s);
}

static void count_call(void *arg)
{
    (*(int *)arg)++;
}

/* Listeners hear of committed outbox items of their kinds, on any connection to the file,
 * once per commit, never of a rolled-back transaction, and no more after unlisten. */
static void test_outbox_listen(void)
{
    const char *dir = tmpdir();
    struct pl_store *s = open_store(dir), *other = open_store(dir);
    struct pl_err err = {0};
    int rules = 0, delivery = 0;
    struct pl_store_listener *lr =
        pl_store_outbox_listen(s, 1u << PL_OUTBOX_CI_RECORDED, count_call, &rules);
    struct pl_store_listener *ld =
        pl_store_outbox_listen(s, 1u << PL_OUTBOX_DELIVERY_CI, count_call, &delivery);
    T_EQ(pl_store_begin(other, &err), 0);
    for (int i = 0; i < 3; i++)
        T_EQ(pl_store_outbox_add(other, "123456789012", "us-east-1", PL_OUTBOX_CI_RECORDED, "{}",
                                 2, NULL, &err), 0);
    T_EQ(rules, 0); /* not before the commit */
    T_EQ(pl_store_commit(other, &err), 0);
    T_EQ(rules, 1);
    T_EQ(delivery, 0);
    T_EQ(pl_store_begin(other, &err), 0);
    T_EQ(pl_store_outbox_add(other, "123456789012", "us-east-1", PL_OUTBOX_CI_RECORDED, "{}", 2,
                             NULL, &err), 0);
    pl_store_rollback(other);
    T_EQ(rules, 1);
    T_EQ(pl_store_outbox_add(other, "123456789012", "us-east-1", PL_OUTBOX_DELIVERY_CI, "{}", 2,
                             NULL, &err), 0); /* no transaction: committed at once */
    T_EQ(delivery, 1);
    T_EQ(rules, 1);
    pl_store_outbox_unlisten(lr);
    T_EQ(pl_store_outbox_add(other, "123456789012", "us-east-1", PL_OUTBOX_CI_RECORDED, "{}", 2,
                             NULL, &err), 0);
    T_EQ(rules, 1);
    pl_store_outbox_unlisten(ld);
    pl_store_close(other);
    pl_store_close(s);
}

/* Migration 4 renames the rows of the old kind names: a v3 database's pending "ci_recorded" row
 * is claimed as PL_OUTBOX_CI_RECORDED after the upgrade; a name no build knows claims as ANY. */
static void test_outbox_kind_migration(void)
{
    if (t_store_pg()) /* re-runs SQLite migrations on a raw sqlite3 handle */
        return;
    char *d = tmpdir(), path[512];
    struct pl_store *s = open_store(d);
    pl_store_close(s);
    snprintf(path, sizeof path, "%s/plumb.db", d);
    sqlite3 *db;
    T_EQ(sqlite3_open(path, &db), SQLITE_OK);
    T_EQ(sqlite3_exec(db,
                      "INSERT INTO outbox(account, region, kind, payload, created_ms, "
                      "next_attempt_ms) VALUES('123456789012', 'us-east-1', 'ci_recorded', "
                      "'{\"seq\":7}', 0, 0), ('123456789012', 'us-east-1', 'x.future', '{}', 0, 0);"
                      "ALTER TABLE outbox DROP COLUMN leased; DROP INDEX config_items_cost;"
                      "ALTER TABLE config_items DROP COLUMN freq;" UNDO_HOT
                      "PRAGMA user_version = 3;",
                      NULL, NULL, NULL),
         SQLITE_OK);
    sqlite3_close(db);
    s = open_store(d);
    T_EQ(pl_store_schema_version(s), 17);
    struct pl_err err = {0};
    struct pl_outbox_item *items;
    size_t n;
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_CI_RECORDED, 10, 30000, &A, &items, &n, &err), 0);
    T_EQ(n, 1);
    T_EQ(items[0].kind, PL_OUTBOX_CI_RECORDED);
    T_STR(items[0].payload, "{\"seq\":7}");
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_ANY, 10, 30000, &A, &items, &n, &err), 0);
    T_EQ(n, 1);
    T_EQ(items[0].kind, PL_OUTBOX_ANY);
    T_STR(pl_outbox_kind_name(PL_OUTBOX_DELIVERY_CI), "delivery.ci");
    pl_store_close(s);
}

static void test_outbox_fair(void)
{
    struct pl_err err = {0};
    struct pl_store *s = open_store(tmpdir());
    pl_clock_set(1000000);
    int64_t ids[10], idb;
    T_EQ(pl_store_begin(s, &err), 0);
    for (int i = 0; i < 10; i++) {
        T_EQ(pl_store_outbox_add(s, "111111111111", "us-east-1", PL_OUTBOX_RULES_EVALUATE, "{}", 2, &ids[i], &err), 0);
        pl_clock_advance(1);
    }
    T_EQ(pl_store_outbox_add(s, "222222222222", "us-east-1", PL_OUTBOX_RULES_EVALUATE, "{}", 2, &idb, &err), 0);
    T_EQ(pl_store_commit(s, &err), 0);
    struct pl_outbox_item *items;
    size_t n;
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_RULES_EVALUATE, 4, 30000, &A, &items, &n, &err), 0);
    T_EQ(n, 3); /* 4 shared by 2 partitions: A's two oldest, B's one */
    T_EQ(items[0].id, ids[0]);
    T_EQ(items[1].id, ids[1]);
    T_EQ(items[2].id, idb);
    T_EQ(pl_store_outbox_release(s, &items[1], &err), 0);
    T_EQ(pl_store_outbox_complete(s, ids[0], &err), 0);
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_RULES_EVALUATE, 1, 30000, &A, &items, &n, &err), 0);
    T_EQ(n, 1); /* B's item is leased; A's released item comes first again */
    T_EQ(items[0].id, ids[1]);
    T_EQ(items[0].attempts, 1);
    pl_clock_real();
    pl_store_close(s);
}

/* ---- a second connection writing while the first holds the write lock ---- */

struct writer_arg {
    const char *dir;
    int rc;
};

static void *writer(void *p)
{
    struct writer_arg *w = p;
    struct pl_store *s = open_store(w->dir);
    struct pl_err err = {0};
    /* waits on the busy timeout until the main thread commits */
    w->rc = pl_store_begin(s, &err);
    if (w->rc == 0) {
        append(s, "AWS::EC2::VPC", "vpc-from-thread", PL_CI_DISCOVERED, 1, "x");
        w->rc = pl_store_commit(s, &err);
    }
    pl_store_close(s);
    return NULL;
}

static void test_concurrent(void)
{
    struct pl_err err = {0};
    char *dir = tmpdir();
    struct pl_store *a = open_store(dir), *b = open_store(dir);
    T_EQ(pl_store_begin(a, &err), 0);
    append(a, "AWS::EC2::VPC", "vpc-a", PL_CI_DISCOVERED, 1, "x");
    /* a reader sees the committed state only, and is not blocked */
    struct pl_resource r;
    T_EQ(pl_store_resource_get(b, "123456789012", "us-east-1", "AWS::EC2::VPC", "vpc-a", &A, &r,
                               &err), 0);
    pthread_t th;
    struct writer_arg w = {dir, -9};
    pthread_create(&th, NULL, writer, &w);
    usleep(200000);
    T_EQ(pl_store_commit(a, &err), 0);
    pthread_join(th, NULL);
    T_EQ(w.rc, 0);
    T_EQ(pl_store_resource_get(b, "123456789012", "us-east-1", "AWS::EC2::VPC", "vpc-a", &A, &r,
                               &err), 1);
    T_EQ(pl_store_resource_get(b, "123456789012", "us-east-1", "AWS::EC2::VPC",
                               "vpc-from-thread", &A, &r, &err), 1);
    /* seq stays unique across connections */
    struct pl_ci_row r1, r2;
    T_EQ(pl_store_ci_latest(b, "123456789012", "us-east-1", "AWS::EC2::VPC", "vpc-a", &A, &r1,
                            &err), 1);
    T_EQ(pl_store_ci_latest(b, "123456789012", "us-east-1", "AWS::EC2::VPC", "vpc-from-thread",
                            &A, &r2, &err), 1);
    T_OK(r1.seq != r2.seq);
    pl_store_close(a);
    pl_store_close(b);
}

static void put_log(struct pl_store *s, const char *fn, int64_t start, const char *out)
{
    struct pl_err err = {0};
    struct pl_fn_log l = {.account = "123456789012", .region = "us-east-1", .function = fn,
                          .request_id = "r", .start_ms = start, .duration_ms = 5,
                          .outcome = "Succeeded", .output = out};
    T_EQ(pl_store_fnlog_put(s, &l, &err), 0);
}

static size_t list_logs(struct pl_store *s, const char *fn, int64_t after, int64_t since,
                        int limit, struct pl_fn_log **rows, bool *more)
{
    struct pl_err err = {0};
    struct pl_fn_log_query q = {.account = "123456789012", .region = "us-east-1",
                                .function = fn, .after_id = after, .since_ms = since,
                                .limit = limit};
    size_t n = 0;
    T_EQ(pl_store_fnlog_list(s, &q, &A, rows, &n, more, &err), 0);
    return n;
}

/* Function logs come back in the order they were written, per function, after a cursor and
 * since a time; rotation keeps the newest N of each function and nothing older than a time. */
static void test_function_logs(void)
{
    struct pl_err err = {0};
    struct pl_store *s = open_store(tmpdir());
    struct pl_fn_log *rows;
    bool more;
    for (int i = 0; i < 5; i++) {
        char out[8];
        snprintf(out, sizeof out, "a%d", i);
        put_log(s, "a", 1000 + i, out);
        put_log(s, "b", 1000 + i, "b");
    }
    T_EQ(list_logs(s, "a", 0, 0, 2, &rows, &more), 2);
    T_OK(more);
    T_STR(rows[0].output, "a0");
    T_STR(rows[1].output, "a1");
    T_OK(rows[0].rule == NULL);
    T_EQ(list_logs(s, "a", rows[1].id, 0, 10, &rows, &more), 3);
    T_OK(!more);
    T_STR(rows[0].output, "a2");
    T_EQ(list_logs(s, "a", 0, 1003, 10, &rows, &more), 2); /* started at 1003 or later */
    T_STR(rows[0].output, "a3");
    T_EQ(list_logs(s, "c", 0, 0, 10, &rows, &more), 0);
    T_EQ(pl_store_fnlog_prune(s, 1001, 3, &err), 0); /* age: drops a0, b0; count: a1, b1 */
    T_EQ(list_logs(s, "a", 0, 0, 10, &rows, &more), 3);
    T_STR(rows[0].output, "a2");
    T_EQ(list_logs(s, "b", 0, 0, 10, &rows, &more), 3);
    T_EQ(pl_store_fnlog_prune(s, 0, 0, &err), 0); /* no bound: nothing goes */
    T_EQ(list_logs(s, "a", 0, 0, 10, &rows, &more), 3);
    pl_store_close(s);
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_open_and_schema);
    T_RUN(test_objects_and_tx);
    T_RUN(test_history);
    T_RUN(test_list_and_counts);
    T_RUN(test_counts_migration);
    T_RUN(test_outbox);
    T_RUN(test_outbox_prune);
    T_RUN(test_outbox_fair);
    T_RUN(test_outbox_kind_migration);
    T_RUN(test_outbox_recover);
    T_RUN(test_outbox_listen);
    T_RUN(test_function_logs);
    T_RUN(test_concurrent);
    pl_arena_fini(&A);
    return T_EXIT();
}
