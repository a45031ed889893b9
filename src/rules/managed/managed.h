/* managed.h — AWS Config managed rules (Owner: AWS) as pure functions of recorded data.
 *
 * The registry knows every identifier of ../shared/reference/managed-rules.tsv (generated into
 * catalog.gen.c). A rule is either implemented (it has an evaluator) or only known: PutConfigRule
 * accepts it, but the engine must report that plumb does not implement it and never invent a
 * result. AWS_CONFIG_PROCESS_CHECK is known and never evaluated (PutExternalEvaluation).
 *
 * Use:
 *   1. r = pl_managed_find(SourceIdentifier) at PutConfigRule (NULL: unknown identifier).
 *   2. pl_managed_params(r, InputParameters, arena, &p, err) once per rule (and again when the
 *      rule changes): validates like AWS and parses every value once. p lives in the arena.
 *   3. Change-triggered rules: pl_managed_evaluate(p, ci, env, scratch, &ev, err) for each CI in
 *      scope; exactly one result, about the CI's resource.
 *      Periodic rules (and StartConfigRulesEvaluation): pl_managed_evaluate_all(p, env, scratch,
 *      emit, u, err): account-level rules emit one result for AWS::::Account/<account id>;
 *      per-resource rules walk env->each over the rule's types and emit one result per CI.
 *
 * The hot path does not allocate: parameters are parsed in step 2, the CI is read in place and
 * the annotation is written into the result. Only rules that must parse JSON embedded in a
 * string (bucket policies, ACLs, URL-encoded IAM documents) allocate: in a small per-thread
 * cache of parsed documents (keyed by the text; freed at thread exit), else in the caller's
 * scratch arena; results never point into either, and the caller resets scratch when it likes
 * (pl_arena_reset keeps the first block, so a warm arena does not call malloc).
 * pl_managed_evaluate_all never resets the caller's arena: its per-CI temporaries go to a
 * private arena.
 *
 * Account-level facts are the configuration of the AWS::::Account CI whose resourceId is the
 * account id; its fields are listed in docs/managed-rules.md. Thread safety: everything here is
 * read-only after the first call and may be used from any number of threads at once.
 */
#ifndef PL_RULES_MANAGED_H
#define PL_RULES_MANAGED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

#define PL_MANAGED_MAX_PARAMS   16
#define PL_MANAGED_ANNOTATION   256 /* AWS's limit on Evaluation.Annotation */
#define PL_MANAGED_ACCOUNT_TYPE "AWS::::Account"

enum pl_managed_trigger {
    PL_MANAGED_CHANGE = 1,   /* ConfigurationItemChangeNotification */
    PL_MANAGED_PERIODIC = 2, /* ScheduledNotification */
    PL_MANAGED_BOTH = 3,
    PL_MANAGED_MANUAL = 4,  /* AWS_CONFIG_PROCESS_CHECK: results come from PutExternalEvaluation */
    PL_MANAGED_UNKNOWN = 7, /* not in the archived docs: accepted with either trigger */
};

enum pl_managed_ptype {
    PL_MP_STR,    /* any string (optionally one of `choices`) */
    PL_MP_INT,    /* decimal integer in [min, max] */
    PL_MP_BOOL,   /* "true"/"false", any case (AWS accepts "TRUE", "True") */
    PL_MP_LIST,   /* comma-separated strings, trimmed, each optionally one of `choices` */
    PL_MP_PORTS,  /* comma-separated ports and ranges: "443,1020-1025" (0-65535) */
    PL_MP_JSON,   /* a JSON object as text: '{"tagkey": "tagValue"}' (resourceTags) */
    PL_MP_NUM,    /* a decimal number ("70", "70.5") in [min, max] */
    PL_MP_POLICY, /* a policy document as text (a JSON object with a Statement), at most max
                   * characters when max is set: parsed into obj; other text is accepted with
                   * obj NULL, and the rule fails when it runs (as AWS reports it) */
};

struct pl_managed_pspec {
    const char *name;
    enum pl_managed_ptype type;
    bool required;
    const char *def;     /* default text when absent, or NULL (then the value is unset) */
    long long min, max;  /* PL_MP_INT and PL_MP_NUM (both 0: no bounds) */
    const char *choices; /* "A|B|C": allowed values (case-sensitive), or NULL */
    const char *refused; /* "A|B": values AWS refuses (PL_MP_LIST items, case-sensitive) */
    bool lower_true;     /* PL_MP_BOOL as AWS documents for IAM_PASSWORD_POLICY: any text is
                          * accepted and only a lowercase "true" is true */
};

struct pl_managed_impl; /* private: the evaluator of an implemented rule */

struct pl_managed_rule {
    const char *identifier;
    int rank; /* in the AWS sample conformance packs (1 = most used) */
    enum pl_managed_trigger trigger;
    const char *const *types; /* default scope resource types, NULL-terminated */
    size_t ntypes;
    const struct pl_managed_pspec *params; /* implemented: exact specs; else optional strings */
    size_t nparams;
    bool account_level;                 /* evaluates AWS::::Account (one result per run) */
    const struct pl_managed_impl *impl; /* NULL: known but not implemented by plumb */
};

/* One parsed parameter value. */
struct pl_managed_pval {
    bool set;           /* given, or defaulted */
    const char *s;      /* the text (all types) */
    long long i;        /* PL_MP_INT */
    double d;           /* PL_MP_NUM */
    bool b;             /* PL_MP_BOOL */
    const char **items; /* PL_MP_LIST */
    size_t nitems;
    long long (*ranges)[2]; /* PL_MP_PORTS: inclusive [lo, hi] */
    size_t nranges;
    const struct pl_json *obj; /* PL_MP_JSON: the parsed object (in the params' arena) */
};

struct pl_managed_params {
    const struct pl_managed_rule *rule;
    struct pl_managed_pval v[PL_MANAGED_MAX_PARAMS]; /* index = position in rule->params */
};

enum pl_compliance {
    PL_COMPLIANT,
    PL_NON_COMPLIANT,
    PL_NOT_APPLICABLE,
    PL_INSUFFICIENT_DATA,
};

/* One evaluation result. resource_type/resource_id borrow from the CI (or from env->account). */
struct pl_managed_eval {
    const char *resource_type;
    const char *resource_id;
    enum pl_compliance compliance;
    char annotation[PL_MANAGED_ANNOTATION + 1]; /* "" when none */
};

/* Read-only view of recorded state, implemented by the engine over the store. get returns the
 * current CI (notification form) of one resource or NULL; each calls cb for every current CI of
 * a type (the engine may restrict it to the rule's scope) and stops when cb returns non-zero,
 * returning that value. Either pointer may be NULL when the engine has no store (then rules
 * that need other resources fail with PL_E_INTERNAL). */
struct pl_managed_env {
    void *u;
    const struct pl_json *(*get)(void *u, const char *type, const char *id);
    int (*each)(void *u, const char *type, int (*cb)(void *cbu, const struct pl_json *ci),
                void *cbu);
    int64_t now_ms; /* evaluation time (read once from pl_now_ms by the caller) */
    const char *account, *region;
};

typedef int (*pl_managed_emit_fn)(void *u, const struct pl_managed_eval *ev);

/* ---- registry ---- */

/* The rule with this exact identifier, or NULL. */
const struct pl_managed_rule *pl_managed_find(const char *identifier);
/* All known rules, sorted by identifier: *n gets the count. */
const struct pl_managed_rule *pl_managed_all(size_t *n);
bool pl_managed_implemented(const struct pl_managed_rule *r);
/* "COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA". */
const char *pl_compliance_name(enum pl_compliance c);

/* ---- parameters ---- */

/* Validates InputParameters (a JSON object text of strings, or NULL/"" for none) against r the
 * way AWS does and parses every value once. Values may also be JSON numbers or booleans (they are
 * taken as their text). *out is allocated in a. Errors: PL_E_INVALID_PARAMETER_VALUE. */
int pl_managed_params(const struct pl_managed_rule *r, const char *input_parameters_json,
                      struct pl_arena *a, struct pl_managed_params **out, struct pl_err *err);

/* ---- evaluation ---- */

/* Judges one CI (notification form; "configuration" an object, or a string that is parsed into
 * scratch). env may be NULL for rules that read only the CI. Fills *out about the CI's resource.
 * A deleted CI, or one whose type the rule does not judge, is NOT_APPLICABLE.
 * Returns 0, or -1 (err) when the rule is not implemented, account-level, or lacks env data. */
int pl_managed_evaluate(const struct pl_managed_params *p, const struct pl_json *ci,
                        const struct pl_managed_env *env, struct pl_arena *scratch,
                        struct pl_managed_eval *out, struct pl_err *err);

/* Runs a whole evaluation: account-level rules emit one result for AWS::::Account; others call
 * pl_managed_evaluate for each CI of the rule's default types (env->each) and emit each result.
 * emit returning non-zero stops the run (returned as -1 with PL_E_INTERNAL unless err is set).
 * An account-level rule with no recorded AWS::::Account CI fails with
 * PL_E_RESOURCE_NOT_DISCOVERED: plumb then has nothing to judge. */
int pl_managed_evaluate_all(const struct pl_managed_params *p, const struct pl_managed_env *env,
                            struct pl_arena *scratch, pl_managed_emit_fn emit, void *u,
                            struct pl_err *err);

#endif
