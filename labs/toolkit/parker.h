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
 *
 * State: PARKER_WAITING while the waiter is awake (spinning or about to
 * sleep), PARKER_SLEEPING once it has announced that it sleeps, then the
 * reason, set once.  Only a fire that replaces SLEEPING calls futex_wake:
 * a waiter fired while still awake costs the firer no system call.
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
    PARKER_SLEEPING = 0xfffffffdu, /* still waiting, and asleep (or about to be) in futex_wait */
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

/* A spin budget: want_ns on a machine with more than one CPU, else 0 (the
 * thread we wait for cannot run while we spin).  parker.c. */
uint64_t parker_spin_ns(uint64_t want_ns);

static inline bool parker_is_waiting(unsigned s)
{
    return s == PARKER_WAITING || s == PARKER_SLEEPING;
}

/* Claim the parker for reason and wake its thread if it sleeps; false when
 * someone else already did (the caller then treats its queue entry as stale).
 * A fire that lands before the waiter sleeps (while it spins, or before it
 * has announced SLEEPING) costs no system call: only SLEEPING calls for
 * futex_wake.
 * acq_rel on success: release publishes what the firer wrote for the waiter
 * (a received item, a result) before the state, pairing with the acquire
 * loads in parker_wait; acquire is not needed but costs nothing extra.
 * relaxed on failure (and for the first load): the loser takes nothing from
 * the winner, and a WAITING that turned SLEEPING is simply retried.
 * x86: MOV, then LOCK CMPXCHG. */
static inline bool parker_fire(struct parker *p, unsigned reason)
{
    unsigned s = atomic_load_explicit(&p->state, memory_order_relaxed);
    while (parker_is_waiting(s)) {
        if (atomic_compare_exchange_weak_explicit(&p->state, &s, reason,
                                                  memory_order_acq_rel, memory_order_relaxed)) {
            if (s == PARKER_SLEEPING)
                futex_wake(&p->state, 1);
            return true;
        }
    }
    return false;
}

/* On the deadline: fire our own parker with PARKER_TIMEOUT, from whichever
 * waiting state it is in; if someone else fired first, their reason.
 * acquire on success and failure: we may then read what the winner wrote.
 * x86: LOCK CMPXCHG. */
static inline unsigned parker_time_out(struct parker *p, unsigned s)
{
    while (parker_is_waiting(s))
        if (atomic_compare_exchange_weak_explicit(&p->state, &s, PARKER_TIMEOUT,
                                                  memory_order_acquire, memory_order_acquire))
            return PARKER_TIMEOUT;
    return s;
}

/* Spin for up to spin_ns (and not past deadline_ns) hoping to be fired
 * without sleeping; then announce SLEEPING so the firer wakes us.  Returns
 * the reason if fired meanwhile, else PARKER_SLEEPING. */
static inline unsigned parker_spin_then_announce(struct parker *p, uint64_t deadline_ns, uint64_t spin_ns)
{
    uint64_t end = spin_ns ? now_ns() + spin_ns : 0;
    if (deadline_ns && deadline_ns < end)
        end = deadline_ns;
    for (;;) {
        /* acquire: pairs with the release CAS in parker_fire, so what the
         * firer wrote is visible.  x86: plain MOV. */
        unsigned s = atomic_load_explicit(&p->state, memory_order_acquire);
        if (s != PARKER_WAITING)
            return s;
        if (end == 0 || now_ns() >= end) /* end 0: no spin */
            break;
        cpu_relax();
    }
    unsigned expected = PARKER_WAITING;
    /* acquire on failure: pairs with parker_fire's release, we then read
     * what the firer wrote.  On success we only announce that we sleep (the
     * wake-up's acquire load orders what follows), but C11 does not let the
     * failure order be the stronger one, and on x86 it is the same
     * instruction: LOCK CMPXCHG. */
    if (atomic_compare_exchange_strong_explicit(&p->state, &expected, PARKER_SLEEPING,
                                                memory_order_acquire, memory_order_acquire))
        return PARKER_SLEEPING;
    return expected;
}

/* Sleep until fired or until deadline_ns (now_ns clock; 0 = no deadline).
 * Returns the reason; on a deadline the waiter fires its own parker with
 * PARKER_TIMEOUT, and if that CAS loses, the winner's reason is returned.
 * It spins up to spin_ns first (from parker_spin_ns): a wake-up that comes
 * within microseconds then costs neither side a system call.  Spin only
 * where few threads wait at once (errgroup_wait): many spinners on few CPUs
 * keep the very threads they wait for off the CPU. */
static inline unsigned parker_wait_spin(struct parker *p, uint64_t deadline_ns, uint64_t spin_ns)
{
    unsigned s = parker_spin_then_announce(p, deadline_ns, spin_ns);
    for (;;) {
        if (!parker_is_waiting(s))
            return s;
        uint64_t timeout = 0;
        if (deadline_ns) {
            uint64_t now = now_ns();
            if (now >= deadline_ns)
                return parker_time_out(p, s);
            timeout = deadline_ns - now;
        }
        futex_wait(&p->state, PARKER_SLEEPING, timeout);
        /* acquire: pairs with the release CAS in parker_fire.  x86: MOV. */
        s = atomic_load_explicit(&p->state, memory_order_acquire);
    }
}

/* parker_wait_spin without the spin: announce SLEEPING at once. */
static inline unsigned parker_wait(struct parker *p, uint64_t deadline_ns)
{
    return parker_wait_spin(p, deadline_ns, 0);
}

#endif
