/* sandbox.c — the namespaces, uid and limits a function process runs under (sandbox.h).
 *
 * Shape of a sandboxed child (pl_fn__sandbox_enter, called between fork and exec):
 *   the forked child C (plumb's pid P, process group P) drops root to nobody when asked, makes
 *   a user namespace mapping its uid to itself, then new mount and PID namespaces; it makes
 *   every mount private and hides the data directory under an empty read-only tmpfs, forks the
 *   worker W and waits for it, exiting as W did. W is pid 1 of the new PID namespace: when W
 *   exits or is killed (plumb SIGKILLs group P: C and W), the kernel kills every process left
 *   in the namespace, setsid and double-fork escapees included. W mounts /proc for its
 *   namespace, sets no_new_privs and RLIMIT_NPROC (counted per user namespace, so one
 *   function's fork bomb does not starve another's), and returns to exec the runtime. W's uid
 *   is not 0 in its namespace, so the exec drops the namespace capabilities: the function can
 *   neither unmount the tmpfs nor mount anything.
 * Everything in the child is async-signal-safe (plumb is multithreaded): _Fork, no malloc.
 */
#include "rules/functions/sandbox.h"

#include "rules/functions/functions_int.h"

#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static struct {
    char hide[PATH_MAX]; /* "" for none */
    bool drop;           /* root -> nobody */
    bool off;            /* unavailable and unsafe: no namespaces */
    bool broken;         /* unavailable and not unsafe: functions fail with why */
    bool configured;
    char why[400];
} sb;
static pthread_mutex_t sb_mu = PTHREAD_MUTEX_INITIALIZER;

static void put(const char *s)
{
    (void)!write(2, s, strlen(s));
}

/* Writes "plumb sandbox: what: error" to fd 2 and exits 125 (before any user code runs). */
static void die(const char *what)
{
    const char *e = strerrordesc_np(errno); /* a constant table: async-signal-safe */
    put("plumb sandbox: ");
    put(what);
    put(": ");
    put(e ? e : "error");
    put("\n");
    _exit(125);
}

static char *utoa(unsigned v, char *end)
{
    *--end = '\0';
    do
        *--end = (char)('0' + v % 10);
    while (v /= 10);
    return end;
}

/* Writes text, or "ID ID 1" (id mapped to itself) when text is NULL, to a /proc/self file. */
static void write_proc(const char *file, const char *text, unsigned id)
{
    char num[16], line[40];
    if (!text) {
        const char *n = utoa(id, num + sizeof(num));
        size_t l = strlen(n);
        memcpy(line, n, l);
        line[l] = ' ';
        memcpy(line + l + 1, n, l);
        memcpy(line + 2 * l + 1, " 1\n", 4);
        text = line;
    }
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        die(file);
    close(fd);
}

static void drop_root(void)
{
    int pdeath = 0;
    prctl(PR_GET_PDEATHSIG, &pdeath); /* a uid change clears it: proc.c's die_with_thread */
    if (setgroups(0, NULL) < 0 ||
        setresgid(PL_FN_SANDBOX_UID, PL_FN_SANDBOX_UID, PL_FN_SANDBOX_UID) < 0 ||
        setresuid(PL_FN_SANDBOX_UID, PL_FN_SANDBOX_UID, PL_FN_SANDBOX_UID) < 0)
        die("cannot drop root to nobody");
    /* the uid change made us non-dumpable, which leaves /proc/self/uid_map root's to write */
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if (pdeath)
        prctl(PR_SET_PDEATHSIG, pdeath);
}

/* C: waits for W, then leaves the way W did. Never returns. */
static void mirror(pid_t w)
{
    int st;
    close_range(0, ~0U, 0); /* W holds the pipes: their EOF must follow W's exit alone */
    while (waitpid(w, &st, 0) < 0)
        if (errno != EINTR)
            _exit(125);
    if (WIFSIGNALED(st)) {
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigaction(WTERMSIG(st), &dfl, NULL);
        kill(getpid(), WTERMSIG(st));
    }
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 125);
}

/* Namespaces of C: a user namespace (the capabilities for the rest), mount and PID. */
static void enter_namespaces(void)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER) < 0)
        die("unshare(CLONE_NEWUSER)");
    write_proc("/proc/self/setgroups", "deny\n", 0);
    write_proc("/proc/self/uid_map", NULL, uid);
    write_proc("/proc/self/gid_map", NULL, gid);
    if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0)
        die("unshare(CLONE_NEWNS|CLONE_NEWPID)");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        die("mount --make-rprivate /");
    if (sb.hide[0] &&
        mount("tmpfs", sb.hide, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=4k,mode=0555") < 0 &&
        errno != ENOENT && errno != EACCES) /* gone, or out of this uid's reach already */
        die("cannot hide the data directory");
}

void pl_fn__sandbox_enter(void)
{
    if (sb.off)
        return;
    if (sb.broken) {
        errno = EPERM;
        die(sb.why);
    }
    if (sb.drop && geteuid() == 0)
        drop_root();
    enter_namespaces();
    pid_t w = _Fork();
    if (w < 0)
        die("fork");
    if (w > 0)
        mirror(w);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* C is gone (killed): so is the namespace */
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        die("mount /proc");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die("PR_SET_NO_NEW_PRIVS");
    struct rlimit rl = {PL_FN_SANDBOX_NPROC, PL_FN_SANDBOX_NPROC};
    if (setrlimit(RLIMIT_NPROC, &rl) < 0)
        die("RLIMIT_NPROC");
}

/* Runs the child side once in a throwaway process; "" when it works, else what failed. */
static void probe(char *why, size_t n)
{
    int p[2];
    why[0] = '\0';
    if (pipe2(p, O_CLOEXEC) < 0)
        return (void)pl_strlcpy(why, "pipe failed", n);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        pl_fn__sandbox_enter();
        _exit(0);
    }
    close(p[1]);
    ssize_t got = 0;
    if (pid > 0)
        do
            got = read(p[0], why, n - 1);
        while (got < 0 && errno == EINTR);
    why[got > 0 ? got : 0] = '\0';
    close(p[0]);
    int st = 0;
    if (pid < 0)
        pl_strlcpy(why, "fork failed", n);
    else if (waitpid(pid, &st, 0) == pid && !(WIFEXITED(st) && WEXITSTATUS(st) == 0) && !why[0])
        pl_strlcpy(why, "cannot create namespaces", n);
    size_t l = strlen(why);
    while (l && why[l - 1] == '\n')
        why[--l] = '\0';
}

static int configure_locked(const struct pl_fn_sandbox_opts *o, struct pl_err *err)
{
    char why[256];
    sb.hide[0] = '\0';
    if (o->hide_dir && !realpath(o->hide_dir, sb.hide))
        pl_strlcpy(sb.hide, o->hide_dir, sizeof(sb.hide));
    sb.drop = o->drop_root;
    sb.off = sb.broken = false;
    sb.configured = true;
    probe(why, sizeof(why));
    if (!why[0])
        return 0;
    if (o->unsafe) {
        sb.off = true;
        return 1;
    }
    sb.broken = true;
    snprintf(sb.why, sizeof(sb.why),
             "function sandbox unavailable (%s); functions are refused unless plumb serve "
             "runs with --unsafe-functions",
             why);
    return pl_fail(err, PL_E_INTERNAL, "%s", sb.why);
}

int pl_fn_sandbox_configure(const struct pl_fn_sandbox_opts *o, struct pl_err *err)
{
    pthread_mutex_lock(&sb_mu);
    int rc = configure_locked(o, err);
    pthread_mutex_unlock(&sb_mu);
    return rc;
}

bool pl_fn__sandbox_broken(const char **why)
{
    static const struct pl_fn_sandbox_opts defaults = {.drop_root = true};
    pthread_mutex_lock(&sb_mu);
    if (!sb.configured)
        configure_locked(&defaults, NULL);
    bool broken = sb.broken;
    pthread_mutex_unlock(&sb_mu);
    *why = sb.why;
    return broken;
}
