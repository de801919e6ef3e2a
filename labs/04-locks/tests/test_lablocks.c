/* test_lablocks.c: lab 04: your ticket lock and handoff mutex exclude each other, keep FIFO order, trylock right, and the handoff mutex lets nobody barge. */
#include "labs/labtest.h"

#include <stdlib.h>

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
    assert_int_equal(st, STRESS_OK);
    assert_int_equal(violations, 0);
    assert_true(total > 0);
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
        pthread_join(k[i].thread, NULL);
    lock_free(ops, lock);
    print_message("%s: acquisition order", ops->name);
    for (unsigned i = 0; i < order_len; i++)
        print_message(" %u", order[i]);
    print_message(" (want 0 1 2 3 4)\n");
    assert_int_equal(order_len, WAITERS);
    for (unsigned i = 0; i < WAITERS; i++)
        assert_int_equal(order[i], i);
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
    assert_true(free_ok);
    assert_true(held_refused);
    assert_true(again_ok);
}

/* ---- the ticket lock -------------------------------------------------------- */

static void test_ticket_mutual_exclusion(void **state)
{
    (void)state;
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

static void *take_and_hold(void *arg)
{
    struct taker *k = arg;
    k->ops->lock(k->lock, NULL);
    k->order[(*k->order_len)++] = k->id;
    atomic_fetch_add(k->acquired, 1);
    uint64_t end = watchdog();
    while (!atomic_load(&may_release) && now_ns() < end)
        sleep_ns(100 * 1000);
    k->ops->unlock(k->lock, NULL);
    return NULL;
}

/* Hold the lock with one thread queued, unlock, and at once try to take it
 * back: a handoff mutex has already given it to the waiter (which holds it
 * until the test is done), so the trylock must fail; a barging mutex would
 * let it succeed. */
static void test_handoff_unlock_lets_nobody_barge(void **state)
{
    (void)state;
    const struct lock_ops *ops = &lab_handoff_ops;
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
    pthread_join(k.thread, NULL);
    lock_free(ops, lock);
    if (!queued)
        print_message("the waiter never queued (or got in while the lock was held)\n");
    if (barged)
        print_message("trylock right after unlock took the lock from under the queued waiter\n");
    assert_true(queued);
    assert_false(barged);
    assert_int_equal(order_len, 1);
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
