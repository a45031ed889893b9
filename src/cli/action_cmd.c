/* action_cmd.c — `plumb action`: register, list and remove the remediation actions a
 * remediation configuration's TargetId names, and print their logs (docs/remediation.md).
 *
 *   plumb action add NAME (--exec CMD | --http URL | --python FILE.py:function)
 *                         [--timeout S] [--memory MB] [--dry-run] [COMMON]
 *   plumb action list [--json] [COMMON]
 *   plumb action remove NAME [COMMON]
 *   plumb action logs NAME [--json] [COMMON]
 *   COMMON: [--account ID] [--region NAME] (--data DIR | --endpoint URL)
 *
 * --data DIR writes the store directly (safe while `plumb serve` runs on DIR); --endpoint URL
 * calls PlumbService.PutAction / ListActions / DeleteAction / GetActionLogs signed with
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (PutAction needs an administrator key).
 * Exit codes: 0 ok, 1 failure (or no such action), 2 usage.
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/client.h"
#include "core/json.h"
#include "core/time.h"
#include "core/util.h"
#include "remediation/remediation.h"
#include "store/evals.h"
#include "store/store.h"

struct aopts {
    const char *sub, *name, *exec, *http, *python;
    const char *account, *region, *data, *endpoint;
    int timeout, memory;
    bool dry_run, json;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: plumb action add NAME (--exec CMD | --http URL | --python FILE.py:function)\n"
            "                        [--timeout S] [--memory MB] [--dry-run] [COMMON]\n"
            "       plumb action list [--json] [COMMON]\n"
            "       plumb action remove NAME [COMMON]\n"
            "       plumb action logs NAME [--json] [COMMON]\n"
            "COMMON: [--account ID] [--region NAME] (--data DIR | --endpoint URL)\n"
            "defaults: --account 123456789012 --region us-east-1 --data ./plumb-data "
            "--timeout %d --memory %d\n",
            PL_FN_DEFAULT_TIMEOUT_S, PL_FN_DEFAULT_MEMORY_MB);
}

/* --timeout and --memory, the options pl_cli_getopt leaves to the command. */
static int option(void *ctx, int c, char *arg)
{
    struct aopts *o = ctx;
    long long v;
    if (pl_parse_i64(arg, &v) < 0 || v < 0 || v > INT_MAX)
        return pl_cli_usage_error("action", "--%s needs a number", c == 't' ? "timeout" : "memory");
    *(c == 't' ? &o->timeout : &o->memory) = (int)v;
    return 0;
}

static int parse_args(int argc, char **argv, struct aopts *o)
{
    memset(o, 0, sizeof *o);
    o->account = "123456789012";
    o->region = "us-east-1";
    o->timeout = PL_FN_DEFAULT_TIMEOUT_S;
    o->memory = PL_FN_DEFAULT_MEMORY_MB;
    if (argc < 2)
        return pl_cli_usage_error("action", "add, list, remove or logs?");
    o->sub = argv[1];
    bool named =
        strcmp(o->sub, "add") == 0 || strcmp(o->sub, "remove") == 0 || strcmp(o->sub, "logs") == 0;
    if (!named && strcmp(o->sub, "list") != 0)
        return pl_cli_usage_error("action", "unknown subcommand '%s'", o->sub);
    const struct pl_cli_opt opts[] = {
        {"exec", 'x', &o->exec, NULL, false},       {"http", 'u', &o->http, NULL, false},
        {"python", 'p', &o->python, NULL, false},   {"timeout", 't', NULL, NULL, true},
        {"memory", 'm', NULL, NULL, true},          {"dry-run", 'n', NULL, &o->dry_run, false},
        {"account", 'a', &o->account, NULL, false}, {"region", 'r', &o->region, NULL, false},
        {"data", 'd', &o->data, NULL, false},       {"endpoint", 'e', &o->endpoint, NULL, false},
        {"json", 'j', NULL, &o->json, false},       {NULL, 0, NULL, NULL, false},
    };
    int r = pl_cli_getopt("action", argc - 1, argv + 1, ":", opts, option, o);
    if (r != 0)
        return r;
    /* getopt saw argv+1, so its optind counts from the subcommand */
    int npos = argc - 1 - optind;
    if (npos != (named ? 1 : 0))
        return named ? pl_cli_usage_error("action", "%s needs one NAME", o->sub)
                     : pl_cli_usage_error("action", "unexpected argument '%s'", argv[1 + optind]);
    if (named)
        o->name = argv[1 + optind];
    if (o->data && o->endpoint)
        return pl_cli_usage_error("action", "--data and --endpoint exclude each other");
    if (!o->endpoint && !o->data)
        o->data = "./plumb-data";
    return 0;
}

static int call_api(struct pl_arena *a, const struct aopts *o, const char *op,
                    const struct pl_json *body, struct pl_json **out)
{
    return pl_cli_plumb_call(a, "action", o->endpoint, o->region, op, body, out);
}

/* The action of an add command (strings borrowed from o / a). */
static int build(struct pl_arena *a, const struct aopts *o, struct pl_rem_action *act)
{
    struct pl_fn *fn = &act->fn;
    memset(act, 0, sizeof *act);
    int given = !!o->exec + !!o->http + !!o->python;
    if (given != 1) {
        fprintf(stderr, "plumb action: give exactly one of --exec, --http and --python\n");
        return -1;
    }
    fn->account = o->account;
    fn->region = o->region;
    fn->name = o->name;
    fn->timeout_s = o->timeout;
    fn->memory_mb = o->memory;
    act->dry_run = o->dry_run;
    if (o->exec) {
        fn->runtime = PL_FN_EXEC;
        fn->command = o->exec;
    } else if (o->http) {
        fn->runtime = PL_FN_HTTP;
        fn->url = o->http;
    } else {
        fn->runtime = PL_FN_PYTHON;
        const char *colon = strrchr(o->python, ':');
        char real[PATH_MAX];
        char *path = colon ? pl_arena_strndup(a, o->python, (size_t)(colon - o->python)) : NULL;
        fn->handler =
            path && realpath(path, real) ? pl_arena_printf(a, "%s%s", real, colon) : o->python;
    }
    return 0;
}

static int cmd_add(struct pl_arena *a, const struct aopts *o)
{
    struct pl_rem_action act;
    struct pl_err err = {0};
    if (build(a, o, &act) < 0)
        return 2;
    if (o->endpoint) {
        struct pl_json *b = pl_json_new_obj(a), *out;
        pl_json_set_str(a, b, "ActionName", o->name);
        pl_fn_render_code(a, b, &act.fn);
        pl_json_set_bool(a, b, "DryRun", act.dry_run);
        return call_api(a, o, "PutAction", b, &out) < 0 ? 1 : 0;
    }
    struct pl_store *st = pl_cli_open("action", o->data, true);
    int rc = st ? pl_rem_action_put(st, &act, &err) : -1;
    pl_store_close(st);
    if (rc < 0) {
        if (err.code)
            fprintf(stderr, "plumb action: %s\n", err.msg);
        return err.code == PL_E_INVALID_PARAMETER_VALUE ? 2 : 1;
    }
    printf("%s\n", o->name);
    return 0;
}

static int cmd_list(struct pl_arena *a, const struct aopts *o)
{
    struct pl_json *arr = pl_json_new_arr(a);
    if (o->endpoint) {
        struct pl_json *out;
        if (call_api(a, o, "ListActions", pl_json_new_obj(a), &out) < 0)
            return 1;
        arr = pl_json_get(out, "Actions");
    } else {
        struct pl_rem_action *items;
        size_t n;
        struct pl_err err = {0};
        struct pl_store *st = pl_cli_open("action", o->data, false);
        int rc = st ? pl_rem_action_list(st, o->account, o->region, a, &items, &n, &err) : -1;
        pl_store_close(st);
        if (rc < 0) {
            if (err.code)
                fprintf(stderr, "plumb action: %s\n", err.msg);
            return 1;
        }
        for (size_t i = 0; i < n; i++)
            pl_json_push(arr, pl_rem_action_render(a, &items[i]));
    }
    if (o->json) {
        printf("%s\n", pl_json_dump(a, arr, PL_JSON_COMPACT));
        return 0;
    }
    printf("%-32s %-7s %8s %-7s  %s\n", "NAME", "RUNTIME", "TIMEOUT", "DRY-RUN", "TARGET");
    for (const struct pl_json *e = arr ? arr->child : NULL; e; e = e->next) {
        int64_t t = 0;
        const char *target = pl_json_get_str(e, "Command");
        target = target ? target : pl_json_get_str(e, "Url");
        target = target ? target : pl_json_get_str(e, "Handler");
        pl_json_i64(pl_json_get(e, "Timeout"), &t);
        printf("%-32s %-7s %7" PRId64 "s %-7s  %s\n", pl_json_get_str(e, "ActionName"),
               pl_json_get_str(e, "Runtime"), t,
               pl_json_truthy(pl_json_get(e, "DryRun")) ? "yes" : "no", target ? target : "");
    }
    return 0;
}

static int cmd_remove(struct pl_arena *a, const struct aopts *o)
{
    if (o->endpoint) {
        struct pl_json *b = pl_json_new_obj(a), *out;
        pl_json_set_str(a, b, "ActionName", o->name);
        return call_api(a, o, "DeleteAction", b, &out) < 0 ? 1 : 0;
    }
    struct pl_err err = {0};
    struct pl_store *st = pl_cli_open("action", o->data, true);
    int rc = st ? pl_rem_action_delete(st, o->account, o->region, o->name, &err) : -1;
    pl_store_close(st);
    if (rc == 0)
        fprintf(stderr, "plumb action: no action '%s' in %s/%s\n", o->name, o->account, o->region);
    else if (rc < 0 && err.code)
        fprintf(stderr, "plumb action: %s\n", err.msg);
    return rc == 1 ? 0 : 1;
}

static int cmd_logs(struct pl_arena *a, const struct aopts *o)
{
    const struct pl_json *events;
    if (o->endpoint) {
        struct pl_json *b = pl_json_new_obj(a), *out;
        pl_json_set_str(a, b, "ActionName", o->name);
        pl_json_set_i64(a, b, "Limit", 100);
        if (call_api(a, o, "GetActionLogs", b, &out) < 0)
            return 1;
        events = pl_json_get(out, "Events");
    } else {
        struct pl_fn_log_query q = {.account = o->account,
                                    .region = o->region,
                                    .function = pl_rem_action_log_name(a, o->name),
                                    .limit = 1000};
        struct pl_fn_log *rows;
        size_t n;
        bool more;
        struct pl_err err = {0};
        struct pl_store *st = pl_cli_open("action", o->data, false);
        int rc = st ? pl_store_fnlog_list(st, &q, a, &rows, &n, &more, &err) : -1;
        pl_store_close(st);
        if (rc < 0) {
            if (err.code)
                fprintf(stderr, "plumb action: %s\n", err.msg);
            return 1;
        }
        struct pl_json *arr = pl_json_new_arr(a);
        for (size_t i = 0; i < n; i++)
            pl_json_push(arr, pl_fn_log_json(a, &rows[i]));
        events = arr;
    }
    for (const struct pl_json *e = events ? events->child : NULL; e; e = e->next) {
        if (o->json) {
            printf("%s\n", pl_json_dump(a, e, PL_JSON_COMPACT));
            continue;
        }
        const char *out = pl_json_get_str(e, "Output"), *msg = pl_json_get_str(e, "ErrorMessage");
        printf("START RequestId: %s Rule: %s Resource: %s %s\n%s", pl_json_get_str(e, "RequestId"),
               pl_json_get_str(e, "RuleName"), pl_json_get_str(e, "ResourceType"),
               pl_json_get_str(e, "ResourceId"), out ? out : "");
        if (out && *out && out[strlen(out) - 1] != '\n')
            printf("\n");
        printf("REPORT Outcome: %s%s%s\n", pl_json_get_str(e, "Outcome"), msg ? ": " : "",
               msg ? msg : "");
    }
    return 0;
}

int pl_cli_action(int argc, char **argv)
{
    struct aopts o;
    int pa = argc >= 2 && pl_cli_is_help(argv[1]) ? 1 : parse_args(argc, argv, &o);
    if (pa == 1)
        usage(stdout);
    if (pa != 0)
        return pa == 1 ? 0 : pa;
    struct pl_arena a;
    int rc;
    pl_arena_init(&a);
    if (strcmp(o.sub, "add") == 0)
        rc = cmd_add(&a, &o);
    else if (strcmp(o.sub, "list") == 0)
        rc = cmd_list(&a, &o);
    else if (strcmp(o.sub, "remove") == 0)
        rc = cmd_remove(&a, &o);
    else
        rc = cmd_logs(&a, &o);
    pl_arena_fini(&a);
    return rc;
}
