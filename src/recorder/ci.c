/* ci.c — plumb's internal CI: normalising every AWS dialect into struct pl_ci, the canonical
 * hash of the recorded fields, the stored body, and rebuilding a pl_ci from a stored row.
 *
 * Dialects (recorder.h): API form (accountId, arn, relationshipName, configuration as a
 * string, epoch numbers), file/notification form (awsAccountId, ARN, name, configuration
 * object, ISO times), PutResourceConfig input (PascalCase), and wrappers around a CI: an SNS
 * notification ({"Message": {...configurationItem...}}, Message possibly a string), a rule's
 * invoking event ({"invokingEvent": "<json>"}) or {"configurationItem": CI | [CI]}.
 */
#include <stdio.h>
#include <string.h>

#include "core/hash.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"
#include "recorder/recorder_int.h"

#define MAX_UNWRAP 4

static struct pl_json *get2(const struct pl_json *o, const char *k1, const char *k2)
{
    struct pl_json *v = pl_json_get(o, k1);
    if (!v && k2)
        v = pl_json_get(o, k2);
    return v;
}

/* A string member (or NULL when absent/null); a present member of another type fails. */
static int str_field(struct pl_arena *a, const struct pl_json *o, const char *k1,
                     const char *k2, const char **out, struct pl_err *err)
{
    struct pl_json *v = get2(o, k1, k2);
    *out = NULL;
    if (!v || v->type == PL_JNULL)
        return 0;
    if (v->type == PL_JSTR) {
        *out = v->str;
        return 0;
    }
    if (v->type == PL_JNUM && strcmp(k1, "accountId") == 0) { /* a number: keep its text */
        *out = pl_arena_strndup(a, v->str, v->len);
        return 0;
    }
    return pl_fail(err, PL_E_VALIDATION, "%s must be a string", k1);
}

/* A time member: epoch seconds (number or numeric string) or ISO-8601; -1 when absent. */
static int time_field(const struct pl_json *o, const char *k, int64_t *out, struct pl_err *err)
{
    struct pl_json *v = pl_json_get(o, k);
    *out = -1;
    if (!v || v->type == PL_JNULL)
        return 0;
    if ((v->type == PL_JSTR || v->type == PL_JNUM) && pl_time_parse(v->str, out) == 0)
        return 0;
    if (v->type == PL_JSTR && v->len == 0)
        return 0;
    if (v->type == PL_JOBJ) { /* placebo's recorded boto3 datetimes {"__class__":"datetime"} */
        int64_t y, mo, d, h = 0, mi = 0, sec = 0, us = 0;
        if (pl_json_i64(pl_json_get(v, "year"), &y) == 0 &&
            pl_json_i64(pl_json_get(v, "month"), &mo) == 0 &&
            pl_json_i64(pl_json_get(v, "day"), &d) == 0 && y > 1900 && y < 10000 && mo >= 1 &&
            mo <= 12 && d >= 1 && d <= 31) {
            pl_json_i64(pl_json_get(v, "hour"), &h);
            pl_json_i64(pl_json_get(v, "minute"), &mi);
            pl_json_i64(pl_json_get(v, "second"), &sec);
            pl_json_i64(pl_json_get(v, "microsecond"), &us);
            struct pl_tm tm = {.year = (int)y, .mon = (int)mo, .day = (int)d,
                               .hour = (int)(h % 24), .min = (int)(mi % 60),
                               .sec = (int)(sec % 61), .msec = (int)((us / 1000) % 1000)};
            *out = pl_time_from_civil(&tm);
            return 0;
        }
    }
    return pl_fail(err, PL_E_VALIDATION, "%s is not a valid time", k);
}

/* configurationStateId: epoch ms as a string or number; anything else (old UUIDs) ignored. */
static int64_t state_field(const struct pl_json *o)
{
    struct pl_json *v = get2(o, "configurationStateId", "configurationStateID");
    long long x;
    if (v && (v->type == PL_JSTR || v->type == PL_JNUM) && pl_parse_i64(v->str, &x) == 0 &&
        x >= 0)
        return x;
    return -1;
}

/* Parses a string holding JSON (configuration as the API form has it). */
static struct pl_json *parse_embedded(struct pl_arena *a, const struct pl_json *v,
                                      const char *what, struct pl_err *err)
{
    struct pl_err perr = {0};
    struct pl_json *j = pl_json_parse(a, v->str, v->len, &perr);
    if (!j)
        pl_fail(err, PL_E_VALIDATION, "%s is not valid JSON: %s", what, perr.msg);
    return j;
}

static int norm_configuration(struct pl_arena *a, const struct pl_json *in, struct pl_ci *ci,
                              struct pl_err *err)
{
    struct pl_json *v = get2(in, "configuration", "Configuration");
    if (!v || v->type == PL_JNULL) {
        ci->configuration = pl_json_new_null(a);
        return 0;
    }
    if (v->type == PL_JSTR) {
        if (v->len == 0) {
            ci->configuration = pl_json_new_null(a);
            return 0;
        }
        ci->configuration = parse_embedded(a, v, "configuration", err);
        return ci->configuration ? 0 : -1;
    }
    ci->configuration = v; /* borrowed from the input tree, never modified */
    return 0;
}

/* The API form: configuration as a string, or accountId/version without the file form's
 * awsAccountId/configurationItemVersion. */
static bool api_form(const struct pl_json *in)
{
    if (pl_json_is(get2(in, "configuration", "Configuration"), PL_JSTR))
        return true;
    if (pl_json_get(in, "awsAccountId") || pl_json_get(in, "configurationItemVersion"))
        return false;
    return pl_json_get(in, "accountId") || pl_json_get(in, "version");
}

static int norm_supplementary(struct pl_arena *a, const struct pl_json *in, struct pl_ci *ci,
                              bool stored, struct pl_err *err)
{
    /* the stored body (pl_ci_from_row) names accountId like the API form but holds each value
     * itself: a string value (S3's AccessControlList) stays a string */
    bool api = !stored && api_form(in);
    struct pl_json *v = pl_json_get(in, "supplementaryConfiguration");
    ci->supplementary = pl_json_new_obj(a);
    if (!v || v->type == PL_JNULL)
        return 0;
    if (v->type != PL_JOBJ)
        return pl_fail(err, PL_E_VALIDATION, "supplementaryConfiguration must be an object");
    for (const struct pl_json *c = v->child; c; c = c->next) {
        /* the API form has each value as a JSON text; the file form has the value itself
         * (which may be a string holding JSON, as S3's AccessControlList is) */
        struct pl_json *val = NULL;
        if (api && c->type == PL_JSTR && c->len > 0) {
            struct pl_err ignore = {0};
            val = pl_json_parse(a, c->str, c->len, &ignore);
        }
        if (!val)
            val = pl_json_clone(a, c);
        pl_json_set(a, ci->supplementary, c->key, val);
    }
    return 0;
}

static int norm_tags(struct pl_arena *a, const struct pl_json *in, struct pl_ci *ci,
                     struct pl_err *err)
{
    struct pl_json *v = get2(in, "tags", "Tags");
    ci->tags = pl_json_new_obj(a);
    if (!v || v->type == PL_JNULL)
        return 0;
    if (v->type == PL_JOBJ) {
        for (const struct pl_json *c = v->child; c; c = c->next) {
            if (c->type == PL_JSTR)
                pl_json_set(a, ci->tags, c->key, pl_json_clone(a, c));
            else if (c->type == PL_JNULL)
                pl_json_set(a, ci->tags, c->key, pl_json_new_str(a, ""));
            else
                return pl_fail(err, PL_E_VALIDATION, "tag '%s' must have a string value",
                               c->key);
        }
        return 0;
    }
    if (v->type == PL_JARR) { /* [{Key, Value}] as the API's Tags lists have it */
        for (const struct pl_json *c = v->child; c; c = c->next) {
            const char *k = pl_json_str(get2(c, "Key", "key"));
            const char *val = pl_json_str(get2(c, "Value", "value"));
            if (!k)
                return pl_fail(err, PL_E_VALIDATION, "tags entries need a Key");
            pl_json_del(ci->tags, k);
            pl_json_set(a, ci->tags, k, pl_json_new_str(a, val ? val : ""));
        }
        return 0;
    }
    return pl_fail(err, PL_E_VALIDATION, "tags must be an object");
}

static int norm_relationships(struct pl_arena *a, const struct pl_json *in, struct pl_ci *ci,
                              struct pl_err *err)
{
    struct pl_json *v = pl_json_get(in, "relationships");
    ci->relationships = pl_json_new_arr(a);
    if (!v || v->type == PL_JNULL)
        return 0;
    if (v->type != PL_JARR)
        return pl_fail(err, PL_E_VALIDATION, "relationships must be an array");
    for (const struct pl_json *c = v->child; c; c = c->next) {
        if (c->type != PL_JOBJ)
            return pl_fail(err, PL_E_VALIDATION, "relationships entries must be objects");
        struct pl_json *r = pl_json_new_obj(a);
        const char *name, *rid, *rname, *rtype;
        if (str_field(a, c, "relationshipName", "name", &name, err) < 0 ||
            str_field(a, c, "resourceId", NULL, &rid, err) < 0 ||
            str_field(a, c, "resourceName", NULL, &rname, err) < 0 ||
            str_field(a, c, "resourceType", NULL, &rtype, err) < 0)
            return -1;
        /* key order is the file form's (and sorted): name, resourceId, resourceName, type */
        pl_json_set(a, r, "name", name ? pl_json_new_str(a, name) : pl_json_new_null(a));
        pl_json_set(a, r, "resourceId", rid ? pl_json_new_str(a, rid) : pl_json_new_null(a));
        pl_json_set(a, r, "resourceName",
                    rname ? pl_json_new_str(a, rname) : pl_json_new_null(a));
        pl_json_set(a, r, "resourceType",
                    rtype ? pl_json_new_str(a, rtype) : pl_json_new_null(a));
        pl_json_push(ci->relationships, r);
    }
    return 0;
}

/* Finds the CI inside the wrappers AWS puts around one (SNS message, invoking event). */
PL_TESTABLE const struct pl_json *unwrap(struct pl_arena *a, const struct pl_json *in)
{
    for (int depth = 0; depth < MAX_UNWRAP && in && in->type == PL_JOBJ; depth++) {
        if (get2(in, "resourceType", "ResourceType"))
            return in;
        struct pl_json *v = pl_json_get(in, "configurationItem");
        if (v && v->type == PL_JARR)
            v = v->child; /* the 2014 notification wraps one CI in an array */
        if (!v)
            v = pl_json_get(in, "invokingEvent");
        if (!v)
            v = pl_json_get(in, "Message");
        if (!v)
            return in;
        if (v->type == PL_JSTR) {
            struct pl_err ignore = {0};
            v = pl_json_parse(a, v->str, v->len, &ignore);
        }
        in = v;
    }
    return in;
}

static int normalize(struct pl_arena *a, const struct pl_json *in, struct pl_ci *ci, bool stored,
                     struct pl_err *err);

int pl_ci_normalize(struct pl_arena *a, const struct pl_json *in, struct pl_ci *ci,
                    struct pl_err *err)
{
    return normalize(a, in, ci, false, err);
}

static int normalize(struct pl_arena *a, const struct pl_json *in, struct pl_ci *ci, bool stored,
                     struct pl_err *err)
{
    memset(ci, 0, sizeof *ci);
    in = unwrap(a, in);
    if (!in || in->type != PL_JOBJ)
        return pl_fail(err, PL_E_VALIDATION, "a configuration item must be a JSON object");
    if (str_field(a, in, "resourceType", "ResourceType", &ci->resource_type, err) < 0 ||
        str_field(a, in, "resourceId", "ResourceId", &ci->resource_id, err) < 0 ||
        str_field(a, in, "resourceName", "ResourceName", &ci->resource_name, err) < 0 ||
        str_field(a, in, "accountId", "awsAccountId", &ci->account, err) < 0 ||
        str_field(a, in, "awsRegion", NULL, &ci->region, err) < 0 ||
        str_field(a, in, "arn", "ARN", &ci->arn, err) < 0 ||
        str_field(a, in, "availabilityZone", NULL, &ci->availability_zone, err) < 0 ||
        str_field(a, in, "configurationItemStatus", NULL, &ci->status, err) < 0 ||
        str_field(a, in, "SchemaVersionId", "schemaVersionId", &ci->schema_version_id, err) <
            0 ||
        str_field(a, in, "recordingFrequency", NULL, &ci->recording_frequency, err) < 0)
        return -1;
    if (!ci->resource_type || !*ci->resource_type)
        return pl_fail(err, PL_E_VALIDATION, "resourceType is missing");
    if (!ci->resource_id || !*ci->resource_id)
        return pl_fail(err, PL_E_VALIDATION, "resourceId is missing");
    if (strlen(ci->resource_type) > 196)
        return pl_fail(err, PL_E_VALIDATION, "resourceType is longer than 196 characters");
    if (strlen(ci->resource_id) > 768)
        return pl_fail(err, PL_E_VALIDATION, "resourceId is longer than 768 characters");
    if (ci->account && (strlen(ci->account) != 12 || strspn(ci->account, "0123456789") != 12))
        return pl_fail(err, PL_E_VALIDATION, "account id '%.20s' is not 12 digits",
                       ci->account);
    if (ci->region && (strlen(ci->region) >= 32 || !*ci->region))
        return pl_fail(err, PL_E_VALIDATION, "awsRegion is not a region");
    if (time_field(in, "configurationItemCaptureTime", &ci->capture_ms, err) < 0)
        return -1;
    /* resourceCreationTime is informational: an unreadable one is dropped, not fatal */
    struct pl_err ignore = {0};
    if (time_field(in, "resourceCreationTime", &ci->creation_ms, &ignore) < 0)
        ci->creation_ms = -1;
    if (time_field(in, "configurationItemDeliveryTime", &ci->delivery_ms, &ignore) < 0)
        ci->delivery_ms = -1;
    ci->state_id = state_field(in);
    ci->deleted = pl_ci_status_deleted(ci->status);
    if (norm_configuration(a, in, ci, err) < 0 || norm_supplementary(a, in, ci, stored, err) < 0 ||
        norm_tags(a, in, ci, err) < 0 || norm_relationships(a, in, ci, err) < 0)
        return -1;
    return 0;
}

/* ---- encoding: the canonical pieces are written once and shared by hash and body ---- */

#define piece pl_rec_piece

static void put_str_or_null(struct pl_buf *b, const char *s)
{
    if (s)
        pl_json_write_str(b, s, strlen(s));
    else
        pl_buf_puts(b, "null");
}

static void put_time_or_null(struct pl_buf *b, int64_t ms)
{
    if (ms < 0) {
        pl_buf_puts(b, "null");
        return;
    }
    /* epoch seconds with milliseconds, as pl_json_new_epoch_ms writes them */
    pl_buf_printf(b, "%lld.%03d", (long long)(ms / 1000), (int)(ms % 1000));
}

static struct piece put_canon(struct pl_buf *b, const struct pl_json *v)
{
    struct piece p = {b->len, 0};
    pl_json_write(b, v, PL_JSON_CANON);
    p.len = b->len - p.off;
    return p;
}

/* Writes the canonical texts of the four big members into scratch (reset first), then the
 * header of the small recorded fields, and hashes header + pieces. */
static void encode(const struct pl_ci *ci, struct pl_buf *scratch, struct pl_rec_piece pc[5],
                   char hash[65])
{
    pl_buf_reset(scratch);
    pc[0] = put_canon(scratch, ci->configuration);
    pc[1] = put_canon(scratch, ci->relationships);
    pc[2] = put_canon(scratch, ci->supplementary);
    pc[3] = put_canon(scratch, ci->tags);
    pc[4].off = scratch->len;
    /* the small recorded fields, one per line */
    put_str_or_null(scratch, ci->arn);
    pl_buf_putc(scratch, '\n');
    put_str_or_null(scratch, ci->availability_zone);
    pl_buf_putc(scratch, '\n');
    put_time_or_null(scratch, ci->creation_ms);
    pl_buf_putc(scratch, '\n');
    put_str_or_null(scratch, ci->resource_name);
    pl_buf_putc(scratch, '\n');
    put_str_or_null(scratch, ci->schema_version_id);
    pl_buf_putc(scratch, '\n');
    put_str_or_null(scratch, ci->recording_frequency);
    pl_buf_puts(scratch, ci->deleted ? "\ndeleted\n" : "\npresent\n");
    pc[4].len = scratch->len - pc[4].off;
    /* hash: lengths then bytes of each piece, so no piece can run into the next */
    unsigned char md[32];
    struct pl_buf h;
    pl_buf_init(&h, PL_BUF_NOLIMIT);
    pl_buf_printf(&h, "%zu,%zu,%zu,%zu,%zu;", pc[0].len, pc[1].len, pc[2].len, pc[3].len,
                  pc[4].len);
    /* sha256 over the length prefix and the scratch bytes (pieces are contiguous) */
    pl_buf_append(&h, scratch->data, scratch->len);
    pl_sha256(h.data, h.len, md);
    pl_hex(md, 32, hash);
    pl_buf_fini(&h);
}

void pl_ci_hash(const struct pl_ci *ci, char out[65])
{
    struct pl_buf b;
    struct pl_rec_enc e;
    pl_buf_init(&b, PL_BUF_NOLIMIT);
    encode(ci, &b, e.pc, out);
    pl_buf_fini(&b);
}

void pl_rec__hash(const struct pl_ci *ci, struct pl_buf *scratch, struct pl_rec_enc *e,
                  char out[65])
{
    encode(ci, scratch, e->pc, out);
}

static void put_piece(struct pl_buf *out, const struct pl_buf *scratch, const struct piece *p)
{
    pl_buf_append(out, scratch->data + p->off, p->len);
}

/* Keys in byte order, so the body is canonical JSON (sorted, compact). */
int pl_rec__body(const struct pl_ci *ci, const char *account, const char *region,
                 const struct pl_buf *scratch, const struct pl_rec_enc *e, struct pl_buf *out)
{
    const struct piece *pc = e->pc;
    pl_buf_reset(out);
    pl_buf_puts(out, "{\"accountId\":");
    put_str_or_null(out, account);
    pl_buf_puts(out, ",\"arn\":");
    put_str_or_null(out, ci->arn);
    pl_buf_puts(out, ",\"availabilityZone\":");
    put_str_or_null(out, ci->availability_zone);
    pl_buf_puts(out, ",\"awsRegion\":");
    put_str_or_null(out, region);
    pl_buf_puts(out, ",\"configuration\":");
    put_piece(out, scratch, &pc[0]);
    if (ci->delivery_ms > 0) {
        pl_buf_puts(out, ",\"configurationItemDeliveryTime\":");
        put_time_or_null(out, ci->delivery_ms);
    }
    if (ci->recording_frequency) {
        pl_buf_puts(out, ",\"recordingFrequency\":");
        put_str_or_null(out, ci->recording_frequency);
    }
    pl_buf_puts(out, ",\"relationships\":");
    put_piece(out, scratch, &pc[1]);
    pl_buf_puts(out, ",\"resourceCreationTime\":");
    put_time_or_null(out, ci->creation_ms);
    pl_buf_puts(out, ",\"resourceId\":");
    put_str_or_null(out, ci->resource_id);
    pl_buf_puts(out, ",\"resourceName\":");
    put_str_or_null(out, ci->resource_name);
    pl_buf_puts(out, ",\"resourceType\":");
    put_str_or_null(out, ci->resource_type);
    if (ci->schema_version_id) {
        pl_buf_puts(out, ",\"schemaVersionId\":");
        put_str_or_null(out, ci->schema_version_id);
    }
    pl_buf_puts(out, ",\"supplementaryConfiguration\":");
    put_piece(out, scratch, &pc[2]);
    pl_buf_puts(out, ",\"tags\":");
    put_piece(out, scratch, &pc[3]);
    return pl_buf_putc(out, '}');
}

int pl_ci_from_row(struct pl_arena *a, const struct pl_ci_row *row, struct pl_ci *ci,
                   struct pl_err *err)
{
    struct pl_json *j = pl_json_parse(a, row->body, row->body_len, err);
    if (!j)
        return pl_fail(err, PL_E_INTERNAL, "stored CI %lld is not JSON", (long long)row->seq);
    if (normalize(a, j, ci, true, err) < 0)
        return -1;
    /* the row's columns are authoritative for what the recorder assigned */
    ci->account = row->account;
    ci->region = row->region;
    ci->status = row->status;
    ci->deleted = pl_ci_status_deleted(row->status);
    ci->capture_ms = row->capture_ms;
    ci->state_id = row->state_id;
    return 0;
}

/* Whether rules evaluate resource_type: not the compliance records (recorder.h). */
bool pl_recorder_type_evaluable(const char *t)
{
    return strncmp(t, "AWS::Config::", 13) != 0 ||
           (strcmp(t + 13, "ResourceCompliance") != 0 &&
            strcmp(t + 13, "ConformancePackCompliance") != 0);
}
