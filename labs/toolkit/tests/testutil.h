/* testutil.h: helpers shared by the toolkit's CMocka tests: watchdog deadlines, thread counting, death tests.
 *
 * Rules every toolkit test keeps: worker threads only record what they see
 * (atomics); the main thread asserts (CMocka's asserts are not
 * thread-safe).  Every wait has a deadline far beyond any sane run (TSan on
 * a shared 2-vCPU VM is 5-15x slower), so a lost wake-up fails the test
 * instead of hanging it; alarm() in main is the last resort.  No test
 * asserts speed.
 */
#ifndef MEMLAB_TOOLKIT_TESTUTIL_H
#define MEMLAB_TOOLKIT_TESTUTIL_H

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "locks/sys.h"

#define MS (1000ull * 1000)
#define SEC (1000ull * MS)
/* A hang, not slowness. */
#define WATCHDOG_NS (30 * SEC)
/* The whole program: the last resort against a hang. */
#define PROGRAM_ALARM_S 300

static inline uint64_t watchdog(void) { return now_ns() + WATCHDOG_NS; }

/* Entries in /proc/self/task: the threads alive in this process. */
static inline int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void *no_op_thread(void *arg) { return arg; }

/* The threads this test program has when idle, set by thread_baseline() at
 * the start of main.  Not simply 1: ThreadSanitizer starts a background
 * thread of its own at the program's first pthread_create. */
static int base_threads = 1;

static inline void thread_baseline(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, no_op_thread, NULL) == 0)
        pthread_join(t, NULL);
    sleep_ns(20 * MS);
    base_threads = thread_count();
}

/* Wait until the thread count is at most want (a thread that has returned
 * takes a moment to leave /proc, and the context timer thread lingers 50 ms
 * after its last deadline).  Returns the last count seen. */
static inline int settle_threads(int want)
{
    uint64_t end = watchdog();
    int n;
    while ((n = thread_count()) > want && now_ns() < end)
        sleep_ns(1 * MS);
    return n;
}

/* Wait until ctx_live() is at most want: the timer thread drops its
 * reference on a context it fired a moment after the context is done.
 * Returns the last count seen.  (Defined here, used by tests that link the
 * context; a static inline that is unused costs nothing.) */
long ctx_live(void);
static inline long settle_live(long want)
{
    uint64_t end = watchdog();
    long n;
    while ((n = ctx_live()) > want && now_ns() < end)
        sleep_ns(1 * MS);
    return n;
}

/* A test's footprint: contexts alive and threads running.  Take a mark in
 * setup; leak_check in teardown fails (-1, with the numbers on stderr) when
 * a context or a thread is left over once things have had time to settle. */
struct leak_mark {
    int threads;
    long live;
};

static inline struct leak_mark leak_mark_now(void)
{
    struct leak_mark m;
    m.threads = settle_threads(base_threads);
    m.live = ctx_live();
    return m;
}

static inline int leak_check(struct leak_mark before)
{
    long live = settle_live(before.live);
    if (live != before.live) {
        fprintf(stderr, "contexts leaked: %ld live, %ld before\n", live, before.live);
        return -1;
    }
    int n = settle_threads(before.threads);
    if (n > before.threads) {
        fprintf(stderr, "threads left behind: %d, %d before\n", n, before.threads);
        return -1;
    }
    return 0;
}

/* Poll until *v >= want or the watchdog; true when reached. */
static inline bool wait_atomic_at_least(atomic_uint *v, unsigned want)
{
    uint64_t end = watchdog();
    while (atomic_load(v) < want) {
        if (now_ns() > end)
            return false;
        sleep_ns(100 * 1000);
    }
    return true;
}

static inline pthread_t spawn(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, arg) != 0) {
        fprintf(stderr, "pthread_create failed\n");
        abort();
    }
    return t;
}

/* Run fn in a child process: true when it died of abort() (lock_fatal). */
static inline bool dies_of_abort(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(3);
        fn();
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return false;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

#endif
