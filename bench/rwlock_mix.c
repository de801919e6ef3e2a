/* rwlock_mix.c: scenario 6, reader-writer locks under a read/write mix (50, 90, 99, 100 % reads), a thread per CPU (at least 2), fixed time.
 *
 * Each operation is a read with probability read_pct (each thread draws from
 * its own xorshift generator): read_lock, read the two fields of a small
 * shared record, read_unlock; otherwise lock, bump both fields, unlock.  The
 * record sits on its own line.  At 100 % reads nobody writes the record, so
 * what remains is the lock's own reader count, one line both readers write:
 * that line is why a reader-writer lock does not scale the way a config
 * (scenario 7) does.
 */
#include <stdlib.h>

#include "bench/bench.h"

struct rwmix_run {
    const struct lock_ops *ops;
    void *lock;
    struct timed_run *run;
    CACHE_ALIGNED uint64_t a, b; /* written only under the write lock; a == b outside it */
    CACHE_ALIGNED atomic_uint_least64_t reads, writes, torn;
};

static struct rwmix_run *shared; /* thread 0 sets it; the start barrier publishes it */

static void worker(bench_state *st, struct rwmix_run *r, int read_pct)
{
    const struct lock_ops *ops = r->ops;
    void *node = lock_node_new(ops);
    if (ops->thread_enter)
        ops->thread_enter(r->lock, node);
    uint64_t rng = 0x9E3779B97F4A7C15ull * (uint64_t)(bench_thread_index(st) + 1);
    uint64_t reads = 0, writes = 0, torn = 0;
    timed_run_start(r->run, st);
    do { /* at least one operation, as in throughput.c */
        if ((int)(xorshift64(&rng) % 100) < read_pct) {
            ops->read_lock(r->lock, node);
            uint64_t a = r->a, b = r->b;
            ops->read_unlock(r->lock, node);
            torn += a != b;
            reads++;
        } else {
            ops->lock(r->lock, node);
            r->a++;
            r->b++;
            ops->unlock(r->lock, node);
            writes++;
        }
    } while (timed_run_going(r->run));
    timed_run_finish(r->run, st, reads + writes);
    if (ops->thread_exit)
        ops->thread_exit(r->lock, node);
    free(node);
    /* relaxed: summed by thread 0 after Google Benchmark's stop barrier. */
    atomic_fetch_add_explicit(&r->reads, reads, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->writes, writes, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->torn, torn, memory_order_relaxed);
}

static void bm_rwmix(bench_state *st, const void *arg)
{
    if (bench_thread_index(st) == 0) {
        shared = xaligned_alloc(sizeof *shared);
        shared->ops = arg;
        shared->lock = lock_new(shared->ops);
        if (!shared->lock)
            lock_fatal("bench: lock init failed");
        shared->run = timed_run_new(bench_threads(st));
    }
    while (bench_keep_running(st))
        worker(st, shared, (int)bench_arg(st, 0));
    if (bench_thread_index(st) != 0)
        return;
    uint64_t writes = atomic_load(&shared->writes);
    if (atomic_load(&shared->torn) != 0 || shared->a != writes || shared->b != writes)
        bench_error(st, "a reader saw a half-done write, or a write was lost");
    bench_counter(st, "reads", (double)atomic_load(&shared->reads), BENCH_SUM);
    bench_counter(st, "writes", (double)writes, BENCH_SUM);
    timed_run_report(shared->run, st);
    lock_free(shared->ops, shared->lock);
    free(shared);
    shared = NULL;
}

static const int read_pcts[] = {50, 90, 99, 100};

void register_rwlock_mix(void)
{
    for (const struct lock_ops *const *p = bench_lock_list(); *p; p++) {
        if ((*p)->kind != LOCK_KIND_RW)
            continue;
        bench_def *b = bench_register(bench_name("rwlock/%s", (*p)->name), bm_rwmix, *p);
        bench_def_arg_name(b, "read_pct");
        for (size_t i = 0; i < sizeof read_pcts / sizeof read_pcts[0]; i++)
            bench_def_arg(b, read_pcts[i]);
        bench_def_threads(b, bench_pair_threads());
        bench_def_iterations(b, 1);
        bench_def_manual_time(b);
    }
}
