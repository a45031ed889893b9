/* ec2.c — AWS::EC2::SecurityGroup, AWS::EC2::VPC and AWS::EC2::Instance from DescribeVpcs,
 * DescribeSecurityGroups and DescribeInstances, AWS::EC2::Volume from DescribeVolumes (EC2
 * query protocol, NextToken pages of MaxResults 1000), each streamed page by page (a page and a
 * batch of CIs in memory): the groups' and instances' listings keep only the compact (vpcId, id)
 * pairs a VPC's relationships name (listed by the VPC type itself when their types are not
 * swept). The configuration keys are AWS Config's (the example CIs of ../shared/data/config-items):
 * the XML names renamed as the SDK's model names them (tagSet → tags, groupDescription →
 * description, ...), typed (booleans, integers), and every key AWS Config writes present (null when
 * EC2 did not say). Calls call.c and xml.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/sigv4.h"
#include "core/util.h"
#include "recorder/sources/aws/aws.h"

#define EC2_VERSION "2016-11-15"

static const char *const numeric_keys[] = {"code",
                                           "amiLaunchIndex",
                                           "fromPort",
                                           "toPort",
                                           "deviceIndex",
                                           "coreCount",
                                           "threadsPerCore",
                                           "httpPutResponseHopLimit",
                                           "networkCardIndex",
                                           "size",
                                           "iops",
                                           "throughput",
                                           NULL};

typedef int (*item_fn)(struct pl_aws_sweep *s, struct pl_json *item, void *u);

/* Every page of an EC2 Describe action, each page in an arena of its own (freed after it):
 * fn for each item of list_key (an item lives until fn returns). NULL-safe; -1 with err when a
 * page failed or fn did. */
static int describe_pages(struct pl_aws_sweep *s, const char *action, const char *list_key,
                          item_fn fn, void *u, struct pl_err *err)
{
    struct pl_arena pa;
    pl_arena_init(&pa);
    char *token = NULL;
    int rc = -1;
    for (int page = 0; page < PL_AWS_MAX_PAGES; page++) {
        struct pl_buf q;
        pl_buf_init(&q, 1 << 16);
        int max = strcmp(action, "DescribeVolumes") == 0 ? 500 : 1000; /* EC2's bounds */
        int size = s->ctx->page_size > 0 ? s->ctx->page_size : max;
        pl_buf_printf(&q, "MaxResults=%d", size < max ? size : max);
        if (token) {
            pl_buf_puts(&q, "&NextToken=");
            pl_sigv4_uri_encode(&q, token, strlen(token), 0);
            free(token);
            token = NULL;
        }
        struct pl_json *x =
            pl_aws_query(s->ctx, &pa, "ec2", action, EC2_VERSION, q.data ? q.data : "", err);
        pl_buf_fini(&q);
        if (!x)
            goto out;
        struct pl_json *items = pl_aws_list(&pa, pl_json_get(x, list_key));
        for (struct pl_json *it = items->child; it; it = it->next)
            if (fn(s, it, u) < 0)
                goto out;
        const char *next = pl_json_get_str(x, "nextToken");
        if (!next || !*next) {
            rc = 0;
            goto out;
        }
        token = pl_xstrdup(next);
        pl_arena_reset(&pa);
    }
    pl_fail(err, PL_E_UNAVAILABLE, "ec2 %s: more than %d pages", action, PL_AWS_MAX_PAGES);
out:
    free(token);
    pl_arena_fini(&pa);
    return rc;
}

static int keep_item(struct pl_aws_sweep *s, struct pl_json *item, void *u)
{
    pl_json_push(u, pl_json_clone(s->a, item));
    return 0;
}

/* every item of an EC2 Describe action, in s->a (the listings the EC2 types share); NULL with
 * err */
static struct pl_json *describe_all(struct pl_aws_sweep *s, const char *action,
                                    const char *list_key, struct pl_err *err)
{
    struct pl_json *all = pl_json_new_arr(s->a);
    return describe_pages(s, action, list_key, keep_item, all, err) < 0 ? NULL : all;
}

/* key renames: "...Set" loses its suffix, then these (top: only at the instance's top level) */
static const char *rename_key(struct pl_arena *a, const char *k, bool top)
{
    static const char *const map[][2] = {{"tag", "tags"},
                                         {"networkInterface", "networkInterfaces"},
                                         {"group", "groups"},
                                         {"blockDeviceMapping", "blockDeviceMappings"},
                                         {"privateIpAddresses", "privateIpAddresses"},
                                         {"item", "item"}};
    static const char *const top_map[][2] = {{"groups", "securityGroups"},
                                             {"instanceState", "state"},
                                             {"dnsName", "publicDnsName"},
                                             {"reason", "stateTransitionReason"},
                                             {"ipAddress", "publicIpAddress"}};
    size_t n = strlen(k);
    const char *r = n > 3 && strcmp(k + n - 3, "Set") == 0 ? pl_arena_strndup(a, k, n - 3) : k;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(r, map[i][0]) == 0)
            r = map[i][1];
    for (size_t i = 0; top && i < sizeof top_map / sizeof top_map[0]; i++)
        if (strcmp(r, top_map[i][0]) == 0)
            r = top_map[i][1];
    return r;
}

/* a copy of j with its keys renamed (rename_key), recursively; depth bounded by the XML's */
static struct pl_json *renamed(struct pl_arena *a, const struct pl_json *j, bool top)
{
    if (!j || (j->type != PL_JOBJ && j->type != PL_JARR))
        return pl_json_clone(a, j);
    struct pl_json *o = j->type == PL_JOBJ ? pl_json_new_obj(a) : pl_json_new_arr(a);
    for (const struct pl_json *c = j->child; c; c = c->next) {
        struct pl_json *v = renamed(a, c, false);
        if (j->type == PL_JOBJ)
            pl_json_set(a, o, rename_key(a, c->key, top), v);
        else
            pl_json_push(o, v);
    }
    return o;
}

static struct pl_json *new_ci(struct pl_aws_sweep *s, const char *type, const char *id,
                              const char *arn_kind, const char *az, struct pl_json *cfg)
{
    struct pl_arena *a = s->ca;
    struct pl_json *ci = pl_json_new_obj(a);
    pl_json_set_str(a, ci, "resourceType", type);
    pl_json_set_str(a, ci, "resourceId", id);
    pl_json_set_str(
        a, ci, "ARN",
        pl_arena_printf(a, "arn:aws:ec2:%s:%s:%s/%s", s->ctx->region, s->account, arn_kind, id));
    pl_json_set_str(a, ci, "awsAccountId", s->account);
    pl_json_set_str(a, ci, "awsRegion", s->ctx->region);
    pl_json_set_str(a, ci, "availabilityZone", az);
    pl_json_set(a, ci, "configuration", cfg);
    pl_json_set(a, ci, "supplementaryConfiguration", pl_json_new_obj(a));
    pl_json_set(a, ci, "tags", pl_aws_tag_map(a, pl_json_get(cfg, "tags")));
    return ci;
}

/* an IpPermission in AWS Config's shape: ipRanges as CIDR strings, ipv4Ranges as objects */
static struct pl_json *permission(struct pl_arena *a, const struct pl_json *p)
{
    struct pl_json *o = pl_json_new_obj(a), *ranges = pl_json_new_arr(a);
    const struct pl_json *ipr = pl_json_get(p, "ipRanges");
    pl_json_set(a, o, "ipProtocol", pl_json_clone(a, pl_json_get(p, "ipProtocol")));
    if (pl_json_get(p, "fromPort"))
        pl_json_set(a, o, "fromPort", pl_json_clone(a, pl_json_get(p, "fromPort")));
    if (pl_json_get(p, "toPort"))
        pl_json_set(a, o, "toPort", pl_json_clone(a, pl_json_get(p, "toPort")));
    pl_json_set(a, o, "userIdGroupPairs", pl_aws_list(a, pl_json_get(p, "groups")));
    for (const struct pl_json *r = ipr && ipr->type == PL_JARR ? ipr->child : NULL; r; r = r->next)
        if (pl_json_get_str(r, "cidrIp"))
            pl_json_push(ranges, pl_json_new_str(a, pl_json_get_str(r, "cidrIp")));
    pl_json_set(a, o, "ipv4Ranges", pl_aws_list(a, ipr));
    pl_json_set(a, o, "ipv6Ranges", pl_aws_list(a, pl_json_get(p, "ipv6Ranges")));
    pl_json_set(a, o, "prefixListIds", pl_aws_list(a, pl_json_get(p, "prefixListIds")));
    pl_json_set(a, o, "ipRanges", ranges);
    return o;
}

static struct pl_json *permissions(struct pl_arena *a, const struct pl_json *list)
{
    struct pl_json *arr = pl_json_new_arr(a);
    for (const struct pl_json *p = list && list->type == PL_JARR ? list->child : NULL; p;
         p = p->next)
        pl_json_push(arr, permission(a, p));
    return arr;
}

/* what a listing's item callback needs: where CIs go (NULL: only the pairs) and the (vpcId, id)
 * pairs a VPC's relationships are made of (compact, in s->a) */
struct listing {
    struct pl_aws_found *out;
    struct pl_json *pairs;
};

static void note_pair(struct pl_aws_sweep *s, struct listing *l, const struct pl_json *item,
                      const char *id_key)
{
    const char *vpc = pl_json_get_str(item, "vpcId"), *id = pl_json_get_str(item, id_key);
    if (!vpc || !id)
        return;
    struct pl_json *p = pl_json_new_obj(s->a);
    pl_json_set_str(s->a, p, "vpcId", vpc);
    pl_json_set_str(s->a, p, "id", id);
    pl_json_push(l->pairs, p);
}

/* one group of a DescribeSecurityGroups page: its pair, and its CI (in s->ca) emitted */
static int group_item(struct pl_aws_sweep *s, struct pl_json *g, void *u)
{
    struct listing *l = u;
    note_pair(s, l, g, "groupId");
    if (!l->out)
        return 0;
    struct pl_arena *a = s->ca;
    struct pl_json *x = renamed(a, g, false);
    pl_aws_typed(x, numeric_keys);
    const char *id = pl_json_get_str(x, "groupId");
    if (!id)
        return 0;
    static const char *const keys[] = {"ownerId", "groupName", "groupId", NULL};
    struct pl_json *cfg = pl_aws_shaped(a, x, keys);
    pl_json_set(a, cfg, "description", pl_json_clone(a, pl_json_get(x, "groupDescription")));
    pl_json_set(a, cfg, "ipPermissions", permissions(a, pl_json_get(x, "ipPermissions")));
    pl_json_set(a, cfg, "ipPermissionsEgress",
                permissions(a, pl_json_get(x, "ipPermissionsEgress")));
    pl_json_set(a, cfg, "vpcId", pl_json_clone(a, pl_json_get(x, "vpcId")));
    pl_json_set(a, cfg, "tags", pl_aws_list(a, pl_json_get(x, "tags")));
    struct pl_json *ci =
        new_ci(s, "AWS::EC2::SecurityGroup", id, "security-group", "Not Applicable", cfg);
    pl_json_set_str(a, ci, "resourceName", pl_json_get_str(x, "groupName"));
    struct pl_json *rels = pl_json_new_arr(a);
    pl_aws_rel(a, rels, "Is contained in Vpc", "AWS::EC2::VPC", pl_json_get_str(x, "vpcId"));
    pl_json_set(a, ci, "relationships", rels);
    pl_aws_emit(s, l->out, ci);
    return 0;
}

static int reservation_item(struct pl_aws_sweep *s, struct pl_json *r, void *u);

/* one listing streamed page by page: the pairs into *pairs_out when it completed (out: the
 * type's CIs, or NULL for the pairs only); -1 with out's error */
static int stream(struct pl_aws_sweep *s, const char *action, const char *key, item_fn fn,
                  struct pl_aws_found *out, struct pl_aws_found *err_out,
                  struct pl_json **pairs_out)
{
    struct listing l = {.out = out, .pairs = pl_json_new_arr(s->a)};
    struct pl_err err = {0};
    if (describe_pages(s, action, key, fn, &l, &err) < 0) {
        err_out->complete = false;
        snprintf(err_out->error, sizeof err_out->error, "%s", err.msg);
        return -1;
    }
    *pairs_out = l.pairs;
    return 0;
}

/* DescribeSecurityGroups page by page (the VPCs' pairs kept on the way) */
int pl_aws_ec2_security_groups(struct pl_aws_sweep *s, struct pl_aws_found *out)
{
    out->cis = pl_json_new_arr(s->ca);
    out->complete = true;
    return stream(s, "DescribeSecurityGroups", "securityGroupInfo", group_item, out, out,
                  &s->ec2_group_pairs);
}

/* the VPCs' relationships name the (vpcId, id) pairs of type t */
static void contains(struct pl_arena *a, struct pl_json *rels, const struct pl_json *pairs,
                     const char *vpc, const char *name, const char *type)
{
    for (const struct pl_json *p = pairs->child; p; p = p->next)
        if (strcmp(pl_json_get_str(p, "vpcId"), vpc) == 0)
            pl_aws_rel(a, rels, name, type, pl_json_get_str(p, "id"));
}

/* DescribeVpcs; the groups' and instances' pairs from their types' listings when they ran, else
 * listed here (pairs only) */
int pl_aws_ec2_vpcs(struct pl_aws_sweep *s, struct pl_aws_found *out)
{
    out->cis = pl_json_new_arr(s->ca);
    out->complete = true;
    if ((!s->ec2_group_pairs && stream(s, "DescribeSecurityGroups", "securityGroupInfo", group_item,
                                       NULL, out, &s->ec2_group_pairs) < 0) ||
        (!s->ec2_instance_pairs && stream(s, "DescribeInstances", "reservationSet",
                                          reservation_item, NULL, out, &s->ec2_instance_pairs) < 0))
        return -1;
    struct pl_err err = {0};
    struct pl_json *vpcs = describe_all(s, "DescribeVpcs", "vpcSet", &err);
    if (!vpcs) {
        out->complete = false;
        snprintf(out->error, sizeof out->error, "%s", err.msg);
        return -1;
    }
    struct pl_arena *a = s->ca;
    static const char *const keys[] = {"vpcId", "state",           "cidrBlock", "dhcpOptionsId",
                                       "tags",  "instanceTenancy", "isDefault", NULL};
    for (struct pl_json *v = vpcs->child; v; v = v->next) {
        struct pl_json *x = renamed(a, v, false);
        pl_aws_typed(x, numeric_keys);
        const char *id = pl_json_get_str(x, "vpcId");
        if (!id)
            continue;
        if (!pl_json_get(x, "tags"))
            pl_json_set(a, x, "tags", pl_json_new_arr(a));
        struct pl_json *cfg = pl_aws_shaped(a, x, keys);
        struct pl_json *ci =
            new_ci(s, "AWS::EC2::VPC", id, "vpc", "Multiple Availability Zones", cfg);
        struct pl_json *rels = pl_json_new_arr(a);
        contains(a, rels, s->ec2_instance_pairs, id, "Contains Instance", "AWS::EC2::Instance");
        contains(a, rels, s->ec2_group_pairs, id, "Contains SecurityGroup",
                 "AWS::EC2::SecurityGroup");
        pl_json_set(a, ci, "relationships", rels);
        pl_aws_emit(s, out, ci);
    }
    return 0;
}

/* one reservation of a DescribeInstances page: its instances' pairs, and their CIs (in s->ca)
 * emitted */
static int reservation_item(struct pl_aws_sweep *s, struct pl_json *r, void *u)
{
    struct listing *l = u;
    struct pl_arena *a = s->ca;
    static const char *const keys[] = {"instanceId",
                                       "imageId",
                                       "state",
                                       "metadataOptions",
                                       "privateDnsName",
                                       "publicDnsName",
                                       "stateTransitionReason",
                                       "keyName",
                                       "amiLaunchIndex",
                                       "productCodes",
                                       "instanceType",
                                       "launchTime",
                                       "placement",
                                       "monitoring",
                                       "subnetId",
                                       "vpcId",
                                       "privateIpAddress",
                                       "publicIpAddress",
                                       "architecture",
                                       "rootDeviceType",
                                       "rootDeviceName",
                                       "blockDeviceMappings",
                                       "virtualizationType",
                                       "clientToken",
                                       "tags",
                                       "securityGroups",
                                       "sourceDestCheck",
                                       "hypervisor",
                                       "networkInterfaces",
                                       "ebsOptimized",
                                       "enaSupport",
                                       NULL};
    {
        struct pl_json *set = pl_json_get(r, "instancesSet");
        for (struct pl_json *raw = set ? set->child : NULL; raw; raw = raw->next) {
            note_pair(s, l, raw, "instanceId");
            if (!l->out)
                continue;
            struct pl_json *x = renamed(a, raw, true);
            pl_aws_typed(x, numeric_keys);
            const char *id = pl_json_get_str(x, "instanceId");
            if (!id)
                continue;
            static const char *const lists[] = {"tags",
                                                "securityGroups",
                                                "productCodes",
                                                "blockDeviceMappings",
                                                "networkInterfaces",
                                                NULL};
            for (size_t i = 0; lists[i]; i++)
                if (!pl_json_get(x, lists[i]) || pl_json_get(x, lists[i])->type == PL_JSTR)
                    pl_json_set(a, x, lists[i], pl_aws_list(a, NULL));
            struct pl_json *cfg = pl_aws_shaped(a, x, keys);
            const char *az = pl_json_get_str(pl_json_get(x, "placement"), "availabilityZone");
            struct pl_json *ci =
                new_ci(s, "AWS::EC2::Instance", id, "instance", az ? az : "Not Applicable", cfg);
            const char *launch = pl_json_get_str(x, "launchTime");
            if (launch)
                pl_json_set_str(a, ci, "resourceCreationTime", launch);
            struct pl_json *rels = pl_json_new_arr(a);
            for (struct pl_json *n = pl_json_get(cfg, "networkInterfaces")->child; n; n = n->next)
                pl_aws_rel(a, rels, "Contains NetworkInterface", "AWS::EC2::NetworkInterface",
                           pl_json_get_str(n, "networkInterfaceId"));
            for (struct pl_json *g = pl_json_get(cfg, "securityGroups")->child; g; g = g->next)
                pl_aws_rel(a, rels, "Is associated with SecurityGroup", "AWS::EC2::SecurityGroup",
                           pl_json_get_str(g, "groupId"));
            pl_aws_rel(a, rels, "Is contained in Subnet", "AWS::EC2::Subnet",
                       pl_json_get_str(x, "subnetId"));
            for (struct pl_json *b = pl_json_get(cfg, "blockDeviceMappings")->child; b; b = b->next)
                pl_aws_rel(a, rels, "Is attached to Volume", "AWS::EC2::Volume",
                           pl_json_get_str(pl_json_get(b, "ebs"), "volumeId"));
            pl_aws_rel(a, rels, "Is contained in Vpc", "AWS::EC2::VPC",
                       pl_json_get_str(x, "vpcId"));
            pl_json_set(a, ci, "relationships", rels);
            pl_aws_emit(s, l->out, ci);
        }
    }
    return 0;
}

/* DescribeInstances page by page (the VPCs' pairs kept on the way) */
int pl_aws_ec2_instances(struct pl_aws_sweep *s, struct pl_aws_found *out)
{
    out->cis = pl_json_new_arr(s->ca);
    out->complete = true;
    return stream(s, "DescribeInstances", "reservationSet", reservation_item, out, out,
                  &s->ec2_instance_pairs);
}

/* a volume's status as AWS Config names it: state (the volume's and each attachment's) */
static void volume_state(struct pl_arena *a, struct pl_json *x)
{
    pl_json_set(a, x, "state", pl_json_clone(a, pl_json_get(x, "status")));
    struct pl_json *att = pl_aws_list(a, pl_json_get(x, "attachment"));
    for (struct pl_json *t = att->child; t; t = t->next)
        pl_json_set(a, t, "state", pl_json_clone(a, pl_json_get(t, "status"))),
            pl_json_del(t, "status");
    pl_json_set(a, x, "attachments", att);
    if (!pl_json_get(x, "tags") || pl_json_get(x, "tags")->type == PL_JSTR)
        pl_json_set(a, x, "tags", pl_json_new_arr(a));
}

/* one volume's CI (in s->ca), emitted */
static int volume_ci(struct pl_aws_sweep *s, struct pl_json *v, void *u)
{
    struct pl_aws_found *out = u;
    struct pl_arena *a = s->ca;
    /* the example CI's keys, then the resource schema's */
    static const char *const keys[] = {
        "volumeId",   "size",        "snapshotId",   "availabilityZone",   "state",
        "createTime", "attachments", "tags",         "volumeType",         "iops",
        "encrypted",  "kmsKeyId",    "fastRestored", "multiAttachEnabled", "outpostArn",
        "throughput", NULL};
    struct pl_json *x = renamed(a, v, false);
    pl_aws_typed(x, numeric_keys);
    const char *id = pl_json_get_str(x, "volumeId");
    if (!id)
        return 0;
    volume_state(a, x);
    struct pl_json *cfg = pl_aws_shaped(a, x, keys);
    const char *az = pl_json_get_str(x, "availabilityZone");
    struct pl_json *ci =
        new_ci(s, "AWS::EC2::Volume", id, "volume", az ? az : "Not Applicable", cfg);
    const char *created = pl_json_get_str(x, "createTime");
    if (created)
        pl_json_set_str(a, ci, "resourceCreationTime", created);
    struct pl_json *rels = pl_json_new_arr(a);
    for (struct pl_json *t = pl_json_get(cfg, "attachments")->child; t; t = t->next)
        pl_aws_rel(a, rels, "Is attached to Instance", "AWS::EC2::Instance",
                   pl_json_get_str(t, "instanceId"));
    pl_json_set(a, ci, "relationships", rels);
    pl_aws_emit(s, out, ci);
    return 0;
}

/* DescribeVolumes page by page: memory stays that of a page and a batch of CIs */
int pl_aws_ec2_volumes(struct pl_aws_sweep *s, struct pl_aws_found *out)
{
    out->cis = pl_json_new_arr(s->ca);
    out->complete = true;
    struct pl_err err = {0};
    if (describe_pages(s, "DescribeVolumes", "volumeSet", volume_ci, out, &err) < 0) {
        out->complete = false;
        snprintf(out->error, sizeof out->error, "%s", err.msg);
        return -1;
    }
    return 0;
}
