/* ops_org.h — what the organization files share (ops_org.c: the organization itself;
 * ops_org_rules.c: organization rules and packs) and the conformance pack calls they use
 * (ops_packs.c). api.c lists the two tables. */
#ifndef PL_API_OPS_ORG_H
#define PL_API_OPS_ORG_H

#include "api/api_int.h"

extern const struct pl_op_entry pl_ops_org[];       /* PlumbService.* (ops_org.c) */
extern const struct pl_op_entry pl_ops_org_rules[]; /* Put/Describe/…Organization* */

/* The organization (org/org.h), or NoAvailableOrganizationException when there is none. */
int pl_ops__org_need(struct pl_op_ctx *c, struct pl_json **org);

/* Lets every organization rule and pack (all regions) follow the organization's membership as
 * stored now: deployed into the accounts that lack them, removed from those no longer in the
 * organization (or excluded). Member failures are recorded in the statuses, not returned.
 * Without an organization, they leave every account and are deleted. */
int pl_ops__org_sync(struct pl_op_ctx *c);

/* For tests (NULL otherwise): called before each member's deployment or removal, while the
 * organization rule or pack is stored as *_IN_PROGRESS (tests/unit/api/test_org_ops.c reads
 * the statuses there instead of racing a clock). */
extern void (*pl_ops__org_deploy_hook)(struct pl_op_ctx *c, const char *account,
                                       const char *region);

/* ---- conformance packs, for the organization packs (ops_packs.c) ---- */

/* The template text of the request in c (TemplateBody or TemplateS3Uri as PutConformancePack
 * reads it, as c's account), arena. */
int pl_ops__pack_template(struct pl_op_ctx *c, const char **body);
/* PutConformancePack of c->in in c's partition, acting for service (NULL: the caller): a pack
 * whose CreatedBy is another service is refused with ResourceInUseException. */
int pl_ops__pack_put(struct pl_op_ctx *c, const char *service);
/* DeleteConformancePack of name in c's partition, acting for service (as above). */
int pl_ops__pack_delete(struct pl_op_ctx *c, const char *name, const char *service);

/* ---- the pack worker's side (pack_worker.c) ---- */

/* Runs the "packs.deploy" item of payload w (its id item) in c's partition: the put or delete
 * it asks for, with the item's completion in the same transaction (an item whose pack no longer
 * waits is just completed). -1 with c->err on a failure worth another attempt. */
int pl_ops__pack_work(struct pl_op_ctx *c, const struct pl_json *w, int64_t item);
/* After the item's last attempt failed: its pack CREATE_FAILED or DELETE_FAILED with why, and
 * the item completed. */
int pl_ops__pack_work_failed(struct pl_op_ctx *c, const struct pl_json *w, int64_t item,
                             const char *why);

#endif
