/* hot.c — the hot configuration paths of a CI (store_int.h PL_STORE__HOT_PATHS) as the JSON
 * array resources.hot keeps (migration 15), made in C from a parsed CI: the recorder hands it
 * to pl_store_ci_append with the row, so the append parses nothing; a row without one gets it
 * here from its body. The text is what SQLite's json_extract(body, '$.p0', '$.p1', ...) gives:
 * each value as the body's own token (strings as JSON strings, numbers as written, true, false,
 * null, objects and arrays minified), null for a missing path, the first member of duplicated
 * keys (json_extract's choice), and a path through a non-object missing. */
#include <string.h>

#include "core/util.h"
#include "store/store.h"
#include "store/store_int.h"

#define PL_HOT__PATH(path, key) path,
static const char *const hot_paths[] = {PL_STORE__HOT_PATHS(PL_HOT__PATH)};
#define HOT_PREFIX "configuration."

/* The first member of o named key[0..n), or NULL (o not an object, or no such member). */
static const struct pl_json *first_member(const struct pl_json *o, const char *key, size_t n)
{
    if (!o || o->type != PL_JOBJ)
        return NULL;
    for (const struct pl_json *c = o->child; c; c = c->next)
        if (c->klen == n && memcmp(c->key, key, n) == 0)
            return c;
    return NULL;
}

/* The value at a dotted path under v, or NULL. */
static const struct pl_json *at_path(const struct pl_json *v, const char *dotted)
{
    for (;;) {
        const char *dot = strchr(dotted, '.');
        size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);
        v = first_member(v, dotted, n);
        if (!v || !dot)
            return v;
        dotted = dot + 1;
    }
}

int pl_store_hot(const struct pl_json *configuration, int flags, struct pl_buf *out)
{
    bool any = false;
    pl_buf_reset(out);
    pl_buf_putc(out, '[');
    for (size_t i = 0; i < PL_ARRAY_LEN(hot_paths); i++) {
        (void)PL_ALWAYS(strncmp(hot_paths[i], HOT_PREFIX, strlen(HOT_PREFIX)) == 0);
        const struct pl_json *v = at_path(configuration, hot_paths[i] + strlen(HOT_PREFIX));
        if (i > 0)
            pl_buf_putc(out, ',');
        if (v)
            pl_json_write(out, v, flags & ~PL_JSON_PRETTY);
        else
            pl_buf_puts(out, "null");
        any = any || v;
    }
    pl_buf_putc(out, ']');
    if (!any)
        pl_buf_reset(out);
    return any;
}

int pl_store__hot_of_body(const char *body, size_t len, struct pl_buf *out)
{
    struct pl_arena a;
    struct pl_err err = {0};
    pl_arena_init(&a);
    const struct pl_json *ci = pl_json_parse(&a, body, len, &err);
    int rc = pl_store_hot(first_member(ci, "configuration", strlen("configuration")),
                          PL_JSON_COMPACT, out);
    pl_arena_fini(&a);
    return rc;
}
