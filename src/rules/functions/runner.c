/* runner.c — the invoker: concurrency slots with a FIFO wait queue, the asynchronous job queue
 * and its threads, the warm pool of Python workers, and the environment functions run in.
 *
 * Model: an invocation runs on the thread that asked for it (pl_fn_invoke) or on one of the
 * runner's max_concurrency dispatcher threads (pl_fn_invoke_async). Either way it first takes
 * one of max_concurrency slots; callers beyond that wait in FIFO order (at most max_queue of
 * them, sync callers at most queue_wait_ms). Every runtime is bounded by the function's
 * timeout, so no caller waits forever.
 *
 * Warm pool: idle Python workers keyed by everything their process was started with (function,
 * handler file and its mtime, limits, environment). An invocation takes a matching idle worker
 * that is still alive, or starts one (a cold start); a worker that answered goes back to the
 * pool, any other is killed. Idle workers beyond 2 x max_concurrency or idle longer than
 * warm_idle_s are killed.
 *
 * Locking: one mutex (mu) guards slots, queues, the pool and the stats. No process work happens
 * under it.
 */
#include "rules/functions/functions_int.h"

#include "core/buf.h"
#include "core/log.h"
#include "core/time.h"
#include "core/util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PL_FN_OWNER_MAX 320 /* "account/region/name" */
#define FORGOT_MAX      64  /* functions forgotten recently (their running workers retire) */

struct waiter {
    pthread_cond_t cv;
    bool granted;
    struct waiter *next;
};

struct job {
    struct pl_arena a; /* fn, env and event copies */
    struct pl_fn fn;
    struct pl_fn_env env;
    const char *event;
    size_t len;
    pl_fn_done_fn done;
    void *arg;
    struct job *next;
};

struct pl_fn_runner {
    struct pl_fn_runner_opts o;
    char python[512];
    pthread_mutex_t py_mu; /* guards the one-time resolution of python */
    bool py_resolved;
    pthread_mutex_t mu;
    pthread_cond_t jobs_cv; /* a job was queued, or stopping */
    pthread_cond_t idle_cv; /* running dropped (for free) */
    int running;            /* slots taken */
    struct waiter *whead, *wtail;
    int nwait;
    struct job *jhead, *jtail;
    int njobs;
    struct pl_fn_pyworker *idle; /* most recently used first */
    int nidle;
    struct forgot { /* pl_fn_runner_forget: workers of owner started before ns must go */
        char owner[PL_FN_OWNER_MAX];
        int64_t ns;
    } forgot[FORGOT_MAX];
    int nforgot, next_forgot;
    pthread_t *threads;
    int nthreads;
    bool stopping;
    struct pl_fn_stats st;
};

/* ---- slots ---- */

static void cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t at;
    pthread_condattr_init(&at);
    pthread_condattr_setclock(&at, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &at);
    pthread_condattr_destroy(&at);
}

static struct timespec mono_ts(int64_t ns)
{
    return (struct timespec){.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
}

/* Takes a slot, waiting in FIFO order until deadline_ns (mono). Called with mu held.
 * 0 taken, -1 queue full / expired / stopping. */
static int slot_take(struct pl_fn_runner *r, int64_t deadline_ns)
{
    if (r->running < r->o.max_concurrency && !r->whead) {
        r->running++;
        return 0;
    }
    if (r->stopping || r->nwait + r->njobs >= r->o.max_queue + r->o.max_concurrency)
        return -1;
    struct waiter w = {.granted = false};
    cond_init_mono(&w.cv);
    if (r->wtail)
        r->wtail->next = &w;
    else
        r->whead = &w;
    r->wtail = &w;
    r->nwait++;
    struct timespec ts = mono_ts(deadline_ns);
    while (!w.granted && !r->stopping) {
        if (pthread_cond_timedwait(&w.cv, &r->mu, &ts) == ETIMEDOUT)
            break;
    }
    if (!w.granted) { /* unlink */
        struct waiter **pp = &r->whead, *prev = NULL;
        while (*pp != &w)
            prev = *pp, pp = &(*pp)->next;
        *pp = w.next;
        if (r->wtail == &w)
            r->wtail = prev;
        r->nwait--;
        pthread_cond_broadcast(&r->idle_cv); /* pl_fn_runner_free may wait for us */
    }
    pthread_cond_destroy(&w.cv);
    return w.granted ? 0 : -1;
}

/* Gives a slot back, to the oldest waiter if any. Called with mu held. */
static void slot_give(struct pl_fn_runner *r)
{
    struct waiter *w = r->whead;
    if (w && !r->stopping) {
        r->whead = w->next;
        if (!r->whead)
            r->wtail = NULL;
        r->nwait--;
        w->granted = true; /* the slot passes straight on: running stays the same */
        pthread_cond_signal(&w->cv);
        return;
    }
    r->running--;
    pthread_cond_broadcast(&r->idle_cv);
}

/* ---- environment ---- */

static void env_add(struct pl_arena *a, char **envp, int *n, const char *k, const char *v)
{
    if (v)
        envp[(*n)++] = pl_arena_printf(a, "%s=%s", k, v);
}

/* The child environment: a clean one (plumb's own environment may hold secrets), with what
 * AWS Lambda sets plus the endpoint and credentials pointing back at plumb. */
static char **build_env(struct pl_arena *a, const struct pl_fn *fn, const struct pl_fn_env *env)
{
    size_t nextra = 0;
    while (env->extra && env->extra[nextra])
        nextra++;
    char **e = pl_arena_alloc(a, (40 + nextra) * sizeof(char *));
    int n = 0;
    char day[32];
    struct pl_tm tm;
    pl_time_civil(pl_now_ms(), &tm);
    snprintf(day, sizeof(day), "%04d/%02d/%02d", tm.year, tm.mon, tm.day);
    for (size_t i = 0; i < nextra; i++) /* first, so they win over what follows */
        e[n++] = pl_arena_strdup(a, env->extra[i]);
    const char *path = getenv("PATH");
    env_add(a, e, &n, "PATH", path ? path : "/usr/local/bin:/usr/bin:/bin");
    env_add(a, e, &n, "PYTHONPATH", getenv("PYTHONPATH"));
    env_add(a, e, &n, "TMPDIR", getenv("TMPDIR"));
    env_add(a, e, &n, "LANG", "C.UTF-8");
    env_add(a, e, &n, "TZ", ":UTC");
    env_add(a, e, &n, "MALLOC_ARENA_MAX", "2"); /* threads would eat the address space */
    env_add(a, e, &n, "AWS_ENDPOINT_URL", env->endpoint_url);
    env_add(a, e, &n, "AWS_ENDPOINT_URL_CONFIG_SERVICE", env->endpoint_url);
    env_add(a, e, &n, "AWS_ACCESS_KEY_ID", env->access_key_id);
    env_add(a, e, &n, "AWS_SECRET_ACCESS_KEY", env->secret_access_key);
    env_add(a, e, &n, "AWS_SESSION_TOKEN", env->session_token);
    env_add(a, e, &n, "AWS_REGION", fn->region);
    env_add(a, e, &n, "AWS_DEFAULT_REGION", fn->region);
    env_add(a, e, &n, "AWS_CONFIG_FILE", "/dev/null"); /* ~/.aws must not redirect the client */
    env_add(a, e, &n, "AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    env_add(a, e, &n, "AWS_EC2_METADATA_DISABLED", "true");
    env_add(a, e, &n, "AWS_LAMBDA_FUNCTION_NAME", fn->name);
    env_add(a, e, &n, "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
    env_add(a, e, &n, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", pl_arena_printf(a, "%d", fn->memory_mb));
    env_add(a, e, &n, "AWS_LAMBDA_FUNCTION_TIMEOUT", pl_arena_printf(a, "%d", fn->timeout_s));
    env_add(a, e, &n, "AWS_LAMBDA_LOG_GROUP_NAME", pl_arena_printf(a, "/aws/lambda/%s", fn->name));
    env_add(a, e, &n, "AWS_LAMBDA_LOG_STREAM_NAME", pl_arena_printf(a, "%s/[$LATEST]plumb", day));
    env_add(a, e, &n, "AWS_EXECUTION_ENV", "plumb");
    env_add(a, e, &n, "_HANDLER", fn->handler ? fn->handler : fn->command);
    env_add(a, e, &n, "PLUMB_FUNCTION_ARN", pl_fn_arn(a, fn));
    if (fn->handler) {
        char *dir =
            pl_arena_strndup(a, fn->handler, (size_t)(strrchr(fn->handler, '/') - fn->handler));
        env_add(a, e, &n, "LAMBDA_TASK_ROOT", *dir ? dir : "/");
    }
    e[n] = NULL;
    return e;
}

/* The warm-pool key: everything the worker process was started with. */
static char *worker_key(struct pl_arena *a, const struct pl_fn_runner *r, const struct pl_fn *fn,
                        char *const *envp)
{
    struct stat sb;
    const char *colon = strrchr(fn->handler, ':');
    char *path = pl_arena_strndup(a, fn->handler, (size_t)(colon - fn->handler));
    struct pl_buf k;
    pl_buf_init(&k, PL_BUF_NOLIMIT);
    if (stat(path, &sb) < 0)
        memset(&sb, 0, sizeof(sb));
    pl_buf_printf(&k, "%s\n%s\n%d\n%d\n%lld.%ld\n%s\n", r->python, fn->handler, fn->memory_mb,
                  fn->timeout_s, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec,
                  fn->revision ? fn->revision : "");
    /* a worker keeps the credentials it was started with (fresh ones are minted per call) */
    for (char *const *e = envp; *e; e++)
        if (!pl_starts_with(*e, "AWS_LAMBDA_LOG_STREAM_NAME=") &&
            !pl_starts_with(*e, "AWS_ACCESS_KEY_ID=") &&
            !pl_starts_with(*e, "AWS_SECRET_ACCESS_KEY=") && !pl_starts_with(*e, "AWS_SESSION_TOKEN="))
            pl_buf_printf(&k, "%s\n", *e);
    char *s = pl_arena_strdup(a, pl_buf_cstr(&k));
    pl_buf_fini(&k);
    return s;
}

/* ---- warm pool (mu held) ---- */

/* "account/region/name" of fn into out (PL_FN_OWNER_MAX bytes). */
static void owner_of(char *out, const char *account, const char *region, const char *name)
{
    snprintf(out, PL_FN_OWNER_MAX, "%s/%s/%s", account ? account : "", region ? region : "",
             name ? name : "");
}

/* Was w's function deleted or replaced after w started? */
static bool forgotten(const struct pl_fn_runner *r, const struct pl_fn_pyworker *w)
{
    for (int i = 0; i < r->nforgot; i++)
        if (w->owner && w->started_ns <= r->forgot[i].ns &&
            strcmp(w->owner, r->forgot[i].owner) == 0)
            return true;
    return false;
}

static struct pl_fn_pyworker *pool_take(struct pl_fn_runner *r, const char *key)
{
    for (struct pl_fn_pyworker **pp = &r->idle; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->key, key) == 0) {
            struct pl_fn_pyworker *w = *pp;
            *pp = w->next;
            r->nidle--;
            w->next = NULL;
            return w;
        }
    return NULL;
}

/* Unlinks workers to kill (idle too long or beyond the cap) onto *dead. */
static void pool_trim(struct pl_fn_runner *r, struct pl_fn_pyworker **dead)
{
    int64_t now = pl_mono_ns(), idle_ns = (int64_t)r->o.warm_idle_s * 1000000000;
    int keep = 0;
    for (struct pl_fn_pyworker **pp = &r->idle; *pp;) {
        struct pl_fn_pyworker *w = *pp;
        if (r->stopping || keep >= 2 * r->o.max_concurrency || now - w->last_used_ns > idle_ns) {
            *pp = w->next;
            w->next = *dead;
            *dead = w;
            r->nidle--;
        } else {
            keep++;
            pp = &w->next;
        }
    }
}

static void free_list(struct pl_fn_pyworker *w)
{
    while (w) {
        struct pl_fn_pyworker *next = w->next;
        pl_fn__py_free(w);
        w = next;
    }
}

/* Runs cand in the sandbox and asks it for its real executable (sys.executable) and whether
 * it has boto3. -1 when it does not run there (an interpreter under /root is out of nobody's
 * reach), 0 runs without boto3, 1 with; exe filled when >= 0. */
static int ask_python(const char *cand, char *exe, size_t n)
{
    extern char **environ;
    char *argv[] = {"python3", "-c",
                    "import sys, importlib.util as u; sys.stdout.write(sys.executable + "
                    "('\\n1' if u.find_spec('boto3') else '\\n0'))",
                    NULL};
    struct pl_fn_spawn sp = {
        .path = cand, .argv = argv, .envp = environ, .sock_is_stdin = true,
        .die_with_thread = true};
    struct pl_fn_proc p;
    struct pl_fn_cap out, errs;
    int found = -1;
    pl_fn__cap_init(&out, n);
    pl_fn__cap_init(&errs, 1024);
    if (pl_fn__spawn(&sp, &p, NULL) == 0) {
        struct pl_fn_io io = {
            .shut_after_write = true, .until_exit = true, .cout = &out, .cerr = &errs};
        int rc = pl_fn__io(&p, &io, pl_mono_ns() + 10000000000LL);
        pl_fn__proc_kill(&p);
        char *nl = out.data ? strrchr(out.data, '\n') : NULL;
        if (rc == PL_FN_IO_DONE && WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0 && nl &&
            out.data[0] == '/') {
            *nl = '\0';
            found = nl[1] == '1';
            pl_strlcpy(exe, access(out.data, X_OK) == 0 ? out.data : cand, n);
        }
    }
    pl_fn__cap_fini(&out);
    pl_fn__cap_fini(&errs);
    return found;
}

/* The interpreter functions run with, found once: the first python3 on PATH (or the one the
 * options name) that runs in the sandbox, preferring one with boto3; its real executable, as
 * `python3` on PATH is often a wrapper (pyenv shims are shell scripts) that costs more than
 * Python's own start-up on every cold start. "" when none runs. */
static const char *python_path(struct pl_fn_runner *r)
{
    pthread_mutex_lock(&r->py_mu);
    if (!r->py_resolved) {
        char cand[512], exe[512], best[512] = "";
        const char *path = strchr(r->python, '/') ? "" : getenv("PATH");
        path = path ? path : "/usr/local/bin:/usr/bin:/bin";
        int got = strchr(r->python, '/') ? ask_python(r->python, best, sizeof(best)) : -1;
        while (*path && got < 1) {
            const char *c = strchr(path, ':');
            size_t len = c ? (size_t)(c - path) : strlen(path);
            if (len && (size_t)snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, path,
                                        r->python) < sizeof(cand) &&
                access(cand, X_OK) == 0) {
                int g = ask_python(cand, exe, sizeof(exe));
                if (g > got)
                    got = g, pl_strlcpy(best, exe, sizeof(best));
            }
            path += len + (c ? 1 : 0);
        }
        pl_strlcpy(r->python, best, sizeof(r->python));
        PL_LOG(DEBUG, "functions", "python=%s boto3=%d", r->python, got);
        r->py_resolved = true;
    }
    pthread_mutex_unlock(&r->py_mu);
    return r->python;
}

/* A pooled worker may serve c: alive, and its credentials outlive c's timeout (else it is
 * recycled, so credentials never expire during an invocation and no worker lives unbounded). */
static bool worker_usable(struct pl_fn_pyworker *w, const struct pl_fn_call *c)
{
    int64_t need_ms = pl_now_ms() + (int64_t)c->fn->timeout_s * 1000 + 5000;
    return pl_fn__proc_alive(&w->proc) && (!w->creds_expires_ms || w->creds_expires_ms > need_ms);
}

/* Runs c on a warm worker (or a cold one). */
static void run_python(struct pl_fn_runner *r, struct pl_fn_call *c, struct pl_arena *a,
                       struct pl_fn_result *res)
{
    struct pl_fn_pyworker *w = NULL, *dead = NULL;
    const char *python = python_path(r);
    if (!*python) {
        pl_fn__fail(res, "ServiceException", "no python3 interpreter on plumb's PATH runs in the function sandbox");
        return;
    }
    char *key = r->o.cold ? NULL : worker_key(a, r, c->fn, c->envp);
    if (key) {
        pthread_mutex_lock(&r->mu);
        while ((w = pool_take(r, key)) && !worker_usable(w, c)) {
            w->next = dead; /* died while idle (killed from outside), or credentials too old */
            dead = w;
        }
        if (w)
            r->st.warm_hits++;
        else
            r->st.cold_starts++;
        pthread_mutex_unlock(&r->mu);
    }
    free_list(dead);
    dead = NULL;
    if (!w) {
        if (r->o.cold) {
            pthread_mutex_lock(&r->mu);
            r->st.cold_starts++;
            pthread_mutex_unlock(&r->mu);
        }
        w = pl_fn__py_start(python, c, r->o.cold, res);
        if (!w)
            return;
        w->key = key ? pl_xstrdup(key) : NULL;
        w->creds_expires_ms = c->creds_expires_ms;
        char owner[PL_FN_OWNER_MAX];
        owner_of(owner, c->fn->account, c->fn->region, c->fn->name);
        w->owner = pl_xstrdup(owner);
        w->started_ns = pl_mono_ns();
    }
    bool again = pl_fn__py_invoke(w, c, res);
    if (!again || !key) {
        pl_fn__py_free(w);
        return;
    }
    w->last_used_ns = pl_mono_ns();
    pthread_mutex_lock(&r->mu);
    if (forgotten(r, w)) {
        pthread_mutex_unlock(&r->mu);
        pl_fn__py_free(w);
        return;
    }
    w->next = r->idle;
    r->idle = w;
    r->nidle++;
    pool_trim(r, &dead);
    pthread_mutex_unlock(&r->mu);
    free_list(dead);
}

/* ---- invoking ---- */

static void new_request_id(char out[40])
{
    unsigned char b[16];
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
        for (size_t i = 0; i < sizeof(b); i++)
            b[i] = (unsigned char)(pl_mono_ns() >> (i % 8));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

static int check_call(const struct pl_fn *fn, const struct pl_fn_env *env, size_t len,
                      struct pl_err *err)
{
    if (pl_fn_validate(fn, err) < 0)
        return -1;
    if (!fn->account || !fn->region)
        return pl_fail(err, PL_E_INTERNAL, "function %s has no partition", fn->name);
    if (fn->runtime != PL_FN_HTTP &&
        (!env || !env->endpoint_url ||
         (!env->session_master && (!env->access_key_id || !env->secret_access_key))))
        return pl_fail(err, PL_E_INTERNAL, "invoking %s: endpoint and credentials are required",
                       fn->name);
    if (len > PL_FN_MAX_EVENT)
        return pl_fail(err, PL_E_REQUEST_TOO_LARGE, "event of %zu bytes exceeds %u", len,
                       PL_FN_MAX_EVENT);
    return 0;
}

/* Session credentials of fn's partition for one process (see PL_FN_WARM_CRED_S) in *sc, and
 * *senv = env with them. */
static int mint(const struct pl_fn_runner *r, const struct pl_fn *fn, const struct pl_fn_env *env,
                struct pl_fn_env *senv, struct pl_session_cred *sc, struct pl_err *err)
{
    bool warm = fn->runtime == PL_FN_PYTHON && !r->o.cold;
    int64_t life_s = fn->timeout_s + (warm ? PL_FN_WARM_CRED_S : PL_FN_CRED_MARGIN_S);
    if (pl_session_mint(env->session_master, fn->account, fn->region, fn->name,
                        fn->revision ? fn->revision : "0", pl_now_ms() + life_s * 1000, sc,
                        err) < 0)
        return -1;
    *senv = *env;
    senv->access_key_id = sc->key_id;
    senv->secret_access_key = sc->secret;
    senv->session_token = sc->token;
    return 0;
}

/* The body of every invocation; queue_deadline_ns bounds the wait for a slot. */
static int invoke(struct pl_fn_runner *r, const struct pl_fn *fn, const struct pl_fn_env *env,
                  const char *event, size_t len, int64_t queue_deadline_ns,
                  struct pl_fn_result *res, struct pl_err *err)
{
    static const struct pl_fn_env no_env;
    struct pl_arena a;
    memset(res, 0, sizeof(*res));
    new_request_id(res->request_id);
    if (check_call(fn, env, len, err) < 0) {
        pl_fn__fail(res, "ServiceException", "%s", err->msg);
        return -1;
    }
    pthread_mutex_lock(&r->mu);
    int got = slot_take(r, queue_deadline_ns);
    if (got < 0)
        r->st.throttled++;
    else
        r->st.invocations++;
    pthread_mutex_unlock(&r->mu);
    if (got < 0) {
        pl_fn__fail(res, "TooManyRequestsException", "Rate Exceeded.");
        pl_fn_count(fn->name, NULL);
        return 0;
    }

    pl_arena_init(&a);
    struct pl_fn_call c = {
        .fn = fn,
        .env = env ? env : &no_env,
        .event = event,
        .len = len,
        .request_id = res->request_id,
        .max_output = r->o.max_output,
        .max_payload = r->o.max_payload,
        .start_ns = pl_mono_ns(),
    };
    c.deadline_ns = c.start_ns + (int64_t)fn->timeout_s * 1000000000;
    struct pl_fn_env senv;
    struct pl_session_cred sc;
    if (c.env->session_master && fn->runtime != PL_FN_HTTP) {
        if (mint(r, fn, c.env, &senv, &sc, err) < 0) {
            pl_fn__fail(res, "ServiceException", "%s", err->msg);
            goto done;
        }
        c.env = &senv;
        c.creds_expires_ms = sc.expires_ms;
    }
    c.envp = build_env(&a, fn, c.env);
    const char *why;
    if (fn->runtime != PL_FN_HTTP && pl_fn__sandbox_broken(&why)) {
        pl_fn__fail(res, "ServiceException", "%s", why); /* never run unsandboxed */
        goto done;
    }
    switch (fn->runtime) {
    case PL_FN_PYTHON:
        run_python(r, &c, &a, res);
        break;
    case PL_FN_EXEC:
        pl_fn__run_exec(&c, res);
        break;
    case PL_FN_HTTP:
        pl_fn__run_http(&c, res);
        break;
    }
done:
    memset(&sc, 0, sizeof sc);
    res->duration_ms = (pl_mono_ns() - c.start_ns) / 1000000;
    pl_fn_count(fn->name, res);
    PL_LOG(DEBUG, "functions", "fn=%s request=%s ok=%d type=%s ms=%lld", fn->name, res->request_id,
           res->ok, res->ok ? "-" : res->error_type, (long long)res->duration_ms);
    pthread_mutex_lock(&r->mu);
    if (!res->ok)
        r->st.errors++;
    if (!res->ok && strcmp(res->error_type, "TimeoutError") == 0)
        r->st.timeouts++;
    slot_give(r);
    pthread_mutex_unlock(&r->mu);
    pl_arena_fini(&a);
    return 0;
}

int pl_fn_invoke(struct pl_fn_runner *r, const struct pl_fn *fn, const struct pl_fn_env *env,
                 const char *event, size_t len, struct pl_fn_result *res, struct pl_err *err)
{
    int64_t deadline = pl_mono_ns() + (int64_t)r->o.queue_wait_ms * 1000000;
    return invoke(r, fn, env, event, len, deadline, res, err);
}

void pl_fn_result_fini(struct pl_fn_result *r)
{
    if (!r)
        return;
    free(r->error_message);
    free(r->error_json);
    free(r->payload);
    free(r->logs);
    memset(r, 0, sizeof(*r));
}

/* ---- asynchronous jobs ---- */

static const char *dup_or_null(struct pl_arena *a, const char *s)
{
    return s ? pl_arena_strdup(a, s) : NULL;
}

static struct job *job_new(const struct pl_fn *fn, const struct pl_fn_env *env, const char *event,
                           size_t len, pl_fn_done_fn done, void *arg)
{
    struct job *j = pl_xcalloc(1, sizeof(*j));
    struct pl_arena *a = &j->a;
    pl_arena_init(a);
    j->fn = *fn;
    j->fn.account = dup_or_null(a, fn->account);
    j->fn.region = dup_or_null(a, fn->region);
    j->fn.name = dup_or_null(a, fn->name);
    j->fn.handler = dup_or_null(a, fn->handler);
    j->fn.command = dup_or_null(a, fn->command);
    j->fn.url = dup_or_null(a, fn->url);
    j->fn.revision = dup_or_null(a, fn->revision);
    if (env) {
        j->env.endpoint_url = dup_or_null(a, env->endpoint_url);
        j->env.session_master = env->session_master;
        j->env.access_key_id = dup_or_null(a, env->access_key_id);
        j->env.secret_access_key = dup_or_null(a, env->secret_access_key);
        j->env.session_token = dup_or_null(a, env->session_token);
        size_t n = 0;
        while (env->extra && env->extra[n])
            n++;
        if (n) {
            const char **x = pl_arena_alloc(a, (n + 1) * sizeof(char *));
            for (size_t i = 0; i < n; i++)
                x[i] = pl_arena_strdup(a, env->extra[i]);
            j->env.extra = x;
        }
    }
    j->event = pl_arena_strndup(a, event, len);
    j->len = len;
    j->done = done;
    j->arg = arg;
    return j;
}

static void job_free(struct job *j)
{
    pl_arena_fini(&j->a);
    free(j);
}

static void job_finish(struct job *j, struct pl_fn_result *res)
{
    if (j->done)
        j->done(j->arg, res);
    pl_fn_result_fini(res);
    job_free(j);
}

static void *dispatcher(void *arg)
{
    struct pl_fn_runner *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->jhead && !r->stopping) {
            struct timespec ts = mono_ts(pl_mono_ns() + 5000000000LL);
            pthread_cond_timedwait(&r->jobs_cv, &r->mu, &ts);
            struct pl_fn_pyworker *dead = NULL;
            pool_trim(r, &dead); /* idle workers age out even without traffic */
            pthread_mutex_unlock(&r->mu);
            free_list(dead);
            pthread_mutex_lock(&r->mu);
        }
        if (r->stopping)
            break;
        struct job *j = r->jhead;
        r->jhead = j->next;
        if (!r->jhead)
            r->jtail = NULL;
        r->njobs--;
        pthread_mutex_unlock(&r->mu);
        struct pl_fn_result res;
        struct pl_err err = {0};
        invoke(r, &j->fn, &j->env, j->event, j->len, INT64_MAX / 2, &res, &err);
        job_finish(j, &res);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int pl_fn_invoke_async(struct pl_fn_runner *r, const struct pl_fn *fn, const struct pl_fn_env *env,
                       const char *event, size_t len, pl_fn_done_fn done, void *arg,
                       struct pl_err *err)
{
    if (check_call(fn, env, len, err) < 0)
        return -1;
    struct job *j = job_new(fn, env, event, len, done, arg);
    pthread_mutex_lock(&r->mu);
    if (r->stopping || r->njobs + r->nwait >= r->o.max_queue) {
        r->st.throttled++;
        pthread_mutex_unlock(&r->mu);
        job_free(j);
        pl_fn_count(fn->name, NULL);
        return pl_fail(err, PL_E_THROTTLING, "function queue is full (%d waiting)", r->o.max_queue);
    }
    if (r->jtail)
        r->jtail->next = j;
    else
        r->jhead = j;
    r->jtail = j;
    r->njobs++;
    pthread_cond_signal(&r->jobs_cv);
    pthread_mutex_unlock(&r->mu);
    return 0;
}

/* ---- lifecycle ---- */

int pl_fn_runner_new(const struct pl_fn_runner_opts *opts, struct pl_fn_runner **out,
                     struct pl_err *err)
{
    struct pl_fn_runner *r = pl_xcalloc(1, sizeof(*r));
    if (opts)
        r->o = *opts;
    r->o.max_concurrency = r->o.max_concurrency > 0 ? r->o.max_concurrency : 4;
    r->o.max_queue = r->o.max_queue > 0 ? r->o.max_queue : 1000;
    r->o.queue_wait_ms = r->o.queue_wait_ms > 0 ? r->o.queue_wait_ms : 15 * 60 * 1000;
    r->o.max_output = r->o.max_output ? r->o.max_output : 64 * 1024;
    r->o.max_payload = r->o.max_payload ? r->o.max_payload : 1024 * 1024;
    r->o.warm_idle_s = r->o.warm_idle_s > 0 ? r->o.warm_idle_s : 300;
    /* resolved on first use (python_path); none found: python functions fail clearly */
    pl_strlcpy(r->python, opts && opts->python ? opts->python : "python3", sizeof(r->python));
    r->o.python = NULL;
    signal(SIGPIPE, SIG_IGN);
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->py_mu, NULL);
    cond_init_mono(&r->jobs_cv);
    cond_init_mono(&r->idle_cv);
    r->threads = pl_xcalloc((size_t)r->o.max_concurrency, sizeof(pthread_t));
    for (int i = 0; i < r->o.max_concurrency; i++) {
        if (pthread_create(&r->threads[i], NULL, dispatcher, r) != 0) {
            pl_fn_runner_free(r);
            return pl_fail(err, PL_E_INTERNAL, "cannot start function threads");
        }
        r->nthreads++;
    }
    *out = r;
    return 0;
}

void pl_fn_runner_free(struct pl_fn_runner *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_broadcast(&r->jobs_cv);
    for (struct waiter *w = r->whead; w; w = w->next)
        pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < r->nthreads; i++)
        pthread_join(r->threads[i], NULL);
    pthread_mutex_lock(&r->mu);
    while (r->running > 0 || r->nwait > 0) /* sync callers still inside */
        pthread_cond_wait(&r->idle_cv, &r->mu);
    struct job *j = r->jhead;
    r->jhead = r->jtail = NULL;
    struct pl_fn_pyworker *dead = NULL;
    pool_trim(r, &dead);
    pthread_mutex_unlock(&r->mu);
    while (j) {
        struct job *next = j->next;
        struct pl_fn_result res = {0};
        pl_fn__fail(&res, "TooManyRequestsException", "the function runner is shutting down");
        job_finish(j, &res);
        j = next;
    }
    free_list(dead);
    free(r->threads);
    pthread_cond_destroy(&r->jobs_cv);
    pthread_cond_destroy(&r->idle_cv);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->py_mu);
    free(r);
}

void pl_fn_runner_forget(struct pl_fn_runner *r, const char *account, const char *region,
                         const char *name)
{
    if (!r)
        return;
    struct pl_fn_pyworker *dead = NULL;
    pthread_mutex_lock(&r->mu);
    struct forgot *f = &r->forgot[r->next_forgot];
    r->next_forgot = (r->next_forgot + 1) % FORGOT_MAX;
    if (r->nforgot < FORGOT_MAX)
        r->nforgot++;
    owner_of(f->owner, account, region, name);
    f->ns = pl_mono_ns();
    for (struct pl_fn_pyworker **pp = &r->idle; *pp;) {
        struct pl_fn_pyworker *w = *pp;
        if (forgotten(r, w)) {
            *pp = w->next;
            w->next = dead;
            dead = w;
            r->nidle--;
        } else {
            pp = &w->next;
        }
    }
    pthread_mutex_unlock(&r->mu);
    free_list(dead);
}

void pl_fn_runner_stats(struct pl_fn_runner *r, struct pl_fn_stats *out)
{
    pthread_mutex_lock(&r->mu);
    *out = r->st;
    out->running = r->running;
    out->queued = r->nwait + r->njobs;
    out->warm_workers = r->nidle;
    pthread_mutex_unlock(&r->mu);
}
