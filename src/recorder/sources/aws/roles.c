/* roles.c — discovery across accounts (issue 18): STS AssumeRole into each target account — a
 * list of role ARNs, or a role name in each member account of plumb's organization
 * (arn:aws:iam::ACCOUNT:role/NAME; the management account is swept with the caller's own
 * credentials) — then one sweep (sweep.c) per account with its temporary credentials, recorded
 * into that account's partitions. The organization is read at each call (membership is live).
 * Calls creds.c, sweep.c and org/org.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "org/org.h"
#include "recorder/sources/aws/aws.h"

struct target {
    const char *role_arn; /* NULL: the caller's own credentials */
    const char *account;  /* NULL: the caller's (STS GetCallerIdentity) */
};

static void add_stats(struct pl_discover_stats *sum, const struct pl_discover_stats *s)
{
    sum->found += s->found;
    sum->recorded += s->recorded;
    sum->unchanged += s->unchanged;
    sum->deleted += s->deleted;
    sum->not_recorded += s->not_recorded;
    sum->failed_types += s->failed_types;
    sum->invalid += s->invalid;
    sum->calls += s->calls;
    sum->retries += s->retries;
    sum->throttled += s->throttled;
    sum->seconds += s->seconds;
    if (s->account[0])
        snprintf(sum->account, sizeof sum->account, "%s", s->account);
}

/* the targets of r in a: the role ARNs, then the organization's accounts */
static struct target *targets(struct pl_store *st, const struct pl_discover_roles *r,
                              struct pl_arena *a, size_t *n, struct pl_err *err)
{
    size_t nr = 0, no = 0;
    while (r->role_arns && r->role_arns[nr])
        nr++;
    const char **accts = NULL;
    const char *mgmt = NULL;
    if (r->org_role && *r->org_role) {
        struct pl_json *org = NULL;
        int has = st ? pl_org_load(st, a, &org, err) : 0;
        if (has < 0)
            return NULL;
        if (has == 0) {
            pl_fail(err, PL_E_VALIDATION,
                    "--org-role: the data directory has no organization (plumb org)");
            return NULL;
        }
        accts = pl_org_accounts(org, a, &no);
        mgmt = pl_org_management(org);
    }
    struct target *t = pl_arena_alloc(a, (nr + no + 1) * sizeof *t);
    *n = 0;
    for (size_t i = 0; i < nr; i++) {
        const char *acct = NULL;
        size_t len = pl_arn_account(r->role_arns[i], &acct);
        if (len != 12) {
            pl_fail(err, PL_E_VALIDATION, "role ARN '%s' has no 12-digit account", r->role_arns[i]);
            return NULL;
        }
        t[(*n)++] = (struct target){r->role_arns[i], pl_arena_strndup(a, acct, len)};
    }
    for (size_t i = 0; i < no; i++) {
        bool own = mgmt && strcmp(accts[i], mgmt) == 0;
        t[(*n)++] = (struct target){
            own ? NULL : pl_arena_printf(a, "arn:aws:iam::%s:role/%s", accts[i], r->org_role),
            accts[i]};
    }
    return t;
}

/* one target's sweep; 0, or -1 with err (the AssumeRole or the sweep failed) */
static int sweep_target(struct pl_store *st, struct pl_aws_ctx *base, const struct target *t,
                        const struct pl_discover_roles *r, const struct pl_discover_opts *o,
                        struct pl_discover_stats *sum, struct pl_err *err)
{
    struct pl_aws_creds creds = base->creds;
    if (t->role_arn && pl_aws_assume_role(base, t->role_arn, r->external_id, &creds, err) < 0)
        return -1;
    struct pl_aws_ctx *c = pl_xcalloc(1, sizeof *c);
    pl_aws_ctx_init(c, &creds, base->region);
    c->profile = base->profile;
    c->rate = base->rate;
    c->backoff_ms = base->backoff_ms;
    c->backoff_max_ms = base->backoff_max_ms;
    c->timeout_ms = base->timeout_ms;
    c->page_size = base->page_size;
    struct pl_discover_opts to = *o;
    to.account = t->account ? t->account : o->account;
    struct pl_discover_stats s;
    int rc = pl_discover_sweep(st, c, &to, &s, err);
    add_stats(sum, &s);
    memset(c, 0, sizeof *c);
    memset(&creds, 0, sizeof creds);
    free(c);
    return rc;
}

bool pl_discover_roles_any(const struct pl_discover_roles *r)
{
    return r && ((r->role_arns && r->role_arns[0]) || (r->org_role && *r->org_role));
}

int pl_discover_accounts(struct pl_store *st, struct pl_aws_ctx *base,
                         const struct pl_discover_roles *r, const struct pl_discover_opts *o,
                         struct pl_discover_stats *stats, struct pl_err *err)
{
    memset(stats, 0, sizeof *stats);
    struct pl_arena a;
    pl_arena_init(&a);
    size_t n = 0;
    struct target *t = targets(st, r, &a, &n, err);
    int rc = t ? 0 : -1;
    int64_t base_calls = base->calls, base_retries = base->retries;
    for (size_t i = 0; t && i < n; i++) {
        struct pl_err e = {0};
        if (sweep_target(st, base, &t[i], r, o, stats, &e) == 0)
            continue;
        PL_LOG(WARN, "discover", "account=%s role=%s err=\"%s\"", t[i].account ? t[i].account : "",
               t[i].role_arn ? t[i].role_arn : "(own)", e.msg);
        if (rc == 0)
            pl_fail(err, e.code, "account %s: %s", t[i].account ? t[i].account : "(own)", e.msg);
        rc = -1;
        stats->failed_types++;
    }
    stats->calls += base->calls - base_calls; /* the AssumeRole calls */
    stats->retries += base->retries - base_retries;
    pl_arena_fini(&a);
    return rc;
}
