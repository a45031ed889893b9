/* fuzz_guard_eval.c — libFuzzer target: parse rules and evaluate them against a document.
 *
 * Input: rules text, then optionally a NUL byte followed by a JSON or YAML data document; without
 * the NUL the rules run against a fixed CloudFormation-like template. Parsing, loading and
 * evaluation may fail but must never crash, leak or hang.
 * Seeds: tests/fuzz/corpus/guard_eval/ (shared-corpus rules with test inputs, minimised). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "guard/guard.h"

static const char fixed[] =
    "{\"Resources\": {\"b\": {\"Type\": \"AWS::S3::Bucket\", \"Properties\": {\"BucketName\": "
    "\"x\", \"Tags\": [{\"Key\": \"env\", \"Value\": \"prod\"}], \"VersioningConfiguration\": "
    "{\"Status\": \"Enabled\"}}}, \"q\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {}}, "
    "\"s\": {\"Type\": \"AWS::EC2::SecurityGroup\", \"Properties\": {\"SecurityGroupIngress\": "
    "[{\"CidrIp\": \"0.0.0.0/0\", \"FromPort\": 22, \"ToPort\": 22}]}}}, \"Parameters\": "
    "{\"P\": {\"Type\": \"String\", \"NoEcho\": true}}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct guard_rules *r = NULL;
    struct guard_doc *d = NULL;
    struct guard_report rep;
    struct pl_err err = {0};
    if (size > 1 << 16)
        return 0;
    const char *text = (const char *)data;
    const uint8_t *nul = memchr(data, 0, size);
    size_t rlen = nul ? (size_t)(nul - data) : size;
    if (guard_parse(text, rlen, "fuzz.guard", &r, &err) < 0)
        return 0;
    if (nul)
        d = guard_doc_load((const char *)nul + 1, size - rlen - 1, 0, &err);
    else
        d = guard_doc_load(fixed, sizeof(fixed) - 1, 0, &err);
    if (d) {
        for (size_t i = 0; i < guard_doc_count(d) && i < 4; i++) {
            memset(&err, 0, sizeof(err));
            if (guard_eval(r, d, i, &rep, &err) == 0)
                guard_report_fini(&rep);
        }
        guard_doc_free(d);
    }
    guard_rules_free(r);
    return 0;
}
