/* send.c — notification senders and the webhook registry.
 *
 * SNS: the Publish action of the SNS Query API (form-encoded POST to --sns-endpoint, SigV4
 * service "sns", region taken from the topic ARN); SNS wraps the message in its own envelope.
 * Webhooks: a POST of the SNS envelope JSON (built by msg.c) with
 *   Content-Type: application/json
 *   x-amz-sns-message-type: Notification, x-amz-sns-topic-arn: <topic>  (as SNS sends them)
 *   X-Plumb-Signature: sha256=<hex HMAC-SHA256(secret, body)>  (when the mapping has a secret)
 * Any 2xx is a delivery; anything else (or no answer) is a failure retried by the worker.
 */
#include <stdlib.h>
#include <string.h>

#include "core/client.h"
#include "core/hash.h"
#include "core/sigv4.h"
#include "core/util.h"
#include "delivery/delivery_int.h"
#include "store/store.h"

#define WEBHOOK_NAME_MAX 2048

void pl_delivery__webhook_signature(const char *secret, const char *body, size_t n, char out[72])
{
    unsigned char mac[32];
    pl_hmac_sha256(secret, strlen(secret), body, n, mac);
    memcpy(out, "sha256=", 7);
    pl_hex(mac, 32, out + 7);
}

int pl_delivery__webhook_post(const struct pl_webhook *w, const char *body, size_t n,
                              long timeout_ms, struct pl_err *err)
{
    char sig[100], topic[1100];
    const char *hdrs[5] = {"Content-Type: application/json",
                           "x-amz-sns-message-type: Notification", topic, NULL, NULL};
    snprintf(topic, sizeof topic, "x-amz-sns-topic-arn: %s", w->topic_arn);
    if (w->secret && *w->secret) {
        char hex[72];
        pl_delivery__webhook_signature(w->secret, body, n, hex);
        snprintf(sig, sizeof sig, "X-Plumb-Signature: %s", hex);
        hdrs[3] = sig;
    }
    struct pl_client_req rq = {.method = "POST", .url = w->url, .headers = hdrs, .body = body,
                               .body_len = n, .timeout_ms = timeout_ms,
                               .user_agent = PL_DELIVERY_AGENT};
    struct pl_client_resp resp;
    int rc = pl_client_do(&rq, &resp, err);
    if (rc == 0 && (resp.status < 200 || resp.status >= 300))
        rc = pl_fail(err, PL_E_UNAVAILABLE, "HTTP%ld: webhook %.200s answered %ld", resp.status,
                     w->url, resp.status);
    pl_client_resp_fini(&resp);
    return rc;
}

/* "arn:aws:sns:REGION:ACCOUNT:name" → region and account (bounded copies); -1 if malformed. */
static int topic_partition(const char *arn, char acct[13], char region[32])
{
    const char *p[6];
    int k = 0;
    p[k++] = arn;
    for (const char *c = arn; *c && k < 6; c++)
        if (*c == ':')
            p[k++] = c + 1;
    if (k < 6 || !pl_starts_with(arn, "arn:") || p[4] - p[3] - 1 >= 32 || p[5] - p[4] - 1 != 12)
        return -1;
    memcpy(region, p[3], (size_t)(p[4] - p[3] - 1));
    region[p[4] - p[3] - 1] = 0;
    memcpy(acct, p[4], 12);
    acct[12] = 0;
    return 0;
}

int pl_delivery__sns_publish(const struct pl_sns_conf *c, const char *topic_arn,
                             const char *subject, const char *message, struct pl_err *err)
{
    char acct[13], region[32];
    struct pl_buf body;
    struct pl_client_resp resp = {0};
    int rc = -1;
    pl_buf_init(&body, PL_BUF_NOLIMIT);
    if (topic_partition(topic_arn, acct, region) != 0) {
        pl_fail(err, PL_E_INVALID_SNSTOPIC_ARN, "InvalidParameter: bad topic ARN '%.200s'",
                topic_arn);
        goto out;
    }
    pl_buf_puts(&body, "Action=Publish&Message=");
    pl_sigv4_uri_encode(&body, message, strlen(message), 0);
    if (subject) {
        pl_buf_puts(&body, "&Subject=");
        pl_sigv4_uri_encode(&body, subject, strlen(subject), 0);
    }
    pl_buf_puts(&body, "&TopicArn=");
    pl_sigv4_uri_encode(&body, topic_arn, strlen(topic_arn), 0);
    pl_buf_puts(&body, "&Version=2010-03-31");
    const char *hdrs[] = {"Content-Type: application/x-www-form-urlencoded; charset=utf-8", NULL};
    struct pl_client_sigv4 sig = {"sns", region, c->access_key, c->secret_key, c->session_token, 0};
    struct pl_client_req rq = {
        .method = "POST", .url = c->endpoint, .headers = hdrs, .body = body.data,
        .body_len = body.len, .timeout_ms = 30000, .user_agent = PL_DELIVERY_AGENT,
        .sigv4 = &sig,
    };
    if (pl_client_do(&rq, &resp, err) != 0)
        goto out;
    if (resp.status != 200) {
        const char *p = strstr(pl_buf_cstr(&resp.body), "<Code>");
        const char *e = p ? strstr(p, "</Code>") : NULL;
        int n = p && e ? (int)(e - p - 6) : 0;
        pl_fail(err, PL_E_UNAVAILABLE, "%.*s%sSNS Publish to %.200s answered %ld", n,
                p ? p + 6 : "", n ? ": " : "", topic_arn, resp.status);
        goto out;
    }
    rc = 0;
out:
    pl_client_resp_fini(&resp);
    pl_buf_fini(&body);
    return rc;
}

/* ---- registry ---- */

static int hook_name(char *out, size_t n, const char *topic, const char *url)
{
    int w = snprintf(out, n, "%s %s", topic, url);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int pl_delivery_webhook_add(struct pl_store *s, const char *topic, const char *url,
                            const char *secret, struct pl_err *err)
{
    char acct[13], region[32], name[WEBHOOK_NAME_MAX];
    struct pl_arena a;
    struct pl_json topic_j = {.type = PL_JSTR, .str = topic, .len = strlen(topic)};
    if (pl_delivery__check_topic_arn(&topic_j, err) != 0 ||
        topic_partition(topic, acct, region) != 0)
        return -1;
    if (!(pl_starts_with(url, "http://") || pl_starts_with(url, "https://")) || strchr(url, ' '))
        return pl_fail(err, PL_E_VALIDATION, "webhook URL must be http:// or https://: '%.200s'",
                       url);
    if (hook_name(name, sizeof name, topic, url) != 0)
        return pl_fail(err, PL_E_VALIDATION, "webhook URL too long");
    pl_arena_init(&a);
    struct pl_json *o = pl_json_new_obj(&a);
    pl_json_set_str(&a, o, "topicArn", topic);
    pl_json_set_str(&a, o, "url", url);
    if (secret)
        pl_json_set_str(&a, o, "secret", secret);
    const char *text = pl_json_dump(&a, o, PL_JSON_COMPACT);
    int rc = pl_store_obj_put(s, acct, region, PL_KIND_WEBHOOK, name, text, strlen(text), err);
    pl_arena_fini(&a);
    return rc;
}

int pl_delivery_webhook_list(struct pl_store *s, const char *topic, struct pl_arena *a,
                             struct pl_webhook **v, size_t *n, struct pl_err *err)
{
    char acct[13], region[32];
    struct pl_obj *objs;
    size_t nobj;
    *v = NULL;
    *n = 0;
    if (topic && topic_partition(topic, acct, region) != 0)
        return 0;
    if (pl_store_obj_list(s, topic ? acct : NULL, topic ? region : NULL, PL_KIND_WEBHOOK, NULL, 0,
                          a, &objs, &nobj, err) != 0)
        return -1;
    *v = pl_arena_alloc(a, (nobj ? nobj : 1) * sizeof **v);
    for (size_t i = 0; i < nobj; i++) {
        struct pl_err e = {0};
        struct pl_json *j = pl_json_parse(a, objs[i].json, objs[i].len, &e);
        const char *t = pl_json_get_str(j, "topicArn"), *u = pl_json_get_str(j, "url");
        if (!t || !u || (topic && strcmp(t, topic) != 0))
            continue;
        (*v)[(*n)++] = (struct pl_webhook){t, u, pl_json_get_str(j, "secret")};
    }
    return 0;
}

int pl_delivery_webhook_remove(struct pl_store *s, const char *topic, const char *url, int *removed,
                               struct pl_err *err)
{
    char acct[13], region[32], name[WEBHOOK_NAME_MAX];
    struct pl_arena a;
    struct pl_webhook *v;
    size_t n;
    int rc = -1;
    *removed = 0;
    if (topic_partition(topic, acct, region) != 0)
        return 0;
    pl_arena_init(&a);
    if (pl_delivery_webhook_list(s, topic, &a, &v, &n, err) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (url && strcmp(url, v[i].url) != 0)
            continue;
        if (hook_name(name, sizeof name, topic, v[i].url) != 0)
            continue;
        int r = pl_store_obj_delete(s, acct, region, PL_KIND_WEBHOOK, name, err);
        if (r < 0)
            goto out;
        *removed += r;
    }
    rc = 0;
out:
    pl_arena_fini(&a);
    return rc;
}
