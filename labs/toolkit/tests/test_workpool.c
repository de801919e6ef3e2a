/* test_workpool.c: the worker pool: every item handled once, graceful stop drains, a deadline stop drops the rest and joins every worker, intake closes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "labs/toolkit/workpool.h"
#include "labs/toolkit/tests/testutil.h"

enum { ITEMS = 5000 };

static struct {
    atomic_uchar seen[ITEMS];
    atomic_uint handled, dropped, dup;
    uint64_t handle_ns; /* how long each item takes (honouring ctx) */
} wp;

static void handle(struct ctx *ctx, void *item, void *user)
{
    (void)user;
    unsigned id = *(unsigned *)item;
    if (wp.handle_ns)
        ctx_wait_timeout(ctx, wp.handle_ns); /* slow work that stops when told */
    if (atomic_fetch_add(&wp.seen[id], 1) != 0)
        atomic_fetch_add(&wp.dup, 1);
    atomic_fetch_add(&wp.handled, 1);
}

static void drop(void *item, void *user)
{
    (void)item;
    (void)user;
    atomic_fetch_add(&wp.dropped, 1);
}

static struct workpool *new_pool(unsigned workers, size_t capacity)
{
    struct workpool_opts o = {.workers = workers, .item_size = sizeof(unsigned), .capacity = capacity,
                              .handle = handle, .drop = drop};
    struct workpool *p = workpool_new(&o);
    assert_non_null(p);
    return p;
}

static void test_every_item_handled_once_and_stop_drains(void **state)
{
    (void)state;
    int before = settle_threads(base_threads);
    size_t caps[] = {0, 16};
    for (int k = 0; k < 2; k++) {
        memset(&wp, 0, sizeof wp);
        struct workpool *p = new_pool(3, caps[k]);
        assert_int_equal(thread_count(), before + 3);
        for (unsigned i = 0; i < ITEMS; i++)
            assert_int_equal(workpool_submit(p, &i, NULL), 0);
        size_t dropped = 99;
        assert_int_equal(workpool_shutdown(p, NULL, &dropped), 0);
        assert_int_equal(dropped, 0);
        if (atomic_load(&wp.handled) != ITEMS || atomic_load(&wp.dup))
            fail_msg("capacity %zu: handled %u of %d, %u twice", caps[k], atomic_load(&wp.handled), ITEMS,
                     atomic_load(&wp.dup));
        unsigned x = 1;
        assert_int_equal(workpool_submit(p, &x, NULL), TK_CLOSED); /* intake closed */
        workpool_free(p);
        int after = settle_threads(before);
        if (after != before)
            fail_msg("%d threads after shutdown, %d before", after, before);
    }
}

static void test_deadline_stop_drops_rest_and_joins(void **state)
{
    (void)state;
    int before = settle_threads(base_threads);
    memset(&wp, 0, sizeof wp);
    wp.handle_ns = 10 * SEC; /* each item would take 10 s... */
    struct workpool *p = new_pool(2, 64);
    for (unsigned i = 0; i < 20; i++)
        assert_int_equal(workpool_submit(p, &i, NULL), 0);
    struct ctx *c = ctx_with_timeout(ctx_background(), 30 * MS);
    size_t dropped = 0;
    uint64_t start = now_ns();
    assert_int_equal(workpool_shutdown(p, c, &dropped), TK_DEADLINE_EXCEEDED);
    uint64_t took = now_ns() - start;
    ctx_close(c);
    /* ...but the stop cancels the pool's context, so it ends long before. */
    if (took > 5 * SEC)
        fail_msg("shutdown took %llu ms with a 30 ms deadline", (unsigned long long)(took / MS));
    unsigned handled = atomic_load(&wp.handled);
    if (handled + dropped != 20 || atomic_load(&wp.dropped) != dropped || dropped == 0)
        fail_msg("handled %u + dropped %zu (drop called %u times) != 20 submitted", handled, dropped,
                 atomic_load(&wp.dropped));
    assert_true(handled <= 2); /* only the items in hand at the deadline */
    int after = settle_threads(before);
    if (after != before)
        fail_msg("%d threads after shutdown, %d before: a worker outlived it", after, before);
    workpool_free(p);
}

static void test_submit_gives_up_when_full_and_ctx_done(void **state)
{
    (void)state;
    memset(&wp, 0, sizeof wp);
    wp.handle_ns = 10 * SEC;
    struct workpool *p = new_pool(1, 1);
    unsigned x = 0;
    assert_int_equal(workpool_submit(p, &x, NULL), 0); /* taken by the worker (or queued) */
    x = 1;
    struct ctx *c = ctx_with_timeout(ctx_background(), 20 * MS);
    int rc = 0;
    for (unsigned i = 1; i < 4 && rc == 0; i++)
        rc = workpool_submit(p, &i, c); /* the queue of 1 fills */
    assert_int_equal(rc, TK_DEADLINE_EXCEEDED);
    assert_int_equal(workpool_try_submit(p, &x), TK_WOULD_BLOCK);
    ctx_close(c);
    struct ctx *now = ctx_with_timeout(ctx_background(), 0);
    size_t dropped;
    assert_int_equal(workpool_shutdown(p, now, &dropped), TK_DEADLINE_EXCEEDED);
    ctx_close(now);
    workpool_free(p);
}

int main(void)
{
    alarm(PROGRAM_ALARM_S);
    thread_baseline();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_item_handled_once_and_stop_drains),
        cmocka_unit_test(test_deadline_stop_drops_rest_and_joins),
        cmocka_unit_test(test_submit_gives_up_when_full_and_ctx_done),
    };
    return cmocka_run_group_tests_name("toolkit: workpool", tests, NULL, NULL);
}
