/* status.c — a rule's evaluation status (DescribeConfigRuleEvaluationStatus): the outcome of
 * each evaluation run or function invocation, success or the error's code and message, with
 * the first activation and first start recorded once.
 *
 * Calls go one way: evaluate.c and lambda.c call this file; it calls only the store.
 */
#include "rules/rules_int.h"

int pl_rules__eval_status_named(struct pl_store *ev, const char *account, const char *region,
                                const char *rule, int64_t now, bool invoked, const char *code,
                                const char *msg, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_ev_status st;
    pl_arena_init(&a);
    int rc = pl_store_rule_status_get(ev, account, region, rule, &a, &st, err);
    if (rc < 0)
        goto out;
    if (!st.first_activated_ms)
        st.first_activated_ms = now;
    st.first_started = true;
    if (code) {
        st.last_fail_eval_ms = now;
        if (invoked)
            st.last_fail_invoke_ms = now;
        st.last_error_code = code;
        st.last_error_message = msg;
    } else { /* the last error stays: AWS's "error code ... when the rule last failed" */
        st.last_ok_eval_ms = now;
        if (invoked)
            st.last_ok_invoke_ms = now;
    }
    rc = pl_store_rule_status_put(ev, account, region, rule, &st, err);
out:
    pl_arena_fini(&a);
    return rc;
}

int pl_rules__eval_status(struct pl_store *ev, const struct pl_rule *r, int64_t now, bool invoked,
                          const char *code, const char *msg, struct pl_err *err)
{
    return pl_rules__eval_status_named(ev, r->account, r->region, r->name, now, invoked, code, msg,
                                       err);
}
