/* mutex_barging.c: futex mutex where any running thread may take the lock ahead of a woken waiter (Go 1.8's only mode).
 *
 * Lock word (the futex word):
 *   0  unlocked
 *   1  locked, no thread sleeps in the kernel  -> unlock needs no syscall
 *   2  locked, some thread may sleep           -> unlock must futex_wake
 * Invariants: only the holder moves the word to 0.  A thread that goes to
 * sleep first makes the word 2, and the kernel re-checks that it is still 2
 * as it queues the thread, so an unlock cannot slip between "saw it locked"
 * and "fell asleep" (the lost wake-up).  2 may be pessimistic: after the
 * last sleeper wakes the word stays 2 until the next unlock, which then
 * makes one futex_wake call that finds nobody.  That is the price of not
 * counting sleepers.  (Ulrich Drepper's "Futexes Are Tricky", mutex #3.)
 *
 * Barging: unlock sets the word to 0 and wakes one sleeper, but the woken
 * thread needs some microseconds to be scheduled, and any thread running on
 * a CPU at that moment takes the lock with one CAS.  That keeps the lock
 * busy and throughput high, and lets an unlucky sleeper wait a long time:
 * `lockstress --lock mutex_barging --threads 8` shows the Jain index.
 */
#include "locks/mutex_barging.h"

#include "locks/lock.h"

enum { UNLOCKED = 0, LOCKED = 1, CONTENDED = 2 };

void mutex_barging_init(struct mutex_barging *m)
{
    atomic_init(&m->word, UNLOCKED);
}

bool mutex_barging_trylock(struct mutex_barging *m)
{
    unsigned expected = UNLOCKED;
    /* acquire on success: pairs with the release exchange in
     * mutex_barging_unlock.  relaxed on failure: we take nothing.
     * x86: LOCK CMPXCHG. */
    return atomic_compare_exchange_strong_explicit(&m->word, &expected, LOCKED,
                                                   memory_order_acquire,
                                                   memory_order_relaxed);
}

void mutex_barging_lock(struct mutex_barging *m)
{
    if (mutex_barging_trylock(m))
        return; /* the uncontended path: one CAS, no syscall */
    /* Mark the lock contended, and take it if the exchange finds it free.
     * A thread that takes the lock this way leaves the word at 2 although it
     * may be the last waiter: harmless, see the header.  acquire: pairs
     * with the release exchange in unlock.  x86: XCHG. */
    while (atomic_exchange_explicit(&m->word, CONTENDED, memory_order_acquire) != UNLOCKED)
        futex_wait(&m->word, CONTENDED, 0);
}

void mutex_barging_unlock(struct mutex_barging *m)
{
    /* release: our critical section happens before the next acquirer's
     * acquire CAS or exchange.  x86: XCHG. */
    unsigned was = atomic_exchange_explicit(&m->word, UNLOCKED, memory_order_release);
    if (was == CONTENDED)
        futex_wake(&m->word, 1);
    else if (was == UNLOCKED)
        lock_fatal("sync: unlock of unlocked mutex (mutex_barging)");
}

/* The registry's mutex_barging carries the owner check (lock.h); the bare
 * one above, which the toolkit and other locks embed as a guard, does not. */
struct barging_checked {
    struct mutex_barging m;
    atomic_uintptr_t holder;
};

static int barging_init(void *l)
{
    struct barging_checked *b = l;
    mutex_barging_init(&b->m);
    atomic_init(&b->holder, 0);
    return 0;
}
static void barging_destroy(void *l) { (void)l; }
static void barging_lock(void *l, void *node)
{
    (void)node;
    struct barging_checked *b = l;
    mutex_barging_lock(&b->m);
    lock_owner_take(&b->holder);
}
static void barging_unlock(void *l, void *node)
{
    (void)node;
    struct barging_checked *b = l;
    lock_owner_drop(&b->holder, "mutex_barging");
    mutex_barging_unlock(&b->m);
}
static bool barging_trylock(void *l, void *node)
{
    (void)node;
    struct barging_checked *b = l;
    if (!mutex_barging_trylock(&b->m))
        return false;
    lock_owner_take(&b->holder);
    return true;
}

const struct lock_ops mutex_barging_ops = {
    .name = "mutex_barging",
    .summary = "futex mutex 0/1/2: unlock wakes one sleeper, but running threads barge in first",
    .kind = LOCK_KIND_MUTEX,
    .flags = LOCK_SLEEPS,
    .size = sizeof(struct barging_checked),
    .init = barging_init,
    .destroy = barging_destroy,
    .lock = barging_lock,
    .unlock = barging_unlock,
    .trylock = barging_trylock,
};
