/* fuzz_recorder_ci.c — the recorder's input path on arbitrary bytes: the streaming file
 * reader splits the input into CI texts; each is parsed, normalised from any AWS dialect,
 * hashed, encoded into the stored body, rendered back in the API and file forms, and diffed
 * against itself and against nothing. No store is involved, so it runs fast. Every error
 * message and every rendering (what the API and the delivered files would carry) is valid
 * UTF-8 (fuzz_check.h). */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "recorder/recorder.h"
#include "recorder/recorder_int.h"
#include "recorder/sources/file.h"

static void one(const char *text, size_t len)
{
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_err err = {0};
    struct pl_json *j = pl_json_parse(&a, text, len, &err);
    struct pl_ci ci;
    if (j && pl_ci_normalize(&a, j, &ci, &err) == 0) {
        char hash[65];
        struct pl_buf scratch, body;
        struct pl_rec_enc enc;
        pl_buf_init(&scratch, PL_BUF_NOLIMIT);
        pl_buf_init(&body, PL_BUF_NOLIMIT);
        pl_rec__hash(&ci, &scratch, &enc, hash);
        pl_rec__body(&ci, "123456789012", "us-east-1", &scratch, &enc, &body);
        struct pl_ci_row row = {
            .seq = 1, .account = "123456789012", .region = "us-east-1",
            .resource_type = ci.resource_type, .resource_id = ci.resource_id,
            .resource_name = ci.resource_name, .status = ci.deleted ? PL_CI_DELETED : PL_CI_OK,
            .capture_ms = 1700000000000, .state_id = 1700000000000,
            .body = pl_buf_cstr(&body), .body_len = body.len,
        };
        fuzz_json_text(&a, pl_ci_render_api(&a, &row, &err));
        fuzz_json_text(&a, pl_ci_render_base(&a, &row, &err));
        fuzz_json_text(&a, pl_ci_render_file(&a, &row, &err));
        struct pl_ci back;
        if (pl_ci_from_row(&a, &row, &back, &err) == 0) {
            fuzz_json_text(&a, pl_ci_diff(&a, &back, &ci));
            fuzz_json_text(&a, pl_ci_diff(&a, NULL, &ci));
        }
        pl_buf_fini(&scratch);
        pl_buf_fini(&body);
    }
    fuzz_err(&err);
    pl_arena_fini(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_ci_reader *r;
    struct pl_err err = {0};
    if (pl_ci_reader_open_mem((const char *)data, size, &r, &err) < 0)
        return 0;
    const char *text;
    size_t len;
    for (int n = 0; n < 64 && pl_ci_reader_next(r, &text, &len, &err) == 1; n++)
        one(text, len);
    fuzz_err(&err);
    pl_ci_reader_close(r);
    return 0;
}
