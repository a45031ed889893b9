/* common.c — what the plumb subcommands share: usage errors, getopt's errors, read-only data
 * directories, keys by account (common.h). Messages go to stderr, each starting "plumb SUB: ". */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/common.h"
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
