/* client_aws.c — calls of the AWS JSON 1.1 protocol over client.c (the CLI's --endpoint
 * commands): a SigV4-signed POST with X-Amz-Target, a JSON object back on 200, and the one
 * reader of AWS error replies ({"__type": ..., "message": ...}) turning them into struct pl_err.
 */
#include <string.h>

#include "core/arena.h"
#include "core/client.h"
#include "core/json.h"

/* "com.amazonaws.config#NoSuchConfigRuleException:http://..." → "NoSuchConfigRuleException",
 * in a. NULL stays NULL. */
static const char *bare_type(struct pl_arena *a, const char *t)
{
    if (!t)
        return NULL;
    const char *hash = strchr(t, '#');
    t = hash ? hash + 1 : t;
    return pl_arena_strndup(a, t, strcspn(t, ":"));
}

int pl_client_aws_error(struct pl_arena *a, const char *body, size_t len, struct pl_err *err)
{
    struct pl_json *j = len ? pl_json_parse(a, body, len, NULL) : NULL;
    const char *type = bare_type(a, pl_json_get_str(j, "__type"));
    const char *msg = pl_json_get_str(j, "message");
    msg = msg ? msg : pl_json_get_str(j, "Message");
    enum pl_errcode code = type ? pl_err_from_name(type) : PL_E_NONE;
    return pl_fail(err, code != PL_E_NONE ? code : PL_E_UNAVAILABLE, "%s: %.*s",
                   type ? type : "HTTP error", msg ? (int)strlen(msg) : (int)len,
                   msg    ? msg
                   : body ? body
                          : "");
}

int pl_client_aws_json(const struct pl_client_aws *c, const char *body, size_t len,
                       struct pl_arena *a, struct pl_json **out, long *status, struct pl_err *err)
{
    const char *hdrs[] = {"Content-Type: application/x-amz-json-1.1",
                          pl_arena_printf(a, "X-Amz-Target: %s", c->target), NULL};
    struct pl_client_req rq = {
        .method = "POST",
        .url = c->endpoint,
        .headers = hdrs,
        .body = body,
        .body_len = len,
        .max_body = c->max_body,
        .timeout_ms = c->timeout_ms,
        .user_agent = "plumb-cli/1",
        .sigv4 = &c->sigv4,
    };
    struct pl_client_resp resp;
    int rc = -1;
    if (pl_client_do(&rq, &resp, err) != 0)
        goto out;
    if (resp.status != 200) {
        pl_client_aws_error(a, resp.body.data, resp.body.len, err);
        goto out;
    }
    struct pl_json *j =
        resp.body.len ? pl_json_parse(a, resp.body.data, resp.body.len, NULL) : pl_json_new_obj(a);
    if (!j || j->type != PL_JOBJ) {
        pl_fail(err, PL_E_UNAVAILABLE, "%.200s answered something that is not JSON", c->endpoint);
        goto out;
    }
    *out = j;
    rc = 0;
out:
    if (status)
        *status = resp.status;
    pl_client_resp_fini(&resp);
    return rc;
}
