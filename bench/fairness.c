/* fairness.c: scenarios 4 and 5, who gets the lock and how long the others wait: locks/stress.c's run, reported as counters.
 *
 * Google Benchmark's threads all run the same number of iterations, so they
 * cannot show one thread taking more than its share.  This benchmark is one
 * iteration on one thread that calls stress_run (the harness lockstress and
 * the lock tests use): N threads hammer the lock for a fixed time with an
 * empty critical section, each counting its own acquisitions and timing
 * every wait into a histogram.  Reported per lock and thread count:
 *   acq_per_s        acquisitions of all threads per second (with the clock
 *                    reads around every wait, so lower than scenario 2)
 *   jain             Jain index of the per-thread totals, counted while every
 *                    thread runs (locks/stress.h: not the start-up ramp)
 *   jain_window      Jain index of each 10 ms window, averaged weighting each
 *                    window by its acquisitions: short-term fairness, which
 *                    the whole-run index hides (the scheduler evens totals
 *                    out over seconds)
 *   handoffs_per_acq how often the next holder is a different thread
 *   wait_*_ns        wait percentiles p50, p99, p99.9 and the maximum
 *   share_tI         thread I's share of all acquisitions, in %
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "bench/bench.h"
#include "locks/stress.h"

static void report(bench_state *st, const struct stress_result *r)
{
    double total = (double)r->total;
    bench_counter(st, "acq_per_s", r->seconds > 0 ? total / r->seconds : 0, BENCH_SUM);
    bench_counter(st, "jain", r->jain, BENCH_SUM);
    bench_counter(st, "jain_window", r->jain_window, BENCH_SUM);
    bench_counter(st, "windows", r->windows, BENCH_SUM);
    /* handoffs and writes count the whole run, total only the interval
     * every thread ran in: the ratio must take both from the same span. */
    bench_counter(st, "handoffs_per_acq", r->writes > 0 ? (double)r->handoffs / (double)r->writes : 0, BENCH_SUM);
    bench_counter(st, "wait_p50_ns", (double)r->wait_p50_ns, BENCH_SUM);
    bench_counter(st, "wait_p99_ns", (double)r->wait_p99_ns, BENCH_SUM);
    bench_counter(st, "wait_p999_ns", (double)r->wait_p999_ns, BENCH_SUM);
    bench_counter(st, "wait_max_ns", (double)r->max_wait_ns, BENCH_SUM);
    for (unsigned i = 0; i < r->threads; i++) {
        char name[32];
        snprintf(name, sizeof name, "share_t%u", i);
        bench_counter(st, name, total > 0 ? 100.0 * (double)r->per_thread[i] / total : 0, BENCH_SUM);
    }
}

static void bm_fairness(bench_state *st, const void *arg)
{
    struct stress_config cfg = {
        .ops = arg,
        .threads = (unsigned)bench_arg(st, 0),
        .duration_ns = bench_opt.stress_ns,
        .cs_ns = 0,
        .read_pct = -1,
        .pin = false,
    };
    struct stress_result *r = malloc(sizeof *r); /* 8 KB of per-thread counts */
    if (!r)
        lock_fatal("bench: out of memory");
    while (bench_keep_running(st)) {
        /* The whole process's involuntary switches: only stress_run's
         * threads run meanwhile (this one sleeps in a join). */
        struct rusage before, after;
        getrusage(RUSAGE_SELF, &before);
        enum stress_status s = stress_run(&cfg, r);
        getrusage(RUSAGE_SELF, &after);
        if (s != STRESS_OK) {
            bench_error(st, s == STRESS_VIOLATION ? "mutual exclusion violated"
                            : s == STRESS_HUNG    ? "hung (watchdog)"
                                                  : "bad stress configuration");
            break;
        }
        bench_set_iteration_time(st, r->seconds);
        bench_label_flags(st, cfg.ops);
        report(st, r);
        bench_counter(st, "preempted", (double)(after.ru_nivcsw - before.ru_nivcsw), BENCH_SUM);
    }
    free(r);
}

void register_fairness(void)
{
    int counts[BENCH_MAX_COUNTS];
    size_t ncounts = bench_fairness_counts(counts); /* n and 4n */
    for (const struct lock_ops *const *p = bench_lock_list(); *p; p++) {
        if ((*p)->kind != LOCK_KIND_MUTEX)
            continue;
        bench_def *b = bench_register(bench_name("fairness/%s", (*p)->name), bm_fairness, *p);
        bench_def_arg_name(b, "threads");
        for (size_t i = 0; i < ncounts; i++)
            bench_def_arg(b, counts[i]);
        bench_def_iterations(b, 1);
        bench_def_manual_time(b);
    }
}
