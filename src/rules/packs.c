/* packs.c — conformance pack compliance as configuration items.
 *
 * A conformance pack's compliance has history as AWS keeps it: every change of the pack's
 * rule-level compliance is an AWS::Config::ConformancePackCompliance CI (resourceId the pack's
 * id, resourceName its name), recorded in the transaction of the results that changed it. The
 * result sink (compliance.c) calls pl_rules_pack_record_changed with the rules whose results
 * changed in a flush; the pack operations (api/ops_packs.c) record the first CI when a pack is
 * deployed and the deletion when it goes. The recorder dedupes: an unchanged roll-up writes
 * nothing.
 *
 * A rule's compliance as a whole is read with index lookups (pl_store_eval_rule_comp), so a
 * flush costs two lookups per rule of each touched pack, whatever the number of resources.
 * The configuration (plumb's reading of the CI AWS records; docs/packs.md):
 *   {complianceType, conformancePackName, totalRuleCount, compliantRuleCount,
 *    nonCompliantRuleCount, configRuleList[{configRuleName, complianceType, controls[]}]}
 * complianceType: NON_COMPLIANT if a rule is, COMPLIANT if a rule is, else INSUFFICIENT_DATA;
 * rules plumb does not implement count as INSUFFICIENT_DATA.
 *
 * The score (compliant rule-resource pairs over all) has a history too (beyond AWS): a
 * pack_scores row each time the pair counts change, kept from the changes the flush carries
 * and counted whole at deploy (pl_rules_pack_score_reset).
 */
#include <string.h>

#include "core/time.h"

#include "recorder/recorder.h"
#include "rules/rules.h"
#include "store/evals.h"
#include "store/store.h"

#define PACK_RULE_MARK "-conformance-pack-" /* in the name of every rule a pack deployed */
#define MAX_PACKS      1000                 /* listed per flush (AWS allows 50 per region) */

static enum pl_ev_comp rule_comp_of(struct pl_store *st, const char *account, const char *region,
                                    const struct pl_json *entry, struct pl_err *err, int *rc)
{
    enum pl_ev_comp comp = PL_EV_INSUFFICIENT_DATA;
    if (!pl_json_truthy(pl_json_get(entry, "Implemented")))
        return comp;
    if (pl_store_eval_rule_comp(st, account, region, pl_json_get_str(entry, "ConfigRuleName"),
                                &comp, err) < 0)
        *rc = -1;
    return comp;
}

static void base_fields(struct pl_arena *a, struct pl_json *ci, const char *account,
                        const char *region, const struct pl_json *pack)
{
    pl_json_set_str(a, ci, "resourceType", PL_RULES_PACK_TYPE);
    pl_json_set_str(a, ci, "resourceId", pl_json_get_str(pack, "ConformancePackId"));
    pl_json_set_str(a, ci, "resourceName", pl_json_get_str(pack, "ConformancePackName"));
    pl_json_set_str(a, ci, "ARN", pl_json_get_str(pack, "ConformancePackArn"));
    pl_json_set_str(a, ci, "awsAccountId", account);
    pl_json_set_str(a, ci, "awsRegion", region);
    pl_json_set_str(a, ci, "availabilityZone", "Not Applicable");
    pl_json_set(a, ci, "tags", pl_json_new_obj(a));
    pl_json_set(a, ci, "relationships", pl_json_new_arr(a));
}

struct pl_json *pl_rules_pack_ci(struct pl_store *st, const char *account, const char *region,
                                 const struct pl_json *pack, struct pl_arena *a, struct pl_err *err)
{
    struct pl_json *ci = pl_json_new_obj(a);
    base_fields(a, ci, account, region, pack);
    struct pl_json *list = pl_json_new_arr(a);
    int64_t total = 0, ok = 0, bad = 0;
    int rc = 0;
    const struct pl_json *rules = pl_json_get(pack, "Rules");
    for (const struct pl_json *e = rules ? rules->child : NULL; e && rc == 0; e = e->next) {
        enum pl_ev_comp comp = rule_comp_of(st, account, region, e, err, &rc);
        struct pl_json *o = pl_json_push(list, pl_json_new_obj(a));
        pl_json_set_str(a, o, "configRuleName", pl_json_get_str(e, "ConfigRuleName"));
        pl_json_set_str(a, o, "complianceType", pl_ev_comp_name(comp));
        pl_json_set(a, o, "controls", pl_json_new_arr(a));
        total++;
        ok += comp == PL_EV_COMPLIANT;
        bad += comp == PL_EV_NON_COMPLIANT;
    }
    if (rc < 0)
        return NULL;
    struct pl_json *conf = pl_json_set(a, ci, "configuration", pl_json_new_obj(a));
    pl_json_set_str(a, conf, "complianceType",
                    bad  ? "NON_COMPLIANT"
                    : ok ? "COMPLIANT"
                         : "INSUFFICIENT_DATA");
    pl_json_set_str(a, conf, "conformancePackName", pl_json_get_str(pack, "ConformancePackName"));
    pl_json_set_i64(a, conf, "totalRuleCount", total);
    pl_json_set_i64(a, conf, "compliantRuleCount", ok);
    pl_json_set_i64(a, conf, "nonCompliantRuleCount", bad);
    pl_json_set(a, conf, "configRuleList", list);
    return ci;
}

struct pl_json *pl_rules_pack_deleted_ci(const char *account, const char *region,
                                         const struct pl_json *pack, struct pl_arena *a)
{
    struct pl_json *ci = pl_json_new_obj(a);
    base_fields(a, ci, account, region, pack);
    pl_json_set_str(a, ci, "configurationItemStatus", "ResourceDeleted");
    return ci;
}

static bool names_a_pack_rule(const struct pl_rules_pack_change *ch, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(ch[i].rule, PACK_RULE_MARK))
            return true;
    return false;
}

static bool pack_has(const struct pl_json *pack, const char *rule)
{
    const struct pl_json *list = pl_json_get(pack, "Rules");
    for (const struct pl_json *e = list ? list->child : NULL; e; e = e->next) {
        const char *name = pl_json_get_str(e, "ConfigRuleName");
        if (name && strcmp(rule, name) == 0)
            return true;
    }
    return false;
}

/* The pack's pair counts from every stored result of its rules. */
static int full_counts(struct pl_store *st, const char *account, const char *region,
                       const struct pl_json *pack, struct pl_pack_score *sc, struct pl_err *err)
{
    sc->ok = sc->bad = 0;
    const struct pl_json *rules = pl_json_get(pack, "Rules");
    for (const struct pl_json *e = rules ? rules->child : NULL; e; e = e->next) {
        int64_t cnt[4];
        if (pl_store_eval_counts(st, account, region, pl_json_get_str(e, "ConfigRuleName"), cnt,
                                 err) < 0)
            return -1;
        sc->ok += cnt[PL_EV_COMPLIANT];
        sc->bad += cnt[PL_EV_NON_COMPLIANT];
    }
    return 0;
}

/* Appends a score row when the counts differ from the latest one. */
static int score_put(struct pl_store *st, const char *account, const char *region, const char *pack,
                     const struct pl_pack_score *sc, int have_last,
                     const struct pl_pack_score *last, struct pl_err *err)
{
    if (have_last && last->ok == sc->ok && last->bad == sc->bad)
        return 0;
    return pl_store_pack_score_add(st, account, region, pack, sc, err);
}

int pl_rules_pack_score_reset(struct pl_store *st, const char *account, const char *region,
                              const struct pl_json *pack, struct pl_err *err)
{
    const char *name = pl_json_get_str(pack, "ConformancePackName");
    struct pl_pack_score last, sc = {.time_ms = pl_now_ms()};
    int have = pl_store_pack_score_last(st, account, region, name, &last, err);
    if (have < 0 || full_counts(st, account, region, pack, &sc, err) < 0)
        return -1;
    return score_put(st, account, region, name, &sc, have, &last, err);
}

/* The score after this flush: the latest row moved by the changes of the pack's rules (every
 * result goes through the sink, so the deltas are exact), or counted whole the first time. */
static int score_changed(struct pl_store *st, const char *account, const char *region,
                         const struct pl_json *pack, const struct pl_rules_pack_change *ch,
                         size_t n, struct pl_err *err)
{
    const char *name = pl_json_get_str(pack, "ConformancePackName");
    struct pl_pack_score last, sc = {.time_ms = pl_now_ms()};
    int have = pl_store_pack_score_last(st, account, region, name, &last, err);
    if (have < 0)
        return -1;
    if (!have) {
        if (full_counts(st, account, region, pack, &sc, err) < 0)
            return -1;
        return score_put(st, account, region, name, &sc, have, &last, err);
    }
    sc.ok = last.ok;
    sc.bad = last.bad;
    for (size_t i = 0; i < n; i++) {
        if (!pack_has(pack, ch[i].rule))
            continue;
        sc.ok += (ch[i].new_comp == PL_EV_COMPLIANT) - (ch[i].old_comp == PL_EV_COMPLIANT);
        sc.bad += (ch[i].new_comp == PL_EV_NON_COMPLIANT) - (ch[i].old_comp == PL_EV_NON_COMPLIANT);
    }
    return score_put(st, account, region, name, &sc, have, &last, err);
}

int pl_rules_pack_record_changed(struct pl_rec_batch *b, struct pl_store *st, const char *account,
                                 const char *region, const struct pl_rules_pack_change *ch,
                                 size_t n, struct pl_arena *a, struct pl_err *err)
{
    if (!names_a_pack_rule(ch, n))
        return 0;
    struct pl_obj *packs;
    size_t np;
    if (pl_store_obj_list(st, account, region, PL_KIND_PACK, NULL, MAX_PACKS, a, &packs, &np, err) <
        0)
        return -1;
    for (size_t i = 0; i < np; i++) {
        struct pl_err ignored = {0}; /* a pack object plumb wrote always parses */
        struct pl_json *p = pl_json_parse(a, packs[i].json, packs[i].len, &ignored);
        bool touched = false;
        for (size_t k = 0; p && k < n && !touched; k++)
            touched = pack_has(p, ch[k].rule);
        if (!touched)
            continue;
        struct pl_json *ci = pl_rules_pack_ci(st, account, region, p, a, err);
        struct pl_rec_result res;
        if (!ci || pl_rec_batch_add(b, ci, &res, err) < 0 ||
            score_changed(st, account, region, p, ch, n, err) < 0)
            return -1;
    }
    return 0;
}
