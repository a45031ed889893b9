/* proc.c — child processes for functions: fork/exec with resource limits in a process group of
 * their own, the poll loop that feeds them an event and collects their answer and output, and
 * bounded capture of what they print.
 *
 * Invariants: every parent-side fd is close-on-exec (other threads fork too) and non-blocking;
 * the child closes every inherited fd above 4, so it never holds plumb's sockets or database;
 * a child's whole process group dies with SIGKILL on timeout or when plumb is done with it,
 * and with it its PID namespace (sandbox.c), so descendants that left the group die too;
 * writes use send(MSG_NOSIGNAL), so a dead child never raises SIGPIPE in plumb.
 */
#include "rules/functions/functions_int.h"

#include "core/time.h"
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- bounded capture ---- */

void pl_fn__cap_init(struct pl_fn_cap *c, size_t max)
{
    memset(c, 0, sizeof(*c));
    c->max = max;
}

void pl_fn__cap_add(struct pl_fn_cap *c, const char *p, size_t n)
{
    size_t room = c->max - c->len, keep = n < room ? n : room;
    if (keep) {
        if (!c->data)
            c->data = pl_xmalloc(c->max + 1);
        memcpy(c->data + c->len, p, keep);
        c->len += keep;
        c->data[c->len] = '\0';
    }
    c->dropped += n - keep;
}

char *pl_fn__cap_take(struct pl_fn_cap *c)
{
    char *s = c->data ? c->data : pl_xstrdup("");
    c->data = NULL;
    c->len = 0;
    return s;
}

void pl_fn__cap_fini(struct pl_fn_cap *c)
{
    free(c->data);
    c->data = NULL;
}

/* ---- spawning ---- */

static void set_limit(int what, rlim_t v)
{
    struct rlimit rl = {v, v};
    (void)setrlimit(what, &rl);
}

/* Runs in the child between fork and exec: async-signal-safe calls only. fds[] are the child
 * ends: sock, out, err (err may equal out). Never returns. */
static void child(const struct pl_fn_spawn *s, int sock, int out, int err)
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigset_t none;
    int in;

    setpgid(0, 0);
    if (s->die_with_thread)
        prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigaction(SIGPIPE, &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* move the ends above 9 first so the dup2s below cannot clobber one another */
    sock = fcntl(sock, F_DUPFD_CLOEXEC, 10);
    out = fcntl(out, F_DUPFD_CLOEXEC, 10);
    err = fcntl(err, F_DUPFD_CLOEXEC, 10);
    in = s->sock_is_stdin ? sock : open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (sock < 0 || out < 0 || err < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
        dup2(err, 2) < 0 || (!s->sock_is_stdin && dup2(sock, 3) < 0))
        _exit(126);
    close_range(s->sock_is_stdin ? 3 : 4, ~0U, 0);
    set_limit(RLIMIT_CORE, 0);
    pl_fn__sandbox_enter();
    set_limit(RLIMIT_NOFILE, 1024);
    if (s->memory_mb > 0)
        set_limit(RLIMIT_AS, (rlim_t)s->memory_mb << 20);
    if (s->cpu_s > 0)
        set_limit(RLIMIT_CPU, (rlim_t)s->cpu_s);
    if (s->cwd && chdir(s->cwd) < 0)
        _exit(126);
    execve(s->path, s->argv, s->envp);
    _exit(127);
}

static int nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int pl_fn__spawn(const struct pl_fn_spawn *s, struct pl_fn_proc *p, struct pl_err *err)
{
    int sv[2] = {-1, -1}, po[2] = {-1, -1}, pe[2] = {-1, -1};
    int rc = -1;
    const char *why;

    memset(p, 0, sizeof(*p));
    p->sock = p->out = p->err = p->pidfd = -1;
    if (pl_fn__sandbox_broken(&why))
        return pl_fail(err, PL_E_INTERNAL, "%s", why);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe2(po, O_CLOEXEC) < 0 ||
        (!s->merge_stderr && pipe2(pe, O_CLOEXEC) < 0)) {
        pl_fail(err, PL_E_INTERNAL, "cannot create pipes: %s", strerror(errno));
        goto out;
    }
    pid_t pid = fork();
    if (pid < 0) {
        pl_fail(err, PL_E_INTERNAL, "fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0)
        child(s, sv[1], po[1], s->merge_stderr ? po[1] : pe[1]);
    setpgid(pid, pid); /* also done by the child; whichever runs first wins the race */
    p->pid = pid;
    p->sock = sv[0], sv[0] = -1;
    p->out = po[0], po[0] = -1;
    p->err = pe[0], pe[0] = -1;
    p->pidfd = pidfd_open(pid, 0);
    if (p->pidfd >= 0)
        (void)fcntl(p->pidfd, F_SETFD, FD_CLOEXEC);
    nonblock(p->sock);
    nonblock(p->out);
    if (p->err >= 0)
        nonblock(p->err);
    rc = 0;
out:
    for (int i = 0; i < 2; i++) {
        if (sv[i] >= 0)
            close(sv[i]);
        if (po[i] >= 0)
            close(po[i]);
        if (pe[i] >= 0)
            close(pe[i]);
    }
    return rc;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

int pl_fn__proc_reap(struct pl_fn_proc *p, bool wait)
{
    if (p->reaped || p->pid <= 0)
        return 1;
    pid_t r;
    do
        r = waitpid(p->pid, &p->status, wait ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == p->pid || (r < 0 && errno == ECHILD)) {
        p->reaped = true;
        return 1;
    }
    return 0;
}

void pl_fn__proc_kill(struct pl_fn_proc *p)
{
    if (p->pid > 0) {
        kill(-p->pid, SIGKILL); /* the group: grandchildren too */
        if (!p->reaped)
            kill(p->pid, SIGKILL);
        pl_fn__proc_reap(p, true);
    }
    close_fd(&p->sock);
    close_fd(&p->out);
    close_fd(&p->err);
    close_fd(&p->pidfd);
}

void pl_fn__proc_wait(struct pl_fn_proc *p, int ms)
{
    for (int i = 0; i < ms && !pl_fn__proc_reap(p, false); i += 5)
        usleep(5000);
    if (p->pid > 0)
        kill(-p->pid, SIGKILL);
    pl_fn__proc_reap(p, true);
}

bool pl_fn__proc_alive(struct pl_fn_proc *p)
{
    struct pollfd pf = {.fd = p->sock, .events = POLLIN};
    if (p->sock < 0 || p->reaped)
        return false;
    if (poll(&pf, 1, 0) != 0) /* an idle worker has nothing to say: data or EOF means trouble */
        return false;
    return pl_fn__proc_reap(p, false) == 0;
}

/* ---- the I/O loop ---- */

/* Reads what fd has now into cap. Returns 0 (more may come), 1 at EOF (fd closed), -1 error. */
static int read_some(int *fd, struct pl_fn_cap *cap)
{
    char buf[16384];
    for (;;) {
        ssize_t n = read(*fd, buf, sizeof(buf));
        if (n > 0) {
            pl_fn__cap_add(cap, buf, (size_t)n);
            continue;
        }
        if (n == 0) {
            close_fd(fd);
            return 1;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        close_fd(fd);
        return -1;
    }
}

void pl_fn__drain(struct pl_fn_proc *p, struct pl_fn_cap *cout, struct pl_fn_cap *cerr)
{
    if (p->out >= 0)
        read_some(&p->out, cout);
    if (p->err >= 0)
        read_some(&p->err, cerr);
}

/* Writes as much of io->wbuf as the socket takes. -1 when the peer is gone. */
static int write_some(struct pl_fn_proc *p, struct pl_fn_io *io)
{
    while (io->woff < io->wlen) {
        ssize_t n = send(p->sock, io->wbuf + io->woff, io->wlen - io->woff, MSG_NOSIGNAL);
        if (n > 0) {
            io->woff += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
    if (io->shut_after_write)
        shutdown(p->sock, SHUT_WR);
    return 0;
}

int pl_fn__io(struct pl_fn_proc *p, struct pl_fn_io *io, int64_t deadline_ns)
{
    bool sock_eof = false;
    for (;;) {
        if (io->rsock && io->done && io->done(io->rsock))
            return PL_FN_IO_DONE;
        if (io->until_exit && pl_fn__proc_reap(p, false)) {
            /* the child has gone: whatever still holds its pipes (grandchildren) goes too */
            kill(-p->pid, SIGKILL);
            pl_fn__drain(p, io->cout, io->cerr);
            return PL_FN_IO_DONE;
        }
        if (sock_eof && !io->until_exit)
            return PL_FN_IO_EOF;

        struct pollfd pf[4];
        int n = 0, isock = -1, iout = -1, ierr = -1, ipid = -1;
        bool want_write = io->woff < io->wlen;
        if (p->sock >= 0 && !sock_eof && (want_write || io->rsock)) {
            isock = n;
            pf[n++] = (struct pollfd){
                p->sock, (short)((io->rsock ? POLLIN : 0) | (want_write ? POLLOUT : 0)), 0};
        }
        if (p->out >= 0)
            iout = n, pf[n++] = (struct pollfd){p->out, POLLIN, 0};
        if (p->err >= 0)
            ierr = n, pf[n++] = (struct pollfd){p->err, POLLIN, 0};
        if (p->pidfd >= 0 && io->until_exit)
            ipid = n, pf[n++] = (struct pollfd){p->pidfd, POLLIN, 0};

        int64_t left = deadline_ns - pl_mono_ns();
        if (left <= 0)
            return PL_FN_IO_TIMEOUT;
        int ms = (int)(left / 1000000 + 1);
        if (io->until_exit && p->pidfd < 0 && ms > 50)
            ms = 50; /* no pidfd: poll for the exit */
        int r = poll(pf, (nfds_t)n, ms);
        if (r < 0 && errno != EINTR)
            return PL_FN_IO_FAIL;
        if (r <= 0)
            continue;
        if (isock >= 0 && (pf[isock].revents & POLLOUT) && write_some(p, io) < 0) {
            io->woff = io->wlen; /* the reader is gone: stop writing, keep reading */
            if (!io->until_exit)
                sock_eof = true;
        }
        if (isock >= 0 && io->rsock && (pf[isock].revents & (POLLIN | POLLHUP | POLLERR))) {
            int rr = read_some(&p->sock, io->rsock);
            if (rr != 0)
                sock_eof = true;
        }
        if (iout >= 0 && pf[iout].revents)
            read_some(&p->out, io->cout);
        if (ierr >= 0 && pf[ierr].revents)
            read_some(&p->err, io->cerr);
        (void)ipid; /* readable pidfd: the reap at the top of the loop sees the exit */
    }
}

/* ---- results ---- */

void pl_fn__fail(struct pl_fn_result *res, const char *type, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    res->ok = false;
    pl_strlcpy(res->error_type, type, sizeof(res->error_type));
    free(res->error_message);
    res->error_message = pl_xstrdup(msg);
}

void pl_fn__timeout(struct pl_fn_result *res, int timeout_s)
{
    pl_fn__fail(res, "TimeoutError", "Task timed out after %d.00 seconds", timeout_s);
}

const char *pl_fn__exit_text(int status, char *buf, size_t n)
{
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        snprintf(buf, n, "signal: %s", sig == SIGKILL ? "killed" : strsignal(sig));
    } else {
        snprintf(buf, n, "exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    return buf;
}
