/* pack_worker.h — the thread of plumb serve that deploys and deletes conformance packs: it
 * claims the "packs.deploy" outbox items PutConformancePack and DeleteConformancePack queue
 * (api/ops_packs.c) and runs each in one transaction with its completion. */
#ifndef PL_API_PACK_WORKER_H
#define PL_API_PACK_WORKER_H

#include "core/err.h"

struct pl_app;
struct pl_pack_worker;

/* Starts the worker on app (its store spec, rules engine, delivery). Test hook: with the
 * environment variable PLUMB_TEST_PACK_GATE=DIR, a claimed item waits while DIR/hold exists
 * (creating DIR/held when it starts waiting), and fails (as a store failure would) while
 * DIR/fail exists. */
struct pl_pack_worker *pl_pack_worker_start(struct pl_app *app, struct pl_err *err);
/* Stops and frees it (NULL: nothing); an item it was running finishes first. */
void pl_pack_worker_stop(struct pl_pack_worker *w);

#endif
