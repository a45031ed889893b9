/* test_aws.c — sources/aws: the XML answers as JSON (lists, repeats, text, typed leaves, DTDs
 * and depth refused), the shared-file INI reader, the credential chain's order and the SDKs'
 * endpoint resolution (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, endpoint_url, default).
 * Table-driven; the environment is set per case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "core/json.h"
#include "recorder/sources/aws/aws.h"

static struct pl_arena A;

static const char *xml_json(const char *xml)
{
    struct pl_err err = {0};
    static const char *const numeric[] = {"fromPort", "code", NULL};
    struct pl_json *j = pl_aws_xml_to_json(&A, xml, strlen(xml), NULL, &err);
    if (!j)
        return pl_arena_printf(&A, "error: %s", err.msg);
    pl_aws_typed(j, numeric);
    return pl_json_dump(&A, j, PL_JSON_COMPACT);
}

static void test_xml(void)
{
    static const struct {
        const char *xml, *want;
    } cases[] = {
        {"<R><A>1</A><B><C>x</C></B></R>", "{\"A\":\"1\",\"B\":{\"C\":\"x\"}}"},
        /* repeats become arrays, in order, wherever they are */
        {"<R><Bucket>a</Bucket><Bucket>b</Bucket><X/><Bucket>c</Bucket></R>",
         "{\"Bucket\":[\"a\",\"b\",\"c\"],\"X\":\"\"}"},
        /* EC2's item lists (one element too), an empty ...Set, typed leaves */
        {"<R xmlns=\"http://ec2\"><groupSet><item><fromPort>22</fromPort><b>true</b></item>"
         "</groupSet><tagSet/><code>007</code></R>",
         "{\"groupSet\":[{\"fromPort\":22,\"b\":true}],\"tagSet\":[],\"code\":\"007\"}"},
        {"<LocationConstraint>eu-west-1</LocationConstraint>", "\"eu-west-1\""},
        {"<R>a &amp; b</R>", "\"a & b\""},
        {"<!DOCTYPE R [<!ENTITY e \"x\">]><R>&e;</R>", "error: the answer has a DTD"},
        {"<R><A>", "error: the answer is not XML"},
        {"", "error: the answer is not XML"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        T_STR(xml_json(cases[i].xml), cases[i].want);
    char deep[2048] = "";
    for (int i = 0; i < 70; i++)
        strcat(deep, "<a>");
    for (int i = 0; i < 70; i++)
        strcat(deep, "</a>");
    T_STR(xml_json(deep), "error: XML deeper than 64 elements");
    /* pl_aws_list: one element is a list of one, "" and NULL are empty */
    struct pl_json *one = pl_json_new_str(&A, "x");
    T_STR(pl_json_dump(&A, pl_aws_list(&A, one), 0), "[\"x\"]");
    T_STR(pl_json_dump(&A, pl_aws_list(&A, pl_json_new_str(&A, "")), 0), "[]");
    T_STR(pl_json_dump(&A, pl_aws_list(&A, NULL), 0), "[]");
}

static char dir[64];

static const char *write_file(const char *name, const char *text)
{
    const char *p = pl_arena_printf(&A, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    return p;
}

static void clear_env(void)
{
    static const char *const vars[] = {
        "AWS_ACCESS_KEY_ID",  "AWS_SECRET_ACCESS_KEY",       "AWS_SESSION_TOKEN",    "AWS_PROFILE",
        "AWS_ENDPOINT_URL",   "AWS_ENDPOINT_URL_S3",         "AWS_ENDPOINT_URL_EC2", "AWS_REGION",
        "AWS_DEFAULT_REGION", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",      NULL};
    for (size_t i = 0; vars[i]; i++)
        unsetenv(vars[i]);
}

static void test_chain(void)
{
    clear_env();
    const char *creds = write_file("credentials", "# comment\n[default]\naws_access_key_id = "
                                                  "AKDEF\naws_secret_access_key=SDEF\n\n[p1]\n"
                                                  "aws_access_key_id = AKP1\n"
                                                  "aws_secret_access_key = SP1\n"
                                                  "aws_session_token = TOK\n");
    const char *cfg = write_file("config", "[default]\nregion = eu-west-3\n[profile p2]\n"
                                           "aws_access_key_id = AKP2\naws_secret_access_key = "
                                           "SP2\nregion = ap-south-1\n"
                                           "endpoint_url = http://127.0.0.1:9/\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);
    setenv("AWS_CONFIG_FILE", cfg, 1);
    char v[64];
    T_EQ(pl_aws_ini_get(creds, "p1", "aws_session_token", v, sizeof v), 1);
    T_STR(v, "TOK");
    T_EQ(pl_aws_ini_get(creds, "p1", "region", v, sizeof v), 0);
    T_EQ(pl_aws_ini_get("/nonexistent/x", "p1", "region", v, sizeof v), 0);
    struct pl_aws_creds c;
    struct pl_err err = {0};
    /* the default profile of the credentials file */
    T_EQ(pl_aws_creds_load(NULL, &c, &err), 0);
    T_STR(c.access_key, "AKDEF");
    T_STR(c.source, "shared-credentials-file");
    /* AWS_PROFILE; a session token */
    setenv("AWS_PROFILE", "p1", 1);
    T_EQ(pl_aws_creds_load(NULL, &c, &err), 0);
    T_STR(c.access_key, "AKP1");
    T_STR(c.session_token, "TOK");
    /* a profile only the config file has keys for */
    T_EQ(pl_aws_creds_load("p2", &c, &err), 0);
    T_STR(c.access_key, "AKP2");
    T_STR(c.source, "config-file");
    /* the environment wins over AWS_PROFILE, not over an explicit profile */
    setenv("AWS_ACCESS_KEY_ID", "AKENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "SENV", 1);
    T_EQ(pl_aws_creds_load(NULL, &c, &err), 0);
    T_STR(c.access_key, "AKENV");
    T_STR(c.source, "environment");
    T_EQ(pl_aws_creds_load("p2", &c, &err), 0);
    T_STR(c.access_key, "AKP2");
    /* nothing anywhere */
    clear_env();
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/c", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/f", 1);
    T_EQ(pl_aws_creds_load("none", &c, &err), -1);
    T_OK(strstr(err.msg, "no AWS credentials") != NULL);
    T_EQ(c.access_key[0], 0);
    /* region and endpoints */
    setenv("AWS_CONFIG_FILE", cfg, 1);
    pl_aws_region_default(NULL, v, sizeof v);
    T_STR(v, "eu-west-3");
    pl_aws_region_default("p2", v, sizeof v);
    T_STR(v, "ap-south-1");
    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    pl_aws_region_default("p2", v, sizeof v);
    T_STR(v, "us-west-1");
    char url[256];
    pl_aws_endpoint("ec2", "eu-north-1", NULL, url, sizeof url);
    T_STR(url, "https://ec2.eu-north-1.amazonaws.com");
    pl_aws_endpoint("iam", "eu-north-1", NULL, url, sizeof url);
    T_STR(url, "https://iam.amazonaws.com");
    pl_aws_endpoint("s3", "eu-north-1", "p2", url, sizeof url);
    T_STR(url, "http://127.0.0.1:9");
    setenv("AWS_ENDPOINT_URL", "http://all:1/", 1);
    pl_aws_endpoint("s3", "eu-north-1", "p2", url, sizeof url);
    T_STR(url, "http://all:1");
    setenv("AWS_ENDPOINT_URL_S3", "http://s3only:2", 1);
    pl_aws_endpoint("s3", "eu-north-1", NULL, url, sizeof url);
    T_STR(url, "http://s3only:2");
    pl_aws_endpoint("ec2", "eu-north-1", NULL, url, sizeof url);
    T_STR(url, "http://all:1");
    clear_env();
}

int main(void)
{
    pl_arena_init(&A);
    snprintf(dir, sizeof dir, "/tmp/plumb-test-aws-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    T_RUN(test_xml);
    T_RUN(test_chain);
    unlink(pl_arena_printf(&A, "%s/credentials", dir));
    unlink(pl_arena_printf(&A, "%s/config", dir));
    rmdir(dir);
    pl_arena_fini(&A);
    return T_EXIT();
}
