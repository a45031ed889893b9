/* fuzz_packs_template.c — libFuzzer target: pl_pack_template_parse on arbitrary text must either
 * resolve a template or fail with ConformancePackTemplateValidationException and a valid UTF-8
 * message (fuzz_check.h) — never crash, leak or hang (the reader and the resolver both bound
 * their nesting; references are memoised). Rules it resolves are JSON objects with a name.
 * Seeds: tests/fuzz/corpus/packs_template/ (small sample packs and one per feature). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "packs/packs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct pl_pack_param params[] = {{"P", "x"}};
    const struct pl_pack_env env = {.account = "123456789012", .region = "us-east-1",
                                    .params = params, .nparams = size % 2};
    struct pl_arena a;
    struct pl_err err = {0};
    struct pl_pack_template t;
    if (size > PL_PACK_MAX_BODY)
        return 0;
    pl_arena_init(&a);
    if (pl_pack_template_parse(&a, (const char *)data, size, &env, &t, &err) == 0) {
        for (size_t i = 0; i < t.nrules; i++)
            if (!pl_json_is(t.rules[i].props, PL_JOBJ) ||
                !pl_json_get_str(t.rules[i].props, "ConfigRuleName"))
                abort();
    } else {
        fuzz_err(&err);
        if (err.code != PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION && err.code != PL_E_INTERNAL)
            abort();
    }
    pl_arena_fini(&a);
    return 0;
}
