/* testutil.h: helpers shared by memlab's CMocka tests: watchdog deadlines, thread counting, death tests, running programs.
 *
 * The toolkit's tests and every lab's (through labs/labtest.h) include it, and
 * so do the tests elsewhere that run one of the project's programs (locks/,
 * notes/demos/, lab 07): run_capture and build_path below are the one copy of
 * "run it and capture what it says".
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
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
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

/* ---- running programs ----------------------------------------------------- */

/* The build directory whose programs a test runs: $MEMLAB_BUILD when set
 * (make sets it); otherwise found from this test program's own path, which
 * the Makefile makes BUILD/tests/ + the test's source path without ".c", so
 * a test program run by hand from any directory still finds its programs.
 * "build" when neither works. */
static inline const char *build_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("MEMLAB_BUILD");
    if (env && *env)
        return env;
    if (dir[0])
        return dir;
    char self[PATH_MAX], suffix[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    /* __BASE_FILE__: the .c file being compiled, as the Makefile names it. */
    int m = snprintf(suffix, sizeof suffix, "/tests/%s", __BASE_FILE__);
    if (n > 0 && m > 2 && (size_t)m < sizeof suffix && strcmp(suffix + m - 2, ".c") == 0) {
        self[n] = '\0';
        suffix[m - 2] = '\0';
        size_t len = (size_t)n, slen = (size_t)m - 2;
        if (len > slen && strcmp(self + len - slen, suffix) == 0) {
            memcpy(dir, self, len - slen); /* len < sizeof self == sizeof dir */
            dir[len - slen] = '\0';
            return dir;
        }
    }
    return "build";
}

/* Stop the test program: a path or command that does not fit its buffer
 * would run the wrong thing. */
static inline void fits_or_abort(int n, size_t size, const char *what)
{
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "testutil: %s does not fit in %zu bytes\n", what, size);
        abort();
    }
}

/* BUILD/rel, e.g. build_path(buf, sizeof buf, "bin/lockstress"). */
static inline const char *build_path(char *buf, size_t size, const char *rel)
{
    fits_or_abort(snprintf(buf, size, "%s/%s", build_dir(), rel), size, rel);
    return buf;
}

/* A program that outlives this is hung: killed, and the run fails. */
#define RUN_LIMIT_NS (120 * SEC)

/* Run the shell command cmd (sh -c, in a process group of its own) with its
 * stdout and stderr both captured in out (NUL-terminated; what does not fit
 * is read and dropped).  Returns its exit status 0..255, or -1 when it did
 * not exit by itself (a signal, or killed after RUN_LIMIT_NS), or could not
 * be started. */
static inline int run_capture(const char *cmd, char *out, size_t size)
{
    int fd[2];
    out[0] = '\0';
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    uint64_t end = now_ns() + RUN_LIMIT_NS;
    bool killed = false;
    for (;;) {
        struct pollfd p = {.fd = fd[0], .events = POLLIN};
        int r = poll(&p, 1, 100);
        if (r > 0) {
            char tmp[4096];
            ssize_t got = read(fd[0], tmp, sizeof tmp);
            if (got <= 0)
                break;
            size_t take = (size_t)got < size - 1 - len ? (size_t)got : size - 1 - len;
            memcpy(out + len, tmp, take);
            len += take;
        } else if (r < 0 && errno != EINTR) {
            break;
        } else if (!killed && now_ns() > end) {
            kill(-pid, SIGKILL);
            killed = true;
        }
    }
    out[len] = '\0';
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return !killed && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Run BUILD/program with args (a shell word list, may be ""): run_capture.
 * The program starts through exec_prefix() (qemu-aarch64 in make test-arm64). */
static inline int run_build(const char *program, const char *args, char *out, size_t size)
{
    char cmd[PATH_MAX + 1024];
    fits_or_abort(snprintf(cmd, sizeof cmd, "%s'%s/%s' %s", exec_prefix(), build_dir(), program, args),
                  sizeof cmd, args);
    return run_capture(cmd, out, size);
}

/* ---- death tests ------------------------------------------------------------ */

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

/* Run fn in a child process: true when it died of abort() after writing
 * message on stderr (a hard stop that says why, as Go's panics do).  What
 * it wrote goes to this test's stderr when the answer is false. */
static inline bool dies_saying(void (*fn)(void), const char *message)
{
    int fd[2];
    if (pipe(fd) != 0)
        return false;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        fn();
        _exit(0);
    }
    close(fd[1]);
    char said[4096];
    size_t len = 0;
    ssize_t got;
    while (len < sizeof said - 1 && (got = read(fd[0], said + len, sizeof said - 1 - len)) > 0)
        len += (size_t)got;
    said[len] = '\0';
    close(fd[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return false;
    bool ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && strstr(said, message);
    if (!ok)
        fprintf(stderr, "want a hard stop saying '%s'; the child %s %d and said:\n%s\n", message,
                WIFSIGNALED(status) ? "died of signal" : "exited with",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), said);
    return ok;
}

#endif
