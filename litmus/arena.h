/* arena.h: a bump allocator; everything a parsed test owns is freed at once. */
#ifndef MEMLAB_LITMUS_ARENA_H
#define MEMLAB_LITMUS_ARENA_H

#include <stddef.h>

struct lt_arena;

struct lt_arena *lt_arena_new(void);
/* Zeroed memory, aligned for any type; abort()s when out of memory. */
void *lt_arena_alloc(struct lt_arena *a, size_t size);
char *lt_arena_strdup(struct lt_arena *a, const char *s);
char *lt_arena_strndup(struct lt_arena *a, const char *s, size_t n);
void lt_arena_free(struct lt_arena *a);

#endif
