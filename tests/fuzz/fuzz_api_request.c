/* fuzz_api_request.c — request bodies against the AWS model: the first byte picks an operation,
 * the rest is the body. Parsing and validation must never crash or hang, whatever the input. */
#include "api/model.h"
#include "core/json.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct pl_op_model *op = &pl_model_ops[data[0] % pl_model_nops];
    struct pl_arena a;
    struct pl_err err = {0};
    pl_arena_init(&a);
    struct pl_json *j = pl_json_parse(&a, (const char *)data + 1, size - 1, &err);
    if (j)
        pl_model_validate(op, j, &err);
    pl_arena_fini(&a);
    return 0;
}
