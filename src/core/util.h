/* util.h — small helpers shared by every module: allocation that aborts on exhaustion,
 * defensive-branch markers, the PL_TESTABLE switch, and bounded string helpers. */
#ifndef PL_CORE_UTIL_H
#define PL_CORE_UTIL_H

#include <stddef.h>
#include <stdbool.h>

#ifdef PL_UNIT_TESTS
#define PL_TESTABLE
#else
#define PL_TESTABLE static
#endif

#define PL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* For invariants and branches that "cannot" happen but are handled anyway: in debug builds
 * (PL_DEBUG, CMAKE_BUILD_TYPE=Debug: the sanitizer build) a broken one aborts with its place,
 * in release builds it is a branch hint and the caller's handling runs. */
#ifdef PL_DEBUG
void pl__invariant_failed(const char *what, const char *file, int line);
#define PL_ALWAYS(x) ((x) ? 1 : (pl__invariant_failed(#x, __FILE__, __LINE__), 0))
#define PL_NEVER(x)  ((x) ? (pl__invariant_failed("!(" #x ")", __FILE__, __LINE__), 1) : 0)
#else
#define PL_ALWAYS(x) (__builtin_expect(!!(x), 1))
#define PL_NEVER(x)  (__builtin_expect(!!(x), 0))
#endif

void *pl_xmalloc(size_t n);
void *pl_xcalloc(size_t n, size_t m);
void *pl_xrealloc(void *p, size_t n);
char *pl_xstrdup(const char *s);
char *pl_xstrndup(const char *s, size_t n);

/* Copies at most size-1 bytes and NUL-terminates (size > 0). Returns strlen(src). */
size_t pl_strlcpy(char *dst, const char *src, size_t size);
bool pl_starts_with(const char *s, const char *prefix);
/* The value of hex digit c (either case), -1 when c is not one. */
int pl_hex_value(int c);
/* The account field of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...): its length, 0 when
 * the ARN has none (or is not an ARN); *account points at it. */
size_t pl_arn_account(const char *arn, const char **account);
/* Parses a whole decimal integer string into *out; -1 on junk or overflow. */
int pl_parse_i64(const char *s, long long *out);

/* Reads a whole file (at most max bytes) into a malloc'd NUL-terminated buffer. */
char *pl_read_file(const char *path, size_t max, size_t *len);

#endif
