/* assets.c — looks up the embedded console files (see assets.h). */
#include "http/assets.h"

#include <string.h>

const struct pl_web_asset *pl_web_asset_find(const char *path)
{
    if (!path)
        return NULL;
    if (strcmp(path, "/") == 0)
        path = "/index.html";
    for (const struct pl_web_asset *a = pl_web_assets; a->path; a++)
        if (strcmp(a->path, path) == 0)
            return a;
    return NULL;
}
