/* ops_packs.c — the conformance pack operations: PutConformancePack, DescribeConformancePacks,
 * DescribeConformancePackStatus, DescribeConformancePackCompliance,
 * GetConformancePackComplianceDetails, GetConformancePackComplianceSummary,
 * ListConformancePackComplianceScores, DeleteConformancePack.
 *
 * The template is resolved by src/packs (pl_pack_template_parse); its rules are created through
 * the rules engine's PutConfigRule path (pl_rules_put_rule) acting for the conformance pack
 * service, so they carry CreatedBy = PACK_SERVICE and only the pack changes or deletes them
 * (ResourceInUseException otherwise). A rule is named "<ConfigRuleName>-conformance-pack-<x>",
 * x being the 9 characters after "conformance-pack-" in the pack's id. PutConformancePack checks
 * at once what AWS checks at once (a template that does not resolve is
 * ConformancePackTemplateValidationException; the limits; a pack in progress is
 * ResourceInUseException), stores the pack CREATE_IN_PROGRESS and leaves the deploy to the pack
 * worker through the outbox (below; DeleteConformancePack likewise, DELETE_IN_PROGRESS). A pack
 * is deployed in one store transaction: every rule or none; a rule the rules engine refuses
 * leaves the pack CREATE_FAILED with the reason (as AWS's CloudFormation stack would). The
 * organization packs (ops_org_rules.c) deploy into members synchronously (pl_ops__pack_put).
 *
 * Packs are objects of kind PL_KIND_PACK (name = pack name): the ConformancePackDetail members, the
 * status members, "Rules" [{ConfigRuleName, TemplateName, SourceIdentifier, Implemented}] and
 * "Remediations" [{LogicalId, Properties}]; each one is also a real remediation configuration of
 * the pack's rule (remediation/remediation.h), CreatedByService = PACK_SERVICE, replaced when the
 * pack is deployed again and deleted with the pack.
 * A pack another service deployed (an organization pack in a member: "CreatedBy"
 * config-multiaccountsetup.amazonaws.com) changes and goes only through that service
 * (pl_ops__pack_put / _delete, ops_org.h); anyone else gets ResourceInUseException.
 * Managed rules whose identifier plumb knows but does not implement are deployed (their results
 * never come), named in the pack's ConformancePackStatusReason, and are INSUFFICIENT_DATA in
 * the pack's compliance, never COMPLIANT. Compliance is read from the evaluation tables.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model.h"
#include "api/ops_aggregator.h"
#include "api/ops_documents.h"
#include "api/ops_org.h"
#include "api/ops_rules.h"
#include "core/buf.h"
#include "core/hash.h"
#include "core/time.h"
#include "core/util.h"
#include "delivery/delivery.h"
#include "packs/packs.h"
#include "recorder/recorder.h"
#include "rules/rules.h"
#include "remediation/remediation.h"
#include "rules/managed/managed.h"
#include "store/evals.h"
#include "store/store.h"

#define PACK_SERVICE   "config-conformance-pack.amazonaws.com"
#define ID_PREFIX      "conformance-pack-"
#define RULE_SUFFIX    "-conformance-pack-"
#define DESCRIBE_LIMIT 20  /* DescribeConformancePacks / Status default page */
#define RULES_LIMIT    1000
#define DETAILS_LIMIT  100
#define SCORES_LIMIT   100
#define REASON_MAX     2000 /* ConformancePackStatusReason */
#define S3_TEMPLATE_MAX (300 * 1024) /* AWS: a TemplateS3Uri template is at most 300 KB */

/* The rules-engine call acting for the conformance pack service. */
static struct pl_rules_call pack_call(struct pl_op_ctx *c)
{
    struct pl_rules_call rc = pl_ops__rules_call(c);
    rc.service = PACK_SERVICE;
    return rc;
}

static int no_such_pack(struct pl_op_ctx *c, const char *name)
{
    return pl_fail(c->err, PL_E_NO_SUCH_CONFORMANCE_PACK,
                   "Cannot find conformance pack with specified name '%s'.", name);
}

/* The stored pack (NoSuchConformancePackException when absent). */
static int need_pack(struct pl_op_ctx *c, const char *name, struct pl_json **out)
{
    int f = pl_obj_load(c, PL_KIND_PACK, name, out);
    if (f == 0)
        return no_such_pack(c, name);
    return f < 0 ? -1 : 0;
}

/* ---- PutConformancePack ---- */

/* A new id "conformance-pack-" + 9 lowercase alphanumerics (arena). */
static const char *new_pack_id(struct pl_op_ctx *c)
{
    static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char hex[19], sfx[10];
    pl_random_hex(9, hex);
    for (int i = 0; i < 9; i++)
        sfx[i] = al[(pl_hex_value(hex[2 * i]) * 16 + pl_hex_value(hex[2 * i + 1])) % 36];
    sfx[9] = 0;
    return pl_arena_printf(c->a, ID_PREFIX "%s", sfx);
}

/* AccessDenied when bucket is another account's delivery bucket (the s3BucketName of a
 * delivery channel of another account and of none of the caller's): what an account's key
 * names never reads what plumb delivered for another account. */
static int bucket_allowed(struct pl_op_ctx *c, const char *bucket)
{
    struct pl_obj *ch;
    size_t n;
    if (pl_store_obj_list(c->st, NULL, NULL, PL_KIND_CHANNEL, NULL, 0, c->a, &ch, &n, c->err) < 0)
        return -1;
    bool others = false;
    for (size_t i = 0; i < n; i++) {
        struct pl_json *o = pl_json_parse(c->a, ch[i].json, ch[i].len, c->err);
        if (!o)
            return -1;
        const char *b = pl_json_get_str(o, "s3BucketName");
        if (!b || strcmp(b, bucket) != 0)
            continue;
        if (strcmp(ch[i].account, c->account) == 0)
            return 0;
        others = true;
    }
    if (others)
        return pl_fail(c->err, PL_E_ACCESS_DENIED,
                       "Access denied to s3 bucket: %s, the bucket belongs to another account.",
                       bucket);
    return 0;
}

/* The template of TemplateS3Uri "s3://bucket/key", read from the delivery target (arena). */
static int read_s3(struct pl_op_ctx *c, const char *uri, const char **body)
{
    const char *b = uri + 5, *slash = strchr(b, '/');
    if (strncmp(uri, "s3://", 5) != 0 || !slash || slash == b || !slash[1])
        return pl_fail(c->err, PL_E_VALIDATION,
                       "TemplateS3Uri '%s' is not of the form s3://bucket/key", uri);
    const char *bucket = pl_arena_strndup(c->a, b, (size_t)(slash - b));
    char *text;
    size_t len;
    if (bucket_allowed(c, bucket) < 0)
        return -1;
    int f = pl_delivery_read_object(c->req->app ? c->req->app->delivery : NULL, bucket, slash + 1,
                                    c->account, S3_TEMPLATE_MAX, &text, &len, c->err);
    if (f == 0)
        return pl_fail(c->err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION,
                       "Cannot read the template at %s: no such object", uri);
    if (f < 0)
        return -1;
    *body = pl_arena_strndup(c->a, text, len);
    free(text);
    if (strlen(*body) != len)
        return pl_fail(c->err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION,
                       "The template at %s is not text", uri);
    return 0;
}

/* The template text: TemplateBody, the object TemplateS3Uri names, or the SSM document of
 * TemplateSSMDocumentDetails. */
static int template_source(struct pl_op_ctx *c, const char **body)
{
    const char *uri = pl_in_str(c->in, "TemplateS3Uri");
    *body = pl_in_str(c->in, "TemplateBody");
    int given = !!*body + !!uri + !!pl_json_get(c->in, "TemplateSSMDocumentDetails");
    if (given != 1)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                       "Exactly one of TemplateBody, TemplateS3Uri and TemplateSSMDocumentDetails "
                       "must be specified.");
    if (uri)
        return read_s3(c, uri, body);
    if (!*body) /* SSM documents registered with plumb (ops_documents.c) */
        return pl_ops__document_template(c, pl_json_get(c->in, "TemplateSSMDocumentDetails"), body);
    return 0;
}

/* DeliveryS3Bucket (and DeliveryS3KeyPrefix): the template is copied there, as AWS copies it,
 * as "[PREFIX/]PACKNAME/template.yaml" (".json" for a JSON template) through the delivery
 * target. A bucket plumb cannot write is InsufficientPermissionsException. */
static int copy_template(struct pl_op_ctx *c, const char *name, const char *body)
{
    const char *bucket = pl_in_str(c->in, "DeliveryS3Bucket");
    const char *prefix = pl_in_str(c->in, "DeliveryS3KeyPrefix");
    if (!bucket)
        return 0;
    if (bucket_allowed(c, bucket) < 0)
        return -1;
    const char *s = body + strspn(body, " \t\r\n");
    size_t pl = prefix ? strlen(prefix) : 0;
    while (pl && prefix[pl - 1] == '/') /* "packs/" and "packs" name the same folder */
        pl--;
    const char *key = pl_arena_printf(c->a, "%.*s%s%s/template.%s", (int)pl, pl ? prefix : "",
                                      pl ? "/" : "", name, *s == '{' ? "json" : "yaml");
    struct pl_err why = {.arena = c->a};
    if (pl_delivery_write_object(c->req->app ? c->req->app->delivery : NULL, bucket, key,
                                 c->account, body, strlen(body),
                                 *s == '{' ? "application/json" : "application/x-yaml", &why) == 0)
        return 0;
    if (why.code == PL_E_INTERNAL)
        return pl_fail(c->err, PL_E_INTERNAL, "%s", pl_err_msg(&why));
    return pl_fail(c->err, PL_E_INSUFFICIENT_PERMISSIONS,
                   "AWS Config cannot deliver the conformance pack template to the S3 bucket "
                   "'%s' (key %s): %s",
                   bucket, key, pl_err_msg(&why));
}

static struct pl_pack_param *input_params(struct pl_op_ctx *c, size_t *n)
{
    const struct pl_json *arr = pl_json_get(c->in, "ConformancePackInputParameters");
    *n = 0;
    struct pl_pack_param *p = pl_arena_alloc(c->a, ((arr ? arr->len : 0) + 1) * sizeof *p);
    for (const struct pl_json *e = arr ? arr->child : NULL; e; e = e->next) {
        p[*n].name = pl_json_get_str(e, "ParameterName");
        p[(*n)++].value = pl_json_get_str(e, "ParameterValue");
    }
    return p;
}

/* Renames the template's rules with the pack suffix and checks each against PutConfigRule's
 * input shape (a mistyped property is a template error, reported at its resource). */
static int name_and_check(struct pl_op_ctx *c, struct pl_pack_template *t, const char *id)
{
    const struct pl_op_model *op = pl_model_op("PutConfigRule");
    for (size_t i = 0; i < t->nrules; i++) {
        struct pl_pack_resource *r = &t->rules[i];
        const char *base = pl_json_get_str(r->props, "ConfigRuleName");
        pl_json_del(r->props, "ConfigRuleName");
        pl_json_set_str(c->a, r->props, "ConfigRuleName",
                        pl_arena_printf(c->a, "%s" RULE_SUFFIX "%s", base,
                                        id + strlen(ID_PREFIX)));
        struct pl_json *req = pl_json_new_obj(c->a);
        pl_json_set(c->a, req, "ConfigRule", r->props);
        struct pl_err e = {0};
        if (pl_model_validate(op, req, &e) < 0)
            return pl_fail(c->err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION,
                           "line %d:%d: resource '%s': %s", r->line, r->col, r->logical_id,
                           pl_err_msg(&e));
        pl_json_set_str(c->a, r->props, "TemplateName", base); /* removed before the put */
    }
    return 0;
}

/* The pack's "Rules" entries for the resolved rules. */
static struct pl_json *rule_entries(struct pl_op_ctx *c, const struct pl_pack_template *t)
{
    struct pl_json *arr = pl_json_new_arr(c->a);
    for (size_t i = 0; i < t->nrules; i++) {
        const struct pl_json *r = t->rules[i].props;
        const struct pl_json *src = pl_json_get(r, "Source");
        const char *owner = pl_json_get_str(src, "Owner");
        const char *sid = pl_json_get_str(src, "SourceIdentifier");
        struct pl_json *e = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, e, "ConfigRuleName", pl_json_get_str(r, "ConfigRuleName"));
        pl_json_set_str(c->a, e, "TemplateName", pl_json_get_str(r, "TemplateName"));
        pl_json_set_str(c->a, e, "SourceIdentifier", sid ? sid : "");
        const struct pl_managed_rule *mr = pl_managed_find(sid ? sid : "");
        bool impl = !owner || strcmp(owner, "AWS") != 0 || (mr && pl_managed_implemented(mr));
        pl_json_set_bool(c->a, e, "Implemented", impl);
    }
    return arr;
}

/* The pack's "Remediations": each RemediationConfiguration's resolved properties, its
 * ConfigRuleName mapped to the pack's name for that rule (kept for remediation; not run). */
static struct pl_json *remediation_entries(struct pl_op_ctx *c, const struct pl_pack_template *t,
                                           const struct pl_json *rules)
{
    struct pl_json *arr = pl_json_new_arr(c->a);
    for (size_t i = 0; i < t->nremediations; i++) {
        struct pl_json *props = pl_json_clone(c->a, t->remediations[i].props);
        const char *rule = pl_json_get_str(props, "ConfigRuleName");
        for (const struct pl_json *e = rules->child; rule && e; e = e->next)
            if (strcmp(pl_json_get_str(e, "TemplateName"), rule) == 0) {
                pl_json_del(props, "ConfigRuleName");
                pl_json_set_str(c->a, props, "ConfigRuleName",
                                pl_json_get_str(e, "ConfigRuleName"));
                break;
            }
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "LogicalId", t->remediations[i].logical_id);
        pl_json_set(c->a, o, "Properties", props);
    }
    return arr;
}

/* A template value AWS stores as a string ("True", "10") back to the model's type. */
static void coerce(struct pl_op_ctx *c, struct pl_json *props, const char *key, bool boolean)
{
    const char *v = pl_json_get_str(props, key);
    long long n;
    if (!v)
        return;
    if (boolean)
        pl_json_set_bool(c->a, props, key, strcasecmp(v, "true") == 0);
    else if (pl_parse_i64(v, &n) == 0)
        pl_json_set_i64(c->a, props, key, n);
}

/* Deletes the remediation configurations of the entries of old (a pack's "Remediations"). */
static int drop_remediations(struct pl_op_ctx *c, const struct pl_json *old)
{
    for (const struct pl_json *e = old ? old->child : NULL; e; e = e->next) {
        const char *rule = pl_json_get_str(pl_json_get(e, "Properties"), "ConfigRuleName");
        if (rule && pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_REMEDIATION_CONFIG,
                                        rule, c->err) < 0)
            return -1;
    }
    return 0;
}

/* The pack's remediation configurations: those of the previous deployment are replaced by
 * entries' (checked as PutRemediationConfigurations checks them), owned by the pack. */
static int deploy_remediations(struct pl_op_ctx *c, const struct pl_json *old,
                               const struct pl_json *entries)
{
    if (drop_remediations(c, old) < 0)
        return -1;
    for (const struct pl_json *e = entries->child; e; e = e->next) {
        struct pl_json *props = pl_json_clone(c->a, pl_json_get(e, "Properties"));
        coerce(c, props, "Automatic", true);
        coerce(c, props, "MaximumAutomaticAttempts", false);
        coerce(c, props, "RetryAttemptSeconds", false);
        pl_json_set_str(c->a, props, "CreatedByService", PACK_SERVICE);
        struct pl_err why = {.arena = c->a};
        struct pl_json *cfg = pl_rem_config_normalize(c->a, c->account, c->region, props, &why);
        if (!cfg)
            return pl_fail(c->err, PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION,
                           "RemediationConfiguration %s: %s", pl_json_get_str(e, "LogicalId"),
                           pl_err_msg(&why));
        if (pl_obj_save(c, PL_KIND_REMEDIATION_CONFIG, pl_json_get_str(cfg, "ConfigRuleName"),
                        cfg) < 0)
            return -1;
    }
    return 0;
}

static bool in_entries(const struct pl_json *rules, const char *name)
{
    for (const struct pl_json *e = rules ? rules->child : NULL; e; e = e->next)
        if (strcmp(pl_json_get_str(e, "ConfigRuleName"), name) == 0)
            return true;
    return false;
}

/* Deletes the rules of old that are not in keep (NULL: all of them). */
static int drop_rules(struct pl_op_ctx *c, const struct pl_json *old, const struct pl_json *keep)
{
    struct pl_rules_call rc = pack_call(c);
    for (const struct pl_json *e = old ? old->child : NULL; e; e = e->next) {
        const char *name = pl_json_get_str(e, "ConfigRuleName");
        if (in_entries(keep, name))
            continue;
        struct pl_json *j;
        int f = pl_rules_get_rule(&rc, name, &j, c->err);
        if (f < 0 || (f && pl_rules_delete_rule(&rc, name, c->err) < 0))
            return -1;
    }
    return 0;
}

/* Creates or updates every rule of t, after dropping those of the previous version. */
static int deploy_rules(struct pl_op_ctx *c, const struct pl_pack_template *t,
                        const struct pl_json *old, const struct pl_json *entries)
{
    struct pl_rules_call rc = pack_call(c);
    if (drop_rules(c, old, entries) < 0)
        return -1;
    for (size_t i = 0; i < t->nrules; i++) {
        struct pl_json *r = t->rules[i].props;
        pl_json_del(r, "TemplateName");
        pl_json_set_str(c->a, r, "CreatedBy", PACK_SERVICE);
        if (pl_rules_put_rule(&rc, r, NULL, c->err) < 0) {
            enum pl_errcode code = c->err->code;
            const char *msg = pl_arena_strdup(c->a, pl_err_msg(c->err));
            pl_err_clear(c->err); /* the first error wins: restate it with the rule's name */
            return pl_fail(c->err, code, "rule %s: %s", pl_json_get_str(r, "ConfigRuleName"),
                           msg);
        }
    }
    return 0;
}

/* The status reason of a deployed pack: the rules plumb does not implement, or NULL. */
static const char *unimplemented_reason(struct pl_op_ctx *c, const struct pl_json *entries)
{
    char *s = NULL;
    size_t n = 0;
    for (const struct pl_json *e = entries->child; e; e = e->next)
        if (!pl_json_truthy(pl_json_get(e, "Implemented"))) {
            const char *item = pl_arena_printf(c->a, "%s%s (%s)", n ? ", " : "",
                                               pl_json_get_str(e, "ConfigRuleName"),
                                               pl_json_get_str(e, "SourceIdentifier"));
            s = pl_arena_printf(c->a, "%s%s", s ? s : "", item);
            n++;
        }
    if (!n)
        return NULL;
    s = pl_arena_printf(c->a, "plumb does not implement %zu of the pack's managed rules yet "
                              "(they stay INSUFFICIENT_DATA): %s",
                        n, s);
    if (strlen(s) > REASON_MAX)
        memcpy(s + REASON_MAX - 3, "...", 4);
    return s;
}

/* The stored pack object for a put (state and rules filled by the caller). */
static struct pl_json *pack_object(struct pl_op_ctx *c, const char *name, const char *id,
                                   const struct pl_json *prev)
{
    struct pl_json *p = pl_json_new_obj(c->a);
    int64_t now = pl_now_ms();
    pl_json_set_str(c->a, p, "ConformancePackName", name);
    pl_json_set_str(c->a, p, "ConformancePackArn",
                    pl_arn(c, pl_arena_printf(c->a, "conformance-pack/%s/%s", name, id)));
    pl_json_set_str(c->a, p, "ConformancePackId", id);
    static const char *const copied[] = {"DeliveryS3Bucket", "DeliveryS3KeyPrefix",
                                         "ConformancePackInputParameters",
                                         "TemplateSSMDocumentDetails"};
    for (size_t i = 0; i < sizeof copied / sizeof *copied; i++) {
        const struct pl_json *v = pl_json_get(c->in, copied[i]);
        if (v)
            pl_json_set(c->a, p, copied[i], pl_json_clone(c->a, v));
    }
    const char *stack = pl_json_get_str(prev, "StackArn");
    if (!stack) {
        char uuid[37];
        pl_uuid(uuid);
        stack = pl_arena_printf(c->a, "arn:aws:cloudformation:%s:%s:stack/awsconfigconforms-%s/%s",
                                c->region, c->account, name, uuid);
    }
    pl_json_set_str(c->a, p, "StackArn", stack);
    pl_json_set_i64(c->a, p, "LastUpdateRequestedTime", now);
    pl_json_set_i64(c->a, p, "LastUpdateCompletedTime", now);
    return p;
}

/* Records the pack's ConformancePackCompliance CI (ci: pl_rules_pack_ci or _deleted_ci; NULL
 * is a store error already in c->err) in the open transaction. */
static int record_pack_ci(struct pl_op_ctx *c, const struct pl_json *ci)
{
    struct pl_rec_opts opts = {.mode = PL_REC_MODE_ALL, .account = c->account, .region = c->region};
    struct pl_rec_result res;
    return ci ? pl_recorder_observe(c->st, &opts, ci, &res, c->err) : -1;
}

/* After the pack's transaction committed (rc 0): tells the engine again that rules changed,
 * since pl_rules_put_rule's own notice came before the outer commit made them visible. */
static int changed(struct pl_op_ctx *c, int rc)
{
    if (rc == 0)
        pl_rules_changed(c->req->app ? c->req->app->rules : NULL);
    return rc;
}

/* A new pack needs room: MaxNumberOfConformancePacksExceededException at the limit. Checked
 * before the template work and again inside the deploy's transaction (two concurrent puts). */
static int room_for_a_pack(struct pl_op_ctx *c, const char *name)
{
    int64_t count = 0;
    if (pl_store_obj_count(c->st, c->account, c->region, PL_KIND_PACK, &count, c->err) < 0)
        return -1;
    if (count >= PL_PACK_MAX_PACKS)
        return pl_fail(c->err, PL_E_MAX_NUMBER_OF_CONFORMANCE_PACKS_EXCEEDED,
                       "Failed to put conformance pack '%s' because the maximum number of "
                       "conformance packs: %d is reached.",
                       name, PL_PACK_MAX_PACKS);
    return 0;
}

/* The rules of every pack of the account and Region but name, plus nrules of name's new
 * version, stay within PL_PACK_MAX_PACK_RULES (AWS: 150 rules across all conformance packs);
 * else MaxNumberOfConformancePacksExceededException, the limit error PutConformancePack has.
 * Checked inside the deploy's transaction. */
static int room_for_rules(struct pl_op_ctx *c, const char *name, size_t nrules)
{
    struct pl_obj *items;
    size_t n, total = nrules;
    if (pl_store_obj_list(c->st, c->account, c->region, PL_KIND_PACK, NULL, 0, c->a, &items, &n,
                          c->err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct pl_json *p;
        if (strcmp(items[i].name, name) == 0)
            continue;
        if (!(p = pl_json_parse(c->a, items[i].json, items[i].len, c->err)))
            return -1;
        const struct pl_json *rules = pl_json_get(p, "Rules");
        total += rules ? rules->len : 0;
    }
    if (total > PL_PACK_MAX_PACK_RULES)
        return pl_fail(c->err, PL_E_MAX_NUMBER_OF_CONFORMANCE_PACKS_EXCEEDED,
                       "Failed to put conformance pack '%s' because the maximum number of config "
                       "rules: %d across all conformance packs is reached (the account's packs "
                       "would have %zu).",
                       name, PL_PACK_MAX_PACK_RULES, total);
    return 0;
}

/* The request's Tags on a new pack's ARN (TagResource's store: PL_KIND_TAGS). */
static int save_tags(struct pl_op_ctx *c, const struct pl_json *p)
{
    const struct pl_json *tags = pl_json_get(c->in, "Tags");
    if (!tags || !tags->len)
        return 0;
    struct pl_json *map = pl_json_new_obj(c->a);
    for (const struct pl_json *t = tags->child; t; t = t->next) {
        const char *v = pl_json_get_str(t, "Value");
        pl_json_set_str(c->a, map, pl_json_get_str(t, "Key"), v ? v : "");
    }
    return pl_obj_save(c, PL_KIND_TAGS, pl_json_get_str(p, "ConformancePackArn"), map);
}

/* Marks the outbox item (id > 0; 0: none, a synchronous deploy) done in the open transaction
 * and commits; then tells the engine again that rules changed. */
static int finish(struct pl_op_ctx *c, int64_t item)
{
    if (item > 0 && pl_store_outbox_complete(c->st, item, c->err) < 0) {
        pl_store_rollback(c->st);
        return -1;
    }
    return changed(c, pl_store_commit(c->st, c->err));
}

/* Sets p's ConformancePackState, and its ConformancePackStatusReason (NULL: none). */
static void set_state(struct pl_op_ctx *c, struct pl_json *p, const char *state, const char *reason)
{
    pl_json_del(p, "ConformancePackState");
    pl_json_del(p, "ConformancePackStatusReason");
    pl_json_set_str(c->a, p, "ConformancePackState", state);
    if (reason)
        pl_json_set_str(c->a, p, "ConformancePackStatusReason", reason);
}

/* Saves p CREATE_FAILED with the reason in c->err (cleared), keeping the previous deployment's
 * rules, remediations and completion time, and completes item, in a transaction of its own. */
static int save_failed(struct pl_op_ctx *c, struct pl_json *p, const struct pl_json *prev,
                       int64_t item)
{
    const struct pl_json *old = pl_json_get(prev, "Rules"),
                         *rems = pl_json_get(prev, "Remediations");
    const struct pl_json *done = pl_json_get(prev, "LastUpdateCompletedTime");
    set_state(c, p, "CREATE_FAILED", pl_err_msg(c->err));
    pl_json_set(c->a, p, "Rules", old ? pl_json_clone(c->a, old) : pl_json_new_arr(c->a));
    if (rems)
        pl_json_set(c->a, p, "Remediations", pl_json_clone(c->a, rems));
    pl_json_del(p, "LastUpdateCompletedTime"); /* AWS: the last successful deploy */
    if (done)
        pl_json_set(c->a, p, "LastUpdateCompletedTime", pl_json_clone(c->a, done));
    pl_err_clear(c->err);
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    if (pl_obj_save(c, PL_KIND_PACK, pl_json_get_str(p, "ConformancePackName"), p) < 0) {
        pl_store_rollback(c->st);
        return -1;
    }
    return finish(c, item);
}

/* Deploys t as pack p (prev: the stored pack, NULL for a new one) in one transaction that also
 * completes the outbox item (0: none); a rule the engine refuses makes the pack CREATE_FAILED
 * instead, and nothing of the new version is deployed. */
static int deploy(struct pl_op_ctx *c, struct pl_json *p, const struct pl_pack_template *t,
                  const struct pl_json *prev, int64_t item)
{
    const struct pl_json *old = pl_json_get(prev, "Rules");
    struct pl_json *entries = rule_entries(c, t);
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    const char *name = pl_json_get_str(p, "ConformancePackName");
    if ((!prev && (room_for_a_pack(c, name) < 0 || save_tags(c, p) < 0)) ||
        room_for_rules(c, name, t->nrules) < 0) {
        pl_store_rollback(c->st);
        return c->err->code == PL_E_INTERNAL || !item ? -1 : save_failed(c, p, prev, item);
    }
    if (deploy_rules(c, t, old, entries) < 0) {
        pl_store_rollback(c->st);
        return c->err->code == PL_E_INTERNAL ? -1 : save_failed(c, p, prev, item);
    }
    set_state(c, p, "CREATE_COMPLETE", unimplemented_reason(c, entries));
    pl_json_set(c->a, p, "Rules", entries);
    struct pl_json *rems = remediation_entries(c, t, entries);
    pl_json_set(c->a, p, "Remediations", rems);
    if (deploy_remediations(c, pl_json_get(prev, "Remediations"), rems) < 0 ||
        pl_obj_save(c, PL_KIND_PACK, pl_json_get_str(p, "ConformancePackName"), p) < 0 ||
        record_pack_ci(c, pl_rules_pack_ci(c->st, c->account, c->region, p, c->a, c->err)) < 0 ||
        pl_rules_pack_score_reset(c->st, c->account, c->region, p, c->err) < 0) {
        pl_store_rollback(c->st);
        return -1;
    }
    return finish(c, item);
}

/* ResourceInUseException for a pack another service created, unless the call acts for it. */
static int owned_elsewhere(struct pl_op_ctx *c, const struct pl_json *p, const char *service)
{
    const char *by = pl_json_get_str(p, "CreatedBy");
    if (!by || (service && strcmp(by, service) == 0))
        return 0;
    return pl_fail(c->err, PL_E_RESOURCE_IN_USE,
                   "The conformance pack %s was created by %s (an organization conformance "
                   "pack) and can only be changed or deleted through it.",
                   pl_json_get_str(p, "ConformancePackName"), by);
}

static bool in_progress(const struct pl_json *p)
{
    const char *s = pl_json_get_str(p, "ConformancePackState");
    return s && strstr(s, "_IN_PROGRESS") != NULL;
}

/* AWS: a put or delete of a pack whose creation, update or deletion is in progress is
 * ResourceInUseException. */
static int busy(struct pl_op_ctx *c, const struct pl_json *p)
{
    if (!p || !in_progress(p))
        return 0;
    return pl_fail(c->err, PL_E_RESOURCE_IN_USE,
                   "The conformance pack %s is %s. Try your request again later.",
                   pl_json_get_str(p, "ConformancePackName"),
                   pl_json_get_str(p, "ConformancePackState"));
}

int pl_ops__pack_template(struct pl_op_ctx *c, const char **body)
{
    return template_source(c, body);
}

/* What a put checked before deploying: the template resolved, the pack object to store. */
struct put_plan {
    const char *name, *body;
    struct pl_json *prev, *p;
    struct pl_pack_template t;
};

/* Resolves and checks the template of the request c->in (body: its text) for pack name of id,
 * its rules renamed: ConformancePackTemplateValidationException and the limits' errors. */
static int resolve(struct pl_op_ctx *c, const char *name, const char *id, const char *body,
                   struct pl_pack_template *t)
{
    struct pl_pack_env env = {.account = c->account, .region = c->region,
                              .stack_name = pl_arena_printf(c->a, "awsconfigconforms-%s", name)};
    env.params = input_params(c, &env.nparams);
    return pl_pack_template_parse(c->a, body, strlen(body), &env, t, c->err) < 0 ||
                   name_and_check(c, t, id) < 0
               ? -1
               : 0;
}

/* Every check of a put that AWS answers at once, and the template copy (DeliveryS3Bucket). */
static int plan_put(struct pl_op_ctx *c, const char *service, struct put_plan *pp)
{
    memset(pp, 0, sizeof *pp);
    pp->name = pl_in_str(c->in, "ConformancePackName");
    if (template_source(c, &pp->body) < 0 ||
        pl_obj_load(c, PL_KIND_PACK, pp->name, &pp->prev) < 0 ||
        (pp->prev && (owned_elsewhere(c, pp->prev, service) < 0 || busy(c, pp->prev) < 0)) ||
        (!pp->prev && room_for_a_pack(c, pp->name) < 0))
        return -1;
    const char *id = pp->prev ? pl_json_get_str(pp->prev, "ConformancePackId") : new_pack_id(c);
    if (resolve(c, pp->name, id, pp->body, &pp->t) < 0 ||
        room_for_rules(c, pp->name, pp->t.nrules) < 0 || copy_template(c, pp->name, pp->body) < 0)
        return -1;
    pp->p = pack_object(c, pp->name, id, pp->prev);
    if (service)
        pl_json_set_str(c->a, pp->p, "CreatedBy", service);
    return 0;
}

int pl_ops__pack_put(struct pl_op_ctx *c, const char *service)
{
    struct put_plan pp;
    if (plan_put(c, service, &pp) < 0 || deploy(c, pp.p, &pp.t, pp.prev, 0) < 0)
        return -1;
    pl_json_set_str(c->a, c->out, "ConformancePackArn",
                    pl_json_get_str(pp.p, "ConformancePackArn"));
    return 0;
}

/* ---- PutConformancePack and DeleteConformancePack through the outbox ----
 * The API answers once the pack is stored CREATE_IN_PROGRESS (or DELETE_IN_PROGRESS) with a
 * "packs.deploy" item in the same transaction: {"Op": "put" | "delete", "Name", "Request" (the
 * put's request without TemplateBody), "Body" (the template text)}. The pack worker
 * (pack_worker.c) runs the item with pl_ops__pack_work: the deploy (or delete) and the item's
 * completion are one transaction, so a crash leaves the pack as it was and the item to run
 * again. A pack in progress keeps the previous deployment's "Rules" and "Remediations". */

/* Stores p (state) with a "packs.deploy" item of payload, in one transaction. */
static int enqueue(struct pl_op_ctx *c, struct pl_json *p, const char *state,
                   const struct pl_json *payload, bool tags)
{
    struct pl_buf b;
    int rc = -1;
    set_state(c, p, state, NULL);
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    pl_json_write(&b, payload, PL_JSON_COMPACT);
    const char *name = pl_json_get_str(p, "ConformancePackName");
    if (pl_store_begin(c->st, c->err) < 0)
        goto out;
    if ((tags && (room_for_a_pack(c, name) < 0 || save_tags(c, p) < 0)) ||
        pl_obj_save(c, PL_KIND_PACK, name, p) < 0 ||
        pl_store_outbox_add(c->st, c->account, c->region, PL_OUTBOX_PACKS_DEPLOY, pl_buf_cstr(&b),
                            b.len, NULL, c->err) < 0) {
        pl_store_rollback(c->st);
        goto out;
    }
    rc = pl_store_commit(c->st, c->err);
out:
    pl_buf_fini(&b);
    return rc;
}

static struct pl_json *work_payload(struct pl_op_ctx *c, const char *op, const char *name)
{
    struct pl_json *w = pl_json_new_obj(c->a);
    pl_json_set_str(c->a, w, "Op", op);
    pl_json_set_str(c->a, w, "Name", name);
    return w;
}

static int put_pack(struct pl_op_ctx *c)
{
    struct put_plan pp;
    if (plan_put(c, NULL, &pp) < 0)
        return -1;
    struct pl_json *p = pp.p, *w = work_payload(c, "put", pp.name);
    struct pl_json *req = pl_json_set(c->a, w, "Request", pl_json_clone(c->a, c->in));
    pl_json_del(req, "TemplateBody");
    pl_json_set_str(c->a, w, "Body", pp.body);
    static const char *const kept[] = {"Rules", "Remediations", "LastUpdateCompletedTime"};
    pl_json_del(p, "LastUpdateCompletedTime");
    for (size_t i = 0; i < PL_ARRAY_LEN(kept); i++) {
        const struct pl_json *v = pl_json_get(pp.prev, kept[i]);
        if (v)
            pl_json_set(c->a, p, kept[i], pl_json_clone(c->a, v));
    }
    if (enqueue(c, p, "CREATE_IN_PROGRESS", w, !pp.prev) < 0)
        return -1;
    pl_json_set_str(c->a, c->out, "ConformancePackArn", pl_json_get_str(p, "ConformancePackArn"));
    return 0;
}

/* Deletes pack p's rules, remediations, tags, score history, and p, recording its deletion CI,
 * with the outbox item's completion (0: none) in one transaction. */
static int undeploy(struct pl_op_ctx *c, const struct pl_json *p, int64_t item)
{
    const char *name = pl_json_get_str(p, "ConformancePackName");
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    if (drop_rules(c, pl_json_get(p, "Rules"), NULL) < 0 ||
        drop_remediations(c, pl_json_get(p, "Remediations")) < 0 ||
        pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_PACK, name, c->err) < 0 ||
        pl_store_obj_delete(c->st, c->account, c->region, PL_KIND_TAGS,
                            pl_json_get_str(p, "ConformancePackArn"), c->err) < 0 ||
        record_pack_ci(c, pl_rules_pack_deleted_ci(c->account, c->region, p, c->a)) < 0 ||
        pl_store_pack_score_delete(c->st, c->account, c->region, name, c->err) < 0) {
        pl_store_rollback(c->st);
        return -1;
    }
    return finish(c, item);
}

int pl_ops__pack_delete(struct pl_op_ctx *c, const char *name, const char *service)
{
    struct pl_json *p;
    if (need_pack(c, name, &p) < 0 || owned_elsewhere(c, p, service) < 0)
        return -1;
    return undeploy(c, p, 0);
}

static int delete_pack(struct pl_op_ctx *c)
{
    const char *name = pl_in_str(c->in, "ConformancePackName");
    struct pl_json *p;
    if (need_pack(c, name, &p) < 0 || owned_elsewhere(c, p, NULL) < 0 || busy(c, p) < 0)
        return -1;
    return enqueue(c, p, "DELETE_IN_PROGRESS", work_payload(c, "delete", name), false);
}

/* The put of a "packs.deploy" item on the stored pack p (CREATE_IN_PROGRESS). */
static int work_put(struct pl_op_ctx *c, const struct pl_json *w, struct pl_json *p, int64_t item)
{
    const char *name = pl_json_get_str(p, "ConformancePackName");
    const char *body = pl_json_get_str(w, "Body");
    struct pl_pack_template t;
    c->in = pl_json_clone(c->a, pl_json_get(w, "Request"));
    if (!c->in || !body)
        return pl_fail(c->err, PL_E_INTERNAL, "the deploy item of pack %s is incomplete", name);
    struct pl_json *np = pack_object(c, name, pl_json_get_str(p, "ConformancePackId"), p);
    static const char *const kept[] = {"CreatedBy", "LastUpdateRequestedTime"};
    for (size_t i = 0; i < PL_ARRAY_LEN(kept); i++) {
        const struct pl_json *v = pl_json_get(p, kept[i]);
        pl_json_del(np, kept[i]);
        if (v)
            pl_json_set(c->a, np, kept[i], pl_json_clone(c->a, v));
    }
    if (resolve(c, name, pl_json_get_str(p, "ConformancePackId"), body, &t) < 0)
        return c->err->code == PL_E_INTERNAL ? -1 : save_failed(c, np, p, item);
    return deploy(c, np, &t, p, item);
}

/* Completes an item that has nothing (left) to do: its pack is gone or no longer waits. */
static int work_stale(struct pl_op_ctx *c, int64_t item)
{
    return pl_store_outbox_complete(c->st, item, c->err);
}

int pl_ops__pack_work(struct pl_op_ctx *c, const struct pl_json *w, int64_t item)
{
    const char *op = pl_json_get_str(w, "Op"), *name = pl_json_get_str(w, "Name");
    struct pl_json *p = NULL;
    if (!op || !name)
        return work_stale(c, item);
    int f = pl_obj_load(c, PL_KIND_PACK, name, &p);
    if (f < 0)
        return -1;
    const char *state = pl_json_get_str(p, "ConformancePackState");
    bool put = strcmp(op, "put") == 0;
    if (!f || !state || strcmp(state, put ? "CREATE_IN_PROGRESS" : "DELETE_IN_PROGRESS") != 0)
        return work_stale(c, item);
    return put ? work_put(c, w, p, item) : undeploy(c, p, item);
}

int pl_ops__pack_work_failed(struct pl_op_ctx *c, const struct pl_json *w, int64_t item,
                             const char *why)
{
    const char *op = pl_json_get_str(w, "Op"), *name = pl_json_get_str(w, "Name");
    struct pl_json *p = NULL;
    if (pl_store_begin(c->st, c->err) < 0)
        return -1;
    int f = name ? pl_obj_load(c, PL_KIND_PACK, name, &p) : 0;
    if (f > 0 && in_progress(p)) {
        set_state(c, p, op && strcmp(op, "put") == 0 ? "CREATE_FAILED" : "DELETE_FAILED", why);
        f = pl_obj_save(c, PL_KIND_PACK, name, p);
    }
    if (f < 0) {
        pl_store_rollback(c->st);
        return -1;
    }
    return finish(c, item);
}

/* ---- Describe ---- */

/* The packs named in ConformancePackNames (all must exist), else one page of all of them after
 * the NextToken (tag), at most limit. */
static int select_packs(struct pl_op_ctx *c, char tag, int limit, struct pl_json ***packs,
                        size_t *n)
{
    size_t nn;
    const char **names = pl_in_strs(c->a, c->in, "ConformancePackNames", &nn);
    *n = 0;
    if (nn) {
        *packs = pl_arena_alloc(c->a, nn * sizeof **packs);
        for (size_t i = 0; i < nn; i++)
            if (need_pack(c, names[i], &(*packs)[(*n)++]) < 0)
                return -1;
        return 0;
    }
    const char *tok = pl_in_str(c->in, "NextToken"), *after = NULL;
    struct pl_obj *items;
    size_t ni;
    if ((tok && pl_ops__token_parse(c, tag, tok, &after, 1) < 0) ||
        pl_store_obj_list(c->st, c->account, c->region, PL_KIND_PACK, after, limit + 1, c->a,
                          &items, &ni, c->err) < 0)
        return -1;
    *packs = pl_arena_alloc(c->a, (ni + 1) * sizeof **packs);
    for (size_t i = 0; i < ni && i < (size_t)limit; i++)
        if (!((*packs)[(*n)++] = pl_json_parse(c->a, items[i].json, items[i].len, c->err)))
            return -1;
    if (ni > (size_t)limit) {
        const char *last = items[limit - 1].name;
        pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, tag, &last, 1));
    }
    return 0;
}

static int page_limit(struct pl_op_ctx *c, int dflt)
{
    int64_t l = pl_in_int(c->in, "Limit", 0);
    return l > 0 ? (int)l : dflt;
}

/* Copies the listed members of p that are present into o. */
static void copy_members(struct pl_op_ctx *c, struct pl_json *o, const struct pl_json *p,
                         const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct pl_json *v = pl_json_get(p, keys[i]);
        int64_t ms;
        if (!v)
            continue;
        if (strstr(keys[i], "Time") && pl_json_i64(v, &ms) == 0)
            pl_json_set(c->a, o, keys[i], pl_json_new_epoch_ms(c->a, ms));
        else
            pl_json_set(c->a, o, keys[i], pl_json_clone(c->a, v));
    }
}

static int describe_packs(struct pl_op_ctx *c)
{
    static const char *const keys[] = {
        "ConformancePackName",     "ConformancePackArn",  "ConformancePackId",
        "DeliveryS3Bucket",        "DeliveryS3KeyPrefix", "ConformancePackInputParameters",
        "LastUpdateRequestedTime", "CreatedBy",           "TemplateSSMDocumentDetails"};
    struct pl_json **packs;
    size_t n;
    struct pl_json *arr = pl_json_new_arr(c->a);
    if (select_packs(c, 'P', page_limit(c, DESCRIBE_LIMIT), &packs, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        copy_members(c, pl_json_push(arr, pl_json_new_obj(c->a)), packs[i], keys,
                     sizeof keys / sizeof *keys);
    pl_json_set(c->a, c->out, "ConformancePackDetails", arr);
    return 0;
}

static int describe_status(struct pl_op_ctx *c)
{
    static const char *const keys[] = {
        "ConformancePackName",  "ConformancePackId",           "ConformancePackArn",
        "ConformancePackState", "StackArn",                    "ConformancePackStatusReason",
        "LastUpdateRequestedTime", "LastUpdateCompletedTime"};
    struct pl_json **packs;
    size_t n;
    struct pl_json *arr = pl_json_new_arr(c->a);
    if (select_packs(c, 'T', page_limit(c, DESCRIBE_LIMIT), &packs, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        copy_members(c, pl_json_push(arr, pl_json_new_obj(c->a)), packs[i], keys,
                     sizeof keys / sizeof *keys);
    pl_json_set(c->a, c->out, "ConformancePackStatusDetails", arr);
    return 0;
}

/* ---- compliance ---- */

/* One rule's results in the pack: counts by compliance (zero for a rule plumb does not
 * implement: it is never counted compliant). */
struct rule_comp {
    const char *name;
    bool implemented;
    int64_t cnt[4];
};

static int rule_counts(struct pl_op_ctx *c, const struct pl_json *e, struct rule_comp *rc)
{
    memset(rc, 0, sizeof *rc);
    rc->name = pl_json_get_str(e, "ConfigRuleName");
    rc->implemented = pl_json_truthy(pl_json_get(e, "Implemented"));
    if (!rc->implemented)
        return 0;
    return pl_store_eval_counts(c->st, c->account, c->region, rc->name, rc->cnt, c->err);
}

static const char *rule_compliance(const struct rule_comp *rc)
{
    if (rc->cnt[PL_EV_NON_COMPLIANT])
        return "NON_COMPLIANT";
    return rc->cnt[PL_EV_COMPLIANT] ? "COMPLIANT" : "INSUFFICIENT_DATA";
}

/* The pack's rules that the request's Filters.ConfigRuleNames select (all when none): an
 * unknown name is NoSuchConfigRuleInConformancePackException. */
static int filter_rules(struct pl_op_ctx *c, const struct pl_json *p, const struct pl_json *filters,
                        const struct pl_json ***out, size_t *n)
{
    const struct pl_json *rules = pl_json_get(p, "Rules");
    size_t nn;
    const char **names = pl_in_strs(c->a, filters, "ConfigRuleNames", &nn);
    *n = 0;
    *out = pl_arena_alloc(c->a, ((rules ? rules->len : 0) + 1) * sizeof **out);
    for (size_t i = 0; i < nn; i++)
        if (!in_entries(rules, names[i]))
            return pl_fail(c->err, PL_E_NO_SUCH_CONFIG_RULE_IN_CONFORMANCE_PACK,
                           "The rule %s is not in the conformance pack %s.", names[i],
                           pl_json_get_str(p, "ConformancePackName"));
    for (const struct pl_json *e = rules ? rules->child : NULL; e; e = e->next) {
        bool want = !nn;
        for (size_t i = 0; i < nn && !want; i++)
            want = strcmp(names[i], pl_json_get_str(e, "ConfigRuleName")) == 0;
        if (want)
            (*out)[(*n)++] = e;
    }
    return 0;
}

static int describe_compliance(struct pl_op_ctx *c)
{
    const char *name = pl_in_str(c->in, "ConformancePackName");
    const struct pl_json *filters = pl_json_get(c->in, "Filters");
    const char *want = pl_json_get_str(filters, "ComplianceType");
    const char *tok = pl_in_str(c->in, "NextToken"), *after = NULL;
    int limit = page_limit(c, RULES_LIMIT), listed = 0;
    struct pl_json *p;
    const struct pl_json **rules;
    size_t n;
    if (need_pack(c, name, &p) < 0 || filter_rules(c, p, filters, &rules, &n) < 0 ||
        (tok && pl_ops__token_parse(c, 'C', tok, &after, 1) < 0))
        return -1;
    pl_json_set_str(c->a, c->out, "ConformancePackName", name);
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "ConformancePackRuleComplianceList", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++) {
        struct rule_comp rc;
        if (rule_counts(c, rules[i], &rc) < 0)
            return -1;
        const char *comp = rule_compliance(&rc);
        if (after) { /* rules are in template order: skip past the cursor's */
            after = strcmp(rc.name, after) == 0 ? NULL : after;
            continue;
        }
        if (want && strcmp(want, comp) != 0)
            continue;
        if (listed++ == limit) {
            const char *last = pl_json_get_str(arr->last, "ConfigRuleName");
            pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'C', &last, 1));
            break;
        }
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "ConfigRuleName", rc.name);
        pl_json_set_str(c->a, o, "ComplianceType", comp);
        pl_json_set(c->a, o, "Controls", pl_json_new_arr(c->a));
    }
    return 0;
}

static bool id_listed(const struct pl_json *filters, const char *id)
{
    const struct pl_json *ids = pl_json_get(filters, "ResourceIds");
    if (!ids || !ids->len)
        return true;
    for (const struct pl_json *e = ids->child; e; e = e->next)
        if (pl_json_is(e, PL_JSTR) && strcmp(e->str, id) == 0)
            return true;
    return false;
}

static void add_result(struct pl_op_ctx *c, struct pl_json *arr, const struct pl_ev_row *r)
{
    struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
    pl_json_set_str(c->a, o, "ComplianceType", pl_ev_comp_name(r->comp));
    struct pl_json *id = pl_json_set(c->a, o, "EvaluationResultIdentifier", pl_json_new_obj(c->a));
    struct pl_json *q = pl_json_set(c->a, id, "EvaluationResultQualifier", pl_json_new_obj(c->a));
    pl_json_set_str(c->a, q, "ConfigRuleName", r->rule);
    pl_json_set_str(c->a, q, "ResourceType", r->resource_type);
    pl_json_set_str(c->a, q, "ResourceId", r->resource_id);
    pl_json_set_str(c->a, q, "EvaluationMode", r->mode ? r->mode : "DETECTIVE");
    pl_json_set(c->a, id, "OrderingTimestamp", pl_json_new_epoch_ms(c->a, r->ordering_ms));
    pl_json_set(c->a, o, "ConfigRuleInvokedTime", pl_json_new_epoch_ms(c->a, r->invoked_ms));
    pl_json_set(c->a, o, "ResultRecordedTime", pl_json_new_epoch_ms(c->a, r->recorded_ms));
    if (r->annotation)
        pl_json_set_str(c->a, o, "Annotation", r->annotation);
}

/* Results of one rule (after the cursor cur, when given) into arr while *left > 0; *more when
 * the rule has results past the page. */
static int rule_results(struct pl_op_ctx *c, const char *rule, const struct pl_json *filters,
                        unsigned comps, const char *const cur[3], struct pl_json *arr, int *left,
                        bool *more)
{
    struct pl_ev_query q = {.account = c->account, .region = c->region, .rule = rule,
                            .type = pl_json_get_str(filters, "ResourceType"), .comps = comps,
                            .limit = DETAILS_LIMIT};
    if (cur) {
        q.after_rule = cur[0];
        q.after_type = cur[1];
        q.after_id = cur[2];
    }
    for (bool page_more = true; page_more;) {
        struct pl_ev_row *rows;
        size_t n;
        if (pl_store_eval_list(c->st, &q, c->a, &rows, &n, &page_more, c->err) < 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            q.after_rule = rule;
            q.after_type = rows[i].resource_type;
            q.after_id = rows[i].resource_id;
            if (!id_listed(filters, rows[i].resource_id))
                continue;
            if (*left == 0) {
                *more = true;
                return 0;
            }
            add_result(c, arr, &rows[i]);
            (*left)--;
        }
    }
    return 0;
}

static unsigned comps_filter(const struct pl_json *filters)
{
    const char *want = pl_json_get_str(filters, "ComplianceType");
    if (want && strcmp(want, "COMPLIANT") == 0)
        return 1u << PL_EV_COMPLIANT;
    if (want && strcmp(want, "NON_COMPLIANT") == 0)
        return 1u << PL_EV_NON_COMPLIANT;
    if (want) /* INSUFFICIENT_DATA: plumb stores no such results */
        return 1u << PL_EV_INSUFFICIENT_DATA;
    return (1u << PL_EV_COMPLIANT) | (1u << PL_EV_NON_COMPLIANT);
}

static int compliance_details(struct pl_op_ctx *c)
{
    const char *name = pl_in_str(c->in, "ConformancePackName");
    const struct pl_json *filters = pl_json_get(c->in, "Filters");
    const char *tok = pl_in_str(c->in, "NextToken"), *cur[3] = {0};
    int left = page_limit(c, DETAILS_LIMIT);
    struct pl_json *p;
    const struct pl_json **rules;
    size_t n;
    bool more = false;
    if (need_pack(c, name, &p) < 0 || filter_rules(c, p, filters, &rules, &n) < 0 ||
        (tok && pl_ops__token_parse(c, 'R', tok, cur, 3) < 0))
        return -1;
    pl_json_set_str(c->a, c->out, "ConformancePackName", name);
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "ConformancePackRuleEvaluationResults", pl_json_new_arr(c->a));
    bool reached = !cur[0]; /* rules are in template order: skip to the cursor's */
    for (size_t i = 0; i < n && !more; i++) {
        const char *rule = pl_json_get_str(rules[i], "ConfigRuleName");
        bool same = !reached && strcmp(rule, cur[0]) == 0;
        if (!reached && !same)
            continue;
        reached = true;
        if (rule_results(c, rule, filters, comps_filter(filters), same ? cur : NULL, arr, &left,
                         &more) < 0)
            return -1;
        more = more || (left == 0 && i + 1 < n);
    }
    if (more && arr->last) {
        const struct pl_json *q =
            pl_json_path(arr->last, "EvaluationResultIdentifier.EvaluationResultQualifier");
        const char *parts[3] = {pl_json_get_str(q, "ConfigRuleName"),
                                pl_json_get_str(q, "ResourceType"),
                                pl_json_get_str(q, "ResourceId")};
        pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'R', parts, 3));
    }
    return 0;
}

/* The pack's compliance and score: counts of compliant and non-compliant rule-resource pairs
 * and of rules by compliance. */
struct pack_comp {
    int64_t pairs_ok, pairs_bad;
    size_t rules_ok, rules_bad, rules_none;
    int64_t updated_ms;
};

static int pack_compliance(struct pl_op_ctx *c, const struct pl_json *p, struct pack_comp *pc)
{
    memset(pc, 0, sizeof *pc);
    int64_t ms = 0;
    pl_json_i64(pl_json_get(p, "LastUpdateCompletedTime"), &ms);
    pc->updated_ms = ms;
    const struct pl_json *rules = pl_json_get(p, "Rules");
    for (const struct pl_json *e = rules ? rules->child : NULL; e; e = e->next) {
        struct rule_comp rc;
        if (rule_counts(c, e, &rc) < 0)
            return -1;
        pc->pairs_ok += rc.cnt[PL_EV_COMPLIANT];
        pc->pairs_bad += rc.cnt[PL_EV_NON_COMPLIANT];
        const char *comp = rule_compliance(&rc);
        if (strcmp(comp, "NON_COMPLIANT") == 0)
            pc->rules_bad++;
        else if (strcmp(comp, "COMPLIANT") == 0)
            pc->rules_ok++;
        else
            pc->rules_none++;
    }
    return 0;
}

/* AWS: NON_COMPLIANT if a rule is, COMPLIANT if a rule is and none is NON_COMPLIANT (rules
 * without data do not count), INSUFFICIENT_DATA when no rule has data. */
static const char *pack_status(const struct pack_comp *pc)
{
    if (pc->rules_bad)
        return "NON_COMPLIANT";
    return pc->rules_ok ? "COMPLIANT" : "INSUFFICIENT_DATA";
}

/* The score: compliant pairs over all pairs as a percentage ("75", "33.33"), or
 * INSUFFICIENT_DATA. Arena string. */
static const char *pack_score(struct pl_op_ctx *c, const struct pack_comp *pc)
{
    int64_t all = pc->pairs_ok + pc->pairs_bad;
    if (!all)
        return "INSUFFICIENT_DATA";
    char *s = pl_arena_printf(c->a, "%.2f", 100.0 * (double)pc->pairs_ok / (double)all);
    char *end = s + strlen(s) - 1;
    while (*end == '0')
        *end-- = 0;
    if (*end == '.')
        *end = 0;
    return s;
}

static int compliance_summary(struct pl_op_ctx *c)
{
    size_t nn;
    const char **names = pl_in_strs(c->a, c->in, "ConformancePackNames", &nn);
    struct pl_json *arr = pl_json_set(c->a, c->out, "ConformancePackComplianceSummaryList",
                                      pl_json_new_arr(c->a));
    for (size_t i = 0; i < nn; i++) {
        struct pl_json *p;
        struct pack_comp pc;
        if (need_pack(c, names[i], &p) < 0 || pack_compliance(c, p, &pc) < 0)
            return -1;
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "ConformancePackName", names[i]);
        pl_json_set_str(c->a, o, "ConformancePackComplianceStatus", pack_status(&pc));
    }
    return 0;
}

struct score {
    const char *name, *score;
    double value; /* -1: INSUFFICIENT_DATA */
    int64_t updated_ms;
};

/* qsort_r comparators; ctx points to the int "descending". */
static int by_score(const void *x, const void *y, void *ctx)
{
    const struct score *a = x, *b = y;
    int d = a->value < b->value ? -1 : a->value > b->value;
    if (*(const int *)ctx)
        d = -d;
    return d ? d : strcmp(a->name, b->name);
}

static int by_name(const void *x, const void *y, void *ctx)
{
    int d = strcmp(((const struct score *)x)->name, ((const struct score *)y)->name);
    return *(const int *)ctx ? -d : d;
}

/* Every pack's score (or those of Filters.ConformancePackNames), sorted as asked. */
static int collect_scores(struct pl_op_ctx *c, struct score **out, size_t *n)
{
    size_t nn;
    const char **names =
        pl_in_strs(c->a, pl_json_get(c->in, "Filters"), "ConformancePackNames", &nn);
    struct pl_obj *items;
    size_t ni;
    if (pl_store_obj_list(c->st, c->account, c->region, PL_KIND_PACK, NULL, 0, c->a, &items, &ni,
                          c->err) < 0)
        return -1;
    *out = pl_arena_alloc(c->a, (ni + 1) * sizeof **out);
    *n = 0;
    for (size_t i = 0; i < ni; i++) {
        bool want = !nn;
        for (size_t k = 0; k < nn && !want; k++)
            want = strcmp(names[k], items[i].name) == 0;
        struct pl_json *p;
        struct pack_comp pc;
        if (!want)
            continue;
        if (!(p = pl_json_parse(c->a, items[i].json, items[i].len, c->err)) ||
            pack_compliance(c, p, &pc) < 0)
            return -1;
        struct score *s = &(*out)[(*n)++];
        s->name = items[i].name;
        s->score = pack_score(c, &pc);
        s->value = strcmp(s->score, "INSUFFICIENT_DATA") ? strtod(s->score, NULL) : -1;
        s->updated_ms = pc.updated_ms;
    }
    const char *order = pl_in_str(c->in, "SortOrder"), *by = pl_in_str(c->in, "SortBy");
    int descending = order && strcmp(order, "DESCENDING") == 0;
    qsort_r(*out, *n, sizeof **out, by ? by_score : by_name, &descending);
    return 0;
}

static int list_scores(struct pl_op_ctx *c)
{
    struct score *s;
    size_t n, start = 0;
    int limit = page_limit(c, SCORES_LIMIT);
    const char *tok = pl_in_str(c->in, "NextToken"), *pos = NULL;
    if ((tok && pl_ops__token_parse(c, 'S', tok, &pos, 1) < 0) || collect_scores(c, &s, &n) < 0)
        return -1;
    if (pos)
        start = (size_t)strtoul(pos, NULL, 10);
    struct pl_json *arr =
        pl_json_set(c->a, c->out, "ConformancePackComplianceScores", pl_json_new_arr(c->a));
    for (size_t i = start; i < n && i < start + (size_t)limit; i++) {
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "Score", s[i].score);
        pl_json_set_str(c->a, o, "ConformancePackName", s[i].name);
        pl_json_set(c->a, o, "LastUpdatedTime", pl_json_new_epoch_ms(c->a, s[i].updated_ms));
    }
    if (start + (size_t)limit < n) {
        const char *next = pl_arena_printf(c->a, "%zu", start + (size_t)limit);
        pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'S', &next, 1));
    }
    return 0;
}

/* PlumbService.GetConformancePackScoreHistory (beyond AWS): {ConformancePackName, Limit
 * (1..100, default 100), NextToken} -> {ConformancePackName, Scores [{Time, Score,
 * CompliantPairs, NonCompliantPairs}] newest first, NextToken}. Checked here: the botocore model
 * does not know plumb's operations. */
static int score_history(struct pl_op_ctx *c)
{
    const struct pl_json *jn = pl_json_get(c->in, "ConformancePackName");
    const struct pl_json *jl = pl_json_get(c->in, "Limit"), *jt = pl_json_get(c->in, "NextToken");
    int64_t limit = 100, before = INT64_MAX;
    if (!jn || jn->type != PL_JSTR || !jn->len || (jl && pl_json_i64(jl, &limit) < 0) ||
        limit < 1 || limit > 100 || (jt && jt->type != PL_JSTR))
        return pl_fail(c->err, PL_E_VALIDATION,
                       "ConformancePackName must be a string, Limit 1 to 100, NextToken a string");
    struct pl_json *p;
    if (need_pack(c, jn->str, &p) < 0)
        return -1;
    if (jt) {
        const char *parts[1];
        char *end;
        if (pl_ops__token_parse(c, 'H', jt->str, parts, 1) < 0)
            return -1;
        before = strtoll(parts[0], &end, 10);
        if (*end || before <= 0)
            return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
    }
    struct pl_pack_score *rows;
    size_t n;
    if (pl_store_pack_score_list(c->st, c->account, c->region, jn->str, before, (int)limit + 1,
                                 c->a, &rows, &n, c->err) < 0)
        return -1;
    pl_json_set_str(c->a, c->out, "ConformancePackName", jn->str);
    struct pl_json *arr = pl_json_set(c->a, c->out, "Scores", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n && i < (size_t)limit; i++) {
        struct pack_comp pc = {.pairs_ok = rows[i].ok, .pairs_bad = rows[i].bad};
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set(c->a, o, "Time", pl_json_new_epoch_ms(c->a, rows[i].time_ms));
        pl_json_set_str(c->a, o, "Score", pack_score(c, &pc));
        pl_json_set_i64(c->a, o, "CompliantPairs", rows[i].ok);
        pl_json_set_i64(c->a, o, "NonCompliantPairs", rows[i].bad);
    }
    if (n > (size_t)limit) {
        const char *next = pl_arena_printf(c->a, "%lld", (long long)rows[limit - 1].time_ms);
        pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'H', &next, 1));
    }
    return 0;
}

const struct pl_op_entry pl_ops_plumb_packs[] = {
    {"GetConformancePackScoreHistory", score_history},
    {NULL, NULL},
};

const struct pl_op_entry pl_ops_packs[] = {
    {"PutConformancePack", put_pack},
    {"DescribeConformancePacks", describe_packs},
    {"DescribeConformancePackStatus", describe_status},
    {"DescribeConformancePackCompliance", describe_compliance},
    {"GetConformancePackComplianceDetails", compliance_details},
    {"GetConformancePackComplianceSummary", compliance_summary},
    {"ListConformancePackComplianceScores", list_scores},
    {"DeleteConformancePack", delete_pack},
    {NULL, NULL},
};

/* ops_aggregator.h: a pack's roll-up in another partition of an aggregator's sources. */
int pl_ops__pack_rollup(struct pl_op_ctx *c, const char *account, const char *region,
                        const struct pl_json *pack, struct pl_pack_rollup *out)
{
    struct pl_op_ctx in = *c;
    struct pack_comp pc;
    in.account = account;
    in.region = region;
    if (pack_compliance(&in, pack, &pc) < 0)
        return -1;
    out->ok = pc.rules_ok;
    out->bad = pc.rules_bad;
    out->total = pc.rules_ok + pc.rules_bad + pc.rules_none;
    out->status = pack_status(&pc);
    return 0;
}
