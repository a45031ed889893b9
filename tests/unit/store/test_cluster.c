/* test_cluster.c — several processes on one store (store.h, cluster.c). SQLite: not shared,
 * every job led. PostgreSQL (the fixture "pg"; skipped without it): a claim inside another
 * connection's open write transaction neither waits for it nor takes its locked rows (FOR
 * UPDATE SKIP LOCKED, no writer lock); leases carry the registered instance, recovery leaves a
 * live instance's leases alone and gives back a closed one's; a job has one leader at a time,
 * and the lead passes on when the leader's connection ends; another connection's NOTIFY wakes
 * this process's outbox listeners. Also prints claims per second with
 * one and two connections claiming at once. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "core/arena.h"
#include "core/time.h"
#include "store/db.h"
#include "store/store.h"

/* T_RUN of a test that takes the database's URL */
#define T_RUN_ARG(fn, arg)                                                                         \
    do {                                                                                           \
        t_failed_now = 0;                                                                          \
        t_run_total++;                                                                             \
        fn(arg);                                                                                   \
        printf("%s %s\n", t_failed_now ? "FAIL" : "ok  ", #fn);                                    \
        if (t_failed_now)                                                                          \
            t_failed_total++;                                                                      \
    } while (0)

static struct pl_store *open_store(const char *spec)
{
    struct pl_store *s = NULL;
    struct pl_err err = {0};
    if (pl_store_open(spec, 0, &s, &err) < 0) {
        fprintf(stderr, "open %s: %s\n", spec, err.msg);
        exit(1);
    }
    return s;
}

static void add(struct pl_store *s, int n)
{
    struct pl_err err = {0};
    T_EQ(pl_store_begin(s, &err), 0);
    for (int i = 0; i < n; i++)
        T_EQ(pl_store_outbox_add(s, "123456789012", i % 2 ? "us-east-1" : "eu-west-1",
                                 PL_OUTBOX_RULES_EVALUATE, "{}", 2, NULL, &err),
             0);
    T_EQ(pl_store_commit(s, &err), 0);
}

static size_t claim(struct pl_store *s, int max, struct pl_outbox_item **items, struct pl_arena *a)
{
    struct pl_err err = {0};
    size_t n = 0;
    T_EQ(pl_store_outbox_claim(s, PL_OUTBOX_RULES_EVALUATE, max, 60000, a, items, &n, &err), 0);
    return n;
}

static void complete_all(struct pl_store *s, struct pl_outbox_item *items, size_t n)
{
    struct pl_err err = {0};
    for (size_t i = 0; i < n; i++)
        T_EQ(pl_store_outbox_complete(s, items[i].id, &err), 0);
}

static void test_sqlite_not_shared(void)
{
    char dir[] = "/tmp/pl_test_cluster_XXXXXX";
    T_OK(mkdtemp(dir) != NULL);
    struct pl_store *s = open_store(dir);
    struct pl_err err = {0};
    T_OK(!pl_store_is_shared(s));
    T_EQ(pl_store_instance_register(s, &err), 0);
    T_EQ(pl_store_instance_id(), 1);
    T_EQ(pl_store_lead(s, PL_STORE_JOB_HOUSEKEEPING, &err), 1);
    pl_store_close(s);
}

static void test_pg_skip_locked(const char *url)
{
    struct pl_store *s1 = open_store(url), *s2 = open_store(url);
    struct pl_arena a;
    struct pl_outbox_item *i1, *i2, *i3;
    struct pl_err err = {0};
    pl_arena_init(&a);
    add(s1, 100);
    /* s1 holds the writer lock and its claimed rows' row locks until it commits */
    T_EQ(pl_store_begin(s1, &err), 0);
    size_t n1 = claim(s1, 10, &i1, &a);
    size_t n2 = claim(s2, 1000, &i2, &a); /* neither waits nor sees s1's rows */
    T_EQ(n1, 10);
    T_EQ(n2, 90);
    for (size_t i = 0; i < n1; i++)
        for (size_t k = 0; k < n2; k++)
            T_OK(i1[i].id != i2[k].id);
    T_EQ(pl_store_commit(s1, &err), 0);
    T_EQ(claim(s2, 1000, &i3, &a), 0); /* all leased now */
    complete_all(s1, i1, n1);
    complete_all(s2, i2, n2);
    pl_arena_fini(&a);
    pl_store_close(s1);
    pl_store_close(s2);
}

static void test_pg_recover_dead_only(const char *url)
{
    struct pl_store *w = open_store(url), *other = open_store(url);
    struct pl_arena a;
    struct pl_outbox_item *items;
    struct pl_err err = {0};
    int64_t n = -1;
    pl_arena_init(&a);
    T_OK(pl_store_is_shared(w));
    T_EQ(pl_store_instance_register(w, &err), 0);
    T_OK(pl_store_instance_id() > 1);
    T_EQ(pl_store_instance_register(w, &err), 0); /* again: the same id, still held */
    add(w, 6);
    T_EQ(claim(w, 6, &items, &a), 6);
    T_EQ(pl_store_outbox_recover(other, &n, &err), 0);
    T_EQ(n, 0);        /* the claimer lives */
    pl_store_close(w); /* its session ends, and its advisory lock with it */
    n = 0;
    for (int i = 0; i < 5000 && n == 0; i++) {
        T_EQ(pl_store_outbox_recover(other, &n, &err), 0);
        if (!n)
            usleep(1000);
    }
    T_EQ(n, 6);
    T_EQ(claim(other, 100, &items, &a), 6); /* due again at once */
    T_EQ(items[0].attempts, 2);
    complete_all(other, items, 6);
    pl_arena_fini(&a);
    pl_store_close(other);
}

static void test_pg_one_leader(const char *url)
{
    struct pl_store *s1 = open_store(url), *s2 = open_store(url);
    struct pl_err err = {0};
    T_EQ(pl_store_lead(s1, PL_STORE_JOB_HOUSEKEEPING, &err), 1);
    T_EQ(pl_store_lead(s1, PL_STORE_JOB_HOUSEKEEPING, &err), 1); /* keeps it */
    T_EQ(pl_store_lead(s2, PL_STORE_JOB_HOUSEKEEPING, &err), 0);
    T_EQ(pl_store_lead(s2, PL_STORE_JOB_SCHEDULES, &err), 1); /* jobs lead apart */
    pl_store_close(s1);
    int r = 0;
    for (int i = 0; i < 5000 && r == 0; i++) {
        r = pl_store_lead(s2, PL_STORE_JOB_HOUSEKEEPING, &err);
        if (!r)
            usleep(1000);
    }
    T_EQ(r, 1);
    pl_store_close(s2);
}

/* A notification from another connection (as another process's commit sends it) reaches this
 * process's outbox listeners through the waker; a kind not listened for does not. */
static atomic_int woken;

static void on_wake(void *arg)
{
    (void)arg;
    atomic_fetch_add(&woken, 1);
}

static void test_pg_waker(const char *url)
{
    struct pl_store *s = open_store(url);
    struct pl_err err = {0};
    struct pl_db *other = NULL;
    T_EQ(pl_db_open(url, 0, 0, "test", &other, &err), 0);
    struct pl_store_listener *l =
        pl_store_outbox_listen(s, 1u << PL_OUTBOX_RULES_EVALUATE, on_wake, NULL);
    struct pl_store_waker *w = pl_store_waker_start(s, &err);
    T_OK(w != NULL);
    char sql[64];
    /* the waker LISTENs once its connection is up: notify until it hears */
    for (int i = 0; i < 5000 && atomic_load(&woken) == 0; i++) {
        snprintf(sql, sizeof sql, "NOTIFY plumb_outbox, '%u'", 1u << PL_OUTBOX_RULES_EVALUATE);
        T_EQ(pl_db_exec(other, sql, "test", &err), 0);
        usleep(2000);
    }
    T_OK(atomic_load(&woken) > 0);
    pl_store_waker_stop(w);
    pl_store_outbox_unlisten(l);
    pl_db_close(other);
    pl_store_close(s);
}

/* ---- claims per second, one and two connections ---- */

struct claimer {
    const char *url;
    int64_t claimed;
};

static void *claim_loop(void *arg)
{
    struct claimer *c = arg;
    struct pl_store *s = open_store(c->url);
    struct pl_arena a;
    struct pl_outbox_item *items;
    pl_arena_init(&a);
    size_t n;
    while ((n = claim(s, 16, &items, &a)) > 0) {
        complete_all(s, items, n);
        c->claimed += (int64_t)n;
        pl_arena_reset(&a);
    }
    pl_arena_fini(&a);
    pl_store_close(s);
    return NULL;
}

static void measure(const char *url, int threads, int rows)
{
    struct pl_store *s = open_store(url);
    add(s, rows);
    pl_store_close(s);
    struct claimer c[2] = {{url, 0}, {url, 0}};
    pthread_t th[2];
    int64_t t0 = pl_mono_ns();
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, claim_loop, &c[i]);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    double secs = (double)(pl_mono_ns() - t0) / 1e9;
    T_EQ(c[0].claimed + c[1].claimed, rows); /* each row once */
    printf("claims+completes/s with %d connection(s): %.0f (%d rows, batches of 16)\n", threads,
           rows / secs, rows);
}

static void test_pg_throughput(const char *url)
{
    measure(url, 1, 4000);
    measure(url, 2, 4000);
}

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

/* A new empty database beside base's, named name; its URL in out. */
static void fresh_db(const char *base, const char *name, char *out, size_t cap)
{
    struct pl_db *db = NULL;
    struct pl_err err = {0};
    char sql[160];
    if (pl_db_open(base, 0, 0, "test", &db, &err) < 0) {
        fprintf(stderr, "open %s: %s\n", base, err.msg);
        exit(1);
    }
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    T_EQ(pl_db_exec(db, sql, "test", &err), 0);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    T_EQ(pl_db_exec(db, sql, "test", &err), 0);
    pl_db_close(db);
    const char *slash = strrchr(base, '/');
    snprintf(out, cap, "%.*s/%s", (int)(slash - base), base, name);
}

int main(void)
{
    T_RUN(test_sqlite_not_shared);
    const char *base = test_pg_url();
    if (!base || !pl_db_spec_is_pg(base)) {
        fprintf(stderr, "test_cluster: no PostgreSQL (PLUMB_TEST_PG_URL unset): PG half skipped\n");
        return T_EXIT();
    }
#ifdef PL_HAVE_PG
    char url[600];
    fresh_db(base, "plumb_test_cluster", url, sizeof url);
    T_RUN_ARG(test_pg_skip_locked, url);
    T_RUN_ARG(test_pg_recover_dead_only, url);
    T_RUN_ARG(test_pg_one_leader, url);
    T_RUN_ARG(test_pg_waker, url);
    T_RUN_ARG(test_pg_throughput, url);
#endif
    return T_EXIT();
}
