/* config_read.c: scenario 7, reading a read-mostly config while a writer keeps replacing it (the course's atomic.Value vs Mutex benchmark).
 *
 * One reader thread is timed; one writer thread runs beside it, so two
 * threads in all on this 2-CPU machine, as in the Go measurement the issue
 * quotes (1.9 ns/op for atomic.Value, 59.4 ns/op for Mutex).  A read is what
 * a program does with a config: take the snapshot, read two of its fields,
 * let go; the same work in every variant.  The writer either publishes as
 * fast as it can (writer_hz:0, the worst case for readers) or 1000 times a
 * second (writer_hz:1000, a config that changes often, by config standards).
 * Variants:
 *   atomic_ptr       a bare atomic pointer: load (acquire, a MOV) and read.
 *                    No reclamation: the writer cannot know when a reader is
 *                    done, so it recycles a pool of versions and a slow
 *                    reader could see one being rewritten.  The cost floor,
 *                    not a correct config.
 *   <config lock>    e.g. cowcfg: read_lock, cfg_get, read, read_unlock; the
 *                    writer copies, publishes and lets the lock free the old.
 *   cowcfg_api       cowcfg called directly (cowcfg_read_lock, cowcfg_get,
 *                    cowcfg_read_unlock), as a program would, rather than
 *                    through the lock_ops table: the table costs an extra
 *                    indirect call per step.
 *   cowcfg_xchg      cowcfg with MEMLAB_COWCFG_NO_MEMBARRIER=1: readers
 *                    announce with XCHG, writers skip membarrier.
 *   <rw lock>        read_lock, read the fields in place, read_unlock; the
 *                    writer takes the write lock and updates them in place.
 *   <mutex>          the same with lock/unlock on both sides.
 *   urcu_memb        liburcu, memb flavour, called through the library
 *                    (out-of-line calls); the writer swaps
 *                    with rcu_xchg_pointer, waits with synchronize_rcu, frees.
 *   urcu_memb_inline the same reader with liburcu's inline fast path
 *                    (its _LGPL_SOURCE mode).
 * Fields are relaxed atomics in every variant so that atomic_ptr's recycling
 * is not a data race; on x86 a relaxed load is the same MOV a plain one is.
 * Counters: writes_per_s is how often the writer managed to publish during
 * the reader's run: a writer that pays more (a system call per publish, a
 * grace period) publishes less often, which changes what the reader sees.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/urcu-memb.h>
#include <urcu/static/urcu-memb.h> /* _urcu_memb_read_lock: the inline fast path */

#include "bench/bench.h"
#include "locks/cowcfg.h"

enum { BATCH = 64, POOL = 256 };

struct cfg_version {
    CACHE_ALIGNED atomic_uint_least64_t seq;
    atomic_uint_least64_t limit;
    atomic_uint_least64_t timeout_ms;
};

enum variant_kind { VIA_LOCK, COWCFG_API, ATOMIC_PTR, URCU_CALL, URCU_INLINE };

struct variant {
    const char *name;
    enum variant_kind kind;
    const struct lock_ops *ops; /* VIA_LOCK */
    bool xchg_announce;         /* cowcfg with MEMLAB_COWCFG_NO_MEMBARRIER */
};

struct config_run {
    const struct variant *v;
    void *lock;                        /* VIA_LOCK */
    struct cowcfg *cow;                /* COWCFG_API */
    struct cowcfg_slot *cow_slot;      /* COWCFG_API: the reader's */
    struct cfg_version *pool;          /* ATOMIC_PTR: POOL versions, recycled */
    struct cfg_version *in_place;      /* VIA_LOCK with a mutex or rwlock */
    CACHE_ALIGNED _Atomic(struct cfg_version *) current; /* ATOMIC_PTR */
    struct cfg_version *urcu_current;  /* URCU_*: rcu_dereference / rcu_xchg_pointer */
    uint64_t hz;
    pthread_t writer;
    CACHE_ALIGNED atomic_bool stop;
    atomic_bool started;
    uint64_t publishes, writer_ns;     /* the writer's, read after the join */
};

static uint64_t read_fields(const struct cfg_version *v)
{
    /* relaxed: see the header; the snapshot's publication ordered them. */
    return atomic_load_explicit(&v->limit, memory_order_relaxed) +
           atomic_load_explicit(&v->timeout_ms, memory_order_relaxed);
}

static void fill(struct cfg_version *v, uint64_t seq)
{
    /* relaxed: published by the release (or stronger) store of the pointer
     * that follows, or by the lock's unlock. */
    atomic_store_explicit(&v->seq, seq, memory_order_relaxed);
    atomic_store_explicit(&v->limit, 1000 + seq, memory_order_relaxed);
    atomic_store_explicit(&v->timeout_ms, 30000 + seq, memory_order_relaxed);
}

static struct cfg_version *new_version(uint64_t seq)
{
    struct cfg_version *v = xaligned_alloc(sizeof *v);
    fill(v, seq);
    return v;
}

/* ---- one publish per variant ------------------------------------------------ */

static void publish(struct config_run *r, void *node, uint64_t seq)
{
    const struct lock_ops *ops = r->v->ops;
    switch (r->v->kind) {
    case ATOMIC_PTR: {
        struct cfg_version *v = &r->pool[seq % POOL];
        fill(v, seq);
        /* release: the fields above before the pointer; pairs with the
         * acquire load in read_atomic_ptr.  x86: MOV. */
        atomic_store_explicit(&r->current, v, memory_order_release);
        break;
    }
    case VIA_LOCK:
        ops->lock(r->lock, node);
        if (ops->kind == LOCK_KIND_CONFIG)
            ops->cfg_publish(r->lock, new_version(seq));
        else
            fill(r->in_place, seq);
        ops->unlock(r->lock, node);
        break;
    case COWCFG_API:
        cowcfg_write_lock(r->cow);
        cowcfg_publish(r->cow, new_version(seq));
        cowcfg_write_unlock(r->cow);
        break;
    case URCU_CALL:
    case URCU_INLINE: {
        struct cfg_version *old = rcu_xchg_pointer(&r->urcu_current, new_version(seq));
        urcu_memb_synchronize_rcu();
        free(old);
        break;
    }
    }
}

static void *writer_main(void *arg)
{
    struct config_run *r = arg;
    const struct lock_ops *ops = r->v->ops;
    void *node = ops ? lock_node_new(ops) : NULL;
    if (ops && ops->thread_enter)
        ops->thread_enter(r->lock, node);
    uint64_t start = now_ns(), seq = 1;
    /* The reader starts once one publish is done, so every run measures a
     * live writer even when this thread was slow to be scheduled. */
    publish(r, node, ++seq);
    atomic_store(&r->started, true);
    /* relaxed: stop is a hint to leave; the join orders our counts. */
    while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
        if (r->hz)
            sleep_ns(1000000000u / r->hz);
        publish(r, node, ++seq);
    }
    r->writer_ns = now_ns() - start;
    r->publishes = seq - 1;
    if (ops && ops->thread_exit)
        ops->thread_exit(r->lock, node);
    free(node);
    return NULL;
}

/* ---- BATCH reads per variant ----------------------------------------------- */

static READ_LOOP uint64_t read_atomic_ptr(struct config_run *r)
{
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++)
        /* acquire: pairs with the release store in publish.  x86: MOV. */
        sum += read_fields(atomic_load_explicit(&r->current, memory_order_acquire));
    return sum;
}

static READ_LOOP uint64_t read_config(struct config_run *r, void *node)
{
    const struct lock_ops *ops = r->v->ops;
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++) {
        ops->read_lock(r->lock, node);
        sum += read_fields(ops->cfg_get(r->lock, node));
        ops->read_unlock(r->lock, node);
    }
    if (ops->quiescent) /* QSBR: one report per batch, as an event loop would */
        ops->quiescent(r->lock, node);
    return sum;
}

static READ_LOOP uint64_t read_rwlock(struct config_run *r, void *node)
{
    const struct lock_ops *ops = r->v->ops;
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++) {
        ops->read_lock(r->lock, node);
        sum += read_fields(r->in_place);
        ops->read_unlock(r->lock, node);
    }
    return sum;
}

static READ_LOOP uint64_t read_mutex(struct config_run *r, void *node)
{
    const struct lock_ops *ops = r->v->ops;
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++) {
        ops->lock(r->lock, node);
        sum += read_fields(r->in_place);
        ops->unlock(r->lock, node);
    }
    return sum;
}

/* c and slot as arguments, as a program holds them: read from r, the
 * compiler would load them again after every store to the slot. */
static READ_LOOP uint64_t read_cowcfg_api(struct cowcfg *c, struct cowcfg_slot *slot)
{
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++) {
        cowcfg_read_lock(c, slot);
        sum += read_fields(cowcfg_get(c));
        cowcfg_read_unlock(c, slot);
    }
    return sum;
}

static READ_LOOP uint64_t read_urcu_call(struct config_run *r)
{
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++) {
        urcu_memb_read_lock();
        sum += read_fields(rcu_dereference(r->urcu_current));
        urcu_memb_read_unlock();
    }
    return sum;
}

static READ_LOOP uint64_t read_urcu_inline(struct config_run *r)
{
    uint64_t sum = 0;
    for (int i = 0; i < BATCH; i++) {
        _urcu_memb_read_lock();
        sum += read_fields(rcu_dereference(r->urcu_current));
        _urcu_memb_read_unlock();
    }
    return sum;
}

static uint64_t read_batch(struct config_run *r, void *node)
{
    switch (r->v->kind) {
    case ATOMIC_PTR: return read_atomic_ptr(r);
    case COWCFG_API: return read_cowcfg_api(r->cow, r->cow_slot);
    case URCU_CALL: return read_urcu_call(r);
    case URCU_INLINE: return read_urcu_inline(r);
    case VIA_LOCK: break;
    }
    switch (r->v->ops->kind) {
    case LOCK_KIND_CONFIG: return read_config(r, node);
    case LOCK_KIND_RW: return read_rwlock(r, node);
    case LOCK_KIND_MUTEX: break;
    }
    return read_mutex(r, node);
}

/* ---- set-up, the timed loop, tear-down ------------------------------------- */

static void setup(struct config_run *r, const struct variant *v, uint64_t hz)
{
    r->v = v;
    r->hz = hz;
    switch (v->kind) {
    case ATOMIC_PTR:
        r->pool = xaligned_alloc(POOL * sizeof *r->pool);
        fill(&r->pool[1], 1);
        atomic_init(&r->current, &r->pool[1]);
        break;
    case VIA_LOCK: {
        if (v->xchg_announce)
            setenv("MEMLAB_COWCFG_NO_MEMBARRIER", "1", 1); /* read once, by init */
        r->lock = lock_new(v->ops);
        if (v->xchg_announce)
            unsetenv("MEMLAB_COWCFG_NO_MEMBARRIER");
        if (!r->lock)
            lock_fatal("bench: lock init failed");
        if (v->ops->kind == LOCK_KIND_CONFIG) {
            void *node = lock_node_new(v->ops);
            v->ops->lock(r->lock, node);
            v->ops->cfg_publish(r->lock, new_version(1));
            v->ops->unlock(r->lock, node);
            free(node);
        } else {
            r->in_place = new_version(1);
        }
        break;
    }
    case COWCFG_API:
        r->cow = xaligned_alloc(sizeof *r->cow);
        cowcfg_init(r->cow, free);
        r->cow_slot = xaligned_alloc(sizeof *r->cow_slot);
        cowcfg_reader_register(r->cow, r->cow_slot); /* the reader, this thread */
        cowcfg_write_lock(r->cow);
        cowcfg_publish(r->cow, new_version(1));
        cowcfg_write_unlock(r->cow);
        break;
    case URCU_CALL:
    case URCU_INLINE:
        r->urcu_current = new_version(1);
        urcu_memb_register_thread(); /* the reader, this thread */
        break;
    }
}

static void teardown(struct config_run *r)
{
    switch (r->v->kind) {
    case ATOMIC_PTR: free(r->pool); break;
    case VIA_LOCK:
        lock_free(r->v->ops, r->lock);
        free(r->in_place);
        break;
    case COWCFG_API:
        cowcfg_reader_unregister(r->cow, r->cow_slot);
        cowcfg_destroy(r->cow);
        free(r->cow_slot);
        free(r->cow);
        break;
    case URCU_CALL:
    case URCU_INLINE:
        urcu_memb_unregister_thread();
        free(r->urcu_current);
        break;
    }
}

static void bm_config_read(bench_state *st, const void *arg)
{
    struct config_run *r = xaligned_alloc(sizeof *r);
    setup(r, arg, (uint64_t)bench_arg(st, 0));
    const struct lock_ops *ops = r->v->ops;
    void *node = ops ? lock_node_new(ops) : NULL;
    if (ops && ops->thread_enter)
        ops->thread_enter(r->lock, node);
    if (pthread_create(&r->writer, NULL, writer_main, r) != 0)
        lock_fatal("bench: cannot start the config writer");
    while (!atomic_load(&r->started))
        sleep_ns(10000);

    uint64_t sum = 0;
    while (bench_keep_running_batch(st, BATCH))
        sum += read_batch(r, node);
    bench_keep(sum);

    /* A QSBR writer at its bound of pending versions waits, holding the
     * writer lock, for every registered reader's next quiescent state: a
     * reader that only sat in pthread_join would never report one, and one
     * that unregistered first would wait for that lock.  So the reader keeps
     * reporting until the writer has seen stop and left, then leaves. */
    atomic_store(&r->stop, true);
    while (pthread_tryjoin_np(r->writer, NULL) == EBUSY) {
        if (ops && ops->quiescent)
            ops->quiescent(r->lock, node);
        sleep_ns(100000);
    }
    bench_counter(st, "writes_per_s", r->writer_ns ? (double)r->publishes * 1e9 / (double)r->writer_ns : 0,
                  BENCH_SUM);
    if (ops && ops->thread_exit)
        ops->thread_exit(r->lock, node);
    free(node);
    teardown(r);
    free(r);
}

/* ---- readers on every CPU: the shape of the notes' Go benchmark ------------
 *
 * config_test.go runs its readers in b.RunParallel (GOMAXPROCS goroutines,
 * one per CPU) while one writer goroutine keeps replacing the config; its
 * ns/op is wall time over the reads of all readers.  config_par is the same
 * shape in C: n reader threads (n = the CPUs this process may use) in a
 * timed_run, one writer thread beside them, and ns/read = 1 / ops_per_s.
 * Only variants whose reader needs no per-thread registration outside
 * lock_ops run here (atomic_ptr and the registry locks). */
struct par_run {
    struct config_run cfg;
    struct timed_run *run;
};

static struct par_run *par_shared; /* thread 0 sets it; Google Benchmark's start barrier publishes it */

static void par_reader(bench_state *st, struct par_run *p)
{
    struct config_run *r = &p->cfg;
    const struct lock_ops *ops = r->v->ops;
    void *node = ops ? lock_node_new(ops) : NULL;
    if (ops && ops->thread_enter)
        ops->thread_enter(r->lock, node);
    timed_run_start(p->run, st);
    uint64_t n = 0, sum = 0;
    do { /* at least one batch, as in throughput.c */
        sum += read_batch(r, node);
        n += BATCH;
    } while (timed_run_going(p->run));
    timed_run_finish(p->run, st, n);
    bench_keep(sum);
    if (ops && ops->thread_exit)
        ops->thread_exit(r->lock, node);
    free(node);
}

static void bm_config_par(bench_state *st, const void *arg)
{
    if (bench_thread_index(st) == 0) {
        par_shared = xaligned_alloc(sizeof *par_shared);
        setup(&par_shared->cfg, arg, (uint64_t)bench_arg(st, 0));
        par_shared->run = timed_run_new(bench_threads(st));
        if (pthread_create(&par_shared->cfg.writer, NULL, writer_main, &par_shared->cfg) != 0)
            lock_fatal("bench: cannot start the config writer");
        while (!atomic_load(&par_shared->cfg.started))
            sleep_ns(10000);
    }
    while (bench_keep_running(st))
        par_reader(st, par_shared);
    if (bench_thread_index(st) != 0)
        return;
    /* Google Benchmark's stop barrier: every reader is done here. */
    struct config_run *r = &par_shared->cfg;
    atomic_store(&r->stop, true);
    pthread_join(r->writer, NULL);
    bench_counter(st, "writes_per_s", r->writer_ns ? (double)r->publishes * 1e9 / (double)r->writer_ns : 0,
                  BENCH_SUM);
    timed_run_report(par_shared->run, st);
    teardown(r);
    free(par_shared);
    par_shared = NULL;
}

static const int writer_hz[] = {0, 1000};

static void register_par_variant(const struct variant *v)
{
    bench_def *b = bench_register(bench_name("config_par/%s", v->name), bm_config_par, v);
    bench_def_arg_name(b, "writer_hz");
    for (size_t i = 0; i < sizeof writer_hz / sizeof writer_hz[0]; i++)
        bench_def_arg(b, writer_hz[i]);
    bench_def_threads(b, bench_cpus());
    bench_def_iterations(b, 1);
    bench_def_manual_time(b);
}

static void register_variant(const struct variant *v)
{
    bench_def *b = bench_register(bench_name("config/%s", v->name), bm_config_read, v);
    bench_def_arg_name(b, "writer_hz");
    for (size_t i = 0; i < sizeof writer_hz / sizeof writer_hz[0]; i++)
        bench_def_arg(b, writer_hz[i]);
    bench_def_real_time(b);
}

void register_config_read(void)
{
    static const struct variant fixed[] = {
        {.name = "atomic_ptr", .kind = ATOMIC_PTR},
        {.name = "cowcfg_api", .kind = COWCFG_API},
        {.name = "urcu_memb", .kind = URCU_CALL},
        {.name = "urcu_memb_inline", .kind = URCU_INLINE},
    };
    static struct variant from_locks[128];
    size_t n = 0;
    register_variant(&fixed[0]);
    register_variant(&fixed[1]);
    for (const struct lock_ops *const *p = bench_lock_list(); *p && n + 1 < 128; p++) {
        from_locks[n] = (struct variant){.name = (*p)->name, .kind = VIA_LOCK, .ops = *p};
        register_variant(&from_locks[n++]);
        if (strcmp((*p)->name, "cowcfg") == 0) {
            from_locks[n] = (struct variant){
                .name = "cowcfg_xchg", .kind = VIA_LOCK, .ops = *p, .xchg_announce = true};
            register_variant(&from_locks[n++]);
        }
    }
    register_variant(&fixed[2]);
    register_variant(&fixed[3]);
    /* Go's shape (config_par): the floor, the copy-on-write config and the
     * two locks the notes' Go version compares with. */
    register_par_variant(&fixed[0]);
    for (size_t i = 0; i < n; i++) {
        const char *name = from_locks[i].name;
        if (strcmp(name, "cowcfg") == 0 || strcmp(name, "pthread_mutex") == 0 ||
            strcmp(name, "pthread_rwlock") == 0)
            register_par_variant(&from_locks[i]);
    }
}
