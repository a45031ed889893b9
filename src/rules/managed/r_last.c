/* r_last.c — the last managed rules of the tsv: bucket policies bounded by a control policy,
 * RDS encryption in transit from the instance's parameter group, AMIs by tag and the account's
 * Allowed AMIs, Cognito custom-auth threat protection, Client VPN authorization rules, Service
 * Catalog portfolio shares, Shield Response Team access, IAM Access Analyzer, and the manual
 * AWS_CONFIG_PROCESS_CHECK.
 *
 * Facts Config's CIs lack are read from documented fields (docs/managed-rules.md, "Facts beyond
 * Config's own CIs"): supplementaryConfiguration keys named as the AWS API returns them, the
 * AWS::::Account CI's shield and allowedImagesSettings, recorded AWS::RDS::DBParameterGroup and
 * AWS::AccessAnalyzer::Analyzer CIs. AWS_CONFIG_PROCESS_CHECK has no evaluator: its results
 * come from PutExternalEvaluation (managed.c refuses to evaluate a manual rule).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "rules/managed/managed_int.h"

#define CFG       "configuration."
#define SUPP      "supplementaryConfiguration."
#define PARAMS(t) .params = t, .nparams = PL_MIMPL_LEN(t)

/* ---- S3_BUCKET_POLICY_NOT_MORE_PERMISSIVE ---- */

/* Every (principal, action, resource) that an Allow statement of the bucket policy grants to a
 * principal outside the bucket's account must be granted by an Allow statement of controlPolicy
 * (the control's patterns, IAM wildcards, matched against the bucket's text). A control
 * statement with a Condition covers only statements with an equal Condition. Statements with
 * NotPrincipal, NotAction or NotResource are never covered. */
static const struct pl_managed_pspec not_more_params[] = {
    {.name = "controlPolicy", .type = PL_MP_POLICY, .required = true, .max = 1024},
};

/* A principal of the bucket's own account: "<id>" or "arn:aws:iam::<id>:..." (sts too). */
static bool own_principal(const char *s, const char *acct)
{
    size_t n = acct ? strlen(acct) : 0;
    if (!n)
        return false;
    if (strcmp(s, acct) == 0)
        return true;
    const char *p = strstr(s, "::");
    return pl_starts_with(s, "arn:") && p && strncmp(p + 2, acct, n) == 0 && p[2 + n] == ':';
}

static bool account_id(const char *s)
{
    return strlen(s) == 12 && strspn(s, "0123456789") == 12;
}

/* s as an account's root ARN in buf when it is a bare account id (IAM treats "111122223333" and
 * "arn:aws:iam::111122223333:root" alike), else s itself. */
static const char *principal_arn(char buf[40], const char *s)
{
    if (!account_id(s))
        return s;
    memcpy(buf, "arn:aws:iam::", 13);
    memcpy(buf + 13, s, 12);
    memcpy(buf + 25, ":root", 6);
    return buf;
}

/* True when one of j's strings (a string or an array of them) matches s as a pattern; with
 * principals, account ids and root ARNs compare alike. */
static bool any_glob(const struct pl_json *j, const char *s, bool principal)
{
    char b1[40], b2[40];
    if (principal)
        s = principal_arn(b2, s);
    for (const struct pl_json *x = j && j->type == PL_JARR ? j->child : j; x; x = x->next) {
        const char *p = pl_json_str(x);
        if (p && (strcmp(p, "*") == 0 || pl_managed__glob(principal ? principal_arn(b1, p) : p, s)))
            return true;
        if (!j || j->type != PL_JARR)
            break;
    }
    return false;
}

static bool principal_covered(const struct pl_json *ctl, const char *kind, const char *who)
{
    if (pl_json_str(ctl) && strcmp(pl_json_str(ctl), "*") == 0)
        return true;
    return ctl && ctl->type == PL_JOBJ && any_glob(pl_managed__get(ctl, kind), who, true);
}

struct grant {
    const char *kind, *who, *action, *resource;
    const struct pl_json *cond;
};

struct cover_q {
    const struct grant *g;
    bool hit;
};

static int control_covers(void *u, const struct pl_json *cs)
{
    struct cover_q *q = u;
    const struct pl_json *cond = pl_managed__get(cs, "Condition");
    if (!pl_managed__streq(pl_managed__get(cs, "Effect"), "Allow") ||
        (cond && !pl_json_equal(cond, q->g->cond)))
        return 0;
    if (principal_covered(pl_managed__get(cs, "Principal"), q->g->kind, q->g->who) &&
        any_glob(pl_managed__get(cs, "Action"), q->g->action, false) &&
        any_glob(pl_managed__get(cs, "Resource"), q->g->resource, false))
        q->hit = true;
    return q->hit;
}

struct perm_q {
    const struct pl_managed__ctx *c;
    const struct pl_json *control;
    struct pl_managed_eval *out;
};

/* Checks each (action, resource) of a statement for one outside principal. */
static bool grant_covered(struct perm_q *q, const struct pl_json *st, struct grant *g)
{
    const struct pl_json *acts = pl_managed__get(st, "Action");
    const struct pl_json *res = pl_managed__get(st, "Resource");
    for (const struct pl_json *a = acts && acts->type == PL_JARR ? acts->child : acts; a;
         a = acts->type == PL_JARR ? a->next : NULL)
        for (const struct pl_json *r = res && res->type == PL_JARR ? res->child : res; r;
             r = res->type == PL_JARR ? r->next : NULL) {
            struct cover_q cq = {g, false};
            g->action = pl_json_str(a) ? pl_json_str(a) : "?";
            g->resource = pl_json_str(r) ? pl_json_str(r) : "?";
            pl_managed__statements(q->control, control_covers, &cq);
            if (!cq.hit)
                return false;
        }
    return acts && res;
}

static int bucket_statement(void *u, const struct pl_json *st)
{
    struct perm_q *q = u;
    if (!pl_managed__streq(pl_managed__get(st, "Effect"), "Allow"))
        return 0;
    struct grant g = {"AWS", "*", "*", "*", pl_managed__get(st, "Condition")};
    const char *acct = q->c->env ? q->c->env->account : NULL;
    const struct pl_json *pr = pl_managed__get(st, "Principal");
    bool ok = !pl_managed__get(st, "NotPrincipal") && !pl_managed__get(st, "NotAction") &&
              !pl_managed__get(st, "NotResource");
    if (ok && pl_json_str(pr))
        ok = grant_covered(q, st, &g);
    for (const struct pl_json *k = pr && pr->type == PL_JOBJ ? pr->child : NULL; ok && k;
         k = k->next)
        for (const struct pl_json *w = k->type == PL_JARR ? k->child : k; ok && w;
             w = k->type == PL_JARR ? w->next : NULL) {
            g.kind = k->key;
            g.who = pl_json_str(w) ? pl_json_str(w) : "?";
            if (strcmp(k->key, "AWS") != 0 || !own_principal(g.who, acct))
                ok = grant_covered(q, st, &g);
        }
    if (ok)
        return 0;
    pl_managed__res(q->out, PL_NON_COMPLIANT,
                    "The bucket policy allows %.60s to %.40s on %.80s beyond controlPolicy.", g.who,
                    g.action, g.resource);
    return 1; /* the first grant beyond the control decides */
}

static int policy_not_more_permissive(const struct pl_managed__ctx *c,
                                      const struct pl_managed__ci *v, struct pl_managed_eval *out)
{
    const struct pl_json *doc =
        pl_managed__doc_if(c, pl_managed__path(c, v->ci, SUPP "BucketPolicy.policyText"), "Allow");
    struct perm_q q = {c, c->p->v[0].obj, out};
    if (!q.control)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                       "Value for controlPolicy parameter must be an Amazon S3 bucket policy "
                       "(a JSON policy document of at most 1024 characters).");
    if (doc)
        pl_managed__statements(doc, bucket_statement, &q);
    return 0;
}

/* ---- RDS_MYSQL/POSTGRES_INSTANCE_ENCRYPTED_IN_TRANSIT ---- */

/* The value of parameter `name` in a recorded AWS::RDS::DBParameterGroup (CloudFormation's
 * Parameters map, or DescribeDBParameters' list in supp Parameters), or NULL. *known is false
 * when the group is not recorded. */
static const char *group_param(const struct pl_managed__ctx *c, const char *group, const char *name,
                               bool *known)
{
    const struct pl_json *g = c->env->get(c->env->u, "AWS::RDS::DBParameterGroup", group);
    *known = g != NULL;
    const struct pl_json *map = pl_managed__path(c, g, CFG "Parameters");
    if (map && map->type == PL_JOBJ && pl_json_get(map, name))
        return pl_json_str(pl_json_get(map, name));
    const struct pl_json *ps = pl_managed__path(c, g, SUPP "Parameters");
    for (const struct pl_json *p = ps && ps->type == PL_JARR ? ps->child : NULL; p; p = p->next)
        if (pl_managed__streq(pl_managed__get(p, "ParameterName"), name))
            return pl_json_str(pl_managed__get(p, "ParameterValue"));
    return NULL;
}

/* The engine default of the TLS parameter, which a default.* group (RDS does not let anyone
 * modify those) always has: require_secure_transport is OFF on MySQL; rds.force_ssl is 1 from
 * PostgreSQL 15 on, 0 before. */
static const char *tls_default(bool pg, const char *version)
{
    return pg && version && strtol(version, NULL, 10) >= 15 ? "1" : "0";
}

static int rds_in_transit(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    bool pg = strstr(c->p->rule->identifier, "POSTGRES") != NULL;
    const char *pname = pg ? "rds.force_ssl" : "require_secure_transport";
    if (!pl_managed__streq(pl_managed__get(v->cfg, "engine"), pg ? "postgres" : "mysql") ||
        !pl_managed__empty(pl_managed__get(v->cfg, "dBClusterIdentifier")))
        return pl_managed__na(out);
    if (pl_managed__need_env(c, "the recorded AWS::RDS::DBParameterGroup resources") < 0)
        return -1;
    const struct pl_json *gs = pl_managed__get(v->cfg, "dBParameterGroups");
    if (pl_managed__empty(gs))
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "The instance's parameter group is not recorded.");
    for (const struct pl_json *g = gs->type == PL_JARR ? gs->child : NULL; g; g = g->next) {
        const char *name = pl_json_str(pl_managed__get(g, "dBParameterGroupName"));
        const char *st = pl_json_str(pl_managed__get(g, "parameterApplyStatus"));
        bool known = false;
        if (st && strcmp(st, "in-sync") != 0)
            return pl_managed__res(out, PL_NON_COMPLIANT, "Parameter group %.100s is %.30s.",
                                   name ? name : "?", st);
        bool dflt = name && pl_starts_with(name, "default."); /* RDS never changes these */
        const char *val = name && !dflt ? group_param(c, name, pname, &known) : NULL;
        if (!val && name && !dflt && !known)
            return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                                   "Parameter group %.100s is not recorded.", name);
        if (!val)
            val = tls_default(pg, pl_json_str(pl_managed__get(v->cfg, "engineVersion")));
        if (strcmp(val, "1") != 0 && strcasecmp(val, "ON") != 0)
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "Parameter group %.100s does not set %s to 1.",
                                   name ? name : "?", pname);
    }
    return 0;
}

/* ---- AMIs ---- */

static const char *image_id(const struct pl_managed__ci *v)
{
    const char *s = pl_json_str(pl_managed__get(v->cfg, "imageId"));
    return s ? s : "?";
}

/* APPROVED_AMIS_BY_TAG: a running instance's AMI (supp Image: DescribeImages' entry for the
 * instance's ImageId, with its Tags) has one of the tags "key" or "key:value". */
static const struct pl_managed_pspec amis_tag_params[] = {
    {.name = "amisByTagKeyAndValue", .type = PL_MP_LIST, .def = "tag-key:tag-value,other-tag-key"},
};

static bool running(const struct pl_managed__ci *v)
{
    const struct pl_json *st = pl_managed__get(v->cfg, "state");
    const struct pl_json *name = st && st->type == PL_JOBJ ? pl_managed__get(st, "name") : st;
    return pl_managed__streq(name, "running");
}

static bool image_has_tag(const struct pl_json *tags, const char *item)
{
    const char *colon = strchr(item, ':');
    size_t klen = colon ? (size_t)(colon - item) : strlen(item);
    for (const struct pl_json *t = tags && tags->type == PL_JARR ? tags->child : NULL; t;
         t = t->next) {
        const char *k = pl_json_str(pl_managed__get(t, "Key"));
        const char *val = pl_json_str(pl_managed__get(t, "Value"));
        if (k && strlen(k) == klen && strncmp(k, item, klen) == 0 &&
            (!colon || (val && strcmp(val, colon + 1) == 0)))
            return true;
    }
    return false;
}

static int amis_by_tag(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const struct pl_managed_pval *want = &c->p->v[0];
    if (!running(v))
        return pl_managed__na(out);
    const struct pl_json *img = pl_managed__path(c, v->ci, SUPP "Image");
    if (!img)
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "The tags of AMI %.40s are not recorded (supplementary Image).",
                               image_id(v));
    const struct pl_json *tags = pl_managed__get(img, "Tags");
    for (size_t i = 0; i < want->nitems; i++)
        if (image_has_tag(tags, want->items[i]))
            return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "AMI %.40s has none of the tags in amisByTagKeyAndValue.", image_id(v));
}

/* EC2_INSTANCE_LAUNCHED_WITH_ALLOWED_AMI: with the account's Allowed AMIs (AWS::::Account
 * allowedImagesSettings: EC2 GetAllowedImagesSettings' state) enabled or in audit mode, the
 * instance's AMI meets the criteria: supp ImageMetadata.ImageAllowed
 * (DescribeInstanceImageMetadata), or the AMI is the account's own (never restricted). */
static const struct pl_managed_pspec allowed_ami_params[] = {
    {.name = "InstanceStateNameList",
     .type = PL_MP_LIST,
     .def = "running,stopped",
     .choices = "pending|running|shutting-down|terminated|stopping|stopped"},
};

static int allowed_ami(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const struct pl_json *st = pl_managed__get(v->cfg, "state");
    const char *state = pl_json_str(st && st->type == PL_JOBJ ? pl_managed__get(st, "name") : st);
    if (!state || !pl_managed__in_list(&c->p->v[0], state))
        return pl_managed__na(out);
    if (pl_managed__need_env(c, "the AWS::::Account configuration item") < 0)
        return -1;
    const struct pl_json *acct = pl_managed__account(c);
    if (!acct)
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "The account's Allowed AMIs settings are not recorded.");
    const char *mode = pl_json_str(pl_managed__path(c, acct, CFG "allowedImagesSettings.state"));
    if (!mode || strcmp(mode, "disabled") == 0)
        return 0;
    const struct pl_json *md = pl_managed__path(c, v->ci, SUPP "ImageMetadata");
    const char *owner = pl_json_str(pl_managed__get(md, "OwnerId"));
    const struct pl_json *ok = pl_managed__get(md, "ImageAllowed");
    if ((owner && c->env->account && strcmp(owner, c->env->account) == 0) || pl_managed__true(ok))
        return 0;
    if (!ok)
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "Whether AMI %.40s meets the Allowed AMIs criteria is not recorded.",
                               image_id(v));
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "AMI %.40s does not meet the account's Allowed AMIs criteria (%.20s).",
                           image_id(v), mode);
}

/* ---- COGNITO_USERPOOL_CUST_AUTH_THREAT_FULL_CHECK ---- */

static const struct pl_managed__check cognito_custom_checks[] = {
    {.path = CFG "userPoolAddOns.advancedSecurityMode",
     .op = MCK_PRESENT,
     .why = "Threat protection is not enabled for the user pool."},
    {.path = CFG "userPoolAddOns.advancedSecurityMode",
     .op = MCK_NE,
     .arg = "OFF",
     .why = "Threat protection is not enabled for the user pool."},
    {.path = CFG "userPoolAddOns.advancedSecurityAdditionalFlows.customAuthMode",
     .op = MCK_EQ,
     .arg = "ENFORCED",
     .why = "Threat protection for custom authentication is not in full-function (ENFORCED) "
            "mode."},
};

/* ---- EC2_CLIENT_VPN_NOT_AUTHORIZE_ALL ---- */

/* supp AuthorizationRules: DescribeClientVpnAuthorizationRules' AuthorizationRules. */
static int client_vpn_all(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    const struct pl_json *rules = pl_managed__path(c, v->ci, SUPP "AuthorizationRules");
    if (!rules || rules->type != PL_JARR)
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "The endpoint's authorization rules are not recorded.");
    for (const struct pl_json *r = rules->child; r; r = r->next)
        if (pl_managed__true(pl_managed__get(r, "AccessAll")))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "An authorization rule (to %.50s) authorizes all clients.",
                                   pl_json_str(pl_managed__get(r, "DestinationCidr"))
                                       ? pl_json_str(pl_managed__get(r, "DestinationCidr"))
                                       : "?");
    return 0;
}

/* ---- SERVICE_CATALOG_SHARED_WITHIN_ORGANIZATION ---- */

/* A share of Type ACCOUNT: supp portfolioAccess.accountIds (Config's, ListPortfolioAccess) or
 * supp PortfolioShares (DescribePortfolioShares' PortfolioShareDetails). */
static int catalog_shares(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    const struct pl_json *ids = pl_managed__path(c, v->ci, SUPP "portfolioAccess.accountIds");
    const struct pl_json *sh = pl_managed__path(c, v->ci, SUPP "PortfolioShares");
    for (const struct pl_json *s = sh && sh->type == PL_JARR ? sh->child : NULL; s; s = s->next)
        if (pl_managed__streq(pl_managed__get(s, "Type"), "ACCOUNT"))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The portfolio is shared with account %.20s directly, not "
                                   "through the organization.",
                                   pl_json_str(pl_managed__get(s, "PrincipalId"))
                                       ? pl_json_str(pl_managed__get(s, "PrincipalId"))
                                       : "?");
    if (!pl_managed__empty(ids))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The portfolio is shared with accounts directly, not through "
                               "the organization.");
    return 0;
}

/* ---- account facts ---- */

/* SHIELD_DRT_ACCESS: AWS::::Account shield.subscription (DescribeSubscription; absent: no
 * Shield Advanced, NOT_APPLICABLE) and shield.drtAccess.roleArn (DescribeDRTAccess). */
static int shield_drt(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                      struct pl_managed_eval *out)
{
    if (pl_managed__empty(pl_managed__path(c, a->cfg, "shield.subscription")))
        return pl_managed__na(out);
    if (pl_managed__empty(pl_managed__path(c, a->cfg, "shield.drtAccess.roleArn")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Shield Advanced is enabled but no role gives the Shield Response "
                               "Team access.");
    return 0;
}

/* IAM_EXTERNAL_ACCESS_ANALYZER_ENABLED: an analyzer of type ACCOUNT or ORGANIZATION (external
 * access) whose status is ACTIVE, among the recorded AWS::AccessAnalyzer::Analyzer CIs and the
 * account's accessAnalyzers (ListAnalyzers); a CI without Status is taken as ACTIVE. */
static bool external_active(const struct pl_json *cfg, bool need_status)
{
    const struct pl_json *t = pl_managed__get(cfg, "Type");
    const struct pl_json *s = pl_managed__get(cfg, "Status");
    return (pl_managed__streq(t, "ACCOUNT") || pl_managed__streq(t, "ORGANIZATION")) &&
           (s ? pl_managed__streq(s, "ACTIVE") : !need_status);
}

static int analyzer_ci(void *u, const struct pl_json *ci)
{
    const struct pl_managed__ctx *c = u;
    const struct pl_json *st = pl_json_get(ci, "configurationItemStatus");
    if (st && (pl_managed__streq(st, "ResourceDeleted") ||
               pl_managed__streq(st, "ResourceDeletedNotRecorded")))
        return 0;
    return external_active(pl_managed__doc(c, pl_json_get(ci, "configuration")), false);
}

static int access_analyzer(const struct pl_managed__ctx *c, const struct pl_managed__ci *a,
                           struct pl_managed_eval *out)
{
    const struct pl_json *list = pl_managed__get(a->cfg, "accessAnalyzers");
    for (const struct pl_json *x = list && list->type == PL_JARR ? list->child : NULL; x;
         x = x->next)
        if (external_active(x, true))
            return 0;
    if (pl_managed__need_env(c, "the recorded AWS::AccessAnalyzer::Analyzer resources") < 0)
        return -1;
    if (c->env->each(c->env->u, "AWS::AccessAnalyzer::Analyzer", analyzer_ci, (void *)c))
        return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "No active IAM Access Analyzer for external access in the region.");
}

const struct pl_managed_impl pl_managed__last[] = {
    {.identifier = "S3_BUCKET_POLICY_NOT_MORE_PERMISSIVE",
     PARAMS(not_more_params),
     .ci_fn = policy_not_more_permissive},
    {.identifier = "RDS_MYSQL_INSTANCE_ENCRYPTED_IN_TRANSIT",
     .types = "AWS::RDS::DBInstance",
     .ci_fn = rds_in_transit,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "RDS_POSTGRES_INSTANCE_ENCRYPTED_IN_TRANSIT",
     .types = "AWS::RDS::DBInstance",
     .ci_fn = rds_in_transit,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "APPROVED_AMIS_BY_TAG", PARAMS(amis_tag_params), .ci_fn = amis_by_tag},
    {.identifier = "EC2_INSTANCE_LAUNCHED_WITH_ALLOWED_AMI",
     .types = "AWS::EC2::Instance",
     PARAMS(allowed_ami_params),
     .ci_fn = allowed_ami,
     .trigger = PL_MANAGED_BOTH},
    {.identifier = "COGNITO_USERPOOL_CUST_AUTH_THREAT_FULL_CHECK",
     .types = "AWS::Cognito::UserPool",
     .checks = cognito_custom_checks,
     .nchecks = PL_MIMPL_LEN(cognito_custom_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "EC2_CLIENT_VPN_NOT_AUTHORIZE_ALL",
     .types = "AWS::EC2::ClientVpnEndpoint",
     .ci_fn = client_vpn_all,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "SERVICE_CATALOG_SHARED_WITHIN_ORGANIZATION",
     .types = "AWS::ServiceCatalog::Portfolio",
     .ci_fn = catalog_shares,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "SHIELD_DRT_ACCESS", .types = "AWS::::Account", .acct_fn = shield_drt},
    {.identifier = "IAM_EXTERNAL_ACCESS_ANALYZER_ENABLED",
     .types = "AWS::::Account",
     .acct_fn = access_analyzer,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "AWS_CONFIG_PROCESS_CHECK", .trigger = PL_MANAGED_MANUAL},
};
const size_t pl_managed__last_len = PL_MIMPL_LEN(pl_managed__last);
