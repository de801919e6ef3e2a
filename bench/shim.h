/* shim.h: Google Benchmark from C: register a C function, loop while it runs, set threads, arguments and counters.
 *
 * A benchmark is a C function that Google Benchmark calls (once per thread
 * for threaded runs) with its state and the pointer given at registration:
 *
 *     static void bm_nothing(bench_state *st, const void *arg)
 *     {
 *         while (bench_keep_running(st))
 *             bench_keep(0);            // the timed work
 *     }
 *     ...
 *     bench_def *b = bench_register("nothing", bm_nothing, NULL);
 *     bench_def_threads(b, 2);          // optional: also run it on 2 threads
 *     ...
 *     return bench_main(argc, argv);    // runs what --benchmark_filter selects
 *
 * Each bench_keep_running call is one iteration and costs a function call
 * (about 1 ns): for work that takes a few ns, do it in an inner loop of N
 * and call bench_keep_running_batch(st, N).  Everything here is a thin
 * wrapper over the C++ call of the same name (bench/shim.cc); the Google
 * Benchmark user guide documents the behaviour.
 */
#ifndef MEMLAB_BENCH_SHIM_H
#define MEMLAB_BENCH_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bench_state bench_state; /* benchmark::State: one thread's run */
typedef struct bench_def bench_def;     /* benchmark::internal::Benchmark: a registration */
typedef void (*bench_fn)(bench_state *st, const void *arg);

/* ---- registering (before bench_main) ---------------------------------------- */

/* Register fn under name (copied); arg is passed to every call. */
bench_def *bench_register(const char *name, bench_fn fn, const void *arg);
/* Run on this many threads (call once per count: 1, 2, 8 gives three runs);
 * every thread calls fn and, by default, runs the same number of iterations. */
void bench_def_threads(bench_def *b, int threads);
/* Run once per value given (bench_arg(st, 0) returns it); name labels it in
 * the results ("cs_ns:200"); set the name once, before or after the values. */
void bench_def_arg(bench_def *b, int64_t value);
void bench_def_arg_name(bench_def *b, const char *name);
/* Run exactly n iterations instead of as many as fill the minimum time. */
void bench_def_iterations(bench_def *b, int64_t n);
/* Repeat it n times whatever --benchmark_repetitions says (the report takes
 * the median), for benchmarks whose comparisons are finer than the
 * machine's moods. */
void bench_def_repetitions(bench_def *b, int n);
/* Report wall-clock time instead of CPU time (threads that wait use no CPU). */
void bench_def_real_time(bench_def *b);
/* Report the time the function gives with bench_set_iteration_time. */
void bench_def_manual_time(bench_def *b);

/* Parse Google Benchmark's flags (--benchmark_filter, --benchmark_out, ...),
 * run the selected benchmarks, print and write results; returns the exit
 * status (1 on an unknown flag). */
int bench_main(int argc, char **argv);
/* Add key: value to the JSON output's "context" (call before bench_main). */
void bench_context(const char *key, const char *value);

/* ---- inside a benchmark ------------------------------------------------------ */

/* True while iterations remain; the first call starts the clock (after every
 * thread of a threaded run has reached it), the false one stops it. */
bool bench_keep_running(bench_state *st);
/* The same, counting n iterations per call (may overshoot by up to n). */
bool bench_keep_running_batch(bench_state *st, int64_t n);
/* Stop and restart the clock around work that must not be measured (costly:
 * about a microsecond each; not for every iteration). */
void bench_pause(bench_state *st);
void bench_resume(bench_state *st);
/* With bench_def_manual_time: the time this iteration took, in seconds. */
void bench_set_iteration_time(bench_state *st, double seconds);

int64_t bench_arg(const bench_state *st, int index);
int bench_thread_index(const bench_state *st); /* 0 .. bench_threads(st) - 1 */
int bench_threads(const bench_state *st);
int64_t bench_max_iterations(const bench_state *st); /* this run's iteration target */

/* User counters, reported next to the time and written to the JSON.  In a
 * threaded run each thread's value is added up, then: */
enum bench_counter_kind {
    BENCH_SUM = 0,          /* the sum (set it on one thread only for a single value) */
    BENCH_RATE,             /* the sum divided by the run's time: a per-second rate */
    BENCH_AVG_THREADS,      /* the mean over threads */
    BENCH_PER_ITERATION,    /* the sum divided by the iterations */
};
void bench_counter(bench_state *st, const char *name, double value, enum bench_counter_kind kind);
/* Items done: reported as items_per_second. */
void bench_items_processed(bench_state *st, int64_t items);
/* A short text printed beside the result. */
void bench_label(bench_state *st, const char *label);
/* Mark the run failed with msg; the caller must then leave its loop
 * (bench_keep_running returns false from here on).  The run is reported
 * with "error_occurred": true in the JSON. */
void bench_error(bench_state *st, const char *msg);

/* Make the compiler compute v (and keep the loop that produced it) without
 * storing it anywhere: an empty asm that claims to read v. */
static inline void bench_keep(uint64_t v)
{
    __asm__ volatile("" : : "r"(v) : "memory");
}

#ifdef __cplusplus
}
#endif

#endif
