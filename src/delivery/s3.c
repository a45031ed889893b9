/* s3.c — the S3-compatible delivery target (AWS S3, MinIO, moto, Ceph RGW, ...).
 *
 * Path-style URLs (ENDPOINT/bucket/key), SigV4 service "s3" through core/sigv4.h. A file is
 * streamed to disk first (gzjson.c), then uploaded: one PutObject when it is at most
 * PART_SIZE, otherwise a multipart upload of PART_SIZE parts read one at a time, so memory
 * stays bounded by one part whatever the snapshot size. A failed multipart upload is aborted.
 * Objects get Content-Type: application/json and Content-Encoding: gzip.
 * Errors carry S3's code first ("NoSuchBucket: ...") so the delivery status can show it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/client.h"
#include "core/sigv4.h"
#include "core/util.h"
#include "delivery/delivery_int.h"

#define PART_SIZE (8u << 20)

struct s3_target {
    struct pl_dtarget base;
    char *endpoint, *region, *ak, *sk, *token;
    struct pl_client_sigv4 sigv4; /* service "s3", pointing at the strings above */
};

/* Appends s percent-encoded once (keep_slash: '/' stays, for keys). */
static int encode(struct pl_buf *b, const char *s, int keep_slash)
{
    return pl_sigv4_uri_encode(b, s, strlen(s), keep_slash);
}

/* <Code>X</Code> of an S3 error document into out ("" when none). */
static void xml_code(const char *xml, char *out, size_t n)
{
    out[0] = 0;
    const char *p = xml ? strstr(xml, "<Code>") : NULL;
    const char *e = p ? strstr(p, "</Code>") : NULL;
    if (p && e && (size_t)(e - p - 6) < n) {
        memcpy(out, p + 6, (size_t)(e - p - 6));
        out[e - p - 6] = 0;
    }
}

/* URL for bucket[/key][?query], with the key encoded once. In b. */
static int object_url(struct s3_target *t, struct pl_buf *b, const char *bucket, const char *key,
                      const char *query)
{
    pl_buf_reset(b);
    const char *ep = t->endpoint;
    size_t n = strlen(ep);
    while (n && ep[n - 1] == '/')
        n--;
    if (pl_buf_append(b, ep, n) != 0 || pl_buf_putc(b, '/') != 0 ||
        encode(b, bucket, 0) != 0)
        return -1;
    if (key && (pl_buf_putc(b, '/') != 0 || encode(b, key, 1) != 0))
        return -1;
    if (query && pl_buf_printf(b, "?%s", query) != 0)
        return -1;
    return 0;
}

/* One signed request; fails unless the status is 2xx (with S3's error code in err). */
static int s3_call(struct s3_target *t, const char *method, const char *url,
                   const char *const *hdrs, const char *body, size_t len,
                   struct pl_client_resp *resp, struct pl_err *err)
{
    struct pl_client_req rq = {
        .method = method, .url = url, .headers = hdrs, .body = body, .body_len = len,
        .timeout_ms = 120000, .user_agent = PL_DELIVERY_AGENT, .sigv4 = &t->sigv4,
    };
    if (pl_client_do(&rq, resp, err) != 0)
        return -1;
    char code[64];
    xml_code(resp->body.data, code, sizeof code);
    if (resp->status >= 200 && resp->status < 300 && !code[0])
        return 0;
    if (!code[0])
        snprintf(code, sizeof code, "HTTP%ld", resp->status);
    return pl_fail(err, strcmp(code, "NoSuchBucket") == 0 ? PL_E_NO_SUCH_BUCKET : PL_E_UNAVAILABLE,
                   "%s: S3 %s %.120s answered %ld %.80s", code, method, url, resp->status,
                   pl_buf_cstr(&resp->body));
}

static int s3_bucket_check(struct pl_dtarget *bt, const char *bucket, struct pl_err *err)
{
    struct s3_target *t = (struct s3_target *)bt;
    struct pl_buf url;
    struct pl_client_resp resp = {0};
    struct pl_err e = {0};
    int rc = -1;
    pl_buf_init(&url, 4096);
    if (pl_delivery__check_bucket_name(bucket, err) != 0 ||
        object_url(t, &url, bucket, NULL, NULL) != 0)
        goto out;
    struct pl_client_req rq = {
        .method = "HEAD", .url = url.data, .timeout_ms = 15000,
        .user_agent = PL_DELIVERY_AGENT, .sigv4 = &t->sigv4,
    };
    if (pl_client_do(&rq, &resp, &e) != 0) {
        pl_fail(err, PL_E_NO_SUCH_BUCKET, "Cannot reach the S3 endpoint for bucket '%s': %s",
                bucket, e.msg);
    } else if (resp.status == 403) {
        pl_fail(err, PL_E_INSUFFICIENT_DELIVERY_POLICY,
                "Insufficient delivery policy to s3 bucket: %s, unable to write to bucket",
                bucket);
    } else if (resp.status < 200 || resp.status >= 300) {
        pl_fail(err, PL_E_NO_SUCH_BUCKET, "Cannot find a S3 bucket with name '%.200s'.", bucket);
    } else {
        rc = 0;
    }
out:
    pl_client_resp_fini(&resp);
    pl_buf_fini(&url);
    return rc;
}

/* Reads up to n bytes of f into p; returns the count (short only at EOF) or -1. */
static ssize_t read_full(FILE *f, char *p, size_t n)
{
    size_t got = fread(p, 1, n, f);
    return ferror(f) ? -1 : (ssize_t)got;
}

static int put_single(struct s3_target *t, const char *url, const char *const *hdrs, FILE *f,
                      size_t size, struct pl_err *err)
{
    char *body = pl_xmalloc(size ? size : 1);
    struct pl_client_resp resp = {0};
    int rc = -1;
    if (read_full(f, body, size) != (ssize_t)size) {
        pl_fail(err, PL_E_IO, "read of staged file failed");
        goto out;
    }
    rc = s3_call(t, "PUT", url, hdrs, body, size, &resp, err);
out:
    pl_client_resp_fini(&resp);
    free(body);
    return rc;
}

/* Multipart upload of f under (bucket, key); aborts the upload on failure. */
static int put_multipart(struct s3_target *t, const char *bucket, const char *key,
                         const char *const *hdrs, FILE *f, struct pl_err *err)
{
    struct pl_buf url, done, q;
    struct pl_client_resp resp = {0};
    char upload_id[512] = "", *part = pl_xmalloc(PART_SIZE);
    int rc = -1;
    pl_buf_init(&url, 8192);
    pl_buf_init(&done, PL_BUF_NOLIMIT);
    pl_buf_init(&q, 2048);
    if (object_url(t, &url, bucket, key, "uploads=") != 0 ||
        s3_call(t, "POST", url.data, hdrs, "", 0, &resp, err) != 0)
        goto out;
    const char *p = strstr(pl_buf_cstr(&resp.body), "<UploadId>");
    const char *e = p ? strstr(p, "</UploadId>") : NULL;
    if (!p || !e || (size_t)(e - p - 10) >= sizeof upload_id) {
        pl_fail(err, PL_E_UNAVAILABLE, "InvalidResponse: no UploadId from CreateMultipartUpload");
        goto out;
    }
    memcpy(upload_id, p + 10, (size_t)(e - p - 10));
    pl_buf_puts(&done, "<CompleteMultipartUpload>");
    for (int num = 1;; num++) {
        ssize_t got = read_full(f, part, PART_SIZE);
        if (got < 0) {
            pl_fail(err, PL_E_IO, "read of staged file failed");
            goto abort;
        }
        if (got == 0 && num > 1)
            break;
        pl_buf_reset(&q);
        pl_buf_printf(&q, "partNumber=%d&uploadId=", num);
        encode(&q, upload_id, 0);
        pl_client_resp_fini(&resp);
        if (object_url(t, &url, bucket, key, q.data) != 0 ||
            s3_call(t, "PUT", url.data, NULL, part, (size_t)got, &resp, err) != 0)
            goto abort;
        char etag[130];
        pl_client_header(&resp, "ETag", etag, sizeof etag);
        pl_buf_printf(&done, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", num,
                      etag);
        if ((size_t)got < PART_SIZE)
            break;
    }
    pl_buf_puts(&done, "</CompleteMultipartUpload>");
    static const char *const xml_hdrs[] = {"Content-Type: application/xml", NULL};
    pl_buf_reset(&q);
    pl_buf_puts(&q, "uploadId=");
    encode(&q, upload_id, 0);
    pl_client_resp_fini(&resp);
    if (object_url(t, &url, bucket, key, q.data) != 0 ||
        s3_call(t, "POST", url.data, xml_hdrs, done.data, done.len, &resp, err) != 0)
        goto abort;
    rc = 0;
    goto out;
abort:
    pl_buf_reset(&q);
    pl_buf_puts(&q, "uploadId=");
    encode(&q, upload_id, 0);
    if (object_url(t, &url, bucket, key, q.data) == 0) {
        struct pl_err ignored = {0};
        pl_client_resp_fini(&resp);
        s3_call(t, "DELETE", url.data, NULL, NULL, 0, &resp, &ignored);
    }
out:
    pl_client_resp_fini(&resp);
    pl_buf_fini(&url);
    pl_buf_fini(&done);
    pl_buf_fini(&q);
    free(part);
    return rc;
}

static int s3_put_file(struct pl_dtarget *bt, const char *bucket, const char *key,
                       const char *path, const char *ctype, const char *cenc,
                       struct pl_err *err)
{
    struct s3_target *t = (struct s3_target *)bt;
    struct pl_buf url;
    char h1[128], h2[128];
    const char *hdrs[3] = {NULL, NULL, NULL};
    int rc = -1, nh = 0;
    FILE *f = fopen(path, "rb");
    struct stat st;
    pl_buf_init(&url, 8192);
    if (!f || fstat(fileno(f), &st) != 0) {
        pl_fail(err, PL_E_IO, "open %s: %s", path, strerror(errno));
        goto out;
    }
    if (ctype) {
        snprintf(h1, sizeof h1, "Content-Type: %s", ctype);
        hdrs[nh++] = h1;
    }
    if (cenc) {
        snprintf(h2, sizeof h2, "Content-Encoding: %s", cenc);
        hdrs[nh++] = h2;
    }
    if ((size_t)st.st_size <= PART_SIZE)
        rc = object_url(t, &url, bucket, key, NULL) == 0
                 ? put_single(t, url.data, hdrs, f, (size_t)st.st_size, err)
                 : -1;
    else
        rc = put_multipart(t, bucket, key, hdrs, f, err);
out:
    if (f)
        fclose(f);
    unlink(path);
    pl_buf_fini(&url);
    return rc;
}

static void s3_free(struct pl_dtarget *bt)
{
    struct s3_target *t = (struct s3_target *)bt;
    free(t->endpoint);
    free(t->region);
    free(t->ak);
    free(t->sk);
    free(t->token);
    free(t->base.staging);
    free(t);
}

/* GET bucket/key (at most max bytes): 1 read, 0 no such bucket or key, -1 error. Which buckets
 * an account may read is the caller's check (api/ops_packs.c: not another account's delivery
 * bucket); the object is read with plumb's S3 credentials. */
static int s3_read(struct pl_dtarget *bt, const char *bucket, const char *key, const char *account,
                   size_t max, char **text, size_t *len, struct pl_err *err)
{
    (void)account;
    struct s3_target *t = (struct s3_target *)bt;
    struct pl_buf url;
    struct pl_client_resp resp = {0};
    int rc = -1;
    pl_buf_init(&url, 4096);
    if (pl_delivery__check_bucket_name(bucket, err) != 0 || object_url(t, &url, bucket, key, NULL))
        goto out;
    struct pl_client_req rq = {
        .method = "GET",
        .url = url.data,
        .timeout_ms = 30000,
        .max_body = max + 1,
        .cut_body = 1,
        .user_agent = PL_DELIVERY_AGENT,
        .sigv4 = &t->sigv4,
    };
    if (pl_client_do(&rq, &resp, err) != 0)
        goto out;
    if (resp.status == 404) {
        rc = 0;
    } else if (resp.status == 403) {
        pl_fail(err, PL_E_ACCESS_DENIED, "Access denied to s3://%s/%s", bucket, key);
    } else if (resp.status < 200 || resp.status >= 300) {
        pl_fail(err, PL_E_UNAVAILABLE, "S3 GET s3://%s/%s answered %ld", bucket, key, resp.status);
    } else if (resp.cut || resp.body.len > max) {
        pl_fail(err, PL_E_VALIDATION, "s3://%s/%s is larger than %zu bytes", bucket, key, max);
    } else {
        *len = resp.body.len;
        *text = pl_xmalloc(*len + 1);
        memcpy(*text, resp.body.data ? resp.body.data : "", *len);
        (*text)[*len] = 0;
        rc = 1;
    }
out:
    pl_client_resp_fini(&resp);
    pl_buf_fini(&url);
    return rc;
}

static const struct pl_dtarget_ops s3_ops = {s3_bucket_check, s3_put_file, NULL, s3_free, s3_read};

static char *dup_or_null(const char *s)
{
    return s ? pl_xstrdup(s) : NULL;
}

struct pl_dtarget *pl_delivery__target_s3(const struct pl_s3_conf *c, struct pl_err *err)
{
    if (!c->endpoint || !pl_starts_with(c->endpoint, "http"))
        return pl_fail(err, PL_E_VALIDATION, "--s3-endpoint must be an http(s) URL"), NULL;
    if (!c->access_key || !c->secret_key)
        return pl_fail(err, PL_E_VALIDATION,
                       "S3 delivery needs credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"),
               NULL;
    struct s3_target *t = pl_xcalloc(1, sizeof *t);
    t->base.ops = &s3_ops;
    t->base.staging = pl_xstrdup(c->staging);
    t->endpoint = pl_xstrdup(c->endpoint);
    t->region = pl_xstrdup(c->region ? c->region : "us-east-1");
    t->ak = pl_xstrdup(c->access_key);
    t->sk = pl_xstrdup(c->secret_key);
    t->token = dup_or_null(c->session_token);
    t->sigv4 = (struct pl_client_sigv4){"s3", t->region, t->ak, t->sk, t->token, 0};
    return &t->base;
}
