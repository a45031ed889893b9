/* fuzz_guard_eval.c — libFuzzer target: parse rules and evaluate them against a document.
 *
 * Input: rules text, then optionally a NUL byte followed by a JSON or YAML data document; without
 * the NUL the rules run against a fixed CloudFormation-like template. Parsing, loading and
 * evaluation may fail but must never crash, leak or hang; every error message is valid UTF-8,
 * and when rules and data are (as they are when they come through the API), so is every string
 * of a report and the annotation guard_eval_ci() gives the rules engine (fuzz_check.h). A JSON
 * document is also evaluated as a configuration item with guard_eval_ci().
 * Seeds: tests/fuzz/corpus/guard_eval/ (shared-corpus rules with test inputs, minimised). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "fuzz_check.h"
#include "guard/guard.h"

static const char fixed[] =
    "{\"Resources\": {\"b\": {\"Type\": \"AWS::S3::Bucket\", \"Properties\": {\"BucketName\": "
    "\"x\", \"Tags\": [{\"Key\": \"env\", \"Value\": \"prod\"}], \"VersioningConfiguration\": "
    "{\"Status\": \"Enabled\"}}}, \"q\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {}}, "
    "\"s\": {\"Type\": \"AWS::EC2::SecurityGroup\", \"Properties\": {\"SecurityGroupIngress\": "
    "[{\"CidrIp\": \"0.0.0.0/0\", \"FromPort\": 22, \"ToPort\": 22}]}}}, \"Parameters\": "
    "{\"P\": {\"Type\": \"String\", \"NoEcho\": true}}}";

static void check_report(const struct guard_report *rep)
{
    for (size_t i = 0; i < rep->n; i++) {
        const struct guard_rule_result *rr = &rep->rules[i];
        fuzz_str(rr->name);
        for (size_t k = 0; k < rr->nfail; k++) {
            const struct guard_failure *f = &rr->fails[k];
            const char *const s[] = {f->clause, f->message, f->detail, f->path,     f->resource,
                                     f->type,   f->missing, f->value,  f->compared, f->op};
            for (size_t j = 0; j < sizeof(s) / sizeof(s[0]); j++)
                fuzz_str(s[j]);
        }
    }
}

/* The rules engine's path: the document as a configuration item. */
static void eval_ci(const struct guard_rules *r, const char *text, size_t len, bool utf8)
{
    struct pl_arena a;
    struct pl_err err = {0};
    struct guard_verdict v;
    pl_arena_init(&a);
    struct pl_json *ci = pl_json_parse(&a, text, len, &err);
    if (ci) {
        if (guard_eval_ci(r, ci, &v, &err) == 0) {
            if (utf8)
                fuzz_str(v.annotation);
        } else {
            fuzz_err(&err);
        }
    }
    pl_arena_fini(&a);
}

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
    const char *dtext = nul ? (const char *)nul + 1 : fixed;
    size_t dlen = nul ? size - rlen - 1 : sizeof(fixed) - 1;
    bool utf8 =
        pl_utf8_valid_prefix(text, rlen) == rlen && pl_utf8_valid_prefix(dtext, dlen) == dlen;
    if (guard_parse(text, rlen, "fuzz.guard", &r, &err) < 0) {
        fuzz_err(&err);
        return 0;
    }
    d = guard_doc_load(dtext, dlen, 0, &err);
    fuzz_err(&err);
    if (d) {
        for (size_t i = 0; i < guard_doc_count(d) && i < 4; i++) {
            memset(&err, 0, sizeof(err));
            if (guard_eval(r, d, i, &rep, &err) == 0) {
                if (utf8)
                    check_report(&rep);
                guard_report_fini(&rep);
            } else {
                fuzz_err(&err);
            }
        }
        guard_doc_free(d);
    }
    eval_ci(r, dtext, dlen, utf8);
    guard_rules_free(r);
    return 0;
}
