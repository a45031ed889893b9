/* functions.h — Lambda-style functions for custom rules: the registry and the invoker.
 *
 * A rule with Owner CUSTOM_LAMBDA names a function by its Lambda ARN
 * (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:ALIAS]). plumb keeps a registry of functions per
 * (account, region) partition, stored as configuration objects of kind "Function" (name = the
 * function name, JSON = struct pl_fn), and runs them with AWS's rule event:
 *
 *   python  PATH/module.py:function  a handler written for AWS Lambda, run by a small bootstrap
 *                                   (bootstrap.py, embedded) with a Lambda-like `context`;
 *                                   cold (one process per event) or warm (a long-lived process
 *                                   per function serving many events, like Lambda's warm
 *                                   containers; the default).
 *   exec    a shell command         `/bin/sh -c COMMAND`, event JSON on stdin, exit 0 = success,
 *                                   stdout = the result payload.
 *   http    a URL                   POST of the event JSON, 2xx = success, body = payload.
 *
 * The function answers the rule through plumb's own API (PutEvaluations with the event's
 * resultToken): processes get AWS_ENDPOINT_URL, credentials and region pointing back at plumb.
 *
 * Limits: a wall-clock timeout per invocation (the process group is killed; "Task timed out
 * after N.00 seconds" as Lambda says), a concurrency limit per runner (invocations beyond it
 * wait in a bounded FIFO queue), setrlimit on every process (address space = memoryMB, CPU time,
 * 1024 open files, no core dumps), stdout/stderr captured up to a cap.
 *
 * Threads: the registry functions take a struct pl_store and follow its rules (one store per
 * thread). A struct pl_fn_runner is thread-safe: any thread may invoke through it.
 *
 * Memory: registry results live in the caller's arena; struct pl_fn_result owns malloc'd
 * strings released by pl_fn_result_fini().
 */
#ifndef PL_RULES_FUNCTIONS_H
#define PL_RULES_FUNCTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/session.h"

struct pl_store;

#define PL_KIND_FUNCTION "Function" /* store kind; name = function name; JSON = pl_fn_to_json */

/* Lambda's default timeout is 3 s; rules that page through GetResourceConfigHistory need more
 * (docs/functions.md). Memory is an address-space limit; Lambda's default is 128 MB of RSS. */
#define PL_FN_NAME_MAX          64 /* AWS Lambda: 1-64 of [A-Za-z0-9_-] */
#define PL_FN_DEFAULT_TIMEOUT_S 60
#define PL_FN_MAX_TIMEOUT_S     900 /* Lambda's maximum */
#define PL_FN_DEFAULT_MEMORY_MB 512
#define PL_FN_MIN_MEMORY_MB     128
#define PL_FN_MAX_MEMORY_MB     10240
#define PL_FN_MAX_EVENT         (6u << 20) /* Lambda's synchronous payload limit, 6 MB */

enum pl_fn_runtime { PL_FN_PYTHON, PL_FN_EXEC, PL_FN_HTTP };

/* One registered function. Strings are borrowed (arena of whoever filled it). */
struct pl_fn {
    const char *account, *region; /* partition it belongs to */
    const char *name;
    enum pl_fn_runtime runtime;
    const char *handler; /* python: absolute "/dir/module.py:function"; else NULL */
    const char *command; /* exec: the shell command; else NULL */
    const char *url;     /* http: http(s) URL; else NULL */
    int timeout_s;       /* 1..PL_FN_MAX_TIMEOUT_S */
    int memory_mb;       /* PL_FN_MIN_MEMORY_MB..PL_FN_MAX_MEMORY_MB */
    int64_t created_ms;
    const char *revision; /* new on every pl_fn_put (16 hex); session credentials minted for
                           * the function name it, so changing the function revokes them */
};

/* "python" | "exec" | "http"; and back (-1 when unknown). */
const char *pl_fn_runtime_name(enum pl_fn_runtime rt);
int pl_fn_runtime_parse(const char *s, enum pl_fn_runtime *out);
/* Sets on object o the members saying what fn runs, as the API spells them: Runtime, Handler |
 * Command | Url (whichever fn has), Timeout and MemorySize, in that order. */
struct pl_json;
void pl_fn_render_code(struct pl_arena *a, struct pl_json *o, const struct pl_fn *fn);

/* ---- registry ---- */

/* Checks a function definition: name syntax, runtime fields (python handler absolute
 * "PATH.py:function", exec command non-empty, http URL http:// or https://), limits.
 * PL_E_INVALID_PARAMETER_VALUE with a message naming the field. */
int pl_fn_validate(const struct pl_fn *fn, struct pl_err *err);

/* Validates fn and stores it in (fn->account, fn->region), replacing a function of the same
 * name (created_ms is kept from the old one; 0 in fn means now). */
int pl_fn_put(struct pl_store *st, const struct pl_fn *fn, struct pl_err *err);
/* 1 found (*out filled, strings in arena a), 0 absent, -1 error. */
int pl_fn_get(struct pl_store *st, const char *account, const char *region, const char *name,
              struct pl_arena *a, struct pl_fn *out, struct pl_err *err);
/* 1 deleted, 0 absent, -1 error. */
int pl_fn_delete(struct pl_store *st, const char *account, const char *region, const char *name,
                 struct pl_err *err);
/* The partition's functions in name order (*items: arena array of *n). */
int pl_fn_list(struct pl_store *st, const char *account, const char *region, struct pl_arena *a,
               struct pl_fn **items, size_t *n, struct pl_err *err);

/* JSON form {"name","runtime","handler"|"command"|"url","timeoutSeconds","memoryMB","created"}
 * (created: epoch seconds with ms, as AWS timestamps). to_json returns arena text. */
char *pl_fn_to_json(struct pl_arena *a, const struct pl_fn *fn);
int pl_fn_from_json(struct pl_arena *a, const char *json, size_t len, struct pl_fn *out,
                    struct pl_err *err);

/* The parts of a Lambda ARN "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]"
 * (partitions aws, aws-cn, aws-us-gov accepted). Pointers into arena a. */
struct pl_fn_arn {
    const char *region, *account, *name, *qualifier; /* qualifier NULL when absent */
};
/* PL_E_INVALID_PARAMETER_VALUE when arn is not a Lambda function ARN. */
int pl_fn_parse_arn(struct pl_arena *a, const char *arn, struct pl_fn_arn *out, struct pl_err *err);
/* "arn:aws:lambda:REGION:ACCOUNT:function:NAME" in arena a. */
char *pl_fn_arn(struct pl_arena *a, const struct pl_fn *fn);

/* What PutConfigRule does with a CUSTOM_LAMBDA SourceIdentifier: parses the ARN and loads the
 * function from the ARN's (account, region). Errors, as AWS reports them:
 *   malformed ARN     -> PL_E_INVALID_PARAMETER_VALUE
 *   no such function  -> PL_E_INSUFFICIENT_PERMISSIONS "The AWS Lambda function <arn> cannot
 *                        be invoked. Check the specified function ARN, and check the
 *                        function's permissions."
 * The qualifier (alias or version) is accepted and ignored: plumb keeps one version.
 * account is the caller's (the rule's): an ARN of another account fails with
 * InvalidParameterValueException whether or not that function exists, so no caller can run or
 * enumerate another account's functions. */
int pl_fn_resolve(struct pl_store *st, const char *account, const char *arn, struct pl_arena *a,
                  struct pl_fn *out, struct pl_err *err);

/* ---- invoking ---- */

/* Session credentials given to a process: a cold process's expire after the function's
 * timeout + PL_FN_CRED_MARGIN_S; a warm worker's after PL_FN_WARM_CRED_S + the timeout, and the
 * worker is recycled before its credentials could expire during an invocation. */
#define PL_FN_CRED_MARGIN_S 60
#define PL_FN_WARM_CRED_S   900

/* Where the function's process reaches plumb, and as whom. Borrowed for the call only. */
struct pl_fn_env {
    const char *endpoint_url;  /* plumb's API URL, e.g. "http://127.0.0.1:7711"; required */
    /* When set, every process gets its own session credentials of fn's (account, region),
     * minted with this master for fn at fn->revision (core/session.h), and the three static
     * fields below are ignored. The master must outlive the runner. */
    const struct pl_session_master *session_master;
    const char *access_key_id; /* else: plumb credentials of the rule's account; required */
    const char *secret_access_key;
    const char *session_token; /* NULL when none */
    const char *const *extra;  /* more "NAME=value" entries (NULL-terminated), or NULL */
};

/* The outcome of one invocation (malloc'd strings; pl_fn_result_fini frees them). */
struct pl_fn_result {
    bool ok;             /* the handler returned (python), exited 0 (exec), answered 2xx */
    char error_type[64]; /* when !ok: "Unhandled" (handler raised; see error_message),
                          * "TimeoutError", "Runtime.ExitError", "Runtime.OutOfMemory",
                          * "Runtime.ImportModuleError", "Runtime.HandlerNotFound",
                          * "TooManyRequestsException" (queue full or wait expired),
                          * "ServiceException" (plumb could not start it), "HTTPError" */
    char *error_message; /* when !ok: one line for LastErrorMessage, e.g. the Python
                          * exception "KeyError: 'x'" or "Task timed out after 60.00 seconds" */
    char *error_json;    /* python: Lambda's {"errorMessage","errorType","stackTrace"} */
    char *payload;       /* the return value (python: JSON; exec: stdout; http: body) */
    char *logs;          /* stdout+stderr of the invocation, at most the runner's cap */
    bool logs_truncated;
    int64_t duration_ms; /* from start of the process (or warm request) to the result */
    char request_id[40]; /* the aws_request_id given to the handler */
};
void pl_fn_result_fini(struct pl_fn_result *r);

struct pl_fn_runner_opts {
    int max_concurrency; /* invocations at once; 0 -> 4 */
    int max_queue;       /* waiting invocations beyond that; 0 -> 1000 */
    int queue_wait_ms;   /* how long a synchronous caller may wait for a slot; 0 -> 15 min */
    size_t max_output;   /* bytes of stdout+stderr kept per invocation; 0 -> 64 KiB */
    size_t max_payload;  /* bytes of result payload kept; 0 -> 1 MiB */
    bool cold;           /* python: a new process per event (no warm workers) */
    int warm_idle_s;     /* idle warm workers exit after this; 0 -> 300 */
    const char *python;  /* interpreter; NULL -> "python3" on PATH; either way resolved once
                          * to its sys.executable (skips wrappers such as pyenv shims) */
};

struct pl_fn_runner;

/* Creates a runner with its worker threads (opts may be NULL for defaults). Ignores SIGPIPE
 * for the process (writes to a dead function must not kill plumb). *out: pl_fn_runner_free. */
int pl_fn_runner_new(const struct pl_fn_runner_opts *opts, struct pl_fn_runner **out,
                     struct pl_err *err);
/* Waits for running invocations (bounded by their timeouts), fails queued ones with
 * TooManyRequestsException, kills warm workers. NULL is fine. */
void pl_fn_runner_free(struct pl_fn_runner *r);

/* Runs one invocation of fn with the event JSON event[0..len) and waits for it.
 * Thread-safe. Waits at most queue_wait_ms for a concurrency slot, then at most the function's
 * timeout (+1 s to reap), so it never blocks forever. Returns 0 with *res filled whatever the
 * function did (res->ok says if it succeeded); -1 only with err set when the arguments are bad
 * (fn invalid, env incomplete, event too large) — *res is then filled too (ServiceException).
 * res->request_id is generated per call. The caller owns *res (pl_fn_result_fini). */
int pl_fn_invoke(struct pl_fn_runner *r, const struct pl_fn *fn, const struct pl_fn_env *env,
                 const char *event, size_t len, struct pl_fn_result *res, struct pl_err *err);

/* Asynchronous form: queues the invocation and returns at once; done(arg, res) runs later on a
 * runner thread (res is valid during the call only; the runner finis it afterwards). fn, env
 * and event are copied. -1 (done is not called) with PL_E_THROTTLING when the queue is full, or
 * the error of pl_fn_invoke's argument checks. done must not free the runner. */
typedef void (*pl_fn_done_fn)(void *arg, const struct pl_fn_result *res);
int pl_fn_invoke_async(struct pl_fn_runner *r, const struct pl_fn *fn, const struct pl_fn_env *env,
                       const char *event, size_t len, pl_fn_done_fn done, void *arg,
                       struct pl_err *err);

/* Counters for metrics and tests. */
struct pl_fn_stats {
    int64_t invocations, errors, timeouts, throttled;
    int64_t cold_starts, warm_hits;
    int running, queued, warm_workers;
};
void pl_fn_runner_stats(struct pl_fn_runner *r, struct pl_fn_stats *out);
/* The function (account, region, name) was deleted or replaced: its idle warm workers are
 * killed now, and those still running an invocation when it returns (nothing of a deleted
 * function's code lingers between invocations). NULL r is fine. */
void pl_fn_runner_forget(struct pl_fn_runner *r, const char *account, const char *region,
                         const char *name);

/* ---- logs and metrics (logs.c) ---- */

/* Every invocation the rules engine makes is logged in the store (store/evals.h, function
 * logs) with its rule, resource, start, duration and outcome; the engine's housekeeping rotates
 * them like a CloudWatch log group with a retention: at most PL_FN_LOG_KEEP per function,
 * none older than PL_FN_LOG_KEEP_MS. */
#define PL_FN_LOG_MAX     (64 * 1024) /* bytes of output kept per invocation */
#define PL_FN_LOG_KEEP    1000
#define PL_FN_LOG_KEEP_MS (7 * 86400 * 1000LL)

/* The text logged for res: its logs, then for a failure Lambda's error lines ("[ERROR] Type:
 * message" and the traceback of error_json), cut to max bytes on a UTF-8 character boundary.
 * malloc'd (the caller frees); *truncated when something was cut here or by the runner. */
char *pl_fn_log_text(const struct pl_fn_result *res, size_t max, bool *truncated);

/* A stored log entry (store/evals.h) in the API's shape, in arena a: {RequestId, RuleName,
 * ResourceType, ResourceId, StartTime (epoch s), DurationMs, Outcome, ErrorMessage, Output,
 * Truncated}; members that are NULL are left out. GetFunctionLogs and `plumb function logs`. */
struct pl_fn_log;
struct pl_json;
struct pl_json *pl_fn_log_json(struct pl_arena *a, const struct pl_fn_log *l);

/* /metrics, per function (label function="NAME"; names beyond the first PL_FN_METRIC_NAMES
 * share the value "~other"): plumb_function_invocations_total, plumb_function_errors_total,
 * plumb_function_throttles_total, plumb_function_duration_seconds (histogram). The runner
 * counts every invocation; res NULL is one throttled before it ran. */
#define PL_FN_METRIC_NAMES 64
void pl_fn_count(const char *name, const struct pl_fn_result *res);

#endif
