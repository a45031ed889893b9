/* test_dialects.c — every real CI in ../shared/data/config-items parses, records and renders:
 *   - aws-config-rdk/example_ci: API-ish form, configuration as an object;
 *   - cloud-custodian/config-rule-invoking-events: rule events (invokingEvent JSON string,
 *     file-form CI inside);
 *   - aws-config-developer-guide notifications: SNS envelopes around file-form CIs;
 *   - cloud-custodian/placebo-config-api GetResourceConfigHistory: recorded API responses
 *     (configuration as a string, boto3 datetimes).
 * Round trip: a recorded CI rendered in the API form and in the file form normalises back to
 * the same recorded-fields hash. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "core/util.h"
#include "recorder/recorder.h"

static struct pl_arena A;
static struct pl_store *S;
static int n_cis;

static struct pl_json *load_path(const char *path)
{
    size_t len;
    char *text = pl_read_file(path, 64 << 20, &len);
    if (!text)
        return NULL;
    struct pl_err err = {0};
    struct pl_json *j = pl_json_parse(&A, text, len, &err);
    free(text);
    return j;
}

/* Normalises, records (mode ALL) and checks the render round trips for one CI document. */
static void check_ci(const char *where, const struct pl_json *doc)
{
    struct pl_err err = {0};
    struct pl_ci ci;
    if (pl_ci_normalize(&A, doc, &ci, &err) < 0) {
        T_FAIL_("%s: %s", where, err.msg);
        return;
    }
    T_OK(ci.resource_type && ci.resource_id);
    char h[65];
    pl_ci_hash(&ci, h);
    struct pl_rec_opts o = {.mode = PL_REC_MODE_ALL, .use_source_time = false};
    struct pl_rec_result r;
    if (pl_recorder_observe_ci(S, &o, &ci, &r, &err) < 0) {
        T_FAIL_("%s: record: %s", where, err.msg);
        return;
    }
    struct pl_ci_row row;
    T_EQ(pl_store_ci_get(S, r.seq, &A, &row, &err), 1);
    struct pl_json *forms[2] = {pl_ci_render_api(&A, &row, &err),
                                pl_ci_render_file(&A, &row, &err)};
    for (int i = 0; i < 2; i++) {
        struct pl_ci back;
        char h2[65];
        /* through text, as a client would see it */
        char *text = pl_json_dump(&A, forms[i], 0);
        struct pl_json *re = pl_json_parse(&A, text, strlen(text), &err);
        if (!re || pl_ci_normalize(&A, re, &back, &err) < 0) {
            T_FAIL_("%s: form %d: %s", where, i, err.msg);
            continue;
        }
        pl_ci_hash(&back, h2);
        if (strcmp(h, h2) != 0) {
            T_FAIL_("%s: form %d does not round-trip", where, i);
            if (getenv("PL_TEST_VERBOSE"))
                fprintf(stderr, "in:   %s\n      %s\nback: %s\n      %s\n",
                        pl_json_dump(&A, ci.supplementary, PL_JSON_CANON),
                        pl_json_dump(&A, ci.configuration, PL_JSON_CANON),
                        pl_json_dump(&A, back.supplementary, PL_JSON_CANON),
                        pl_json_dump(&A, back.configuration, PL_JSON_CANON));
        }
    }
    n_cis++;
}

/* Calls fn for every *.json file of a folder under the shared data. */
static void each_file(const char *rel, void (*fn)(const char *path))
{
    char *dir = pl_arena_printf(&A, "%s/data/config-items/%s", PL_SHARED_DIR, rel);
    DIR *d = opendir(dir);
    if (!d) {
        T_FAIL_("cannot open %s", dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0)
            fn(pl_arena_printf(&A, "%s/%s", dir, e->d_name));
    }
    closedir(d);
}

/* Hand-made files in the shared data that are not valid CIs, and why. */
static const char *const known_bad[] = {
    "AWS_SSM_ManagedInstanceInventory_Linux.json", /* not JSON (comments / trailing commas) */
    "AWS_EC2_NetworkInterface.json",               /* not JSON */
    "AWS_CLOUDFRONT_DISTRIBUTION.json",            /* accountId has 11 digits */
    "AWS_ACM_Certificate.json",                    /* accountId has 13 digits */
};

static bool is_known_bad(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < PL_ARRAY_LEN(known_bad); i++)
        if (strcmp(base, known_bad[i]) == 0)
            return true;
    return false;
}

/* A file holds one CI, an array of CIs, {"configurationItems": [...]}, or an event. */
static void check_doc(const char *path, struct pl_json *j)
{
    if (j->type == PL_JARR) {
        for (struct pl_json *c = j->child; c; c = c->next)
            check_doc(path, c);
        return;
    }
    struct pl_json *items = pl_json_get(j, "configurationItems");
    if (items && items->type == PL_JARR) {
        check_doc(path, items);
        return;
    }
    check_ci(path, j);
}

static void rdk_file(const char *path)
{
    if (is_known_bad(path))
        return;
    struct pl_json *j = load_path(path);
    if (!j) {
        T_FAIL_("%s: not JSON", path);
        return;
    }
    check_doc(path, j);
}

static void test_rdk_examples(void)
{
    int before = n_cis;
    each_file("aws-config-rdk/example_ci", rdk_file);
    T_OK(n_cis - before >= 75);
    printf("  rdk example CIs: %d\n", n_cis - before);
}

static void event_file(const char *path)
{
    struct pl_json *j = load_path(path);
    if (!j) {
        T_FAIL_("%s: not JSON", path);
        return;
    }
    /* rule events carrying a CI (the recorder unwraps them), plain CIs, CI lists; skip the
     * events without a CI (scheduled notifications, CloudWatch events) */
    struct pl_json *ie = pl_json_get(j, "invokingEvent");
    if (ie && ie->type == PL_JSTR) {
        struct pl_err err = {0};
        ie = pl_json_parse(&A, ie->str, ie->len, &err);
    }
    if (ie && !pl_json_is(pl_json_get(ie, "configurationItem"), PL_JOBJ))
        return;
    if (!ie && !pl_json_get(j, "resourceType") && !pl_json_get(j, "configurationItems"))
        return;
    check_doc(path, j);
}

static void test_invoking_events(void)
{
    int before = n_cis;
    each_file("cloud-custodian/config-rule-invoking-events", event_file);
    T_OK(n_cis - before >= 15);
    printf("  invoking-event CIs: %d\n", n_cis - before);
}

static void test_notifications(void)
{
    int before = n_cis;
    for (int i = 1; i <= 3; i++) {
        char *p = pl_arena_printf(
            &A, "%s/data/config-items/aws-config-developer-guide/example-sns-notification_%d.json",
            PL_SHARED_DIR, i);
        struct pl_json *j = load_path(p);
        T_REQUIRE(j != NULL);
        check_ci(p, j);
    }
    T_EQ(n_cis - before, 3);
    /* the normalised notification form keeps the file-form fields */
    struct pl_json *j = load_path(pl_arena_printf(
        &A, "%s/data/config-items/aws-config-developer-guide/example-sns-notification_2.json",
        PL_SHARED_DIR));
    struct pl_ci ci;
    struct pl_err err = {0};
    T_EQ(pl_ci_normalize(&A, j, &ci, &err), 0);
    T_STR(ci.account, "123456789012");
    T_STR(ci.resource_type, "AWS::EC2::Instance");
    T_OK(ci.arn != NULL);
    T_EQ(ci.relationships->len, 5);
    T_STR(pl_json_get_str(ci.relationships->child, "name"), "Contains NetworkInterface");
}

static void placebo_file(const char *path)
{
    if (!strstr(path, "GetResourceConfigHistory"))
        return;
    struct pl_json *j = load_path(path);
    struct pl_json *items = pl_json_path(j, "data.configurationItems");
    if (!items)
        return;
    for (struct pl_json *c = items->child; c; c = c->next) {
        check_ci(path, c);
        /* configuration arrived as a string and is stored as an object */
        struct pl_ci ci;
        struct pl_err err = {0};
        struct pl_json *conf = pl_json_get(c, "configuration");
        if (pl_ci_normalize(&A, c, &ci, &err) == 0 && conf && conf->type == PL_JSTR &&
            strcmp(conf->str, "null") != 0)
            if (ci.configuration->type != PL_JOBJ)
                T_FAIL_("%s: configuration %.60s", path, conf->str);
        T_OK(ci.capture_ms > 1400000000000);
    }
}

static void test_placebo_history(void)
{
    DIR *d = opendir(pl_arena_printf(&A, "%s/data/config-items/cloud-custodian/placebo-config-api",
                                     PL_SHARED_DIR));
    T_REQUIRE(d != NULL);
    int before = n_cis;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        each_file(pl_arena_printf(&A, "cloud-custodian/placebo-config-api/%s", e->d_name),
                  placebo_file);
    }
    closedir(d);
    T_OK(n_cis - before >= 5);
    printf("  placebo history CIs: %d\n", n_cis - before);
}

static void test_rejects(void)
{
    const char *bad[] = {
        "[]", "{}", "{\"resourceType\":\"T\"}", "{\"resourceType\":1,\"resourceId\":\"x\"}",
        "{\"resourceType\":\"T\",\"resourceId\":\"x\",\"configuration\":\"{bad\"}",
        "{\"resourceType\":\"T\",\"resourceId\":\"x\",\"accountId\":\"12\"}",
        "{\"resourceType\":\"T\",\"resourceId\":\"x\",\"relationships\":{}}",
        "{\"resourceType\":\"T\",\"resourceId\":\"x\",\"configurationItemCaptureTime\":\"soon\"}",
        "{\"resourceType\":\"T\",\"resourceId\":\"x\",\"tags\":{\"a\":1}}",
    };
    for (size_t i = 0; i < PL_ARRAY_LEN(bad); i++) {
        struct pl_err err = {0};
        struct pl_json *j = pl_json_parse(&A, bad[i], strlen(bad[i]), &err);
        struct pl_ci ci;
        if (pl_ci_normalize(&A, j, &ci, &err) != -1)
            T_FAIL_("accepted: %s", bad[i]);
        T_EQ(err.code, PL_E_VALIDATION);
    }
}

int main(void)
{
    pl_arena_init(&A);
    char *d = pl_arena_strdup(&A, "/tmp/pl_test_dialects_XXXXXX");
    struct pl_err err = {0};
    if (!mkdtemp(d) || pl_store_open(d, 0, &S, &err) < 0)
        return 1;
    T_RUN(test_rdk_examples);
    T_RUN(test_invoking_events);
    T_RUN(test_notifications);
    T_RUN(test_placebo_history);
    T_RUN(test_rejects);
    pl_store_close(S);
    pl_arena_fini(&A);
    return T_EXIT();
}
