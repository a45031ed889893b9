/* sources/trail_queue.h — the bounded queue between a CloudTrail import's reader thread
 * (gunzip, JSON, records and their links) and its store writer (private to sources/).
 *
 * A ring of a fixed number of slots, each owning its arena and text buffer, so memory is
 * bounded by the ring whatever the file's size. The reader takes a free slot, fills it and
 * pushes it; the writer pops slots in order and releases each when done with it.
 */
#ifndef PL_RECORDER_SOURCES_TRAIL_QUEUE_H
#define PL_RECORDER_SOURCES_TRAIL_QUEUE_H

#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "store/trail.h"

enum trail_slot_kind {
    TRAIL_SLOT_EVENT,   /* ev is an event */
    TRAIL_SLOT_SKIPPED, /* a value that is not a usable record: where, why */
    TRAIL_SLOT_BAD,     /* the file is not valid JSON: where, why, e (the last slot) */
};

struct trail_slot {
    enum trail_slot_kind kind;
    struct pl_trail_event ev; /* strings in a and buf */
    struct pl_arena a;
    char *buf; /* the value's text, twice: parsed in place, and as written (the body) */
    size_t cap;
    char where[600], why[400];
    struct pl_err e;
};

struct trail_queue;

struct trail_queue *trail_queue_new(size_t nslots);
void trail_queue_free(struct trail_queue *q);  /* NULL is fine */
void trail_queue_reset(struct trail_queue *q); /* empty and open again, for the next file */

/* Reader: a free slot (waits for one), or NULL when the writer cancelled. */
struct trail_slot *trail_queue_take(struct trail_queue *q);
void trail_queue_push(struct trail_queue *q);  /* the slot taken last is filled */
void trail_queue_close(struct trail_queue *q); /* no more slots */

/* Writer: the next filled slot (waits for one), NULL after the reader closed. */
struct trail_slot *trail_queue_pop(struct trail_queue *q);
void trail_queue_release(struct trail_queue *q); /* done with the slot popped last */
void trail_queue_cancel(struct trail_queue *q);  /* the reader is to stop */

#endif
