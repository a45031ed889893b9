/* guard_int.h — private types of the Guard engine: values, the syntax tree, the evaluator state.
 *
 * Everything a parsed rules file owns (tree nodes, literal values, compiled regexes) lives in the
 * file's arena (regexes are also listed so they can be freed). Data documents are trees of
 * struct guard_val in their own arena; every node knows its parent and key so that reports can
 * print a path. Evaluation temporaries live in a per-evaluation arena that is dropped at the end.
 *
 * Invariants: maps keep insertion order; string values are NUL-terminated and carry a length;
 * nesting of the syntax tree is bounded by GUARD_MAX_DEPTH, so evaluation recursion is bounded
 * by the tree depth (queries in filters and rule references are bounded separately).
 */
#ifndef PL_GUARD_INT_H
#define PL_GUARD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "guard/guard.h"

/* The syntax and call limits sit where cfn-guard 3.1.1 itself overflows its stack (4500 nested
 * lists, 1800 nested blocks, 5000 chained rule references, 7000 chained lets), so plumb refuses nothing cfn-guard
 * evaluates; at these limits plumb needs at most about 6 MB of stack (release build; threads get 8 MB). */
#define GUARD_MAX_DEPTH      5000 /* syntax nesting (blocks, filters, lists, calls) */
#define GUARD_MAX_DATA_DEPTH 512  /* nesting of input documents */
#define GUARD_MAX_CALLS      5000 /* rule references / parameterized calls in progress */
#define GUARD_MAX_EVAL_DEPTH 8000 /* query and block recursion, variables included */
#define GUARD_MAX_LET_CHAIN  6000 /* lets referring to lets (cfn-guard overflows before 7000) */
/* YAML aliases: the nodes they may add to a document (see yaml.c), per input byte, at least, at
 * most. A document without aliases never meets the budget. */
#define GUARD_YAML_ALIAS_PER_BYTE 16
#define GUARD_YAML_ALIAS_MIN      100000
#define GUARD_YAML_ALIAS_MAX      10000000

/* ---------------------------------------------------------------- values */

enum guard_vtype {
    GV_NULL,
    GV_BOOL,
    GV_INT,
    GV_FLOAT,
    GV_STR,
    GV_CHAR,
    GV_REGEX,
    GV_RANGE,
    GV_LIST,
    GV_MAP,
};

struct guard_regex;

struct guard_val {
    enum guard_vtype t;
    bool b;
    int64_t i; /* INT, CHAR (code point), RANGE int/char bounds: see lo/hi */
    double f;
    const char *s;            /* STR text, REGEX pattern, NUL-terminated */
    size_t n;                 /* STR/REGEX: bytes; LIST/MAP: members */
    struct guard_val **items; /* LIST/MAP members */
    const char **keys;        /* MAP keys (NUL-terminated) */
    size_t *klens;
    struct guard_regex *re; /* REGEX: compiled */
    /* RANGE */
    enum guard_vtype rt; /* GV_INT, GV_FLOAT or GV_CHAR */
    double rlo, rhi;
    int64_t ilo, ihi;
    bool lo_incl, hi_incl;
    /* position in the document, for paths */
    const struct guard_val *parent;
    const char *key; /* member name when in a map */
    uint32_t idx;    /* index when in a list */
    uint32_t line, col;
};

/* Loads a document: mode GUARD_LOAD_DATA (JSON first, else YAML the way `validate` reads data)
 * or GUARD_LOAD_SPEC (YAML 1.2 core schema, as `test` reads specs). Multi-document YAML gives a
 * list of documents in docs and ndocs. Nodes are allocated in a. */
enum { GUARD_LOAD_DATA = 0, GUARD_LOAD_SPEC = 1 };
int guard__load(struct pl_arena *a, const char *text, size_t len, int mode,
                struct guard_val ***docs, size_t *ndocs, struct pl_err *err);
int guard__json_parse(struct pl_arena *a, const char *text, size_t len, struct guard_val **out,
                      struct pl_err *err);
int guard__yaml_parse(struct pl_arena *a, const char *text, size_t len, int mode,
                      struct guard_val ***docs, size_t *ndocs, struct pl_err *err);
/* The most nodes that aliases may add to a YAML document of len bytes. */
size_t guard__yaml_alias_budget(size_t len);

struct guard_val *guard__val_new(struct pl_arena *a, enum guard_vtype t);
void guard__val_push(struct pl_arena *a, struct guard_val *c, const char *key, size_t klen,
                     struct guard_val *v);
struct guard_val *guard__map_get(const struct guard_val *m, const char *k, size_t kl);
struct guard_val *guard__from_json(struct pl_arena *a, const struct pl_json *j, int depth);
/* Appends v as JSON (pretty when indent >= 0) to b. */
void guard__val_write_json(struct pl_buf *b, const struct guard_val *v, int indent);
/* Appends a compact, cfn-guard-like rendering of v ("abc" / 1 / [..]) to b. */
void guard__val_write_short(struct pl_buf *b, const struct guard_val *v);
/* Appends "/Resources/b1/Type" style path of v to b. */
void guard__val_path(struct pl_buf *b, const struct guard_val *v);

/* regexes (PCRE2); compiled once, freed with the rules file */
struct guard_regex *guard__regex_compile(const char *pat, size_t n, char *errbuf, size_t errlen);
void guard__regex_free(struct guard_regex *re);
/* 1 match, 0 none, -1 the regex is too costly to match (the matchers' limits) */
int guard__regex_search(struct guard_regex *re, const char *s, size_t n);
void *guard__regex_code(struct guard_regex *re); /* the pcre2_code, for substitutions */

/* ---------------------------------------------------------------- syntax tree */

enum guard_op {
    GOP_EQ,
    GOP_NE,
    GOP_GT,
    GOP_GE,
    GOP_LT,
    GOP_LE,
    GOP_IN,
    GOP_EXISTS,
    GOP_EMPTY,
    GOP_IS_STRING,
    GOP_IS_LIST,
    GOP_IS_STRUCT,
    GOP_IS_BOOL,
    GOP_IS_INT,
    GOP_IS_FLOAT,
    GOP_IS_NULL,
};

enum guard_part_kind {
    GP_KEY,     /* .k / ['k'] */
    GP_INDEX,   /* .N / [N] */
    GP_DOTSTAR, /* .* */
    GP_ALL,     /* [*] */
    GP_BIND,    /* [name] */
    GP_FILTER,  /* [ cnf ] */
    GP_KEYS,    /* [ keys == x ] */
    GP_VARKEY,  /* .%v */
    GP_VAR,     /* %v (first part only) */
    GP_THIS,    /* this (first part only) */
};

struct guard_block;
struct guard_expr;

struct guard_part {
    enum guard_part_kind k;
    const char *s; /* key, variable or bind name */
    size_t sl;
    int64_t idx;
    const char *bind;           /* FILTER/KEYS: optional "name |" */
    struct guard_block *filter; /* FILTER */
    enum guard_op op;           /* KEYS: GOP_EQ/GOP_NE/GOP_IN */
    bool op_not;
    struct guard_expr *rhs; /* KEYS */
};

struct guard_query {
    bool some;
    size_t n;
    struct guard_part *parts;
    const char *text; /* source text, for messages */
};

enum guard_expr_kind { GE_VALUE, GE_QUERY, GE_CALL };

struct guard_expr {
    enum guard_expr_kind k;
    struct guard_val *val; /* VALUE */
    struct guard_query *q; /* QUERY */
    const char *fname;     /* CALL */
    size_t nargs;
    struct guard_expr **args;
    uint32_t line, col;
};

enum guard_node_kind {
    GN_CLAUSE,  /* access clause */
    GN_BLOCK,   /* query { body } */
    GN_WHEN,    /* when conds { body } */
    GN_RULEREF, /* [not] name */
    GN_CALL,    /* [not] name(args) */
    GN_TYPE,    /* AWS::X::Y [when conds] { body } */
};

struct guard_node {
    enum guard_node_kind k;
    uint32_t line, col;
    bool negate;           /* clause prefix `not` / `not rule` */
    struct guard_query *q; /* CLAUSE lhs, BLOCK query, TYPE selection */
    enum guard_op op;
    bool op_not; /* !exists, not in, != is GOP_NE */
    struct guard_expr *rhs;
    const char *msg;           /* custom message or NULL */
    bool not_empty;            /* BLOCK: `q !empty { }` form */
    struct guard_block *conds; /* WHEN/TYPE */
    struct guard_block *body;  /* BLOCK/WHEN/TYPE */
    const char *name;          /* RULEREF/CALL: rule, TYPE: type name */
    size_t nargs;              /* CALL */
    struct guard_expr **args;
    const char *text; /* source text of the clause */
};

struct guard_let {
    const char *name;
    struct guard_expr *e;
    bool some;
    uint32_t line, col;
    int mark; /* vars.c: cycle check state */
};

struct guard_disj {
    size_t n;
    struct guard_node **alts;
};

/* A conjunction of disjunctions, with the lets written in it. */
struct guard_block {
    size_t nlets;
    struct guard_let *lets;
    size_t n;
    struct guard_disj *groups;
};

struct guard_rule {
    const char *name;
    size_t nparams;
    const char **params;
    struct guard_block *conds; /* rule-level when, or NULL */
    struct guard_block *body;
    uint32_t line, col;
    int index; /* position in guard_rules.rules */
};

struct guard_rules {
    struct pl_arena arena;
    char *name;              /* file name for reports */
    struct guard_block *top; /* file-level lets and the clauses of the implicit `default` */
    size_t nrules;
    struct guard_rule **rules; /* named rules, file order (parameterized ones included) */
    bool has_default;
    struct guard_rule *deflt;
    size_t nre;
    struct guard_regex **res;
    uint64_t max_steps; /* evaluation budget (guard_rules_set_max_steps) */
};

/* Refuses variables that depend on themselves, "line L:C: variable a refers to itself" (vars.c). */
int guard__check_vars(struct guard_rules *r, struct pl_err *err);

/* ---------------------------------------------------------------- evaluation */

enum guard_st { GS_PASS = GUARD_PASS, GS_FAIL = GUARD_FAIL, GS_SKIP = GUARD_SKIP };

/* The number of arguments of built-in function name[0..len), -1 if there is none (eval_fn.c). */
int guard__fn_arity(const char *name, size_t len);

/* Evaluates r against a document value (eval.c); as guard_eval(). */
int guard__eval_root(const struct guard_rules *r, const struct guard_val *root,
                     struct guard_report *out, struct pl_err *err);

/* ---------------------------------------------------------------- lexing (lex.c) */

struct guard_lex {
    const char *s, *p, *end;
    struct pl_arena *a;
    struct pl_err *err;
    struct guard_rules *rules;
    int depth;
    const char *pos_at; /* guard__lex_pos cache: line:col of pos_at (NULL: start) */
    uint32_t pos_line, pos_col;
};

void guard__lex_pos(struct guard_lex *lx, const char *at, uint32_t *line, uint32_t *col);
int guard__lex_fail(struct guard_lex *lx, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void guard__lex_ws(struct guard_lex *lx);          /* spaces, newlines, # comments */
bool guard__lex_at_ws(const struct guard_lex *lx); /* at whitespace, comment or end */
bool guard__lex_identc(unsigned char c);
/* Identifier at p: a letter then letters, digits, '_'. Returns its length (0: none). */
size_t guard__lex_ident(const struct guard_lex *lx, const char *p);
/* Keyword w at lx->p, not followed by an identifier character; consumes it when true. */
bool guard__lex_kw(struct guard_lex *lx, const char *w);
bool guard__lex_kw2(struct guard_lex *lx, const char *lower, const char *upper);
/* Quoted string ('..' or ".."); only the delimiter may be escaped. Arena copy. */
int guard__lex_string(struct guard_lex *lx, const char **out, size_t *outl);
/* Numbers, regex literals, ranges: fill v (allocated by the caller). 1 = matched, 0 = not
 * here, -1 = error. */
int guard__lex_number(struct guard_lex *lx, struct guard_val *v);
int guard__lex_regex(struct guard_lex *lx, struct guard_val *v);

/* ---------------------------------------------------------------- front end (report.c, output.c) */

/* Document idx of d, or NULL. Borrowed. */
const struct guard_val *guard__doc_root(const struct guard_doc *d, size_t idx);
/* Report trees: a string value (NULL: null) and a map member, both in a. */
struct guard_val *guard__tree_str(struct pl_arena *a, const char *s);
void guard__tree_set(struct pl_arena *a, struct guard_val *m, const char *k, struct guard_val *v);
/* Writes tree v to o as JSON (pretty) or YAML. */
void guard__tree_print(FILE *o, const struct guard_val *v, enum guard_format f);
/* s without leading and trailing white space; the caller frees it. */
char *guard__trimmed(const char *s);

#endif
