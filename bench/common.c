/* common.c: the benchmarks' lock list, run-length flags and fixed-duration runner (see bench.h). */
#include "bench/bench.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "locks/stress.h"

extern const struct lock_ops ck_ticket_ops, ck_mcs_ops;

static const struct lock_ops *const outside_baselines[] = {&ck_ticket_ops, &ck_mcs_ops};

const struct lock_ops *const *bench_lock_list(void)
{
    static const struct lock_ops *list[128];
    if (list[0])
        return list;
    size_t n = 0;
    for (const struct lock_ops *const *p = lock_registry; *p; p++)
        list[n++] = *p;
    for (size_t i = 0; i < sizeof outside_baselines / sizeof outside_baselines[0]; i++)
        list[n++] = outside_baselines[i];
    if (n >= sizeof list / sizeof list[0])
        lock_fatal("bench: more locks than bench_lock_list holds");
    list[n] = NULL;
    return list;
}

struct bench_options bench_opt = {
    .run_ns = 200 * 1000000ull,
    .stress_ns = 1000 * 1000000ull,
};

/* "--name=MS": milliseconds, 1..600000, into *ns.  1 when matched, 0 when not
 * this flag, -1 on a bad value. */
static int ms_flag(const char *arg, const char *name, uint64_t *ns)
{
    size_t len = strlen(name);
    if (strncmp(arg, name, len) != 0 || arg[len] != '=')
        return 0;
    char *end;
    errno = 0;
    unsigned long long ms = strtoull(arg + len + 1, &end, 10);
    if (errno || end == arg + len + 1 || *end || ms < 1 || ms > 600000) {
        fprintf(stderr, "lockbench: %s: '%s' is not a whole number of milliseconds from 1 to 600000\n",
                name, arg + len + 1);
        return -1;
    }
    *ns = ms * 1000000ull;
    return 1;
}

int bench_parse_options(int *argc, char **argv)
{
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        int a = ms_flag(argv[i], "--run-ms", &bench_opt.run_ns);
        int b = a ? 0 : ms_flag(argv[i], "--stress-ms", &bench_opt.stress_ns);
        if (a < 0 || b < 0)
            return 2;
        if (!a && !b)
            argv[kept++] = argv[i];
    }
    *argc = kept;
    argv[kept] = NULL;
    return 0;
}

const char *bench_name(const char *fmt, ...)
{
    static char buf[256]; /* registration copies the name */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

void bench_label_flags(bench_state *st, const struct lock_ops *ops)
{
    char label[64];
    snprintf(label, sizeof label, "%s%s%s", ops->flags & LOCK_FIFO ? "fifo " : "",
             ops->flags & LOCK_SLEEPS ? "sleeps" : "spins",
             ops->flags & LOCK_BASELINE ? " baseline" : "");
    bench_label(st, label);
}

/* ---- thread counts from n ----------------------------------------------- */

int bench_cpus(void) { return online_cpus(); }

/* Append the candidates that fit, sorted and without repeats. */
static size_t sorted_unique(const int *cand, size_t k, int *out)
{
    size_t n = 0;
    for (size_t i = 0; i < k; i++) {
        int c = cand[i];
        if (c < 1 || c > BENCH_MAX_THREADS)
            continue;
        size_t j = n;
        bool seen = false;
        for (size_t m = 0; m < n; m++)
            seen |= out[m] == c;
        if (seen)
            continue;
        while (j > 0 && out[j - 1] > c) { /* insertion sort: five values at most */
            out[j] = out[j - 1];
            j--;
        }
        out[j] = c;
        n++;
    }
    return n;
}

size_t bench_throughput_counts(int *out)
{
    int n = bench_cpus();
    int cand[BENCH_MAX_COUNTS] = {1, 2, n, 2 * n, 4 * n};
    return sorted_unique(cand, BENCH_MAX_COUNTS, out);
}

size_t bench_fairness_counts(int *out)
{
    int n = bench_cpus();
    int cand[2] = {n, 4 * n};
    return sorted_unique(cand, 2, out);
}

int bench_pair_threads(void)
{
    int n = bench_cpus();
    return n < 2 ? 2 : n > BENCH_MAX_THREADS ? BENCH_MAX_THREADS : n;
}

void bench_record_machine(void)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%d", bench_cpus());
    bench_context("memlab_cpus", buf);
    /* The affinity as a list of ranges, the way taskset -c takes it. */
    cpu_set_t set;
    size_t len = 0;
    buf[0] = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        for (int c = 0; c < CPU_SETSIZE && len + 16 < sizeof buf; c++) {
            if (!CPU_ISSET(c, &set) || (c > 0 && CPU_ISSET(c - 1, &set)))
                continue;
            int end = c;
            while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, &set))
                end++;
            len += (size_t)snprintf(buf + len, sizeof buf - len, end > c ? "%s%d-%d" : "%s%d",
                                    len ? "," : "", c, end);
        }
    }
    bench_context("memlab_affinity", len ? buf : "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    const char *model = "unknown";
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            model = colon + 1 + strspn(colon + 1, " \t");
            line[strcspn(line, "\n")] = 0;
            break;
        }
    }
    bench_context("memlab_cpu_model", model);
    if (f)
        fclose(f);
    int counts[BENCH_MAX_COUNTS];
    size_t k = bench_throughput_counts(counts);
    len = 0;
    for (size_t i = 0; i < k; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d", i ? "," : "", counts[i]);
    bench_context("memlab_throughput_threads", buf);
    k = bench_fairness_counts(counts);
    len = 0;
    for (size_t i = 0; i < k; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d", i ? "," : "", counts[i]);
    bench_context("memlab_fairness_threads", buf);
    snprintf(buf, sizeof buf, "%d", bench_pair_threads());
    bench_context("memlab_pair_threads", buf);
    snprintf(buf, sizeof buf, "%d", BENCH_MAX_THREADS);
    bench_context("memlab_max_threads", buf);
}

uint64_t bench_preemptions_self(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_nivcsw;
}

/* ---- timed_run ----------------------------------------------------------- */

static void *timer_main(void *arg)
{
    struct timed_run *r = arg;
    pthread_barrier_wait(&r->start);
    sleep_ns(r->duration_ns);
    /* relaxed: see timed_run_going. */
    atomic_store_explicit(&r->stop, true, memory_order_relaxed);
    return NULL;
}

struct timed_run *timed_run_new(int threads)
{
    if (threads < 1 || threads > BENCH_MAX_THREADS)
        lock_fatal("bench: timed_run thread count out of range");
    struct timed_run *r = xaligned_alloc(sizeof *r);
    r->threads = (unsigned)threads;
    r->duration_ns = bench_opt.run_ns;
    atomic_init(&r->stop, false);
    if (pthread_barrier_init(&r->start, NULL, r->threads + 1) != 0 ||
        pthread_create(&r->timer, NULL, timer_main, r) != 0)
        lock_fatal("bench: cannot start the timed_run timer");
    return r;
}

void timed_run_start(struct timed_run *r, bench_state *st)
{
    pthread_barrier_wait(&r->start);
    struct timed_run_thread *me = &r->t[bench_thread_index(st)];
    me->preempt_begin = bench_preemptions_self();
    me->begin_ns = now_ns();
}

void timed_run_finish(struct timed_run *r, bench_state *st, uint64_t ops)
{
    struct timed_run_thread *me = &r->t[bench_thread_index(st)];
    me->end_ns = now_ns();
    me->preempt_end = bench_preemptions_self();
    me->ops = ops;
    bench_set_iteration_time(st, (double)(me->end_ns - me->begin_ns) / 1e9);
}

void timed_run_report(struct timed_run *r, bench_state *st)
{
    pthread_join(r->timer, NULL);
    pthread_barrier_destroy(&r->start);
    uint64_t first = UINT64_MAX, last = 0, total = 0, preempted = 0, *ops = malloc(r->threads * sizeof *ops);
    if (!ops)
        lock_fatal("bench: out of memory");
    for (unsigned i = 0; i < r->threads; i++) {
        preempted += r->t[i].preempt_end - r->t[i].preempt_begin;
        first = r->t[i].begin_ns < first ? r->t[i].begin_ns : first;
        last = r->t[i].end_ns > last ? r->t[i].end_ns : last;
        ops[i] = r->t[i].ops;
        total += ops[i];
    }
    double seconds = (double)(last - first) / 1e9;
    bench_counter(st, "ops_per_s", seconds > 0 ? (double)total / seconds : 0, BENCH_SUM);
    bench_counter(st, "jain", jain_index(ops, r->threads), BENCH_SUM);
    bench_counter(st, "preempted", (double)preempted, BENCH_SUM);
    free(ops);
    free(r);
}
