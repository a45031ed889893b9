/* guard.h — the AWS CloudFormation Guard policy language (cfn-guard 3.x semantics).
 *
 * guard_parse() turns rules text into a struct guard_rules (or an error "line L:C: ..."),
 * guard_doc_load() reads a JSON or YAML data file, guard_eval() runs every rule of a file
 * against one document and reports PASS/FAIL/SKIP per rule, and guard_eval_ci() is the hook the
 * rules engine uses for AWS Config custom-policy rules (a configuration item in the AWS Config
 * resource-schema form). The engine knows nothing of plumb beyond core/.
 *
 * The last part is the front end's: documents built file by file, input parameters, the
 * --payload form, and the reports cfn-guard 3.1.1 prints (summary table, single-line-summary,
 * JSON and YAML trees, `test` reports), so the CLI needs nothing but this header.
 *
 * Ownership: guard_rules_free() / guard_doc_free() / guard_report_fini() / guard_out_free() /
 * guard_payload_fini() release what the matching constructor made; all strings in reports are
 * owned by the report.
 */
#ifndef PL_GUARD_H
#define PL_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

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

/* ---------------------------------------------------------------- the CLI's front end */

/* An empty set of documents, filled by guard_doc_add (free with guard_doc_free). */
struct guard_doc *guard_doc_new(void);
/* Appends the first document of a data file's text (read as guard_doc_load mode 0 reads it;
 * cfn-guard evaluates only the first document of a YAML stream). 0, or -1 with err. */
int guard_doc_add(struct guard_doc *d, const char *text, size_t len, struct pl_err *err);

/* As guard_eval, with input parameters (cfn-guard's -i): when params is not NULL, the members
 * of each of its map documents, in order, come before those of document idx of d when that is
 * a map. Failure paths stay those of the file each member came from. */
int guard_eval_params(const struct guard_rules *r, const struct guard_doc *params,
                      const struct guard_doc *d, size_t idx, struct guard_report *out,
                      struct pl_err *err);

/* cfn-guard's --payload: {"rules": ["<rules text>", ...], "data": ["<data text>", ...]}.
 * Members that are not strings are NULL. -1 with err when text is not such an object.
 * The strings are the payload's; guard_payload_fini frees them. */
struct guard_payload {
    size_t nrules, ndata;
    char **rules, **data;
    size_t *rules_len, *data_len;
};
int guard_payload_parse(const char *text, size_t len, struct guard_payload *p, struct pl_err *err);
void guard_payload_fini(struct guard_payload *p);

/* Report formats (-o) and summary sections (-S: a comma list of all, pass, fail, skip, none).
 * The parsers return 0, or -1 for a word they do not know. */
enum guard_format { GUARD_FMT_SINGLE, GUARD_FMT_JSON, GUARD_FMT_YAML };
enum { GUARD_SHOW_PASS = 1, GUARD_SHOW_FAIL = 2, GUARD_SHOW_SKIP = 4, GUARD_SHOW_NONE = 0x100 };
int guard_format_parse(const char *s, enum guard_format *f); /* single-line-summary|json|yaml */
int guard_show_parse(const char *s, int *show);

/* The summary table of rep (data against the rules file named rules) for the sections in show;
 * nothing when it would list no rule. */
void guard_print_summary(FILE *o, const char *data, const char *rules,
                         const struct guard_report *rep, int show);
/* The single-line-summary report of rep (nothing unless it FAILs): grouped by resource when
 * every failure is located under Resources, else one line per failure. */
void guard_print_single(FILE *o, const char *data, const char *rules,
                        const struct guard_report *rep);
/* rep as one JSON (no final newline, as cfn-guard) or YAML tree. */
void guard_print_report(FILE *o, const char *data, const struct guard_report *rep,
                        enum guard_format f);

/* Structured output (-z): reports collected into one list, printed once (JSON for
 * GUARD_FMT_SINGLE). The trees are copies: rep may be freed after guard_out_add. */
struct guard_out;
struct guard_out *guard_out_new(void);
void guard_out_add(struct guard_out *o, const char *data, const struct guard_report *rep);
void guard_out_print(FILE *f, const struct guard_out *o, enum guard_format fmt);
void guard_out_free(struct guard_out *o);

/* `test`: runs every case of spec (loaded with guard_doc_load mode 1) against r and prints the
 * report for rules_path in format f to o; *anyfail tells whether an expectation was not met.
 * -1 with err when spec is not a list of cases (*bad_case 0) or case number *bad_case (from 1)
 * could not be evaluated; what was printed before stays printed. */
int guard_test_run(FILE *o, const struct guard_rules *r, const char *rules_path,
                   const struct guard_doc *spec, enum guard_format f, bool *anyfail,
                   size_t *bad_case, struct pl_err *err);

#endif
