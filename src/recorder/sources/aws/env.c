/* env.c — where discovery's credentials, region and endpoints come from, as the AWS SDKs find
 * them: the environment, then the shared credentials and config files of a profile. Reads files
 * and the environment only; never logs a secret. Calls nothing else in aws/.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "recorder/sources/aws/aws.h"

static void copy(char *out, size_t n, const char *s)
{
    snprintf(out, n, "%s", s ? s : "");
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

int pl_aws_ini_get(const char *path, const char *section, const char *key, char *out, size_t n)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return 0;
    char line[8192];
    int in = 0, found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char *l = trim(line);
        if (*l == '#' || *l == ';' || !*l)
            continue;
        if (*l == '[') {
            char *end = strchr(l, ']');
            if (!end)
                continue;
            *end = 0;
            in = strcmp(trim(l + 1), section) == 0;
            continue;
        }
        char *eq = strchr(l, '=');
        if (!in || !eq || l[0] == ' ')
            continue;
        *eq = 0;
        if (strcmp(trim(l), key) == 0) {
            copy(out, n, trim(eq + 1));
            found = 1;
        }
    }
    fclose(f);
    return found;
}

static const char *profile_name(const char *profile)
{
    if (profile && *profile)
        return profile;
    const char *p = getenv("AWS_PROFILE");
    return p && *p ? p : "default";
}

/* path of env var, else ~/.aws/<file>, in out */
static const char *shared_path(const char *env, const char *file, char *out, size_t n)
{
    const char *p = getenv(env);
    if (p && *p) {
        copy(out, n, p);
        return out;
    }
    const char *home = getenv("HOME");
    if (!home)
        return NULL;
    snprintf(out, n, "%s/.aws/%s", home, file);
    return out;
}

/* key of the profile in the config file: [default] or [profile NAME] */
static int config_get(const char *profile, const char *key, char *out, size_t n)
{
    char path[4096], sect[300];
    const char *name = profile_name(profile);
    if (!shared_path("AWS_CONFIG_FILE", "config", path, sizeof path))
        return 0;
    if (strcmp(name, "default") == 0 && pl_aws_ini_get(path, "default", key, out, n))
        return 1;
    snprintf(sect, sizeof sect, "profile %s", name);
    return pl_aws_ini_get(path, sect, key, out, n);
}

int pl_aws_profile_get(const char *profile, const char *key, char *out, size_t n)
{
    char path[4096];
    if (shared_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", path, sizeof path) &&
        pl_aws_ini_get(path, profile_name(profile), key, out, n))
        return 1;
    return config_get(profile, key, out, n);
}

int pl_aws_creds_load(const char *profile, struct pl_aws_creds *out, struct pl_err *err)
{
    memset(out, 0, sizeof *out);
    const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
    if (ak && *ak && sk && *sk && !(profile && *profile)) {
        copy(out->access_key, sizeof out->access_key, ak);
        copy(out->secret_key, sizeof out->secret_key, sk);
        copy(out->session_token, sizeof out->session_token, getenv("AWS_SESSION_TOKEN"));
        out->source = "environment";
        return 0;
    }
    const char *name = profile_name(profile);
    char path[4096];
    if (shared_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", path, sizeof path) &&
        pl_aws_ini_get(path, name, "aws_access_key_id", out->access_key, sizeof out->access_key) &&
        pl_aws_ini_get(path, name, "aws_secret_access_key", out->secret_key,
                       sizeof out->secret_key)) {
        pl_aws_ini_get(path, name, "aws_session_token", out->session_token,
                       sizeof out->session_token);
        out->source = "shared-credentials-file";
        return 0;
    }
    memset(out, 0, sizeof *out);
    if (config_get(profile, "aws_access_key_id", out->access_key, sizeof out->access_key) &&
        config_get(profile, "aws_secret_access_key", out->secret_key, sizeof out->secret_key)) {
        config_get(profile, "aws_session_token", out->session_token, sizeof out->session_token);
        out->source = "config-file";
        return 0;
    }
    memset(out, 0, sizeof *out);
    return pl_fail(err, PL_E_VALIDATION,
                   "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give "
                   "profile '%s' keys or a role_arn in the shared credentials or config file, or "
                   "run with web identity, container or instance metadata credentials",
                   name);
}

void pl_aws_region_default(const char *profile, char *out, size_t n)
{
    const char *r = getenv("AWS_REGION");
    if (!r || !*r)
        r = getenv("AWS_DEFAULT_REGION");
    if (r && *r) {
        copy(out, n, r);
        return;
    }
    if (config_get(profile, "region", out, n) && *out)
        return;
    copy(out, n, "us-east-1");
}

static void strip_slash(char *s)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == '/')
        s[--n] = 0;
}

void pl_aws_endpoint(const char *service, const char *region, const char *profile, char *out,
                     size_t n)
{
    char var[64] = "AWS_ENDPOINT_URL_";
    size_t k = strlen(var);
    for (const char *p = service; *p && k + 1 < sizeof var; p++)
        var[k++] = (*p == '-' || *p == ' ') ? '_' : (char)toupper((unsigned char)*p);
    var[k] = 0;
    const char *e = getenv(var);
    if (!e || !*e)
        e = getenv("AWS_ENDPOINT_URL");
    if (e && *e) {
        copy(out, n, e);
    } else if (config_get(profile, "endpoint_url", out, n) && *out) {
        /* the profile's endpoint_url */
    } else if (strcmp(service, "iam") == 0) {
        copy(out, n, "https://iam.amazonaws.com");
    } else {
        snprintf(out, n, "https://%s.%s.amazonaws.com", service, region);
    }
    strip_slash(out);
}
