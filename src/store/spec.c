/* spec.c — where a store is: a SQLite data directory, a PostgreSQL URL, or a data directory
 * bound to a PostgreSQL database by its store-url file (store.h, "where the store is").
 *
 * A data directory keeps plumb's local files (credentials.json, logs, delivery staging) in
 * every case; with PostgreSQL its store-url file names the database, so that every command
 * given --data DIR (plumb record, plumb query, ...) reaches the same database as the
 * `plumb serve --data DIR --store postgres://...` that bound it. */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"

#define URL_MAX 4096

static char *default_url; /* pl_store_set_default: the process's --store */

bool pl_store_spec_is_pg(const char *spec)
{
    return spec && (pl_starts_with(spec, "postgres://") || pl_starts_with(spec, "postgresql://"));
}

void pl_store_set_default(const char *url)
{
    free(default_url);
    default_url = url ? pl_xstrdup(url) : NULL;
}

static char *url_file(const char *dir)
{
    size_t n = strlen(dir) + sizeof "/" PL_STORE_URL_FILE;
    char *p = pl_xcalloc(1, n);
    snprintf(p, n, "%s/%s", dir, PL_STORE_URL_FILE);
    return p;
}

/* DIR/store-url's URL (trimmed) into out: 1, 0 when the file is absent, -1 when unreadable or
 * not a PostgreSQL URL. */
static int read_bound(const char *dir, char *out, size_t cap, struct pl_err *err)
{
    char *path = url_file(dir);
    size_t len = 0;
    char *text = pl_read_file(path, URL_MAX, &len);
    int rc = 0;
    if (!text) {
        if (errno != ENOENT)
            rc = pl_fail(err, PL_E_IO, "store: cannot read %s: %s", path, strerror(errno));
    } else {
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
            text[--len] = '\0';
        if (!pl_store_spec_is_pg(text) || len >= cap)
            rc = pl_fail(err, PL_E_VALIDATION, "store: %s does not hold a postgres:// URL", path);
        else
            rc = (pl_strlcpy(out, text, cap), 1);
    }
    free(text);
    free(path);
    return rc;
}

int pl_store_resolve(const char *spec, char *out, size_t cap, struct pl_err *err)
{
    if (!spec || !*spec)
        return pl_fail(err, PL_E_VALIDATION, "store: no data directory or store URL given");
    if (pl_store_spec_is_pg(spec)) {
        if (strlen(spec) >= cap)
            return pl_fail(err, PL_E_VALIDATION, "store: the store URL is too long");
        pl_strlcpy(out, spec, cap);
        return 0;
    }
    int rc = read_bound(spec, out, cap, err);
    if (rc < 0)
        return -1;
    if (rc == 0 && default_url) { /* --store given and the directory not bound yet */
        if (pl_store_bind(spec, default_url, err) < 0)
            return -1;
        pl_strlcpy(out, default_url, cap);
        return 0;
    }
    if (rc == 1 && default_url && strcmp(out, default_url) != 0)
        return pl_fail(err, PL_E_VALIDATION,
                       "store: %s is bound to another store (its %s); give that --store or "
                       "another --data",
                       spec, PL_STORE_URL_FILE);
    if (rc == 0 && strlen(spec) >= cap)
        return pl_fail(err, PL_E_VALIDATION, "store: the data directory path is too long");
    if (rc == 0)
        pl_strlcpy(out, spec, cap);
    return 0;
}

int pl_store_bind(const char *dir, const char *url, struct pl_err *err)
{
    if (!pl_store_spec_is_pg(url))
        return pl_fail(err, PL_E_VALIDATION, "store: --store must be a postgres:// URL");
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return pl_fail(err, PL_E_IO, "store: cannot create %s: %s", dir, strerror(errno));
    char *path = url_file(dir);
    size_t n = strlen(path) + 8;
    char *tmp = pl_xcalloc(1, n);
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int rc = 0;
    if (!f || fprintf(f, "%s\n", url) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0)
        rc = pl_fail(err, PL_E_IO, "store: cannot write %s: %s", tmp, strerror(errno));
    if (f && fclose(f) != 0 && rc == 0)
        rc = pl_fail(err, PL_E_IO, "store: cannot write %s: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = pl_fail(err, PL_E_IO, "store: cannot write %s: %s", path, strerror(errno));
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    free(path);
    return rc;
}

bool pl_store_exists(const char *spec)
{
    char url[URL_MAX];
    struct pl_err e = {0};
    if (!spec)
        return false;
    if (pl_store_spec_is_pg(spec) || default_url || read_bound(spec, url, sizeof url, &e) == 1)
        return true; /* a database server: opening it says whether it is there */
    size_t n = strlen(spec) + sizeof "/plumb.db";
    char *db = pl_xcalloc(1, n);
    snprintf(db, n, "%s/plumb.db", spec);
    struct stat sb;
    bool ok = stat(spec, &sb) == 0 && (S_ISREG(sb.st_mode) || access(db, R_OK) == 0);
    free(db);
    return ok;
}
