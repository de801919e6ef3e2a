/* arch.h: everything in memlab that differs between x86-64 and aarch64, each thing's two versions side by side.
 *
 * This is the only file that tests which CPU it is compiled for (sys.h
 * includes it; litmus/abi.h pastes its timebase into generated thread code).
 * Four things differ:
 *   - the timebase: a counter every core reads without a system call, at one
 *     constant rate common to all cores (the litmus runner starts its threads
 *     together by it);
 *   - its rate: known on aarch64 (CNTFRQ_EL0), measured against the clock on
 *     x86-64 (sys.c, timebase_hz);
 *   - the spin-wait hint (cpu_relax);
 *   - the line size that false sharing happens at (padding, litmus strides).
 * Each is a macro as well as a function: generated litmus code cannot include
 * this header, so abi.h stringifies the macros into the text it pastes.
 */
#ifndef MEMLAB_ARCH_H
#define MEMLAB_ARCH_H

#if defined(__x86_64__)

#define ARCH_NAME "x86-64"

/* x86-64 moves memory between cores in 64-byte lines (and the adjacent-line
 * prefetcher pairs them, but 64 is what two writers fight over). */
#define ARCH_CACHE_LINE 64

/* RDTSC: the time-stamp counter, constant-rate ("invariant TSC") and
 * synchronised across cores on every x86-64 CPU memlab targets; ~20 cycles.
 * Its rate is the CPU's nominal frequency, which no register states
 * portably: sys.c measures it (ARCH_TIMEBASE_HZ 0 says "measure"). */
#define ARCH_TIMEBASE_READ() __builtin_ia32_rdtsc()
#define ARCH_TIMEBASE_HZ() 0ull

/* PAUSE: stops the core from speculating ahead through the spin loop (so
 * leaving it costs no memory-order mis-speculation flush) and lends the
 * sibling hyperthread the pipeline for ~40-140 cycles. */
#define ARCH_SPIN_PAUSE() __builtin_ia32_pause()

/* A timebase wait stops pausing this many ticks before its target, so the
 * pause's own length (up to ~140 cycles) does not become the threads' skew. */
#define ARCH_PAUSE_TICKS 400

/* The hardware keeps x86-TSO's order: a litmus run is checked against it
 * (the model's registry name and its column label). */
#define ARCH_HARDWARE_TSO 1
#define ARCH_HARDWARE_MODEL "x86_tso"
#define ARCH_HARDWARE_MODEL_LABEL "x86-TSO"

#elif defined(__aarch64__)

#define ARCH_NAME "aarch64"

/* Most aarch64 cores use 64-byte lines, but Apple's M-series (and some
 * Neoverse parts pair lines) share 128-byte granules: the larger one pads
 * correctly everywhere, at the cost of some memory. */
#define ARCH_CACHE_LINE 128

/* CNTVCT_EL0: the generic timer's virtual count, one constant-rate counter
 * for all cores (24 MHz on Apple silicon, 54 MHz on a Raspberry Pi 5,
 * 62.5 MHz under qemu, 1 GHz on ARMv8.6+ cores), readable at EL0 on Linux.
 * The ISB in front keeps the read from being performed early, ahead of the
 * instructions before it (the read is otherwise not ordered at all). */
#define ARCH_TIMEBASE_READ()                                                           \
    __extension__({                                                                     \
        unsigned long long arch_v_;                                                     \
        __asm__ __volatile__("isb\n\tmrs %0, cntvct_el0" : "=r"(arch_v_) : : "memory"); \
        arch_v_;                                                                        \
    })
/* CNTFRQ_EL0 holds the counter's rate, set by firmware. */
#define ARCH_TIMEBASE_HZ()                                                \
    __extension__({                                                        \
        unsigned long long arch_f_;                                        \
        __asm__ __volatile__("mrs %0, cntfrq_el0" : "=r"(arch_f_));        \
        arch_f_;                                                           \
    })

/* ISB rather than YIELD: YIELD is a no-op on most cores (it is a hint for
 * SMT, which few aarch64 cores have), while ISB flushes the pipeline and so
 * waits some tens of nanoseconds, like x86's PAUSE. */
#define ARCH_SPIN_PAUSE() __asm__ __volatile__("isb" : : : "memory")

/* The counter runs 50-100 times slower than a TSC and every read is already
 * ISB-paced: pause only when more than a couple of ticks are left. */
#define ARCH_PAUSE_TICKS 2

/* Weaker than x86-TSO (ARMv8: loads and stores to different addresses
 * reorder freely unless a barrier, acquire or release orders them): MP, LB,
 * S and 2+2W show here, so a run is checked against the ARMv8 model. */
#define ARCH_HARDWARE_TSO 0
#define ARCH_HARDWARE_MODEL "armv8"
#define ARCH_HARDWARE_MODEL_LABEL "ARMv8"

#else
#error "memlab runs on x86-64 and aarch64 Linux only (locks/arch.h says what a CPU must provide)"
#endif

/* The same, as functions, for code that is not pasted as text. */
static inline unsigned long long arch_timebase(void)
{
    return ARCH_TIMEBASE_READ();
}

/* The timebase's rate in ticks per second as the CPU states it, or 0 when it
 * does not (x86-64: sys.c's timebase_hz measures it). */
static inline unsigned long long arch_timebase_hz(void)
{
    return ARCH_TIMEBASE_HZ();
}

static inline void arch_spin_pause(void)
{
    ARCH_SPIN_PAUSE();
}

#endif
