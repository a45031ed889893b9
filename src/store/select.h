/* select.h — the store's side of advanced query: a backend-neutral plan of a SELECT over the
 * current configuration items of a list of (account, region) partitions (one for
 * SelectResourceConfig, an aggregator's authorized sources for SelectAggregateResourceConfig),
 * and the functions that run it.
 *
 * query/ parses AWS's dialect and builds a struct pl_sel; the store alone turns it into SQL
 * (select.c), so nothing above src/store/ speaks SQL. Rows are the latest CI of each resource
 * that is neither deleted nor ResourceNotRecorded.
 *
 * Field semantics (what a WHERE leaf compares):
 *   - PL_SEL_COL: a top-level CI field (enum pl_sel_col); resourceType, resourceId and
 *     resourceName are indexed columns;
 *   - PL_SEL_PATH: "configuration.a.b" or "supplementaryConfiguration.a.b": any value at that
 *     path matches, arrays at any level flattened (AWS's implicit any-element matching);
 *   - PL_SEL_TAG: path "key", "value" or "tag" ("key=value"): any tag matches;
 *   - PL_SEL_REL: path "resourceId", "resourceName" or "resourceType": any relationship.
 * For GROUP BY, ORDER BY and aggregates a PATH is its single value (json_extract: no array
 * flattening). The plan's trees are bounded by the parser (QUERY_MAX_DEPTH).
 */
#ifndef PL_STORE_SELECT_H
#define PL_STORE_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/store.h"

enum pl_sel_src { PL_SEL_COL, PL_SEL_PATH, PL_SEL_TAG, PL_SEL_REL };

/* Top-level fields, in the order SELECT * lists them, then the others. */
#define PL_SEL_COLS(X)                                                                             \
    X(ACCOUNT, "accountId")                                                                        \
    X(REGION, "awsRegion")                                                                         \
    X(ARN, "arn")                                                                                  \
    X(AZ, "availabilityZone")                                                                      \
    X(CAPTURE, "configurationItemCaptureTime")                                                     \
    X(CREATED, "resourceCreationTime")                                                             \
    X(ID, "resourceId")                                                                            \
    X(NAME, "resourceName")                                                                        \
    X(TYPE, "resourceType")                                                                        \
    X(VERSION, "version")                                                                          \
    X(STATUS, "configurationItemStatus")                                                           \
    X(STATE_ID, "configurationStateId")                                                            \
    X(FREQUENCY, "recordingFrequency")
#define PL_SEL__COL_ENUM(id, name) PL_SEL_C_##id,
enum pl_sel_col { PL_SEL_COLS(PL_SEL__COL_ENUM) PL_SEL_NCOLS };
#define PL_SEL_STAR_COLS 10 /* SELECT * = the first ten (AWS's top-level scalars) */

/* The AWS name of a column. */
const char *pl_sel_col_name(enum pl_sel_col c);

struct pl_sel_field {
    enum pl_sel_src src;
    enum pl_sel_col col; /* PL_SEL_COL */
    const char *path;    /* PATH: "configuration.a.b"; TAG / REL: the member */
};

enum pl_sel_op {
    PL_SEL_AND,
    PL_SEL_OR,
    PL_SEL_NOT,
    PL_SEL_EQ,
    PL_SEL_NE,
    PL_SEL_LT,
    PL_SEL_LE,
    PL_SEL_GT,
    PL_SEL_GE,
    PL_SEL_IN,      /* v[0..nv) */
    PL_SEL_BETWEEN, /* v[0] AND v[1] */
    PL_SEL_PREFIX,  /* AWS LIKE: v[0] is the literal prefix, then nwild wildcards */
};

/* A literal: a string, or a number written as text (kind PL_SEL_V_NUM), or a boolean. */
enum pl_sel_vkind { PL_SEL_V_STR, PL_SEL_V_NUM, PL_SEL_V_BOOL };
struct pl_sel_val {
    enum pl_sel_vkind kind;
    const char *text; /* STR: the string; NUM: the number as written; BOOL: "true"/"false" */
};

struct pl_sel_cond {
    enum pl_sel_op op;
    const struct pl_sel_cond *l, *r; /* AND / OR: both; NOT: l */
    struct pl_sel_field f;           /* comparisons */
    const struct pl_sel_val *v;
    size_t nv;
    /* PREFIX: the wildcards after the prefix; a '%' makes the length open-ended, each '_'
     * adds one character */
    int nunder;
    bool percent;
    /* EQ, NE, BETWEEN on a path the schema types as an IP or CIDR block, with IPv4 values:
     * compared as address ranges (= and != : the stored range contains the value's; BETWEEN:
     * the stored range overlaps [v0, v1]) */
    bool cidr;
};

enum pl_sel_agg { PL_SEL_NONE, PL_SEL_COUNT, PL_SEL_MIN, PL_SEL_MAX, PL_SEL_SUM, PL_SEL_AVG };

struct pl_sel_expr {
    enum pl_sel_agg agg;
    bool star; /* COUNT(*) */
    struct pl_sel_field f;
};

struct pl_sel_order {
    struct pl_sel_expr e;
    bool desc;
};

/* One (account, region) partition a plan reads. */
struct pl_sel_part {
    const char *account, *region;
};

struct pl_sel {
    const struct pl_sel_part *parts; /* the partitions read, at least one */
    size_t nparts;
    /* an allow list of resource types (an aggregator's ResourceType filter); NULL: any */
    const char *const *types;
    size_t ntypes;
    const struct pl_sel_cond *where; /* NULL: every row */
    /* aggregate plans (GROUP BY or an aggregate function): the output columns */
    bool aggregate;
    const struct pl_sel_expr *cols;
    size_t ncols;
    const struct pl_sel_field *group;
    size_t ngroup;
    const struct pl_sel_order *order;
    size_t norder;
    int64_t offset; /* rows to skip */
    int limit;      /* rows to return (the caller asks one more to know if there are more) */
    /* > 0: over the inventory as it was at this moment (epoch ms; plumb's history: each
     * resource's latest version captured by then, deleted ones left out); 0: now */
    int64_t as_of_ms;
};

/* A value of an aggregate row. */
enum pl_sel_vtype { PL_SEL_T_NULL, PL_SEL_T_INT, PL_SEL_T_REAL, PL_SEL_T_TEXT };
struct pl_sel_value {
    enum pl_sel_vtype type;
    int64_t i;
    double d;
    const char *s;
};

/* Non-aggregate plans: the matching current CIs (diff not read), in ORDER BY order (then
 * resource row order), rows[offset .. offset+limit). *rows is an arena array of *n. */
/* Do x and y name the same column or property path? */
bool pl_sel_field_same(const struct pl_sel_field *x, const struct pl_sel_field *y);

int pl_store_select_cis(struct pl_store *s, const struct pl_sel *q, struct pl_arena *a,
                        struct pl_ci_row **rows, size_t *n, struct pl_err *err);

/* Aggregate plans: *vals is an arena array of *n rows of q->ncols values each. */
int pl_store_select_agg(struct pl_store *s, const struct pl_sel *q, struct pl_arena *a,
                        struct pl_sel_value **vals, size_t *n, struct pl_err *err);

#endif
