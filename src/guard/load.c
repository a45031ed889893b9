/* load.c — documents for Guard: a data file is JSON when its text is JSON, else YAML (as
 * cfn-guard's `validate` reads data); a test spec is YAML (JSON is YAML too).
 *
 * Text that is not UTF-8 is refused, and so is a data file with nothing but white space, as
 * cfn-guard 3.1.1 refuses them. This is the one place that picks a reader, so the readers stay independent: value.c (values
 * and the JSON reader) knows nothing of YAML, and yaml.c builds values through value.c's
 * constructors only.
 */
#include <string.h>

#include "guard/guard_int.h"

/* See guard_int.h. A data file that is not JSON is read as YAML, and the YAML error is the one
 * reported (the JSON one is dropped, as cfn-guard shows only one). */
int guard__load(struct pl_arena *a, const char *text, size_t len, int mode,
                struct guard_val ***docs, size_t *ndocs, struct pl_err *err)
{
    size_t valid = pl_utf8_valid_prefix(text, len);
    if (valid < len)
        return pl_fail(err, PL_E_VALIDATION, "stream did not contain valid UTF-8 (byte %zu)",
                       valid);
    if (mode == GUARD_LOAD_DATA) {
        size_t ws = 0;
        while (ws < len && strchr(" \t\r\n", text[ws]) && text[ws])
            ws++;
        if (ws == len) /* as cfn-guard: no template at all is an error, not an empty one */
            return pl_fail(err, PL_E_VALIDATION, "Unable to parse a template: data is empty");
        struct pl_err jerr = {0};
        struct guard_val *v;
        if (guard__json_parse(a, text, len, &v, &jerr) == 0) {
            *docs = pl_arena_alloc(a, sizeof(**docs));
            (*docs)[0] = v;
            *ndocs = 1;
            return 0;
        }
    }
    return guard__yaml_parse(a, text, len, mode, docs, ndocs, err);
}
