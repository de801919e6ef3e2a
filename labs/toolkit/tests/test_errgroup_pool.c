/* test_errgroup_pool.c: the errgroup pool's scheduling: Wait runs its own group's queued tasks (and no other group's), and queued tasks still start on the workers without any Wait, whether the workers spin or sleep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "labs/toolkit/errgroup.h"
#include "labs/toolkit/tests/testutil.h"

static struct leak_mark mark; /* set by setup, checked by teardown */

static int setup(void **state)
{
    (void)state;
    mark = leak_mark_now();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return leak_check(mark);
}

/* ---- Wait runs its own queued tasks, and only those ---------------------- */

static struct {
    atomic_uint gate, blocker_started, other_ran, own_ran, own_on_waiter, own_saw_ctx;
    pthread_t waiter;
    struct ctx *own_ctx;
} cr;

/* Holds the pool's only worker until the gate opens (or the watchdog). */
static int blocker(struct ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    atomic_store(&cr.blocker_started, 1);
    uint64_t end = watchdog();
    while (!atomic_load(&cr.gate) && now_ns() < end)
        sleep_ns(100 * 1000);
    return 0;
}

static int other_group_task(struct ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    atomic_fetch_add(&cr.other_ran, 1);
    return 0;
}

static int own_task(struct ctx *ctx, void *arg)
{
    (void)arg;
    atomic_fetch_add(&cr.own_ran, 1);
    if (pthread_equal(pthread_self(), cr.waiter))
        atomic_fetch_add(&cr.own_on_waiter, 1);
    if (ctx == cr.own_ctx)
        atomic_fetch_add(&cr.own_saw_ctx, 1);
    return 0;
}

static void test_wait_runs_own_queued_tasks_not_others(void **state)
{
    (void)state;
    memset(&cr, 0, sizeof cr);
    cr.waiter = pthread_self();
    struct workpool *pool = errgroup_pool_new(1);
    assert_non_null(pool);

    /* Group A takes the only worker, and queues one more task behind it. */
    struct errgroup *a = errgroup_new();
    errgroup_use_pool(a, pool);
    assert_int_equal(errgroup_go(a, blocker, NULL), 0);
    assert_true(wait_atomic_at_least(&cr.blocker_started, 1));
    assert_int_equal(errgroup_go(a, other_group_task, NULL), 0);

    /* Group B's tasks can only run if its Wait runs them itself. */
    struct errgroup *b = errgroup_with_context(ctx_background(), &cr.own_ctx);
    assert_non_null(b);
    errgroup_use_pool(b, pool);
    errgroup_set_limit(b, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(errgroup_go(b, own_task, NULL), 0);
    assert_false(errgroup_try_go(b, own_task, NULL)); /* queued tasks hold their slots */
    assert_int_equal(errgroup_wait(b), 0);
    unsigned gate_open = atomic_load(&cr.gate);
    errgroup_free(b);

    assert_int_equal(gate_open, 0);                     /* B's Wait did not wait for A's worker */
    assert_int_equal(atomic_load(&cr.own_ran), 5);
    assert_int_equal(atomic_load(&cr.own_on_waiter), 5);
    assert_int_equal(atomic_load(&cr.own_saw_ctx), 5); /* each got B's context */
    assert_int_equal(atomic_load(&cr.other_ran), 0);   /* A's queued task was left to the pool */

    atomic_store(&cr.gate, 1);
    assert_int_equal(errgroup_wait(a), 0);
    assert_int_equal(atomic_load(&cr.other_ran), 1);
    errgroup_free(a);
    workpool_free(pool);
}

/* ---- tasks start on the workers without any Wait ------------------------- */

static struct {
    atomic_uint started;
    unsigned want;
} rv;

/* Returns only once `want` tasks are running at once: a rendezvous that
 * needs every one of them on its own worker, none waiting in the queue. */
static int rendezvous(struct ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    atomic_fetch_add(&rv.started, 1);
    uint64_t end = watchdog();
    while (atomic_load(&rv.started) < rv.want && now_ns() < end)
        sleep_ns(20 * 1000); /* not a busy loop: more workers than CPUs */
    return atomic_load(&rv.started) >= rv.want ? 0 : TK_TIMEOUT;
}

/* Round after round, with the workers spinning (back to back) or asleep
 * (after a pause longer than any spin): the caller never calls Wait until
 * every task has started, so only the pool's wake-ups can start them. */
static void test_queued_tasks_start_without_wait(void **state)
{
    (void)state;
    enum { WORKERS = 3, ROUNDS = 300 };
    struct workpool *pool = errgroup_pool_new(WORKERS);
    assert_non_null(pool);
    for (int round = 0; round < ROUNDS; round++) {
        atomic_store(&rv.started, 0);
        rv.want = WORKERS;
        struct errgroup *g = errgroup_new();
        errgroup_use_pool(g, pool);
        for (int i = 0; i < WORKERS; i++)
            assert_int_equal(errgroup_go(g, rendezvous, NULL), 0);
        if (!wait_atomic_at_least(&rv.started, WORKERS))
            fail_msg("round %d: %u of %d tasks started without Wait", round, atomic_load(&rv.started), WORKERS);
        assert_int_equal(errgroup_wait(g), 0);
        errgroup_free(g);
        if (round % 3 == 0)
            sleep_ns(1 * MS); /* let every worker fall asleep */
    }
    workpool_free(pool);
}

int main(void)
{
    alarm(PROGRAM_ALARM_S);
    thread_baseline();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wait_runs_own_queued_tasks_not_others, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queued_tasks_start_without_wait, setup, teardown),
    };
    return cmocka_run_group_tests_name("toolkit: errgroup pool scheduling", tests, NULL, NULL);
}
