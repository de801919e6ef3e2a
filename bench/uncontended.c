/* uncontended.c: scenario 1, the cost of lock+unlock on one thread with nobody else around (every lock, both sides of rwlocks).
 *
 * What it measures is the fast path: one atomic read-modify-write (or two) on
 * a line this core already owns, plus the call.  BATCH pairs run per
 * bench_keep_running call so the shim's own call (about 1 ns) is spread thin;
 * Google Benchmark divides by the iterations, so the time reported is per
 * lock+unlock pair.
 */
#include <stdlib.h>

#include "bench/bench.h"

enum { BATCH = 64 };

static void *new_lock_or_fail(bench_state *st, const struct lock_ops *ops)
{
    void *lock = lock_new(ops);
    if (!lock)
        bench_error(st, "lock init failed");
    return lock;
}

static void bm_write_side(bench_state *st, const void *arg)
{
    const struct lock_ops *ops = arg;
    void *lock = new_lock_or_fail(st, ops);
    void *node = lock_node_new(ops);
    if (lock && ops->thread_enter)
        ops->thread_enter(lock, node);
    bench_label_flags(st, ops);
    while (bench_keep_running_batch(st, BATCH))
        for (int i = 0; i < BATCH; i++) {
            ops->lock(lock, node);
            ops->unlock(lock, node);
        }
    if (lock && ops->thread_exit)
        ops->thread_exit(lock, node);
    free(node);
    lock_free(ops, lock);
}

/* The read side; for a config, a read also fetches the snapshot pointer. */
static void bm_read_side(bench_state *st, const void *arg)
{
    const struct lock_ops *ops = arg;
    void *lock = new_lock_or_fail(st, ops);
    void *node = lock_node_new(ops);
    if (lock && ops->thread_enter)
        ops->thread_enter(lock, node);
    if (lock && ops->kind == LOCK_KIND_CONFIG) {
        ops->lock(lock, node);
        ops->cfg_publish(lock, calloc(1, 64));
        ops->unlock(lock, node);
    }
    bench_label_flags(st, ops);
    while (bench_keep_running_batch(st, BATCH))
        for (int i = 0; i < BATCH; i++) {
            ops->read_lock(lock, node);
            if (ops->cfg_get)
                bench_keep((uintptr_t)ops->cfg_get(lock, node));
            ops->read_unlock(lock, node);
        }
    if (lock && ops->thread_exit)
        ops->thread_exit(lock, node);
    free(node);
    lock_free(ops, lock);
}

void register_uncontended(void)
{
    for (const struct lock_ops *const *p = bench_lock_list(); *p; p++) {
        const struct lock_ops *ops = *p;
        if (ops->kind != LOCK_KIND_CONFIG)
            bench_register(bench_name("uncontended/%s/side:write", ops->name), bm_write_side, ops);
        if (ops->kind != LOCK_KIND_MUTEX)
            bench_register(bench_name("uncontended/%s/side:read", ops->name), bm_read_side, ops);
    }
}
