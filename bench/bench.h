/* bench.h: what memlab's benchmark files share: the list of locks to measure, run lengths, and the fixed-duration runner. */
#ifndef MEMLAB_BENCH_H
#define MEMLAB_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "bench/shim.h"
#include "locks/lock.h"
#include "locks/sys.h"

/* Every lock the benchmarks measure: the library registry, then the
 * bench-only outside baselines (Concurrency Kit, bench/ck_locks.c).
 * NULL-terminated.  A lock added to the registry shows up here. */
const struct lock_ops *const *bench_lock_list(void);

/* How long the fixed-duration runs last; set from the command line by
 * bench_parse_options (see bench/main.c for the flags and defaults). */
struct bench_options {
    uint64_t run_ns;    /* each throughput run (timed_run) */
    uint64_t stress_ns; /* each fairness/latency run (stress_run) */
};
extern struct bench_options bench_opt;

/* Remove memlab's own flags from argv (the rest go to Google Benchmark);
 * returns 0, or 2 after printing a message for a bad value. */
int bench_parse_options(int *argc, char **argv);

/* Each scenario file registers its benchmarks (called by main). */
void register_uncontended(void);
void register_throughput(void);
void register_fairness(void);
void register_rwlock_mix(void);
void register_config_read(void);
void register_channels(void);
void register_toolkit(void);
void register_owner_check(void);
void register_config_reclaim(void);

/* ---- timed_run: a fixed-duration run on Google Benchmark's threads ----------
 *
 * Google Benchmark gives every thread the same number of iterations and
 * reports the mean of the threads' times.  With an unfair lock the favoured
 * threads finish early, which shortens that mean and inflates the rate, and
 * the end of the run is a few stragglers with no contention at all.  So the
 * throughput benchmarks run ONE iteration per thread in which every thread
 * works until a common stop signal, like locks/stress.c, but with nothing
 * in the loop except the operation and a relaxed load of the stop flag (no
 * clock reads: stress_run times every wait, which costs ~40 ns per
 * operation).  Register with bench_def_iterations(b, 1) and
 * bench_def_manual_time(b).  Each thread:
 *
 *     if (bench_thread_index(st) == 0) r = timed_run_new(bench_threads(st));
 *     while (bench_keep_running(st)) {       // once: all threads are here now
 *         ... per-thread setup ...
 *         timed_run_start(r);                 // together with every other thread
 *         uint64_t n = 0;
 *         do { ...one operation...; n++; } while (timed_run_going(r));
 *         timed_run_finish(r, st, n);
 *         ... per-thread teardown ...
 *     }
 *     if (bench_thread_index(st) == 0) timed_run_report(r, st);  // counters; frees r
 *
 * (do-while: on a busy machine a thread can be preempted for the whole run,
 * and a run with no operation at all measures nothing.)
 * timed_run_report sets ops_per_s (operations of all threads per second of
 * wall time), jain (Jain index of the per-thread counts) and preempted
 * (involuntary context switches of the workers during the run: the report
 * cites it as measured evidence of other work on the machine). */
enum { BENCH_MAX_THREADS = 512 };

struct timed_run_thread {
    CACHE_ALIGNED uint64_t begin_ns, end_ns, ops;
    uint64_t preempt_begin, preempt_end; /* bench_preemptions_self() around the run */
};

struct timed_run {
    CACHE_ALIGNED atomic_bool stop; /* read by every worker each operation; written once */
    CACHE_ALIGNED pthread_barrier_t start; /* the workers and the timer thread */
    pthread_t timer;
    unsigned threads;
    uint64_t duration_ns;
    struct timed_run_thread t[BENCH_MAX_THREADS];
};

struct timed_run *timed_run_new(int threads);
void timed_run_start(struct timed_run *r, bench_state *st);
static inline bool timed_run_going(struct timed_run *r)
{
    /* relaxed: stop is only a hint to leave; the benchmark's end barrier
     * orders every thread's results before timed_run_report.  x86: MOV. */
    return !atomic_load_explicit(&r->stop, memory_order_relaxed);
}
void timed_run_finish(struct timed_run *r, bench_state *st, uint64_t ops);
void timed_run_report(struct timed_run *r, bench_state *st);

/* ---- thread counts from the CPUs this process may use ----------------------
 *
 * n is the number of CPUs in this process's affinity mask (what taskset, a
 * cgroup cpuset or a container gives it), not the machine's total: a run
 * under `taskset -c 0` has n = 1 on any machine.  Every multi-threaded
 * scenario derives its thread counts from n, so "oversubscribed" means the
 * same thing on 2 CPUs and on 64:
 *   throughput  1, 2, n, 2n, 4n   (deduplicated, sorted)
 *   fairness    n, 4n
 *   pairs       max(2, n)         (a two-sided scenario needs two threads)
 * Counts above BENCH_MAX_THREADS are dropped (recorded in the JSON context). */
int bench_cpus(void);
/* Write the counts into out (room for BENCH_MAX_COUNTS) and return how many. */
size_t bench_throughput_counts(int *out);
size_t bench_fairness_counts(int *out);
int bench_pair_threads(void);
enum { BENCH_MAX_COUNTS = 5 };

/* Record n, the CPU model and the affinity list in the JSON's context
 * (Google Benchmark's custom context), for the report. */
void bench_record_machine(void);

/* Involuntary context switches of the calling thread so far (getrusage
 * RUSAGE_THREAD): how often the scheduler took the CPU away from it. */
uint64_t bench_preemptions_self(void);

/* The lock's flags as a label ("fifo sleeps baseline"), for the report. */
void bench_label_flags(bench_state *st, const struct lock_ops *ops);

/* "scenario/lock/key:value" names, the shape bench_report.py parses. */
const char *bench_name(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A benchmark's inner loop of sub-nanosecond reads: a function of its own,
 * never inlined, at the start of a 64-byte block of code.  Such reads are
 * as sensitive to where their loop lands as to what it does (a loop that
 * straddles a fetch block can run 20 % slower), and a change anywhere in a
 * file moves the cases of a switch; measured in two builds, a QSBR read and
 * a bare load (the same instructions on x86) came out 0.94x and 1.27x. */
#define READ_LOOP __attribute__((noinline, aligned(64)))

#endif
