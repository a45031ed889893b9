/* fake_source.h — a deterministic CI source for delivery tests and benchmarks: n resources
 * spread over ntypes types, generated one at a time (no memory grows with n). */
#ifndef PL_TEST_FAKE_SOURCE_H
#define PL_TEST_FAKE_SOURCE_H

#include <stddef.h>

#include "delivery/delivery_int.h"

struct fake_src {
    size_t n;       /* resources */
    int ntypes;     /* AWS::Fake::T0 .. T<ntypes-1> */
    size_t pad;     /* bytes of pseudo-random hex in each configuration */
    const char *acct, *region;
};

void fake_source_init(struct pl_dsource *src, struct fake_src *f);

#endif
