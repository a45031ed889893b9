/* api.h — the boundary between the HTTP transport (http/) and the AWS Config operations (api/).
 *
 * http/ authenticates the request (SigV4), finds the partition (account from the access key,
 * region from the credential scope), caps the body, and calls pl_api_call() with the operation
 * name taken from X-Amz-Target. api/ parses and validates the JSON body, runs the operation
 * against the store, and renders the response body or fills err. It never sees HTTP.
 */
#ifndef PL_API_API_H
#define PL_API_API_H

#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

struct pl_store;
struct pl_app; /* the running service: store, recorder, rule engine, ... (api/app.h) */

/* Who is calling, and where. */
struct pl_partition {
    char account[13]; /* 12 digits */
    char region[32];
};

struct pl_api_req {
    struct pl_app *app;
    struct pl_partition part;
    const char *access_key; /* the caller's key id (for events sent to functions) */
    int admin; /* an administrator key: may register code that runs on the host */
    const char *target_prefix; /* "StarlingDoveService" or "PlumbService" */
    const char *op;            /* operation name, e.g. "PutConfigurationRecorder" */
    const char *body;          /* request body (not NUL-terminated necessarily) */
    size_t body_len;
    const char *request_id;
    struct pl_arena *arena; /* per-request temporaries, freed after the response */
};

/* Runs one operation. On success returns 0 and appends the JSON response body to out (an empty
 * body means "{}"). On failure returns -1 with err set; the caller renders
 * {"__type": pl_err_name(code), "message": msg} (pl_json_write_error) with pl_err_status(code).
 * Unknown operations fail with PL_E_UNKNOWN_OPERATION. */
int pl_api_call(const struct pl_api_req *req, struct pl_buf *out, struct pl_err *err);

/* True when op is an operation of the AWS Config model (served or not), for metrics labels. */
int pl_api_known_op(const char *prefix, const char *op);

#endif
