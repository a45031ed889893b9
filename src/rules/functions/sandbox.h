/* sandbox.h — where function processes run: a PID namespace of their own (so killing the
 * worker kills every descendant, setsid ones included), a private mount namespace with plumb's
 * data directory hidden under an empty tmpfs and /proc remounted, an unprivileged uid (nobody)
 * when plumb is root, a user namespace of their own, no new privileges and RLIMIT_NPROC.
 * Configured once per process before functions run (plumb serve); without a call the first
 * function configures the defaults (drop root, hide nothing, refuse when unavailable). */
#ifndef PL_RULES_FUNCTIONS_SANDBOX_H
#define PL_RULES_FUNCTIONS_SANDBOX_H

#include "core/err.h"

#include <stdbool.h>

/* Processes (and threads) one sandbox may hold at once: its pid 1 and every descendant. */
#define PL_FN_SANDBOX_NPROC 256
#define PL_FN_SANDBOX_UID   65534 /* nobody / nogroup: what functions run as when plumb is root */

struct pl_fn_sandbox_opts {
    const char *hide_dir; /* covered with an empty read-only tmpfs (plumb's data dir); NULL: none */
    bool drop_root;       /* when running as root, run functions as nobody (65534:65534) */
    bool unsafe;          /* namespaces unavailable: run functions without them anyway */
};

/* Sets the process-wide sandbox and probes that it can be created: 0 when it can. When it
 * cannot: with unsafe, 1 and functions run unsandboxed; else -1 (err: PL_E_INTERNAL saying
 * why) and every invocation fails with that message (a ServiceException, never an
 * unsandboxed run). */
int pl_fn_sandbox_configure(const struct pl_fn_sandbox_opts *o, struct pl_err *err);

#endif
