/* test_rwlock.c: the futex reader-writer lock, both preferences: readers share, writers exclude, the stated preference holds, trylock, misuse aborts.
 *
 * Every wait has a deadline, so a broken lock fails with a message instead
 * of hanging.  When a deadline passes with threads still blocked in the
 * lock, the test fails without joining them and leaks their shared context
 * (heap), so nothing they touch later has been freed.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "locks/lock.h"
#include "locks/sys.h"

extern const struct lock_ops rwlock_ops, rwlock_readpref_ops;

#define MS (1000 * 1000ull)
#define SEC (1000 * MS)
#define WATCHDOG_NS (10 * SEC) /* only reached when the lock is broken */

/* ---- helpers ------------------------------------------------------------ */

static bool past(uint64_t deadline) { return now_ns() > deadline; }

static void start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    int rc = pthread_create(t, NULL, fn, arg);
    if (rc != 0)
        fail_msg("pthread_create: %d", rc);
}

/* Join t unless it is still running at deadline (a thread stuck in the lock). */
static bool join_by(pthread_t t, uint64_t deadline)
{
    uint64_t left = deadline > now_ns() ? deadline - now_ns() : 0;
    struct timespec abs;
    clock_gettime(CLOCK_REALTIME, &abs);
    uint64_t ns = (uint64_t)abs.tv_nsec + left % SEC;
    abs.tv_sec += (time_t)(left / SEC + ns / SEC);
    abs.tv_nsec = (long)(ns % SEC);
    return pthread_timedjoin_np(t, NULL, &abs) == 0;
}

static void raise_max(atomic_uint *max, unsigned v)
{
    unsigned cur = atomic_load(max);
    while (v > cur && !atomic_compare_exchange_weak(max, &cur, v))
        ;
}

static void *new_lock(const struct lock_ops *ops)
{
    void *lock = lock_new(ops);
    if (!lock)
        fail_msg("%s: init failed: errno %d", ops->name, errno);
    return lock;
}

/* ---- (a) readers share -------------------------------------------------- */

enum { SHARERS = 4 };

struct share_ctx {
    const struct lock_ops *ops;
    void *lock;
    uint64_t deadline;
    atomic_uint arrived;  /* readers that got in (never decreases) */
    atomic_uint inside;   /* readers inside now */
    atomic_uint most;     /* most readers inside together */
    atomic_uint gave_up;  /* readers whose deadline passed before all arrived */
};

/* Get in, then stay until every reader has got in: possible only if the lock
 * lets all SHARERS hold it at the same moment. */
static void *sharer(void *arg)
{
    struct share_ctx *c = arg;
    c->ops->read_lock(c->lock, NULL);
    raise_max(&c->most, atomic_fetch_add(&c->inside, 1) + 1);
    atomic_fetch_add(&c->arrived, 1);
    while (atomic_load(&c->arrived) < SHARERS && !past(c->deadline))
        sched_yield();
    if (atomic_load(&c->arrived) < SHARERS)
        atomic_fetch_add(&c->gave_up, 1);
    atomic_fetch_sub(&c->inside, 1);
    c->ops->read_unlock(c->lock, NULL);
    return NULL;
}

static void readers_share(const struct lock_ops *ops)
{
    struct share_ctx *c = xaligned_alloc(sizeof *c);
    c->ops = ops;
    c->lock = new_lock(ops);
    c->deadline = now_ns() + 5 * SEC;
    pthread_t t[SHARERS];
    for (int i = 0; i < SHARERS; i++)
        start(&t[i], sharer, c);
    for (int i = 0; i < SHARERS; i++)
        if (!join_by(t[i], c->deadline + WATCHDOG_NS))
            fail_msg("%s: reader %d still blocked in read_lock after the watchdog", ops->name, i);
    unsigned most = atomic_load(&c->most), gave_up = atomic_load(&c->gave_up);
    if (gave_up != 0 || most != SHARERS)
        fail_msg("%s: %u readers could not hold the read lock together: at most %u of %u "
                 "were inside at once, %u gave up at the deadline",
                 ops->name, SHARERS, most, SHARERS, gave_up);
    lock_free(ops, c->lock);
    free(c);
}

static void test_readers_share_rwlock(void **state) { (void)state; readers_share(&rwlock_ops); }
static void test_readers_share_readpref(void **state) { (void)state; readers_share(&rwlock_readpref_ops); }

/* ---- (b) writers exclude: mixed stress -------------------------------------- */

enum { STRESS_THREADS = 8 }; /* on 2 cores: oversubscribed, so holders get preempted */
#define STRESS_RUN_NS (300 * MS)

struct stress_ctx;
struct worker {
    struct stress_ctx *c;
    unsigned id; /* 1-based: 0 in owner means nobody */
    uint64_t rng, reads, writes;
};

struct stress_ctx {
    const struct lock_ops *ops;
    void *lock;
    atomic_bool stop;
    atomic_uint readers_inside;
    atomic_uint most_readers;
    atomic_ulong violations;
    /* Plain on purpose: only writers write them, under the lock.  If the lock
     * let a reader or a second writer in, TSan reports the race. */
    unsigned owner;
    uint64_t counter;
    struct worker w[STRESS_THREADS];
};

static void violation(struct stress_ctx *c) { atomic_fetch_add(&c->violations, 1); }

/* One in eight sections yields while holding the lock: the others then find
 * it taken and go to sleep, which exercises the futex paths. */
static void maybe_yield(struct worker *w)
{
    if (xorshift64(&w->rng) % 8 == 0)
        sched_yield();
}

static void write_section(struct worker *w)
{
    struct stress_ctx *c = w->c;
    c->ops->lock(c->lock, NULL);
    if (c->owner != 0 || atomic_load(&c->readers_inside) != 0)
        violation(c);
    c->owner = w->id;
    c->counter++;
    maybe_yield(w);
    if (c->owner != w->id)
        violation(c);
    c->owner = 0;
    c->ops->unlock(c->lock, NULL);
    w->writes++;
}

static void read_section(struct worker *w)
{
    struct stress_ctx *c = w->c;
    c->ops->read_lock(c->lock, NULL);
    raise_max(&c->most_readers, atomic_fetch_add(&c->readers_inside, 1) + 1);
    uint64_t seen = c->counter;
    if (c->owner != 0)
        violation(c);
    maybe_yield(w);
    if (c->counter != seen)
        violation(c); /* a writer changed it while we read */
    atomic_fetch_sub(&c->readers_inside, 1);
    c->ops->read_unlock(c->lock, NULL);
    w->reads++;
}

static void *stress_worker(void *arg)
{
    struct worker *w = arg;
    while (!atomic_load(&w->c->stop)) {
        if (xorshift64(&w->rng) % 4 == 0)
            write_section(w);
        else
            read_section(w);
    }
    return NULL;
}

static void writers_exclude(const struct lock_ops *ops)
{
    struct stress_ctx *c = xaligned_alloc(sizeof *c);
    c->ops = ops;
    c->lock = new_lock(ops);
    pthread_t t[STRESS_THREADS];
    for (unsigned i = 0; i < STRESS_THREADS; i++) {
        c->w[i] = (struct worker){.c = c, .id = i + 1, .rng = 0x9e3779b97f4a7c15ull * (i + 1)};
        start(&t[i], stress_worker, &c->w[i]);
    }
    sleep_ns(STRESS_RUN_NS);
    atomic_store(&c->stop, true);
    uint64_t deadline = now_ns() + WATCHDOG_NS;
    unsigned stuck = 0;
    for (unsigned i = 0; i < STRESS_THREADS; i++)
        stuck += !join_by(t[i], deadline);
    if (stuck)
        fail_msg("%s: %u of %u threads still blocked %llu s after stop (a lost wake-up?); "
                 "waiters() = %u",
                 ops->name, stuck, STRESS_THREADS, WATCHDOG_NS / SEC,
                 ops->waiters(c->lock, NULL));
    uint64_t reads = 0, writes = 0;
    for (unsigned i = 0; i < STRESS_THREADS; i++) {
        reads += c->w[i].reads;
        writes += c->w[i].writes;
    }
    unsigned long violations = atomic_load(&c->violations);
    print_message("%s: %llu reads, %llu writes, up to %u readers inside together\n", ops->name,
                  (unsigned long long)reads, (unsigned long long)writes,
                  atomic_load(&c->most_readers));
    if (violations != 0 || c->counter != writes)
        fail_msg("%s: exclusion broken: %lu violations; counter %llu after %llu writes",
                 ops->name, violations, (unsigned long long)c->counter,
                 (unsigned long long)writes);
    if (reads == 0 || writes == 0)
        fail_msg("%s: the mix did not run: %llu reads, %llu writes", ops->name,
                 (unsigned long long)reads, (unsigned long long)writes);
    if (ops->waiters(c->lock, NULL) != 0)
        fail_msg("%s: %u threads still registered as waiting after all left", ops->name,
                 ops->waiters(c->lock, NULL));
    lock_free(ops, c->lock);
    free(c);
}

static void test_writers_exclude_rwlock(void **state) { (void)state; writers_exclude(&rwlock_ops); }
static void test_writers_exclude_readpref(void **state) { (void)state; writers_exclude(&rwlock_readpref_ops); }

/* ---- (c) preference: a writer against a relay of two readers ------------------
 *
 * Readers 0 and 1 pass the read lock between them so that the reader count
 * never falls to zero on its own.  baton counts completed entries; reader
 * baton % 2 moves next: it leaves (if it holds) and enters again, while the
 * other, which entered at the previous step, still holds.  Steps 0 and 1 are
 * the first entries.  The relay is driven by atomics, not sleeps, so the
 * outcome does not depend on timing.
 *
 * Under writer preference a waiting writer makes the mover's read_lock block,
 * and the relay stalls with the other reader holding.  A reader that waits
 * for another reader while holding a read lock would then deadlock with the
 * writer (the cost named in rwlock.c), so a holder whose partner is queued
 * (waiters() == 2: the writer and the partner) gives way and leaves.  Under
 * reader preference the mover's read_lock never blocks, nobody gives way,
 * and the writer waits until the relay is stopped.
 */
enum { RELAY_WARMUP = 20, RELAY_ROUNDS = 200 };
#define RELAY_MIN_NS (200 * MS)

struct relay_ctx {
    const struct lock_ops *ops;
    void *lock;
    uint64_t deadline;             /* for the test's waits; the readers' watchdog is later, so
                                    * the test, not a timed-out reader, ends a stuck relay */
    atomic_uint baton;             /* completed entries; reader baton % 2 moves next */
    atomic_uint inside;            /* relay readers holding the read lock */
    atomic_bool stop;              /* set by the test: leave */
    atomic_bool gave_way;          /* a holder left because its partner is queued */
    atomic_uint baton_at_give_way;
    atomic_bool timed_out;
    atomic_bool writer_in;         /* set inside the writer's section */
    atomic_uint inside_at_writer;  /* relay readers inside when the writer entered */
    atomic_uint baton_at_writer;
    atomic_bool stopped_at_writer; /* the relay had been stopped when the writer entered */
};

struct relay_reader_arg {
    struct relay_ctx *c;
    unsigned me;
};

/* Wait for my turn; false when the relay is over for me. */
static bool await_turn(struct relay_ctx *c, unsigned me)
{
    for (;;) {
        if (atomic_load(&c->stop) || atomic_load(&c->gave_way))
            return false;
        if (atomic_load(&c->baton) % 2 == me)
            return true;
        if (c->ops->waiters(c->lock, NULL) >= 2) {
            atomic_store(&c->baton_at_give_way, atomic_load(&c->baton));
            atomic_store(&c->gave_way, true);
            return false;
        }
        if (past(c->deadline + WATCHDOG_NS)) {
            atomic_store(&c->timed_out, true);
            return false;
        }
        sched_yield();
    }
}

static void *relay_reader(void *arg)
{
    struct relay_reader_arg *a = arg;
    struct relay_ctx *c = a->c;
    bool holding = false;
    while (await_turn(c, a->me)) {
        if (holding) {
            atomic_fetch_sub(&c->inside, 1);
            c->ops->read_unlock(c->lock, NULL);
        }
        c->ops->read_lock(c->lock, NULL);
        atomic_fetch_add(&c->inside, 1);
        holding = true;
        atomic_fetch_add(&c->baton, 1);
    }
    if (holding) {
        atomic_fetch_sub(&c->inside, 1);
        c->ops->read_unlock(c->lock, NULL);
    }
    return NULL;
}

static void *relay_writer(void *arg)
{
    struct relay_ctx *c = arg;
    c->ops->lock(c->lock, NULL);
    atomic_store(&c->inside_at_writer, atomic_load(&c->inside));
    atomic_store(&c->baton_at_writer, atomic_load(&c->baton));
    atomic_store(&c->stopped_at_writer, atomic_load(&c->stop));
    atomic_store(&c->writer_in, true);
    c->ops->unlock(c->lock, NULL);
    return NULL;
}

struct relay {
    struct relay_ctx *c;
    struct relay_reader_arg args[2];
    pthread_t readers[2], writer;
};

/* Start the two readers and wait until the relay has run RELAY_WARMUP steps. */
static void relay_start(struct relay *r, const struct lock_ops *ops)
{
    struct relay_ctx *c = xaligned_alloc(sizeof *c);
    c->ops = ops;
    c->lock = new_lock(ops);
    c->deadline = now_ns() + 5 * SEC;
    r->c = c;
    for (unsigned i = 0; i < 2; i++) {
        r->args[i] = (struct relay_reader_arg){.c = c, .me = i};
        start(&r->readers[i], relay_reader, &r->args[i]);
    }
    while (atomic_load(&c->baton) < RELAY_WARMUP && !past(c->deadline))
        sched_yield();
    if (atomic_load(&c->baton) < RELAY_WARMUP)
        fail_msg("%s: the reader relay did not start: %u steps", ops->name,
                 atomic_load(&c->baton));
}

/* Stop the relay and join everyone; the writer must get in once it stops. */
static void relay_finish(struct relay *r)
{
    struct relay_ctx *c = r->c;
    atomic_store(&c->stop, true);
    uint64_t deadline = now_ns() + WATCHDOG_NS;
    bool joined = join_by(r->writer, deadline);
    joined = join_by(r->readers[0], deadline) && joined;
    joined = join_by(r->readers[1], deadline) && joined;
    if (!joined)
        fail_msg("%s: relay threads still blocked %llu s after the relay stopped (writer in: %d)",
                 c->ops->name, WATCHDOG_NS / SEC, atomic_load(&c->writer_in));
    if (atomic_load(&c->inside_at_writer) != 0)
        fail_msg("%s: the writer entered with %u readers inside", c->ops->name,
                 atomic_load(&c->inside_at_writer));
}

/* Last, so that a test's own message explains a failure first. */
static void relay_free(struct relay *r)
{
    struct relay_ctx *c = r->c;
    if (atomic_load(&c->timed_out))
        fail_msg("%s: a relay reader hit the watchdog waiting for its turn", c->ops->name);
    lock_free(c->ops, c->lock);
    free(c);
}

static void test_writer_preferred_rwlock(void **state)
{
    (void)state;
    struct relay r;
    relay_start(&r, &rwlock_ops);
    struct relay_ctx *c = r.c;
    start(&r.writer, relay_writer, c);
    while (!atomic_load(&c->writer_in) && !past(c->deadline))
        sched_yield();
    bool in = atomic_load(&c->writer_in);
    unsigned steps = atomic_load(&c->baton);
    relay_finish(&r);
    if (!in)
        fail_msg("rwlock: the writer is still waiting after %u relay steps: new readers "
                 "were let in past a waiting writer",
                 steps);
    if (atomic_load(&c->stopped_at_writer) || !atomic_load(&c->gave_way))
        fail_msg("rwlock: the writer got in, but not by stalling the relay (stopped %d, "
                 "gave way %d)",
                 atomic_load(&c->stopped_at_writer), atomic_load(&c->gave_way));
    /* The mover queued behind the writer cannot finish its step before the
     * writer is done, so the baton has not moved since the holder gave way. */
    if (atomic_load(&c->baton_at_writer) != atomic_load(&c->baton_at_give_way))
        fail_msg("rwlock: relay moved from step %u to %u between giving way and the writer "
                 "entering",
                 atomic_load(&c->baton_at_give_way), atomic_load(&c->baton_at_writer));
    relay_free(&r);
}

static void test_writer_starves_readpref(void **state)
{
    (void)state;
    struct relay r;
    relay_start(&r, &rwlock_readpref_ops);
    struct relay_ctx *c = r.c;
    start(&r.writer, relay_writer, c);
    /* Wait until the writer has registered as waiting, so the relay steps
     * counted below all happen while it waits. */
    while (c->ops->waiters(c->lock, NULL) == 0 && !atomic_load(&c->writer_in) &&
           !past(c->deadline))
        sched_yield();
    unsigned from = atomic_load(&c->baton);
    uint64_t until = now_ns() + RELAY_MIN_NS;
    while ((atomic_load(&c->baton) - from < RELAY_ROUNDS || !past(until)) &&
           !atomic_load(&c->writer_in) && !atomic_load(&c->gave_way) && !past(c->deadline))
        sched_yield();
    unsigned steps = atomic_load(&c->baton) - from;
    bool in_early = atomic_load(&c->writer_in);
    bool gave_way = atomic_load(&c->gave_way);
    relay_finish(&r);
    if (in_early || gave_way)
        fail_msg("rwlock_readpref: the writer got in while readers overlapped (after %u "
                 "steps; a reader gave way: %d): readers were held back",
                 steps, gave_way);
    if (steps < RELAY_ROUNDS)
        fail_msg("rwlock_readpref: the relay ran only %u steps while the writer waited", steps);
    if (!atomic_load(&c->writer_in) || !atomic_load(&c->stopped_at_writer))
        fail_msg("rwlock_readpref: the writer did not get in once the relay stopped");
    print_message("rwlock_readpref: writer waited through %u overlapping read sections\n",
                  steps);
    relay_free(&r);
}

/* ---- (d) trylock -------------------------------------------------------- */

struct try_arg {
    const struct lock_ops *ops;
    void *lock;
    bool got;
};

static void *try_once(void *arg)
{
    struct try_arg *a = arg;
    a->got = a->ops->trylock(a->lock, NULL);
    if (a->got)
        a->ops->unlock(a->lock, NULL);
    return NULL;
}

/* trylock from a fresh thread (the holder is this one). */
static bool other_trylock(const struct lock_ops *ops, void *lock)
{
    struct try_arg *a = xaligned_alloc(sizeof *a);
    *a = (struct try_arg){.ops = ops, .lock = lock};
    pthread_t t;
    start(&t, try_once, a);
    if (!join_by(t, now_ns() + WATCHDOG_NS))
        fail_msg("%s: trylock blocked", ops->name); /* leaks a: the thread may still use it */
    bool got = a->got;
    free(a);
    return got;
}

static void trylock_semantics(const struct lock_ops *ops)
{
    void *lock = new_lock(ops);
    if (!other_trylock(ops, lock))
        fail_msg("%s: trylock failed on a free lock", ops->name);

    ops->lock(lock, NULL);
    bool got = other_trylock(ops, lock);
    ops->unlock(lock, NULL);
    if (got)
        fail_msg("%s: trylock succeeded while a writer held the lock", ops->name);

    ops->read_lock(lock, NULL);
    got = other_trylock(ops, lock);
    ops->read_unlock(lock, NULL);
    if (got)
        fail_msg("%s: trylock succeeded while a reader held the lock", ops->name);

    if (!ops->trylock(lock, NULL))
        fail_msg("%s: trylock failed on a free lock after readers left", ops->name);
    got = other_trylock(ops, lock);
    ops->unlock(lock, NULL);
    if (got)
        fail_msg("%s: a second trylock succeeded while the first held the lock", ops->name);

    if (!other_trylock(ops, lock))
        fail_msg("%s: trylock failed on a free lock after the writer left", ops->name);
    if (ops->waiters(lock, NULL) != 0)
        fail_msg("%s: a failed trylock left %u waiters registered", ops->name,
                 ops->waiters(lock, NULL));
    lock_free(ops, lock);
}

static void test_trylock_rwlock(void **state) { (void)state; trylock_semantics(&rwlock_ops); }
static void test_trylock_readpref(void **state) { (void)state; trylock_semantics(&rwlock_readpref_ops); }

/* ---- misuse: unlocking what is not held calls lock_fatal (abort) -------- */

enum misuse { UNLOCK_FREE, READ_UNLOCK_FREE, UNLOCK_READ_HELD, READ_UNLOCK_WRITE_HELD };
static const char *const misuse_name[] = {
    "unlock of a free lock",
    "read_unlock of a free lock",
    "unlock of a read-held lock",
    "read_unlock of a write-held lock",
};

static void misuse_child(const struct lock_ops *ops, enum misuse m)
{
    /* lock_fatal's message is expected: keep it out of the test output. */
    if (!freopen("/dev/null", "w", stderr))
        _exit(2);
    void *lock = lock_new(ops);
    if (m == UNLOCK_READ_HELD)
        ops->read_lock(lock, NULL);
    if (m == READ_UNLOCK_WRITE_HELD)
        ops->lock(lock, NULL);
    if (m == UNLOCK_FREE || m == UNLOCK_READ_HELD)
        ops->unlock(lock, NULL);
    else
        ops->read_unlock(lock, NULL);
    _exit(0); /* not reached when lock_fatal aborts */
}

static void misuse_is_fatal(const struct lock_ops *ops)
{
    for (enum misuse m = UNLOCK_FREE; m <= READ_UNLOCK_WRITE_HELD; m++) {
        pid_t pid = fork();
        if (pid < 0)
            fail_msg("fork: errno %d", errno);
        if (pid == 0)
            misuse_child(ops, m);
        int status = 0;
        if (waitpid(pid, &status, 0) != pid)
            fail_msg("waitpid: errno %d", errno);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
            fail_msg("%s: %s did not abort (wait status 0x%x)", ops->name, misuse_name[m],
                     status);
    }
}

static void test_misuse_is_fatal_rwlock(void **state) { (void)state; misuse_is_fatal(&rwlock_ops); }
static void test_misuse_is_fatal_readpref(void **state) { (void)state; misuse_is_fatal(&rwlock_readpref_ops); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readers_share_rwlock),
        cmocka_unit_test(test_readers_share_readpref),
        cmocka_unit_test(test_writers_exclude_rwlock),
        cmocka_unit_test(test_writers_exclude_readpref),
        cmocka_unit_test(test_writer_preferred_rwlock),
        cmocka_unit_test(test_writer_starves_readpref),
        cmocka_unit_test(test_trylock_rwlock),
        cmocka_unit_test(test_trylock_readpref),
        cmocka_unit_test(test_misuse_is_fatal_rwlock),
        cmocka_unit_test(test_misuse_is_fatal_readpref),
    };
    return cmocka_run_group_tests_name("rwlock", tests, NULL, NULL);
}
