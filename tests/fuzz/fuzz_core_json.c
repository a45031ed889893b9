/* fuzz_core_json.c — the JSON parser on arbitrary bytes: it must never crash, hang or leak,
 * whatever it accepts must write back to valid UTF-8 text that parses to an equal document
 * (so no request can make plumb send invalid UTF-8), and a refusal has a valid UTF-8 message
 * (fuzz_check.h). */
#include "core/json.h"
#include "fuzz_check.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_arena a;
    struct pl_err err = {0};
    pl_arena_init(&a);
    struct pl_json *j = pl_json_parse(&a, (const char *)data, size, &err);
    /* parsing in place gives the same document (or the same refusal) */
    char *copy = pl_arena_strndup(&a, (const char *)data, size);
    struct pl_err err2 = {0};
    struct pl_json *k2 = pl_json_parse_insitu(&a, copy, size, &err2);
    if (!j != !k2 || (j && !pl_json_equal(j, k2)))
        abort();
    fuzz_err(&err);
    fuzz_err(&err2);
    if (j) {
        struct pl_buf b;
        pl_buf_init(&b, PL_BUF_NOLIMIT);
        pl_json_write(&b, j, PL_JSON_CANON);
        fuzz_utf8(b.data, b.len);
        fuzz_json_text(&a, j);
        struct pl_json *k = pl_json_parse(&a, b.data, b.len, &err);
        if (!k || !pl_json_equal(j, k))
            abort();
        pl_buf_fini(&b);
    }
    pl_arena_fini(&a);
    return 0;
}
