/* test_stress.c: the stress harness's watchdog: a lock that loses a wake-up is reported hung, and the threads it abandons run on safely after the caller's config is gone.
 *
 * The lock here is deliberately broken: once `losing` is set, unlock forgets
 * to release, as a lock that loses a wake-up would leave its waiters.  The
 * harness must say STRESS_HUNG within its watchdog, and return while its
 * threads are still waiting.  Those threads read the run's config every
 * operation: the harness keeps its own copy, so the test frees (and first
 * scribbles over) its own before it lets the threads go (ASan reports a read
 * of freed memory; without it, garbage in the config crashes).  Then the
 * test hands the lock back the way its unlock should have, and every thread
 * must see the stop and leave.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locks/lock.h"
#include "locks/stress.h"
#include "locks/sys.h"

enum { THREADS = 4 };

struct lossy {
    atomic_bool held;
    atomic_bool lost; /* an unlock was dropped (release: the holder's section came before) */
};

static struct lossy *the_lock;       /* the one instance, for the test to hand back */
static atomic_bool losing;           /* unlocks are dropped while set */
static atomic_uint exits;            /* threads that left (thread_exit) */

static int lossy_init(void *l)
{
    struct lossy *k = l;
    atomic_init(&k->held, false);
    atomic_init(&k->lost, false);
    the_lock = k;
    return 0;
}

static void lossy_destroy(void *l) { (void)l; }

static void lossy_lock(void *l, void *node)
{
    (void)node;
    struct lossy *k = l;
    while (atomic_exchange_explicit(&k->held, true, memory_order_acquire))
        sleep_ns(50000); /* the waiters sleep: a hang that burns no CPU */
}

static void lossy_unlock(void *l, void *node)
{
    (void)node;
    struct lossy *k = l;
    if (atomic_load(&losing))
        atomic_store_explicit(&k->lost, true, memory_order_release); /* and held stays true */
    else
        atomic_store_explicit(&k->held, false, memory_order_release);
}

static void lossy_thread_exit(void *l, void *node)
{
    (void)l;
    (void)node;
    atomic_fetch_add(&exits, 1);
}

static const struct lock_ops lossy_ops = {
    .name = "lossy",
    .summary = "a lock whose unlock is dropped on demand (a lost wake-up)",
    .kind = LOCK_KIND_MUTEX,
    .size = sizeof(struct lossy),
    .init = lossy_init,
    .destroy = lossy_destroy,
    .lock = lossy_lock,
    .unlock = lossy_unlock,
    .thread_exit = lossy_thread_exit,
};

static void a_lost_wakeup_is_reported_and_its_threads_outlive_the_callers_config(void **state)
{
    (void)state;
    atomic_store(&losing, true);
    atomic_store(&exits, 0);
    struct stress_config *cfg = malloc(sizeof *cfg);
    struct stress_result *r = malloc(sizeof *r);
    assert_non_null(cfg);
    assert_non_null(r);
    *cfg = (struct stress_config){
        .ops = &lossy_ops,
        .threads = THREADS,
        .duration_ns = 20000000ull,
        .read_pct = -1,
        .watchdog_ns = 200000000ull,
    };
    uint64_t t0 = now_ns();
    enum stress_status st = stress_run(cfg, r);
    double took = (double)(now_ns() - t0) / 1e9;
    print_message("  stress_run returned %d after %.2f s with %u of %u threads gone\n", st, took,
                  atomic_load(&exits), THREADS);
    if (st != STRESS_HUNG)
        fail_msg("a lock that dropped its unlock: status %d, want STRESS_HUNG (%d)", st, STRESS_HUNG);
    if (took > 5.0)
        fail_msg("the watchdog of 0.2 s fired after %.2f s", took);

    memset(cfg, 0xa5, sizeof *cfg); /* the caller's config is gone */
    free(cfg);
    free(r);

    /* Hand the lock back as the dropped unlock should have: the waiters take
     * it in turn, find the stop set, and leave. */
    while (!atomic_load_explicit(&the_lock->lost, memory_order_acquire))
        sleep_ns(1000000);
    atomic_store(&losing, false);
    atomic_store_explicit(&the_lock->held, false, memory_order_release);
    uint64_t deadline = now_ns() + 10000000000ull;
    while (atomic_load(&exits) < THREADS && now_ns() < deadline)
        sleep_ns(1000000);
    if (atomic_load(&exits) != THREADS)
        fail_msg("%u of %u abandoned threads left within 10 s of the lock's return", atomic_load(&exits), THREADS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_lost_wakeup_is_reported_and_its_threads_outlive_the_callers_config),
    };
    return cmocka_run_group_tests_name("stress harness watchdog", tests, NULL, NULL);
}
