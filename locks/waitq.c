/* waitq.c: a guarded queue of parked threads, each woken individually through its own futex word (see waitq.h).
 *
 * Queue: a singly linked list head -> ... -> tail of nodes on the waiting
 * threads' stacks, guarded by a barging futex mutex (mutex_barging.h).  The
 * guard is held only for a few pointer moves, never while anyone sleeps.
 * Invariants, with the guard held:
 *   head == NULL iff tail == NULL iff len == 0;
 *   every queued node has granted == 0 and its thread is in (or on its way
 *   into) waitq_park; a popped node is reachable only by its popper.
 *
 * Why one futex word per node rather than one per lock: a wake on a shared
 * word wakes "some" sleeper of the kernel's choosing, and the woken thread
 * must then race everyone else for the lock.  Here the waker chooses the
 * thread (the head), and the store to granted gives it the lock or the token
 * outright, so nobody can take it in between: that is what makes a handoff
 * (FIFO) mutex and Go's semaphore possible.
 *
 * The stale-address subtlety.  waitq_grant stores granted = 1 and then calls
 * futex_wake on the node's address.  Between the two, the woken thread may
 * already see granted == 1 without sleeping at all, return, and reuse that
 * stack memory, even for another waitq_node it parks on.  The futex_wake then
 * lands on whatever sleeps at that address now.  That is harmless: the kernel
 * only hashes the address (it does not touch the memory), and every futex
 * sleeper in memlab (and in glibc) re-checks its condition after waking, so
 * the worst case is one spurious wake-up.  What is not harmless is reading
 * the node after the store, which would read a dead stack frame; so the
 * waker reads everything it needs first (waitq.h, waitq_grant).
 */
#include "locks/waitq.h"

#include "locks/lock.h"

enum { WAITING = 0, GRANTED = 1 };

void waitq_init(struct waitq *q)
{
    mutex_barging_init(&q->guard);
    q->head = NULL;
    q->tail = NULL;
    atomic_init(&q->len, 0);
}

void waitq_destroy(struct waitq *q)
{
    /* relaxed: whoever destroys the lock must already be ordered after
     * every thread that used it (joined them); a non-zero len means they
     * were not all done. */
    if (atomic_load_explicit(&q->len, memory_order_relaxed) != 0)
        lock_fatal("waitq: lock destroyed while threads wait on it");
}

void waitq_lock(struct waitq *q) { mutex_barging_lock(&q->guard); }

void waitq_unlock(struct waitq *q) { mutex_barging_unlock(&q->guard); }

/* len is written only under the guard (one writer at a time: sys.h,
 * single_writer_add); it is atomic only so that waitq_len may read it
 * without the guard. */
static void len_add(struct waitq *q, int delta) { single_writer_add(&q->len, (unsigned)delta); }

/* The node's owner writes it here, under the guard; the popper reads it
 * under the guard later, so the guard orders these plain writes.  granted
 * is published to waitq_grant the same way. */
static void node_reset(struct waitq_node *node)
{
    atomic_init(&node->granted, WAITING);
    node->next = NULL;
}

void waitq_push_tail(struct waitq *q, struct waitq_node *node)
{
    node_reset(node);
    if (q->tail)
        q->tail->next = node;
    else
        q->head = node;
    q->tail = node;
    len_add(q, 1);
}

void waitq_push_head(struct waitq *q, struct waitq_node *node)
{
    node_reset(node);
    node->next = q->head;
    q->head = node;
    if (!q->tail)
        q->tail = node;
    len_add(q, 1);
}

struct waitq_node *waitq_pop(struct waitq *q)
{
    struct waitq_node *node = q->head;
    if (!node)
        return NULL;
    q->head = node->next;
    if (!q->head)
        q->tail = NULL;
    len_add(q, -1);
    return node;
}

void waitq_park(struct waitq_node *node)
{
    /* acquire: pairs with the release store in waitq_grant, so everything
     * the waker did before granting (the previous holder's critical section,
     * for a handoff) happens before what we do next.  x86: MOV.
     * futex_wait sleeps only while granted is still WAITING, checked by the
     * kernel atomically with queueing us, so a grant that lands between our
     * load and our sleep makes futex_wait return at once: no lost wake-up.
     * Spurious returns (EINTR, a stale wake, see the header) just loop. */
    while (atomic_load_explicit(&node->granted, memory_order_acquire) == WAITING)
        futex_wait(&node->granted, WAITING, 0);
}

void waitq_grant(struct waitq_node *node)
{
    atomic_uint *word = &node->granted; /* the last thing we learn from the node */
    /* release: pairs with the acquire load in waitq_park.  After this store
     * the node may be gone; only its address is used below.  x86: MOV. */
    atomic_store_explicit(word, GRANTED, memory_order_release);
    futex_wake(word, 1);
}

unsigned waitq_len(struct waitq *q)
{
    /* relaxed: a snapshot for tests and statistics; it orders nothing. */
    return atomic_load_explicit(&q->len, memory_order_relaxed);
}
