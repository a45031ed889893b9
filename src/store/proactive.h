/* proactive.h — the store's proactive evaluation tables (StartResourceEvaluation): one row per
 * resource evaluation and one per (evaluation, rule, resource) result.
 *
 * Part of the store interface (store.h): same connection, transactions and migrations (8).
 * Nothing here is a CI or a detective result: proactive evaluations never touch config_items,
 * resources or rule_evals.
 *
 * Tables:
 *   resource_evaluations         (account, region, id): client token and the digest of the
 *                                request it came with, mode, context identifier, start time,
 *                                timeout, the ResourceDetails JSON, a failure reason.
 *   resource_evaluation_results  (account, region, eval id, rule, resource type, resource id):
 *                                compliance (-1 while a Lambda-style rule has not answered),
 *                                annotation, times, the result token the function answers with.
 *
 * Retention: pl_store_pe_prune drops evaluations (and their results) started before a time; the
 * rules layer calls it with PL_RULES_PE_KEEP_MS (rules.h).
 * Memory: strings returned live in the caller's arena.
 */
#ifndef PL_STORE_PROACTIVE_H
#define PL_STORE_PROACTIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

struct pl_store;

struct pl_pe_row {
    const char *account, *region, *id;
    const char *client_token; /* NULL when none */
    const char *request_hash; /* digest of the request (idempotency), NULL when none */
    const char *mode;         /* "PROACTIVE" */
    const char *context_id;   /* EvaluationContextIdentifier or NULL */
    int64_t start_ms;
    int timeout_s;
    const char *details; /* ResourceDetails as JSON text */
    const char *failure; /* FailureReason once failed, else NULL */
};

#define PL_PE_PENDING (-1) /* comp of a result not in yet */

struct pl_pe_result {
    const char *eval_id, *rule, *resource_type, *resource_id;
    int comp; /* enum pl_ev_comp (store/evals.h) or PL_PE_PENDING */
    const char *annotation; /* NULL when none */
    int64_t ordering_ms, recorded_ms, invoked_ms;
    const char *token; /* resultToken of a Lambda-style rule, else NULL */
};

/* Inserts a new evaluation (its id and its client token are unique in the partition). */
int pl_store_pe_put(struct pl_store *s, const struct pl_pe_row *r, struct pl_err *err);
/* Sets the failure reason of an evaluation. */
int pl_store_pe_fail(struct pl_store *s, const char *account, const char *region, const char *id,
                     const char *reason, struct pl_err *err);
/* By id, or by client token: 1 found (*out in a), 0 absent, -1 error. */
int pl_store_pe_get(struct pl_store *s, const char *account, const char *region, const char *id,
                    struct pl_arena *a, struct pl_pe_row *out, struct pl_err *err);
int pl_store_pe_by_token(struct pl_store *s, const char *account, const char *region,
                         const char *client_token, struct pl_arena *a, struct pl_pe_row *out,
                         struct pl_err *err);

/* Evaluations of a partition, newest first ((start_ms, id) descending), filtered by mode and
 * context (NULL: any) and start time in [from_ms, to_ms] (0: unbounded), strictly after the
 * cursor (before_ms, before_id) when before_id is set; at most limit. *more when more follow. */
struct pl_pe_query {
    const char *account, *region, *mode, *context_id;
    int64_t from_ms, to_ms;
    int64_t before_ms;
    const char *before_id;
    int limit;
};
int pl_store_pe_list(struct pl_store *s, const struct pl_pe_query *q, struct pl_arena *a,
                     struct pl_pe_row **rows, size_t *n, bool *more, struct pl_err *err);

/* Creates or replaces one result. */
int pl_store_pe_result_put(struct pl_store *s, const char *account, const char *region,
                           const struct pl_pe_result *r, struct pl_err *err);
/* Every result of an evaluation, ordered by (rule, type, id). */
int pl_store_pe_results(struct pl_store *s, const char *account, const char *region,
                        const char *eval_id, struct pl_arena *a, struct pl_pe_result **rows,
                        size_t *n, struct pl_err *err);
/* The pending result waiting for a result token: 1 found, 0 not a proactive token. */
int pl_store_pe_result_by_token(struct pl_store *s, const char *account, const char *region,
                                const char *token, struct pl_arena *a, struct pl_pe_result *out,
                                struct pl_err *err);

/* Drops the evaluations started before before_ms and their results. */
int pl_store_pe_prune(struct pl_store *s, int64_t before_ms, struct pl_err *err);

#endif
