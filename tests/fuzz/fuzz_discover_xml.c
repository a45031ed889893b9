/* fuzz_discover_xml.c — discovery's XML→JSON conversion (sources/aws/aws.h) on arbitrary bytes:
 * libxml2 parses without network or entity expansion, the tree is converted with its depth
 * bounded, then typed and listed as the collectors do. Whatever comes out is a JSON value whose
 * text parses back, with valid UTF-8 everywhere; every error is valid UTF-8 (fuzz_check.h). */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "recorder/sources/aws/aws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const numeric[] = {"code", "fromPort", "toPort", NULL};
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_err err = {0};
    const char *root = NULL;
    struct pl_json *j = pl_aws_xml_to_json(&a, (const char *)data, size, &root, &err);
    if (!j) {
        fuzz_err(&err);
    } else {
        fuzz_str(root);
        pl_aws_typed(j, numeric);
        fuzz_json_text(&a, j);
        const char *text = pl_json_dump(&a, j, PL_JSON_COMPACT);
        struct pl_err e2 = {0};
        if (!pl_json_parse(&a, text, strlen(text), &e2))
            abort();
        struct pl_json *l = pl_aws_list(&a, j);
        if (!l || l->type != PL_JARR)
            abort();
        fuzz_json_text(&a, l);
    }
    pl_arena_fini(&a);
    return 0;
}
