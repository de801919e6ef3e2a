/* test_mutex_hybrid.c: tests of the two sleeping mutexes built on waitq: mutex_hybrid and mutex_handoff.
 *
 * mutex_hybrid enters starvation mode when a waiter starves and leaves it
 * once idle; mutex_handoff serves waiters in arrival order and never lets
 * the unlocker barge back in; both exclude and lose no wake-ups with 2 and
 * (oversubscribed) 8 threads; unlocking an unlocked one aborts.
 *
 * Worker threads only record what they see (plain fields guarded by the
 * lock under test, or seq_cst atomics for the test's own flags); the main
 * thread asserts, because CMocka's asserts are not thread-safe.  Every wait
 * has a deadline: a thread still asleep when it passes means a lost wake-up
 * or a deadlock, and the test fails instead of hanging.  Shared state is
 * static so that threads abandoned by a failed test never touch a dead
 * stack frame.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "locks/lock.h"
#include "locks/mutex_hybrid.h"
#include "locks/sys.h"

extern const struct lock_ops mutex_handoff_ops, mutex_hybrid_ops;

static const uint64_t WATCHDOG_NS = 10ull * 1000 * 1000 * 1000; /* a hang, not slowness */
static const uint64_t POLL_NS = 100 * 1000;

enum { MAX_THREADS = 16 };

/* ---- helpers ------------------------------------------------------------ */

static uint64_t deadline_from_now(void) { return now_ns() + WATCHDOG_NS; }

/* Poll until *n >= want; false when the deadline passes first. */
static bool wait_count(atomic_uint *n, unsigned want, uint64_t deadline)
{
    while (atomic_load(n) < want) {
        if (now_ns() > deadline)
            return false;
        sleep_ns(POLL_NS);
    }
    return true;
}

/* Poll the lock's waiters op until it reports want queued threads. */
static bool wait_waiters(const struct lock_ops *ops, void *lock, unsigned want, uint64_t deadline)
{
    while (ops->waiters(lock, NULL) != want) {
        if (now_ns() > deadline)
            return false;
        sleep_ns(POLL_NS);
    }
    return true;
}

static pthread_t start_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    int rc = pthread_create(&t, NULL, fn, arg);
    if (rc != 0)
        fail_msg("pthread_create: %s", strerror(rc));
    return t;
}

/* Join n threads that each bump *exited as their last act, or fail when they
 * have not all done so by the deadline (they are then left behind). */
static void join_all(pthread_t *t, unsigned n, atomic_uint *exited, const char *what)
{
    if (!wait_count(exited, n, deadline_from_now()))
        fail_msg("%s: only %u of %u threads finished within %.0f s: a lost wake-up or deadlock",
                 what, atomic_load(exited), n, WATCHDOG_NS / 1e9);
    for (unsigned i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

static void print_hybrid(const char *when, void *lock)
{
    struct mutex_hybrid_stats st;
    mutex_hybrid_stats(lock, &st);
    print_message("  mutex_hybrid %s: starvation entered %llu, left %llu; state locked=%d woken=%d "
                  "starving=%d waiters=%u\n",
                  when, (unsigned long long)st.starvation_entered,
                  (unsigned long long)st.starvation_left, st.locked, st.woken, st.starving,
                  st.waiters);
}

/* An idle mutex_hybrid must be back in normal mode with nothing pending. */
static void assert_hybrid_idle(void *lock)
{
    struct mutex_hybrid_stats st;
    mutex_hybrid_stats(lock, &st);
    if (st.locked || st.woken || st.starving || st.waiters != 0 ||
        st.starvation_left != st.starvation_entered) {
        print_hybrid("idle", lock);
        fail_msg("mutex_hybrid idle but not clean: expected no bits, no waiters, left == entered");
    }
}

/* ---- (a) a starved waiter switches mutex_hybrid to handoff, and back ------ *
 *
 * HOGS threads lock, hold, unlock and relock at once, so a woken waiter (who
 * needs microseconds to get running) always finds the lock taken again, and
 * is re-queued at the head.  A victim then asks once.  Waiters starve (the
 * victim, or a hog: the hogs starve each other too), some waiter switches the
 * lock to starvation mode, and FIFO handoff serves the victim.  When the
 * victim arrives while the hogs have already switched it, it is served in
 * its turn without starving itself: the same mechanism at work.  After the
 * hogs stop, the lock must be back in normal mode. */

enum { HOGS = 3 };
static const uint64_t HOG_HOLD_NS = 100 * 1000;

static struct {
    void *lock;
    atomic_bool stop;
    atomic_uint hog_rounds;
    atomic_uint victim_served;
    atomic_uint exited;
    /* guarded by the lock */
    unsigned owner;
    unsigned violations;
    /* written by the victim before victim_served */
    uint64_t victim_wait_ns;
    uint64_t entered_when_served;
} starve;

/* Lock, hold ~100 us, unlock, relock at once: a running hog is always there
 * to barge in when the lock comes free. */
static void *hog(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    while (!atomic_load(&starve.stop)) {
        mutex_hybrid_ops.lock(starve.lock, NULL);
        if (starve.owner != 0)
            starve.violations++;
        starve.owner = me;
        spin_ns(HOG_HOLD_NS);
        if (starve.owner != me)
            starve.violations++;
        starve.owner = 0;
        mutex_hybrid_ops.unlock(starve.lock, NULL);
        atomic_fetch_add(&starve.hog_rounds, 1);
    }
    atomic_fetch_add(&starve.exited, 1);
    return NULL;
}

/* Asks once, and reports how long it waited. */
static void *victim(void *arg)
{
    (void)arg;
    uint64_t t0 = now_ns();
    mutex_hybrid_ops.lock(starve.lock, NULL);
    uint64_t t1 = now_ns();
    if (starve.owner != 0)
        starve.violations++;
    struct mutex_hybrid_stats st;
    mutex_hybrid_stats(starve.lock, &st);
    starve.entered_when_served = st.starvation_entered;
    mutex_hybrid_ops.unlock(starve.lock, NULL);
    starve.victim_wait_ns = t1 - t0;
    atomic_store(&starve.victim_served, 1);
    atomic_fetch_add(&starve.exited, 1);
    return NULL;
}

static void test_hybrid_starved_waiter_gets_handoff(void **state)
{
    (void)state;
    memset(&starve, 0, sizeof starve);
    starve.lock = lock_new(&mutex_hybrid_ops);
    assert_non_null(starve.lock);
    pthread_t t[HOGS + 1];
    for (unsigned i = 0; i < HOGS; i++)
        t[i] = start_thread(hog, (void *)(uintptr_t)(i + 1));
    /* The victim arrives once the hogs own the lock between them. */
    if (!wait_count(&starve.hog_rounds, 4 * HOGS, deadline_from_now()))
        fail_msg("hogs made only %u rounds", atomic_load(&starve.hog_rounds));
    t[HOGS] = start_thread(victim, NULL);

    uint64_t deadline = deadline_from_now();
    bool served = wait_count(&starve.victim_served, 1, deadline);
    /* Give the switch the same deadline in case the victim was served
     * before any waiter had starved. */
    struct mutex_hybrid_stats st;
    mutex_hybrid_stats(starve.lock, &st);
    while (st.starvation_entered == 0 && now_ns() < deadline) {
        sleep_ns(POLL_NS);
        mutex_hybrid_stats(starve.lock, &st);
    }
    unsigned rounds = atomic_load(&starve.hog_rounds);
    atomic_store(&starve.stop, true);
    join_all(t, HOGS + 1, &starve.exited, "starvation scenario");

    print_message("  victim waited %.3f ms (served=%d) while %u hogs made %u rounds of %.0f us;"
                  " %llu starvation switches before it was served\n",
                  starve.victim_wait_ns / 1e6, served, HOGS, rounds, HOG_HOLD_NS / 1e3,
                  (unsigned long long)starve.entered_when_served);
    print_hybrid("after the hogs stopped", starve.lock);
    if (!served)
        fail_msg("victim not served within %.0f s", WATCHDOG_NS / 1e9);
    if (starve.violations)
        fail_msg("%u mutual exclusion violations", starve.violations);
    if (st.starvation_entered == 0)
        fail_msg("no waiter ever switched the lock to starvation mode");
    assert_hybrid_idle(starve.lock);
    lock_free(&mutex_hybrid_ops, starve.lock);
}

/* ---- (b) mutual exclusion and no lost wake-ups, oversubscribed ----------- */

static const uint64_t STRESS_NS = 250 * 1000 * 1000; /* a duration, so sanitizers do fewer rounds, not longer runs */

static struct {
    const struct lock_ops *ops;
    void *lock;
    unsigned threads;
    atomic_uint started, exited;
    atomic_bool stop;
    _Atomic(uint64_t) acquisitions; /* what the threads counted, each for itself */
    /* guarded by the lock under test, and plain on purpose: a broken lock
     * shows up as violations, lost increments, and a TSan race report */
    unsigned owner;
    uint64_t counter;
    uint64_t violations;
    uint64_t queued_behind; /* sections that saw threads queued behind them */
} ex;

/* Threads queued on the lock right now, for either mutex. */
static unsigned queued_now(void)
{
    if (ex.ops->waiters)
        return ex.ops->waiters(ex.lock, NULL);
    struct mutex_hybrid_stats st;
    mutex_hybrid_stats(ex.lock, &st);
    return st.waiters;
}

/* All threads start together and run until stop.  Every fourth acquisition
 * tries trylock first; one section in sixteen is long enough (a few us) that waiters go
 * to sleep, and a thread preempted inside a section makes them starve. */
static void *exclusion_worker(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    uint64_t rng = 0x9E3779B97F4A7C15ull * me;
    atomic_fetch_add(&ex.started, 1);
    while (atomic_load(&ex.started) < ex.threads)
        sched_yield();
    uint64_t i = 0;
    for (; !atomic_load_explicit(&ex.stop, memory_order_relaxed); i++) {
        bool held = (i % 4 == 0) && ex.ops->trylock(ex.lock, NULL);
        if (!held)
            ex.ops->lock(ex.lock, NULL);
        if (ex.owner != 0)
            ex.violations++;
        ex.owner = me;
        ex.counter++;
        if (queued_now() != 0)
            ex.queued_behind++;
        if ((xorshift64(&rng) & 15) == 0)
            spin_ns(3000);
        if (ex.owner != me)
            ex.violations++;
        ex.owner = 0;
        ex.ops->unlock(ex.lock, NULL);
    }
    atomic_fetch_add(&ex.acquisitions, i);
    atomic_fetch_add(&ex.exited, 1);
    return NULL;
}

static void run_exclusion(const struct lock_ops *ops, unsigned threads)
{
    memset(&ex, 0, sizeof ex);
    ex.ops = ops;
    ex.threads = threads;
    ex.lock = lock_new(ops);
    assert_non_null(ex.lock);
    pthread_t t[MAX_THREADS];
    for (unsigned i = 0; i < threads; i++)
        t[i] = start_thread(exclusion_worker, (void *)(uintptr_t)(i + 1));
    char what[64];
    snprintf(what, sizeof what, "%s, %u threads", ops->name, threads);
    sleep_ns(STRESS_NS);
    atomic_store(&ex.stop, true);
    join_all(t, threads, &ex.exited, what);
    uint64_t want = atomic_load(&ex.acquisitions);
    print_message("  %s: counter %llu of %llu, %llu violations, %llu sections had waiters queued\n",
                  what, (unsigned long long)ex.counter, (unsigned long long)want,
                  (unsigned long long)ex.violations, (unsigned long long)ex.queued_behind);
    if (ex.violations != 0 || ex.counter != want)
        fail_msg("%s: mutual exclusion broken: %llu violations, counter %llu, expected %llu",
                 what, (unsigned long long)ex.violations, (unsigned long long)ex.counter,
                 (unsigned long long)want);
    if (ops == &mutex_hybrid_ops) {
        print_hybrid("after the stress", ex.lock);
        assert_hybrid_idle(ex.lock);
    } else if (ops->waiters(ex.lock, NULL) != 0) {
        fail_msg("%s: %u waiters left on an idle lock", what, ops->waiters(ex.lock, NULL));
    }
    lock_free(ops, ex.lock);
}

static void test_handoff_excludes_2_threads(void **state)
{
    (void)state;
    run_exclusion(&mutex_handoff_ops, 2);
}

static void test_handoff_excludes_8_threads(void **state)
{
    (void)state;
    run_exclusion(&mutex_handoff_ops, 8);
}

static void test_hybrid_excludes_2_threads(void **state)
{
    (void)state;
    run_exclusion(&mutex_hybrid_ops, 2);
}

static void test_hybrid_excludes_8_threads(void **state)
{
    (void)state;
    run_exclusion(&mutex_hybrid_ops, 8);
}

/* ---- (c) mutex_handoff serves waiters in arrival order -------------------- */

enum { FIFO_WAITERS = 6 };

static struct {
    void *lock;
    atomic_uint exited;
    /* guarded by the lock */
    unsigned order[FIFO_WAITERS];
    unsigned served;
} fifo;

static void *fifo_waiter(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    mutex_handoff_ops.lock(fifo.lock, NULL);
    if (fifo.served < FIFO_WAITERS)
        fifo.order[fifo.served] = me;
    fifo.served++;
    mutex_handoff_ops.unlock(fifo.lock, NULL);
    atomic_fetch_add(&fifo.exited, 1);
    return NULL;
}

static void test_handoff_serves_in_arrival_order(void **state)
{
    (void)state;
    memset(&fifo, 0, sizeof fifo);
    fifo.lock = lock_new(&mutex_handoff_ops);
    assert_non_null(fifo.lock);
    mutex_handoff_ops.lock(fifo.lock, NULL);
    pthread_t t[FIFO_WAITERS];
    for (unsigned i = 0; i < FIFO_WAITERS; i++) {
        t[i] = start_thread(fifo_waiter, (void *)(uintptr_t)i);
        /* Arrival order is queue order: wait until this one is queued. */
        if (!wait_waiters(&mutex_handoff_ops, fifo.lock, i + 1, deadline_from_now()))
            fail_msg("waiter %u never showed up in the queue (waiters = %u)", i,
                     mutex_handoff_ops.waiters(fifo.lock, NULL));
    }
    mutex_handoff_ops.unlock(fifo.lock, NULL);
    join_all(t, FIFO_WAITERS, &fifo.exited, "FIFO waiters");

    char got[128] = "";
    for (unsigned i = 0; i < FIFO_WAITERS && i < fifo.served; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), " %u", fifo.order[i]);
    print_message("  arrival order 0..%u, service order:%s\n", FIFO_WAITERS - 1, got);
    assert_int_equal(fifo.served, FIFO_WAITERS);
    for (unsigned i = 0; i < FIFO_WAITERS; i++)
        if (fifo.order[i] != i)
            fail_msg("served out of arrival order: position %u went to waiter %u (order:%s)", i,
                     fifo.order[i], got);
    lock_free(&mutex_handoff_ops, fifo.lock);
}

/* ---- (d) mutex_handoff: the unlocker cannot take the lock back ----------- */

enum { HANDOFF_ROUNDS = 20 };

static struct {
    void *lock;
    atomic_uint exited;
    atomic_uint main_tried; /* main has made its trylock after unlocking */
    unsigned waiter_served; /* guarded by the lock */
} ho;

/* Once served, hold the lock until main has made its attempt, so that a
 * successful trylock can only mean main went ahead of us: whether we are
 * still asleep or already running when main tries, a handoff lock is ours. */
static void *handoff_waiter(void *arg)
{
    (void)arg;
    mutex_handoff_ops.lock(ho.lock, NULL);
    ho.waiter_served = 1;
    wait_count(&ho.main_tried, 1, deadline_from_now());
    mutex_handoff_ops.unlock(ho.lock, NULL);
    atomic_fetch_add(&ho.exited, 1);
    return NULL;
}

static void test_handoff_unlocker_cannot_barge(void **state)
{
    (void)state;
    memset(&ho, 0, sizeof ho);
    ho.lock = lock_new(&mutex_handoff_ops);
    assert_non_null(ho.lock);
    unsigned barged = 0, overtaken = 0;
    for (unsigned round = 0; round < HANDOFF_ROUNDS; round++) {
        mutex_handoff_ops.lock(ho.lock, NULL);
        ho.waiter_served = 0;
        atomic_store(&ho.main_tried, 0);
        atomic_store(&ho.exited, 0);
        pthread_t t = start_thread(handoff_waiter, NULL);
        if (!wait_waiters(&mutex_handoff_ops, ho.lock, 1, deadline_from_now()))
            fail_msg("round %u: the waiter never queued", round);
        mutex_handoff_ops.unlock(ho.lock, NULL);
        /* The waiter is queued (and most likely still asleep): a barging
         * lock would let us straight back in here. */
        bool got = mutex_handoff_ops.trylock(ho.lock, NULL);
        atomic_store(&ho.main_tried, 1);
        if (got) {
            barged++;
            mutex_handoff_ops.unlock(ho.lock, NULL);
        }
        mutex_handoff_ops.lock(ho.lock, NULL); /* queues behind the waiter */
        if (!ho.waiter_served)
            overtaken++;
        mutex_handoff_ops.unlock(ho.lock, NULL);
        join_all(&t, 1, &ho.exited, "handoff waiter");
    }
    print_message("  %u rounds: trylock right after unlock succeeded %u times, "
                  "lock overtook the waiter %u times\n",
                  HANDOFF_ROUNDS, barged, overtaken);
    if (barged || overtaken)
        fail_msg("the unlocker got the lock back ahead of a queued waiter (trylock %u, lock %u of %u)",
                 barged, overtaken, HANDOFF_ROUNDS);
    lock_free(&mutex_handoff_ops, ho.lock);
}

/* ---- unlock of an unlocked mutex is fatal ---------------------------------- */

/* In a child, unlock a fresh lock: it must die of lock_fatal's abort(). */
static void expect_unlock_of_unlocked_aborts(const struct lock_ops *ops)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        fail_msg("fork failed");
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(3);
        void *lock = lock_new(ops);
        ops->unlock(lock, NULL);
        _exit(0); /* not reached when the lock catches the misuse */
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        fail_msg("waitpid failed");
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        fail_msg("%s: unlock of an unlocked mutex did not abort (status 0x%x)", ops->name, status);
}

static void test_unlock_of_unlocked_is_fatal(void **state)
{
    (void)state;
    expect_unlock_of_unlocked_aborts(&mutex_handoff_ops);
    expect_unlock_of_unlocked_aborts(&mutex_hybrid_ops);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hybrid_starved_waiter_gets_handoff),
        cmocka_unit_test(test_handoff_excludes_2_threads),
        cmocka_unit_test(test_handoff_excludes_8_threads),
        cmocka_unit_test(test_hybrid_excludes_2_threads),
        cmocka_unit_test(test_hybrid_excludes_8_threads),
        cmocka_unit_test(test_handoff_serves_in_arrival_order),
        cmocka_unit_test(test_handoff_unlocker_cannot_barge),
        cmocka_unit_test(test_unlock_of_unlocked_is_fatal),
    };
    return cmocka_run_group_tests_name("mutex_hybrid and mutex_handoff", tests, NULL, NULL);
}
