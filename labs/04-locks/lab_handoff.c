/* lab_handoff.c: lab 04: a FIFO futex mutex that hands the lock to the oldest waiter, written by the student (the library's own is locks/mutex_handoff.c).
 *
 * Lock word:
 *   0  unlocked (and so nobody waits)
 *   1  locked, nobody queued        -> unlock is one CAS, no syscall
 *   2  locked, threads queued in q  -> unlock pops the oldest and hands over
 * Queue q (locks/waitq.h, given): parked threads in arrival order, each on
 * its own futex word, behind q's guard.
 * Invariants: with q's guard held, word == 2 iff q is not empty; the lock is
 * never free while anyone waits (unlock with waiters keeps it locked and
 * grants it to the oldest waiter, so nobody can barge in between).
 *
 * Broken on purpose in the handout: take_free, take_or_mark_queued, the slow
 * path of handoff_lock, hand_over and handoff_unlock (the TODO(lab 04)
 * lines).  The queue (waitq_*) is the library's.
 */
#include "labs/04-locks/lablocks.h"
#include "locks/sys.h"
#include "locks/waitq.h"

enum { UNLOCKED = 0, LOCKED = 1, QUEUED = 2 };

struct mutex_handoff {
    atomic_uint word;
    struct waitq q;
};

static int handoff_init(void *l)
{
    struct mutex_handoff *m = l;
    atomic_init(&m->word, UNLOCKED);
    waitq_init(&m->q);
    return 0;
}

static void handoff_destroy(void *l)
{
    struct mutex_handoff *m = l;
    waitq_destroy(&m->q);
}

/* BEGIN SOLUTION: take_free(m): one compare-and-swap from UNLOCKED to LOCKED; true when it took the lock; name the orders for success and failure */
/* acquire on success: pairs with the release CAS in handoff_unlock that
 * freed the lock.  relaxed on failure: we take nothing.  x86: LOCK CMPXCHG. */
static bool take_free(struct mutex_handoff *m)
{
    unsigned seen = UNLOCKED; /* a failed CAS writes back what it found */
    return atomic_compare_exchange_strong_explicit(&m->word, &seen, LOCKED, memory_order_acquire,
                                                   memory_order_relaxed);
}
/* END SOLUTION (stub: static bool take_free(struct mutex_handoff *m) { (void)m; return false; }) */

static bool handoff_trylock(void *l, void *node)
{
    (void)node;
    return take_free(l);
}

/* BEGIN SOLUTION: (optional helper) with the guard held: take a free lock, or mark a held one QUEUED so its unlock comes to the queue */
/* Returns true when it took the lock.  The loop repeats only when the
 * holder's guard-free 1 -> 0 unlock slips in between the load and the CAS. */
static bool take_or_mark_queued(struct mutex_handoff *m)
{
    for (;;) {
        /* relaxed: a guess for the CASes, which re-check it. */
        unsigned w = atomic_load_explicit(&m->word, memory_order_relaxed);
        if (w == QUEUED)
            return false;
        if (w == UNLOCKED && take_free(m))
            return true;
        unsigned expected = LOCKED;
        /* relaxed: takes nothing (ownership comes through waitq_park's
         * acquire); it only has to be atomic against unlock's 1 -> 0 CAS. */
        if (w == LOCKED &&
            atomic_compare_exchange_strong_explicit(&m->word, &expected, QUEUED, memory_order_relaxed,
                                                    memory_order_relaxed))
            return false;
    }
}
/* END SOLUTION */

static void handoff_lock(void *l, void *node)
{
    (void)node;
    struct mutex_handoff *m = l;
    if (take_free(m))
        return; /* uncontended: one CAS */
    /* BEGIN SOLUTION: under the queue's guard, take the lock if it came free, else mark it QUEUED, queue yourself at the tail (waitq_push_tail) and park; a grant means you own it */
    struct waitq_node me;
    waitq_lock(&m->q);
    if (take_or_mark_queued(m)) {
        waitq_unlock(&m->q);
        return;
    }
    waitq_push_tail(&m->q, &me);
    waitq_unlock(&m->q);
    waitq_park(&me); /* returns once handoff_unlock granted us the lock */
    /* END SOLUTION */
}

/* BEGIN SOLUTION: (optional helper) hand_over(m): with the word QUEUED, pop the oldest waiter, set the word to LOCKED if the queue is now empty, and grant the lock to the waiter after releasing the guard */
static void hand_over(struct mutex_handoff *m)
{
    waitq_lock(&m->q);
    struct waitq_node *next = waitq_pop(&m->q);
    if (!next)
        lock_fatal("lab_handoff: word says queued but the queue is empty");
    if (waitq_len(&m->q) == 0) {
        /* relaxed: the new owner reads it after waitq_grant's release;
         * later lockers read it under the guard. */
        atomic_store_explicit(&m->word, LOCKED, memory_order_relaxed);
    }
    waitq_unlock(&m->q);
    waitq_grant(next); /* release: our critical section happens before its */
}
/* END SOLUTION */

static void handoff_unlock(void *l, void *node)
{
    (void)node;
    struct mutex_handoff *m = l;
    /* BEGIN SOLUTION: LOCKED -> UNLOCKED with one CAS (release) when nobody is queued; otherwise hand the lock over without ever making it free */
    unsigned expected = LOCKED;
    /* release on success: pairs with take_free's acquire.  relaxed on
     * failure: the word is QUEUED and the grant does the releasing. */
    if (atomic_compare_exchange_strong_explicit(&m->word, &expected, UNLOCKED, memory_order_release,
                                                memory_order_relaxed))
        return;
    if (expected == UNLOCKED)
        lock_fatal("lab_handoff: unlock of unlocked mutex");
    hand_over(m);
    /* END SOLUTION (stub: atomic_store_explicit(&m->word, UNLOCKED, memory_order_release);) */
}

static unsigned handoff_waiters(void *l, void *holder_node)
{
    (void)holder_node;
    struct mutex_handoff *m = l;
    return waitq_len(&m->q);
}

const struct lock_ops lab_handoff_ops = {
    .name = "lab_handoff",
    .summary = "lab 04: your FIFO handoff futex mutex",
    .kind = LOCK_KIND_MUTEX,
    .flags = LOCK_FIFO | LOCK_SLEEPS,
    .size = sizeof(struct mutex_handoff),
    .init = handoff_init,
    .destroy = handoff_destroy,
    .lock = handoff_lock,
    .unlock = handoff_unlock,
    .trylock = handoff_trylock,
    .waiters = handoff_waiters,
};
