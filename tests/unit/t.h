/* t.h — plumb's in-house unit-test helpers, in the manner of libuv's task.h.
 *
 * A test file defines test functions and a main() that runs them with T_RUN(fn). Each check
 * prints both operands with file:line when it fails and marks the test failed; T_RUN prints one
 * line per test; main returns T_EXIT(). ctest runs each file as its own process.
 */
#ifndef PL_TESTS_T_H
#define PL_TESTS_T_H

#include <stdio.h>
#include <string.h>
#include <inttypes.h>

static int t_failed_total, t_failed_now, t_run_total;

#define T_FAIL_(...)                                        \
    do {                                                    \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);     \
        fprintf(stderr, __VA_ARGS__);                       \
        fputc('\n', stderr);                                \
        t_failed_now++;                                     \
    } while (0)

#define T_OK(c)                                   \
    do {                                          \
        if (!(c))                                 \
            T_FAIL_("expected true: %s", #c);     \
    } while (0)

#define T_EQ(a, b)                                                                   \
    do {                                                                             \
        long long t_a_ = (long long)(a), t_b_ = (long long)(b);                      \
        if (t_a_ != t_b_)                                                            \
            T_FAIL_("%s == %s: %lld != %lld", #a, #b, t_a_, t_b_);                   \
    } while (0)

#define T_STR(a, b)                                                                  \
    do {                                                                             \
        const char *t_a_ = (a), *t_b_ = (b);                                         \
        if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0)                              \
            T_FAIL_("%s == %s:\n  got:  \"%s\"\n  want: \"%s\"", #a, #b,             \
                    t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)");                 \
    } while (0)

#define T_MEM(a, b, n)                                                               \
    do {                                                                             \
        if (memcmp((a), (b), (n)) != 0)                                              \
            T_FAIL_("%s == %s (%zu bytes) differ", #a, #b, (size_t)(n));             \
    } while (0)

/* Stops the current test function early after a failed precondition. */
#define T_REQUIRE(c)                              \
    do {                                          \
        if (!(c)) {                               \
            T_FAIL_("required: %s", #c);          \
            return;                               \
        }                                         \
    } while (0)

#define T_RUN(fn)                                                                    \
    do {                                                                             \
        t_failed_now = 0;                                                            \
        t_run_total++;                                                               \
        fn();                                                                        \
        printf("%s %s\n", t_failed_now ? "FAIL" : "ok  ", #fn);                      \
        if (t_failed_now)                                                            \
            t_failed_total++;                                                        \
    } while (0)

#define T_EXIT() (printf("%d/%d passed\n", t_run_total - t_failed_total, t_run_total), \
                  t_failed_total ? 1 : 0)

#endif
