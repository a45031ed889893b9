/* function_cmd.c — `plumb function`: register, list, remove and try out Lambda-style functions
 * for custom rules (docs/functions.md).
 *
 *   plumb function add NAME --runtime python --handler PATH/module.py:function
 *                           | --runtime exec --command 'CMD ...' | --runtime http --url URL
 *                           [--timeout S] [--memory MB] [COMMON]
 *   plumb function list   [COMMON] [--json]
 *   plumb function remove NAME [COMMON]
 *   plumb function invoke NAME --event FILE|- [COMMON] [--json]
 *   plumb function logs   NAME [--since T] [--follow] [COMMON] [--json]
 *   COMMON: [--account ID] [--region NAME] (--data DIR | --endpoint URL)
 *
 * --data DIR writes the store directly (safe while `plumb serve` runs on DIR: SQLite WAL);
 * --endpoint URL calls PlumbService.PutFunction/ListFunctions/GetFunction/DeleteFunction
 * (pl_client_aws_json), signed with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY. `invoke` runs the
 * function here, once, with the endpoint and credentials it would get from plumb serve:
 * --endpoint or $AWS_ENDPOINT_URL_CONFIG_SERVICE / $AWS_ENDPOINT_URL / http://127.0.0.1:7711,
 * and the keys from the environment or else the account's first key in DIR/credentials.json.
 * `logs` prints the invocations the rules engine logged (store/evals.h, function logs; or
 * PlumbService.GetFunctionLogs), oldest first; --follow polls for new ones until SIGINT (exit
 * 0) or a closed stdout (SIGPIPE), flushing after each batch so a reader sees it at once.
 * Exit codes: 0 ok, 1 failure (including a function error for invoke), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/client.h"
#include "core/json.h"
#include "core/time.h"
#include "core/util.h"
#include "rules/functions/functions.h"
#include "rules/functions/sandbox.h"
#include "store/evals.h"
#include "store/store.h"

#define DEFAULT_DATA     "./plumb-data"
#define DEFAULT_ACCOUNT  "123456789012"
#define DEFAULT_REGION   "us-east-1"
#define DEFAULT_ENDPOINT "http://127.0.0.1:7711"
#define FOLLOW_POLL_MS   500

struct fopts {
    const char *sub, *name;
    const char *runtime, *handler, *command, *url, *event;
    const char *account, *region, *data, *endpoint;
    int timeout, memory;
    bool json, follow;
    int64_t since_ms; /* logs: 0 = everything kept */
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: plumb function add NAME --runtime python --handler PATH/module.py:function\n"
            "                          | --runtime exec --command 'CMD ...'\n"
            "                          | --runtime http --url URL\n"
            "                          [--timeout S] [--memory MB] [COMMON]\n"
            "       plumb function list [COMMON] [--json]\n"
            "       plumb function remove NAME [COMMON]\n"
            "       plumb function invoke NAME --event FILE|- [COMMON] [--json]\n"
            "       plumb function logs NAME [--since T] [--follow] [COMMON] [--json]\n"
            "       (T: ISO 8601, epoch seconds, or an age such as 30s, 10m, 2h, 7d)\n"
            "COMMON: [--account ID] [--region NAME] (--data DIR | --endpoint URL)\n"
            "defaults: --account %s --region %s --data %s --timeout %d --memory %d\n",
            DEFAULT_ACCOUNT, DEFAULT_REGION, DEFAULT_DATA, PL_FN_DEFAULT_TIMEOUT_S,
            PL_FN_DEFAULT_MEMORY_MB);
}

static int parse_int(const char *s, int *out)
{
    long long v;
    if (pl_parse_i64(s, &v) < 0 || v < 0 || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

/* --since: a time (ISO 8601, epoch seconds) or an age ("10m": N s|m|h|d before now). */
static int parse_since(const char *s, int64_t *ms)
{
    static const char units[] = "smhd";
    static const int64_t unit_ms[] = {1000, 60000, 3600000, 86400000};
    size_t n = strlen(s);
    const char *u = n > 1 ? strchr(units, s[n - 1]) : NULL;
    if (u && *u) {
        char num[24];
        long long v;
        if (n - 1 >= sizeof num)
            return -1;
        memcpy(num, s, n - 1);
        num[n - 1] = '\0';
        if (pl_parse_i64(num, &v) < 0 || v < 0 || v > 100000 * 365LL)
            return -1;
        *ms = pl_now_ms() - v * unit_ms[u - units];
        return 0;
    }
    return pl_time_parse(s, ms);
}

/* Parses argv (argv[1] the subcommand) into o: 0, 1 when help was asked for, 2 after a usage
 * error (printed). */
/* --since, --timeout and --memory, the options pl_cli_getopt leaves to the command. */
static int option(void *ctx, int c, char *arg)
{
    struct fopts *o = ctx;
    if (c == 'S' && parse_since(arg, &o->since_ms) < 0)
        return pl_cli_usage_error("function", "--since must be a time or an age such as 10m");
    if (c == 't' && parse_int(arg, &o->timeout) < 0)
        return pl_cli_usage_error("function", "--timeout must be a number of seconds");
    if (c == 'm' && parse_int(arg, &o->memory) < 0)
        return pl_cli_usage_error("function", "--memory must be a number of MB");
    return 0;
}

static int parse_args(int argc, char **argv, struct fopts *o)
{
    memset(o, 0, sizeof(*o));
    o->account = DEFAULT_ACCOUNT;
    o->region = DEFAULT_REGION;
    o->timeout = PL_FN_DEFAULT_TIMEOUT_S;
    o->memory = PL_FN_DEFAULT_MEMORY_MB;
    if (argc < 2)
        return pl_cli_usage_error("function", "add, list, remove, invoke or logs?");
    o->sub = argv[1];
    if (strcmp(o->sub, "add") != 0 && strcmp(o->sub, "list") != 0 &&
        strcmp(o->sub, "remove") != 0 && strcmp(o->sub, "invoke") != 0 &&
        strcmp(o->sub, "logs") != 0)
        return pl_cli_usage_error("function", "unknown subcommand '%s' (add, list, remove, "
                                              "invoke, logs)", o->sub);
    const struct pl_cli_opt opts[] = {
        {"runtime", 'R', &o->runtime, NULL, false},
        {"handler", 'H', &o->handler, NULL, false},
        {"command", 'c', &o->command, NULL, false},
        {"url", 'u', &o->url, NULL, false},
        {"timeout", 't', NULL, NULL, true},
        {"memory", 'm', NULL, NULL, true},
        {"account", 'a', &o->account, NULL, false},
        {"region", 'r', &o->region, NULL, false},
        {"data", 'd', &o->data, NULL, false},
        {"endpoint", 'e', &o->endpoint, NULL, false},
        {"event", 'E', &o->event, NULL, false},
        {"json", 'j', NULL, &o->json, false},
        {"since", 'S', NULL, NULL, true},
        {"follow", 'f', NULL, &o->follow, false},
        {NULL, 0, NULL, NULL, false},
    };
    int r = pl_cli_getopt("function", argc - 1, argv + 1, ":h", opts, option, o);
    if (r != 0)
        return r;
    /* getopt saw argv+1, so its optind counts from the subcommand */
    int npos = argc - 1 - optind;
    bool named = strcmp(o->sub, "list") != 0;
    if (npos != (named ? 1 : 0))
        return named ? pl_cli_usage_error("function", "%s needs one NAME", o->sub)
                     : pl_cli_usage_error("function", "unexpected argument '%s'",
                                          argv[1 + optind]);
    if (named)
        o->name = argv[1 + optind];
    if (o->data && o->endpoint)
        return pl_cli_usage_error("function", "--data and --endpoint exclude each other");
    if (!o->endpoint && !o->data)
        o->data = DEFAULT_DATA;
    return 0;
}

/* ---- building the definition ---- */

/* "PATH/module.py:function" with PATH made absolute (it must exist when local). */
static const char *abs_handler(struct pl_arena *a, const char *h, bool local)
{
    const char *colon = strrchr(h, ':');
    if (!colon)
        return h; /* pl_fn_validate explains */
    char *path = pl_arena_strndup(a, h, (size_t)(colon - h)), real[PATH_MAX];
    if (realpath(path, real))
        return pl_arena_printf(a, "%s%s", real, colon);
    if (local) {
        fprintf(stderr, "plumb function: handler file '%s' not found\n", path);
        return NULL;
    }
    return h; /* a path on the server's machine */
}

static int build_fn(struct pl_arena *a, const struct fopts *o, struct pl_fn *fn)
{
    memset(fn, 0, sizeof(*fn));
    fn->account = o->account;
    fn->region = o->region;
    fn->name = o->name;
    fn->timeout_s = o->timeout;
    fn->memory_mb = o->memory;
    if (!o->runtime || pl_fn_runtime_parse(o->runtime, &fn->runtime) < 0) {
        fprintf(stderr, "plumb function: --runtime must be python, exec or http\n");
        return -1;
    }
    const char *given[] = {o->handler, o->command, o->url};
    static const char *const flag[] = {"--handler", "--command", "--url"};
    for (int i = 0; i < 3; i++)
        if (given[i] && i != (int)fn->runtime) {
            fprintf(stderr, "plumb function: %s does not go with --runtime %s\n", flag[i],
                    o->runtime);
            return -1;
        }
    if (o->handler && !(fn->handler = abs_handler(a, o->handler, o->data != NULL)))
        return -1;
    fn->command = o->command;
    fn->url = o->url;
    struct pl_err err = {0};
    if (pl_fn_validate(fn, &err) < 0) {
        fprintf(stderr, "plumb function: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* ---- the remote API ---- */

/* POSTs body to PlumbService.<op> at o->endpoint (core/client.h); parses the JSON answer into
 * *out (in a). Prints the error and returns -1 on failure. */
static int call_api(struct pl_arena *a, const struct fopts *o, const char *op,
                    const struct pl_json *body, struct pl_json **out)
{
    return pl_cli_plumb_call(a, "function", o->endpoint, o->region, op, body, out);
}

/* The API's FunctionConfiguration shape -> struct pl_fn (strings in the JSON's arena). */
static void from_api(const struct pl_json *j, const struct fopts *o, struct pl_fn *fn)
{
    int64_t v = 0;
    double created = 0;
    memset(fn, 0, sizeof(*fn));
    fn->account = o->account;
    fn->region = o->region;
    fn->name = pl_json_get_str(j, "FunctionName");
    pl_fn_runtime_parse(pl_json_get_str(j, "Runtime"), &fn->runtime);
    fn->handler = pl_json_get_str(j, "Handler");
    fn->command = pl_json_get_str(j, "Command");
    fn->url = pl_json_get_str(j, "Url");
    fn->timeout_s = pl_json_i64(pl_json_get(j, "Timeout"), &v) == 0 ? (int)v : 0;
    fn->memory_mb = pl_json_i64(pl_json_get(j, "MemorySize"), &v) == 0 ? (int)v : 0;
    if (pl_json_double(pl_json_get(j, "Created"), &created) == 0)
        fn->created_ms = (int64_t)(created * 1000);
}

static struct pl_json *name_body(struct pl_arena *a, const char *name)
{
    struct pl_json *b = pl_json_new_obj(a);
    pl_json_set_str(a, b, "FunctionName", name);
    return b;
}

/* ---- subcommands ---- */

static int cmd_add(struct pl_arena *a, const struct fopts *o)
{
    struct pl_fn fn;
    if (build_fn(a, o, &fn) < 0)
        return 2;
    if (o->endpoint) {
        struct pl_json *b = name_body(a, fn.name), *out;
        pl_fn_render_code(a, b, &fn);
        if (call_api(a, o, "PutFunction", b, &out) < 0)
            return 1;
    } else {
        struct pl_store *st = pl_cli_open("function", o->data, true);
        struct pl_err err = {0};
        int rc = st ? pl_fn_put(st, &fn, &err) : -1;
        pl_store_close(st);
        if (rc < 0) {
            if (err.code)
                fprintf(stderr, "plumb function: %s\n", err.msg);
            return 1;
        }
    }
    printf("%s\n", pl_fn_arn(a, &fn));
    return 0;
}

/* Lists the partition's functions into *items (from the store or the API). */
static int load_list(struct pl_arena *a, const struct fopts *o, struct pl_fn **items, size_t *n)
{
    if (o->endpoint) {
        struct pl_json *out;
        if (call_api(a, o, "ListFunctions", pl_json_new_obj(a), &out) < 0)
            return -1;
        const struct pl_json *arr = pl_json_get(out, "Functions");
        *n = arr && arr->type == PL_JARR ? arr->len : 0;
        *items = pl_arena_alloc(a, (*n + 1) * sizeof(**items));
        size_t i = 0;
        for (const struct pl_json *f = *n ? arr->child : NULL; f; f = f->next)
            from_api(f, o, &(*items)[i++]);
        return 0;
    }
    struct pl_store *st = pl_cli_open("function", o->data, false);
    struct pl_err err = {0};
    int rc = st ? pl_fn_list(st, o->account, o->region, a, items, n, &err) : -1;
    pl_store_close(st);
    if (rc < 0 && err.code)
        fprintf(stderr, "plumb function: %s\n", err.msg);
    return rc;
}

static const char *target_of(const struct pl_fn *fn)
{
    return fn->handler ? fn->handler : fn->command ? fn->command : fn->url ? fn->url : "";
}

static int cmd_list(struct pl_arena *a, const struct fopts *o)
{
    struct pl_fn *items;
    size_t n;
    if (load_list(a, o, &items, &n) < 0)
        return 1;
    if (o->json) {
        printf("[");
        for (size_t i = 0; i < n; i++)
            printf("%s%s", i ? "," : "", pl_fn_to_json(a, &items[i]));
        printf("]\n");
        return 0;
    }
    if (n == 0) {
        printf("no functions in %s/%s\n", o->account, o->region);
        return 0;
    }
    printf("%-24s %-7s %8s %7s  %s\n", "NAME", "RUNTIME", "TIMEOUT", "MEMORY", "TARGET");
    for (size_t i = 0; i < n; i++)
        printf("%-24s %-7s %7ds %5dMB  %s\n", items[i].name, pl_fn_runtime_name(items[i].runtime),
               items[i].timeout_s, items[i].memory_mb, target_of(&items[i]));
    return 0;
}

/* For a store lookup's 1/0/-1: true when found, else says why on stderr. */
static bool found(int rc, const struct pl_err *err, const struct fopts *o)
{
    if (rc == 0)
        fprintf(stderr, "plumb function: no function '%s' in %s/%s\n", o->name, o->account,
                o->region);
    else if (rc < 0 && err->code)
        fprintf(stderr, "plumb function: %s\n", err->msg);
    return rc == 1;
}

static int cmd_remove(struct pl_arena *a, const struct fopts *o)
{
    if (o->endpoint) {
        struct pl_json *out;
        return call_api(a, o, "DeleteFunction", name_body(a, o->name), &out) < 0 ? 1 : 0;
    }
    struct pl_store *st = pl_cli_open("function", o->data, true);
    struct pl_err err = {0};
    int rc = st ? pl_fn_delete(st, o->account, o->region, o->name, &err) : -1;
    pl_store_close(st);
    return found(rc, &err, o) ? 0 : 1;
}

/* Finds o->name (store or API). */
static int load_one(struct pl_arena *a, const struct fopts *o, struct pl_fn *fn)
{
    if (o->endpoint) {
        struct pl_json *out;
        if (call_api(a, o, "GetFunction", name_body(a, o->name), &out) < 0)
            return -1;
        from_api(pl_json_get(out, "Function"), o, fn);
        return 0;
    }
    struct pl_store *st = pl_cli_open("function", o->data, false);
    struct pl_err err = {0};
    int rc = st ? pl_fn_get(st, o->account, o->region, o->name, a, fn, &err) : -1;
    pl_store_close(st);
    return found(rc, &err, o) ? 0 : -1;
}

/* Credentials for the function: the environment's, else the first live key of the account in
 * DIR/credentials.json. */
static void find_keys(struct pl_arena *a, const struct fopts *o, struct pl_fn_env *env)
{
    env->access_key_id = getenv("AWS_ACCESS_KEY_ID");
    env->secret_access_key = getenv("AWS_SECRET_ACCESS_KEY");
    env->session_token = getenv("AWS_SESSION_TOKEN");
    if ((env->access_key_id && env->secret_access_key) || !o->data)
        return;
    const char *secret = NULL;
    const char *key = pl_cli_account_key(a, o->data, o->account, &secret);
    if (key) {
        env->access_key_id = key;
        env->secret_access_key = secret;
    }
}

static void print_result(struct pl_arena *a, const struct pl_fn_result *res, bool json)
{
    if (json) {
        struct pl_json *o = pl_json_new_obj(a);
        pl_json_set_bool(a, o, "ok", res->ok);
        pl_json_set_str(a, o, "requestId", res->request_id);
        pl_json_set_i64(a, o, "durationMs", res->duration_ms);
        if (!res->ok) {
            pl_json_set_str(a, o, "errorType", res->error_type);
            pl_json_set_str(a, o, "errorMessage", res->error_message);
        }
        if (res->payload)
            pl_json_set_str(a, o, "payload", res->payload);
        pl_json_set_str(a, o, "logs", res->logs ? res->logs : "");
        printf("%s\n", pl_json_dump(a, o, PL_JSON_PRETTY));
        return;
    }
    if (res->logs && *res->logs)
        fprintf(stderr, "%s%s", res->logs, res->logs_truncated ? "\n[output truncated]\n" : "");
    if (res->ok)
        printf("%s\n", res->payload ? res->payload : "");
    else
        fprintf(stderr, "%s: %s\n", res->error_type, res->error_message);
    fprintf(stderr, "RequestId: %s Duration: %lld ms\n", res->request_id,
            (long long)res->duration_ms);
}

static int cmd_invoke(struct pl_arena *a, const struct fopts *o)
{
    struct pl_fn fn;
    struct pl_fn_env env = {0};
    struct pl_fn_runner *r = NULL;
    struct pl_fn_result res = {0};
    struct pl_err err = {0};
    size_t len;
    int rc = 1;
    if (!o->event) {
        return pl_cli_usage_error("function", "invoke needs --event FILE (or - for stdin)");
    }
    char *event =
        pl_read_file(strcmp(o->event, "-") == 0 ? "/dev/stdin" : o->event, PL_FN_MAX_EVENT, &len);
    if (!event) {
        fprintf(stderr, "plumb function: cannot read event %s\n", o->event);
        return 1;
    }
    if (load_one(a, o, &fn) < 0)
        goto out;
    const char *ep = o->endpoint ? o->endpoint : getenv("AWS_ENDPOINT_URL_CONFIG_SERVICE");
    ep = ep ? ep : getenv("AWS_ENDPOINT_URL");
    env.endpoint_url = ep ? ep : DEFAULT_ENDPOINT;
    find_keys(a, o, &env);
    if (!env.access_key_id || !env.secret_access_key) {
        env.access_key_id = "plumb-invoke"; /* accepted by `plumb serve --auth open` only */
        env.secret_access_key = "plumb-invoke";
    }
    /* the same sandbox as plumb serve's: the data directory (credentials) out of reach */
    struct pl_fn_sandbox_opts so = {.hide_dir = o->endpoint ? NULL : o->data, .drop_root = true};
    if (pl_fn_sandbox_configure(&so, &err) < 0) {
        fprintf(stderr, "plumb function: %s\n", err.msg);
        goto out;
    }
    struct pl_fn_runner_opts opts = {.max_concurrency = 1, .cold = true};
    if (pl_fn_runner_new(&opts, &r, &err) < 0 ||
        pl_fn_invoke(r, &fn, &env, event, len, &res, &err) < 0) {
        fprintf(stderr, "plumb function: %s\n", err.msg);
        goto out;
    }
    print_result(a, &res, o->json);
    rc = res.ok ? 0 : 1;
out:
    pl_fn_result_fini(&res);
    pl_fn_runner_free(r);
    free(event);
    return rc;
}

/* ---- logs ---- */

static volatile sig_atomic_t stop_follow;

static void on_sigint(int sig)
{
    (void)sig;
    stop_follow = 1;
}

/* Where `logs` reads from: the store (--data, kept open while following) or the API. */
struct log_src {
    const struct fopts *o;
    struct pl_store *st;
    int64_t after; /* the last id seen (the API's NextToken) */
};

/* One page of entries after src->after into *events (an array in a); *more when the page was
 * full. Advances src->after. -1 with the error printed. */
static int logs_page(struct pl_arena *a, struct log_src *src, const struct pl_json **events,
                     bool *more)
{
    const struct fopts *o = src->o;
    *more = false;
    if (o->endpoint) {
        struct pl_json *b = name_body(a, o->name), *out;
        long long next;
        pl_json_set_i64(a, b, "Limit", 100);
        pl_json_set_str(a, b, "NextToken", pl_arena_printf(a, "%" PRId64, src->after));
        if (o->since_ms)
            pl_json_set(a, b, "StartTime", pl_json_new_epoch_ms(a, o->since_ms));
        if (call_api(a, o, "GetFunctionLogs", b, &out) < 0)
            return -1;
        *events = pl_json_get(out, "Events");
        *more = *events && (*events)->type == PL_JARR && (*events)->len == 100;
        if (pl_parse_i64(pl_json_get_str(out, "NextToken"), &next) == 0)
            src->after = next;
        return 0;
    }
    struct pl_fn_log_query q = {.account = o->account, .region = o->region, .function = o->name,
                                .after_id = src->after, .since_ms = o->since_ms, .limit = 100};
    struct pl_fn_log *rows;
    size_t n;
    struct pl_err err = {0};
    if (pl_store_fnlog_list(src->st, &q, a, &rows, &n, more, &err) < 0) {
        fprintf(stderr, "plumb function: %s\n", err.msg);
        return -1;
    }
    if (n == 0 && src->after == 0) { /* nothing logged: does the function exist? */
        struct pl_fn fn;
        if (!found(pl_fn_get(src->st, o->account, o->region, o->name, a, &fn, &err), &err, o))
            return -1;
    }
    struct pl_json *arr = pl_json_new_arr(a);
    for (size_t i = 0; i < n; i++)
        pl_json_push(arr, pl_fn_log_json(a, &rows[i]));
    if (n)
        src->after = rows[n - 1].id;
    *events = arr;
    return 0;
}

/* One entry as Lambda's log shows it: START, the output, REPORT. */
static void print_entry(const struct pl_json *e)
{
    double t = 0;
    int64_t ms = 0, dur = 0;
    char when[40];
    const char *rule = pl_json_get_str(e, "RuleName"), *type = pl_json_get_str(e, "ResourceType");
    const char *out = pl_json_get_str(e, "Output"), *msg = pl_json_get_str(e, "ErrorMessage");
    const struct pl_json *cut = pl_json_get(e, "Truncated");
    if (pl_json_double(pl_json_get(e, "StartTime"), &t) == 0)
        pl_time_from_epoch_s(t, &ms);
    pl_json_i64(pl_json_get(e, "DurationMs"), &dur);
    printf("%s START RequestId: %s", pl_time_iso8601_ms(ms, when), pl_json_get_str(e, "RequestId"));
    if (rule)
        printf(" Rule: %s", rule);
    if (type)
        printf(" Resource: %s %s", type, pl_json_get_str(e, "ResourceId"));
    printf("\n%s", out ? out : "");
    if (out && *out && out[strlen(out) - 1] != '\n')
        printf("\n");
    if (cut && cut->type == PL_JBOOL && cut->b)
        printf("[output truncated at %d KiB]\n", PL_FN_LOG_MAX / 1024);
    printf("REPORT RequestId: %s Duration: %" PRId64 " ms Outcome: %s%s%s\n",
           pl_json_get_str(e, "RequestId"), dur, pl_json_get_str(e, "Outcome"), msg ? ": " : "",
           msg ? msg : "");
}

/* Prints a page; false when stdout is gone. */
static bool print_page(struct pl_arena *a, const struct pl_json *events, bool json)
{
    for (const struct pl_json *e = events && events->type == PL_JARR ? events->child : NULL; e;
         e = e->next) {
        if (json)
            printf("%s\n", pl_json_dump(a, e, PL_JSON_COMPACT));
        else
            print_entry(e);
    }
    return fflush(stdout) == 0 && !ferror(stdout);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL); /* SIGINT ends it early */
}

static int cmd_logs(const struct fopts *o)
{
    struct log_src src = {.o = o};
    int rc = 0;
    if (!o->endpoint && !(src.st = pl_cli_open("function", o->data, false)))
        return 1;
    if (o->follow) {
        struct sigaction sa = {.sa_handler = on_sigint}; /* no SA_RESTART: wakes the sleep */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_DFL);
    }
    while (!stop_follow) {
        struct pl_arena a; /* one per page: following runs for ever in bounded memory */
        const struct pl_json *events = NULL;
        bool more;
        pl_arena_init(&a);
        int r = logs_page(&a, &src, &events, &more);
        bool printed = r == 0 && print_page(&a, events, o->json);
        pl_arena_fini(&a);
        if (!printed) {
            rc = 1;
            break;
        }
        if (!more && !o->follow)
            break;
        if (!more)
            sleep_ms(FOLLOW_POLL_MS);
    }
    pl_store_close(src.st);
    return rc;
}

int pl_cli_function(int argc, char **argv)
{
    struct fopts o;
    struct pl_arena a;
    int rc;
    int pa = argc >= 2 && pl_cli_is_help(argv[1]) ? 1 : parse_args(argc, argv, &o);
    if (pa == 1)
        usage(stdout);
    if (pa != 0)
        return pa == 1 ? 0 : pa;
    pl_arena_init(&a);
    if (strcmp(o.sub, "add") == 0)
        rc = cmd_add(&a, &o);
    else if (strcmp(o.sub, "list") == 0)
        rc = cmd_list(&a, &o);
    else if (strcmp(o.sub, "remove") == 0)
        rc = cmd_remove(&a, &o);
    else if (strcmp(o.sub, "invoke") == 0)
        rc = cmd_invoke(&a, &o);
    else if (strcmp(o.sub, "logs") == 0)
        rc = cmd_logs(&o);
    else
        rc = 2; /* parse_args admits only the five */
    pl_arena_fini(&a);
    return rc;
}
