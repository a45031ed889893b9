/* r_next.c — managed rules of the third batch (issue 13): CloudFront distributions, Network
 * Firewall, classic and v2 load balancers, WAFv2, WAF Regional and WAF Classic, EKS, Neptune,
 * DocumentDB and RDS clusters, DynamoDB and DAX, GuardDuty detector features, Amazon MQ, DMS,
 * MSK, Transfer Family, Step Functions, S3 access points, ACM PCA, AppSync, CloudFormation,
 * CodeDeploy, Elastic Beanstalk logs, launch templates, Athena, SageMaker, Cognito, Glue,
 * transit gateways, ECR, ENIs and EC2 instance settings; account-level facts (the security
 * contact, Macie, Inspector, EMR block public access, GuardDuty findings, DynamoDB limits,
 * IAM policy use); and the rules that read facts Config's own CIs lack (WAFv2 logging and
 * associations, SSM document sharing, Application Auto Scaling, Secrets Manager dates, backup
 * vault policies), each documented in docs/managed-rules.md.
 *
 * Field tests are check tables; the rules that walk arrays (origins, listeners, subnets,
 * features) or other recorded resources (env->each/get) have a ci_fn. Paths are Config's
 * spelling; pl_managed__get also tries the first letter flipped, so the PascalCase of the
 * CloudFormation-schema types (MQ, MSK, EKS, AppSync, SageMaker...) is read by the same path.
 * Rules whose trigger the tsv marks unknown carry AWS's trigger here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "rules/managed/managed_int.h"

#define CFG  "configuration."
#define SUPP "supplementaryConfiguration."
#define CF   CFG "distributionConfig."

#define CHECKS(t) .checks = t, .nchecks = PL_MIMPL_LEN(t)
#define PARAMS(t) .params = t, .nparams = PL_MIMPL_LEN(t)

/* First element of an array, or NULL (also for non-arrays). */
static const struct pl_json *first(const struct pl_json *j)
{
    return j && j->type == PL_JARR ? j->child : NULL;
}

/* True when array (or single string) j holds s (case-insensitive). */
static bool holds(const struct pl_json *j, const char *s)
{
    if (j && j->type != PL_JARR)
        return pl_managed__streq(j, s);
    for (const struct pl_json *e = first(j); e; e = e->next)
        if (pl_managed__streq(e, s))
            return true;
    return false;
}

/* ---- CloudFront ---- */

static const struct pl_managed_pspec cf_waf_params[] = {
    {.name = "wafWebAclIds", .type = PL_MP_LIST},
};
/* webACLId holds a WAF classic web ACL id or a WAFv2 web ACL ARN. */
static const struct pl_managed__check cf_waf_checks[] = {
    {.path = CF "webACLId", .op = MCK_PRESENT, .why = "The distribution has no web ACL."},
    {.path = CF "webACLId",
     .op = MCK_IN_PARAM,
     .why = "The distribution's web ACL is not one of wafWebAclIds."},
};
static const struct pl_managed__check cf_custom_cert_checks[] = {
    {.path = CF "viewerCertificate.cloudFrontDefaultCertificate",
     .op = MCK_NOT_TRUE,
     .why = "The distribution uses the default CloudFront SSL certificate."},
};
/* Only distributions with a custom certificate are judged. */
static const struct pl_managed__check cf_sni_checks[] = {
    {.path = CF "viewerCertificate.cloudFrontDefaultCertificate",
     .op = MCK_NOT_TRUE,
     .applies = true},
    {.path = CF "viewerCertificate.sslSupportMethod",
     .op = MCK_NE,
     .arg = "vip",
     .why = "The distribution serves HTTPS from dedicated IP addresses (sslSupportMethod vip), "
            "not SNI."},
};

/* The items of a CloudFront list (distributionConfig.<what>.items); what is a literal. */
#define cf_items(c, v, what) first(pl_managed__path((c), (v)->ci, CF what ".items"))

static int cf_ssl_protocols(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                            struct pl_managed_eval *out)
{
    for (const struct pl_json *o = cf_items(c, v, "origins"); o; o = o->next) {
        const struct pl_json *p = pl_managed__get(
            pl_managed__get(pl_managed__get(o, "customOriginConfig"), "originSslProtocols"),
            "items");
        if (holds(p, "SSLv3"))
            return pl_managed__res(out, PL_NON_COMPLIANT, "Origin %.100s allows SSLv3.",
                                   pl_json_str(pl_managed__get(o, "id"))
                                       ? pl_json_str(pl_managed__get(o, "id"))
                                       : "?");
    }
    return 0;
}

/* An S3 origin has s3OriginConfig (a website endpoint is a custom origin). */
static int cf_oai(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                  struct pl_managed_eval *out)
{
    int s3 = 0;
    for (const struct pl_json *o = cf_items(c, v, "origins"); o; o = o->next) {
        const struct pl_json *s3c = pl_managed__get(o, "s3OriginConfig");
        if (!s3c)
            continue;
        s3++;
        if (pl_managed__empty(pl_managed__get(s3c, "originAccessIdentity")))
            return pl_managed__res(
                out, PL_NON_COMPLIANT, "S3 origin %.100s has no origin access identity.",
                pl_json_str(pl_managed__get(o, "id")) ? pl_json_str(pl_managed__get(o, "id"))
                                                      : "?");
    }
    if (!s3)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The distribution has no S3 origin.");
    return 0;
}

/* The viewer protocol policy of the behaviours that send requests to origin id. */
static bool cf_viewer_allows_http(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                                  const char *id)
{
    const struct pl_json *d = pl_managed__path(c, v->ci, CF "defaultCacheBehavior");
    if (pl_managed__streq(pl_managed__get(d, "targetOriginId"), id) &&
        pl_managed__streq(pl_managed__get(d, "viewerProtocolPolicy"), "allow-all"))
        return true;
    for (const struct pl_json *b = cf_items(c, v, "cacheBehaviors"); b; b = b->next)
        if (pl_managed__streq(pl_managed__get(b, "targetOriginId"), id) &&
            pl_managed__streq(pl_managed__get(b, "viewerProtocolPolicy"), "allow-all"))
            return true;
    return false;
}

static int cf_origin_encrypted(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                               struct pl_managed_eval *out)
{
    for (const struct pl_json *o = cf_items(c, v, "origins"); o; o = o->next) {
        const struct pl_json *pol =
            pl_managed__get(pl_managed__get(o, "customOriginConfig"), "originProtocolPolicy");
        const char *id = pl_json_str(pl_managed__get(o, "id"));
        if (pl_managed__streq(pol, "http-only"))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "Origin %.100s is reached over HTTP only.", id ? id : "?");
        if (pl_managed__streq(pol, "match-viewer") && id && cf_viewer_allows_http(c, v, id))
            return pl_managed__res(
                out, PL_NON_COMPLIANT,
                "Origin %.100s matches the viewer protocol and viewers may use HTTP.", id);
    }
    return 0;
}

static int cf_failover(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const struct pl_json *g = cf_items(c, v, "originGroups");
    if (!g)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The distribution has no origin group.");
    for (; g; g = g->next) {
        long long n = 0;
        const struct pl_json *m = pl_managed__get(g, "members");
        if (pl_managed__int(pl_managed__get(m, "quantity"), &n) < 0)
            n = (long long)(pl_managed__get(m, "items") ? pl_managed__get(m, "items")->len : 0);
        if (n < 2)
            return pl_managed__res(
                out, PL_NON_COMPLIANT, "Origin group %.100s has fewer than 2 origins.",
                pl_json_str(pl_managed__get(g, "id")) ? pl_json_str(pl_managed__get(g, "id"))
                                                      : "?");
    }
    return 0;
}

/* ---- Network Firewall ---- */

#define FWP CFG "firewallPolicy."
static int netfw_rule_groups(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                             struct pl_managed_eval *out)
{
    if (pl_managed__empty(pl_managed__path(c, v->ci, FWP "statefulRuleGroupReferences")) &&
        pl_managed__empty(pl_managed__path(c, v->ci, FWP "statelessRuleGroupReferences")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The firewall policy has no stateful or stateless rule group.");
    return 0;
}

#define NETFW_ACTIONS "aws:pass|aws:drop|aws:forward_to_sfe"
static const struct pl_managed_pspec netfw_frag_params[] = {
    {.name = "statelessFragmentDefaultActions",
     .type = PL_MP_LIST,
     .required = true,
     .choices = NETFW_ACTIONS},
};
static const struct pl_managed_pspec netfw_full_params[] = {
    {.name = "statelessDefaultActions",
     .type = PL_MP_LIST,
     .required = true,
     .choices = NETFW_ACTIONS},
};

/* The policy's standard actions (aws:*) must be among the parameter's; custom actions (which
 * only publish metrics) are not judged. */
static int netfw_default_actions(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                                 struct pl_managed_eval *out, const char *field)
{
    const struct pl_json *a =
        pl_managed__get(pl_managed__path(c, v->ci, CFG "firewallPolicy"), field);
    int std = 0;
    for (const struct pl_json *e = a && a->type == PL_JARR ? a->child : a; e; e = e->next) {
        const char *s = pl_json_str(e);
        if (!s || strncasecmp(s, "aws:", 4) != 0)
            continue;
        std++;
        if (!pl_managed__in_list(&c->p->v[0], s))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The policy's %s include %.40s, not one of %s.", field, s,
                                   c->p->rule->params[0].name);
        if (a->type != PL_JARR)
            break;
    }
    if (!std)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The policy has no standard %s.", field);
    return 0;
}

static int netfw_frag(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    return netfw_default_actions(c, v, out, "statelessFragmentDefaultActions");
}

static int netfw_full(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    return netfw_default_actions(c, v, out, "statelessDefaultActions");
}

static const struct pl_managed__check netfw_delete_checks[] = {
    {.path = CFG "firewall.deleteProtection",
     .op = MCK_TRUE,
     .why = "Deletion protection is not enabled on the firewall."},
};
static const struct pl_managed__check netfw_subnet_checks[] = {
    {.path = CFG "firewall.subnetChangeProtection",
     .op = MCK_TRUE,
     .why = "Subnet change protection is not enabled on the firewall."},
};

/* Availability zones: count distinct zones of a list of subnet ids through the recorded
 * AWS::EC2::Subnet CIs. *missing gets the number of subnets not recorded. */
static int distinct_zones(const struct pl_managed__ctx *c, const struct pl_json *subnets,
                          const char *key, int *missing)
{
    const char *seen[64];
    int n = 0;
    *missing = 0;
    for (const struct pl_json *s = first(subnets); s; s = s->next) {
        const char *id = pl_json_str(key ? pl_managed__get(s, key) : s);
        const struct pl_json *ci = id ? c->env->get(c->env->u, "AWS::EC2::Subnet", id) : NULL;
        const struct pl_json *cfg =
            ci ? pl_managed__doc(c, pl_json_get(ci, "configuration")) : NULL;
        const char *az = pl_json_str(pl_managed__get(cfg, "availabilityZone"));
        if (!az) {
            ++*missing;
            continue;
        }
        int k = 0;
        while (k < n && strcmp(seen[k], az) != 0)
            k++;
        if (k == n && n < (int)PL_ARRAY_LEN(seen))
            seen[n++] = az;
    }
    return n;
}

static const struct pl_managed_pspec netfw_az_params[] = {
    {.name = "availabilityZones", .type = PL_MP_INT, .min = 1, .max = 64},
};

static int netfw_multi_az(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    if (pl_managed__need_env(c, "the recorded AWS::EC2::Subnet resources") < 0)
        return -1;
    long long want = c->p->v[0].set ? c->p->v[0].i : 2;
    int missing;
    int n = distinct_zones(c, pl_managed__path(c, v->ci, CFG "firewall.subnetMappings"), "subnetId",
                           &missing);
    if (n >= want)
        return 0;
    if (missing)
        return pl_managed__res(
            out, PL_INSUFFICIENT_DATA,
            "%d of the firewall's subnets are not recorded; the others span %d zones.", missing, n);
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "The firewall spans %d Availability Zones, fewer than %lld.", n, want);
}

/* ---- load balancers ---- */

static const struct pl_managed_pspec min_az_params[] = {
    {.name = "minAvailabilityZones", .type = PL_MP_INT, .min = 2, .max = 10},
};

static int lb_multi_az(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    long long want = c->p->v[0].set ? c->p->v[0].i : 2;
    const struct pl_json *z = pl_managed__get(v->cfg, "availabilityZones");
    long long n = z && z->type == PL_JARR ? (long long)z->len : 0;
    if (n < want)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The load balancer spans %lld Availability Zones, fewer than %lld.",
                               n, want);
    return 0;
}

static const struct pl_managed_pspec clb_desync_params[] = {
    {.name = "desyncMode",
     .type = PL_MP_LIST,
     .required = true,
     .choices = "defensive|strictest|monitor"},
};

/* The classic LB's mode is the additional attribute elb.http.desyncmitigationmode (not
 * recorded: ELB's default, defensive). */
static int clb_desync(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    const struct pl_json *l =
        pl_managed__path(c, v->ci, SUPP "LoadBalancerAttributes.additionalAttributes");
    const char *mode = NULL;
    for (const struct pl_json *a = first(l); a; a = a->next)
        if (pl_managed__streq(pl_managed__get(a, "key"), "elb.http.desyncmitigationmode"))
            mode = pl_json_str(pl_managed__get(a, "value"));
    if (!mode)
        mode = "defensive";
    const struct pl_managed_pval *pv = &c->p->v[0];
    for (size_t i = 0; i < pv->nitems; i++)
        if (strcasecmp(pv->items[i], mode) == 0)
            return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "The desync mitigation mode %.20s is not one of desyncMode.", mode);
}

static const struct pl_managed_pspec clb_policy_params[] = {
    {.name = "predefinedPolicyName", .type = PL_MP_STR, .required = true},
};

/* The predefined policy an SSL negotiation policy refers to: its Reference-Security-Policy
 * attribute in the CI's supp LoadBalancerPolicies (DescribeLoadBalancerPolicies). */
static const char *clb_reference(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                                 const char *name)
{
    const struct pl_json *ps = pl_managed__path(c, v->ci, SUPP "LoadBalancerPolicies");
    for (const struct pl_json *p = first(ps); p; p = p->next) {
        if (!pl_managed__streq(pl_managed__get(p, "policyName"), name))
            continue;
        for (const struct pl_json *a = first(pl_managed__get(p, "policyAttributeDescriptions")); a;
             a = a->next)
            if (pl_managed__streq(pl_managed__get(a, "attributeName"), "Reference-Security-Policy"))
                return pl_json_str(pl_managed__get(a, "attributeValue"));
    }
    return NULL;
}

/* Whether the policy named name of classic load balancer v is what the rule asks for. */
typedef bool (*clb_policy_ok)(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                              const char *name);

/* The SSL (and HTTPS) listeners of classic load balancer v: 1 with *port set at the first none
 * of whose policy names ok passes, 0 when each has one, -1 when there is no SSL listener. */
static int clb_bad_listener(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                            clb_policy_ok ok, long long *port)
{
    int ssl = 0;
    for (const struct pl_json *l = first(pl_managed__get(v->cfg, "listenerDescriptions")); l;
         l = l->next) {
        const struct pl_json *proto = pl_managed__get(pl_managed__get(l, "listener"), "protocol");
        if (!pl_managed__streq(proto, "HTTPS") && !pl_managed__streq(proto, "SSL"))
            continue;
        ssl++;
        bool good = false;
        for (const struct pl_json *n = first(pl_managed__get(l, "policyNames")); n && !good;
             n = n->next)
            good = pl_json_str(n) && ok(c, v, pl_json_str(n));
        if (!good) {
            *port = 0;
            pl_managed__int(pl_managed__get(pl_managed__get(l, "listener"), "loadBalancerPort"),
                            port);
            return 1;
        }
    }
    return ssl ? 0 : -1;
}

/* The policy is the predefined one (by name or by its Reference-Security-Policy). */
static bool clb_is_predefined(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                              const char *name)
{
    const char *want = c->p->v[0].s, *ref = clb_reference(c, v, name);
    return (ref && strcmp(ref, want) == 0) || strcmp(name, want) == 0;
}

static int clb_predefined(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    long long port;
    int bad = clb_bad_listener(c, v, clb_is_predefined, &port);
    if (bad > 0)
        return pl_managed__res(
            out, PL_NON_COMPLIANT,
            "The SSL listener on port %lld does not use the predefined policy %.100s.", port,
            c->p->v[0].s);
    return bad < 0 ? pl_managed__na(out) : 0;
}

/* ---- WAF ---- */

static const struct pl_managed__check wafv2_group_checks[] = {
    {.path = CFG "rules", .op = MCK_PRESENT, .why = "The rule group has no rules."},
};
static int wafv2_acl(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                     struct pl_managed_eval *out)
{
    (void)c;
    if (pl_managed__empty(pl_managed__get(v->cfg, "rules")) &&
        pl_managed__empty(pl_managed__get(v->cfg, "preProcessFirewallManagerRuleGroups")) &&
        pl_managed__empty(pl_managed__get(v->cfg, "postProcessFirewallManagerRuleGroups")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The web ACL has no rules or rule groups.");
    return 0;
}
static const struct pl_managed__check waf_regional_rule_checks[] = {
    {.path = CFG "predicateList|" CFG "predicates",
     .op = MCK_PRESENT,
     .why = "The rule has no conditions."},
};

/* ---- EKS ---- */

/* EKS_CLUSTER_LOGGING_ENABLED: all five control-plane log types. Config records the
 * CloudFormation shape (Logging.ClusterLogging.EnabledTypes[].Type); DescribeCluster's
 * (logging.clusterLogging[] {types, enabled}) is read too. */
static bool eks_log_on(const struct pl_json *logging, const char *type)
{
    const struct pl_json *cl = pl_managed__get(logging, "clusterLogging");
    if (cl && cl->type == PL_JOBJ) {
        for (const struct pl_json *t = first(pl_managed__get(cl, "enabledTypes")); t; t = t->next)
            if (pl_managed__streq(pl_managed__get(t, "type"), type) || pl_managed__streq(t, type))
                return true;
        return false;
    }
    for (const struct pl_json *e = first(cl); e; e = e->next)
        if (pl_managed__true(pl_managed__get(e, "enabled")) &&
            holds(pl_managed__get(e, "types"), type))
            return true;
    return false;
}

static int eks_logging(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    static const char *const types[] = {"api", "audit", "authenticator", "controllerManager",
                                        "scheduler"};
    (void)c;
    const struct pl_json *logging = pl_managed__get(v->cfg, "logging");
    for (size_t i = 0; i < PL_ARRAY_LEN(types); i++)
        if (!eks_log_on(logging, types[i]))
            return pl_managed__res(out, PL_NON_COMPLIANT, "The cluster does not log %s.", types[i]);
    return 0;
}

static const struct pl_managed_pspec eks_secrets_params[] = {
    {.name = "kmsKeyArns", .type = PL_MP_LIST},
};

static int eks_secrets(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    for (const struct pl_json *e = first(pl_managed__get(v->cfg, "encryptionConfig")); e;
         e = e->next) {
        if (!holds(pl_managed__get(e, "resources"), "secrets"))
            continue;
        const char *key = pl_json_str(pl_managed__get(pl_managed__get(e, "provider"), "keyArn"));
        if (!key)
            continue;
        if (c->p->v[0].set && !pl_managed__in_list(&c->p->v[0], key))
            return pl_managed__res(
                out, PL_NON_COMPLIANT,
                "The cluster's secrets are encrypted with a key not in kmsKeyArns.");
        return 0;
    }
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "The cluster's Kubernetes secrets are not encrypted with KMS.");
}

static const struct pl_managed_pspec eks_supported_params[] = {
    {.name = "oldestVersionSupported", .type = PL_MP_STR, .required = true},
};

static int eks_supported(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    const char *have = pl_json_str(pl_managed__get(v->cfg, "version"));
    long h = pl_managed__version_rank(have), oldest = pl_managed__version_rank(c->p->v[0].s);
    if (h < 0 || oldest < 0 || h < oldest)
        return pl_managed__res(
            out, PL_NON_COMPLIANT,
            "The cluster runs Kubernetes %.20s, older than oldestVersionSupported %.20s.",
            have ? have : "(unknown)", c->p->v[0].s);
    return 0;
}

/* ---- RDS clusters, Neptune ---- */

static const struct pl_managed__check neptune_only[] = {
    {.path = CFG "engine", .op = MCK_EQ, .arg = "neptune", .applies = true},
};
static const struct pl_managed_pspec neptune_backup_params[] = {
    {.name = "minBackupRetentionPeriod", .type = PL_MP_INT, .def = "7", .min = 1, .max = 35},
};
static const struct pl_managed__check neptune_backup_checks[] = {
    {.path = CFG "engine", .op = MCK_EQ, .arg = "neptune", .applies = true},
    {.path = CFG "backupRetentionPeriod",
     .op = MCK_GE_PARAM,
     .param = 0,
     .why = "The cluster keeps backups for fewer days than minBackupRetentionPeriod."},
};
static int neptune_logs(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    (void)c;
    if (!holds(pl_managed__get(v->cfg, "enabledCloudwatchLogsExports"), "audit"))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The cluster does not export audit logs to CloudWatch Logs.");
    return 0;
}
static const struct pl_managed__check neptune_encrypted_checks[] = {
    {.path = CFG "engine", .op = MCK_EQ, .arg = "neptune", .applies = true},
    {.path = CFG "storageEncrypted",
     .op = MCK_TRUE,
     .why = "The cluster's storage is not encrypted."},
};
static const struct pl_managed__check neptune_iam_checks[] = {
    {.path = CFG "engine", .op = MCK_EQ, .arg = "neptune", .applies = true},
    {.path = CFG "iamdatabaseAuthenticationEnabled|" CFG "iAMDatabaseAuthenticationEnabled",
     .op = MCK_TRUE,
     .why = "IAM database authentication is not enabled on the cluster."},
};
static const struct pl_managed__check neptune_snap_enc_checks[] = {
    {.path = CFG "engine", .op = MCK_EQ, .arg = "neptune", .applies = true},
    {.path = CFG "storageEncrypted",
     .op = MCK_TRUE,
     .why = "The cluster snapshot is not encrypted."},
};

/* Public: the snapshot's restore attribute names "all" (supp DBClusterSnapshotAttributes). */
static int snapshot_public(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    const struct pl_json *attrs = pl_managed__path(c, v->ci, SUPP "DBClusterSnapshotAttributes");
    for (const struct pl_json *a = first(attrs); a; a = a->next)
        if (pl_managed__streq(pl_managed__get(a, "attributeName"), "restore") &&
            holds(pl_managed__get(a, "attributeValues"), "all"))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The cluster snapshot is public (restore: all).");
    return 0;
}

/* The RDS cluster rules judge RDS engines; Neptune and DocumentDB clusters (also
 * AWS::RDS::DBCluster) have rules of their own. */
static int rds_engine_only(const struct pl_managed__ci *v)
{
    const char *e = pl_json_str(pl_managed__get(v->cfg, "engine"));
    return !(e && (strcmp(e, "neptune") == 0 || strcmp(e, "docdb") == 0));
}
static const struct pl_managed__check rds_cluster_iam_checks[] = {
    {.path = CFG "iamdatabaseAuthenticationEnabled|" CFG "iAMDatabaseAuthenticationEnabled",
     .op = MCK_TRUE,
     .why = "IAM database authentication is not enabled on the cluster."},
};
static const struct pl_managed__check rds_cluster_encrypted_checks[] = {
    {.path = CFG "storageEncrypted",
     .op = MCK_TRUE,
     .why = "The cluster's storage is not encrypted."},
};
static int rds_cluster_iam(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    if (!rds_engine_only(v))
        return pl_managed__na(out);
    pl_managed__checks(c, v, rds_cluster_iam_checks, PL_MIMPL_LEN(rds_cluster_iam_checks), out);
    return 0;
}
static int rds_cluster_encrypted(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                                 struct pl_managed_eval *out)
{
    if (!rds_engine_only(v))
        return pl_managed__na(out);
    pl_managed__checks(c, v, rds_cluster_encrypted_checks,
                       PL_MIMPL_LEN(rds_cluster_encrypted_checks), out);
    return 0;
}

/* ---- DynamoDB, DAX ---- */

static int ddb_encryption(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    const struct pl_json *st =
        pl_managed__path(c, v->ci, CFG "ssedescription.status|" CFG "sSEDescription.status");
    if (!pl_managed__streq(st, "ENABLED") && !pl_managed__streq(st, "ENABLING"))
        return pl_managed__res(
            out, PL_NON_COMPLIANT,
            "The table's server-side encryption status is %.20s, not ENABLED or ENABLING.",
            pl_json_str(st) ? pl_json_str(st) : "not recorded");
    return 0;
}
static const struct pl_managed__check ddb_deletion_checks[] = {
    {.path = CFG "deletionProtectionEnabled",
     .op = MCK_TRUE,
     .why = "Deletion protection is not enabled on the table."},
};
static int dax_encrypted(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    const struct pl_json *st =
        pl_managed__path(c, v->ci, CFG "sSEDescription.status|" CFG "ssedescription.status");
    const struct pl_json *on = pl_managed__path(c, v->ci, CFG "sSESpecification.sSEEnabled");
    if (pl_managed__streq(st, "ENABLED") || (!st && pl_managed__true(on)))
        return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT, "The DAX cluster is not encrypted at rest.");
}

/* ---- GuardDuty detector features ---- */

/* A feature is on when Features[] (CloudFormation shape; GetDetector's features) has it
 * ENABLED and, when `sub` is given, its additional configuration `sub` ENABLED too. The older
 * DataSources shape is read for the S3 and EKS audit-log features. */
struct gd_feature {
    const char *rule, *name, *sub, *legacy, *what;
};
static const struct gd_feature gd_features[] = {
    {"GUARDDUTY_S3_PROTECTION_ENABLED", "S3_DATA_EVENTS", NULL, "s3Logs.enable", "S3 Protection"},
    {"GUARDDUTY_EKS_PROTECTION_AUDIT_ENABLED", "EKS_AUDIT_LOGS", NULL,
     "kubernetes.auditLogs.enable", "EKS Audit Log Monitoring"},
    {"GUARDDUTY_EKS_PROTECTION_RUNTIME_ENABLED", "EKS_RUNTIME_MONITORING|RUNTIME_MONITORING",
     "EKS_ADDON_MANAGEMENT", NULL, "EKS Runtime Monitoring"},
    {"GUARDDUTY_LAMBDA_PROTECTION_ENABLED", "LAMBDA_NETWORK_LOGS", NULL, NULL, "Lambda Protection"},
    {"GUARDDUTY_RUNTIME_MONITORING_ENABLED", "RUNTIME_MONITORING", NULL, NULL,
     "Runtime Monitoring"},
    {"GUARDDUTY_EC2_PROTECTION_RUNTIME_ENABLED", "RUNTIME_MONITORING", "EC2_AGENT_MANAGEMENT", NULL,
     "Runtime Monitoring for EC2"},
    {"GUARDDUTY_ECS_PROTECTION_RUNTIME_ENABLED", "RUNTIME_MONITORING",
     "ECS_FARGATE_AGENT_MANAGEMENT", NULL, "Runtime Monitoring for ECS Fargate"},
    {"GUARDDUTY_MALWARE_PROTECTION_ENABLED", "EBS_MALWARE_PROTECTION", NULL,
     "malwareProtection.scanEc2InstanceWithFindings.ebsVolumes", "Malware Protection for EC2"},
    {"GUARDDUTY_RDS_PROTECTION_ENABLED", "RDS_LOGIN_EVENTS", NULL, NULL, "RDS Protection"},
};

static bool name_in(const char *alts, const struct pl_json *j)
{
    const char *s = pl_json_str(j);
    if (!s)
        return false;
    size_t n = strlen(s);
    for (const char *a = alts; *a;) {
        const char *e = strchr(a, '|');
        size_t len = e ? (size_t)(e - a) : strlen(a);
        if (len == n && strncasecmp(a, s, n) == 0)
            return true;
        a += len + (e != NULL);
    }
    return false;
}

static int gd_feature(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    const struct gd_feature *f = NULL;
    for (size_t i = 0; i < PL_ARRAY_LEN(gd_features); i++)
        if (strcmp(gd_features[i].rule, c->p->rule->identifier) == 0)
            f = &gd_features[i];
    if (!f)
        return pl_fail(c->err, PL_E_INTERNAL, "no GuardDuty feature for %s",
                       c->p->rule->identifier);
    bool on = false;
    for (const struct pl_json *e = first(pl_managed__get(v->cfg, "features")); e && !on;
         e = e->next) {
        if (!name_in(f->name, pl_managed__get(e, "name")) ||
            !pl_managed__streq(pl_managed__get(e, "status"), "ENABLED"))
            continue;
        if (!f->sub) {
            on = true;
            break;
        }
        for (const struct pl_json *a = first(pl_managed__get(e, "additionalConfiguration")); a;
             a = a->next)
            if (pl_managed__streq(pl_managed__get(a, "name"), f->sub) &&
                pl_managed__streq(pl_managed__get(a, "status"), "ENABLED"))
                on = true;
    }
    if (!on && f->legacy) {
        char path[128];
        snprintf(path, sizeof(path), CFG "dataSources.%s", f->legacy);
        const struct pl_json *j = pl_managed__path(c, v->ci, path);
        on = pl_managed__true(j) || pl_managed__streq(pl_managed__get(j, "status"), "ENABLED");
    }
    if (!on)
        return pl_managed__res(out, PL_NON_COMPLIANT, "%s is not enabled on the detector.",
                               f->what);
    return 0;
}

/* ---- Amazon MQ, DMS, MSK, Transfer, Step Functions ---- */

/* Audit logs exist only for ActiveMQ brokers. */
static const struct pl_managed__check mq_audit_checks[] = {
    {.path = CFG "engineType", .op = MCK_EQ, .arg = "ActiveMQ", .applies = true},
    {.path = CFG "logs.audit",
     .op = MCK_TRUE,
     .why = "The broker does not send audit logs to CloudWatch Logs."},
};
static int mq_audit_log(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    /* RabbitMQ brokers have general logs only; ActiveMQ ones must publish audit logs */
    bool rabbit = pl_managed__streq(pl_managed__get(v->cfg, "engineType"), "RabbitMQ");
    if (!pl_managed__true(
            pl_managed__path(c, v->ci, rabbit ? CFG "logs.general" : CFG "logs.audit")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The broker does not send %s logs to CloudWatch Logs.",
                               rabbit ? "general" : "audit");
    return 0;
}

static const struct pl_managed_pspec dms_ssl_params[] = {
    {.name = "excludedEngines", .type = PL_MP_LIST},
};
/* Endpoints of engines that support no SSL mode (S3, DynamoDB, Kinesis...) are N/A. */
static int dms_ssl(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                   struct pl_managed_eval *out)
{
    static const char *const ssl_engines[] = {"mysql",
                                              "mariadb",
                                              "aurora",
                                              "aurora-postgresql",
                                              "postgres",
                                              "oracle",
                                              "sqlserver",
                                              "sybase",
                                              "db2",
                                              "mongodb",
                                              "docdb",
                                              "redshift",
                                              "azuredb",
                                              "babelfish",
                                              "aurora-serverless"};
    const char *e = pl_json_str(pl_managed__get(v->cfg, "engineName"));
    bool ssl = false;
    for (size_t i = 0; e && i < PL_ARRAY_LEN(ssl_engines); i++)
        ssl = ssl || strcasecmp(e, ssl_engines[i]) == 0;
    if (!ssl || (c->p->v[0].set && pl_managed__in_list(&c->p->v[0], e)))
        return pl_managed__na(out);
    const struct pl_json *m = pl_managed__get(v->cfg, "sslMode");
    if (pl_managed__empty(m) || pl_managed__streq(m, "none"))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The %.30s endpoint does not use SSL (SslMode none).", e);
    return 0;
}
static const struct pl_managed__check dms_redis_checks[] = {
    {.path = CFG "engineName", .op = MCK_EQ, .arg = "redis", .applies = true},
    {.path = CFG "redisSettings.sslSecurityProtocol",
     .op = MCK_EQ,
     .arg = "ssl-encryption",
     .why = "The Redis endpoint does not use TLS (SslSecurityProtocol is not ssl-encryption)."},
};
/* In-cluster encryption defaults to on; only an explicit false fails. */
static int msk_tls(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                   struct pl_managed_eval *out)
{
    const struct pl_json *j =
        pl_managed__path(c, v->ci, CFG "encryptionInfo.encryptionInTransit.inCluster");
    if (j && j->type != PL_JNULL && !pl_managed__true(j))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "TLS between the cluster's broker nodes is disabled.");
    return 0;
}
static int transfer_ftp(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    (void)c;
    if (holds(pl_managed__get(v->cfg, "protocols"), "FTP"))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The server accepts FTP.");
    return 0;
}

static const struct pl_managed_pspec sfn_log_params[] = {
    {.name = "cloudWatchLogGroupArns", .type = PL_MP_LIST},
    {.name = "logLevel", .type = PL_MP_LIST, .choices = "ALL|ERROR|FATAL"},
};
static int sfn_logging(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const struct pl_json *lc = pl_managed__get(v->cfg, "loggingConfiguration");
    const char *level = pl_json_str(pl_managed__get(lc, "level"));
    if (!level || strcasecmp(level, "OFF") == 0)
        return pl_managed__res(out, PL_NON_COMPLIANT, "Logging is off for the state machine.");
    if (c->p->v[1].set && !pl_managed__in_list(&c->p->v[1], level))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The log level %.10s is not one of logLevel.",
                               level);
    if (c->p->v[0].set) {
        for (const struct pl_json *d = first(pl_managed__get(lc, "destinations")); d; d = d->next) {
            const char *arn = pl_json_str(
                pl_managed__get(pl_managed__get(d, "cloudWatchLogsLogGroup"), "logGroupArn"));
            if (arn && pl_managed__in_list(&c->p->v[0], arn))
                return 0;
        }
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The state machine does not log to one of cloudWatchLogGroupArns.");
    }
    return 0;
}

/* ---- S3 access points, ACM PCA, S3 MFA delete ---- */

static const struct pl_managed_pspec ap_params[] = {
    {.name = "excludedAccessPoints", .type = PL_MP_LIST},
};
static int access_point_bpa(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                            struct pl_managed_eval *out)
{
    static const char *const f[] = {"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                    "restrictPublicBuckets"};
    const char *name = pl_json_str(pl_managed__get(v->cfg, "name"));
    if (c->p->v[0].set && name && pl_managed__in_list(&c->p->v[0], name))
        return pl_managed__na(out);
    const struct pl_json *b = pl_managed__get(v->cfg, "publicAccessBlockConfiguration");
    for (size_t i = 0; i < PL_ARRAY_LEN(f); i++)
        if (!pl_managed__true(pl_managed__get(b, f[i])))
            return pl_managed__res(out, PL_NON_COMPLIANT, "The access point's %s is not true.",
                                   f[i]);
    return 0;
}

static const struct pl_managed_pspec pca_params[] = {
    {.name = "exemptedCAArns", .type = PL_MP_LIST},
};
static const struct pl_managed__check pca_checks[] = {
    {.path = CFG "type", .op = MCK_EQ, .arg = "ROOT", .applies = true},
    {.path = CFG "arn", .op = MCK_NE, .arg = "", .applies = true},
    {.path = CFG "status",
     .op = MCK_EQ,
     .arg = "DISABLED",
     .why = "The root certificate authority is not disabled."},
};
static int pca_root(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                    struct pl_managed_eval *out)
{
    const char *arn = pl_json_str(pl_managed__get(v->cfg, "arn"));
    if (!arn)
        arn = pl_json_str(pl_json_get(v->ci, "arn"));
    if (c->p->v[0].set && arn && pl_managed__in_list(&c->p->v[0], arn))
        return pl_managed__na(out);
    pl_managed__checks(c, v, pca_checks, PL_MIMPL_LEN(pca_checks), out);
    return 0;
}

static const struct pl_managed__check s3_mfa_delete_checks[] = {
    {.path = SUPP "BucketVersioningConfiguration.isMfaDeleteEnabled",
     .op = MCK_TRUE,
     .why = "MFA delete is not enabled on the bucket."},
};

/* ---- AppSync, CloudFormation, CodeDeploy, Beanstalk, CloudWatch, launch templates ---- */

static const struct pl_managed_pspec appsync_log_params[] = {
    {.name = "fieldLoggingLevel", .type = PL_MP_LIST, .choices = "ERROR|ALL|INFO|DEBUG|NONE"},
};
static int appsync_logging(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    const char *lvl = pl_json_str(pl_managed__path(c, v->ci, CFG "logConfig.fieldLogLevel"));
    bool ok =
        lvl && (c->p->v[0].set ? pl_managed__in_list(&c->p->v[0], lvl)
                               : strcasecmp(lvl, "ERROR") == 0 || strcasecmp(lvl, "ALL") == 0);
    if (!ok)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The API's field log level is %.10s%s.",
                               lvl ? lvl : "not set",
                               c->p->v[0].set ? ", not one of fieldLoggingLevel" : "");
    return 0;
}
static const struct pl_managed_pspec appsync_waf_params[] = {
    {.name = "wafWebAclARNs", .type = PL_MP_LIST},
};
static const struct pl_managed__check appsync_waf_checks[] = {
    {.path = CFG "wafWebAclArn|" SUPP "WafWebAclArn",
     .op = MCK_PRESENT,
     .why = "The API is not associated with a web ACL."},
    {.path = CFG "wafWebAclArn|" SUPP "WafWebAclArn",
     .op = MCK_IN_PARAM,
     .why = "The API's web ACL is not one of wafWebAclARNs."},
};

static const struct pl_managed_pspec stack_sns_params[] = {
    {.name = "snsTopic1", .type = PL_MP_STR}, {.name = "snsTopic2", .type = PL_MP_STR},
    {.name = "snsTopic3", .type = PL_MP_STR}, {.name = "snsTopic4", .type = PL_MP_STR},
    {.name = "snsTopic5", .type = PL_MP_STR},
};
static int stack_notification(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                              struct pl_managed_eval *out)
{
    const struct pl_json *arns = pl_managed__get(v->cfg, "notificationARNs");
    if (pl_managed__empty(arns))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The stack sends no event notifications.");
    bool given = false;
    for (int i = 0; i < 5; i++) {
        if (!c->p->v[i].set)
            continue;
        given = true;
        if (holds(arns, c->p->v[i].s))
            return 0;
    }
    if (given)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The stack notifies none of the topics snsTopic1..snsTopic5.");
    return 0;
}

static const struct pl_managed__check rds_dbsg_checks[] = {
    {.path = CFG "dBSecurityGroupName|" CFG "dbsecurityGroupName",
     .op = MCK_EQ,
     .arg = "default",
     .why = "The DB security group is not the default one (EC2-Classic DB security groups are not "
            "allowed)."},
};

static const struct pl_managed__check codedeploy_rollback_checks[] = {
    {.path = CFG "autoRollbackConfiguration.enabled",
     .op = MCK_TRUE,
     .why = "Automatic rollback is not enabled for the deployment group."},
    {.path = CFG "alarmConfiguration.enabled",
     .op = MCK_TRUE,
     .why = "Alarm monitoring is not enabled for the deployment group."},
    {.path = CFG "alarmConfiguration.alarms",
     .op = MCK_PRESENT,
     .why = "No alarm is attached to the deployment group."},
};

/* Elastic Beanstalk: optionSettings.<namespace>.<option>.value, as for the other rules. */
#define EB_LOGS CFG "optionSettings.aws:elasticbeanstalk:cloudwatch:logs"
static const struct pl_managed_pspec eb_logs_params[] = {
    {.name = "RetentionInDays",
     .type = PL_MP_INT,
     .choices = "1|3|5|7|14|30|60|90|120|150|180|365|400|545|731|1827|3653"},
    {.name = "DeleteOnTerminate", .type = PL_MP_BOOL},
};
static int eb_logs(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                   struct pl_managed_eval *out)
{
    if (!pl_managed__true(pl_managed__path(c, v->ci, EB_LOGS ".StreamLogs.value")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The environment does not stream its logs to CloudWatch Logs.");
    long long days;
    if (c->p->v[0].set &&
        (pl_managed__int(pl_managed__path(c, v->ci, EB_LOGS ".RetentionInDays.value"), &days) < 0 ||
         days != c->p->v[0].i))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The log retention differs from RetentionInDays %lld.",
                               c->p->v[0].i);
    if (c->p->v[1].set && pl_managed__true(pl_managed__path(
                              c, v->ci, EB_LOGS ".DeleteOnTerminate.value")) != c->p->v[1].b)
        return pl_managed__res(out, PL_NON_COMPLIANT, "DeleteOnTerminate is not %s.",
                               c->p->v[1].b ? "true" : "false");
    return 0;
}

static const struct pl_managed__check alarm_enabled_checks[] = {
    {.path = CFG "actionsEnabled", .op = MCK_TRUE, .why = "The alarm's actions are not enabled."},
};

/* AWS's default response hop limit is 1; a missing value is the default. */
static int lc_hop(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                  struct pl_managed_eval *out)
{
    long long n;
    if (pl_managed__int(pl_managed__path(c, v->ci, CFG "metadataOptions.httpPutResponseHopLimit"),
                        &n) == 0 &&
        n > 1)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The metadata response hop limit is %lld, above 1.", n);
    return 0;
}

static const struct pl_managed_pspec lt_params[] = {
    {.name = "exemptedLaunchTemplates", .type = PL_MP_LIST},
};
static int lt_public_ip(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    const char *id = pl_json_str(pl_managed__get(v->cfg, "id"));
    if (!id)
        id = v->id;
    if (c->p->v[0].set && id && pl_managed__in_list(&c->p->v[0], id))
        return pl_managed__na(out);
    const struct pl_json *nics =
        pl_managed__path(c, v->ci, CFG "launchTemplateData.networkInterfaces");
    for (const struct pl_json *n = first(nics); n; n = n->next)
        if (pl_managed__true(pl_managed__get(n, "associatePublicIpAddress")))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "A network interface of the launch template assigns a public IP "
                                   "address.");
    return 0;
}

/* ---- account-level facts ---- */

/* alternateContacts: Account GetAlternateContact for each type, keyed by the type. */
static int security_contact(const struct pl_managed__ctx *c, const struct pl_managed__ci *acct,
                            struct pl_managed_eval *out)
{
    (void)c;
    const struct pl_json *s =
        pl_managed__get(pl_managed__get(acct->cfg, "alternateContacts"), "SECURITY");
    if (pl_managed__empty(pl_managed__get(s, "emailAddress")) &&
        pl_managed__empty(pl_managed__get(s, "phoneNumber")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "No security contact is provided for the account.");
    return 0;
}

/* macie: Macie2 GetMacieSession (status ENABLED or PAUSED); null when Macie is not enabled. */
static int macie_status(const struct pl_managed__ctx *c, const struct pl_managed__ci *acct,
                        struct pl_managed_eval *out)
{
    (void)c;
    const struct pl_json *st = pl_managed__get(pl_managed__get(acct->cfg, "macie"), "status");
    if (!pl_managed__streq(st, "ENABLED"))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Amazon Macie is %.20s in the account's region.",
                               pl_json_str(st) ? pl_json_str(st) : "not enabled");
    return 0;
}

/* emrBlockPublicAccess: EMR GetBlockPublicAccessConfiguration's
 * BlockPublicAccessConfiguration. Compliant when blocking is on and the exceptions open no port
 * but 22. */
static int emr_bpa(const struct pl_managed__ctx *c, const struct pl_managed__ci *acct,
                   struct pl_managed_eval *out)
{
    (void)c;
    const struct pl_json *b = pl_managed__get(acct->cfg, "emrBlockPublicAccess");
    if (!pl_managed__true(pl_managed__get(b, "blockPublicSecurityGroupRules")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "EMR block public access is not enabled.");
    for (const struct pl_json *r =
             first(pl_managed__get(b, "permittedPublicSecurityGroupRuleRanges"));
         r; r = r->next) {
        long long lo = -1, hi = -1;
        pl_managed__int(pl_managed__get(r, "minRange"), &lo);
        if (pl_managed__int(pl_managed__get(r, "maxRange"), &hi) < 0)
            hi = lo;
        if (lo != 22 || hi != 22)
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "EMR block public access permits ports %lld-%lld, not only 22.",
                                   lo, hi);
    }
    return 0;
}

/* ---- rules that read facts Config's own CIs lack (see docs/managed-rules.md) ---- */

/* WAFV2_LOGGING_ENABLED: the web ACL's supp LoggingConfiguration (WAFv2
 * GetLoggingConfiguration: LogDestinationConfigs); with KinesisFirehoseDeliveryStreamArns,
 * some destination must be one of them. WAF_CLASSIC_LOGGING_ENABLED: the same for a global
 * WAF Classic web ACL (WAF GetLoggingConfiguration has the same shape). */
static const struct pl_managed_pspec wafv2_log_params[] = {
    {.name = "KinesisFirehoseDeliveryStreamArns", .type = PL_MP_LIST},
};
static int wafv2_logging(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    const struct pl_json *dest = pl_managed__get(
        pl_managed__path(c, v->ci, SUPP "LoggingConfiguration"), "logDestinationConfigs");
    if (pl_managed__empty(dest))
        return pl_managed__res(out, PL_NON_COMPLIANT, "Logging is not enabled on the web ACL.");
    if (!c->p->v[0].set)
        return 0;
    for (const struct pl_json *d = dest->type == PL_JARR ? dest->child : dest; d; d = d->next) {
        if (pl_json_str(d) && pl_managed__in_list(&c->p->v[0], pl_json_str(d)))
            return 0;
        if (dest->type != PL_JARR)
            break;
    }
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "The web ACL logs to none of KinesisFirehoseDeliveryStreamArns.");
}

/* ALB_WAF_ENABLED: the balancer's attribute waf.enabled (as AWS's page names it), or a
 * recorded web ACL associated with it: an AWS::WAFRegional::WebACL whose associationList names
 * the balancer, or an AWS::WAFv2::WebACL whose supp AssociatedResources (WAFv2
 * ListResourcesForWebACL) does. With wafWebAclIds, the associated ACL (its webACLId or ARN)
 * must be listed. */
static const struct pl_managed_pspec alb_waf_params[] = {
    {.name = "wafWebAclIds", .type = PL_MP_LIST},
};
/* An array, or JSON text of one (the API form of supplementaryConfiguration), parsed into the
 * scratch arena; NULL otherwise. */
static const struct pl_json *json_array(const struct pl_managed__ctx *c, const struct pl_json *j)
{
    const char *s = pl_json_str(j);
    if (j && j->type == PL_JARR)
        return j;
    if (!s || s[0] != '[' || !c->scratch)
        return NULL;
    struct pl_err e = {0};
    const struct pl_json *a = pl_json_parse(c->scratch, s, strlen(s), &e);
    return a && a->type == PL_JARR ? a : NULL;
}

struct waf_q {
    const struct pl_managed__ctx *c;
    const char *arn;
    const char *acl; /* the associated ACL's id or ARN, once found */
    bool listed;     /* it is one of wafWebAclIds */
};
static int waf_acl_names(void *u, const struct pl_json *ci)
{
    struct waf_q *q = u;
    const char *st = pl_json_str(pl_json_get(ci, "configurationItemStatus"));
    if (st && pl_starts_with(st, "ResourceDeleted"))
        return 0;
    const struct pl_json *cfg = pl_managed__doc(q->c, pl_json_get(ci, "configuration"));
    const struct pl_json *supp = pl_json_get(ci, "supplementaryConfiguration");
    bool hit = false;
    for (const struct pl_json *a = first(pl_managed__get(cfg, "associationList")); a && !hit;
         a = a->next)
        hit = pl_managed__streq(pl_managed__get(a, "resourceARN"), q->arn);
    if (!hit)
        hit = holds(json_array(q->c, pl_managed__get(supp, "AssociatedResources")), q->arn);
    if (!hit)
        return 0;
    const char *ids[] = {
        pl_json_str(pl_managed__get(cfg, "webACLId")), pl_json_str(pl_managed__get(cfg, "arn")),
        pl_json_str(pl_json_get(ci, "arn")), pl_json_str(pl_managed__get(cfg, "id"))};
    for (size_t i = 0; i < PL_ARRAY_LEN(ids); i++)
        if (ids[i] && !q->acl)
            q->acl = ids[i];
    if (!q->c->p->v[0].set) {
        q->listed = true;
        return 1;
    }
    for (size_t i = 0; i < PL_ARRAY_LEN(ids); i++)
        if (ids[i] && pl_managed__in_list(&q->c->p->v[0], ids[i])) {
            q->listed = true;
            return 1;
        }
    return 0;
}
static int alb_waf(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                   struct pl_managed_eval *out)
{
    if (!pl_managed__streq(pl_managed__get(v->cfg, "type"), "application"))
        return pl_managed__na(out);
    const struct pl_json *attrs = pl_managed__path(c, v->ci, SUPP "LoadBalancerAttributes");
    bool attr_on = false;
    for (const struct pl_json *a = first(attrs); a; a = a->next)
        if (pl_managed__streq(pl_managed__get(a, "key"), "waf.enabled"))
            attr_on = pl_managed__true(pl_managed__get(a, "value"));
    struct waf_q q = {c, pl_json_str(pl_managed__get(v->cfg, "loadBalancerArn")), NULL, false};
    if (!q.arn)
        q.arn = pl_json_str(pl_json_get(v->ci, "arn"));
    if (q.arn && c->env && c->env->each) {
        c->env->each(c->env->u, "AWS::WAFRegional::WebACL", waf_acl_names, &q);
        if (!q.listed)
            c->env->each(c->env->u, "AWS::WAFv2::WebACL", waf_acl_names, &q);
    }
    if (q.listed || (attr_on && !c->p->v[0].set))
        return 0;
    if (q.acl || attr_on)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The load balancer's web ACL %.100s is not one of wafWebAclIds.",
                               q.acl ? q.acl : "(not recorded)");
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "No web ACL protects the load balancer (waf.enabled is "
                           "not true and no recorded web ACL is associated).");
}

/* SSM_DOCUMENT_NOT_PUBLIC: documents owned by the account (Config records only those) whose
 * supp DocumentPermission (SSM DescribeDocumentPermission, permission type Share) lists "all". */
static int ssm_doc_public(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    const struct pl_json *owner = pl_managed__get(v->cfg, "owner");
    if (owner && pl_json_str(owner) && c->env && c->env->account &&
        !pl_managed__streq(owner, c->env->account) && !pl_managed__streq(owner, "Self"))
        return pl_managed__na(out);
    const struct pl_json *perm = pl_managed__path(c, v->ci, SUPP "DocumentPermission");
    if (holds(pl_managed__get(perm, "accountIds"), "all") || holds(perm, "all"))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The document is shared publicly (AccountIds: all).");
    return 0;
}

/* DYNAMODB_AUTOSCALING_ENABLED: on-demand tables pass; a provisioned table and each of its
 * global secondary indexes need a recorded AWS::ApplicationAutoScaling::ScalableTarget for
 * read and for write capacity (ResourceId "table/<name>[/index/<index>]", ScalableDimension
 * dynamodb:<table|index>:<Read|Write>CapacityUnits) within the optional bounds (MinCapacity >=
 * minProvisioned*, MaxCapacity <= maxProvisioned*) and, with target*Utilization, a recorded
 * AWS::ApplicationAutoScaling::ScalingPolicy (target tracking) of that target with that
 * TargetValue. */
enum { P_DA_MINR, P_DA_MAXR, P_DA_TR, P_DA_MINW, P_DA_MAXW, P_DA_TW };
static const struct pl_managed_pspec ddb_as_params[] = {
    [P_DA_MINR] = {.name = "minProvisionedReadCapacity", .type = PL_MP_INT, .min = 1, .max = 40000},
    [P_DA_MAXR] = {.name = "maxProvisionedReadCapacity", .type = PL_MP_INT, .min = 1, .max = 40000},
    [P_DA_TR] = {.name = "targetReadUtilization", .type = PL_MP_NUM, .min = 20, .max = 90},
    [P_DA_MINW] = {.name = "minProvisionedWriteCapacity",
                   .type = PL_MP_INT,
                   .min = 1,
                   .max = 40000},
    [P_DA_MAXW] = {.name = "maxProvisionedWriteCapacity",
                   .type = PL_MP_INT,
                   .min = 1,
                   .max = 40000},
    [P_DA_TW] = {.name = "targetWriteUtilization", .type = PL_MP_NUM, .min = 20, .max = 90},
};
#define AS_MAX 34 /* the table and up to 16 global secondary indexes, read and write each */
struct as_need {
    char rid[300];
    char dim[40]; /* dynamodb:<table|index>:<Read|Write>CapacityUnits */
    bool write;
    const struct pl_json *target; /* the ScalableTarget's configuration, once found */
    double value;                 /* TargetValue of its target-tracking policy, or -1 */
};
struct as_q {
    const struct pl_managed__ctx *c;
    struct as_need *need;
    size_t n;
};
static bool as_is(const char *rid, const char *dim, const struct as_need *w)
{
    return rid && dim && strcmp(rid, w->rid) == 0 && strcasecmp(dim, w->dim) == 0;
}
/* One pass over the recorded targets (policy = false) or policies (true). */
static int as_scan(void *u, const struct pl_json *ci, bool policy)
{
    struct as_q *q = u;
    const struct pl_json *cfg = pl_managed__doc(q->c, pl_json_get(ci, "configuration"));
    const char *rid = pl_json_str(pl_managed__get(cfg, "resourceId"));
    const char *dim = pl_json_str(pl_managed__get(cfg, "scalableDimension"));
    for (size_t i = 0; rid && i < q->n; i++) {
        struct as_need *w = &q->need[i];
        if (!as_is(rid, dim, w))
            continue;
        if (!policy)
            w->target = cfg;
        else
            pl_json_double(
                pl_managed__get(pl_managed__get(cfg, "targetTrackingScalingPolicyConfiguration"),
                                "targetValue"),
                &w->value);
    }
    return 0;
}
static int as_target(void *u, const struct pl_json *ci)
{
    return as_scan(u, ci, false);
}
static int as_policy(void *u, const struct pl_json *ci)
{
    return as_scan(u, ci, true);
}
/* One dimension of one table or index: 0 when it passes, else writes out. */
static int as_judge(const struct pl_managed__ctx *c, const struct as_need *w,
                    struct pl_managed_eval *out)
{
    const struct pl_managed_pval *pv = c->p->v;
    const char *what = w->write ? "write" : "read";
    int mn = w->write ? P_DA_MINW : P_DA_MINR, mx = w->write ? P_DA_MAXW : P_DA_MAXR,
        tv = w->write ? P_DA_TW : P_DA_TR;
    long long n;
    if (!w->target)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Auto scaling of %s capacity is not enabled for %.150s.", what,
                               w->rid);
    if (pv[mn].set &&
        (pl_managed__int(pl_managed__get(w->target, "minCapacity"), &n) < 0 || n < pv[mn].i))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The minimum %s capacity of %.150s is below %s.", what, w->rid,
                               c->p->rule->params[mn].name);
    if (pv[mx].set &&
        (pl_managed__int(pl_managed__get(w->target, "maxCapacity"), &n) < 0 || n > pv[mx].i))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The maximum %s capacity of %.150s is above %s.", what, w->rid,
                               c->p->rule->params[mx].name);
    if (pv[tv].set && w->value != pv[tv].d)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "No target-tracking policy of %.150s aims at %s %.20s%%.", w->rid,
                               c->p->rule->params[tv].name, pv[tv].s);
    return 0;
}
/* Appends s to buf[*n] (size cap), truncating. */
static void append(char *buf, size_t cap, size_t *n, const char *s)
{
    size_t len = strlen(s);
    if (len > cap - 1 - *n)
        len = cap - 1 - *n;
    memcpy(buf + *n, s, len);
    *n += len;
    buf[*n] = 0;
}

/* Adds the read and write dimensions of the table (idx NULL) or of one of its indexes
 * (string building without snprintf: this is the hot path of the rule). */
static void as_add(struct as_q *q, const char *table, const char *idx)
{
    for (int w = 0; w < 2; w++) {
        struct as_need *e = &q->need[q->n++];
        size_t n = 0, d = 0;
        append(e->rid, sizeof(e->rid), &n, "table/");
        append(e->rid, sizeof(e->rid), &n, table);
        if (idx) {
            append(e->rid, sizeof(e->rid), &n, "/index/");
            append(e->rid, sizeof(e->rid), &n, idx);
        }
        append(e->dim, sizeof(e->dim), &d, idx ? "dynamodb:index:" : "dynamodb:table:");
        append(e->dim, sizeof(e->dim), &d, w ? "WriteCapacityUnits" : "ReadCapacityUnits");
        e->write = w;
        e->target = NULL;
        e->value = -1;
    }
}

static int ddb_autoscaling(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    if (pl_managed__streq(pl_managed__path(c, v->cfg, "billingModeSummary.billingMode"),
                          "PAY_PER_REQUEST"))
        return 0;
    if (pl_managed__need_env(c, "the recorded Application Auto Scaling targets") < 0)
        return -1;
    const char *name = pl_json_str(pl_managed__get(v->cfg, "tableName"));
    if (!name)
        name = v->id ? v->id : "";
    struct as_need need[AS_MAX];
    struct as_q q = {c, need, 0};
    as_add(&q, name, NULL);
    for (const struct pl_json *g = first(pl_managed__get(v->cfg, "globalSecondaryIndexes"));
         g && q.n + 2 <= AS_MAX; g = g->next)
        if (pl_json_str(pl_managed__get(g, "indexName")))
            as_add(&q, name, pl_json_str(pl_managed__get(g, "indexName")));
    c->env->each(c->env->u, "AWS::ApplicationAutoScaling::ScalableTarget", as_target, &q);
    const struct pl_managed_pval *pv = c->p->v;
    if (pv[P_DA_TR].set || pv[P_DA_TW].set)
        c->env->each(c->env->u, "AWS::ApplicationAutoScaling::ScalingPolicy", as_policy, &q);
    for (size_t i = 0; i < q.n; i++)
        if (as_judge(c, &need[i], out) < 0 || out->compliance != PL_COMPLIANT)
            return 0;
    return 0;
}

/* EBS_OPTIMIZED_INSTANCE: instance types that can be EBS-optimized only on request must have
 * ebsOptimized true; the previous-generation types that cannot be are NOT_APPLICABLE; every other
 * type (the current generations) is EBS-optimized by default and passes. */
static bool type_in(const char *type, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(list[i]);
        if (list[i][len - 1] == '.' ? strncmp(type, list[i], len) == 0 : strcmp(type, list[i]) == 0)
            return true;
    }
    return false;
}
static int ebs_optimized(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    static const char *const optional[] = {
        "m1.large",   "m1.xlarge", "m2.2xlarge", "m2.4xlarge", "m3.xlarge", "m3.2xlarge",
        "c1.xlarge",  "c3.xlarge", "c3.2xlarge", "c3.4xlarge", "r3.xlarge", "r3.2xlarge",
        "r3.4xlarge", "i2.xlarge", "i2.2xlarge", "i2.4xlarge", "g2.2xlarge"};
    static const char *const unsupported[] = {"t1.",        "t2.",        "m1.small", "m1.medium",
                                              "m2.xlarge",  "m3.medium",  "m3.large", "c1.medium",
                                              "c3.large",   "c3.8xlarge", "r3.large", "r3.8xlarge",
                                              "i2.8xlarge", "g2.8xlarge", "cc2.",     "cg1.",
                                              "cr1.",       "hi1.",       "hs1."};
    (void)c;
    const char *type = pl_json_str(pl_managed__get(v->cfg, "instanceType"));
    if (!type || type_in(type, unsupported, PL_ARRAY_LEN(unsupported)))
        return pl_managed__na(out);
    if (type_in(type, optional, PL_ARRAY_LEN(optional)) &&
        !pl_managed__true(pl_managed__get(v->cfg, "ebsOptimized")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "EBS optimization is not enabled on the %.30s instance.", type);
    return 0;
}

/* SECRETSMANAGER_SCHEDULED_ROTATION_SUCCESS_CHECK: secrets with rotation (others N/A) whose
 * RotationOccurringAsScheduled (Config's CI) is not false. */
static const struct pl_managed__check secret_sched_checks[] = {
    {.path = CFG "rotationEnabled|" CFG "RotationEnabled", .op = MCK_TRUE, .applies = true},
    {.path = CFG "rotationOccurringAsScheduled|" CFG "RotationOccurringAsScheduled",
     .op = MCK_TRUE,
     .or_absent = true,
     .why = "The secret was not rotated on its rotation schedule."},
};

/* Days between a CI time field (ISO or epoch) and the evaluation time; -1 when absent. */
static long long days_since(const struct pl_managed__ctx *c, const struct pl_json *j)
{
    int64_t t;
    if (!c->env || pl_managed__time(j, &t) < 0)
        return -1;
    return (c->env->now_ms - t) / (24LL * 3600 * 1000);
}

/* SECRETSMANAGER_SECRET_UNUSED: LastAccessedDate (DescribeSecret), or when never accessed the
 * CreatedDate, no older than unusedForDays. */
static const struct pl_managed_pspec secret_unused_params[] = {
    {.name = "unusedForDays", .type = PL_MP_INT, .def = "90", .min = 1, .max = 36500},
};
static int secret_unused(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    long long d = days_since(c, pl_managed__get(v->cfg, "lastAccessedDate"));
    if (d < 0)
        d = days_since(c, pl_managed__get(v->cfg, "createdDate"));
    if (d < 0)
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "The secret's LastAccessedDate and CreatedDate are not recorded.");
    if (d > c->p->v[0].i)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The secret has not been accessed for %lld days.", d);
    return 0;
}

/* SECRETSMANAGER_SECRET_PERIODIC_ROTATION: LastRotatedDate (or, never rotated, CreatedDate) no
 * older than maxDaysSinceRotation. */
static const struct pl_managed_pspec secret_periodic_params[] = {
    {.name = "maxDaysSinceRotation", .type = PL_MP_INT, .def = "90", .min = 1, .max = 36500},
};
static int secret_periodic(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    long long d = days_since(c, pl_managed__get(v->cfg, "lastRotatedDate"));
    const char *what = "rotated";
    if (d < 0) {
        d = days_since(c, pl_managed__get(v->cfg, "createdDate"));
        what = "rotated since it was created";
    }
    if (d < 0)
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "The secret's LastRotatedDate and CreatedDate are not recorded.");
    if (d > c->p->v[0].i)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The secret has not been %s for %lld days.",
                               what, d);
    return 0;
}

/* BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK: CalculatedLifecycle.DeleteAt at least
 * requiredRetentionDays after CreationDate (no DeleteAt: kept until deleted). */
static const struct pl_managed_pspec rp_retention_params[] = {
    {.name = "requiredRetentionDays", .type = PL_MP_INT, .def = "35", .min = 1, .max = 36500},
};
static int rp_retention(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    int64_t del, made;
    if (pl_managed__time(pl_managed__path(c, v->cfg, "calculatedLifecycle.deleteAt"), &del) < 0)
        return 0;
    if (pl_managed__time(pl_managed__get(v->cfg, "creationDate"), &made) < 0)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The recovery point expires but its CreationDate is not recorded.");
    long long days = (del - made) / (24LL * 3600 * 1000);
    if (days < c->p->v[0].i)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The recovery point is kept %lld days, fewer than %lld.", days,
                               c->p->v[0].i);
    return 0;
}

/* BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED: the vault's AccessPolicy (GetBackupVault
 * AccessPolicy, the CloudFormation property) has Deny statements that together cover
 * backup:DeleteRecoveryPoint, backup:UpdateRecoveryPointLifecycle and
 * backup:PutBackupVaultAccessPolicy, for every principal except the ones listed in
 * principalArnList (a Deny whose Principal is "*", possibly with a condition exempting them). */
static const struct pl_managed_pspec vault_delete_params[] = {
    {.name = "principalArnList", .type = PL_MP_LIST},
};
struct deny_q {
    bool covered[3];
};
static const char *const vault_actions[] = {"backup:DeleteRecoveryPoint",
                                            "backup:UpdateRecoveryPointLifecycle",
                                            "backup:PutBackupVaultAccessPolicy"};
static int vault_deny(void *u, const struct pl_json *st)
{
    struct deny_q *q = u;
    if (!pl_managed__streq(pl_managed__get(st, "Effect"), "Deny") ||
        !pl_managed__principal_public(pl_managed__get(st, "Principal")))
        return 0;
    for (int i = 0; i < 3; i++)
        if (pl_managed__action_matches(pl_managed__get(st, "Action"), vault_actions[i]))
            q->covered[i] = true;
    return 0;
}
static int vault_manual_delete(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                               struct pl_managed_eval *out)
{
    if (strcmp(v->type, "AWS::Backup::BackupVault") != 0)
        return pl_managed__na(out);
    const struct pl_json *doc = pl_managed__doc(c, pl_managed__get(v->cfg, "accessPolicy"));
    if (!doc)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The backup vault has no access policy.");
    struct deny_q q = {{false, false, false}};
    pl_managed__statements(doc, vault_deny, &q);
    for (int i = 0; i < 3; i++)
        if (!q.covered[i])
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The vault's access policy does not deny %s to everyone.",
                                   vault_actions[i]);
    return 0;
}

/* SERVICE_VPC_ENDPOINT_ENABLED: a recorded AWS::EC2::VPCEndpoint of the VPC whose serviceName
 * is serviceName or ends with ".<serviceName>" (com.amazonaws.<region>.<service>). */
static const struct pl_managed_pspec vpce_params[] = {
    {.name = "serviceName", .type = PL_MP_STR, .required = true},
};
struct vpce_q {
    const struct pl_managed__ctx *c;
    const char *vpc, *svc;
};
static int vpce_match(void *u, const struct pl_json *ci)
{
    struct vpce_q *q = u;
    const char *st = pl_json_str(pl_json_get(ci, "configurationItemStatus"));
    if (st && pl_starts_with(st, "ResourceDeleted"))
        return 0;
    const struct pl_json *cfg = pl_managed__doc(q->c, pl_json_get(ci, "configuration"));
    const char *name = pl_json_str(pl_managed__get(cfg, "serviceName"));
    if (!pl_managed__streq(pl_managed__get(cfg, "vpcId"), q->vpc) || !name)
        return 0;
    size_t n = strlen(name), s = strlen(q->svc);
    return strcmp(name, q->svc) == 0 ||
           (n > s && name[n - s - 1] == '.' && strcmp(name + n - s, q->svc) == 0);
}
static int vpc_endpoint(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    if (pl_managed__need_env(c, "the recorded AWS::EC2::VPCEndpoint resources") < 0)
        return -1;
    struct vpce_q q = {c, v->id, c->p->v[0].s};
    if (!c->env->each(c->env->u, "AWS::EC2::VPCEndpoint", vpce_match, &q))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The VPC has no endpoint for %.100s.", q.svc);
    return 0;
}

/* ELB_CUSTOM_SECURITY_POLICY_SSL_CHECK: each SSL listener's negotiation policy enables exactly
 * the protocols and ciphers of sslProtocolsAndCiphers (its attributes whose value is "true"). */
static const struct pl_managed_pspec clb_custom_params[] = {
    {.name = "sslProtocolsAndCiphers", .type = PL_MP_LIST, .required = true},
};
static const struct pl_json *clb_policy(const struct pl_managed__ctx *c,
                                        const struct pl_managed__ci *v, const char *name)
{
    for (const struct pl_json *p = first(pl_managed__path(c, v->ci, SUPP "LoadBalancerPolicies"));
         p; p = p->next)
        if (pl_managed__streq(pl_managed__get(p, "policyName"), name))
            return p;
    return NULL;
}
static bool policy_matches(const struct pl_json *pol, const struct pl_managed_pval *want)
{
    size_t on = 0;
    for (const struct pl_json *a = first(pl_managed__get(pol, "policyAttributeDescriptions")); a;
         a = a->next) {
        if (!pl_managed__streq(pl_managed__get(a, "attributeValue"), "true"))
            continue;
        const char *n = pl_json_str(pl_managed__get(a, "attributeName"));
        if (!n || !pl_managed__in_list(want, n))
            return false;
        on++;
    }
    return on == want->nitems;
}
/* The policy enables exactly sslProtocolsAndCiphers. */
static bool clb_is_custom(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          const char *name)
{
    const struct pl_json *pol = clb_policy(c, v, name);
    return pol && policy_matches(pol, &c->p->v[0]);
}

static int clb_custom(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    long long port;
    int bad = clb_bad_listener(c, v, clb_is_custom, &port);
    if (bad > 0)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The SSL listener on port %lld does not enable exactly "
                               "sslProtocolsAndCiphers.",
                               port);
    return bad < 0 ? pl_managed__na(out) : 0;
}

/* CODEDEPLOY_EC2_MINIMUM_HEALTHY_HOSTS_CONFIGURED: the deployment group's configuration keeps
 * at least minimumHealthyHostsFleetPercent percent (FLEET_PERCENT) or
 * minimumHealthyHostsHostCount hosts (HOST_COUNT) healthy. Built-in configurations are known;
 * others are read from their recorded AWS::CodeDeploy::DeploymentConfig CI. */
static const struct pl_managed_pspec deploy_hosts_params[] = {
    {.name = "minimumHealthyHostsFleetPercent",
     .type = PL_MP_INT,
     .def = "66",
     .min = 0,
     .max = 100},
    {.name = "minimumHealthyHostsHostCount",
     .type = PL_MP_INT,
     .def = "1",
     .min = 0,
     .max = 100000},
};
struct cd_config_q {
    const struct pl_managed__ctx *c;
    const char *name;
    const struct pl_json *mhh;
};
static int cd_config(void *u, const struct pl_json *ci)
{
    struct cd_config_q *q = u;
    const struct pl_json *cfg = pl_managed__doc(q->c, pl_json_get(ci, "configuration"));
    if (!pl_managed__streq(pl_managed__get(cfg, "deploymentConfigName"), q->name))
        return 0;
    q->mhh = pl_managed__get(cfg, "minimumHealthyHosts");
    return 1;
}
static int deploy_hosts(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    static const struct {
        const char *name, *type;
        long long value;
    } builtin[] = {{"CodeDeployDefault.AllAtOnce", "HOST_COUNT", 0},
                   {"CodeDeployDefault.HalfAtATime", "FLEET_PERCENT", 50},
                   {"CodeDeployDefault.OneAtATime", "FLEET_PERCENT", 99}};
    const char *plat = pl_json_str(pl_managed__get(v->cfg, "computePlatform"));
    if (plat && strcmp(plat, "Server") != 0)
        return pl_managed__na(out);
    const char *name = pl_json_str(pl_managed__get(v->cfg, "deploymentConfigName"));
    if (!name)
        name = "CodeDeployDefault.OneAtATime"; /* CodeDeploy's default */
    const char *type = NULL;
    long long value = -1;
    for (size_t i = 0; i < PL_ARRAY_LEN(builtin); i++)
        if (strcmp(builtin[i].name, name) == 0) {
            type = builtin[i].type;
            value = builtin[i].value;
        }
    if (!type) {
        if (pl_managed__need_env(c, "the recorded AWS::CodeDeploy::DeploymentConfig resources") < 0)
            return -1;
        struct cd_config_q q = {c, name, NULL};
        c->env->each(c->env->u, "AWS::CodeDeploy::DeploymentConfig", cd_config, &q);
        type = pl_json_str(pl_managed__get(q.mhh, "type"));
        if (!type || pl_managed__int(pl_managed__get(q.mhh, "value"), &value) < 0)
            return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                                   "The deployment configuration %.100s is not recorded.", name);
    }
    bool pct = strcasecmp(type, "FLEET_PERCENT") == 0;
    long long want = c->p->v[pct ? 0 : 1].i;
    if (value < want)
        return pl_managed__res(out, PL_NON_COMPLIANT, "%.100s keeps %lld%s healthy, below %s %lld.",
                               name, value, pct ? "%" : " hosts",
                               c->p->rule->params[pct ? 0 : 1].name, want);
    return 0;
}

/* GUARDDUTY_NON_ARCHIVED_FINDINGS: the account's guardDuty.findings (GuardDuty ListFindings +
 * GetFindings with service.archived false: severity, createdAt) hold no finding older than the
 * days allowed for its severity (low < 4, medium < 7, high >= 7). */
static const struct pl_managed_pspec gd_findings_params[] = {
    {.name = "daysLowSev", .type = PL_MP_INT, .def = "30", .min = 0, .max = 36500},
    {.name = "daysMediumSev", .type = PL_MP_INT, .def = "7", .min = 0, .max = 36500},
    {.name = "daysHighSev", .type = PL_MP_INT, .def = "1", .min = 0, .max = 36500},
};
static int gd_findings(const struct pl_managed__ctx *c, const struct pl_managed__ci *acct,
                       struct pl_managed_eval *out)
{
    static const char *const sev[] = {"low", "medium", "high"};
    const struct pl_json *gd = pl_managed__get(acct->cfg, "guardDuty");
    for (const struct pl_json *f = first(pl_managed__get(gd, "findings")); f; f = f->next) {
        double s;
        if (pl_managed__true(pl_managed__get(f, "archived")) ||
            pl_json_double(pl_managed__get(f, "severity"), &s) < 0)
            continue;
        int k = s >= 7 ? 2 : s >= 4 ? 1 : 0;
        long long d = days_since(c, pl_managed__get(f, "createdAt"));
        if (d >= 0 && d > c->p->v[k].i)
            return pl_managed__res(
                out, PL_NON_COMPLIANT,
                "A %s severity GuardDuty finding (%.60s) has not been archived for "
                "%lld days.",
                sev[k],
                pl_json_str(pl_managed__get(f, "id")) ? pl_json_str(pl_managed__get(f, "id")) : "?",
                d);
    }
    return 0;
}

/* DYNAMODB_THROUGHPUT_LIMIT_CHECK: the provisioned read and write capacity of the recorded
 * tables (and their global secondary indexes) stays below the thresholds of the account's
 * dynamodbLimits (DynamoDB DescribeLimits: accountMaxReadCapacityUnits,
 * accountMaxWriteCapacityUnits). */
static const struct pl_managed_pspec ddb_limit_params[] = {
    {.name = "accountRCUThresholdPercentage", .type = PL_MP_INT, .def = "80", .min = 1, .max = 100},
    {.name = "accountWCUThresholdPercentage", .type = PL_MP_INT, .def = "80", .min = 1, .max = 100},
};
struct cap_q {
    const struct pl_managed__ctx *c;
    long long rcu, wcu;
};
static void add_capacity(struct cap_q *q, const struct pl_json *pt)
{
    long long n;
    if (pl_managed__int(pl_managed__get(pt, "readCapacityUnits"), &n) == 0)
        q->rcu += n;
    if (pl_managed__int(pl_managed__get(pt, "writeCapacityUnits"), &n) == 0)
        q->wcu += n;
}
static int sum_capacity(void *u, const struct pl_json *ci)
{
    struct cap_q *q = u;
    const char *st = pl_json_str(pl_json_get(ci, "configurationItemStatus"));
    if (st && pl_starts_with(st, "ResourceDeleted"))
        return 0;
    const struct pl_json *cfg = pl_managed__doc(q->c, pl_json_get(ci, "configuration"));
    add_capacity(q, pl_managed__get(cfg, "provisionedThroughput"));
    for (const struct pl_json *g = first(pl_managed__get(cfg, "globalSecondaryIndexes")); g;
         g = g->next)
        add_capacity(q, pl_managed__get(g, "provisionedThroughput"));
    return 0;
}
static int ddb_limits(const struct pl_managed__ctx *c, const struct pl_managed__ci *acct,
                      struct pl_managed_eval *out)
{
    const struct pl_json *lim = pl_managed__get(acct->cfg, "dynamodbLimits");
    long long maxr, maxw;
    if (pl_managed__int(pl_managed__get(lim, "accountMaxReadCapacityUnits"), &maxr) < 0 ||
        pl_managed__int(pl_managed__get(lim, "accountMaxWriteCapacityUnits"), &maxw) < 0)
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "The account's dynamodbLimits (DescribeLimits) are not recorded.");
    if (pl_managed__need_env(c, "the recorded AWS::DynamoDB::Table resources") < 0)
        return -1;
    struct cap_q q = {c, 0, 0};
    c->env->each(c->env->u, "AWS::DynamoDB::Table", sum_capacity, &q);
    if (q.rcu * 100 >= maxr * c->p->v[0].i)
        return pl_managed__res(
            out, PL_NON_COMPLIANT,
            "Provisioned read capacity %lld reaches %lld%% of the account limit %lld.", q.rcu,
            c->p->v[0].i, maxr);
    if (q.wcu * 100 >= maxw * c->p->v[1].i)
        return pl_managed__res(
            out, PL_NON_COMPLIANT,
            "Provisioned write capacity %lld reaches %lld%% of the account limit %lld.", q.wcu,
            c->p->v[1].i, maxw);
    return 0;
}

/* IAM_POLICY_IN_USE: policyARN is attached (attachedManagedPolicies) to a recorded IAM user, a
 * group that has users, or a role with a trusted entity, as policyUsageType allows. */
static const struct pl_managed_pspec policy_use_params[] = {
    {.name = "policyARN", .type = PL_MP_STR, .required = true},
    {.name = "policyUsageType",
     .type = PL_MP_STR,
     .def = "ANY",
     .choices = "IAM_USER|IAM_GROUP|IAM_ROLE|ANY"},
};
struct use_q {
    const struct pl_managed__ctx *c;
    const char *arn, *group; /* group: a group name whose users are being looked for */
};
static bool attached(const struct pl_json *cfg, const char *arn)
{
    for (const struct pl_json *p = first(pl_managed__get(cfg, "attachedManagedPolicies")); p;
         p = p->next)
        if (pl_managed__streq(pl_managed__get(p, "policyArn"), arn))
            return true;
    return false;
}
static int user_uses(void *u, const struct pl_json *ci)
{
    struct use_q *q = u;
    const struct pl_json *cfg = pl_managed__doc(q->c, pl_json_get(ci, "configuration"));
    return q->group ? holds(pl_managed__get(cfg, "groupList"), q->group) : attached(cfg, q->arn);
}
static int group_uses(void *u, const struct pl_json *ci)
{
    struct use_q *q = u;
    const struct pl_json *cfg = pl_managed__doc(q->c, pl_json_get(ci, "configuration"));
    if (!attached(cfg, q->arn))
        return 0;
    struct use_q m = {q->c, q->arn, pl_json_str(pl_managed__get(cfg, "groupName"))};
    return m.group && q->c->env->each(q->c->env->u, "AWS::IAM::User", user_uses, &m);
}
static int trusts_someone(void *u, const struct pl_json *st)
{
    (void)u;
    return pl_managed__streq(pl_managed__get(st, "Effect"), "Allow") &&
           !pl_managed__empty(pl_managed__get(st, "Principal"));
}
static int role_uses(void *u, const struct pl_json *ci)
{
    struct use_q *q = u;
    const struct pl_json *cfg = pl_managed__doc(q->c, pl_json_get(ci, "configuration"));
    if (!attached(cfg, q->arn))
        return 0;
    const struct pl_json *trust =
        pl_managed__doc(q->c, pl_managed__get(cfg, "assumeRolePolicyDocument"));
    return trust && pl_managed__statements(trust, trusts_someone, NULL);
}
static int policy_in_use(const struct pl_managed__ctx *c, const struct pl_managed__ci *acct,
                         struct pl_managed_eval *out)
{
    (void)acct;
    if (pl_managed__need_env(c, "the recorded IAM users, groups and roles") < 0)
        return -1;
    const char *use = c->p->v[1].s;
    struct use_q q = {c, c->p->v[0].s, NULL};
    bool any = strcmp(use, "ANY") == 0;
    if ((any || strcmp(use, "IAM_USER") == 0) &&
        c->env->each(c->env->u, "AWS::IAM::User", user_uses, &q))
        return 0;
    if ((any || strcmp(use, "IAM_GROUP") == 0) &&
        c->env->each(c->env->u, "AWS::IAM::Group", group_uses, &q))
        return 0;
    if ((any || strcmp(use, "IAM_ROLE") == 0) &&
        c->env->each(c->env->u, "AWS::IAM::Role", role_uses, &q))
        return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT, "The policy %.150s is not in use (%s).", q.arn,
                           use);
}

/* ---- Athena work groups, WAFv2 rule group metrics, Network Firewall logging ---- */

#define WG CFG "workGroupConfiguration."
static const struct pl_managed__check athena_encrypted_checks[] = {
    {.path = WG "resultConfiguration.encryptionConfiguration.encryptionOption",
     .op = MCK_PRESENT,
     .why = "The work group does not encrypt query results at rest."},
};
static const struct pl_managed__check athena_enforce_checks[] = {
    {.path = WG "enforceWorkGroupConfiguration",
     .op = MCK_TRUE,
     .why = "The work group does not enforce its configuration on clients."},
};
static const struct pl_managed__check athena_auto_upgrade_checks[] = {
    {.path = WG "engineVersion.selectedEngineVersion",
     .op = MCK_EQ,
     .arg = "AUTO",
     .why = "The work group's engine version is pinned (SelectedEngineVersion is not AUTO)."},
};
static const struct pl_managed__check athena_logging_checks[] = {
    {.path = WG "publishCloudWatchMetricsEnabled",
     .op = MCK_TRUE,
     .why = "The work group does not publish CloudWatch metrics."},
};
static const struct pl_managed__check wafv2_group_metrics_checks[] = {
    {.path = CFG "visibilityConfig.cloudWatchMetricsEnabled",
     .op = MCK_TRUE,
     .why = "CloudWatch metrics are not enabled for the rule group."},
};
/* AWS::NetworkFirewall::LoggingConfiguration (CloudFormation shape): some destination. */
static const struct pl_managed__check netfw_logging_checks[] = {
    {.path = CFG "loggingConfiguration.logDestinationConfigs",
     .op = MCK_PRESENT,
     .why = "The firewall sends its logs nowhere."},
};

/* INSPECTOR_*_SCAN_ENABLED: the account's inspector.resourceState (Inspector2
 * BatchGetAccountStatus: ec2, ecr, lambda, lambdaCode each with a status) ENABLED. */
struct inspector_scan {
    const char *rule, *key, *what;
};
static const struct inspector_scan inspector_scans[] = {
    {"INSPECTOR_EC2_SCAN_ENABLED", "ec2", "EC2 scanning"},
    {"INSPECTOR_ECR_SCAN_ENABLED", "ecr", "ECR scanning"},
    {"INSPECTOR_LAMBDA_STANDARD_SCAN_ENABLED", "lambda", "Lambda standard scanning"},
    {"INSPECTOR_LAMBDA_CODE_SCAN_ENABLED", "lambdaCode", "Lambda code scanning"},
};
static int inspector_scan(const struct pl_managed__ctx *c, const struct pl_managed__ci *acct,
                          struct pl_managed_eval *out)
{
    const struct inspector_scan *s = NULL;
    for (size_t i = 0; i < PL_ARRAY_LEN(inspector_scans); i++)
        if (strcmp(inspector_scans[i].rule, c->p->rule->identifier) == 0)
            s = &inspector_scans[i];
    if (!s)
        return pl_fail(c->err, PL_E_INTERNAL, "no Inspector scan for %s", c->p->rule->identifier);
    const struct pl_json *rs =
        pl_managed__get(pl_managed__get(acct->cfg, "inspector"), "resourceState");
    const struct pl_json *st = pl_managed__get(pl_managed__get(rs, s->key), "status");
    if (!pl_managed__streq(st, "ENABLED"))
        return pl_managed__res(out, PL_NON_COMPLIANT, "Amazon Inspector %s is %.20s.", s->what,
                               pl_json_str(st) ? pl_json_str(st) : "not enabled");
    return 0;
}

/* macie.automatedDiscoveryStatus: Macie2 GetAutomatedDiscoveryConfiguration status. */
static int macie_auto_discovery(const struct pl_managed__ctx *c, const struct pl_managed__ci *acct,
                                struct pl_managed_eval *out)
{
    (void)c;
    const struct pl_json *m = pl_managed__get(acct->cfg, "macie");
    if (!pl_managed__streq(pl_managed__get(m, "status"), "ENABLED"))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Amazon Macie is not enabled in the account's region.");
    if (!pl_managed__streq(pl_managed__get(m, "automatedDiscoveryStatus"), "ENABLED"))
        return pl_managed__res(
            out, PL_NON_COMPLIANT,
            "Automated sensitive data discovery is not enabled in Amazon Macie.");
    return 0;
}

/* ---- more field tests: SageMaker, Cognito, Glue, DocumentDB, DAX, transit gateways, ECR,
 * ENIs, descriptions, WAF Classic global, NLB cross-zone, EC2 instance settings ---- */

static const struct pl_managed__check sm_notebook_vpc_checks[] = {
    {.path = CFG "subnetId", .op = MCK_PRESENT, .why = "The notebook instance is not in a VPC."},
};
static const struct pl_managed__check sm_notebook_root_checks[] = {
    {.path = CFG "rootAccess",
     .op = MCK_NE,
     .arg = "Enabled",
     .why = "Users have root access on the notebook instance."},
};
static const struct pl_managed__check sm_model_vpc_checks[] = {
    {.path = CFG "vpcConfig.subnets", .op = MCK_PRESENT, .why = "The model runs outside a VPC."},
};
static const struct pl_managed__check sm_model_isolation_checks[] = {
    {.path = CFG "enableNetworkIsolation",
     .op = MCK_TRUE,
     .why = "Network isolation is not enabled for the model."},
};
static const struct pl_managed__check sm_domain_vpc_checks[] = {
    {.path = CFG "appNetworkAccessType",
     .op = MCK_EQ,
     .arg = "VpcOnly",
     .why = "The domain's apps reach the internet directly (AppNetworkAccessType is not VpcOnly)."},
};
static int sm_prod_count(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    (void)c;
    for (const struct pl_json *p = first(pl_managed__get(v->cfg, "productionVariants")); p;
         p = p->next) {
        long long n;
        if (pl_managed__empty(
                pl_managed__get(p, "instanceType"))) /* serverless variants have no instances */
            continue;
        if (pl_managed__int(pl_managed__get(p, "initialInstanceCount"), &n) < 0 || n < 2)
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "Production variant %.100s runs fewer than 2 instances.",
                                   pl_json_str(pl_managed__get(p, "variantName"))
                                       ? pl_json_str(pl_managed__get(p, "variantName"))
                                       : "?");
    }
    return 0;
}

static const struct pl_managed__check cognito_deletion_checks[] = {
    {.path = CFG "deletionProtection",
     .op = MCK_EQ,
     .arg = "ACTIVE",
     .why = "Deletion protection is not active on the user pool."},
};
static const struct pl_managed__check cognito_mfa_checks[] = {
    {.path = CFG "mfaConfiguration",
     .op = MCK_EQ,
     .arg = "ON",
     .why = "MFA is not required by the user pool (MfaConfiguration is not ON)."},
};
static const struct pl_managed__check cognito_unauth_checks[] = {
    {.path = CFG "allowUnauthenticatedIdentities",
     .op = MCK_NOT_TRUE,
     .why = "The identity pool allows unauthenticated identities."},
};

static const struct pl_managed__check glue_ml_encrypted_checks[] = {
    {.path = CFG "transformEncryption.mLUserDataEncryption.mLUserDataEncryptionMode|" CFG
                 "transformEncryption.mlUserDataEncryption.mlUserDataEncryptionMode",
     .op = MCK_EQ,
     .arg = "SSE-KMS",
     .why = "The ML transform's user data is not encrypted with KMS."},
};

static const struct pl_managed__check docdb_encrypted_checks[] = {
    {.path = CFG "engine", .op = MCK_EQ, .arg = "docdb", .applies = true},
    {.path = CFG "storageEncrypted",
     .op = MCK_TRUE,
     .why = "The cluster's storage is not encrypted."},
};
static const struct pl_managed__check docdb_only[] = {
    {.path = CFG "engine", .op = MCK_EQ, .arg = "docdb", .applies = true},
};
static const struct pl_managed__check dax_tls_checks[] = {
    {.path = CFG "clusterEndpointEncryptionType",
     .op = MCK_EQ,
     .arg = "TLS",
     .why = "The DAX cluster endpoint is not encrypted with TLS."},
};
static const struct pl_managed__check tgw_auto_accept_checks[] = {
    {.path = CFG "options.autoAcceptSharedAttachments|" CFG "autoAcceptSharedAttachments",
     .op = MCK_NE,
     .arg = "enable",
     .why = "The transit gateway accepts shared VPC attachments automatically."},
};
static const struct pl_managed__check ecr_cmk_checks[] = {
    {.path = CFG "encryptionConfiguration.encryptionType",
     .op = MCK_PREFIX,
     .arg = "KMS",
     .why = "The repository is not encrypted with a KMS key."},
};
/* ENIs that AWS manages for a service (interfaceType other than interface) are N/A. */
static const struct pl_managed__check eni_src_dst_checks[] = {
    {.path = CFG "interfaceType",
     .op = MCK_EQ,
     .arg = "interface",
     .or_absent = true,
     .applies = true},
    {.path = CFG "sourceDestCheck",
     .op = MCK_TRUE,
     .why = "Source/destination checking is disabled on the network interface."},
};
static const struct pl_managed__check description_checks[] = {
    {.path = CFG "description", .op = MCK_PRESENT, .why = "The resource has no description."},
};

static const struct pl_managed__check waf_global_acl_checks[] = {
    {.path = CFG "rulesList|" CFG "rules", .op = MCK_PRESENT, .why = "The web ACL has no rules."},
};
static const struct pl_managed__check waf_global_group_checks[] = {
    {.path = CFG "rules|" CFG "activatedRules",
     .op = MCK_PRESENT,
     .why = "The rule group has no rules."},
};
static const struct pl_managed__check waf_global_rule_checks[] = {
    {.path = CFG "predicates|" CFG "predicateList",
     .op = MCK_PRESENT,
     .why = "The rule has no conditions."},
};

static int nlb_cross_zone(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    if (!pl_managed__streq(pl_managed__get(v->cfg, "type"), "network"))
        return pl_managed__na(out);
    const struct pl_json *attrs = pl_managed__path(c, v->ci, SUPP "LoadBalancerAttributes");
    for (const struct pl_json *a = first(attrs); a; a = a->next)
        if (pl_managed__streq(pl_managed__get(a, "key"), "load_balancing.cross_zone.enabled") &&
            pl_managed__true(pl_managed__get(a, "value")))
            return 0;
    return pl_managed__res(
        out, PL_NON_COMPLIANT,
        "Cross-zone load balancing is not enabled on the network load balancer.");
}

static const struct pl_managed__check paravirtual_checks[] = {
    {.path = CFG "virtualizationType",
     .op = MCK_NE,
     .arg = "paravirtual",
     .why = "The instance uses paravirtual virtualization."},
};
static const struct pl_managed_pspec desired_type_params[] = {
    {.name = "instanceType", .type = PL_MP_LIST, .required = true},
};
static const struct pl_managed__check desired_type_checks[] = {
    {.path = CFG "instanceType",
     .op = MCK_IN_PARAM,
     .param = 0,
     .why = "The instance type is not one of instanceType."},
};
static const struct pl_managed_pspec desired_tenancy_params[] = {
    {.name = "tenancy", .type = PL_MP_STR, .required = true, .choices = "DEFAULT|DEDICATED|HOST"},
    {.name = "imageId", .type = PL_MP_LIST},
    {.name = "hostId", .type = PL_MP_LIST},
};
static int desired_tenancy(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                           struct pl_managed_eval *out)
{
    const struct pl_managed_pval *pv = c->p->v;
    if (pv[1].set && !pl_managed__in_list(&pv[1], pl_json_str(pl_managed__get(v->cfg, "imageId"))))
        return pl_managed__na(out);
    const struct pl_json *pl = pl_managed__get(v->cfg, "placement");
    const char *t = pl_json_str(pl_managed__get(pl, "tenancy"));
    if (!t)
        t = "default";
    if (strcasecmp(t, pv[0].s) != 0)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The instance's tenancy is %.20s, not %s.", t,
                               pv[0].s);
    if (pv[2].set && !pl_managed__in_list(&pv[2], pl_json_str(pl_managed__get(pl, "hostId"))))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The instance does not run on one of hostId.");
    return 0;
}
static int asg_launch_template(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                               struct pl_managed_eval *out)
{
    if (!pl_managed__empty(pl_managed__get(v->cfg, "launchTemplate")) ||
        !pl_managed__empty(pl_managed__path(c, v->cfg, "mixedInstancesPolicy.launchTemplate")))
        return 0;
    return pl_managed__res(
        out, PL_NON_COMPLIANT,
        "The Auto Scaling group uses a launch configuration, not a launch template.");
}

/* ---- launch templates, listeners, OpenSearch, CloudFront OAC, API Gateway v2 routes, App
 * Mesh, SageMaker platforms, Glue jobs, CloudTrail buckets ---- */

#define LTD CFG "launchTemplateData."
static const struct pl_managed__check lt_imdsv2_checks[] = {
    {.path = LTD "metadataOptions.httpTokens",
     .op = MCK_EQ,
     .arg = "required",
     .why = "The launch template does not require IMDSv2 (HttpTokens is not required)."},
};
static int lt_ebs_encrypted(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                            struct pl_managed_eval *out)
{
    int ebs = 0;
    for (const struct pl_json *b = first(pl_managed__path(c, v->ci, LTD "blockDeviceMappings")); b;
         b = b->next) {
        const struct pl_json *e = pl_managed__get(b, "ebs");
        if (!e)
            continue;
        ebs++;
        if (!pl_managed__true(pl_managed__get(e, "encrypted")))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The EBS volume %.60s of the launch template is "
                                   "not encrypted.",
                                   pl_json_str(pl_managed__get(b, "deviceName"))
                                       ? pl_json_str(pl_managed__get(b, "deviceName"))
                                       : "?");
    }
    return ebs ? 0 : pl_managed__na(out);
}
static int listener_encrypted(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                              struct pl_managed_eval *out)
{
    (void)c;
    const struct pl_json *p = pl_managed__get(v->cfg, "protocol");
    if (pl_managed__streq(p, "HTTPS") || pl_managed__streq(p, "TLS"))
        return 0;
    if (pl_managed__streq(p, "GENEVE")) /* gateway load balancers carry packets, not sessions */
        return pl_managed__na(out);
    return pl_managed__res(out, PL_NON_COMPLIANT, "The listener uses %.10s, not HTTPS or TLS.",
                           pl_json_str(p) ? pl_json_str(p) : "no protocol");
}
static const struct pl_managed__check os_primary_checks[] = {
    {.path = CFG "clusterConfig.dedicatedMasterEnabled",
     .op = MCK_TRUE,
     .why = "The domain has no dedicated primary nodes."},
    {.path = CFG "clusterConfig.dedicatedMasterCount",
     .op = MCK_GT,
     .arg = "2",
     .why = "The domain has fewer than 3 dedicated primary nodes."},
};
static const struct pl_managed__check os_update_checks[] = {
    {.path = CFG "serviceSoftwareOptions.updateAvailable",
     .op = MCK_NOT_TRUE,
     .why = "A service software update is available for the domain."},
};
static int cf_oac(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                  struct pl_managed_eval *out)
{
    int s3 = 0;
    for (const struct pl_json *o = cf_items(c, v, "origins"); o; o = o->next) {
        if (!pl_managed__get(o, "s3OriginConfig"))
            continue;
        s3++;
        if (pl_managed__empty(pl_managed__get(o, "originAccessControlId")))
            return pl_managed__res(
                out, PL_NON_COMPLIANT, "S3 origin %.100s has no origin access control.",
                pl_json_str(pl_managed__get(o, "id")) ? pl_json_str(pl_managed__get(o, "id"))
                                                      : "?");
    }
    return s3 ? 0 : pl_managed__na(out);
}
static const struct pl_managed_pspec route_auth_params[] = {
    {.name = "authorizationType", .type = PL_MP_STR, .choices = "CUSTOM|AWS_IAM|JWT"},
};
static const struct pl_managed__check route_auth_checks[] = {
    {.path = CFG "authorizationType",
     .op = MCK_NE,
     .arg = "NONE",
     .why = "The route has no authorization (AuthorizationType NONE)."},
    {.path = CFG "authorizationType",
     .op = MCK_PRESENT,
     .why = "The route has no authorization (AuthorizationType NONE)."},
    {.path = CFG "authorizationType",
     .op = MCK_EQ_PARAM,
     .param = 0,
     .why = "The route's authorization type is not the one given in authorizationType."},
};
static const struct pl_managed__check mesh_tls_checks[] = {
    {.path = CFG "spec.backendDefaults.clientPolicy.tls.enforce",
     .op = MCK_TRUE,
     .why = "The backend defaults do not enforce TLS."},
};
static const struct pl_managed_pspec sm_platform_params[] = {
    {.name = "supportedPlatformIdentifierVersions", .type = PL_MP_LIST, .required = true},
};
static const struct pl_managed__check sm_platform_checks[] = {
    {.path = CFG "platformIdentifier",
     .op = MCK_IN_PARAM,
     .param = 0,
     .why = "The notebook instance's platform is not one of supportedPlatformIdentifierVersions."},
};
/* Continuous CloudWatch logging: the job's --enable-continuous-cloudwatch-log argument. */
static const struct pl_managed__check glue_logging_checks[] = {
    {.path = CFG "defaultArguments.--enable-continuous-cloudwatch-log",
     .op = MCK_TRUE,
     .why = "The job does not log continuously to CloudWatch Logs."},
};
/* CLOUDTRAIL_S3_BUCKET_ACCESS_LOGGING: the trail's bucket (its recorded AWS::S3::Bucket CI, id
 * = name) has server access logging. */
static int trail_bucket_logging(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                                struct pl_managed_eval *out)
{
    const char *b = pl_json_str(pl_managed__get(v->cfg, "s3BucketName"));
    if (!b)
        return pl_managed__na(out);
    if (pl_managed__need_env(c, "the recorded AWS::S3::Bucket resources") < 0)
        return -1;
    const struct pl_json *ci = c->env->get(c->env->u, "AWS::S3::Bucket", b);
    if (!ci)
        return pl_managed__res(out, PL_INSUFFICIENT_DATA,
                               "The trail's bucket %.100s is not recorded.", b);
    const struct pl_json *supp = pl_json_get(ci, "supplementaryConfiguration");
    const struct pl_json *lg =
        pl_managed__doc(c, pl_managed__get(supp, "BucketLoggingConfiguration"));
    if (pl_managed__empty(pl_managed__get(lg, "destinationBucketName")))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The trail's bucket %.100s has no server access logging.", b);
    return 0;
}

/* ---- helper mr9: rules of the not-implemented list whose facts the CI records ---- */

/* CLOUDFRONT_SECURITY_POLICY_CHECK: the viewer security policy (minimumProtocolVersion; the
 * default certificate's, and CloudFront's default, is TLSv1) is TLSv1.2_2018 or newer. */
static int cf_security_policy(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                              struct pl_managed_eval *out)
{
    const char *m =
        pl_json_str(pl_managed__path(c, v->ci, CF "viewerCertificate.minimumProtocolVersion"));
    if (!m)
        m = "TLSv1";
    if (strncmp(m, "TLSv1.2_", 8) == 0 || strncmp(m, "TLSv1.3", 7) == 0)
        return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "The viewer security policy %.40s is below TLSv1.2_2018.", m);
}

/* COGNITO_USER_POOL_ADVANCED_SECURITY_ENABLED: UserPoolAddOns.AdvancedSecurityMode is set
 * (AUDIT or ENFORCED; OFF fails) and, when given, equal to SecurityMode (AWS's page: optional,
 * no default). */
static const struct pl_managed_pspec cognito_adv_params[] = {
    {.name = "SecurityMode", .type = PL_MP_STR, .choices = "ENFORCED|AUDIT"},
};
static const struct pl_managed__check cognito_adv_checks[] = {
    {.path = CFG "userPoolAddOns.advancedSecurityMode",
     .op = MCK_PRESENT,
     .why = "Advanced security (threat protection) is not enabled for the user pool."},
    {.path = CFG "userPoolAddOns.advancedSecurityMode",
     .op = MCK_NE,
     .arg = "OFF",
     .why = "Advanced security (threat protection) is OFF for the user pool."},
    {.path = CFG "userPoolAddOns.advancedSecurityMode",
     .op = MCK_EQ_PARAM,
     .param = 0,
     .why = "The user pool's advanced security mode is not SecurityMode."},
};

/* COGNITO_USER_POOL_PASSWORD_POLICY_CHECK: Policies.PasswordPolicy meets the parameters (a
 * missing policy is Cognito's default: 8 characters, all classes, 7 days). */
static const struct pl_managed_pspec cognito_pw_params[] = {
    {.name = "minLength", .type = PL_MP_INT, .def = "8", .min = 6, .max = 99},
    {.name = "requireLowercase", .type = PL_MP_BOOL, .def = "true"},
    {.name = "requireUppercase", .type = PL_MP_BOOL, .def = "true"},
    {.name = "requireNumbers", .type = PL_MP_BOOL, .def = "true"},
    {.name = "requireSymbols", .type = PL_MP_BOOL, .def = "true"},
    {.name = "temporaryPasswordValidityDays", .type = PL_MP_INT, .def = "7", .min = 1, .max = 365},
};
static int cognito_pw(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    static const char *const req[] = {"requireLowercase", "requireUppercase", "requireNumbers",
                                      "requireSymbols"};
    const struct pl_managed_pval *pv = c->p->v;
    const struct pl_json *pol = pl_managed__path(c, v->ci, CFG "policies.passwordPolicy");
    long long n = 8;
    if (pol && pl_managed__int(pl_managed__get(pol, "minimumLength"), &n) < 0)
        n = 8;
    if (n < pv[0].i)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The minimum password length %lld is below minLength %lld.", n,
                               pv[0].i);
    for (size_t i = 0; i < PL_ARRAY_LEN(req); i++) {
        const struct pl_json *r = pol ? pl_managed__get(pol, req[i]) : NULL;
        bool on = r ? pl_managed__true(r) : true;
        if (pv[1 + i].b && !on)
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The password policy does not %s (%s is true).", req[i] + 7,
                                   req[i]);
    }
    n = 7;
    if (pol && pl_managed__int(pl_managed__get(pol, "temporaryPasswordValidityDays"), &n) < 0)
        n = 7;
    if (n > pv[5].i)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Temporary passwords are valid %lld days, more than "
                               "temporaryPasswordValidityDays %lld.",
                               n, pv[5].i);
    return 0;
}

/* GLUE_SPARK_JOB_SUPPORTED_VERSION: a Spark job (Command.Name glueetl or gluestreaming) runs
 * GlueVersion >= minimumSupportedGlueVersion (3.0 by default; no GlueVersion is Glue's 0.9). */
static const struct pl_managed_pspec glue_version_params[] = {
    {.name = "minimumSupportedGlueVersion", .type = PL_MP_NUM, .def = "3.0", .min = 0, .max = 100},
};
static int glue_spark_version(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                              struct pl_managed_eval *out)
{
    const struct pl_json *cmd = pl_managed__path(c, v->ci, CFG "command.name");
    if (!pl_managed__streq(cmd, "glueetl") && !pl_managed__streq(cmd, "gluestreaming"))
        return pl_managed__na(out);
    const char *gv = pl_json_str(pl_managed__get(v->cfg, "glueVersion"));
    double have = gv ? strtod(gv, NULL) : 0.9;
    if (have + 1e-9 < c->p->v[0].d)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The Spark job runs Glue %.20s, below minimumSupportedGlueVersion "
                               "%.20s.",
                               gv ? gv : "0.9", c->p->v[0].s);
    return 0;
}

/* NLB_LOGGING_ENABLED: a network load balancer's access_logs.s3.enabled attribute is true. */
static int nlb_logging(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    if (!pl_managed__streq(pl_managed__get(v->cfg, "type"), "network"))
        return pl_managed__na(out);
    const struct pl_json *l = pl_managed__path(c, v->ci, SUPP "LoadBalancerAttributes");
    for (const struct pl_json *a = l ? l->child : NULL; a; a = a->next)
        if (pl_managed__streq(pl_managed__get(a, "key"), "access_logs.s3.enabled") &&
            pl_managed__true(pl_managed__get(a, "value")))
            return 0;
    return pl_managed__res(out, PL_NON_COMPLIANT,
                           "Access logging is not enabled for the network load balancer.");
}

/* EC2_SPOT_FLEET_REQUEST_CT_ENCRYPTION_AT_REST: every EBS block device of the request's launch
 * specifications is encrypted; requests from launch templates only are NOT_APPLICABLE. */
static int spot_fleet_encrypted(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                                struct pl_managed_eval *out)
{
    const struct pl_json *ls =
        pl_managed__path(c, v->ci, CFG "spotFleetRequestConfigData.launchSpecifications");
    if (pl_managed__empty(ls) || ls->type != PL_JARR)
        return pl_managed__na(out);
    for (const struct pl_json *s = ls->child; s; s = s->next) {
        const struct pl_json *bd = pl_managed__get(s, "blockDeviceMappings");
        for (const struct pl_json *d = bd && bd->type == PL_JARR ? bd->child : NULL; d;
             d = d->next) {
            const struct pl_json *ebs = pl_managed__get(d, "ebs");
            if (ebs && !pl_managed__true(pl_managed__get(ebs, "encrypted")))
                return pl_managed__res(out, PL_NON_COMPLIANT,
                                       "The EBS volume %.60s of a launch specification is not "
                                       "encrypted.",
                                       pl_json_str(pl_managed__get(d, "deviceName"))
                                           ? pl_json_str(pl_managed__get(d, "deviceName"))
                                           : "");
        }
    }
    return 0;
}

/* CodePipeline: the deploy actions (actionTypeId.category Deploy) of each stage, and their
 * regions (an action without region deploys in the pipeline's). */
#define PIPE_MAX_REGIONS 64
struct pipe_stage {
    size_t deploys, nregions;
    const char *regions[PIPE_MAX_REGIONS];
};
static bool is_deploy(const struct pl_json *a)
{
    const struct pl_json *cat = pl_managed__get(pl_managed__get(a, "actionTypeId"), "category");
    const char *t = pl_json_str(cat);
    return t && strcmp(t, "Deploy") == 0;
}
static void pipe_stage(const struct pl_json *st, const char *home, bool regions,
                       struct pipe_stage *s)
{
    const struct pl_json *acts = pl_managed__get(st, "actions");
    s->deploys = s->nregions = 0;
    for (const struct pl_json *a = acts && acts->type == PL_JARR ? acts->child : NULL; a;
         a = a->next) {
        if (!is_deploy(a))
            continue;
        s->deploys++;
        if (!regions)
            continue;
        const char *r = pl_json_str(pl_managed__get(a, "region"));
        if (!r)
            r = home;
        size_t i = 0;
        while (i < s->nregions && strcmp(s->regions[i], r) != 0)
            i++;
        if (i == s->nregions && s->nregions < PIPE_MAX_REGIONS)
            s->regions[s->nregions++] = r;
    }
}
static const struct pl_json *pipe_stages(const struct pl_managed__ctx *c,
                                         const struct pl_managed__ci *v)
{
    const struct pl_json *st = pl_managed__path(c, v->ci, CFG "pipeline.stages|" CFG "stages");
    return st && st->type == PL_JARR ? st : NULL;
}
static const char *pipe_home(const struct pl_managed__ci *v)
{
    const char *r = pl_json_get_str(v->ci, "awsRegion");
    return r ? r : "";
}

/* CODEPIPELINE_DEPLOYMENT_COUNT_CHECK: the first stage that deploys performs one deployment;
 * with deploymentLimit set, no later stage performs more than it. */
static const struct pl_managed_pspec pipe_count_params[] = {
    {.name = "deploymentLimit", .type = PL_MP_INT, .min = 1, .max = 1000000},
};
static int pipe_count(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    const struct pl_json *sts = pipe_stages(c, v);
    bool first_seen = false;
    struct pipe_stage s;
    for (const struct pl_json *st = sts ? sts->child : NULL; st; st = st->next) {
        pipe_stage(st, pipe_home(v), false, &s);
        if (!s.deploys)
            continue;
        const char *name = pl_json_str(pl_managed__get(st, "name"));
        if (!first_seen) {
            first_seen = true;
            if (s.deploys > 1)
                return pl_managed__res(out, PL_NON_COMPLIANT,
                                       "The first deployment stage %.80s performs %lld "
                                       "deployments.",
                                       name ? name : "", (long long)s.deploys);
        } else if (c->p->v[0].set && (long long)s.deploys > c->p->v[0].i)
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The stage %.80s performs %lld deployments, more than "
                                   "deploymentLimit.",
                                   name ? name : "", (long long)s.deploys);
    }
    return 0;
}

/* CODEPIPELINE_REGION_FANOUT_CHECK: the first deploying stage deploys to one region, and each
 * later one to at most regionFanoutFactor times the regions of all previous deploying stages. */
static const struct pl_managed_pspec pipe_fanout_params[] = {
    {.name = "regionFanoutFactor", .type = PL_MP_INT, .def = "3", .min = 1, .max = 1000},
};
static int pipe_fanout(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const struct pl_json *sts = pipe_stages(c, v);
    long long before = 0;
    struct pipe_stage s;
    for (const struct pl_json *st = sts ? sts->child : NULL; st; st = st->next) {
        pipe_stage(st, pipe_home(v), true, &s);
        if (!s.deploys)
            continue;
        long long allowed = before ? before * c->p->v[0].i : 1;
        if ((long long)s.nregions > allowed) {
            const char *name = pl_json_str(pl_managed__get(st, "name"));
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The stage %.80s deploys to %lld regions, more than the %lld "
                                   "allowed.",
                                   name ? name : "", (long long)s.nregions, allowed);
        }
        before += (long long)s.nregions;
    }
    return 0;
}

const struct pl_managed_impl pl_managed__next[] = {
    {.identifier = "CLOUDFRONT_SECURITY_POLICY_CHECK",
     .types = "AWS::CloudFront::Distribution",
     .ci_fn = cf_security_policy},
    {.identifier = "COGNITO_USER_POOL_ADVANCED_SECURITY_ENABLED",
     .types = "AWS::Cognito::UserPool",
     PARAMS(cognito_adv_params),
     CHECKS(cognito_adv_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "COGNITO_USER_POOL_PASSWORD_POLICY_CHECK",
     .types = "AWS::Cognito::UserPool",
     PARAMS(cognito_pw_params),
     .ci_fn = cognito_pw,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "COGNITO_IDENTITY_POOL_UNAUTHENTICATED_LOGINS",
     .types = "AWS::Cognito::IdentityPool",
     CHECKS(cognito_unauth_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "GLUE_SPARK_JOB_SUPPORTED_VERSION",
     .types = "AWS::Glue::Job",
     PARAMS(glue_version_params),
     .ci_fn = glue_spark_version,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "NLB_LOGGING_ENABLED",
     .types = "AWS::ElasticLoadBalancingV2::LoadBalancer",
     .ci_fn = nlb_logging,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "EC2_SPOT_FLEET_REQUEST_CT_ENCRYPTION_AT_REST",
     .types = "AWS::EC2::SpotFleet",
     .ci_fn = spot_fleet_encrypted,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "CODEPIPELINE_DEPLOYMENT_COUNT_CHECK",
     PARAMS(pipe_count_params),
     .ci_fn = pipe_count},
    {.identifier = "CODEPIPELINE_REGION_FANOUT_CHECK",
     PARAMS(pipe_fanout_params),
     .ci_fn = pipe_fanout},
    {.identifier = "EC2_LAUNCH_TEMPLATE_IMDSV2_CHECK",
     .types = "AWS::EC2::LaunchTemplate",
     CHECKS(lt_imdsv2_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "EC2_LAUNCH_TEMPLATES_EBS_VOLUME_ENCRYPTED",
     .types = "AWS::EC2::LaunchTemplate",
     .ci_fn = lt_ebs_encrypted,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "ELBV2_LISTENER_ENCRYPTION_IN_TRANSIT",
     .types = "AWS::ElasticLoadBalancingV2::Listener",
     .ci_fn = listener_encrypted,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "OPENSEARCH_PRIMARY_NODE_FAULT_TOLERANCE",
     .types = "AWS::OpenSearch::Domain",
     CHECKS(os_primary_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "OPENSEARCH_UPDATE_CHECK",
     .types = "AWS::OpenSearch::Domain",
     CHECKS(os_update_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "CLOUDFRONT_S3_ORIGIN_ACCESS_CONTROL_ENABLED",
     .ci_fn = cf_oac,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "API_GWV2_AUTHORIZATION_TYPE_CONFIGURED",
     PARAMS(route_auth_params),
     CHECKS(route_auth_checks)},
    {.identifier = "APPMESH_VIRTUAL_GATEWAY_BACKEND_DEFAULTS_TLS",
     CHECKS(mesh_tls_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "APPMESH_VIRTUAL_NODE_BACKEND_DEFAULTS_TLS_ON",
     CHECKS(mesh_tls_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "SAGEMAKER_NOTEBOOK_INSTANCE_PLATFORM_VERSION",
     .types = "AWS::SageMaker::NotebookInstance",
     PARAMS(sm_platform_params),
     CHECKS(sm_platform_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "GLUE_JOB_LOGGING_ENABLED",
     .types = "AWS::Glue::Job",
     CHECKS(glue_logging_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "CLOUDTRAIL_S3_BUCKET_ACCESS_LOGGING",
     .types = "AWS::CloudTrail::Trail",
     .ci_fn = trail_bucket_logging,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "SAGEMAKER_NOTEBOOK_INSTANCE_INSIDE_VPC", CHECKS(sm_notebook_vpc_checks)},
    {.identifier = "SAGEMAKER_NOTEBOOK_INSTANCE_ROOT_ACCESS_CHECK",
     CHECKS(sm_notebook_root_checks)},
    {.identifier = "SAGEMAKER_MODEL_IN_VPC",
     .types = "AWS::SageMaker::Model",
     CHECKS(sm_model_vpc_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "SAGEMAKER_MODEL_ISOLATION_ENABLED",
     .types = "AWS::SageMaker::Model",
     CHECKS(sm_model_isolation_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "SAGEMAKER_DOMAIN_IN_VPC",
     .types = "AWS::SageMaker::Domain",
     CHECKS(sm_domain_vpc_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "SAGEMAKER_ENDPOINT_CONFIG_PROD_INSTANCE_COUNT",
     .types = "AWS::SageMaker::EndpointConfig",
     .ci_fn = sm_prod_count,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "COGNITO_USER_POOL_DELETION_PROTECTION_ENABLED",
     .types = "AWS::Cognito::UserPool",
     CHECKS(cognito_deletion_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "COGNITO_USER_POOL_MFA_ENABLED",
     .types = "AWS::Cognito::UserPool",
     CHECKS(cognito_mfa_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "COGNITO_IDENTITY_POOL_UNAUTH_ACCESS_CHECK",
     .types = "AWS::Cognito::IdentityPool",
     CHECKS(cognito_unauth_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "GLUE_ML_TRANSFORM_ENCRYPTED_AT_REST",
     .types = "AWS::Glue::MLTransform",
     CHECKS(glue_ml_encrypted_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "DOCDB_CLUSTER_ENCRYPTED",
     CHECKS(docdb_encrypted_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "DOCDB_CLUSTER_SNAPSHOT_PUBLIC_PROHIBITED",
     CHECKS(docdb_only),
     .ci_fn = snapshot_public,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "DAX_TLS_ENDPOINT_ENCRYPTION",
     CHECKS(dax_tls_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "EC2_TRANSIT_GATEWAY_AUTO_VPC_ATTACH_DISABLED", CHECKS(tgw_auto_accept_checks)},
    {.identifier = "ECR_REPOSITORY_CMK_ENCRYPTION_ENABLED",
     .types = "AWS::ECR::Repository",
     CHECKS(ecr_cmk_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "EC2_ENIS_SOURCE_DESTINATION_CHECK_ENABLED",
     .types = "AWS::EC2::NetworkInterface",
     CHECKS(eni_src_dst_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "ATHENA_DATA_CATALOG_DESCRIPTION",
     .types = "AWS::Athena::DataCatalog",
     CHECKS(description_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "ATHENA_PREPARED_STATEMENT_DESCRIPTION",
     .types = "AWS::Athena::PreparedStatement",
     CHECKS(description_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "ATHENA_WORKGROUP_DESCRIPTION",
     .types = "AWS::Athena::WorkGroup",
     CHECKS(description_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "SAGEMAKER_IMAGE_DESCRIPTION",
     .types = "AWS::SageMaker::Image",
     CHECKS(description_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "WAF_GLOBAL_WEBACL_NOT_EMPTY", CHECKS(waf_global_acl_checks)},
    {.identifier = "WAF_GLOBAL_RULEGROUP_NOT_EMPTY", CHECKS(waf_global_group_checks)},
    {.identifier = "WAF_GLOBAL_RULE_NOT_EMPTY", CHECKS(waf_global_rule_checks)},
    {.identifier = "NLB_CROSS_ZONE_LOAD_BALANCING_ENABLED", .ci_fn = nlb_cross_zone},
    {.identifier = "EC2_PARAVIRTUAL_INSTANCE_CHECK", CHECKS(paravirtual_checks)},
    {.identifier = "DESIRED_INSTANCE_TYPE",
     PARAMS(desired_type_params),
     CHECKS(desired_type_checks)},
    {.identifier = "DESIRED_INSTANCE_TENANCY",
     PARAMS(desired_tenancy_params),
     .ci_fn = desired_tenancy},
    {.identifier = "AUTOSCALING_LAUNCH_TEMPLATE", .ci_fn = asg_launch_template},
    {.identifier = "ATHENA_WORKGROUP_ENCRYPTED_AT_REST",
     .types = "AWS::Athena::WorkGroup",
     CHECKS(athena_encrypted_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "ATHENA_WORKGROUP_ENFORCE_WORKGROUP_CONFIGURATION",
     .types = "AWS::Athena::WorkGroup",
     CHECKS(athena_enforce_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "ATHENA_WORKGROUP_ENGINE_VERSION_AUTO_UPGRADE",
     .types = "AWS::Athena::WorkGroup",
     CHECKS(athena_auto_upgrade_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "ATHENA_WORKGROUP_LOGGING_ENABLED",
     .types = "AWS::Athena::WorkGroup",
     CHECKS(athena_logging_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "WAFV2_RULEGROUP_LOGGING_ENABLED",
     CHECKS(wafv2_group_metrics_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "NETFW_LOGGING_ENABLED",
     CHECKS(netfw_logging_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "INSPECTOR_EC2_SCAN_ENABLED",
     .types = "AWS::::Account",
     .acct_fn = inspector_scan},
    {.identifier = "INSPECTOR_ECR_SCAN_ENABLED",
     .types = "AWS::::Account",
     .acct_fn = inspector_scan},
    {.identifier = "INSPECTOR_LAMBDA_STANDARD_SCAN_ENABLED",
     .types = "AWS::::Account",
     .acct_fn = inspector_scan},
    {.identifier = "INSPECTOR_LAMBDA_CODE_SCAN_ENABLED",
     .types = "AWS::::Account",
     .acct_fn = inspector_scan},
    {.identifier = "MACIE_AUTO_SENSITIVE_DATA_DISCOVERY_CHECK",
     .types = "AWS::::Account",
     .acct_fn = macie_auto_discovery},
    {.identifier = "WAFV2_LOGGING_ENABLED",
     .types = "AWS::WAFv2::WebACL",
     PARAMS(wafv2_log_params),
     .ci_fn = wafv2_logging},
    {.identifier = "WAF_CLASSIC_LOGGING_ENABLED",
     .types = "AWS::WAF::WebACL",
     PARAMS(wafv2_log_params),
     .ci_fn = wafv2_logging},
    {.identifier = "ALB_WAF_ENABLED", PARAMS(alb_waf_params), .ci_fn = alb_waf},
    {.identifier = "SSM_DOCUMENT_NOT_PUBLIC", .ci_fn = ssm_doc_public},
    {.identifier = "DYNAMODB_AUTOSCALING_ENABLED", PARAMS(ddb_as_params), .ci_fn = ddb_autoscaling},
    {.identifier = "EBS_OPTIMIZED_INSTANCE", .ci_fn = ebs_optimized},
    {.identifier = "SECRETSMANAGER_SCHEDULED_ROTATION_SUCCESS_CHECK", CHECKS(secret_sched_checks)},
    {.identifier = "SECRETSMANAGER_SECRET_UNUSED",
     .types = "AWS::SecretsManager::Secret",
     PARAMS(secret_unused_params),
     .ci_fn = secret_unused},
    {.identifier = "SECRETSMANAGER_SECRET_PERIODIC_ROTATION",
     .types = "AWS::SecretsManager::Secret",
     PARAMS(secret_periodic_params),
     .ci_fn = secret_periodic},
    {.identifier = "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
     PARAMS(rp_retention_params),
     .ci_fn = rp_retention},
    {.identifier = "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
     .types = "AWS::Backup::BackupVault",
     PARAMS(vault_delete_params),
     .ci_fn = vault_manual_delete},
    {.identifier = "SERVICE_VPC_ENDPOINT_ENABLED",
     .types = "AWS::EC2::VPC",
     PARAMS(vpce_params),
     .ci_fn = vpc_endpoint},
    {.identifier = "ELB_CUSTOM_SECURITY_POLICY_SSL_CHECK",
     PARAMS(clb_custom_params),
     .ci_fn = clb_custom},
    {.identifier = "CODEDEPLOY_EC2_MINIMUM_HEALTHY_HOSTS_CONFIGURED",
     PARAMS(deploy_hosts_params),
     .ci_fn = deploy_hosts},
    {.identifier = "GUARDDUTY_NON_ARCHIVED_FINDINGS",
     PARAMS(gd_findings_params),
     .acct_fn = gd_findings},
    {.identifier = "DYNAMODB_THROUGHPUT_LIMIT_CHECK",
     PARAMS(ddb_limit_params),
     .acct_fn = ddb_limits},
    {.identifier = "IAM_POLICY_IN_USE",
     .types = "AWS::::Account",
     PARAMS(policy_use_params),
     .acct_fn = policy_in_use},
    {.identifier = "CLOUDFRONT_ASSOCIATED_WITH_WAF", PARAMS(cf_waf_params), CHECKS(cf_waf_checks)},
    {.identifier = "CLOUDFRONT_CUSTOM_SSL_CERTIFICATE", CHECKS(cf_custom_cert_checks)},
    {.identifier = "CLOUDFRONT_SNI_ENABLED", CHECKS(cf_sni_checks)},
    {.identifier = "CLOUDFRONT_NO_DEPRECATED_SSL_PROTOCOLS", .ci_fn = cf_ssl_protocols},
    {.identifier = "CLOUDFRONT_ORIGIN_ACCESS_IDENTITY_ENABLED", .ci_fn = cf_oai},
    {.identifier = "CLOUDFRONT_TRAFFIC_TO_ORIGIN_ENCRYPTED", .ci_fn = cf_origin_encrypted},
    {.identifier = "CLOUDFRONT_ORIGIN_FAILOVER_ENABLED", .ci_fn = cf_failover},
    {.identifier = "NETFW_POLICY_RULE_GROUP_ASSOCIATED", .ci_fn = netfw_rule_groups},
    {.identifier = "NETFW_POLICY_DEFAULT_ACTION_FRAGMENT_PACKETS",
     PARAMS(netfw_frag_params),
     .ci_fn = netfw_frag},
    {.identifier = "NETFW_POLICY_DEFAULT_ACTION_FULL_PACKETS",
     PARAMS(netfw_full_params),
     .ci_fn = netfw_full},
    {.identifier = "NETFW_MULTI_AZ_ENABLED", PARAMS(netfw_az_params), .ci_fn = netfw_multi_az},
    {.identifier = "NETFW_DELETION_PROTECTION_ENABLED",
     .types = "AWS::NetworkFirewall::Firewall",
     CHECKS(netfw_delete_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "NETFW_SUBNET_CHANGE_PROTECTION_ENABLED",
     .types = "AWS::NetworkFirewall::Firewall",
     CHECKS(netfw_subnet_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "CLB_MULTIPLE_AZ", PARAMS(min_az_params), .ci_fn = lb_multi_az},
    {.identifier = "ELBV2_MULTIPLE_AZ", PARAMS(min_az_params), .ci_fn = lb_multi_az},
    {.identifier = "CLB_DESYNC_MODE_CHECK", PARAMS(clb_desync_params), .ci_fn = clb_desync},
    {.identifier = "ELB_PREDEFINED_SECURITY_POLICY_SSL_CHECK",
     PARAMS(clb_policy_params),
     .ci_fn = clb_predefined},
    {.identifier = "WAFV2_RULEGROUP_NOT_EMPTY", CHECKS(wafv2_group_checks)},
    {.identifier = "WAFV2_WEBACL_NOT_EMPTY", .ci_fn = wafv2_acl},
    {.identifier = "WAF_REGIONAL_RULE_NOT_EMPTY", CHECKS(waf_regional_rule_checks)},
    {.identifier = "EKS_CLUSTER_LOGGING_ENABLED", .ci_fn = eks_logging},
    {.identifier = "EKS_CLUSTER_SECRETS_ENCRYPTED",
     PARAMS(eks_secrets_params),
     .ci_fn = eks_secrets,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "EKS_CLUSTER_SUPPORTED_VERSION",
     PARAMS(eks_supported_params),
     .ci_fn = eks_supported},
    {.identifier = "NEPTUNE_CLUSTER_BACKUP_RETENTION_CHECK",
     PARAMS(neptune_backup_params),
     CHECKS(neptune_backup_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "NEPTUNE_CLUSTER_CLOUDWATCH_LOG_EXPORT_ENABLED",
     .types = "AWS::RDS::DBCluster",
     CHECKS(neptune_only),
     .ci_fn = neptune_logs,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "NEPTUNE_CLUSTER_ENCRYPTED",
     .types = "AWS::RDS::DBCluster",
     CHECKS(neptune_encrypted_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "NEPTUNE_CLUSTER_IAM_DATABASE_AUTHENTICATION",
     .types = "AWS::RDS::DBCluster",
     CHECKS(neptune_iam_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "NEPTUNE_CLUSTER_SNAPSHOT_ENCRYPTED",
     .types = "AWS::RDS::DBClusterSnapshot",
     CHECKS(neptune_snap_enc_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "NEPTUNE_CLUSTER_SNAPSHOT_PUBLIC_PROHIBITED",
     .types = "AWS::RDS::DBClusterSnapshot",
     CHECKS(neptune_only),
     .ci_fn = snapshot_public,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "RDS_CLUSTER_IAM_AUTHENTICATION_ENABLED", .ci_fn = rds_cluster_iam},
    {.identifier = "RDS_CLUSTER_ENCRYPTED_AT_REST",
     .types = "AWS::RDS::DBCluster",
     .ci_fn = rds_cluster_encrypted,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "DYNAMODB_TABLE_ENCRYPTION_ENABLED", .ci_fn = ddb_encryption},
    {.identifier = "DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED",
     CHECKS(ddb_deletion_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "DAX_ENCRYPTION_ENABLED", .types = "AWS::DAX::Cluster", .ci_fn = dax_encrypted},
    {.identifier = "MQ_CLOUDWATCH_AUDIT_LOGGING_ENABLED",
     CHECKS(mq_audit_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "MQ_CLOUDWATCH_AUDIT_LOG_ENABLED",
     .ci_fn = mq_audit_log,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "DMS_ENDPOINT_SSL_CONFIGURED",
     PARAMS(dms_ssl_params),
     .ci_fn = dms_ssl,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "DMS_REDIS_TLS_ENABLED", CHECKS(dms_redis_checks), .trigger = PL_MANAGED_CHANGE},
    {.identifier = "MSK_IN_CLUSTER_NODE_REQUIRE_TLS",
     .ci_fn = msk_tls,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "TRANSFER_FAMILY_SERVER_NO_FTP",
     .types = "AWS::Transfer::Server",
     .ci_fn = transfer_ftp,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "STEP_FUNCTIONS_STATE_MACHINE_LOGGING_ENABLED",
     PARAMS(sfn_log_params),
     .ci_fn = sfn_logging,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "S3_ACCESS_POINT_PUBLIC_ACCESS_BLOCKS",
     PARAMS(ap_params),
     .ci_fn = access_point_bpa,
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "ACM_PCA_ROOT_CA_DISABLED",
     PARAMS(pca_params),
     .ci_fn = pca_root,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "S3_BUCKET_MFA_DELETE_ENABLED",
     CHECKS(s3_mfa_delete_checks),
     .trigger = PL_MANAGED_CHANGE},
    {.identifier = "APPSYNC_LOGGING_ENABLED", PARAMS(appsync_log_params), .ci_fn = appsync_logging},
    {.identifier = "APPSYNC_ASSOCIATED_WITH_WAF",
     PARAMS(appsync_waf_params),
     CHECKS(appsync_waf_checks)},
    {.identifier = "CLOUDFORMATION_STACK_NOTIFICATION_CHECK",
     PARAMS(stack_sns_params),
     .ci_fn = stack_notification},
    {.identifier = "RDS_DB_SECURITY_GROUP_NOT_ALLOWED", CHECKS(rds_dbsg_checks)},
    {.identifier = "CODEDEPLOY_AUTO_ROLLBACK_MONITOR_ENABLED", CHECKS(codedeploy_rollback_checks)},
    {.identifier = "ELASTIC_BEANSTALK_LOGS_TO_CLOUDWATCH",
     PARAMS(eb_logs_params),
     .ci_fn = eb_logs},
    {.identifier = "CLOUDWATCH_ALARM_ACTION_ENABLED_CHECK", CHECKS(alarm_enabled_checks)},
    {.identifier = "AUTOSCALING_LAUNCH_CONFIG_HOP_LIMIT", .ci_fn = lc_hop},
    {.identifier = "EC2_LAUNCH_TEMPLATE_PUBLIC_IP_DISABLED",
     PARAMS(lt_params),
     .ci_fn = lt_public_ip},
    {.identifier = "SECURITY_ACCOUNT_INFORMATION_PROVIDED", .acct_fn = security_contact},
    {.identifier = "MACIE_STATUS_CHECK", .acct_fn = macie_status},
    {.identifier = "EMR_BLOCK_PUBLIC_ACCESS", .acct_fn = emr_bpa, .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "GUARDDUTY_S3_PROTECTION_ENABLED",
     .types = "AWS::GuardDuty::Detector",
     .ci_fn = gd_feature,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "GUARDDUTY_EKS_PROTECTION_AUDIT_ENABLED",
     .types = "AWS::GuardDuty::Detector",
     .ci_fn = gd_feature,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "GUARDDUTY_EKS_PROTECTION_RUNTIME_ENABLED",
     .types = "AWS::GuardDuty::Detector",
     .ci_fn = gd_feature,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "GUARDDUTY_LAMBDA_PROTECTION_ENABLED",
     .types = "AWS::GuardDuty::Detector",
     .ci_fn = gd_feature,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "GUARDDUTY_RUNTIME_MONITORING_ENABLED",
     .types = "AWS::GuardDuty::Detector",
     .ci_fn = gd_feature,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "GUARDDUTY_EC2_PROTECTION_RUNTIME_ENABLED",
     .types = "AWS::GuardDuty::Detector",
     .ci_fn = gd_feature,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "GUARDDUTY_ECS_PROTECTION_RUNTIME_ENABLED",
     .types = "AWS::GuardDuty::Detector",
     .ci_fn = gd_feature,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "GUARDDUTY_MALWARE_PROTECTION_ENABLED",
     .types = "AWS::GuardDuty::Detector",
     .ci_fn = gd_feature,
     .trigger = PL_MANAGED_PERIODIC},
    {.identifier = "GUARDDUTY_RDS_PROTECTION_ENABLED",
     .types = "AWS::GuardDuty::Detector",
     .ci_fn = gd_feature,
     .trigger = PL_MANAGED_PERIODIC},
};
const size_t pl_managed__next_len = PL_MIMPL_LEN(pl_managed__next);
