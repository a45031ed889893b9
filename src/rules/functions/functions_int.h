/* functions_int.h — what the invoker's files share: child processes (proc.c), the I/O loop
 * with bounded capture, and the runtimes (rt_python.c, rt_exec.c, rt_http.c) that runner.c
 * dispatches to. Nothing here is thread-safe by itself; runner.c owns the locking. */
#ifndef PL_RULES_FUNCTIONS_INT_H
#define PL_RULES_FUNCTIONS_INT_H

#include "rules/functions/functions.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The Python bootstrap (bootstrap.py), embedded at build time (bootstrap_py.c). */
extern const char pl_fn_bootstrap_py[];

/* Bytes kept from a stream: the first max bytes; the rest is read and counted, not kept. */
struct pl_fn_cap {
    char *data; /* malloc'd, NUL-terminated when non-NULL */
    size_t len, max;
    size_t dropped;
};
void pl_fn__cap_init(struct pl_fn_cap *c, size_t max);
void pl_fn__cap_add(struct pl_fn_cap *c, const char *p, size_t n);
char *pl_fn__cap_take(struct pl_fn_cap *c); /* malloc'd string ("" when empty) */
void pl_fn__cap_fini(struct pl_fn_cap *c);

/* A child process in its own process group, with fd 3 (python) or stdin (exec) a stream
 * socket to us, stdout and stderr pipes. All parent-side fds are close-on-exec and
 * non-blocking. */
struct pl_fn_proc {
    pid_t pid;  /* also the process group id; 0 when none */
    int sock;   /* our end of the socket; -1 when closed */
    int out;    /* stdout pipe, -1 when closed */
    int err;    /* stderr pipe (python: -1, stderr shares the stdout pipe) */
    int pidfd;  /* readable once the child exits; -1 when unavailable */
    int status; /* wait status once reaped */
    bool reaped;
};

struct pl_fn_spawn {
    const char *path;     /* absolute program path */
    char *const *argv;    /* NULL-terminated */
    char *const *envp;    /* NULL-terminated */
    bool sock_is_stdin;   /* exec: the socket is fd 0; python: fd 3 (stdin /dev/null) */
    bool merge_stderr;    /* stderr into the stdout pipe */
    const char *cwd;      /* NULL: unchanged */
    int memory_mb;        /* RLIMIT_AS */
    int cpu_s;            /* RLIMIT_CPU, 0 for none */
    bool die_with_thread; /* PR_SET_PDEATHSIG: killed when the spawning thread exits (only
                           * for children that thread waits for; a warm worker instead
                           * exits when its socket closes, i.e. when plumb goes away) */
};
/* Forks and execs. 0 with *p filled, or -1 (err: PL_E_INTERNAL with errno text). */
int pl_fn__spawn(const struct pl_fn_spawn *s, struct pl_fn_proc *p, struct pl_err *err);
/* The sandbox (sandbox.c). enter: in the child between fork and exec, returns in the process
 * that is to exec (pid 1 of a new PID namespace), exits 125 with a message on fd 2 when it
 * cannot. broken: true (why: the message) when functions must not run at all. */
void pl_fn__sandbox_enter(void);
bool pl_fn__sandbox_broken(const char **why);
/* SIGKILLs the whole process group, reaps the child, closes every fd. Safe to call twice. */
void pl_fn__proc_kill(struct pl_fn_proc *p);
/* Reaps the child if it has exited (wait = block). 1 reaped, 0 still running. */
int pl_fn__proc_reap(struct pl_fn_proc *p, bool wait);
/* Waits up to ms for the child to exit by itself, then kills its group; reaps it. */
void pl_fn__proc_wait(struct pl_fn_proc *p, int ms);
/* True when the child of an idle warm worker looks alive (no EOF/hangup pending). */
bool pl_fn__proc_alive(struct pl_fn_proc *p);

/* One exchange with a child: write wbuf to the socket, read the socket into rsock until
 * done(rsock) says complete, capture out/err, until the deadline. */
struct pl_fn_io {
    const char *wbuf;
    size_t wlen, woff;
    bool shut_after_write;   /* shutdown(SHUT_WR) once wbuf is written (exec stdin) */
    struct pl_fn_cap *rsock; /* NULL: the socket is not read */
    int (*done)(const struct pl_fn_cap *rsock); /* 1 when the response is complete */
    bool until_exit;                            /* complete when the child exits (exec) */
    struct pl_fn_cap *cout, *cerr;              /* where stdout / stderr go (cerr may equal cout) */
};
enum { PL_FN_IO_DONE = 1, PL_FN_IO_TIMEOUT = 0, PL_FN_IO_EOF = 2, PL_FN_IO_FAIL = -1 };
/* Runs the loop until complete (DONE), the socket hangs up before completion (EOF), the
 * monotonic deadline passes (TIMEOUT) or an I/O error (FAIL). */
int pl_fn__io(struct pl_fn_proc *p, struct pl_fn_io *io, int64_t deadline_ns);
/* Reads whatever stdout/stderr hold now without blocking. */
void pl_fn__drain(struct pl_fn_proc *p, struct pl_fn_cap *cout, struct pl_fn_cap *cerr);

/* Fills res as a failure (error_type, printf message). */
void pl_fn__fail(struct pl_fn_result *res, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "Task timed out after 60.00 seconds" */
void pl_fn__timeout(struct pl_fn_result *res, int timeout_s);
/* Describes an exit status: "exit status 3" / "signal: killed". */
const char *pl_fn__exit_text(int status, char *buf, size_t n);

/* What an invocation needs besides fn: built by runner.c. */
struct pl_fn_call {
    const struct pl_fn *fn;
    const struct pl_fn_env *env;
    const char *event;
    size_t len;
    const char *request_id;
    char *const *envp; /* the child environment (NULL-terminated) */
    size_t max_output, max_payload;
    int64_t start_ns; /* pl_mono_ns() at start */
    int64_t deadline_ns;
    int64_t creds_expires_ms; /* pl_now_ms() when envp's session credentials expire; 0: none */
};

/* The runtimes. Each fills res (ok or a failure); none returns before its deadline + ~1 s. */
void pl_fn__run_exec(const struct pl_fn_call *c, struct pl_fn_result *res);
void pl_fn__run_http(const struct pl_fn_call *c, struct pl_fn_result *res);

/* Python: one worker process serving events (cold: used once; warm: pooled by runner.c). */
struct pl_fn_pyworker {
    struct pl_fn_proc proc;
    char *key;   /* what the process was started for (runner.c's warm-pool key) */
    char *owner; /* "account/region/name" of its function (pl_fn_runner_forget) */
    int64_t started_ns, last_used_ns;
    int served; /* events served so far */
    int64_t creds_expires_ms; /* its session credentials' expiry (0: static credentials) */
    struct pl_fn_pyworker *next;
};
/* Starts a worker for c->fn with interpreter python. NULL on failure (res filled). */
struct pl_fn_pyworker *pl_fn__py_start(const char *python, const struct pl_fn_call *c, bool cold,
                                       struct pl_fn_result *res);
/* Sends one event and waits for its answer. Returns true when the worker can serve again. */
bool pl_fn__py_invoke(struct pl_fn_pyworker *w, const struct pl_fn_call *c,
                      struct pl_fn_result *res);
void pl_fn__py_free(struct pl_fn_pyworker *w); /* kills the process; NULL is fine */

#endif
