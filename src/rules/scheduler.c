/* scheduler.c — periodic rules: each runs every MaximumExecutionFrequency (default
 * TwentyFour_Hours) after its last run, whatever the recorder's state (AWS: with the recorder
 * stopped, periodic rules keep running).
 *
 * Time is read only through pl_now_ms(), so tests move the clock instead of sleeping. The next
 * due time of a rule is cached in the compiled rule and derived from its stored status
 * (last_run_ms) after a reload or a restart, so a restart neither skips nor repeats a run.
 * A new rule's first evaluation is the "rules.evaluate" row PutConfigRule queued; the schedule
 * counts from its first activation until it has run. A rule without any status is due at once.
 *
 * Calls go one way: engine.c calls this file, and hands it the function that runs a rule.
 */
#include <string.h>

#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "rules/rules_int.h"

/* The next due time of periodic rule r (reads the status once). */
static int due_time(struct pl_rules *eng, struct pl_rule *r, int64_t *due, struct pl_err *err)
{
    (void)PL_ALWAYS(r->period_ms > 0); /* registry.c: every periodic rule has a period */
    if (!r->next_due) {
        struct pl_arena a;
        struct pl_ev_status st;
        pl_arena_init(&a);
        int f = pl_store_rule_status_get(eng->st, r->account, r->region, r->name, &a, &st, err);
        pl_arena_fini(&a);
        if (f < 0)
            return -1;
        int64_t base = st.last_run_ms ? st.last_run_ms : st.first_activated_ms;
        r->next_due = f && base ? base + r->period_ms : 1;
    }
    *due = r->next_due;
    return 0;
}

/* Stores the time of this run as the rule's last_run_ms. */
int pl_rules__sched_mark(struct pl_rules *eng, struct pl_rule *r, int64_t now, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_ev_status st;
    pl_arena_init(&a);
    int rc = pl_store_rule_status_get(eng->st, r->account, r->region, r->name, &a, &st, err);
    if (rc >= 0) {
        st.last_run_ms = now;
        rc = pl_store_rule_status_put(eng->st, r->account, r->region, r->name, &st, err);
    }
    pl_arena_fini(&a);
    r->next_due = now + r->period_ms;
    return rc;
}

int pl_rules__sched_run_due(struct pl_rules *eng, pl_sched_run_fn run, struct pl_err *err)
{
    int64_t now = pl_now_ms();
    int runs = 0;
    for (size_t i = 0; i < eng->nrules; i++) {
        struct pl_rule *r = eng->rules[i];
        int64_t due;
        if (!r->periodic)
            continue;
        if (due_time(eng, r, &due, err) < 0)
            return -1;
        if (due > now)
            continue;
        struct pl_err e2 = {0};
        if (run(eng, r, &e2) < 0)
            PL_LOG(WARN, "rules", "periodic rule=%s err=\"%s\"", r->name, e2.msg);
        if (pl_rules__sched_mark(eng, r, now, err) < 0)
            return -1;
        runs++;
    }
    return runs;
}
