/* test_files.c — snapshot and history files on the local-directory target: AWS's key layout,
 * gzip JSON shapes, one history file per type, atomic placement, unsafe keys refused. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "t.h"

#include "core/util.h"
#include "delivery/delivery_int.h"
#include "fake_source.h"

static char root[256];
static struct pl_arena A;

/* Gunzips path and parses it. */
static struct pl_json *read_gz_json(const char *path)
{
    gzFile g = gzopen(path, "rb");
    if (!g)
        return NULL;
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    char chunk[65536];
    int n;
    while ((n = gzread(g, chunk, sizeof chunk)) > 0)
        pl_buf_append(&b, chunk, (size_t)n);
    gzclose(g);
    struct pl_err e = {0};
    struct pl_json *j = pl_json_parse(&A, b.data, b.len, &e);
    pl_buf_fini(&b);
    return j;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_snapshot(void)
{
    struct pl_err err = {0};
    struct pl_dtarget *t = pl_delivery__target_local(root, &err);
    T_REQUIRE(t);
    struct fake_src f = {.n = 1000, .ntypes = 3, .pad = 64, .acct = "123456789012",
                         .region = "us-east-1"};
    struct pl_dsource src;
    struct pl_dresult res;
    fake_source_init(&src, &f);
    T_EQ(t->ops->bucket_check(t, "my-config-bucket-123456789012", &err), 0);
    T_EQ(pl_delivery__deliver_snapshot(t, &src, "my-config-bucket-123456789012", "pfx", f.acct,
                                       f.region, "11111111-2222-4333-8444-555555555555",
                                       1700000000000LL, &res, &err),
         0);
    T_EQ(res.items, 1000);
    T_STR(res.key, "pfx/AWSLogs/123456789012/Config/us-east-1/2023/11/14/ConfigSnapshot/"
                   "123456789012_Config_us-east-1_ConfigSnapshot_20231114T221320Z_"
                   "11111111-2222-4333-8444-555555555555.json.gz");
    char *path = pl_arena_printf(&A, "%s/my-config-bucket-123456789012/%s", root, res.key);
    struct pl_json *j = read_gz_json(path);
    T_REQUIRE(j);
    const struct pl_json *k = j->child;
    T_STR(k->key, "fileVersion");
    T_STR(k->next->key, "configSnapshotId");
    T_STR(k->next->next->key, "configurationItems");
    T_STR(pl_json_get_str(j, "fileVersion"), "1.0");
    T_STR(pl_json_get_str(j, "configSnapshotId"), "11111111-2222-4333-8444-555555555555");
    struct pl_json *items = pl_json_get(j, "configurationItems");
    T_EQ(items->len, 1000);
    T_STR(pl_json_get_str(pl_json_at(items, 999), "resourceId"), "r-999");
    T_STR(pl_json_get_str(items->child, "awsAccountId"), "123456789012");
    T_EQ(count_entries(t->staging), 0); /* no temporary file left behind */
    pl_delivery__target_free(t);
}

static void test_history(void)
{
    struct pl_err err = {0};
    struct pl_dtarget *t = pl_delivery__target_local(root, &err);
    struct fake_src f = {.n = 10, .ntypes = 3, .acct = "123456789012", .region = "eu-west-1"};
    struct pl_dsource src;
    struct pl_dresult res;
    int64_t last = 0;
    fake_source_init(&src, &f);
    T_EQ(pl_delivery__deliver_history(t, &src, "hist-bucket", NULL, f.acct, f.region, 4, &last,
                                      1700000000000LL, NULL, NULL, &res, &err),
         0);
    T_EQ(last, 10);
    T_EQ(res.files, 3); /* CIs 4..9: types T1, T2, T0 */
    T_EQ(res.items, 6);
    char *dir = pl_arena_printf(&A, "%s/hist-bucket/AWSLogs/123456789012/Config/eu-west-1/2023/11/"
                                    "14/ConfigHistory",
                                root);
    T_EQ(count_entries(dir), 3);
    /* T1 had CIs 4 and 7: captured at +4 s and +7 s */
    char *p = pl_arena_printf(&A, "%s/123456789012_Config_eu-west-1_ConfigHistory_AWS::Fake::T1_"
                                  "20231114T221324Z_20231114T221327Z_1.json.gz",
                              dir);
    struct pl_json *j = read_gz_json(p);
    T_REQUIRE(j);
    T_STR(j->child->key, "fileVersion");
    T_STR(j->child->next->key, "configurationItems");
    T_EQ(pl_json_get(j, "configurationItems")->len, 2);
    /* nothing new: no file */
    T_EQ(pl_delivery__deliver_history(t, &src, "hist-bucket", NULL, f.acct, f.region, 10, &last,
                                      1700000000000LL, NULL, NULL, &res, &err),
         0);
    T_EQ(res.files, 0);
    pl_delivery__target_free(t);
}

static void test_target_rules(void)
{
    struct pl_err err = {0};
    struct pl_dtarget *t = pl_delivery__target_local(root, &err);
    T_EQ(pl_delivery__target_writability(t, "wbucket", "a/b", "123456789012", &err), 0);
    struct stat st;
    char *p = pl_arena_printf(&A, "%s/wbucket/a/b/AWSLogs/123456789012/Config/"
                                  "ConfigWritabilityCheckFile",
                              root);
    T_EQ(stat(p, &st), 0);
    T_EQ(st.st_size, 0);
    char *tmp = NULL;
    T_EQ(pl_delivery__gz_write_file(t->staging, "x", 1, &tmp, &err), 0);
    struct pl_err e2 = {0};
    T_EQ(t->ops->put_file(t, "wbucket", "a/../../escape", tmp, NULL, NULL, &e2), -1);
    free(tmp);
    struct pl_err e3 = {0};
    T_EQ(t->ops->bucket_check(t, "Bad_Bucket", &e3), -1);
    T_EQ(e3.code, PL_E_NO_SUCH_BUCKET);
    T_EQ(count_entries(t->staging), 0);
    pl_delivery__target_free(t);
}

int main(void)
{
    pl_arena_init(&A);
    snprintf(root, sizeof root, "/tmp/pl-delivery-files-XXXXXX");
    T_OK(mkdtemp(root) != NULL);
    T_RUN(test_snapshot);
    T_RUN(test_history);
    T_RUN(test_target_rules);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    T_OK(system(cmd) == 0);
    pl_arena_fini(&A);
    return T_EXIT();
}
