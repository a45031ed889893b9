/* test_parse.c — the advanced-query parser without a server: every case of
 * tests/data/query/cases.json parses (or fails with its InvalidExpressionException message),
 * plus positions, field names, aggregates, limits and the CIDR marking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "query/query.h"
#include "query/query_int.h"
#include "t.h"

static struct pl_arena A;

static struct query *parse_ok(const char *src)
{
    struct query *q = NULL;
    struct pl_err err = {0};
    if (query_parse(src, strlen(src), &A, &q, &err) < 0)
        T_FAIL_("%s: %s", src, err.msg);
    return q;
}

static const char *parse_err(const char *src)
{
    static struct pl_err err;
    struct query *q;
    memset(&err, 0, sizeof err);
    if (query_parse(src, strlen(src), &A, &q, &err) == 0)
        return "(parsed)";
    if (err.code != PL_E_INVALID_EXPRESSION)
        return "(another error code)";
    return err.msg;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(*len + 1);
    *len = fread(buf, 1, *len, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

static void test_data_cases(void)
{
    size_t len;
    struct pl_err err = {0};
    char *text = slurp(PL_SOURCE_DIR "/tests/data/query/cases.json", &len);
    T_REQUIRE(text);
    const struct pl_json *doc = pl_json_parse(&A, text, len, &err);
    T_REQUIRE(doc);
    int n = 0;
    for (const struct pl_json *c = pl_json_get(doc, "cases")->child; c; c = c->next, n++) {
        const char *src = pl_json_get_str(c, "query"), *msg = pl_json_get_str(c, "message");
        if (!pl_json_get(c, "error")) {
            parse_ok(src);
            continue;
        }
        const char *got = parse_err(src);
        if (!strstr(got, msg))
            T_FAIL_("%s:\n  got:  %s\n  want: ...%s...", src, got, msg);
        if (strncmp(got, "line ", 5) != 0)
            T_FAIL_("%s: no position in '%s'", src, got);
    }
    T_OK(n > 90);
    free(text);
}

static void test_fields_and_kinds(void)
{
    struct query *q = parse_ok("SELECT resourceId, configuration.a.b, COUNT(*), sum(configuration.size) "
                               "GROUP BY resourceId, configuration.a.b");
    T_REQUIRE(q);
    T_EQ(query_nfields(q), 4);
    T_STR(query_field(q, 1), "configuration.a.b");
    T_STR(query_field(q, 2), "COUNT(*)");
    T_STR(query_field(q, 3), "SUM(configuration.size)");
    T_OK(query_is_aggregate(q));
    q = parse_ok("SELECT *");
    T_EQ(query_nfields(q), 10);
    T_STR(query_field(q, 0), "accountId");
    T_STR(query_field(q, 9), "version");
    T_OK(!query_is_aggregate(q));
}

static void test_positions(void)
{
    T_STR(parse_err(""), "line 1:1: expected SELECT, found the end of the expression");
    T_STR(parse_err("SELECT resourceId\nWHERE\n  resourceId == 'x'"),
          "line 3:15: expected a value ('string' or number), found '='");
    char big[QUERY_MAX_EXPR + 2];
    memset(big, ' ', sizeof big - 1);
    memcpy(big, "SELECT *", 8);
    big[sizeof big - 1] = 0;
    T_OK(strstr(parse_err(big), "longer than 4096"));
    big[QUERY_MAX_EXPR] = 0; /* exactly the limit */
    parse_ok(big);
}

static void test_like_and_cidr(void)
{
    struct query *q = parse_ok("SELECT resourceId WHERE resourceId LIKE 'a*?[%_'");
    T_REQUIRE(q && q->where);
    T_EQ(q->where->op, PL_SEL_PREFIX);
    T_STR(q->where->v[0].text, "a[*][?][[]*?");
    q = parse_ok("SELECT resourceId WHERE configuration.cidrBlock = '10.0.0.1'");
    T_OK(q->where->cidr);
    q = parse_ok("SELECT resourceId WHERE configuration.cidrBlock BETWEEN '10.0.0.1' AND '10.0.0.9'");
    T_OK(q->where->cidr);
    q = parse_ok("SELECT resourceId WHERE configuration.cidrBlock = 'vpc-1'");
    T_OK(!q->where->cidr);
    q = parse_ok("SELECT resourceId WHERE configuration.vpcId = '10.0.0.1'");
    T_OK(!q->where->cidr);
    /* AWS's exact-block example: NOT ... < and NOT ... > on IP ranges */
    q = parse_ok("SELECT resourceId WHERE configuration.cidrBlock < '10.0.0.1'");
    T_OK(q->where->cidr);
    q = parse_ok("SELECT resourceId WHERE configuration.cidrBlock IN ('10.0.0.1')");
    T_OK(!q->where->cidr);
    q = parse_ok("SELECT resourceId WHERE configuration.ipv6CidrBlockAssociationSet.ipv6CidrBlock"
                 " = '2600:1f18::1'");
    T_OK(q->where->cidr);
    q = parse_ok("SELECT resourceId WHERE configuration.ipPermissions.ipv6Ranges.cidrIpv6 BETWEEN"
                 " '::ffff:10.0.0.1' AND 'fe80::/10'");
    T_OK(q->where->cidr);
    q = parse_ok("SELECT resourceId WHERE configuration.ipv6Address = 'fe80:1'");
    T_OK(!q->where->cidr); /* one colon: not an address */
    q = parse_ok("SELECT resourceId WHERE configuration.ipv6Address = 'g::1'");
    T_OK(!q->where->cidr);
}

static void test_depth(void)
{
    char buf[1024];
    int d = QUERY_MAX_DEPTH;
    snprintf(buf, sizeof buf, "SELECT resourceId WHERE %.*s resourceId = 'x' %.*s", d,
             "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((", d,
             "))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))");
    parse_ok(buf);
    char nots[600] = "SELECT resourceId WHERE ";
    for (int i = 0; i <= d; i++)
        strcat(nots, "NOT ");
    strcat(nots, "resourceId = 'x'");
    T_OK(strstr(parse_err(nots), "nests too deeply"));
}

int main(void)
{
    pl_arena_init(&A);
    T_RUN(test_data_cases);
    T_RUN(test_fields_and_kinds);
    T_RUN(test_positions);
    T_RUN(test_like_and_cidr);
    T_RUN(test_depth);
    pl_arena_fini(&A);
    return T_EXIT();
}
