/* keys.c — AWS Config's object key layout and file names, and the checks PutDeliveryChannel
 * makes on bucket names, key prefixes, topic and key ARNs and delivery frequencies.
 *
 * Layout: [prefix/]AWSLogs/<acct>/Config/<region>/<YYYY>/<M>/<D>/<Kind>/<file>.json.gz, month and
 * day not zero-padded, the date being the delivery time (UTC). Names follow AWS exactly:
 *   <acct>_Config_<region>_ConfigSnapshot_<YYYYMMDDTHHMMSSZ>_<snapshotId>.json.gz
 *   <acct>_Config_<region>_ConfigHistory_<Type>_<start>_<end>_<n>.json.gz
 */
#include <string.h>

#include "core/time.h"
#include "core/util.h"
#include "delivery/delivery_int.h"

/* "prefix/" or "" for a NULL/empty prefix. */
static const char *slash_prefix(struct pl_arena *a, const char *prefix)
{
    if (!prefix || !*prefix)
        return "";
    return pl_arena_printf(a, "%s/", prefix);
}

char *pl_delivery__key_dir(struct pl_arena *a, const char *prefix, const char *acct,
                           const char *region, int64_t ms, const char *kind)
{
    struct pl_tm tm;
    pl_time_civil(ms, &tm);
    return pl_arena_printf(a, "%sAWSLogs/%s/Config/%s/%d/%d/%d/%s/", slash_prefix(a, prefix), acct,
                           region, tm.year, tm.mon, tm.day, kind);
}

char *pl_delivery__key_snapshot(struct pl_arena *a, const char *prefix, const char *acct,
                                const char *region, int64_t ms, const char *snapshot_id)
{
    char ts[32];
    return pl_arena_printf(a, "%s%s_Config_%s_ConfigSnapshot_%s_%s.json.gz",
                           pl_delivery__key_dir(a, prefix, acct, region, ms, "ConfigSnapshot"),
                           acct, region, pl_time_basic(ms, ts), snapshot_id);
}

char *pl_delivery__key_history(struct pl_arena *a, const char *prefix, const char *acct,
                               const char *region, int64_t ms, const char *type, int64_t start_ms,
                               int64_t end_ms, int n)
{
    char t0[32], t1[32];
    return pl_arena_printf(a, "%s%s_Config_%s_ConfigHistory_%s_%s_%s_%d.json.gz",
                           pl_delivery__key_dir(a, prefix, acct, region, ms, "ConfigHistory"), acct,
                           region, type, pl_time_basic(start_ms, t0), pl_time_basic(end_ms, t1), n);
}

char *pl_delivery__key_oversized(struct pl_arena *a, const char *prefix, const char *acct,
                                 const char *region, int64_t ms, const char *type, const char *id,
                                 int n)
{
    char ts[32];
    char *dir = pl_delivery__key_dir(a, prefix, acct, region, ms, "OversizedChangeNotification");
    return pl_arena_printf(a, "%s%s/%s/%s_Config_%s_ChangeNotification_%s_%s_%s_%d.json.gz", dir,
                           type, id, acct, region, type, id, pl_time_basic(ms, ts), n);
}

char *pl_delivery__key_writability(struct pl_arena *a, const char *prefix, const char *acct)
{
    return pl_arena_printf(a, "%sAWSLogs/%s/Config/ConfigWritabilityCheckFile",
                           slash_prefix(a, prefix), acct);
}

/* S3 bucket naming rules: 3-63 characters of [a-z0-9.-], starting and ending with a letter or
 * digit, no "..", not an IP address. */
int pl_delivery__check_bucket_name(const char *b, struct pl_err *err)
{
    size_t n = b ? strlen(b) : 0;
    if (n == 0)
        return pl_fail(err, PL_E_NO_SUCH_BUCKET,
                       "Cannot find a S3 bucket with an empty bucket name.");
    int ok = n >= 3 && n <= 63, digits_dots = 1;
    for (size_t i = 0; ok && i < n; i++) {
        char c = b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            ok = 0;
        if (!((c >= '0' && c <= '9') || c == '.'))
            digits_dots = 0;
    }
    if (ok && (b[0] == '.' || b[0] == '-' || b[n - 1] == '.' || b[n - 1] == '-'))
        ok = 0;
    if (ok && (strstr(b, "..") || digits_dots))
        ok = 0;
    if (!ok)
        return pl_fail(err, PL_E_NO_SUCH_BUCKET, "Cannot find a S3 bucket with name '%.200s'.", b);
    return 0;
}

/* A present prefix must be a non-empty string of at most 1024 printable characters, not start
 * with '/', and not contain "AWSLogs" (AWS appends that itself). */
int pl_delivery__check_prefix(const struct pl_json *p, struct pl_err *err)
{
    if (!p || p->type == PL_JNULL)
        return 0;
    const char *s = pl_json_str(p);
    int ok = s && p->len > 0 && p->len <= 1024 && s[0] != '/' && !strstr(s, "AWSLogs");
    for (size_t i = 0; ok && i < p->len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            ok = 0;
    if (!ok)
        return pl_fail(err, PL_E_INVALID_S3_KEY_PREFIX, "The s3 key prefix '%.200s' is not valid.",
                       s ? s : "");
    return 0;
}

/* arn:<partition>:<service>:<region>:<12 digits>:<resource> with a resource of allowed chars.
 * Returns the resource part, or NULL. */
static const char *arn_resource(const char *s, const char *service)
{
    if (!s || !pl_starts_with(s, "arn:"))
        return NULL;
    const char *p = s + 4, *colon = strchr(p, ':'); /* partition */
    if (!colon || colon == p)
        return NULL;
    p = colon + 1;
    size_t sl = strlen(service);
    if (strncmp(p, service, sl) != 0 || p[sl] != ':')
        return NULL;
    p += sl + 1;
    colon = strchr(p, ':'); /* region */
    if (!colon || colon == p)
        return NULL;
    p = colon + 1;
    for (int i = 0; i < 12; i++)
        if (p[i] < '0' || p[i] > '9')
            return NULL;
    if (p[12] != ':' || !p[13])
        return NULL;
    return p + 13;
}

int pl_delivery__check_topic_arn(const struct pl_json *j, struct pl_err *err)
{
    if (!j || j->type == PL_JNULL)
        return 0;
    const char *s = pl_json_str(j), *name = arn_resource(s, "sns");
    size_t n = name ? strlen(name) : 0;
    int ok = n >= 1 && n <= 256;
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || (c == '.' && strcmp(name + i, ".fifo") == 0)))
            ok = 0;
    }
    if (!ok)
        return pl_fail(err, PL_E_INVALID_SNSTOPIC_ARN, "The sns topic arn '%.200s' is not valid.",
                       s ? s : "");
    return 0;
}

bool pl_delivery__topic_of(const char *topic_arn, const char *account)
{
    const char *f;
    size_t n = pl_arn_account(topic_arn, &f);
    return n == strlen(account) && strncmp(f, account, n) == 0;
}

int pl_delivery__check_kms_arn(const struct pl_json *j, struct pl_err *err)
{
    if (!j || j->type == PL_JNULL)
        return 0;
    const char *s = pl_json_str(j), *res = arn_resource(s, "kms");
    if (!res || !(pl_starts_with(res, "key/") || pl_starts_with(res, "alias/")) || !res[4])
        return pl_fail(err, PL_E_INVALID_S3_KMS_KEY_ARN,
                       "The arn '%.200s' is not a valid kms key or alias arn.", s ? s : "");
    return 0;
}

int64_t pl_delivery__frequency_ms(const char *f, struct pl_err *err)
{
    static const struct {
        const char *name;
        int hours;
    } tab[] = {{"One_Hour", 1},      {"Three_Hours", 3},       {"Six_Hours", 6},
               {"Twelve_Hours", 12}, {"TwentyFour_Hours", 24}};
    if (!f)
        return 24 * 3600 * 1000LL;
    for (size_t i = 0; i < PL_ARRAY_LEN(tab); i++)
        if (strcmp(f, tab[i].name) == 0)
            return tab[i].hours * 3600 * 1000LL;
    /* api/ refuses other values with the model's enum wording; this is for other callers */
    return pl_fail(err, PL_E_VALIDATION, "unknown delivery frequency '%.64s'", f);
}
