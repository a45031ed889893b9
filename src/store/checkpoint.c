/* checkpoint.c — WAL checkpoints on a background thread, for a store that writes a lot.
 *
 * In WAL mode with synchronous=NORMAL a commit only appends to the WAL; the checkpoint that
 * copies the WAL back into the database is where SQLite waits for the disk (two fsyncs).
 * SQLite's automatic checkpoint runs it inside the commit that crossed 1,000 WAL pages, so a
 * bulk writer (`plumb record`, the API's group-commit writer) stalls there. With a
 * checkpointer, the writer's connection gets a WAL hook instead of the automatic checkpoint:
 * past SIGNAL_FRAMES it wakes this thread, which runs PASSIVE checkpoints on its own
 * connection while the writer goes on appending; the WAL restarts from its beginning at the
 * first commit after a checkpoint has caught up. Should the thread fall behind, the writer
 * checkpoints itself past BACKSTOP_FRAMES, so the WAL stays bounded. That bound is generous
 * (256 MiB): a bulk import commits ~6,000 pages per batch, and a writer that checkpoints
 * itself waits for the disk, which is what this file avoids (a 64 MiB bound cost `plumb
 * record` 15-20% of its rate).
 *
 * Durability is unchanged: a commit is in the WAL when it returns either way, and a crash
 * in the middle of a checkpoint is recovered by SQLite as usual.
 *
 * SQLite-only: the store starts it only when pl_db_kind() is PL_DB_SQLITE (PostgreSQL
 * checkpoints by itself), and reaches the sqlite3 handles through pl_db_handle().
 */
#include <pthread.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "core/log.h"
#include "core/util.h"
#include "store/db.h"
#include "store/store_int.h"

#define SIGNAL_FRAMES   1000  /* SQLite's own automatic-checkpoint threshold */
#define BACKSTOP_FRAMES 65536 /* 256 MiB of 4 KiB pages */

struct pl_ckpt {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool due, stop;
    struct pl_db *conn; /* the checkpointer's own connection */
    sqlite3 *db;        /* its handle */
};

/* The writer's WAL hook, after each commit: frames = pages now in the WAL. */
static int on_commit(void *u, sqlite3 *writer, const char *name, int frames)
{
    struct pl_ckpt *c = u;
    if (frames >= BACKSTOP_FRAMES) {
        sqlite3_wal_checkpoint_v2(writer, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        return SQLITE_OK;
    }
    if (frames >= SIGNAL_FRAMES) {
        pthread_mutex_lock(&c->mu);
        c->due = true;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    return SQLITE_OK;
}

static void *run(void *u)
{
    struct pl_ckpt *c = u;
    pthread_setname_np(pthread_self(), "plumb-ckpt");
    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        if (!c->due) {
            pthread_cond_wait(&c->cv, &c->mu);
            continue;
        }
        c->due = false;
        pthread_mutex_unlock(&c->mu);
        int log = 0, done = 0;
        int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            PL_LOG(WARN, "store", "checkpoint rc=%d msg=\"%s\"", rc, sqlite3_errmsg(c->db));
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

struct pl_ckpt *pl_ckpt_start(struct pl_db *wdb, const char *path, struct pl_err *err)
{
    sqlite3 *writer = pl_db_handle(wdb);
    struct pl_ckpt *c = pl_xcalloc(1, sizeof *c);
    if (pl_db_open(path, 0, 2048, "store", &c->conn, err) < 0) {
        free(c);
        return NULL;
    }
    c->db = pl_db_handle(c->conn);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->th, NULL, run, c) != 0) {
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        pl_db_close(c->conn);
        free(c);
        pl_fail(err, PL_E_INTERNAL, "store: cannot start the checkpoint thread");
        return NULL;
    }
    sqlite3_wal_hook(writer, on_commit, c);
    /* the WAL may grow past SQLite's usual 4 MiB while the thread catches up; its file is
     * kept at that size for reuse (cutting it back to 64 MiB after each restart made the
     * kernel zero new pages again: -15% for `plumb record`), but not beyond 512 MiB */
    sqlite3_exec(writer, "PRAGMA journal_size_limit=536870912", NULL, NULL, NULL);
    return c;
}

void pl_ckpt_stop(struct pl_ckpt *c, struct pl_db *wdb)
{
    if (!c)
        return;
    sqlite3_wal_autocheckpoint(pl_db_handle(wdb),
                               SIGNAL_FRAMES); /* the writer's hook is SQLite's again */
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->th, NULL);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    pl_db_close(c->conn);
    free(c);
}
