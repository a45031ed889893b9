/* model.h — the AWS Config service model as C tables (generated into model.gen.c by
 * tools/gen_model.py), and validation of a request body against an operation's input shape.
 *
 * Validation follows AWS's rules and wording: a wrong JSON type is a SerializationException; a
 * missing required member, a length, range, enum or pattern violation is a ValidationException
 * "N validation error(s) detected: Value 'x' at 'path' failed to satisfy constraint: …". */
#ifndef PL_API_MODEL_H
#define PL_API_MODEL_H

#include <stdint.h>

#include "core/err.h"
#include "core/json.h"

enum pl_shape_type {
    PL_SH_STRUCT, PL_SH_LIST, PL_SH_MAP, PL_SH_STRING, PL_SH_INTEGER, PL_SH_LONG,
    PL_SH_BOOLEAN, PL_SH_TIMESTAMP, PL_SH_DOUBLE, PL_SH_BLOB
};

struct pl_member {
    const char *name;
    int shape;
    int required;
};

struct pl_shape {
    const char *name;
    enum pl_shape_type type;
    int has_min, has_max;
    int64_t min, max;
    const char *const *enums;
    int nenums;
    const char *pattern;
    const struct pl_member *members;
    int nmembers;
    int exception;
    int elem;       /* list */
    int key, value; /* map */
};

struct pl_op_model {
    const char *name;
    int input, output; /* shape indices, -1 if none */
};

extern const struct pl_shape pl_model_shapes[];
extern const int pl_model_nshapes;
extern const struct pl_op_model pl_model_ops[];
extern const int pl_model_nops;

/* The model entry of an operation, or NULL. */
const struct pl_op_model *pl_model_op(const char *name);

/* Validates body (a parsed JSON value) against op's input shape. Returns 0 or -1 with err set. */
int pl_model_validate(const struct pl_op_model *op, const struct pl_json *body, struct pl_err *err);

#endif
