/* rt_exec.c — the exec runtime: `/bin/sh -c COMMAND` with the event JSON on stdin.
 *
 * Contract (docs/functions.md): the event arrives on stdin, then EOF; exit status 0 means
 * success and stdout (up to the payload cap) is the result payload; any other status is a
 * function error whose message is the status and the last line of stderr. The environment is
 * the same as for Python handlers, so a script can call `aws configservice put-evaluations`.
 */
#include "rules/functions/functions_int.h"

#include "core/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* The last non-empty line of s (at most 300 bytes), in buf. */
static const char *last_line(const char *s, char *buf, size_t n)
{
    size_t len = strlen(s);
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
        len--;
    size_t start = len;
    while (start && s[start - 1] != '\n')
        start--;
    size_t m = len - start < n - 1 ? len - start : n - 1;
    memcpy(buf, s + start, m);
    buf[m] = '\0';
    return buf;
}

void pl_fn__run_exec(const struct pl_fn_call *c, struct pl_fn_result *res)
{
    char *argv[] = {"sh", "-c", (char *)c->fn->command, NULL};
    struct pl_fn_spawn sp = {
        .path = "/bin/sh",
        .argv = argv,
        .envp = c->envp,
        .sock_is_stdin = true,
        .memory_mb = c->fn->memory_mb,
        .cpu_s = c->fn->timeout_s + 1,
        .die_with_thread = true,
    };
    struct pl_fn_proc p;
    struct pl_fn_cap out, errs;
    struct pl_err err = {0};
    char tmp[320], st[64];

    pl_fn__cap_init(&out, c->max_payload);
    pl_fn__cap_init(&errs, c->max_output);
    if (pl_fn__spawn(&sp, &p, &err) < 0) {
        pl_fn__fail(res, "ServiceException", "%s", err.msg);
        goto out;
    }
    struct pl_fn_io io = {
        .wbuf = c->event,
        .wlen = c->len,
        .shut_after_write = true,
        .until_exit = true,
        .cout = &out,
        .cerr = &errs,
    };
    int r = pl_fn__io(&p, &io, c->deadline_ns);
    if (r == PL_FN_IO_TIMEOUT) {
        pl_fn__timeout(res, c->fn->timeout_s);
    } else if (r != PL_FN_IO_DONE) {
        pl_fn__fail(res, "ServiceException", "I/O error talking to the function");
    } else if (WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0) {
        res->ok = true;
        res->payload = pl_fn__cap_take(&out);
    } else {
        const char *why = pl_fn__exit_text(p.status, st, sizeof(st));
        const char *line = last_line(errs.data ? errs.data : "", tmp, sizeof(tmp));
        pl_fn__fail(res, "Runtime.ExitError",
                    "RequestId: %s Error: Runtime exited with error: "
                    "%s%s%s",
                    c->request_id, why, *line ? ": " : "", line);
    }
    pl_fn__proc_kill(&p);
    res->logs_truncated = errs.dropped > 0;
    res->logs = pl_fn__cap_take(&errs);
out:
    pl_fn__cap_fini(&out);
    pl_fn__cap_fini(&errs);
}
