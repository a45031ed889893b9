/* ops_rules.h — the rules and compliance operation tables (ops_rules.c, ops_compliance.c) and
 * what the two files share: the rules-engine call context of a request and opaque NextTokens.
 *
 * api.c lists pl_ops_rules and pl_ops_compliance in its table of tables; plumb_api must link
 * plumb_rules (src/rules/CMakeLists.txt). */
#ifndef PL_API_OPS_RULES_H
#define PL_API_OPS_RULES_H

#include "api/api_int.h"
#include "rules/rules.h"

extern const struct pl_op_entry pl_ops_rules[];
extern const struct pl_op_entry pl_ops_compliance[];

/* The rules-engine context of the request (engine may be NULL when serve runs none). */
struct pl_rules_call pl_ops__rules_call(struct pl_op_ctx *c);

/* Opaque NextTokens: an operation tag and up to 3 key strings, hex-encoded. _make returns
 * arena text; _parse fills parts (arena strings) or fails with InvalidNextTokenException. */
const char *pl_ops__token_make(struct pl_op_ctx *c, char tag, const char *const *parts, int n);
int pl_ops__token_parse(struct pl_op_ctx *c, char tag, const char *token, const char **parts,
                        int n);

/* Compliance rendering (ops_compliance.c), shared with the aggregate reads (ops_aggregator.c):
 * {CappedCount, CapExceeded} of n (capped at 100); {ComplianceType, ComplianceContributorCount?}
 * from non-compliant / compliant counts; a ComplianceSummary of compliant / non-compliant
 * counts stamped now; one EvaluationResult in the API shape. All in c->a. */
struct pl_ev_row;
struct pl_json *pl_ops__count_json(struct pl_op_ctx *c, int64_t n);
struct pl_json *pl_ops__compliance_json(struct pl_op_ctx *c, int64_t nc, int64_t ok);
struct pl_json *pl_ops__summary_json(struct pl_op_ctx *c, int64_t ok, int64_t nc);
struct pl_json *pl_ops__result_json(struct pl_op_ctx *c, const struct pl_ev_row *r);

#endif
