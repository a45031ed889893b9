/* delivery.h — the delivery channel's real outputs: snapshot and history files (a local
 * directory or any S3-compatible endpoint) and notifications (an SNS API or HMAC-signed
 * webhooks), with the status DescribeDeliveryChannelStatus reports.
 *
 * How the rest of plumb uses it:
 *   - `plumb serve` calls pl_delivery_start() after opening the store and pl_delivery_stop()
 *     before closing it. The delivery worker runs in its own thread: it drains the store's
 *     outbox (notifications), runs the periodic snapshot / history schedule and on-demand
 *     snapshots, and never blocks recording (bounded work per tick, no store lock held
 *     while talking to the network).
 *   - PutDeliveryChannel: pl_delivery_check_channel() validates the channel (bucket exists,
 *     s3KeyPrefix, snsTopicARN, deliveryFrequency) and writes the ConfigWritabilityCheckFile;
 *     after storing it the API calls pl_delivery_channel_put(). DeleteDeliveryChannel calls
 *     pl_delivery_channel_delete().
 *   - DeliverConfigSnapshot: pl_delivery_snapshot_now() returns the configSnapshotId at once;
 *     the file is written by the worker (as AWS does, asynchronously).
 *   - DescribeDeliveryChannelStatus: pl_delivery_status_json() for each channel.
 *
 * Change notifications: by default the worker follows config_items from a per-channel cursor
 * (set at pl_delivery_channel_put; CI rows are written in the same transaction as the
 * recorder's "rules.ci_recorded" outbox row, which the rules engine consumes). Outbox rows consumed
 * (written in the same transaction as the change they announce; docs/delivery.md "Outbox
 * contract"); each row's (account, region) picks the channel, whose snsTopicARN picks the
 * receivers; rows of a partition without channel or topic are dropped:
 *   "delivery.compliance"    the ComplianceChangeNotification fields (awsAccountId,
 *       configRuleName, configRuleARN, resourceType, resourceId, awsRegion,
 *       newEvaluationResult, oldEvaluationResult) → ComplianceChangeNotification
 *   "delivery.rules_started" {"configRuleNames": [...]} → ConfigRulesEvaluationStarted
 *   options.ci_kind, only when set: {"seq": N, ...} (the CI row N and its stored diff) or
 *       {"configurationItem": CI, "configurationItemDiff": {...}|null} → change notification
 *       (then the config_items cursor is not used)
 *   "delivery.snapshot", "delivery.msg": delivery's own (DeliverConfigSnapshot requests and
 *       snapshot/history lifecycle messages).
 * Thread safety: all functions taking a struct pl_delivery may be called from any thread.
 */
#ifndef PL_DELIVERY_DELIVERY_H
#define PL_DELIVERY_DELIVERY_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "store/store.h"

struct pl_store;
struct pl_delivery;

/* Options of `plumb serve` that concern delivery. Strings are copied by pl_delivery_start. */
struct pl_delivery_options {
    const char *data_dir;     /* the data directory (required) */
    const char *store_spec;   /* pl_store_open spec; NULL: data_dir */
    /* Outbox kind carrying CI notifications (PL_OUTBOX_DELIVERY_CI if the recorder writes one
     * row per consumer; needed on PostgreSQL, whose sequences are not commit-ordered);
     * PL_OUTBOX_ANY: follow config_items from a cursor (SQLite). */
    enum pl_outbox_kind ci_kind;
    const char *delivery_dir; /* --delivery-dir: local buckets root; NULL: DATA/buckets */
    const char *s3_endpoint;  /* --s3-endpoint URL: S3-compatible target; NULL: local dir */
    const char *sns_endpoint; /* --sns-endpoint URL: SNS Publish; NULL: webhooks only */
    /* Credentials for S3/SNS signing; NULL: $AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY
     * (and $AWS_SESSION_TOKEN). */
    const char *access_key, *secret_key, *session_token;
    const char *s3_region; /* SigV4 region for S3; NULL: the channel's partition region */
    int tick_ms;           /* worker wake-up period; 0: 1000 */
    int batch;             /* outbox rows per tick; 0: 256 */
    int no_thread;         /* tests: no worker thread, drive with pl_delivery_tick() */
};

/* Starts delivery. store is the caller's connection and is not kept (a connection is not
 * thread-safe): delivery opens its own connections on o->store_spec / o->data_dir. Returns
 * NULL with err set (bad options, no credentials for S3, store failure). The caller owns the
 * result and ends it with pl_delivery_stop(). */
struct pl_delivery *pl_delivery_start(struct pl_store *store, const struct pl_delivery_options *o,
                                      struct pl_err *err);
/* Stops the worker (finishing the message in flight) and frees d. NULL is fine. */
void pl_delivery_stop(struct pl_delivery *d);

/* Validates a DeliveryChannel object (the API's camelCase JSON: name, s3BucketName,
 * s3KeyPrefix, s3KmsKeyArn, snsTopicARN, configSnapshotDeliveryProperties.deliveryFrequency)
 * for partition (account, region), as PutDeliveryChannel does in AWS:
 *   missing/invalid bucket or bucket not found → NoSuchBucketException
 *   bad s3KeyPrefix → InvalidS3KeyPrefixException; bad snsTopicARN → InvalidSNSTopicARNException
 *   bad s3KmsKeyArn → InvalidS3KmsKeyArnException; bad deliveryFrequency → ValidationException
 *   bucket not writable → InsufficientDeliveryPolicyException
 * and writes the ConfigWritabilityCheckFile at the prefix. d may be NULL (format checks only). */
int pl_delivery_check_channel(struct pl_delivery *d, const char *account, const char *region,
                              const struct pl_json *channel, struct pl_err *err);

/* The channel of (account, region) was stored (created or replaced) / deleted. A new channel
 * gets its schedule and its CI cursor here (CIs recorded from now on are announced); status
 * survives a replace, not a delete. */
int pl_delivery_channel_put(struct pl_delivery *d, const char *account, const char *region,
                            const struct pl_json *channel, struct pl_err *err);
int pl_delivery_channel_delete(struct pl_delivery *d, const char *account, const char *region,
                               const char *name, struct pl_err *err);

/* DeliverConfigSnapshot: queues a snapshot of (account, region) for the channel's bucket and
 * writes its id into snapshot_id (37 bytes). NoSuchDeliveryChannelException when the channel
 * is not known to delivery. The file is written by the worker (within a tick). */
int pl_delivery_snapshot_now(struct pl_delivery *d, const char *account, const char *region,
                             const char *channel_name, char snapshot_id[37], struct pl_err *err);

/* DescribeDeliveryChannelStatus element for one channel, in arena a:
 * {"name", "configSnapshotDeliveryInfo":{lastStatus, lastErrorCode, lastErrorMessage,
 *  lastAttemptTime, lastSuccessfulTime, nextDeliveryTime}, "configHistoryDeliveryInfo":{…},
 *  "configStreamDeliveryInfo":{lastStatus, lastErrorCode, lastErrorMessage,
 *  lastStatusChangeTime}} (times as epoch-seconds numbers; absent fields omitted).
 * Always returns an object (a channel delivery has not seen yet is reported as never run). */
struct pl_json *pl_delivery_status_json(struct pl_delivery *d, struct pl_arena *a,
                                        const char *account, const char *region,
                                        const char *channel_name);

/* Runs one worker tick now (outbox batch, due snapshots/history). For tests, benchmarks and
 * `no_thread` mode. Returns the number of items handled, or -1 with err set. */
int pl_delivery_tick(struct pl_delivery *d, struct pl_err *err);
/* Wakes the worker thread early (after a commit that wrote outbox rows). Cheap. */
void pl_delivery_kick(struct pl_delivery *d);
/* Reads the object bucket/key of the delivery target for account (conformance packs'
 * TemplateS3Uri): DATA/buckets or --delivery-dir (a bucket another account's delivery made is
 * refused), or the --s3-endpoint with plumb's S3 credentials. *text is malloc'd (caller
 * frees), at most max bytes. 1 read, 0 no such object, -1 error. d may be NULL (refused). */
int pl_delivery_read_object(struct pl_delivery *d, const char *bucket, const char *key,
                            const char *account, size_t max, char **text, size_t *len,
                            struct pl_err *err);
/* Writes text[0..len) as the object bucket/key of the delivery target for account (conformance
 * packs' DeliveryS3Bucket copy of their template): the bucket must exist (S3) or is made (local
 * directory; a bucket another account's delivery claimed is refused:
 * InsufficientDeliveryPolicyException). 0, or -1 with err (NoSuchBucketException...). d NULL:
 * refused. */
int pl_delivery_write_object(struct pl_delivery *d, const char *bucket, const char *key,
                             const char *account, const char *text, size_t len,
                             const char *content_type, struct pl_err *err);

/* ---- the webhook registry (`plumb webhook`, delivery.md) ---- */

struct pl_webhook {
    const char *topic_arn, *url, *secret; /* secret may be NULL */
};
/* Webhook registry, in the store's configuration-object table: kind PL_KIND_WEBHOOK in the
 * partition of the topic ARN (arn:aws:sns:REGION:ACCOUNT:name), name "<topicArn> <url>",
 * JSON {"topicArn","url","secret"?}. Safe to change while `plumb serve` runs. */
#define PL_KIND_WEBHOOK "PlumbWebhook"
int pl_delivery_webhook_add(struct pl_store *s, const char *topic_arn, const char *url,
                            const char *secret, struct pl_err *err);
/* Removes the mapping topic→url (url NULL: every URL of the topic); *removed gets the count. */
int pl_delivery_webhook_remove(struct pl_store *s, const char *topic_arn, const char *url,
                               int *removed, struct pl_err *err);
/* Mappings of topic_arn (NULL: all), in arena a. */
int pl_delivery_webhook_list(struct pl_store *s, const char *topic_arn, struct pl_arena *a,
                             struct pl_webhook **v, size_t *n, struct pl_err *err);

#endif
