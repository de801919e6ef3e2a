/* test_bchan.c: lab 06: the bounded channel keeps order, blocks when full or empty, closes Go's way, loses nothing under MPMC load; the pool handles every item once and leaves no thread behind. */
#include "labs/labtest.h"
#include "labs/expect.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "labs/06-channels-pools/bchan.h"

/* bchan's results by name: 0, BCHAN_CLOSED, or an errno value (ENOSYS: the stub). */
static void expect_bchan_at(int got, int want, const char *what, const char *file, int line)
{
    if (got == want)
        return;
    char g[64], w[64];
    fail_msg_at(file, line, "%s: returned %s, want %s", what,
                got == BCHAN_CLOSED ? "BCHAN_CLOSED" : status_name(got, g, sizeof g),
                want == BCHAN_CLOSED ? "BCHAN_CLOSED" : status_name(want, w, sizeof w));
}
#define expect_bchan(got, want, what) expect_bchan_at((got), (want), (what), __FILE__, __LINE__)

static void test_bchan_fifo_one_thread(void **state)
{
    (void)state;
    struct bchan *ch = bchan_new(4);
    assert_non_null(ch);
    for (long i = 1; i <= 4; i++)
        expect_bchan(bchan_send(ch, i * 10), 0, "bchan_send(ch, i * 10)");
    expect_count(bchan_len(ch), 4, "bchan_len");
    for (long i = 1; i <= 4; i++) {
        long v = -1;
        expect_bchan(bchan_recv(ch, &v), 0, "bchan_recv(ch, &v)");
        expect_count(v, i * 10, "the item received (FIFO order)");
    }
    expect_count(bchan_len(ch), 0, "bchan_len");
    /* wrap around the ring a few times */
    for (long i = 0; i < 100; i++) {
        long v = -1;
        expect_bchan(bchan_send(ch, i), 0, "bchan_send(ch, i)");
        expect_bchan(bchan_send(ch, i + 1000), 0, "bchan_send(ch, i + 1000)");
        expect_bchan(bchan_recv(ch, &v), 0, "bchan_recv(ch, &v)");
        expect_count(v, i, "the item received (FIFO order)");
        expect_bchan(bchan_recv(ch, &v), 0, "bchan_recv(ch, &v)");
        expect_count(v, i + 1000, "the item received (FIFO order)");
    }
    bchan_free(ch);
}

struct op {
    struct bchan *ch;
    long item;
    int result;
    atomic_bool done;
    atomic_int tid; /* the thread's id, for asleep() */
};

static void *send_one(void *arg)
{
    struct op *o = arg;
    atomic_store(&o->tid, (int)gettid());
    o->result = bchan_send(o->ch, o->item);
    atomic_store(&o->done, true);
    return NULL;
}

static void *recv_one(void *arg)
{
    struct op *o = arg;
    atomic_store(&o->tid, (int)gettid());
    o->result = bchan_recv(o->ch, &o->item);
    atomic_store(&o->done, true);
    return NULL;
}

static bool wait_done(struct op *o)
{
    uint64_t end = watchdog();
    while (!atomic_load(&o->done) && now_ns() < end)
        sleep_ns(100 * 1000);
    return atomic_load(&o->done);
}

static void test_bchan_send_blocks_while_full(void **state)
{
    (void)state;
    struct bchan *ch = bchan_new(2);
    assert_non_null(ch);
    expect_bchan(bchan_send(ch, 1), 0, "bchan_send(ch, 1)");
    expect_bchan(bchan_send(ch, 2), 0, "bchan_send(ch, 2)");
    struct op o = {.ch = ch, .item = 3};
    pthread_t t = spawn(send_one, &o);
    sleep_ns(50 * MS); /* a correct send is still blocked after any wait */
    bool returned_early = atomic_load(&o.done);
    long v = 0;
    int r = bchan_recv(ch, &v);
    bool finished = wait_done(&o);
    pthread_join(t, NULL);
    if (returned_early)
        print_message("send on a full channel returned %d without waiting\n", o.result);
    if (returned_early)
        fail_msg("send on a full channel returned without waiting for room");
    expect_bchan(r, 0, "bchan_recv on the full channel");
    expect_count(v, 1, "the item received first (FIFO order)");
    if (!finished)
        fail_msg("the blocked send never finished after a receive made room (a lost wake-up?)");
    expect_bchan(o.result, 0, "the blocked bchan_send, once there was room");
    expect_count(bchan_len(ch), 2, "bchan_len");
    bchan_free(ch);
}

static void test_bchan_recv_blocks_while_empty(void **state)
{
    (void)state;
    struct bchan *ch = bchan_new(2);
    assert_non_null(ch);
    struct op o = {.ch = ch};
    pthread_t t = spawn(recv_one, &o);
    sleep_ns(50 * MS);
    bool returned_early = atomic_load(&o.done);
    int r = bchan_send(ch, 42);
    bool finished = wait_done(&o);
    pthread_join(t, NULL);
    if (returned_early)
        print_message("recv on an empty channel returned %d without waiting\n", o.result);
    if (returned_early)
        fail_msg("recv on an empty channel returned without waiting for an item");
    expect_bchan(r, 0, "bchan_send to the waiting receiver");
    if (!finished)
        fail_msg("the blocked recv never finished after a send (a lost wake-up?)");
    expect_bchan(o.result, 0, "the blocked bchan_recv, once an item came");
    expect_count(o.item, 42, "the item the blocked receiver got");
    bchan_free(ch);
}

static void test_bchan_close_drains_then_reports_closed(void **state)
{
    (void)state;
    struct bchan *ch = bchan_new(8);
    assert_non_null(ch);
    /* a receiver blocked on an empty channel is released by close */
    struct op o = {.ch = ch};
    pthread_t t = spawn(recv_one, &o);
    sleep_ns(20 * MS);
    struct bchan *ch2 = bchan_new(8);
    assert_non_null(ch2);
    for (long i = 0; i < 3; i++)
        expect_bchan(bchan_send(ch2, i), 0, "bchan_send(ch2, i)");
    expect_bchan(bchan_close(ch2), 0, "bchan_close(ch2)");
    expect_bchan(bchan_close(ch2), BCHAN_CLOSED, "bchan_close(ch2)");
    expect_bchan(bchan_send(ch2, 9), BCHAN_CLOSED, "bchan_send(ch2, 9)");
    for (long i = 0; i < 3; i++) {
        long v = -1;
        expect_bchan(bchan_recv(ch2, &v), 0, "bchan_recv(ch2, &v)"); /* queued items are still delivered */
        expect_count(v, i, "the item received (FIFO order)");
    }
    long v;
    expect_bchan(bchan_recv(ch2, &v), BCHAN_CLOSED, "bchan_recv(ch2, &v)");
    expect_bchan(bchan_recv(ch2, &v), BCHAN_CLOSED, "bchan_recv(ch2, &v)");
    bchan_free(ch2);
    int rc = bchan_close(ch);
    bool finished = wait_done(&o);
    if (!finished)
        fail_msg("a receiver blocked on an empty channel was not released by close");
    pthread_join(t, NULL);
    expect_bchan(rc, 0, "bchan_close of an open channel");
    expect_bchan(o.result, BCHAN_CLOSED, "the blocked bchan_recv, released by close");
    bchan_free(ch);
}

/* True when the thread is asleep in the kernel (state S in /proc): for a
 * thread that only calls bchan_send or bchan_recv, blocked on its condition
 * variable (or, for a moment, on the mutex). */
static bool asleep(int tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] == 'S';
}

static bool wait_asleep(struct op *o, uint64_t end)
{
    while (now_ns() < end) {
        int tid = atomic_load(&o->tid);
        if (atomic_load(&o->done) || (tid && asleep(tid)))
            return true;
        sleep_ns(200 * 1000);
    }
    return false;
}

enum { BLOCKED = 3 };
#define RELEASE_LIMIT_NS (5 * SEC)

/* Several receivers blocked on an empty channel and several senders on a
 * full one: close must wake every one of them (a broadcast on both
 * condition variables).  A close that signals one waiter leaves the others
 * asleep for ever: the test sees it within RELEASE_LIMIT_NS. */
static void test_bchan_close_wakes_every_blocked_thread(void **state)
{
    (void)state;
    struct bchan *empty = bchan_new(1), *full = bchan_new(1);
    assert_true(empty && full);
    expect_bchan(bchan_send(full, 7), 0, "bchan_send(full, 7)");
    struct op r[BLOCKED] = {0}, s[BLOCKED] = {0};
    pthread_t rt[BLOCKED], st[BLOCKED];
    for (int i = 0; i < BLOCKED; i++) {
        r[i].ch = empty;
        s[i].ch = full;
        s[i].item = i;
        rt[i] = spawn(recv_one, &r[i]);
        st[i] = spawn(send_one, &s[i]);
    }
    /* Twice, a little apart: a thread seen asleep on the mutex is, the
     * second time, asleep on its condition variable. */
    for (int pass = 0; pass < 2; pass++) {
        uint64_t end = now_ns() + RELEASE_LIMIT_NS;
        for (int i = 0; i < BLOCKED; i++)
            if (!wait_asleep(&r[i], end) || !wait_asleep(&s[i], end))
                fail_msg("thread %d never blocked: send on a full channel and recv on an empty one "
                         "must wait", i);
        sleep_ns(20 * MS);
    }
    unsigned early = 0;
    for (int i = 0; i < BLOCKED; i++)
        early += atomic_load(&r[i].done) + atomic_load(&s[i].done);
    if (early)
        fail_msg("%u blocked sends or receives returned before the close", early);
    expect_bchan(bchan_close(empty), 0, "bchan_close(empty)");
    expect_bchan(bchan_close(full), 0, "bchan_close(full)");
    uint64_t end = now_ns() + RELEASE_LIMIT_NS;
    unsigned stuck_r = 0, stuck_s = 0;
    for (int i = 0; i < BLOCKED; i++) {
        while ((!atomic_load(&r[i].done) || !atomic_load(&s[i].done)) && now_ns() < end)
            sleep_ns(200 * 1000);
        stuck_r += !atomic_load(&r[i].done);
        stuck_s += !atomic_load(&s[i].done);
    }
    print_message("close released %u of %d blocked receivers and %u of %d blocked senders\n",
                  BLOCKED - stuck_r, BLOCKED, BLOCKED - stuck_s, BLOCKED);
    if (stuck_r || stuck_s)
        fail_msg("%u receivers and %u senders were still blocked %.0f s after close: close must wake "
                 "every waiter on both condition variables (a lost wake-up)",
                 stuck_r, stuck_s, (double)RELEASE_LIMIT_NS / SEC);
    for (int i = 0; i < BLOCKED; i++) {
        pthread_join(rt[i], NULL);
        pthread_join(st[i], NULL);
        if (r[i].result != BCHAN_CLOSED || s[i].result != BCHAN_CLOSED)
            fail_msg("a blocked thread released by close got %d (recv) / %d (send), want BCHAN_CLOSED "
                     "(%d) from both", r[i].result, s[i].result, BCHAN_CLOSED);
    }
    bchan_free(empty);
    bchan_free(full);
}

/* ---- MPMC: every item exactly once, each producer's order kept ------------ */

enum { PRODUCERS = 3, CONSUMERS = 3, PER_PRODUCER = 20000 };

static struct {
    struct bchan *ch;
    atomic_uint seen[PRODUCERS * PER_PRODUCER];
    atomic_uint out_of_order, producers_left;
} mp;

static void *producer(void *arg)
{
    long id = (long)(intptr_t)arg;
    for (long i = 0; i < PER_PRODUCER; i++)
        if (bchan_send(mp.ch, id * PER_PRODUCER + i) != 0)
            break;
    if (atomic_fetch_sub(&mp.producers_left, 1) == 1)
        bchan_close(mp.ch); /* the last sender closes: Go's rule */
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    long last[PRODUCERS] = {-1, -1, -1};
    long v;
    while (bchan_recv(mp.ch, &v) == 0) {
        if (v < 0 || v >= PRODUCERS * PER_PRODUCER) {
            atomic_fetch_add(&mp.out_of_order, 1);
            continue;
        }
        long p = v / PER_PRODUCER;
        if (v <= last[p])
            atomic_fetch_add(&mp.out_of_order, 1);
        last[p] = v;
        atomic_fetch_add(&mp.seen[v], 1);
    }
    return NULL;
}

static void test_bchan_mpmc_every_item_exactly_once(void **state)
{
    (void)state;
    mp.ch = bchan_new(16);
    assert_non_null(mp.ch);
    for (int i = 0; i < PRODUCERS * PER_PRODUCER; i++)
        atomic_init(&mp.seen[i], 0);
    atomic_store(&mp.out_of_order, 0);
    atomic_store(&mp.producers_left, PRODUCERS);
    pthread_t p[PRODUCERS], c[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++)
        c[i] = spawn(consumer, NULL);
    for (int i = 0; i < PRODUCERS; i++)
        p[i] = spawn(producer, (void *)(intptr_t)i);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(p[i], NULL);
    for (int i = 0; i < CONSUMERS; i++)
        pthread_join(c[i], NULL);
    unsigned missing = 0, twice = 0;
    for (int i = 0; i < PRODUCERS * PER_PRODUCER; i++) {
        unsigned n = atomic_load(&mp.seen[i]);
        missing += n == 0;
        twice += n > 1;
    }
    print_message("%d items through capacity 16: %u missing, %u more than once, %u out of order\n",
                  PRODUCERS * PER_PRODUCER, missing, twice, atomic_load(&mp.out_of_order));
    bchan_free(mp.ch);
    expect_count(missing, 0, "items never received");
    expect_count(twice, 0, "items received more than once");
    expect_count(atomic_load(&mp.out_of_order), 0, "items received out of their producer's order");
}

/* ---- the pool ------------------------------------------------------------------ */

static atomic_long handled_sum;
static atomic_uint handled_count;

static void handle(long item, void *arg)
{
    (void)arg;
    atomic_fetch_add(&handled_sum, item);
    atomic_fetch_add(&handled_count, 1);
}

static void test_pool_handles_every_item_once(void **state)
{
    (void)state;
    atomic_store(&handled_sum, 0);
    atomic_store(&handled_count, 0);
    struct pool *p = pool_new(4, 8, handle, NULL);
    assert_non_null(p);
    long want = 0;
    int failed = 0;
    for (long i = 1; i <= 10000; i++) {
        want += i;
        failed += pool_submit(p, i) != 0;
    }
    pool_shutdown(p); /* drains the queue before it returns */
    print_message("10000 items submitted (%d refused): %u handled, sum %ld (want %ld)\n", failed,
                  atomic_load(&handled_count), atomic_load(&handled_sum), want);
    pool_free(p);
    expect_count(failed, 0, "items pool_submit refused");
    expect_count(atomic_load(&handled_count), 10000, "items handled of 10000");
    expect_count(atomic_load(&handled_sum), want, "the sum of the items handled");
}

static void slow_handle(long item, void *arg)
{
    (void)item;
    (void)arg;
    sleep_ns(1 * MS);
    atomic_fetch_add(&handled_count, 1);
}

static void test_pool_shutdown_joins_every_worker(void **state)
{
    (void)state;
    int before = settle_threads(base_threads);
    atomic_store(&handled_count, 0);
    struct pool *p = pool_new(6, 64, slow_handle, NULL);
    assert_non_null(p);
    assert_int_equal(settle_threads(before + 6) , before + 6);
    for (long i = 0; i < 50; i++)
        expect_bchan(pool_submit(p, i), 0, "pool_submit(p, i)");
    pool_shutdown(p);
    unsigned handled = atomic_load(&handled_count);
    int after = settle_threads(before);
    int late = pool_submit(p, 99);
    print_message("after shutdown: %u of 50 handled, %d threads (want %d), submit returns %d\n",
                  handled, after, before, late);
    pool_free(p);
    expect_count(handled, 50, "items handled of 50 when shutdown returned (it must drain the queue first)");
    expect_count(after, before, "threads after pool_shutdown (every worker joined)");
    expect_bchan(late, BCHAN_CLOSED, "pool_submit after pool_shutdown");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bchan_fifo_one_thread),
    cmocka_unit_test(test_bchan_send_blocks_while_full),
    cmocka_unit_test(test_bchan_recv_blocks_while_empty),
    cmocka_unit_test(test_bchan_close_drains_then_reports_closed),
    cmocka_unit_test(test_bchan_close_wakes_every_blocked_thread),
    cmocka_unit_test(test_bchan_mpmc_every_item_exactly_once),
    cmocka_unit_test(test_pool_handles_every_item_once),
    cmocka_unit_test(test_pool_shutdown_joins_every_worker),
};

LAB_MAIN("lab 06: channels and pools", tests)
