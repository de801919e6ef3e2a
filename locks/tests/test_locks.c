/* test_locks.c: properties every lock in the registry must have, checked for each one in turn.
 *
 * Tests are generated from lock_registry, so a new lock is tested the moment
 * it is registered: mutual exclusion at 2 and at 8 threads (oversubscribed on
 * a 2-core machine), trylock semantics, FIFO order for locks flagged
 * LOCK_FIFO, no lost wake-ups for locks that sleep, and, for every memlab
 * lock (the glibc baselines are exempt: misusing them is undefined), a hard
 * stop in lock_fatal on an unlock of a free lock or by a thread that does not
 * hold it.  Those run in a child process, so the stop does not end the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "locks/lock.h"
#include "locks/stress.h"
#include "locks/sys.h"

enum { WATCHDOG_NS = 10000000000ull };

/* ---- mutual exclusion ------------------------------------------------------ */

static void check_exclusion(const struct lock_ops *ops, unsigned threads)
{
    struct stress_config cfg = {
        .ops = ops,
        .threads = threads,
        .duration_ns = 200000000ull,
        .cs_ns = 100,
        /* rwlocks and configs: half reads, so both sides run against each other */
        .read_pct = ops->kind == LOCK_KIND_MUTEX ? -1 : 50,
        .watchdog_ns = WATCHDOG_NS,
    };
    struct stress_result *r = malloc(sizeof *r);
    assert_non_null(r);
    enum stress_status st = stress_run(&cfg, r);
    /* On a machine loaded far beyond its CPUs the threads may not all get a
     * CPU inside the window: run again, longer, rather than judge no work. */
    for (int again = 0; again < 3 && st == STRESS_OK && r->writes == 0; again++) {
        cfg.duration_ns *= 4;
        st = stress_run(&cfg, r);
    }
    print_message("  %s x%u: %llu ops (%llu reads), %llu handoffs, jain %.3f, %llu violations\n",
                  ops->name, threads, (unsigned long long)r->total, (unsigned long long)r->reads,
                  (unsigned long long)r->handoffs, r->jain, (unsigned long long)r->violations);
    if (st == STRESS_HUNG)
        fail_msg("%s with %u threads hung: watchdog fired", ops->name, threads);
    if (st != STRESS_OK || r->violations != 0 || r->writes == 0)
        fail_msg("%s with %u threads: status %d, %llu violations, %llu writes (want 0 violations, "
                 "some writes)",
                 ops->name, threads, st, (unsigned long long)r->violations,
                 (unsigned long long)r->writes);
    free(r);
}

static void mutual_exclusion_2_threads(void **state) { check_exclusion(*state, 2); }
static void mutual_exclusion_8_threads(void **state) { check_exclusion(*state, 8); }

/* ---- helper threads that take a lock while the test watches ---------------- */

struct taker {
    const struct lock_ops *ops;
    void *lock;
    unsigned id;
    bool read;              /* take the read side */
    atomic_bool release;    /* holder threads: leave when set */
    atomic_bool holding;    /* holder threads: set once inside */
    atomic_uint *done;      /* incremented when the thread is finished */
    unsigned *order;        /* FIFO test: ids in acquisition order (protected by the lock) */
    unsigned *order_len;
    pthread_t thread;
};

static void *hold_until_released(void *arg)
{
    struct taker *t = arg;
    void *node = lock_node_new(t->ops);
    if (t->ops->thread_enter)
        t->ops->thread_enter(t->lock, node);
    if (t->read)
        t->ops->read_lock(t->lock, node);
    else
        t->ops->lock(t->lock, node);
    atomic_store(&t->holding, true);
    while (!atomic_load(&t->release))
        sleep_ns(100000);
    if (t->read)
        t->ops->read_unlock(t->lock, node);
    else
        t->ops->unlock(t->lock, node);
    if (t->ops->thread_exit)
        t->ops->thread_exit(t->lock, node);
    free(node);
    return NULL;
}

static void *lock_once(void *arg)
{
    struct taker *t = arg;
    void *node = lock_node_new(t->ops);
    if (t->ops->thread_enter)
        t->ops->thread_enter(t->lock, node);
    t->ops->lock(t->lock, node);
    if (t->order)
        t->order[(*t->order_len)++] = t->id;
    t->ops->unlock(t->lock, node);
    if (t->ops->thread_exit)
        t->ops->thread_exit(t->lock, node);
    free(node);
    atomic_fetch_add(t->done, 1);
    return NULL;
}

static bool wait_until(atomic_bool *flag, uint64_t timeout_ns)
{
    uint64_t deadline = now_ns() + timeout_ns;
    while (!atomic_load(flag))
        if (now_ns() > deadline)
            return false;
        else
            sleep_ns(100000);
    return true;
}

static bool wait_count(atomic_uint *count, unsigned want, uint64_t timeout_ns)
{
    uint64_t deadline = now_ns() + timeout_ns;
    while (atomic_load(count) < want)
        if (now_ns() > deadline)
            return false;
        else
            sleep_ns(100000);
    return true;
}

/* ---- trylock ----------------------------------------------------------------- */

static void try_while_held(const struct lock_ops *ops, void *lock, void *node, bool read)
{
    struct taker holder = {.ops = ops, .lock = lock, .read = read};
    assert_int_equal(pthread_create(&holder.thread, NULL, hold_until_released, &holder), 0);
    if (!wait_until(&holder.holding, WATCHDOG_NS))
        fail_msg("%s: holder thread never got the %s lock", ops->name, read ? "read" : "write");
    if (ops->trylock(lock, node))
        fail_msg("%s: trylock succeeded while another thread held the %s side", ops->name,
                 read ? "read" : "write");
    atomic_store(&holder.release, true);
    pthread_join(holder.thread, NULL);
}

static void trylock_semantics(void **state)
{
    const struct lock_ops *ops = *state;
    void *lock = lock_new(ops);
    assert_non_null(lock);
    void *node = lock_node_new(ops);
    if (ops->thread_enter)
        ops->thread_enter(lock, node);

    if (!ops->trylock(lock, node))
        fail_msg("%s: trylock on a free lock failed", ops->name);
    ops->unlock(lock, node);

    try_while_held(ops, lock, node, false);
    if (ops->kind == LOCK_KIND_RW)
        try_while_held(ops, lock, node, true);

    if (!ops->trylock(lock, node))
        fail_msg("%s: trylock failed after the holder released", ops->name);
    ops->unlock(lock, node);

    if (ops->thread_exit)
        ops->thread_exit(lock, node);
    free(node);
    lock_free(ops, lock);
}

/* ---- FIFO order ------------------------------------------------------------ */

enum { FIFO_WAITERS = 6 };

/* Hold the lock, start waiters one at a time (each only once the previous
 * one is queued, so arrival order is known), release, and check they were
 * served in arrival order. */
static void fifo_order(void **state)
{
    const struct lock_ops *ops = *state;
    void *lock = lock_new(ops);
    void *node = lock_node_new(ops);
    unsigned order[FIFO_WAITERS], order_len = 0;
    atomic_uint done = 0;
    struct taker w[FIFO_WAITERS];

    ops->lock(lock, node);
    for (unsigned i = 0; i < FIFO_WAITERS; i++) {
        w[i] = (struct taker){.ops = ops, .lock = lock, .id = i, .done = &done,
                              .order = order, .order_len = &order_len};
        assert_int_equal(pthread_create(&w[i].thread, NULL, lock_once, &w[i]), 0);
        uint64_t deadline = now_ns() + WATCHDOG_NS;
        while (ops->waiters(lock, node) < i + 1) {
            if (now_ns() > deadline)
                fail_msg("%s: waiter %u never queued (waiters says %u)", ops->name, i,
                         ops->waiters(lock, node));
            sleep_ns(100000);
        }
    }
    ops->unlock(lock, node);
    if (!wait_count(&done, FIFO_WAITERS, WATCHDOG_NS))
        fail_msg("%s: only %u of %d waiters finished: lost wake-up?", ops->name,
                 atomic_load(&done), FIFO_WAITERS);
    for (unsigned i = 0; i < FIFO_WAITERS; i++)
        pthread_join(w[i].thread, NULL);

    char got[64] = "", *p = got;
    for (unsigned i = 0; i < order_len; i++)
        p += sprintf(p, "%u ", order[i]);
    print_message("  %s served waiters in order: %s\n", ops->name, got);
    assert_int_equal(order_len, FIFO_WAITERS);
    for (unsigned i = 0; i < FIFO_WAITERS; i++)
        if (order[i] != i)
            fail_msg("%s: arrival order 0..%d, served in order %s", ops->name,
                     FIFO_WAITERS - 1, got);
    free(node);
    lock_free(ops, lock);
}

/* ---- no lost wake-ups -------------------------------------------------------- */

enum { WAKE_ROUNDS = 20, WAKE_SLEEPERS = 4 };

/* Hold the lock long enough that the other threads go to sleep in the
 * kernel, release it, and insist they all get through. */
static void no_lost_wakeups(void **state)
{
    const struct lock_ops *ops = *state;
    void *lock = lock_new(ops);
    void *node = lock_node_new(ops);
    if (ops->thread_enter)
        ops->thread_enter(lock, node);
    for (int round = 0; round < WAKE_ROUNDS; round++) {
        atomic_uint done = 0;
        struct taker t[WAKE_SLEEPERS];
        ops->lock(lock, node);
        for (unsigned i = 0; i < WAKE_SLEEPERS; i++) {
            t[i] = (struct taker){.ops = ops, .lock = lock, .id = i, .done = &done};
            assert_int_equal(pthread_create(&t[i].thread, NULL, lock_once, &t[i]), 0);
        }
        sleep_ns(2000000); /* let them reach the futex */
        ops->unlock(lock, node);
        if (!wait_count(&done, WAKE_SLEEPERS, WATCHDOG_NS))
            fail_msg("%s round %d: %u of %d sleepers never woke (lost wake-up)", ops->name,
                     round, WAKE_SLEEPERS - atomic_load(&done), WAKE_SLEEPERS);
        for (unsigned i = 0; i < WAKE_SLEEPERS; i++)
            pthread_join(t[i].thread, NULL);
    }
    if (ops->thread_exit)
        ops->thread_exit(lock, node);
    free(node);
    lock_free(ops, lock);
}

/* ---- misuse stops the program (the owner check, lock.h) ---------------------- */

enum { MISUSE_DEADLINE_MS = 10000 };

/* Run misuse(ops) in a child process and insist that it stops with SIGABRT
 * and a "fatal error" line on stderr within the deadline: not a hang, not a
 * silent return, not a crash of another kind. */
static void expect_fatal(const struct lock_ops *ops, void (*misuse)(const struct lock_ops *),
                         const char *what)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        misuse(ops);
        _exit(0); /* the misuse went unnoticed */
    }
    close(fds[1]);
    char err[2048] = "";
    size_t len = 0;
    int status = 0;
    bool exited = false;
    uint64_t deadline = now_ns() + MISUSE_DEADLINE_MS * 1000000ull;
    while (!exited && now_ns() < deadline) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        if (poll(&p, 1, 10) > 0 && len + 1 < sizeof err) {
            ssize_t n = read(fds[0], err + len, sizeof err - 1 - len);
            if (n > 0)
                len += (size_t)n;
        }
        exited = waitpid(pid, &status, WNOHANG) == pid;
    }
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    ssize_t n;
    while (len + 1 < sizeof err && (n = read(fds[0], err + len, sizeof err - 1 - len)) > 0)
        len += (size_t)n;
    err[len] = 0;
    close(fds[0]);
    print_message("  %s, %s: %s", ops->name, what, len ? err : "(nothing on stderr)\n");
    if (!exited)
        fail_msg("%s: %s hung for %d ms instead of stopping", ops->name, what,
                 MISUSE_DEADLINE_MS);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT || !strstr(err, "fatal error"))
        fail_msg("%s: %s ended with %s %d and stderr \"%s\" (want SIGABRT and a fatal error)",
                 ops->name, what, WIFSIGNALED(status) ? "signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), err);
}

static void unlock_free_lock(const struct lock_ops *ops)
{
    void *lock = lock_new(ops);
    void *node = lock_node_new(ops);
    if (ops->thread_enter)
        ops->thread_enter(lock, node);
    ops->lock(lock, node);
    ops->unlock(lock, node);
    ops->unlock(lock, node); /* the second one must stop */
}

static void unlock_of_unlocked_stops(void **state)
{
    expect_fatal(*state, unlock_free_lock, "unlock of a free lock");
}

static void unlock_held_elsewhere(const struct lock_ops *ops)
{
    void *lock = lock_new(ops);
    void *node = lock_node_new(ops);
    if (ops->thread_enter) /* first: a config's registration takes the writer lock */
        ops->thread_enter(lock, node);
    struct taker holder = {.ops = ops, .lock = lock};
    if (pthread_create(&holder.thread, NULL, hold_until_released, &holder) != 0 ||
        !wait_until(&holder.holding, WATCHDOG_NS))
        _exit(3);
    ops->unlock(lock, node); /* not ours: must stop */
}

static void unlock_by_non_owner_stops(void **state)
{
    expect_fatal(*state, unlock_held_elsewhere, "unlock by a thread that does not hold it");
}

/* ---- one test per (property, lock) ------------------------------------------ */

struct property {
    const char *name;
    CMUnitTestFunction fn;
    bool (*applies)(const struct lock_ops *);
};

static bool always(const struct lock_ops *o) { (void)o; return true; }
static bool has_trylock(const struct lock_ops *o) { return o->trylock != NULL; }
static bool is_fifo(const struct lock_ops *o) { return (o->flags & LOCK_FIFO) && o->waiters; }
static bool sleeps(const struct lock_ops *o) { return o->flags & LOCK_SLEEPS; }
static bool ours(const struct lock_ops *o) { return !(o->flags & LOCK_BASELINE); }

static const struct property properties[] = {
    {"mutual_exclusion_2_threads", mutual_exclusion_2_threads, always},
    {"mutual_exclusion_8_threads", mutual_exclusion_8_threads, always},
    {"trylock_semantics", trylock_semantics, has_trylock},
    {"fifo_order", fifo_order, is_fifo},
    {"no_lost_wakeups", no_lost_wakeups, sleeps},
    {"unlock_of_unlocked_stops", unlock_of_unlocked_stops, ours},
    {"unlock_by_non_owner_stops", unlock_by_non_owner_stops, ours},
};

int main(void)
{
    size_t max = 0;
    for (const struct lock_ops *const *p = lock_registry; *p; p++)
        max += sizeof properties / sizeof properties[0];
    struct CMUnitTest *tests = calloc(max, sizeof *tests);
    size_t n = 0;
    for (size_t k = 0; k < sizeof properties / sizeof properties[0]; k++)
        for (const struct lock_ops *const *p = lock_registry; *p; p++) {
            if (!properties[k].applies(*p))
                continue;
            char *name = malloc(strlen(properties[k].name) + strlen((*p)->name) + 2);
            sprintf(name, "%s/%s", properties[k].name, (*p)->name);
            tests[n++] = (struct CMUnitTest){
                .name = name, .test_func = properties[k].fn, .initial_state = (void *)*p};
        }
    int failed = _cmocka_run_group_tests("lock registry", tests, n, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free((void *)tests[i].name);
    free(tests);
    return failed;
}
