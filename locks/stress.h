/* stress.h: one torture harness for every lock, shared by lockstress and the tests. */
#ifndef MEMLAB_STRESS_H
#define MEMLAB_STRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "locks/lock.h"

enum { STRESS_MAX_THREADS = 1024 };

struct stress_config {
    const struct lock_ops *ops;
    unsigned threads;     /* 1..STRESS_MAX_THREADS */
    uint64_t duration_ns; /* how long the threads hammer the lock */
    uint64_t cs_ns;       /* busy work inside each critical section */
    int read_pct;         /* -1: every operation is lock(); 0..100: that share are
                           * read_lock() (LOCK_KIND_RW and LOCK_KIND_CONFIG only) */
    bool pin;             /* pin thread i to the i-th allowed CPU (wrapping) */
    uint64_t watchdog_ns; /* threads still running this long after the stop
                           * means a hang (a lost wake-up); 0 means 10 s */
};

/* What happened.  Exclusive sections check a plain (non-atomic) owner field
 * and counter, so a broken lock shows up here as violations and, under
 * ThreadSanitizer, as a data race report. */
/* The measured interval starts once every thread is past the start line and
 * ends at the stop signal: per_thread, total, seconds and the Jain figures
 * describe it (threads that the scheduler starts first have the lock to
 * themselves until the others arrive, which says nothing about the lock).
 * reads, writes, handoffs, waits and violations count the whole run. */
struct stress_result {
    unsigned threads;
    uint64_t per_thread[STRESS_MAX_THREADS]; /* operations each thread completed (interval) */
    uint64_t repeats[STRESS_MAX_THREADS];    /* of per_thread's exclusive acquisitions, those that
                                              * followed the thread's own, nobody else holding the
                                              * lock in between; for a FIFO lock each one means no
                                              * other thread was waiting when it released: not
                                              * unfairness, but others not asking */
    uint64_t total;                          /* sum of per_thread */
    uint64_t reads, writes;                  /* whole run */
    uint64_t handoffs;      /* times the exclusive owner changed from one thread to another */
    uint64_t max_wait_ns;   /* longest time from asking for the lock to holding it */
    uint64_t wait_p50_ns, wait_p99_ns, wait_p999_ns; /* wait percentiles, within 6 % (hist.h) */
    uint64_t violations;    /* mutual exclusion broken, torn or stale config, lost update */
    unsigned max_readers;   /* most readers seen inside together */
    double seconds;         /* wall time of the measured interval */
    double jain;            /* Jain fairness index of per_thread: 1/n (one thread did all) .. 1 (equal) */
    double jain_window;     /* Jain index of each STRESS_WINDOW_MS window, averaged weighting each
                             * window by its operations: the short-term fairness an average
                             * acquisition saw, which a long run's total can hide (the scheduler
                             * evens totals out) */
    unsigned windows;       /* how many windows went into jain_window */
};

enum { STRESS_WINDOW_MS = 10 };

enum stress_status {
    STRESS_OK = 0,
    STRESS_VIOLATION, /* ran to the end; result.violations > 0 */
    STRESS_HUNG,      /* watchdog fired; threads and the lock are abandoned (they keep
                       * their own copy of the config: the caller may free its own) */
    STRESS_BAD_CONFIG,
};

/* Run one stress; fills *out; returns a stress_status.  On STRESS_HUNG and
 * STRESS_BAD_CONFIG, why is printed to stderr. */
enum stress_status stress_run(const struct stress_config *cfg, struct stress_result *out);

/* (sum x)^2 / (n * sum x^2): 1 when every x is equal, 1/n when one x has it all. */
double jain_index(const uint64_t *x, unsigned n);

/* The version type that stress publishes through LOCK_KIND_CONFIG locks: a reader
 * that sees words[i] != seq for any i has seen a torn (half-written) version. */
struct stress_version {
    uint64_t seq;
    uint64_t words[15];
};

#endif
