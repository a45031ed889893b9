/* webhook_cmd.c — `plumb webhook add|list|remove`: maps SNS topic ARNs to webhook URLs.
 *
 *   plumb webhook add TOPIC_ARN URL [--secret S] [--data DIR]
 *   plumb webhook list [TOPIC_ARN] [--data DIR] [--json]
 *   plumb webhook remove TOPIC_ARN [URL] [--data DIR]
 *
 * The mapping lives in the data directory's store (delivery/send.c), so it can change while
 * `plumb serve` runs; the delivery worker reads it for every message. Secrets are shown only
 * as "set" in listings. Exit codes: 0 ok, 1 failure, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/arena.h"
#include "core/err.h"
#include "delivery/delivery.h"
#include "store/store.h"

struct wh_args {
    const char *data, *secret;
    const char *pos[3];
    int npos, json;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: plumb webhook add TOPIC_ARN URL [--secret S] [--data DIR]\n"
                    "       plumb webhook list [TOPIC_ARN] [--data DIR] [--json]\n"
                    "       plumb webhook remove TOPIC_ARN [URL] [--data DIR]\n");
}

/* Parses argv[2..]: 0, 1 when help was asked for, 2 after a usage error (printed). */
static int parse(int argc, char **argv, struct wh_args *w)
{
    memset(w, 0, sizeof *w);
    w->data = "./plumb-data";
    for (int i = 2; i < argc; i++) {
        if (pl_cli_is_help(argv[i]))
            return 1;
        if ((strcmp(argv[i], "--data") == 0 || strcmp(argv[i], "--secret") == 0) &&
            i + 1 == argc)
            return pl_cli_usage_error("webhook", "option '%s' needs a value", argv[i]);
        if (strcmp(argv[i], "--data") == 0)
            w->data = argv[++i];
        else if (strcmp(argv[i], "--secret") == 0)
            w->secret = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            w->json = 1;
        else if (argv[i][0] == '-')
            return pl_cli_usage_error("webhook", "unknown option '%s'", argv[i]);
        else if (w->npos == 3)
            return pl_cli_usage_error("webhook", "unexpected argument '%s'", argv[i]);
        else
            w->pos[w->npos++] = argv[i];
    }
    return 0;
}

static int cmd_list(struct pl_store *s, const struct wh_args *w, struct pl_err *err)
{
    struct pl_arena a;
    struct pl_webhook *v;
    size_t n;
    pl_arena_init(&a);
    int rc = pl_delivery_webhook_list(s, w->npos ? w->pos[0] : NULL, &a, &v, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (w->json) {
            struct pl_json *o = pl_json_new_obj(&a);
            pl_json_set_str(&a, o, "topicArn", v[i].topic_arn);
            pl_json_set_str(&a, o, "url", v[i].url);
            pl_json_set_bool(&a, o, "secret", v[i].secret != NULL);
            printf("%s\n", pl_json_dump(&a, o, PL_JSON_COMPACT));
        } else {
            printf("%s\t%s\t%s\n", v[i].topic_arn, v[i].url,
                   v[i].secret ? "secret=set" : "secret=none");
        }
    }
    pl_arena_fini(&a);
    return rc;
}

int pl_cli_webhook(int argc, char **argv)
{
    struct wh_args w;
    struct pl_err err = {0};
    struct pl_store *s = NULL;
    int rc = 1, removed = 0;
    if (argc < 2)
        return pl_cli_usage_error("webhook", "add, list or remove?");
    const char *sub = argv[1];
    int pa = pl_cli_is_help(sub) ? 1 : parse(argc, argv, &w);
    if (pa == 1)
        usage(stdout);
    if (pa != 0)
        return pa == 1 ? 0 : pa;
    bool known = strcmp(sub, "add") == 0 || strcmp(sub, "list") == 0 ||
                 strcmp(sub, "remove") == 0;
    int ok_args = (strcmp(sub, "add") == 0 && w.npos == 2) ||
                  (strcmp(sub, "list") == 0 && w.npos <= 1) ||
                  (strcmp(sub, "remove") == 0 && (w.npos == 1 || w.npos == 2));
    if (!known)
        return pl_cli_usage_error("webhook", "unknown subcommand '%s' (add, list, remove)", sub);
    if (!ok_args)
        return pl_cli_usage_error("webhook", "wrong number of arguments for %s", sub);
    bool reading = strcmp(sub, "list") == 0; /* a listing never creates a data directory */
    if (reading ? pl_cli_open_read("webhook", w.data, &s) != 0
                : pl_store_open(w.data, 0, &s, &err) != 0) {
        if (reading)
            return 1;
        goto out;
    }
    if (strcmp(sub, "add") == 0) {
        if (pl_delivery_webhook_add(s, w.pos[0], w.pos[1], w.secret, &err) != 0)
            goto out;
        printf("webhook added: %s -> %s%s\n", w.pos[0], w.pos[1], w.secret ? " (signed)" : "");
    } else if (strcmp(sub, "list") == 0) {
        if (cmd_list(s, &w, &err) != 0)
            goto out;
    } else {
        if (pl_delivery_webhook_remove(s, w.pos[0], w.npos == 2 ? w.pos[1] : NULL, &removed,
                                       &err) != 0)
            goto out;
        printf("%d webhook%s removed\n", removed, removed == 1 ? "" : "s");
        if (!removed) {
            rc = 1;
            goto done;
        }
    }
    rc = 0;
    goto done;
out:
    fprintf(stderr, "plumb webhook: %s\n", err.msg);
done:
    pl_store_close(s);
    return rc;
}
