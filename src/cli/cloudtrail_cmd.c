/* cloudtrail_cmd.c — `plumb cloudtrail import`: CloudTrail log files into a data directory
 * (recorder/sources/cloudtrail.h), for `plumb blame` and the CIs' relatedEvents.
 *
 *   plumb cloudtrail import [--data DIR] [--keep-read-only] [--json] [--s3-endpoint URL]
 *                           PATH|s3://BUCKET/PREFIX...
 *
 * PATH is a log file (JSON, JSON lines, gzip or not) or a directory tree as CloudTrail delivers
 * it (AWSLogs/...). Each file is one transaction; events are stored once by eventID, so running
 * the import again adds nothing. Skipped records and files are reported on stderr with their
 * file and line (the first MAX_SHOWN; --json lists them too).
 *
 * Exit status: 0 every file and record was read, 1 some were skipped (or a store error),
 * 2 usage.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/json.h"
#include "recorder/sources/cloudtrail.h"

#define MAX_SHOWN 200

struct run {
    bool json;
    int64_t problems;
    struct pl_arena a;
    struct pl_json *list; /* --json: the problems shown */
};

static void usage(FILE *f)
{
    fprintf(f, "usage: plumb cloudtrail import [--data DIR] [--keep-read-only] [--json]\n"
               "                               [--s3-endpoint URL] PATH|s3://BUCKET/PREFIX...\n");
    if (f != stdout)
        return;
    fprintf(f, "\n"
               "  --data DIR         data directory (default ./plumb-data; created if missing)\n"
               "  --keep-read-only   store readOnly events too (default: dropped, they change\n"
               "                     nothing)\n"
               "  --json             the counts as JSON\n"
               "  PATH               a log file ({\"Records\":[...]}, EventBridge events, JSON\n"
               "                     lines; gzip or not) or a directory tree of them\n"
               "  s3://BUCKET/PREFIX the log objects under PREFIX (credentials from\n"
               "                     AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, region from\n"
               "                     AWS_REGION; --s3-endpoint for an S3-compatible server)\n");
}

static void on_problem(void *ctx, const char *where, const char *why)
{
    struct run *r = ctx;
    if (r->problems++ >= MAX_SHOWN) {
        if (r->problems == MAX_SHOWN + 1)
            fprintf(stderr, "plumb cloudtrail: (more skipped; not shown)\n");
        return;
    }
    fprintf(stderr, "plumb cloudtrail: skipped %s: %s\n", where, why);
    if (r->json) {
        struct pl_json *o = pl_json_push(r->list, pl_json_new_obj(&r->a));
        pl_json_set_str(&r->a, o, "where", where);
        pl_json_set_str(&r->a, o, "why", why);
    }
}

static int import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'd'}, {"keep-read-only", no_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},       {"s3-endpoint", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    const char *data = "./plumb-data", *endpoint = NULL;
    struct pl_trail_opts o = {0};
    struct run r = {0};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:kje:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'e':
            endpoint = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 'k':
            o.keep_read_only = true;
            break;
        case 'j':
            r.json = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return pl_cli_getopt_error("cloudtrail import", argv, c);
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return pl_cli_usage_error("cloudtrail import", "no PATH given");
    }
    struct pl_err err = {0};
    struct pl_store *s;
    if (pl_store_open(data, PL_STORE_BG_CHECKPOINT, &s, &err) < 0) {
        fprintf(stderr, "plumb cloudtrail: %s\n", err.msg);
        return 1;
    }
    pl_arena_init(&r.a);
    r.list = pl_json_new_arr(&r.a);
    struct pl_trail_counts n = {0};
    int status = 0;
    const char *rg = getenv("AWS_REGION");
    struct pl_trail_s3_conf sc = {endpoint, rg ? rg : getenv("AWS_DEFAULT_REGION"),
                                  getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"),
                                  getenv("AWS_SESSION_TOKEN")};
    for (int i = optind; i < argc; i++) {
        int rc = strncmp(argv[i], "s3://", 5) == 0
                     ? pl_trail_import_s3(s, argv[i], &sc, &o, &n, on_problem, &r, &err)
                     : pl_trail_import(s, argv[i], &o, &n, on_problem, &r, &err);
        if (rc < 0) {
            fprintf(stderr, "plumb cloudtrail: %s: %s\n", argv[i], err.msg);
            status = 1;
            break;
        }
    }
    pl_store_close(s);
    if (n.skipped || n.bad_files)
        status = 1;
    if (r.json) {
        struct pl_json *j = pl_json_new_obj(&r.a);
        pl_json_set_i64(&r.a, j, "files", n.files);
        pl_json_set_i64(&r.a, j, "imported", n.imported);
        pl_json_set_i64(&r.a, j, "duplicates", n.duplicates);
        pl_json_set_i64(&r.a, j, "readOnlyDropped", n.read_only);
        pl_json_set_i64(&r.a, j, "skippedRecords", n.skipped);
        pl_json_set_i64(&r.a, j, "badFiles", n.bad_files);
        pl_json_set_i64(&r.a, j, "ignoredFiles", n.ignored);
        pl_json_set(&r.a, j, "problems", r.list);
        puts(pl_json_dump(&r.a, j, PL_JSON_PRETTY));
    } else {
        printf("imported %" PRId64 " event%s from %" PRId64 " file%s: %" PRId64
               " duplicate%s, %" PRId64 " read-only dropped, %" PRId64 " record%s skipped, %" PRId64
               " bad file%s, %" PRId64 " other file%s ignored\n",
               n.imported, n.imported == 1 ? "" : "s", n.files, n.files == 1 ? "" : "s",
               n.duplicates, n.duplicates == 1 ? "" : "s", n.read_only, n.skipped,
               n.skipped == 1 ? "" : "s", n.bad_files, n.bad_files == 1 ? "" : "s", n.ignored,
               n.ignored == 1 ? "" : "s");
    }
    pl_arena_fini(&r.a);
    return status;
}

int pl_cli_cloudtrail(int argc, char **argv)
{
    if (argc < 2 || pl_cli_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "import") == 0)
        return import(argc - 1, argv + 1);
    return pl_cli_usage_error("cloudtrail", "unknown subcommand '%s' (import)", argv[1]);
}
