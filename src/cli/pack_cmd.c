/* pack_cmd.c — `plumb pack`: conformance packs on a running plumb serve, through the AWS Config
 * API (StarlingDoveService, SigV4 with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
 *
 *   plumb pack deploy FILE [--name NAME] [--param K=V]... [--timeout S]
 *                                                           PutConformancePack with FILE as the
 *                                                           TemplateBody; waits (S, default
 *                                                           600) for the deploy, prints the state
 *   plumb pack list [--json]                                packs, states and scores
 *   plumb pack report NAME [--json]                         per-rule compliance, the score, the
 *                                                           non-compliant resources
 *   plumb pack deploy --document DOC[:VERSION] --name NAME [--param K=V]...
 *                                                           PutConformancePack with
 *                                                           TemplateSSMDocumentDetails
 *   plumb pack document add DOC FILE [--default]            PlumbService.PutDocument: a new
 *                                                           version of the template document
 *   plumb pack document list [--json]                       PlumbService.ListDocuments
 *   plumb pack document remove DOC                          PlumbService.DeleteDocument
 *   COMMON: [--endpoint URL] [--region NAME]
 *
 * The endpoint is --endpoint, else $AWS_ENDPOINT_URL_CONFIG_SERVICE, $AWS_ENDPOINT_URL, or
 * http://127.0.0.1:7711; the region --region, else $AWS_DEFAULT_REGION, else us-east-1.
 * Exit codes: 0 ok, 1 a failed call or a CREATE_FAILED pack (or one still CREATE_IN_PROGRESS
 * after --timeout), 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/client.h"
#include "core/json.h"
#include "core/util.h"

#define MAX_FILE (1 << 20)
#define MAX_PARAMS 60

struct popts {
    const char *endpoint, *region, *name, *document;
    int set_default;
    const char *params[MAX_PARAMS];
    int nparams;
    int json;
    long timeout_s; /* deploy: how long to wait for the pack to leave CREATE_IN_PROGRESS */
};

static int usage(void)
{
    fprintf(stderr,
            "usage: plumb pack deploy FILE [--name NAME] [--param K=V]... [--timeout S] [COMMON]\n"
            "       plumb pack list [--json] [COMMON]\n"
            "       plumb pack report NAME [--json] [COMMON]\n"
            "       plumb pack deploy --document DOC[:VERSION] --name NAME [--param K=V]... "
            "[COMMON]\n"
            "       plumb pack document add DOC FILE [--default] [COMMON]\n"
            "       plumb pack document list [--json] [COMMON]\n"
            "       plumb pack document remove DOC [COMMON]\n"
            "COMMON: [--endpoint URL] [--region NAME]\n");
    return 2;
}

static const char *env_or(const char *a, const char *b, const char *dflt)
{
    const char *v = getenv(a);
    if (v && *v)
        return v;
    v = b ? getenv(b) : NULL;
    return v && *v ? v : dflt;
}

/* Calls StarlingDoveService.<op> (PlumbService.X when op is so named) with body; *out is the
 * answer (arena). Prints the error. */
static int call(struct pl_arena *a, const struct popts *o, const char *op,
                const struct pl_json *body, struct pl_json **out)
{
    const struct pl_cli_call c = {.sub = "pack",
                                  .endpoint = o->endpoint,
                                  .region = o->region,
                                  .service = "StarlingDoveService",
                                  .needs = "",
                                  .name_op = true};
    return pl_cli_call(a, &c, op, body, out);
}

/* Every item of the list member key of op's answers, following NextToken. */
static int call_all(struct pl_arena *a, const struct popts *o, const char *op,
                    struct pl_json *body, const char *key, struct pl_json **items)
{
    *items = pl_json_new_arr(a);
    for (;;) {
        struct pl_json *out;
        if (call(a, o, op, body, &out) < 0)
            return -1;
        struct pl_json *arr = pl_json_get(out, key);
        for (struct pl_json *e = arr ? arr->child : NULL, *next; e; e = next) {
            next = e->next;
            pl_json_push(*items, pl_json_clone(a, e));
        }
        const char *tok = pl_json_get_str(out, "NextToken");
        if (!tok)
            return 0;
        pl_json_del(body, "NextToken");
        pl_json_set_str(a, body, "NextToken", tok);
    }
}

/* The pack's name from a file name: its base name without extension, '.' and '_' as '-'. */
static const char *name_of(struct pl_arena *a, const char *path)
{
    const char *base = strrchr(path, '/');
    char *n = pl_arena_strdup(a, base ? base + 1 : path);
    char *dot = strrchr(n, '.');
    if (dot && dot != n)
        *dot = 0;
    for (char *p = n; *p; p++)
        if (*p == '.' || *p == '_')
            *p = '-';
    return n;
}

static const char *status_line(struct pl_arena *a, const struct popts *o, const char *name)
{
    struct pl_json *body = pl_json_new_obj(a), *out;
    pl_json_push(pl_json_set(a, body, "ConformancePackNames", pl_json_new_arr(a)),
                 pl_json_new_str(a, name));
    if (call(a, o, "DescribeConformancePackStatus", body, &out) < 0)
        return NULL;
    const struct pl_json *st = pl_json_at(pl_json_get(out, "ConformancePackStatusDetails"), 0);
    const char *reason = pl_json_get_str(st, "ConformancePackStatusReason");
    return pl_arena_printf(a, "%s%s%s", pl_json_get_str(st, "ConformancePackState"),
                           reason ? ": " : "", reason ? reason : "");
}

/* The status line once the pack is no longer CREATE_IN_PROGRESS (PutConformancePack answers
 * before the deploy is done), polling every 100 ms for at most o->timeout_s seconds; then the
 * state as it is (CREATE_IN_PROGRESS: the caller exits 1). NULL after a failed call. */
static const char *wait_deployed(struct pl_arena *a, const struct popts *o, const char *name)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    time_t deadline = now.tv_sec + o->timeout_s;
    for (;;) {
        const char *st = status_line(a, o, name);
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!st || strncmp(st, "CREATE_IN_PROGRESS", 18) != 0 || now.tv_sec >= deadline)
            return st;
        struct timespec ts = {0, 100 * 1000000};
        nanosleep(&ts, NULL);
    }
}

/* The template of deploy: FILE's text as TemplateBody, or --document DOC[:VERSION] as
 * TemplateSSMDocumentDetails. 0, or 1 (printed). */
static int template_of(struct pl_arena *a, const struct popts *o, const char *file,
                       struct pl_json *body)
{
    if (o->document) {
        struct pl_json *d = pl_json_set(a, body, "TemplateSSMDocumentDetails", pl_json_new_obj(a));
        const char *colon = strrchr(o->document, ':');
        bool arn = strncmp(o->document, "arn:", 4) == 0; /* an ARN's colons are its own */
        if (colon && (!arn || !strchr(colon, '/'))) {
            pl_json_set(a, d, "DocumentName",
                        pl_json_new_strn(a, o->document, (size_t)(colon - o->document)));
            pl_json_set_str(a, d, "DocumentVersion", colon + 1);
        } else {
            pl_json_set_str(a, d, "DocumentName", o->document);
        }
        return 0;
    }
    size_t len;
    char *text = pl_read_file(file, MAX_FILE, &len);
    if (!text) {
        fprintf(stderr, "plumb pack: cannot read %s\n", file);
        return 1;
    }
    pl_json_set(a, body, "TemplateBody", pl_json_new_strn(a, text, len));
    free(text);
    return 0;
}

static int deploy(struct pl_arena *a, const struct popts *o, const char *file)
{
    const char *name = o->name ? o->name : name_of(a, file);
    struct pl_json *body = pl_json_new_obj(a), *out;
    pl_json_set_str(a, body, "ConformancePackName", name);
    if (template_of(a, o, file, body) != 0)
        return 1;
    struct pl_json *params = pl_json_new_arr(a);
    for (int i = 0; i < o->nparams; i++) {
        const char *eq = strchr(o->params[i], '=');
        struct pl_json *p = pl_json_push(params, pl_json_new_obj(a));
        pl_json_set(a, p, "ParameterName",
                    pl_json_new_strn(a, o->params[i], (size_t)(eq - o->params[i])));
        pl_json_set_str(a, p, "ParameterValue", eq + 1);
    }
    if (o->nparams)
        pl_json_set(a, body, "ConformancePackInputParameters", params);
    if (call(a, o, "PutConformancePack", body, &out) < 0)
        return 1;
    const char *st = wait_deployed(a, o, name);
    if (!st)
        return 1;
    printf("%s: %s\n", name, st);
    return strncmp(st, "CREATE_COMPLETE", 15) == 0 ? 0 : 1;
}

/* The score of pack name ("INSUFFICIENT_DATA" included), or NULL. */
static const char *score_of(struct pl_arena *a, const struct popts *o, const char *name)
{
    struct pl_json *body = pl_json_new_obj(a), *out;
    struct pl_json *f = pl_json_set(a, body, "Filters", pl_json_new_obj(a));
    pl_json_push(pl_json_set(a, f, "ConformancePackNames", pl_json_new_arr(a)),
                 pl_json_new_str(a, name));
    if (call(a, o, "ListConformancePackComplianceScores", body, &out) < 0)
        return NULL;
    return pl_json_get_str(pl_json_at(pl_json_get(out, "ConformancePackComplianceScores"), 0),
                           "Score");
}

static int list(struct pl_arena *a, const struct popts *o)
{
    struct pl_json *packs;
    if (call_all(a, o, "DescribeConformancePackStatus", pl_json_new_obj(a),
                 "ConformancePackStatusDetails", &packs) < 0)
        return 1;
    struct pl_json *arr = pl_json_new_arr(a);
    for (struct pl_json *p = packs->child; p; p = p->next) {
        const char *name = pl_json_get_str(p, "ConformancePackName");
        const char *score = score_of(a, o, name);
        struct pl_json *e = pl_json_push(arr, pl_json_new_obj(a));
        pl_json_set_str(a, e, "ConformancePackName", name);
        pl_json_set_str(a, e, "ConformancePackState", pl_json_get_str(p, "ConformancePackState"));
        pl_json_set_str(a, e, "Score", score ? score : "?");
        if (!o->json)
            printf("%-50s %-16s %s\n", name, pl_json_get_str(p, "ConformancePackState"),
                   score ? score : "?");
    }
    if (o->json)
        printf("%s\n", pl_json_dump(a, arr, PL_JSON_PRETTY));
    return 0;
}

static void print_report(const struct pl_json *r)
{
    printf("pack %s: %s, score %s\n", pl_json_get_str(r, "ConformancePackName"),
           pl_json_get_str(r, "ComplianceType"), pl_json_get_str(r, "Score"));
    for (const struct pl_json *e = pl_json_get(r, "Rules")->child; e; e = e->next)
        printf("  %-18s %s\n", pl_json_get_str(e, "ComplianceType"),
               pl_json_get_str(e, "ConfigRuleName"));
    const struct pl_json *bad = pl_json_get(r, "NonCompliantResources");
    printf("non-compliant resources: %zu\n", bad->len);
    for (const struct pl_json *e = bad->child; e; e = e->next) {
        const char *ann = pl_json_get_str(e, "Annotation");
        printf("  %s %s %s%s%s\n", pl_json_get_str(e, "ConfigRuleName"),
               pl_json_get_str(e, "ResourceType"), pl_json_get_str(e, "ResourceId"),
               ann ? ": " : "", ann ? ann : "");
    }
}

static int report(struct pl_arena *a, const struct popts *o, const char *name)
{
    struct pl_json *rules, *results, *out;
    struct pl_json *body = pl_json_new_obj(a);
    pl_json_set_str(a, body, "ConformancePackName", name);
    if (call_all(a, o, "DescribeConformancePackCompliance", body,
                 "ConformancePackRuleComplianceList", &rules) < 0)
        return 1;
    body = pl_json_new_obj(a);
    pl_json_set_str(a, body, "ConformancePackName", name);
    pl_json_set_str(a, pl_json_set(a, body, "Filters", pl_json_new_obj(a)), "ComplianceType",
                    "NON_COMPLIANT");
    if (call_all(a, o, "GetConformancePackComplianceDetails", body,
                 "ConformancePackRuleEvaluationResults", &results) < 0)
        return 1;
    body = pl_json_new_obj(a);
    pl_json_push(pl_json_set(a, body, "ConformancePackNames", pl_json_new_arr(a)),
                 pl_json_new_str(a, name));
    const char *score = score_of(a, o, name);
    if (!score || call(a, o, "GetConformancePackComplianceSummary", body, &out) < 0)
        return 1;
    struct pl_json *r = pl_json_new_obj(a), *bad = pl_json_new_arr(a);
    pl_json_set_str(a, r, "ConformancePackName", name);
    pl_json_set_str(a, r, "ComplianceType",
                    pl_json_get_str(pl_json_at(pl_json_get(out,
                                                           "ConformancePackComplianceSummaryList"),
                                               0),
                                    "ConformancePackComplianceStatus"));
    pl_json_set_str(a, r, "Score", score);
    pl_json_set(a, r, "Rules", rules);
    for (const struct pl_json *e = results->child; e; e = e->next) {
        const struct pl_json *q =
            pl_json_path(e, "EvaluationResultIdentifier.EvaluationResultQualifier");
        struct pl_json *b = pl_json_push(bad, pl_json_new_obj(a));
        static const char *const keys[] = {"ConfigRuleName", "ResourceType", "ResourceId"};
        for (size_t i = 0; i < 3; i++)
            pl_json_set_str(a, b, keys[i], pl_json_get_str(q, keys[i]));
        if (pl_json_get_str(e, "Annotation"))
            pl_json_set_str(a, b, "Annotation", pl_json_get_str(e, "Annotation"));
    }
    pl_json_set(a, r, "NonCompliantResources", bad);
    if (o->json)
        printf("%s\n", pl_json_dump(a, r, PL_JSON_PRETTY));
    else
        print_report(r);
    return 0;
}

/* `plumb pack document add|list|remove`. */
static int document(struct pl_arena *a, const struct popts *o, char **pos, int npos)
{
    const char *sub = npos ? pos[0] : "";
    struct pl_json *body = pl_json_new_obj(a), *out;
    if (strcmp(sub, "add") == 0 && npos == 3) {
        size_t len;
        char *text = pl_read_file(pos[2], MAX_FILE, &len);
        if (!text) {
            fprintf(stderr, "plumb pack: cannot read %s\n", pos[2]);
            return 1;
        }
        pl_json_set_str(a, body, "Name", pos[1]);
        pl_json_set(a, body, "Content", pl_json_new_strn(a, text, len));
        free(text);
        if (o->set_default)
            pl_json_set_bool(a, body, "SetAsDefault", true);
        if (call(a, o, "PlumbService.PutDocument", body, &out) < 0)
            return 1;
        printf("%s: version %s (default %s)\n", pos[1], pl_json_get_str(out, "DocumentVersion"),
               pl_json_get_str(out, "DefaultVersion"));
        return 0;
    }
    if (strcmp(sub, "remove") == 0 && npos == 2) {
        pl_json_set_str(a, body, "Name", pos[1]);
        return call(a, o, "PlumbService.DeleteDocument", body, &out) < 0 ? 1 : 0;
    }
    if (strcmp(sub, "list") != 0 || npos != 1)
        return usage();
    if (call(a, o, "PlumbService.ListDocuments", body, &out) < 0)
        return 1;
    const struct pl_json *docs = pl_json_get(out, "Documents");
    if (o->json) {
        printf("%s\n", pl_json_dump(a, docs, PL_JSON_PRETTY));
        return 0;
    }
    for (const struct pl_json *d = docs ? docs->child : NULL; d; d = d->next)
        printf("%-50s latest %-5s default %s\n", pl_json_get_str(d, "Name"),
               pl_json_get_str(d, "LatestVersion"), pl_json_get_str(d, "DefaultVersion"));
    return 0;
}

/* Options after the subcommand; positional arguments stay in argv[optind..]. */
static int parse(int argc, char **argv, struct popts *o)
{
    static const struct option opts[] = {
        {"endpoint", required_argument, NULL, 'e'}, {"region", required_argument, NULL, 'r'},
        {"name", required_argument, NULL, 'n'},     {"param", required_argument, NULL, 'p'},
        {"json", no_argument, NULL, 'j'},           {"help", no_argument, NULL, 'h'},
        {"document", required_argument, NULL, 'D'}, {"default", no_argument, NULL, 'f'},
        {"timeout", required_argument, NULL, 't'},  {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'e')
            o->endpoint = optarg;
        else if (c == 'r')
            o->region = optarg;
        else if (c == 'n')
            o->name = optarg;
        else if (c == 'j')
            o->json = 1;
        else if (c == 'D')
            o->document = optarg;
        else if (c == 'f')
            o->set_default = 1;
        else if (c == 't' && (o->timeout_s = strtol(optarg, NULL, 10)) > 0)
            continue;
        else if (c == 't')
            return pl_cli_usage_error("pack", "--timeout takes a number of seconds");
        else if (c == 'p' && strchr(optarg, '=') && optarg[0] != '=' && o->nparams < MAX_PARAMS)
            o->params[o->nparams++] = optarg;
        else if (c == 'p')
            return pl_cli_usage_error("pack", "--param takes K=V (at most %d)", MAX_PARAMS);
        else
            return c == 'h' ? (usage(), 2) : pl_cli_getopt_error("pack", argv, c);
    }
    if (!o->timeout_s)
        o->timeout_s = 600;
    if (!o->endpoint)
        o->endpoint = env_or("AWS_ENDPOINT_URL_CONFIG_SERVICE", "AWS_ENDPOINT_URL",
                             "http://127.0.0.1:7711");
    if (!o->region)
        o->region = env_or("AWS_DEFAULT_REGION", "AWS_REGION", "us-east-1");
    return 0;
}

int pl_cli_pack(int argc, char **argv)
{
    struct popts o = {0};
    struct pl_arena a;
    if (argc < 2 || pl_cli_is_help(argv[1]))
        return usage();
    const char *sub = argv[1];
    if (parse(argc - 1, argv + 1, &o) != 0)
        return 2;
    int npos = argc - 1 - optind;
    char **pos = argv + 1 + optind;
    int rc;
    pl_arena_init(&a);
    if (strcmp(sub, "deploy") == 0 && npos == 1 && !o.document)
        rc = deploy(&a, &o, pos[0]);
    else if (strcmp(sub, "deploy") == 0 && npos == 0 && o.document && o.name)
        rc = deploy(&a, &o, NULL);
    else if (strcmp(sub, "document") == 0)
        rc = document(&a, &o, pos, npos);
    else if (strcmp(sub, "list") == 0 && npos == 0)
        rc = list(&a, &o);
    else if (strcmp(sub, "report") == 0 && npos == 1)
        rc = report(&a, &o, pos[0]);
    else
        rc = usage();
    pl_client_thread_done();
    pl_arena_fini(&a);
    return rc;
}
