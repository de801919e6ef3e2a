/* parker.h: a one-shot wake-up token a blocked thread sleeps on; the toolkit's sudog (internal to labs/toolkit).
 *
 * A thread that must wait for one of several things (a channel partner, a
 * context's cancellation, a WaitGroup reaching zero, its own timeout) queues
 * a pointer to one parker on each of them and sleeps on the parker's futex
 * word.  Whoever fires it first wins a compare-and-swap of state from
 * PARKER_WAITING to a reason (a select case number, PARKER_CTX, ...);
 * every later attempt fails, so exactly one outcome happens: a channel never
 * hands over an item to a thread that has already left on a timeout.
 *
 * Lifetime rule (why this is safe on the waiter's stack): a parker is fired
 * only by a thread holding the lock of the structure it is queued on, and
 * the waiting thread, after waking, takes each of those locks once (to
 * dequeue itself) before it returns.  So the firer's futex_wake, which
 * touches the parker after the CAS, has finished before the stack frame can
 * be reused.  The waiter's own timeout needs no lock: it CASes the state
 * itself.
 */
#ifndef MEMLAB_TOOLKIT_PARKER_H
#define MEMLAB_TOOLKIT_PARKER_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "locks/sys.h"

enum {
    PARKER_WAITING = 0,
    /* 1..PARKER_CASE_MAX: select case (index + 1) fired by a channel */
    PARKER_CASE_MAX = 0xfffffff0u,
    PARKER_CTX = 0xfffffffeu,     /* the context was done first */
    PARKER_TIMEOUT = 0xffffffffu, /* the waiter's own deadline passed first */
};

struct parker {
    atomic_uint state; /* the futex word */
};

static inline void parker_init(struct parker *p)
{
    atomic_init(&p->state, PARKER_WAITING);
}

/* Claim the parker for reason and wake its thread; false when someone else
 * already did (the caller then treats its queue entry as stale).
 * acq_rel on success: release publishes what the firer wrote for the waiter
 * (a received item, a result) before the state, pairing with the acquire
 * load in parker_wait; acquire is not needed but costs nothing extra.
 * relaxed on failure: the loser takes nothing from the winner.
 * x86: LOCK CMPXCHG. */
static inline bool parker_fire(struct parker *p, unsigned reason)
{
    unsigned expected = PARKER_WAITING;
    if (!atomic_compare_exchange_strong_explicit(&p->state, &expected, reason,
                                                 memory_order_acq_rel, memory_order_relaxed))
        return false;
    futex_wake(&p->state, 1);
    return true;
}

/* Sleep until fired or until deadline_ns (now_ns clock; 0 = no deadline).
 * Returns the reason; on a deadline the waiter fires its own parker with
 * PARKER_TIMEOUT, and if that CAS loses, the winner's reason is returned. */
static inline unsigned parker_wait(struct parker *p, uint64_t deadline_ns)
{
    for (;;) {
        /* acquire: pairs with the release CAS in parker_fire, so what the
         * firer wrote is visible.  x86: plain MOV. */
        unsigned s = atomic_load_explicit(&p->state, memory_order_acquire);
        if (s != PARKER_WAITING)
            return s;
        uint64_t timeout = 0;
        if (deadline_ns) {
            uint64_t now = now_ns();
            if (now >= deadline_ns) {
                unsigned expected = PARKER_WAITING;
                /* acquire on failure: we then read what the winner wrote. */
                if (atomic_compare_exchange_strong_explicit(&p->state, &expected, PARKER_TIMEOUT,
                                                            memory_order_acquire, memory_order_acquire))
                    return PARKER_TIMEOUT;
                return expected;
            }
            timeout = deadline_ns - now;
        }
        futex_wait(&p->state, PARKER_WAITING, timeout);
    }
}

#endif
