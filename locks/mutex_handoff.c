/* mutex_handoff.c: FIFO futex mutex: unlock hands the lock straight to the oldest waiter (Go's starvation mode, always on).
 *
 * Lock word:
 *   0  unlocked (and so nobody waits)
 *   1  locked, nobody queued        -> unlock is one CAS, no guard, no syscall
 *   2  locked, threads queued in q  -> unlock pops the oldest and hands over
 * Queue q (waitq.h): the parked threads in arrival order, each on its own
 * futex word, behind q's guard.
 * Invariants: word changes only by the CASes and the store below.  With q's
 * guard held, word == 2 iff q is not empty, because every change to "2" and
 * every queue change happens under the guard; the two guard-free moves are
 * lock's 0 -> 1 and unlock's 1 -> 0, and both keep the queue empty.  So
 * word == 0 implies nobody waits: the lock is never free while anyone waits.
 *
 * Handoff: unlock does not free a lock that has waiters; it keeps the word
 * locked, removes the oldest waiter and grants it ownership on its own futex
 * word.  A thread that arrives in between finds the lock held and queues at
 * the tail, and the unlocker itself cannot relock ahead of the waiter.  The
 * price is a context switch on every contended acquisition, paid while the
 * lock sits idle (the new owner is asleep until the kernel runs it), and on
 * an oversubscribed machine a preempted head stalls everyone, as in ticket.c.
 * mutex_barging.c is the other extreme; mutex_hybrid.c switches between them.
 */
#include "locks/lock.h"
#include "locks/sys.h"
#include "locks/waitq.h"

enum { UNLOCKED = 0, LOCKED = 1, QUEUED = 2 };

struct mutex_handoff {
    atomic_uint word;
    atomic_uintptr_t holder; /* owner check (lock.h) */
    struct waitq q;
};

static int handoff_init(void *l)
{
    struct mutex_handoff *m = l;
    atomic_init(&m->word, UNLOCKED);
    atomic_init(&m->holder, 0);
    waitq_init(&m->q);
    return 0;
}

static void handoff_destroy(void *l)
{
    struct mutex_handoff *m = l;
    waitq_destroy(&m->q);
}

/* The one CAS that takes a free lock.  acquire on success: pairs with the
 * release CAS in handoff_unlock that freed it.  relaxed on failure: we take
 * nothing.  x86: LOCK CMPXCHG. */
static bool take_free(struct mutex_handoff *m)
{
    unsigned expected = UNLOCKED;
    return atomic_compare_exchange_strong_explicit(&m->word, &expected, LOCKED,
                                                   memory_order_acquire,
                                                   memory_order_relaxed);
}

static bool handoff_trylock(void *l, void *node)
{
    (void)node;
    struct mutex_handoff *m = l;
    if (!take_free(m))
        return false;
    lock_owner_take(&m->holder);
    return true;
}

/* With the guard held: either take the lock (true) or mark it QUEUED so that
 * the holder's unlock will come to the queue (false).  The loop repeats only
 * when the holder's guard-free 1 -> 0 unlock slips in between our load and
 * CAS. */
static bool take_or_mark_queued(struct mutex_handoff *m)
{
    for (;;) {
        /* relaxed: only a guess for the CASes, which re-check it. */
        unsigned w = atomic_load_explicit(&m->word, memory_order_relaxed);
        if (w == QUEUED)
            return false; /* others queued before us, and the holder knows */
        if (w == UNLOCKED && take_free(m))
            return true;
        unsigned expected = LOCKED;
        /* relaxed: this takes nothing (ownership comes later through
         * waitq_park's acquire); what matters is that it is atomic against
         * handoff_unlock's 1 -> 0 CAS, so exactly one of the two wins.
         * x86: LOCK CMPXCHG. */
        if (w == LOCKED &&
            atomic_compare_exchange_strong_explicit(&m->word, &expected, QUEUED,
                                                    memory_order_relaxed,
                                                    memory_order_relaxed))
            return false;
    }
}

static void acquire(struct mutex_handoff *m)
{
    if (take_free(m))
        return; /* uncontended: one CAS */
    struct waitq_node me;
    waitq_lock(&m->q);
    if (take_or_mark_queued(m)) {
        waitq_unlock(&m->q);
        return;
    }
    waitq_push_tail(&m->q, &me);
    waitq_unlock(&m->q);
    /* Returns once handoff_unlock has granted us the lock: we own it. */
    waitq_park(&me);
}

static void handoff_lock(void *l, void *node)
{
    (void)node;
    struct mutex_handoff *m = l;
    acquire(m);
    lock_owner_take(&m->holder);
}

/* The word is QUEUED, and only we, the holder, may change QUEUED: hand the
 * lock to the oldest waiter without ever making it free. */
static void hand_over(struct mutex_handoff *m)
{
    waitq_lock(&m->q);
    struct waitq_node *next = waitq_pop(&m->q);
    if (!next)
        lock_fatal("mutex_handoff: word says queued but the queue is empty");
    if (waitq_len(&m->q) == 0) {
        /* relaxed: the new owner reads the word in its unlock, after
         * waitq_grant's release store, which publishes this store too;
         * later lockers read it under the guard, which we release next.
         * x86: MOV. */
        atomic_store_explicit(&m->word, LOCKED, memory_order_relaxed);
    }
    waitq_unlock(&m->q);
    /* next's thread now owns the lock; the release in waitq_grant makes our
     * critical section happen before its own. */
    waitq_grant(next);
}

static void handoff_unlock(void *l, void *node)
{
    (void)node;
    struct mutex_handoff *m = l;
    lock_owner_drop(&m->holder, "mutex_handoff");
    unsigned expected = LOCKED;
    /* release on success: our critical section happens before the next
     * take_free (acquire) that finds the lock free.  relaxed on failure: we
     * learn the word is QUEUED and hand over through the queue, whose grant
     * does the releasing.  x86: LOCK CMPXCHG. */
    if (atomic_compare_exchange_strong_explicit(&m->word, &expected, UNLOCKED,
                                                memory_order_release,
                                                memory_order_relaxed))
        return; /* nobody waits: one CAS */
    if (expected == UNLOCKED)
        lock_fatal("mutex_handoff: unlock of unlocked mutex");
    hand_over(m);
}

static unsigned handoff_waiters(void *l, void *holder_node)
{
    (void)holder_node;
    struct mutex_handoff *m = l;
    return waitq_len(&m->q);
}

const struct lock_ops mutex_handoff_ops = {
    .name = "mutex_handoff",
    .summary = "FIFO futex mutex: unlock hands ownership to the oldest waiter, nobody barges",
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
