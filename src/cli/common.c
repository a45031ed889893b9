/* common.c — what the plumb subcommands share: usage errors, getopt's errors, the option loop,
 * read-only data directories, keys by account, calls to a server (common.h). Messages go to stderr,
 * each starting "plumb SUB: ". */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common.h"
#include "core/client.h"
#include "core/json.h"
#include "core/util.h"

bool pl_cli_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0;
}

int pl_cli_usage_error(const char *sub, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "plumb %s: ", sub);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see `plumb %s --help`)\n", sub);
    return 2;
}

int pl_cli_getopt_error(const char *sub, char *const *argv, int c)
{
    const char *arg = optind > 0 ? argv[optind - 1] : "?";
    char shortopt[3] = {'-', (char)optopt, '\0'};
    if (optopt && strncmp(arg, "--", 2) != 0) /* a short option, perhaps in a cluster */
        arg = shortopt;
    int len = (int)strcspn(arg, "="); /* --name=value: the name */
    if (c == ':')
        return pl_cli_usage_error(sub, "option '%.*s' needs a value", len, arg);
    return pl_cli_usage_error(sub, "unknown option '%.*s'", len, arg);
}

#define MAX_OPTS 32 /* long options of one subcommand, --help included */

int pl_cli_getopt(const char *sub, int argc, char **argv, const char *shorts,
                  const struct pl_cli_opt *opts, pl_cli_opt_fn other, void *ctx)
{
    struct option lo[MAX_OPTS + 1];
    size_t n = 0;
    for (; opts[n].name && n < MAX_OPTS - 1; n++)
        lo[n] = (struct option){opts[n].name,
                                opts[n].str || opts[n].arg ? required_argument : no_argument, NULL,
                                opts[n].key};
    lo[n] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n + 1] = (struct option){NULL, 0, NULL, 0};
    int c;
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        if (c == 'h')
            return 1;
        if (c == '?' || c == ':')
            return pl_cli_getopt_error(sub, argv, c);
        size_t i = 0;
        while (i < n && opts[i].key != c)
            i++;
        if (i < n && opts[i].str)
            *opts[i].str = optarg;
        if (i < n && opts[i].seen)
            *opts[i].seen = true;
        int r = (i < n && (opts[i].str || opts[i].seen)) || !other ? 0 : other(ctx, c, optarg);
        if (r != 0)
            return r;
    }
    return 0;
}

int pl_cli_call(struct pl_arena *a, const struct pl_cli_call *c, const char *op,
                const struct pl_json *body, struct pl_json **out)
{
    const char *key = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    struct pl_err err = {0};
    if (!key || !secret) {
        fprintf(stderr,
                "plumb %s: %sneeds AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (see plumb "
                "credentials)\n",
                c->sub, c->needs);
        return -1;
    }
    struct pl_client_aws cl = {
        .endpoint = c->endpoint,
        .target = strchr(op, '.') ? op : pl_arena_printf(a, "%s.%s", c->service, op),
        .sigv4 = {.service = "config",
                  .region = c->region,
                  .access_key = key,
                  .secret_key = secret},
        .timeout_ms = 60000,
        .max_body = 16 << 20,
    };
    const char *text = pl_json_dump(a, body, PL_JSON_COMPACT);
    int rc = pl_client_aws_json(&cl, text, strlen(text), a, out, NULL, &err);
    if (c->once)
        pl_client_thread_done();
    if (rc != 0 && c->name_op)
        fprintf(stderr, "plumb %s: %s: %s\n", c->sub, op, pl_err_msg(&err));
    else if (rc != 0)
        fprintf(stderr, "plumb %s: %s\n", c->sub, err.msg);
    return rc;
}

int pl_cli_plumb_call(struct pl_arena *a, const char *sub, const char *endpoint, const char *region,
                      const char *op, const struct pl_json *body, struct pl_json **out)
{
    const struct pl_cli_call c = {.sub = sub,
                                  .endpoint = endpoint,
                                  .region = region,
                                  .service = "PlumbService",
                                  .needs = "--endpoint ",
                                  .once = true};
    return pl_cli_call(a, &c, op, body, out);
}

int pl_cli_open_read(const char *sub, const char *data, struct pl_store **out)
{
    struct pl_err err = {0};
    *out = NULL;
    if (!pl_store_exists(data)) {
        fprintf(stderr, "plumb %s: no plumb data in %s (%s/plumb.db: %s)\n", sub, data, data,
                strerror(errno ? errno : ENOENT));
        return -1;
    }
    if (pl_store_open(data, PL_STORE_READONLY, out, &err) < 0) {
        fprintf(stderr, "plumb %s: %s\n", sub, err.msg);
        return -1;
    }
    return 0;
}

struct pl_store *pl_cli_open(const char *sub, const char *data, bool write)
{
    struct pl_store *st = NULL;
    struct pl_err err = {0};
    if (!write)
        return pl_cli_open_read(sub, data, &st) == 0 ? st : NULL;
    if (pl_store_open(data, 0, &st, &err) < 0) {
        fprintf(stderr, "plumb %s: %s: %s\n", sub, data, err.msg);
        return NULL;
    }
    return st;
}

const char *pl_cli_account_key(struct pl_arena *a, const char *data, const char *account,
                               const char **secret)
{
    size_t len;
    const char *found = NULL;
    char *text = pl_read_file(pl_arena_printf(a, "%s/credentials.json", data), 1 << 20, &len);
    struct pl_json *j = text ? pl_json_parse(a, text, len, NULL) : NULL;
    for (const struct pl_json *k = j && j->type == PL_JOBJ ? j->child : NULL; k && !found;
         k = k->next) {
        const char *acct = pl_json_get_str(k, "account");
        if (acct && strcmp(acct, account) == 0 && !pl_json_truthy(pl_json_get(k, "revoked")) &&
            pl_json_get_str(k, "secret")) {
            found = k->key;
            if (secret)
                *secret = pl_json_get_str(k, "secret");
        }
    }
    free(text);
    return found;
}
