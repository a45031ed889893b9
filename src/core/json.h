/* json.h — plumb's JSON document model, parser and writer.
 *
 * Documents are trees of struct pl_json nodes allocated in a struct pl_arena: the arena owns
 * every node and string, so there is nothing to free per node. Numbers keep the exact text
 * they were written with (configuration data must round-trip byte for byte, including integers
 * above 2^53), and are converted only when asked. Strings are stored unescaped, UTF-8,
 * NUL-terminated, with an explicit length (they may contain NUL).
 *
 * Why not a Debian JSON library: see docs/DECISIONS.md (exact numbers, arena ownership and
 * speed; measured in bench/json).
 *
 * Walking: for (const struct pl_json *c = obj->child; c; c = c->next) { c->key ... }
 */
#ifndef PL_CORE_JSON_H
#define PL_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

#define PL_JSON_MAX_DEPTH 256

enum pl_jtype { PL_JNULL, PL_JBOOL, PL_JNUM, PL_JSTR, PL_JARR, PL_JOBJ };

struct pl_json {
    enum pl_jtype type;
    bool b;          /* PL_JBOOL */
    size_t len;      /* JSTR/JNUM: bytes of str; JARR/JOBJ: number of children */
    const char *str; /* JSTR: unescaped text; JNUM: the number as written (valid JSON number) */
    const char *key; /* member name when this node is inside an object, else NULL */
    size_t klen;
    struct pl_json *child, *last; /* JARR/JOBJ: first and last child */
    struct pl_json *next;         /* next sibling */
};

/* ---- parsing ---- */

/* Parses exactly one JSON value (surrounding whitespace allowed) from src[0..len).
 * Returns the root, or NULL with err = PL_E_SERIALIZATION and "line L:C: what" in msg.
 * Rejects invalid UTF-8 escapes, control characters in strings, trailing garbage, depth
 * beyond PL_JSON_MAX_DEPTH. Duplicate keys are kept (last one wins in pl_json_get). */
struct pl_json *pl_json_parse(struct pl_arena *a, const char *src, size_t len,
                              struct pl_err *err);

/* The same, but strings are made in place in buf (closing quotes become NULs, escapes are
 * decoded in place), which saves a copy of every string: buf is changed and must live as long
 * as the document. For documents plumb parses once and owns, such as stored CI bodies. */
struct pl_json *pl_json_parse_insitu(struct pl_arena *a, char *buf, size_t len,
                                     struct pl_err *err);

/* ---- reading ---- */

/* Member of an object by key (the last one when duplicated); NULL if o is not an object. */
struct pl_json *pl_json_get(const struct pl_json *o, const char *key);
/* Element i of an array, or NULL. O(i). */
struct pl_json *pl_json_at(const struct pl_json *arr, size_t i);
/* Follows a dotted path of object keys ("a.b.c"); NULL when any step is missing. */
struct pl_json *pl_json_path(const struct pl_json *o, const char *dotted);

/* Typed views: return NULL / false / -1 when j is NULL or of another type. */
const char *pl_json_str(const struct pl_json *j);           /* borrowed, NUL-terminated */
const char *pl_json_get_str(const struct pl_json *o, const char *key);
int pl_json_i64(const struct pl_json *j, int64_t *out);     /* integral numbers in range only */
int pl_json_double(const struct pl_json *j, double *out);
bool pl_json_is(const struct pl_json *j, enum pl_jtype t);
bool pl_json_truthy(const struct pl_json *j);               /* JBOOL true only */

/* Deep equality (objects compare as unordered maps; numbers by value when texts differ). */
bool pl_json_equal(const struct pl_json *a, const struct pl_json *b);

/* ---- building (all nodes and strings copied into arena a) ---- */

struct pl_json *pl_json_new_obj(struct pl_arena *a);
struct pl_json *pl_json_new_arr(struct pl_arena *a);
struct pl_json *pl_json_new_null(struct pl_arena *a);
struct pl_json *pl_json_new_bool(struct pl_arena *a, bool v);
struct pl_json *pl_json_new_i64(struct pl_arena *a, int64_t v);
struct pl_json *pl_json_new_double(struct pl_arena *a, double v); /* shortest round-trip text */
struct pl_json *pl_json_new_numtext(struct pl_arena *a, const char *text); /* trusted number */
struct pl_json *pl_json_new_str(struct pl_arena *a, const char *s);
struct pl_json *pl_json_new_strn(struct pl_arena *a, const char *s, size_t n);
/* Epoch seconds with milliseconds, as AWS JSON timestamps: 1452193834.344 */
struct pl_json *pl_json_new_epoch_ms(struct pl_arena *a, int64_t ms);

/* Appends v to array arr / sets key in object obj (appends; does not replace). v is linked in,
 * not copied, so v must not already be in another container. Return v. */
struct pl_json *pl_json_push(struct pl_json *arr, struct pl_json *v);
struct pl_json *pl_json_set(struct pl_arena *a, struct pl_json *obj, const char *key,
                            struct pl_json *v);
/* Removes key from obj (all occurrences). Returns the number removed. */
int pl_json_del(struct pl_json *obj, const char *key);
/* Deep copy into arena a. */
struct pl_json *pl_json_clone(struct pl_arena *a, const struct pl_json *j);

/* Convenience setters: pl_json_set(a, obj, key, pl_json_new_xxx(a, v)). */
void pl_json_set_str(struct pl_arena *a, struct pl_json *obj, const char *key, const char *s);
void pl_json_set_i64(struct pl_arena *a, struct pl_json *obj, const char *key, int64_t v);
void pl_json_set_bool(struct pl_arena *a, struct pl_json *obj, const char *key, bool v);

/* ---- writing ---- */

enum {
    PL_JSON_COMPACT = 0,
    PL_JSON_SORTED = 1, /* object keys in byte order: with COMPACT, the canonical form */
    PL_JSON_PRETTY = 2, /* two-space indentation, for people */
};
#define PL_JSON_CANON PL_JSON_SORTED

/* Appends the text of j to b. Returns 0, or -1 if b's cap was hit. */
int pl_json_write(struct pl_buf *b, const struct pl_json *j, int flags);
/* Appends s[0..n) as a JSON string literal (quotes and escapes). */
int pl_json_write_str(struct pl_buf *b, const char *s, size_t n);
/* Appends the AWS JSON 1.1 error body of err, {"__type": pl_err_name(code), "message": msg}, to
 * b (an err without a code renders as InternalFailure); returns the code rendered. b must not
 * be capped below the message: a message echoes parts of a request (every validation error of a
 * body, say) and has no fixed length. */
enum pl_errcode pl_json_write_error(struct pl_buf *b, const struct pl_err *err);
/* The text of j in arena memory (NUL-terminated). */
char *pl_json_dump(struct pl_arena *a, const struct pl_json *j, int flags);

#endif
