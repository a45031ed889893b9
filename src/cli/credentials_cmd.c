/* credentials_cmd.c — `plumb credentials add|list|revoke`: manages the access keys of a data
 * directory (DIR/credentials.json, see http/creds.h). A running `plumb serve` on the same
 * directory picks changes up within ~100 ms, so a revoked key stops working at once.
 * Secrets are printed only by `add`, once, for the person who asked for them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/json.h"
#include "core/time.h"
#include "core/util.h"
#include "http/creds.h"

struct cred_opts {
    const char *data, *account;
    int json, admin;
    const char *pos[2];
    int npos;
};

static void cred_usage(FILE *f)
{
    fprintf(f,
            "usage: plumb credentials add [--account 123456789012] [--admin] [--data DIR] [--json]\n"
            "       plumb credentials list [--data DIR] [--json]\n"
            "       plumb credentials revoke KEYID [--data DIR]\n"
            "default --data ./plumb-data\n");
}

/* Parses the arguments into o: 0, 1 when help was asked for, 2 after a usage error (printed). */
static int parse(int argc, char **argv, struct cred_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (pl_cli_is_help(a)) {
            return 1;
        } else if ((strcmp(a, "--data") == 0 || strcmp(a, "--account") == 0) && i + 1 == argc) {
            return pl_cli_usage_error("credentials", "option '%s' needs a value", a);
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--admin") == 0) {
            o->admin = 1;
        } else if (strcmp(a, "--data") == 0 && i + 1 < argc) {
            o->data = argv[++i];
        } else if (strcmp(a, "--account") == 0 && i + 1 < argc) {
            o->account = argv[++i];
        } else if (a[0] == '-') {
            return pl_cli_usage_error("credentials", "unknown option '%s'", a);
        } else if (o->npos == 2) {
            return pl_cli_usage_error("credentials", "unexpected argument '%s'", a);
        } else {
            o->pos[o->npos++] = a;
        }
    }
    return o->npos >= 1 ? 0 : pl_cli_usage_error("credentials", "add, list or revoke?");
}

static int cmd_add(const struct cred_opts *o)
{
    struct pl_cred c;
    struct pl_err err = {0};
    if (pl_creds_add_key(o->data, o->account, o->admin, &c, &err) < 0) {
        fprintf(stderr, "plumb credentials: %s\n", err.msg);
        return err.code == PL_E_VALIDATION ? 2 : 1;
    }
    if (o->json)
        printf("{\"accessKeyId\":\"%s\",\"secretAccessKey\":\"%s\",\"account\":\"%s\","
               "\"admin\":%s}\n",
               c.access_key, c.secret, c.account, c.admin ? "true" : "false");
    else
        printf("created %saccess key %s for account %s\n"
               "export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s "
               "AWS_DEFAULT_REGION=us-east-1\n",
               c.admin ? "administrator " : "", c.access_key, c.account, c.access_key, c.secret);
    memset(c.secret, 0, sizeof c.secret);
    return 0;
}

static int cmd_list(const struct cred_opts *o)
{
    struct pl_cred *k = NULL;
    size_t n = 0;
    struct pl_err err = {0};
    char created[32];
    if (access(o->data, F_OK) != 0) { /* a listing never creates a data directory */
        fprintf(stderr, "plumb credentials: no data directory %s (%s)\n", o->data,
                strerror(errno));
        return 1;
    }
    if (pl_creds_read(o->data, &k, &n, &err) < 0) {
        fprintf(stderr, "plumb credentials: %s\n", err.msg);
        return 1;
    }
    if (o->json)
        printf("[");
    else
        printf("%-24s %-12s %-20s %-8s %s\n", "ACCESS KEY ID", "ACCOUNT", "CREATED", "STATUS",
               "ROLE");
    for (size_t i = 0; i < n; i++) {
        pl_time_iso8601(k[i].created_ms, created);
        if (o->json)
            printf("%s{\"accessKeyId\":\"%s\",\"account\":\"%s\",\"created\":\"%s\","
                   "\"revoked\":%s,\"admin\":%s}",
                   i ? "," : "", k[i].access_key, k[i].account, created,
                   k[i].revoked ? "true" : "false", k[i].admin ? "true" : "false");
        else
            printf("%-24s %-12s %-20s %-8s %s\n", k[i].access_key, k[i].account, created,
                   k[i].revoked ? "revoked" : "active", k[i].admin ? "admin" : "account");
    }
    if (o->json)
        printf("]\n");
    else if (n == 0)
        printf("(no keys in %s/%s; `plumb serve` creates one on first start)\n", o->data,
               PL_CREDS_FILE);
    free(k);
    return 0;
}

static int cmd_revoke(const struct cred_opts *o)
{
    struct pl_err err = {0};
    if (o->npos != 2)
        return pl_cli_usage_error("credentials", "revoke needs KEYID");
    if (pl_creds_revoke(o->data, o->pos[1], &err) < 0) {
        fprintf(stderr, "plumb credentials: %s\n", err.msg);
        return 1;
    }
    printf("revoked %s\n", o->pos[1]);
    return 0;
}

int pl_cli_credentials(int argc, char **argv)
{
    struct cred_opts o = {.data = "./plumb-data"};
    int pa = parse(argc, argv, &o);
    if (pa == 1)
        cred_usage(stdout);
    if (pa != 0)
        return pa == 1 ? 0 : pa;
    if (strcmp(o.pos[0], "add") == 0 && o.npos == 1)
        return cmd_add(&o);
    if (strcmp(o.pos[0], "list") == 0 && o.npos == 1)
        return cmd_list(&o);
    if (strcmp(o.pos[0], "revoke") == 0)
        return cmd_revoke(&o);
    if (strcmp(o.pos[0], "add") == 0 || strcmp(o.pos[0], "list") == 0)
        return pl_cli_usage_error("credentials", "unexpected argument '%s'", o.pos[1]);
    return pl_cli_usage_error("credentials", "unknown subcommand '%s' (add, list, revoke)",
                              o.pos[0]);
}
