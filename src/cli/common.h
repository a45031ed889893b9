/* common.h — what the plumb subcommands share (common.c): usage errors in one form
 * ("plumb SUB: ..." on stderr, exit 2), getopt's errors in those words, read-only opening of a
 * data directory (a read never creates one), and the data directory's keys by account. */
#ifndef PL_CLI_COMMON_H
#define PL_CLI_COMMON_H

#include <stdbool.h>

#include "core/arena.h"
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

/* Opens the data directory DIR read-only for a command that only reads: a missing directory or
 * database is an error ("plumb SUB: no plumb data in DIR ..." printed), nothing is created.
 * Returns 0 with *out set, or -1. */
int pl_cli_open_read(const char *sub, const char *data, struct pl_store **out);

/* The first live key of account in DATA/credentials.json: its id (and secret into *secret when
 * not NULL), strings in a; NULL when no key belongs to account (or there is no file). */
const char *pl_cli_account_key(struct pl_arena *a, const char *data, const char *account,
                               const char **secret);

#endif
