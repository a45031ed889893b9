/* test_diff.c — configurationItemDiff shapes, checked against AWS's real notifications in
 * ../shared/data/config-items: for each, the previous CI is rebuilt from the current one and
 * the diff AWS sent, and plumb's diff of (previous, current) must be the same. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "core/util.h"
#include "recorder/recorder.h"

static struct pl_arena A;

static struct pl_json *load(const char *rel)
{
    char *path = pl_arena_printf(&A, "%s/data/config-items/%s", PL_SHARED_DIR, rel);
    size_t len;
    char *text = pl_read_file(path, 64 << 20, &len);
    if (!text) {
        fprintf(stderr, "cannot read %s\n", path);
        abort();
    }
    struct pl_err err = {0};
    struct pl_json *j = pl_json_parse(&A, text, len, &err);
    free(text);
    if (!j) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        abort();
    }
    return j;
}

static struct pl_json *J(const char *text)
{
    struct pl_err err = {0};
    return pl_json_parse(&A, text, strlen(text), &err);
}

static void replace(struct pl_json *obj, const char *key, struct pl_json *v)
{
    pl_json_del(obj, key);
    pl_json_set(&A, obj, key, v);
}

static struct pl_json *arr1(struct pl_json *v)
{
    struct pl_json *a = pl_json_new_arr(&A);
    pl_json_push(a, pl_json_clone(&A, v));
    return a;
}

static struct pl_json *diff_of(struct pl_json *prev_doc, struct pl_json *cur_doc)
{
    struct pl_ci prev, cur;
    struct pl_err err = {0};
    if (pl_ci_normalize(&A, prev_doc, &prev, &err) < 0 ||
        pl_ci_normalize(&A, cur_doc, &cur, &err) < 0) {
        fprintf(stderr, "normalize: %s\n", err.msg);
        abort();
    }
    return pl_ci_diff(&A, &prev, &cur);
}

/* Same paths with the same change types. */
static bool same_paths(const struct pl_json *got, const struct pl_json *want)
{
    const struct pl_json *g = pl_json_get(got, "changedProperties");
    const struct pl_json *w = pl_json_get(want, "changedProperties");
    if (!g || !w || g->len != w->len)
        return false;
    for (const struct pl_json *c = w->child; c; c = c->next) {
        const struct pl_json *x = pl_json_get(g, c->key);
        if (!x || strcmp(pl_json_get_str(x, "changeType"), pl_json_get_str(c, "changeType")))
            return false;
    }
    return strcmp(pl_json_get_str(got, "changeType"), pl_json_get_str(want, "changeType")) == 0;
}

/* An instance whose network interface, security group and relationship change
 * (example-sns-notification_2.json): the diff must equal AWS's, values included. */
static void test_sns2_instance(void)
{
    struct pl_json *doc = load("aws-config-developer-guide/example-sns-notification_2.json");
    struct pl_json *msg = pl_json_get(doc, "Message");
    struct pl_json *cur = pl_json_get(msg, "configurationItem");
    struct pl_json *want = pl_json_get(msg, "configurationItemDiff");
    struct pl_json *props = pl_json_get(want, "changedProperties");
    struct pl_json *prev = pl_json_clone(&A, cur);
    struct pl_json *conf = pl_json_get(prev, "configuration");
    replace(conf, "networkInterfaces",
            arr1(pl_json_get(pl_json_get(props, "Configuration.NetworkInterfaces.0"),
                             "previousValue")));
    replace(conf, "securityGroups",
            arr1(pl_json_get(pl_json_get(props, "Configuration.SecurityGroups.0"),
                             "previousValue")));
    /* the old relationship sat where the new one is */
    struct pl_json *newrel = pl_json_get(pl_json_get(props, "Relationships.1"), "updatedValue");
    struct pl_json *oldrel = pl_json_get(pl_json_get(props, "Relationships.0"), "previousValue");
    struct pl_json *rels = pl_json_new_arr(&A);
    for (struct pl_json *r = pl_json_get(prev, "relationships")->child; r; r = r->next)
        pl_json_push(rels, pl_json_clone(&A, pl_json_equal(r, newrel) ? oldrel : r));
    replace(prev, "relationships", rels);

    struct pl_json *got = diff_of(prev, cur);
    T_OK(same_paths(got, want));
    T_OK(pl_json_equal(got, want));
    if (!pl_json_equal(got, want))
        fprintf(stderr, "got:  %s\nwant: %s\n", pl_json_dump(&A, got, PL_JSON_CANON),
                pl_json_dump(&A, want, PL_JSON_CANON));
}

/* A volume attached to an instance (example-sns-notification_1.json, CI version 1.0):
 * Configuration.State UPDATE and Configuration.Attachments.0 CREATE. */
static void test_sns1_volume(void)
{
    struct pl_json *doc = load("aws-config-developer-guide/example-sns-notification_1.json");
    struct pl_json *msg = pl_json_get(doc, "Message");
    struct pl_json *cur = pl_json_get(msg, "configurationItem")->child;
    struct pl_json *want = pl_json_get(msg, "configurationItemDiff");
    struct pl_json *prev = pl_json_clone(&A, cur);
    struct pl_json *conf = pl_json_get(prev, "configuration");
    replace(conf, "state", pl_json_new_str(&A, "available"));
    replace(conf, "attachments", pl_json_new_arr(&A));
    struct pl_json *got = diff_of(prev, cur);
    T_OK(same_paths(got, want));
    struct pl_json *st = pl_json_get(pl_json_get(got, "changedProperties"), "Configuration.State");
    T_STR(pl_json_get_str(st, "previousValue"), "available");
    T_STR(pl_json_get_str(st, "updatedValue"), "in-use");
}

/* Tags added to a load balancer's supplementary configuration, from a rule's invoking event
 * (cloud-custodian app-elb-config-event.json): SupplementaryConfiguration.Tags.0/.1 CREATE. */
static void test_elb_supplementary(void)
{
    struct pl_json *ev = load("cloud-custodian/config-rule-invoking-events/app-elb-config-event.json");
    struct pl_json *ie = pl_json_get(ev, "invokingEvent");
    if (ie->type == PL_JSTR)
        ie = J(ie->str);
    struct pl_json *cur = pl_json_get(ie, "configurationItem");
    struct pl_json *want = pl_json_get(ie, "configurationItemDiff");
    struct pl_json *prev = pl_json_clone(&A, cur);
    replace(pl_json_get(prev, "supplementaryConfiguration"), "Tags", pl_json_new_arr(&A));
    struct pl_json *got = diff_of(prev, cur);
    T_OK(same_paths(got, want));
    T_OK(pl_json_equal(got, want));
}

/* First sighting: CREATE with no properties (example-sns-notification_3.json). */
static void test_create(void)
{
    struct pl_json *doc = load("aws-config-developer-guide/example-sns-notification_3.json");
    struct pl_json *msg = pl_json_get(doc, "Message");
    struct pl_ci cur;
    struct pl_err err = {0};
    T_EQ(pl_ci_normalize(&A, pl_json_get(msg, "configurationItem"), &cur, &err), 0);
    struct pl_json *got = pl_ci_diff(&A, NULL, &cur);
    T_OK(pl_json_equal(got, pl_json_get(msg, "configurationItemDiff")));
}

static const char *diff_text(const char *a, const char *b)
{
    return pl_json_dump(&A, diff_of(J(a), J(b)), PL_JSON_COMPACT);
}

static void test_shapes(void)
{
#define CI(conf) "{\"resourceType\":\"T::T::T\",\"resourceId\":\"r\",\"configuration\":" conf "}"
    /* nested member created and deleted, PascalCase segments */
    T_STR(diff_text(CI("{\"a\":{\"b\":1}}"), CI("{\"a\":{\"c\":2}}")),
          "{\"changedProperties\":{\"Configuration.A.B\":{\"previousValue\":1,\"updatedValue\":"
          "null,\"changeType\":\"DELETE\"},\"Configuration.A.C\":{\"previousValue\":null,"
          "\"updatedValue\":2,\"changeType\":\"CREATE\"}},\"changeType\":\"UPDATE\"}");
    /* scalar arrays as multisets: order alone is no change */
    T_STR(diff_text(CI("{\"l\":[1,2,3]}"), CI("{\"l\":[3,2,1]}")),
          "{\"changedProperties\":{},\"changeType\":\"UPDATE\"}");
    T_STR(diff_text(CI("{\"l\":[1,2,3]}"), CI("{\"l\":[1,4,3]}")),
          "{\"changedProperties\":{\"Configuration.L.0\":{\"previousValue\":2,\"updatedValue\":"
          "null,\"changeType\":\"DELETE\"},\"Configuration.L.1\":{\"previousValue\":null,"
          "\"updatedValue\":4,\"changeType\":\"CREATE\"}},\"changeType\":\"UPDATE\"}");
    /* type change is an UPDATE of the whole value; numbers compare by value */
    T_STR(diff_text(CI("{\"x\":1.0,\"y\":\"s\"}"), CI("{\"x\":1,\"y\":[1]}")),
          "{\"changedProperties\":{\"Configuration.Y\":{\"previousValue\":\"s\",\"updatedValue\":"
          "[1],\"changeType\":\"UPDATE\"}},\"changeType\":\"UPDATE\"}");
    /* tags */
    T_STR(diff_text("{\"resourceType\":\"T\",\"resourceId\":\"r\",\"tags\":{\"a\":\"1\"}}",
                    "{\"resourceType\":\"T\",\"resourceId\":\"r\",\"tags\":{\"a\":\"2\"}}"),
          "{\"changedProperties\":{\"Tags.A\":{\"previousValue\":\"1\",\"updatedValue\":\"2\","
          "\"changeType\":\"UPDATE\"}},\"changeType\":\"UPDATE\"}");
#undef CI
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_sns2_instance);
    T_RUN(test_sns1_volume);
    T_RUN(test_elb_supplementary);
    T_RUN(test_create);
    T_RUN(test_shapes);
    pl_arena_fini(&A);
    return T_EXIT();
}
