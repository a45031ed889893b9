/* fuzz_packs_resources.c — libFuzzer target: pl_pack_template_resources (`plumb eval`'s reading of
 * any CloudFormation template) on arbitrary text must either list resources, each with a Type and
 * a JSON object of Properties that can be written out, or fail with
 * ConformancePackTemplateValidationException and a valid UTF-8 message — never crash or hang.
 * Seeds: tests/fuzz/corpus/packs_resources/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_check.h"
#include "packs/packs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_arena a;
    struct pl_err err = {0};
    struct pl_pack_cfn_resource *res;
    size_t n;
    if (size > 1 << 20)
        return 0;
    pl_arena_init(&a);
    struct pl_pack_env env = {.account = "123456789012", .region = "us-east-1"};
    if (pl_pack_template_resources(&a, (const char *)data, size, &env, &res, &n, &err) == 0) {
        for (size_t i = 0; i < n; i++)
            if (!res[i].type || !res[i].logical_id ||
                !pl_json_dump(&a, res[i].props, PL_JSON_COMPACT))
                abort();
    } else {
        fuzz_err(&err);
        if (err.code != PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION && err.code != PL_E_INTERNAL)
            abort();
    }
    pl_arena_fini(&a);
    return 0;
}
