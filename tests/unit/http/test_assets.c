/* test_assets.c — the console's embedded files (http/assets.h): every file of src/web/files.cmake
 * is in the table with its Content-Type and a strong ETag, "/" is index.html, and nothing else
 * (no directory, no traversal, no prefix match) is found. */
#include "http/assets.h"

#include <string.h>

#include "t.h"

static void test_lookup(void)
{
    const struct pl_web_asset *i = pl_web_asset_find("/");
    T_OK(i != NULL);
    T_OK(i == pl_web_asset_find("/index.html"));
    T_STR(i->content_type, "text/html; charset=utf-8");
    T_OK(i->len > 100 && memcmp(i->data, "<!doctype html>", 15) == 0);
    const struct pl_web_asset *js = pl_web_asset_find("/console.js");
    T_OK(js != NULL);
    T_STR(js->content_type, "text/javascript; charset=utf-8");
    T_OK(strstr((const char *)js->data, "PlumbSigV4") != NULL); /* the bundle holds each part */
    T_OK(strstr((const char *)js->data, "PlumbChart") != NULL);
    T_STR(pl_web_asset_find("/style.css")->content_type, "text/css; charset=utf-8");
    const char *missing[] = {
        "",      "//",      "/index",          "/index.html/", "/../index.html",
        "/web/", "/app.js", "/console.js.map", "index.html",   "/INDEX.HTML"};
    for (size_t k = 0; k < sizeof missing / sizeof *missing; k++)
        T_OK(pl_web_asset_find(missing[k]) == NULL);
    T_OK(pl_web_asset_find(NULL) == NULL);
}

static void test_table(void)
{
    size_t n = 0;
    for (const struct pl_web_asset *a = pl_web_assets; a->path; a++, n++) {
        T_OK(a->path[0] == '/');
        T_OK(a->len > 0);
        T_EQ(strlen(a->etag), 34); /* "\"" + 32 hex + "\"" */
        T_OK(a->etag[0] == '"' && a->etag[33] == '"');
        T_OK(a->data[a->len] == 0); /* NUL after the bytes: safe to strstr in tests */
        for (const struct pl_web_asset *b = a + 1; b->path; b++)
            T_OK(strcmp(a->etag, b->etag) != 0 && strcmp(a->path, b->path) != 0);
    }
    T_EQ(n, 4); /* index.html, style.css, favicon.svg, console.js */
}

int main(void)
{
    T_RUN(test_lookup);
    T_RUN(test_table);
    return T_EXIT();
}
