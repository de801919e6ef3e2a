/* test_errgroup.c: errgroup in both modes: first error wins, the context is cancelled by it and by Wait, the limit blocks Go and fails TryGo, a changed limit mid-flight is fatal, and a thousand groups leave no thread or context behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "labs/toolkit/errgroup.h"
#include "labs/toolkit/tests/testutil.h"

static struct workpool *pool; /* NULL: the thread-per-task runs */

static struct errgroup *new_group(struct ctx **ctx)
{
    struct errgroup *g = ctx ? errgroup_with_context(ctx_background(), ctx) : errgroup_new();
    assert_non_null(g);
    if (pool)
        errgroup_use_pool(g, pool);
    return g;
}

static struct leak_mark mark; /* set by setup, checked by teardown */

static int setup_threads(void **state)
{
    (void)state;
    pool = NULL;
    mark = leak_mark_now();
    return 0;
}

static int setup_pool(void **state)
{
    setup_threads(state);
    pool = errgroup_pool_new(2);
    return pool ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    workpool_free(pool);
    pool = NULL;
    return leak_check(mark);
}

/* ---- first error wins ---------------------------------------------------- */

static atomic_uint first_returned;

static int fail_fast(struct ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    atomic_store(&first_returned, 1);
    return 11;
}

static int fail_after_first(struct ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    wait_atomic_at_least(&first_returned, 1);
    sleep_ns(1 * MS);
    return 22;
}

static int succeed(struct ctx *ctx, void *arg)
{
    (void)ctx;
    atomic_fetch_add((atomic_uint *)arg, 1);
    return 0;
}

static void test_wait_returns_first_error(void **state)
{
    (void)state;
    atomic_store(&first_returned, 0);
    static atomic_uint ran;
    atomic_store(&ran, 0);
    struct errgroup *g = new_group(NULL);
    assert_int_equal(errgroup_go(g, fail_after_first, NULL), 0);
    assert_int_equal(errgroup_go(g, succeed, &ran), 0);
    assert_int_equal(errgroup_go(g, fail_fast, NULL), 0);
    assert_int_equal(errgroup_wait(g), 11);
    assert_int_equal(atomic_load(&ran), 1);
    assert_ptr_equal(errgroup_ctx(g), ctx_background());
    errgroup_free(g);
}

/* ---- WithContext ---------------------------------------------------------- */

static atomic_uint saw_cancel;

static int wait_for_cancel(struct ctx *ctx, void *arg)
{
    (void)arg;
    if (ctx_wait_timeout(ctx, WATCHDOG_NS) == TK_CANCELED)
        atomic_fetch_add(&saw_cancel, 1);
    return 0;
}

static void test_first_error_cancels_context(void **state)
{
    (void)state;
    atomic_store(&saw_cancel, 0);
    atomic_store(&first_returned, 0);
    struct ctx *ctx;
    struct errgroup *g = new_group(&ctx);
    assert_int_equal(errgroup_go(g, wait_for_cancel, NULL), 0);
    assert_int_equal(errgroup_go(g, fail_fast, NULL), 0);
    assert_int_equal(errgroup_wait(g), 11);
    assert_int_equal(atomic_load(&saw_cancel), 1);
    assert_int_equal(ctx_err(ctx), TK_CANCELED);
    assert_int_equal(ctx_cause(ctx), 11); /* the cause is the first error */
    errgroup_free(g);
}

static void test_context_cancelled_when_wait_returns(void **state)
{
    (void)state;
    static atomic_uint ran;
    atomic_store(&ran, 0);
    struct ctx *ctx;
    struct errgroup *g = new_group(&ctx);
    assert_int_equal(errgroup_go(g, succeed, &ran), 0);
    assert_int_equal(errgroup_wait(g), 0);
    assert_int_equal(ctx_err(ctx), TK_CANCELED);
    assert_int_equal(ctx_cause(ctx), TK_CANCELED);
    errgroup_free(g);
}

/* ---- limits --------------------------------------------------------------- */

static struct {
    atomic_uint gate, active, max_active, started;
    struct errgroup *g;
    atomic_uint go_returned;
} lim;

static int gated(struct ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    unsigned a = atomic_fetch_add(&lim.active, 1) + 1;
    unsigned m = atomic_load(&lim.max_active);
    while (a > m && !atomic_compare_exchange_weak(&lim.max_active, &m, a))
        ;
    atomic_fetch_add(&lim.started, 1);
    uint64_t end = watchdog();
    while (!atomic_load(&lim.gate) && now_ns() < end)
        sleep_ns(100 * 1000);
    atomic_fetch_sub(&lim.active, 1);
    return 0;
}

static void *go_one_more(void *arg)
{
    (void)arg;
    errgroup_go(lim.g, gated, NULL);
    atomic_store(&lim.go_returned, 1);
    return NULL;
}

static void test_limit_blocks_go_and_fails_try_go(void **state)
{
    (void)state;
    memset(&lim, 0, sizeof lim);
    lim.g = new_group(NULL);
    errgroup_set_limit(lim.g, 2);
    assert_int_equal(errgroup_go(lim.g, gated, NULL), 0);
    assert_true(errgroup_try_go(lim.g, gated, NULL));
    assert_false(errgroup_try_go(lim.g, gated, NULL)); /* the limit is reached */
    pthread_t t = spawn(go_one_more, NULL);
    assert_true(wait_atomic_at_least(&lim.started, 2));
    sleep_ns(20 * MS);
    assert_int_equal(atomic_load(&lim.go_returned), 0); /* blocked on the limit */
    atomic_store(&lim.gate, 1);
    assert_true(wait_atomic_at_least(&lim.go_returned, 1));
    pthread_join(t, NULL);
    for (int i = 0; i < 40; i++)
        assert_int_equal(errgroup_go(lim.g, gated, NULL), 0);
    assert_int_equal(errgroup_wait(lim.g), 0);
    assert_int_equal(atomic_load(&lim.started), 43);
    if (atomic_load(&lim.max_active) > 2)
        fail_msg("%u tasks ran at once under a limit of 2", atomic_load(&lim.max_active));
    /* After Wait nothing is active: the limit may change. */
    errgroup_set_limit(lim.g, 0);
    assert_false(errgroup_try_go(lim.g, gated, NULL)); /* limit 0: nothing may start */
    errgroup_set_limit(lim.g, -1);
    assert_true(errgroup_try_go(lim.g, gated, NULL));
    assert_int_equal(errgroup_wait(lim.g), 0);
    errgroup_free(lim.g);
}

static int sleep_a_while(struct ctx *ctx, void *arg)
{
    (void)ctx;
    (void)arg;
    sleep_ns(200 * MS);
    return 0;
}

static void change_limit_while_active(void)
{
    struct errgroup *g = errgroup_new();
    errgroup_set_limit(g, 1);
    errgroup_go(g, sleep_a_while, NULL);
    errgroup_set_limit(g, 5); /* Go panics here */
}

static void test_changing_limit_while_active_is_fatal(void **state)
{
    (void)state;
    assert_true(dies_of_abort(change_limit_while_active));
}

/* ---- volume --------------------------------------------------------------- */

static void test_every_task_runs_once(void **state)
{
    (void)state;
    static atomic_uint ran;
    atomic_store(&ran, 0);
    struct errgroup *g = new_group(NULL);
    int n = pool ? 2000 : 200;
    for (int i = 0; i < n; i++)
        assert_int_equal(errgroup_go(g, succeed, &ran), 0);
    assert_int_equal(errgroup_wait(g), 0);
    assert_int_equal(atomic_load(&ran), n);
    errgroup_free(g);
}

static void test_thousand_groups_leave_nothing_behind(void **state)
{
    (void)state;
    static atomic_uint ran;
    atomic_store(&ran, 0);
    for (int i = 0; i < 1000; i++) {
        struct ctx *ctx;
        struct errgroup *g = new_group(&ctx);
        assert_int_equal(errgroup_go(g, succeed, &ran), 0);
        assert_int_equal(errgroup_go(g, succeed, &ran), 0);
        assert_int_equal(errgroup_wait(g), 0);
        /* Wait joined them: a joined thread leaves /proc a moment after
         * pthread_join returns (the kernel wakes the joiner before it
         * releases the task), hence settle rather than count once. */
        int n;
        if (!pool && (n = settle_threads(mark.threads)) > mark.threads)
            fail_msg("group %d: %d threads after Wait, %d before", i, n, mark.threads);
        errgroup_free(g);
    }
    assert_int_equal(atomic_load(&ran), 2000);
}

int main(void)
{
    alarm(PROGRAM_ALARM_S);
    thread_baseline();
#define BOTH(t) cmocka_unit_test_setup_teardown(t, setup_threads, teardown), \
                cmocka_unit_test_setup_teardown(t, setup_pool, teardown)
    const struct CMUnitTest tests[] = {
        BOTH(test_wait_returns_first_error),
        BOTH(test_first_error_cancels_context),
        BOTH(test_context_cancelled_when_wait_returns),
        BOTH(test_limit_blocks_go_and_fails_try_go),
        cmocka_unit_test(test_changing_limit_while_active_is_fatal),
        BOTH(test_every_task_runs_once),
        BOTH(test_thousand_groups_leave_nothing_behind),
    };
    return cmocka_run_group_tests_name("toolkit: errgroup (thread per task, then pool)", tests, NULL, NULL);
}
