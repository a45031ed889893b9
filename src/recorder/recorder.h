/* recorder.h — turns observations into configuration items (CIs).
 *
 * An observation is a CI in any of AWS's dialects (reference/aws-config-api.md §3):
 *   - API form: `accountId`, `arn`, `version`, `configuration` as a JSON string (or object),
 *     relationships with `relationshipName`, epoch-number times;
 *   - notification / Lambda / delivered-file form: `awsAccountId`, `ARN`,
 *     `configurationItemVersion`, `configuration` as an object, ISO times, relationships with
 *     `name`;
 *   - plumb's PutResourceConfig input (`ResourceType`, `ResourceId`, `Configuration`, ...).
 * pl_ci_normalize() turns any of them into a struct pl_ci (plumb's internal form). The
 * recorder then applies the partition's recorder (running? recording group? a type outside
 * the group gets an identity-only ResourceNotRecorded CI), dedupes by the
 * SHA-256 of the canonical recorded fields against the latest version, assigns the status,
 * capture time and configurationStateId, computes the diff in AWS's configurationItemDiff
 * shape, and writes the CI and the resources row in ONE store transaction, with the outbox rows
 * of the work it causes: "rules.ci_recorded" for the rules engine when the partition has config rules
 * (a rule added later evaluates every current resource itself) and "delivery.ci" (same payload)
 * for notifications when its delivery channel has an SNS topic. The partition state is read inside
 * the write transaction, so a rule or channel committed concurrently is seen by one side or the
 * other.
 *
 * Internal body (struct pl_ci_row.body): canonical JSON (sorted keys, compact) of
 *   {"accountId","arn","availabilityZone","awsRegion","configuration":<value|null>,
 *    "recordingFrequency"?,"relationships":[{"name","resourceId","resourceName",
 *    "resourceType"}],"resourceCreationTime":<epoch s.ms>|null,"resourceId","resourceName",
 *    "resourceType","schemaVersionId"?,"supplementaryConfiguration":{k:<json value>},
 *    "tags":{k:v}}
 * plus "configurationItemDeliveryTime":<epoch s.ms> after "configuration" when the CI was
 * delivered by the DAILY recording (daily.c); it is not a recorded field (not hashed).
 * The status, capture time and configurationStateId are the row's columns. Renderers produce
 * the AWS forms from row + body; nothing else should read the body.
 *
 * Recorded fields (what the hash covers): configuration, supplementaryConfiguration, tags,
 * relationships, resourceName, arn, availabilityZone, resourceCreationTime, schemaVersionId,
 * recordingFrequency and deletedness; the diff reports the first seven. A different key order
 * in any object, or configuration as a string instead of an object, is the same CI.
 */
#ifndef PL_RECORDER_RECORDER_H
#define PL_RECORDER_RECORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"
#include "store/store.h"

/* The copy of each CI notification meant for delivery/ is a PL_OUTBOX_DELIVERY_CI row (store.h;
 * the rules engine claims PL_OUTBOX_CI_RECORDED), with PL_OUTBOX_CI_RECORDED's payload. */

/* ---- the internal CI ---- */

struct pl_ci {
    const char *account, *region; /* NULL when the input had none */
    const char *resource_type, *resource_id;
    const char *resource_name;      /* NULL when none */
    const char *arn;                /* NULL when none */
    const char *availability_zone;  /* NULL when none */
    const char *status;             /* input status (PL_CI_*), NULL when none */
    const char *schema_version_id;  /* PutResourceConfig only, else NULL */
    const char *recording_frequency; /* "DAILY" etc., NULL when none */
    int64_t capture_ms;             /* input capture time, -1 when none */
    int64_t creation_ms;            /* resourceCreationTime, -1 when none */
    int64_t state_id;               /* input configurationStateId, -1 when none */
    int64_t delivery_ms; /* configurationItemDeliveryTime (DAILY recording), <= 0 when none */
    struct pl_json *configuration;  /* object (or other JSON value), JNULL when none */
    struct pl_json *supplementary;  /* object: name -> parsed JSON value */
    struct pl_json *tags;           /* object: key -> string */
    struct pl_json *relationships;  /* array of {name, resourceId, resourceName, resourceType} */
    bool deleted;                   /* the input says the resource is deleted */
};

/* Parses any CI dialect (see the top of this file) from the JSON tree in into *out; every
 * string lives in arena a. Missing resourceType or resourceId, a configuration string that is
 * not JSON, or wrong member types fail with PL_E_VALIDATION; err->msg names the field. */
int pl_ci_normalize(struct pl_arena *a, const struct pl_json *in, struct pl_ci *out,
                    struct pl_err *err);

/* Rebuilds a struct pl_ci from a stored row (parses row->body). */
int pl_ci_from_row(struct pl_arena *a, const struct pl_ci_row *row, struct pl_ci *out,
                   struct pl_err *err);

/* Canonical hash of the recorded fields of ci (hex SHA-256). */
void pl_ci_hash(const struct pl_ci *ci, char out[65]);

/* ---- recording ---- */

/* Where a CI's partition comes from and how strictly the recorder is applied. */
enum pl_rec_mode {
    /* AWS semantics (PutResourceConfig, discovery): the partition's recorder must exist and be
     * running, and its recording group decides; otherwise PL_REC_NOT_RECORDED. */
    PL_REC_MODE_RECORDER = 0,
    /* File import (`plumb record`): if the partition has a recorder, it must be running and its
     * group applies; a partition without a recorder records everything. */
    PL_REC_MODE_IMPORT,
    /* Record everything, ignoring recorders (tests, benchmarks, restores). */
    PL_REC_MODE_ALL,
};

struct pl_rec_opts {
    enum pl_rec_mode mode;
    /* Partition: when set, it overrides the CI's own (PutResourceConfig: the request's);
     * when NULL the CI's accountId/awsRegion are used, falling back to default_*. */
    const char *account, *region;
    const char *default_account, *default_region; /* NULL: "123456789012" / "us-east-1" */
    /* With account/region set: a CI that names another account or region (its own fields or
     * its ARN) is refused (PL_E_VALIDATION) instead of moved: what a caller of the API sends
     * never reaches outside its own partition. */
    bool own_partition_only;
    /* With account/region set (plumb record --account/--region): the CI is moved there, and its
     * ARN's account and region fields follow (those the ARN has: an S3 bucket's has neither). */
    bool move_arn;
    /* Keep the CI's own capture time (import of history). Otherwise pl_now_ms(). A CI older
     * than the resource's latest version is then skipped as PL_REC_STALE. */
    bool use_source_time;
    /* Third-party-type rules of PutResourceConfig (AWS::/Amazon::/Alexa:: rejected). */
    bool put_resource_config;
    /* The DAILY recording's flush (daily.c) records a held CI: it is not held again. */
    bool daily_flush;
};

enum pl_rec_outcome {
    PL_REC_RECORDED = 0, /* a new CI version was written */
    PL_REC_UNCHANGED,    /* same recorded fields as the latest version: nothing written */
    PL_REC_NOT_RECORDED, /* no running recorder / outside the recording group */
    PL_REC_STALE,        /* older than the latest version (import with source times) */
    PL_REC_PENDING,      /* held for the next daily delivery (recordingMode DAILY, daily.c) */
    /* outside the running recorder's recording group (or the input says so): an identity-only
     * CI (configuration null; status ResourceNotRecorded / ResourceDeletedNotRecorded) was
     * written, with no rule work and no notification. The same identity again, or the deletion
     * of an unknown or deleted resource, is PL_REC_NOT_RECORDED (nothing written). */
    PL_REC_IDENTITY_ONLY,
};

struct pl_rec_result {
    enum pl_rec_outcome outcome;
    const char *reason;  /* static text for NOT_RECORDED / STALE / IDENTITY_ONLY, else NULL */
    const char *status;  /* status of the new CI (PL_CI_*), when RECORDED / IDENTITY_ONLY */
    int64_t seq;         /* row of the new CI (RECORDED), or of the latest (UNCHANGED) */
    int64_t state_id, capture_ms;
    char account[13], region[32]; /* the partition the CI went to */
    bool notify; /* a notification was queued for delivery (RECORDED with an SNS topic) */
};

/* Records one observation (any dialect, a parsed JSON tree) in its own transaction (or in
 * the caller's, if one is open on s). Returns 0 with *res filled for every outcome, or -1:
 * PL_E_VALIDATION for a bad CI, PL_E_NO_RUNNING_CONFIGURATION_RECORDER when opts says
 * PutResourceConfig and no recorder runs, store errors as PL_E_INTERNAL/PL_E_IO. */
int pl_recorder_observe(struct pl_store *s, const struct pl_rec_opts *opts,
                        const struct pl_json *ci, struct pl_rec_result *res,
                        struct pl_err *err);
/* The same for an already normalised CI. */
int pl_recorder_observe_ci(struct pl_store *s, const struct pl_rec_opts *opts,
                           const struct pl_ci *ci, struct pl_rec_result *res,
                           struct pl_err *err);

/* PutResourceConfig: body is the parsed request {ResourceType, SchemaVersionId, ResourceId,
 * ResourceName?, Configuration (JSON string <= 64 KB), Tags?}; account/region from the
 * request. Validates (ValidationException), needs a running recorder
 * (NoRunningConfigurationRecorderException), records. */
int pl_recorder_put_resource_config(struct pl_store *s, const char *account, const char *region,
                                    const struct pl_json *body, struct pl_rec_result *res,
                                    struct pl_err *err);
/* DeleteResourceConfig: records a ResourceDeleted CI for (type, id). Needs a running recorder;
 * an unknown or already deleted resource is not an error (outcome UNCHANGED/NOT_RECORDED). */
int pl_recorder_delete_resource(struct pl_store *s, const char *account, const char *region,
                                const char *type, const char *id, struct pl_rec_result *res,
                                struct pl_err *err);

/* Bulk import: many observations per transaction. A CI that fails validation is reported
 * (-1, err filled, code not INTERNAL/IO) and the batch goes on; a store failure aborts the
 * batch (every later call and the commit fail). Recorder states are read once per batch per
 * partition. The batch holds the write lock from begin to commit/abort: keep it short
 * (a few thousand CIs). */
struct pl_rec_batch;
struct pl_rec_batch *pl_rec_batch_begin(struct pl_store *s, const struct pl_rec_opts *opts,
                                        struct pl_err *err);
int pl_rec_batch_add(struct pl_rec_batch *b, const struct pl_json *ci,
                     struct pl_rec_result *res, struct pl_err *err);
int pl_rec_batch_commit(struct pl_rec_batch *b, struct pl_err *err); /* frees b */
void pl_rec_batch_abort(struct pl_rec_batch *b);                     /* frees b; NULL fine */

/* Two-stage recording, for bulk import on two cores: pl_rec_prepare does everything that
 * needs no store (normalise, resolve the partition with opts — the batch's —, hash and encode
 * the body) and may run on another thread; pl_rec_batch_add_prepared does the rest on the
 * batch's thread. A prep owns an arena: parse the input document into
 * pl_rec_prep_arena(p) so that it lives as long as the prep; pl_rec_prep_reset before reuse. */
struct pl_rec_prep;
struct pl_rec_prep *pl_rec_prep_new(void);
void pl_rec_prep_free(struct pl_rec_prep *p); /* NULL is fine */
struct pl_arena *pl_rec_prep_arena(struct pl_rec_prep *p);
void pl_rec_prep_reset(struct pl_rec_prep *p);
/* 0, or -1 with err (PL_E_VALIDATION) for a CI that cannot be normalised. */
int pl_rec_prepare(struct pl_rec_prep *p, const struct pl_rec_opts *opts, const struct pl_json *in,
                   struct pl_err *err);
/* As pl_rec_batch_add, for a prepared CI. */
int pl_rec_batch_add_prepared(struct pl_rec_batch *b, struct pl_rec_prep *p,
                              struct pl_rec_result *res, struct pl_err *err);

/* The recorder state of a partition as the recorder sees it (for the API layer too). */
struct pl_rec_state {
    bool exists, running;
    bool has_topic;   /* its delivery channel has an snsTopicARN (notifications are wanted) */
    bool has_rules;   /* the partition has config rules (change evaluations are wanted) */
    bool all_supported, include_global;
    const char *use_only; /* ALL_SUPPORTED_RESOURCE_TYPES | INCLUSION_BY_RESOURCE_TYPES |
                             EXCLUSION_BY_RESOURCE_TYPES */
    const char *const *types; /* resourceTypes */
    size_t ntypes;
    const char *const *excluded; /* exclusionByResourceTypes.resourceTypes */
    size_t nexcluded;
    /* recordingMode: the default frequency and the one override (types + its frequency) */
    bool daily;                        /* recordingMode.recordingFrequency is DAILY */
    const char *const *override_types; /* recordingModeOverrides[0].resourceTypes */
    size_t noverride;
    bool override_daily; /* recordingModeOverrides[0].recordingFrequency is DAILY */
};
/* Reads the partition's PL_KIND_RECORDER object (the ConfigurationRecorder JSON as
 * DescribeConfigurationRecorders shows it) and its PL_KIND_RECORDER_STATUS object
 * ({"name", "recording": bool, ...}) into *st (arena a). */
int pl_recorder_state(struct pl_store *s, const char *account, const char *region,
                      struct pl_arena *a, struct pl_rec_state *st, struct pl_err *err);
/* Does the recording group of st record resource_type? (reason: why not, static text) */
bool pl_recorder_in_group(const struct pl_rec_state *st, const char *resource_type,
                          const char **reason);

/* Can rules evaluate resources of this type? Not the compliance records plumb writes itself
 * (AWS::Config::ResourceCompliance, ...::ConformancePackCompliance): no rule has them in
 * scope, so recording them queues no rule work. */
bool pl_recorder_type_evaluable(const char *resource_type);

/* ---- DAILY recording (daily_hold.c: which types, the hold; daily.c: the flush) ---- */

/* Store kinds of the DAILY recording. A held CI: name "<resourceType>\n<resourceId>", JSON the
 * CI in the stored-body dialect with its configurationItemCaptureTime (and
 * configurationItemStatus when deleted). The partition's schedule: name "default", JSON
 * {"firstHeldTime": epoch ms} (when the oldest held CI was held). */
#define PL_KIND_DAILY_PENDING  "PlumbDailyPending"
#define PL_KIND_DAILY_SCHEDULE "PlumbDailySchedule"
#define PL_DAILY_PERIOD_MS     (24 * 3600 * 1000LL)

/* Is resource_type recorded DAILY under st's recordingMode? (The override's list wins over
 * the default; third-party types and AWS::Config::ResourceCompliance,
 * ConformancePackCompliance and ConfigurationRecorder are always CONTINUOUS.) */
bool pl_recorder_is_daily(const struct pl_rec_state *st, const char *resource_type);

/* Delivers the held CIs of every partition whose oldest held CI is PL_DAILY_PERIOD_MS old
 * (pl_now_ms()): each goes through the recorder with recordingFrequency DAILY and
 * configurationItemDeliveryTime = now, unless it equals the latest version; the held entries
 * and the schedule go in the same transaction, per partition. *recorded (may be NULL) gets the
 * number of new CI versions. Call periodically and after the clock moves. */
int pl_recorder_daily_flush(struct pl_store *s, int64_t *recorded, struct pl_err *err);

/* Retention: for every partition with a PL_KIND_RETENTION object, prunes CIs older than
 * RetentionPeriodInDays before now (pl_now_ms()). Call periodically and after
 * PutRetentionConfiguration. *deleted may be NULL. */
int pl_recorder_enforce_retention(struct pl_store *s, int64_t *deleted, struct pl_err *err);

/* ---- diffs ---- */

/* configurationItemDiff between two versions (prev NULL: the first version) in AWS's shape:
 * {"changeType":"CREATE|UPDATE|DELETE","changedProperties":{"Configuration.State.Name":
 * {"previousValue":..,"updatedValue":..,"changeType":"CREATE|UPDATE|DELETE"}}}.
 * Paths are PascalCase segments joined with '.', array elements by index; arrays compare as
 * multisets: removed elements are DELETE at 0..d-1, added ones CREATE at d..d+c-1, as AWS's
 * notifications show (diff.c explains). Result in arena a. */
struct pl_json *pl_ci_diff(struct pl_arena *a, const struct pl_ci *prev, const struct pl_ci *cur);

/* ---- rendering (results in arena a) ---- */

/* API ConfigurationItem (GetResourceConfigHistory): version "1.3", accountId, arn,
 * configuration as a string, epoch-number times, relationshipName, configurationItemMD5Hash "",
 * configurationStateId as a string. */
struct pl_json *pl_ci_render_api(struct pl_arena *a, const struct pl_ci_row *row,
                                 struct pl_err *err);
/* BaseConfigurationItem (BatchGetResourceConfig): the API form without
 * configurationItemMD5Hash, tags, relatedEvents, relationships. */
struct pl_json *pl_ci_render_base(struct pl_arena *a, const struct pl_ci_row *row,
                                  struct pl_err *err);
/* Notification / delivered-file form: configurationItemVersion "1.3", awsAccountId, ARN,
 * configuration as an object, ISO-8601 times, relationships with `name`, configurationStateId
 * as a number, configurationStateMd5Hash "". */
struct pl_json *pl_ci_render_file(struct pl_arena *a, const struct pl_ci_row *row,
                                  struct pl_err *err);

/* ---- CloudTrail on the read side (related.c) ---- */

/* Sets ci's relatedEvents (ci rendered from row in any form; the member is added when the form
 * has none, as BatchGetResourceConfig's) to the eventIDs of the successful write events on the
 * resource after the previous version's capture time, up to row's (store/trail.h). Beyond
 * AWS, which leaves it empty. Strings in a. */
int pl_ci_related_fill(struct pl_store *s, struct pl_arena *a, const struct pl_ci_row *row,
                       struct pl_json *ci, struct pl_err *err);

/* PlumbService.GetResourceTimeline and `plumb blame`: a page of the resource's versions, newest
 * first (limit 1..100, default and cap 100; cursor from the last page's nextToken), as
 * {"timeline":[{"version":CI in API form,"diff":configurationItemDiff or {},"events":[{"eventId",
 * "eventTime","eventName","eventSource","userIdentity":{"type","arn"},"sourceIPAddress",
 * "userAgent","errorCode"}]}],"pendingEvents":[...],"nextToken"}: each version's events are the
 * write events (failed ones too, with errorCode) since the version before it; the first page's
 * pendingEvents (present when not empty) are those after the newest version. Result in a. */
struct pl_timeline_q {
    const char *account, *region, *resource_type, *resource_id;
    int limit;
    const char *cursor;
};
struct pl_json *pl_ci_timeline(struct pl_store *s, struct pl_arena *a,
                               const struct pl_timeline_q *q, struct pl_err *err);

#endif
