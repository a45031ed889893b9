/* recorder.c — recording: recorder state and recording group, dedupe, versions, status,
 * diffs, and the one transaction that writes CI + resources row + outbox row.
 *
 * Invariants:
 *   - a CI is written only when its recorded fields' hash differs from the resource's latest;
 *   - configurationStateId strictly increases per resource (max(capture, latest + 1));
 *   - the CI, its resources row and its "rules.ci_recorded" outbox row commit together or not at all;
 *   - a CI of a type the running recorder's recording group excludes is written identity-only
 *     (configuration null) as ResourceNotRecorded / ResourceDeletedNotRecorded, and queues no
 *     rule work and no notification (docs/recording.md).
 *
 * Calls go one way: this file calls ci.c and daily_hold.c; daily.c's flush calls this file.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "store/trail.h"
#include "recorder/recorder_int.h"

#define DEFAULT_ACCOUNT  "123456789012"
#define DEFAULT_REGION   "us-east-1"
#define MAX_CONFIG_BYTES (64 * 1024)
#define MAX_CACHED_PARTS 64

/* ---- recorder state and recording group ---- */

static const char *const *str_list(struct pl_arena *a, const struct pl_json *arr, size_t *n)
{
    *n = 0;
    if (!arr || arr->type != PL_JARR || arr->len == 0)
        return NULL;
    const char **out = pl_arena_alloc(a, arr->len * sizeof *out);
    for (const struct pl_json *c = arr->child; c; c = c->next)
        if (c->type == PL_JSTR)
            out[(*n)++] = c->str;
    return out;
}

/* recordingMode {recordingFrequency, recordingModeOverrides[<=1]} into st (absent: CONTINUOUS). */
static void read_mode(struct pl_arena *a, const struct pl_json *mode, struct pl_rec_state *st)
{
    const char *f = pl_json_get_str(mode, "recordingFrequency");
    st->daily = f && strcmp(f, "DAILY") == 0;
    const struct pl_json *ov = pl_json_get(mode, "recordingModeOverrides");
    if (!ov || ov->type != PL_JARR || !ov->child)
        return;
    f = pl_json_get_str(ov->child, "recordingFrequency");
    st->override_daily = f && strcmp(f, "DAILY") == 0;
    st->override_types = str_list(a, pl_json_get(ov->child, "resourceTypes"), &st->noverride);
}

int pl_recorder_state(struct pl_store *s, const char *account, const char *region,
                      struct pl_arena *a, struct pl_rec_state *st, struct pl_err *err)
{
    memset(st, 0, sizeof *st);
    struct pl_obj *objs;
    size_t n;
    int64_t rules = 0;
    if (pl_store_obj_count(s, account, region, PL_KIND_CONFIG_RULE, &rules, err) < 0)
        return -1;
    st->has_rules = rules > 0;
    /* notifications go to the channel's SNS topic: without one nobody reads delivery.ci rows */
    if (pl_store_obj_list(s, account, region, PL_KIND_CHANNEL, NULL, 1, a, &objs, &n, err) < 0)
        return -1;
    if (n == 1) {
        struct pl_err perr = {0};
        struct pl_json *ch = pl_json_parse(a, objs[0].json, objs[0].len, &perr);
        const char *topic = pl_json_get_str(ch, "snsTopicARN");
        st->has_topic = topic && *topic;
    }
    if (pl_store_obj_list(s, account, region, PL_KIND_RECORDER, NULL, 1, a, &objs, &n, err) < 0)
        return -1;
    if (n == 0)
        return 0;
    struct pl_err perr = {0};
    struct pl_json *rec = pl_json_parse(a, objs[0].json, objs[0].len, &perr);
    if (!rec)
        return pl_fail(err, PL_E_INTERNAL, "stored recorder is not JSON: %s", perr.msg);
    st->exists = true;
    struct pl_json *g = pl_json_get(rec, "recordingGroup");
    /* AWS's default recording group (none given): all supported types, no global types */
    st->all_supported =
        !g || !pl_json_get(g, "allSupported") || pl_json_truthy(pl_json_get(g, "allSupported"));
    st->include_global = pl_json_truthy(pl_json_get(g, "includeGlobalResourceTypes"));
    st->types = str_list(a, pl_json_get(g, "resourceTypes"), &st->ntypes);
    st->excluded =
        str_list(a, pl_json_path(g, "exclusionByResourceTypes.resourceTypes"), &st->nexcluded);
    st->use_only = pl_json_str(pl_json_path(g, "recordingStrategy.useOnly"));
    if (!st->use_only)
        st->use_only =
            st->all_supported ? "ALL_SUPPORTED_RESOURCE_TYPES" : "INCLUSION_BY_RESOURCE_TYPES";
    read_mode(a, pl_json_get(rec, "recordingMode"), st);
    struct pl_obj so;
    int rc =
        pl_store_obj_get(s, account, region, PL_KIND_RECORDER_STATUS, objs[0].name, a, &so, err);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        struct pl_json *sj = pl_json_parse(a, so.json, so.len, &perr);
        st->running = sj && pl_json_truthy(pl_json_get(sj, "recording"));
    }
    return 0;
}

static bool in_list(const char *const *l, size_t n, const char *t)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i], t) == 0)
            return true;
    return false;
}

/* Global resource types: recorded only with includeGlobalResourceTypes under allSupported. */
static bool is_global(const char *t)
{
    return strcmp(t, "AWS::IAM::User") == 0 || strcmp(t, "AWS::IAM::Group") == 0 ||
           strcmp(t, "AWS::IAM::Role") == 0 || strcmp(t, "AWS::IAM::Policy") == 0;
}

bool pl_recorder_in_group(const struct pl_rec_state *st, const char *t, const char **reason)
{
    *reason = NULL;
    /* the recording group names AWS types; third-party types (PutResourceConfig) are always
     * recorded while the recorder runs */
    if (!pl_starts_with(t, "AWS::"))
        return true;
    if (strcmp(st->use_only, "EXCLUSION_BY_RESOURCE_TYPES") == 0) {
        if (in_list(st->excluded, st->nexcluded, t)) {
            *reason = "excluded by the recording group";
            return false;
        }
        return true;
    }
    if (strcmp(st->use_only, "INCLUSION_BY_RESOURCE_TYPES") == 0 || !st->all_supported) {
        if (!in_list(st->types, st->ntypes, t)) {
            *reason = "not in the recording group's resourceTypes";
            return false;
        }
        return true;
    }
    if (is_global(t) && !st->include_global) {
        *reason = "global resource type and includeGlobalResourceTypes is false";
        return false;
    }
    return true;
}

/* ---- preparation: everything that needs no store ---- */

struct pl_rec_prep {
    struct pl_arena arena; /* the input tree, the normalised CI, strings */
    struct pl_ci ci;
    const char *account, *region;
    char hash[65];
    struct pl_rec_enc enc;
    struct pl_buf scratch; /* canonical pieces (recorder_int.h) */
    struct pl_buf body;    /* the stored body, made here so the store thread only writes */
    struct pl_buf hot;     /* its hot configuration paths (pl_store_hot), likewise */
    bool ready;
};

struct pl_rec_prep *pl_rec_prep_new(void)
{
    struct pl_rec_prep *p = pl_xcalloc(1, sizeof *p);
    pl_arena_init(&p->arena);
    p->arena.block_size = 256 * 1024; /* a typical CI fits: reset keeps it */
    pl_buf_init(&p->scratch, PL_BUF_NOLIMIT);
    pl_buf_init(&p->body, PL_BUF_NOLIMIT);
    pl_buf_init(&p->hot, PL_BUF_NOLIMIT);
    return p;
}

void pl_rec_prep_free(struct pl_rec_prep *p)
{
    if (!p)
        return;
    pl_arena_fini(&p->arena);
    pl_buf_fini(&p->scratch);
    pl_buf_fini(&p->body);
    pl_buf_fini(&p->hot);
    free(p);
}

struct pl_arena *pl_rec_prep_arena(struct pl_rec_prep *p)
{
    return &p->arena;
}

/* Buffers beyond this are given back at reset, so a ring of preps that once held large CIs
 * does not keep them all: memory follows the CIs in flight, not the largest CI per slot. */
#define PREP_KEEP_BYTES (1u << 20)

static void buf_shrink(struct pl_buf *b)
{
    if (b->cap > PREP_KEEP_BYTES) {
        pl_buf_fini(b);
        pl_buf_init(b, PL_BUF_NOLIMIT);
    }
}

void pl_rec_prep_reset(struct pl_rec_prep *p)
{
    pl_arena_reset_max(&p->arena, PREP_KEEP_BYTES);
    buf_shrink(&p->scratch);
    buf_shrink(&p->body);
    p->ready = false;
}

static void resolve_partition(const struct pl_rec_opts *o, const struct pl_ci *ci,
                              const char **account, const char **region)
{
    *account = o->account           ? o->account
               : ci->account        ? ci->account
               : o->default_account ? o->default_account
                                    : DEFAULT_ACCOUNT;
    *region = o->region           ? o->region
              : ci->region        ? ci->region
              : o->default_region ? o->default_region
                                  : DEFAULT_REGION;
}

/* arn ("arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE") with its non-empty region and account
 * fields replaced by those given (NULL: kept); in a (opts.move_arn). An ARN of another shape is
 * kept. */
static const char *move_arn(struct pl_arena *a, const char *arn, const char *account,
                            const char *region)
{
    const char *f[5] = {arn}; /* starts of fields 0..4 */
    for (int i = 1; i < 5; i++) {
        const char *c = strchr(f[i - 1], ':');
        if (!c)
            return arn;
        f[i] = c + 1;
    }
    const char *rest = strchr(f[4], ':');
    if (!rest)
        return arn;
    int head = (int)(f[3] - arn); /* "arn:PARTITION:SERVICE:" */
    int rlen = (int)(f[4] - 1 - f[3]), alen = (int)(rest - f[4]);
    const char *r = f[3], *acct = f[4];
    if (region && rlen)
        r = region, rlen = (int)strlen(region);
    if (account && alen)
        acct = account, alen = (int)strlen(account);
    return pl_arena_printf(a, "%.*s%.*s:%.*s%s", head, arn, rlen, r, alen, acct, rest);
}

/* The stored body of p's CI and its hot paths, after pl_rec__hash. */
static void prep_body(struct pl_rec_prep *p)
{
    pl_rec__body(&p->ci, p->account, p->region, &p->scratch, &p->enc, &p->body);
    pl_store_hot(p->ci.configuration, PL_JSON_CANON, &p->hot);
}

/* Fills p from an already normalised ci (borrowed: it must outlive p's use). */
static void prepare_ci(struct pl_rec_prep *p, const struct pl_rec_opts *o, const struct pl_ci *ci)
{
    p->ci = *ci;
    resolve_partition(o, ci, &p->account, &p->region);
    if (o->move_arn && ci->arn && (o->account || o->region))
        p->ci.arn = move_arn(&p->arena, ci->arn, o->account, o->region);
    pl_rec__hash(&p->ci, &p->scratch, &p->enc, p->hash);
    prep_body(p);
    p->ready = true;
}

/* The ARN's account field equals account, or the ARN has none. */
static bool arn_account_is(const char *arn, const char *account)
{
    const char *f;
    size_t n = pl_arn_account(arn, &f);
    return n == 0 || (n == strlen(account) && strncmp(f, account, n) == 0);
}

/* own_partition_only: the CI stays in o's partition or is refused. */
static int check_partition(const struct pl_rec_opts *o, const struct pl_ci *ci,
                           struct pl_err *err)
{
    if (!o->own_partition_only || !o->account || !o->region)
        return 0;
    if ((ci->account && strcmp(ci->account, o->account) != 0) ||
        (ci->arn && !arn_account_is(ci->arn, o->account)))
        return pl_fail(err, PL_E_VALIDATION,
                       "the configuration item names another account than the caller's (%s): "
                       "a key records only into its own account",
                       o->account);
    if (ci->region && strcmp(ci->region, o->region) != 0)
        return pl_fail(err, PL_E_VALIDATION,
                       "the configuration item names region %.32s, not the region the request "
                       "is signed for (%s)",
                       ci->region, o->region);
    return 0;
}

int pl_rec_prepare(struct pl_rec_prep *p, const struct pl_rec_opts *o, const struct pl_json *in,
                   struct pl_err *err)
{
    p->ready = false;
    struct pl_ci ci;
    if (pl_ci_normalize(&p->arena, in, &ci, err) < 0 || check_partition(o, &ci, err) < 0)
        return -1;
    prepare_ci(p, o, &ci);
    return 0;
}

/* ---- the recording core ---- */

struct part_cache {
    char account[13], region[32];
    struct pl_rec_state st;
};

struct pl_rec_batch {
    struct pl_store *s;
    struct pl_rec_opts opts;
    struct pl_arena tmp;   /* per CI */
    struct pl_arena state; /* cached recorder states, batch lifetime */
    struct pl_buf diff, payload;
    struct pl_rec_prep *prep; /* for pl_rec_batch_add / observe (created on first use) */
    struct part_cache parts[MAX_CACHED_PARTS];
    int nparts;
    int64_t recorded; /* new CI versions in this transaction, counted on commit */
    bool failed, own_tx;
};

static void batch_init(struct pl_rec_batch *b, struct pl_store *s, const struct pl_rec_opts *o)
{
    memset(b, 0, sizeof *b);
    b->s = s;
    if (o)
        b->opts = *o;
    pl_arena_init(&b->tmp);
    b->tmp.block_size = 1 << 20; /* one CI fits: reset keeps it, no malloc per CI */
    pl_arena_init(&b->state);
    pl_buf_init(&b->diff, PL_BUF_NOLIMIT);
    pl_buf_init(&b->payload, PL_BUF_NOLIMIT);
}

static void batch_fini(struct pl_rec_batch *b)
{
    pl_arena_fini(&b->tmp);
    pl_arena_fini(&b->state);
    pl_rec_prep_free(b->prep);
    pl_buf_fini(&b->diff);
    pl_buf_fini(&b->payload);
}

static const struct pl_rec_state *state_for(struct pl_rec_batch *b, const char *account,
                                            const char *region, struct pl_err *err)
{
    for (int i = 0; i < b->nparts; i++)
        if (strcmp(b->parts[i].account, account) == 0 && strcmp(b->parts[i].region, region) == 0)
            return &b->parts[i].st;
    if (b->nparts == MAX_CACHED_PARTS) { /* many partitions: start over */
        b->nparts = 0;
        pl_arena_reset(&b->state);
    }
    struct part_cache *pc = &b->parts[b->nparts];
    if (pl_recorder_state(b->s, account, region, &b->state, &pc->st, err) < 0)
        return NULL;
    pl_strlcpy(pc->account, account, sizeof pc->account);
    pl_strlcpy(pc->region, region, sizeof pc->region);
    b->nparts++;
    return &pc->st;
}

static int not_recorded(struct pl_rec_result *res, enum pl_rec_outcome o, const char *why)
{
    res->outcome = o;
    res->reason = why;
    return 0;
}

/* Is st (a CI status) one of those whose configuration was not recorded? */
static bool unrecorded_status(const char *st)
{
    return st &&
           (strcmp(st, PL_CI_NOT_RECORDED) == 0 || strcmp(st, PL_CI_DELETED_NOT_RECORDED) == 0);
}

static int no_running_recorder(struct pl_err *err, const char *region)
{
    return pl_fail(err, PL_E_NO_RUNNING_CONFIGURATION_RECORDER,
                   "There is no configuration recorder running in %s", region);
}

/* Applies the partition's recorder st (opts o) to ci. Returns 1 to record it: fully, or,
 * when *why is set (its static reason), as an identity-only CI (the running recorder's
 * recording group excludes the type, or the input itself says ResourceNotRecorded /
 * ResourceDeletedNotRecorded); 0 when nothing is recorded (res filled); -1 for a
 * PutResourceConfig without a running recorder (err). */
static int gate(const struct pl_rec_opts *o, const struct pl_rec_state *st, const struct pl_ci *ci,
                const char *region, struct pl_rec_result *res, const char **why, struct pl_err *err)
{
    *why = NULL;
    if (o->mode != PL_REC_MODE_ALL) {
        if (!st->exists && o->mode == PL_REC_MODE_RECORDER) {
            if (o->put_resource_config)
                return no_running_recorder(err, region);
            return not_recorded(res, PL_REC_NOT_RECORDED, "no configuration recorder");
        }
        if (st->exists && !st->running) {
            if (o->put_resource_config)
                return no_running_recorder(err, region);
            return not_recorded(res, PL_REC_NOT_RECORDED, "the configuration recorder is stopped");
        }
        if (st->exists && !pl_recorder_in_group(st, ci->resource_type, why))
            return 1;
    }
    if (unrecorded_status(ci->status))
        *why = "the configuration item says its configuration was not recorded";
    return 1;
}

/* Rewrites p's CI as the identity-only CI of a resource whose configuration is not recorded:
 * resourceType, resourceId, resourceName, ARN, availabilityZone, resourceCreationTime and
 * deletedness kept; configuration null, no supplementaryConfiguration, tags or relationships.
 * Recomputes p's hash and body. New nodes go in arena a (per CI): p is used up by this record. */
static void identity_only(struct pl_arena *a, struct pl_rec_prep *p)
{
    struct pl_ci *c = &p->ci;
    c->configuration = pl_json_new_null(a);
    c->supplementary = pl_json_new_obj(a);
    c->tags = pl_json_new_obj(a);
    c->relationships = pl_json_new_arr(a);
    c->schema_version_id = NULL;
    c->recording_frequency = NULL;
    c->delivery_ms = 0;
    pl_rec__hash(c, &p->scratch, &p->enc, p->hash);
    prep_body(p);
}

/* The status of a new version of ci; cur is the resource's latest state (NULL: unknown). A
 * resource whose latest version was not recorded is rediscovered when recorded again. */
static const char *new_status(const struct pl_ci *ci, bool excluded, const struct pl_resource *cur)
{
    if (excluded)
        return ci->deleted ? PL_CI_DELETED_NOT_RECORDED : PL_CI_NOT_RECORDED;
    if (ci->deleted)
        return PL_CI_DELETED;
    return (!cur || cur->deleted || unrecorded_status(cur->status)) ? PL_CI_DISCOVERED : PL_CI_OK;
}

/* Queues the work the new version row causes, in b's transaction: a "rules.ci_recorded" row for the
 * rules engine (the partition has rules and the type is evaluable) and a "delivery.ci" row for
 * notifications (its channel has a topic). -1 when the store failed. */
static int queue_work(struct pl_rec_batch *b, const struct pl_rec_state *st,
                      const struct pl_ci_row *row, struct pl_err *err)
{
    pl_buf_reset(&b->payload);
    pl_buf_printf(&b->payload, "{\"seq\":%" PRId64 ",\"status\":\"%s\",\"resourceType\":", row->seq,
                  row->status);
    pl_json_write_str(&b->payload, row->resource_type, strlen(row->resource_type));
    pl_buf_puts(&b->payload, ",\"resourceId\":");
    pl_json_write_str(&b->payload, row->resource_id, strlen(row->resource_id));
    pl_buf_putc(&b->payload, '}');
    if (st->has_rules && pl_recorder_type_evaluable(row->resource_type) &&
        pl_store_outbox_add(b->s, row->account, row->region, PL_OUTBOX_CI_RECORDED, b->payload.data,
                            b->payload.len, NULL, err) < 0)
        return -1;
    if (st->has_topic && pl_store_outbox_add(b->s, row->account, row->region, PL_OUTBOX_DELIVERY_CI,
                                             b->payload.data, b->payload.len, NULL, err) < 0)
        return -1;
    return 0;
}

/* Records the prepared CI p within b's transaction (an identity-only CI rewrites p: it is used
 * up). Returns 0 (res filled), -1 for a bad CI, -2 when the store failed (the transaction must
 * be rolled back). */
static int record(struct pl_rec_batch *b, struct pl_rec_prep *p, struct pl_rec_result *res,
                  struct pl_err *err)
{
    struct pl_arena *a = &b->tmp;
    const struct pl_rec_opts *o = &b->opts;
    const struct pl_ci *ci = &p->ci;
    const char *account = p->account, *region = p->region;
    const char *hash = p->hash;
    pl_arena_reset(a);
    memset(res, 0, sizeof *res);
    pl_strlcpy(res->account, account, sizeof res->account);
    pl_strlcpy(res->region, region, sizeof res->region);

    const struct pl_rec_state *st = state_for(b, account, region, err);
    if (!st)
        return -2;
    const char *why = NULL; /* set: the configuration is not recorded (identity-only CI) */
    int g = gate(o, st, ci, region, res, &why, err);
    if (g <= 0)
        return g;
    bool excluded = why != NULL;
    if (!excluded && pl_rec__daily_holds(o, st, ci)) {
        if (pl_rec__daily_hold(b->s, account, region, ci, pl_now_ms(), err) < 0)
            return -2;
        return not_recorded(res, PL_REC_PENDING, "held for the daily recording");
    }

    struct pl_resource cur;
    int found = pl_store_resource_get(b->s, account, region, ci->resource_type, ci->resource_id, a,
                                      &cur, err);
    if (found < 0)
        return -2;
    if (excluded) {
        if (ci->deleted && (!found || cur.deleted)) /* no known resource to delete */
            return not_recorded(res, PL_REC_NOT_RECORDED, why);
        identity_only(a, p);
    }
    int64_t now = pl_now_ms();
    int64_t capture = (o->use_source_time && ci->capture_ms >= 0) ? ci->capture_ms : now;
    if (found) {
        if (o->use_source_time && ci->capture_ms >= 0 && ci->capture_ms < cur.capture_ms)
            return not_recorded(res, PL_REC_STALE, "older than the latest recorded version");
        /* the same fields, and recorded (or not) as before */
        if (strcmp(hash, cur.hash) == 0 && unrecorded_status(cur.status) == excluded) {
            res->seq = cur.latest_seq;
            res->state_id = cur.state_id;
            res->capture_ms = cur.capture_ms;
            res->status = cur.status;
            return not_recorded(res, excluded ? PL_REC_NOT_RECORDED : PL_REC_UNCHANGED, why);
        }
    }
    const char *status = new_status(ci, excluded, found ? &cur : NULL);
    int64_t state_id = capture;
    if (o->use_source_time && ci->state_id > state_id)
        state_id = ci->state_id;
    if (found && state_id <= cur.state_id)
        state_id = cur.state_id + 1;
    (void)PL_ALWAYS(!found || state_id > cur.state_id); /* strictly increases (top of file) */

    /* diff against the latest version */
    struct pl_ci prev;
    bool have_prev = false;
    if (found && !cur.deleted && !ci->deleted && !excluded && !unrecorded_status(cur.status)) {
        struct pl_ci_row prow;
        int rc = pl_store_ci_get(b->s, cur.latest_seq, a, &prow, err);
        if (rc < 0)
            return -2;
        if (rc == 1) {
            if (pl_ci_from_row(a, &prow, &prev, err) < 0)
                return -2;
            have_prev = true;
        }
    }
    /* no previous recorded version (new, rediscovered, being deleted, or not recorded):
     * CREATE / DELETE */
    struct pl_json *diff = pl_ci_diff(a, have_prev ? &prev : NULL, ci);
    pl_buf_reset(&b->diff);
    pl_json_write(&b->diff, diff, PL_JSON_COMPACT);

    struct pl_ci_row row = {
        .account = account,
        .region = region,
        .resource_type = ci->resource_type,
        .resource_id = ci->resource_id,
        .resource_name = ci->resource_name,
        .status = status,
        .capture_ms = capture,
        .state_id = state_id,
        .body = pl_buf_cstr(&p->body),
        .body_len = p->body.len,
        .diff = b->diff.data,
        .diff_len = b->diff.len,
        .daily = ci->recording_frequency && strcmp(ci->recording_frequency, "DAILY") == 0,
        .hot = pl_buf_cstr(&p->hot),
        .hot_len = p->hot.len,
    };
    memcpy(row.hash, hash, sizeof row.hash);
    if (pl_store_ci_append(b->s, &row, err) < 0)
        return -2;
    if (!excluded && queue_work(b, st, &row, err) < 0)
        return -2;
    res->notify = st->has_topic && !excluded;
    b->recorded++;
    res->outcome = excluded ? PL_REC_IDENTITY_ONLY : PL_REC_RECORDED;
    res->reason = why;
    res->status = status;
    res->seq = row.seq;
    res->state_id = state_id;
    res->capture_ms = capture;
    return 0;
}

/* ---- batches ---- */

/* /metrics: CI versions recorded, counted once their transaction committed (rc == 0). */
static void count_recorded(const struct pl_rec_batch *b, int rc)
{
    if (rc == 0 && b->recorded > 0)
        pl_metrics_add("plumb_cis_recorded_total", NULL, (uint64_t)b->recorded);
}

struct pl_rec_batch *pl_rec_batch_begin(struct pl_store *s, const struct pl_rec_opts *opts,
                                        struct pl_err *err)
{
    struct pl_rec_batch *b = pl_xmalloc(sizeof *b);
    batch_init(b, s, opts);
    if (pl_store_begin(s, err) < 0) {
        batch_fini(b);
        free(b);
        return NULL;
    }
    b->own_tx = true;
    return b;
}

static int batch_add_prep(struct pl_rec_batch *b, struct pl_rec_prep *p, struct pl_rec_result *res,
                          struct pl_err *err)
{
    if (b->failed)
        return pl_fail(err, PL_E_INTERNAL, "recorder: the batch has failed");
    if (!p->ready)
        return pl_fail(err, PL_E_INTERNAL, "recorder: CI not prepared");
    int rc = record(b, p, res, err);
    if (rc == -2) {
        b->failed = true;
        return -1;
    }
    return rc;
}

static struct pl_rec_prep *own_prep(struct pl_rec_batch *b)
{
    if (!b->prep)
        b->prep = pl_rec_prep_new();
    pl_rec_prep_reset(b->prep);
    return b->prep;
}

int pl_rec_batch_add(struct pl_rec_batch *b, const struct pl_json *in, struct pl_rec_result *res,
                     struct pl_err *err)
{
    memset(res, 0, sizeof *res);
    struct pl_rec_prep *p = own_prep(b);
    if (pl_rec_prepare(p, &b->opts, in, err) < 0)
        return -1;
    return batch_add_prep(b, p, res, err);
}

int pl_rec_batch_add_prepared(struct pl_rec_batch *b, struct pl_rec_prep *p,
                              struct pl_rec_result *res, struct pl_err *err)
{
    memset(res, 0, sizeof *res);
    return batch_add_prep(b, p, res, err);
}

int pl_rec_batch_commit(struct pl_rec_batch *b, struct pl_err *err)
{
    int rc;
    if (b->failed) {
        pl_store_rollback(b->s);
        rc = pl_fail(err, PL_E_INTERNAL, "recorder: batch rolled back after a store error");
    } else {
        rc = pl_store_commit(b->s, err);
    }
    count_recorded(b, rc);
    batch_fini(b);
    free(b);
    return rc;
}

void pl_rec_batch_abort(struct pl_rec_batch *b)
{
    if (!b)
        return;
    pl_store_rollback(b->s);
    batch_fini(b);
    free(b);
}

/* ---- single observations ---- */

int pl_recorder_observe_ci(struct pl_store *s, const struct pl_rec_opts *opts,
                           const struct pl_ci *ci, struct pl_rec_result *res, struct pl_err *err)
{
    struct pl_rec_batch b;
    batch_init(&b, s, opts);
    int rc = -1;
    if (pl_store_begin(s, err) < 0)
        goto out;
    struct pl_rec_prep *p = own_prep(&b);
    prepare_ci(p, &b.opts, ci);
    rc = record(&b, p, res, err);
    if (rc == -2) { /* the store failed: the transaction (the caller's too) is lost */
        pl_store_rollback(s);
        rc = -1;
        goto out;
    }
    if (rc == -1) { /* a bad CI, refused before any write: a caller's transaction goes on */
        struct pl_err ignored = {0};
        pl_store_commit(s, &ignored);
        goto out;
    }
    rc = pl_store_commit(s, err);
    count_recorded(&b, rc);
out:
    batch_fini(&b);
    return rc;
}

int pl_recorder_observe(struct pl_store *s, const struct pl_rec_opts *opts,
                        const struct pl_json *in, struct pl_rec_result *res, struct pl_err *err)
{
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_ci ci;
    memset(res, 0, sizeof *res);
    int rc = pl_ci_normalize(&a, in, &ci, err);
    if (rc == 0)
        rc = pl_recorder_observe_ci(s, opts, &ci, res, err);
    pl_arena_fini(&a);
    return rc;
}

/* ---- PutResourceConfig / DeleteResourceConfig ---- */

static bool reserved_type(const char *t)
{
    return pl_starts_with(t, "AWS::") || pl_starts_with(t, "Amazon::") ||
           pl_starts_with(t, "Alexa::");
}

int pl_recorder_put_resource_config(struct pl_store *s, const char *account, const char *region,
                                    const struct pl_json *body, struct pl_rec_result *res,
                                    struct pl_err *err)
{
    memset(res, 0, sizeof *res);
    if (!body || body->type != PL_JOBJ)
        return pl_fail(err, PL_E_VALIDATION, "the request must be a JSON object");
    const char *type = pl_json_get_str(body, "ResourceType");
    const char *schema = pl_json_get_str(body, "SchemaVersionId");
    const char *id = pl_json_get_str(body, "ResourceId");
    struct pl_json *conf = pl_json_get(body, "Configuration");
    struct pl_json *tags = pl_json_get(body, "Tags");
    /* api/ checked the request against the model (lengths, types, required members); what
     * remains are the recorder's own rules. A caller outside api/ still cannot crash it: */
    if (!type || !schema || !id || !conf || conf->type != PL_JSTR ||
        (tags && tags->type != PL_JOBJ && tags->type != PL_JNULL))
        return pl_fail(err, PL_E_VALIDATION,
                       "PutResourceConfig needs ResourceType, SchemaVersionId, ResourceId, a "
                       "Configuration string and Tags as a map");
    if (reserved_type(type))
        return pl_fail(err, PL_E_VALIDATION,
                       "PutResourceConfig is for third-party resource types; '%.100s' is an "
                       "AWS resource type",
                       type);
    if (conf->len > MAX_CONFIG_BYTES)
        return pl_fail(err, PL_E_VALIDATION, "Configuration is larger than the maximum of 64 KB");
    if (tags && tags->type == PL_JOBJ && tags->len > 50)
        return pl_fail(err, PL_E_VALIDATION, "at most 50 tags");
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_ci ci;
    int rc = pl_ci_normalize(&a, body, &ci, err);
    if (rc == 0 && ci.configuration->type != PL_JOBJ)
        rc = pl_fail(err, PL_E_VALIDATION, "Configuration must be a JSON object");
    if (rc == 0) {
        ci.account = account;
        ci.region = region;
        struct pl_rec_opts o = {.mode = PL_REC_MODE_RECORDER,
                                .account = account,
                                .region = region,
                                .put_resource_config = true};
        rc = pl_recorder_observe_ci(s, &o, &ci, res, err);
    }
    pl_arena_fini(&a);
    return rc;
}

int pl_recorder_delete_resource(struct pl_store *s, const char *account, const char *region,
                                const char *type, const char *id, struct pl_rec_result *res,
                                struct pl_err *err)
{
    memset(res, 0, sizeof *res);
    if (!type || !*type || !id || !*id)
        return pl_fail(err, PL_E_VALIDATION, "ResourceType and ResourceId are required");
    if (reserved_type(type))
        return pl_fail(err, PL_E_VALIDATION,
                       "DeleteResourceConfig is for third-party resource types; '%.100s' is "
                       "an AWS resource type",
                       type);
    struct pl_arena a;
    pl_arena_init(&a);
    int rc = 0;
    struct pl_resource r;
    int found = pl_store_resource_get(s, account, region, type, id, &a, &r, err);
    if (found < 0) {
        rc = -1;
    } else if (!found || r.deleted) {
        /* nothing to delete: still check the recorder runs, as AWS does */
        struct pl_rec_state st;
        rc = pl_recorder_state(s, account, region, &a, &st, err);
        if (rc == 0 && !st.running)
            rc = pl_fail(err, PL_E_NO_RUNNING_CONFIGURATION_RECORDER,
                         "There is no configuration recorder running in %s", region);
        if (rc == 0) {
            res->outcome = found ? PL_REC_UNCHANGED : PL_REC_NOT_RECORDED;
            res->reason = found ? NULL : "resource not discovered";
        }
    } else {
        struct pl_ci ci = {
            .account = account,
            .region = region,
            .resource_type = type,
            .resource_id = id,
            .resource_name = r.resource_name,
            .capture_ms = -1,
            .creation_ms = -1,
            .state_id = -1,
            .deleted = true,
        };
        ci.configuration = pl_json_new_null(&a);
        ci.supplementary = pl_json_new_obj(&a);
        ci.tags = pl_json_new_obj(&a);
        ci.relationships = pl_json_new_arr(&a);
        struct pl_rec_opts o = {.mode = PL_REC_MODE_RECORDER,
                                .account = account,
                                .region = region,
                                .put_resource_config = true};
        rc = pl_recorder_observe_ci(s, &o, &ci, res, err);
    }
    pl_arena_fini(&a);
    return rc;
}

/* ---- retention ---- */

int pl_recorder_enforce_retention(struct pl_store *s, int64_t *deleted, struct pl_err *err)
{
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_obj *objs;
    size_t n;
    int64_t total = 0;
    int rc = pl_store_obj_list(s, NULL, NULL, PL_KIND_RETENTION, NULL, 0, &a, &objs, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct pl_err perr = {0};
        struct pl_json *j = pl_json_parse(&a, objs[i].json, objs[i].len, &perr);
        int64_t days;
        if (!j || pl_json_i64(pl_json_get(j, "RetentionPeriodInDays"), &days) < 0 || days <= 0)
            continue;
        int64_t del = 0;
        rc = pl_store_prune_before(s, objs[i].account, objs[i].region,
                                   pl_now_ms() - days * 86400000LL, &del, err);
        total += del;
        /* CloudTrail events age out with the CIs they explain */
        if (rc == 0)
            rc = pl_store_trail_prune_before(s, objs[i].account, objs[i].region,
                                             pl_now_ms() - days * 86400000LL, NULL, err);
        if (del > 0)
            PL_LOG(INFO, "recorder",
                   "retention account=%s region=%s days=%" PRId64 " pruned=%" PRId64,
                   objs[i].account, objs[i].region, days, del);
    }
    if (deleted)
        *deleted = total;
    pl_arena_fini(&a);
    return rc;
}
