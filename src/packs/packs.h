/* packs.h — AWS Config conformance packs: the CloudFormation template subset AWS's packs use.
 *
 * pl_pack_template_parse() reads a TemplateBody (YAML or JSON) and resolves it against the
 * pack's input parameters and the caller's partition into the ConfigRule objects (PutConfigRule's
 * ConfigRule shape) and RemediationConfiguration objects it declares. Supported: Parameters
 * (Type, Default, AllowedValues; overridden by ConformancePackInputParameters), Conditions,
 * resource-level Condition, DependsOn, Ref (parameters, resources, AWS::Region, AWS::AccountId,
 * AWS::Partition, AWS::NoValue, AWS::StackName, AWS::URLSuffix), Fn::If, Fn::Equals, Fn::Not,
 * Fn::And, Fn::Or, Fn::Join, Fn::Sub, Fn::Select, Fn::Split in long and short (!Ref) forms.
 * Unknown keys are ignored; an unknown intrinsic function, resource type or tag is an error.
 * Rule InputParameters values that YAML types (bools, numbers, lists) become the strings AWS
 * stores ("true", "30", "a,b").
 *
 * Errors are PL_E_CONFORMANCE_PACK_TEMPLATE_VALIDATION with "line L:C: what was expected".
 * Nesting (YAML and intrinsic functions alike) is bounded by PL_PACK_MAX_DEPTH.
 * Everything returned lives in the caller's arena. Knows nothing of plumb beyond core/.
 */
#ifndef PL_PACKS_PACKS_H
#define PL_PACKS_PACKS_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define PL_PACK_MAX_BODY   51200 /* TemplateBody characters */
#define PL_PACK_MAX_PARAMS 60    /* ConformancePackInputParameters */
#define PL_PACK_MAX_RULES  130   /* rules per pack */
#define PL_PACK_MAX_PACKS  50    /* packs per account and region */
#define PL_PACK_MAX_PACK_RULES 150   /* rules across all packs of an account and region */
#define PL_PACK_MAX_DEPTH  64    /* YAML nesting and intrinsic-function nesting */

struct pl_pack_param {
    const char *name, *value;
};

/* What a template is resolved against. */
struct pl_pack_env {
    const char *account, *region, *partition; /* partition NULL: "aws" */
    const char *stack_name;                   /* AWS::StackName; NULL: "pack" */
    const struct pl_pack_param *params;
    size_t nparams;
};

struct pl_pack_resource {
    const char *logical_id;
    struct pl_json *props; /* ConfigRule: PutConfigRule's ConfigRule object (InputParameters a
                            * JSON string); RemediationConfiguration: its properties resolved */
    const char **depends;  /* DependsOn logical ids (each names a resource of the template) */
    size_t ndepends;
    int line, col; /* where the resource starts */
};

struct pl_pack_template {
    struct pl_pack_resource *rules; /* AWS::Config::ConfigRule, in template order */
    size_t nrules;
    struct pl_pack_resource *remediations; /* AWS::Config::RemediationConfiguration */
    size_t nremediations;
};

/* Parses and resolves text[0..len). Resources whose Condition is false are left out.
 * 0 and *out filled (arena a), or -1 with err. */
int pl_pack_template_parse(struct pl_arena *a, const char *text, size_t len,
                           const struct pl_pack_env *env, struct pl_pack_template *out,
                           struct pl_err *err);

/* Any CloudFormation template's Resources, for `plumb eval`: each resource's logical id, Type
 * and Properties (JSON; {} when absent) in template order, resolved against env as a pack's
 * template is (Parameters with env->params over Default, Conditions, resource-level Condition:
 * a false one leaves the resource out, Fn::If/Join/Sub/Select/Split, AWS::NoValue, pseudo
 * parameters); what only a deployment knows (Ref to a resource, Fn::GetAtt, ...) stays as
 * written. 0 and *out (arena a) of *n, or -1 with err ("line L:C: ..."). */
struct pl_pack_cfn_resource {
    const char *logical_id, *type;
    struct pl_json *props;
    int line, col;
};
int pl_pack_template_resources(struct pl_arena *a, const char *text, size_t len,
                               const struct pl_pack_env *env, struct pl_pack_cfn_resource **out,
                               size_t *n, struct pl_err *err);

#endif
