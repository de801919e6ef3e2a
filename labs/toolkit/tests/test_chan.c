/* test_chan.c: channels: FIFO, rendezvous, close-then-drain, closed sends reported, context give-up, select, and MPMC stresses by capacity.
 *
 * The stresses check the property that matters for a channel: every item
 * sent is received exactly once, each producer's items arrive in the order
 * it sent them, and an operation that gave up on its context moved no item.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "labs/toolkit/chan.h"
#include "labs/toolkit/tests/testutil.h"

static void test_buffered_is_fifo(void **state)
{
    (void)state;
    struct chan *ch = chan_new(sizeof(int), 16);
    assert_int_equal(chan_cap(ch), 16);
    for (int round = 0; round < 3; round++) { /* wraps the ring */
        for (int i = 0; i < 16; i++)
            assert_int_equal(chan_send(ch, &i, NULL), 0);
        int x = 99;
        assert_int_equal(chan_try_send(ch, &x), TK_WOULD_BLOCK);
        assert_int_equal(chan_len(ch), 16);
        for (int i = 0; i < 16; i++) {
            assert_int_equal(chan_recv(ch, &x, NULL), 0);
            assert_int_equal(x, i);
        }
        assert_int_equal(chan_try_recv(ch, &x), TK_WOULD_BLOCK);
    }
    chan_free(ch);
}

static struct {
    struct chan *ch;
    atomic_uint sent;
    int rc;
} rv;

static void *send_one(void *arg)
{
    (void)arg;
    int v = 1234;
    rv.rc = chan_send(rv.ch, &v, NULL);
    atomic_store(&rv.sent, 1);
    return NULL;
}

static void test_unbuffered_send_waits_for_receiver(void **state)
{
    (void)state;
    rv.ch = chan_new(sizeof(int), 0);
    atomic_store(&rv.sent, 0);
    int x = 0;
    assert_int_equal(chan_try_send(rv.ch, &x), TK_WOULD_BLOCK); /* nobody receives */
    pthread_t t = spawn(send_one, NULL);
    sleep_ns(20 * MS);
    assert_int_equal(atomic_load(&rv.sent), 0); /* no receiver yet: still blocked */
    assert_int_equal(chan_recv(rv.ch, &x, NULL), 0);
    assert_int_equal(x, 1234);
    assert_true(wait_atomic_at_least(&rv.sent, 1));
    pthread_join(t, NULL);
    assert_int_equal(rv.rc, 0);
    chan_free(rv.ch);
}

static void test_closed_channel_drains_then_reports_closed(void **state)
{
    (void)state;
    struct chan *ch = chan_new(sizeof(int), 4);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(chan_send(ch, &i, NULL), 0);
    assert_int_equal(chan_close(ch), 0);
    int x;
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(chan_recv(ch, &x, NULL), 0);
        assert_int_equal(x, i);
    }
    for (int i = 0; i < 2; i++) {
        x = 77;
        assert_int_equal(chan_recv(ch, &x, NULL), TK_CLOSED);
        assert_int_equal(x, 0); /* the zero value, as Go's */
    }
    assert_int_equal(chan_try_recv(ch, &x), TK_CLOSED);
    chan_free(ch);
}

static void test_send_on_closed_is_reported(void **state)
{
    (void)state;
    struct chan *ch = chan_new(sizeof(int), 1);
    int x = 1;
    assert_int_equal(chan_close(ch), 0);
    assert_int_equal(chan_send(ch, &x, NULL), TK_CLOSED);
    assert_int_equal(chan_try_send(ch, &x), TK_CLOSED);
    assert_int_equal(chan_close(ch), TK_CLOSED); /* closing twice */
    chan_free(ch);
}

static void *close_after_10ms(void *arg)
{
    sleep_ns(10 * MS);
    chan_close(arg);
    return NULL;
}

static void test_close_wakes_blocked_senders_and_receivers(void **state)
{
    (void)state;
    struct chan *full = chan_new(sizeof(int), 1), *empty = chan_new(sizeof(int), 0);
    int x = 5;
    assert_int_equal(chan_send(full, &x, NULL), 0);
    pthread_t t = spawn(close_after_10ms, full);
    assert_int_equal(chan_send(full, &x, NULL), TK_CLOSED); /* blocked, then closed */
    pthread_join(t, NULL);
    assert_int_equal(chan_recv(full, &x, NULL), 0); /* the queued item survives */
    assert_int_equal(x, 5);

    t = spawn(close_after_10ms, empty);
    x = 9;
    assert_int_equal(chan_recv(empty, &x, NULL), TK_CLOSED);
    assert_int_equal(x, 0);
    pthread_join(t, NULL);
    chan_free(full);
    chan_free(empty);
}

static void *cancel_after_10ms(void *arg)
{
    sleep_ns(10 * MS);
    ctx_cancel(arg);
    return NULL;
}

static void test_operations_give_up_when_ctx_done(void **state)
{
    (void)state;
    struct chan *ch = chan_new(sizeof(int), 1);
    int x = 0;
    struct ctx *c = ctx_with_timeout(ctx_background(), 10 * MS);
    assert_int_equal(chan_recv(ch, &x, c), TK_DEADLINE_EXCEEDED); /* empty */
    ctx_close(c);

    x = 1;
    assert_int_equal(chan_send(ch, &x, NULL), 0);
    c = ctx_with_cancel(ctx_background());
    pthread_t t = spawn(cancel_after_10ms, c);
    x = 2;
    assert_int_equal(chan_send(ch, &x, c), TK_CANCELED); /* full */
    pthread_join(t, NULL);
    /* Done already, but a ready operation still completes (select semantics). */
    assert_int_equal(chan_recv(ch, &x, c), 0);
    assert_int_equal(x, 1); /* and the abandoned send moved nothing */
    assert_int_equal(chan_try_recv(ch, &x), TK_WOULD_BLOCK);
    ctx_close(c);
    chan_free(ch);
}

static void test_select_picks_a_ready_channel(void **state)
{
    (void)state;
    struct chan *a = chan_new(sizeof(int), 1), *b = chan_new(sizeof(int), 1), *c = chan_new(sizeof(int), 1);
    int ra = 0, rb = 0, rc = 0, v = 42;
    assert_int_equal(chan_send(b, &v, NULL), 0);
    struct chan_case cases[] = {
        {.ch = NULL, .dir = CHAN_RECV, .elem = &ra}, /* a nil channel: never */
        {.ch = a, .dir = CHAN_RECV, .elem = &ra},
        {.ch = b, .dir = CHAN_RECV, .elem = &rb},
        {.ch = c, .dir = CHAN_RECV, .elem = &rc},
    };
    assert_int_equal(chan_select(cases, 4, NULL), 2);
    assert_int_equal(cases[2].err, 0);
    assert_int_equal(rb, 42);
    assert_int_equal(chan_try_select(cases, 4), TK_WOULD_BLOCK);

    /* Both ready, many times: the random order must pick each sometimes. */
    int picked[2] = {0, 0};
    struct chan_case two[] = {
        {.ch = a, .dir = CHAN_SEND, .elem = &v},
        {.ch = b, .dir = CHAN_SEND, .elem = &v},
    };
    for (int i = 0; i < 1000; i++) {
        int k = chan_select(two, 2, NULL);
        assert_true(k == 0 || k == 1);
        picked[k]++;
        assert_int_equal(chan_recv(k ? b : a, &ra, NULL), 0);
    }
    if (picked[0] < 100 || picked[1] < 100)
        fail_msg("select starves a ready case: picked %d and %d of 1000", picked[0], picked[1]);

    /* A closed channel is ready, and says so. */
    chan_close(c);
    struct chan_case cl[] = {{.ch = a, .dir = CHAN_RECV, .elem = &ra}, {.ch = c, .dir = CHAN_RECV, .elem = &rc}};
    assert_int_equal(chan_select(cl, 2, NULL), 1);
    assert_int_equal(cl[1].err, TK_CLOSED);
    assert_int_equal(chan_select(cl, 0, NULL), TK_INVALID); /* select {} */
    chan_free(a);
    chan_free(b);
    chan_free(c);
}

static struct {
    struct chan *ch;
    int got;
} late;

static void *send_after_10ms(void *arg)
{
    (void)arg;
    sleep_ns(10 * MS);
    int v = 7;
    chan_send(late.ch, &v, NULL);
    return NULL;
}

static void test_select_blocks_then_honours_ctx(void **state)
{
    (void)state;
    struct chan *a = chan_new(sizeof(int), 0), *b = chan_new(sizeof(int), 0);
    int ra = 0, rb = 0;
    struct chan_case cases[] = {{.ch = a, .dir = CHAN_RECV, .elem = &ra}, {.ch = b, .dir = CHAN_RECV, .elem = &rb}};

    /* Nothing ready: a partner arriving later on b is matched. */
    late.ch = b;
    pthread_t t = spawn(send_after_10ms, NULL);
    assert_int_equal(chan_select(cases, 2, NULL), 1);
    assert_int_equal(rb, 7);
    pthread_join(t, NULL);

    /* Nothing ready and nobody coming: ctx decides. */
    struct ctx *c = ctx_with_cancel(ctx_background());
    t = spawn(cancel_after_10ms, c);
    assert_int_equal(chan_select(cases, 2, c), TK_CANCELED);
    pthread_join(t, NULL);
    assert_int_equal(chan_select(NULL, 0, c), TK_CANCELED); /* only a context */
    ctx_close(c);
    /* Unbuffered send case matched by a plain receiver. */
    int v = 3;
    struct chan_case snd[] = {{.ch = a, .dir = CHAN_SEND, .elem = &v}};
    late.ch = NULL;
    assert_int_equal(chan_try_select(snd, 1), TK_WOULD_BLOCK);
    chan_free(a);
    chan_free(b);
}

/* ---- fairness when one partner could complete several cases ------------- */

/* Go's TestPseudoRandomSend, made deterministic: every round, the select
 * below is certainly blocked before its partner arrives (the partner uses a
 * try-operation, which on an unbuffered channel succeeds only against a
 * queued waiter), so it is the queued-select path that chooses, every time.
 * Both cases are on one channel, so one partner could complete either. */
enum { FAIR_ROUNDS = 1000, FAIR_MIN = 400 };

static struct {
    struct chan *ch;
    enum chan_dir dir;  /* the select's direction */
    atomic_uint won[2]; /* rounds each case won, as select returned them */
    atomic_uint bad;    /* a return or an item that does not match the case */
} fair;

static void *fair_selector(void *arg)
{
    (void)arg;
    int item[2] = {0, 1}; /* send case k sends k; receive case k receives into item[k] */
    struct chan_case cases[2] = {
        {.ch = fair.ch, .dir = fair.dir, .elem = &item[0]},
        {.ch = fair.ch, .dir = fair.dir, .elem = &item[1]},
    };
    for (int i = 0; i < FAIR_ROUNDS; i++) {
        int k = chan_select(cases, 2, NULL);
        if (k != 0 && k != 1) {
            atomic_fetch_add(&fair.bad, 1);
            return NULL;
        }
        atomic_fetch_add(&fair.won[k], 1);
        if (fair.dir == CHAN_RECV) { /* the item landed in the winning case's buffer only */
            if (item[k] != 7 || item[1 - k] != 1 - k)
                atomic_fetch_add(&fair.bad, 1);
            item[k] = k;
        }
    }
    return NULL;
}

/* The partner: a try-operation, retried until it succeeds, FAIR_ROUNDS times. */
static void run_fair(enum chan_dir dir)
{
    fair.ch = chan_new(sizeof(int), 0);
    fair.dir = dir;
    atomic_store(&fair.won[0], 0);
    atomic_store(&fair.won[1], 0);
    atomic_store(&fair.bad, 0);
    pthread_t t = spawn(fair_selector, NULL);
    uint64_t end = watchdog();
    for (unsigned done = 0; done < FAIR_ROUNDS && now_ns() < end;) {
        int v = 7, r;
        if (dir == CHAN_SEND) {
            r = chan_try_recv(fair.ch, &v);
            if (r == 0 && v != 0 && v != 1)
                atomic_fetch_add(&fair.bad, 1);
        } else {
            r = chan_try_send(fair.ch, &v);
        }
        if (r == 0)
            done++;
        else
            sleep_ns(20 * 1000); /* the select has not queued yet */
    }
    pthread_join(t, NULL);
    chan_free(fair.ch);
}

static void test_select_picks_at_random_among_cases_one_partner_completes(void **state)
{
    (void)state;
    /* With a fair choice each count is Binomial(1000, 1/2): below 400 (or
     * above 600) with probability 1.8e-10. */
    const enum chan_dir dirs[] = {CHAN_SEND, CHAN_RECV};
    for (int d = 0; d < 2; d++) {
        run_fair(dirs[d]);
        unsigned w0 = atomic_load(&fair.won[0]), w1 = atomic_load(&fair.won[1]);
        print_message("two %s cases on one unbuffered channel, select blocked each round: "
                      "case 0 won %u, case 1 won %u of %d\n",
                      dirs[d] == CHAN_SEND ? "send" : "receive", w0, w1, FAIR_ROUNDS);
        assert_int_equal(atomic_load(&fair.bad), 0);
        assert_int_equal(w0 + w1, FAIR_ROUNDS);
        if (w0 < FAIR_MIN || w1 < FAIR_MIN)
            fail_msg("select's choice is not random: case 0 won %u, case 1 won %u of %d (want both >= %d)",
                     w0, w1, FAIR_ROUNDS, FAIR_MIN);
    }
}

/* ---- NULL: Go's nil channel, and the calls that stop hard ---------------- */

static void close_nil_channel(void) { chan_close(NULL); }

static void *cancel_soon(void *arg)
{
    sleep_ns(10 * MS);
    ctx_cancel(arg);
    return NULL;
}

static void test_null_channel_is_never_ready(void **state)
{
    (void)state;
    int v = 1;
    /* Nothing could ever end the wait: reported, not a hang. */
    assert_int_equal(chan_send(NULL, &v, NULL), TK_INVALID);
    assert_int_equal(chan_recv(NULL, &v, NULL), TK_INVALID);
    assert_int_equal(chan_send(NULL, &v, ctx_background()), TK_INVALID);
    assert_int_equal(chan_recv(NULL, &v, ctx_background()), TK_INVALID);
    /* A context that can be done ends the wait, as in Go's select with ctx.Done(). */
    struct ctx *c = ctx_with_cancel(ctx_background());
    pthread_t t = spawn(cancel_soon, c);
    assert_int_equal(chan_send(NULL, &v, c), TK_CANCELED);
    pthread_join(t, NULL);
    assert_int_equal(chan_recv(NULL, &v, c), TK_CANCELED);
    ctx_close(c);
    /* Try-operations: never ready. */
    assert_int_equal(chan_try_send(NULL, &v), TK_WOULD_BLOCK);
    assert_int_equal(chan_try_recv(NULL, &v), TK_WOULD_BLOCK);
    assert_int_equal(chan_len(NULL), 0);
    assert_int_equal(chan_cap(NULL), 0);
    chan_free(NULL);
    /* A select over nil channels: NULL and ctx_background() alike. */
    struct chan_case nils[] = {{.ch = NULL, .dir = CHAN_RECV, .elem = &v}, {.ch = NULL, .dir = CHAN_SEND, .elem = &v}};
    assert_int_equal(chan_select(nils, 2, NULL), TK_INVALID);
    assert_int_equal(chan_select(nils, 2, ctx_background()), TK_INVALID);
    static const char key = 0;
    struct ctx *val = ctx_with_value(ctx_background(), &key, NULL);
    assert_int_equal(chan_select(nils, 2, val), TK_INVALID); /* can never be done either */
    ctx_release(val);
    assert_int_equal(chan_try_select(nils, 2), TK_WOULD_BLOCK);
    /* Closing a nil channel is Go's panic. */
    assert_true(dies_saying(close_nil_channel, "close of nil channel"));
}

/* ---- stress: MPMC, every item exactly once, per-producer order ---------- */

enum { PRODUCERS = 4, CONSUMERS = 3, PER_PRODUCER = 5000 };

struct item {
    uint32_t producer, seq;
};

static struct {
    struct chan *ch;
    atomic_uchar seen[PRODUCERS][PER_PRODUCER];
    atomic_uint order_errors, dup, producers_left, cancelled_sends, ok_sends;
    bool use_ctx;
} mp;

static void *producer(void *arg)
{
    uint32_t id = (uint32_t)(uintptr_t)arg;
    uint64_t seed = 12345 + id;
    for (uint32_t s = 0; s < PER_PRODUCER; s++) {
        struct item it = {id, s};
        if (mp.use_ctx && xorshift64(&seed) % 8 == 0) {
            /* A send with an already-expired deadline: it may go through if
             * ready at once, else it must give up having moved nothing. */
            struct ctx *c = ctx_with_deadline(ctx_background(), now_ns() - 1);
            int rc = chan_send(mp.ch, &it, c);
            ctx_close(c);
            if (rc == TK_DEADLINE_EXCEEDED) {
                atomic_fetch_add(&mp.cancelled_sends, 1);
                continue;
            }
        } else if (chan_send(mp.ch, &it, NULL) != 0) {
            break;
        }
        atomic_fetch_add(&mp.ok_sends, 1);
    }
    if (atomic_fetch_sub(&mp.producers_left, 1) == 1)
        chan_close(mp.ch); /* the last sender closes */
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    int64_t last[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++)
        last[i] = -1;
    struct item it;
    while (chan_recv(mp.ch, &it, NULL) == 0) {
        if (it.producer >= PRODUCERS || it.seq >= PER_PRODUCER) {
            atomic_fetch_add(&mp.order_errors, 1);
            continue;
        }
        if (atomic_fetch_add(&mp.seen[it.producer][it.seq], 1) != 0)
            atomic_fetch_add(&mp.dup, 1);
        if ((int64_t)it.seq <= last[it.producer])
            atomic_fetch_add(&mp.order_errors, 1);
        last[it.producer] = it.seq;
    }
    return NULL;
}

static void run_mpmc(size_t capacity, bool use_ctx)
{
    memset(&mp, 0, sizeof mp);
    mp.ch = chan_new(sizeof(struct item), capacity);
    mp.use_ctx = use_ctx;
    atomic_store(&mp.producers_left, PRODUCERS);
    pthread_t p[PRODUCERS], c[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++)
        c[i] = spawn(consumer, NULL);
    for (int i = 0; i < PRODUCERS; i++)
        p[i] = spawn(producer, (void *)(uintptr_t)i);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(p[i], NULL);
    for (int i = 0; i < CONSUMERS; i++)
        pthread_join(c[i], NULL);
    unsigned received = 0;
    for (int i = 0; i < PRODUCERS; i++)
        for (int s = 0; s < PER_PRODUCER; s++)
            received += atomic_load(&mp.seen[i][s]) != 0;
    unsigned sent = atomic_load(&mp.ok_sends);
    if (received != sent || atomic_load(&mp.dup) || atomic_load(&mp.order_errors))
        fail_msg("capacity %zu%s: sent %u, received %u distinct, %u duplicates, %u out of order (%u sends gave up)",
                 capacity, use_ctx ? " with contexts" : "", sent, received, atomic_load(&mp.dup),
                 atomic_load(&mp.order_errors), atomic_load(&mp.cancelled_sends));
    if (!use_ctx)
        assert_int_equal(sent, PRODUCERS * PER_PRODUCER);
    chan_free(mp.ch);
}

static void test_mpmc_every_item_once_in_order(void **state)
{
    (void)state;
    size_t caps[] = {0, 1, 16, 1024};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        run_mpmc(caps[i], false);
}

static void test_mpmc_with_cancelled_sends_moves_nothing_twice(void **state)
{
    (void)state;
    run_mpmc(0, true);
    run_mpmc(4, true);
}

/* ---- stress: selects over several channels racing with contexts --------- */

enum { SEL_ITEMS = 4000 };

static struct {
    struct chan *ch[3];
    atomic_uint received, timeouts, sent;
    atomic_uint stop;
} ss;

static void *sel_sender(void *arg)
{
    unsigned which = (unsigned)(uintptr_t)arg;
    for (unsigned i = 0; i < SEL_ITEMS; i++) {
        unsigned v = i;
        if (chan_send(ss.ch[(which + i) % 3], &v, NULL) == 0)
            atomic_fetch_add(&ss.sent, 1);
    }
    return NULL;
}

static void *sel_receiver(void *arg)
{
    (void)arg;
    unsigned v[3];
    uint64_t seed = (uint64_t)(uintptr_t)&v;
    while (!atomic_load(&ss.stop)) {
        struct chan_case cases[3];
        for (int i = 0; i < 3; i++)
            cases[i] = (struct chan_case){.ch = ss.ch[i], .dir = CHAN_RECV, .elem = &v[i]};
        /* A deadline of 0-50 us: often wins against the senders. */
        struct ctx *c = ctx_with_timeout(ctx_background(), xorshift64(&seed) % 50000);
        int k = chan_select(cases, 3, c);
        ctx_close(c);
        if (k >= 0 && cases[k].err == 0)
            atomic_fetch_add(&ss.received, 1);
        else if (k == TK_DEADLINE_EXCEEDED)
            atomic_fetch_add(&ss.timeouts, 1);
    }
    return NULL;
}

static void test_select_racing_deadlines_loses_no_item(void **state)
{
    (void)state;
    memset(&ss, 0, sizeof ss);
    for (int i = 0; i < 3; i++)
        ss.ch[i] = chan_new(sizeof(unsigned), (size_t)i); /* capacities 0, 1, 2 */
    pthread_t s[2], r[2];
    for (int i = 0; i < 2; i++) {
        r[i] = spawn(sel_receiver, NULL);
        s[i] = spawn(sel_sender, (void *)(uintptr_t)i);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(s[i], NULL);
    /* All sends completed; the receivers must get every item. */
    uint64_t end = watchdog();
    while (atomic_load(&ss.received) < atomic_load(&ss.sent) && now_ns() < end)
        sleep_ns(1 * MS);
    atomic_store(&ss.stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(r[i], NULL);
    unsigned left = 0, v;
    for (int i = 0; i < 3; i++)
        while (chan_try_recv(ss.ch[i], &v) == 0)
            left++;
    if (atomic_load(&ss.received) + left != 2 * SEL_ITEMS)
        fail_msg("sent %d, received %u + %u left (timeouts %u)", 2 * SEL_ITEMS,
                 atomic_load(&ss.received), left, atomic_load(&ss.timeouts));
    for (int i = 0; i < 3; i++)
        chan_free(ss.ch[i]);
}

static void test_zero_size_items(void **state)
{
    (void)state;
    struct chan *ch = chan_new(0, 2); /* Go's chan struct{} */
    assert_int_equal(chan_send(ch, NULL, NULL), 0);
    assert_int_equal(chan_recv(ch, NULL, NULL), 0);
    assert_int_equal(chan_try_recv(ch, NULL), TK_WOULD_BLOCK);
    chan_close(ch);
    assert_int_equal(chan_recv(ch, NULL, NULL), TK_CLOSED);
    chan_free(ch);
}

int main(void)
{
    alarm(PROGRAM_ALARM_S);
    thread_baseline();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buffered_is_fifo),
        cmocka_unit_test(test_unbuffered_send_waits_for_receiver),
        cmocka_unit_test(test_closed_channel_drains_then_reports_closed),
        cmocka_unit_test(test_send_on_closed_is_reported),
        cmocka_unit_test(test_close_wakes_blocked_senders_and_receivers),
        cmocka_unit_test(test_operations_give_up_when_ctx_done),
        cmocka_unit_test(test_select_picks_a_ready_channel),
        cmocka_unit_test(test_select_blocks_then_honours_ctx),
        cmocka_unit_test(test_select_picks_at_random_among_cases_one_partner_completes),
        cmocka_unit_test(test_null_channel_is_never_ready),
        cmocka_unit_test(test_zero_size_items),
        cmocka_unit_test(test_mpmc_every_item_once_in_order),
        cmocka_unit_test(test_mpmc_with_cancelled_sends_moves_nothing_twice),
        cmocka_unit_test(test_select_racing_deadlines_loses_no_item),
    };
    return cmocka_run_group_tests_name("toolkit: chan", tests, NULL, NULL);
}
