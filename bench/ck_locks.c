/* ck_locks.c: Concurrency Kit's ticket and MCS spinlocks behind memlab's lock_ops, as outside baselines for the benchmarks.
 *
 * Not ours and not in the library registry (the lock tests need not depend
 * on libck): bench_lock_list() in bench/common.c appends these two after the
 * registry, so every benchmark and plot shows them beside ticket.c and
 * mcs.c.  CK documents its own lock words; in short, ck's ticket lock packs
 * next and owner into one 32-bit word taken with one fetch-and-add (memlab's
 * keeps them in two), and ck's MCS is the textbook queue lock with the
 * context (our node) supplied by the caller, as in locks/mcs.c.
 */
#include <ck_spinlock.h>

#include "bench/bench.h"

static int ck_ticket_init(void *l)
{
    ck_spinlock_ticket_init(l);
    return 0;
}
static void ck_nothing(void *l) { (void)l; }
static void ck_ticket_lock(void *l, void *node) { (void)node; ck_spinlock_ticket_lock(l); }
static void ck_ticket_unlock(void *l, void *node) { (void)node; ck_spinlock_ticket_unlock(l); }
static bool ck_ticket_trylock(void *l, void *node)
{
    (void)node;
    return ck_spinlock_ticket_trylock(l);
}

const struct lock_ops ck_ticket_ops = {
    .name = "ck_ticket",
    .summary = "Concurrency Kit ck_spinlock_ticket (FIFO, one word)",
    .kind = LOCK_KIND_MUTEX,
    .flags = LOCK_FIFO | LOCK_BASELINE,
    .size = sizeof(ck_spinlock_ticket_t),
    .init = ck_ticket_init,
    .destroy = ck_nothing,
    .lock = ck_ticket_lock,
    .unlock = ck_ticket_unlock,
    .trylock = ck_ticket_trylock,
};

/* The lock is ck_spinlock_mcs_t, a pointer to the queue's tail context. */
static int ck_mcs_init(void *l)
{
    ck_spinlock_mcs_init(l);
    return 0;
}
static void ck_mcs_lock(void *l, void *node) { ck_spinlock_mcs_lock(l, node); }
static void ck_mcs_unlock(void *l, void *node) { ck_spinlock_mcs_unlock(l, node); }
static bool ck_mcs_trylock(void *l, void *node) { return ck_spinlock_mcs_trylock(l, node); }

const struct lock_ops ck_mcs_ops = {
    .name = "ck_mcs",
    .summary = "Concurrency Kit ck_spinlock_mcs (FIFO queue lock, caller's context)",
    .kind = LOCK_KIND_MUTEX,
    .flags = LOCK_FIFO | LOCK_BASELINE,
    .size = sizeof(ck_spinlock_mcs_t),
    .node_size = sizeof(ck_spinlock_mcs_context_t),
    .init = ck_mcs_init,
    .destroy = ck_nothing,
    .lock = ck_mcs_lock,
    .unlock = ck_mcs_unlock,
    .trylock = ck_mcs_trylock,
};
