/* recorder_int.h — internals shared by the recorder's files (not for other modules). */
#ifndef PL_RECORDER_RECORDER_INT_H
#define PL_RECORDER_RECORDER_INT_H

#include "core/buf.h"
#include "recorder/recorder.h"

/* Canonical hash of ci's recorded fields; scratch is reused between calls, temporaries in a. */
void pl_rec__hash_buf(const struct pl_ci *ci, struct pl_arena *a, struct pl_buf *scratch,
                      char out[65]);
/* The stored body (canonical JSON, recorder.h) of ci with the recorder-assigned fields. */
int pl_rec__body(const struct pl_ci *ci, const char *account, const char *region,
                 const char *status, int64_t capture_ms, int64_t state_id, struct pl_arena *a,
                 struct pl_buf *out);

#endif
