/* assets.h — the console's static files (src/web/), embedded in the binary at build time
 * (src/web/embed.cmake writes assets.gen.c from them). server.c serves them at GET /.
 *
 * Each asset is immutable for the life of the process: data is static, etag is the quoted
 * first half of the file's SHA-256, so a response can be revalidated with If-None-Match.
 */
#ifndef PL_HTTP_ASSETS_H
#define PL_HTTP_ASSETS_H

#include <stddef.h>

struct pl_web_asset {
    const char *path; /* "/index.html" */
    const char *content_type;
    const char *etag; /* "\"<32 hex>\"" */
    const unsigned char *data;
    size_t len;
};

/* The table, ended by an entry whose path is NULL (assets.gen.c). */
extern const struct pl_web_asset pl_web_assets[];

/* The asset served at path ("/" is "/index.html"), or NULL. */
const struct pl_web_asset *pl_web_asset_find(const char *path);

#endif
