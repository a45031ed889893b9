/* test_yaml.c — the YAML reader (src/guard/yaml.c): anchors and aliases as they are used, and the
 * bounds that keep hostile ones out (the alias budget, recursive aliases, nesting through
 * aliases), each refused with its message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"
#include "guard/guard_int.h"
#include "t.h"

/* Reads text as a test spec; the one document, or NULL with the error in err. */
static struct guard_val *spec(struct pl_arena *a, const char *text, struct pl_err *err)
{
    struct guard_val **docs;
    size_t n;
    pl_err_clear(err);
    if (guard__yaml_parse(a, text, strlen(text), GUARD_LOAD_SPEC, &docs, &n, err) < 0)
        return NULL;
    return docs[0];
}

/* Whether text is refused with a message containing want. */
static int refused(const char *text, const char *want)
{
    struct pl_arena a;
    struct pl_err err = {0};
    pl_arena_init(&a);
    struct guard_val *v = spec(&a, text, &err);
    int ok = !v && strstr(err.msg, want) != NULL;
    if (!ok)
        fprintf(stderr, "  text %.60s...: %s\n", text, v ? "accepted" : err.msg);
    pl_arena_fini(&a);
    return ok;
}

static void test_aliases_share_the_anchored_node(void)
{
    struct pl_arena a;
    struct pl_err err = {0};
    pl_arena_init(&a);
    struct guard_val *d = spec(&a,
                               "a: &x {k: 1}\n"
                               "b: *x\n"
                               "c: [*x, *x]\n"
                               "d: &s !Ref foo\n"
                               "e: *s\n"
                               "f: &n 1\n"
                               "g: &n 2\n"
                               "h: *n\n",
                               &err);
    T_REQUIRE(d);
    struct guard_val *b = guard__map_get(d, "b", 1), *c = guard__map_get(d, "c", 1);
    T_REQUIRE(b && b->t == GV_MAP && c && c->t == GV_LIST && c->n == 2);
    T_EQ(guard__map_get(b, "k", 1)->i, 1);
    T_OK(b->parent == d);
    T_OK(c->items[0]->parent == c && c->items[1]->idx == 1);
    struct pl_buf p;
    pl_buf_init(&p, 256);
    guard__val_path(&p, c->items[1]);
    T_STR(pl_buf_cstr(&p), "/c/1");
    pl_buf_fini(&p);
    struct guard_val *e = guard__map_get(d, "e", 1);
    T_REQUIRE(e && e->t == GV_MAP);
    T_STR(guard__map_get(e, "Ref", 3)->s, "foo");
    T_EQ(guard__map_get(d, "h", 1)->i, 2); /* the latest anchor of a name wins */
    pl_arena_fini(&a);
}

/* Many anchors and aliases (the index grows many times) resolve to the right nodes. */
static void test_many_anchors(void)
{
    enum { N = 20000 };
    struct pl_buf b;
    struct pl_arena a;
    struct pl_err err = {0};
    pl_buf_init(&b, 1 << 22);
    for (int i = 0; i < N; i++)
        pl_buf_printf(&b, "- &a%d %d\n", i, i);
    for (int i = N; i-- > 0;)
        pl_buf_printf(&b, "- *a%d\n", i);
    pl_arena_init(&a);
    struct guard_val *d = spec(&a, pl_buf_cstr(&b), &err);
    T_REQUIRE(d && d->n == 2 * N);
    for (int i = 0; i < N; i++)
        if (d->items[N + i]->i != N - 1 - i) {
            T_FAIL_("alias %d: %lld", i, (long long)d->items[N + i]->i);
            break;
        }
    pl_arena_fini(&a);
    pl_buf_fini(&b);
}

static void test_budget(void)
{
    T_EQ(guard__yaml_alias_budget(0), GUARD_YAML_ALIAS_MIN);
    T_EQ(guard__yaml_alias_budget(10000), 10000 * GUARD_YAML_ALIAS_PER_BYTE);
    T_EQ(guard__yaml_alias_budget((size_t)-1), GUARD_YAML_ALIAS_MAX);
}

/* An anchored list of 1,000 nodes aliased k times adds k * 1,000 nodes; a small document may
 * add GUARD_YAML_ALIAS_MIN (100 aliases), not one more. */
static void test_budget_edge(void)
{
    for (int k = 100; k <= 101; k++) {
        struct pl_buf b;
        struct pl_arena a;
        struct pl_err err = {0};
        pl_buf_init(&b, 1 << 16);
        pl_buf_printf(&b, "a: &a [0");
        for (int i = 1; i < 999; i++)
            pl_buf_printf(&b, ",0");
        pl_buf_printf(&b, "]\nb: [");
        for (int i = 0; i < k; i++)
            pl_buf_printf(&b, "%s*a", i ? "," : "");
        pl_buf_printf(&b, "]\n");
        T_REQUIRE(guard__yaml_alias_budget(b.len) == GUARD_YAML_ALIAS_MIN);
        pl_arena_init(&a);
        struct guard_val *d = spec(&a, pl_buf_cstr(&b), &err);
        if (k == 100)
            T_OK(d && guard__map_get(d, "b", 1)->n == 100);
        else
            T_OK(!d && strstr(err.msg, "aliases expand to more than 100000 nodes"));
        pl_arena_fini(&a);
        pl_buf_fini(&b);
    }
}

/* Billion laughs: nine levels of nine aliases, 9^9 strings from 400 bytes. */
static void test_alias_bomb(void)
{
    struct pl_buf b;
    pl_buf_init(&b, 4096);
    pl_buf_printf(&b, "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
    for (char c = 'b'; c <= 'i'; c++) {
        pl_buf_printf(&b, "%c: &%c [", c, c);
        for (int i = 0; i < 9; i++)
            pl_buf_printf(&b, "%s*%c", i ? "," : "", c - 1);
        pl_buf_printf(&b, "]\n");
    }
    T_OK(refused(pl_buf_cstr(&b), "aliases expand to more than 100000 nodes"));
    pl_buf_fini(&b);
}

static void test_recursive_alias(void)
{
    const char *const cases[] = {
        "&a [*a]",
        "&m {k: *m}",
        "x: &a {b: [1, {c: *a}]}",
        "- &a [&b [*a]]",
    };
    for (size_t i = 0; i < PL_ARRAY_LEN(cases); i++)
        T_OK(refused(cases[i], "refers to a node that contains it (recursive alias)"));
    /* an inner anchor of the same name is complete by the time it is used */
    struct pl_arena a;
    struct pl_err err = {0};
    pl_arena_init(&a);
    struct guard_val *d = spec(&a, "&a [&a 1, *a]", &err);
    T_OK(d && d->n == 2 && d->items[1]->i == 1);
    pl_arena_fini(&a);
}

static char *nested(int levels, const char *inner)
{
    struct pl_buf b;
    pl_buf_init(&b, 1 << 16);
    for (int i = 0; i < levels; i++)
        pl_buf_putc(&b, '[');
    pl_buf_printf(&b, "%s", inner);
    for (int i = 0; i < levels; i++)
        pl_buf_putc(&b, ']');
    return pl_buf_take(&b);
}

static void test_nesting(void)
{
    struct pl_arena a;
    struct pl_err err = {0};
    char *ok = nested(GUARD_MAX_DATA_DEPTH, ""), *deep = nested(GUARD_MAX_DATA_DEPTH + 1, "");
    pl_arena_init(&a);
    T_OK(spec(&a, ok, &err) != NULL);
    pl_arena_fini(&a);
    T_OK(refused(deep, "nesting deeper than 512"));
    /* two anchors of 300 levels, one inside the other through an alias: 600 */
    char *a1 = nested(300, "1"), *a2 = nested(299, "*a1");
    struct pl_buf b;
    pl_buf_init(&b, 1 << 16);
    pl_buf_printf(&b, "x: &a1 %s\ny: %s\n", a1, a2);
    T_OK(refused(pl_buf_cstr(&b), "nesting deeper than 512 through alias *a1"));
    pl_buf_fini(&b);
    free(a1);
    free(a2);
    free(ok);
    free(deep);
}

static void test_other_errors(void)
{
    T_OK(refused("a: *nope", "unknown alias *nope"));
    struct pl_arena a;
    struct pl_err err = {0};
    struct guard_val **docs;
    size_t n;
    const char *t = "a: &x 1\nb: *x\n";
    pl_arena_init(&a);
    T_EQ(guard__yaml_parse(&a, t, strlen(t), GUARD_LOAD_DATA, &docs, &n, &err), -1);
    T_OK(strstr(err.msg, "aliases are not supported in data files") != NULL);
    pl_arena_fini(&a);
}

int main(void)
{
    T_RUN(test_aliases_share_the_anchored_node);
    T_RUN(test_many_anchors);
    T_RUN(test_budget);
    T_RUN(test_budget_edge);
    T_RUN(test_alias_bomb);
    T_RUN(test_recursive_alias);
    T_RUN(test_nesting);
    T_RUN(test_other_errors);
    return T_EXIT();
}
