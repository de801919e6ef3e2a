/* stress.c: the torture harness behind lockstress and the lock tests (see stress.h).
 *
 * Each thread loops: ask for the lock, note how long that took, run a
 * critical section that checks it is alone, release.  The checks use plain
 * (volatile, non-atomic) fields on purpose: a correct lock makes them safe by
 * ordering every section after the previous one; a broken lock shows up as a
 * violation count here and as a data race under ThreadSanitizer.  volatile
 * only stops the compiler from folding "write owner, read it back" into
 * nothing; it gives no atomicity and no ordering.
 */
#include "locks/stress.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locks/hist.h"
#include "locks/sys.h"

struct shared {
    /* cfg points at cfg_copy: threads a watchdog abandons go on reading it
     * after stress_run returns, when the caller's config (often on its
     * stack) is gone. */
    const struct stress_config *cfg;
    struct stress_config cfg_copy;
    void *lock;
    struct worker *workers;
    struct shared *next_abandoned; /* the list below */
    atomic_uint ready;    /* threads at the start line */
    atomic_bool go;       /* the start signal */
    atomic_uint arrived;  /* threads past the start line, about to ask for the lock */
    atomic_bool stop;     /* the stop signal */
    atomic_uint finished; /* threads that saw stop and left */

    /* Written only inside exclusive sections: plain on purpose. */
    CACHE_ALIGNED volatile unsigned owner; /* 0 = nobody, else thread id + 1 */
    volatile unsigned last_owner;
    volatile uint64_t counter;
    volatile uint64_t handoffs;

    /* Readers inside a read section right now, and the most seen at once. */
    CACHE_ALIGNED atomic_uint readers_inside;
    atomic_uint max_readers;
};

struct worker {
    CACHE_ALIGNED pthread_t thread;
    unsigned id;
    struct shared *s;
    uint64_t reads, writes, violations;
    struct hist waits; /* time from asking for the lock to holding it */
    /* reads + writes, for the fairness windows: written only by this thread,
     * read by the main thread.  relaxed: a sample; x86: plain MOVs. */
    atomic_uint_fast64_t progress;
    uint64_t last_seq; /* config readers: the newest version this thread saw */
    /* Exclusive acquisitions that followed this thread's own (repeats, see
     * stress.h).  Counted in claim(), published like progress. */
    uint64_t repeats;
    atomic_uint_fast64_t repeats_seen;
};

double jain_index(const uint64_t *x, unsigned n)
{
    double sum = 0, squares = 0;
    for (unsigned i = 0; i < n; i++) {
        sum += (double)x[i];
        squares += (double)x[i] * (double)x[i];
    }
    return squares == 0 ? 1.0 : sum * sum / (n * squares);
}

static void claim(struct worker *w)
{
    struct shared *s = w->s;
    unsigned me = w->id + 1;
    if (s->owner != 0)
        w->violations++;
    s->owner = me;
    if (s->last_owner != me) {
        s->handoffs = s->handoffs + 1;
        s->last_owner = me;
    } else {
        w->repeats++;
    }
    s->counter = s->counter + 1;
}

static void release_claim(struct worker *w)
{
    struct shared *s = w->s;
    if (s->owner != w->id + 1)
        w->violations++;
    s->owner = 0;
}

/* Copy the current version, bump it, publish: the writer's side of a config. */
static void publish_next_version(struct shared *s, void *node)
{
    const struct lock_ops *ops = s->cfg->ops;
    const struct stress_version *old = ops->cfg_get(s->lock, node);
    struct stress_version *v = malloc(sizeof *v);
    if (!v)
        lock_fatal("stress: out of memory for a config version");
    v->seq = old ? old->seq + 1 : 1;
    for (size_t i = 0; i < sizeof v->words / sizeof v->words[0]; i++)
        v->words[i] = v->seq;
    ops->cfg_publish(s->lock, v);
}

static void write_section(struct worker *w, void *node)
{
    struct shared *s = w->s;
    claim(w);
    if (s->cfg->ops->kind == LOCK_KIND_RW &&
        atomic_load_explicit(&s->readers_inside, memory_order_relaxed) != 0)
        w->violations++; /* a reader is inside with us */
    if (s->cfg->ops->kind == LOCK_KIND_CONFIG)
        publish_next_version(s, node);
    spin_ns(s->cfg->cs_ns);
    release_claim(w);
    w->writes++;
}

/* A config reader: the snapshot must be whole and never older than the last. */
static void check_version(struct worker *w, const struct stress_version *v)
{
    if (!v) {
        w->violations++;
        return;
    }
    uint64_t seq = v->seq;
    for (size_t i = 0; i < sizeof v->words / sizeof v->words[0]; i++)
        if (v->words[i] != seq)
            w->violations++;
    if (seq < w->last_seq)
        w->violations++;
    w->last_seq = seq;
}

static void note_reader_count(struct shared *s, unsigned inside)
{
    /* relaxed: a statistic; nothing is ordered by it.  x86: LOCK CMPXCHG. */
    unsigned seen = atomic_load_explicit(&s->max_readers, memory_order_relaxed);
    while (inside > seen &&
           !atomic_compare_exchange_weak_explicit(&s->max_readers, &seen, inside,
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

static void read_section(struct worker *w, void *node)
{
    struct shared *s = w->s;
    const struct lock_ops *ops = s->cfg->ops;
    /* relaxed: the lock under test orders the section; this counter only
     * lets writers of an rwlock check that no reader is inside with them. */
    note_reader_count(s, atomic_fetch_add_explicit(&s->readers_inside, 1, memory_order_relaxed) + 1);
    if (ops->kind == LOCK_KIND_CONFIG) {
        const struct stress_version *v = ops->cfg_get(s->lock, node);
        check_version(w, v);
        spin_ns(s->cfg->cs_ns);
        check_version(w, v); /* still whole: not freed and reused under us */
    } else {
        if (s->owner != 0)
            w->violations++; /* a writer is inside with us */
        spin_ns(s->cfg->cs_ns);
        if (s->owner != 0)
            w->violations++;
    }
    atomic_fetch_sub_explicit(&s->readers_inside, 1, memory_order_relaxed);
    w->reads++;
}

static void one_operation(struct worker *w, void *node, bool read)
{
    const struct lock_ops *ops = w->s->cfg->ops;
    void *lock = w->s->lock;
    uint64_t asked = now_ns();
    if (read)
        ops->read_lock(lock, node);
    else
        ops->lock(lock, node);
    hist_add(&w->waits, now_ns() - asked);
    if (read) {
        read_section(w, node);
        ops->read_unlock(lock, node);
    } else {
        write_section(w, node);
        ops->unlock(lock, node);
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct shared *s = w->s;
    const struct lock_ops *ops = s->cfg->ops;
    if (s->cfg->pin)
        pin_to_cpu(nth_allowed_cpu((int)w->id));
    void *node = lock_node_new(ops);
    if (ops->thread_enter)
        ops->thread_enter(s->lock, node);
    uint64_t rng = 0x9E3779B97F4A7C15ull * (w->id + 1);

    atomic_fetch_add(&s->ready, 1);
    while (!atomic_load_explicit(&s->go, memory_order_acquire))
        cpu_relax();
    atomic_fetch_add(&s->arrived, 1);
    /* relaxed: stop is only a hint to leave; the join orders our results. */
    while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
        bool read = s->cfg->read_pct > 0 && (int)(xorshift64(&rng) % 100) < s->cfg->read_pct;
        one_operation(w, node, read);
        if (ops->quiescent) /* between operations we hold no version (QSBR) */
            ops->quiescent(s->lock, node);
        atomic_store_explicit(&w->progress, w->reads + w->writes, memory_order_relaxed);
        atomic_store_explicit(&w->repeats_seen, w->repeats, memory_order_relaxed); /* as progress */
    }

    if (ops->thread_exit)
        ops->thread_exit(s->lock, node);
    free(node);
    atomic_fetch_add(&s->finished, 1);
    return NULL;
}

static const char *config_error(const struct stress_config *cfg)
{
    if (!cfg->ops)
        return "no lock given";
    if (cfg->threads < 1 || cfg->threads > STRESS_MAX_THREADS)
        return "threads must be between 1 and 1024";
    if (cfg->read_pct < -1 || cfg->read_pct > 100)
        return "read percentage must be between 0 and 100";
    if (cfg->read_pct >= 0 && cfg->ops->kind == LOCK_KIND_MUTEX)
        return "a read percentage needs a reader-writer lock or a config (see --list)";
    return NULL;
}

/* Runs whose threads a watchdog abandoned: their memory stays in use by
 * those threads, so it is never freed; listed here, it stays reachable (a
 * leak checker does not report it, a debugger finds it).  The mutex: runs
 * may go on in several threads at once. */
static struct shared *abandoned;
static pthread_mutex_t abandoned_mu = PTHREAD_MUTEX_INITIALIZER;

/* A config must hold a version before readers arrive. */
static void publish_first_version(struct shared *s)
{
    const struct lock_ops *ops = s->cfg->ops;
    void *node = lock_node_new(ops);
    if (ops->thread_enter)
        ops->thread_enter(s->lock, node);
    ops->lock(s->lock, node);
    publish_next_version(s, node);
    ops->unlock(s->lock, node);
    if (ops->thread_exit)
        ops->thread_exit(s->lock, node);
    free(node);
}

/* Wait until every thread is past the start line (or timeout_ns passes).
 * Until then the first threads the scheduler runs have the lock to
 * themselves: oversubscribed, the others are still waiting for a CPU to see
 * the start signal (measured: one of 8 threads made 18 k uncontended
 * acquisitions in the 6 ms before the other 7 made their first).  That is
 * not competition, so the measured interval starts here. */
static void wait_arrived(struct shared *s, unsigned n, uint64_t timeout_ns)
{
    uint64_t deadline = now_ns() + timeout_ns;
    while (atomic_load(&s->arrived) < n && now_ns() < deadline)
        sleep_ns(100000);
}

/* relaxed: progress and repeats_seen are samples (see struct worker). */
static void sample_progress(const struct worker *w, unsigned n, uint64_t *out)
{
    for (unsigned i = 0; i < n; i++)
        out[i] = atomic_load_explicit(&w[i].progress, memory_order_relaxed);
}

static void sample_repeats(const struct worker *w, unsigned n, uint64_t *out)
{
    for (unsigned i = 0; i < n; i++)
        out[i] = atomic_load_explicit(&w[i].repeats_seen, memory_order_relaxed);
}

/* Sleep through the measured interval in STRESS_WINDOW_MS windows and add
 * up the Jain index of each window's per-thread progress, weighted by the
 * operations in the window: jain_window is then the fairness an average
 * acquisition saw over the last 10 ms.  (Weighting windows equally would
 * let a 1 ms burst in which one thread takes 20 k uncontended acquisitions
 * count as one window among a hundred of slow handoffs, and the figure
 * would call fair a run whose totals are not.)  Windows where nothing
 * happened say nothing about fairness and are skipped.  Fills per_thread
 * and seconds for the interval; first holds each thread's progress at its
 * start. */
static void watch_windows(struct worker *w, unsigned n, uint64_t duration_ns,
                          const uint64_t *first, struct stress_result *out)
{
    uint64_t *last = calloc(n, sizeof *last), *delta = calloc(n, sizeof *delta);
    if (!last || !delta)
        lock_fatal("stress: out of memory for fairness windows");
    memcpy(last, first, n * sizeof *last);
    uint64_t begin = now_ns(), end = begin + duration_ns, window = STRESS_WINDOW_MS * 1000000ull;
    double sum = 0, weight = 0;
    for (uint64_t t = begin; t < end; t = now_ns()) {
        sleep_ns(end - t < window ? end - t : window);
        uint64_t moved = 0;
        for (unsigned i = 0; i < n; i++) {
            uint64_t p = atomic_load_explicit(&w[i].progress, memory_order_relaxed);
            delta[i] = p - last[i];
            last[i] = p;
            moved += delta[i];
        }
        if (moved) {
            sum += (double)moved * jain_index(delta, n);
            weight += (double)moved;
            out->windows++;
        }
    }
    out->seconds = (double)(now_ns() - begin) / 1e9;
    out->jain_window = weight > 0 ? sum / weight : 1.0;
    for (unsigned i = 0; i < n; i++)
        out->per_thread[i] = last[i] - first[i];
    free(last);
    free(delta);
}

static bool wait_finished(struct shared *s, unsigned threads, uint64_t watchdog_ns)
{
    uint64_t deadline = now_ns() + watchdog_ns;
    while (atomic_load(&s->finished) < threads) {
        if (now_ns() > deadline)
            return false;
        sleep_ns(1000000);
    }
    return true;
}

static void collect(const struct shared *s, const struct worker *w, unsigned n,
                    struct stress_result *out)
{
    struct hist *waits = calloc(1, sizeof *waits);
    if (!waits)
        lock_fatal("stress: out of memory for the wait histogram");
    out->threads = n;
    for (unsigned i = 0; i < n; i++) {
        out->total += out->per_thread[i]; /* the measured interval (watch_windows) */

        out->reads += w[i].reads;
        out->writes += w[i].writes;
        out->violations += w[i].violations;
        hist_merge(waits, &w[i].waits);
    }
    out->max_wait_ns = waits->max;
    out->wait_p50_ns = hist_quantile(waits, 0.50);
    out->wait_p99_ns = hist_quantile(waits, 0.99);
    out->wait_p999_ns = hist_quantile(waits, 0.999);
    free(waits);
    /* Every exclusive section added one to counter; fewer means lost updates. */
    if (s->counter != out->writes)
        out->violations++;
    /* The first claim by any thread counts as a change of owner: not a handoff. */
    out->handoffs = s->handoffs ? s->handoffs - 1 : 0;
    out->max_readers = atomic_load(&s->max_readers);
    out->jain = jain_index(out->per_thread, n);
}

enum stress_status stress_run(const struct stress_config *cfg, struct stress_result *out)
{
    memset(out, 0, sizeof *out);
    const char *why = config_error(cfg);
    if (why) {
        fprintf(stderr, "stress: %s\n", why);
        return STRESS_BAD_CONFIG;
    }
    unsigned n = cfg->threads;
    struct shared *s = xaligned_alloc(sizeof *s);
    struct worker *w = xaligned_alloc(n * sizeof *w);
    s->cfg_copy = *cfg;
    s->cfg = &s->cfg_copy;
    s->workers = w;
    s->lock = lock_new(cfg->ops);
    if (!s->lock) {
        fprintf(stderr, "stress: %s init failed: %s\n", cfg->ops->name, strerror(errno));
        free(w);
        free(s);
        return STRESS_BAD_CONFIG;
    }
    if (cfg->ops->kind == LOCK_KIND_CONFIG)
        publish_first_version(s);

    for (unsigned i = 0; i < n; i++) {
        w[i].id = i;
        w[i].s = s;
        int rc = pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
        if (rc != 0)
            lock_fatal("stress: pthread_create failed");
    }
    while (atomic_load(&s->ready) < n)
        sleep_ns(100000);
    atomic_store_explicit(&s->go, true, memory_order_release);
    wait_arrived(s, n, cfg->duration_ns);
    uint64_t *first = xaligned_alloc(n * sizeof *first);
    sample_progress(w, n, first);
    sample_repeats(w, n, out->repeats);
    watch_windows(w, n, cfg->duration_ns, first, out);
    free(first);
    uint64_t *last = xaligned_alloc(n * sizeof *last);
    sample_repeats(w, n, last);
    for (unsigned i = 0; i < n; i++)
        out->repeats[i] = last[i] - out->repeats[i];
    free(last);
    atomic_store(&s->stop, true);

    uint64_t watchdog = cfg->watchdog_ns ? cfg->watchdog_ns : 10000000000ull;
    if (!wait_finished(s, n, watchdog)) {
        fprintf(stderr,
                "stress: watchdog: %s with %u threads: %u threads still inside lock/unlock "
                "%.1f s after the stop (a lost wake-up or a deadlock); abandoning them\n",
                cfg->ops->name, n, n - atomic_load(&s->finished), (double)watchdog / 1e9);
        for (unsigned i = 0; i < n; i++)
            pthread_detach(w[i].thread); /* never joined: a thread that leaves frees its own resources */
        pthread_mutex_lock(&abandoned_mu); /* s, w and the lock stay allocated: threads still use them */
        s->next_abandoned = abandoned;
        abandoned = s;
        pthread_mutex_unlock(&abandoned_mu);
        return STRESS_HUNG;
    }
    for (unsigned i = 0; i < n; i++)
        pthread_join(w[i].thread, NULL);
    collect(s, w, n, out);
    lock_free(cfg->ops, s->lock);
    free(w);
    free(s);
    return out->violations ? STRESS_VIOLATION : STRESS_OK;
}
