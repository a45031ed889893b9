/* msg.c — the notifications AWS Config sends to an SNS topic, built field for field like the
 * examples of the AWS Config developer guide (../shared/data/config-items/aws-config-developer-
 * guide/): ConfigurationItemChangeNotification (recordVersion 1.3), its oversized variants,
 * ComplianceChangeNotification, ConfigRulesEvaluationStarted, ConfigurationSnapshotDelivery
 * Started/Completed/Failed and ConfigurationHistoryDeliveryCompleted; their Subjects
 * ("[AWS Config:<region>] …", at most 100 characters); and the SNS envelope webhooks receive.
 *
 * Everything is built in the caller's arena; nothing here does I/O.
 */
#include <string.h>

#include "core/hash.h"
#include "core/time.h"
#include "core/util.h"
#include "delivery/delivery_int.h"

#define SUBJECT_MAX 100

const char *pl_delivery__msg_subject_cut(struct pl_arena *a, const char *s)
{
    size_t n = strlen(s);
    if (n <= SUBJECT_MAX)
        return s;
    char *cut = pl_arena_strndup(a, s, SUBJECT_MAX - 3);
    pl_utf8_fix_cut(cut, strlen(cut)); /* not in the middle of a character */
    return pl_arena_printf(a, "%s...", cut);
}

static void set_iso(struct pl_arena *a, struct pl_json *o, const char *key, int64_t ms)
{
    char t[32];
    pl_json_set_str(a, o, key, pl_time_iso8601_ms(ms, t));
}

/* Sets key from src's key (cloned), or null when absent. */
static void copy_or_null(struct pl_arena *a, struct pl_json *dst, const char *key,
                         const struct pl_json *src, const char *src_key)
{
    const struct pl_json *v = pl_json_get(src, src_key ? src_key : key);
    pl_json_set(a, dst, key, v ? pl_json_clone(a, v) : pl_json_new_null(a));
}

/* ---- CI dialects ---- */

/* An API-form time (epoch seconds number, or an ISO string) as ISO-8601 with milliseconds;
 * null stays null. */
static struct pl_json *iso_time(struct pl_arena *a, const struct pl_json *v)
{
    int64_t ms;
    if (!v || v->type == PL_JNULL || (v->type != PL_JNUM && v->type != PL_JSTR) ||
        pl_time_parse(v->str, &ms) != 0)
        return pl_json_new_null(a);
    char t[32];
    return pl_json_new_str(a, pl_time_iso8601_ms(ms, t));
}

/* A JSON-encoded string parsed into a tree (kept as the string when it is not JSON). */
static struct pl_json *parse_embedded(struct pl_arena *a, const struct pl_json *v)
{
    if (!v)
        return pl_json_new_obj(a);
    if (v->type != PL_JSTR)
        return pl_json_clone(a, v);
    struct pl_err e = {0};
    struct pl_json *j = pl_json_parse(a, v->str, v->len, &e);
    return j ? j : pl_json_clone(a, v);
}

static struct pl_json *file_relationships(struct pl_arena *a, const struct pl_json *rels)
{
    struct pl_json *out = pl_json_new_arr(a);
    for (const struct pl_json *r = rels ? rels->child : NULL; r; r = r->next) {
        struct pl_json *o = pl_json_new_obj(a);
        copy_or_null(a, o, "resourceId", r, NULL);
        copy_or_null(a, o, "resourceName", r, NULL);
        copy_or_null(a, o, "resourceType", r, NULL);
        copy_or_null(a, o, "name", r, pl_json_get(r, "name") ? "name" : "relationshipName");
        pl_json_push(out, o);
    }
    return out;
}

static struct pl_json *file_supplementary(struct pl_arena *a, const struct pl_json *sup)
{
    struct pl_json *out = pl_json_new_obj(a);
    for (const struct pl_json *m = sup ? sup->child : NULL; m; m = m->next)
        pl_json_set(a, out, m->key, parse_embedded(a, m));
    return out;
}

struct pl_json *pl_delivery__ci_file_form(struct pl_arena *a, const struct pl_json *ci,
                                          struct pl_err *err)
{
    if (!pl_json_is(ci, PL_JOBJ))
        return pl_fail(err, PL_E_VALIDATION, "configuration item is not an object"), NULL;
    if (pl_json_get(ci, "awsAccountId") || !pl_json_get(ci, "accountId"))
        return pl_json_clone(a, ci); /* already the file form */
    struct pl_json *o = pl_json_new_obj(a);
    const struct pl_json *re = pl_json_get(ci, "relatedEvents");
    pl_json_set(a, o, "relatedEvents", re ? pl_json_clone(a, re) : pl_json_new_arr(a));
    pl_json_set(a, o, "relationships", file_relationships(a, pl_json_get(ci, "relationships")));
    pl_json_set(a, o, "configuration", parse_embedded(a, pl_json_get(ci, "configuration")));
    pl_json_set(a, o, "supplementaryConfiguration",
                file_supplementary(a, pl_json_get(ci, "supplementaryConfiguration")));
    const struct pl_json *tags = pl_json_get(ci, "tags");
    pl_json_set(a, o, "tags", tags ? pl_json_clone(a, tags) : pl_json_new_obj(a));
    const char *ver = pl_json_get_str(ci, "version");
    pl_json_set_str(a, o, "configurationItemVersion", ver ? ver : "1.3");
    pl_json_set(a, o, "configurationItemCaptureTime",
                iso_time(a, pl_json_get(ci, "configurationItemCaptureTime")));
    const char *sid = pl_json_get_str(ci, "configurationStateId");
    long long sidn;
    pl_json_set(a, o, "configurationStateId",
                sid && pl_parse_i64(sid, &sidn) == 0 ? pl_json_new_i64(a, sidn)
                                                     : pl_json_new_null(a));
    copy_or_null(a, o, "awsAccountId", ci, "accountId");
    static const char *const same[] = {"configurationItemStatus", "resourceType", "resourceId",
                                       "resourceName"};
    for (size_t i = 0; i < PL_ARRAY_LEN(same); i++)
        copy_or_null(a, o, same[i], ci, NULL);
    copy_or_null(a, o, "ARN", ci, "arn");
    copy_or_null(a, o, "awsRegion", ci, NULL);
    copy_or_null(a, o, "availabilityZone", ci, NULL);
    const char *md5 = pl_json_get_str(ci, "configurationItemMD5Hash");
    pl_json_set_str(a, o, "configurationStateMd5Hash", md5 ? md5 : "");
    pl_json_set(a, o, "resourceCreationTime", iso_time(a, pl_json_get(ci, "resourceCreationTime")));
    return o;
}

/* ---- messages ---- */

static const char *change_type_of(const struct pl_json *ci, const struct pl_json *diff)
{
    const char *ct = pl_json_get_str(diff, "changeType");
    if (ct)
        return ct;
    const char *st = pl_json_get_str(ci, "configurationItemStatus");
    if (st && strcmp(st, "ResourceDiscovered") == 0)
        return "CREATE";
    if (st && pl_starts_with(st, "ResourceDeleted"))
        return "DELETE";
    return "UPDATE";
}

static const char *verb_of(const char *change_type)
{
    if (strcmp(change_type, "CREATE") == 0)
        return "Created";
    if (strcmp(change_type, "DELETE") == 0)
        return "Deleted";
    return "Updated";
}

/* Appends notificationCreationTime, messageType, recordVersion (the common tail). */
static void finish(struct pl_arena *a, struct pl_dmsg *m, const char *type, const char *rv,
                   int64_t now)
{
    set_iso(a, m->body, "notificationCreationTime", now);
    pl_json_set_str(a, m->body, "messageType", type);
    pl_json_set_str(a, m->body, "recordVersion", rv);
    m->type = pl_json_get_str(m->body, "messageType");
}

static const char *ci_subject(struct pl_arena *a, const struct pl_json *ci, const char *ct)
{
    const char *s = pl_arena_printf(
        a, "[AWS Config:%s] %s %s %s in Account %s", pl_json_get_str(ci, "awsRegion"),
        pl_json_get_str(ci, "resourceType"), pl_json_get_str(ci, "resourceId"), verb_of(ct),
        pl_json_get_str(ci, "awsAccountId"));
    return pl_delivery__msg_subject_cut(a, s);
}

int pl_delivery__msg_ci_change(struct pl_arena *a, const struct pl_json *ci,
                               const struct pl_json *diff, int64_t now, struct pl_dmsg *m)
{
    memset(m, 0, sizeof *m);
    const char *ct = change_type_of(ci, diff);
    m->body = pl_json_new_obj(a);
    struct pl_json *d;
    if (pl_json_is(diff, PL_JOBJ)) {
        d = pl_json_clone(a, diff);
    } else {
        d = pl_json_new_obj(a);
        pl_json_set(a, d, "changedProperties", pl_json_new_obj(a));
        pl_json_set_str(a, d, "changeType", ct);
    }
    pl_json_set(a, m->body, "configurationItemDiff", d);
    pl_json_set(a, m->body, "configurationItem", pl_json_clone(a, ci));
    finish(a, m, "ConfigurationItemChangeNotification", "1.3", now);
    m->subject = ci_subject(a, ci, ct);
    return 0;
}

/* configurationItemSummary: the CI without its documents. */
static struct pl_json *ci_summary(struct pl_arena *a, const struct pl_json *ci, const char *ct)
{
    static const char *const keys[] = {
        "configurationItemVersion", "configurationItemCaptureTime", "configurationStateId",
        "awsAccountId", "configurationItemStatus", "resourceType", "resourceId", "resourceName",
        "ARN", "awsRegion", "availabilityZone", "configurationStateMd5Hash",
        "resourceCreationTime"};
    struct pl_json *s = pl_json_new_obj(a);
    pl_json_set_str(a, s, "changeType", ct);
    for (size_t i = 0; i < PL_ARRAY_LEN(keys); i++)
        copy_or_null(a, s, keys[i], ci, NULL);
    return s;
}

static struct pl_json *str_or_null(struct pl_arena *a, const char *s)
{
    return s ? pl_json_new_str(a, s) : pl_json_new_null(a);
}

int pl_delivery__msg_oversized(struct pl_arena *a, const struct pl_json *ci, const char *ct,
                               const char *loc, const char *ecode, const char *emsg, int64_t now,
                               struct pl_dmsg *m)
{
    memset(m, 0, sizeof *m);
    m->body = pl_json_new_obj(a);
    pl_json_set(a, m->body, "configurationItemSummary", ci_summary(a, ci, ct));
    struct pl_json *s3 = pl_json_new_obj(a);
    pl_json_set(a, s3, "s3BucketLocation", str_or_null(a, loc));
    pl_json_set(a, s3, "errorCode", str_or_null(a, ecode));
    pl_json_set(a, s3, "errorMessage", str_or_null(a, emsg));
    pl_json_set(a, m->body, "s3DeliverySummary", s3);
    finish(a, m,
           loc ? "OversizedConfigurationItemChangeNotification"
               : "OversizedConfigurationItemChangeDeliveryFailed",
           "1.0", now);
    m->subject = ci_subject(a, ci, ct);
    return 0;
}

int pl_delivery__msg_compliance(struct pl_arena *a, const struct pl_json *p, int64_t now,
                                struct pl_dmsg *m)
{
    static const char *const keys[] = {"awsAccountId", "configRuleName", "configRuleARN",
                                       "resourceType", "resourceId", "awsRegion",
                                       "newEvaluationResult", "oldEvaluationResult"};
    memset(m, 0, sizeof *m);
    m->body = pl_json_new_obj(a);
    for (size_t i = 0; i < PL_ARRAY_LEN(keys); i++)
        copy_or_null(a, m->body, keys[i], p, NULL);
    finish(a, m, "ComplianceChangeNotification", "1.0", now);
    const char *ctype =
        pl_json_get_str(pl_json_get(p, "newEvaluationResult"), "complianceType");
    const char *s = pl_arena_printf(
        a, "[AWS Config:%s] %s %s is %s with %s in Account %s", pl_json_get_str(p, "awsRegion"),
        pl_json_get_str(p, "resourceType"), pl_json_get_str(p, "resourceId"),
        ctype ? ctype : "NOT_APPLICABLE", pl_json_get_str(p, "configRuleName"),
        pl_json_get_str(p, "awsAccountId"));
    m->subject = pl_delivery__msg_subject_cut(a, s);
    return 0;
}

int pl_delivery__msg_rules_started(struct pl_arena *a, const char *acct, const char *region,
                                   const struct pl_json *names, int64_t now, struct pl_dmsg *m)
{
    memset(m, 0, sizeof *m);
    m->body = pl_json_new_obj(a);
    pl_json_set_str(a, m->body, "awsAccountId", acct);
    pl_json_set_str(a, m->body, "awsRegion", region);
    pl_json_set(a, m->body, "configRuleNames",
                names ? pl_json_clone(a, names) : pl_json_new_arr(a));
    finish(a, m, "ConfigRulesEvaluationStarted", "1.0", now);
    m->subject = pl_delivery__msg_subject_cut(
        a, pl_arena_printf(a, "[AWS Config:%s] Config Rules Evaluation Started for Account %s",
                           region, acct));
    return 0;
}

/* type: "Started" | "Completed" | "Failed". key/bucket for Completed, error for Failed. */
int pl_delivery__msg_snapshot(struct pl_arena *a, const char *type, const char *acct,
                              const char *region, const char *sid, const char *bucket,
                              const char *key, const char *error, int64_t now, struct pl_dmsg *m)
{
    memset(m, 0, sizeof *m);
    m->body = pl_json_new_obj(a);
    pl_json_set_str(a, m->body, "configSnapshotId", sid);
    if (strcmp(type, "Completed") == 0) {
        pl_json_set_str(a, m->body, "s3ObjectKey", key);
        pl_json_set_str(a, m->body, "s3Bucket", bucket);
    } else if (strcmp(type, "Failed") == 0) {
        pl_json_set(a, m->body, "s3Bucket", str_or_null(a, bucket));
        pl_json_set(a, m->body, "failureReason", str_or_null(a, error));
    }
    finish(a, m, pl_arena_printf(a, "ConfigurationSnapshotDelivery%s", type), "1.1", now);
    m->subject = pl_delivery__msg_subject_cut(
        a, pl_arena_printf(a, "[AWS Config:%s] Configuration Snapshot Delivery %s for Account %s",
                           region, type, acct));
    return 0;
}

int pl_delivery__msg_history(struct pl_arena *a, const char *acct, const char *region,
                             const char *bucket, const char *key, int64_t now, struct pl_dmsg *m)
{
    memset(m, 0, sizeof *m);
    m->body = pl_json_new_obj(a);
    pl_json_set_str(a, m->body, "s3ObjectKey", key);
    pl_json_set_str(a, m->body, "s3Bucket", bucket);
    finish(a, m, "ConfigurationHistoryDeliveryCompleted", "1.1", now);
    m->subject = pl_delivery__msg_subject_cut(
        a, pl_arena_printf(a,
                           "[AWS Config:%s] Configuration History Delivery Completed for "
                           "Account %s",
                           region, acct));
    return 0;
}

/* The Message string: the body as compact JSON, or for the oversized variants AWS's
 * human-readable text around the pretty-printed summary. */
static const char *message_text(struct pl_arena *a, const struct pl_dmsg *m)
{
    if (!m->type || !pl_starts_with(m->type, "OversizedConfigurationItemChange"))
        return pl_json_dump(a, m->body, PL_JSON_COMPACT);
    return pl_arena_printf(
        a,
        "The full configuration item change notification for this resource exceeded the maximum "
        "size allowed by Amazon Simple Notification Service (SNS). A summary of the "
        "configuration item is provided here. You can view the complete notification in the "
        "specified Amazon S3 bucket location.\n\nNew State Record Summary:\n"
        "----------------------------\n%s",
        pl_json_dump(a, m->body, PL_JSON_PRETTY));
}

struct pl_json *pl_delivery__msg_envelope(struct pl_arena *a, const struct pl_dmsg *m,
                                          const char *topic_arn, const char *message_id,
                                          int64_t now)
{
    struct pl_json *e = pl_json_new_obj(a);
    char id[37];
    if (!message_id) {
        pl_uuid(id);
        message_id = id;
    }
    pl_json_set_str(a, e, "Type", "Notification");
    pl_json_set_str(a, e, "MessageId", message_id);
    pl_json_set_str(a, e, "TopicArn", topic_arn);
    pl_json_set_str(a, e, "Subject", m->subject);
    pl_json_set_str(a, e, "Message", message_text(a, m));
    set_iso(a, e, "Timestamp", now);
    pl_json_set_str(a, e, "SignatureVersion", "1");
    pl_json_set_str(a, e, "Signature", "");
    pl_json_set_str(a, e, "SigningCertURL", "");
    pl_json_set_str(a, e, "UnsubscribeURL", "");
    return e;
}

/* The Message text of m for SNS Publish (same as the envelope's Message). */
const char *pl_delivery__msg_text(struct pl_arena *a, const struct pl_dmsg *m)
{
    return message_text(a, m);
}
