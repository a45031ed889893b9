/* ops_proactive.c — proactive evaluation: StartResourceEvaluation, GetResourceEvaluationSummary,
 * ListResourceEvaluations. GetComplianceDetailsByResource with a ResourceEvaluationId is served
 * by ops_compliance.c through the same rules calls.
 *
 * Evaluation lives in the rules engine (rules.h, src/rules/proactive.c); the listing reads the
 * store's proactive tables (store/proactive.h) directly, newest first, as AWS lists them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ops_rules.h"
#include "store/proactive.h"

#define LIST_LIMIT 10 /* Limit 0 or absent, as AWS */
#define LIST_MAX   100

static int start_resource_evaluation(struct pl_op_ctx *c)
{
    struct pl_rules_call rc = pl_ops__rules_call(c);
    const char *id;
    if (pl_rules_resource_eval_start(&rc, c->in, &id, c->err) < 0)
        return -1;
    pl_json_set_str(c->a, c->out, "ResourceEvaluationId", id);
    return 0;
}

static int get_resource_evaluation_summary(struct pl_op_ctx *c)
{
    struct pl_rules_call rc = pl_ops__rules_call(c);
    return pl_rules_resource_eval_summary(&rc, pl_in_str(c->in, "ResourceEvaluationId"), c->out,
                                          c->err);
}

static int list_resource_evaluations(struct pl_op_ctx *c)
{
    const struct pl_json *f = pl_json_get(c->in, "Filters");
    const struct pl_json *tw = pl_json_get(f, "TimeWindow");
    struct pl_pe_query q = {.account = c->account,
                            .region = c->region,
                            .mode = pl_in_str(f, "EvaluationMode"),
                            .context_id = pl_in_str(f, "EvaluationContextIdentifier")};
    int64_t limit = pl_in_int(c->in, "Limit", 0);
    const char *tok = pl_in_str(c->in, "NextToken");
    if (pl_in_time(tw, "StartTime", 0, &q.from_ms, c->err) < 0 ||
        pl_in_time(tw, "EndTime", 0, &q.to_ms, c->err) < 0)
        return -1;
    if (q.from_ms && q.to_ms && q.from_ms > q.to_ms)
        return pl_fail(c->err, PL_E_INVALID_TIME_RANGE,
                       "The TimeWindow StartTime must not be later than its EndTime.");
    if (limit < 0 || limit > LIST_MAX)
        return pl_fail(c->err, PL_E_INVALID_PARAMETER_VALUE,
                       "Limit must be between 0 and %d.", LIST_MAX);
    q.limit = limit ? (int)limit : LIST_LIMIT;
    if (tok) {
        const char *parts[2];
        char *end;
        if (pl_ops__token_parse(c, 'E', tok, parts, 2) < 0)
            return -1;
        q.before_ms = strtoll(parts[0], &end, 10);
        if (*end || !*parts[1])
            return pl_fail(c->err, PL_E_INVALID_NEXT_TOKEN, "The nextToken provided is invalid");
        q.before_id = parts[1];
    }
    struct pl_pe_row *rows;
    size_t n;
    bool more;
    if (pl_store_pe_list(c->st, &q, c->a, &rows, &n, &more, c->err) < 0)
        return -1;
    struct pl_json *arr = pl_json_set(c->a, c->out, "ResourceEvaluations", pl_json_new_arr(c->a));
    for (size_t i = 0; i < n; i++) {
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(c->a));
        pl_json_set_str(c->a, o, "ResourceEvaluationId", rows[i].id);
        pl_json_set_str(c->a, o, "EvaluationMode", rows[i].mode);
        pl_json_set(c->a, o, "EvaluationStartTimestamp",
                    pl_json_new_epoch_ms(c->a, rows[i].start_ms));
    }
    if (more && n) {
        char ms[24];
        snprintf(ms, sizeof ms, "%" PRId64, rows[n - 1].start_ms);
        const char *parts[2] = {ms, rows[n - 1].id};
        pl_json_set_str(c->a, c->out, "NextToken", pl_ops__token_make(c, 'E', parts, 2));
    }
    return 0;
}

const struct pl_op_entry pl_ops_proactive[] = {
    {"StartResourceEvaluation", start_resource_evaluation},
    {"GetResourceEvaluationSummary", get_resource_evaluation_summary},
    {"ListResourceEvaluations", list_resource_evaluations},
    {NULL, NULL},
};
