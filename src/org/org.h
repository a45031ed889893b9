/* org.h — plumb's organization: a management account, member accounts and delegated
 * administrators, as AWS Organizations keeps them for AWS Config.
 *
 * One organization per plumb installation (docs/DECISIONS.md). It is one configuration object
 * of kind PL_KIND_ORGANIZATION named "organization" in the store's organization partition
 * (PL_ORG_ACCOUNT, PL_ORG_REGION), in the PlumbService.DescribeOrganization shape:
 *   {"Organization": {"Id", "Arn", "ManagementAccountId", "MasterAccountId", "FeatureSet"},
 *    "Accounts": [{"Id", "Arn", "JoinedMethod", "JoinedTimestamp"}],   (management included)
 *    "DelegatedAdministrators": [{"Id", "ServicePrincipal", "DelegationEnabledDate"}]}
 * The organization's rules and packs (api/ops_org_rules.c) are objects of the organization
 * partition's account PL_ORG_ACCOUNT in the region they were put in. The partition's account is
 * not 12 digits, so no caller's partition is ever it.
 *
 * Readers (the aggregator's organization sources, the organization rules) load the object at
 * each call: membership is live. Memory: everything returned lives in the caller's arena.
 */
#ifndef PL_ORG_ORG_H
#define PL_ORG_ORG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

struct pl_store;

#define PL_ORG_ACCOUNT       "organization" /* the organization partition's account */
#define PL_ORG_REGION        "global"       /* ... and region of the organization object */
#define PL_KIND_ORGANIZATION "Organization"
#define PL_ORG_NAME          "organization"
#define PL_ORG_SERVICE       "config-multiaccountsetup.amazonaws.com"
#define PL_ORG_MAX_DELEGATED 3     /* AWS: "An organization can have up to 3 delegated admins" */
#define PL_ORG_MAX_ACCOUNTS  10000 /* the accounts of an organization aggregator (AWS's bound) */

/* The organization: 1 and *org (arena a), 0 when there is none, -1 error. */
int pl_org_load(struct pl_store *st, struct pl_arena *a, struct pl_json **org, struct pl_err *err);
/* Stores org (replacing the previous one); NULL deletes it. */
int pl_org_save(struct pl_store *st, const struct pl_json *org, struct pl_err *err);

/* The management account of org (NULL for NULL). */
const char *pl_org_management(const struct pl_json *org);
/* Is account in org (a member or the management account)? false for a NULL org. */
bool pl_org_is_account(const struct pl_json *org, const char *account);
/* Is account a delegated administrator of org? */
bool pl_org_is_delegated(const struct pl_json *org, const char *account);
/* May account manage the organization's rules, packs and aggregators (the management account
 * or a delegated administrator)? */
bool pl_org_manages(const struct pl_json *org, const char *account);
/* The accounts of org (management included), sorted, as an arena array of *n. */
const char **pl_org_accounts(const struct pl_json *org, struct pl_arena *a, size_t *n);

#endif
