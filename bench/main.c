/* main.c: lockbench, every memlab benchmark in one Google Benchmark program (flags: Google Benchmark's, plus --run-ms and --stress-ms).
 *
 *   --run-ms=MS      length of each fixed-duration throughput run (default 200)
 *   --stress-ms=MS   length of each fairness/latency stress run (default 1000)
 *   --benchmark_filter=REGEX, --benchmark_out=FILE --benchmark_out_format=json,
 *   --benchmark_min_time=S, --benchmark_repetitions=N, --benchmark_list_tests ...
 *                    Google Benchmark's own (--help lists them)
 *
 * Benchmark names are "scenario/lock/key:value", which scripts/bench_report.py
 * parses.  A new scenario is a file with a register_ function, one line below
 * and a section in the report script.
 */
#include "bench/bench.h"

static void *nothing(void *arg) { return arg; }

/* glibc keeps a flag, __libc_single_threaded, that stays true until the
 * process first creates a thread; while it is true pthread_mutex_unlock
 * releases with a plain MOV instead of XCHG, which halves its uncontended
 * cost.  A program that needs a lock has threads, so make that true before
 * measuring anything: otherwise scenario 1, which runs first, would compare
 * our locks against a glibc that knows no other thread exists. */
static void become_multithreaded(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, nothing, NULL) != 0)
        lock_fatal("lockbench: pthread_create failed");
    pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
    int rc = bench_parse_options(&argc, argv);
    if (rc != 0)
        return rc;
    become_multithreaded();
    bench_record_machine(); /* n, CPU model, affinity: the report words itself from them */
    register_uncontended(); /* 1 */
    register_throughput();  /* 2 (threads/) and 3 (cs/) */
    register_fairness();    /* 4 and 5 */
    register_rwlock_mix();  /* 6 */
    register_config_read(); /* 7; the Concurrency Kit baselines of 8 run in every scenario */
    register_channels();    /* 9: buffer sizes 0, 1, 16, 1024 */
    register_toolkit();     /* errgroup rounds, context cancel fan-out */
    register_owner_check(); /* the owner check's price on the uncontended fast path */
    register_config_reclaim(); /* the reclamation zoo: read cost and publish-to-free latency */
    return bench_main(argc, argv);
}
