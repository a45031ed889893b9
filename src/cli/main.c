/* main.c — the plumb command: dispatches `plumb <subcommand> ...` to its entry point
 * (commands.h). Human output by default, --json where a command offers it, exit codes:
 * 0 ok, 1 failure while working, 2 usage error (guard keeps cfn-guard's codes). */
#include "cli/commands.h"
#include "cli/guard_cmd.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#ifndef PL_VERSION
#define PL_VERSION "0.1.0"
#endif

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} commands[] = {
    {"serve", pl_cli_serve, "run the AWS Config API server"},
    {"worker", pl_cli_worker, "run the workers (rules, delivery, remediation) of a store, no API"},
    {"record", pl_cli_record, "import configuration items (files or stdin)"},
    {"history", pl_cli_history, "show a resource's configuration timeline"},
    {"diff", pl_cli_diff, "show what changed between two versions of a resource"},
    {"blame", pl_cli_blame, "who changed a resource: its versions, diffs and CloudTrail events"},
    {"discover", pl_cli_discover,
     "one sweep of live AWS resources (S3, EC2, IAM) into the recorder"},
    {"cloudtrail", pl_cli_cloudtrail, "import CloudTrail log files (files or directory trees)"},
    {"credentials", pl_cli_credentials, "manage access keys (add, list, revoke)"},
    {"org", pl_cli_org, "plumb's organization (create, add-account, remove-account, list)"},
    {"webhook", pl_cli_webhook, "map SNS topic ARNs to webhook URLs (add, list, remove)"},
    {"function", pl_cli_function,
     "Lambda-style rule functions (add, list, remove, invoke: run one once)"},
    {"action", pl_cli_action, "remediation actions (add, list, remove, logs)"},
    {"guard", pl_cli_guard, "Guard policies (validate, test, eval), like cfn-guard"},
    {"pack", pl_cli_pack, "conformance packs on a running server (deploy, list, report)"},
    {"store", pl_cli_store, "the store itself: copy a data directory to PostgreSQL, info"},
    {"query", pl_cli_query, "AWS Config advanced query (SELECT ...) over a data directory"},
    {"cost", pl_cli_cost, "what AWS Config would have charged for what plumb recorded"},
    {"eval", pl_cli_eval, "judge resources or a template before deploying (exit 2: NON_COMPLIANT)"},
};

/* --store URL (or --store=URL), which every command with --data takes: the PostgreSQL database
 * the data directory is (or gets) bound to. Removed from argv; 2 when it has no value. */
static int take_store(int *argc, char **argv)
{
    for (int i = 2; i < *argc; i++) {
        const char *url = NULL;
        int n = 0;
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--store") == 0 && i + 1 < *argc)
            url = argv[i + 1], n = 2;
        else if (strncmp(argv[i], "--store=", 8) == 0)
            url = argv[i] + 8, n = 1;
        else if (strcmp(argv[i], "--store") == 0)
            return fprintf(stderr, "plumb %s: option '--store' needs a value\n", argv[1]), 2;
        if (!n)
            continue;
        if (!pl_store_spec_is_pg(url))
            return fprintf(stderr, "plumb %s: --store must be a postgres:// URL\n", argv[1]), 2;
        pl_store_set_default(url);
        memmove(argv + i, argv + i + n, (size_t)(*argc - i - n + 1) * sizeof *argv);
        *argc -= n;
        i--;
    }
    return 0;
}

static int usage(FILE *f)
{
    fprintf(f, "usage: plumb <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n`plumb <command> --help` describes a command. Docs: docs/ in the source tree.\n");
    return f == stderr ? 2 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return usage(stdout);
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("plumb %s\n", PL_VERSION);
        return 0;
    }
    if (take_store(&argc, argv) != 0)
        return 2;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "plumb: unknown command '%s' (see `plumb --help`)\n", argv[1]);
    return 2;
}
