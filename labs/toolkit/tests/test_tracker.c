/* test_tracker.c: the course's Tracker: events in order, shutdown drains, a short deadline returns on time with work still queued, intake closes, events give up on their ctx. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "labs/toolkit/tracker.h"
#include "labs/toolkit/tests/testutil.h"

static struct {
    atomic_uint handled, dropped, out_of_order;
    unsigned last;
    uint64_t handle_ns;
} tk;

static void handle(struct ctx *ctx, void *item, void *user)
{
    (void)user;
    unsigned v = *(unsigned *)item;
    if (tk.handle_ns)
        ctx_wait_timeout(ctx, tk.handle_ns); /* slow, but stops when told */
    if (v != tk.last + 1) /* only the run thread writes last */
        atomic_fetch_add(&tk.out_of_order, 1);
    tk.last = v;
    atomic_fetch_add(&tk.handled, 1);
}

static void drop(void *item, void *user)
{
    (void)item;
    (void)user;
    atomic_fetch_add(&tk.dropped, 1);
}

static struct tracker *new_tracker(size_t capacity)
{
    memset(&tk, 0, sizeof tk);
    struct tracker_opts o = {.item_size = sizeof(unsigned), .capacity = capacity, .handle = handle, .drop = drop};
    struct tracker *t = tracker_new(&o);
    assert_non_null(t);
    return t;
}

static void test_events_in_order_and_shutdown_drains(void **state)
{
    (void)state;
    int before = settle_threads(base_threads);
    struct tracker *t = new_tracker(8);
    assert_int_equal(tracker_start(t), 0);
    for (unsigned i = 1; i <= 500; i++)
        assert_int_equal(tracker_event(t, NULL, &i), 0);
    struct ctx *c = ctx_with_timeout(ctx_background(), WATCHDOG_NS);
    size_t dropped = 99;
    assert_int_equal(tracker_shutdown(t, c, &dropped), 0);
    ctx_close(c);
    assert_int_equal(dropped, 0);
    assert_int_equal(atomic_load(&tk.handled), 500);
    assert_int_equal(atomic_load(&tk.out_of_order), 0);
    unsigned x = 1;
    assert_int_equal(tracker_event(t, NULL, &x), TK_CLOSED); /* intake stopped */
    int after = settle_threads(before);
    if (after != before)
        fail_msg("%d threads after shutdown, %d before", after, before);
    tracker_free(t);
}

static void test_short_deadline_returns_on_time_with_work_queued(void **state)
{
    (void)state;
    int before = settle_threads(base_threads);
    struct tracker *t = new_tracker(32);
    tk.handle_ns = 50 * MS;
    for (unsigned i = 1; i <= 20; i++)
        assert_int_equal(tracker_event(t, NULL, &i), 0);
    assert_int_equal(tracker_start(t), 0);
    struct ctx *c = ctx_with_timeout(ctx_background(), 30 * MS);
    size_t dropped = 0;
    uint64_t start = now_ns();
    int rc = tracker_shutdown(t, c, &dropped);
    uint64_t took = now_ns() - start;
    ctx_close(c);
    assert_int_equal(rc, TK_DEADLINE_EXCEEDED); /* says which: the deadline */
    /* Draining would take 20 x 50 ms = 1 s; a watchdog far above "on time". */
    if (took > 5 * SEC)
        fail_msg("shutdown with a 30 ms deadline took %llu ms", (unsigned long long)(took / MS));
    unsigned handled = atomic_load(&tk.handled);
    if (dropped == 0 || handled + dropped != 20 || atomic_load(&tk.dropped) != dropped)
        fail_msg("handled %u + dropped %zu (drop called %u) != 20 queued", handled, dropped, atomic_load(&tk.dropped));
    int after = settle_threads(before);
    if (after != before)
        fail_msg("%d threads after shutdown, %d before: run outlived shutdown", after, before);
    tracker_free(t);
}

static void test_event_gives_up_when_ctx_done(void **state)
{
    (void)state;
    struct tracker *t = new_tracker(1); /* nobody runs it: the queue fills */
    unsigned x = 1;
    assert_int_equal(tracker_event(t, NULL, &x), 0);
    struct ctx *c = ctx_with_timeout(ctx_background(), 20 * MS);
    assert_int_equal(tracker_event(t, c, &x), TK_DEADLINE_EXCEEDED);
    ctx_close(c);
    struct ctx *now = ctx_with_timeout(ctx_background(), 0);
    size_t dropped = 0;
    assert_int_equal(tracker_shutdown(t, now, &dropped), TK_DEADLINE_EXCEEDED);
    assert_int_equal(dropped, 1);
    ctx_close(now);
    tracker_free(t);
}

static void *run_it(void *arg)
{
    tracker_run(arg);
    return NULL;
}

static void test_run_on_callers_thread(void **state)
{
    (void)state;
    struct tracker *t = new_tracker(4);
    pthread_t th = spawn(run_it, t);
    for (unsigned i = 1; i <= 100; i++)
        assert_int_equal(tracker_event(t, NULL, &i), 0);
    assert_int_equal(tracker_shutdown(t, NULL, NULL), 0); /* returns once run has */
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&tk.handled), 100);
    tracker_free(t);
}

int main(void)
{
    alarm(PROGRAM_ALARM_S);
    thread_baseline();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_in_order_and_shutdown_drains),
        cmocka_unit_test(test_short_deadline_returns_on_time_with_work_queued),
        cmocka_unit_test(test_event_gives_up_when_ctx_done),
        cmocka_unit_test(test_run_on_callers_thread),
    };
    return cmocka_run_group_tests_name("toolkit: tracker", tests, NULL, NULL);
}
