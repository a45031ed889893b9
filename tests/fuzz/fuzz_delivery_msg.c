/* fuzz_delivery_msg.c — delivery's handling of external JSON: a CI in any dialect (outbox
 * payloads, imported CIs) converted to the file form and turned into every message shape, a
 * compliance payload, and the SNS envelope, all serialised. Nothing may crash or leak. */
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "delivery/delivery_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pl_arena a;
    struct pl_err e = {0};
    struct pl_dmsg m;
    pl_arena_init(&a);
    struct pl_json *in = pl_json_parse(&a, (const char *)data, size, &e);
    if (in) {
        struct pl_json *ci = pl_dci_file_form(&a, pl_json_get(in, "configurationItem")
                                                      ? pl_json_get(in, "configurationItem")
                                                      : in,
                                              &e);
        if (ci) {
            pl_dmsg_ci_change(&a, ci, pl_json_get(in, "configurationItemDiff"), 0, &m);
            pl_dmsg_text(&a, &m);
            pl_dmsg_envelope(&a, &m, "arn:aws:sns:us-east-1:123456789012:t", "id", 0);
            pl_dmsg_oversized(&a, ci, "UPDATE", NULL, "NoSuchBucket", "x", 0, &m);
            pl_dmsg_text(&a, &m);
        }
        pl_dmsg_compliance(&a, in, 0, &m);
        pl_json_dump(&a, pl_dmsg_envelope(&a, &m, "t", NULL, 0), PL_JSON_COMPACT);
        pl_dcheck_topic_arn(pl_json_get(in, "snsTopicARN"), &e);
        pl_dcheck_prefix(pl_json_get(in, "s3KeyPrefix"), &e);
        pl_dcheck_kms_arn(pl_json_get(in, "s3KmsKeyArn"), &e);
        pl_dcheck_bucket_name(pl_json_get_str(in, "s3BucketName"), &e);
    }
    pl_arena_fini(&a);
    return 0;
}
