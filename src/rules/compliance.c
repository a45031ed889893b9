/* compliance.c — the result sink: stores evaluation results and records what changed.
 *
 * Results go into the store's evaluation tables in one transaction per flush. In the same
 * transaction, each resource whose compliance changed gets an AWS::Config::ResourceCompliance
 * CI recorded through the recorder (PL_REC_MODE_ALL), and each changed result a
 * "delivery.compliance" outbox row (only when the partition has a delivery channel): results,
 * CIs and notifications commit together or not at all. The work that caused the results (an
 * outbox row) is completed after the flush, so a crash before it re-runs the evaluation, which
 * finds the same results stored and records nothing twice (the recorder writes nothing for an
 * unchanged CI).
 *
 * Every result put is one evaluation, as AWS Config bills them: the sink counts them per
 * (rule, resource type) in memory and adds the counts to the store's counters (store/cost.h)
 * in the flush's transaction, one upsert per (rule, type) per flush, in the month of plumb's
 * clock at the flush.
 *
 * The ResourceCompliance CI (as AWS records it): resourceType AWS::Config::ResourceCompliance,
 * resourceId "<type>/<id>" of the evaluated resource, configuration {complianceType,
 * configRuleList[{configRuleName, configRuleArn, configRuleId, complianceType}],
 * targetResourceId, targetResourceType}, a relationship to the evaluated resource. The packs
 * whose rules changed get their AWS::Config::ConformancePackCompliance CI in the same
 * transaction (packs.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "rules/rules_int.h"
#include "store/cost.h"

#define FLUSH_EVERY 4096

struct change {
    const char *rule, *arn, *type, *id;
    bool had_old;
    struct pl_ev_row old, cur;
};

struct prev {
    const char *rule, *type, *id;
    struct pl_ev_row row;
};

struct rule_ref {
    const char *name, *arn, *id;
};

/* evaluations of one (rule, type) since the last flush */
struct ev_count {
    const char *rule, *type; /* in the sink's arena a */
    bool pack;
    int64_t n;
};

struct pl_rsink {
    struct pl_store *st;
    const char *account, *region;
    struct pl_arena a;    /* pending changes; reset at each flush */
    struct pl_arena keep; /* rule refs; lives as long as the sink */
    bool in_tx;
    int channel; /* -1 unknown, 0 no delivery channel, 1 has one */
    int remed;   /* -1 unknown, 0 no remediation configuration in the partition, 1 some */
    /* changed resources: open-addressing set of indexes into res[] */
    const char **res_type, **res_id;
    size_t nres, capres;
    int32_t *slots;
    size_t nslots;
    struct change *ch;
    size_t nch, capch;
    struct rule_ref *refs;
    size_t nrefs, caprefs;
    size_t pending;
    int64_t nresults, ncis;
    /* evaluation counts of this flush: open-addressing set of indexes into cnt[] */
    struct ev_count *cnt;
    size_t ncnt, capcnt;
    int32_t *cslots;
    size_t ncslots;
    size_t last_cnt; /* the entry of the previous put (runs are usually one rule, one type) */
    /* previous results known without a query (pl_rules__sink_preload_*): entries keyed by
     * (rule, type, id), for the rules and the one resource whose results were loaded */
    struct pl_arena pm;
    struct prev *pe;
    size_t npe, cappe;
    int32_t *pslots;
    size_t npslots;
    const char **loaded_rules;
    size_t nloaded, caploaded;
    const char *loaded_type, *loaded_id;
};

struct pl_rsink *pl_rules__sink_new(struct pl_store *st, const char *account, const char *region)
{
    struct pl_rsink *s = pl_xcalloc(1, sizeof *s);
    s->st = st;
    pl_arena_init(&s->a);
    pl_arena_init(&s->keep);
    pl_arena_init(&s->pm);
    s->account = pl_arena_strdup(&s->keep, account);
    s->region = pl_arena_strdup(&s->keep, region);
    s->channel = -1;
    s->remed = -1;
    return s;
}

void pl_rules__sink_free(struct pl_rsink *s)
{
    if (!s)
        return;
    if (s->in_tx)
        pl_store_rollback(s->st);
    free(s->res_type);
    free(s->res_id);
    free(s->slots);
    free(s->ch);
    free(s->refs);
    free(s->pe);
    free(s->pslots);
    free(s->loaded_rules);
    free(s->cnt);
    free(s->cslots);
    pl_arena_fini(&s->pm);
    pl_arena_fini(&s->a);
    pl_arena_fini(&s->keep);
    free(s);
}

/* ---- the changed-resource set ---- */

static uint64_t key_hash(const char *type, const char *id)
{
    return pl_fnv1a(type, strlen(type)) * 31 + pl_fnv1a(id, strlen(id));
}

static void set_grow(struct pl_rsink *s)
{
    size_t n = s->nslots ? s->nslots * 2 : 1024;
    int32_t *slots = pl_xmalloc(n * sizeof *slots);
    memset(slots, 0xff, n * sizeof *slots);
    for (size_t i = 0; i < s->nres; i++) {
        size_t h = key_hash(s->res_type[i], s->res_id[i]) & (n - 1);
        while (slots[h] >= 0)
            h = (h + 1) & (n - 1);
        slots[h] = (int32_t)i;
    }
    free(s->slots);
    s->slots = slots;
    s->nslots = n;
}

/* Adds (type, id) to the changed set (copied into the sink's arena). */
static void mark_changed(struct pl_rsink *s, const char *type, const char *id)
{
    if ((s->nres + 1) * 2 > s->nslots)
        set_grow(s);
    size_t h = key_hash(type, id) & (s->nslots - 1);
    for (; s->slots[h] >= 0; h = (h + 1) & (s->nslots - 1)) {
        int32_t i = s->slots[h];
        if (strcmp(s->res_type[i], type) == 0 && strcmp(s->res_id[i], id) == 0)
            return;
    }
    if (s->nres == s->capres) {
        s->capres = s->capres ? s->capres * 2 : 256;
        s->res_type = pl_xrealloc(s->res_type, s->capres * sizeof *s->res_type);
        s->res_id = pl_xrealloc(s->res_id, s->capres * sizeof *s->res_id);
    }
    s->res_type[s->nres] = pl_arena_strdup(&s->a, type);
    s->res_id[s->nres] = pl_arena_strdup(&s->a, id);
    s->slots[h] = (int32_t)s->nres++;
}

/* ---- rule references (name -> ARN, id) ---- */

static void remember_rule(struct pl_rsink *s, const char *name, const char *arn, const char *id)
{
    for (size_t i = 0; i < s->nrefs; i++)
        if (strcmp(s->refs[i].name, name) == 0)
            return;
    if (s->nrefs == s->caprefs) {
        s->caprefs = s->caprefs ? s->caprefs * 2 : 16;
        s->refs = pl_xrealloc(s->refs, s->caprefs * sizeof *s->refs);
    }
    struct rule_ref *r = &s->refs[s->nrefs++];
    r->name = pl_arena_strdup(&s->keep, name);
    r->arn = pl_arena_strdup(&s->keep, arn ? arn : "");
    r->id = pl_arena_strdup(&s->keep, id ? id : "");
}

/* The ARN and id of a rule, from the sink's cache or the stored rule. */
static const struct rule_ref *rule_ref(struct pl_rsink *s, const char *name, struct pl_err *err)
{
    for (size_t i = 0; i < s->nrefs; i++)
        if (strcmp(s->refs[i].name, name) == 0)
            return &s->refs[i];
    struct pl_obj o;
    const char *arn = "", *id = "";
    int r =
        pl_store_obj_get(s->st, s->account, s->region, PL_KIND_CONFIG_RULE, name, &s->a, &o, err);
    if (r < 0)
        return NULL;
    if (r == 1) {
        struct pl_json *j = pl_json_parse(&s->a, o.json, o.len, err);
        if (!j)
            return NULL;
        arn = pl_json_get_str(j, "ConfigRuleArn");
        id = pl_json_get_str(j, "ConfigRuleId");
    }
    remember_rule(s, name, arn, id);
    return &s->refs[s->nrefs - 1];
}

/* ---- previous results known in memory ---- */

static uint64_t prev_hash(const char *rule, const char *type, const char *id)
{
    return pl_fnv1a(rule, strlen(rule)) * 1099511628211ULL ^ key_hash(type, id);
}

static void prev_grow(struct pl_rsink *s)
{
    size_t n = s->npslots ? s->npslots * 2 : 1024;
    int32_t *slots = pl_xmalloc(n * sizeof *slots);
    memset(slots, 0xff, n * sizeof *slots);
    for (size_t i = 0; i < s->npe; i++) {
        size_t h = prev_hash(s->pe[i].rule, s->pe[i].type, s->pe[i].id) & (n - 1);
        while (slots[h] >= 0)
            h = (h + 1) & (n - 1);
        slots[h] = (int32_t)i;
    }
    free(s->pslots);
    s->pslots = slots;
    s->npslots = n;
}

/* The slot of (rule, type, id): its entry index (>= 0) or -1 with *slot where it would go. */
static int32_t prev_find(struct pl_rsink *s, const char *rule, const char *type, const char *id,
                         size_t *slot)
{
    if (!s->npslots)
        prev_grow(s);
    size_t h = prev_hash(rule, type, id) & (s->npslots - 1);
    for (; s->pslots[h] >= 0; h = (h + 1) & (s->npslots - 1)) {
        const struct prev *p = &s->pe[s->pslots[h]];
        if (!strcmp(p->id, id) && !strcmp(p->rule, rule) && !strcmp(p->type, type))
            return s->pslots[h];
    }
    *slot = h;
    return -1;
}

static const char *pm_dup(struct pl_rsink *s, const char *v)
{
    return v ? pl_arena_strdup(&s->pm, v) : NULL;
}

/* Remembers r as the current result of its key (strings copied). */
static void prev_set(struct pl_rsink *s, const struct pl_ev_row *r)
{
    size_t slot;
    int32_t i = prev_find(s, r->rule, r->resource_type, r->resource_id, &slot);
    if (i < 0) {
        if ((s->npe + 1) * 2 > s->npslots) {
            prev_grow(s);
            prev_find(s, r->rule, r->resource_type, r->resource_id, &slot);
        }
        if (s->npe == s->cappe) {
            s->cappe = s->cappe ? s->cappe * 2 : 256;
            s->pe = pl_xrealloc(s->pe, s->cappe * sizeof *s->pe);
        }
        i = (int32_t)s->npe++;
        s->pslots[slot] = i;
        s->pe[i].rule = pm_dup(s, r->rule);
        s->pe[i].type = pm_dup(s, r->resource_type);
        s->pe[i].id = pm_dup(s, r->resource_id);
    }
    struct prev *p = &s->pe[i];
    p->row = *r;
    p->row.rule = p->rule;
    p->row.resource_type = p->type;
    p->row.resource_id = p->id;
    p->row.account = s->account;
    p->row.region = s->region;
    p->row.mode = "DETECTIVE";
    p->row.annotation = pm_dup(s, r->annotation);
    p->row.token = pm_dup(s, r->token);
}

/* Are the results of (rule, type, id) all in memory? */
static bool prev_covered(const struct pl_rsink *s, const char *rule, const char *type,
                         const char *id)
{
    if (s->loaded_type && !strcmp(s->loaded_type, type) && !strcmp(s->loaded_id, id))
        return true;
    for (size_t i = 0; i < s->nloaded; i++)
        if (!strcmp(s->loaded_rules[i], rule))
            return true;
    return false;
}

/* Loads the results q selects into the map. */
static int preload(struct pl_rsink *s, struct pl_ev_query *q, struct pl_err *err)
{
    struct pl_arena a;
    bool more = true;
    int rc = 0;
    pl_arena_init(&a);
    q->limit = 5000;
    while (rc == 0 && more) {
        struct pl_ev_row *rows;
        size_t n;
        if ((rc = pl_store_eval_list(s->st, q, &a, &rows, &n, &more, err)) < 0 || !n)
            break;
        for (size_t i = 0; i < n; i++)
            prev_set(s, &rows[i]);
        q->after_rule = pm_dup(s, rows[n - 1].rule);
        q->after_type = pm_dup(s, rows[n - 1].resource_type);
        q->after_id = pm_dup(s, rows[n - 1].resource_id);
        pl_arena_reset(&a);
    }
    pl_arena_fini(&a);
    return rc;
}

int pl_rules__sink_preload_rule(struct pl_rsink *s, const char *rule, struct pl_err *err)
{
    struct pl_ev_query q = {.account = s->account, .region = s->region, .rule = rule};
    if (prev_covered(s, rule, "", ""))
        return 0;
    if (preload(s, &q, err) < 0)
        return -1;
    if (s->nloaded == s->caploaded) {
        s->caploaded = s->caploaded ? s->caploaded * 2 : 16;
        s->loaded_rules = pl_xrealloc(s->loaded_rules, s->caploaded * sizeof *s->loaded_rules);
    }
    s->loaded_rules[s->nloaded++] = pm_dup(s, rule);
    return 0;
}

int pl_rules__sink_preload_resource(struct pl_rsink *s, const char *type, const char *id,
                                    struct pl_err *err)
{
    struct pl_ev_query q = {.account = s->account, .region = s->region, .type = type, .id = id};
    s->loaded_type = s->loaded_id = NULL;
    if (preload(s, &q, err) < 0)
        return -1;
    s->loaded_type = pm_dup(s, type);
    s->loaded_id = pm_dup(s, id);
    return 0;
}

const struct pl_ev_row *pl_rules__sink_prev(struct pl_rsink *s, const char *rule, const char *type,
                                            const char *id)
{
    size_t slot;
    int32_t i = prev_find(s, rule, type, id, &slot);
    return i < 0 ? NULL : &s->pe[i].row;
}

/* ---- evaluation counts ---- */

static uint64_t count_hash(const char *rule, const char *type)
{
    return pl_fnv1a(rule, strlen(rule)) * 31 + pl_fnv1a(type, strlen(type));
}

static void count_grow(struct pl_rsink *s)
{
    size_t n = s->ncslots ? s->ncslots * 2 : 64;
    free(s->cslots);
    s->cslots = pl_xmalloc(n * sizeof *s->cslots);
    memset(s->cslots, 0xff, n * sizeof *s->cslots);
    s->ncslots = n;
    for (size_t i = 0; i < s->ncnt; i++) {
        size_t j = count_hash(s->cnt[i].rule, s->cnt[i].type) & (n - 1);
        while (s->cslots[j] >= 0)
            j = (j + 1) & (n - 1);
        s->cslots[j] = (int32_t)i;
    }
}

/* One more evaluation of rule on a resource of type. */
static void count_eval(struct pl_rsink *s, const struct pl_rule *rule, const char *type)
{
    if (s->last_cnt < s->ncnt) {
        struct ev_count *c = &s->cnt[s->last_cnt];
        if (strcmp(c->type, type) == 0 && strcmp(c->rule, rule->name) == 0) {
            c->n++;
            return;
        }
    }
    if ((s->ncnt + 1) * 2 > s->ncslots)
        count_grow(s);
    size_t j = count_hash(rule->name, type) & (s->ncslots - 1);
    for (; s->cslots[j] >= 0; j = (j + 1) & (s->ncslots - 1)) {
        struct ev_count *c = &s->cnt[s->cslots[j]];
        if (strcmp(c->type, type) == 0 && strcmp(c->rule, rule->name) == 0) {
            c->n++;
            s->last_cnt = (size_t)s->cslots[j];
            return;
        }
    }
    if (s->ncnt == s->capcnt) {
        s->capcnt = s->capcnt ? s->capcnt * 2 : 16;
        s->cnt = pl_xrealloc(s->cnt, s->capcnt * sizeof *s->cnt);
    }
    s->cnt[s->ncnt] = (struct ev_count){.rule = pl_arena_strdup(&s->a, rule->name),
                                        .type = pl_arena_strdup(&s->a, type),
                                        .pack = rule->pack,
                                        .n = 1};
    s->cslots[j] = (int32_t)s->ncnt;
    s->last_cnt = s->ncnt++;
}

/* Adds this flush's counts to the store's counters (in the flush's transaction). */
static int write_counts(struct pl_rsink *s, struct pl_err *err)
{
    int month = pl_store_month_of(pl_now_ms());
    for (size_t i = 0; i < s->ncnt; i++)
        if (pl_store_eval_count_add(s->st, s->account, s->region, s->cnt[i].rule, s->cnt[i].type,
                                    month, s->cnt[i].pack, s->cnt[i].n, err) < 0)
            return -1;
    return 0;
}

/* ---- results ---- */

int pl_rules__sink_put(struct pl_rsink *s, const struct pl_rule *rule, const char *type,
                       const char *id, enum pl_ev_comp comp, const char *annotation,
                       int64_t ordering, int64_t invoked, const char *token, struct pl_err *err)
{
    if (!s->in_tx) {
        if (pl_store_begin(s->st, err) < 0)
            return -1;
        s->in_tx = true;
    }
    struct pl_ev_row r = {
        .account = s->account,
        .region = s->region,
        .rule = rule->name,
        .resource_type = type,
        .resource_id = id,
        .mode = "DETECTIVE",
        .comp = comp,
        .annotation = annotation,
        .ordering_ms = ordering,
        .recorded_ms = pl_now_ms(),
        .invoked_ms = invoked,
        .token = token,
    };
    struct pl_ev_row old;
    bool had_old;
    int rc;
    if (prev_covered(s, rule->name, type, id)) {
        const struct pl_ev_row *p = pl_rules__sink_prev(s, rule->name, type, id);
        had_old = p != NULL;
        if (p)
            old = *p;
        rc = p && p->ordering_ms > ordering ? 0 : pl_store_eval_write(s->st, &r, p, err);
        if (rc == 1)
            prev_set(s, &r);
    } else {
        rc = pl_store_eval_put(s->st, &r, &s->a, &old, &had_old, err);
    }
    if (rc < 0)
        return -1;
    count_eval(s, rule, type);
    s->nresults += rc;
    static _Atomic(struct pl_metric *) m_results; /* engine and API threads */
    struct pl_metric *m = atomic_load(&m_results);
    if (!m) {
        pl_metrics_help("plumb_rules_results_total", "Evaluation results stored.");
        m = pl_metric_get(PL_METRIC_COUNTER, "plumb_rules_results_total", NULL);
        atomic_store(&m_results, m);
    }
    pl_metric_add(m, (uint64_t)rc);
    if (rc == 1 && (!had_old || old.comp != comp)) {
        remember_rule(s, rule->name, rule->arn, rule->id);
        mark_changed(s, type, id);
        if (s->nch == s->capch) {
            s->capch = s->capch ? s->capch * 2 : 64;
            s->ch = pl_xrealloc(s->ch, s->capch * sizeof *s->ch);
        }
        struct change *c = &s->ch[s->nch++];
        c->rule = pl_arena_strdup(&s->a, rule->name);
        c->arn = pl_arena_strdup(&s->a, rule->arn ? rule->arn : "");
        c->had_old = had_old;
        c->old = old;
        c->cur = r;
        c->type = c->cur.resource_type = pl_arena_strdup(&s->a, type);
        c->id = c->cur.resource_id = pl_arena_strdup(&s->a, id);
        c->cur.rule = c->rule;
        c->cur.annotation = annotation ? pl_arena_strdup(&s->a, annotation) : NULL;
        c->cur.token = token ? pl_arena_strdup(&s->a, token) : NULL;
    }
    if (++s->pending >= FLUSH_EVERY)
        return pl_rules__sink_flush(s, err);
    return 0;
}

/* The ResourceCompliance CI of one resource, from its stored results (arena a). */
static struct pl_json *compliance_ci(struct pl_rsink *s, const char *type, const char *id,
                                     struct pl_err *err)
{
    struct pl_arena *a = &s->a;
    struct pl_ev_query q = {.account = s->account, .region = s->region, .type = type, .id = id};
    struct pl_ev_row *rows;
    size_t n;
    bool more;
    if (pl_store_eval_list(s->st, &q, a, &rows, &n, &more, err) < 0)
        return NULL;
    struct pl_json *ci = pl_json_new_obj(a);
    pl_json_set_str(a, ci, "resourceType", PL_RULES_RC_TYPE);
    pl_json_set_str(a, ci, "resourceId", pl_arena_printf(a, "%s/%s", type, id));
    pl_json_set_str(a, ci, "awsAccountId", s->account);
    pl_json_set_str(a, ci, "awsRegion", s->region);
    pl_json_set_str(a, ci, "availabilityZone", "Not Applicable");
    struct pl_json *conf = pl_json_set(a, ci, "configuration", pl_json_new_obj(a));
    struct pl_json *list = pl_json_new_arr(a);
    enum pl_ev_comp worst = PL_EV_NOT_APPLICABLE;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].comp == PL_EV_NOT_APPLICABLE)
            continue;
        const struct rule_ref *ref = rule_ref(s, rows[i].rule, err);
        if (!ref)
            return NULL;
        struct pl_json *e = pl_json_push(list, pl_json_new_obj(a));
        pl_json_set_str(a, e, "configRuleArn", ref->arn);
        pl_json_set_str(a, e, "configRuleId", ref->id);
        pl_json_set_str(a, e, "configRuleName", rows[i].rule);
        pl_json_set_str(a, e, "complianceType", pl_ev_comp_name(rows[i].comp));
        if (rows[i].comp > worst && rows[i].comp != PL_EV_INSUFFICIENT_DATA)
            worst = rows[i].comp;
    }
    pl_json_set_str(a, conf, "complianceType", pl_ev_comp_name(worst));
    pl_json_set(a, conf, "configRuleList", list);
    pl_json_set_str(a, conf, "targetResourceId", id);
    pl_json_set_str(a, conf, "targetResourceType", type);
    struct pl_json *rels = pl_json_set(a, ci, "relationships", pl_json_new_arr(a));
    struct pl_json *rel = pl_json_push(rels, pl_json_new_obj(a));
    pl_json_set_str(a, rel, "resourceId", id);
    pl_json_set_str(a, rel, "resourceType", type);
    pl_json_set_str(a, rel, "name", "Is associated with ");
    pl_json_set(a, ci, "tags", pl_json_new_obj(a));
    return ci;
}

/* One evaluation result in the notification form (ISO times). */
static struct pl_json *notif_result(struct pl_arena *a, const struct pl_ev_row *r)
{
    char t[40];
    struct pl_json *o = pl_json_new_obj(a);
    struct pl_json *ident = pl_json_set(a, o, "evaluationResultIdentifier", pl_json_new_obj(a));
    struct pl_json *qual = pl_json_set(a, ident, "evaluationResultQualifier", pl_json_new_obj(a));
    pl_json_set_str(a, qual, "configRuleName", r->rule);
    pl_json_set_str(a, qual, "resourceType", r->resource_type);
    pl_json_set_str(a, qual, "resourceId", r->resource_id);
    pl_json_set_str(a, qual, "evaluationMode", r->mode ? r->mode : "DETECTIVE");
    pl_json_set_str(a, ident, "orderingTimestamp", pl_time_iso8601_ms(r->ordering_ms, t));
    pl_json_set_str(a, o, "complianceType", pl_ev_comp_name(r->comp));
    pl_json_set_str(a, o, "resultRecordedTime", pl_time_iso8601_ms(r->recorded_ms, t));
    pl_json_set_str(a, o, "configRuleInvokedTime", pl_time_iso8601_ms(r->invoked_ms, t));
    pl_json_set(a, o, "annotation",
                r->annotation ? pl_json_new_str(a, r->annotation) : pl_json_new_null(a));
    pl_json_set(a, o, "resultToken", r->token ? pl_json_new_str(a, r->token) : pl_json_new_null(a));
    return o;
}

/* Writes the "delivery.compliance" outbox row of one change (inside the store transaction). */
static int notify(struct pl_rsink *s, const struct change *c, struct pl_err *err)
{
    struct pl_arena *a = &s->a;
    char t[40];
    struct pl_json *m = pl_json_new_obj(a);
    pl_json_set_str(a, m, "awsAccountId", s->account);
    pl_json_set_str(a, m, "configRuleName", c->rule);
    pl_json_set_str(a, m, "configRuleARN", c->arn);
    pl_json_set_str(a, m, "resourceType", c->type);
    pl_json_set_str(a, m, "resourceId", c->id);
    pl_json_set_str(a, m, "awsRegion", s->region);
    pl_json_set(a, m, "newEvaluationResult", notif_result(a, &c->cur));
    pl_json_set(a, m, "oldEvaluationResult",
                c->had_old ? notif_result(a, &c->old) : pl_json_new_null(a));
    pl_json_set_str(a, m, "notificationCreationTime", pl_time_iso8601_ms(pl_now_ms(), t));
    pl_json_set_str(a, m, "recordVersion", "1.0");
    const char *text = pl_json_dump(a, m, PL_JSON_COMPACT);
    return pl_store_outbox_add(s->st, s->account, s->region, PL_OUTBOX_DELIVERY_COMPLIANCE, text,
                               strlen(text), NULL, err);
}

static int has_channel(struct pl_rsink *s, struct pl_err *err)
{
    if (s->channel < 0) {
        int64_t n = 0;
        if (pl_store_obj_count(s->st, s->account, s->region, PL_KIND_CHANNEL, &n, err) < 0)
            return -1;
        s->channel = n > 0;
    }
    return s->channel;
}

/* The ConformancePackCompliance CIs of the packs whose rules' results changed (packs.c). */
static int record_packs(struct pl_rsink *s, struct pl_rec_batch *b, struct pl_err *err)
{
    struct pl_rules_pack_change *ch = pl_arena_alloc(&s->a, (s->nch ? s->nch : 1) * sizeof *ch);
    for (size_t i = 0; i < s->nch; i++)
        ch[i] = (struct pl_rules_pack_change){
            s->ch[i].rule, s->ch[i].had_old ? (int)s->ch[i].old.comp : -1, (int)s->ch[i].cur.comp};
    return pl_rules_pack_record_changed(b, s->st, s->account, s->region, ch, s->nch, &s->a, err);
}

/* Records the compliance CIs of the changed resources, the notifications and the packs'. */
/* A result turned NON_COMPLIANT: when the rule has an automatic remediation, queue its
 * execution ("remediation.execute", remediation/remediation.h) in the results' transaction.
 * The remediation worker decides the rest (exceptions, attempts, a re-check just before
 * acting). A partition without remediation configurations costs one count per sink. */
static int auto_remediate(struct pl_rsink *s, const struct change *c, struct pl_err *err)
{
    if (s->remed < 0) {
        int64_t n = 0;
        if (pl_store_obj_count(s->st, s->account, s->region, PL_KIND_REMEDIATION_CONFIG, &n, err) <
            0)
            return -1;
        s->remed = n > 0;
    }
    if (!s->remed)
        return 0;
    struct pl_obj o;
    int found = pl_store_obj_get(s->st, s->account, s->region, PL_KIND_REMEDIATION_CONFIG, c->rule,
                                 &s->a, &o, err);
    if (found <= 0)
        return found;
    struct pl_json *cfg = pl_json_parse(&s->a, o.json, o.len, err);
    if (!cfg)
        return -1;
    if (!pl_json_truthy(pl_json_get(cfg, "Automatic")))
        return 0;
    const char *rt = pl_json_get_str(cfg, "ResourceType");
    if (rt && *rt && strcmp(rt, c->type) != 0)
        return 0;
    struct pl_json *p = pl_json_new_obj(&s->a);
    pl_json_set_str(&s->a, p, "rule", c->rule);
    pl_json_set_str(&s->a, p, "type", c->type);
    pl_json_set_str(&s->a, p, "id", c->id);
    pl_json_set_bool(&s->a, p, "auto", true);
    const char *text = pl_json_dump(&s->a, p, PL_JSON_COMPACT);
    return pl_store_outbox_add(s->st, s->account, s->region, PL_OUTBOX_REMEDIATION_EXECUTE, text,
                               strlen(text), NULL, err);
}

/* Records the compliance CIs of the changed resources and the notifications. */
static int record_changes(struct pl_rsink *s, struct pl_err *err)
{
    struct pl_rec_opts opts = {.mode = PL_REC_MODE_ALL, .account = s->account, .region = s->region};
    int ch = has_channel(s, err);
    if (ch < 0)
        return -1;
    struct pl_rec_batch *b = pl_rec_batch_begin(s->st, &opts, err);
    if (!b)
        return -1;
    for (size_t i = 0; i < s->nres; i++) {
        struct pl_rec_result res;
        struct pl_json *ci = compliance_ci(s, s->res_type[i], s->res_id[i], err);
        if (!ci || pl_rec_batch_add(b, ci, &res, err) < 0)
            goto fail;
        s->ncis += res.outcome == PL_REC_RECORDED;
    }
    for (size_t i = 0; ch && i < s->nch; i++)
        if (notify(s, &s->ch[i], err) < 0)
            goto fail;
    if (record_packs(s, b, err) < 0)
        goto fail;
    for (size_t i = 0; i < s->nch; i++)
        if (s->ch[i].cur.comp == PL_EV_NON_COMPLIANT && auto_remediate(s, &s->ch[i], err) < 0)
            goto fail;
    return pl_rec_batch_commit(b, err);
fail:
    pl_rec_batch_abort(b);
    return -1;
}

int pl_rules__sink_flush(struct pl_rsink *s, struct pl_err *err)
{
    int rc = 0;
    if (s->nres)
        rc = record_changes(s, err); /* inside the results' transaction when one is open */
    if (rc == 0 && s->in_tx)
        rc = write_counts(s, err);
    if (s->in_tx) {
        s->in_tx = false;
        if (rc < 0)
            pl_store_rollback(s->st);
        else if (pl_store_commit(s->st, err) < 0)
            rc = -1;
    }
    s->nres = s->nch = s->pending = s->ncnt = 0;
    s->last_cnt = 0;
    if (s->slots)
        memset(s->slots, 0xff, s->nslots * sizeof *s->slots);
    if (s->cslots)
        memset(s->cslots, 0xff, s->ncslots * sizeof *s->cslots);
    pl_arena_reset(&s->a);
    return rc;
}

int pl_rules__sink_touch(struct pl_rsink *s, const char *type, const char *id, struct pl_err *err)
{
    mark_changed(s, type, id);
    return 0;
}
