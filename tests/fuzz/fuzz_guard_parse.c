/* fuzz_guard_parse.c — libFuzzer target: guard_parse on arbitrary text must either succeed or
 * fail with "line L:C: ..." and a valid UTF-8 message (fuzz_check.h) — never crash, leak or
 * hang (depth limits, bounded backtracking).
 * Seeds: tests/fuzz/corpus/guard_parse/ (rule files from the shared Guard corpus, minimised). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "guard/guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct guard_rules *r = NULL;
    struct pl_err err = {0};
    if (size > 1 << 16)
        return 0;
    if (guard_parse((const char *)data, size, "fuzz.guard", &r, &err) == 0) {
        guard_rules_free(r);
    } else {
        fuzz_err(&err);
        if (strncmp(err.msg, "line ", 5) != 0)
            __builtin_trap(); /* every parse error carries a position */
    }
    return 0;
}
