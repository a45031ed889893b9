/* trail.h — the store's CloudTrail tables (trail.c): events stored once by eventID, the index
 * of the resources each event touches, and the log files a directory watcher has read.
 *
 * An event belongs to the (account, region) partition its record names (recipientAccountId or
 * userIdentity.accountId, awsRegion). Its links say which resources it touched, each as
 * (resource_type, ref): ref is a resourceId, a resourceName or an ARN of that type, as the event
 * spelled it; resource_type "" holds every ARN the event named, whatever its type, so that a CI
 * is found by its own ARN even for types the extractor does not know. A link's kind says what the
 * event did: PL_TRAIL_WRITE (a call that succeeded and may have changed the resource),
 * PL_TRAIL_FAILED (a write call that failed: errorCode set), PL_TRAIL_READ (read-only).
 *
 * Same conventions as store.h: 0 / -1 with err, strings in the caller's arena.
 */
#ifndef PL_STORE_TRAIL_H
#define PL_STORE_TRAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

enum pl_trail_kind { PL_TRAIL_WRITE = 0, PL_TRAIL_FAILED = 1, PL_TRAIL_READ = 2 };

struct pl_trail_link {
    const char *resource_type; /* "AWS::S3::Bucket", or "" for an ARN of any type */
    const char *ref;           /* resourceId, resourceName or ARN */
};

/* One event as the importer hands it over (all strings borrowed for the call). */
struct pl_trail_event {
    const char *account, *region, *event_id, *event_name, *event_source;
    int64_t event_ms;
    bool read_only;
    const char *error_code, *user_type, *user_arn, *source_ip, *user_agent; /* NULL: absent */
    const char *body; /* the record, compact JSON */
    size_t body_len;
    const struct pl_trail_link *links;
    size_t nlinks;
};

/* Stores ev and its links unless an event with its eventID is stored already (events are
 * immutable: the first copy wins). 1 stored, 0 duplicate, -1 error. In a transaction. */
int pl_store_trail_put(struct pl_store *s, const struct pl_trail_event *ev, struct pl_err *err);

/* An event as read back: the columns the timeline shows (not the body). */
struct pl_trail_row {
    int64_t id; /* row id */
    const char *event_id, *event_name, *event_source;
    int64_t event_ms;
    bool read_only;
    const char *error_code, *user_type, *user_arn, *source_ip, *user_agent; /* NULL: absent */
};

/* Which events of one resource: those linked to (type, id), (type, name) or ("", arn) (NULL
 * name or arn: not looked up) in the partition, with after_ms < event_ms <= upto_ms. */
struct pl_trail_q {
    const char *account, *region, *type, *id, *name, *arn;
    int64_t after_ms, upto_ms;
};

/* The eventIDs of the successful write events (PL_TRAIL_WRITE) of q, oldest first, each once:
 * a CI's relatedEvents. *ids is an arena array of *n. */
int pl_store_trail_related(struct pl_store *s, const struct pl_trail_q *q, struct pl_arena *a,
                           const char ***ids, size_t *n, struct pl_err *err);

/* The write events of q, succeeded and failed (PL_TRAIL_WRITE, PL_TRAIL_FAILED), oldest first
 * (event_ms, id), each once, at most max (0: no limit; more are dropped, oldest kept).
 * *rows is an arena array of *n. */
int pl_store_trail_writes(struct pl_store *s, const struct pl_trail_q *q, size_t max,
                          struct pl_arena *a, struct pl_trail_row **rows, size_t *n,
                          struct pl_err *err);

/* Does the partition hold any event link at all? (One index seek: lets renderers skip the
 * lookups where no CloudTrail log was ever imported.) */
bool pl_store_trail_any(struct pl_store *s, const char *account, const char *region);

/* The capture time of the version before row (same resource, earlier (capture, seq)): 1 and
 * *ms, 0 when row is the oldest version kept, -1 error. */
int pl_store_ci_prev_capture(struct pl_store *s, const struct pl_ci_row *row, int64_t *ms,
                             struct pl_err *err);

/* Retention: deletes the partition's events (and their links) older than ms. *deleted (may be
 * NULL) gets the number of events removed. Own transaction unless one is open. */
int pl_store_trail_prune_before(struct pl_store *s, const char *account, const char *region,
                                int64_t ms, int64_t *deleted, struct pl_err *err);

/* Number of events stored in the partition (account NULL: all), for tests and the CLI. */
int pl_store_trail_count(struct pl_store *s, const char *account, const char *region,
                         int64_t *count, struct pl_err *err);

/* ---- files read by a watcher (plumb serve --cloudtrail-dir) ----
 * source names the watched place ("dir:/path"); path is the file's path under it. */

/* 1 and *size when (source, path) was read whole at that size, 0 when never, -1 error. */
int pl_store_trail_file_get(struct pl_store *s, const char *source, const char *path, int64_t *size,
                            struct pl_err *err);
/* Remembers that (source, path) was read at size bytes. In the file's import transaction. */
int pl_store_trail_file_put(struct pl_store *s, const char *source, const char *path, int64_t size,
                            struct pl_err *err);

#endif
