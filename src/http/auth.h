/* auth.h — authenticating one request (internal to http/, exposed for tests and the fuzzer).
 *
 * pl_http_authenticate() is a pure function of the request, the mode, the key table and the
 * clock (pl_now_ms()): it parses the Authorization header, checks the scope, the date window
 * and (in SigV4 mode) the key and the signature, and yields the caller's partition.
 */
#ifndef PL_HTTP_AUTH_H
#define PL_HTTP_AUTH_H

#include <stddef.h>

#include "api/api.h"
#include "core/err.h"
#include "core/sigv4.h"
#include "http/creds.h"
#include "http/http.h"

#define PL_HTTP_SERVICE "config"

/* What the transport knows about a request. */
struct pl_http_request {
    const char *method;
    const char *path;  /* decoded */
    const char *query; /* raw-ish query ("" when none) */
    const struct pl_sigv4_header *headers;
    size_t nheaders;
    const char *body;
    size_t body_len;
};

struct pl_http_identity {
    struct pl_partition part;
    char access_key[129];
    int admin;   /* an administrator key (open mode: always) */
    int session; /* session credentials of a function (never admin) */
};

/* The value of the first header called name (case-insensitive), or NULL. */
const char *pl_http_header(const struct pl_http_request *r, const char *name);

/* Authenticates r. creds may be NULL in open mode. Returns 0 and fills id, or -1 with err set
 * to MissingAuthenticationToken, IncompleteSignature, InvalidSignature (bad signature, stale
 * date, wrong service) or UnrecognizedClient (unknown or revoked key). */
int pl_http_authenticate(enum pl_http_auth mode, struct pl_creds *creds,
                         const struct pl_http_request *r, struct pl_http_identity *id,
                         struct pl_err *err);

#endif
