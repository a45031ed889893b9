/* cost_cmd.c — `plumb cost`: what AWS Config would have charged for what plumb recorded and
 * evaluated (src/cost/, docs/cost.md), read straight from a data directory.
 *
 *   plumb cost [--data DIR] [--account ID] [--since YYYY-MM] [--until YYYY-MM] [--top N] [--json]
 *
 * --json prints the report PlumbService.GetCostReport serves (plus the data directory's size);
 * without it, tables for people: per month and partition, per resource type, per rule, the
 * resources whose churn costs most, the recorder scoping advice and plumb's own footprint.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/buf.h"
#include "core/json.h"
#include "cost/cost.h"

struct copts {
    const char *data, *account;
    int since, until, top;
    bool json;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: plumb cost [--data DIR] [--account ID] [--since YYYY-MM] [--until YYYY-MM] "
               "[--top N] [--json]\n");
    if (f != stdout)
        return;
    fprintf(f, "\nWhat AWS Config would have charged for the CIs plumb recorded and the rule\n"
               "evaluations it ran (price table and method: docs/cost.md).\n\n"
               "  --data DIR       data directory (default ./plumb-data); read only\n"
               "  --account ID     one account only (default: every account)\n"
               "  --since YYYY-MM  first month (default: the first recorded)\n"
               "  --until YYYY-MM  last month, inclusive (default: the last recorded)\n"
               "  --top N          rows of the churn list and of the advice (default 10)\n"
               "  --json           the report as JSON (PlumbService.GetCostReport's shape)\n");
}

/* The options pl_cli_getopt leaves to the command: --since, --until, --top. */
static int option(void *ctx, int c, char *arg)
{
    struct copts *o = ctx;
    if (c == 't') {
        char *end;
        long n = strtol(arg, &end, 10);
        if (*end || n < 1 || n > 1000)
            return pl_cli_usage_error("cost", "--top wants 1..1000, not '%s'", arg);
        o->top = (int)n;
        return 0;
    }
    int m = pl_cost_parse_month(arg);
    if (m < 0)
        return pl_cli_usage_error("cost", "--%s wants a month YYYY-MM, not '%s'",
                                  c == 's' ? "since" : "until", arg);
    *(c == 's' ? &o->since : &o->until) = m;
    return 0;
}

static int parse_args(int argc, char **argv, struct copts *o)
{
    memset(o, 0, sizeof *o);
    o->data = "./plumb-data";
    const struct pl_cli_opt opts[] = {
        {"data", 'd', &o->data, NULL, false}, {"account", 'a', &o->account, NULL, false},
        {"since", 's', NULL, NULL, true},     {"until", 'u', NULL, NULL, true},
        {"top", 't', NULL, NULL, true},       {"json", 'j', NULL, &o->json, false},
        {NULL, 0, NULL, NULL, false},
    };
    int r = pl_cli_getopt("cost", argc, argv, ":d:a:s:u:t:jh", opts, option, o);
    if (r == 1)
        usage(stdout);
    if (r != 0)
        return r == 1 ? 1 : -1;
    if (optind < argc)
        return pl_cli_usage_error("cost", "unexpected argument '%s'", argv[optind]), -1;
    if (o->since && o->until && o->since > o->until)
        return pl_cli_usage_error("cost", "--since is after --until"), -1;
    return 0;
}

static const char *s(const struct pl_json *o, const char *k)
{
    const char *v = pl_json_get_str(o, k);
    return v ? v : "";
}

static int64_t n(const struct pl_json *o, const char *k)
{
    int64_t v = 0;
    pl_json_i64(pl_json_get(o, k), &v);
    return v;
}

/* A money member as the text the report wrote ("12.3456"). */
static const char *money(struct pl_arena *a, const struct pl_json *o, const char *k)
{
    const struct pl_json *v = pl_json_get(o, k);
    return v ? pl_json_dump(a, v, 0) : "0.0000";
}

static void print_tables(struct pl_arena *a, const struct pl_json *r)
{
    const struct pl_json *p = pl_json_get(r, "PriceTable");
    printf("AWS Config prices of %s (%s, %s): $%s per CI (continuous), $%s (DAILY); rule and "
           "conformance pack evaluations tiered per account, region and month\n\n",
           s(p, "Date"), s(p, "Region"), s(p, "Source"), money(a, p, "ContinuousConfigurationItem"),
           money(a, p, "PeriodicConfigurationItem"));
    printf("%-7s  %-12s  %-14s  %10s  %8s  %10s  %10s  %12s\n", "MONTH", "ACCOUNT", "REGION", "CIS",
           "DAILY", "RULE-EVALS", "PACK-EVALS", "COST $");
    for (const struct pl_json *m = pl_json_get(r, "Months")->child; m; m = m->next)
        printf("%-7s  %-12s  %-14s  %10" PRId64 "  %8" PRId64 "  %10" PRId64 "  %10" PRId64
               "  %12s\n",
               s(m, "Month"), s(m, "AccountId"), s(m, "AwsRegion"), n(m, "ConfigurationItems"),
               n(m, "PeriodicConfigurationItems"), n(m, "RuleEvaluations"),
               n(m, "ConformancePackEvaluations"), money(a, m, "Cost"));
    printf("%-7s  %-12s  %-14s  %10s  %8s  %10s  %10s  %12s\n\n", "TOTAL", "", "", "", "", "", "",
           money(a, r, "TotalCost"));

    printf("%-7s  %-12s  %-14s  %-40s  %10s  %8s  %12s\n", "MONTH", "ACCOUNT", "REGION",
           "RESOURCE TYPE", "CIS", "DAILY", "COST $");
    for (const struct pl_json *t = pl_json_get(r, "ResourceTypes")->child; t; t = t->next)
        printf("%-7s  %-12s  %-14s  %-40s  %10" PRId64 "  %8" PRId64 "  %12s\n", s(t, "Month"),
               s(t, "AccountId"), s(t, "AwsRegion"), s(t, "ResourceType"),
               n(t, "ConfigurationItems"), n(t, "PeriodicConfigurationItems"), money(a, t, "Cost"));
    printf("\n%-7s  %-12s  %-14s  %-40s  %10s  %12s\n", "MONTH", "ACCOUNT", "REGION", "RULE",
           "EVALS", "COST $");
    for (const struct pl_json *t = pl_json_get(r, "Rules")->child; t; t = t->next)
        printf("%-7s  %-12s  %-14s  %-40s  %10" PRId64 "  %12s\n", s(t, "Month"), s(t, "AccountId"),
               s(t, "AwsRegion"), s(t, "ConfigRuleName"), n(t, "Evaluations"), money(a, t, "Cost"));
    printf("\nresources whose churn costs most:\n");
    printf("%-12s  %-14s  %-36s  %-30s  %8s  %10s\n", "ACCOUNT", "REGION", "RESOURCE TYPE",
           "RESOURCE ID", "CIS", "COST $");
    for (const struct pl_json *t = pl_json_get(r, "TopResources")->child; t; t = t->next)
        printf("%-12s  %-14s  %-36s  %-30s  %8" PRId64 "  %10s\n", s(t, "AccountId"),
               s(t, "AwsRegion"), s(t, "ResourceType"), s(t, "ResourceId"),
               n(t, "ConfigurationItems"), money(a, t, "Cost"));
    printf("\nrecorder scoping advice (the types that churn most):\n");
    for (const struct pl_json *t = pl_json_get(r, "Advice")->child; t; t = t->next)
        printf("  %s\n", s(t, "Suggestion"));
    const struct pl_json *f = pl_json_get(r, "Footprint");
    printf("\nplumb's own footprint: %" PRId64 " resources, %" PRId64 " CI versions, %" PRId64
           " bytes on disk",
           n(f, "Resources"), n(f, "ConfigurationItemVersions"), n(f, "DataBytes"));
    if (pl_json_get(f, "DataBytesPer10000Resources"))
        printf(" (%" PRId64 " bytes per 10,000 resources)", n(f, "DataBytesPer10000Resources"));
    printf("\n");
}

int pl_cli_cost(int argc, char **argv)
{
    struct copts o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    struct pl_store *st;
    if (pl_cli_open_read("cost", o.data, &st) < 0)
        return 1;
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_err err = {0};
    struct pl_cost_query q = {
        .account = o.account, .since = o.since, .until = o.until, .top = o.top, .data_bytes = true};
    struct pl_json *r = pl_cost_report(st, &q, &a, &err);
    int ret = 0;
    if (!r) {
        fprintf(stderr, "plumb cost: %s\n", pl_err_msg(&err));
        ret = 1;
    } else if (o.json) {
        struct pl_buf b;
        pl_buf_init(&b, PL_BUF_NOLIMIT);
        pl_json_write(&b, r, PL_JSON_PRETTY);
        fwrite(b.data, 1, b.len, stdout);
        putchar('\n');
        pl_buf_fini(&b);
    } else {
        print_tables(&a, r);
    }
    pl_arena_fini(&a);
    pl_store_close(st);
    return ret;
}
