/* waitq.h: a queue of parked threads, each sleeping on its own futex word, shared by mutex_handoff and mutex_hybrid. */
#ifndef MEMLAB_WAITQ_H
#define MEMLAB_WAITQ_H

#include "locks/mutex_barging.h"
#include "locks/sys.h"

/* One parked thread.  It lives on the waiting thread's stack, and only
 * while that thread waits, so the locks built on this need no per-thread
 * node (node_size 0).
 *   granted: the node's own futex word.  0 while the thread waits; the
 *            waker stores 1 and futex_wakes this word, which hands whatever
 *            the queue is for (the lock, a semaphore token) to this one
 *            thread and to nobody else.
 *   next   : the node behind this one; only touched under the guard. */
struct waitq_node {
    atomic_uint granted;
    struct waitq_node *next;
};

/* The queue.  head, tail and every node's next are read and written only
 * with guard held.  len is written only with guard held and may be read
 * anywhere as a snapshot (waitq_len). */
struct waitq {
    struct mutex_barging guard;
    struct waitq_node *head, *tail;
    atomic_uint len;
};

void waitq_init(struct waitq *q);
/* lock_fatal()s if threads still wait: destroying their lock is a bug. */
void waitq_destroy(struct waitq *q);

/* The guard.  The lock built on top holds it while it decides, atomically
 * with respect to every other waiter and waker, whether to park. */
void waitq_lock(struct waitq *q);
void waitq_unlock(struct waitq *q);

/* With the guard held: queue node at the tail (FIFO: served after everyone
 * already queued) or at the head (LIFO: served next; Go re-queues a waiter
 * that was woken and lost the race this way).  Both reset the node. */
void waitq_push_tail(struct waitq *q, struct waitq_node *node);
void waitq_push_head(struct waitq *q, struct waitq_node *node);

/* With the guard held: remove and return the head, or NULL when empty. */
struct waitq_node *waitq_pop(struct waitq *q);

/* Without the guard: sleep until node is granted.  Call after pushing node
 * and releasing the guard. */
void waitq_park(struct waitq_node *node);

/* Without the guard: wake the thread parked on node, a node that was
 * popped, so nobody else can reach it.  The woken thread may return and
 * reuse its stack the moment granted is stored, so a waker reads everything
 * it needs from the node before calling this, and never touches it after. */
void waitq_grant(struct waitq_node *node);

/* How many threads are queued right now (a snapshot; no lock needed). */
unsigned waitq_len(struct waitq *q);

#endif
