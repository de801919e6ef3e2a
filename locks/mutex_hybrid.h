/* mutex_hybrid.h: what mutex_hybrid (Go's sync.Mutex design) exposes beyond lock_ops: its mode switches and state. */
#ifndef MEMLAB_MUTEX_HYBRID_H
#define MEMLAB_MUTEX_HYBRID_H

#include <stdbool.h>
#include <stdint.h>

/* A snapshot of one mutex_hybrid.  The counters only grow; the rest is the
 * state word decoded at the moment of the call (see mutex_hybrid.c). */
struct mutex_hybrid_stats {
    uint64_t starvation_entered; /* times a waiter starved for > 1 ms switched the lock to handoff mode */
    uint64_t starvation_left;    /* times a handed-to waiter switched it back to normal (barging) mode */
    bool locked;                 /* LOCKED bit (clear during a starvation handoff in flight) */
    bool woken;                  /* WOKEN bit: a woken or spinning waiter is about to compete */
    bool starving;               /* STARVING bit: the lock is in handoff mode now */
    unsigned waiters;            /* threads counted as queued (or about to queue) on the semaphore */
};

/* Fill *out from lock, a mutex_hybrid made by lock_new(&mutex_hybrid_ops).
 * Callable from any thread at any time; the fields are read one by one, so
 * while the lock is busy they need not agree with each other.  When the
 * lock is idle (nobody holds or waits), starving is false and
 * starvation_left == starvation_entered. */
void mutex_hybrid_stats(void *lock, struct mutex_hybrid_stats *out);

#endif
