/* common.c: the benchmarks' lock list, run-length flags and fixed-duration runner (see bench.h). */
#include "bench/bench.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    r->t[bench_thread_index(st)].begin_ns = now_ns();
}

void timed_run_finish(struct timed_run *r, bench_state *st, uint64_t ops)
{
    struct timed_run_thread *me = &r->t[bench_thread_index(st)];
    me->end_ns = now_ns();
    me->ops = ops;
    bench_set_iteration_time(st, (double)(me->end_ns - me->begin_ns) / 1e9);
}

void timed_run_report(struct timed_run *r, bench_state *st)
{
    pthread_join(r->timer, NULL);
    pthread_barrier_destroy(&r->start);
    uint64_t first = UINT64_MAX, last = 0, total = 0, ops[BENCH_MAX_THREADS];
    for (unsigned i = 0; i < r->threads; i++) {
        first = r->t[i].begin_ns < first ? r->t[i].begin_ns : first;
        last = r->t[i].end_ns > last ? r->t[i].end_ns : last;
        ops[i] = r->t[i].ops;
        total += ops[i];
    }
    double seconds = (double)(last - first) / 1e9;
    bench_counter(st, "ops_per_s", seconds > 0 ? (double)total / seconds : 0, BENCH_SUM);
    bench_counter(st, "jain", jain_index(ops, r->threads), BENCH_SUM);
    free(r);
}
