/* config_reclaim.c: the reclamation zoo: read cost and publish-to-free latency of each way to free old config versions, readers on every CPU and one writer (Go's config shape).
 *
 * Shape (the course's config_test.go): n reader threads, n = the CPUs this
 * process may use, each reading the config in a loop, and one writer thread
 * that publishes a new version writer_hz times a second; n + 1 threads on n
 * CPUs.  Every variant is called the way a program would call it (inline
 * read side, no lock_ops table), and does the same work per read: get the
 * snapshot, read two fields, let go.  Reads run in batches of BATCH; the
 * QSBR variants report one quiescent state per batch (an event loop's turn).
 * Variants:
 *   atomic_ptr         a bare atomic pointer load: the floor.  Recycles a
 *                      pool of versions and frees nothing, so it is not a
 *                      correct config (see config_read.c).
 *   pthread_mutex      glibc's mutex around the fields, updated in place.
 *   cowcfg             epochs (cowcfg.c), writer pays membarrier.
 *   cowcfg_xchg        epochs, reader announces with XCHG (no membarrier).
 *   cowcfg_qsbr        QSBR (cowcfg_qsbr.c): a read is one load.
 *   cowcfg_hazard      hazard pointers (cowcfg_hazard.c), writer pays membarrier.
 *   cowcfg_hazard_xchg hazard pointers, reader announces with XCHG (the classic).
 *   urcu_memb          liburcu's memb flavour, inline read side.
 *   urcu_qsbr          liburcu's qsbr flavour, inline read side.
 * Reported, per variant:
 *   time (manual)      CPU ns per read, averaged over the readers: what a read
 *                      costs a reader while it runs, with the writer running.
 *                      Thread CPU time, not wall time, so that the machine's
 *                      other load (which preempts readers mid-loop) is not
 *                      counted as read cost; a reader blocked in the kernel on
 *                      a mutex is not counted either, which flatters the mutex;
 *   read_ns            the same, as a counter;
 *   read_wall_ns       wall time per read per reader, preemption included;
 *   write_ns           the writer's mean time per publish, from taking the lock
 *                      (or swapping) to returning with reclamation done;
 *   reclaim_p50_ns, reclaim_p99_ns
 *                      publish to free: from the publish that retired a version
 *                      to the free of that version (who waits for whom);
 *                      absent for variants that free nothing;
 *   writes_per_s, readers.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu/urcu-memb.h>
#include <urcu/static/urcu-memb.h> /* the inline read side */

#include "bench/bench.h"
#include "bench/config_reclaim.h"
#include "locks/cowcfg.h"
#include "locks/hist.h"

enum { BATCH = 64, POOL = 256, MAX_READERS = 256 };

enum rc_kind {
    RC_ATOMIC_PTR,
    RC_MUTEX,
    RC_COWCFG,
    RC_URCU_MEMB,
    RC_URCU_QSBR,
};

struct rc_variant {
    const char *name;
    enum rc_kind kind;
    enum cowcfg_scheme scheme; /* RC_COWCFG */
    bool xchg;                 /* RC_COWCFG: MEMLAB_COWCFG_NO_MEMBARRIER */
};

struct rc_run {
    const struct rc_variant *v;
    uint64_t hz;
    struct cowcfg *cow;
    struct rc_version *pool;                      /* RC_ATOMIC_PTR */
    CACHE_ALIGNED _Atomic(void *) atomic_current; /* RC_ATOMIC_PTR: typed as cowcfg's current (read_loads) */
    CACHE_ALIGNED pthread_mutex_t mu;             /* RC_MUTEX */
    struct rc_version *in_place;                  /* RC_MUTEX */
    CACHE_ALIGNED struct rc_version *urcu_current; /* RC_URCU_*: rcu_dereference/xchg */
    CACHE_ALIGNED atomic_bool stop;
    pthread_barrier_t start;
    /* the writer's results, read after its join */
    uint64_t publishes, write_ns_total, writer_ns;
    struct hist lag; /* publish (retire) to free; the writer's thread adds to it */
    bool measuring;  /* false in destroy: frees there are not reclamation */
};

struct rc_reader {
    CACHE_ALIGNED struct rc_run *r;
    pthread_t thread;
    uint64_t reads, ns, cpu_ns;
};

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct rc_run *run_now; /* for rc_free: one run at a time */

/* Every variant's free: records the retire-to-free lag, then frees. */
static void rc_free(void *p)
{
    struct rc_version *v = p;
    if (run_now && run_now->measuring && v->retired_ns)
        hist_add(&run_now->lag, now_ns() - v->retired_ns);
    free(v);
}

static struct rc_version *rc_new(uint64_t seq)
{
    struct rc_version *v = xaligned_alloc(sizeof *v);
    /* relaxed: published by the (release or stronger) swap that follows */
    atomic_store_explicit(&v->limit, 1000 + seq, memory_order_relaxed);
    atomic_store_explicit(&v->timeout_ms, 30000 + seq, memory_order_relaxed);
    return v;
}

/* ---- the writer: one publish --------------------------------------------------------- */

static void publish(struct rc_run *r, uint64_t seq)
{
    switch (r->v->kind) {
    case RC_ATOMIC_PTR: {
        struct rc_version *v = &r->pool[seq % POOL];
        atomic_store_explicit(&v->limit, 1000 + seq, memory_order_relaxed);
        atomic_store_explicit(&v->timeout_ms, 30000 + seq, memory_order_relaxed);
        /* release: pairs with the acquire load in the readers.  x86: MOV. */
        atomic_store_explicit(&r->atomic_current, v, memory_order_release);
        break;
    }
    case RC_MUTEX:
        pthread_mutex_lock(&r->mu);
        atomic_store_explicit(&r->in_place->limit, 1000 + seq, memory_order_relaxed);
        atomic_store_explicit(&r->in_place->timeout_ms, 30000 + seq, memory_order_relaxed);
        pthread_mutex_unlock(&r->mu);
        break;
    case RC_COWCFG: {
        cowcfg_write_lock(r->cow);
        struct rc_version *old = (struct rc_version *)cowcfg_get(r->cow);
        cowcfg_publish(r->cow, rc_new(seq));
        old->retired_ns = now_ns(); /* ours until write_unlock */
        cowcfg_write_unlock(r->cow);
        break;
    }
    case RC_URCU_MEMB: {
        struct rc_version *old = rcu_xchg_pointer(&r->urcu_current, rc_new(seq));
        old->retired_ns = now_ns();
        urcu_memb_synchronize_rcu();
        rc_free(old);
        break;
    }
    case RC_URCU_QSBR:
        rc_free(rc_urcu_qsbr_replace(&r->urcu_current, rc_new(seq)));
        break;
    }
}

static void *writer_main(void *arg)
{
    struct rc_run *r = arg;
    pthread_barrier_wait(&r->start);
    uint64_t start = now_ns(), seq = 1;
    /* relaxed: stop is a hint to leave; the join orders our counts. */
    while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        if (r->hz)
            sleep_ns(1000000000u / r->hz);
        uint64_t t0 = now_ns();
        publish(r, ++seq);
        r->write_ns_total += now_ns() - t0;
        r->publishes++;
    }
    r->writer_ns = now_ns() - start;
    return NULL;
}

/* ---- the readers: BATCH reads ------------------------------------------------------- */

/* Each variant's batch of reads is a READ_LOOP (bench.h).  A bare load and
 * a QSBR read run the very same code, read_loads: where a loop lands still
 * moved their ratio between 0.79x and 1.21x from one build to the next when
 * each had a loop of its own, with the same instructions in both.  A QSBR
 * read is cowcfg_qsbr_get, an acquire load of the cowcfg's current pointer
 * (cowcfg.h), which read_loads does; what QSBR adds is the report after the
 * batch. */
static READ_LOOP uint64_t read_loads(_Atomic(void *) *current)
{
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++)
        /* acquire: pairs with the release store (atomic_ptr) or the exchange
         * (cowcfg_publish) that published the version.  x86: MOV. */
        sum += rc_read_fields(atomic_load_explicit(current, memory_order_acquire));
    return sum;
}

static READ_LOOP uint64_t read_mutex(struct rc_run *r)
{
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++) {
        pthread_mutex_lock(&r->mu);
        sum += rc_read_fields(r->in_place);
        pthread_mutex_unlock(&r->mu);
    }
    return sum;
}

static READ_LOOP uint64_t read_urcu_memb(struct rc_run *r)
{
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++) {
        _urcu_memb_read_lock();
        sum += rc_read_fields(rcu_dereference(r->urcu_current));
        _urcu_memb_read_unlock();
    }
    return sum;
}

static READ_LOOP uint64_t read_epoch(struct cowcfg *c, struct cowcfg_slot *slot)
{
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++) {
        cowcfg_read_lock(c, slot);
        sum += rc_read_fields(cowcfg_get(c));
        cowcfg_read_unlock(c, slot);
    }
    return sum;
}

static uint64_t read_qsbr(struct cowcfg *c, struct cowcfg_slot *slot)
{
    uint64_t sum = read_loads(&c->current); /* BATCH times cowcfg_qsbr_get */
    cowcfg_qsbr_quiescent(c, slot);
    return sum;
}

static READ_LOOP uint64_t read_hazard(struct cowcfg *c, struct cowcfg_slot *slot)
{
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++) {
        sum += rc_read_fields(cowcfg_hazard_read_lock(c, slot));
        cowcfg_hazard_read_unlock(c, slot);
    }
    return sum;
}

static uint64_t read_batch(struct rc_run *r, struct cowcfg_slot *slot)
{
    switch (r->v->kind) {
    case RC_ATOMIC_PTR: return read_loads(&r->atomic_current);
    case RC_MUTEX: return read_mutex(r);
    case RC_URCU_MEMB: return read_urcu_memb(r);
    case RC_URCU_QSBR: return rc_urcu_qsbr_read_batch(&r->urcu_current, BATCH);
    case RC_COWCFG: break;
    }
    switch (r->v->scheme) {
    case COWCFG_EPOCH: return read_epoch(r->cow, slot);
    case COWCFG_QSBR: return read_qsbr(r->cow, slot);
    case COWCFG_HAZARD: return read_hazard(r->cow, slot);
    }
    return 0;
}

static void *reader_main(void *arg)
{
    struct rc_reader *me = arg;
    struct rc_run *r = me->r;
    struct cowcfg_slot *slot = NULL;
    if (r->v->kind == RC_COWCFG) {
        slot = xaligned_alloc(sizeof *slot);
        cowcfg_reader_register(r->cow, slot);
    } else if (r->v->kind == RC_URCU_MEMB) {
        urcu_memb_register_thread();
    } else if (r->v->kind == RC_URCU_QSBR) {
        rc_urcu_qsbr_reader_enter();
    }
    pthread_barrier_wait(&r->start);
    uint64_t sum = 0, reads = 0, t0 = now_ns(), cpu0 = thread_cpu_ns();
    do {
        sum += read_batch(r, slot);
        reads += BATCH;
        /* relaxed: see writer_main */
    } while (!atomic_load_explicit(&r->stop, memory_order_relaxed));
    me->cpu_ns = thread_cpu_ns() - cpu0;
    me->ns = now_ns() - t0;
    me->reads = reads;
    bench_keep(sum);
    if (slot) {
        if (r->v->scheme == COWCFG_QSBR)
            cowcfg_qsbr_offline(r->cow, slot); /* a writer at its bound must not wait for us */
        cowcfg_reader_unregister(r->cow, slot);
        free(slot);
    } else if (r->v->kind == RC_URCU_MEMB) {
        urcu_memb_unregister_thread();
    } else if (r->v->kind == RC_URCU_QSBR) {
        rc_urcu_qsbr_reader_exit();
    }
    return NULL;
}

/* ---- set-up, the run, tear-down ----------------------------------------------------- */

static void setup(struct rc_run *r)
{
    switch (r->v->kind) {
    case RC_ATOMIC_PTR:
        r->pool = xaligned_alloc(POOL * sizeof *r->pool);
        atomic_init(&r->atomic_current, &r->pool[1]);
        break;
    case RC_MUTEX:
        pthread_mutex_init(&r->mu, NULL);
        r->in_place = rc_new(1);
        break;
    case RC_COWCFG:
        if (r->v->xchg)
            setenv("MEMLAB_COWCFG_NO_MEMBARRIER", "1", 1); /* read once, by init */
        r->cow = xaligned_alloc(sizeof *r->cow);
        cowcfg_init_scheme(r->cow, rc_free, r->v->scheme);
        if (r->v->xchg)
            unsetenv("MEMLAB_COWCFG_NO_MEMBARRIER");
        cowcfg_write_lock(r->cow);
        cowcfg_publish(r->cow, rc_new(1));
        cowcfg_write_unlock(r->cow);
        break;
    case RC_URCU_MEMB:
    case RC_URCU_QSBR:
        r->urcu_current = rc_new(1);
        break;
    }
}

static void teardown(struct rc_run *r)
{
    r->measuring = false;
    switch (r->v->kind) {
    case RC_ATOMIC_PTR: free(r->pool); break;
    case RC_MUTEX:
        pthread_mutex_destroy(&r->mu);
        free(r->in_place);
        break;
    case RC_COWCFG:
        cowcfg_destroy(r->cow);
        free(r->cow);
        break;
    case RC_URCU_MEMB:
    case RC_URCU_QSBR: free(r->urcu_current); break;
    }
}

static void bm_reclaim(bench_state *st, const void *arg)
{
    int n = online_cpus();
    if (n > MAX_READERS)
        n = MAX_READERS;
    struct rc_run *r = xaligned_alloc(sizeof *r);
    struct rc_reader *readers = xaligned_alloc((size_t)n * sizeof *readers);
    r->v = arg;
    r->hz = (uint64_t)bench_arg(st, 0);
    r->measuring = true;
    run_now = r;
    setup(r);
    if (pthread_barrier_init(&r->start, NULL, (unsigned)n + 2) != 0)
        lock_fatal("bench: reclaim barrier");
    pthread_t writer;
    for (int i = 0; i < n; i++) {
        readers[i].r = r;
        if (pthread_create(&readers[i].thread, NULL, reader_main, &readers[i]) != 0)
            lock_fatal("bench: cannot start a reclaim reader");
    }
    if (pthread_create(&writer, NULL, writer_main, r) != 0)
        lock_fatal("bench: cannot start the reclaim writer");
    while (bench_keep_running(st)) { /* one iteration: a fixed-duration run */
        pthread_barrier_wait(&r->start);
        sleep_ns(bench_opt.run_ns);
        atomic_store(&r->stop, true);
        pthread_join(writer, NULL);
        for (int i = 0; i < n; i++)
            pthread_join(readers[i].thread, NULL);
        double cpu = 0, wall = 0;
        for (int i = 0; i < n; i++)
            if (readers[i].reads) {
                cpu += (double)readers[i].cpu_ns / (double)readers[i].reads;
                wall += (double)readers[i].ns / (double)readers[i].reads;
            }
        bench_set_iteration_time(st, cpu / n * 1e-9);
        bench_counter(st, "read_ns", cpu / n, BENCH_SUM);
        bench_counter(st, "read_wall_ns", wall / n, BENCH_SUM);
    }
    bench_counter(st, "readers", n, BENCH_SUM);
    bench_counter(st, "write_ns",
                  r->publishes ? (double)r->write_ns_total / (double)r->publishes : 0, BENCH_SUM);
    bench_counter(st, "writes_per_s",
                  r->writer_ns ? (double)r->publishes * 1e9 / (double)r->writer_ns : 0, BENCH_SUM);
    if (r->lag.total) {
        bench_counter(st, "reclaim_p50_ns", (double)hist_quantile(&r->lag, 0.50), BENCH_SUM);
        bench_counter(st, "reclaim_p99_ns", (double)hist_quantile(&r->lag, 0.99), BENCH_SUM);
    }
    teardown(r);
    run_now = NULL;
    pthread_barrier_destroy(&r->start);
    free(readers);
    free(r);
}

static const int writer_hz[] = {1000};

/* Repetitions of every variant, whatever the run's: the targets judge a
 * tenth of a nanosecond (a QSBR read against a bare load), and the VM's
 * speed drifts by more than that over the minutes of a run (a bare load
 * measured 0.41 ns in one minute and 0.55 ns in another); with three
 * repetitions each, randomly interleaved, two variants' medians can come
 * from different minutes (0.46 against 0.56 ns for the same instructions). */
enum { REPEAT = 9 };

void register_config_reclaim(void)
{
    static const struct rc_variant variants[] = {
        {.name = "atomic_ptr", .kind = RC_ATOMIC_PTR},
        {.name = "pthread_mutex", .kind = RC_MUTEX},
        {.name = "cowcfg", .kind = RC_COWCFG, .scheme = COWCFG_EPOCH},
        {.name = "cowcfg_xchg", .kind = RC_COWCFG, .scheme = COWCFG_EPOCH, .xchg = true},
        {.name = "cowcfg_qsbr", .kind = RC_COWCFG, .scheme = COWCFG_QSBR},
        {.name = "cowcfg_hazard", .kind = RC_COWCFG, .scheme = COWCFG_HAZARD},
        {.name = "cowcfg_hazard_xchg", .kind = RC_COWCFG, .scheme = COWCFG_HAZARD, .xchg = true},
        {.name = "urcu_memb", .kind = RC_URCU_MEMB},
        {.name = "urcu_qsbr", .kind = RC_URCU_QSBR},
    };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        bench_def *b = bench_register(bench_name("reclaim/%s", variants[i].name), bm_reclaim,
                                      &variants[i]);
        bench_def_arg_name(b, "writer_hz");
        for (size_t k = 0; k < sizeof writer_hz / sizeof writer_hz[0]; k++)
            bench_def_arg(b, writer_hz[k]);
        bench_def_iterations(b, 1);
        bench_def_manual_time(b);
        bench_def_repetitions(b, REPEAT);
    }
}
