/* cloudtrail_s3.c — CloudTrail log objects straight from S3 (sources/cloudtrail.h):
 * ListObjectsV2 under a prefix (path-style URLs, SigV4 service "s3", through core/client.h),
 * each log object fetched into a temporary file and imported as a file is
 * (pl_trail_import_one, remembered by key and size when a watcher source is set).
 *
 * The listing's XML is read with a small scanner (Contents/Key, Contents/Size, IsTruncated,
 * NextContinuationToken, entities decoded): S3's answer is machine-written and flat. An object
 * is at most MAX_OBJECT bytes (CloudTrail writes files of a few MB at most).
 *
 * Calls: cloudtrail_s3.c -> cloudtrail.c (pl_trail_import_one, pl_trail_log_name).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/client.h"
#include "core/sigv4.h"
#include "core/util.h"
#include "recorder/sources/cloudtrail.h"

#define MAX_LISTING (16u << 20)
#define MAX_OBJECT  (256u << 20)

/* The text of the first <tag>...</tag> at or after p and before end, entities decoded, into
 * out (a fresh arena string); the position after it, or NULL when absent. */
static const char *xml_text(struct pl_arena *a, const char *p, const char *end, const char *tag,
                            char **out)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    const char *s = strstr(p, open);
    if (!s || s >= end)
        return NULL;
    s += strlen(open);
    const char *e = strstr(s, close);
    if (!e || e > end)
        return NULL;
    char *o = pl_arena_alloc(a, (size_t)(e - s) + 1);
    size_t n = 0;
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (const char *q = s; q < e;) {
        size_t k = 0;
        for (; k < PL_ARRAY_LEN(ents); k++)
            if (strncmp(q, ents[k].ent, strlen(ents[k].ent)) == 0)
                break;
        if (k < PL_ARRAY_LEN(ents)) {
            o[n++] = ents[k].c;
            q += strlen(ents[k].ent);
        } else {
            o[n++] = *q++;
        }
    }
    o[n] = '\0';
    *out = o;
    return e + strlen(close);
}

struct s3 {
    const struct pl_trail_s3_conf *sc;
    struct pl_client_sigv4 sig;
    char endpoint[512];
};

/* GET url, signed; the body in resp. -1 unless 2xx. */
static int s3_get(struct s3 *c, const char *url, size_t max, struct pl_client_resp *resp,
                  struct pl_err *err)
{
    struct pl_client_req rq = {
        .method = "GET", .url = url, .max_body = max, .timeout_ms = 120000, .sigv4 = &c->sig};
    if (pl_client_do(&rq, resp, err) != 0)
        return -1;
    if (resp->status >= 200 && resp->status < 300)
        return 0;
    return pl_fail(err, PL_E_UNAVAILABLE, "S3 GET %.200s answered %ld %.200s", url, resp->status,
                   pl_buf_cstr(&resp->body));
}

/* Fetches bucket/key into a temporary file and imports it. */
static int fetch_one(struct s3 *c, struct pl_store *s, const char *bucket, const char *key,
                     int64_t size, const struct pl_trail_opts *o, struct pl_trail_counts *cnt,
                     pl_trail_report_fn report, void *rctx, struct pl_err *err)
{
    char name[1200];
    snprintf(name, sizeof name, "s3://%s/%s", bucket, key);
    struct pl_buf url;
    pl_buf_init(&url, 8192);
    pl_buf_printf(&url, "%s/", c->endpoint);
    pl_sigv4_uri_encode(&url, bucket, strlen(bucket), 0);
    pl_buf_putc(&url, '/');
    pl_sigv4_uri_encode(&url, key, strlen(key), 1);
    struct pl_client_resp resp = {0};
    struct pl_err e = {0};
    int rc = 0;
    if (s3_get(c, pl_buf_cstr(&url), MAX_OBJECT, &resp, &e) < 0) {
        if (report)
            report(rctx, name, e.msg);
        cnt->bad_files++;
        goto out;
    }
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/plumb-trail-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        rc = pl_fail(err, PL_E_IO, "cloudtrail: temporary file: %s", strerror(errno));
        goto out;
    }
    size_t off = 0;
    while (off < resp.body.len) {
        ssize_t w = write(fd, resp.body.data + off, resp.body.len - off);
        if (w <= 0) {
            close(fd);
            unlink(path);
            rc = pl_fail(err, PL_E_IO, "cloudtrail: temporary file: %s", strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    close(fd);
    rc = pl_trail_import_one(s, path, name, key, size, o, cnt, report, rctx, err);
    unlink(path);
out:
    pl_client_resp_fini(&resp);
    pl_buf_fini(&url);
    return rc;
}

int pl_trail_import_s3(struct pl_store *s, const char *url, const struct pl_trail_s3_conf *sc,
                       const struct pl_trail_opts *o, struct pl_trail_counts *cnt,
                       pl_trail_report_fn report, void *rctx, struct pl_err *err)
{
    if (!pl_starts_with(url, "s3://") || !url[5] || url[5] == '/')
        return pl_fail(err, PL_E_VALIDATION, "cloudtrail: '%s' is not s3://bucket/prefix", url);
    if (!sc->access_key || !sc->secret_key)
        return pl_fail(err, PL_E_VALIDATION,
                       "cloudtrail: S3 needs credentials (AWS_ACCESS_KEY_ID/"
                       "AWS_SECRET_ACCESS_KEY)");
    struct s3 c = {.sc = sc};
    const char *region = sc->region ? sc->region : "us-east-1";
    c.sig = (struct pl_client_sigv4){
        "s3", region, sc->access_key, sc->secret_key, sc->session_token, 0};
    if (sc->endpoint)
        pl_strlcpy(c.endpoint, sc->endpoint, sizeof c.endpoint);
    else
        snprintf(c.endpoint, sizeof c.endpoint, "https://s3.%s.amazonaws.com", region);
    size_t el = strlen(c.endpoint);
    while (el && c.endpoint[el - 1] == '/')
        c.endpoint[--el] = '\0';
    const char *b = url + 5, *slash = strchr(b, '/');
    char bucket[256];
    size_t bl = slash ? (size_t)(slash - b) : strlen(b);
    if (bl >= sizeof bucket)
        return pl_fail(err, PL_E_VALIDATION, "cloudtrail: bucket name too long");
    memcpy(bucket, b, bl);
    bucket[bl] = '\0';
    const char *prefix = slash ? slash + 1 : "";
    struct pl_arena a;
    pl_arena_init(&a);
    char *token = NULL;
    int rc = 0;
    for (int pages = 0; pages < 100000 && rc == 0; pages++) {
        struct pl_buf q;
        pl_buf_init(&q, 16384);
        /* query parameters in byte order, as SigV4's canonical query has them */
        pl_buf_printf(&q, "%s/", c.endpoint);
        pl_sigv4_uri_encode(&q, bucket, strlen(bucket), 0);
        pl_buf_puts(&q, "?");
        if (token) {
            pl_buf_puts(&q, "continuation-token=");
            pl_sigv4_uri_encode(&q, token, strlen(token), 0);
            pl_buf_puts(&q, "&");
        }
        pl_buf_puts(&q, "list-type=2&prefix=");
        pl_sigv4_uri_encode(&q, prefix, strlen(prefix), 0);
        struct pl_client_resp resp = {0};
        if (s3_get(&c, pl_buf_cstr(&q), MAX_LISTING, &resp, err) < 0) {
            pl_client_resp_fini(&resp);
            pl_buf_fini(&q);
            rc = -1;
            break;
        }
        pl_buf_fini(&q);
        const char *body = pl_buf_cstr(&resp.body), *end = body + resp.body.len, *p = body;
        for (;;) {
            const char *cs = strstr(p, "<Contents>"), *ce = cs ? strstr(cs, "</Contents>") : NULL;
            if (!cs || !ce)
                break;
            char *key = NULL, *size = NULL;
            xml_text(&a, cs, ce, "Key", &key);
            xml_text(&a, cs, ce, "Size", &size);
            p = ce + 11;
            long long sz = -1;
            if (!key || !size || pl_parse_i64(size, &sz) < 0)
                continue;
            const char *base = strrchr(key, '/');
            if (!pl_trail_log_name(base ? base + 1 : key)) {
                cnt->ignored++;
                continue;
            }
            if (o->source) {
                int64_t seen;
                int r = pl_store_trail_file_get(s, o->source, key, &seen, err);
                if (r < 0) {
                    rc = -1;
                    break;
                }
                if (r == 1 && seen == sz)
                    continue;
            }
            if (fetch_one(&c, s, bucket, key, sz, o, cnt, report, rctx, err) < 0) {
                rc = -1;
                break;
            }
        }
        char *trunc = NULL, *next = NULL;
        xml_text(&a, body, end, "IsTruncated", &trunc);
        xml_text(&a, body, end, "NextContinuationToken", &next);
        pl_client_resp_fini(&resp);
        if (!trunc || strcmp(trunc, "true") != 0 || !next)
            break;
        token = next;
    }
    pl_arena_fini(&a);
    return rc;
}
