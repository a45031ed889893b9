/* arena.c — bump allocator. Blocks are chained newest-first; the first (oldest) block is
 * kept by pl_arena_reset so a per-request arena reaches a steady state without malloc. */
#include "core/arena.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pl_arena_block {
    struct pl_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char mem[];
};

#define ARENA_DEFAULT_BLOCK (64 * 1024)

void pl_arena_init(struct pl_arena *a)
{
    a->head = NULL;
    a->block_size = ARENA_DEFAULT_BLOCK;
    a->total = 0;
}

void pl_arena_fini(struct pl_arena *a)
{
    struct pl_arena_block *b = a->head, *n;
    for (; b; b = n) {
        n = b->next;
        free(b);
    }
    a->head = NULL;
    a->total = 0;
}

void pl_arena_reset(struct pl_arena *a)
{
    struct pl_arena_block *b = a->head, *last = NULL;
    while (b) {
        struct pl_arena_block *n = b->next;
        if (!n) {
            last = b;
            break;
        }
        free(b);
        b = n;
    }
    a->head = last;
    if (last)
        last->used = 0;
    a->total = 0;
}

void pl_arena_reset_max(struct pl_arena *a, size_t keep)
{
    pl_arena_reset(a);
    if (a->head && a->head->size > keep) {
        free(a->head);
        a->head = NULL;
    }
}

/* Uninitialised memory: for copies that overwrite every byte. */
static void *alloc_raw(struct pl_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct pl_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > a->block_size / 4 ? n : a->block_size;
        struct pl_arena_block *nb = pl_xmalloc(sizeof(*nb) + size);
        nb->size = size;
        nb->used = 0;
        if (b && size != a->block_size) {
            /* a large one-off: link it behind the current block so the current block's
             * free space stays usable */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->mem + b->used;
    b->used += n;
    a->total += n;
    return p;
}

void *pl_arena_alloc(struct pl_arena *a, size_t n)
{
    void *p = alloc_raw(a, n);
    memset(p, 0, n);
    return p;
}

char *pl_arena_strndup(struct pl_arena *a, const char *s, size_t n)
{
    char *p = alloc_raw(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *pl_arena_strdup(struct pl_arena *a, const char *s)
{
    return pl_arena_strndup(a, s, strlen(s));
}

char *pl_arena_printf(struct pl_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = pl_arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
