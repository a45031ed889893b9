/* r_acct.c — account-level managed rules (one result for AWS::::Account per run) and the
 * CloudTrail per-trail rules.
 *
 * Account facts are fields of the AWS::::Account CI's configuration (passwordPolicy,
 * accountSummary, virtualMFADevices, ebsEncryptionByDefault, publicAccessBlock, securityHub,
 * guardDuty; docs/managed-rules.md). A missing field means the feature is off or absent, as
 * the AWS API would say (no password policy, no hub, ...). Trail-based account rules walk the
 * recorded AWS::CloudTrail::Trail CIs; a trail without isLogging is taken as logging (Config's
 * own trail CIs do not carry the status).
 */
#include <string.h>

#include "core/time.h"
#include "core/util.h"
#include "rules/managed/managed_int.h"

#define CFG "configuration."

static const struct pl_json *acfg(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                                  const char *path)
{
    return pl_managed__path(c, a->cfg, path);
}

/* ---- IAM ---- */

enum { PW_UPPER, PW_LOWER, PW_SYMBOLS, PW_NUMBERS, PW_MINLEN, PW_REUSE, PW_MAXAGE };
static const struct pl_managed_pspec password_params[] = {
    [PW_UPPER] = {.name = "RequireUppercaseCharacters",
                  .type = PL_MP_BOOL,
                  .def = "true",
                  .lower_true = true},
    [PW_LOWER] = {.name = "RequireLowercaseCharacters",
                  .type = PL_MP_BOOL,
                  .def = "true",
                  .lower_true = true},
    [PW_SYMBOLS] = {.name = "RequireSymbols",
                    .type = PL_MP_BOOL,
                    .def = "true",
                    .lower_true = true},
    [PW_NUMBERS] = {.name = "RequireNumbers",
                    .type = PL_MP_BOOL,
                    .def = "true",
                    .lower_true = true},
    [PW_MINLEN] =
        {.name = "MinimumPasswordLength", .type = PL_MP_INT, .def = "14", .min = 6, .max = 128},
    [PW_REUSE] =
        {.name = "PasswordReusePrevention", .type = PL_MP_INT, .def = "24", .min = 1, .max = 24},
    [PW_MAXAGE] = {.name = "MaxPasswordAge", .type = PL_MP_INT, .def = "90", .min = 1, .max = 1095},
};

static int password_policy(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                           struct pl_managed_eval *out)
{
    const struct pl_json *pp = acfg(c, a, "passwordPolicy");
    const struct pl_managed_pval *v = c->p->v;
    long long n;
    if (pl_managed__empty(pp))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The account has no IAM password policy.");
    for (int i = PW_UPPER; i <= PW_NUMBERS; i++) {
        const char *field = password_params[i].name;
        if (v[i].b && !pl_managed__true(pl_managed__get(pp, field)))
            return pl_managed__res(out, PL_NON_COMPLIANT, "The password policy does not set %s.",
                                   field);
    }
    if (v[PW_MINLEN].set &&
        (pl_managed__int(pl_managed__get(pp, "minimumPasswordLength"), &n) < 0 ||
         n < v[PW_MINLEN].i))
        return pl_managed__res(out, PL_NON_COMPLIANT, "MinimumPasswordLength is below %lld.",
                               v[PW_MINLEN].i);
    if (v[PW_REUSE].set &&
        (pl_managed__int(pl_managed__get(pp, "passwordReusePrevention"), &n) < 0 ||
         n < v[PW_REUSE].i))
        return pl_managed__res(out, PL_NON_COMPLIANT, "PasswordReusePrevention is below %lld.",
                               v[PW_REUSE].i);
    if (v[PW_MAXAGE].set && (pl_managed__int(pl_managed__get(pp, "maxPasswordAge"), &n) < 0 ||
                             n <= 0 || n > v[PW_MAXAGE].i))
        return pl_managed__res(out, PL_NON_COMPLIANT, "MaxPasswordAge is unset or above %lld days.",
                               v[PW_MAXAGE].i);
    return 0;
}

/* accountSummary is IAM GetAccountSummary's SummaryMap (keys as AWS spells them). */
static bool summary_is(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                       const char *key, int want)
{
    long long n;
    const struct pl_json *s = acfg(c, a, "accountSummary");
    return pl_managed__int(pl_json_get(s, key), &n) == 0 && n == want;
}

static int root_access_key(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                           struct pl_managed_eval *out)
{
    if (!summary_is(c, a, "AccountAccessKeysPresent", 0))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The root user has an access key.");
    return 0;
}

static int root_mfa(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                    struct pl_managed_eval *out)
{
    if (!summary_is(c, a, "AccountMFAEnabled", 1))
        return pl_managed__res(out, PL_NON_COMPLIANT, "MFA is not enabled for the root user.");
    return 0;
}

static int root_hardware_mfa(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                             struct pl_managed_eval *out)
{
    if (root_mfa(c, a, out) || out->compliance != PL_COMPLIANT)
        return 0;
    const struct pl_json *devs = acfg(c, a, "virtualMFADevices");
    for (const struct pl_json *d = devs ? devs->child : NULL; d; d = d->next) {
        const char *sn = pl_json_str(pl_managed__get(d, "serialNumber"));
        const char *user = pl_json_str(pl_managed__path(c, d, "user.arn"));
        size_t n = user ? strlen(user) : 0;
        if ((sn && strstr(sn, ":mfa/root-account-mfa-device")) ||
            (n > 5 && strcmp(user + n - 5, ":root") == 0))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The root user uses a virtual MFA device.");
    }
    return 0;
}

/* ---- account switches ---- */

static int ebs_default(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                       struct pl_managed_eval *out)
{
    if (!pl_managed__true(acfg(c, a, "ebsEncryptionByDefault")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "EBS encryption by default is disabled.");
    return 0;
}

static const struct pl_managed_pspec pab_params[] = {
    {.name = "BlockPublicAcls", .type = PL_MP_BOOL, .def = "true"},
    {.name = "BlockPublicPolicy", .type = PL_MP_BOOL, .def = "true"},
    {.name = "IgnorePublicAcls", .type = PL_MP_BOOL, .def = "true"},
    {.name = "RestrictPublicBuckets", .type = PL_MP_BOOL, .def = "true"},
};

static int account_pab(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                       struct pl_managed_eval *out)
{
    const struct pl_json *pab = acfg(c, a, "publicAccessBlock");
    if (!pab && c->env->get)
        pab = pl_json_get(
            c->env->get(c->env->u, "AWS::S3::AccountPublicAccessBlock", c->env->account),
            "configuration");
    for (size_t i = 0; i < PL_MIMPL_LEN(pab_params); i++)
        if (pl_managed__true(pl_managed__get(pab, pab_params[i].name)) != c->p->v[i].b)
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The account-level S3 Block Public Access setting %s is not %s.",
                                   pab_params[i].name, c->p->v[i].b ? "true" : "false");
    return 0;
}

static int security_hub(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                        struct pl_managed_eval *out)
{
    if (pl_managed__empty(acfg(c, a, "securityHub")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "Security Hub is not enabled.");
    return 0;
}

static const struct pl_managed_pspec gd_params[] = {
    {.name = "CentralMonitoringAccount", .type = PL_MP_LIST},
};

static int guardduty(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                     struct pl_managed_eval *out)
{
    const struct pl_json *dets = acfg(c, a, "guardDuty.detectors");
    bool on = false;
    for (const struct pl_json *d = dets ? dets->child : NULL; d; d = d->next)
        on |= pl_managed__streq(pl_managed__get(d, "status"), "ENABLED");
    if (!on)
        return pl_managed__res(out, PL_NON_COMPLIANT, "No GuardDuty detector is enabled.");
    const struct pl_managed_pval *central = &c->p->v[0]; /* accounts allowed to hold findings */
    const char *admin = pl_json_str(acfg(c, a, "guardDuty.administratorAccountId"));
    if (central->set && !pl_managed__in_list(central, c->env->account) &&
        !pl_managed__in_list(central, admin))
        return pl_managed__res(
            out, PL_NON_COMPLIANT,
            "GuardDuty findings are not centralized in one of the accounts %.150s.", central->s);
    return 0;
}

/* ---- trails ---- */

/* Params common to the trail account rules, by name (the specs below differ per rule). */
static const struct pl_managed_pval *param(const struct pl_managed__ctx *c, const char *name)
{
    const struct pl_managed_rule *r = c->p->rule;
    for (size_t i = 0; i < r->nparams; i++)
        if (strcmp(r->params[i].name, name) == 0)
            return &c->p->v[i];
    return NULL;
}

static bool param_matches(const struct pl_managed__ctx *c, const struct pl_json *cfg,
                          const char *name)
{
    const struct pl_managed_pval *p = param(c, name);
    return !p || !p->set || pl_managed__streq(pl_managed__get(cfg, name), p->s);
}

/* An event selector of the trail satisfying readWriteType / includeManagementEvents; trails
 * without selectors log all management events. */
static bool selectors_match(const struct pl_managed__ctx *c, const struct pl_json *cfg)
{
    const struct pl_managed_pval *rw = param(c, "readWriteType");
    const struct pl_managed_pval *mgmt = param(c, "includeManagementEvents");
    const struct pl_json *sels = pl_managed__get(cfg, "eventSelectors");
    if ((!rw || !rw->set) && (!mgmt || !mgmt->set))
        return true;
    if (pl_managed__empty(sels))
        return (!rw || !rw->set || strcmp(rw->s, "ALL") == 0) && (!mgmt || !mgmt->set || mgmt->b);
    for (const struct pl_json *s = sels->child; s; s = s->next) {
        const struct pl_json *t = pl_managed__get(s, "readWriteType");
        if ((!rw || !rw->set || pl_managed__streq(t, rw->s)) &&
            (!mgmt || !mgmt->set ||
             pl_managed__true(pl_managed__get(s, "includeManagementEvents")) == mgmt->b))
            return true;
    }
    return false;
}

struct trail_q {
    const struct pl_managed__ctx *c;
    bool multi_region;
    bool hit;
};

static bool logging(const struct pl_json *ci, const struct pl_json *cfg)
{
    const struct pl_json *l = pl_managed__get(cfg, "isLogging");
    if (!l)
        l = pl_json_path(ci, "supplementaryConfiguration.TrailStatus.isLogging");
    return !l || pl_managed__true(l);
}

static int trail_ok(void *u, const struct pl_json *ci)
{
    struct trail_q *q = u;
    const struct pl_json *cfg = pl_json_get(ci, "configuration");
    if (!logging(ci, cfg) ||
        (q->multi_region && !pl_managed__true(pl_managed__get(cfg, "isMultiRegionTrail"))))
        return 0;
    if (!param_matches(q->c, cfg, "s3BucketName") || !param_matches(q->c, cfg, "snsTopicArn") ||
        !param_matches(q->c, cfg, "cloudWatchLogsLogGroupArn") || !selectors_match(q->c, cfg))
        return 0;
    return q->hit = true;
}

static int any_trail(const struct pl_managed__ctx *c, struct pl_managed_eval *out, bool multi)
{
    struct trail_q q = {c, multi, false};
    if (pl_managed__need_env(c, "the recorded AWS::CloudTrail::Trail resources") < 0)
        return -1;
    c->env->each(c->env->u, "AWS::CloudTrail::Trail", trail_ok, &q);
    if (!q.hit)
        return pl_managed__res(out, PL_NON_COMPLIANT, "No logging %strail matches the parameters.",
                               multi ? "multi-region " : "");
    return 0;
}

static int cloudtrail_enabled(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                              struct pl_managed_eval *out)
{
    (void)a;
    return any_trail(c, out, false);
}

static int multi_region_trail(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                              struct pl_managed_eval *out)
{
    (void)a;
    return any_trail(c, out, true);
}

static const struct pl_managed_pspec trail_params[] = {
    {.name = "s3BucketName", .type = PL_MP_STR},
    {.name = "snsTopicArn", .type = PL_MP_STR},
    {.name = "cloudWatchLogsLogGroupArn", .type = PL_MP_STR},
};
static const struct pl_managed_pspec multi_trail_params[] = {
    {.name = "s3BucketName", .type = PL_MP_STR},
    {.name = "snsTopicArn", .type = PL_MP_STR},
    {.name = "cloudWatchLogsLogGroupArn", .type = PL_MP_STR},
    {.name = "includeManagementEvents", .type = PL_MP_BOOL},
    {.name = "readWriteType", .type = PL_MP_STR, .choices = "ReadOnly|WriteOnly|ALL"},
};

/* S3 data events: a selector whose dataResources of type AWS::S3::Object cover every bucket
 * ("arn:aws:s3" or "arn:aws:s3:::") or, with S3BucketNames, each named bucket. */
struct data_q {
    const struct pl_managed_pval *buckets;
    bool hit;
};

static bool covers(const struct pl_json *values, const char *bucket)
{
    for (const struct pl_json *x = values ? values->child : NULL; x; x = x->next) {
        const char *s = pl_json_str(x);
        if (!s)
            continue;
        if (strcmp(s, "arn:aws:s3") == 0 || strcmp(s, "arn:aws:s3:::") == 0)
            return true;
        size_t n = strlen("arn:aws:s3:::");
        if (bucket && pl_starts_with(s, "arn:aws:s3:::") &&
            strncmp(s + n, bucket, strlen(bucket)) == 0 &&
            (s[n + strlen(bucket)] == '/' || !s[n + strlen(bucket)]))
            return true;
    }
    return false;
}

static int trail_data_events(void *u, const struct pl_json *ci)
{
    struct data_q *q = u;
    const struct pl_json *cfg = pl_json_get(ci, "configuration");
    const struct pl_json *sels = pl_managed__get(cfg, "eventSelectors");
    if (!logging(ci, cfg))
        return 0;
    for (const struct pl_json *s = sels ? sels->child : NULL; s; s = s->next) {
        const struct pl_json *drs = pl_managed__get(s, "dataResources");
        for (const struct pl_json *d = drs ? drs->child : NULL; d; d = d->next) {
            if (!pl_managed__streq(pl_managed__get(d, "type"), "AWS::S3::Object"))
                continue;
            const struct pl_json *vals = pl_managed__get(d, "values");
            bool all = true;
            for (size_t i = 0; q->buckets->set && i < q->buckets->nitems; i++)
                all &= covers(vals, q->buckets->items[i]);
            if (q->buckets->set ? all : covers(vals, NULL))
                return q->hit = true;
        }
    }
    return 0;
}

static const struct pl_managed_pspec data_params[] = {
    {.name = "S3BucketNames", .type = PL_MP_LIST},
};

static int s3_data_events(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                          struct pl_managed_eval *out)
{
    struct data_q q = {&c->p->v[0], false};
    (void)a;
    if (pl_managed__need_env(c, "the recorded AWS::CloudTrail::Trail resources") < 0)
        return -1;
    c->env->each(c->env->u, "AWS::CloudTrail::Trail", trail_data_events, &q);
    if (!q.hit)
        return pl_managed__res(out, PL_NON_COMPLIANT, "No logging trail records S3 data events.");
    return 0;
}

/* CLOUDTRAIL_ALL_READ/WRITE_S3_DATA_EVENT_CHECK: a logging multi-region trail records the read
 * (write) S3 data events of all current and future buckets: a basic selector of readWriteType
 * All or ReadOnly (WriteOnly) with AWS::S3::Object values "arn:aws:s3" (or "arn:aws:s3:::"), or
 * an advanced selector of eventCategory Data, resources.type AWS::S3::Object, no field that
 * narrows the buckets or events, and readOnly absent or equal to true (false). */
static bool adv_field_is(const struct pl_json *f, const char *name, const char *value)
{
    const struct pl_json *eq = pl_managed__get(f, "equals");
    if (!pl_managed__streq(pl_managed__get(f, "field"), name))
        return false;
    for (const struct pl_json *e = eq ? eq->child : NULL; e; e = e->next)
        if (pl_managed__streq(e, value))
            return true;
    return false;
}

static bool adv_all_s3(const struct pl_json *sel, bool write)
{
    const struct pl_json *fs = pl_managed__get(sel, "fieldSelectors");
    bool data = false, s3 = false;
    for (const struct pl_json *f = fs ? fs->child : NULL; f; f = f->next) {
        const char *field = pl_json_str(pl_managed__get(f, "field"));
        if (adv_field_is(f, "eventCategory", "Data"))
            data = true;
        else if (adv_field_is(f, "resources.type", "AWS::S3::Object"))
            s3 = true;
        else if (field && strcmp(field, "readOnly") == 0) {
            if (!adv_field_is(f, "readOnly", write ? "false" : "true"))
                return false;
        } else {
            return false; /* resources.ARN, eventName, ...: not all buckets or events */
        }
    }
    return data && s3;
}

static bool basic_all_s3(const struct pl_json *sel, bool write)
{
    const struct pl_json *rw = pl_managed__get(sel, "readWriteType");
    const struct pl_json *drs = pl_managed__get(sel, "dataResources");
    if (rw && !pl_managed__streq(rw, "All") &&
        !pl_managed__streq(rw, write ? "WriteOnly" : "ReadOnly"))
        return false;
    for (const struct pl_json *d = drs ? drs->child : NULL; d; d = d->next)
        if (pl_managed__streq(pl_managed__get(d, "type"), "AWS::S3::Object") &&
            covers(pl_managed__get(d, "values"), NULL))
            return true;
    return false;
}

static int trail_all_s3(void *u, const struct pl_json *ci)
{
    const bool *write = u;
    const struct pl_json *cfg = pl_json_get(ci, "configuration");
    const struct pl_json *sels = pl_managed__get(cfg, "eventSelectors");
    const struct pl_json *adv = pl_managed__get(cfg, "advancedEventSelectors");
    bool hit = false;
    if (!pl_managed__true(pl_managed__get(cfg, "isMultiRegionTrail")))
        return 0;
    for (const struct pl_json *s = sels ? sels->child : NULL; s && !hit; s = s->next)
        hit = basic_all_s3(s, *write);
    for (const struct pl_json *s = adv ? adv->child : NULL; s && !hit; s = s->next)
        hit = adv_all_s3(s, *write);
    return hit && logging(ci, cfg); /* last: it may look in supplementaryConfiguration too */
}

static int all_s3_events(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                         struct pl_managed_eval *out)
{
    bool write = strstr(c->p->rule->identifier, "WRITE") != NULL;
    (void)a;
    if (pl_managed__need_env(c, "the recorded AWS::CloudTrail::Trail resources") < 0)
        return -1;
    if (c->env->each(c->env->u, "AWS::CloudTrail::Trail", trail_all_s3, &write))
        return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "No logging multi-region trail records all %s S3 data events of all "
                           "buckets.",
                           write ? "write" : "read");
}

/* CLOUDTRAIL_SECURITY_TRAIL_ENABLED: some logging trail is multi-region, records global
 * service events, validates log files, is encrypted with KMS and records all read and write
 * management events with no event source excluded. The selectors are the trail's recorded
 * eventSelectors or advancedEventSelectors (GetEventSelectors); a trail with neither and
 * hasCustomEventSelectors false has the default selector (all management events). */
static bool advanced_all_mgmt(const struct pl_json *sel)
{
    const struct pl_json *fs = pl_managed__get(sel, "fieldSelectors");
    bool mgmt = false;
    for (const struct pl_json *f = fs ? fs->child : NULL; f; f = f->next) {
        const struct pl_json *field = pl_managed__get(f, "field");
        if (pl_managed__streq(field, "readOnly") || pl_managed__streq(field, "eventSource"))
            return false; /* only reads or only writes, or some sources left out */
        if (pl_managed__streq(field, "eventCategory")) {
            const struct pl_json *eq = pl_managed__get(f, "equals");
            for (const struct pl_json *e = eq ? eq->child : NULL; e; e = e->next)
                mgmt |= pl_managed__streq(e, "Management");
        }
    }
    return mgmt;
}

static bool all_mgmt_events(const struct pl_json *cfg)
{
    const struct pl_json *sels = pl_managed__get(cfg, "eventSelectors");
    const struct pl_json *adv = pl_managed__get(cfg, "advancedEventSelectors");
    if (pl_managed__empty(sels) && pl_managed__empty(adv))
        return !pl_managed__true(pl_managed__get(cfg, "hasCustomEventSelectors"));
    for (const struct pl_json *s = sels ? sels->child : NULL; s; s = s->next)
        if (pl_managed__streq(pl_managed__get(s, "readWriteType"), "All") &&
            pl_managed__true(pl_managed__get(s, "includeManagementEvents")) &&
            pl_managed__empty(pl_managed__get(s, "excludeManagementEventSources")))
            return true;
    for (const struct pl_json *s = adv ? adv->child : NULL; s; s = s->next)
        if (advanced_all_mgmt(s))
            return true;
    return false;
}

struct secure_q {
    bool hit;
    const char *name, *why; /* the first trail examined and why it does not qualify */
};

static int trail_secure(void *u, const struct pl_json *ci)
{
    struct secure_q *q = u;
    const struct pl_json *cfg = pl_json_get(ci, "configuration");
    const char *why = NULL;
    if (!pl_managed__true(pl_managed__get(cfg, "isMultiRegionTrail")))
        why = "is not multi-region";
    else if (!pl_managed__true(pl_managed__get(cfg, "includeGlobalServiceEvents")))
        why = "does not record global service events";
    else if (!pl_managed__true(pl_managed__get(cfg, "logFileValidationEnabled")))
        why = "does not validate log files";
    else if (pl_managed__empty(pl_managed__get(cfg, "kmsKeyId")))
        why = "is not encrypted with a KMS key";
    else if (!all_mgmt_events(cfg))
        why = "does not record all read and write management events";
    else if (!logging(ci, cfg)) /* last: it may look in supplementaryConfiguration too */
        why = "is not logging";
    if (!why)
        return q->hit = true;
    if (!q->why) {
        q->name = pl_json_get_str(ci, "resourceId");
        q->why = why;
    }
    return 0;
}

static int security_trail(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                          struct pl_managed_eval *out)
{
    struct secure_q q = {false, NULL, NULL};
    (void)a;
    if (pl_managed__need_env(c, "the recorded AWS::CloudTrail::Trail resources") < 0)
        return -1;
    c->env->each(c->env->u, "AWS::CloudTrail::Trail", trail_secure, &q);
    if (q.hit)
        return 0;
    if (!q.why)
        return pl_managed__res(out, PL_NON_COMPLIANT, "No trail is recorded.");
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "No trail follows the security best practices (trail %.100s %s).",
                           q.name ? q.name : "?", q.why);
}

/* ---- EBS snapshots ---- */

struct snap_q {
    const char *id;
};

static int public_snapshot(void *u, const struct pl_json *ci)
{
    struct snap_q *q = u;
    const struct pl_json *perms = pl_json_path(ci, "configuration.createVolumePermissions");
    if (!perms)
        perms = pl_json_path(ci, "supplementaryConfiguration.CreateVolumePermissions");
    for (const struct pl_json *p = perms ? perms->child : NULL; p; p = p->next)
        if (pl_managed__streq(pl_managed__get(p, "group"), "all")) {
            q->id = pl_json_get_str(ci, "resourceId");
            return 1;
        }
    return 0;
}

static int snapshot_restorable(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                               struct pl_managed_eval *out)
{
    struct snap_q q = {NULL};
    (void)a;
    if (pl_managed__need_env(c, "the recorded AWS::EC2::Snapshot resources") < 0)
        return -1;
    if (c->env->each(c->env->u, "AWS::EC2::Snapshot", public_snapshot, &q))
        return pl_managed__res(out, PL_NON_COMPLIANT, "EBS snapshot %.100s is publicly restorable.",
                               q.id ? q.id : "?");
    return 0;
}

/* ---- per-trail rules ---- */

static const struct pl_managed_pspec cw_params[] = {
    {.name = "expectedDeliveryWindowAge", .type = PL_MP_INT, .min = 1, .max = 999999},
};

static int trail_cw_logs(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    const struct pl_managed_pval *age = &c->p->v[0];
    if (pl_managed__empty(pl_managed__get(v->cfg, "cloudWatchLogsLogGroupArn")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The trail does not send logs to CloudWatch Logs.");
    if (!age->set)
        return 0;
    int64_t t;
    const char *last = pl_json_str(pl_managed__path(
        c, v->ci,
        CFG "latestCloudWatchLogsDeliveryTime|"
            "supplementaryConfiguration.TrailStatus.latestCloudWatchLogsDeliveryTime"));
    if (!last || pl_time_parse(last, &t) < 0 || !c->env ||
        c->env->now_ms - t > age->i * 3600 * 1000LL)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "No CloudWatch Logs delivery in the last %lld hours.", age->i);
    return 0;
}

static const struct pl_managed__check trail_kms_checks[] = {
    {.path = CFG "kmsKeyId",
     .op = MCK_PRESENT,
     .why = "The trail's logs are not encrypted with SSE-KMS."},
};

#define PARAMS(t) .params = t, .nparams = PL_MIMPL_LEN(t)

const struct pl_managed_impl pl_managed__acct[] = {
    {.identifier = "IAM_PASSWORD_POLICY", PARAMS(password_params), .acct_fn = password_policy},
    {.identifier = "IAM_ROOT_ACCESS_KEY_CHECK", .acct_fn = root_access_key},
    {.identifier = "ROOT_ACCOUNT_MFA_ENABLED", .acct_fn = root_mfa},
    {.identifier = "ROOT_ACCOUNT_HARDWARE_MFA_ENABLED", .acct_fn = root_hardware_mfa},
    {.identifier = "EC2_EBS_ENCRYPTION_BY_DEFAULT", .acct_fn = ebs_default},
    {.identifier = "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
     PARAMS(pab_params),
     .acct_fn = account_pab},
    {.identifier = "SECURITYHUB_ENABLED", .acct_fn = security_hub},
    {.identifier = "GUARDDUTY_ENABLED_CENTRALIZED", PARAMS(gd_params), .acct_fn = guardduty},
    {.identifier = "CLOUD_TRAIL_ENABLED", PARAMS(trail_params), .acct_fn = cloudtrail_enabled},
    {.identifier = "MULTI_REGION_CLOUD_TRAIL_ENABLED",
     PARAMS(multi_trail_params),
     .acct_fn = multi_region_trail},
    {.identifier = "CLOUDTRAIL_S3_DATAEVENTS_ENABLED",
     PARAMS(data_params),
     .acct_fn = s3_data_events},
    {.identifier = "CLOUDTRAIL_ALL_READ_S3_DATA_EVENT_CHECK",
     .types = "AWS::::Account",
     .acct_fn = all_s3_events,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "CLOUDTRAIL_ALL_WRITE_S3_DATA_EVENT_CHECK",
     .types = "AWS::::Account",
     .acct_fn = all_s3_events,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK", .acct_fn = snapshot_restorable},
    {.identifier = "CLOUDTRAIL_SECURITY_TRAIL_ENABLED", .acct_fn = security_trail},
    {.identifier = "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED",
     PARAMS(cw_params),
     .ci_fn = trail_cw_logs},
    {.identifier = "CLOUD_TRAIL_ENCRYPTION_ENABLED",
     .checks = trail_kms_checks,
     .nchecks = PL_MIMPL_LEN(trail_kms_checks)},
};
const size_t pl_managed__acct_len = PL_MIMPL_LEN(pl_managed__acct);
