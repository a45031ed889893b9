/* fuzz_rules_cfn.c — libFuzzer target: any JSON a StartResourceEvaluation request may carry as
 * ResourceConfiguration, mapped to a CI for each resource type with a special mapping and one
 * generic (pl_rules_cfn_ci, both shapes), must give a JSON object with a configuration object —
 * never crash or recurse without a bound. Seeds: tests/fuzz/corpus/rules_cfn/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_check.h"
#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"AWS::S3::Bucket", "AWS::EC2::Instance",
                                        "AWS::RDS::DBInstance"};
    struct pl_arena a;
    struct pl_err err = {0};
    if (size > 51200)
        return 0;
    pl_arena_init(&a);
    struct pl_json *props = pl_json_parse(&a, (const char *)data, size, &err);
    for (size_t i = 0; props && i < sizeof types / sizeof types[0]; i++)
        for (int mapped = 0; mapped < 2; mapped++) {
            struct pl_json *ci =
                pl_rules_cfn_ci(&a, "123456789012", "us-east-1", types[i], "r", props, mapped);
            if (!pl_json_is(pl_json_get(ci, "configuration"), PL_JOBJ) ||
                !pl_json_dump(&a, ci, PL_JSON_COMPACT))
                abort();
        }
    pl_arena_fini(&a);
    return 0;
}
