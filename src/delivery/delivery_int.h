/* delivery_int.h — declarations shared by the files of src/delivery/ (not for other modules).
 *
 * Pieces, bottom up:
 *   keys.c    AWS's object key layout and file names
 *   gzjson.c  a streamed gzip JSON array writer (one CI at a time: memory stays flat)
 *   target.c  where files go: a local directory (temp + rename) or S3 (s3.c), one interface
 *   msg.c     the SNS messages AWS Config sends, their subjects and the SNS envelope
 *   send.c    notification senders: SNS Publish and webhooks (HMAC-signed); webhook registry
 * Outgoing HTTP (S3, SNS, webhooks) goes through core/client.h, SigV4-signed for S3 and SNS.
 *   files.c   snapshot and history deliveries (stream CIs from the source into files)
 *   worker.c  outbox worker, schedule, status bookkeeping, the delivery.h API
 */
#ifndef PL_DELIVERY_INT_H
#define PL_DELIVERY_INT_H

#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "delivery/delivery.h"

#define PL_DELIVERY_SNS_MAX (256 * 1024) /* SNS message limit: the oversized threshold */
#define PL_DELIVERY_AGENT   "plumb-delivery/1" /* User-Agent of S3, SNS and webhook requests */

/* ---- keys.c ---- */

/* "[prefix/]AWSLogs/<acct>/Config/<region>/<Y>/<M>/<D>/<kind>/" in a. */
char *pl_delivery__key_dir(struct pl_arena *a, const char *prefix, const char *acct,
                           const char *region, int64_t ms, const char *kind);
char *pl_delivery__key_snapshot(struct pl_arena *a, const char *prefix, const char *acct,
                                const char *region, int64_t ms, const char *snapshot_id);
char *pl_delivery__key_history(struct pl_arena *a, const char *prefix, const char *acct,
                               const char *region, int64_t ms, const char *type, int64_t start_ms,
                               int64_t end_ms, int n);
char *pl_delivery__key_oversized(struct pl_arena *a, const char *prefix, const char *acct,
                                 const char *region, int64_t ms, const char *type, const char *id,
                                 int n);
char *pl_delivery__key_writability(struct pl_arena *a, const char *prefix, const char *acct);

/* Checks of the channel fields (pl_fail with AWS's code and message; 0 when valid). */
int pl_delivery__check_bucket_name(const char *bucket, struct pl_err *err);
int pl_delivery__check_prefix(const struct pl_json *prefix, struct pl_err *err);
int pl_delivery__check_topic_arn(const struct pl_json *arn, struct pl_err *err);
/* True when the topic ARN's account field is account: a channel notifies only topics of its
 * own account (webhooks are registered in the topic's partition). */
bool pl_delivery__topic_of(const char *topic_arn, const char *account);
int pl_delivery__check_kms_arn(const struct pl_json *arn, struct pl_err *err);
/* deliveryFrequency → milliseconds (NULL → 24 h); -1 with ValidationException. */
int64_t pl_delivery__frequency_ms(const char *freq, struct pl_err *err);

/* ---- gzjson.c: {"head…","configurationItems":[item,item,…]} gzip-compressed ---- */

struct pl_gzjson {
    void *gz;   /* gzFile */
    char *path; /* the temporary file (owned) */
    size_t n;   /* items written */
    struct pl_buf buf;
};
/* Opens a temporary file in dir and writes head, which must end with '[' (e.g.
 * {"fileVersion":"1.0","configurationItems":[ ). */
int pl_delivery__gzjson_open(struct pl_gzjson *w, const char *dir, const char *head,
                             struct pl_err *err);
int pl_delivery__gzjson_item(struct pl_gzjson *w, const struct pl_json *item, struct pl_err *err);
/* Writes "]}" and closes the stream; the file stays at w->path (caller moves or unlinks). */
int pl_delivery__gzjson_finish(struct pl_gzjson *w, struct pl_err *err);
/* Unlinks the file (if any) and frees w's memory. Safe after finish or a failed open. */
void pl_delivery__gzjson_discard(struct pl_gzjson *w);
/* Writes a whole gzip file of text (small files: oversized notifications). */
int pl_delivery__gz_write_file(const char *dir, const char *text, size_t n, char **path_out,
                               struct pl_err *err);

/* ---- target.c / s3.c: where objects go ---- */

struct pl_dtarget;
struct pl_dtarget_ops {
    /* 0 when bucket exists (and can be written), else NoSuchBucketException. */
    int (*bucket_check)(struct pl_dtarget *t, const char *bucket, struct pl_err *err);
    /* Stores the local file at path as bucket/key; the file is consumed (moved or removed). */
    int (*put_file)(struct pl_dtarget *t, const char *bucket, const char *key, const char *path,
                    const char *content_type, const char *content_encoding,
                    struct pl_err *err);
    /* Claims bucket for account, or fails with InsufficientDeliveryPolicyException when
     * another account owns it (NULL for targets whose own policies decide, such as S3). */
    int (*claim)(struct pl_dtarget *t, const char *bucket, const char *account,
                 struct pl_err *err);
    void (*free)(struct pl_dtarget *t);
    /* Reads bucket/key of account's bucket (at most max bytes) into *text (malloc'd, the
     * caller frees): 1 read, 0 no such object, -1 error. NULL: the target cannot read. */
    int (*read)(struct pl_dtarget *t, const char *bucket, const char *key, const char *account,
                size_t max, char **text, size_t *len, struct pl_err *err);
};
struct pl_dtarget {
    const struct pl_dtarget_ops *ops;
    char *staging; /* directory for temporary files, on the target's filesystem if local */
};
/* Local directory target: bucket b → root/b/ (created on demand), objects at root/b/key. */
struct pl_dtarget *pl_delivery__target_local(const char *root, struct pl_err *err);
struct pl_s3_conf {
    const char *endpoint; /* "http://127.0.0.1:4566" (path-style) */
    const char *region;   /* SigV4 region */
    const char *access_key, *secret_key, *session_token;
    const char *staging;  /* directory for temporary files */
};
struct pl_dtarget *pl_delivery__target_s3(const struct pl_s3_conf *c, struct pl_err *err);
void pl_delivery__target_free(struct pl_dtarget *t);
/* Stores text[0..len) as bucket/key (through a temporary file in the staging directory). */
int pl_delivery__target_write_text(struct pl_dtarget *t, const char *bucket, const char *key,
                                   const char *text, size_t len, const char *content_type,
                                   struct pl_err *err);
/* Writes the empty ConfigWritabilityCheckFile for (prefix, acct) into bucket. */
int pl_delivery__target_writability(struct pl_dtarget *t, const char *bucket, const char *prefix,
                                    const char *acct, struct pl_err *err);

/* ---- msg.c: AWS Config's SNS messages ---- */

/* A message ready to send: the Message body, its Subject, and the topic. In arena memory. */
struct pl_dmsg {
    struct pl_json *body; /* the Message object (messageType, recordVersion, …) */
    const char *subject;
    const char *type; /* messageType */
};

/* CI file form from either dialect (API form with accountId/arn/configuration string, or the
 * file form already). Returns a new tree in a, or NULL with ValidationException. */
struct pl_json *pl_delivery__ci_file_form(struct pl_arena *a, const struct pl_json *ci,
                                          struct pl_err *err);
int pl_delivery__msg_ci_change(struct pl_arena *a, const struct pl_json *ci_file,
                               const struct pl_json *diff, int64_t now, struct pl_dmsg *out);
/* The oversized variant. s3_location "bucket/key" or NULL with error_code/error_message
 * (→ OversizedConfigurationItemChangeDeliveryFailed). */
int pl_delivery__msg_oversized(struct pl_arena *a, const struct pl_json *ci_file,
                               const char *change_type, const char *s3_location,
                               const char *error_code, const char *error_message, int64_t now,
                               struct pl_dmsg *out);
int pl_delivery__msg_compliance(struct pl_arena *a, const struct pl_json *payload, int64_t now,
                                struct pl_dmsg *out);
int pl_delivery__msg_rules_started(struct pl_arena *a, const char *acct, const char *region,
                                   const struct pl_json *rule_names, int64_t now,
                                   struct pl_dmsg *out);
int pl_delivery__msg_snapshot(struct pl_arena *a, const char *type, const char *acct,
                              const char *region, const char *snapshot_id, const char *bucket,
                              const char *key, const char *error, int64_t now, struct pl_dmsg *out);
int pl_delivery__msg_history(struct pl_arena *a, const char *acct, const char *region,
                             const char *bucket, const char *key, int64_t now, struct pl_dmsg *out);
/* The SNS envelope (webhooks): Type, MessageId, TopicArn, Subject, Message (the body as a JSON
 * string), Timestamp, SignatureVersion, Signature, SigningCertURL, UnsubscribeURL. */
struct pl_json *pl_delivery__msg_envelope(struct pl_arena *a, const struct pl_dmsg *m,
                                          const char *topic_arn, const char *message_id,
                                          int64_t now);
/* The Message string of m (compact JSON; text around the summary for oversized). In a. */
const char *pl_delivery__msg_text(struct pl_arena *a, const struct pl_dmsg *m);
/* Subject limited to SNS's 100 characters ("..." at the end when cut), in a. */
const char *pl_delivery__msg_subject_cut(struct pl_arena *a, const char *s);

/* ---- send.c: notification senders ---- */

/* Webhook signature header value "sha256=<hex>" for body with secret (72 bytes). */
void pl_delivery__webhook_signature(const char *secret, const char *body, size_t n, char out[72]);
/* POSTs the envelope JSON to url with X-Plumb-Signature when secret is set. 0 on a 2xx. */
int pl_delivery__webhook_post(const struct pl_webhook *w, const char *body, size_t n,
                              long timeout_ms, struct pl_err *err);
struct pl_sns_conf {
    const char *endpoint, *access_key, *secret_key, *session_token;
};
/* SNS Publish (Query protocol), signed for region (taken from the topic ARN). 0 on 200. */
int pl_delivery__sns_publish(const struct pl_sns_conf *c, const char *topic_arn,
                             const char *subject, const char *message, struct pl_err *err);

/* ---- files.c: CI sources and deliveries ---- */

/* Called for each CI (file form, or API form: converted). Return 0 to continue, -1 to stop. */
typedef int (*pl_dci_cb)(void *cbctx, const struct pl_json *ci, struct pl_err *err);

/* Where CIs come from: the store adapter (store_port.c) or a test fake. */
struct pl_dsource {
    void *ctx;
    /* Every current (latest, not deleted) recorded resource of (acct, region). */
    int (*each_current)(void *ctx, const char *acct, const char *region, pl_dci_cb cb,
                        void *cbctx, struct pl_err *err);
    /* Every CI of (acct, region) recorded after row seq `after` (append order); *last gets
     * the highest seq seen in any partition (the next call's `after`). */
    int (*each_since)(void *ctx, const char *acct, const char *region, int64_t after,
                      int64_t *last, pl_dci_cb cb, void *cbctx, struct pl_err *err);
};

/* Result of one file delivery. */
struct pl_dresult {
    char key[1024]; /* last object key written */
    size_t items, files;
};
/* Streams a snapshot of (acct, region) into bucket under prefix. */
int pl_delivery__deliver_snapshot(struct pl_dtarget *t, const struct pl_dsource *src,
                                  const char *bucket, const char *prefix, const char *acct,
                                  const char *region, const char *snapshot_id, int64_t now,
                                  struct pl_dresult *res, struct pl_err *err);
/* History files for CIs recorded after seq `after` (*last: the new cursor): one file per
 * resource type that had changes. on_file (may be NULL) is told each key written. */
int pl_delivery__deliver_history(struct pl_dtarget *t, const struct pl_dsource *src,
                                 const char *bucket, const char *prefix, const char *acct,
                                 const char *region, int64_t after, int64_t *last, int64_t now,
                                 void (*on_file)(void *ctx, const char *key), void *ctx,
                                 struct pl_dresult *res, struct pl_err *err);

/* The store as a CI source (store_port.c): s must stay open while the source is used. */
void pl_delivery__source_store(struct pl_dsource *src, struct pl_store *s);
/* Highest CI seq in the store (0 when empty). */
int pl_delivery__store_max_seq(struct pl_store *s, int64_t *out, struct pl_err *err);
/* File form of a stored CI row and its configurationItemDiff (NULL when none), in a; with s
 * (may be NULL) its relatedEvents from CloudTrail. */
struct pl_json *pl_delivery__store_render(struct pl_store *s, struct pl_arena *a, const void *row,
                                          struct pl_json **diff, struct pl_err *err);

/* ---- worker.c ---- */

/* Retry delay after the n-th consecutive failure (n >= 1): 1 s doubling to 5 min. */
int64_t pl_delivery__backoff_ms(int n);
/* A notification row not delivered this long after it was queued is dropped (counted in
 * plumb_delivery_expired_total): a topic whose receiver is gone for good does not grow the
 * outbox without bound. */
#define PL_DELIVERY_EXPIRE_MS (24 * 3600 * 1000LL)

/* Creates dir and its parents (mode 0755). */
int pl_delivery__mkdirs(const char *dir, struct pl_err *err);

#endif
