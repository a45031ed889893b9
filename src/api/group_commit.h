/* group_commit.h — many concurrent writes, one transaction.
 *
 * Each SQLite commit writes every page it touched to the WAL, and writers take turns, so under
 * concurrent requests the per-transaction cost dominates. A request that writes calls
 * pl_group_commit(): it joins a queue; whichever waiting thread finds no leader becomes the
 * leader, opens one transaction on its own store connection, runs every queued item's work in
 * it, commits once and wakes the others. A request is answered only after the commit that
 * holds its write, so "200 means committed" still holds. An item whose work fails without
 * writing (a validation error) fails alone; a store failure fails the whole group. */
#ifndef PL_API_GROUP_COMMIT_H
#define PL_API_GROUP_COMMIT_H

#include "api/api_int.h"

/* The write of one request: runs on the leader's thread with the leader's store connection
 * (st), inside the group's transaction. Must not begin/commit on its own beyond nesting. */
typedef int (*pl_group_fn)(struct pl_op_ctx *c, struct pl_store *st);

/* The queue and writer connection of one store (spec copied); owned by struct pl_app. */
struct pl_group;
struct pl_group *pl_group_new(const char *spec);
void pl_group_free(struct pl_group *g); /* NULL fine; no request may be in flight */

/* Runs fn(c, st) in c's app's group transaction. Returns fn's result, or -1 if the group's commit
 * failed (c->err set). */
int pl_group_commit(struct pl_op_ctx *c, pl_group_fn fn);

#endif
