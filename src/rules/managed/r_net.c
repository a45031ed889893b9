/* r_net.c — managed rules about networks and endpoints: security groups (ingress, attachment to
 * network interfaces), network ACLs, VPC flow logs, EC2 instances (public IPs, interfaces,
 * metadata hop limit), load balancers, API Gateway stages and Lambda function policies.
 *
 * Security-group ingress is read in both spellings Config has used: ipRanges as strings
 * (older CIs) and ipv4Ranges/ipv6Ranges as {cidrIp}/{cidrIpv6} objects. "Open to the world"
 * means 0.0.0.0/0 or ::/0. A rule with protocol -1 covers every port.
 */
#include <string.h>
#include <strings.h>

#include "core/util.h"
#include "rules/managed/managed_int.h"

#define CFG  "configuration."
#define SUPP "supplementaryConfiguration."

/* ---- security groups ---- */

enum proto { P_ALL, P_TCP, P_UDP, P_OTHER };

struct world_rule {
    enum proto proto;
    long long lo, hi;
};

static bool world_cidr(const struct pl_json *r, bool v4only)
{
    const char *s = pl_json_str(r);
    if (!s)
        s = pl_json_str(pl_managed__get(r, "cidrIp"));
    if (!s)
        s = pl_json_str(pl_managed__get(r, "cidrIpv6"));
    return s && (strcmp(s, "0.0.0.0/0") == 0 || (!v4only && strcmp(s, "::/0") == 0));
}

static bool any_world(const struct pl_json *perm, bool v4only)
{
    static const char *const keys[] = {"ipRanges", "ipv4Ranges", "ipv6Ranges"};
    for (size_t k = 0; k < PL_MIMPL_LEN(keys); k++) {
        const struct pl_json *l = pl_managed__get(perm, keys[k]);
        for (const struct pl_json *r = l ? l->child : NULL; r; r = r->next)
            if (world_cidr(r, v4only))
                return true;
    }
    return false;
}

static enum proto proto_of(const struct pl_json *j)
{
    const char *s = pl_json_str(j);
    if (!s || strcmp(s, "-1") == 0 || strcasecmp(s, "all") == 0)
        return P_ALL;
    if (strcasecmp(s, "tcp") == 0 || strcmp(s, "6") == 0)
        return P_TCP;
    if (strcasecmp(s, "udp") == 0 || strcmp(s, "17") == 0)
        return P_UDP;
    return P_OTHER;
}

/* Calls fn for each ingress permission open to the world (0.0.0.0/0, or also ::/0 unless
 * v4only); stops at non-zero. */
static int each_world(const struct pl_managed__ci *v, bool v4only,
                      int (*fn)(void *u, const struct world_rule *w), void *u)
{
    const struct pl_json *perms = pl_managed__get(v->cfg, "ipPermissions");
    for (const struct pl_json *p = perms ? perms->child : NULL; p; p = p->next) {
        if (!any_world(p, v4only))
            continue;
        struct world_rule w = {proto_of(pl_managed__get(p, "ipProtocol")), 0, 65535};
        if (w.proto != P_ALL && pl_managed__int(pl_managed__get(p, "fromPort"), &w.lo) == 0 &&
            pl_managed__int(pl_managed__get(p, "toPort"), &w.hi) == 0 && w.lo >= 0) {
            if (w.hi < 0)
                w.hi = 65535;
        } else {
            w.lo = 0;
            w.hi = 65535;
        }
        int rc = fn(u, &w);
        if (rc)
            return rc;
    }
    return 0;
}

struct port_q {
    long long port;
};

static int opens_tcp_port(void *u, const struct world_rule *w)
{
    const struct port_q *q = u;
    return (w->proto == P_ALL || w->proto == P_TCP) && w->lo <= q->port && q->port <= w->hi;
}

static int incoming_ssh(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    struct port_q q = {22};
    (void)c;
    if (each_world(v, false, opens_tcp_port, &q))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The security group allows SSH (TCP 22) from 0.0.0.0/0 or ::/0.");
    return 0;
}

static const struct pl_managed_pspec blocked_params[] = {
    {.name = "blockedPort1", .type = PL_MP_INT, .def = "20", .min = 0, .max = 65535},
    {.name = "blockedPort2", .type = PL_MP_INT, .def = "21", .min = 0, .max = 65535},
    {.name = "blockedPort3", .type = PL_MP_INT, .def = "3389", .min = 0, .max = 65535},
    {.name = "blockedPort4", .type = PL_MP_INT, .def = "3306", .min = 0, .max = 65535},
    {.name = "blockedPort5", .type = PL_MP_INT, .def = "4333", .min = 0, .max = 65535},
};

/* One pass over the world-open permissions, testing every blocked port. */
static int opens_blocked(void *u, const struct world_rule *w)
{
    const struct pl_managed_params *p = u;
    for (size_t i = 0; i < PL_MIMPL_LEN(blocked_params); i++) {
        struct port_q q = {p->v[i].i};
        if (p->v[i].set && opens_tcp_port(&q, w))
            return (int)i + 1;
    }
    return 0;
}

static int restricted_incoming(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                               struct pl_managed_eval *out)
{
    int hit = each_world(v, true, opens_blocked, (void *)c->p) /* AWS: IPv4 only */;
    if (hit)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The security group allows TCP port %lld from 0.0.0.0/0 or ::/0.",
                               c->p->v[hit - 1].i);
    return 0;
}

enum { P_AUTH_TCP, P_AUTH_UDP };
static const struct pl_managed_pspec authorized_params[] = {
    {.name = "authorizedTcpPorts", .type = PL_MP_PORTS},
    {.name = "authorizedUdpPorts", .type = PL_MP_PORTS},
};

struct auth_q {
    const struct pl_managed_params *p;
    struct world_rule bad; /* a copy: each_world's rule is gone when it returns */
};

static bool covered(const struct pl_managed_pval *pv, const struct world_rule *w)
{
    for (size_t i = 0; pv->set && i < pv->nranges; i++)
        if (pv->ranges[i][0] <= w->lo && w->hi <= pv->ranges[i][1])
            return true;
    return false;
}

static int unauthorized(void *u, const struct world_rule *w)
{
    struct auth_q *q = u;
    bool ok = w->proto == P_OTHER || (w->proto == P_TCP && covered(&q->p->v[P_AUTH_TCP], w)) ||
              (w->proto == P_UDP && covered(&q->p->v[P_AUTH_UDP], w));
    if (!ok)
        q->bad = *w;
    return !ok;
}

static int authorized_ports(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                            struct pl_managed_eval *out)
{
    struct auth_q q = {.p = c->p};
    if (each_world(v, false, unauthorized, &q)) {
        const struct world_rule bad = q.bad;
        static const char *const names[] = {"all traffic", "TCP", "UDP", "other"};
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The security group opens %s ports %lld-%lld to 0.0.0.0/0 or ::/0, "
                               "which are not authorized.",
                               names[bad.proto], bad.lo, bad.hi);
    }
    return 0;
}

static const struct pl_managed__check default_sg_checks[] = {
    {.path = CFG "groupName", .op = MCK_EQ, .arg = "default", .applies = true},
    {.path = CFG "ipPermissions",
     .op = MCK_ABSENT,
     .why = "The default security group has inbound rules."},
    {.path = CFG "ipPermissionsEgress",
     .op = MCK_ABSENT,
     .why = "The default security group has outbound rules."},
};

/* EC2_SECURITY_GROUP_ATTACHED_TO_ENI(_PERIODIC): a non-default group of this account is attached
 * to a network interface: a relationship on the group's CI says so, or a recorded
 * AWS::EC2::NetworkInterface names the group. */
struct sg_q {
    const struct pl_managed__ctx *c;
    const char *id;
    bool hit; /* (each's return value is also -1 on a store error) */
};

static int eni_has_group(void *u, const struct pl_json *ci)
{
    struct sg_q *q = u;
    const char *st = pl_json_get_str(ci, "configurationItemStatus");
    if (st && pl_starts_with(st, "ResourceDeleted"))
        return 0;
    const struct pl_json *groups = pl_managed__path(q->c, ci, "configuration.groups");
    for (const struct pl_json *g = groups ? groups->child : NULL; g; g = g->next)
        if (pl_managed__streq(pl_managed__get(g, "groupId"), q->id))
            return q->hit = true;
    return 0;
}

static bool related_eni(const struct pl_managed__ci *v)
{
    const struct pl_json *rels = pl_json_get(v->ci, "relationships");
    for (const struct pl_json *r = rels ? rels->child : NULL; r; r = r->next)
        if (pl_managed__streq(pl_json_get(r, "resourceType"), "AWS::EC2::NetworkInterface"))
            return true;
    return false;
}

static int sg_attached(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                       struct pl_managed_eval *out)
{
    const char *owner = pl_json_str(pl_managed__get(v->cfg, "ownerId"));
    if (pl_managed__streq(pl_managed__get(v->cfg, "groupName"), "default") ||
        (owner && c->env && c->env->account && strcmp(owner, c->env->account) != 0))
        return pl_managed__na(out);
    if (related_eni(v))
        return 0;
    if (pl_managed__need_env(c, "the recorded AWS::EC2::NetworkInterface resources") < 0)
        return -1;
    struct sg_q q = {c, v->id, false};
    if (q.id)
        c->env->each(c->env->u, "AWS::EC2::NetworkInterface", eni_has_group, &q);
    if (!q.hit)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The security group is not attached to a network interface.");
    return 0;
}

/* ---- network ACLs ---- */

/* The ingress entry that decides traffic from the whole of `world` (the lowest rule number
 * among the entries whose CIDR member `key` is it and that cover port over pr) allows it. */
static bool nacl_allows(const struct pl_json *entries, const char *key, const char *world,
                        enum proto pr, long long port)
{
    const struct pl_json *best = NULL;
    long long bestn = 0, n, lo, hi;
    for (const struct pl_json *e = entries ? entries->child : NULL; e; e = e->next) {
        if (pl_managed__true(pl_managed__get(e, "egress")) ||
            !pl_managed__streq(pl_managed__get(e, key), world))
            continue;
        enum proto p = proto_of(pl_managed__get(e, "protocol"));
        const struct pl_json *range = p == P_ALL ? NULL : pl_managed__get(e, "portRange");
        if (p != P_ALL && p != pr)
            continue;
        if (range && pl_managed__int(pl_managed__get(range, "from"), &lo) == 0 &&
            pl_managed__int(pl_managed__get(range, "to"), &hi) == 0 && (port < lo || port > hi))
            continue;
        if (pl_managed__int(pl_managed__get(e, "ruleNumber"), &n) < 0)
            n = 32767;
        if (!best || n < bestn) {
            best = e;
            bestn = n;
        }
    }
    return best && pl_managed__streq(pl_managed__get(best, "ruleAction"), "allow");
}

/* NACL_NO_UNRESTRICTED_SSH_RDP: no inbound TCP or UDP traffic to 22 or 3389 from 0.0.0.0/0 or
 * ::/0 gets through the ACL's entries (evaluated in rule-number order, as EC2 does). */
static int nacl_ssh_rdp(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    static const struct {
        long long n;
        const char *text; /* spares pl_managed__res a number conversion */
    } ports[] = {{22, "22"}, {3389, "3389"}};
    static const struct {
        const char *key, *world;
    } worlds[] = {{"cidrBlock", "0.0.0.0/0"}, {"ipv6CidrBlock", "::/0"}};
    const struct pl_json *entries = pl_managed__get(v->cfg, "entries");
    (void)c;
    for (size_t i = 0; i < PL_MIMPL_LEN(ports); i++)
        for (size_t w = 0; w < PL_MIMPL_LEN(worlds); w++)
            for (enum proto pr = P_TCP; pr <= P_UDP; pr++)
                if (nacl_allows(entries, worlds[w].key, worlds[w].world, pr, ports[i].n))
                    return pl_managed__res(
                        out, PL_NON_COMPLIANT, "The network ACL allows inbound %s port %s from %s.",
                        pr == P_TCP ? "TCP" : "UDP", ports[i].text, worlds[w].world);
    return 0;
}

/* ---- VPC flow logs ---- */

static const struct pl_managed_pspec flow_params[] = {
    {.name = "trafficType", .type = PL_MP_STR, .choices = "ACCEPT|REJECT|ALL"},
};

struct flow_q {
    const struct pl_managed__ctx *c;
    const char *vpc;
};

static int flow_matches(void *u, const struct pl_json *ci)
{
    struct flow_q *q = u;
    const struct pl_json *cfg = pl_json_get(ci, "configuration");
    const struct pl_managed_pval *tt = &q->c->p->v[0];
    const char *st = pl_json_str(pl_managed__get(cfg, "flowLogStatus"));
    return pl_managed__streq(pl_managed__get(cfg, "resourceId"), q->vpc) &&
           (!st || strcmp(st, "ACTIVE") == 0) &&
           (!tt->set || pl_managed__streq(pl_managed__get(cfg, "trafficType"), tt->s));
}

static int flow_logs(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                     struct pl_managed_eval *out)
{
    if (pl_managed__need_env(c, "the recorded AWS::EC2::FlowLog resources") < 0)
        return -1;
    struct flow_q q = {c, v->id};
    if (!q.vpc || !c->env->each(c->env->u, "AWS::EC2::FlowLog", flow_matches, &q))
        return pl_managed__res(
            out, PL_NON_COMPLIANT, "No active flow log%s%s is attached to the VPC.",
            c->p->v[0].set ? " with traffic type " : "", c->p->v[0].set ? c->p->v[0].s : "");
    return 0;
}

/* ---- EC2 instances ---- */

static int no_public_ip(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    if (!pl_managed__empty(pl_managed__get(v->cfg, "publicIpAddress")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "The instance has a public IP address.");
    const struct pl_json *nis = pl_managed__get(v->cfg, "networkInterfaces");
    for (const struct pl_json *n = nis ? nis->child : NULL; n; n = n->next)
        if (!pl_managed__empty(pl_managed__path(c, n, "association.publicIp")))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "A network interface of the instance has a public IP address.");
    return 0;
}

static const struct pl_managed_pspec vpc_params[] = {{.name = "vpcId", .type = PL_MP_STR}};
static const struct pl_managed__check in_vpc_checks[] = {
    {.path = CFG "vpcId", .op = MCK_PRESENT, .why = "The instance is not in a VPC."},
    {.path = CFG "vpcId",
     .op = MCK_EQ_PARAM,
     .param = 0,
     .why = "The instance is not in the VPC given in vpcId."},
};

/* EC2_INSTANCE_MULTIPLE_ENI_CHECK: one network interface, or only those NetworkInterfaceIds
 * lists. An instance without recorded interfaces is not judged. */
static const struct pl_managed_pspec eni_ids_params[] = {
    {.name = "NetworkInterfaceIds", .type = PL_MP_LIST},
};

static int multiple_eni(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    const struct pl_json *nis = pl_managed__get(v->cfg, "networkInterfaces");
    if (!nis || nis->type != PL_JARR || !nis->child)
        return pl_managed__na(out);
    if (!nis->child->next)
        return 0;
    for (const struct pl_json *n = nis->child; n; n = n->next) {
        const char *id = pl_json_str(pl_managed__get(n, "networkInterfaceId"));
        if (!pl_managed__in_list(&c->p->v[0], id))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "The instance has %d network interfaces; %.40s is not one of "
                                   "NetworkInterfaceIds.",
                                   (int)nis->len, id ? id : "one");
    }
    return 0;
}

static const struct pl_managed_pspec hop_params[] = {
    {.name = "tokenHopLimit", .type = PL_MP_INT, .def = "1", .min = 1, .max = 64},
};
static const struct pl_managed__check hop_checks[] = {
    {.path = CFG "metadataOptions.httpPutResponseHopLimit",
     .op = MCK_LE_PARAM,
     .param = 0,
     .why = "The instance metadata token hop limit is above tokenHopLimit (or not recorded)."},
};

/* ---- load balancers ---- */

#define ELB  "AWS::ElasticLoadBalancing::LoadBalancer"
#define ELB2 "AWS::ElasticLoadBalancingV2::LoadBalancer"

static const struct pl_managed_pspec elb_log_params[] = {
    {.name = "s3BucketNames", .type = PL_MP_LIST},
};
static const struct pl_managed__check elb_log_checks[] = {
    {.type = ELB,
     .path = SUPP "LoadBalancerAttributes.accessLog.enabled",
     .op = MCK_TRUE,
     .why = "Access logging is not enabled."},
    {.type = ELB,
     .path = SUPP "LoadBalancerAttributes.accessLog.s3BucketName",
     .op = MCK_IN_PARAM,
     .param = 0,
     .why = "Access logs do not go to one of s3BucketNames."},
};

/* The value of attribute `key` in a V2 attribute list [{key, value}]. */
static const struct pl_json *v2_attr(const struct pl_managed__ctx *c,
                                     const struct pl_managed__ci *v, const char *key)
{
    const struct pl_json *l = pl_managed__path(c, v->ci, SUPP "LoadBalancerAttributes");
    for (const struct pl_json *a = l ? l->child : NULL; a; a = a->next)
        if (pl_managed__streq(pl_managed__get(a, "key"), key))
            return pl_managed__get(a, "value");
    return NULL;
}

/* ALB_DESYNC_MODE_CHECK: an application load balancer's routing.http.desync_mitigation_mode
 * (not recorded: ELB's default, defensive) is one of desyncMode. */
static const struct pl_managed_pspec desync_params[] = {
    {.name = "desyncMode",
     .type = PL_MP_LIST,
     .required = true,
     .choices = "defensive|strictest|monitor"},
};

static int alb_desync(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                      struct pl_managed_eval *out)
{
    if (!pl_managed__streq(pl_managed__get(v->cfg, "type"), "application"))
        return pl_managed__na(out);
    const char *mode = pl_json_str(v2_attr(c, v, "routing.http.desync_mitigation_mode"));
    if (!pl_managed__in_list(&c->p->v[0], mode ? mode : "defensive"))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The desync mitigation mode %.20s is not one of "
                               "desyncMode.",
                               mode ? mode : "defensive");
    return 0;
}

static int elb_logging_v2(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                          struct pl_managed_eval *out)
{
    if (strcmp(v->type, ELB2) != 0)
        return 0;
    if (!pl_managed__true(v2_attr(c, v, "access_logs.s3.enabled")))
        return pl_managed__res(out, PL_NON_COMPLIANT, "Access logging is not enabled.");
    const struct pl_managed_pval *names = &c->p->v[0];
    if (names->set &&
        !pl_managed__in_list(names, pl_json_str(v2_attr(c, v, "access_logs.s3.bucket"))))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "Access logs do not go to one of s3BucketNames.");
    return 0;
}

static int elb_tls_only(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        struct pl_managed_eval *out)
{
    const struct pl_json *ls = pl_managed__get(v->cfg, "listenerDescriptions");
    (void)c;
    if (pl_managed__empty(ls))
        return pl_managed__na(out);
    for (const struct pl_json *l = ls->child; l; l = l->next) {
        const struct pl_json *p = pl_managed__path(c, l, "listener.protocol");
        if (!pl_managed__streq(p, "HTTPS") && !pl_managed__streq(p, "SSL"))
            return pl_managed__res(out, PL_NON_COMPLIANT,
                                   "A listener uses %s instead of HTTPS or SSL.",
                                   pl_json_str(p) ? pl_json_str(p) : "an unknown protocol");
    }
    return 0;
}

struct listener_q {
    const struct pl_managed__ctx *c;
    const char *lb;
    bool plain_http;
};

static int http_without_redirect(void *u, const struct pl_json *ci)
{
    struct listener_q *q = u;
    const struct pl_json *cfg = pl_json_get(ci, "configuration");
    if (!pl_managed__streq(pl_managed__get(cfg, "loadBalancerArn"), q->lb) ||
        !pl_managed__streq(pl_managed__get(cfg, "protocol"), "HTTP"))
        return 0;
    const struct pl_json *acts = pl_managed__get(cfg, "defaultActions");
    for (const struct pl_json *a = acts ? acts->child : NULL; a; a = a->next)
        if (pl_managed__streq(pl_managed__get(a, "type"), "redirect") &&
            pl_managed__streq(pl_managed__path(q->c, a, "redirectConfig.protocol"), "HTTPS"))
            return 0;
    return q->plain_http = true;
}

static int alb_https_redirect(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                              struct pl_managed_eval *out)
{
    if (!pl_managed__streq(pl_managed__get(v->cfg, "type"), "application"))
        return pl_managed__na(out);
    if (pl_managed__need_env(c, "the recorded AWS::ElasticLoadBalancingV2::Listener resources") < 0)
        return -1;
    const char *arn = pl_json_str(pl_managed__get(v->cfg, "loadBalancerArn"));
    struct listener_q q = {c, arn ? arn : v->id, false};
    c->env->each(c->env->u, "AWS::ElasticLoadBalancingV2::Listener", http_without_redirect, &q);
    if (q.plain_http)
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "An HTTP listener does not redirect to HTTPS.");
    return 0;
}

/* ELBV2_ACM_CERTIFICATE_REQUIRED: the HTTPS and TLS listeners of the balancer (its recorded
 * AWS::ElasticLoadBalancingV2::Listener CIs) must use ACM certificates, and with
 * AcmCertificatesAllowed one of those; a balancer without such listeners is not judged. */
static const struct pl_managed_pspec acm_allowed_params[] = {
    {.name = "AcmCertificatesAllowed", .type = PL_MP_LIST},
};

struct acm_q {
    const struct pl_managed__ctx *c;
    const char *lb;
    bool tls;
    const char *why; /* what the first failing listener does */
    long long port;
};

/* Returns 1 (stopping the walk) at the first TLS listener of q->lb that fails. */
static int listener_acm(void *u, const struct pl_json *ci)
{
    struct acm_q *q = u;
    const struct pl_json *cfg = pl_managed__get(ci, "configuration");
    const struct pl_json *proto = pl_managed__get(cfg, "protocol");
    const char *lb = pl_json_str(pl_managed__get(cfg, "loadBalancerArn"));
    if ((!pl_managed__streq(proto, "HTTPS") && !pl_managed__streq(proto, "TLS")) || !lb ||
        strcmp(lb, q->lb) != 0)
        return 0; /* the cheap tests first: most listeners of a store fail one; ARNs are exact */
    const char *st = pl_json_str(pl_managed__get(ci, "configurationItemStatus"));
    if (st && pl_starts_with(st, "ResourceDeleted"))
        return 0;
    q->tls = true;
    if (pl_managed__int(pl_managed__get(cfg, "port"), &q->port) < 0)
        q->port = -1;
    const struct pl_json *certs = pl_managed__get(cfg, "certificates");
    const struct pl_managed_pval *allowed = &q->c->p->v[0];
    if (pl_managed__empty(certs))
        q->why = "has no certificate";
    for (const struct pl_json *e = certs ? certs->child : NULL; e && !q->why; e = e->next) {
        const char *arn = pl_json_str(pl_managed__get(e, "certificateArn"));
        if (!arn || !strstr(arn, ":acm:"))
            q->why = "uses a certificate not issued by ACM";
        else if (allowed->set && !pl_managed__in_list(allowed, arn))
            q->why = "uses an ACM certificate not listed in AcmCertificatesAllowed";
    }
    return q->why != NULL;
}

static int elbv2_acm(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                     struct pl_managed_eval *out)
{
    if (pl_managed__need_env(c, "the recorded AWS::ElasticLoadBalancingV2::Listener resources") < 0)
        return -1;
    const char *arn = pl_json_str(pl_managed__get(v->cfg, "loadBalancerArn"));
    struct acm_q q = {c, arn ? arn : v->id, false, NULL, -1};
    if (!q.lb)
        return pl_managed__na(out); /* no ARN: no listener can name it */
    c->env->each(c->env->u, "AWS::ElasticLoadBalancingV2::Listener", listener_acm, &q);
    if (q.why)
        return pl_managed__res(out, PL_NON_COMPLIANT, "The TLS listener on port %lld %s.", q.port,
                               q.why);
    return q.tls ? 0 : pl_managed__na(out);
}

/* ---- API Gateway, Lambda ---- */

static const struct pl_managed_pspec apigw_log_params[] = {
    {.name = "loggingLevel", .type = PL_MP_LIST, .def = "ERROR,INFO", .choices = "ERROR|INFO"},
};
static const struct pl_managed__check apigw_log_checks[] = {
    {.path = CFG "methodSettings.*/*.loggingLevel|" CFG "defaultRouteSettings.loggingLevel",
     .op = MCK_IN_PARAM,
     .param = 0,
     .why = "Execution logging is not enabled at one of the levels in loggingLevel."},
};
static const struct pl_managed__check apigw_cache_checks[] = {
    {.path = CFG "cacheClusterEnabled", .op = MCK_TRUE, .why = "Caching is not enabled."},
    {.path = CFG "methodSettings.*/*.cacheDataEncrypted",
     .op = MCK_TRUE,
     .why = "The cache data is not encrypted."},
};

static int public_invoke(void *u, const struct pl_json *st)
{
    (void)u;
    return pl_managed__streq(pl_json_get(st, "Effect"), "Allow") && !pl_json_get(st, "Condition") &&
           pl_managed__principal_public(pl_json_get(st, "Principal"));
}

static int lambda_public(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                         struct pl_managed_eval *out)
{
    const struct pl_json *doc = pl_managed__doc(c, pl_managed__path(c, v->ci, SUPP "Policy"));
    if (pl_managed__statements(doc, public_invoke, NULL))
        return pl_managed__res(out, PL_NON_COMPLIANT,
                               "The function policy allows invocation by any principal.");
    return 0;
}

#define CHECKS(t) .checks = t, .nchecks = PL_MIMPL_LEN(t)
#define PARAMS(t) .params = t, .nparams = PL_MIMPL_LEN(t)

const struct pl_managed_impl pl_managed__net[] = {
    {.identifier = "INCOMING_SSH_DISABLED", .ci_fn = incoming_ssh},
    {.identifier = "RESTRICTED_INCOMING_TRAFFIC",
     PARAMS(blocked_params),
     .ci_fn = restricted_incoming},
    {.identifier = "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
     PARAMS(authorized_params),
     .ci_fn = authorized_ports},
    {.identifier = "VPC_DEFAULT_SECURITY_GROUP_CLOSED", CHECKS(default_sg_checks)},
    {.identifier = "VPC_FLOW_LOGS_ENABLED", PARAMS(flow_params), .ci_fn = flow_logs},
    {.identifier = "EC2_INSTANCE_NO_PUBLIC_IP", .ci_fn = no_public_ip},
    {.identifier = "EC2_SECURITY_GROUP_ATTACHED_TO_ENI", .ci_fn = sg_attached},
    {.identifier = "EC2_SECURITY_GROUP_ATTACHED_TO_ENI_PERIODIC", .ci_fn = sg_attached},
    {.identifier = "NACL_NO_UNRESTRICTED_SSH_RDP", .ci_fn = nacl_ssh_rdp},
    {.identifier = "EC2_INSTANCE_MULTIPLE_ENI_CHECK",
     PARAMS(eni_ids_params),
     .ci_fn = multiple_eni},
    {.identifier = "EC2_TOKEN_HOP_LIMIT_CHECK", PARAMS(hop_params), CHECKS(hop_checks)},
    {.identifier = "INSTANCES_IN_VPC", PARAMS(vpc_params), CHECKS(in_vpc_checks)},
    {.identifier = "ELB_LOGGING_ENABLED",
     PARAMS(elb_log_params),
     CHECKS(elb_log_checks),
     .ci_fn = elb_logging_v2},
    {.identifier = "ALB_DESYNC_MODE_CHECK", PARAMS(desync_params), .ci_fn = alb_desync},
    {.identifier = "ELB_TLS_HTTPS_LISTENERS_ONLY", .ci_fn = elb_tls_only},
    {.identifier = "ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK", .ci_fn = alb_https_redirect},
    {.identifier = "ELBV2_ACM_CERTIFICATE_REQUIRED",
     PARAMS(acm_allowed_params),
     .ci_fn = elbv2_acm},
    {.identifier = "API_GW_EXECUTION_LOGGING_ENABLED",
     PARAMS(apigw_log_params),
     CHECKS(apigw_log_checks)},
    {.identifier = "API_GW_CACHE_ENABLED_AND_ENCRYPTED", CHECKS(apigw_cache_checks)},
    {.identifier = "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED", .ci_fn = lambda_public},
};
const size_t pl_managed__net_len = PL_MIMPL_LEN(pl_managed__net);
