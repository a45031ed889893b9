/* sources/cloudtrail.h — CloudTrail as a source: reading log files into events, finding the
 * resources each event touched, importing files and directory trees into the store
 * (store/trail.h), and the directory watcher of `plumb serve --cloudtrail-dir`.
 *
 * Inputs (each file detected by content, gzip or not, streamed: memory stays flat):
 *   - CloudTrail log files {"Records":[record, ...]} as delivered under
 *     AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ (files *.json.gz);
 *   - EventBridge "AWS API Call via CloudTrail" envelopes (any detail-type "... via
 *     CloudTrail"): the record is "detail";
 *   - JSON-lines exports and JSON arrays of records, and single records.
 * A file that is not valid JSON is skipped whole (its transaction rolled back: never a half
 * import), reported as "FILE:LINE: ..."; a valid value that is not a usable record (no eventID,
 * eventTime, eventName, eventSource, account or region, or another EventBridge event) is
 * skipped alone, reported as "FILE:LINE: record N: ...". Events are stored once by eventID, so
 * importing a file again adds nothing. Each file is read (gunzip, JSON, records, links) by a
 * thread of its own a bounded way ahead of the store; callbacks (event, report, on_event) run
 * in the caller's thread, in file order.
 */
#ifndef PL_RECORDER_SOURCES_CLOUDTRAIL_H
#define PL_RECORDER_SOURCES_CLOUDTRAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "store/trail.h"

#define PL_TRAIL_MAX_LINKS 64 /* resources indexed per event at most */

/* ---- one record ---- */

/* The resources record rec touched (resources[], well-known id and ARN members of
 * requestParameters and responseElements, and the account for account-level calls), as links
 * in out (at most max), strings in a. account is the event's account. Returns the number. */
size_t pl_trail_extract(struct pl_arena *a, const struct pl_json *rec, const char *account,
                        struct pl_trail_link *out, size_t max);

/* Makes an event of v, one JSON value read from a log: a record or an EventBridge envelope.
 * raw (raw_len bytes; may be NULL) is v's text: the stored body when v is the record itself
 * (borrowed: it must live as long as *ev), else the record is written compactly into a.
 * 1 with *ev filled (strings, body and links in a), 0 when v is not a usable record (err->msg
 * says why; not an error of the file). */
int pl_trail_record(struct pl_arena *a, const struct pl_json *v, const char *raw, size_t raw_len,
                    struct pl_trail_event *ev, struct pl_err *err);

/* Is event_name read-only by its name (Describe*, Get*, List*, Head*, Lookup*, BatchGet*,
 * Search*)? Used when a record has no readOnly member. */
bool pl_trail_name_read_only(const char *event_name);

/* ---- files ---- */

struct pl_trail_opts {
    bool keep_read_only; /* store readOnly events too (default: dropped, they change nothing) */
    const char *source;  /* remember files read under this watcher source (NULL: do not) */
    /* called for each event newly stored (not a duplicate, not dropped as read-only), e.g. to
     * re-describe what it touched (discovery: pl_discover_watch_event); may be NULL. Must not
     * use the importer's store connection. */
    void (*on_event)(void *u, const struct pl_trail_event *ev);
    void *on_event_u;
};

struct pl_trail_counts {
    int64_t files, imported, duplicates, read_only, skipped, bad_files, ignored;
};

/* Called for each record or file skipped: where ("FILE:LINE: record N" or "FILE:LINE"), why. */
typedef void (*pl_trail_report_fn)(void *ctx, const char *where, const char *why);

/* Reads events from memory (no store): calls fn for each event; for tests and fuzzing.
 * Returns 0, or -1 when the input is not valid JSON (err). */
typedef int (*pl_trail_event_fn)(void *ctx, const struct pl_trail_event *ev, struct pl_err *err);
int pl_trail_read_mem(const char *data, size_t len, pl_trail_event_fn fn, void *ctx,
                      pl_trail_report_fn report, void *rctx, struct pl_err *err);

/* Imports path: a file (whatever its name), or a directory tree (its *.json, *.json.gz,
 * *.jsonl, *.jsonl.gz, *.ndjson and *.gz files, not CloudTrail-Digest files; others count as
 * ignored). One transaction per file. Counts add up into *c. -1 only on store errors (err);
 * bad files and records are reported and counted. With o->source, files whose size is the one
 * remembered are not read again. After the import, the retention of each partition imported
 * into (PutRetentionConfiguration) prunes its events. */
int pl_trail_import(struct pl_store *s, const char *path, const struct pl_trail_opts *o,
                    struct pl_trail_counts *c, pl_trail_report_fn report, void *rctx,
                    struct pl_err *err);

/* One file on disk at path, reported as name, remembered (with o->source) as rel at size
 * bytes: pl_trail_import's work for one file (for sources that fetch files, such as S3). */
int pl_trail_import_one(struct pl_store *s, const char *path, const char *name, const char *rel,
                        int64_t size, const struct pl_trail_opts *o, struct pl_trail_counts *c,
                        pl_trail_report_fn report, void *rctx, struct pl_err *err);
/* Is name one a directory import reads (*.json, *.json.gz, ..., not a digest)? */
bool pl_trail_log_name(const char *name);

/* ---- S3 (cloudtrail_s3.c) ---- */

/* Where and how to reach S3: a path-style endpoint ("http://127.0.0.1:4566"; NULL:
 * https://s3.REGION.amazonaws.com) and SigV4 credentials. */
struct pl_trail_s3_conf {
    const char *endpoint, *region, *access_key, *secret_key, *session_token;
};
/* Imports the log objects under url ("s3://bucket/prefix"): ListObjectsV2 page by page, each
 * object named like a log file fetched to a temporary file and imported as pl_trail_import_one
 * (rel = its key; with o->source, objects already read at their size are not fetched). -1 on
 * a store error or when S3 cannot be listed (err); an object that cannot be fetched is reported
 * and counted as a bad file. */
int pl_trail_import_s3(struct pl_store *s, const char *url, const struct pl_trail_s3_conf *sc,
                       const struct pl_trail_opts *o, struct pl_trail_counts *c,
                       pl_trail_report_fn report, void *rctx, struct pl_err *err);

/* ---- the watcher of plumb serve --cloudtrail-dir DIR ---- */

struct pl_trail_watch;
/* Starts a thread that imports new and grown files under dir (or, when dir is "s3://bucket/
 * prefix", the objects there, reached through *sc) every poll_ms (store opened on spec),
 * remembering what it has read in the store. NULL with err on failure. */
struct pl_trail_watch *pl_trail_watch_start(const char *spec, const char *dir, int poll_ms,
                                            const struct pl_trail_opts *o,
                                            const struct pl_trail_s3_conf *sc, struct pl_err *err);
void pl_trail_watch_stop(struct pl_trail_watch *w); /* NULL is fine */

#endif
