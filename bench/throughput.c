/* throughput.c: scenarios 2 and 3, acquisitions per second for every mutex: against the thread count, and against the critical section's length.
 *
 * Every thread loops lock; critical section; unlock for a fixed time
 * (timed_run in bench.h says why not Google Benchmark's equal iteration
 * counts).  The critical section adds one to a shared counter, so each
 * acquisition moves that line to the new holder's core, as touching shared
 * data does in a real program, and then busy-waits cs_ns nanoseconds
 * (spin_ns; 0 means no wait at all).  Thread counts come from n, the CPUs
 * this process may use (bench.h): 1, 2, n, 2n, 4n, and the sweep runs at
 * max(2, n).  Threads are not pinned: with 2n and 4n threads the scheduler
 * decides who runs, which is the point of the oversubscribed runs.
 */
#include <stdlib.h>

#include "bench/bench.h"

/* One run's shared state, made by thread 0 before the run starts. */
struct throughput_run {
    const struct lock_ops *ops;
    void *lock;
    struct timed_run *run;
    CACHE_ALIGNED uint64_t counter; /* written only inside the lock */
};

static struct throughput_run *shared; /* thread 0 sets it; Google Benchmark's start barrier publishes it */

static void worker(bench_state *st, struct throughput_run *r, uint64_t cs_ns)
{
    const struct lock_ops *ops = r->ops;
    void *node = lock_node_new(ops);
    if (ops->thread_enter)
        ops->thread_enter(r->lock, node);
    timed_run_start(r->run, st);
    uint64_t n = 0;
    do { /* at least one: a thread preempted for the whole run still measures something */
        ops->lock(r->lock, node);
        r->counter++;
        spin_ns(cs_ns);
        ops->unlock(r->lock, node);
        n++;
    } while (timed_run_going(r->run));
    timed_run_finish(r->run, st, n);
    if (ops->thread_exit)
        ops->thread_exit(r->lock, node);
    free(node);
}

static void bm_throughput(bench_state *st, const void *arg)
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
        worker(st, shared, (uint64_t)bench_arg(st, 0));
    if (bench_thread_index(st) != 0)
        return;
    /* Google Benchmark's stop barrier: every worker is done here. */
    uint64_t total = 0;
    for (unsigned i = 0; i < shared->run->threads; i++)
        total += shared->run->t[i].ops;
    if (shared->counter != total)
        bench_error(st, "lost update: the counter disagrees with the acquisitions");
    timed_run_report(shared->run, st);
    bench_label_flags(st, shared->ops);
    lock_free(shared->ops, shared->lock);
    free(shared);
    shared = NULL;
}

static const int cs_lengths[] = {0, 50, 200, 1000};

void register_throughput(void)
{
    int counts[BENCH_MAX_COUNTS];
    size_t ncounts = bench_throughput_counts(counts); /* 1, 2, n, 2n, 4n */
    for (const struct lock_ops *const *p = bench_lock_list(); *p; p++) {
        if ((*p)->kind != LOCK_KIND_MUTEX)
            continue;
        bench_def *b = bench_register(bench_name("threads/%s", (*p)->name), bm_throughput, *p);
        bench_def_arg_name(b, "cs_ns");
        bench_def_arg(b, 0);
        for (size_t i = 0; i < ncounts; i++)
            bench_def_threads(b, counts[i]);
        bench_def_iterations(b, 1);
        bench_def_manual_time(b);
    }
    for (const struct lock_ops *const *p = bench_lock_list(); *p; p++) {
        if ((*p)->kind != LOCK_KIND_MUTEX)
            continue;
        bench_def *b = bench_register(bench_name("cs/%s", (*p)->name), bm_throughput, *p);
        bench_def_arg_name(b, "cs_ns");
        for (size_t i = 0; i < sizeof cs_lengths / sizeof cs_lengths[0]; i++)
            bench_def_arg(b, cs_lengths[i]);
        bench_def_threads(b, bench_pair_threads());
        bench_def_iterations(b, 1);
        bench_def_manual_time(b);
    }
}
