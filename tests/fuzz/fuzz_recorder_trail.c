/* fuzz_recorder_trail.c — the CloudTrail reader on arbitrary bytes (sources/cloudtrail.h): the
 * streaming scanner splits the input (Records arrays, JSON lines, arrays, EventBridge
 * envelopes), each value is parsed, checked and its resources extracted, without a store. Every
 * event handed over has its required members, a body that parses back to a JSON object, at most
 * PL_TRAIL_MAX_LINKS links, and valid UTF-8 everywhere; every report and error is valid UTF-8
 * (fuzz_check.h). */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "recorder/sources/cloudtrail.h"

static int on_event(void *ctx, const struct pl_trail_event *ev, struct pl_err *err)
{
    (void)ctx;
    (void)err;
    if (!ev->event_id || !ev->event_name || !ev->event_source || !ev->account || !ev->region ||
        ev->nlinks > PL_TRAIL_MAX_LINKS)
        abort();
    fuzz_str(ev->event_id);
    fuzz_str(ev->user_arn);
    fuzz_str(ev->user_agent);
    for (size_t i = 0; i < ev->nlinks; i++) {
        fuzz_str(ev->links[i].resource_type);
        fuzz_str(ev->links[i].ref);
        if (!*ev->links[i].ref)
            abort();
    }
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_err e = {0};
    struct pl_json *j = pl_json_parse(&a, ev->body, ev->body_len, &e);
    if (!j || j->type != PL_JOBJ)
        abort();
    pl_arena_fini(&a);
    return 0;
}

static void on_problem(void *ctx, const char *where, const char *why)
{
    (void)ctx;
    fuzz_str(where);
    fuzz_str(why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_err err = {0};
    pl_trail_read_mem((const char *)data, size, on_event, NULL, on_problem, NULL, &err);
    fuzz_err(&err);
    return 0;
}
