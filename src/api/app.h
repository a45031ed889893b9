/* app.h — the running service as the API layer sees it: where the data lives, the optional
 * subsystems (delivery, rules engine), its store connections: one per thread (a store pool)
 * and the group-commit writer.
 *
 * struct pl_store is a single connection and not thread-safe, while the HTTP server calls
 * pl_api_call() from several threads: pl_app_store() hands each thread its own connection
 * from the app's pool, opened lazily and closed when the thread ends (or pl_app_fini). */
#ifndef PL_API_APP_H
#define PL_API_APP_H

#include "core/err.h"

struct pl_store;
struct pl_store_pool;
struct pl_group;
struct pl_delivery;
struct pl_rules;

struct pl_app {
    char *store_spec;              /* data directory (or store URL) */
    struct pl_delivery *delivery;  /* NULL: delivery not running (format checks only) */
    struct pl_rules *rules;        /* NULL: rules engine not running */
    struct pl_store_pool *pool;    /* the API threads' connections */
    struct pl_group *group;        /* group commit of writes (group_commit.h) */
};

/* app belongs to the caller; store_spec is copied. Opens (creates, migrates) the store. */
int pl_app_init(struct pl_app *app, const char *store_spec, struct pl_err *err);
void pl_app_fini(struct pl_app *app);

/* The calling thread's store connection (opened on first use). NULL with err on failure. */
struct pl_store *pl_app_store(struct pl_app *app, struct pl_err *err);

#endif
