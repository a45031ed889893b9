/* sweep.c — one discovery sweep: the account (STS GetCallerIdentity unless given), then each
 * type's collector (s3.c, ec2.c, iam.c, account.c), its CIs recorded through the recorder's batch
 * (pl_rec_batch_*: unchanged resources make no CI), and — only when every call of the type
 * succeeded — a ResourceDeleted CI for each current resource of that type and partition the
 * sweep did not see. Calls s3.c, ec2.c, iam.c, call.c; the store only through recorder.h/store.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/sources/aws/aws.h"

const char *const pl_aws_types[] = {"AWS::S3::Bucket",      "AWS::EC2::SecurityGroup",
                                    "AWS::EC2::Instance",   "AWS::EC2::VPC",
                                    "AWS::IAM::Role",       "AWS::IAM::User",
                                    "AWS::::Account",       "AWS::EC2::Volume",
                                    "AWS::RDS::DBInstance", NULL};

#define BATCH 500 /* CIs per transaction */

typedef int (*collect_fn)(struct pl_aws_sweep *, struct pl_aws_found *);

static collect_fn collector(const char *type)
{
    if (strcmp(type, "AWS::S3::Bucket") == 0)
        return pl_aws_s3_buckets;
    if (strcmp(type, "AWS::EC2::SecurityGroup") == 0)
        return pl_aws_ec2_security_groups;
    if (strcmp(type, "AWS::EC2::VPC") == 0)
        return pl_aws_ec2_vpcs;
    if (strcmp(type, "AWS::EC2::Instance") == 0)
        return pl_aws_ec2_instances;
    if (strcmp(type, "AWS::IAM::Role") == 0)
        return pl_aws_iam_roles;
    if (strcmp(type, "AWS::IAM::User") == 0)
        return pl_aws_iam_users;
    if (strcmp(type, "AWS::::Account") == 0)
        return pl_aws_account;
    if (strcmp(type, "AWS::EC2::Volume") == 0)
        return pl_aws_ec2_volumes;
    if (strcmp(type, "AWS::RDS::DBInstance") == 0)
        return pl_aws_rds_instances;
    return NULL;
}

const char *pl_aws_caller_account(struct pl_aws_ctx *c, struct pl_arena *a, struct pl_err *err)
{
    struct pl_json *x = pl_aws_query(c, a, "sts", "GetCallerIdentity", "2011-06-15", "", err);
    const char *acct = pl_json_get_str(pl_json_get(x, "GetCallerIdentityResult"), "Account");
    if (x && (!acct || strlen(acct) != 12 || strspn(acct, "0123456789") != 12)) {
        pl_fail(err, PL_E_UNAVAILABLE, "sts GetCallerIdentity: no 12-digit Account in the answer");
        return NULL;
    }
    return acct;
}

bool pl_aws_skip(const struct pl_aws_sweep *s, const char *id, const char *name)
{
    const char *r = s->only_ref;
    return r && !(id && strcmp(id, r) == 0) && !(name && strcmp(name, r) == 0);
}

/* keeps in f->cis only the CIs a re-describe is about */
static void keep_only(struct pl_aws_sweep *s, struct pl_aws_found *f)
{
    if (!s->only_ref)
        return;
    struct pl_json *kept = pl_json_new_arr(s->a);
    for (struct pl_json *ci = f->cis->child, *next; ci; ci = next) {
        next = ci->next;
        if (!pl_aws_skip(s, pl_json_get_str(ci, "resourceId"), pl_json_get_str(ci, "resourceName")))
            pl_json_push(kept, pl_json_clone(s->a, ci));
    }
    f->cis = kept;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* One type's recording: the ids seen so far (in s->a; the chunks pl_aws_emit recorded, then the
 * rest), and the first store error of a chunk. */
struct typerec {
    struct pl_store *st;
    const struct pl_discover_opts *o;
    const char *type;
    struct pl_discover_stats *stats;
    const char **seen; /* malloc'd */
    size_t nseen, cap;
    int rc;
    struct pl_err err;
};

/* counts and reports the CIs of list as found, and notes their ids */
static void note_found(struct pl_aws_sweep *s, struct typerec *t, const struct pl_json *list)
{
    const struct pl_discover_opts *o = t->o;
    for (const struct pl_json *ci = list->child; ci; ci = ci->next) {
        const char *id = pl_json_get_str(ci, "resourceId");
        if (t->nseen == t->cap) {
            t->cap = t->cap ? 2 * t->cap : 256;
            t->seen = pl_xrealloc(t->seen, t->cap * sizeof *t->seen);
        }
        t->seen[t->nseen++] = pl_arena_strdup(s->a, id ? id : "");
        t->stats->found++;
        if (o->on_json)
            o->on_json(o->u, ci);
        if ((o->dry_run || !t->st) && o->on_ci)
            o->on_ci(o->u, t->type, id, "found");
    }
}

/* records the CIs of list (deletions when deleted) in batches; -1 with err on a store error */
static int record_list(struct pl_aws_sweep *s, struct typerec *t, const struct pl_json *list,
                       bool deleted, struct pl_err *err)
{
    const struct pl_discover_opts *o = t->o;
    struct pl_discover_stats *stats = t->stats;
    struct pl_rec_opts ro = {.mode = o->mode, .account = s->account, .region = s->ctx->region};
    const struct pl_json *ci = list->child;
    while (ci) {
        struct pl_rec_batch *b = pl_rec_batch_begin(t->st, &ro, err);
        if (!b)
            return -1;
        for (int i = 0; ci && i < BATCH; i++, ci = ci->next) {
            struct pl_rec_result res;
            struct pl_err e = {0};
            const char *id = pl_json_get_str(ci, "resourceId");
            if (pl_rec_batch_add(b, ci, &res, &e) < 0) {
                if (e.code == PL_E_INTERNAL || e.code == PL_E_IO) {
                    pl_rec_batch_abort(b);
                    return pl_fail(err, e.code, "%s", e.msg);
                }
                stats->invalid++;
                PL_LOG(WARN, "discover", "refused type=%s id=%s err=\"%s\"", t->type, id, e.msg);
                if (o->on_ci)
                    o->on_ci(o->u, t->type, id, e.msg);
                continue;
            }
            const char *what = "unchanged";
            if (res.outcome == PL_REC_RECORDED && deleted)
                stats->deleted++, what = "deleted";
            else if (res.outcome == PL_REC_RECORDED)
                stats->recorded++, what = "recorded";
            else if (res.outcome == PL_REC_UNCHANGED)
                stats->unchanged++;
            else
                stats->not_recorded++, what = res.reason ? res.reason : "not recorded";
            if (o->on_ci)
                o->on_ci(o->u, t->type, id, what);
        }
        if (pl_rec_batch_commit(b, err) < 0)
            return -1;
    }
    return 0;
}

void pl_aws_emit(struct pl_aws_sweep *s, struct pl_aws_found *out, struct pl_json *ci)
{
    pl_json_push(out->cis, ci);
    struct typerec *t = s->chunk;
    if (!t || out->cis->len < BATCH)
        return;
    note_found(s, t, out->cis);
    if (t->rc == 0 && t->st && !t->o->dry_run)
        t->rc = record_list(s, t, out->cis, false, &t->err);
    pl_arena_reset(s->ca);
    out->cis = pl_json_new_arr(s->ca);
}

/* the current resources of the type in the partition the sweep did not see (only_ref: that
 * one, by id then by name), as ResourceDeleted CIs in s->a; NULL with err */
static struct pl_json *gone_list(struct pl_aws_sweep *s, struct typerec *t, struct pl_err *err)
{
    struct pl_arena *a = s->a;
    struct pl_json *gone = pl_json_new_arr(a);
    for (int pass = 0; pass < (s->only_ref ? 2 : 1); pass++) {
        const char *cursor = NULL;
        do {
            struct pl_list_q q = {.account = s->account,
                                  .region = s->ctx->region,
                                  .resource_type = t->type,
                                  .limit = 100,
                                  .cursor = cursor};
            if (s->only_ref && pass == 0)
                q.ids = &s->only_ref, q.nids = 1;
            else if (s->only_ref)
                q.name = s->only_ref;
            struct pl_resource *items;
            size_t ni;
            char *next = NULL;
            if (pl_store_resources_list(t->st, &q, a, &items, &ni, &next, err) < 0)
                return NULL;
            for (size_t i = 0; i < ni; i++) {
                const char *id = items[i].resource_id;
                if (items[i].deleted ||
                    (t->nseen && bsearch(&id, t->seen, t->nseen, sizeof *t->seen, cmp_str)) ||
                    (pass == 1 && pl_json_get_str(gone->child, "resourceId") &&
                     strcmp(pl_json_get_str(gone->child, "resourceId"), id) == 0))
                    continue; /* seen, or found by id already (a re-describe's 2 passes) */
                struct pl_json *d = pl_json_new_obj(a);
                pl_json_set_str(a, d, "resourceType", t->type);
                pl_json_set_str(a, d, "resourceId", id);
                if (items[i].resource_name)
                    pl_json_set_str(a, d, "resourceName", items[i].resource_name);
                pl_json_set_str(a, d, "awsAccountId", s->account);
                pl_json_set_str(a, d, "awsRegion", s->ctx->region);
                pl_json_set_str(a, d, "configurationItemStatus", "ResourceDeleted");
                pl_json_push(gone, d);
            }
            cursor = next;
        } while (cursor);
    }
    return gone;
}

/* Records the CIs left in f (or lists them for a dry run), then the deletions when the type is
 * complete. */
static int record(struct pl_aws_sweep *s, struct typerec *t, struct pl_aws_found *f,
                  struct pl_err *err)
{
    if (t->rc < 0)
        return pl_fail(err, t->err.code, "%s", t->err.msg);
    keep_only(s, f);
    note_found(s, t, f->cis);
    if (t->nseen) /* qsort must not be given NULL, even for nothing */
        qsort(t->seen, t->nseen, sizeof *t->seen, cmp_str);
    /* the resources gone since the last sweep, read before the batch opens */
    struct pl_json *gone = f->complete && t->st ? gone_list(s, t, err) : pl_json_new_arr(s->a);
    if (!gone)
        return -1;
    if (t->o->dry_run || !t->st) {
        for (struct pl_json *d = gone->child; d && t->o->on_ci; d = d->next)
            t->o->on_ci(t->o->u, t->type, pl_json_get_str(d, "resourceId"), "deleted");
        t->stats->deleted += (int64_t)gone->len;
        return 0;
    }
    if (record_list(s, t, f->cis, false, err) < 0)
        return -1;
    return record_list(s, t, gone, true, err);
}

int pl_discover_sweep(struct pl_store *st, struct pl_aws_ctx *c, const struct pl_discover_opts *o,
                      struct pl_discover_stats *stats, struct pl_err *err)
{
    memset(stats, 0, sizeof *stats);
    int64_t t0 = pl_mono_ns();
    struct pl_arena a;
    pl_arena_init(&a);
    int rc = -1;
    const char *const *types = o->types ? o->types : pl_aws_types;
    for (size_t i = 0; types[i]; i++)
        if (!collector(types[i])) {
            pl_fail(err, PL_E_VALIDATION, "discovery does not know type '%s'", types[i]);
            goto out;
        }
    const char *account = o->account ? o->account : pl_aws_caller_account(c, &a, err);
    if (!account)
        goto out;
    snprintf(stats->account, sizeof stats->account, "%s", account);
    struct pl_arena ca; /* each type's CIs, recorded and freed BATCH at a time */
    pl_arena_init(&ca);
    struct pl_aws_sweep s = {
        .ctx = c, .a = &a, .ca = &ca, .account = account, .only_ref = o->only_ref};
    char first[400] = "";
    for (size_t i = 0; types[i]; i++) {
        struct pl_aws_found f = {0};
        struct typerec t = {.st = st, .o = o, .type = types[i], .stats = stats};
        s.chunk = o->only_ref ? NULL : &t; /* a re-describe keeps its CIs to filter them */
        collector(types[i])(&s, &f);
        if (!f.complete) {
            stats->failed_types++;
            if (!first[0])
                snprintf(first, sizeof first, "%s: %s", types[i], f.error);
        }
        s.chunk = NULL;
        int r = record(&s, &t, &f, err);
        free(t.seen);
        pl_arena_reset(&ca);
        if (r < 0) {
            pl_arena_fini(&ca);
            goto out;
        }
    }
    pl_arena_fini(&ca);
    if (!first[0] && stats->invalid)
        snprintf(first, sizeof first, "%lld CIs refused by the recorder (see the log)",
                 (long long)stats->invalid);
    if (first[0]) {
        pl_fail(err, PL_E_UNAVAILABLE,
                "%s (unseen resources of the failed types are not marked "
                "deleted)",
                first);
        goto out;
    }
    rc = 0;
out:
    stats->calls = c->calls;
    stats->retries = c->retries;
    stats->throttled = c->throttled;
    stats->seconds = (double)(pl_mono_ns() - t0) / 1e9;
    pl_arena_fini(&a);
    return rc;
}
