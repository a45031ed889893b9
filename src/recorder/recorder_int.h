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

/* The name of a partition's DAILY schedule object (daily_hold.c opens it, daily.c closes it). */
#define PL_REC_DAILY_SCHEDULE "default"

/* daily_hold.c: should the recorder hold ci for the daily delivery instead of recording it now?
 * (a live observation — stamped with the recorder's clock — of a DAILY type, in
 * PL_REC_MODE_RECORDER or IMPORT with a running recorder, not the flush itself) */
bool pl_rec__daily_holds(const struct pl_rec_opts *o, const struct pl_rec_state *st,
                         const struct pl_ci *ci);
/* daily_hold.c: stores ci (its partition account/region) as the resource's held state, captured at
 * now, latest wins, in the caller's transaction; opens the partition's schedule if none. */
int pl_rec__daily_hold(struct pl_store *s, const char *account, const char *region,
                       const struct pl_ci *ci, int64_t now, struct pl_err *err);

#endif
