/* test_lablocks.c: lab 04: your ticket lock and handoff mutex exclude each other and order one holder before the next, keep FIFO order, trylock right, and the handoff mutex lets nobody barge. */
#include "labs/labtest.h"
#include "labs/expect.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "labs/04-locks/lablocks.h"
#include "locks/stress.h"

/* ---- mutual exclusion under the library's stress harness ------------------ */

static void exclusion(const struct lock_ops *ops, unsigned threads)
{
    struct stress_config cfg = {.ops = ops, .threads = threads, .duration_ns = 200 * MS,
                                .cs_ns = 100, .read_pct = -1, .watchdog_ns = 20 * SEC};
    struct stress_result *r = malloc(sizeof *r);
    assert_non_null(r);
    enum stress_status st = stress_run(&cfg, r);
    print_message("%s x%u: %llu acquisitions, %.1f %% handoffs, Jain %.3f (10 ms: %.3f), "
                  "longest wait %.2f ms, %llu violations\n",
                  ops->name, threads, (unsigned long long)r->total,
                  r->total ? 100.0 * (double)r->handoffs / (double)r->total : 0.0, r->jain,
                  r->jain_window, r->max_wait_ns / 1e6, (unsigned long long)r->violations);
    if (st == STRESS_HUNG)
        fail_msg("%s x%u hung (a lost wake-up?)", ops->name, threads);
    uint64_t violations = r->violations, total = r->total;
    free(r);
    if (st != STRESS_OK)
        fail_msg("%s x%u: the stress run did not finish cleanly (status %d)", ops->name, threads, (int)st);
    if (violations)
        fail_msg("%s x%u: %llu times two threads were inside the critical section together: the lock "
                 "does not exclude", ops->name, threads, (unsigned long long)violations);
    if (total == 0)
        fail_msg("%s x%u: no thread ever got the lock", ops->name, threads);
}

/* ---- happens-before from one holder to the next ----------------------------- */

/* The test thread writes plain memory under the lock and unlocks; only then,
 * told through a relaxed flag (which orders nothing, on purpose), a second
 * thread locks and reads it.  Nothing but the lock orders the read after the
 * write: with acquire and release in the lock ThreadSanitizer stays quiet;
 * with relaxed orders, which x86 forgives, it reports the data race every
 * time, not only when a stress run happens to hand over in the right way. */
static struct {
    const struct lock_ops *ops;
    void *lock;
    long data, seen;
    atomic_int go;
} hb;

static void *hb_next_holder(void *arg)
{
    (void)arg;
    /* relaxed: must not order anything itself, or it would hide the lock's lack */
    while (!atomic_load_explicit(&hb.go, memory_order_relaxed))
        cpu_relax();
    hb.ops->lock(hb.lock, NULL);
    hb.seen = hb.data;
    hb.ops->unlock(hb.lock, NULL);
    return NULL;
}

static void happens_before(const struct lock_ops *ops)
{
    hb.ops = ops;
    hb.lock = lock_new(ops);
    assert_non_null(hb.lock);
    hb.data = hb.seen = 0;
    atomic_store(&hb.go, 0);
    pthread_t t = spawn(hb_next_holder, NULL); /* before the write: creation orders nothing after it */
    ops->lock(hb.lock, NULL);
    hb.data = 42;
    ops->unlock(hb.lock, NULL);
    atomic_store_explicit(&hb.go, 1, memory_order_relaxed);
    pthread_join(t, NULL);
    lock_free(ops, hb.lock);
    if (hb.seen != 42)
        fail_msg("%s: the next holder read %ld, not the 42 the previous holder wrote under the lock",
                 ops->name, hb.seen);
}

/* ---- helper threads that take the lock while the test watches -------------- */

struct taker {
    const struct lock_ops *ops;
    void *lock;
    unsigned id;
    unsigned *order, *order_len; /* written under the lock */
    atomic_uint *acquired;       /* how many takers hold or held it */
    pthread_t thread;
};

static void *take(void *arg)
{
    struct taker *k = arg;
    k->ops->lock(k->lock, NULL);
    k->order[(*k->order_len)++] = k->id;
    atomic_fetch_add(k->acquired, 1);
    k->ops->unlock(k->lock, NULL);
    return NULL;
}

enum { WAITERS = 5 };

/* How long a queued thread may take to get the lock after it was released
 * to it: generous beside two CPU-burning processes, and short enough that a
 * lost wake-up fails the test instead of hanging it. */
#define WAKE_LIMIT_NS (5 * SEC)

/* pthread_join with a limit: false when the thread is still running (it is
 * left behind; the test fails and its process ends). */
static bool join_within(pthread_t t, uint64_t ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t at = (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec + ns;
    ts.tv_sec = (time_t)(at / SEC);
    ts.tv_nsec = (long)(at % SEC);
    return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

/* Start takers one at a time while the test holds the lock, each once the
 * previous one is queued (waiters() counts it), then release: they must
 * get the lock in arrival order.  A taker that gets in while the test holds
 * the lock fails the test at once. */
static void fifo_order(const struct lock_ops *ops)
{
    void *lock = lock_new(ops);
    assert_non_null(lock);
    unsigned order[WAITERS], order_len = 0;
    atomic_uint acquired = 0;
    struct taker k[WAITERS];
    ops->lock(lock, NULL);
    bool broke_in = false;
    for (unsigned i = 0; i < WAITERS && !broke_in; i++) {
        k[i] = (struct taker){ops, lock, i, order, &order_len, &acquired, 0};
        k[i].thread = spawn(take, &k[i]);
        uint64_t end = watchdog();
        while (ops->waiters(lock, NULL) < i + 1 && !(broke_in = atomic_load(&acquired) > 0)) {
            if (now_ns() > end)
                fail_msg("%s: taker %u never showed up as a waiter (waiters() = %u)", ops->name, i,
                         ops->waiters(lock, NULL));
            sleep_ns(100 * 1000);
        }
        if (broke_in) {
            print_message("%s: taker %u got the lock while the test held it\n", ops->name, i);
            for (unsigned j = 0; j <= i; j++)
                pthread_join(k[j].thread, NULL);
            lock_free(ops, lock);
            fail();
        }
    }
    ops->unlock(lock, NULL);
    for (unsigned i = 0; i < WAITERS; i++)
        if (!join_within(k[i].thread, WAKE_LIMIT_NS))
            fail_msg("%s: taker %u (of %u queued) still had not got the lock %.0f s after the test "
                     "unlocked: a lost wake-up (a queued thread that nobody woke)",
                     ops->name, i, WAITERS, (double)WAKE_LIMIT_NS / SEC);
    lock_free(ops, lock);
    print_message("%s: acquisition order", ops->name);
    for (unsigned i = 0; i < order_len; i++)
        print_message(" %u", order[i]);
    print_message(" (want 0 1 2 3 4)\n");
    expect_count(order_len, WAITERS, "takers that got the lock");
    for (unsigned i = 0; i < WAITERS; i++)
        if (order[i] != i)
            fail_msg("%s: taker %u got the lock in place %u: a FIFO lock serves waiters in the order "
                     "they queued", ops->name, order[i], i);
}

static void trylock_semantics(const struct lock_ops *ops)
{
    void *lock = lock_new(ops);
    assert_non_null(lock);
    bool free_ok = ops->trylock(lock, NULL);
    bool held_refused = free_ok && !ops->trylock(lock, NULL);
    if (free_ok)
        ops->unlock(lock, NULL);
    bool again_ok = free_ok && ops->trylock(lock, NULL);
    if (again_ok)
        ops->unlock(lock, NULL);
    print_message("%s: trylock on a free lock %s, on a held lock %s, after unlock %s\n", ops->name,
                  free_ok ? "took it" : "FAILED", held_refused ? "refused" : "WRONG",
                  again_ok ? "took it" : "FAILED");
    lock_free(ops, lock);
    if (!free_ok)
        fail_msg("%s: trylock on a free lock failed", ops->name);
    if (!held_refused)
        fail_msg("%s: trylock on a held lock succeeded: two holders at once", ops->name);
    if (!again_ok)
        fail_msg("%s: trylock after unlock failed: the unlock (or the refused trylock) left the lock "
                 "looking held", ops->name);
}

/* ---- the ticket lock -------------------------------------------------------- */

static void test_ticket_mutual_exclusion(void **state)
{
    (void)state;
    happens_before(&lab_ticket_ops);
    exclusion(&lab_ticket_ops, 2);
}

static void test_ticket_trylock(void **state)
{
    (void)state;
    trylock_semantics(&lab_ticket_ops);
}

static void test_ticket_fifo_order(void **state)
{
    (void)state;
    fifo_order(&lab_ticket_ops);
}

/* ---- the handoff mutex ------------------------------------------------------ */

static void test_handoff_mutual_exclusion(void **state)
{
    (void)state;
    happens_before(&lab_handoff_ops);
    exclusion(&lab_handoff_ops, 2);
    exclusion(&lab_handoff_ops, 8); /* oversubscribed: waiters must sleep and be woken */
}

static void test_handoff_trylock(void **state)
{
    (void)state;
    trylock_semantics(&lab_handoff_ops);
}

static void test_handoff_fifo_order(void **state)
{
    (void)state;
    fifo_order(&lab_handoff_ops);
}

/* The waiter for the barging test: once it has the lock it keeps it until
 * the test has tried to take it back, so the test's trylock cannot succeed
 * merely because the waiter already came and went. */
static atomic_bool may_release;

/* The CPU the barging test and its waiter share, and whether the waiter
 * runs at SCHED_IDLE there (see test_handoff_unlock_lets_nobody_barge). */
static int barge_cpu = -1;
static atomic_bool waiter_idle;

static void *take_and_hold(void *arg)
{
    struct taker *k = arg;
    if (barge_cpu >= 0 && pin_to_cpu(barge_cpu) == 0) {
        struct sched_param sp = {0};
        atomic_store(&waiter_idle, pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) == 0);
    }
    k->ops->lock(k->lock, NULL);
    k->order[(*k->order_len)++] = k->id;
    atomic_fetch_add(k->acquired, 1);
    uint64_t end = watchdog();
    while (!atomic_load(&may_release) && now_ns() < end)
        sleep_ns(100 * 1000);
    k->ops->unlock(k->lock, NULL);
    return NULL;
}

/* One round: hold the lock with one thread queued, unlock, and at once try
 * to take it back.  A handoff mutex has already given it to the waiter
 * (which holds it until the round is over), so the trylock must fail; a
 * barging mutex made it free.  Whether the trylock then beats the woken
 * waiter is a race on its own (the waiter, woken during unlock's futex
 * call, usually wins on another CPU), so the test takes the race away: the
 * waiter shares the test thread's CPU at SCHED_IDLE, which never preempts
 * a normal thread, so it cannot run between the unlock and the trylock.
 * Unprivileged threads may lower themselves to SCHED_IDLE. */
enum round_result { ROUND_OK, ROUND_BARGED, ROUND_NEVER_QUEUED, ROUND_NEVER_WOKE };

static enum round_result barge_round(const struct lock_ops *ops)
{
    void *lock = lock_new(ops);
    assert_non_null(lock);
    unsigned order[1], order_len = 0;
    atomic_uint acquired = 0;
    atomic_store(&may_release, false);
    ops->lock(lock, NULL);
    struct taker k = {ops, lock, 0, order, &order_len, &acquired, 0};
    k.thread = spawn(take_and_hold, &k);
    uint64_t end = watchdog();
    while (ops->waiters(lock, NULL) < 1 && atomic_load(&acquired) == 0 && now_ns() < end)
        sleep_ns(100 * 1000);
    bool queued = atomic_load(&acquired) == 0 && ops->waiters(lock, NULL) == 1;
    ops->unlock(lock, NULL);
    bool barged = queued && ops->trylock(lock, NULL);
    if (barged)
        ops->unlock(lock, NULL);
    atomic_store(&may_release, true);
    if (!join_within(k.thread, WAKE_LIMIT_NS))
        return ROUND_NEVER_WOKE; /* the lock and the thread are left behind */
    lock_free(ops, lock);
    return !queued ? ROUND_NEVER_QUEUED : barged ? ROUND_BARGED : ROUND_OK;
}

enum { BARGE_ROUNDS = 20 };

static void test_handoff_unlock_lets_nobody_barge(void **state)
{
    (void)state;
    const struct lock_ops *ops = &lab_handoff_ops;
    unsigned barged = 0;
    cpu_set_t saved;
    bool pinned = pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0 &&
                  (barge_cpu = nth_allowed_cpu(0)) >= 0 && pin_to_cpu(barge_cpu) == 0;
    if (!pinned)
        barge_cpu = -1;
    atomic_store(&waiter_idle, false);
    for (unsigned r = 0; r < BARGE_ROUNDS; r++) {
        switch (barge_round(ops)) {
        case ROUND_NEVER_QUEUED:
            fail_msg("round %u: the waiter never showed up in the queue (waiters() stayed 0), or it "
                     "got the lock while the test held it", r + 1);
            break;
        case ROUND_NEVER_WOKE:
            fail_msg("round %u: after the unlock the queued waiter still had not got the lock %.0f s "
                     "later: a lost wake-up", r + 1, (double)WAKE_LIMIT_NS / SEC);
            break;
        case ROUND_BARGED:
            barged++;
            break;
        case ROUND_OK:
            break;
        }
    }
    if (pinned)
        pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
    barge_cpu = -1;
    print_message("%s: in %u of %u rounds a trylock right after unlock took the lock from the "
                  "queued waiter%s\n", ops->name, barged, BARGE_ROUNDS,
                  atomic_load(&waiter_idle) ? "" : " (the waiter could not be held back: SCHED_IDLE or "
                                                   "pinning refused, so a barging unlock may escape)");
    if (barged)
        fail_msg("unlock let a newcomer barge in %u of %u rounds: a handoff mutex gives the lock to "
                 "the oldest waiter before unlock returns, so the lock is never free while someone "
                 "waits", barged, BARGE_ROUNDS);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ticket_mutual_exclusion),
    cmocka_unit_test(test_ticket_trylock),
    cmocka_unit_test(test_ticket_fifo_order),
    cmocka_unit_test(test_handoff_mutual_exclusion),
    cmocka_unit_test(test_handoff_trylock),
    cmocka_unit_test(test_handoff_fifo_order),
    cmocka_unit_test(test_handoff_unlock_lets_nobody_barge),
};

LAB_MAIN("lab 04: locks", tests)
