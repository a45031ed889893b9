/* guard.h — the AWS CloudFormation Guard policy language (cfn-guard 3.x semantics).
 *
 * guard_parse() turns rules text into a struct guard_rules (or an error "line L:C: ..."),
 * guard_doc_load() reads a JSON or YAML data file, guard_eval() runs every rule of a file
 * against one document and reports PASS/FAIL/SKIP per rule, and guard_eval_ci() is the hook the
 * rules engine uses for AWS Config custom-policy rules (a configuration item in the AWS Config
 * resource-schema form). The engine knows nothing of plumb beyond core/.
 *
 * Ownership: guard_rules_free() / guard_doc_free() / guard_report_fini() release what the
 * matching constructor made; all strings in reports are owned by the report.
 */
#ifndef PL_GUARD_H
#define PL_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/json.h"

enum guard_status { GUARD_PASS = 0, GUARD_FAIL = 1, GUARD_SKIP = 2 };

struct guard_rules;
struct guard_doc;

/* Parses rules text src[0..len). name is used in reports (file name); may be NULL.
 * On a syntax error returns -1 with err = PL_E_VALIDATION and msg "line L:C: what". */
int guard_parse(const char *src, size_t len, const char *name, struct guard_rules **out,
                struct pl_err *err);
void guard_rules_free(struct guard_rules *r);

/* Evaluation budget: each evaluation of r may do at most max_steps work units (values visited
 * by queries plus value comparisons); past it guard_eval/guard_eval_ci fail with "evaluation
 * stopped: the policy exceeded its budget of N steps". guard_parse sets GUARD_MAX_STEPS, which
 * realistic policies stay far below (the conformance corpus peaks in the thousands) and a
 * hostile one reaches in a fraction of a second. 0 restores the default. */
#define GUARD_MAX_STEPS 10000000ULL
void guard_rules_set_max_steps(struct guard_rules *r, unsigned long long max_steps);
/* The name given to guard_parse ("" if none). Borrowed. */
const char *guard_rules_name(const struct guard_rules *r);

/* Data documents. mode 0: a data file as `cfn-guard validate` reads it (JSON, else YAML
 * 1.1-style scalars); mode 1: YAML 1.2 core schema (as `cfn-guard test` reads specs).
 * A multi-document YAML stream gives several documents. */
struct guard_doc *guard_doc_load(const char *text, size_t len, int mode, struct pl_err *err);
void guard_doc_free(struct guard_doc *d);
size_t guard_doc_count(const struct guard_doc *d);

/* One failing check, for reports. */
struct guard_failure {
    char *clause;   /* clause text */
    char *message;  /* custom message (<< >>) or NULL */
    char *detail;   /* generated explanation */
    char *path;     /* data path of the failing value ("/Resources/b1/Properties"), may be "" */
    char *resource; /* logical id under Resources, or NULL */
    char *type;     /* that resource's Type, or NULL */
    char *missing;  /* the property that was missing, or NULL */
    char *value;    /* rendering of the failing value, or NULL */
    char *compared; /* rendering of what it was compared with, or NULL */
    char *op;       /* operator name ("EQUALS", "EXISTS", ...), or NULL */
};

struct guard_rule_result {
    char *name;
    enum guard_status status;
    size_t nfail;
    struct guard_failure *fails;
};

struct guard_report {
    enum guard_status status; /* any FAIL -> FAIL, else any PASS -> PASS, else SKIP */
    size_t n;
    struct guard_rule_result *rules; /* reported rules in file order ("default" first) */
};

/* Evaluates every reportable rule of r against document number idx of d.
 * Returns 0 and fills out (free with guard_report_fini), or -1 on an evaluation error
 * (unknown variable or rule, EMPTY on a number, bad function input, ...). */
int guard_eval(const struct guard_rules *r, const struct guard_doc *d, size_t idx,
               struct guard_report *out, struct pl_err *err);
void guard_report_fini(struct guard_report *rep);

/* Rules-engine hook: evaluates r against one configuration item in the AWS Config
 * resource-schema form (configuration, supplementaryConfiguration, tags, resourceType, ...).
 * out->status is the file status; out->annotation the custom message of the first failing
 * clause (or a generated one) when FAIL, else "". */
struct guard_verdict {
    enum guard_status status;
    char annotation[256];
};
int guard_eval_ci(const struct guard_rules *r, const struct pl_json *ci, struct guard_verdict *out,
                  struct pl_err *err);

const char *guard_status_name(enum guard_status s); /* "PASS" "FAIL" "SKIP" */

#endif
