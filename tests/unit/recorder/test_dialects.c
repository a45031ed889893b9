/* test_dialects.c — every real CI in ../shared/data/config-items parses, records and renders:
 *   - aws-config-rdk/example_ci: API-ish form, configuration as an object;
 *   - cloud-custodian/config-rule-invoking-events: rule events (invokingEvent JSON string,
 *     file-form CI inside);
 *   - aws-config-developer-guide notifications: SNS envelopes around file-form CIs;
 *   - cloud-custodian/placebo-config-api GetResourceConfigHistory: recorded API responses
 *     (configuration as a string, boto3 datetimes).
 * Round trip: a recorded CI rendered in the API form and in the file form normalises back to
 * the same recorded-fields hash. Hot paths: the array the recorder makes in C for
 * resources.hot (pl_store_hot) is SQLite's json_extract of the stored body byte for byte, for
 * these CIs and the query tests' estate (tests/data/query/estate.json), and each stored
 * resource's hot gives advanced query the values and JSON types of its latest body. */
#include <dirent.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "recorder/sources/file.h"
#include "store/store_int.h" /* PL_STORE__HOT_PATHS: what resources.hot holds */

static struct pl_arena A;
static struct pl_store *S;
static int n_cis, n_hot;
static sqlite3 *MEM; /* json_extract of the bodies, as migration 15 computed hot */

#define HOT_PATH(path, key) path,
static const char *const hot_paths[] = {PL_STORE__HOT_PATHS(HOT_PATH)};

/* pl_store_hot of ci's configuration equals json_extract(body, '$.p0', ...) of its stored row
 * (all nulls when it found none of the paths). */
static void check_hot(const char *where, const struct pl_ci *ci, const struct pl_ci_row *row)
{
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    int any = pl_store_hot(ci->configuration, PL_JSON_CANON, &b);
    sqlite3_stmt *st;
    T_REQUIRE(sqlite3_prepare_v2(MEM, "SELECT " PL_STORE__HOT_OF("?1"), -1, &st, NULL) ==
              SQLITE_OK);
    sqlite3_bind_text(st, 1, row->body, (int)row->body_len, SQLITE_STATIC);
    T_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const char *want = (const char *)sqlite3_column_text(st, 0);
    if (!any) {
        pl_buf_putc(&b, '[');
        for (size_t i = 0; i < PL_ARRAY_LEN(hot_paths); i++)
            pl_buf_puts(&b, i ? ",null" : "null");
        pl_buf_putc(&b, ']');
    }
    if (!want || strcmp(want, pl_buf_cstr(&b)) != 0)
        T_FAIL_("%s: hot %s, json_extract %s", where, pl_buf_cstr(&b), want ? want : "NULL");
    n_hot += any;
    sqlite3_finalize(st);
    pl_buf_fini(&b);
}

/* Every resource of the store in dir: json_extract(hot, '$[i]') has the value and JSON type
 * of json_extract(body, '$.<path i>') of its latest CI (select.c's reads). */
static char *dir_; /* the store's data directory */

static void test_stored_hot(void)
{
    const char *dir = dir_;
    struct pl_buf q;
    pl_buf_init(&q, PL_BUF_NOLIMIT);
    pl_buf_puts(&q, "SELECT count(*), sum(0");
    for (size_t i = 0; i < PL_ARRAY_LEN(hot_paths); i++)
        pl_buf_printf(&q,
                      " + (json_extract(r.hot, '$[%zu]') IS NOT json_extract(c.body, '$.%s'))"
                      " + (coalesce(json_type(r.hot, '$[%zu]'), 'null') IS NOT"
                      " coalesce(json_type(c.body, '$.%s'), 'null'))",
                      i, hot_paths[i], i, hot_paths[i]);
    pl_buf_puts(&q, ") FROM resources r JOIN config_items c ON c.seq = r.latest_seq");
    sqlite3 *db;
    T_REQUIRE(sqlite3_open(pl_arena_printf(&A, "%s/plumb.db", dir), &db) == SQLITE_OK);
    sqlite3_stmt *st;
    T_REQUIRE(sqlite3_prepare_v2(db, pl_buf_cstr(&q), -1, &st, NULL) == SQLITE_OK);
    T_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    printf("  stored resources: %d, hot values differing from the body: %d (CIs with hot: %d)\n",
           sqlite3_column_int(st, 0), sqlite3_column_int(st, 1), n_hot);
    T_OK(sqlite3_column_int(st, 0) > 100);
    T_EQ(sqlite3_column_int(st, 1), 0);
    T_OK(n_hot > 20);
    sqlite3_finalize(st);
    sqlite3_close(db);
    pl_buf_fini(&q);
}

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
    check_hot(where, &ci, &row);
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

/* Every CI of one file as `plumb record` reads it (sources/file.c): those that normalise are
 * recorded and their hot paths checked (an unchanged CI against its stored version: the same
 * canonical configuration). */
static int hot_file(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    struct pl_ci_reader *r;
    struct pl_err err = {0};
    size_t l = strlen(path);
    if (flag != FTW_F || l < 5 || strcmp(path + l - 5, ".json") != 0 ||
        pl_ci_reader_open(path, &r, &err) < 0)
        return 0;
    const char *text;
    size_t len;
    while (pl_ci_reader_next(r, &text, &len, &err) == 1) {
        struct pl_json *j = pl_json_parse(&A, text, len, &err);
        struct pl_ci ci;
        struct pl_rec_opts o = {.mode = PL_REC_MODE_ALL};
        struct pl_rec_result res;
        struct pl_ci_row row;
        if (!j || pl_ci_normalize(&A, j, &ci, &err) < 0 ||
            pl_recorder_observe_ci(S, &o, &ci, &res, &err) < 0 ||
            (res.outcome != PL_REC_RECORDED && res.outcome != PL_REC_UNCHANGED))
            continue; /* not a CI, or not its latest version: nothing stored to compare */
        T_EQ(pl_store_ci_get(S, res.seq, &A, &row, &err), 1);
        check_hot(path, &ci, &row);
        n_cis++;
    }
    pl_ci_reader_close(r);
    return 0;
}

static void test_all_files(void)
{
    int before = n_cis;
    T_EQ(nftw(pl_arena_printf(&A, "%s/data/config-items", PL_SHARED_DIR), hot_file, 16, 0), 0);
    printf("  CIs of all the files (through the file reader): %d\n", n_cis - before);
    T_OK(n_cis - before >= 90);
}

/* The CIs the query tests record after their files (those are the shared files above). */
static void test_query_estate(void)
{
    struct pl_json *j =
        load_path(pl_arena_printf(&A, "%s/tests/data/query/estate.json", PL_SOURCE_DIR));
    T_REQUIRE(j != NULL);
    int before = n_cis;
    check_doc("estate.json", pl_json_get(j, "cis"));
    T_EQ(n_cis - before, 4);
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
    if (!mkdtemp(d) || pl_store_open(d, 0, &S, &err) < 0 ||
        sqlite3_open(":memory:", &MEM) != SQLITE_OK)
        return 1;
    T_RUN(test_rdk_examples);
    T_RUN(test_invoking_events);
    T_RUN(test_notifications);
    T_RUN(test_placebo_history);
    T_RUN(test_query_estate);
    T_RUN(test_all_files);
    T_RUN(test_rejects);
    pl_store_close(S);
    dir_ = d;
    T_RUN(test_stored_hot);
    sqlite3_close(MEM);
    pl_arena_fini(&A);
    return T_EXIT();
}
