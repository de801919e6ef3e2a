/* objpool.c: one small stack of objects per CPU, each behind its own lock, then a shared stack, then new_obj.
 *
 * get: this CPU's shard, else the shared list, else new_obj.
 * put: this CPU's shard, else the shared list, else drop.
 * A shard is a cache line's worth of pointers plus its lock, aligned so two
 * CPUs' shards never share a line (no false sharing on the fast path).
 */
#include "labs/toolkit/objpool.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/sysinfo.h>

#include "locks/mutex_barging.h"
#include "locks/sys.h"

#define SHARD_SLOTS 14 /* with the lock and count: two cache lines */

struct shard {
    CACHE_ALIGNED struct mutex_barging lock;
    unsigned n;
    void *slot[SHARD_SLOTS];
};

struct objpool {
    struct objpool_opts opts;
    unsigned nshards;
    struct shard *shards;
    CACHE_ALIGNED struct mutex_barging shared_lock;
    size_t shared_n;
    void **shared;
    /* Statistics.  relaxed everywhere: counters for display that order
     * nothing.  x86: LOCK XADD to count, MOV to read. */
    atomic_size_t hits, news, drops;
};

struct objpool *objpool_new(const struct objpool_opts *opts)
{
    struct objpool *p = xaligned_alloc(sizeof *p);
    p->opts = *opts;
    if (!p->opts.shared_max)
        p->opts.shared_max = 256;
    int ncpu = get_nprocs_conf(); /* sched_getcpu() is below this */
    p->nshards = ncpu > 0 ? (unsigned)ncpu : 1;
    p->shards = xaligned_alloc(p->nshards * sizeof *p->shards);
    p->shared = malloc(p->opts.shared_max * sizeof *p->shared);
    if (!p->shared) {
        free(p->shards);
        free(p);
        errno = ENOMEM;
        return NULL;
    }
    for (unsigned i = 0; i < p->nshards; i++)
        mutex_barging_init(&p->shards[i].lock);
    mutex_barging_init(&p->shared_lock);
    return p;
}

static struct shard *my_shard(struct objpool *p)
{
    int cpu = sched_getcpu(); /* vDSO: no syscall */
    return &p->shards[cpu >= 0 ? (unsigned)cpu % p->nshards : 0];
}

static void drop(struct objpool *p, void *obj)
{
    atomic_fetch_add_explicit(&p->drops, 1, memory_order_relaxed);
    if (p->opts.free_obj)
        p->opts.free_obj(obj, p->opts.user);
    else
        free(obj);
}

void *objpool_get(struct objpool *p)
{
    void *obj = NULL;
    struct shard *s = my_shard(p);
    mutex_barging_lock(&s->lock);
    if (s->n)
        obj = s->slot[--s->n];
    mutex_barging_unlock(&s->lock);
    if (!obj) {
        mutex_barging_lock(&p->shared_lock);
        if (p->shared_n)
            obj = p->shared[--p->shared_n];
        mutex_barging_unlock(&p->shared_lock);
    }
    if (obj) {
        atomic_fetch_add_explicit(&p->hits, 1, memory_order_relaxed);
        return obj;
    }
    if (!p->opts.new_obj)
        return NULL;
    atomic_fetch_add_explicit(&p->news, 1, memory_order_relaxed);
    return p->opts.new_obj(p->opts.user);
}

void objpool_put(struct objpool *p, void *obj)
{
    if (!obj)
        return;
    struct shard *s = my_shard(p);
    mutex_barging_lock(&s->lock);
    if (s->n < SHARD_SLOTS) {
        s->slot[s->n++] = obj;
        obj = NULL;
    }
    mutex_barging_unlock(&s->lock);
    if (!obj)
        return;
    mutex_barging_lock(&p->shared_lock);
    if (p->shared_n < p->opts.shared_max) {
        p->shared[p->shared_n++] = obj;
        obj = NULL;
    }
    mutex_barging_unlock(&p->shared_lock);
    if (obj)
        drop(p, obj);
}

void objpool_clear(struct objpool *p)
{
    for (unsigned i = 0; i < p->nshards; i++) {
        struct shard *s = &p->shards[i];
        void *taken[SHARD_SLOTS];
        mutex_barging_lock(&s->lock);
        unsigned n = s->n;
        for (unsigned k = 0; k < n; k++)
            taken[k] = s->slot[k];
        s->n = 0;
        mutex_barging_unlock(&s->lock);
        for (unsigned k = 0; k < n; k++)
            drop(p, taken[k]); /* outside the lock: free_obj may be slow */
    }
    for (;;) {
        mutex_barging_lock(&p->shared_lock);
        void *obj = p->shared_n ? p->shared[--p->shared_n] : NULL;
        mutex_barging_unlock(&p->shared_lock);
        if (!obj)
            break;
        drop(p, obj);
    }
}

void objpool_free(struct objpool *p)
{
    if (!p)
        return;
    objpool_clear(p);
    free(p->shared);
    free(p->shards);
    free(p);
}

void objpool_get_stats(struct objpool *p, struct objpool_stats *out)
{
    out->hits = atomic_load_explicit(&p->hits, memory_order_relaxed);
    out->news = atomic_load_explicit(&p->news, memory_order_relaxed);
    out->drops = atomic_load_explicit(&p->drops, memory_order_relaxed);
}
