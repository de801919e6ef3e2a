/* test_lifecycle.c: lab 01: a stopped ticker leaves no thread and ticks no more, a stuck one is reported by the timeout, a tracker stops within its deadline, a bad line is an error value and not an exit(). */
#include "labs/labtest.h"
#include "labs/expect.h"

#include "labs/01-thread-lifecycles/lifecycle.h"
#include "labs/toolkit/context.h"

/* ---- ticker ---------------------------------------------------------------- */

static struct {
    atomic_uint ticks;
    atomic_uint stuck_ms; /* the next tick sleeps this long */
} tk;

static void count_tick(void *arg)
{
    (void)arg;
    unsigned ms = atomic_exchange(&tk.stuck_ms, 0);
    if (ms)
        sleep_ns(ms * MS);
    atomic_fetch_add(&tk.ticks, 1);
}

static struct ticker *start_counting(void)
{
    atomic_store(&tk.ticks, 0);
    atomic_store(&tk.stuck_ms, 0);
    struct ticker *t = ticker_start(1 * MS, count_tick, NULL);
    assert_non_null(t);
    assert_true(wait_atomic_at_least(&tk.ticks, 3));
    return t;
}

static void test_ticker_stop_ends_its_thread(void **state)
{
    (void)state;
    int before = settle_threads(base_threads);
    struct ticker *t = start_counting();
    expect_count(thread_count(), before + 1, "threads while the ticker runs");
    expect_status(ticker_stop(t, WATCHDOG_NS), 0, "ticker_stop on a running ticker");
    /* joined means gone: no waiting for the thread to leave /proc needed
     * beyond the kernel's own moment, which settle_threads allows */
    expect_count(settle_threads(before), before, "threads after ticker_stop (its thread must be gone)");
    ticker_free(t);
}

static void test_ticker_no_tick_after_stop(void **state)
{
    (void)state;
    struct ticker *t = start_counting();
    expect_status(ticker_stop(t, WATCHDOG_NS), 0, "ticker_stop on a running ticker");
    unsigned at_stop = atomic_load(&tk.ticks);
    sleep_ns(30 * MS); /* 30 periods */
    unsigned later = atomic_load(&tk.ticks);
    if (later != at_stop)
        print_message("%u ticks after ticker_stop returned\n", later - at_stop);
    assert_int_equal(later, at_stop);
    ticker_free(t);
}

static void test_ticker_stop_times_out_on_a_stuck_tick(void **state)
{
    (void)state;
    struct ticker *t = start_counting();
    atomic_store(&tk.stuck_ms, 2000); /* the next tick takes 2 s */
    /* wait until that tick has begun (it took the value) */
    uint64_t end = watchdog();
    while (atomic_load(&tk.stuck_ms) != 0 && now_ns() < end)
        sleep_ns(100 * 1000);
    uint64_t t0 = now_ns();
    int err = ticker_stop(t, 20 * MS);
    uint64_t took = now_ns() - t0;
    expect_status(err, TK_TIMEOUT, "ticker_stop(20 ms) while a tick is stuck for 2 s");
    /* not a speed test: it must return while the tick is still stuck */
    if (took >= 2000 * MS)
        print_message("ticker_stop waited %.0f ms: it waited for the tick\n", took / 1e6);
    assert_true(took < 2000 * MS);
    ticker_free(t); /* waits for the stuck tick to end, then joins */
}

/* ---- tracker ---------------------------------------------------------------- */

static struct {
    atomic_uint handled, dropped;
    uint64_t handle_ns;
} tr;

static void handle(struct ctx *ctx, void *item, void *user)
{
    (void)item;
    (void)user;
    if (tr.handle_ns)
        ctx_wait_timeout(ctx, tr.handle_ns); /* slow, but stops when told */
    atomic_fetch_add(&tr.handled, 1);
}

static void drop(void *item, void *user)
{
    (void)item;
    (void)user;
    atomic_fetch_add(&tr.dropped, 1);
}

static struct tracker *running_tracker(uint64_t handle_ns, unsigned events)
{
    atomic_store(&tr.handled, 0);
    atomic_store(&tr.dropped, 0);
    tr.handle_ns = handle_ns;
    struct tracker_opts o = {.item_size = sizeof(unsigned), .capacity = events,
                             .handle = handle, .drop = drop};
    struct tracker *t = tracker_new(&o);
    assert_non_null(t);
    assert_int_equal(tracker_start(t), 0);
    for (unsigned i = 0; i < events; i++)
        assert_int_equal(tracker_event(t, NULL, &i), 0);
    return t;
}

static void test_tracker_stop_drains_when_time_allows(void **state)
{
    (void)state;
    int before = settle_threads(base_threads);
    struct tracker *t = running_tracker(0, 100);
    size_t dropped = 99;
    int err = tracker_stop_within(t, WATCHDOG_NS, &dropped);
    expect_status(err, 0, "tracker_stop_within with time to spare");
    expect_count(dropped, 0, "events dropped with time to spare");
    expect_count(atomic_load(&tr.handled), 100, "events handled of 100");
    expect_count(settle_threads(before), before, "threads after tracker_stop_within (the run thread must end)");
    tracker_free(t);
    expect_count(settle_live(0), 0, "toolkit objects still alive after tracker_free (a context never closed?)");
}

static void test_tracker_stop_deadline_drops_the_rest(void **state)
{
    (void)state;
    int before = settle_threads(base_threads);
    struct tracker *t = running_tracker(10 * MS, 40); /* 400 ms of work */
    size_t dropped = 0;
    int err = tracker_stop_within(t, 50 * MS, &dropped);
    unsigned handled = atomic_load(&tr.handled);
    expect_status(err, TK_DEADLINE_EXCEEDED, "tracker_stop_within(50 ms) with 400 ms of work queued");
    print_message("handled %u, dropped %zu of 40\n", handled, dropped);
    assert_true(dropped > 0);
    expect_count(handled + dropped, 40, "events handled plus dropped, of 40");
    expect_count(atomic_load(&tr.dropped), dropped, "drop callbacks (want one per dropped event)");
    expect_count(settle_threads(before), before, "threads after tracker_stop_within (the run thread must end)");
    tracker_free(t);
    expect_count(settle_live(0), 0, "toolkit objects still alive after tracker_free (a context never closed?)");
}

/* ---- sum_lines -------------------------------------------------------------- */

static void test_sum_lines_adds_every_line(void **state)
{
    (void)state;
    enum { N = 1000 };
    static char buf[N][16];
    static const char *lines[N];
    long want = 0;
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof buf[i], "%d", i - 300);
        lines[i] = buf[i];
        want += i - 300;
    }
    for (unsigned w = 1; w <= 8; w *= 2) {
        long sum = 0;
        expect_status(sum_lines(lines, N, w, &sum), 0, "sum_lines on good lines");
        if (sum != want)
            print_message("%u workers: sum %ld, want %ld\n", w, sum, want);
        assert_int_equal(sum, want);
    }
}

static void test_sum_lines_bad_line_is_an_error_not_an_exit(void **state)
{
    (void)state;
    const char *lines[] = {"1", "2", "3", "4", "five", "6", "7", "8"};
    long sum = 12345;
    /* With exit() in a worker, this process would end here: the test
     * program would stop without printing a result for this test. */
    int err = sum_lines(lines, 8, 4, &sum);
    expect_status(err, TK_INVALID, "sum_lines with the bad line \"five\"");
    expect_count(sum, 12345, "*sum after a failed sum_lines (it must stay untouched)");
    expect_count(settle_threads(base_threads), base_threads, "threads after sum_lines (every worker joined)");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_ticker_stop_ends_its_thread),
    cmocka_unit_test(test_ticker_no_tick_after_stop),
    cmocka_unit_test(test_ticker_stop_times_out_on_a_stuck_tick),
    cmocka_unit_test(test_tracker_stop_drains_when_time_allows),
    cmocka_unit_test(test_tracker_stop_deadline_drops_the_rest),
    cmocka_unit_test(test_sum_lines_adds_every_line),
    cmocka_unit_test(test_sum_lines_bad_line_is_an_error_not_an_exit),
};

LAB_MAIN("lab 01: thread lifecycles", tests)
