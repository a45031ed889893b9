/* recorder_int.h — internals shared by the recorder's files (not for other modules). */
#ifndef PL_RECORDER_RECORDER_INT_H
#define PL_RECORDER_RECORDER_INT_H

#include "core/buf.h"
#include "recorder/recorder.h"

/* Where the canonical texts of configuration, relationships, supplementaryConfiguration,
 * tags and the small recorded fields lie in the scratch buffer after pl_rec__hash. */
struct pl_rec_piece {
    size_t off, len;
};
struct pl_rec_enc {
    struct pl_rec_piece pc[5];
};

/* Canonical hash of ci's recorded fields; leaves the canonical pieces in scratch. */
void pl_rec__hash(const struct pl_ci *ci, struct pl_buf *scratch, struct pl_rec_enc *e,
                  char out[65]);
/* The stored body (canonical JSON, recorder.h) from the pieces pl_rec__hash left in
 * scratch for the same ci. */
int pl_rec__body(const struct pl_ci *ci, const char *account, const char *region,
                 const struct pl_buf *scratch, const struct pl_rec_enc *e, struct pl_buf *out);

#endif
