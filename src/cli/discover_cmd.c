/* discover_cmd.c — `plumb discover`: one sweep of live AWS resources into a data directory
 * (recorder/sources/aws/aws.h). Credentials, region and endpoints come as the AWS SDKs find
 * them (AWS_* environment, shared files, AWS_ENDPOINT_URL[_SERVICE]). Output: one line per
 * resource with --dry-run or --verbose, a summary line on stderr (or a JSON object on stdout
 * with --json). Exit 0 ok, 1 some type failed or nothing could be called, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/client.h"
#include "core/util.h"
#include "recorder/sources/aws/aws.h"

#define MAX_TYPES 32
#define MAX_ROLES 256

static void usage(FILE *f)
{
    fprintf(
        f, "usage: plumb discover [--data DIR] [--region R] [--types T,...] [--dry-run]\n"
           "\n"
           "One sweep of live AWS resources, recorded as configuration items (docs/discovery.md).\n"
           "Credentials: the AWS SDKs' chain (AWS_ACCESS_KEY_ID..., web identity, the profile\n"
           "(AWS_PROFILE, --profile) of ~/.aws/credentials and ~/.aws/config with its role_arn,\n"
           "container and instance metadata). Endpoints:\n"
           "AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's endpoint_url.\n"
           "\n"
           "  --data DIR        data directory (default ./plumb-data)\n"
           "  --region R        region to sweep (default AWS_REGION, AWS_DEFAULT_REGION, the\n"
           "                    profile's region, us-east-1)\n"
           "  --types T,...     resource types (default: all discovery knows)\n"
           "  --dry-run         record nothing: list what would be recorded and the API calls\n"
           "  --account ID      the account to record into (default: STS GetCallerIdentity)\n"
           "  --profile NAME    the shared-file profile (skips the environment's keys)\n"
           "  --role-arn ARN    AssumeRole into ARN's account and sweep it there (repeatable)\n"
           "  --org-role NAME   sweep every account of the plumb organization: the management\n"
           "                    account as the caller, members by AssumeRole of role NAME\n"
           "  --external-id ID  the ExternalId of those AssumeRole calls\n"
           "  --all             record every type, ignoring the partition's recorder\n"
           "                    (default: as `plumb record`: a running recorder's group applies)\n"
           "  --rate N          calls per second per service (default 50; 0: unbounded)\n"
           "  --backoff-ms N    first retry delay bound in ms (default 100)\n"
           "  --verbose         one line per resource\n"
           "  --json            the summary as JSON on stdout\n"
           "\n"
           "Types: ");
    for (size_t i = 0; pl_aws_types[i]; i++)
        fprintf(f, "%s%s", i ? ", " : "", pl_aws_types[i]);
    fprintf(f, "\n");
}

static void on_json(void *u, const struct pl_json *ci)
{
    (void)u;
    struct pl_buf b;
    pl_buf_init(&b, (size_t)64 << 20);
    pl_json_write(&b, ci, PL_JSON_COMPACT);
    printf("%.*s\n", (int)b.len, b.data ? b.data : "");
    pl_buf_fini(&b);
}

static void on_ci(void *u, const char *type, const char *id, const char *what)
{
    (void)u;
    printf("%s %s %s\n", type, id, what);
}

struct args {
    const char *data, *region, *profile;
    struct pl_discover_opts o;
    struct pl_discover_roles roles;
    bool verbose, json, print;
    long long rate, backoff, page_size;
};

/* -1 when the arguments are good, else the exit code (help: 0, usage: 2) */
static int parse_args(int argc, char **argv, struct args *r)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'},
        {"region", required_argument, NULL, 'r'},
        {"types", required_argument, NULL, 't'},
        {"dry-run", no_argument, NULL, 'n'},
        {"account", required_argument, NULL, 'a'},
        {"profile", required_argument, NULL, 'p'},
        {"all", no_argument, NULL, 'A'},
        {"rate", required_argument, NULL, 'R'},
        {"backoff-ms", required_argument, NULL, 'B'},
        {"verbose", no_argument, NULL, 'v'},
        {"json", no_argument, NULL, 'j'},
        {"print", no_argument, NULL, 'P'},
        {"page-size", required_argument, NULL, 'S'},
        {"role-arn", required_argument, NULL, 'X'},
        {"org-role", required_argument, NULL, 'O'},
        {"external-id", required_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *types[MAX_TYPES + 1];
    static const char *arns[MAX_ROLES + 1];
    size_t narns = 0;
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:r:t:na:p:AR:B:vjPS:X:O:E:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            r->data = optarg;
            break;
        case 'r':
            if (!*optarg)
                return pl_cli_usage_error("discover", "--region must not be empty");
            r->region = optarg;
            break;
        case 't': {
            size_t n = 0;
            for (char *t = optarg; t && *t;) {
                char *comma = strchr(t, ',');
                if (comma)
                    *comma = 0;
                if (*t) {
                    if (n == MAX_TYPES)
                        return pl_cli_usage_error("discover", "at most %d types", MAX_TYPES);
                    types[n++] = t;
                }
                t = comma ? comma + 1 : NULL;
            }
            types[n] = NULL;
            r->o.types = n ? types : NULL;
            break;
        }
        case 'n':
            r->o.dry_run = true;
            break;
        case 'a':
            if (strlen(optarg) != 12 || strspn(optarg, "0123456789") != 12)
                return pl_cli_usage_error("discover", "--account must be 12 digits");
            r->o.account = optarg;
            break;
        case 'p':
            r->profile = optarg;
            break;
        case 'A':
            r->o.mode = PL_REC_MODE_ALL;
            break;
        case 'R':
            if (pl_parse_i64(optarg, &r->rate) < 0 || r->rate < 0 || r->rate > 100000)
                return pl_cli_usage_error("discover", "--rate must be 0..100000");
            break;
        case 'B':
            if (pl_parse_i64(optarg, &r->backoff) < 0 || r->backoff < 1 || r->backoff > 60000)
                return pl_cli_usage_error("discover", "--backoff-ms must be 1..60000");
            break;
        case 'S':
            if (pl_parse_i64(optarg, &r->page_size) < 0 || r->page_size < 5 || r->page_size > 1000)
                return pl_cli_usage_error("discover", "--page-size must be 5..1000");
            break;
        case 'X':
            if (narns == MAX_ROLES)
                return pl_cli_usage_error("discover", "at most %d --role-arn", MAX_ROLES);
            if (strncmp(optarg, "arn:", 4) != 0)
                return pl_cli_usage_error("discover", "--role-arn takes a role ARN");
            arns[narns++] = optarg;
            arns[narns] = NULL;
            r->roles.role_arns = arns;
            break;
        case 'O':
            if (!*optarg || strchr(optarg, ':'))
                return pl_cli_usage_error("discover", "--org-role takes a role name");
            r->roles.org_role = optarg;
            break;
        case 'E':
            r->roles.external_id = optarg;
            break;
        case 'v':
            r->verbose = true;
            break;
        case 'j':
            r->json = true;
            break;
        case 'P':
            r->print = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return pl_cli_getopt_error("discover", argv, c);
        }
    }
    if (optind < argc)
        return pl_cli_usage_error("discover", "unexpected argument '%s'", argv[optind]);
    if (pl_discover_roles_any(&r->roles) && r->o.account)
        return pl_cli_usage_error("discover", "--account does not go with --role-arn/--org-role");
    return -1;
}

static void summary(const struct args *r, const char *reg, const struct pl_discover_stats *s)
{
    const bool dry = r->o.dry_run;
    if (r->json)
        printf("{\"account\":\"%s\",\"region\":\"%s\",\"dryRun\":%s,\"found\":%lld,"
               "\"recorded\":%lld,\"unchanged\":%lld,\"deleted\":%lld,\"notRecorded\":%lld,"
               "\"failedTypes\":%lld,\"invalid\":%lld,\"apiCalls\":%lld,\"retries\":%lld,"
               "\"throttled\":%lld,"
               "\"seconds\":%.3f}\n",
               s->account, reg, dry ? "true" : "false", (long long)s->found, (long long)s->recorded,
               (long long)s->unchanged, (long long)s->deleted, (long long)s->not_recorded,
               (long long)s->failed_types, (long long)s->invalid, (long long)s->calls,
               (long long)s->retries, (long long)s->throttled, s->seconds);
    fprintf(stderr,
            "plumb discover: account %s region %s: %lld resources found, %lld recorded, %lld "
            "unchanged, %lld %sdeleted, %lld not recorded; %lld API calls (%lld retries) in "
            "%.2f s%s\n",
            s->account[0] ? s->account : "?", reg, (long long)s->found, (long long)s->recorded,
            (long long)s->unchanged, (long long)s->deleted, dry ? "would be " : "",
            (long long)s->not_recorded, (long long)s->calls, (long long)s->retries, s->seconds,
            dry ? " (dry run: nothing recorded)" : "");
}

int pl_cli_discover(int argc, char **argv)
{
    struct args r = {
        .data = "./plumb-data", .o = {.mode = PL_REC_MODE_IMPORT}, .rate = 50, .backoff = 100};
    int st_code = parse_args(argc, argv, &r);
    if (st_code >= 0)
        return st_code;
    struct pl_discover_opts o = r.o;
    const char *data = r.data, *region = r.region, *profile = r.profile;
    bool verbose = r.verbose, print = r.print;
    struct pl_err err = {0};
    char reg[64];
    if (region)
        snprintf(reg, sizeof reg, "%s", region);
    else
        pl_aws_region_default(profile, reg, sizeof reg);
    struct pl_aws_creds creds;
    if (pl_aws_creds_chain(profile, reg, &creds, &err) < 0) {
        fprintf(stderr, "plumb discover: %s\n", err.msg);
        pl_client_thread_done();
        return 1;
    }
    static struct pl_aws_ctx ctx;
    pl_aws_ctx_init(&ctx, &creds, reg);
    ctx.profile = profile;
    ctx.rate = (double)r.rate;
    ctx.backoff_ms = (long)r.backoff;
    ctx.page_size = (int)r.page_size;
    struct pl_store *st = NULL;
    if (pl_store_open(data, o.dry_run ? PL_STORE_READONLY : 0, &st, &err) < 0) {
        if (!o.dry_run) {
            fprintf(stderr, "plumb discover: %s\n", err.msg);
            return 1;
        }
        st = NULL; /* a dry run without a data directory: nothing to compare with */
        memset(&err, 0, sizeof err);
    }
    if ((o.dry_run || verbose) && !print)
        o.on_ci = on_ci;
    if (print)
        o.on_json = on_json;
    struct pl_discover_stats s;
    int rc = pl_discover_roles_any(&r.roles)
                 ? pl_discover_accounts(st, &ctx, &r.roles, &o, &s, &err)
                 : pl_discover_sweep(st, &ctx, &o, &s, &err);
    pl_store_close(st);
    pl_client_thread_done();
    summary(&r, reg, &s);
    if (rc < 0) {
        fprintf(stderr, "plumb discover: %s\n", err.msg);
        return 1;
    }
    return 0;
}
