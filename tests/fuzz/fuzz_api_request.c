/* fuzz_api_request.c — request bodies through the API layer as `plumb serve` runs them: the
 * first byte picks an operation (k = byte % (model ops + PlumbService ops): one of the AWS Config
 * model, served or not, then the PlumbService ones; the caller is an administrator when
 * byte / that count is odd), the rest is the body. pl_api_call() runs it against a store in a
 * temporary data directory (kept for the whole run, so operations meet each other's objects;
 * removed at exit), without the rules engine or delivery, with the clock frozen.
 *
 * Asserted (fuzz_check.h), on the body exactly as the server sends it: a success is a JSON
 * object ("{}" when the handler wrote nothing), an error is AWS JSON 1.1's {"__type",
 * "message"}, both valid UTF-8; nothing crashes, leaks or hangs. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/api.h"
#include "api/api_int.h"
#include "api/app.h"
#include "api/model.h"
#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "fuzz_check.h"

extern const struct pl_op_entry pl_ops_functions[]; /* api/ops_functions.c */
extern const struct pl_op_entry pl_ops_cost[];      /* api/ops_cost.c */
extern const struct pl_op_entry pl_ops_actions[];   /* api/ops_remediation.c */

static struct pl_app app;
static char dir[64];
static const char *plumb_ops[24];
static int nplumb;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(path);
}

static void cleanup(void)
{
    pl_app_fini(&app);
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
    struct pl_err err = {0};
    const struct pl_op_entry *const tables[] = {pl_ops_plumb, pl_ops_functions, pl_ops_cost,
                                                pl_ops_actions};
    pl_clock_set(1795755469000LL); /* 2026-11-27T04:57:49Z */
    pl_log_set_level("error");
    snprintf(dir, sizeof(dir), "%s/plumb-fuzz-api-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir) || pl_app_init(&app, dir, &err) < 0)
        abort();
    for (size_t t = 0; t < PL_ARRAY_LEN(tables); t++)
        for (const struct pl_op_entry *e = tables[t]; e->name; e++)
            if (nplumb < (int)PL_ARRAY_LEN(plumb_ops))
                plumb_ops[nplumb++] = e->name;
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!app.store_spec)
        setup();
    if (size < 1)
        return 0;
    int nall = pl_model_nops + nplumb, k = data[0] % nall;
    struct pl_arena a;
    struct pl_err err = {0};
    struct pl_buf out;
    pl_arena_init(&a);
    pl_buf_init(&out, PL_BUF_NOLIMIT);
    struct pl_api_req req = {
        .app = &app,
        .part = {"123456789012", "us-east-1"},
        .access_key = "AKIDFUZZ",
        .admin = (data[0] / nall) & 1,
        .target_prefix = k < pl_model_nops ? "StarlingDoveService" : "PlumbService",
        .op = k < pl_model_nops ? pl_model_ops[k].name : plumb_ops[k - pl_model_nops],
        .body = (const char *)data + 1,
        .body_len = size - 1,
        .request_id = "fuzz",
        .arena = &a,
    };
    if (pl_api_call(&req, &out, &err) == 0) {
        if (out.len == 0)
            pl_buf_puts(&out, "{}");
        fuzz_json_object(&a, out.data, out.len);
    } else {
        fuzz_err(&err);
        pl_buf_reset(&out);
        pl_json_write_error(&out, &err);
        fuzz_aws_error(&a, out.data, out.len);
    }
    pl_buf_fini(&out);
    pl_arena_fini(&a);
    return 0;
}
