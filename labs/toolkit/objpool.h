/* objpool.h: sync.Pool's idea in C: a cache of temporary objects, with a per-CPU cache in front of a shared free list.
 *
 * Semantics (Go's sync.Pool):
 *   - objpool_get returns an object that was put earlier, or a new one from
 *     new_obj (NULL when there is no new_obj, or it fails: Go's Get returns nil
 *     without New).  The object's contents are whatever its last user left:
 *     reset it before use.
 *   - objpool_put gives an object back for reuse.  The pool may drop any
 *     object it holds at any time (free_obj is called on it): a pool is a
 *     cache, not a free list to rely on.  Go drops everything over two garbage
 *     collections; here objects beyond the caches' capacity are dropped at
 *     once, and objpool_clear drops everything held (call it when memory is
 *     tight, the C stand-in for a GC cycle).
 *   - Safe for any number of threads.
 * What differs: Go keeps one private slot and a small list per P (the
 * scheduler's processor, about one per CPU); here the per-CPU shard
 * (sched_getcpu) plays the per-P cache.  Per-thread caches (thread-locals)
 * would need a destructor at thread exit that may run after the pool is
 * freed, and strand objects in idle threads; a thread that migrates between
 * choosing a shard and locking it only loses locality, never correctness,
 * because each shard has a lock that is almost never contended.
 *
 * Memory: an object belongs to the caller from get until put, and to the
 * pool from put until it is handed out again or dropped (free_obj).  Never
 * touch an object after putting it.  objpool_free drops every object held
 * and frees the pool; objects still out with callers are theirs to free (or
 * put into another pool).
 */
#ifndef MEMLAB_TOOLKIT_OBJPOOL_H
#define MEMLAB_TOOLKIT_OBJPOOL_H

#include <stddef.h>

struct objpool_opts {
    void *(*new_obj)(void *user);          /* optional */
    void (*free_obj)(void *obj, void *user); /* NULL: free() */
    void *user;
    size_t shared_max;                     /* objects in the shared list; 0: 256 */
};

struct objpool;

/* NULL with errno ENOMEM. */
struct objpool *objpool_new(const struct objpool_opts *opts);
void *objpool_get(struct objpool *p);
void objpool_put(struct objpool *p, void *obj);
void objpool_clear(struct objpool *p);
void objpool_free(struct objpool *p);

/* Counters (snapshots): gets served from a cache, gets that called new_obj,
 * objects dropped. */
struct objpool_stats {
    size_t hits, news, drops;
};
void objpool_get_stats(struct objpool *p, struct objpool_stats *out);

#endif
