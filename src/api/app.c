/* app.c — per-thread store connections for the API layer. See app.h. */
#include "api/app.h"
#include "core/util.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static void close_store(void *p)
{
    pl_store_close(p);
}

int pl_app_init(struct pl_app *app, const char *store_spec, struct pl_err *err)
{
    memset(app, 0, sizeof(*app));
    app->store_spec = pl_xstrdup(store_spec);
    if (pthread_key_create(&app->store_key, close_store) != 0) {
        free(app->store_spec);
        return pl_fail(err, PL_E_INTERNAL, "cannot create thread key");
    }
    return 0;
}

void pl_app_fini(struct pl_app *app)
{
    struct pl_store *s = pthread_getspecific(app->store_key);
    pl_store_close(s);
    pthread_setspecific(app->store_key, NULL);
    pthread_key_delete(app->store_key);
    free(app->store_spec);
    app->store_spec = NULL;
}

struct pl_store *pl_app_store(struct pl_app *app, struct pl_err *err)
{
    struct pl_store *s = pthread_getspecific(app->store_key);
    if (s)
        return s;
    if (pl_store_open(app->store_spec, 0, &s, err) < 0)
        return NULL;
    pthread_setspecific(app->store_key, s);
    return s;
}
