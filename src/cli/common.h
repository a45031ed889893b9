/* common.h — what the plumb subcommands share (common.c): usage errors in one form
 * ("plumb SUB: ..." on stderr, exit 2), getopt's errors in those words, a table-driven option
 * loop, read-only opening of a data directory (a read never creates one), the data directory's
 * keys by account, and signed calls to a running server (--endpoint). */
#ifndef PL_CLI_COMMON_H
#define PL_CLI_COMMON_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/json.h"
#include "store/store.h"

/* --help, -h or help. */
bool pl_cli_is_help(const char *arg);

/* Prints "plumb SUB: <message>" and a pointer to `plumb SUB --help` on stderr. Returns 2, the
 * exit code of a usage error. */
int pl_cli_usage_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After getopt_long (called with opterr = 0 and an optstring starting with ':') returned
 * '?' or ':': says "unknown option '--x'" or "option '--x' needs a value". argv is the vector
 * getopt saw. Returns 2. */
int pl_cli_getopt_error(const char *sub, char *const *argv, int c);

/* One option of a subcommand for pl_cli_getopt. An option with str or seen is handled there;
 * one with neither goes to the command's own handler. */
struct pl_cli_opt {
    const char *name; /* the long name: --name */
    int key;          /* what getopt returns for it: its short letter where it has one */
    const char **str; /* the value goes here (the option takes one), or NULL */
    bool *seen;       /* set true when the option is given, or NULL */
    bool arg;         /* takes a value though str is NULL (for the command's handler) */
};

/* The command's handler of the options the table leaves to it: 0 to go on, else the value
 * pl_cli_getopt returns at once (2 after a usage error it printed). */
typedef int (*pl_cli_opt_fn)(void *ctx, int key, char *arg);

/* Runs getopt_long over argv (optind reset, opterr 0) with the long options of opts (ended by
 * a NULL name; --help, key 'h', is added) and the short ones of shorts (which starts with ':').
 * Returns 0 at the end of the options (optind past them), 1 at --help, 2 after a usage error
 * (printed, as pl_cli_getopt_error), or what other (NULL: none) returned when not 0. */
int pl_cli_getopt(const char *sub, int argc, char **argv, const char *shorts,
                  const struct pl_cli_opt *opts, pl_cli_opt_fn other, void *ctx);

/* A call to a running server's JSON API, for a subcommand's --endpoint. */
struct pl_cli_call {
    const char *sub;      /* messages start "plumb SUB: " */
    const char *endpoint; /* the server's URL */
    const char *region;   /* signed for this region (service "config") */
    const char *service;  /* the target of op is SERVICE.op (unless op holds a '.') */
    const char *needs;    /* what needs the keys, starting their message ("--endpoint ") */
    bool name_op;         /* a failure reads "plumb SUB: OP: message" (not "plumb SUB: message") */
    bool once;            /* close the connection after the call (pl_client_thread_done) */
};

/* POSTs body to op signed with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; *out is the JSON
 * answer (in a). Returns 0, or -1 with the error printed. */
int pl_cli_call(struct pl_arena *a, const struct pl_cli_call *c, const char *op,
                const struct pl_json *body, struct pl_json **out);

/* pl_cli_call of PlumbService.op for a subcommand's --endpoint URL, closing the connection
 * after. */
int pl_cli_plumb_call(struct pl_arena *a, const char *sub, const char *endpoint, const char *region,
                      const char *op, const struct pl_json *body, struct pl_json **out);

/* Opens the data directory DIR read-only for a command that only reads: a missing directory or
 * database is an error ("plumb SUB: no plumb data in DIR ..." printed), nothing is created.
 * Returns 0 with *out set, or -1. */
int pl_cli_open_read(const char *sub, const char *data, struct pl_store **out);

/* The store of DATA for SUB: read-only through pl_cli_open_read when !write (never created),
 * else opened (created when missing; "plumb SUB: DATA: message" printed on failure). NULL on
 * failure. */
struct pl_store *pl_cli_open(const char *sub, const char *data, bool write);

/* The first live key of account in DATA/credentials.json: its id (and secret into *secret when
 * not NULL), strings in a; NULL when no key belongs to account (or there is no file). */
const char *pl_cli_account_key(struct pl_arena *a, const char *data, const char *account,
                               const char **secret);

#endif
