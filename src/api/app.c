/* app.c — the running service's store connections: a pool of per-thread connections for the
 * API threads and the group-commit queue with its writer. See app.h. */
#include "api/app.h"
#include "api/group_commit.h"
#include "core/util.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

int pl_app_init(struct pl_app *app, const char *store_spec, struct pl_err *err)
{
    memset(app, 0, sizeof(*app));
    if (pl_store_pool_open(store_spec, &app->pool, err) < 0)
        return -1;
    app->store_spec = pl_xstrdup(store_spec);
    app->group = pl_group_new(store_spec);
    return 0;
}

void pl_app_fini(struct pl_app *app)
{
    pl_group_free(app->group);
    pl_store_pool_close(app->pool);
    free(app->store_spec);
    memset(app, 0, sizeof(*app));
}

struct pl_store *pl_app_store(struct pl_app *app, struct pl_err *err)
{
    return pl_store_pool_thread(app->pool, err);
}
