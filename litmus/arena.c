/* arena.c: chunks of memory handed out in order and freed together. */
#include "litmus/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chunk {
    struct chunk *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

struct lt_arena {
    struct chunk *head;
};

struct lt_arena *lt_arena_new(void)
{
    struct lt_arena *a = calloc(1, sizeof *a);
    if (!a)
        abort();
    return a;
}

void *lt_arena_alloc(struct lt_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    struct chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t want = size > 16384 ? size : 16384;
        c = malloc(sizeof *c + want);
        if (!c)
            abort();
        c->next = a->head;
        c->used = 0;
        c->size = want;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *lt_arena_strndup(struct lt_arena *a, const char *s, size_t n)
{
    char *d = lt_arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *lt_arena_strdup(struct lt_arena *a, const char *s)
{
    return lt_arena_strndup(a, s, strlen(s));
}

void lt_arena_free(struct lt_arena *a)
{
    if (!a)
        return;
    for (struct chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}
