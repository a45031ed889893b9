/* store_cmd.c — `plumb store`: the store itself, apart from what is in it.
 *
 *   plumb store copy FROM TO     every table of FROM into TO (empty), in one transaction of TO
 *   plumb store info [--data DIR] which backend a data directory uses, and its schema version
 *
 * FROM and TO are data directories or postgres:// URLs (docs/deploy.md: moving a SQLite data
 * directory onto PostgreSQL is `plumb store copy DIR postgres://...`, then `plumb serve --data
 * DIR --store postgres://...`). Stop the servers writing FROM first: a copy sees FROM as it was
 * when it started. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "store/store.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: plumb store copy FROM TO\n"
               "       plumb store info [--data DIR]\n");
    if (f == stdout)
        fprintf(f, "\nFROM and TO are data directories or postgres:// URLs. copy needs an empty\n"
                   "TO (it is created and migrated) and writes it in one transaction: a copy\n"
                   "that fails leaves TO empty. Stop the servers that write FROM first.\n");
    return f == stdout ? 0 : 2;
}

static int store_copy(int argc, char **argv)
{
    if (argc != 3)
        return pl_cli_usage_error("store", "copy takes FROM and TO");
    struct pl_store_copy_stats st;
    struct pl_err err = {0};
    if (pl_store_copy(argv[1], argv[2], &st, &err) < 0) {
        fprintf(stderr, "plumb store: %s\n", err.msg);
        return 1;
    }
    printf("copied %lld rows of %d tables from %s to %s\n", (long long)st.rows, st.tables, argv[1],
           argv[2]);
    return 0;
}

static int store_info(int argc, char **argv)
{
    const char *data = "./plumb-data";
    if (argc == 3 && strcmp(argv[1], "--data") == 0)
        data = argv[2];
    else if (argc != 1)
        return pl_cli_usage_error("store", "info takes only --data DIR");
    char spec[4096];
    struct pl_err err = {0};
    struct pl_store *s = NULL;
    if (pl_store_resolve(data, spec, sizeof spec, &err) < 0 || pl_cli_open_read("store", data, &s))
        return err.code ? (fprintf(stderr, "plumb store: %s\n", err.msg), 1) : 1;
    printf("data directory: %s\nbackend: %s\nschema version: %d\n", data,
           pl_store_spec_is_pg(spec) ? "postgresql" : "sqlite", pl_store_schema_version(s));
    pl_store_close(s);
    return 0;
}

int pl_cli_store(int argc, char **argv)
{
    if (argc < 2 || pl_cli_is_help(argv[1]))
        return usage(argc < 2 ? stderr : stdout);
    if (strcmp(argv[1], "copy") == 0)
        return store_copy(argc - 1, argv + 1);
    if (strcmp(argv[1], "info") == 0)
        return store_info(argc - 1, argv + 1);
    return pl_cli_usage_error("store", "unknown subcommand '%s'", argv[1]);
}
