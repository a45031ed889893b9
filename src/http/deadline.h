/* deadline.h — absolute deadlines for a connection's request headers and body (slowloris and
 * slow-body defence).
 *
 * libmicrohttpd's connection timeout is an inactivity timeout: a client that sends a byte every
 * few seconds keeps its socket forever. This watch gives each connection a deadline by which
 * its request headers must be complete, and then one by which its body must be; a sweeper
 * thread shuts down (shutdown(2), SHUT_RDWR) the sockets past theirs, and libmicrohttpd then
 * closes them as usual.
 *
 * Lifecycle of one connection (fd-based, no libmicrohttpd types, so it is testable alone):
 *   track()     at accept: deadline = now + header_s
 *   body()      when its request headers are complete: deadline = now + body_s
 *   done()      when its request body is complete: no deadline
 *   rearm()     when a request ends (keep-alive): deadline = now + idle_s + header_s
 *   untrack()   before the fd is closed (libmicrohttpd calls its CLOSED notification first)
 * Invariant: shutdown() is only ever called under the watch's lock on a tracked entry, and
 * untrack() takes the same lock, so a closed (and perhaps reused) fd is never shut down.
 * body(), done() and rearm() may run on any thread without the lock (the deadline is atomic).
 */
#ifndef PL_HTTP_DEADLINE_H
#define PL_HTTP_DEADLINE_H

#include "core/err.h"

struct pl_http_deadline;
struct pl_http_watched;

/* Starts the sweeper; header_s > 0 is the deadline from accept, rearm_s the one from the end
 * of a request, body_s > 0 the one from the headers to the end of the body. NULL with err when
 * the thread cannot start. */
struct pl_http_deadline *pl_http_deadline_start(unsigned header_s, unsigned rearm_s,
                                                unsigned body_s, struct pl_err *err);

/* Joins the sweeper and frees what is still tracked (NULL is fine). */
void pl_http_deadline_stop(struct pl_http_deadline *dl);

/* Watches fd from now on; returns the entry for the calls below (never NULL). */
struct pl_http_watched *pl_http_deadline_track(struct pl_http_deadline *dl, int fd);
void pl_http_deadline_untrack(struct pl_http_deadline *dl, struct pl_http_watched *w);
void pl_http_deadline_body(struct pl_http_deadline *dl, struct pl_http_watched *w);
void pl_http_deadline_done(struct pl_http_watched *w);
void pl_http_deadline_rearm(struct pl_http_deadline *dl, struct pl_http_watched *w);

#endif
