/* packs_int.h — what the files of src/packs share: the template tree with positions.
 *
 * yaml.c reads YAML or JSON text into a tree of struct pl_tnode (every node keeps its line and
 * column for error messages); template.c resolves that tree. Short-form tags (!Ref x) are
 * turned into their long form ({"Ref": x}) by the reader. */
#ifndef PL_PACKS_INT_H
#define PL_PACKS_INT_H

#include <stdbool.h>

#include "packs/packs.h"

enum pl_tkind { PL_T_NULL, PL_T_BOOL, PL_T_NUM, PL_T_STR, PL_T_SEQ, PL_T_MAP };

struct pl_tnode {
    enum pl_tkind kind;
    const char *str; /* scalars: the text as written (bool: "true"/"false") */
    bool b;
    const char *key; /* member name inside a map */
    struct pl_tnode *child, *last, *next;
    size_t n; /* children */
    int line, col;
};

/* Reads text into a tree (arena a). Errors "line L:C: ..." (template validation code). */
struct pl_tnode *pl_pack__read(struct pl_arena *a, const char *text, size_t len,
                               struct pl_err *err);
/* The member key of map m, or NULL. */
struct pl_tnode *pl_pack__get(const struct pl_tnode *m, const char *key);
/* A decimal number as YAML's core schema reads one ("12", "-1.5", "1e3"). */
bool pl_pack__is_number(const char *s);
/* Fails with err at node t's position (t may be NULL: no position). Returns -1. */
int pl_pack__fail(struct pl_err *err, const struct pl_tnode *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The JSON value of a tree node, nothing resolved (scalars as YAML's core schema typed them). */
struct pl_json *pl_pack__to_json(struct pl_arena *a, const struct pl_tnode *t);

/* template.c's resolver, shared with resources.c. */
struct pl_pack__res;
/* Starts resolving template root against env: Parameters get their values and Conditions are
 * evaluated. cfn: any CloudFormation template (plumb eval): Ref to a resource or an unknown
 * pseudo parameter, intrinsic functions other than the pack subset and ${Res.Attr} stay as
 * written instead of being errors. NULL with err. */
struct pl_pack__res *pl_pack__res_begin(struct pl_arena *a, const struct pl_tnode *root,
                                        const struct pl_pack_env *env, bool cfn,
                                        struct pl_err *err);
/* Resource r's Condition (*keep false when it is false) and its resolved Properties ({} when
 * absent, arena). 0 or -1 with err. */
int pl_pack__res_props(struct pl_pack__res *c, const struct pl_tnode *r, bool *keep,
                       struct pl_json **props);

#endif
