/* ticket.c: FIFO ticket lock, a bakery queue in two counters.
 *
 * Lock words: next  = the ticket the next arrival will draw;
 *             owner = the ticket now being served.
 * Invariants: owner <= next (as unsigned distances, wrapping at 2^32);
 *             the lock is free when owner == next; next - owner - 1 threads
 *             wait while it is held.  Only the holder writes owner.
 *
 * Arrivals take tickets with one fetch-and-add, so they are served strictly
 * in arrival order: fair, but on an oversubscribed machine a preempted thread
 * whose turn has come stalls everyone behind it (watch 8 threads on 2 cores).
 * All waiters spin on the same line, so every release invalidates every
 * waiter's copy; mcs.c gives each waiter its own line.
 */
#include "locks/lock.h"
#include "locks/sys.h"

struct ticket {
    atomic_uint next;
    atomic_uint owner;
    atomic_uintptr_t holder; /* owner check (lock.h) */
};

static int ticket_init(void *l)
{
    struct ticket *t = l;
    atomic_init(&t->next, 0);
    atomic_init(&t->owner, 0);
    atomic_init(&t->holder, 0);
    return 0;
}

static void ticket_lock(void *l, void *node)
{
    (void)node;
    struct ticket *t = l;
    /* relaxed: drawing a ticket orders nothing by itself; the acquire load
     * of owner below is what enters the critical section.  x86: LOCK XADD. */
    unsigned mine = atomic_fetch_add_explicit(&t->next, 1, memory_order_relaxed);
    /* acquire: pairs with the release store in ticket_unlock, so the
     * previous holder's critical section happens before ours.  x86: MOV. */
    while (atomic_load_explicit(&t->owner, memory_order_acquire) != mine)
        cpu_relax();
    lock_owner_take(&t->holder);
}

static bool ticket_trylock(void *l, void *node)
{
    (void)node;
    struct ticket *t = l;
    /* relaxed: a guess at the next ticket; the CAS below checks it. */
    unsigned ticket = atomic_load_explicit(&t->next, memory_order_relaxed);
    /* acquire: pairs with ticket_unlock, as in ticket_lock. */
    if (atomic_load_explicit(&t->owner, memory_order_acquire) != ticket)
        return false; /* someone holds it or waits for it */
    /* owner == ticket means every earlier ticket has been served.  If the CAS
     * takes that same ticket, nobody drew one in between, owner cannot have
     * moved past next, so we hold the lock.  Relaxed on both paths: the
     * acquire load of owner above already ordered us after the last holder.
     * x86: LOCK CMPXCHG. */
    if (!atomic_compare_exchange_strong_explicit(&t->next, &ticket, ticket + 1,
                                                 memory_order_relaxed, memory_order_relaxed))
        return false;
    lock_owner_take(&t->holder);
    return true;
}

static void ticket_unlock(void *l, void *node)
{
    (void)node;
    struct ticket *t = l;
    /* Before anything else: a free lock's unlock would serve a ticket
     * nobody drew, and the next locker would spin for ever. */
    lock_owner_drop(&t->holder, "ticket");
    /* relaxed: only the holder writes owner, so reading our own last write
     * needs no ordering. */
    unsigned served = atomic_load_explicit(&t->owner, memory_order_relaxed);
    /* release: pairs with the acquire loads of owner in ticket_lock and
     * ticket_trylock.  x86: MOV. */
    atomic_store_explicit(&t->owner, served + 1, memory_order_release);
}

static unsigned ticket_waiters(void *l, void *holder_node)
{
    (void)holder_node;
    struct ticket *t = l;
    unsigned next = atomic_load(&t->next), owner = atomic_load(&t->owner);
    return next == owner ? 0 : next - owner - 1;
}

static void ticket_destroy(void *l) { (void)l; }

const struct lock_ops ticket_ops = {
    .name = "ticket",
    .summary = "FIFO ticket lock: fetch-and-add a ticket, spin until it is served",
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
