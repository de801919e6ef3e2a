/* abi.h: the interface between the runner and generated thread code.
 *
 * Generated code is compiled in two ways: into the litmus binary at build time
 * (the catalog, which includes this header) and on the fly into a shared
 * object (which cannot count on finding this header, so the generator pastes
 * LT_ABI_TEXT, the same definitions as a string).  LT_ABI is the one source of
 * both: it is compiled here and stringified for the generator, so the two can
 * never disagree.
 *
 * A generated thread is "void NAME(const struct lt_args *a)".  It runs
 * instances 0..n-1 of its thread in order; instance i touches variable v at
 * a->var[v][a->index[i] * a->stride] and writes its k-th observed register to
 * a->out[i * a->nout + k].  Before instance i it waits until the time-stamp
 * counter reaches a->start + i * a->period, so all threads, pinned to
 * different CPUs, start instance i within a few cycles of each other with no
 * memory traffic between them (the "timebase" synchronisation of litmus7;
 * x86's TSC is one clock for all cores).  A thread that falls behind
 * (preempted, slow body) runs its late instances back to back until it
 * catches up: each instance has its own memory, so lateness costs
 * interactions, never correctness.
 */
#ifndef MEMLAB_LITMUS_ABI_H
#define MEMLAB_LITMUS_ABI_H

#if !defined(__x86_64__) && !defined(__i386__)
#error "memlab's litmus runner reads the x86 time-stamp counter"
#endif

/* Bump when LT_ABI changes: generated objects carry it and the loader checks. */
#define LT_ABI_VERSION 2

/* Generated code needs these headers before LT_ABI. */
#define LT_ABI_INCLUDES "#include <sched.h>\n#include <stdatomic.h>\n"

#define LT_ABI                                                                      \
    struct lt_args {                                                                \
        long n;                    /* instances in this batch */                    \
        long stride;               /* ints from one memory slot to the next */      \
        const int *index;          /* instance i uses memory slot index[i] */       \
        _Atomic int *var[64];      /* the shared variables (LT_MAX_VARS arrays) */  \
        int *out;                  /* this thread's observed registers */           \
        long nout;                 /* observed registers per instance */            \
        unsigned long long start;  /* time-stamp counter value for instance 0 */   \
        unsigned long long period; /* ticks from one instance to the next */        \
        int yield;                 /* more threads than CPUs: yield while waiting */\
    };                                                                              \
    /* Spin until the TSC reaches t: PAUSE while far, then a tight loop, since   */ \
    /* a PAUSE costs up to ~140 cycles and that would be the threads' skew.      */ \
    static inline void lt_wait_until(const struct lt_args *a, unsigned long long t) \
    {                                                                               \
        for (;;) {                                                                  \
            long long left = (long long)(t - __builtin_ia32_rdtsc());               \
            if (left <= 0)                                                          \
                return;                                                             \
            if (a->yield)                                                           \
                sched_yield();                                                      \
            else if (left > 400)                                                    \
                __builtin_ia32_pause();                                             \
        }                                                                           \
    }

#define LT_STR_(...) #__VA_ARGS__
#define LT_STR(...) LT_STR_(__VA_ARGS__)
/* The same definitions as text, for generated files that are compiled alone. */
#define LT_ABI_TEXT LT_STR(LT_ABI)

/* The ABI as C, for the runner and the catalog. */
#include <sched.h>
#include <stdatomic.h>
LT_ABI

typedef void (*lt_thread_fn)(const struct lt_args *a);

#endif
