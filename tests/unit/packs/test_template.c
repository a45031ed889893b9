/* test_template.c — the template subset (src/packs/template.c): each of AWS's 85 sample packs in
 * ../shared/data/conformance-packs resolves with its defaults; short and long intrinsic forms,
 * parameters over defaults, conditions, AWS::NoValue, pseudo parameters and typed
 * InputParameters give what CloudFormation gives; malformed templates fail with a position;
 * any template's resources (`plumb eval`) resolve the same way, deploy-time values kept.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "packs/packs.h"
#include "t.h"

static const struct pl_pack_env env0 = {.account = "123456789012", .region = "eu-west-1"};

static int parse(struct pl_arena *a, const char *text, const struct pl_pack_env *env,
                 struct pl_pack_template *t, struct pl_err *err)
{
    pl_err_clear(err);
    return pl_pack_template_parse(a, text, strlen(text), env ? env : &env0, t, err);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

static void test_every_sample_pack(void)
{
    const char *dir = PL_SHARED_DIR "/data/conformance-packs";
    DIR *d = opendir(dir);
    T_OK(d != NULL);
    int n = 0;
    /* the two parameters without a Default in the samples */
    struct pl_pack_param needed[] = {
        {"CustomConfigRuleLambdaArn", "arn:aws:lambda:eu-west-1:123456789012:function:f"},
        {"S3TargetBucketNameForEnableLogging", "logs-bucket"}};
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = slurp(path, &len);
        if (!text) {
            T_FAIL_("%s: unreadable", path);
            continue;
        }
        struct pl_arena a;
        struct pl_err err = {0};
        struct pl_pack_template t;
        struct pl_pack_env env = env0;
        for (size_t i = 0; i < 2; i++)
            if (strstr(text, needed[i].name))
                env.params = &needed[i], env.nparams = 1;
        pl_arena_init(&a);
        if (pl_pack_template_parse(&a, text, len, &env, &t, &err) < 0)
            T_FAIL_("%s: %s", e->d_name, err.msg);
        else if (t.nrules < 1)
            T_FAIL_("%s: no rules", e->d_name);
        n++;
        pl_arena_fini(&a);
        free(text);
    }
    if (d)
        closedir(d);
    T_EQ(n, 85);
}

static const char *rule_str(const struct pl_pack_template *t, size_t i, const char *key)
{
    return i < t->nrules ? pl_json_get_str(t->rules[i].props, key) : NULL;
}

static void test_parameters_conditions_novalue(void)
{
    const char *text = "Parameters:\n"
                       "  MaxAge: {Type: String, Default: '90'}\n"
                       "  Empty: {Type: String, Default: ''}\n"
                       "  Mode: {Type: String, Default: a, AllowedValues: [a, b]}\n"
                       "Conditions:\n"
                       "  HasAge: {Fn::Not: [{Fn::Equals: ['', {Ref: MaxAge}]}]}\n"
                       "  HasEmpty: !Not [!Equals ['', !Ref Empty]]\n"
                       "  IsB: !Equals [b, !Ref Mode]\n"
                       "  Both: !And [!Condition HasAge, !Or [!Condition IsB, !Condition HasAge]]\n"
                       "Resources:\n"
                       "  R1:\n"
                       "    Type: AWS::Config::ConfigRule\n"
                       "    Properties:\n"
                       "      ConfigRuleName: access-keys-rotated\n"
                       "      InputParameters:\n"
                       "        maxAccessKeyAge: !If [HasAge, !Ref MaxAge, !Ref AWS::NoValue]\n"
                       "        other: {Fn::If: [HasEmpty, {Ref: Empty}, {Ref: AWS::NoValue}]}\n"
                       "        flag: true\n"
                       "        n: 30\n"
                       "        list: [a, b]\n"
                       "      Source: {Owner: AWS, SourceIdentifier: ACCESS_KEYS_ROTATED}\n"
                       "      Controls: [ignored]\n"
                       "  R2:\n"
                       "    Type: AWS::Config::ConfigRule\n"
                       "    Condition: IsB\n"
                       "    Properties: {Source: {Owner: AWS, SourceIdentifier: X}}\n"
                       "  R3:\n"
                       "    Type: AWS::Config::ConfigRule\n"
                       "    DependsOn: R1\n"
                       "    Condition: Both\n"
                       "    Properties:\n"
                       "      ConfigRuleName: !Sub '${AWS::Region}-${AWS::AccountId}-${AWS::Partition}-${!x}'\n"
                       "      Description: !Join ['-', [!Ref R1, !Select [1, !Split [',', 'p,q']]]]\n"
                       "      Source: {Owner: AWS, SourceIdentifier: X}\n";
    struct pl_arena a;
    struct pl_err err = {0};
    struct pl_pack_template t;
    pl_arena_init(&a);
    T_EQ(parse(&a, text, NULL, &t, &err), 0);
    T_STR(err.msg, "");
    T_EQ(t.nrules, 2);
    T_STR(rule_str(&t, 0, "InputParameters"),
          "{\"maxAccessKeyAge\":\"90\",\"flag\":\"true\",\"n\":\"30\",\"list\":\"a,b\"}");
    T_OK(pl_json_get(t.rules[0].props, "Controls") == NULL);
    T_STR(rule_str(&t, 1, "ConfigRuleName"), "eu-west-1-123456789012-aws-${x}");
    T_STR(rule_str(&t, 1, "Description"), "access-keys-rotated-q");
    T_EQ(t.rules[1].ndepends, 1);
    struct pl_pack_param in[] = {{"Mode", "b"}, {"MaxAge", ""}};
    struct pl_pack_env env = env0;
    env.params = in;
    env.nparams = 2;
    T_EQ(parse(&a, text, &env, &t, &err), 0);
    T_EQ(t.nrules, 2); /* R2 now, R3 not (HasAge false) */
    T_STR(rule_str(&t, 1, "ConfigRuleName"), "R2");
    T_STR(rule_str(&t, 0, "InputParameters"),
          "{\"flag\":\"true\",\"n\":\"30\",\"list\":\"a,b\"}");
    struct pl_pack_param bad[] = {{"Mode", "c"}};
    env.params = bad;
    env.nparams = 1;
    T_EQ(parse(&a, text, &env, &t, &err), -1);
    T_OK(strstr(err.msg, "AllowedValues") != NULL);
    pl_arena_fini(&a);
}

/* Malformed templates: each refused with its position and what was expected. */
static void test_errors_say_where(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"Resources:\n  R: {Type: AWS::Config::ConfigRule, Properties: {Source: !GetAtt a.b}}\n",
         "line 2:59: unsupported intrinsic function 'Fn::GetAtt'"},
        {"Resources:\n  R: {Type: AWS::Config::ConfigRule, Properties: {Source: {Fn::Foo: 1}}}\n",
         "line 2:59: unsupported intrinsic function 'Fn::Foo'"},
        {"Resources:\n  R: {Type: AWS::S3::Bucket}\n", "line 2:13: resource type 'AWS::S3::Bucket'"},
        {"Resources:\n  R: [\n", "line 3:1:"},
        {"Resources: {}\n", "line 1:12: expected a map of at least one resource"},
        {"Resources:\n  R: {Type: AWS::Config::ConfigRule, Properties: !Bogus x}\n",
         "line 2:50: unknown tag '!Bogus'"},
        {"Resources:\n  R: {Type: AWS::Config::ConfigRule, Condition: C, Properties: {}}\n",
         "unknown condition 'C'"},
        {"Conditions:\n  A: !Condition B\n  B: !Condition A\nResources:\n  R: {Type: "
         "AWS::Config::ConfigRule}\n",
         "depends on itself"},
        {"Parameters:\n  P: {Type: String}\nResources:\n  R: {Type: AWS::Config::ConfigRule}\n",
         "line 2:6: parameter 'P' has no Default"},
        {"Resources:\n  R: {Type: AWS::Config::ConfigRule, Properties: {Source: {Ref: Nope}}}\n",
         "line 2:65: Ref to 'Nope'"},
        {"Resources:\n  R: {Type: AWS::Config::ConfigRule, DependsOn: [Q], Properties: {}}\n",
         "DependsOn names 'Q'"},
        {"a: &x 1\nb: *x\n", "aliases are not supported"},
        {"Resources:\n  R: {Type: AWS::Config::ConfigRule}\n  R: {}\n", "duplicate key 'R'"},
        {"{\"Resources\": {\"R\": {\"Type\": \"AWS::Config::ConfigRule\", \"Properties\": "
         "{\"Source\": {\"Fn::If\": [\"x\"]}}}}}",
         "line 1:93: Fn::If expects a list of 3 items"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct pl_arena a;
        struct pl_err err = {0};
        struct pl_pack_template t;
        pl_arena_init(&a);
        if (parse(&a, cases[i].text, NULL, &t, &err) == 0 || !strstr(err.msg, cases[i].want) ||
            err.code != PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION)
            T_FAIL_("case %zu: got '%s', want '%s'", i, err.msg, cases[i].want);
        pl_arena_fini(&a);
    }
}

/* Deep nesting, self-referring names and exponential references are refused, not followed. */
static void test_bounds(void)
{
    char deep[600] = "Resources: ";
    for (int i = 0; i < 100; i++)
        strcat(deep, "[");
    struct pl_arena a;
    struct pl_err err = {0};
    struct pl_pack_template t;
    pl_arena_init(&a);
    T_EQ(parse(&a, deep, NULL, &t, &err), -1);
    T_OK(strstr(err.msg, "nesting deeper") != NULL);
    const char *self = "Resources:\n  R: {Type: AWS::Config::ConfigRule, Properties: "
                       "{ConfigRuleName: !Ref R, Source: {}}}\n";
    T_EQ(parse(&a, self, NULL, &t, &err), -1);
    T_OK(strstr(err.msg, "refers to itself") != NULL);
    pl_arena_fini(&a);
}

static void test_any_template_resources(void)
{
    const char *text = "Parameters:\n"
                       "  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}\n"
                       "  Ports: {Type: CommaDelimitedList, Default: '80,443'}\n"
                       "Conditions:\n"
                       "  IsProd: !Equals [!Ref Env, prod]\n"
                       "Resources:\n"
                       "  Bucket:\n"
                       "    Type: AWS::S3::Bucket\n"
                       "    Properties:\n"
                       "      BucketName: !Sub '${AWS::AccountId}-${Env}-${Logs.Arn}-${Logs}'\n"
                       "      Versioning: !If [IsProd, {Status: Enabled}, !Ref AWS::NoValue]\n"
                       "      Tag: !Join [':', [!Ref AWS::Region, !Select [1, !Ref Ports]]]\n"
                       "      Logs: !Ref Logs\n"
                       "      Arn: !GetAtt Logs.Arn\n"
                       "      Stack: !Ref AWS::StackId\n"
                       "  Logs:\n"
                       "    Type: AWS::S3::Bucket\n"
                       "    Condition: IsProd\n";
    struct pl_arena a;
    struct pl_err err = {0};
    struct pl_pack_cfn_resource *res;
    size_t n;
    pl_arena_init(&a);
    T_EQ(pl_pack_template_resources(&a, text, strlen(text), &env0, &res, &n, &err), 0);
    T_STR(err.msg, "");
    T_EQ(n, 1); /* Logs: its condition is false */
    T_STR(pl_json_dump(&a, res[0].props, PL_JSON_COMPACT),
          "{\"BucketName\":\"123456789012-dev-${Logs.Arn}-${Logs}\","
          "\"Tag\":\"eu-west-1:443\",\"Logs\":{\"Ref\":\"Logs\"},"
          "\"Arn\":{\"Fn::GetAtt\":\"Logs.Arn\"},\"Stack\":{\"Ref\":\"AWS::StackId\"}}");
    struct pl_pack_param prod[] = {{"Env", "prod"}};
    struct pl_pack_env env = env0;
    env.params = prod;
    env.nparams = 1;
    T_EQ(pl_pack_template_resources(&a, text, strlen(text), &env, &res, &n, &err), 0);
    T_EQ(n, 2);
    T_STR(pl_json_dump(&a, pl_json_get(res[0].props, "Versioning"), PL_JSON_COMPACT),
          "{\"Status\":\"Enabled\"}");
    T_STR(pl_json_dump(&a, res[1].props, PL_JSON_COMPACT), "{}");
    struct pl_pack_param bad[] = {{"Env", "qa"}};
    env.params = bad;
    T_EQ(pl_pack_template_resources(&a, text, strlen(text), &env, &res, &n, &err), -1);
    T_OK(strstr(pl_err_msg(&err), "AllowedValues") != NULL);
    pl_arena_fini(&a);
}

int main(void)
{
    T_RUN(test_every_sample_pack);
    T_RUN(test_parameters_conditions_novalue);
    T_RUN(test_errors_say_where);
    T_RUN(test_bounds);
    T_RUN(test_any_template_resources);
    return T_EXIT();
}
