/* sys.c: futex, clock, pinning and allocation helpers declared in sys.h. */
#include "locks/sys.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The futex word is an atomic_uint; the kernel reads it as a plain aligned
 * 32-bit int, which is what atomic_uint is on every Linux ABI. */
_Static_assert(sizeof(atomic_uint) == 4, "futex words are 32 bits");

int futex_wait(atomic_uint *word, unsigned expected, uint64_t timeout_ns)
{
    struct timespec ts, *tsp = NULL;
    if (timeout_ns) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
        ts.tv_nsec = (long)(timeout_ns % 1000000000u);
        tsp = &ts;
    }
    long rc = syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, tsp, NULL, 0);
    if (rc == -1 && errno == EAGAIN)
        return 0; /* *word had already changed: as good as a wake-up */
    return rc == 0 ? 0 : -1;
}

int futex_wake(atomic_uint *word, int n)
{
    return (int)syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Ticks per second of the timebase, 0 until first asked.  Measured over
 * ~5 ms between two (counter, clock) pairs, each taken as the tightest of a
 * few tries so a preemption between the two reads does not skew it; several
 * threads may measure at once and store the same answer (relaxed: a plain
 * cache of a value every thread computes alike). */
static _Atomic uint64_t timebase_rate;

static void clock_and_ticks(uint64_t *ns, uint64_t *ticks)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 5; i++) {
        uint64_t t0 = timebase_now(), c = now_ns(), t1 = timebase_now();
        if (t1 - t0 < best) {
            best = t1 - t0;
            *ns = c;
            *ticks = t0 + (t1 - t0) / 2;
        }
    }
}

uint64_t timebase_hz(void)
{
    uint64_t hz = atomic_load_explicit(&timebase_rate, memory_order_relaxed);
    if (hz)
        return hz;
    hz = arch_timebase_hz();
    if (hz == 0) {
        uint64_t ns0 = 0, t0 = 0, ns1 = 0, t1 = 0;
        clock_and_ticks(&ns0, &t0);
        do
            clock_and_ticks(&ns1, &t1);
        while (ns1 - ns0 < 5000000u);
        hz = (uint64_t)((double)(t1 - t0) * 1e9 / (double)(ns1 - ns0) + 0.5);
    }
    if (hz == 0)
        hz = 1000000000u; /* a counter that does not move: treat ticks as ns */
    atomic_store_explicit(&timebase_rate, hz, memory_order_relaxed);
    return hz;
}

uint64_t timebase_ticks(uint64_t ns)
{
    if (ns == 0)
        return 0;
    uint64_t t = (uint64_t)((double)ns * (double)timebase_hz() / 1e9 + 0.999);
    return t ? t : 1;
}

uint64_t timebase_ns(uint64_t ticks)
{
    return (uint64_t)((double)ticks * 1e9 / (double)timebase_hz() + 0.5);
}

void spin_ns(uint64_t ns)
{
    if (ns == 0)
        return;
    uint64_t end = now_ns() + ns;
    while (now_ns() < end)
        cpu_relax();
}

void sleep_ns(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

int online_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int nth_allowed_cpu(int n)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return n;
    int count = CPU_COUNT(&set);
    if (count == 0)
        return 0;
    n %= count;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &set) && n-- == 0)
            return cpu;
    return 0;
}

int pin_to_cpu(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

const char *exec_prefix(void)
{
    static char buf[512];
    const char *w = getenv("MEMLAB_EXEC");
    if (!w || !*w)
        return "";
    snprintf(buf, sizeof buf, "%s ", w);
    return buf;
}

bool running_emulated(void)
{
    const char *w = getenv("MEMLAB_EXEC");
    if (w && *w)
        return true;
#if !defined(__x86_64__) && !defined(__i386__)
    /* Started by hand under qemu-user on an x86 host: qemu passes the
     * host's /proc/cpuinfo through, whose "vendor_id" lines no ARM kernel
     * writes. */
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    bool x86_host = false;
    while (f && !x86_host && fgets(line, sizeof line, f))
        x86_host = strncmp(line, "vendor_id", 9) == 0;
    if (f)
        fclose(f);
    return x86_host;
#else
    return false;
#endif
}

void *xaligned_alloc(size_t size)
{
    size_t rounded = (size + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
    void *p = aligned_alloc(CACHE_LINE, rounded ? rounded : CACHE_LINE);
    if (!p) {
        fprintf(stderr, "memlab: out of memory allocating %zu bytes\n", size);
        abort();
    }
    memset(p, 0, rounded ? rounded : CACHE_LINE);
    return p;
}
