/* serve.c — `plumb serve`: opens the store of a data directory, starts the delivery worker, the
 * rules engine and the HTTP server, prints how to point the aws CLI at it, and runs until
 * SIGINT/SIGTERM. The main thread does housekeeping (retention, the DAILY recording's flush)
 * once a minute of clock time.
 *
 * Shutdown order is the reverse of start-up: HTTP first (no new work), then the workers, then
 * the store, so every acknowledged request is committed before the process exits. */
#include "api/app.h"
#include "api/pack_worker.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "core/util.h"
#include "delivery/delivery.h"
#include "http/creds.h"
#include "http/http.h"
#include "recorder/recorder.h"
#include "recorder/sources/aws/aws.h"
#include "recorder/sources/cloudtrail.h"
#include "remediation/remediation.h"
#include "rules/functions/functions.h"
#include "rules/functions/sandbox.h"
#include "rules/rules.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* how often a process running workers on a shared store looks for dead instances' leases */
#define PL_SERVE_RECOVER_MS 2000

struct serve_opts {
    const char *listen, *data, *auth;
    struct pl_delivery_options delivery;
    unsigned threads, max_conns, max_per_ip, idle_timeout, header_timeout, body_timeout;
    const char *fake_clock;
    bool unsafe_functions; /* run functions unsandboxed when the sandbox cannot be made */
    const char *cloudtrail_dir; /* watched for CloudTrail log files (recorder/sources) */
    const char *cloudtrail_s3;  /* s3://bucket/prefix watched the same way */
    unsigned cloudtrail_poll_ms;
    bool cloudtrail_keep_read_only;
    const char *discover;       /* "aws": periodic discovery sweeps (recorder/sources/aws) */
    unsigned discover_interval; /* seconds between sweeps */
    const char *discover_role_arns; /* comma-separated: AssumeRole into their accounts */
    const char *discover_org_role;  /* this role in each member of the organization */
    bool no_workers;                /* serve --no-workers: the API only */
    bool worker;                    /* plumb worker: the workers only, no API */
    const char *endpoint;           /* plumb worker --endpoint: the API functions call back */
};

static void serve_usage(FILE *f)
{
    fprintf(f,
            "usage: plumb serve [--listen HOST:PORT] [--data DIR] [--auth sigv4|open]\n"
            "                   [--delivery-dir DIR] [--s3-endpoint URL] [--sns-endpoint URL]\n"
            "                   [--threads N] [--max-connections N] [--max-connections-per-ip N]\n"
            "                   [--idle-timeout S] [--header-timeout S] [--body-timeout S]\n"
            "                   [--log-level error|warn|info|debug]\n"
            "                   [--fake-clock ISO8601|EPOCH_MS] [--unsafe-functions]\n"
            "                   [--cloudtrail-dir DIR | --cloudtrail-s3 s3://BUCKET/PREFIX]\n"
            "                   [--cloudtrail-poll-ms N] [--cloudtrail-keep-read-only]\n"
            "                   [--discover aws] [--discover-interval S]\n"
            "                   [--discover-role-arns ARN,...] [--discover-org-role NAME]\n"
            "defaults: --listen 127.0.0.1:7711 --data ./plumb-data --auth sigv4\n"
            "          --max-connections 10000 --max-connections-per-ip 64 --idle-timeout 30\n"
            "          --header-timeout 10 --body-timeout 60\n"
            "--no-workers: the API only; `plumb worker` processes on the same store do the work\n");
}

static void worker_usage(FILE *f)
{
    fprintf(f,
            "usage: plumb worker [--data DIR] [--store URL] [--endpoint URL] [--auth sigv4|open]\n"
            "                    [--delivery-dir DIR] [--s3-endpoint URL] [--sns-endpoint URL]\n"
            "                    [--log-level L] [--unsafe-functions] [--cloudtrail-... as serve]\n"
            "Runs the rules engine, delivery, notifications, remediation and housekeeping of a\n"
            "store without the API (beside `plumb serve --no-workers`). --endpoint is the URL of\n"
            "a plumb serve on the same store, where Lambda-style functions call back.\n");
}

/* Every option but a flag takes a value: a string or a number stored at off in struct
 * serve_opts, or (--log-level) applied at once; a flag sets the bool at off. */
enum opt_kind { OPT_STR, OPT_UINT, OPT_LOG_LEVEL, OPT_FLAG };
static const struct serve_option {
    const char *name;
    enum opt_kind kind;
    size_t off;
} serve_options[] = {
    {"--listen", OPT_STR, offsetof(struct serve_opts, listen)},
    {"--data", OPT_STR, offsetof(struct serve_opts, data)},
    {"--auth", OPT_STR, offsetof(struct serve_opts, auth)},
    {"--delivery-dir", OPT_STR, offsetof(struct serve_opts, delivery.delivery_dir)},
    {"--s3-endpoint", OPT_STR, offsetof(struct serve_opts, delivery.s3_endpoint)},
    {"--sns-endpoint", OPT_STR, offsetof(struct serve_opts, delivery.sns_endpoint)},
    {"--threads", OPT_UINT, offsetof(struct serve_opts, threads)},
    {"--max-connections", OPT_UINT, offsetof(struct serve_opts, max_conns)},
    {"--max-connections-per-ip", OPT_UINT, offsetof(struct serve_opts, max_per_ip)},
    {"--idle-timeout", OPT_UINT, offsetof(struct serve_opts, idle_timeout)},
    {"--header-timeout", OPT_UINT, offsetof(struct serve_opts, header_timeout)},
    {"--body-timeout", OPT_UINT, offsetof(struct serve_opts, body_timeout)},
    {"--log-level", OPT_LOG_LEVEL, 0},
    {"--fake-clock", OPT_STR, offsetof(struct serve_opts, fake_clock)},
    {"--unsafe-functions", OPT_FLAG, offsetof(struct serve_opts, unsafe_functions)},
    {"--cloudtrail-dir", OPT_STR, offsetof(struct serve_opts, cloudtrail_dir)},
    {"--cloudtrail-s3", OPT_STR, offsetof(struct serve_opts, cloudtrail_s3)},
    {"--cloudtrail-poll-ms", OPT_UINT, offsetof(struct serve_opts, cloudtrail_poll_ms)},
    {"--cloudtrail-keep-read-only", OPT_FLAG,
     offsetof(struct serve_opts, cloudtrail_keep_read_only)},
    {"--discover", OPT_STR, offsetof(struct serve_opts, discover)},
    {"--discover-interval", OPT_UINT, offsetof(struct serve_opts, discover_interval)},
    {"--discover-role-arns", OPT_STR, offsetof(struct serve_opts, discover_role_arns)},
    {"--discover-org-role", OPT_STR, offsetof(struct serve_opts, discover_org_role)},
    {"--no-workers", OPT_FLAG, offsetof(struct serve_opts, no_workers)},
    {"--endpoint", OPT_STR, offsetof(struct serve_opts, endpoint)},
};

static const struct serve_option *find_option(const char *a)
{
    for (size_t i = 0; i < PL_ARRAY_LEN(serve_options); i++)
        if (strcmp(a, serve_options[i].name) == 0)
            return &serve_options[i];
    return NULL;
}

/* Parses the options into o: 0, 1 when help was asked for, -1 after a usage error (printed). */
static int parse_args(int argc, char **argv, struct serve_opts *o)
{
    const char *sub = o->worker ? "worker" : "serve";
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (pl_cli_is_help(a))
            return 1;
        const struct serve_option *opt = find_option(a);
        if (!opt)
            return pl_cli_usage_error(
                       sub, a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", a),
                   -1;
        if (opt->kind == OPT_FLAG) {
            *(bool *)((char *)o + opt->off) = true;
            i--; /* no value */
            continue;
        }
        if (!v)
            return pl_cli_usage_error(sub, "option '%s' needs a value", a), -1;
        char *field = (char *)o + opt->off;
        if (opt->kind == OPT_STR)
            *(const char **)field = v;
        else if (opt->kind == OPT_UINT)
            *(unsigned *)field = (unsigned)strtoul(v, NULL, 10);
        else
            pl_log_set_level(v);
    }
    if (strcmp(o->auth, "sigv4") != 0 && strcmp(o->auth, "open") != 0)
        return pl_cli_usage_error(sub, "--auth must be sigv4 or open"), -1;
    if (o->discover && strcmp(o->discover, "aws") != 0)
        return pl_cli_usage_error(sub, "--discover takes 'aws'"), -1;
    return 0;
}

/* Blocks SIGINT/SIGTERM in every thread (the workers inherit the mask) so the main thread
 * can wait for them with sigtimedwait. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The main thread's store connection, shared with the /metrics collector (which runs on an
 * HTTP thread) under a lock. */
struct shared_store {
    struct pl_store *st;
    pthread_mutex_t lock;
};

/* /metrics: store-level gauges read at scrape time (work pending in the outbox). */
static void collect_store_metrics(void *ctx)
{
    struct shared_store *ss = ctx;
    struct pl_err err = {0};
    int64_t pending = 0;
    pthread_mutex_lock(&ss->lock);
    if (pl_store_outbox_pending(ss->st, PL_OUTBOX_ANY, &pending, &err) == 0)
        pl_metrics_set("plumb_outbox_pending", NULL, pending);
    pthread_mutex_unlock(&ss->lock);
}

/* Once a minute of clock time: retention, then the DAILY recording's flush (whose CIs reach the
 * rules engine through the outbox it polls, and delivery, which is woken). */
static void housekeeping(struct shared_store *ss, struct pl_delivery *delivery, int64_t *next_ms)
{
    struct pl_store *st = ss->st;
    struct pl_err err = {0};
    int64_t deleted = 0;
    if (pl_now_ms() < *next_ms)
        return;
    *next_ms = pl_now_ms() + 60 * 1000;
    pthread_mutex_lock(&ss->lock);
    /* once cluster-wide: the process that leads the job (always, on SQLite) */
    int lead = pl_store_lead(st, PL_STORE_JOB_HOUSEKEEPING, &err);
    if (lead <= 0) {
        pthread_mutex_unlock(&ss->lock);
        if (lead < 0)
            PL_LOG(WARN, "serve", "housekeeping lead err=\"%s\"", err.msg);
        return;
    }
    int rc = pl_recorder_enforce_retention(st, &deleted, &err);
    if (rc < 0)
        PL_LOG(WARN, "serve", "retention failed err=\"%s\"", err.msg);
    else if (deleted)
        PL_LOG(INFO, "serve", "retention pruned=%lld", (long long)deleted);
    struct pl_err ferr = {0};
    int64_t daily = 0;
    if (pl_recorder_daily_flush(st, &daily, &ferr) < 0)
        PL_LOG(WARN, "serve", "daily recording failed err=\"%s\"", ferr.msg);
    pthread_mutex_unlock(&ss->lock);
    if (daily > 0 && delivery)
        pl_delivery_kick(delivery);
}

/* The server's question about session credentials (http/creds.h): does the function they
 * were minted for still exist, unchanged? Runs on HTTP threads (one store each). */
static int session_check(void *ctx, const char *account, const char *region,
                         const char *function, const char *revision)
{
    struct pl_err err = {0};
    struct pl_arena a;
    struct pl_fn fn;
    struct pl_store *st = pl_app_store(ctx, &err);
    if (!st)
        return 0;
    pl_arena_init(&a);
    size_t np = strlen(PL_REM_SESSION_PREFIX);
    struct pl_rem_action act;
    int ok = strncmp(function, PL_REM_SESSION_PREFIX, np) == 0 /* a remediation action's */
                 ? pl_rem_action_get(st, account, region, function + np, &a, &act, &err) == 1 &&
                       strcmp(act.fn.revision, revision) == 0
                 : pl_fn_get(st, account, region, function, &a, &fn, &err) == 1 &&
                       strcmp(fn.revision, revision) == 0;
    pl_arena_fini(&a);
    return ok;
}

/* Starts the rules engine once the server listens, so Lambda-style functions can call back
 * (AWS_ENDPOINT_URL) with credentials the server accepts: in sigv4 mode session credentials
 * of the rule's account signed by the master of DATA/session.key (never a long-lived key), in
 * open mode the engine's default (the rule's account id). */
static int start_rules_at(struct pl_app *app, const struct pl_http_opts *ho, const char *url,
                          struct pl_rem **rem, struct pl_err *err)
{
    struct pl_rules_options ro = {
        .store_spec = ho->data_dir, .endpoint_url = url, .session_master = ho->session_master};
    app->rules = pl_rules_start(&ro, err);
    if (!app->rules)
        return -1;
    /* remediation actions call back the same way, as "action.NAME" (remediation.h) */
    struct pl_rem_options rem_o = {
        .store_spec = ho->data_dir, .endpoint_url = url, .session_master = ho->session_master};
    *rem = pl_rem_start_worker(&rem_o, err);
    return *rem ? 0 : -1;
}

/* start_rules_at this server's own URL (its listen address and port). */
static int start_rules(struct pl_app *app, const struct pl_http_opts *ho, uint16_t port,
                       struct pl_rem **rem, struct pl_err *err)
{
    char host[256], url[300];
    uint16_t unused;
    if (pl_http_parse_listen(ho->listen, host, sizeof(host), &unused, err) < 0)
        return -1;
    if (!*host || strcmp(host, "0.0.0.0") == 0)
        pl_strlcpy(host, "127.0.0.1", sizeof(host));
    snprintf(url, sizeof(url), strchr(host, ':') ? "http://[%s]:%u" : "http://%s:%u", host, port);
    return start_rules_at(app, ho, url, rem, err);
}

/* Functions run without the data directory, as nobody when plumb is root, in namespaces they
 * cannot leave (rules/functions/sandbox.h). When this machine cannot make the sandbox, plumb
 * still serves, and functions fail with the reason unless --unsafe-functions. */
static void sandbox_functions(const struct serve_opts *o)
{
    struct pl_err err = {0};
    struct pl_fn_sandbox_opts so = {.hide_dir = o->data, .drop_root = true,
                                    .unsafe = o->unsafe_functions};
    int rc = pl_fn_sandbox_configure(&so, &err);
    if (rc < 0)
        PL_LOG(WARN, "serve", "functions_refused=\"%s\"", err.msg);
    else if (rc > 0)
        PL_LOG(WARN, "serve", "functions_unsandboxed=1 (--unsafe-functions)");
}

/* An flock on DATA/name, held (fd left open) until the process ends, by exit or by a crash. */
static int lock_file(const char *dir, const char *name, const char *who, const char *busy)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
        fprintf(stderr, "plumb %s: %s: %s\n", who, path,
                errno == EWOULDBLOCK ? busy : strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return 0;
}

/* Gives back the outbox leases of dead processes (store.h), so their pending work resumes at
 * once; the count goes to the log. */
static int recover_leases(const char *who, struct pl_store *st, struct pl_err *err)
{
    int64_t n = 0;
    if (pl_store_outbox_recover(st, &n, err) < 0)
        return -1;
    if (n)
        PL_LOG(INFO, who, "outbox_recovered=%lld", (long long)n);
    return 0;
}

/* Who may use the store. SQLite: one API process per data directory (DATA/serve.lock) and one
 * process running the workers (DATA/workers.lock), which owns the outbox leases and gives back
 * those a dead predecessor held. PostgreSQL (shared by any number of processes): a process
 * running workers registers as a live instance (its leases are recovered only once it died). */
static int own_store(const struct serve_opts *o, struct pl_store *st)
{
    const char *who = o->worker ? "worker" : "serve";
    bool shared = pl_store_is_shared(st);
    struct pl_err err = {0};
    if (!o->worker && !shared &&
        lock_file(o->data, "serve.lock", who, "another plumb serve uses this data directory") < 0)
        return -1;
    if (o->no_workers)
        return 0;
    if (!shared &&
        lock_file(o->data, "workers.lock", who,
                  "another plumb serve or worker runs this data directory's workers") < 0)
        return -1;
    if ((shared && pl_store_instance_register(st, &err) < 0) || recover_leases(who, st, &err) < 0) {
        fprintf(stderr, "plumb %s: %s\n", who, err.msg);
        return -1;
    }
    return 0;
}

/* The watchers of the recorder's sources: CloudTrail (a directory, S3) and AWS discovery. 0, or
 * -1 with err (what was started is stopped by the caller). */
static int start_sources(const struct serve_opts *o, struct pl_trail_watch **trail,
                         struct pl_trail_watch **trail_s3, struct pl_discover_watch **discover,
                         struct pl_err *err)
{
    if (o->discover &&
        !(*discover = pl_discover_watch_start(o->data, (int)o->discover_interval,
                                              o->discover_role_arns, o->discover_org_role, err)))
        return -1;
    /* each CloudTrail event stored re-describes the discovered resources it touched */
    struct pl_trail_opts to = {.keep_read_only = o->cloudtrail_keep_read_only,
                               .on_event = *discover ? pl_discover_watch_event : NULL,
                               .on_event_u = *discover};
    int poll = o->cloudtrail_poll_ms ? (int)o->cloudtrail_poll_ms : 5000;
    if (o->cloudtrail_dir &&
        !(*trail = pl_trail_watch_start(o->data, o->cloudtrail_dir, poll, &to, NULL, err)))
        return -1;
    if (o->cloudtrail_s3) {
        /* the S3 endpoint delivery uses (--s3-endpoint), credentials from the environment */
        const char *rg = getenv("AWS_REGION");
        struct pl_trail_s3_conf sc = {o->delivery.s3_endpoint,
                                      rg ? rg : getenv("AWS_DEFAULT_REGION"),
                                      getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"),
                                      getenv("AWS_SESSION_TOKEN")};
        if (!(*trail_s3 = pl_trail_watch_start(o->data, o->cloudtrail_s3, poll, &to, &sc, err)))
            return -1;
    }
    return 0;
}

/* Every few seconds on a shared store: re-asserts this process's instance lock (a reconnect
 * loses it) and gives back the leases of instances that died (a kill -9, a lost host). */
static void watch_instances(struct shared_store *ss, int64_t *next_ms)
{
    if (!pl_store_is_shared(ss->st) || pl_now_ms() < *next_ms)
        return;
    *next_ms = pl_now_ms() + PL_SERVE_RECOVER_MS;
    struct pl_err err = {0};
    pthread_mutex_lock(&ss->lock);
    if (pl_store_instance_register(ss->st, &err) < 0 || recover_leases("worker", ss->st, &err) < 0)
        PL_LOG(WARN, "worker", "recover err=\"%s\"", err.msg);
    pthread_mutex_unlock(&ss->lock);
}

/* The HTTP server (not for plumb worker), announced on stdout. 0, or -1 with err. */
static int start_http(const struct serve_opts *o, struct pl_app *app, struct pl_http_opts *ho,
                      struct pl_session_master *master, struct pl_http_server **http,
                      struct pl_err *err)
{
    *ho = (struct pl_http_opts){
        .listen = o->listen,
        .auth = strcmp(o->auth, "open") == 0 ? PL_HTTP_AUTH_OPEN : PL_HTTP_AUTH_SIGV4,
        .data_dir = o->data,
        .app = app,
        .threads = o->threads,
        .max_conns = o->max_conns,
        .max_per_ip = o->max_per_ip,
        .idle_timeout = o->idle_timeout,
        .header_timeout = o->header_timeout,
        .body_timeout = o->body_timeout,
    };
    if (ho->auth == PL_HTTP_AUTH_SIGV4) {
        if (pl_session_master_load(o->data, master, err) < 0)
            return -1;
        ho->session_master = master;
        ho->session_check = session_check;
        ho->session_ctx = app;
    }
    if (o->worker)
        return 0;
    *http = pl_http_server_start(ho, err);
    if (!*http || pl_http_announce(stdout, ho, pl_http_server_port(*http), err) < 0)
        return -1;
    fflush(stdout);
    return 0;
}

/* The workers: the rules engine and remediation (their functions call back this server, or
 * plumb worker's --endpoint), and the recorder's sources. */
static int start_workers(const struct serve_opts *o, struct pl_app *app,
                         const struct pl_http_opts *ho, struct pl_http_server *http,
                         struct pl_rem **rem, struct pl_trail_watch **trail,
                         struct pl_trail_watch **trail_s3, struct pl_discover_watch **discover,
                         struct pl_err *err)
{
    if (o->no_workers)
        return 0;
    sandbox_functions(o);
    int rc = o->worker ? start_rules_at(app, ho, o->endpoint, rem, err)
                       : start_rules(app, ho, pl_http_server_port(http), rem, err);
    if (rc < 0)
        return -1;
    if (o->worker)
        printf("plumb: worker running on %s instance=%lld\n", o->data,
               (long long)pl_store_instance_id());
    fflush(stdout);
    return start_sources(o, trail, trail_s3, discover, err);
}

/* Runs until SIGINT/SIGTERM: housekeeping (not with --no-workers) and instance liveness. */
static void main_loop(const struct serve_opts *o, sigset_t *sigs, struct shared_store *ss,
                      struct pl_delivery *delivery)
{
    int64_t next_housekeeping = 0, next_recover = pl_now_ms() + PL_SERVE_RECOVER_MS;
    for (;;) {
        struct timespec ts = {1, 0};
        int sig = sigtimedwait(sigs, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
            PL_LOG(INFO, "serve", "signal=%d stopping", sig);
            return;
        }
        if (o->no_workers)
            continue;
        housekeeping(ss, delivery, &next_housekeeping);
        watch_instances(ss, &next_recover);
    }
}

/* plumb serve and plumb worker: o->worker set for the latter. */
static int serve_main(int argc, char **argv, struct serve_opts *op)
{
    struct serve_opts o = *op;
    struct pl_err err = {0};
    struct pl_store *st = NULL, *dst = NULL;
    struct pl_app app;
    struct pl_http_server *http = NULL;
    struct pl_http_opts ho;
    struct pl_session_master master;
    struct pl_trail_watch *trail = NULL, *trail_s3 = NULL;
    struct pl_discover_watch *discover = NULL;
    struct pl_rem *rem = NULL;
    struct pl_pack_worker *packs = NULL;
    struct pl_store_waker *waker = NULL;
    int rc = 1, app_ok = 0;
    sigset_t sigs;
    const char *who = o.worker ? "worker" : "serve";

    int pa = parse_args(argc, argv, &o);
    if (pa != 0) {
        if (pa > 0)
            (o.worker ? worker_usage : serve_usage)(stdout);
        return pa > 0 ? 0 : 2;
    }
    if (o.fake_clock) {
        int64_t ms;
        if (pl_time_parse(o.fake_clock, &ms) < 0)
            return pl_cli_usage_error(who, "bad --fake-clock '%s'", o.fake_clock);
        pl_clock_set(ms);
    }
    if (mkdir(o.data, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "plumb %s: cannot create %s: %s\n", who, o.data, strerror(errno));
        return 1;
    }
    block_signals(&sigs);
    if (pl_store_open(o.data, 0, &st, &err) < 0 || pl_store_open(o.data, 0, &dst, &err) < 0)
        goto out;
    if (own_store(&o, st) < 0)
        goto out;
    if (pl_app_init(&app, o.data, &err) < 0)
        goto out;
    app_ok = 1;
    o.delivery.data_dir = o.data;
    /* the rules engine claims the recorder's "rules.ci_recorded" rows; delivery has its own.
     * With --no-workers the API still uses delivery's checks, without its worker thread. */
    o.delivery.ci_kind = PL_OUTBOX_DELIVERY_CI;
    o.delivery.no_thread = o.no_workers;
    app.delivery = pl_delivery_start(dst, &o.delivery, &err);
    if (!app.delivery)
        goto out;
    if (start_http(&o, &app, &ho, &master, &http, &err) < 0 ||
        start_workers(&o, &app, &ho, http, &rem, &trail, &trail_s3, &discover, &err) < 0)
        goto out;
    /* the outbox's pack deploys (PutConformancePack, DeleteConformancePack) are workers' work */
    if (!o.no_workers && !(packs = pl_pack_worker_start(&app, &err)))
        goto out;
    /* workers hear of other processes' work at once on PostgreSQL (LISTEN/NOTIFY) */
    if (!o.no_workers && !(waker = pl_store_waker_start(st, &err)) && err.code)
        goto out;

    struct shared_store ss = {.st = st, .lock = PTHREAD_MUTEX_INITIALIZER};
    pl_metrics_help("plumb_outbox_pending", "work items (evaluations, notifications) not done yet");
    pl_metrics_on_render(collect_store_metrics, &ss);
    main_loop(&o, &sigs, &ss, app.delivery);
    pl_metrics_on_render_remove(collect_store_metrics, &ss);
    rc = 0;
out:
    if (err.code)
        fprintf(stderr, "plumb %s: %s\n", who, err.msg);
    pl_http_server_stop(http);
    pl_store_waker_stop(waker);
    pl_trail_watch_stop(trail);
    pl_trail_watch_stop(trail_s3);
    pl_discover_watch_stop(discover);
    if (app_ok) {
        pl_pack_worker_stop(packs);
        pl_rem_stop_worker(rem);
        pl_rules_stop(app.rules);
        pl_delivery_stop(app.delivery);
        pl_app_fini(&app);
    }
    pl_store_close(dst);
    pl_store_close(st);
    return rc;
}

int pl_cli_serve(int argc, char **argv)
{
    struct serve_opts o = {
        .listen = PL_HTTP_DEFAULT_LISTEN, .data = "./plumb-data", .auth = "sigv4"};
    return serve_main(argc, argv, &o);
}

int pl_cli_worker(int argc, char **argv)
{
    struct serve_opts o = {
        .listen = PL_HTTP_DEFAULT_LISTEN, .data = "./plumb-data", .auth = "sigv4", .worker = true};
    return serve_main(argc, argv, &o);
}
