/* fuzz_query_parse.c — libFuzzer target: query_parse on arbitrary text must succeed or fail
 * with InvalidExpressionException "line L:C: ..." in valid UTF-8 (fuzz_check.h); a query that
 * parses must then run (compile to SQL, execute, render) on a store of three CIs without an
 * internal error, every row a JSON object: the SQL the store builds from any plan is valid and
 * every literal is bound. Never crash, leak or recurse without bound (QUERY_MAX_DEPTH).
 * Seeds: tests/fuzz/corpus/query_parse/ (AWS's documented queries and the error cases). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "query/query.h"
#include "store/store.h"

static struct pl_store *s;
static char dir[] = "/tmp/plumb-fuzz-query-XXXXXX";

static void cleanup(void)
{
    static const char *const files[] = {"plumb.db", "plumb.db-wal", "plumb.db-shm"};
    pl_store_close(s);
    for (size_t i = 0; i < 3; i++) {
        char path[sizeof dir + 16];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* Three CIs in the recorder's internal body form (recorder.h): arrays of objects and of
 * scalars, nested arrays, tags, relationships, a CIDR, a third-party type. */
static const char *const bodies[][3] = {
    {"AWS::EC2::SecurityGroup", "sg-1",
     "{\"accountId\":\"123456789012\",\"arn\":\"arn:aws:ec2:us-east-1:123456789012:sg/sg-1\","
     "\"availabilityZone\":null,\"awsRegion\":\"us-east-1\",\"configuration\":{\"cidrBlock\":"
     "\"10.0.0.0/16\",\"ipPermissions\":[{\"fromPort\":22,\"ipRanges\":[\"0.0.0.0/0\"],"
     "\"userIdGroupPairs\":[{\"groupId\":\"sg-2\"}]},{\"fromPort\":443,\"ipRanges\":[]}],"
     "\"size\":8,\"state\":{\"value\":\"available\"},\"encrypted\":true},\"relationships\":"
     "[{\"name\":\"Is contained in Vpc\",\"resourceId\":\"vpc-1\",\"resourceName\":null,"
     "\"resourceType\":\"AWS::EC2::VPC\"}],\"resourceCreationTime\":1700000000.5,"
     "\"resourceId\":\"sg-1\",\"resourceName\":\"web\",\"resourceType\":"
     "\"AWS::EC2::SecurityGroup\",\"supplementaryConfiguration\":{\"a\":{\"b\":[1,2]}},"
     "\"tags\":{\"env\":\"prod\",\"Name\":\"web\"}}"},
    {"AWS::EC2::Volume", "vol-1",
     "{\"accountId\":\"123456789012\",\"awsRegion\":\"us-east-1\",\"configuration\":{\"size\":"
     "100.5,\"state\":\"in-use\",\"attachments\":[[{\"x\":1}]]},\"relationships\":[],"
     "\"resourceCreationTime\":null,\"resourceId\":\"vol-1\",\"resourceType\":"
     "\"AWS::EC2::Volume\",\"supplementaryConfiguration\":{},\"tags\":{}}"},
    {"MyCorp::App::Thing", "t-1",
     "{\"accountId\":\"123456789012\",\"awsRegion\":\"us-east-1\",\"configuration\":{\"port\":"
     "8080},\"relationships\":[],\"resourceId\":\"t-1\",\"resourceType\":\"MyCorp::App::Thing\","
     "\"supplementaryConfiguration\":{},\"tags\":{\"k\":\"\"}}"},
};

static void seed(void)
{
    struct pl_err err = {0};
    if (pl_store_begin(s, &err) < 0)
        abort();
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct pl_ci_row r = {
            .account = "123456789012", .region = "us-east-1", .resource_type = bodies[i][0],
            .resource_id = bodies[i][1], .status = "OK", .capture_ms = 1700000000000 + (int)i,
            .state_id = 1700000000000 + (int)i, .body = bodies[i][2],
            .body_len = strlen(bodies[i][2]),
        };
        snprintf(r.hash, sizeof r.hash, "%064zu", i);
        if (pl_store_ci_append(s, &r, &err) < 0)
            abort();
    }
    if (pl_store_commit(s, &err) < 0)
        abort();
}

/* A store with the three CIs above, in a temporary directory removed at exit. */
static struct pl_store *store(void)
{
    if (!s) {
        struct pl_err err = {0};
        if (!mkdtemp(dir) || pl_store_open(dir, 0, &s, &err) < 0)
            abort();
        atexit(cleanup);
        seed();
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_arena a;
    struct query *q;
    struct pl_err err = {0};
    if (size > 8192)
        return 0;
    pl_arena_init(&a);
    if (query_parse((const char *)data, size, &a, &q, &err) == 0) {
        const char **rows;
        size_t n;
        bool more;
        for (size_t i = 0; i < query_nfields(q); i++)
            fuzz_str(query_field(q, i));
        if (query_run(store(), q, "123456789012", "us-east-1", 0, 25, &a, &rows, &n, &more,
                      &err) < 0) {
            fuzz_err(&err);
            if (err.code == PL_E_INTERNAL || err.code == PL_E_IO)
                __builtin_trap(); /* the plan made SQL SQLite refused */
        }
        for (size_t i = 0; err.code == PL_E_NONE && i < n; i++) {
            struct pl_err perr = {0};
            const struct pl_json *j = pl_json_parse(&a, rows[i], strlen(rows[i]), &perr);
            if (!j || j->type != PL_JOBJ)
                __builtin_trap(); /* a row is a JSON object */
        }
    } else {
        fuzz_err(&err);
        if (err.code != PL_E_INVALID_EXPRESSION || strncmp(err.msg, "line ", 5) != 0)
            __builtin_trap(); /* every parse error is positioned */
    }
    pl_arena_fini(&a);
    return 0;
}
