/* fn_fifo.h — a FIFO that sandboxed test functions hold open for writing: the test reads what
 * they write and sees EOF once every process holding it is gone, which proves escapees
 * (setsid grandchildren) died without knowing their pid (it is another PID namespace's).
 * Header-only, like fn_server.h. */
#ifndef PL_TESTS_FN_FIFO_H
#define PL_TESTS_FN_FIFO_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/time.h"

struct fn_fifo {
    char dir[64], path[96];
    int fd; /* read end, non-blocking */
};

/* Creates DIR/fifo in a world-writable temp dir (functions run as nobody when we are root). */
static inline int fn_fifo_open(struct fn_fifo *f)
{
    snprintf(f->dir, sizeof(f->dir), "/tmp/plumb-fn-fifo-XXXXXX");
    if (!mkdtemp(f->dir) || chmod(f->dir, 0777) < 0)
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/fifo", f->dir);
    if (mkfifo(f->path, 0666) < 0 || chmod(f->path, 0666) < 0)
        return -1;
    f->fd = open(f->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    return f->fd < 0 ? -1 : 0;
}

/* Waits up to ms for byte c, or (c == 0) for EOF: every writer gone. 1 seen, 0 not in time. */
static inline int fn_fifo_wait(struct fn_fifo *f, char c, int ms)
{
    int64_t end = pl_mono_ns() + (int64_t)ms * 1000000;
    for (;;) {
        char buf[64];
        ssize_t n = read(f->fd, buf, sizeof(buf));
        if (n > 0 && c && memchr(buf, c, (size_t)n))
            return 1;
        if (n == 0) /* every writer gone: EOF is final, and so is a byte never written */
            return !c;
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return 0;
        int64_t left = (end - pl_mono_ns()) / 1000000;
        if (left <= 0)
            return 0;
        struct pollfd pf = {.fd = f->fd, .events = POLLIN};
        poll(&pf, 1, (int)left);
    }
}

/* True when a writer still holds the FIFO (nothing to read, no EOF). */
static inline int fn_fifo_held(struct fn_fifo *f)
{
    char b;
    ssize_t n = read(f->fd, &b, 1);
    return n > 0 || (n < 0 && errno == EAGAIN);
}

static inline void fn_fifo_close(struct fn_fifo *f)
{
    close(f->fd);
    unlink(f->path);
    rmdir(f->dir);
}

#endif
