/* fuzz_delivery_msg.c — delivery's handling of external JSON: a CI in any dialect (outbox
 * payloads, imported CIs) converted to the file form and turned into every message shape, a
 * compliance payload, and the SNS envelope, all serialised. Nothing may crash or leak; every
 * message text, envelope, cut subject and error message is valid UTF-8 (fuzz_check.h). */
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "delivery/delivery_int.h"
#include "fuzz_check.h"

/* What m would send: its Message text, its subject as SNS takes it, its envelope. */
static void check_msg(struct pl_arena *a, const struct pl_dmsg *m, const char *topic)
{
    fuzz_str(pl_delivery__msg_text(a, m));
    if (m->subject)
        fuzz_str(pl_delivery__msg_subject_cut(a, m->subject));
    fuzz_json_text(a, pl_delivery__msg_envelope(a, m, topic, "id", 0));
}

/* A channel field check, as PutDeliveryChannel runs it: a refusal has a valid message. */
static void check_field(int (*fn)(const struct pl_json *, struct pl_err *), const struct pl_json *v)
{
    struct pl_err e = {0};
    if (fn(v, &e) < 0)
        fuzz_err(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_arena a;
    struct pl_err e = {0};
    struct pl_dmsg m;
    pl_arena_init(&a);
    struct pl_json *in = pl_json_parse(&a, (const char *)data, size, &e);
    if (in) {
        const struct pl_json *civ = pl_json_get(in, "configurationItem");
        struct pl_json *ci = pl_delivery__ci_file_form(&a, civ ? civ : in, &e);
        if (ci) {
            if (pl_delivery__msg_ci_change(&a, ci, pl_json_get(in, "configurationItemDiff"), 0,
                                           &m) == 0)
                check_msg(&a, &m, "arn:aws:sns:us-east-1:123456789012:t");
            if (pl_delivery__msg_oversized(&a, ci, "UPDATE", NULL, "NoSuchBucket", "x", 0, &m) == 0)
                check_msg(&a, &m, "t");
        }
        fuzz_err(&e);
        pl_err_clear(&e);
        if (pl_delivery__msg_compliance(&a, in, 0, &m) == 0)
            check_msg(&a, &m, "t");
        check_field(pl_delivery__check_topic_arn, pl_json_get(in, "snsTopicARN"));
        check_field(pl_delivery__check_prefix, pl_json_get(in, "s3KeyPrefix"));
        check_field(pl_delivery__check_kms_arn, pl_json_get(in, "s3KmsKeyArn"));
        pl_err_clear(&e);
        if (pl_delivery__check_bucket_name(pl_json_get_str(in, "s3BucketName"), &e) < 0)
            fuzz_err(&e);
    }
    fuzz_err(&e);
    pl_arena_fini(&a);
    return 0;
}
