/* cost.c — the cost report (cost.h): AWS Config's price table, the tier arithmetic, and the
 * report built from the store's counters.
 *
 * How the figures are made (docs/cost.md):
 *   - CIs: one store walk (pl_store_cost_cis) gives each resource's CIs per month; they are
 *     summed per (account, region, month, resource type) and per resource (the churn list).
 *     Continuous CIs at ci_continuous, DAILY ones at ci_periodic, identity-only NotRecorded
 *     CIs free. AWS::Config::ResourceCompliance CIs are billed like any other (AWS: "deleting
 *     rules creates configuration items for AWS::Config::ResourceCompliance that can affect
 *     your costs"); they have their own resource-type line, and the advice says what excluding
 *     them saves.
 *   - Evaluations: the counters per (account, region, month, rule, type); the rule tiers
 *     apply to the sum of a partition-month's rule evaluations, the pack tiers to its
 *     conformance pack evaluations. A rule's own line carries its share of its partition's
 *     tiered charge (the partition's average rate), rounded to $0.0001.
 *   - Advice per resource type over the whole period: excluding it saves its CI charge plus
 *     what its evaluations add to the tiered charges (re-tiered without them); recording it
 *     DAILY would record at most one CI per resource per day (the days with a CI, at the
 *     periodic rate) instead of every change.
 * Money is integer units of $0.0001, so every figure is exact.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/time.h"
#include "core/util.h"
#include "cost/cost.h"
#include "store/cost.h"
#include "store/store.h"

/* ---- the price table ---- */

static const struct pl_cost_tier rule_tiers[] = {{100000, 10}, {500000, 8}, {0, 5}};
static const struct pl_cost_tier pack_tiers[] = {{100000, 10}, {500000, 8}, {0, 5}};

const struct pl_cost_prices pl_cost_prices = {
    .date = "2025-04-01",
    .source = "https://aws.amazon.com/config/pricing/ (AWS Price List, service AWSConfig)",
    .region = "us-east-1",
    .currency = "USD",
    .ci_continuous = 30, /* $0.003 */
    .ci_periodic = 120,  /* $0.012 */
    .rule_tiers = rule_tiers,
    .nrule_tiers = PL_ARRAY_LEN(rule_tiers),
    .pack_tiers = pack_tiers,
    .npack_tiers = PL_ARRAY_LEN(pack_tiers),
};

int64_t pl_cost_tiered(const struct pl_cost_tier *tiers, size_t ntiers, int64_t n)
{
    int64_t total = 0, below = 0;
    for (size_t i = 0; i < ntiers && n > below; i++) {
        int64_t top = tiers[i].up_to > 0 ? tiers[i].up_to : INT64_MAX;
        int64_t in_tier = (n < top ? n : top) - below;
        total += in_tier * tiers[i].price;
        below = top;
    }
    return total;
}

char *pl_cost_dollars(int64_t units, char *out)
{
    const char *sign = units < 0 ? "-" : "";
    int64_t u = units < 0 ? -units : units;
    snprintf(out, 32, "%s%" PRId64 ".%04" PRId64, sign, u / 10000, u % 10000);
    return out;
}

int pl_cost_parse_month(const char *s)
{
    if (!s || strlen(s) != 7 || s[4] != '-')
        return -1;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    if (y < 1970 || m < 1 || m > 12)
        return -1;
    return y * 100 + m;
}

int64_t pl_cost_self_rss(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    int64_t kb = 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kb = strtoll(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kb * 1024;
}

/* ---- aggregation ---- */

/* One (account, region, month, type) line: CIs and evaluations. */
struct line {
    const char *account, *region, *type;
    int month;
    int64_t cont, daily, unbilled, days, rule_evals, pack_evals;
};

/* One resource over the whole period (the churn list). */
struct churn {
    const char *account, *region, *type, *id;
    int64_t cis, cost;
};

struct agg {
    struct pl_arena *a;
    struct line *ln;
    size_t nln, capln;
    int32_t *slots;
    size_t nslots;
    int top;
    struct churn *top_res; /* the top most-churning resources, most first */
    size_t ntop;
    struct churn cur; /* the resource being summed (borrowed strings) */
};

static uint64_t line_hash(const char *account, const char *region, const char *type, int month)
{
    uint64_t h = pl_fnv1a(account, strlen(account));
    h = h * 31 + pl_fnv1a(region, strlen(region));
    h = h * 31 + pl_fnv1a(type, strlen(type));
    return h * 31 + (uint64_t)month;
}

static void lines_grow(struct agg *g)
{
    size_t n = g->nslots ? g->nslots * 2 : 256;
    free(g->slots);
    g->slots = pl_xmalloc(n * sizeof *g->slots);
    memset(g->slots, 0xff, n * sizeof *g->slots);
    g->nslots = n;
    for (size_t i = 0; i < g->nln; i++) {
        const struct line *l = &g->ln[i];
        size_t j = line_hash(l->account, l->region, l->type, l->month) & (n - 1);
        while (g->slots[j] >= 0)
            j = (j + 1) & (n - 1);
        g->slots[j] = (int32_t)i;
    }
}

/* The line of the key, made (strings copied into the report's arena) when new. */
static struct line *line_get(struct agg *g, const char *account, const char *region,
                             const char *type, int month)
{
    if ((g->nln + 1) * 2 > g->nslots)
        lines_grow(g);
    size_t j = line_hash(account, region, type, month) & (g->nslots - 1);
    for (; g->slots[j] >= 0; j = (j + 1) & (g->nslots - 1)) {
        struct line *l = &g->ln[g->slots[j]];
        if (l->month == month && strcmp(l->type, type) == 0 && strcmp(l->region, region) == 0 &&
            strcmp(l->account, account) == 0)
            return l;
    }
    if (g->nln == g->capln) {
        g->capln = g->capln ? g->capln * 2 : 64;
        g->ln = pl_xrealloc(g->ln, g->capln * sizeof *g->ln);
    }
    struct line *l = &g->ln[g->nln];
    *l = (struct line){.account = pl_arena_strdup(g->a, account),
                       .region = pl_arena_strdup(g->a, region),
                       .type = pl_arena_strdup(g->a, type),
                       .month = month};
    g->slots[j] = (int32_t)g->nln++;
    return l;
}

/* Ends the resource being summed: into the top list if it churns enough. */
static void churn_end(struct agg *g)
{
    struct churn *c = &g->cur;
    if (!c->id || c->cis == 0)
        return;
    size_t n = g->ntop;
    if (n == (size_t)g->top && g->top_res[n - 1].cis >= c->cis)
        goto out;
    size_t i = n < (size_t)g->top ? n : n - 1;
    while (i > 0 && g->top_res[i - 1].cis < c->cis) {
        g->top_res[i] = g->top_res[i - 1];
        i--;
    }
    g->top_res[i] = (struct churn){.account = pl_arena_strdup(g->a, c->account),
                                   .region = pl_arena_strdup(g->a, c->region),
                                   .type = pl_arena_strdup(g->a, c->type),
                                   .id = pl_arena_strdup(g->a, c->id),
                                   .cis = c->cis,
                                   .cost = c->cost};
    if (n < (size_t)g->top)
        g->ntop++;
out:
    *c = (struct churn){0};
}

static int on_res(void *arg, const struct pl_cost_res *r, struct pl_err *err)
{
    struct agg *g = arg;
    if (!r || g->cur.id != r->resource_id) /* the walk's strings are stable per resource */
        churn_end(g);
    if (!r) { /* the end of the walk: its strings go now */
        g->cur = (struct churn){0};
        return 0;
    }
    struct line *l = line_get(g, r->account, r->region, r->resource_type, r->month);
    l->cont += r->continuous;
    l->daily += r->daily;
    l->unbilled += r->unbilled;
    l->days += r->days;
    g->cur = (struct churn){.account = r->account,
                            .region = r->region,
                            .type = r->resource_type,
                            .id = r->resource_id,
                            .cis = g->cur.cis + r->continuous + r->daily,
                            .cost = g->cur.cost + r->continuous * pl_cost_prices.ci_continuous +
                                    r->daily * pl_cost_prices.ci_periodic};
    return 0;
}

/* ---- the report ---- */

/* One (account, region, month): the sums its tiers apply to. */
struct part {
    const char *account, *region;
    int month;
    int64_t cont, daily, unbilled, rule_evals, pack_evals;
    int64_t ci_cost, rule_cost, pack_cost;
};

static int cmp_line(const void *x, const void *y)
{
    const struct line *a = x, *b = y;
    int c = strcmp(a->account, b->account);
    if (!c)
        c = strcmp(a->region, b->region);
    if (!c)
        c = (a->month > b->month) - (a->month < b->month);
    if (!c)
        c = strcmp(a->type, b->type);
    return c;
}

static void month_text(int month, char out[16])
{
    unsigned y = (unsigned)(month / 100) % 10000, m = (unsigned)month % 100;
    snprintf(out, 16, "%04u-%02u", y, m);
}

static void set_money(struct pl_arena *a, struct pl_json *o, const char *key, int64_t units)
{
    char b[32];
    pl_json_set(a, o, key, pl_json_new_numtext(a, pl_cost_dollars(units, b)));
}

static void set_month(struct pl_arena *a, struct pl_json *o, const char *key, int month)
{
    char m[16];
    month_text(month, m);
    pl_json_set_str(a, o, key, m);
}

static struct pl_json *tiers_json(struct pl_arena *a, const struct pl_cost_tier *t, size_t n)
{
    struct pl_json *arr = pl_json_new_arr(a);
    for (size_t i = 0; i < n; i++) {
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(a));
        if (t[i].up_to)
            pl_json_set_i64(a, o, "UpTo", t[i].up_to);
        set_money(a, o, "Price", t[i].price);
    }
    return arr;
}

static struct pl_json *prices_json(struct pl_arena *a)
{
    const struct pl_cost_prices *p = &pl_cost_prices;
    struct pl_json *o = pl_json_new_obj(a);
    pl_json_set_str(a, o, "Date", p->date);
    pl_json_set_str(a, o, "Source", p->source);
    pl_json_set_str(a, o, "Region", p->region);
    pl_json_set_str(a, o, "Currency", p->currency);
    set_money(a, o, "ContinuousConfigurationItem", p->ci_continuous);
    set_money(a, o, "PeriodicConfigurationItem", p->ci_periodic);
    pl_json_set(a, o, "RuleEvaluationTiers", tiers_json(a, p->rule_tiers, p->nrule_tiers));
    pl_json_set(a, o, "ConformancePackEvaluationTiers",
                tiers_json(a, p->pack_tiers, p->npack_tiers));
    return o;
}

/* Types AWS records continuously whatever recordingMode says (recorder/daily_hold.c), and
 * third-party types, which recordingModeOverrides cannot name. */
static bool daily_possible(const char *type)
{
    return pl_starts_with(type, "AWS::") && strcmp(type, "AWS::Config::ResourceCompliance") != 0 &&
           strcmp(type, "AWS::Config::ConformancePackCompliance") != 0 &&
           strcmp(type, "AWS::Config::ConfigurationRecorder") != 0;
}

/* Per type over the period, for the advice. */
struct advice {
    const char *type;
    int64_t cis, ci_cost, evals, eval_saves, daily_cis, daily_saves;
};

static int cmp_advice(const void *x, const void *y)
{
    const struct advice *a = x, *b = y;
    int64_t ca = a->ci_cost + a->eval_saves, cb = b->ci_cost + b->eval_saves;
    if (ca != cb)
        return ca < cb ? 1 : -1;
    return strcmp(a->type, b->type);
}

struct report {
    struct pl_arena *a;
    struct agg g;
    struct pl_cost_evals *ev;
    size_t nev;
    struct part *parts;
    size_t nparts;
    struct advice *adv;
    size_t nadv;
};

static struct part *part_of(struct report *r, const char *account, const char *region, int month)
{
    for (size_t i = r->nparts; i > 0; i--) { /* lines are sorted: the last one matches */
        struct part *p = &r->parts[i - 1];
        if (p->month == month && strcmp(p->region, region) == 0 && strcmp(p->account, account) == 0)
            return p;
    }
    return NULL;
}

static struct advice *advice_of(struct report *r, const char *type)
{
    for (size_t i = 0; i < r->nadv; i++)
        if (strcmp(r->adv[i].type, type) == 0)
            return &r->adv[i];
    r->adv = pl_xrealloc(r->adv, (r->nadv + 1) * sizeof *r->adv);
    r->adv[r->nadv] = (struct advice){.type = type};
    return &r->adv[r->nadv++];
}

/* The evaluations into the lines (a type evaluated but never recorded in the period gets a
 * line without CIs), then the partitions with their tiered charges. */
static void build_parts(struct report *r)
{
    struct agg *g = &r->g;
    for (size_t i = 0; i < r->nev; i++) {
        const struct pl_cost_evals *e = &r->ev[i];
        struct line *l = line_get(g, e->account, e->region, e->resource_type, e->month);
        if (e->pack)
            l->pack_evals += e->n;
        else
            l->rule_evals += e->n;
    }
    if (g->nln)
        qsort(g->ln, g->nln, sizeof *g->ln, cmp_line);
    r->parts = pl_arena_alloc(r->a, (g->nln ? g->nln : 1) * sizeof *r->parts);
    const struct pl_cost_prices *pr = &pl_cost_prices;
    for (size_t i = 0; i < g->nln; i++) {
        const struct line *l = &g->ln[i];
        struct part *p = part_of(r, l->account, l->region, l->month);
        if (!p) {
            p = &r->parts[r->nparts++];
            *p = (struct part){.account = l->account, .region = l->region, .month = l->month};
        }
        p->cont += l->cont;
        p->daily += l->daily;
        p->unbilled += l->unbilled;
        p->rule_evals += l->rule_evals;
        p->pack_evals += l->pack_evals;
    }
    for (size_t i = 0; i < r->nparts; i++) {
        struct part *p = &r->parts[i];
        p->ci_cost = p->cont * pr->ci_continuous + p->daily * pr->ci_periodic;
        p->rule_cost = pl_cost_tiered(pr->rule_tiers, pr->nrule_tiers, p->rule_evals);
        p->pack_cost = pl_cost_tiered(pr->pack_tiers, pr->npack_tiers, p->pack_evals);
    }
    /* the advice: per type, what excluding it or recording it DAILY saves */
    for (size_t i = 0; i < g->nln; i++) {
        const struct line *l = &g->ln[i];
        const struct part *p = part_of(r, l->account, l->region, l->month);
        struct advice *ad = advice_of(r, l->type);
        int64_t cost = l->cont * pr->ci_continuous + l->daily * pr->ci_periodic;
        ad->cis += l->cont + l->daily;
        ad->ci_cost += cost;
        ad->evals += l->rule_evals + l->pack_evals;
        ad->eval_saves +=
            p->rule_cost -
            pl_cost_tiered(pr->rule_tiers, pr->nrule_tiers, p->rule_evals - l->rule_evals) +
            p->pack_cost -
            pl_cost_tiered(pr->pack_tiers, pr->npack_tiers, p->pack_evals - l->pack_evals);
        if (daily_possible(l->type) && l->cont > 0) {
            /* a resource's continuous CIs of a day become at most one DAILY CI */
            int64_t days = l->days < l->cont ? l->days : l->cont;
            ad->daily_cis += days;
            ad->daily_saves += l->cont * pr->ci_continuous - days * pr->ci_periodic;
        }
    }
    if (r->nadv)
        qsort(r->adv, r->nadv, sizeof *r->adv, cmp_advice);
}

static struct pl_json *parts_json(struct report *r, int64_t *total)
{
    struct pl_arena *a = r->a;
    struct pl_json *arr = pl_json_new_arr(a);
    *total = 0;
    for (size_t i = 0; i < r->nparts; i++) {
        const struct part *p = &r->parts[i];
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(a));
        pl_json_set_str(a, o, "AccountId", p->account);
        pl_json_set_str(a, o, "AwsRegion", p->region);
        set_month(a, o, "Month", p->month);
        pl_json_set_i64(a, o, "ConfigurationItems", p->cont);
        pl_json_set_i64(a, o, "PeriodicConfigurationItems", p->daily);
        pl_json_set_i64(a, o, "NotBilledConfigurationItems", p->unbilled);
        pl_json_set_i64(a, o, "RuleEvaluations", p->rule_evals);
        pl_json_set_i64(a, o, "ConformancePackEvaluations", p->pack_evals);
        set_money(a, o, "ConfigurationItemCost", p->ci_cost);
        set_money(a, o, "RuleEvaluationCost", p->rule_cost);
        set_money(a, o, "ConformancePackEvaluationCost", p->pack_cost);
        set_money(a, o, "Cost", p->ci_cost + p->rule_cost + p->pack_cost);
        *total += p->ci_cost + p->rule_cost + p->pack_cost;
    }
    return arr;
}

static struct pl_json *types_json(struct report *r)
{
    struct pl_arena *a = r->a;
    struct pl_json *arr = pl_json_new_arr(a);
    const struct pl_cost_prices *pr = &pl_cost_prices;
    for (size_t i = 0; i < r->g.nln; i++) {
        const struct line *l = &r->g.ln[i];
        if (l->cont + l->daily + l->unbilled == 0)
            continue;
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(a));
        pl_json_set_str(a, o, "AccountId", l->account);
        pl_json_set_str(a, o, "AwsRegion", l->region);
        set_month(a, o, "Month", l->month);
        pl_json_set_str(a, o, "ResourceType", l->type);
        pl_json_set_i64(a, o, "ConfigurationItems", l->cont);
        pl_json_set_i64(a, o, "PeriodicConfigurationItems", l->daily);
        pl_json_set_i64(a, o, "NotBilledConfigurationItems", l->unbilled);
        set_money(a, o, "Cost", l->cont * pr->ci_continuous + l->daily * pr->ci_periodic);
    }
    return arr;
}

/* A rule's share of its partition's tiered charge of n evaluations out of total. */
static int64_t share(int64_t cost, int64_t n, int64_t total)
{
    if (total <= 0)
        return 0;
    return (int64_t)(((__int128)cost * n * 2 + total) / (2 * (__int128)total));
}

static struct pl_json *rules_json(struct report *r)
{
    struct pl_arena *a = r->a;
    struct pl_json *arr = pl_json_new_arr(a);
    /* counters are ordered by (account, region, month, rule, type): one line per rule */
    for (size_t i = 0; i < r->nev;) {
        const struct pl_cost_evals *e = &r->ev[i];
        int64_t n = 0;
        size_t j = i;
        for (; j < r->nev && r->ev[j].month == e->month && strcmp(r->ev[j].rule, e->rule) == 0 &&
               strcmp(r->ev[j].region, e->region) == 0 && strcmp(r->ev[j].account, e->account) == 0;
             j++)
            n += r->ev[j].n;
        const struct part *p = part_of(r, e->account, e->region, e->month);
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(a));
        pl_json_set_str(a, o, "AccountId", e->account);
        pl_json_set_str(a, o, "AwsRegion", e->region);
        set_month(a, o, "Month", e->month);
        pl_json_set_str(a, o, "ConfigRuleName", e->rule);
        pl_json_set_bool(a, o, "ConformancePack", e->pack);
        pl_json_set_i64(a, o, "Evaluations", n);
        set_money(a, o, "Cost",
                  p ? e->pack ? share(p->pack_cost, n, p->pack_evals)
                              : share(p->rule_cost, n, p->rule_evals)
                    : 0);
        i = j;
    }
    return arr;
}

static struct pl_json *top_json(struct report *r)
{
    struct pl_arena *a = r->a;
    struct pl_json *arr = pl_json_new_arr(a);
    for (size_t i = 0; i < r->g.ntop; i++) {
        const struct churn *c = &r->g.top_res[i];
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(a));
        pl_json_set_str(a, o, "AccountId", c->account);
        pl_json_set_str(a, o, "AwsRegion", c->region);
        pl_json_set_str(a, o, "ResourceType", c->type);
        pl_json_set_str(a, o, "ResourceId", c->id);
        pl_json_set_i64(a, o, "ConfigurationItems", c->cis);
        set_money(a, o, "Cost", c->cost);
    }
    return arr;
}

static struct pl_json *advice_json(struct report *r, int top)
{
    struct pl_arena *a = r->a;
    struct pl_json *arr = pl_json_new_arr(a);
    int64_t all = 0;
    for (size_t i = 0; i < r->nadv; i++)
        all += r->adv[i].ci_cost;
    for (size_t i = 0; i < r->nadv && i < (size_t)top; i++) {
        const struct advice *ad = &r->adv[i];
        if (ad->ci_cost + ad->eval_saves == 0)
            continue;
        struct pl_json *o = pl_json_push(arr, pl_json_new_obj(a));
        pl_json_set_str(a, o, "ResourceType", ad->type);
        pl_json_set_i64(a, o, "ConfigurationItems", ad->cis);
        set_money(a, o, "ConfigurationItemCost", ad->ci_cost);
        pl_json_set(a, o, "ShareOfConfigurationItemCost",
                    pl_json_new_double(a, all ? (double)ad->ci_cost / (double)all : 0));
        pl_json_set_i64(a, o, "Evaluations", ad->evals);
        set_money(a, o, "ExclusionSaves", ad->ci_cost + ad->eval_saves);
        if (daily_possible(ad->type) && ad->daily_saves > 0) {
            pl_json_set_i64(a, o, "DailyConfigurationItems", ad->daily_cis);
            set_money(a, o, "DailyRecordingSaves", ad->daily_saves);
        }
        char b[64], m[512];
        snprintf(m, sizeof m, "exclude %s (recordingGroup.exclusionByResourceTypes) to save $%s",
                 ad->type, pl_cost_dollars(ad->ci_cost + ad->eval_saves, b));
        if (daily_possible(ad->type) && ad->daily_saves > 0) {
            size_t len = strlen(m);
            snprintf(m + len, sizeof m - len,
                     ", or record it DAILY (recordingMode.recordingModeOverrides) to save $%s",
                     pl_cost_dollars(ad->daily_saves, b));
        }
        pl_json_set_str(a, o, "Suggestion", m);
    }
    return arr;
}

static int footprint_json(struct report *r, struct pl_store *s, const struct pl_cost_query *q,
                          struct pl_json *out, struct pl_err *err)
{
    struct pl_arena *a = r->a;
    int64_t res, versions, bytes;
    if (pl_store_footprint(s, q->account, &res, &versions, &bytes, err) < 0)
        return -1;
    int64_t all_res = res, all_versions = versions, all_bytes = bytes;
    if (q->account && pl_store_footprint(s, NULL, &all_res, &all_versions, &all_bytes, err) < 0)
        return -1;
    struct pl_json *o = pl_json_set(a, out, "Footprint", pl_json_new_obj(a));
    pl_json_set_i64(a, o, "Resources", res);
    pl_json_set_i64(a, o, "ConfigurationItemVersions", versions);
    if (q->data_bytes)
        pl_json_set_i64(a, o, "DataBytes", all_bytes);
    /* per 10,000 resources of the whole store, so an account sees a rate, not the others' */
    if (all_res > 0) {
        pl_json_set_i64(a, o, "DataBytesPer10000Resources",
                        (int64_t)((__int128)all_bytes * 10000 / all_res));
        if (q->rss_bytes > 0)
            pl_json_set_i64(a, o, "RssBytesPer10000Resources",
                            (int64_t)((__int128)q->rss_bytes * 10000 / all_res));
    }
    if (q->rss_bytes > 0 && q->data_bytes)
        pl_json_set_i64(a, o, "RssBytes", q->rss_bytes);
    return 0;
}

/* ms of the first instant of month yyyymm (month 13 of a year: January of the next). */
static int64_t month_start(int month)
{
    int y = month / 100, m = month % 100;
    if (m > 12) {
        y++;
        m = 1;
    }
    struct pl_tm tm = {.year = y, .mon = m, .day = 1};
    return pl_time_from_civil(&tm);
}

struct pl_json *pl_cost_report(struct pl_store *s, const struct pl_cost_query *q,
                               struct pl_arena *a, struct pl_err *err)
{
    struct report r = {.a = a};
    struct pl_json *out = NULL;
    int top = q->top > 0 ? q->top : 10;
    r.g.a = a;
    r.g.top = top;
    r.g.top_res = pl_arena_alloc(a, (size_t)top * sizeof *r.g.top_res);
    int since = q->since > 0 ? q->since : 0, until = q->until > 0 ? q->until : 999912;
    int64_t since_ms = since ? month_start(since) : INT64_MIN;
    int64_t until_ms = q->until > 0 ? month_start(until + 1) : INT64_MAX;
    if (pl_store_cost_cis(s, q->account, since_ms, until_ms, on_res, &r.g, err) < 0)
        goto out;
    if (pl_store_cost_evals(s, q->account, since, until, a, &r.ev, &r.nev, err) < 0)
        goto out;
    build_parts(&r);
    out = pl_json_new_obj(a);
    pl_json_set(a, out, "PriceTable", prices_json(a));
    if (q->since > 0)
        set_month(a, out, "Since", q->since);
    if (q->until > 0)
        set_month(a, out, "Until", q->until);
    int64_t total;
    struct pl_json *parts = parts_json(&r, &total);
    set_money(a, out, "TotalCost", total);
    pl_json_set(a, out, "Months", parts);
    pl_json_set(a, out, "ResourceTypes", types_json(&r));
    pl_json_set(a, out, "Rules", rules_json(&r));
    pl_json_set(a, out, "TopResources", top_json(&r));
    pl_json_set(a, out, "Advice", advice_json(&r, top));
    if (footprint_json(&r, s, q, out, err) < 0)
        out = NULL;
out:
    free(r.g.ln);
    free(r.g.slots);
    free(r.adv);
    return out;
}
