/* sys.h: the small machine helpers every part of memlab includes (futex, pause, padding, pinning, clocks).
 * What differs between CPUs is in arch.h, which this includes. */
#ifndef MEMLAB_SYS_H
#define MEMLAB_SYS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "locks/arch.h"

/* Cores move memory between them in lines (64 bytes on x86-64, 128 counted
 * on aarch64: arch.h).  Two hot variables written by different threads must
 * not share one, or every write by one thread steals the line from the other
 * (false sharing). */
#define CACHE_LINE ARCH_CACHE_LINE
#define CACHE_ALIGNED _Alignas(CACHE_LINE)

/* MEMLAB_TSAN: this is a ThreadSanitizer build (gcc says so with a macro,
 * clang with a feature test). */
#if defined(__SANITIZE_THREAD__)
#define MEMLAB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MEMLAB_TSAN 1
#endif
#endif

#ifdef MEMLAB_TSAN
#include <sched.h>
#endif

/* Tell the CPU we are in a spin-wait loop (PAUSE on x86-64, ISB on aarch64:
 * arch.h says why each), and re-read memory on each spin: it is also a
 * compiler barrier. */
static inline void cpu_relax(void)
{
    arch_spin_pause();
    atomic_signal_fence(memory_order_seq_cst); /* compiler-only: re-read memory each spin */
#ifdef MEMLAB_TSAN
    /* Under ThreadSanitizer every atomic access to a word takes a mutex of
     * the tsan runtime that guards that word's history.  A thread that has
     * gone to sleep on that mutex (the holder of a spinlock, on its way to
     * the release store) must win it against every spinner's exchange, and
     * with 8 threads on 2 CPUs it lost for over 10 s: TAS at 8 threads hung
     * in 2 runs of 10 (one thread in futex_wait inside tsan, seven running).
     * So under tsan a spin gives its CPU away; the timing a sanitizer build
     * measures means nothing anyway. */
    sched_yield();
#endif
}

/* futex_wait: sleep while *word == expected, until futex_wake on the same
 * word, a signal, or timeout_ns (0 means no timeout) passes.  The kernel
 * checks *word == expected and queues the caller atomically, which is what
 * makes "check the lock word, then sleep" free of lost wake-ups.  Returns 0
 * when woken (or the value had already changed), or -1 with errno set to
 * ETIMEDOUT, EINTR or EAGAIN.  Callers always re-check their condition:
 * wake-ups can be spurious. */
int futex_wait(atomic_uint *word, unsigned expected, uint64_t timeout_ns);

/* futex_wake: wake up to n threads sleeping on word; returns how many woke. */
int futex_wake(atomic_uint *word, int n);

/* The timebase (arch.h): a constant-rate counter shared by all cores, read
 * without a system call (the TSC on x86-64, CNTVCT_EL0 on aarch64); litmus
 * uses it to start threads at the same instant. */
static inline uint64_t timebase_now(void)
{
    return arch_timebase();
}

/* The timebase's ticks per second: CNTFRQ_EL0 on aarch64; on x86-64 measured
 * once against CLOCK_MONOTONIC over ~5 ms (to ~0.1 %), then remembered. */
uint64_t timebase_hz(void);

/* Timebase ticks in ns nanoseconds (rounded up, at least 1 when ns > 0), and back. */
uint64_t timebase_ticks(uint64_t ns);
uint64_t timebase_ns(uint64_t ticks);

/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC, through the vDSO: ~20 ns). */
uint64_t now_ns(void);

/* Busy-wait about ns nanoseconds without sleeping (a stand-in for work). */
void spin_ns(uint64_t ns);

/* Sleep the calling thread for ns nanoseconds. */
void sleep_ns(uint64_t ns);

/* Number of CPUs this process may run on. */
int online_cpus(void);

/* Pin the calling thread to one CPU; returns 0 or an errno value. */
int pin_to_cpu(int cpu);

/* The n-th CPU (counting from 0, wrapping) in this process's affinity mask,
 * so pinning works inside containers and taskset'd shells. */
int nth_allowed_cpu(int n);

/* Tests start this build's programs through $MEMLAB_EXEC (the Makefile's
 * EXEC): empty natively, an emulator such as "qemu-aarch64 -L /" when the
 * build is for another CPU (make test-arm64; without binfmt_misc nothing
 * foreign starts by itself).  exec_prefix() is it with a space, or "", to
 * put in front of a shell command. */
const char *exec_prefix(void);

/* Whether this process runs under that emulator (make test-arm64 sets
 * MEMLAB_EXEC; an aarch64 build started by hand under qemu-user sees the x86
 * host's /proc/cpuinfo).  The code runs with the host's memory ordering, not
 * ARM's: qemu-user on x86-64 shows none of ARM's own reorderings, yet lets a
 * load pass an earlier store-release (STLR then LDAR: SB+relacqs shows in
 * half the runs), which ARM forbids; and without ThreadSanitizer. */
bool running_emulated(void);

/* Memory aligned to a cache line and zeroed; abort()s when out of memory
 * (a teaching lab has nothing sensible to do then). Free with free(). */
void *xaligned_alloc(size_t size);

/* xorshift64: a tiny per-thread random generator for backoff and mixes. */
static inline uint64_t xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* single_writer_add(obj, delta): *obj += delta for an atomic counter that
 * exactly one thread writes (or only threads that hold one mutex) while any
 * thread may read it.  A relaxed load and a relaxed store, not a fetch-add:
 * with one writer nobody can slip an update in between, so the locked
 * read-modify-write (LOCK XADD on x86, ~20 cycles and a cache-line lock) buys
 * nothing; x86: MOV, ADD, MOV.  relaxed, both: the counter is a number to
 * report and orders nothing; a reader sees some recent value, never a torn
 * one.  Type-generic like the atomic_* operations it is made of (a macro for
 * that reason only): works on every atomic integer type. */
#define single_writer_add(obj, delta)                                                          \
    atomic_store_explicit((obj), atomic_load_explicit((obj), memory_order_relaxed) + (delta),  \
                          memory_order_relaxed)

#endif
