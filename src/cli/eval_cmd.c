/* eval_cmd.c — `plumb eval`: judges resources before they are deployed, with the rules deployed
 * in a data directory, as a CI gate (docs/proactive.md, docs/cli.md).
 *
 *   plumb eval [--data DIR] [--account ID] [--region NAME] [--rules A,B | --pack NAME] [--json]
 *              [--param K=V]... FILE...
 *   plumb eval --endpoint URL [--region NAME] [--rules A,B] [--json] [--param K=V]... FILE...
 *
 * A FILE is a CloudFormation template (YAML or JSON; each resource of Resources with its Type and
 * Properties resolved as src/packs resolves a pack's template: Parameters from --param or their
 * Default, Conditions, resource-level Condition, Fn::If/Join/Sub, AWS::NoValue, pseudo
 * parameters of --account/--region), a CloudFormation-schema resource {"ResourceType",
 * "ResourceId"?, "ResourceConfiguration" (object or JSON string)}, a configuration item as `plumb
 * record` reads one (an object with resourceType), or an array of those, or {"configurationItems":
 * [...]}. Rules: those named by --rules or belonging to the conformance pack --pack, else every
 * rule whose EvaluationModes include PROACTIVE. It runs locally on the data directory (read only:
 * the judgement is never recorded); Lambda-style rules are reported, not run. With --endpoint it
 * asks a running server instead (StartResourceEvaluation per resource, SigV4 with
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, then the summary until it is not IN_PROGRESS and
 * the results): every proactive rule there runs, Lambda-style ones included; --rules then
 * keeps only those rules' results. Configuration items are judged with --data only.
 *
 * Exit: 0 nothing NON_COMPLIANT, 2 something NON_COMPLIANT (as a usage error also exits 2), 1
 * errors (an unreadable file, no data directory).
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/client.h"
#include "core/json.h"
#include "core/time.h"
#include "core/util.h"
#include "packs/packs.h"
#include "rules/rules.h"

#define EVAL_MAX_FILE (16u << 20) /* bytes of one input file */
#define KIND_PACK     "ConformancePack" /* api/ops_packs.c: {"Rules": [{ConfigRuleName}]} */

#define EVAL_TIMEOUT_S 900 /* EvaluationTimeout sent with --endpoint (AWS's default) */

struct eopts {
    const char *data, *account, *region, *rules, *pack, *endpoint;
    struct pl_pack_param params[PL_PACK_MAX_PARAMS]; /* --param K=V of templates */
    size_t nparams;
    bool json;
    char **files;
    int nfiles;
};

/* The resources of the files, growing. */
struct inputs {
    struct pl_rules_resource *r;
    const char **file;
    size_t n, cap;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: plumb eval [--data DIR] [--account ID] [--region NAME] "
               "[--rules A,B | --pack NAME] [--json] [--param K=V]... FILE...\n"
               "       plumb eval --endpoint URL [--region NAME] [--rules A,B] [--json] "
               "[--param K=V]... FILE...\n");
    if (f != stdout)
        return;
    fprintf(f, "\n"
               "Judges resources that are not deployed against the rules of a data directory\n"
               "and exits 2 when one is NON_COMPLIANT (a gate for CI pipelines).\n\n"
               "  FILE            a CloudFormation template (YAML or JSON), a resource\n"
               "                  {\"ResourceType\", \"ResourceConfiguration\"}, or CIs\n"
               "  --data DIR      data directory (default ./plumb-data); read only\n"
               "  --account ID    the rules' account (default 123456789012)\n"
               "  --region NAME   the rules' region (default us-east-1)\n"
               "  --rules A,B     these rules (any evaluation mode)\n"
               "  --pack NAME     the rules of this conformance pack\n"
               "                  (default: every rule with the PROACTIVE evaluation mode)\n"
               "  --endpoint URL  ask a running server (StartResourceEvaluation; Lambda-style\n"
               "                  rules run too); keys from AWS_ACCESS_KEY_ID and\n"
               "                  AWS_SECRET_ACCESS_KEY\n"
               "  --param K=V     a template parameter's value (over its Default; repeatable)\n"
               "  --json          one JSON object per result\n");
}

/* --param K=V. 0, or -1 (usage error printed). */
static int add_param(struct eopts *o, char *kv)
{
    char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return pl_cli_usage_error("eval", "--param wants NAME=VALUE"), -1;
    if (o->nparams == PL_PACK_MAX_PARAMS)
        return pl_cli_usage_error("eval", "at most 60 --param"), -1;
    *eq = 0;
    o->params[o->nparams++] = (struct pl_pack_param){kv, eq + 1};
    return 0;
}

/* --param, the option pl_cli_getopt leaves to the command. */
static int option(void *ctx, int c, char *arg)
{
    (void)c;
    return add_param(ctx, arg) < 0 ? 2 : 0;
}

static int parse_args(int argc, char **argv, struct eopts *o)
{
    memset(o, 0, sizeof *o);
    o->data = "./plumb-data";
    o->account = "123456789012";
    o->region = "us-east-1";
    bool data = false, region = false;
    const struct pl_cli_opt opts[] = {
        {"data", 'd', &o->data, &data, false},
        {"account", 'a', &o->account, NULL, false},
        {"region", 'r', &o->region, &region, false},
        {"rules", 'R', &o->rules, NULL, false},
        {"pack", 'p', &o->pack, NULL, false},
        {"json", 'j', NULL, &o->json, false},
        {"param", 'P', NULL, NULL, true},
        {"endpoint", 'e', &o->endpoint, NULL, false},
        {NULL, 0, NULL, NULL, false},
    };
    int r = pl_cli_getopt("eval", argc, argv, ":d:a:r:R:p:P:je:h", opts, option, o);
    if (r == 1)
        usage(stdout);
    if (r != 0)
        return r == 1 ? 1 : -1;
    if (o->rules && o->pack)
        return pl_cli_usage_error("eval", "--rules and --pack exclude each other"), -1;
    if (o->endpoint && (data || o->pack))
        return pl_cli_usage_error("eval", "--endpoint excludes --data and --pack"), -1;
    if (o->endpoint && !region && getenv("AWS_DEFAULT_REGION") && *getenv("AWS_DEFAULT_REGION"))
        o->region = getenv("AWS_DEFAULT_REGION");
    if (optind >= argc)
        return pl_cli_usage_error("eval", "name at least one FILE"), -1;
    o->files = argv + optind;
    o->nfiles = argc - optind;
    return 0;
}

static void add(struct pl_arena *a, struct inputs *in, const char *file,
                const struct pl_rules_resource *r)
{
    if (in->n == in->cap) {
        size_t cap = in->cap ? 2 * in->cap : 16;
        struct pl_rules_resource *nr = pl_arena_alloc(a, cap * sizeof *nr);
        const char **nf = pl_arena_alloc(a, cap * sizeof *nf);
        if (in->n) {
            memcpy(nr, in->r, in->n * sizeof *nr);
            memcpy(nf, in->file, in->n * sizeof *nf);
        }
        in->r = nr;
        in->file = nf;
        in->cap = cap;
    }
    in->file[in->n] = file;
    in->r[in->n++] = *r;
}

/* One JSON object of a file: a CloudFormation resource or a CI. 0, or -1 (message printed). */
static int add_object(struct pl_arena *a, struct inputs *in, const char *file,
                      const struct pl_json *o, size_t idx)
{
    struct pl_rules_resource r = {0};
    const char *conf = pl_json_get_str(o, "ResourceConfiguration");
    if (pl_json_get_str(o, "ResourceType")) {
        r.type = pl_json_get_str(o, "ResourceType");
        r.id = pl_json_get_str(o, "ResourceId");
        if (!r.id)
            r.id = pl_arena_printf(a, "%s#%zu", file, idx);
        r.props = pl_json_get(o, "ResourceConfiguration");
        if (conf) {
            struct pl_err err = {0};
            r.props = pl_json_parse(a, conf, strlen(conf), &err);
            if (!r.props) {
                fprintf(stderr, "plumb eval: %s: ResourceConfiguration: %s\n", file,
                        pl_err_msg(&err));
                return -1;
            }
        }
    } else if (pl_json_get_str(o, "resourceType") && pl_json_get_str(o, "resourceId")) {
        r.type = pl_json_get_str(o, "resourceType");
        r.id = pl_json_get_str(o, "resourceId");
        r.ci = o;
    } else {
        fprintf(stderr,
                "plumb eval: %s: item %zu is neither a CloudFormation resource (ResourceType, "
                "ResourceConfiguration) nor a configuration item (resourceType, resourceId)\n",
                file, idx);
        return -1;
    }
    add(a, in, file, &r);
    return 0;
}

/* Reads one file into in (a template resolved with o's parameters, account and region). 0, or
 * -1 (message printed). */
static int read_input(struct pl_arena *a, struct inputs *in, const char *file,
                      const struct eopts *o)
{
    size_t len;
    char *text = pl_read_file(file, EVAL_MAX_FILE, &len);
    struct pl_err err = {0};
    int rc = 0;
    if (!text) {
        fprintf(stderr, "plumb eval: %s: cannot read (missing, or over %u bytes)\n", file,
                EVAL_MAX_FILE);
        return -1;
    }
    struct pl_json *j = pl_json_parse(a, text, len, &err);
    if (!j || (j->type == PL_JOBJ && pl_json_get(j, "Resources"))) { /* a template */
        struct pl_pack_cfn_resource *res;
        size_t n = 0;
        struct pl_pack_env env = {.account = o->account,
                                  .region = o->region,
                                  .stack_name = "plumb-eval",
                                  .params = o->params,
                                  .nparams = o->nparams};
        pl_err_clear(&err);
        if (pl_pack_template_resources(a, text, len, &env, &res, &n, &err) < 0) {
            fprintf(stderr, "plumb eval: %s: %s\n", file, pl_err_msg(&err));
            rc = -1;
        }
        for (size_t i = 0; rc == 0 && i < n; i++) {
            struct pl_rules_resource r = {res[i].type, res[i].logical_id, res[i].props, NULL};
            add(a, in, file, &r);
        }
    } else if (j->type == PL_JARR || pl_json_get(j, "configurationItems")) {
        const struct pl_json *arr = j->type == PL_JARR ? j : pl_json_get(j, "configurationItems");
        size_t i = 0;
        for (const struct pl_json *e = arr->child; e && rc == 0; e = e->next)
            rc = add_object(a, in, file, e, i++);
    } else {
        rc = add_object(a, in, file, j, 0);
    }
    free(text);
    return rc;
}

/* The rule names of --rules or --pack (NULL, 0: the proactive rules). 0 or -1 (printed). */
static int rule_names(struct pl_store *st, struct pl_arena *a, const struct eopts *o,
                      const char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    if (o->rules) {
        char *list = pl_arena_strdup(a, o->rules);
        size_t cap = 1;
        for (const char *p = list; *p; p++)
            cap += *p == ',';
        *names = pl_arena_alloc(a, cap * sizeof **names);
        for (char *t = list; t;) {
            char *comma = strchr(t, ',');
            if (comma)
                *comma = 0;
            if (*t)
                (*names)[(*n)++] = t;
            t = comma ? comma + 1 : NULL;
        }
        return 0;
    }
    if (!o->pack)
        return 0;
    struct pl_obj obj;
    struct pl_err err = {0};
    int f = pl_store_obj_get(st, o->account, o->region, KIND_PACK, o->pack, a, &obj, &err);
    struct pl_json *p = f > 0 ? pl_json_parse(a, obj.json, obj.len, &err) : NULL;
    if (!p) {
        fprintf(stderr, "plumb eval: %s\n",
                f < 0 || f > 0 ? pl_err_msg(&err) : "no such conformance pack");
        return -1;
    }
    const struct pl_json *rules = pl_json_get(p, "Rules");
    *names = pl_arena_alloc(a, ((rules ? rules->len : 0) + 1) * sizeof **names);
    for (const struct pl_json *r = rules ? rules->child : NULL; r; r = r->next)
        if (pl_json_get_str(r, "ConfigRuleName"))
            (*names)[(*n)++] = pl_json_get_str(r, "ConfigRuleName");
    if (!*n) {
        fprintf(stderr, "plumb eval: the conformance pack %s has no rules\n", o->pack);
        return -1;
    }
    return 0;
}

/* Prints the verdicts; returns whether one is NON_COMPLIANT. */
static bool print(struct pl_arena *a, const struct inputs *in, const struct pl_rules_verdicts *v,
                  bool json)
{
    bool bad = false;
    for (size_t i = 0; i < in->n; i++) {
        if (!json)
            printf("%s: %s %s\n", in->file[i], in->r[i].type, in->r[i].id);
        if (!json && !v[i].n)
            printf("  (no rule applies)\n");
        for (size_t k = 0; k < v[i].n; k++) {
            const struct pl_rules_verdict *x = &v[i].v[k];
            bad |= strcmp(x->compliance, "NON_COMPLIANT") == 0;
            if (!json) {
                printf("  %-40s %s%s%s\n", x->rule, x->compliance, x->annotation ? "  " : "",
                       x->annotation ? x->annotation : "");
                continue;
            }
            struct pl_json *o = pl_json_new_obj(a);
            pl_json_set_str(a, o, "file", in->file[i]);
            pl_json_set_str(a, o, "resourceType", in->r[i].type);
            pl_json_set_str(a, o, "resourceId", in->r[i].id);
            pl_json_set_str(a, o, "configRuleName", x->rule);
            pl_json_set_str(a, o, "complianceType", x->compliance);
            if (x->annotation)
                pl_json_set_str(a, o, "annotation", x->annotation);
            puts(pl_json_dump(a, o, PL_JSON_COMPACT));
        }
    }
    return bad;
}

/* ---- --endpoint: through StartResourceEvaluation ---- */

/* Calls StarlingDoveService.<op>; *out the answer (arena). Prints the error. */
static int call(struct pl_arena *a, const struct eopts *o, const char *op,
                const struct pl_json *body, struct pl_json **out)
{
    const struct pl_cli_call c = {.sub = "eval",
                                  .endpoint = o->endpoint,
                                  .region = o->region,
                                  .service = "StarlingDoveService",
                                  .needs = "--endpoint ",
                                  .name_op = true};
    return pl_cli_call(a, &c, op, body, out);
}

static bool wanted(const char *const *names, size_t n, const char *rule)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], rule) == 0)
            return true;
    return n == 0;
}

/* One resource through the server: start, wait, results into *v. 0 or -1 (printed). */
static int remote_one(struct pl_arena *a, const struct eopts *o, const struct pl_rules_resource *r,
                      const char *const *names, size_t nnames, struct pl_rules_verdicts *v)
{
    struct pl_json *body = pl_json_new_obj(a), *out;
    struct pl_json *rd = pl_json_set(a, body, "ResourceDetails", pl_json_new_obj(a));
    pl_json_set_str(a, rd, "ResourceId", r->id);
    pl_json_set_str(a, rd, "ResourceType", r->type);
    pl_json_set_str(a, rd, "ResourceConfiguration", pl_json_dump(a, r->props, PL_JSON_COMPACT));
    pl_json_set_str(a, rd, "ResourceConfigurationSchemaType", "CFN_RESOURCE_SCHEMA");
    pl_json_set_str(a, body, "EvaluationMode", "PROACTIVE");
    pl_json_set_i64(a, body, "EvaluationTimeout", EVAL_TIMEOUT_S);
    if (call(a, o, "StartResourceEvaluation", body, &out) < 0)
        return -1;
    const char *id = pl_json_get_str(out, "ResourceEvaluationId");
    struct pl_json *q = pl_json_new_obj(a);
    pl_json_set_str(a, q, "ResourceEvaluationId", id ? id : "");
    int64_t end = pl_mono_ns() / 1000000 + (EVAL_TIMEOUT_S + 60) * 1000LL;
    const char *status = "IN_PROGRESS";
    while (strcmp(status, "IN_PROGRESS") == 0) {
        if (call(a, o, "GetResourceEvaluationSummary", q, &out) < 0)
            return -1;
        status = pl_json_get_str(pl_json_get(out, "EvaluationStatus"), "Status");
        status = status ? status : "FAILED";
        if (strcmp(status, "IN_PROGRESS") == 0) {
            if (pl_mono_ns() / 1000000 > end)
                break;
            struct timespec ts = {0, 50 * 1000000};
            nanosleep(&ts, NULL);
        }
    }
    if (strcmp(status, "SUCCEEDED") != 0) {
        const char *why = pl_json_get_str(pl_json_get(out, "EvaluationStatus"), "FailureReason");
        fprintf(stderr, "plumb eval: %s %s: evaluation %s %s%s%s\n", r->type, r->id, id, status,
                why ? ": " : "", why ? why : "");
        return -1;
    }
    if (call(a, o, "GetComplianceDetailsByResource", q, &out) < 0)
        return -1;
    const struct pl_json *res = pl_json_get(out, "EvaluationResults");
    v->v = pl_arena_alloc(a, ((res ? res->len : 0) + 1) * sizeof *v->v);
    v->n = 0;
    for (const struct pl_json *e = res ? res->child : NULL; e; e = e->next) {
        const char *rule =
            pl_json_get_str(pl_json_path(e, "EvaluationResultIdentifier.EvaluationResultQualifier"),
                            "ConfigRuleName");
        if (!rule || !wanted(names, nnames, rule))
            continue;
        struct pl_rules_verdict *x = &v->v[v->n++];
        x->rule = rule;
        x->compliance = pl_json_get_str(e, "ComplianceType");
        x->compliance = x->compliance ? x->compliance : "INSUFFICIENT_DATA";
        x->annotation = pl_json_get_str(e, "Annotation");
    }
    return 0;
}

static int judge_remote(struct pl_arena *a, const struct eopts *o, const struct inputs *in,
                        const char *const *names, size_t nnames, struct pl_rules_verdicts *v)
{
    for (size_t i = 0; i < in->n; i++) {
        if (in->r[i].ci) {
            fprintf(stderr, "plumb eval: %s: configuration items are judged with --data only\n",
                    in->file[i]);
            return -1;
        }
        if (remote_one(a, o, &in->r[i], names, nnames, &v[i]) < 0)
            return -1;
    }
    return 0;
}

int pl_cli_eval(int argc, char **argv)
{
    struct eopts o;
    struct pl_arena a;
    struct pl_store *st = NULL;
    struct inputs in = {0};
    struct pl_err err = {0};
    const char **names;
    size_t nnames;
    int r = parse_args(argc, argv, &o), rc = 1;
    if (r != 0)
        return r > 0 ? 0 : 2;
    pl_arena_init(&a);
    for (int i = 0; i < o.nfiles; i++)
        if (read_input(&a, &in, o.files[i], &o) < 0)
            goto out;
    struct pl_rules_verdicts *v = pl_arena_alloc(&a, (in.n + 1) * sizeof *v);
    if (o.endpoint) {
        if (rule_names(NULL, &a, &o, &names, &nnames) < 0 ||
            judge_remote(&a, &o, &in, names, nnames, v) < 0)
            goto out;
    } else {
        if (pl_cli_open_read("eval", o.data, &st) < 0 ||
            rule_names(st, &a, &o, &names, &nnames) < 0)
            goto out;
        if (pl_rules_judge_local(st, o.account, o.region, names, nnames, in.r, in.n, &a, v, &err) <
            0) {
            fprintf(stderr, "plumb eval: %s\n", pl_err_msg(&err));
            goto out;
        }
    }
    rc = print(&a, &in, v, o.json) ? 2 : 0;
out:
    pl_store_close(st);
    pl_arena_fini(&a);
    return rc;
}
