/* test_context.c: the context tree: propagation, deadlines, values, causes, waiting, the done fd, hooks, and a cancellation stress.
 *
 * One test per rule of context.h, then the stress: thousands of contexts
 * cancelled from several threads at once while others are being created,
 * after which every context is done, every hook fired exactly once, no
 * context is left allocated (ctx_live) and no thread is left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "labs/toolkit/context.h"
#include "labs/toolkit/tests/testutil.h"

static struct leak_mark mark; /* set by setup, checked by teardown */

static int setup(void **state)
{
    (void)state;
    mark = leak_mark_now();
    return 0;
}

/* Every test must give back every context it made and leave no thread. */
static int teardown(void **state)
{
    (void)state;
    return leak_check(mark);
}

static void test_cancel_propagates_to_grandchildren(void **state)
{
    (void)state;
    static const char key = 0;
    struct ctx *a = ctx_with_cancel(ctx_background());
    struct ctx *b = ctx_with_value(a, &key, "v");
    struct ctx *c = ctx_with_cancel(b);
    struct ctx *d = ctx_with_timeout(c, 3600 * SEC);
    assert_int_equal(ctx_err(d), 0);
    ctx_cancel_cause(a, 77);
    struct ctx *all[] = {a, b, c, d};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(ctx_err(all[i]), TK_CANCELED);
        assert_int_equal(ctx_cause(all[i]), 77);
    }
    assert_int_equal(ctx_wait_timeout(d, 1), TK_CANCELED);
    for (int i = 3; i >= 0; i--)
        ctx_close(all[i]);
}

static void test_child_of_done_parent_is_born_done(void **state)
{
    (void)state;
    struct ctx *p = ctx_with_cancel(ctx_background());
    ctx_cancel_cause(p, 5);
    struct ctx *c = ctx_with_cancel(p);
    struct ctx *d = ctx_with_timeout(p, 3600 * SEC);
    assert_int_equal(ctx_err(c), TK_CANCELED);
    assert_int_equal(ctx_cause(c), 5);
    assert_int_equal(ctx_err(d), TK_CANCELED);
    ctx_close(d);
    ctx_close(c);
    ctx_close(p);
}

static void test_first_cancel_wins_and_cancel_is_idempotent(void **state)
{
    (void)state;
    struct ctx *c = ctx_with_cancel(ctx_background());
    assert_int_equal(ctx_cause(c), 0);
    ctx_cancel_cause(c, 42);
    ctx_cancel_cause(c, 7);
    ctx_cancel(c);
    assert_int_equal(ctx_err(c), TK_CANCELED);
    assert_int_equal(ctx_cause(c), 42);
    ctx_close(c);

    struct ctx *plain = ctx_with_cancel(ctx_background());
    ctx_cancel(plain);
    assert_int_equal(ctx_cause(plain), TK_CANCELED); /* no cause given: cause is err */
    ctx_close(plain);
}

static void test_child_deadline_never_extends_parent(void **state)
{
    (void)state;
    uint64_t pd = now_ns() + 100 * MS, got = 0;
    struct ctx *p = ctx_with_deadline(ctx_background(), pd);
    struct ctx *later = ctx_with_timeout(p, 3600 * SEC);
    struct ctx *earlier = ctx_with_deadline(p, pd - 50 * MS);
    assert_true(ctx_deadline(later, &got));
    assert_int_equal(got, pd); /* shrunk to the parent's */
    assert_true(ctx_deadline(earlier, &got));
    assert_int_equal(got, pd - 50 * MS); /* its own, earlier one */
    assert_false(ctx_deadline(ctx_background(), &got));

    assert_int_equal(ctx_wait_timeout(later, WATCHDOG_NS), TK_DEADLINE_EXCEEDED);
    uint64_t woke = now_ns();
    if (woke < pd)
        fail_msg("child fired %llu ns before the parent's deadline", (unsigned long long)(pd - woke));
    assert_int_equal(ctx_cause(later), TK_DEADLINE_EXCEEDED);
    assert_int_equal(ctx_err(earlier), TK_DEADLINE_EXCEEDED);
    ctx_close(earlier);
    ctx_close(later);
    ctx_close(p);
}

static void test_deadline_fires_not_early(void **state)
{
    (void)state;
    uint64_t start = now_ns();
    struct ctx *c = ctx_with_timeout(ctx_background(), 20 * MS);
    assert_int_equal(ctx_wait_timeout(c, WATCHDOG_NS), TK_DEADLINE_EXCEEDED);
    uint64_t took = now_ns() - start;
    if (took < 20 * MS)
        fail_msg("deadline fired after %llu ns, before its 20 ms", (unsigned long long)took);
    ctx_close(c);
}

static void test_past_deadline_is_born_exceeded(void **state)
{
    (void)state;
    struct ctx *c = ctx_with_deadline(ctx_background(), now_ns() - 1);
    assert_int_equal(ctx_err(c), TK_DEADLINE_EXCEEDED);
    ctx_close(c);
}

static void test_never_cancelled_child_freed_with_parent(void **state)
{
    (void)state;
    long before = ctx_live();
    struct ctx *p = ctx_with_cancel(ctx_background());
    for (int i = 0; i < 1000; i++) {
        struct ctx *c = ctx_with_cancel(p);
        struct ctx *t = ctx_with_timeout(c, 3600 * SEC); /* held by the timer too */
        ctx_release(t); /* forgotten: never cancelled by hand */
        ctx_release(c);
    }
    assert_int_equal(ctx_live() - before, 2001); /* Go's documented leak, until... */
    ctx_close(p);                                /* ...the parent is cancelled */
    assert_int_equal(ctx_live() - before, 0);
}

static void test_value_lookup_walks_up_and_shadows(void **state)
{
    (void)state;
    static const char k1 = 0, k2 = 0, k3 = 0;
    struct ctx *v1 = ctx_with_value(ctx_background(), &k1, "a");
    struct ctx *c = ctx_with_cancel(v1);
    struct ctx *v2 = ctx_with_value(c, &k1, "b");
    struct ctx *v3 = ctx_with_value(v2, &k2, "c");
    assert_string_equal(ctx_value(v3, &k1), "b"); /* nearest wins */
    assert_string_equal(ctx_value(v3, &k2), "c");
    assert_string_equal(ctx_value(c, &k1), "a");   /* a parent does not see its child's */
    assert_null(ctx_value(v3, &k3));
    assert_null(ctx_value(ctx_background(), &k1));
    ctx_cancel(c);
    assert_int_equal(ctx_err(v3), TK_CANCELED); /* a value context is done with its ancestor */
    assert_string_equal(ctx_value(v3, &k1), "b"); /* values outlive cancellation */
    ctx_release(v3);
    ctx_release(v2);
    ctx_close(c);
    ctx_release(v1);
}

static void cancel_value_ctx(void)
{
    static const char k = 0;
    ctx_cancel(ctx_with_value(ctx_background(), &k, NULL));
}

static void cancel_background(void) { ctx_cancel(ctx_background()); }

static void test_cancel_without_cancel_function_is_fatal(void **state)
{
    (void)state;
    assert_true(dies_of_abort(cancel_value_ctx));
    assert_true(dies_of_abort(cancel_background));
}

static void cancel_with_nil_parent(void) { ctx_with_cancel(NULL); }
static void deadline_with_nil_parent(void) { ctx_with_deadline(NULL, now_ns() + SEC); }
static void timeout_with_nil_parent(void) { ctx_with_timeout(NULL, SEC); }
static void value_with_nil_parent(void) { static const char k = 0; ctx_with_value(NULL, &k, NULL); }
static void cancel_nil(void) { ctx_cancel(NULL); }

/* context.h's NULL rule: a NULL parent or a cancel of NULL stops hard with
 * Go's message; the reference calls ignore NULL; every query reads it as
 * ctx_background(). */
static void test_null_parent_stops_with_gos_message_and_null_reads_as_background(void **state)
{
    (void)state;
    assert_true(dies_saying(cancel_with_nil_parent, "cannot create context from nil parent"));
    assert_true(dies_saying(deadline_with_nil_parent, "cannot create context from nil parent"));
    assert_true(dies_saying(timeout_with_nil_parent, "cannot create context from nil parent"));
    assert_true(dies_saying(value_with_nil_parent, "cannot create context from nil parent"));
    assert_true(dies_saying(cancel_nil, "cancel of a NULL context"));
    ctx_retain(NULL);
    ctx_release(NULL);
    ctx_close(NULL);
    assert_int_equal(ctx_err(NULL), 0);
    assert_int_equal(ctx_cause(NULL), 0);
    uint64_t d = 0;
    assert_false(ctx_deadline(NULL, &d));
    static const char k = 0;
    assert_null(ctx_value(NULL, &k));
    assert_int_equal(ctx_wait_timeout(NULL, 1 * MS), TK_TIMEOUT);
    struct ctx_hook h;
    assert_true(ctx_hook_add(NULL, &h, NULL)); /* never fires */
    assert_true(ctx_hook_remove(&h));
}

struct canceller {
    struct ctx *c;
    uint64_t delay_ns;
    atomic_uint done;
};

static void *cancel_later(void *arg)
{
    struct canceller *k = arg;
    sleep_ns(k->delay_ns);
    ctx_cancel(k->c);
    atomic_store(&k->done, 1);
    return NULL;
}

static void test_wait_blocks_until_cancelled_or_timeout(void **state)
{
    (void)state;
    struct ctx *c = ctx_with_cancel(ctx_background());
    assert_int_equal(ctx_wait_timeout(c, 10 * MS), TK_TIMEOUT);
    assert_int_equal(ctx_wait_timeout(ctx_background(), 1 * MS), TK_TIMEOUT);
    static struct canceller k;
    k = (struct canceller){.c = c, .delay_ns = 20 * MS};
    pthread_t t = spawn(cancel_later, &k);
    assert_int_equal(ctx_wait_timeout(c, WATCHDOG_NS), TK_CANCELED);
    pthread_join(t, NULL);
    ctx_close(c);
}

static bool fd_readable(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static void test_done_fd_becomes_readable(void **state)
{
    (void)state;
    struct ctx *p = ctx_with_cancel(ctx_background());
    struct ctx *c = ctx_with_cancel(p);
    int fd = ctx_done_fd(c);
    assert_true(fd >= 0);
    assert_int_equal(ctx_done_fd(c), fd); /* one per context */
    assert_false(fd_readable(fd, 0));
    assert_false(fd_readable(ctx_done_fd(ctx_background()), 0));

    /* An epoll loop waiting on a socket and on cancellation together. */
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = sv[0]};
    assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev), 0);
    ev.data.fd = fd;
    assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
    static struct canceller k;
    k = (struct canceller){.c = p, .delay_ns = 20 * MS}; /* the parent: propagation reaches the fd */
    pthread_t t = spawn(cancel_later, &k);
    struct epoll_event got;
    int n = epoll_wait(ep, &got, 1, (int)(WATCHDOG_NS / MS));
    assert_int_equal(n, 1);
    assert_int_equal(got.data.fd, fd);
    assert_true(fd_readable(fd, 0)); /* and stays readable */
    pthread_join(t, NULL);
    close(ep);
    close(sv[0]);
    close(sv[1]);

    struct ctx *late = ctx_with_cancel(p); /* born done: its fd is readable at once */
    assert_true(fd_readable(ctx_done_fd(late), 0));
    ctx_close(late);
    ctx_close(c);
    ctx_close(p);
}

static atomic_uint hook_fires;
static void count_hook(struct ctx_hook *h)
{
    (void)h;
    atomic_fetch_add(&hook_fires, 1);
}

static void test_hooks_fire_once_or_are_removed(void **state)
{
    (void)state;
    atomic_store(&hook_fires, 0);
    struct ctx *c = ctx_with_cancel(ctx_background());
    struct ctx_hook h1, h2, h3;
    assert_true(ctx_hook_add(c, &h1, count_hook));
    assert_true(ctx_hook_add(c, &h2, count_hook));
    assert_true(ctx_hook_remove(&h2)); /* taken back before firing */
    ctx_cancel(c);
    ctx_cancel(c);
    assert_int_equal(atomic_load(&hook_fires), 1);
    assert_false(ctx_hook_remove(&h1)); /* it fired */
    assert_false(ctx_hook_add(c, &h3, count_hook)); /* already done */
    assert_true(ctx_hook_add(ctx_background(), &h3, count_hook));
    assert_true(ctx_hook_remove(&h3));
    assert_int_equal(atomic_load(&hook_fires), 1);
    ctx_close(c);
}

static void test_timer_thread_exits_when_idle(void **state)
{
    (void)state;
    int before = settle_threads(mark.threads);
    struct ctx *c = ctx_with_timeout(ctx_background(), 3600 * SEC);
    assert_int_equal(thread_count(), before + 1);
    ctx_close(c); /* disarms the last deadline */
    int after = settle_threads(before);
    if (after != before)
        fail_msg("timer thread still alive: %d threads, %d before", after, before);
}

/* ---- stress: a wide tree cancelled from several threads at once ---------- */

enum { FANOUT = 40, LEAVES = 40, NODES = 1 + FANOUT + FANOUT * LEAVES, STRESS_THREADS = 4 };

static struct stress {
    struct ctx *node[NODES];
    struct ctx_hook hook[NODES];
    bool hooked[NODES];
    atomic_uint go, ready, fires, born;
    struct ctx *extra[STRESS_THREADS][64]; /* made while the tree is being cancelled */
} st;

static void stress_hook(struct ctx_hook *h)
{
    (void)h;
    atomic_fetch_add(&st.fires, 1);
}

static void *stress_thread(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    uint64_t seed = 0x9e3779b97f4a7c15u * (id + 1);
    atomic_fetch_add(&st.ready, 1);
    while (!atomic_load(&st.go))
        cpu_relax();
    if (id == 0) {
        ctx_cancel_cause(st.node[0], 99); /* the root, racing everyone */
        return NULL;
    }
    for (int i = 0; i < 64; i++) {
        /* Create under a random node while it may be being cancelled... */
        st.extra[id][i] = ctx_with_cancel(st.node[xorshift64(&seed) % NODES]);
        /* ...and cancel random nodes by hand, racing the root's cancel. */
        for (int k = 0; k < 8; k++)
            ctx_cancel(st.node[1 + xorshift64(&seed) % (NODES - 1)]);
    }
    return NULL;
}

static void test_stress_cancel_thousands_from_several_threads(void **state)
{
    (void)state;
    for (int round = 0; round < 5; round++) {
        memset(&st, 0, sizeof st);
        st.node[0] = ctx_with_cancel(ctx_background());
        for (int i = 0; i < FANOUT; i++) {
            int mid = 1 + i;
            st.node[mid] = ctx_with_cancel(st.node[0]);
            for (int j = 0; j < LEAVES; j++) {
                int leaf = 1 + FANOUT + i * LEAVES + j;
                /* Every fourth leaf has its own deadline, so the timer joins in. */
                st.node[leaf] = j % 4 ? ctx_with_cancel(st.node[mid])
                                      : ctx_with_timeout(st.node[mid], 3600 * SEC);
            }
        }
        for (int i = 0; i < NODES; i += 3)
            st.hooked[i] = ctx_hook_add(st.node[i], &st.hook[i], stress_hook);
        pthread_t t[STRESS_THREADS];
        for (unsigned i = 0; i < STRESS_THREADS; i++)
            t[i] = spawn(stress_thread, (void *)(uintptr_t)i);
        assert_true(wait_atomic_at_least(&st.ready, STRESS_THREADS));
        atomic_store(&st.go, 1);
        for (unsigned i = 0; i < STRESS_THREADS; i++)
            pthread_join(t[i], NULL);

        unsigned hooked = 0, not_done = 0;
        for (int i = 0; i < NODES; i++) {
            hooked += st.hooked[i];
            not_done += ctx_err(st.node[i]) == 0;
        }
        for (unsigned i = 1; i < STRESS_THREADS; i++)
            for (int k = 0; k < 64; k++)
                not_done += ctx_err(st.extra[i][k]) == 0;
        if (not_done)
            fail_msg("round %d: %u contexts not done after their root was cancelled", round, not_done);
        if (atomic_load(&st.fires) != hooked)
            fail_msg("round %d: %u hooks fired, %u registered", round, atomic_load(&st.fires), hooked);
        assert_int_equal(ctx_cause(st.node[0]), 99);
        for (unsigned i = 1; i < STRESS_THREADS; i++)
            for (int k = 0; k < 64; k++)
                ctx_close(st.extra[i][k]);
        for (int i = NODES - 1; i >= 0; i--)
            ctx_close(st.node[i]);
    }
}

int main(void)
{
    alarm(PROGRAM_ALARM_S);
    thread_baseline();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cancel_propagates_to_grandchildren, setup, teardown),
        cmocka_unit_test_setup_teardown(test_child_of_done_parent_is_born_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_cancel_wins_and_cancel_is_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_child_deadline_never_extends_parent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline_fires_not_early, setup, teardown),
        cmocka_unit_test_setup_teardown(test_past_deadline_is_born_exceeded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_cancelled_child_freed_with_parent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_lookup_walks_up_and_shadows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_without_cancel_function_is_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_parent_stops_with_gos_message_and_null_reads_as_background, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_blocks_until_cancelled_or_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_done_fd_becomes_readable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hooks_fire_once_or_are_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_thread_exits_when_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stress_cancel_thousands_from_several_threads, setup, teardown),
    };
    return cmocka_run_group_tests_name("toolkit: context", tests, NULL, NULL);
}
