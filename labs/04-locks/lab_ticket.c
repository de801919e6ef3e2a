/* lab_ticket.c: lab 04: a FIFO ticket lock, written by the student (the library's own is locks/ticket.c).
 *
 * Lock words: next  = the ticket the next arrival will draw;
 *             owner = the ticket now being served.
 * Invariants: the lock is free when owner == next; next - owner - 1 threads
 * wait while it is held; only the holder writes owner.
 *
 * Broken on purpose in the handout: lock, trylock and unlock (the
 * TODO(lab 04) lines).  ticket_waiters is given: the FIFO test uses it to
 * see that a thread has drawn its ticket.
 */
#include "labs/04-locks/lablocks.h"
#include "locks/sys.h"

struct ticket {
    atomic_uint next;
    atomic_uint owner;
};

static int ticket_init(void *l)
{
    struct ticket *t = l;
    atomic_init(&t->next, 0);
    atomic_init(&t->owner, 0);
    return 0;
}

static void ticket_lock(void *l, void *node)
{
    (void)node;
    struct ticket *t = l;
    /* BEGIN SOLUTION: draw a ticket with one fetch-and-add on next, then spin (cpu_relax) until owner reaches it; say which memory order each access needs */
    /* relaxed: drawing a ticket orders nothing; the acquire load below is
     * what enters the critical section.  x86: LOCK XADD. */
    unsigned mine = atomic_fetch_add_explicit(&t->next, 1, memory_order_relaxed);
    /* acquire: pairs with the release store in ticket_unlock.  x86: MOV. */
    while (atomic_load_explicit(&t->owner, memory_order_acquire) != mine)
        cpu_relax();
    /* END SOLUTION (stub: (void)t;) */
}

static bool ticket_trylock(void *l, void *node)
{
    (void)node;
    struct ticket *t = l;
    /* BEGIN SOLUTION: succeed only if nobody holds or waits (owner == next), by taking that ticket with one compare-and-swap */
    /* relaxed: a guess, checked by the CAS. */
    unsigned ticket = atomic_load_explicit(&t->next, memory_order_relaxed);
    /* acquire: pairs with ticket_unlock, as in ticket_lock. */
    if (atomic_load_explicit(&t->owner, memory_order_acquire) != ticket)
        return false;
    /* The CAS takes ticket only if nobody drew one since; owner == ticket
     * then means it is ours to hold.  x86: LOCK CMPXCHG. */
    return atomic_compare_exchange_strong_explicit(&t->next, &ticket, ticket + 1, memory_order_relaxed,
                                                   memory_order_relaxed);
    /* END SOLUTION (stub: (void)t; return false;) */
}

static void ticket_unlock(void *l, void *node)
{
    (void)node;
    struct ticket *t = l;
    /* BEGIN SOLUTION: serve the next ticket: owner + 1, stored so that the critical section happens before the next holder's */
    /* relaxed: only the holder writes owner. */
    unsigned served = atomic_load_explicit(&t->owner, memory_order_relaxed);
    /* release: pairs with the acquire loads in lock and trylock.  x86: MOV. */
    atomic_store_explicit(&t->owner, served + 1, memory_order_release);
    /* END SOLUTION (stub: (void)t;) */
}

static unsigned ticket_waiters(void *l, void *holder_node)
{
    (void)holder_node;
    struct ticket *t = l;
    unsigned next = atomic_load(&t->next), owner = atomic_load(&t->owner);
    return next == owner ? 0 : next - owner - 1;
}

static void ticket_destroy(void *l) { (void)l; }

const struct lock_ops lab_ticket_ops = {
    .name = "lab_ticket",
    .summary = "lab 04: your FIFO ticket lock",
    .kind = LOCK_KIND_MUTEX,
    .flags = LOCK_FIFO,
    .size = sizeof(struct ticket),
    .init = ticket_init,
    .destroy = ticket_destroy,
    .lock = ticket_lock,
    .unlock = ticket_unlock,
    .trylock = ticket_trylock,
    .waiters = ticket_waiters,
};
