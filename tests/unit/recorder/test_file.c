/* test_file.c — sources/file: JSON Lines, arrays, ConfigSnapshot/ConfigHistory objects,
 * gzip, syntax errors with line numbers, and the real delivered-file examples. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "t.h"
#include "core/json.h"
#include "recorder/sources/file.h"

static struct pl_arena A;

/* Reads every CI text of data and joins them with '|'. */
static const char *all_mem(const char *data)
{
    struct pl_ci_reader *r;
    struct pl_err err = {0};
    pl_ci_reader_open_mem(data, strlen(data), &r, &err);
    struct pl_buf b;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    const char *t;
    size_t n;
    int rc;
    while ((rc = pl_ci_reader_next(r, &t, &n, &err)) == 1) {
        if (b.len)
            pl_buf_putc(&b, '|');
        pl_buf_append(&b, t, n);
    }
    if (rc < 0) {
        pl_buf_puts(&b, "ERR ");
        pl_buf_puts(&b, err.msg);
    }
    pl_ci_reader_close(r);
    char *out = pl_arena_strdup(&A, pl_buf_cstr(&b));
    pl_buf_fini(&b);
    return out;
}

static void test_shapes(void)
{
    T_STR(all_mem("{\"a\":1}\n{\"b\":\"x}\"}\n\n{\"c\":[1,{\"d\":2}]}\n"),
          "{\"a\":1}|{\"b\":\"x}\"}|{\"c\":[1,{\"d\":2}]}");
    T_STR(all_mem("[ {\"a\":1}, {\"b\":[2]} ]"), "{\"a\":1}|{\"b\":[2]}");
    T_STR(all_mem("[]"), "");
    T_STR(all_mem(""), "");
    T_STR(all_mem("{\"fileVersion\":\"1.0\",\"configSnapshotId\":\"x\",\"configurationItems\":"
                  "[{\"a\":\"\\\"]\"},{\"b\":2}],\"after\":{\"z\":[1]}}\n{\"c\":3}"),
          "{\"a\":\"\\\"]\"}|{\"b\":2}|{\"c\":3}");
    /* configurationItems that is not an array: the object is one document */
    T_STR(all_mem("{\"configurationItems\":5,\"x\":1}"), "{\"configurationItems\":5,\"x\":1}");
    T_STR(all_mem("{\"a\":1}\n{\"b\":"), "{\"a\":1}ERR <memory>:2: unexpected end of input");
    T_STR(all_mem("[{\"a\":1}"), "{\"a\":1}ERR <memory>:1: unexpected end of input inside an array");
    T_STR(all_mem("{\"a\" 1}"), "ERR <memory>:1: expected ':'");
}

static void test_gzip_file(void)
{
    char path[] = "/tmp/pl_test_file_XXXXXX";
    int fd = mkstemp(path);
    T_REQUIRE(fd >= 0);
    close(fd);
    gzFile gz = gzopen(path, "wb");
    gzputs(gz, "{\"fileVersion\":\"1.0\",\"configurationItems\":[");
    for (int i = 0; i < 20000; i++)
        gzprintf(gz, "%s{\"resourceType\":\"AWS::S3::Bucket\",\"resourceId\":\"b-%d\"}",
                 i ? "," : "", i);
    gzputs(gz, "]}");
    gzclose(gz);
    struct pl_ci_reader *r;
    struct pl_err err = {0};
    T_EQ(pl_ci_reader_open(path, &r, &err), 0);
    const char *t;
    size_t n;
    int count = 0;
    while (pl_ci_reader_next(r, &t, &n, &err) == 1) {
        struct pl_json *j = pl_json_parse(&A, t, n, &err);
        if (!j || !pl_json_get(j, "resourceId"))
            T_FAIL_("bad CI %d: %s", count, t);
        count++;
    }
    T_EQ(count, 20000);
    T_OK(pl_ci_reader_offset(r) > pl_ci_reader_raw_offset(r));
    pl_ci_reader_close(r);
    unlink(path);
    T_EQ(pl_ci_reader_open("/nonexistent/x.json", &r, &err), -1);
    T_EQ(err.code, PL_E_IO);
}

static void test_real_files(void)
{
    /* a recorded GetResourceConfigHistory response: one document (the CLI expands data.*) */
    struct pl_ci_reader *r;
    struct pl_err err = {0};
    char *p = pl_arena_printf(&A, "%s/data/config-items/cloud-custodian/config-rule-invoking-"
                                  "events/rds-cluster.json", PL_SHARED_DIR);
    T_EQ(pl_ci_reader_open(p, &r, &err), 0);
    const char *t;
    size_t n;
    int count = 0;
    while (pl_ci_reader_next(r, &t, &n, &err) == 1) {
        struct pl_json *j = pl_json_parse(&A, t, n, &err);
        T_OK(j && pl_json_get(j, "resourceType"));
        count++;
    }
    T_OK(count >= 1);
    pl_ci_reader_close(r);
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_shapes);
    T_RUN(test_gzip_file);
    T_RUN(test_real_files);
    pl_arena_fini(&A);
    return T_EXIT();
}
