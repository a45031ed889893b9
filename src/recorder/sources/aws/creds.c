/* creds.c — the parts of the AWS SDKs' credential chain that call out (issue 18): web identity
 * (STS AssumeRoleWithWebIdentity with a token file), a profile's role_arn (STS AssumeRole from
 * its source_profile or credential_source), container credentials (ECS/EKS: GET the full or
 * relative URI with its authorization token), and instance metadata (IMDSv2: a token PUT, then
 * the role's credentials GET), in the SDKs' order around env.c's static sources. Every request
 * goes through the one outbound client (core/client.h); STS calls go through call.c. Never logs
 * nor puts in an error message a secret, a token or a signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/sources/aws/aws.h"

#define ECS_HOST       "http://169.254.170.2"
#define IMDS_ENDPOINT  "http://169.254.169.254"
#define IMDS_TTL_S     "21600"
#define META_TIMEOUT   1000 /* ms: metadata endpoints answer at once or are not there */
#define MAX_TOKEN_FILE (64u << 10)

static void copy(char *out, size_t n, const char *s)
{
    snprintf(out, n, "%s", s ? s : "");
}

static bool env_set(const char *name)
{
    const char *v = getenv(name);
    return v && *v;
}

/* the key/secret/token/expiration members of a credentials object (STS or metadata shape) */
static int take(const struct pl_json *j, const char *token_key, const char *source,
                struct pl_aws_creds *out, struct pl_err *err)
{
    const char *ak = pl_json_get_str(j, "AccessKeyId"), *sk = pl_json_get_str(j, "SecretAccessKey");
    if (!ak || !*ak || !sk || !*sk)
        return pl_fail(err, PL_E_UNAVAILABLE, "%s: no AccessKeyId/SecretAccessKey in the answer",
                       source);
    memset(out, 0, sizeof *out);
    copy(out->access_key, sizeof out->access_key, ak);
    copy(out->secret_key, sizeof out->secret_key, sk);
    copy(out->session_token, sizeof out->session_token, pl_json_get_str(j, token_key));
    copy(out->expiration, sizeof out->expiration, pl_json_get_str(j, "Expiration"));
    out->source = source;
    return 0;
}

static void session_name(char *out, size_t n)
{
    const char *s = getenv("AWS_ROLE_SESSION_NAME");
    if (s && *s)
        copy(out, n, s);
    else
        snprintf(out, n, "plumb-discover-%lld", (long long)(pl_now_ms() / 1000));
}

/* "a=b&c=d" form values, percent-encoded */
static const char *form(struct pl_arena *a, const char *s)
{
    struct pl_buf b;
    pl_buf_init(&b, 1 << 20);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~')
            pl_buf_putc(&b, (char)*p);
        else
            pl_buf_printf(&b, "%%%02X", *p);
    }
    const char *r = pl_arena_strndup(a, b.data ? b.data : "", b.len);
    pl_buf_fini(&b);
    return r;
}

/* an STS action answering <Credentials> (AssumeRole, AssumeRoleWithWebIdentity) */
static int sts_creds(struct pl_aws_ctx *c, const char *action, const char *params,
                     const char *source, struct pl_aws_creds *out, struct pl_err *err)
{
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_json *x = pl_aws_query(c, &a, "sts", action, "2011-06-15", params, err);
    char result[64];
    snprintf(result, sizeof result, "%sResult", action);
    int rc = x ? take(pl_json_get(pl_json_get(x, result), "Credentials"), "SessionToken", source,
                      out, err)
               : -1;
    pl_arena_fini(&a);
    return rc;
}

int pl_aws_assume_role(struct pl_aws_ctx *c, const char *role_arn, const char *external_id,
                       struct pl_aws_creds *out, struct pl_err *err)
{
    struct pl_arena a;
    pl_arena_init(&a);
    char session[80];
    session_name(session, sizeof session);
    const char *params =
        pl_arena_printf(&a, "RoleArn=%s&RoleSessionName=%s%s%s", form(&a, role_arn),
                        form(&a, session), external_id && *external_id ? "&ExternalId=" : "",
                        external_id && *external_id ? form(&a, external_id) : "");
    struct pl_err e = {0};
    int rc = sts_creds(c, "AssumeRole", params, "assume-role", out, &e);
    if (rc < 0)
        pl_fail(err, e.code, "AssumeRole %s: %s", role_arn, e.msg);
    pl_arena_fini(&a);
    return rc;
}

/* STS AssumeRoleWithWebIdentity (unsigned) with the token read from token_file */
static int web_identity(const char *token_file, const char *role_arn, const char *region,
                        const char *profile, struct pl_aws_creds *out, struct pl_err *err)
{
    size_t len = 0;
    char *tok = pl_read_file(token_file, MAX_TOKEN_FILE, &len);
    if (!tok)
        return pl_fail(err, PL_E_VALIDATION, "web identity token file %s cannot be read",
                       token_file);
    tok[strcspn(tok, "\r\n")] = 0;
    struct pl_aws_creds none = {0};
    struct pl_aws_ctx *c = pl_xcalloc(1, sizeof *c);
    pl_aws_ctx_init(c, &none, region); /* no keys: the call is not signed, as AWS wants it */
    c->profile = profile;
    struct pl_arena a;
    pl_arena_init(&a);
    char session[80];
    session_name(session, sizeof session);
    const char *params = pl_arena_printf(&a, "RoleArn=%s&RoleSessionName=%s&WebIdentityToken=%s",
                                         form(&a, role_arn), form(&a, session), form(&a, tok));
    struct pl_err e = {0};
    int rc = sts_creds(c, "AssumeRoleWithWebIdentity", params, "web-identity", out, &e);
    if (rc < 0)
        pl_fail(err, e.code, "AssumeRoleWithWebIdentity %s: %s", role_arn, e.msg);
    pl_arena_fini(&a);
    memset(tok, 0, len);
    free(tok);
    free(c);
    return rc;
}

/* GET/PUT url without signing; 0 with the 200 answer's body in out (owned), -1 otherwise */
static int meta_call(const char *method, const char *url, const char *header,
                     struct pl_client_resp *out, struct pl_err *err)
{
    const char *hdrs[2] = {header, NULL};
    struct pl_client_req rq = {.method = method,
                               .url = url,
                               .headers = header ? hdrs : NULL,
                               .max_body = 64u << 10,
                               .connect_ms = META_TIMEOUT,
                               .timeout_ms = 2 * META_TIMEOUT,
                               .user_agent = "plumb-discover/1"};
    memset(out, 0, sizeof *out);
    if (pl_client_do(&rq, out, err) < 0)
        return -1;
    if (out->status != 200) {
        long st = out->status;
        pl_client_resp_fini(out);
        return pl_fail(err, PL_E_UNAVAILABLE, "%s %s: HTTP %ld", method, url, st);
    }
    return 0;
}

/* a metadata answer's JSON credentials (Token as the session token) */
static int meta_creds(const char *body, size_t len, const char *source, struct pl_aws_creds *out,
                      struct pl_err *err)
{
    struct pl_arena a;
    pl_arena_init(&a);
    struct pl_err e = {0};
    struct pl_json *j = pl_json_parse(&a, body ? body : "", len, &e);
    const char *code = pl_json_get_str(j, "Code");
    int rc = -1;
    if (!j)
        pl_fail(err, PL_E_UNAVAILABLE, "%s: the answer is not JSON", source);
    else if (code && strcmp(code, "Success") != 0)
        pl_fail(err, PL_E_UNAVAILABLE, "%s: Code %s", source, code);
    else
        rc = take(j, "Token", source, out, err);
    pl_arena_fini(&a);
    return rc;
}

/* Is the container URI one the SDKs accept: https, or http to a loopback or ECS/EKS host? */
static bool container_host_ok(const char *uri)
{
    if (strncmp(uri, "https://", 8) == 0)
        return true;
    static const char *const ok[] = {
        "http://127.",          "http://localhost:",     "http://localhost/",     "http://[::1]",
        "http://169.254.170.2", "http://169.254.170.23", "http://[fd00:ec2::23]", NULL};
    for (size_t i = 0; ok[i]; i++)
        if (strncmp(uri, ok[i], strlen(ok[i])) == 0)
            return true;
    return false;
}

/* AWS_CONTAINER_CREDENTIALS_FULL_URI / _RELATIVE_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)
 */
static int container(struct pl_aws_creds *out, struct pl_err *err)
{
    char url[2048], auth[4200] = "", tok[4096] = "";
    const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    if (rel && *rel)
        snprintf(url, sizeof url, "%s%s", ECS_HOST, rel);
    else
        copy(url, sizeof url, getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
    if (!container_host_ok(url))
        return pl_fail(err, PL_E_VALIDATION,
                       "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or http to a loopback "
                       "or the ECS/EKS host");
    const char *tf = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    if (tf && *tf) {
        size_t len = 0;
        char *t = pl_read_file(tf, sizeof tok - 1, &len);
        if (!t)
            return pl_fail(err, PL_E_VALIDATION, "%s cannot be read", tf);
        snprintf(tok, sizeof tok, "%.*s", (int)strcspn(t, "\r\n"), t);
        memset(t, 0, len);
        free(t);
    } else {
        copy(tok, sizeof tok, getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    }
    if (tok[0])
        snprintf(auth, sizeof auth, "Authorization: %s", tok);
    struct pl_client_resp r;
    if (meta_call("GET", url, auth[0] ? auth : NULL, &r, err) < 0)
        return -1;
    int rc = meta_creds(r.body.data, r.body.len, "container", out, err);
    pl_client_resp_fini(&r);
    memset(tok, 0, sizeof tok);
    memset(auth, 0, sizeof auth);
    return rc;
}

/* IMDSv2: PUT /latest/api/token, GET .../security-credentials/ (the role), GET its credentials */
static int imds(struct pl_aws_creds *out, struct pl_err *err)
{
    char base[1024], url[2048], hdr[1200], role[256];
    copy(base, sizeof base,
         env_set("AWS_EC2_METADATA_SERVICE_ENDPOINT") ? getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT")
                                                      : IMDS_ENDPOINT);
    for (size_t n = strlen(base); n && base[n - 1] == '/';)
        base[--n] = 0;
    struct pl_client_resp r;
    snprintf(url, sizeof url, "%s/latest/api/token", base);
    if (meta_call("PUT", url, "X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TTL_S, &r, err) < 0)
        return -1;
    snprintf(hdr, sizeof hdr, "X-aws-ec2-metadata-token: %.*s",
             (int)strcspn(r.body.data ? r.body.data : "", "\r\n"), r.body.data ? r.body.data : "");
    pl_client_resp_fini(&r);
    snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/", base);
    if (meta_call("GET", url, hdr, &r, err) < 0)
        return -1;
    snprintf(role, sizeof role, "%.*s", (int)strcspn(r.body.data ? r.body.data : "", "\r\n"),
             r.body.data ? r.body.data : "");
    pl_client_resp_fini(&r);
    if (!role[0] || strchr(role, '/'))
        return pl_fail(err, PL_E_UNAVAILABLE, "instance metadata: no IAM role on this instance");
    snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/%s", base, role);
    int rc = meta_call("GET", url, hdr, &r, err);
    if (rc == 0) {
        rc = meta_creds(r.body.data, r.body.len, "instance-metadata", out, err);
        pl_client_resp_fini(&r);
    }
    memset(hdr, 0, sizeof hdr);
    return rc;
}

static bool imds_disabled(void)
{
    const char *d = getenv("AWS_EC2_METADATA_DISABLED");
    return d && strcasecmp(d, "true") == 0;
}

/* the credential_source of a role profile: Environment, EcsContainer, Ec2InstanceMetadata */
static int credential_source(const char *src, struct pl_aws_creds *out, struct pl_err *err)
{
    if (strcmp(src, "Environment") == 0)
        return pl_aws_creds_load("", out, err) == 0 && strcmp(out->source, "environment") == 0
                   ? 0
                   : pl_fail(err, PL_E_VALIDATION,
                             "credential_source Environment: no keys in "
                             "the environment");
    if (strcmp(src, "EcsContainer") == 0)
        return container(out, err);
    if (strcmp(src, "Ec2InstanceMetadata") == 0)
        return imds(out, err);
    return pl_fail(err, PL_E_VALIDATION,
                   "credential_source '%s' is not one of Environment, "
                   "EcsContainer, Ec2InstanceMetadata",
                   src);
}

/* a profile with role_arn: its source's credentials, then AssumeRole. 1 done, 0 not such a
 * profile, -1 error. depth bounds a chain of source_profiles. */
static int role_profile(const char *profile, const char *region, int depth,
                        struct pl_aws_creds *out, struct pl_err *err)
{
    if (depth > 4)
        return pl_fail(err, PL_E_VALIDATION, "source_profile chain of '%s' is too long",
                       profile ? profile : "default");
    char arn[512] = "", src[128] = "", ext[256] = "", tokf[2048] = "";
    if (!pl_aws_profile_get(profile, "role_arn", arn, sizeof arn) || !arn[0])
        return 0;
    if (pl_aws_profile_get(profile, "web_identity_token_file", tokf, sizeof tokf) && tokf[0])
        return web_identity(tokf, arn, region, profile, out, err) < 0 ? -1 : 1;
    struct pl_aws_creds base;
    if (pl_aws_profile_get(profile, "source_profile", src, sizeof src) && src[0]) {
        int r = strcmp(src, profile ? profile : "") != 0
                    ? role_profile(src, region, depth + 1, &base, err)
                    : 0; /* a chain of role profiles */
        if (r < 0 || (r == 0 && pl_aws_creds_load(src, &base, err) < 0))
            return -1;
    } else if (pl_aws_profile_get(profile, "credential_source", src, sizeof src) && src[0]) {
        if (credential_source(src, &base, err) < 0)
            return -1;
    } else {
        return pl_fail(err, PL_E_VALIDATION,
                       "profile with role_arn needs source_profile or credential_source");
    }
    pl_aws_profile_get(profile, "external_id", ext, sizeof ext);
    struct pl_aws_ctx *c = pl_xcalloc(1, sizeof *c);
    pl_aws_ctx_init(c, &base, region);
    c->profile = profile;
    int rc = pl_aws_assume_role(c, arn, ext, out, err);
    memset(c, 0, sizeof *c);
    free(c);
    memset(&base, 0, sizeof base);
    return rc < 0 ? -1 : 1;
}

int pl_aws_creds_chain(const char *profile, const char *region, struct pl_aws_creds *out,
                       struct pl_err *err)
{
    memset(out, 0, sizeof *out);
    bool named = profile && *profile;
    if (!named && env_set("AWS_ACCESS_KEY_ID") && env_set("AWS_SECRET_ACCESS_KEY"))
        return pl_aws_creds_load(profile, out, err);
    if (!named && env_set("AWS_WEB_IDENTITY_TOKEN_FILE") && env_set("AWS_ROLE_ARN"))
        return web_identity(getenv("AWS_WEB_IDENTITY_TOKEN_FILE"), getenv("AWS_ROLE_ARN"), region,
                            profile, out, err);
    int r = role_profile(profile, region, 0, out, err);
    if (r != 0)
        return r < 0 ? -1 : 0;
    struct pl_err e = {0};
    if (pl_aws_creds_load(profile, out, &e) == 0)
        return 0;
    if (env_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
        env_set("AWS_CONTAINER_CREDENTIALS_FULL_URI"))
        return container(out, err);
    if (!imds_disabled()) {
        struct pl_err ie = {0};
        if (imds(out, &ie) == 0)
            return 0;
        PL_LOG(DEBUG, "discover", "instance metadata: %s", ie.msg);
    }
    return pl_fail(err, PL_E_VALIDATION, "%s", e.msg);
}
