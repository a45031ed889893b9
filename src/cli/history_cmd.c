/* history_cmd.c — `plumb history` and `plumb diff`: a resource's timeline and its changes,
 * for people (and --json for scripts), read straight from a data directory.
 *
 *   plumb history [--data DIR] [--account ID --region NAME] TYPE ID [--json]
 *   plumb history [--data DIR] --aggregator NAME [--account ID --region NAME]
 *                 --source-account ID --source-region NAME TYPE ID [--json]
 *   plumb diff    [--data DIR] [--account ID --region NAME] TYPE ID [V1 V2] [--json]
 *
 * Versions are numbered 1..N in capture order (the "#" column of `plumb history`); a
 * configurationStateId is accepted too. Without --account/--region the resource is looked
 * up in every partition, and must be in exactly one. With --aggregator, --account/--region
 * narrow where the aggregator is looked up (it must be found in exactly one partition), and the
 * source resource is shown only if that aggregator may read it now (aggregator.h,
 * pl_agg_may_read: the check of PlumbService.GetAggregateResourceConfigHistory).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregator/aggregator.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "core/time.h"
#include "core/util.h"
#include "recorder/recorder.h"

struct hopts {
    const char *data, *account, *region, *type, *id;
    const char *aggregator, *src_account, *src_region; /* history --aggregator */
    const char *v1, *v2;
    bool json;
};

static void usage(FILE *f, const char *cmd, int max_pos)
{
    fprintf(f, "usage: plumb %s [--data DIR] [--account ID --region NAME] TYPE ID%s [--json]\n",
            cmd, max_pos == 4 ? " [VERSION VERSION]" : "");
    if (strcmp(cmd, "history") == 0)
        fprintf(f,
                "       plumb history [--data DIR] --aggregator NAME [--account ID --region NAME]\n"
                "                     --source-account ID --source-region NAME TYPE ID [--json]\n");
    if (f != stdout)
        return;
    fprintf(f,
            "\n"
            "  --data DIR       data directory (default ./plumb-data); read only, never created\n"
            "  --account ID     the resource's account, --region NAME its region: needed when\n"
            "                   it is recorded in several partitions\n"
            "%s"
            "%s"
            "%s",
            strcmp(cmd, "history") == 0
                ? "  --aggregator NAME  through the aggregator NAME (of --account/--region):\n"
                  "                   --source-account ID --source-region NAME name the\n"
                  "                   source; shown only while the source authorizes it\n"
                : "",
            max_pos == 4
                ? "  VERSION          1..N (the # of plumb history) or a\n"
                  "                   configurationStateId (default: the last two versions)\n"
                : "",
            strcmp(cmd, "blame") == 0
                ? "  --json           the timeline as JSON (PlumbService.GetResourceTimeline's\n"
                  "                   shape, all pages) instead of text\n"
                : "  --json           the CIs as JSON (AWS's shape) instead of a table\n");
}

/* Parses the arguments into o: 0 to go on, 1 when help was printed (exit 0), -1 on a usage
 * error (printed; exit 2). */
static int parse_args(int argc, char **argv, const char *cmd, int max_pos, struct hopts *o)
{
    memset(o, 0, sizeof *o);
    o->data = "./plumb-data";
    const struct pl_cli_opt opts[] = {
        {"data", 'd', &o->data, NULL, false},
        {"account", 'a', &o->account, NULL, false},
        {"region", 'r', &o->region, NULL, false},
        {"json", 'j', NULL, &o->json, false},
        {"aggregator", 'g', &o->aggregator, NULL, false},
        {"source-account", 'A', &o->src_account, NULL, false},
        {"source-region", 'R', &o->src_region, NULL, false},
        {NULL, 0, NULL, NULL, false},
    };
    int r = pl_cli_getopt(cmd, argc, argv, ":d:a:r:jh", opts, NULL, NULL);
    if (r == 1)
        usage(stdout, cmd, max_pos);
    if (r != 0)
        return r == 1 ? 1 : -1;
    int npos = argc - optind;
    if (npos != 2 && npos != max_pos) {
        pl_cli_usage_error(cmd, "expected TYPE ID%s, got %d argument%s",
                           max_pos == 4 ? " [VERSION VERSION]" : "", npos, npos == 1 ? "" : "s");
        usage(stderr, cmd, max_pos);
        return -1;
    }
    if ((o->aggregator || o->src_account || o->src_region) &&
        (strcmp(cmd, "history") != 0 || !o->aggregator || !o->src_account || !o->src_region)) {
        pl_cli_usage_error(cmd, "%s",
                           strcmp(cmd, "history") != 0
                               ? "--aggregator is an option of plumb history only"
                               : "--aggregator, --source-account and --source-region go "
                                 "together");
        usage(stderr, cmd, max_pos);
        return -1;
    }
    o->type = argv[optind];
    o->id = argv[optind + 1];
    if (npos == 4) {
        o->v1 = argv[optind + 2];
        o->v2 = argv[optind + 3];
    }
    return 0;
}

/* Finds the partition of (type, id): the one given, or the only one holding it among those
 * --account/--region allow. Returns 0, -1 (printed; exit 1), or -2 when several partitions hold
 * it (all listed; exit 2: the user must choose). */
static int find_partition(struct pl_store *s, const char *cmd, struct hopts *o,
                          struct pl_arena *a)
{
    struct pl_err err = {0};
    struct pl_resource r;
    struct pl_part_row *parts;
    size_t n, found = 0;
    if (pl_store_partitions(s, a, &parts, &n, &err) < 0) {
        fprintf(stderr, "plumb %s: %s\n", cmd, err.msg);
        return -1;
    }
    const char *want_account = o->account, *want_region = o->region; /* the filters */
    struct pl_buf where;
    pl_buf_init(&where, 4096);
    for (size_t i = 0; i < n; i++) {
        if ((want_account && strcmp(want_account, parts[i].account) != 0) ||
            (want_region && strcmp(want_region, parts[i].region) != 0))
            continue;
        if (pl_store_resource_get(s, parts[i].account, parts[i].region, o->type, o->id, a, &r,
                                  &err) != 1)
            continue;
        if (found++ == 0) {
            o->account = parts[i].account;
            o->region = parts[i].region;
        }
        pl_buf_printf(&where, "%s%s/%s", found > 1 ? ", " : "", parts[i].account,
                      parts[i].region);
    }
    int rc = 0;
    if (found > 1) {
        fprintf(stderr,
                "plumb %s: %s %s is recorded in %zu partitions (%s); choose one with "
                "--account and --region\n",
                cmd, o->type, o->id, found, pl_buf_cstr(&where));
        rc = -2;
    } else if (!found) {
        const char *filter =
            want_account || want_region
                ? pl_arena_printf(a, " for %s/%s", want_account ? want_account : "*",
                                  want_region ? want_region : "*")
                : "";
        fprintf(stderr, "plumb %s: %s %s is not recorded in %s%s\n", cmd, o->type, o->id,
                o->data, filter);
        rc = -1;
    }
    pl_buf_fini(&where);
    return rc;
}

/* All versions, oldest first. */
static int load_versions(struct pl_store *s, const struct hopts *o, struct pl_arena *a,
                         struct pl_ci_row **out, size_t *n)
{
    struct pl_history_q q = {o->account, o->region, o->type, o->id, 0, INT64_MAX, true, 100,
                             NULL};
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (;;) {
        struct pl_ci_row *rows;
        size_t k;
        char *next;
        struct pl_err err = {0};
        if (pl_store_history(s, &q, a, &rows, &k, &next, &err) < 0) {
            fprintf(stderr, "plumb: %s\n", err.msg);
            return -1;
        }
        if (*n + k > cap) {
            cap = (*n + k) * 2;
            struct pl_ci_row *nr = pl_arena_alloc(a, cap * sizeof *nr);
            if (*n)
                memcpy(nr, *out, *n * sizeof *nr);
            *out = nr;
        }
        memcpy(*out + *n, rows, k * sizeof *rows);
        *n += k;
        if (!next)
            return 0;
        q.cursor = next;
    }
}

/* A JSON value on one line, cut at max bytes. */
static const char *short_json(struct pl_arena *a, const struct pl_json *v, size_t max)
{
    if (!v)
        return "null";
    char *t = pl_json_dump(a, v, PL_JSON_COMPACT);
    if (strlen(t) > max) {
        t[max - 3] = '.';
        t[max - 2] = '.';
        t[max - 1] = '.';
        t[max] = '\0';
    }
    return t;
}

/* One line summing up a stored diff. */
static const char *summary(struct pl_arena *a, const struct pl_ci_row *row)
{
    struct pl_err err = {0};
    if (strcmp(row->status, PL_CI_NOT_RECORDED) == 0) /* identity only: no change to show */
        return "not recorded";
    if (!row->diff)
        return "";
    struct pl_json *d = pl_json_parse(a, row->diff, row->diff_len, &err);
    const char *type = pl_json_get_str(d, "changeType");
    struct pl_json *props = pl_json_get(d, "changedProperties");
    if (type && strcmp(type, "CREATE") == 0)
        return "discovered";
    if (type && strcmp(type, "DELETE") == 0)
        return "deleted";
    if (!props || props->len == 0)
        return "changed";
    if (props->len == 1) {
        const struct pl_json *p = props->child;
        return pl_arena_printf(a, "%s: %s \u2192 %s", p->key,
                               short_json(a, pl_json_get(p, "previousValue"), 40),
                               short_json(a, pl_json_get(p, "updatedValue"), 40));
    }
    struct pl_buf b;
    pl_buf_init(&b, 160);
    pl_buf_printf(&b, "%zu changes: ", props->len);
    for (const struct pl_json *p = props->child; p; p = p->next)
        if (pl_buf_printf(&b, "%s%s", p == props->child ? "" : ", ", p->key) < 0)
            break;
    char *out = pl_arena_strdup(a, pl_buf_cstr(&b));
    if (strlen(out) > 150)
        memcpy(out + 146, "...", 4);
    pl_buf_fini(&b);
    return out;
}

/* The aggregator o->aggregator (in the one partition --account/--region allow that has it) may
 * read o's source resource now: then o->account/o->region become the source's and 0 is
 * returned; else -1 (printed; exit 1), or -2 when several partitions have such an aggregator. */
static int through_aggregator(struct pl_store *s, const char *cmd, struct hopts *o,
                              struct pl_arena *a)
{
    struct pl_err err = {0};
    struct pl_obj *items, *own = NULL;
    size_t n, found = 0;
    struct pl_json *agg = NULL;
    if (pl_store_obj_list(s, NULL, NULL, PL_KIND_AGGREGATOR, NULL, 0, a, &items, &n, &err) < 0)
        goto fail;
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i].name, o->aggregator) == 0 &&
            (!o->account || strcmp(o->account, items[i].account) == 0) &&
            (!o->region || strcmp(o->region, items[i].region) == 0) && found++ == 0)
            own = &items[i];
    if (found != 1) {
        fprintf(stderr, "plumb %s: %s configuration aggregator %s in %s%s\n", cmd,
                found ? "more than one" : "no", o->aggregator, o->data,
                found ? "; choose its partition with --account and --region" : "");
        return found ? -2 : -1;
    }
    int r = pl_agg_load(s, own->account, own->region, own->name, a, &agg, &err);
    if (r > 0)
        r = pl_agg_may_read(s, own->account, own->region, agg, o->src_account, o->src_region,
                            o->type, a, &err);
    if (r < 0)
        goto fail;
    if (r == 0) {
        fprintf(stderr,
                "plumb %s: the aggregator %s of %s/%s may not read %s %s of %s/%s (the source "
                "has not authorized it, or its resource type filter leaves the type out)\n",
                cmd, o->aggregator, own->account, own->region, o->type, o->id, o->src_account,
                o->src_region);
        return -1;
    }
    o->account = o->src_account;
    o->region = o->src_region;
    return 0;
fail:
    fprintf(stderr, "plumb %s: %s\n", cmd, err.msg);
    return -1;
}

/* Opens o->data read-only (never creating it) and finds the resource's partition: as
 * find_partition (through_aggregator first with --aggregator), *s set when the store opened. */
static int open_for(struct hopts *o, const char *cmd, struct pl_store **s, struct pl_arena *a)
{
    if (pl_cli_open_read(cmd, o->data, s) < 0)
        return -1;
    if (o->aggregator) {
        int r = through_aggregator(*s, cmd, o, a);
        if (r < 0)
            return r;
    }
    return find_partition(*s, cmd, o, a);
}

/* The start of history, diff and blame: parses the arguments into o, then a is initialised and
 * the resource's partition found in *s (open_for), and its versions loaded into *rows and *n unless
 * rows is NULL. Returns -1 to go on, else the exit code (a and *s released). */
static int start(int argc, char **argv, const char *cmd, int max_pos, struct hopts *o,
                 struct pl_arena *a, struct pl_store **s, struct pl_ci_row **rows, size_t *n)
{
    int pa = parse_args(argc, argv, cmd, max_pos, o);
    if (pa != 0)
        return pa < 0 ? 2 : 0;
    pl_arena_init(a);
    *s = NULL;
    int found = open_for(o, cmd, s, a);
    if (found >= 0 && (!rows || load_versions(*s, o, a, rows, n) == 0))
        return -1;
    pl_store_close(*s);
    pl_arena_fini(a);
    return found == -2 ? 2 : 1;
}

int pl_cli_history(int argc, char **argv)
{
    struct hopts o;
    struct pl_arena a;
    struct pl_store *s;
    struct pl_ci_row *rows;
    size_t n;
    int status = start(argc, argv, "history", 2, &o, &a, &s, &rows, &n);
    if (status >= 0)
        return status;
    status = 1;
    struct pl_err err = {0};
    if (o.json) {
        struct pl_json *arr = pl_json_new_arr(&a);
        for (size_t i = 0; i < n; i++) {
            struct pl_json *ci = pl_ci_render_api(&a, &rows[i], &err);
            if (!ci || pl_ci_related_fill(s, &a, &rows[i], ci, &err) < 0)
                continue;
            if (rows[i].diff)
                pl_json_set(&a, ci, "configurationItemDiff",
                            pl_json_parse(&a, rows[i].diff, rows[i].diff_len, &err));
            pl_json_push(arr, ci);
        }
        struct pl_json *doc = pl_json_new_obj(&a);
        pl_json_set(&a, doc, "configurationItems", arr);
        puts(pl_json_dump(&a, doc, PL_JSON_PRETTY));
        status = 0;
        goto out;
    }
    const char *name = n ? rows[n - 1].resource_name : NULL;
    printf("%s %s%s%s%s in %s/%s: %zu version%s\n", o.type, o.id, name ? " (" : "",
           name ? name : "", name ? ")" : "", o.account, o.region, n, n == 1 ? "" : "s");
    /* status: up to ResourceDeletedNotRecorded (26) */
    printf("%4s  %-24s  %-26s  %-13s  %s\n", "#", "captured", "status", "stateId", "changes");
    for (size_t i = 0; i < n; i++) {
        char t[40];
        printf("%4zu  %-24s  %-26s  %-13" PRId64 "  %s\n", i + 1,
               pl_time_iso8601_ms(rows[i].capture_ms, t), rows[i].status, rows[i].state_id,
               summary(&a, &rows[i]));
    }
    status = 0;
out:
    pl_store_close(s);
    pl_arena_fini(&a);
    return status;
}

/* A version argument: 1..n, or a configurationStateId. Returns the index, or -1. */
static long pick(const char *arg, const struct pl_ci_row *rows, size_t n)
{
    long long v;
    if (pl_parse_i64(arg, &v) < 0)
        return -1;
    if (v >= 1 && (size_t)v <= n)
        return (long)v - 1;
    for (size_t i = 0; i < n; i++)
        if (rows[i].state_id == v)
            return (long)i;
    return -1;
}

int pl_cli_diff(int argc, char **argv)
{
    struct hopts o;
    struct pl_arena a;
    struct pl_store *s;
    struct pl_ci_row *rows;
    size_t n;
    int status = start(argc, argv, "diff", 4, &o, &a, &s, &rows, &n);
    if (status >= 0)
        return status;
    status = 1;
    long i1, i2;
    if (o.v1) {
        i1 = pick(o.v1, rows, n);
        i2 = pick(o.v2, rows, n);
        if (i1 < 0 || i2 < 0) {
            fprintf(stderr, "plumb diff: versions are 1..%zu or configurationStateIds\n", n);
            status = 2;
            goto out;
        }
    } else {
        i2 = (long)n - 1;
        i1 = n > 1 ? i2 - 1 : -1;
    }
    struct pl_err err = {0};
    struct pl_ci prev, cur;
    if ((i1 >= 0 && pl_ci_from_row(&a, &rows[i1], &prev, &err) < 0) ||
        pl_ci_from_row(&a, &rows[i2], &cur, &err) < 0) {
        fprintf(stderr, "plumb diff: %s\n", err.msg);
        goto out;
    }
    struct pl_json *d = pl_ci_diff(&a, i1 >= 0 ? &prev : NULL, &cur);
    if (o.json) {
        puts(pl_json_dump(&a, d, PL_JSON_PRETTY));
        status = 0;
        goto out;
    }
    char t1[40], t2[40];
    if (i1 >= 0)
        printf("%s %s: version %ld (%s) \u2192 version %ld (%s)\n", o.type, o.id, i1 + 1,
               pl_time_iso8601_ms(rows[i1].capture_ms, t1), i2 + 1,
               pl_time_iso8601_ms(rows[i2].capture_ms, t2));
    else
        printf("%s %s: version %ld (%s), the first\n", o.type, o.id, i2 + 1,
               pl_time_iso8601_ms(rows[i2].capture_ms, t2));
    printf("change: %s\n", pl_json_get_str(d, "changeType"));
    struct pl_json *props = pl_json_get(d, "changedProperties");
    if (!props->len && i1 >= 0 && strcmp(pl_json_get_str(d, "changeType"), "UPDATE") == 0)
        printf("(no differences)\n");
    for (const struct pl_json *p = props->child; p; p = p->next) {
        const char *ct = pl_json_get_str(p, "changeType");
        const struct pl_json *pv = pl_json_get(p, "previousValue");
        const struct pl_json *uv = pl_json_get(p, "updatedValue");
        if (strcmp(ct, "CREATE") == 0)
            printf("+ %s: %s\n", p->key, short_json(&a, uv, 200));
        else if (strcmp(ct, "DELETE") == 0)
            printf("- %s: %s\n", p->key, short_json(&a, pv, 200));
        else
            printf("  %s: %s \u2192 %s\n", p->key, short_json(&a, pv, 100),
                   short_json(&a, uv, 100));
    }
    status = 0;
out:
    pl_store_close(s);
    pl_arena_fini(&a);
    return status;
}

/* ---- plumb blame ---- */

/* One event line: time, call, who, from where, with what, and the error of a failed call. */
static void print_event(struct pl_arena *a, const struct pl_json *e, const char *indent)
{
    int64_t ms = 0;
    const struct pl_json *t = pl_json_get(e, "eventTime");
    if (t)
        pl_time_parse(t->str, &ms);
    char ts[40];
    const struct pl_json *ui = pl_json_get(e, "userIdentity");
    const char *arn = pl_json_get_str(ui, "arn"), *type = pl_json_get_str(ui, "type");
    const char *ip = pl_json_get_str(e, "sourceIPAddress");
    const char *ua = pl_json_get_str(e, "userAgent");
    const char *ec = pl_json_get_str(e, "errorCode");
    printf("%s%s  %s  %s (%s)  from %s  via %s%s%s\n", indent, pl_time_iso8601(ms, ts),
           pl_json_get_str(e, "eventName"), arn ? arn : "?", type ? type : "?", ip ? ip : "?",
           ua ? ua : "?", ec ? "  FAILED: " : "", ec ? ec : "");
    (void)a;
}

/* The changed properties of a diff, one line each. */
static void print_diff(struct pl_arena *a, const struct pl_json *d)
{
    const struct pl_json *props = pl_json_get(d, "changedProperties");
    for (const struct pl_json *p = props ? props->child : NULL; p; p = p->next) {
        const char *ct = pl_json_get_str(p, "changeType");
        const struct pl_json *pv = pl_json_get(p, "previousValue");
        const struct pl_json *uv = pl_json_get(p, "updatedValue");
        if (ct && strcmp(ct, "CREATE") == 0)
            printf("      + %s: %s\n", p->key, short_json(a, uv, 160));
        else if (ct && strcmp(ct, "DELETE") == 0)
            printf("      - %s: %s\n", p->key, short_json(a, pv, 160));
        else
            printf("      ~ %s: %s \u2192 %s\n", p->key, short_json(a, pv, 80),
                   short_json(a, uv, 80));
    }
}

int pl_cli_blame(int argc, char **argv)
{
    struct hopts o;
    struct pl_arena a, page;
    struct pl_store *s;
    int status = start(argc, argv, "blame", 2, &o, &a, &s, NULL, NULL);
    if (status >= 0)
        return status;
    status = 1;
    pl_arena_init(&page);
    struct pl_err err = {0};
    struct pl_resource res;
    if (pl_store_resource_get(s, o.account, o.region, o.type, o.id, &a, &res, &err) != 1) {
        fprintf(stderr, "plumb blame: %s\n", err.code ? err.msg : "resource vanished");
        goto out;
    }
    struct pl_timeline_q q = {o.account, o.region, o.type, o.id, 100, NULL};
    struct pl_json *all = o.json ? pl_json_new_arr(&a) : NULL, *pending = NULL;
    int64_t number = res.versions; /* versions are numbered 1..N from the oldest */
    if (!o.json)
        printf("%s %s%s%s%s in %s/%s: %" PRId64 " version%s, newest first\n", o.type, o.id,
               res.resource_name ? " (" : "", res.resource_name ? res.resource_name : "",
               res.resource_name ? ")" : "", o.account, o.region, res.versions,
               res.versions == 1 ? "" : "s");
    for (;;) {
        struct pl_json *tl = pl_ci_timeline(s, o.json ? &a : &page, &q, &err);
        if (!tl) {
            fprintf(stderr, "plumb blame: %s\n", err.msg);
            goto out;
        }
        const struct pl_json *pe = pl_json_get(tl, "pendingEvents");
        if (pe && o.json)
            pending = (struct pl_json *)pe;
        if (pe && !o.json) {
            printf("not yet in a recorded version:\n");
            for (const struct pl_json *e = pe->child; e; e = e->next)
                print_event(&page, e, "      ");
        }
        for (const struct pl_json *en = pl_json_get(tl, "timeline")->child; en; en = en->next) {
            if (o.json) {
                struct pl_json *c = pl_json_clone(&a, en);
                pl_json_push(all, c);
                continue;
            }
            const struct pl_json *v = pl_json_get(en, "version");
            int64_t ms = 0;
            pl_time_parse(pl_json_get(v, "configurationItemCaptureTime")->str, &ms);
            char ts[40];
            printf("#%-4" PRId64 " %s  %s  stateId %s\n", number--, pl_time_iso8601_ms(ms, ts),
                   pl_json_get_str(v, "configurationItemStatus"),
                   pl_json_get_str(v, "configurationStateId"));
            print_diff(&page, pl_json_get(en, "diff"));
            const struct pl_json *evs = pl_json_get(en, "events");
            if (!evs || !evs->len)
                printf("      (no CloudTrail event found)\n");
            for (const struct pl_json *e = evs ? evs->child : NULL; e; e = e->next)
                print_event(&page, e, "    by ");
        }
        const char *next = pl_json_get_str(tl, "nextToken");
        if (!next)
            break;
        q.cursor = pl_arena_strdup(&a, next);
        if (!o.json)
            pl_arena_reset(&page);
    }
    if (o.json) {
        struct pl_json *doc = pl_json_new_obj(&a);
        pl_json_set(&a, doc, "timeline", all);
        if (pending)
            pl_json_set(&a, doc, "pendingEvents", pl_json_clone(&a, pending));
        puts(pl_json_dump(&a, doc, PL_JSON_PRETTY));
    }
    status = 0;
out:
    pl_store_close(s);
    pl_arena_fini(&page);
    pl_arena_fini(&a);
    return status;
}
