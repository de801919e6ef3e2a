/* test_waitgroup.c: WaitGroup: Wait sees every Done, many waiters all wake, a negative counter is fatal, the bounded waits leave no helper thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "labs/toolkit/waitgroup.h"
#include "labs/toolkit/tests/testutil.h"

enum { WORKERS = 8 };

static struct waitgroup wg;
static atomic_uint work_done, gate, waiters_back;

static void *worker(void *arg)
{
    (void)arg;
    sleep_ns(1 * MS);
    atomic_fetch_add(&work_done, 1);
    waitgroup_done(&wg);
    return NULL;
}

static void test_wait_sees_every_done(void **state)
{
    (void)state;
    for (int round = 0; round < 20; round++) {
        waitgroup_init(&wg);
        atomic_store(&work_done, 0);
        pthread_t t[WORKERS];
        waitgroup_add(&wg, WORKERS);
        for (int i = 0; i < WORKERS; i++)
            t[i] = spawn(worker, NULL);
        assert_int_equal(waitgroup_wait_timeout(&wg, WATCHDOG_NS), 0);
        if (atomic_load(&work_done) != WORKERS)
            fail_msg("round %d: Wait returned after %u of %d Dones", round, atomic_load(&work_done), WORKERS);
        for (int i = 0; i < WORKERS; i++)
            pthread_join(t[i], NULL);
    }
}

static void test_wait_on_zero_returns_at_once(void **state)
{
    (void)state;
    struct waitgroup z = WAITGROUP_INIT;
    waitgroup_wait(&z);
    assert_int_equal(waitgroup_wait_timeout(&z, 1), 0);
    assert_int_equal(waitgroup_wait_ctx(&z, ctx_background()), 0);
}

static void *waiter(void *arg)
{
    (void)arg;
    waitgroup_wait(&wg);
    atomic_fetch_add(&waiters_back, 1);
    return NULL;
}

static void test_every_waiter_wakes(void **state)
{
    (void)state;
    waitgroup_init(&wg);
    atomic_store(&waiters_back, 0);
    waitgroup_add(&wg, 1);
    pthread_t t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        t[i] = spawn(waiter, NULL);
    sleep_ns(10 * MS);
    assert_int_equal(atomic_load(&waiters_back), 0); /* the counter is still 1 */
    waitgroup_done(&wg);
    if (!wait_atomic_at_least(&waiters_back, WORKERS))
        fail_msg("%u of %d waiters woke", atomic_load(&waiters_back), WORKERS);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
}

static void negative_counter(void)
{
    struct waitgroup w = WAITGROUP_INIT;
    waitgroup_add(&w, 1);
    waitgroup_done(&w);
    waitgroup_done(&w);
}

static void test_negative_counter_is_fatal(void **state)
{
    (void)state;
    assert_true(dies_of_abort(negative_counter));
}

static void *gated_worker(void *arg)
{
    (void)arg;
    while (!atomic_load(&gate))
        sleep_ns(100 * 1000);
    waitgroup_done(&wg);
    return NULL;
}

static void *cancel_after_10ms(void *arg)
{
    sleep_ns(10 * MS);
    ctx_cancel(arg);
    return NULL;
}

static void test_bounded_wait_leaves_no_thread_behind(void **state)
{
    (void)state;
    int before = settle_threads(base_threads);
    waitgroup_init(&wg);
    atomic_store(&gate, 0);
    waitgroup_add(&wg, 2);
    pthread_t t[2] = {spawn(gated_worker, NULL), spawn(gated_worker, NULL)};

    struct ctx *c = ctx_with_timeout(ctx_background(), 20 * MS);
    assert_int_equal(waitgroup_wait_ctx(&wg, c), TK_DEADLINE_EXCEEDED);
    ctx_close(c);
    assert_int_equal(waitgroup_wait_timeout(&wg, 5 * MS), TK_TIMEOUT);
    assert_int_equal(waitgroup_count(&wg), 2); /* the tasks still run */

    /* A context cancelled from another thread while we wait. */
    struct ctx *k = ctx_with_cancel(ctx_background());
    pthread_t canceller = spawn(cancel_after_10ms, k);
    assert_int_equal(waitgroup_wait_ctx(&wg, k), TK_CANCELED);
    pthread_join(canceller, NULL);
    ctx_close(k);

    atomic_store(&gate, 1);
    assert_int_equal(waitgroup_wait_timeout(&wg, WATCHDOG_NS), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    int after = settle_threads(before);
    if (after != before)
        fail_msg("%d threads after the bounded waits, %d before", after, before);
}

int main(void)
{
    alarm(PROGRAM_ALARM_S);
    thread_baseline();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wait_sees_every_done),
        cmocka_unit_test(test_wait_on_zero_returns_at_once),
        cmocka_unit_test(test_every_waiter_wakes),
        cmocka_unit_test(test_negative_counter_is_fatal),
        cmocka_unit_test(test_bounded_wait_leaves_no_thread_behind),
    };
    return cmocka_run_group_tests_name("toolkit: waitgroup", tests, NULL, NULL);
}
