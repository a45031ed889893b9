/* arena.h — a bump allocator for per-request and per-document temporaries.
 *
 * Everything allocated from an arena is freed at once by pl_arena_fini() or reused after
 * pl_arena_reset(). JSON documents (core/json.h) live in arenas, so a parsed request and
 * everything derived from it has one owner and one lifetime. Allocations are 16-byte aligned.
 */
#ifndef PL_CORE_ARENA_H
#define PL_CORE_ARENA_H

#include <stddef.h>

struct pl_arena_block;

struct pl_arena {
    struct pl_arena_block *head;
    size_t block_size; /* size of ordinary blocks; large requests get their own */
    size_t total;      /* bytes handed out, for limits and metrics */
};

void pl_arena_init(struct pl_arena *a);
void pl_arena_fini(struct pl_arena *a);
void pl_arena_reset(struct pl_arena *a); /* frees all but the first block */
/* pl_arena_reset, and the first block too when it is larger than keep bytes (a large request
 * made first), so a reused arena keeps at most keep bytes. */
void pl_arena_reset_max(struct pl_arena *a, size_t keep);

/* Returns zeroed memory; aborts on out-of-memory (like the rest of plumb's allocations). */
void *pl_arena_alloc(struct pl_arena *a, size_t n);
char *pl_arena_strndup(struct pl_arena *a, const char *s, size_t n); /* NUL-terminated copy */
char *pl_arena_strdup(struct pl_arena *a, const char *s);
char *pl_arena_printf(struct pl_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
