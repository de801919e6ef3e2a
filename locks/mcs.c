/* mcs.c: MCS queue lock (Mellor-Crummey and Scott, 1991): FIFO, each waiter spins on its own line.
 *
 * Lock word: tail = the last node in the queue of holder and waiters, or NULL
 * when the lock is free.  Node (one per thread, cache-line aligned):
 *   next    = the node that queued behind this one, NULL until it links in;
 *   waiting = true until the predecessor hands the lock over.
 * Invariants: the holder is the head of the queue; tail == NULL iff free;
 * a node is in at most one queue and may be reused once its owner unlocks.
 *
 * A release writes only the successor's own waiting flag, so it invalidates
 * one cache line in one other core, not one line in every waiter's core as
 * ticket.c does.  The price is the node and a slightly longer unlock.
 */
#include "locks/lock.h"
#include "locks/sys.h"

struct mcs_node {
    _Atomic(struct mcs_node *) next;
    atomic_bool waiting;
};

struct mcs {
    _Atomic(struct mcs_node *) tail;
    atomic_uintptr_t holder; /* owner check (lock.h) */
};

static int mcs_init(void *l)
{
    struct mcs *m = l;
    atomic_init(&m->tail, NULL);
    atomic_init(&m->holder, 0);
    return 0;
}

static void node_reset(struct mcs_node *me)
{
    /* relaxed: nobody can see the node until the exchange or CAS on tail
     * (release) publishes it. */
    atomic_store_explicit(&me->next, NULL, memory_order_relaxed);
    atomic_store_explicit(&me->waiting, true, memory_order_relaxed);
}

static void mcs_lock(void *l, void *node)
{
    struct mcs *m = l;
    struct mcs_node *me = node;
    node_reset(me);
    /* acq_rel: release publishes our reset node to the next arrival, which
     * reads tail with this same exchange; acquire pairs with the release
     * half of our predecessor's exchange so its node is initialised before we
     * link into it.  x86: XCHG. */
    struct mcs_node *pred = atomic_exchange_explicit(&m->tail, me, memory_order_acq_rel);
    if (!pred) {
        lock_owner_take(&m->holder);
        return; /* queue was empty: we hold the lock */
    }
    /* release: our predecessor's unlock reads next with acquire and then
     * clears our waiting flag; our reset must be visible first.  x86: MOV. */
    atomic_store_explicit(&pred->next, me, memory_order_release);
    /* acquire: pairs with the release store of waiting in mcs_unlock, so the
     * predecessor's critical section happens before ours.  x86: MOV. */
    while (atomic_load_explicit(&me->waiting, memory_order_acquire))
        cpu_relax();
    lock_owner_take(&m->holder);
}

static bool mcs_trylock(void *l, void *node)
{
    struct mcs *m = l;
    struct mcs_node *me = node;
    node_reset(me);
    struct mcs_node *expected = NULL;
    /* acq_rel on success: acquire pairs with the releasing CAS in mcs_unlock
     * that emptied the queue; release publishes our reset node.  relaxed on
     * failure: we learn only that the lock is taken.  x86: LOCK CMPXCHG. */
    if (!atomic_compare_exchange_strong_explicit(&m->tail, &expected, me,
                                                 memory_order_acq_rel, memory_order_relaxed))
        return false;
    lock_owner_take(&m->holder);
    return true;
}

static void mcs_unlock(void *l, void *node)
{
    struct mcs *m = l;
    struct mcs_node *me = node;
    /* Before anything else: an unlock of a free lock would wait for ever
     * for a successor to link in behind a node that is not queued. */
    lock_owner_drop(&m->holder, "mcs");
    /* acquire: pairs with the release store of pred->next in mcs_lock, so
     * the successor's reset of its node is visible before we write it. */
    struct mcs_node *succ = atomic_load_explicit(&me->next, memory_order_acquire);
    if (!succ) {
        struct mcs_node *expected = me;
        /* release: our critical section happens before the next thread that
         * finds the queue empty (its exchange or CAS acquires).  If the CAS
         * fails, someone has swapped tail but not yet linked in: wait for
         * the link.  x86: LOCK CMPXCHG. */
        if (atomic_compare_exchange_strong_explicit(&m->tail, &expected, NULL,
                                                    memory_order_release,
                                                    memory_order_relaxed))
            return;
        while (!(succ = atomic_load_explicit(&me->next, memory_order_acquire)))
            cpu_relax();
    }
    /* release: hands our critical section to the successor, which spins on
     * this flag with acquire in mcs_lock.  x86: MOV. */
    atomic_store_explicit(&succ->waiting, false, memory_order_release);
}

static unsigned mcs_waiters(void *l, void *holder_node)
{
    (void)l;
    unsigned n = 0;
    for (struct mcs_node *p = atomic_load(&((struct mcs_node *)holder_node)->next); p;
         p = atomic_load(&p->next))
        n++;
    return n;
}

static void mcs_destroy(void *l) { (void)l; }

const struct lock_ops mcs_ops = {
    .name = "mcs",
    .summary = "MCS queue lock: FIFO, each waiter spins on a flag in its own node",
    .kind = LOCK_KIND_MUTEX,
    .flags = LOCK_FIFO,
    .size = sizeof(struct mcs),
    .node_size = sizeof(struct mcs_node),
    .init = mcs_init,
    .destroy = mcs_destroy,
    .lock = mcs_lock,
    .unlock = mcs_unlock,
    .trylock = mcs_trylock,
    .waiters = mcs_waiters,
};
