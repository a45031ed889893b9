/* test_deadline.c — http/deadline.c: sockets still waiting for headers, or for the body after
 * the headers, past the deadline are shut down; those marked done, untracked, or re-armed for
 * later are not (socketpairs stand in for connections; the peer sees EOF when its end is shut
 * down). */
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/time.h"
#include "http/deadline.h"
#include "t.h"

/* 1 when the peer end of a pair sees EOF within ms. */
static int peer_closed(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c;
    return poll(&p, 1, ms) == 1 && read(fd, &c, 1) == 0;
}

static void test_deadline(void)
{
    struct pl_err err = {0};
    int a[2], b[2], c[2], d[2], e[2], f[2];
    T_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0 &&
              socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0 &&
              socketpair(AF_UNIX, SOCK_STREAM, 0, c) == 0 &&
              socketpair(AF_UNIX, SOCK_STREAM, 0, d) == 0 &&
              socketpair(AF_UNIX, SOCK_STREAM, 0, e) == 0 &&
              socketpair(AF_UNIX, SOCK_STREAM, 0, f) == 0);
    pl_metrics_reset();
    struct pl_http_deadline *dl = pl_http_deadline_start(1, 2, 1, &err);
    T_REQUIRE(dl != NULL);
    int64_t t0 = pl_mono_ns();
    struct pl_http_watched *wa = pl_http_deadline_track(dl, a[0]);
    struct pl_http_watched *wb = pl_http_deadline_track(dl, b[0]);
    struct pl_http_watched *wc = pl_http_deadline_track(dl, c[0]);
    struct pl_http_watched *wd = pl_http_deadline_track(dl, d[0]);
    pl_http_deadline_done(wb); /* headers complete: no deadline */
    pl_http_deadline_done(wc);
    pl_http_deadline_rearm(dl, wc);   /* a next request: due in 2 s */
    pl_http_deadline_untrack(dl, wd); /* closed by the server first */
    struct pl_http_watched *we = pl_http_deadline_track(dl, e[0]);
    struct pl_http_watched *wf = pl_http_deadline_track(dl, f[0]);
    pl_http_deadline_body(dl, we); /* headers complete, the body is due in 1 s */
    pl_http_deadline_body(dl, wf);
    pl_http_deadline_done(wf); /* the body arrived */
    T_OK(peer_closed(a[1], 3000));
    T_OK(peer_closed(e[1], 3000));
    T_OK(pl_mono_ns() - t0 >= 1000000000LL);
    T_OK(!peer_closed(b[1], 0));
    T_OK(!peer_closed(c[1], 0));
    T_OK(peer_closed(c[1], 3000));
    T_OK(pl_mono_ns() - t0 >= 2000000000LL);
    T_OK(!peer_closed(b[1], 500));
    T_OK(!peer_closed(d[1], 0));
    T_OK(!peer_closed(f[1], 0));
    T_EQ(pl_metrics_value("plumb_http_header_timeouts_total", NULL), 2);
    T_EQ(pl_metrics_value("plumb_http_body_timeouts_total", NULL), 1);
    pl_http_deadline_untrack(dl, wa);
    pl_http_deadline_untrack(dl, wc);
    pl_http_deadline_untrack(dl, we);
    pl_http_deadline_untrack(dl, wf);
    (void)wb; /* still tracked: freed by stop */
    pl_http_deadline_stop(dl);
    for (int i = 0; i < 2; i++) {
        close(a[i]);
        close(b[i]);
        close(c[i]);
        close(d[i]);
        close(e[i]);
        close(f[i]);
    }
}

int main(void)
{
    T_RUN(test_deadline);
    pl_metrics_reset();
    return T_EXIT();
}
