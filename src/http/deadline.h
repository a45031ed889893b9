/* deadline.h — an absolute deadline for a connection's request headers (slowloris defence).
 *
 * libmicrohttpd's connection timeout is an inactivity timeout: a client that sends a byte every
 * few seconds keeps its socket forever. This watch gives each connection a deadline by which
 * its request headers must be complete; a sweeper thread shuts down (shutdown(2), SHUT_RDWR)
 * the sockets still waiting for headers past it, and libmicrohttpd then closes them as usual.
 *
 * Lifecycle of one connection (fd-based, no libmicrohttpd types, so it is testable alone):
 *   track()     at accept: deadline = now + header_s
 *   done()      when its request headers are complete: no deadline
 *   rearm()     when a request ends (keep-alive): deadline = now + idle_s + header_s
 *   untrack()   before the fd is closed (libmicrohttpd calls its CLOSED notification first)
 * Invariant: shutdown() is only ever called under the watch's lock on a tracked entry, and
 * untrack() takes the same lock, so a closed (and perhaps reused) fd is never shut down.
 * done() and rearm() may run on any thread without the lock (the deadline is atomic).
 */
#ifndef PL_HTTP_DEADLINE_H
#define PL_HTTP_DEADLINE_H

#include "core/err.h"

struct pl_http_deadline;
struct pl_http_watched;

/* Starts the sweeper; header_s > 0 is the deadline from accept, rearm_s the one from the end
 * of a request. NULL with err when the thread cannot start. */
struct pl_http_deadline *pl_http_deadline_start(unsigned header_s, unsigned rearm_s,
                                                struct pl_err *err);

/* Joins the sweeper and frees what is still tracked (NULL is fine). */
void pl_http_deadline_stop(struct pl_http_deadline *dl);

/* Watches fd from now on; returns the entry for the calls below (never NULL). */
struct pl_http_watched *pl_http_deadline_track(struct pl_http_deadline *dl, int fd);
void pl_http_deadline_untrack(struct pl_http_deadline *dl, struct pl_http_watched *w);
void pl_http_deadline_done(struct pl_http_watched *w);
void pl_http_deadline_rearm(struct pl_http_deadline *dl, struct pl_http_watched *w);

#endif
