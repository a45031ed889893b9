/* api_int.h — what the operation handlers (ops_*.c) share: the per-call context, the handler
 * tables, and small helpers for reading requests and writing AWS-shaped responses. */
#ifndef PL_API_API_INT_H
#define PL_API_API_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "api/app.h"
#include "core/json.h"

struct pl_op_ctx {
    const struct pl_api_req *req;
    const char *account, *region;
    struct pl_json *in;  /* the validated request body (an object) */
    struct pl_json *out; /* the response object; handlers add members */
    struct pl_arena *a;
    struct pl_store *st;
    struct pl_err *err;
    bool notify; /* set by a write that queued a notification: wake delivery after commit */
};

typedef int (*pl_op_fn)(struct pl_op_ctx *c);

struct pl_op_entry {
    const char *name;
    pl_op_fn fn;
};

/* Handler tables, each terminated by {NULL, NULL}. api.c lists them all. */
extern const struct pl_op_entry pl_ops_recorder[];
extern const struct pl_op_entry pl_ops_channel[];
extern const struct pl_op_entry pl_ops_resources[];
extern const struct pl_op_entry pl_ops_tags[];
extern const struct pl_op_entry pl_ops_query[]; /* SelectResourceConfig, stored queries */
extern const struct pl_op_entry pl_ops_proactive[]; /* StartResourceEvaluation, ... */
extern const struct pl_op_entry pl_ops_plumb[]; /* PlumbService.* (ops_plumb.c) */
extern const struct pl_op_entry pl_ops_packs[]; /* conformance packs (ops_packs.c) */
extern const struct pl_op_entry pl_ops_console[]; /* PlumbService.* for the console */
extern const struct pl_op_entry pl_ops_remediation[]; /* remediation (ops_remediation.c) */

/* ---- request helpers (the body is already validated against the model) ---- */

/* Member as string / bool / int, with a default when absent or null. */
const char *pl_in_str(const struct pl_json *o, const char *key);
bool pl_in_bool(const struct pl_json *o, const char *key, bool dflt);
int64_t pl_in_int(const struct pl_json *o, const char *key, int64_t dflt);
/* A timestamp member (epoch seconds number or ISO string) in ms; dflt when absent. */
int pl_in_time(const struct pl_json *o, const char *key, int64_t dflt, int64_t *ms,
               struct pl_err *err);
/* Array of strings member -> arena array (NULL, 0 when absent). */
const char **pl_in_strs(struct pl_arena *a, const struct pl_json *o, const char *key, size_t *n);

/* ---- PlumbService functions and actions (ops_functions.c, ops_remediation.c) ---- */

struct pl_fn;
struct pl_fn_log;
struct pl_fn_log_query;

/* A string member, or NULL: "K is required" when required and absent (or null), "K must be a
 * string" when present but not one. 0, or -1 with c->err set. */
int pl_in_member_str(struct pl_op_ctx *c, const char *key, bool required, const char **out);
/* An integer member 0..1000000 ("K must be an integer"), dflt when absent or null. */
int pl_in_member_int(struct pl_op_ctx *c, const char *key, int dflt, int *out);
/* The code of a PutFunction or PutAction (op): AccessDenied without an administrator key, then
 * the members name_key (the name), Runtime (into *runtime), Handler, Command, Url, Timeout and
 * MemorySize into *fn (account and region left as they are). 0 or -1. */
int pl_in_fn(struct pl_op_ctx *c, const char *op, const char *name_key, struct pl_fn *fn,
             const char **runtime);
/* fn's runtime from rt ("Runtime 'x' must be python, exec or http"), keeping only the member
 * of that runtime (Handler, Command or Url). 0 or -1. */
int pl_in_fn_runtime(struct pl_op_ctx *c, const char *rt, struct pl_fn *fn);
/* A log request's NextToken (InvalidNextToken) and Limit (1..100, default 50) into
 * q->after_id and q->limit. 0 or -1. */
int pl_in_log_page(struct pl_op_ctx *c, struct pl_fn_log_query *q);
/* A page of log rows as {Events, NextToken} (the last row's id, else after_id: following the
 * log means calling again with it). */
void pl_out_log_page(struct pl_op_ctx *c, const struct pl_fn_log *rows, size_t n, int64_t after_id);

/* ---- store helpers ---- */

/* Parses the JSON of a stored object (1 found, 0 absent, -1 error). */
int pl_obj_load(struct pl_op_ctx *c, const char *kind, const char *name, struct pl_json **out);
/* Stores a JSON object under (kind, name) in the caller's partition. */
int pl_obj_save(struct pl_op_ctx *c, const char *kind, const char *name, const struct pl_json *j);
/* The single object of a one-per-region kind (recorder, channel, retention), or NULL. */
int pl_obj_single(struct pl_op_ctx *c, const char *kind, struct pl_json **out);

/* Describe* of named objects: the objects of kind listed in the request's names_key array
 * (nosuch error "Cannot find <what> with specified name 'x'." for an unknown one), or all of
 * the partition's when none is listed, as an array at out[out_key]. */
int pl_describe_named(struct pl_op_ctx *c, const char *kind, const char *names_key,
                      const char *out_key, enum pl_errcode nosuch, const char *what);

/* GetResourceConfigHistory of (type, id) in (account, region), ops_resources.c: the request's
 * laterTime, earlierTime, chronologicalOrder, limit and nextToken; ResourceNotDiscovered for an
 * unknown resource. Also PlumbService.GetAggregateResourceConfigHistory's (ops_aggregate.c). */
int pl_ops__config_history(struct pl_op_ctx *c, const char *account, const char *region,
                           const char *type, const char *id);

/* After a commit that recorded CIs: if one of them queued a notification (c->notify), wake the
 * delivery worker so it sends it now instead of at its next poll (the rules engine polls often
 * enough by itself). */
void pl_api_recorded(struct pl_op_ctx *c);

/* "arn:aws:config:REGION:ACCOUNT:<suffix>" in the caller's arena. */
const char *pl_arn(struct pl_op_ctx *c, const char *suffix);

#endif
