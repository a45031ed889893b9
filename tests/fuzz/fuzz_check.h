/* fuzz_check.h — what every fuzz target asserts about what plumb gives back, whatever the input:
 * text is valid UTF-8 (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF);
 * an error (struct pl_err) has a known code and a valid UTF-8 message; a success body is a JSON
 * object; an error body is AWS JSON 1.1's {"__type": "<code>", "message": "<text>"}.
 * A violation abort()s, so libFuzzer reports the input and the corpus replay test fails.
 */
#ifndef PL_FUZZ_CHECK_H
#define PL_FUZZ_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/json.h"

static inline void fuzz_utf8(const char *s, size_t n)
{
    if (pl_utf8_valid_prefix(s, n) != n)
        abort();
}

/* An error, when one is set: a code of the table and a valid UTF-8 message, the inline prefix
 * and the whole text alike. */
static inline void fuzz_err(const struct pl_err *e)
{
    if (e->code == PL_E_NONE)
        return;
    if ((int)e->code < 0 || e->code >= PL_E__COUNT)
        abort();
    fuzz_utf8(e->msg, strlen(e->msg));
    fuzz_utf8(pl_err_msg(e), strlen(pl_err_msg(e)));
}

static inline void fuzz_str(const char *s)
{
    if (s)
        fuzz_utf8(s, strlen(s));
}

/* The text of j (compact JSON, as it would be sent) is valid UTF-8; j may be NULL. */
static inline void fuzz_json_text(struct pl_arena *a, const struct pl_json *j)
{
    if (j)
        fuzz_str(pl_json_dump(a, j, PL_JSON_COMPACT));
}

/* body[0..n) is valid UTF-8 and a JSON object; returns it parsed in a (for more checks). */
static inline const struct pl_json *fuzz_json_object(struct pl_arena *a, const char *body, size_t n)
{
    struct pl_err err = {0};
    fuzz_utf8(body, n);
    const struct pl_json *j = pl_json_parse(a, body, n, &err);
    if (!j || j->type != PL_JOBJ)
        abort();
    return j;
}

/* Whether name is the AWS name of a code of the error table. */
static inline int fuzz_known_code(const char *name)
{
    for (int c = 1; c < PL_E__COUNT; c++)
        if (strcmp(pl_err_name((enum pl_errcode)c), name) == 0)
            return 1;
    return 0;
}

/* body[0..n) is an AWS JSON 1.1 error: an object with a string __type naming a code of the
 * table and a non-empty string message. */
static inline void fuzz_aws_error(struct pl_arena *a, const char *body, size_t n)
{
    const struct pl_json *j = fuzz_json_object(a, body, n);
    const char *type = pl_json_get_str(j, "__type"), *msg = pl_json_get_str(j, "message");
    if (!type || !msg || !*msg || !fuzz_known_code(type))
        abort();
}

#endif
