/* managed_int.h — private to src/rules/managed: the shapes rule implementations share.
 *
 * An implemented rule is a struct pl_managed_impl: its exact parameter specs, the types it
 * judges, and either a table of declarative checks (struct pl_managed__check, for "field X must be
 * true / equal Y" rules), an evaluator of one CI (ci_fn), or an account-level evaluator
 * (acct_fn). Both kinds of function see a struct pl_managed__ctx with the parsed parameters, the
 * environment and the scratch arena, and fill a struct pl_managed_eval; they return 0 or -1.
 * The rule files (r_*.c) each export one array of implementations, joined in managed.c.
 */
#ifndef PL_RULES_MANAGED_INT_H
#define PL_RULES_MANAGED_INT_H

#include "rules/managed/managed.h"

/* One row of the generated catalogue (catalog.gen.c). */
struct pl_managed_catalog {
    const char *identifier;
    int rank;
    enum pl_managed_trigger trigger;
    const char *types;  /* comma-separated */
    const char *params; /* comma-separated names, may be "" */
};
extern const struct pl_managed_catalog pl_managed__catalog[];
extern const size_t pl_managed__catalog_len;

/* The parts of a CI rules read, located once per evaluation. */
struct pl_managed__ci {
    const struct pl_json *ci;
    const struct pl_json *cfg;  /* configuration object (never NULL: an empty object if absent) */
    const struct pl_json *supp; /* supplementaryConfiguration object or NULL */
    const char *type, *id;
    const char *status; /* configurationItemStatus or NULL */
};

struct pl_managed__ctx {
    const struct pl_managed_params *p;
    const struct pl_managed_env *env; /* may be NULL for CI-only rules */
    struct pl_arena *scratch;
    struct pl_err *err;
    const struct pl_managed__ci
        *v; /* the CI being judged (lets paths from its root skip a lookup) */
};

/* Declarative checks: every check whose type matches must pass. A failing check with
 * applies = true makes the result NOT_APPLICABLE; otherwise NON_COMPLIANT with `why`. */
enum pl_managed__ck_op {
    MCK_TRUE,         /* value is JSON true (or the string "true") */
    MCK_NOT_TRUE,     /* missing, null, false */
    MCK_EQ,           /* string equal to arg (case-insensitive) */
    MCK_NE,           /* missing or not equal to arg */
    MCK_PRESENT,      /* not missing/null/""/[]/{} */
    MCK_ABSENT,       /* missing/null/""/[]/{} */
    MCK_GT,           /* number > the integer in arg */
    MCK_GE_PARAM,     /* number present and, when parameter `param` is set, >= it */
    MCK_LE_PARAM,     /* number present and, when parameter `param` is set, <= it */
    MCK_EQ_PARAM,     /* parameter `param` unset, or string equal to it (a key ARN also matches
                       * a parameter holding the key id: ".../<param>") */
    MCK_IN_PARAM,     /* parameter `param` (a list) unset, or string one of its items */
    MCK_ALL_IN_PARAM, /* list quantifier: `param` unset, or every item of the array (or the one
                       * string) at path is one of its items */
    MCK_ANY_IN_PARAM, /* list quantifier: `param` unset, or some item of the array is one */
    MCK_PREFIX,       /* string starts with arg (case-sensitive) */
    MCK_DAYS_LEFT,    /* a time (ISO text or epoch ms/s number) at least `param` (an integer
                       * parameter) days after env->now_ms */
    MCK_EQ_INT_PARAM, /* parameter `param` unset, or a number equal to it */
};

struct pl_managed__check {
    const char *type; /* resource type the check applies to, or NULL for all */
    const char *path; /* dotted from the CI root; alternatives separated by '|' */
    enum pl_managed__ck_op op;
    const char *arg;
    int param;    /* parameter index for the *_PARAM ops */
    bool applies;   /* an applicability condition rather than a requirement */
    bool or_absent; /* a missing/null value passes (e.g. "never expires") */
    const char *why;
};

typedef int (*pl_managed__ci_fn)(const struct pl_managed__ctx *c, const struct pl_managed__ci *ci,
                                 struct pl_managed_eval *out);
/* acct is the AWS::::Account CI (never NULL); out is prefilled for the account. */
typedef int (*pl_managed__acct_fn)(const struct pl_managed__ctx *c,
                                   const struct pl_managed__ci *acct, struct pl_managed_eval *out);

struct pl_managed_impl {
    const char *identifier;
    const char *types; /* comma-separated types judged; NULL: the catalogue's */
    const struct pl_managed_pspec *params;
    size_t nparams;
    const struct pl_managed__check *checks; /* evaluated first (may be NULL) */
    size_t nchecks;
    pl_managed__ci_fn ci_fn;         /* after the checks passed (may be NULL: then COMPLIANT) */
    pl_managed__acct_fn acct_fn;     /* account-level rules instead of checks/ci_fn */
    enum pl_managed_trigger trigger; /* 0: the catalogue's; set where the tsv says unknown */
};

#define PL_MIMPL_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Each rule file's implementations. */
extern const struct pl_managed_impl pl_managed__s3[], pl_managed__iam[], pl_managed__net[],
    pl_managed__acct[], pl_managed__data[], pl_managed__svc[], pl_managed__ops[],
    pl_managed__next[], pl_managed__last[];
extern const size_t pl_managed__s3_len, pl_managed__iam_len, pl_managed__net_len,
    pl_managed__acct_len, pl_managed__data_len, pl_managed__svc_len, pl_managed__ops_len,
    pl_managed__next_len, pl_managed__last_len;

/* ---- helpers shared by the rule files (managed.c) ---- */

/* Runs check table ks on v: false when one decided the result (written to out), true (and out
 * COMPLIANT) when all passed. */
bool pl_managed__checks(const struct pl_managed__ctx *c, const struct pl_managed__ci *v,
                        const struct pl_managed__check *ks, size_t n, struct pl_managed_eval *out);

/* Sets out to c/NON_COMPLIANT... with a printf-style annotation (truncated to 256). */
int pl_managed__res(struct pl_managed_eval *out, enum pl_compliance c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets out to NOT_APPLICABLE with no annotation; returns 0. */
int pl_managed__na(struct pl_managed_eval *out);
/* Path lookup with '|' alternatives (first present wins); segments use pl_managed__get, and strings
 * met on the way are parsed as embedded JSON (pl_managed__doc). */
const struct pl_json *pl_managed__path(const struct pl_managed__ctx *c, const struct pl_json *root,
                                       const char *paths);
/* Looks `key` up in o, then the same key with the first letter's case flipped (CI fields come
 * camelCase from Config and PascalCase from CloudFormation-schema types). */
const struct pl_json *pl_managed__get(const struct pl_json *o, const char *key);
/* True for JSON true or a string "true" (any case). */
bool pl_managed__true(const struct pl_json *j);
/* True when j is missing, null, "", [] or {}. */
bool pl_managed__empty(const struct pl_json *j);
/* Case-insensitive equality of a JSON string (or number text) and s. */
bool pl_managed__streq(const struct pl_json *j, const char *s);
/* A time as epoch ms: ISO-8601 text, or a number of epoch ms (or of seconds, when it is below
 * 1e11). Returns -1 when j is neither. */
int pl_managed__time(const struct pl_json *j, int64_t *ms);
/* Number (or numeric string) as int64; -1 when not a number. */
int pl_managed__int(const struct pl_json *j, long long *out);
/* A major.minor version ("1.21") as major * 1000 + minor; -1 when s is not one. */
long pl_managed__version_rank(const char *s);
/* A JSON document that may be embedded as a string (possibly URL-encoded) or be an array
 * holding one object (older IAM CIs): returns the object, parsing into c->scratch as needed,
 * or NULL. */
const struct pl_json *pl_managed__doc(const struct pl_managed__ctx *c, const struct pl_json *j);
/* Starts an evaluation for pl_managed__doc's per-thread cache of parsed documents: documents
 * obtained before may be evicted from now on, the ones obtained after stay valid until the next
 * call. pl_managed_evaluate and pl_managed_evaluate_all call it; before the first call on a thread,
 * pl_managed__doc parses into c->scratch. */
void pl_managed__doc_begin(void);
/* pl_managed__doc, except that JSON text not mentioning `needle` (case-insensitive) gives NULL
 * without being parsed: a cheap filter for rules that look only for statements containing a word.
 */
const struct pl_json *pl_managed__doc_if(const struct pl_managed__ctx *c, const struct pl_json *j,
                                         const char *needle);
/* Calls fn for j itself when it is not an array, else for each element. Stops at non-zero. */
int pl_managed__each(const struct pl_json *j, int (*fn)(void *u, const struct pl_json *e), void *u);
/* Item i of a list parameter contains s (case-sensitive). */
bool pl_managed__in_list(const struct pl_managed_pval *v, const char *s);
/* The AWS::::Account CI of env's account, or NULL. */
const struct pl_json *pl_managed__account(const struct pl_managed__ctx *c);
/* Fails with PL_E_INTERNAL unless env->each/get exist (rule needs other resources). */
int pl_managed__need_env(const struct pl_managed__ctx *c, const char *what);
/* Fills v from a CI (configuration, supplementaryConfiguration, type, id). */
void pl_managed__ci_init(struct pl_managed__ci *v, const struct pl_managed__ctx *c,
                         const struct pl_json *ci);

/* IAM policy statements: calls fn for each statement of a policy document (object form). */
int pl_managed__statements(const struct pl_json *doc, int (*fn)(void *u, const struct pl_json *st),
                           void *u);
/* True when a policy element (string or array of strings) matches `want` with IAM wildcards
 * ('*', '?'), case-insensitively: pattern in the policy, concrete action in want. */
bool pl_managed__action_matches(const struct pl_json *actions, const char *want);
/* IAM-style glob: '*' any run, '?' one character, case-insensitive. */
bool pl_managed__glob(const char *pattern, const char *s);
/* True when j (a string or an array of strings) holds "*" or, when given, `also`. */
bool pl_managed__has_star(const struct pl_json *j, const char *also);
/* True when the Principal element is everyone: "*", {"AWS": "*"} or {"AWS": ["*", ...]}. */
bool pl_managed__principal_public(const struct pl_json *principal);

/* True when CIDR block (or address) `inner` lies within block `outer` ("10.0.0.1" is a /32,
 * "2001:db8::1" a /128; IPv4 and IPv6 never contain each other). False when either does not
 * parse. */
bool pl_managed__cidr_within(const char *inner, const char *outer);

#endif
