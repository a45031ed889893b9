/* r_ops.c — managed rules about backups (selections, plan schedules), containers (ECS, Fargate
 * platform versions, EKS secrets), builds, functions, launch configurations and a few field
 * tests on ECR, EKS, Kinesis, EIPs, network ACLs and Elastic Beanstalk.
 *
 * The *_IN_BACKUP_PLAN rules look the resource up in the recorded AWS::Backup::BackupSelection
 * CIs (a related-resource lookup through env->each): a selection covers the resource when one
 * of its Resources ARN patterns (IAM wildcards) matches the CI's arn, or one of its ListOfTags
 * conditions (STRINGEQUALS) matches a tag, and none of its NotResources patterns matches.
 * The *_RESOURCES_PROTECTED_BY_BACKUP_PLAN rules add the plan's copy destinations and the
 * target vault's lock (the selection's AWS::Backup::BackupPlan and AWS::Backup::BackupVault).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "rules/managed/managed_int.h"

#define CFG  "configuration."
#define SUPP "supplementaryConfiguration."

#define CHECKS(t) .checks = t, .nchecks = PL_MIMPL_LEN(t)
#define PARAMS(t) .params = t, .nparams = PL_MIMPL_LEN(t)

/* ---- AWS Backup selections ---- */

struct sel_q {
    const struct pl_managed__ctx *c;
    const char *arn;
    const struct pl_json *tags; /* the resource CI's "tags" map, or NULL */
    bool covered;
};

static bool any_glob(const struct pl_json *list, const char *arn)
{
    if (!arn)
        return false;
    for (const struct pl_json *p = list && list->type == PL_JARR ? list->child : NULL; p;
         p = p->next)
        if (pl_json_str(p) && pl_managed__glob(pl_json_str(p), arn))
            return true;
    return false;
}

static bool tag_condition(const struct pl_json *conds, const struct pl_json *tags)
{
    for (const struct pl_json *t = conds && conds->type == PL_JARR ? conds->child : NULL; t;
         t = t->next) {
        const char *k = pl_json_str(pl_managed__get(t, "conditionKey"));
        const struct pl_json *have = k && tags && tags->type == PL_JOBJ ? pl_json_get(tags, k)
                                                                        : NULL;
        if (have && pl_json_str(have) &&
            pl_managed__streq(pl_managed__get(t, "conditionValue"), pl_json_str(have)))
            return true;
    }
    return false;
}

static int selection_covers(void *u, const struct pl_json *ci)
{
    struct sel_q *q = u;
    const char *st = pl_json_str(pl_json_get(ci, "configurationItemStatus"));
    if (st && pl_starts_with(st, "ResourceDeleted"))
        return 0;
    const struct pl_json *cfg = pl_managed__doc(q->c, pl_json_get(ci, "configuration"));
    const struct pl_json *sel = pl_managed__get(cfg, "backupSelection");
    if (any_glob(pl_managed__get(sel, "notResources"), q->arn))
        return 0;
    if (any_glob(pl_managed__get(sel, "resources"), q->arn) ||
        tag_condition(pl_managed__get(sel, "listOfTags"), q->tags))
        return q->covered = true;
    return 0;
}

static int in_backup_plan(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    if (pl_managed__need_env(c, "the recorded AWS::Backup::BackupSelection resources") < 0)
        return -1;
    struct sel_q q = {c, pl_json_str(pl_json_get(v->ci, "arn")), pl_json_get(v->ci, "tags"), false};
    if (q.arn || q.tags)
        c->env->each(c->env->u, "AWS::Backup::BackupSelection", selection_covers, &q);
    if (!q.covered)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "No recorded AWS Backup selection covers %.150s.",
                               q.arn ? q.arn : "the resource (it has no ARN)");
    return 0;
}

/* *_RESOURCES_PROTECTED_BY_BACKUP_PLAN: a recorded selection covers the resource (as for
 * *_IN_BACKUP_PLAN) and, with the optional requirements, one rule of the selection's plan
 * (the AWS::Backup::BackupPlan CI whose resourceId is the selection's BackupPlanId) copies to a
 * vault in one of crossRegionList / crossAccountList (the region and account of
 * CopyActions[].DestinationBackupVaultArn) and, with backupVaultLockCheck, stores in a locked
 * vault: the AWS::Backup::BackupVault CI of TargetBackupVault (its resourceId is the vault name)
 * has a LockConfiguration whose MinRetentionDays is at least minRetentionDays and whose
 * MaxRetentionDays is at most maxRetentionDays. resourceTags and resourceId narrow the rule's
 * scope (other resources are NOT_APPLICABLE). */
enum { P_PB_TAGS, P_PB_ID, P_PB_REGIONS, P_PB_ACCOUNTS, P_PB_MAX, P_PB_MIN, P_PB_LOCK };
static const struct pl_managed_pspec protected_params[] = {
    [P_PB_TAGS] = {.name = "resourceTags", .type = PL_MP_JSON},
    [P_PB_ID] = {.name = "resourceId", .type = PL_MP_STR},
    [P_PB_REGIONS] = {.name = "crossRegionList", .type = PL_MP_LIST},
    [P_PB_ACCOUNTS] = {.name = "crossAccountList", .type = PL_MP_LIST},
    [P_PB_MAX] = {.name = "maxRetentionDays", .type = PL_MP_INT, .min = 1, .max = 36500},
    [P_PB_MIN] = {.name = "minRetentionDays", .type = PL_MP_INT, .min = 1, .max = 36500},
    [P_PB_LOCK] = {.name = "backupVaultLockCheck", .type = PL_MP_BOOL},
};

/* Field n (0-based, ':'-separated) of an ARN into buf; false when absent. */
static bool arn_field(const char *arn, int n, char *buf, size_t size)
{
    for (int i = 0; arn && i < n; i++) {
        arn = strchr(arn, ':');
        arn = arn ? arn + 1 : NULL;
    }
    if (!arn)
        return false;
    size_t len = strcspn(arn, ":");
    if (len == 0 || len >= size)
        return false;
    memcpy(buf, arn, len);
    buf[len] = 0;
    return true;
}

static bool copies_to(const struct pl_managed_pval *pv, const struct pl_json *rule, int field)
{
    if (!pv->set)
        return true;
    for (const struct pl_json *a = pl_managed__get(rule, "copyActions"); a && a->type == PL_JARR;
         a = NULL)
        for (const struct pl_json *e = a->child; e; e = e->next) {
            char f[64];
            if (arn_field(pl_json_str(pl_managed__get(e, "destinationBackupVaultArn")), field, f,
                          sizeof(f)) &&
                pl_managed__in_list(pv, f))
                return true;
        }
    return false;
}

static bool vault_locked(const struct pl_managed__ctx *c, const struct pl_json *rule)
{
    const struct pl_managed_pval *v = c->p->v;
    if (!v[P_PB_LOCK].set || !v[P_PB_LOCK].b)
        return true;
    const char *name = pl_json_str(pl_managed__get(rule, "targetBackupVault"));
    const struct pl_json *ci =
        name ? c->env->get(c->env->u, "AWS::Backup::BackupVault", name) : NULL;
    const struct pl_json *cfg = ci ? pl_managed__doc(c, pl_json_get(ci, "configuration")) : NULL;
    const struct pl_json *lock = pl_managed__get(cfg, "lockConfiguration");
    if (!lock || lock->type != PL_JOBJ)
        return false;
    long long n;
    if (v[P_PB_MIN].set &&
        (pl_managed__int(pl_managed__get(lock, "minRetentionDays"), &n) < 0 || n < v[P_PB_MIN].i))
        return false;
    if (v[P_PB_MAX].set &&
        (pl_managed__int(pl_managed__get(lock, "maxRetentionDays"), &n) < 0 || n > v[P_PB_MAX].i))
        return false;
    return true;
}

static bool plan_qualifies(const struct pl_managed__ctx *c, const char *plan_id)
{
    const struct pl_managed_pval *v = c->p->v;
    if (!v[P_PB_REGIONS].set && !v[P_PB_ACCOUNTS].set && !(v[P_PB_LOCK].set && v[P_PB_LOCK].b))
        return true;
    const struct pl_json *ci =
        plan_id ? c->env->get(c->env->u, "AWS::Backup::BackupPlan", plan_id) : NULL;
    const struct pl_json *cfg = ci ? pl_managed__doc(c, pl_json_get(ci, "configuration")) : NULL;
    const struct pl_json *rules =
        pl_managed__path(c, cfg, "BackupPlan.BackupPlanRule|BackupPlan.Rules|backupPlan.rules");
    for (const struct pl_json *r = rules && rules->type == PL_JARR ? rules->child : NULL; r;
         r = r->next)
        if (copies_to(&v[P_PB_REGIONS], r, 3) && copies_to(&v[P_PB_ACCOUNTS], r, 4) &&
            vault_locked(c, r))
            return true;
    return false;
}

struct prot_q {
    struct sel_q sel;
    bool selected; /* some selection covers the resource */
};

static int protection_covers(void *u, const struct pl_json *ci)
{
    struct prot_q *q = u;
    q->sel.covered = false;
    selection_covers(&q->sel, ci);
    if (!q->sel.covered)
        return 0;
    q->selected = true;
    const struct pl_json *cfg = pl_managed__doc(q->sel.c, pl_json_get(ci, "configuration"));
    return plan_qualifies(q->sel.c, pl_json_str(pl_managed__get(cfg, "backupPlanId")));
}

/* The resource carries every tag of resourceTags (values compared exactly). */
static bool has_tags(const struct pl_json *want, const struct pl_json *tags)
{
    for (const struct pl_json *t = want ? want->child : NULL; t; t = t->next) {
        char key[256];
        if (t->klen >= sizeof(key))
            return false;
        memcpy(key, t->key, t->klen);
        key[t->klen] = 0;
        const struct pl_json *have = tags && tags->type == PL_JOBJ ? pl_json_get(tags, key) : NULL;
        if (!have || !pl_json_str(have) || !pl_json_str(t) ||
            strcmp(pl_json_str(have), pl_json_str(t)) != 0)
            return false;
    }
    return true;
}

static int protected_by_plan(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                             struct pl_managed_eval *out)
{
    const struct pl_managed_pval *pv = c->p->v;
    const char *t = v->type;
    if (strcmp(t, "AWS::EC2::Instance") == 0 &&
        !pl_managed__streq(pl_managed__path(c, v->cfg, "state.name"), "running"))
        return pl_managed__na(out);
    if (strcmp(t, "AWS::RDS::DBCluster") == 0 &&
        (!pl_json_str(pl_managed__get(v->cfg, "engine")) ||
         !pl_starts_with(pl_json_str(pl_managed__get(v->cfg, "engine")), "aurora")))
        return pl_managed__na(out);
    if (pv[P_PB_ID].set && (!v->id || strcmp(v->id, pv[P_PB_ID].s) != 0))
        return pl_managed__na(out);
    const struct pl_json *tags = pl_json_get(v->ci, "tags");
    if (pv[P_PB_TAGS].set && !has_tags(pv[P_PB_TAGS].obj, tags))
        return pl_managed__na(out);
    if (pl_managed__need_env(c, "the recorded AWS::Backup::BackupSelection resources") < 0)
        return -1;
    struct prot_q q = {{c, pl_json_str(pl_json_get(v->ci, "arn")), tags, false}, false};
    int hit = 0;
    if (q.sel.arn || q.sel.tags)
        hit = c->env->each(c->env->u, "AWS::Backup::BackupSelection", protection_covers, &q);
    if (!q.selected)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "No recorded AWS Backup selection covers %.150s.",
                               q.sel.arn ? q.sel.arn : "the resource (it has no ARN)");
    if (!hit)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "No backup plan covering the resource meets crossRegionList, "
                               "crossAccountList or backupVaultLockCheck.");
    return 0;
}

/* BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK: some rule of the plan runs at least every
 * requiredFrequencyValue hours/days and keeps recovery points requiredRetentionDays or longer
 * (no Lifecycle.DeleteAfterDays: kept for ever). The interval of a schedule is the longest gap
 * between two runs: of cron(min hour day-of-month month day-of-week year), the hours when the
 * rule runs more than once a day, else the days (day-of-week, day-of-month) or months; of
 * rate(N unit), N units. */
enum { P_BP_VALUE, P_BP_RETENTION, P_BP_UNIT };
static const struct pl_managed_pspec backup_freq_params[] = {
    [P_BP_VALUE] =
        {.name = "requiredFrequencyValue", .type = PL_MP_INT, .def = "1", .min = 1, .max = 31},
    [P_BP_RETENTION] =
        {.name = "requiredRetentionDays", .type = PL_MP_INT, .def = "35", .min = 1, .max = 36500},
    [P_BP_UNIT] = {.name = "requiredFrequencyUnit",
                   .type = PL_MP_STR,
                   .def = "days",
                   .choices = "hours|days"},
};

/* A cron value: a number, or a day/month name ("MON", "JAN") counted from base. */
static long cron_num(const char **s, const char *const *names, int base)
{
    char *end;
    long n = strtol(*s, &end, 10);
    if (end != *s) {
        *s = end;
        return n;
    }
    for (int i = 0; names && names[i]; i++)
        if (strncasecmp(*s, names[i], 3) == 0) {
            *s += 3;
            return base + i;
        }
    return -1;
}

/* The values of cron field f (items "*", "?", "a", "a-b", "x/step", comma-separated) over
 * [lo, lo+n) as bits; 0 when the field does not parse. */
static uint64_t cron_set(const char *f, size_t flen, int lo, int n, const char *const *names)
{
    uint64_t bits = 0;
    char buf[64];
    if (flen >= sizeof(buf))
        return 0;
    memcpy(buf, f, flen);
    buf[flen] = 0;
    for (const char *s = buf; *s;) {
        long a = lo, b = lo + n - 1, step = 1;
        if (*s == '*' || *s == '?') {
            s++;
        } else {
            a = b = cron_num(&s, names, lo);
            if (*s == '-') {
                s++;
                b = cron_num(&s, names, lo);
            }
            if (*s == '/')
                b = lo + n - 1;
        }
        if (*s == '/') {
            s++;
            step = cron_num(&s, NULL, 0);
        }
        if (a < lo || b >= lo + n || a > b || step < 1 || (*s && *s != ','))
            return 0;
        for (long x = a; x <= b; x += step)
            bits |= 1ULL << (x - lo);
        s += *s == ',';
    }
    return bits;
}

/* The longest cyclic gap between the set bits of a cycle of n (n when one bit is set, 0 when
 * none is). */
static int max_gap(uint64_t bits, int n)
{
    int first = -1, prev = -1, gap = 0;
    for (int i = 0; i < n; i++) {
        if (!(bits >> i & 1))
            continue;
        if (prev >= 0 && i - prev > gap)
            gap = i - prev;
        if (first < 0)
            first = i;
        prev = i;
    }
    if (first >= 0 && first + n - prev > gap)
        gap = first + n - prev;
    return gap;
}

static bool cron_any(const char *f, size_t n)
{
    return n == 1 && (*f == '*' || *f == '?');
}

/* The longest interval of a schedule expression in hours, or -1 when it does not parse. */
static long long schedule_hours(const char *e)
{
    static const char *const days[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", NULL};
    static const char *const months[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL",
                                         "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
    long long n;
    char unit[16];
    if (!e)
        return -1;
    if (sscanf(e, "rate(%lld %15[a-z])", &n, unit) == 2 && n > 0)
        return pl_starts_with(unit, "minute") ? 1 : pl_starts_with(unit, "hour") ? n : n * 24;
    if (!pl_starts_with(e, "cron("))
        return -1;
    const char *f[6];
    size_t len[6], k = 0;
    for (const char *s = e + 5; *s && *s != ')' && k < 6; k++) {
        while (*s == ' ')
            s++;
        f[k] = s;
        while (*s && *s != ' ' && *s != ')')
            s++;
        len[k] = (size_t)(s - f[k]);
    }
    if (k < 5)
        return -1;
    uint64_t hours = cron_set(f[1], len[1], 0, 24, NULL);
    if (!hours || !cron_set(f[0], len[0], 0, 60, NULL))
        return -1;
    if (hours & (hours - 1)) /* more than one run a day */
        return max_gap(hours, 24);
    int gap = 1, per = 24; /* hours per step: once a day */
    if (!cron_any(f[3], len[3])) {
        gap = max_gap(cron_set(f[3], len[3], 1, 12, months), 12);
        per = 24 * 31;
    } else if (!cron_any(f[4], len[4])) {
        gap = max_gap(cron_set(f[4], len[4], 1, 7, days), 7);
    } else if (!cron_any(f[2], len[2])) {
        gap = max_gap(cron_set(f[2], len[2], 1, 31, NULL), 31);
    }
    return gap > 0 ? (long long)gap * per : -1;
}

static int backup_frequency(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                            struct pl_managed_eval *out)
{
    const struct pl_managed_pval *pv = c->p->v;
    long long want = pv[P_BP_VALUE].i * (strcmp(pv[P_BP_UNIT].s, "hours") == 0 ? 1 : 24);
    const struct pl_json *rules =
        pl_managed__path(c, v->cfg, "BackupPlan.BackupPlanRule|BackupPlan.Rules|backupPlan.rules");
    const char *why = "The backup plan has no rule.";
    for (const struct pl_json *r = rules ? rules->child : NULL; r; r = r->next) {
        long long h = schedule_hours(pl_json_str(pl_managed__get(r, "ScheduleExpression")));
        long long keep;
        const struct pl_json *del = pl_managed__path(c, r, "Lifecycle.DeleteAfterDays");
        if (h < 0 || h > want) {
            why = h < 0 ? "No rule of the backup plan has a schedule plumb can read."
                        : "No rule of the backup plan runs as often as required.";
            continue;
        }
        if (!pl_managed__empty(del) &&
            (pl_managed__int(del, &keep) < 0 || keep < pv[P_BP_RETENTION].i)) {
            why = "No rule of the backup plan keeps recovery points for requiredRetentionDays.";
            continue;
        }
        return 0;
    }
    return pl_managed__res(out, PL_NON_COMPLIANT, "%s", why);
}

/* ---- ECS task definitions ---- */

/* Calls fn for each container definition; the first non-zero answer names the container. */
static int each_container(const struct pl_managed__ci *v, bool (*bad)(const struct pl_json *d),
                          const char *why, struct pl_managed_eval *out)
{
    const struct pl_json *defs = pl_managed__get(v->cfg, "containerDefinitions");
    for (const struct pl_json *d = defs ? defs->child : NULL; d; d = d->next)
        if (bad(d))
            return pl_managed__res(out, PL_NON_COMPLIANT, "Container %.100s %s.",
                                   pl_json_str(pl_managed__get(d, "name")), why);
    return 0;
}

static bool writable_root(const struct pl_json *d)
{
    return !pl_managed__true(pl_managed__get(d, "readonlyRootFilesystem"));
}
static bool privileged(const struct pl_json *d)
{
    return pl_managed__true(pl_managed__get(d, "privileged"));
}
static bool root_user(const struct pl_json *d)
{
    const struct pl_json *u = pl_managed__get(d, "user");
    return pl_managed__empty(u) || pl_managed__streq(u, "root") || pl_managed__streq(u, "0");
}

static int ecs_readonly(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    (void)c;
    return each_container(v, writable_root, "has a writable root filesystem", out);
}
static int ecs_nonprivileged(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                             struct pl_managed_eval *out)
{
    (void)c;
    return each_container(v, privileged, "runs privileged", out);
}

/* Active task definitions (others N/A): every container has a logConfiguration. */
static bool no_log_config(const struct pl_json *d)
{
    return pl_managed__empty(pl_managed__get(d, "logConfiguration"));
}

static int ecs_log_config(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    (void)c;
    if (!pl_managed__streq(pl_managed__get(v->cfg, "status"), "ACTIVE"))
        return pl_managed__na(out);
    return each_container(v, no_log_config, "has no log configuration", out);
}

/* ECS_NO_ENVIRONMENT_SECRETS: no container's environment (name/value pairs; environmentFiles
 * in S3 are not read, as AWS documents) has a variable named in secretKeys. */
static const struct pl_managed_pspec secret_keys_params[] = {
    {.name = "secretKeys", .type = PL_MP_LIST, .required = true},
};

static int ecs_env_secrets(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    const struct pl_json *defs = pl_managed__get(v->cfg, "containerDefinitions");
    for (const struct pl_json *d = defs ? defs->child : NULL; d; d = d->next) {
        const struct pl_json *env = pl_managed__get(d, "environment");
        for (const struct pl_json *e = env ? env->child : NULL; e; e = e->next) {
            const char *name = pl_json_str(pl_managed__get(e, "name"));
            if (pl_managed__in_list(&c->p->v[0], name))
                return pl_managed__res(out, PL_NON_COMPLIANT,
                                       "Container %.100s passes %.100s as an environment variable.",
                                       pl_json_str(pl_managed__get(d, "name")), name);
        }
    }
    return 0;
}

/* Only task definitions that can run on the EC2 launch type are judged, as AWS documents. */
static int ecs_nonroot(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const struct pl_json *compat = pl_managed__get(v->cfg, "requiresCompatibilities");
    bool ec2 = pl_managed__empty(compat);
    for (const struct pl_json *x = compat && compat->type == PL_JARR ? compat->child : NULL; x;
         x = x->next)
        ec2 |= pl_managed__streq(x, "EC2");
    (void)c;
    if (!ec2)
        return pl_managed__na(out);
    return each_container(v, root_user, "runs as root (no user, or user root)", out);
}

/* ---- CodeBuild ---- */

/* artifacts is an object or (in Config CIs) an array; secondaryArtifacts an array. */
static bool encryption_disabled(const struct pl_json *a)
{
    for (const struct pl_json *x = a && a->type == PL_JARR ? a->child : a; x;
         x = a->type == PL_JARR ? x->next : NULL)
        if (pl_managed__true(pl_managed__get(x, "encryptionDisabled")))
            return true;
    return false;
}

static int codebuild_artifacts(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                               struct pl_managed_eval *out)
{
    (void)c;
    if (encryption_disabled(pl_managed__get(v->cfg, "artifacts")) ||
        encryption_disabled(pl_managed__get(v->cfg, "secondaryArtifacts")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "An artifact of the project is not encrypted.");
    return 0;
}

enum { P_CB_BUCKETS, P_CB_GROUPS };
static const struct pl_managed_pspec cb_log_params[] = {
    {.name = "s3BucketNames", .type = PL_MP_LIST},
    {.name = "cloudWatchGroupNames", .type = PL_MP_LIST},
};

/* s3Logs.location is "bucket/prefix": the bucket is the part before the first '/'. */
static bool bucket_listed(const struct pl_managed_pval *pv, const char *loc)
{
    char b[256];
    if (!loc)
        return false;
    pl_strlcpy(b, loc, sizeof(b));
    char *slash = strchr(b, '/');
    if (slash)
        *slash = 0;
    return pl_managed__in_list(pv, b);
}

/* At least one log option enabled; an enabled option must go where the parameters say. */
static int codebuild_logging(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                             struct pl_managed_eval *out)
{
    const struct pl_json *lc = pl_managed__get(v->cfg, "logsConfig");
    const struct pl_json *cw = pl_managed__get(lc, "cloudWatchLogs"),
                         *s3 = pl_managed__get(lc, "s3Logs");
    const struct pl_managed_pval *pv = c->p->v;
    bool cw_on = cw && !pl_managed__streq(pl_managed__get(cw, "status"), "DISABLED");
    bool s3_on = s3 && pl_managed__streq(pl_managed__get(s3, "status"), "ENABLED");
    if (!cw_on && !s3_on)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Every log option of the project is disabled.");
    if (cw_on && pv[P_CB_GROUPS].set &&
        !pl_managed__in_list(&pv[P_CB_GROUPS], pl_json_str(pl_managed__get(cw, "groupName"))))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "CloudWatch logs do not go to one of cloudWatchGroupNames.");
    if (s3_on && pv[P_CB_BUCKETS].set &&
        !bucket_listed(&pv[P_CB_BUCKETS], pl_json_str(pl_managed__get(s3, "location"))))
        return pl_managed__res(out, PL_NON_COMPLIANT, "S3 logs do not go to one of s3BucketNames.");
    return 0;
}

static const struct pl_managed_pspec exempt_projects_params[] = {
    {.name = "exemptedProjects", .type = PL_MP_LIST},
};

static int codebuild_privileged(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                                struct pl_managed_eval *out)
{
    if (!pl_managed__true(pl_managed__path(c, v->cfg, "environment.privilegedMode")))
        return 0;
    if (pl_managed__in_list(&c->p->v[0], pl_json_str(pl_managed__get(v->cfg, "name"))))
        return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "The project environment runs in privileged mode.");
}

/* S3 logs that are enabled must be encrypted, unless the project is one of exemptedProjects. */
static int codebuild_s3_logs(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                             struct pl_managed_eval *out)
{
    const struct pl_json *s3 = pl_managed__path(c, v->cfg, "logsConfig.s3Logs");
    if (!pl_managed__streq(pl_managed__get(s3, "status"), "ENABLED"))
        return pl_managed__na(out);
    if (!pl_managed__true(pl_managed__get(s3, "encryptionDisabled")) ||
        pl_managed__in_list(&c->p->v[0], pl_json_str(pl_managed__get(v->cfg, "name"))))
        return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "The project's S3 logs are not encrypted (encryptionDisabled is true).");
}

/* ---- Lambda ---- */

/* LAMBDA_FUNCTION_SETTINGS_CHECK: zip-packaged functions (Image: N/A) have a runtime in the
 * list and the role (name or ARN), timeout and memory size given. */
enum { P_LS_RUNTIME, P_LS_ROLE, P_LS_TIMEOUT, P_LS_MEMORY };
static const struct pl_managed_pspec lambda_settings_params[] = {
    [P_LS_RUNTIME] = {.name = "runtime", .type = PL_MP_LIST, .required = true},
    [P_LS_ROLE] = {.name = "role", .type = PL_MP_STR},
    [P_LS_TIMEOUT] = {.name = "timeout", .type = PL_MP_INT, .def = "3", .min = 1, .max = 900},
    [P_LS_MEMORY] =
        {.name = "memorySize", .type = PL_MP_INT, .def = "128", .min = 128, .max = 10240},
};
static const struct pl_managed__check lambda_settings_checks[] = {
    {.path = CFG "packageType", .op = MCK_NE, .arg = "Image", .applies = true},
    {.path = CFG "runtime",
     .op = MCK_IN_PARAM,
     .param = P_LS_RUNTIME,
     .why = "The function's runtime is not one of runtime."},
    {.path = CFG "role",
     .op = MCK_EQ_PARAM,
     .param = P_LS_ROLE,
     .why = "The function's execution role is not role."},
    {.path = CFG "timeout",
     .op = MCK_EQ_INT_PARAM,
     .param = P_LS_TIMEOUT,
     .why = "The function's timeout is not timeout (default 3 s)."},
    {.path = CFG "memorySize",
     .op = MCK_EQ_INT_PARAM,
     .param = P_LS_MEMORY,
     .why = "The function's memory size is not memorySize (default 128 MB)."},
};

/* LAMBDA_VPC_MULTI_AZ_CHECK: a function in a VPC (others N/A) has subnets in availabilityZones
 * zones or more (unset: two); each subnet's zone is read from its recorded CI. */
static const struct pl_managed_pspec lambda_az_params[] = {
    {.name = "availabilityZones", .type = PL_MP_INT, .min = 1, .max = 16},
};

static int lambda_multi_az(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    const struct pl_json *subnets = pl_managed__path(c, v->cfg, "vpcConfig.subnetIds");
    const char *zones[16], *missing = NULL;
    long long want = c->p->v[0].set ? c->p->v[0].i : 2;
    int n = 0;
    if (pl_managed__empty(subnets))
        return pl_managed__na(out);
    if (pl_managed__need_env(c, "the recorded AWS::EC2::Subnet resources") < 0)
        return -1;
    for (const struct pl_json *s = subnets->child; s; s = s->next) {
        const char *id = pl_json_str(s);
        const struct pl_json *ci = id ? c->env->get(c->env->u, "AWS::EC2::Subnet", id) : NULL;
        const char *az =
            ci ? pl_json_str(pl_managed__path(c, ci, "configuration.availabilityZone")) : NULL;
        int k = 0;
        if (!az) {
            missing = id;
            continue;
        }
        while (k < n && strcmp(zones[k], az) != 0)
            k++;
        if (k == n && n < (int)PL_MIMPL_LEN(zones))
            zones[n++] = az;
    }
    if (n >= want)
        return 0;
    if (missing)
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "Subnet %.100s of the function is not recorded.", missing);
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "The function's subnets are in %d Availability Zones, fewer than %lld.",
                           n, want);
}

static const struct pl_managed_pspec dlq_params[] = {{.name = "dlqArns", .type = PL_MP_LIST}};
static const struct pl_managed__check dlq_checks[] = {
    {.path = CFG "deadLetterConfig.targetArn",
     .op = MCK_PRESENT,
     .why = "The function has no dead-letter queue."},
    {.path = CFG "deadLetterConfig.targetArn",
     .op = MCK_IN_PARAM,
     .why = "The function's dead-letter queue is not one of dlqArns."},
};

enum { P_CC_LOW, P_CC_HIGH };
static const struct pl_managed_pspec concurrency_params[] = {
    {.name = "ConcurrencyLimitLow", .type = PL_MP_INT, .min = 0, .max = 1000000},
    {.name = "ConcurrencyLimitHigh", .type = PL_MP_INT, .min = 0, .max = 1000000},
};
static const struct pl_managed__check concurrency_checks[] = {
    {.path = SUPP "Concurrency.reservedConcurrentExecutions",
     .op = MCK_PRESENT,
     .why = "The function has no function-level concurrency limit."},
    {.path = SUPP "Concurrency.reservedConcurrentExecutions",
     .op = MCK_GE_PARAM,
     .param = P_CC_LOW,
     .why = "The function's concurrency limit is below ConcurrencyLimitLow."},
    {.path = SUPP "Concurrency.reservedConcurrentExecutions",
     .op = MCK_LE_PARAM,
     .param = P_CC_HIGH,
     .why = "The function's concurrency limit is above ConcurrencyLimitHigh."},
};

/* ---- field tests ---- */

static const struct pl_managed__check ecr_scan_checks[] = {
    {.path = CFG "imageScanningConfiguration.scanOnPush",
     .op = MCK_TRUE,
     .why = "Image scanning on push is not enabled for the repository."},
};
static const struct pl_managed__check ecr_immutable_checks[] = {
    {.path = CFG "imageTagMutability",
     .op = MCK_PREFIX,
     .arg = "IMMUTABLE",
     .why = "Tag immutability is not enabled for the repository."},
};
static const struct pl_managed__check eks_public_checks[] = {
    {.path = CFG "resourcesVpcConfig.endpointPublicAccess",
     .op = MCK_NOT_TRUE,
     .why = "The cluster endpoint is publicly accessible."},
};
/* CODEDEPLOY_LAMBDA_ALLATONCE_TRAFFIC_SHIFT_DISABLED: Lambda deployment groups (others N/A)
 * name a deployment configuration other than the default, all-at-once one. */
static const struct pl_managed__check codedeploy_allatonce_checks[] = {
    {.path = CFG "computePlatform", .op = MCK_EQ, .arg = "Lambda", .applies = true},
    {.path = CFG "deploymentConfigName",
     .op = MCK_PRESENT,
     .why = "The deployment group uses the default CodeDeployDefault.LambdaAllAtOnce."},
    {.path = CFG "deploymentConfigName",
     .op = MCK_NE,
     .arg = "CodeDeployDefault.LambdaAllAtOnce",
     .why = "The deployment group shifts all traffic at once (CodeDeployDefault.LambdaAllAtOnce)."},
};

/* EKS_CLUSTER_OLDEST_SUPPORTED_VERSION: the cluster's Kubernetes version (major.minor) is newer
 * than oldestVersionSupported. */
static const struct pl_managed_pspec eks_oldest_params[] = {
    {.name = "oldestVersionSupported", .type = PL_MP_STR, .required = true},
};

static int eks_oldest(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    const char *have = pl_json_str(pl_managed__get(v->cfg, "version"));
    long h = pl_managed__version_rank(have), oldest = pl_managed__version_rank(c->p->v[0].s);
    if (h < 0 || oldest < 0 || h <= oldest)
        return pl_managed__res(
            out, PL_NON_COMPLIANT,
            "The cluster runs Kubernetes %.20s, not newer than oldestVersionSupported "
            "%.20s.",
            have ? have : "(unknown)", c->p->v[0].s);
    return 0;
}

static const struct pl_managed__check kinesis_checks[] = {
    {.path = CFG "streamEncryption",
     .op = MCK_PRESENT,
     .why = "The stream is not encrypted at rest."},
};
static const struct pl_managed__check nacl_unused_checks[] = {
    {.path = CFG "associations",
     .op = MCK_PRESENT,
     .why = "The network ACL is not associated with a subnet."},
};
static const struct pl_managed__check xray_checks[] = {
    {.path = CFG "tracingEnabled", .op = MCK_TRUE, .why = "X-Ray tracing is not enabled."},
};
static const struct pl_managed__check rds_iam_auth_checks[] = {
    {.path = CFG "iAMDatabaseAuthenticationEnabled|" CFG "iamDatabaseAuthenticationEnabled",
     .op = MCK_TRUE,
     .why = "IAM database authentication is not enabled."},
};
/* Only running instances are judged, as AWS documents. */
static const struct pl_managed__check key_pair_checks[] = {
    {.path = CFG "state.name", .op = MCK_EQ, .arg = "running", .applies = true},
    {.path = CFG "keyName", .op = MCK_ABSENT, .why = "The instance was launched with a key pair."},
};
static const struct pl_managed__check search_fgac_checks[] = {
    {.path = CFG "advancedSecurityOptions.enabled",
     .op = MCK_TRUE,
     .why = "Fine-grained access control is not enabled on the domain."},
};

static const struct pl_managed_pspec audit_groups_params[] = {
    {.name = "cloudWatchLogsLogGroupArnList", .type = PL_MP_LIST},
};
static const struct pl_managed__check search_audit_checks[] = {
    {.path = CFG "logPublishingOptions.AUDIT_LOGS.enabled",
     .op = MCK_TRUE,
     .why = "Audit logging is not enabled on the domain."},
    {.path = CFG "logPublishingOptions.AUDIT_LOGS.cloudWatchLogsLogGroupArn",
     .op = MCK_IN_PARAM,
     .why = "Audit logs do not go to one of cloudWatchLogsLogGroupArnList."},
};

static const struct pl_managed_pspec bucket_names_params[] = {
    {.name = "bucketNames", .type = PL_MP_LIST},
};
static const struct pl_managed__check redshift_audit_checks[] = {
    {.path = SUPP "LoggingStatus.loggingEnabled",
     .op = MCK_TRUE,
     .why = "Audit logging is not enabled for the cluster."},
    {.path = SUPP "LoggingStatus.bucketName",
     .op = MCK_IN_PARAM,
     .why = "Audit logs do not go to one of bucketNames."},
};

/* An Elastic IP must be associated with an instance or a network interface. */
static int eip_attached(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    (void)c;
    if (pl_managed__empty(pl_managed__get(v->cfg, "associationId")) &&
        pl_managed__empty(pl_managed__get(v->cfg, "instanceId")) &&
        pl_managed__empty(pl_managed__get(v->cfg, "networkInterfaceId")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The Elastic IP address is not attached.");
    return 0;
}

/* ---- EFS access points, WAF Regional, OpenSearch nodes, account BPA CI, ECR lifecycle, ECS
 * clusters and task definitions (ranks 164-192) ---- */

enum { P_AP_UIDS, P_AP_GIDS };
static const struct pl_managed_pspec ap_user_params[] = {
    {.name = "approvedUids", .type = PL_MP_LIST},
    {.name = "approvedGids", .type = PL_MP_LIST},
};
static const struct pl_managed__check ap_user_checks[] = {
    {.path = CFG "posixUser",
     .op = MCK_PRESENT,
     .why = "The access point enforces no user identity."},
    {.path = CFG "posixUser.uid",
     .op = MCK_IN_PARAM,
     .param = P_AP_UIDS,
     .why = "The access point's POSIX user id is not one of approvedUids."},
    {.path = CFG "posixUser.gid",
     .op = MCK_IN_PARAM,
     .param = P_AP_GIDS,
     .why = "The access point's POSIX group id is not one of approvedGids."},
};

static const struct pl_managed_pspec ap_dir_params[] = {
    {.name = "approvedDirectories", .type = PL_MP_LIST},
};
/* No RootDirectory means "/", the file system's root. */
static const struct pl_managed__check ap_dir_checks[] = {
    {.path = CFG "rootDirectory.path",
     .op = MCK_PRESENT,
     .why = "The access point does not enforce a root directory (it uses /)."},
    {.path = CFG "rootDirectory.path",
     .op = MCK_NE,
     .arg = "/",
     .why = "The access point does not enforce a root directory (it uses /)."},
    {.path = CFG "rootDirectory.path",
     .op = MCK_IN_PARAM,
     .why = "The access point's root directory is not one of approvedDirectories."},
};

static const struct pl_managed__check waf_acl_checks[] = {
    {.path = CFG "rulesList|" CFG "rules",
     .op = MCK_PRESENT,
     .why = "The web ACL has no rules or rule groups."},
};
static const struct pl_managed__check waf_group_checks[] = {
    {.path = CFG "rules", .op = MCK_PRESENT, .why = "The rule group has no rules."},
};

static const struct pl_managed__check search_nodes_checks[] = {
    {.path = CFG "clusterConfig.instanceCount",
     .op = MCK_GT,
     .arg = "2",
     .why = "The domain has fewer than three data nodes."},
    {.path = CFG "clusterConfig.zoneAwarenessEnabled",
     .op = MCK_TRUE,
     .why = "Zone awareness is not enabled on the domain."},
};

static const struct pl_managed__check ecr_lifecycle_checks[] = {
    {.path = CFG "lifecyclePolicy.lifecyclePolicyText|" CFG "lifecyclePolicy.registryId",
     .op = MCK_PRESENT,
     .why = "The repository has no lifecycle policy."},
};

static const struct pl_managed__check pid_mode_checks[] = {
    {.path = CFG "pidMode",
     .op = MCK_NE,
     .arg = "host",
     .why = "The task definition shares the host's process namespace (pidMode host)."},
};

static bool no_memory(const struct pl_json *d)
{
    return pl_managed__empty(pl_managed__get(d, "memory"));
}

static int ecs_memory(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    (void)c;
    return each_container(v, no_memory, "has no memory limit", out);
}

/* Cluster setting containerInsights must be enabled (or enhanced). */
static int ecs_insights(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    const struct pl_json *set = pl_managed__get(v->cfg, "clusterSettings");
    (void)c;
    for (const struct pl_json *e = set ? set->child : NULL; e; e = e->next)
        if (pl_managed__streq(pl_managed__get(e, "name"), "containerInsights") &&
            (pl_managed__streq(pl_managed__get(e, "value"), "enabled") ||
             pl_managed__streq(pl_managed__get(e, "value"), "enhanced")))
            return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "Container Insights is not enabled on the cluster.");
}

/* ECS_FARGATE_LATEST_PLATFORM_VERSION: a Fargate service (launch type or capacity provider)
 * runs platform version LATEST (ECS's default when none is given) or the latest version the
 * parameter for its family names (Windows when platformFamily says so, else Linux). */
enum { P_FG_LINUX, P_FG_WINDOWS };
static const struct pl_managed_pspec fargate_params[] = {
    [P_FG_LINUX] = {.name = "latestLinuxVersion", .type = PL_MP_STR},
    [P_FG_WINDOWS] = {.name = "latestWindowsVersion", .type = PL_MP_STR},
};

static bool on_fargate(const struct pl_managed__ci *v)
{
    if (pl_managed__streq(pl_managed__get(v->cfg, "launchType"), "FARGATE"))
        return true;
    const struct pl_json *cps = pl_managed__get(v->cfg, "capacityProviderStrategy");
    for (const struct pl_json *p = cps ? cps->child : NULL; p; p = p->next) {
        const char *name = pl_json_str(pl_managed__get(p, "capacityProvider"));
        if (name && pl_starts_with(name, "FARGATE"))
            return true;
    }
    return false;
}

static int fargate_latest(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    if (!on_fargate(v))
        return pl_managed__na(out);
    const struct pl_json *ver = pl_managed__get(v->cfg, "platformVersion");
    if (pl_managed__empty(ver) || pl_managed__streq(ver, "LATEST"))
        return 0;
    const char *family = pl_json_str(pl_managed__get(v->cfg, "platformFamily"));
    int which = family && strncasecmp(family, "WINDOWS", 7) == 0 ? P_FG_WINDOWS : P_FG_LINUX;
    const struct pl_managed_pval *want = &c->p->v[which];
    if (!want->set)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Platform version %.40s is not LATEST and %s is not given.",
                               pl_json_str(ver), fargate_params[which].name);
    if (!pl_managed__streq(ver, want->s))
        return pl_managed__res(out, PL_NON_COMPLIANT, "Platform version %.40s is not %s (%.40s).",
                               pl_json_str(ver), fargate_params[which].name, want->s);
    return 0;
}

/* EKS_SECRETS_ENCRYPTED: an encryptionConfig entry covers "secrets", with a key among
 * kmsKeyArns when that is set. */
static const struct pl_managed_pspec eks_kms_params[] = {
    {.name = "kmsKeyArns", .type = PL_MP_LIST},
};

static bool lists_secrets(const struct pl_json *resources)
{
    for (const struct pl_json *r = resources ? resources->child : NULL; r; r = r->next)
        if (pl_managed__streq(r, "secrets"))
            return true;
    return false;
}

static int eks_secrets(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const struct pl_managed_pval *keys = &c->p->v[0];
    const char *other = NULL;
    const struct pl_json *ec = pl_managed__get(v->cfg, "encryptionConfig");
    for (const struct pl_json *e = ec ? ec->child : NULL; e; e = e->next) {
        if (!lists_secrets(pl_managed__get(e, "resources")))
            continue;
        const char *key = pl_json_str(pl_managed__path(c, e, "provider.keyArn"));
        if (!keys->set || pl_managed__in_list(keys, key))
            return 0;
        other = key ? key : "(none)";
    }
    if (other)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Secrets are encrypted with KMS key %.150s, not one of kmsKeyArns.",
                               other);
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "The cluster does not encrypt Kubernetes secrets with a KMS key.");
}

static const struct pl_managed__check lc_imdsv2_checks[] = {
    {.path = CFG "metadataOptions.httpTokens",
     .op = MCK_EQ,
     .arg = "required",
     .why = "The launch configuration does not require IMDSv2 (metadataOptions.httpTokens is "
            "not required)."},
};

static const struct pl_managed_pspec account_bpa_params[] = {
    {.name = "IgnorePublicAcls", .type = PL_MP_BOOL, .def = "True"},
    {.name = "BlockPublicPolicy", .type = PL_MP_BOOL, .def = "True"},
    {.name = "BlockPublicAcls", .type = PL_MP_BOOL, .def = "True"},
    {.name = "RestrictPublicBuckets", .type = PL_MP_BOOL, .def = "True"},
};

/* The AWS::S3::AccountPublicAccessBlock CI: each setting must equal its parameter. */
static int account_bpa_ci(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    static const char *const field[] = {"ignorePublicAcls", "blockPublicPolicy", "blockPublicAcls",
                                        "restrictPublicBuckets"};
    for (int i = 0; i < 4; i++)
        if (pl_managed__true(pl_managed__get(v->cfg, field[i])) != c->p->v[i].b)
            return pl_managed__res(out, PL_NON_COMPLIANT, "%s is not %s.",
                                   c->p->rule->params[i].name, c->p->v[i].b ? "true" : "false");
    return 0;
}

/* Elastic Beanstalk: Config records the environment's option settings as
 * optionSettings.<namespace>.<option>.value. */
#define EB_MANAGED CFG "optionSettings.aws:elasticbeanstalk:managedactions"
static const struct pl_managed_pspec eb_updates_params[] = {
    {.name = "UpdateLevel", .type = PL_MP_STR, .choices = "minor|patch"},
};
static const struct pl_managed__check eb_updates_checks[] = {
    {.path = EB_MANAGED ".ManagedActionsEnabled.value",
     .op = MCK_TRUE,
     .why = "Managed platform updates are not enabled (ManagedActionsEnabled is not true)."},
    {.path = EB_MANAGED ":platformupdate.UpdateLevel.value",
     .op = MCK_EQ_PARAM,
     .param = 0,
     .why = "The managed platform update level is not the one given in UpdateLevel."},
};
static const struct pl_managed__check eb_health_checks[] = {
    {.path = CFG "optionSettings.aws:elasticbeanstalk:healthreporting:system.SystemType.value",
     .op = MCK_EQ,
     .arg = "enhanced",
     .why = "The environment uses basic health reporting (SystemType is not enhanced)."},
};

/* *_LAST_BACKUP_RECOVERY_POINT_CREATED: a recorded AWS::Backup::RecoveryPoint whose ResourceArn
 * is the resource's arn, COMPLETED (or with no Status), was created within recoveryPointAgeValue
 * recoveryPointAgeUnit (1 day by default) of now. *_IN_LOGICALLY_AIR_GAPPED_VAULT: the same with
 * a recovery point stored in a logically air-gapped vault (its VaultType, else the VaultType of
 * the AWS::Backup::BackupVault CI its BackupVaultName names, is
 * LOGICALLY_AIR_GAPPED_BACKUP_VAULT). resourceTags and resourceId narrow the scope as above. */
enum { P_RP_TAGS, P_RP_ID, P_RP_VALUE, P_RP_UNIT };
static const struct pl_managed_pspec last_rp_params[] = {
    [P_RP_TAGS] = {.name = "resourceTags", .type = PL_MP_JSON},
    [P_RP_ID] = {.name = "resourceId", .type = PL_MP_STR},
    [P_RP_VALUE] =
        {.name = "recoveryPointAgeValue", .type = PL_MP_INT, .def = "1", .min = 1, .max = 744},
    [P_RP_UNIT] = {.name = "recoveryPointAgeUnit",
                   .type = PL_MP_STR,
                   .def = "days",
                   .choices = "hours|days"},
};
/* The *_IN_LOGICALLY_AIR_GAPPED_VAULT pages allow ages up to 2184 (hours; 91 days). */
static const struct pl_managed_pspec airgap_rp_params[] = {
    [P_RP_TAGS] = {.name = "resourceTags", .type = PL_MP_JSON},
    [P_RP_ID] = {.name = "resourceId", .type = PL_MP_STR},
    [P_RP_VALUE] =
        {.name = "recoveryPointAgeValue", .type = PL_MP_INT, .def = "1", .min = 1, .max = 2184},
    [P_RP_UNIT] = {.name = "recoveryPointAgeUnit",
                   .type = PL_MP_STR,
                   .def = "days",
                   .choices = "hours|days"},
};

struct rp_q {
    const struct pl_managed__ctx *c;
    const char *arn;
    int64_t since_ms;
    bool air_gapped; /* only recovery points in logically air-gapped vaults count */
    bool any;        /* some recovery point of the resource (any age, any vault) */
    bool found;      /* a recent one (in an air-gapped vault when asked) */
};

static bool rp_air_gapped(const struct pl_managed__ctx *c, const struct pl_json *cfg)
{
    static const char want[] = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT";
    const struct pl_json *t = pl_managed__get(cfg, "vaultType");
    if (t)
        return pl_managed__streq(t, want);
    const char *name = pl_json_str(pl_managed__get(cfg, "backupVaultName"));
    const struct pl_json *ci =
        name ? c->env->get(c->env->u, "AWS::Backup::BackupVault", name) : NULL;
    const struct pl_json *vc = ci ? pl_managed__doc(c, pl_json_get(ci, "configuration")) : NULL;
    return pl_managed__streq(pl_managed__get(vc, "vaultType"), want);
}

static int rp_recent(void *u, const struct pl_json *ci)
{
    struct rp_q *q = u;
    const struct pl_json *cfg = pl_managed__doc(q->c, pl_json_get(ci, "configuration"));
    const char *arn = pl_json_str(pl_managed__get(cfg, "resourceArn"));
    if (!arn || strcmp(arn, q->arn) != 0)
        return 0;
    q->any = true;
    const struct pl_json *st = pl_managed__get(cfg, "status");
    if (st && !pl_managed__streq(st, "COMPLETED"))
        return 0;
    int64_t made;
    if (pl_managed__time(pl_managed__get(cfg, "creationDate"), &made) < 0 || made < q->since_ms)
        return 0;
    q->found = !q->air_gapped || rp_air_gapped(q->c, cfg);
    return q->found;
}

static int last_recovery_point(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                               struct pl_managed_eval *out)
{
    const struct pl_managed_pval *pv = c->p->v;
    if (strcmp(v->type, "AWS::RDS::DBCluster") == 0 &&
        (!pl_json_str(pl_managed__get(v->cfg, "engine")) ||
         !pl_starts_with(pl_json_str(pl_managed__get(v->cfg, "engine")), "aurora")))
        return pl_managed__na(out);
    if (pv[P_RP_ID].set && (!v->id || strcmp(v->id, pv[P_RP_ID].s) != 0))
        return pl_managed__na(out);
    if (pv[P_RP_TAGS].set && !has_tags(pv[P_RP_TAGS].obj, pl_json_get(v->ci, "tags")))
        return pl_managed__na(out);
    if (pl_managed__need_env(c, "the recorded AWS::Backup::RecoveryPoint resources") < 0)
        return -1;
    bool hours = strcmp(pv[P_RP_UNIT].s, "hours") == 0;
    struct rp_q q = {c,
                     pl_json_str(pl_json_get(v->ci, "arn")),
                     c->env->now_ms - pv[P_RP_VALUE].i * (hours ? 3600000LL : 86400000LL),
                     strstr(c->p->rule->identifier, "AIR_GAPPED") != NULL,
                     false,
                     false};
    if (q.arn)
        c->env->each(c->env->u, "AWS::Backup::RecoveryPoint", rp_recent, &q);
    if (q.found)
        return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "No recovery point%s of the resource was created in the last %lld "
                           "%s%s.",
                           q.air_gapped ? " in a logically air-gapped vault" : "", pv[P_RP_VALUE].i,
                           hours ? "hours" : "days", q.any ? "" : " (none is recorded)");
}

const struct pl_managed_impl pl_managed__ops[] = {
    {.identifier = "DYNAMODB_LAST_BACKUP_RECOVERY_POINT_CREATED",
     .types = "AWS::DynamoDB::Table",
     PARAMS(last_rp_params),
     .ci_fn = last_recovery_point,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "RDS_LAST_BACKUP_RECOVERY_POINT_CREATED",
     .types = "AWS::RDS::DBInstance",
     PARAMS(last_rp_params),
     .ci_fn = last_recovery_point,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "EFS_LAST_BACKUP_RECOVERY_POINT_CREATED",
     .types = "AWS::EFS::FileSystem",
     PARAMS(last_rp_params),
     .ci_fn = last_recovery_point,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "EBS_LAST_BACKUP_RECOVERY_POINT_CREATED",
     .types = "AWS::EC2::Volume",
     PARAMS(last_rp_params),
     .ci_fn = last_recovery_point,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "S3_RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT",
     .types = "AWS::S3::Bucket",
     PARAMS(airgap_rp_params),
     .ci_fn = last_recovery_point,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "EBS_RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT",
     .types = "AWS::EC2::Volume",
     PARAMS(airgap_rp_params),
     .ci_fn = last_recovery_point,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "EFS_RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT",
     .types = "AWS::EFS::FileSystem",
     PARAMS(airgap_rp_params),
     .ci_fn = last_recovery_point,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "EC2_RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT",
     .types = "AWS::EC2::Instance",
     PARAMS(airgap_rp_params),
     .ci_fn = last_recovery_point,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "AURORA_RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT",
     .types = "AWS::RDS::DBCluster",
     PARAMS(airgap_rp_params),
     .ci_fn = last_recovery_point,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "VIRTUALMACHINE_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
     .types = "AWS::BackupGateway::VirtualMachine",
     PARAMS(protected_params),
     .ci_fn = protected_by_plan},
    {.identifier = "DYNAMODB_IN_BACKUP_PLAN", .ci_fn = in_backup_plan},
    {.identifier = "EBS_IN_BACKUP_PLAN", .ci_fn = in_backup_plan},
    {.identifier = "EFS_IN_BACKUP_PLAN", .ci_fn = in_backup_plan},
    {.identifier = "RDS_IN_BACKUP_PLAN", .ci_fn = in_backup_plan},
    {.identifier = "EC2_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
     .types = "AWS::EC2::Instance",
     PARAMS(protected_params),
     .ci_fn = protected_by_plan},
    {.identifier = "AURORA_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
     .types = "AWS::RDS::DBCluster",
     PARAMS(protected_params),
     .ci_fn = protected_by_plan},
    {.identifier = "FSX_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
     .types = "AWS::FSx::FileSystem",
     PARAMS(protected_params),
     .ci_fn = protected_by_plan},
    {.identifier = "EBS_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
     .types = "AWS::EC2::Volume",
     PARAMS(protected_params),
     .ci_fn = protected_by_plan},
    {.identifier = "DYNAMODB_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
     .types = "AWS::DynamoDB::Table",
     PARAMS(protected_params),
     .ci_fn = protected_by_plan},
    {.identifier = "EFS_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
     .types = "AWS::EFS::FileSystem",
     PARAMS(protected_params),
     .ci_fn = protected_by_plan},
    {.identifier = "RDS_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
     .types = "AWS::RDS::DBInstance",
     PARAMS(protected_params),
     .ci_fn = protected_by_plan},
    {.identifier = "S3_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
     .types = "AWS::S3::Bucket",
     PARAMS(protected_params),
     .ci_fn = protected_by_plan},
    {.identifier = "ECS_CONTAINERS_READONLY_ACCESS", .ci_fn = ecs_readonly},
    {.identifier = "ECS_CONTAINERS_NONPRIVILEGED", .ci_fn = ecs_nonprivileged},
    {.identifier = "ECS_TASK_DEFINITION_NONROOT_USER", .ci_fn = ecs_nonroot},
    {.identifier = "CODEBUILD_PROJECT_ARTIFACT_ENCRYPTION", .ci_fn = codebuild_artifacts},
    {.identifier = "CODEBUILD_PROJECT_LOGGING_ENABLED",
     PARAMS(cb_log_params),
     .ci_fn = codebuild_logging},
    {.identifier = "CODEBUILD_PROJECT_ENVIRONMENT_PRIVILEGED_CHECK",
     PARAMS(exempt_projects_params),
     .ci_fn = codebuild_privileged},
    {.identifier = "LAMBDA_DLQ_CHECK", PARAMS(dlq_params), CHECKS(dlq_checks)},
    {.identifier = "LAMBDA_CONCURRENCY_CHECK",
     PARAMS(concurrency_params),
     CHECKS(concurrency_checks)},
    {.identifier = "ECR_PRIVATE_IMAGE_SCANNING_ENABLED", CHECKS(ecr_scan_checks)},
    {.identifier = "ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED", CHECKS(ecr_immutable_checks)},
    {.identifier = "EKS_ENDPOINT_NO_PUBLIC_ACCESS", CHECKS(eks_public_checks)},
    {.identifier = "KINESIS_STREAM_ENCRYPTED", CHECKS(kinesis_checks)},
    {.identifier = "VPC_NETWORK_ACL_UNUSED_CHECK", CHECKS(nacl_unused_checks)},
    {.identifier = "API_GW_XRAY_ENABLED", CHECKS(xray_checks)},
    {.identifier = "RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED", CHECKS(rds_iam_auth_checks)},
    {.identifier = "EC2_NO_AMAZON_KEY_PAIR", CHECKS(key_pair_checks)},
    {.identifier = "OPENSEARCH_ACCESS_CONTROL_ENABLED", CHECKS(search_fgac_checks)},
    {.identifier = "OPENSEARCH_AUDIT_LOGGING_ENABLED",
     PARAMS(audit_groups_params),
     CHECKS(search_audit_checks)},
    {.identifier = "REDSHIFT_AUDIT_LOGGING_ENABLED",
     PARAMS(bucket_names_params),
     CHECKS(redshift_audit_checks)},
    {.identifier = "EIP_ATTACHED", .ci_fn = eip_attached},
    {.identifier = "EFS_ACCESS_POINT_ENFORCE_USER_IDENTITY",
     PARAMS(ap_user_params),
     CHECKS(ap_user_checks)},
    {.identifier = "EFS_ACCESS_POINT_ENFORCE_ROOT_DIRECTORY",
     PARAMS(ap_dir_params),
     CHECKS(ap_dir_checks)},
    {.identifier = "WAF_REGIONAL_WEBACL_NOT_EMPTY", CHECKS(waf_acl_checks)},
    {.identifier = "WAF_REGIONAL_RULEGROUP_NOT_EMPTY", CHECKS(waf_group_checks)},
    {.identifier = "OPENSEARCH_DATA_NODE_FAULT_TOLERANCE", CHECKS(search_nodes_checks)},
    {.identifier = "ECR_PRIVATE_LIFECYCLE_POLICY_CONFIGURED", CHECKS(ecr_lifecycle_checks)},
    {.identifier = "ECS_TASK_DEFINITION_PID_MODE_CHECK", CHECKS(pid_mode_checks)},
    {.identifier = "ECS_TASK_DEFINITION_MEMORY_HARD_LIMIT", .ci_fn = ecs_memory},
    {.identifier = "ECS_CONTAINER_INSIGHTS_ENABLED", .ci_fn = ecs_insights},
    {.identifier = "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS",
     PARAMS(account_bpa_params),
     .ci_fn = account_bpa_ci},
    {.identifier = "ELASTIC_BEANSTALK_MANAGED_UPDATES_ENABLED",
     PARAMS(eb_updates_params),
     CHECKS(eb_updates_checks)},
    {.identifier = "ECS_NO_ENVIRONMENT_SECRETS",
     PARAMS(secret_keys_params),
     .ci_fn = ecs_env_secrets},
    {.identifier = "ECS_TASK_DEFINITION_LOG_CONFIGURATION", .ci_fn = ecs_log_config},
    {.identifier = "LAMBDA_FUNCTION_SETTINGS_CHECK",
     PARAMS(lambda_settings_params),
     CHECKS(lambda_settings_checks)},
    {.identifier = "CODEDEPLOY_LAMBDA_ALLATONCE_TRAFFIC_SHIFT_DISABLED",
     CHECKS(codedeploy_allatonce_checks)},
    {.identifier = "EKS_CLUSTER_OLDEST_SUPPORTED_VERSION",
     PARAMS(eks_oldest_params),
     .ci_fn = eks_oldest},
    {.identifier = "LAMBDA_VPC_MULTI_AZ_CHECK", PARAMS(lambda_az_params), .ci_fn = lambda_multi_az},
    {.identifier = "BEANSTALK_ENHANCED_HEALTH_REPORTING_ENABLED", CHECKS(eb_health_checks)},
    {.identifier = "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
     PARAMS(backup_freq_params),
     .ci_fn = backup_frequency},
    {.identifier = "CODEBUILD_PROJECT_S3_LOGS_ENCRYPTED",
     PARAMS(exempt_projects_params),
     .ci_fn = codebuild_s3_logs},
    {.identifier = "ECS_FARGATE_LATEST_PLATFORM_VERSION",
     PARAMS(fargate_params),
     .ci_fn = fargate_latest},
    {.identifier = "EKS_SECRETS_ENCRYPTED", PARAMS(eks_kms_params), .ci_fn = eks_secrets},
    {.identifier = "AUTOSCALING_LAUNCHCONFIG_REQUIRES_IMDSV2", CHECKS(lc_imdsv2_checks)},
};
const size_t pl_managed__ops_len = PL_MIMPL_LEN(pl_managed__ops);
