/* cowcfg.h: a copy-on-write configuration (Go's atomic.Value config pattern) with three ways to reclaim old versions: epochs, QSBR, hazard pointers.
 *
 * The writer side (mutex, publish, retired list, bound, counters) is one, in
 * cowcfg.c; the schemes differ in what a reader writes in its slot and so in
 * what the writer may free (cowcfg.c explains epochs; cowcfg_qsbr.c and
 * cowcfg_hazard.c the other two; notes/sync.md compares them):
 *   COWCFG_EPOCH   slot = the generation the reader entered its section in;
 *                  the reader pays an announce per section.
 *   COWCFG_QSBR    slot = the generation at the reader's last quiescent
 *                  state; a read is a bare load, and the reader must report
 *                  quiescent states (cowcfg_qsbr_quiescent) between sections.
 *   COWCFG_HAZARD  slot = the pointer the reader holds; a read loops until
 *                  the pointer it announced is still current.
 * The epoch scheme's use:
 *
 * Readers:
 *     struct cowcfg_slot *slot = xaligned_alloc(sizeof *slot); // one per thread
 *     cowcfg_reader_register(c, slot);               // once per thread
 *     cowcfg_read_lock(c, slot);                     // never blocks
 *     const struct my_config *v = cowcfg_get(c);     // NULL before the first publish
 *     ... read *v, never write it ...
 *     cowcfg_read_unlock(c, slot);                   // v may be freed from here on
 *     cowcfg_reader_unregister(c, slot);             // once, outside a read section
 * Writers:
 *     cowcfg_write_lock(c);                          // serializes writers only
 *     struct my_config *n = copy of cowcfg_get(c), then modified;
 *     cowcfg_publish(c, n);                          // one atomic swap; c owns n now
 *     cowcfg_write_unlock(c);                        // frees what no reader can hold
 *
 * A version is handed to the cowcfg by cowcfg_publish and freed by it with
 * free_fn, exactly once, after no reader can still hold it (or at destroy).
 * See cowcfg.c for the protocol and why it is safe.
 */
#ifndef MEMLAB_COWCFG_H
#define MEMLAB_COWCFG_H

#include <stdbool.h>
#include <stdint.h>

#include "locks/lock.h"
#include "locks/mutex_barging.h"
#include "locks/sys.h"

/* Versions retired but not yet freed, at most, once a write_unlock returns.
 * A writer that would leave more waits in write_unlock (yielding) until
 * readers move on: memory stays bounded even with a slow reader, at the price
 * of a writer that waits for a reader parked inside its read section. */
enum { COWCFG_MAX_PENDING = 64 };

enum cowcfg_scheme { COWCFG_EPOCH, COWCFG_QSBR, COWCFG_HAZARD };

/* One reader thread's announcement, on its own cache line so that entering
 * and leaving a read section writes no line any other thread writes.
 *   active: 0 outside a read section; inside, the generation the reader
 *           read on entry (generations start at 1, so 0 is never one).
 *   next, owner: the cowcfg's list of registered slots; changed and walked
 *           only under the writer mutex.  owner is also the debug check that
 *           turns "read_lock before register" into a hard stop. */
struct cowcfg_slot {
    CACHE_ALIGNED atomic_uint_least64_t active;
    struct cowcfg_slot *next;
    struct cowcfg *owner;
};

struct cowcfg_retired; /* a version waiting to be freed: see cowcfg.c */

/* Allocate with xaligned_alloc or as a static/automatic variable: the
 * members below are cache-line aligned. */
struct cowcfg {
    /* What readers read, on a line of its own that only publish writes:
     * readers do not share a line with the writer mutex or the counters. */
    CACHE_ALIGNED _Atomic(void *) current; /* the published version, NULL before the first */
    atomic_uint_least64_t gen;             /* 1 + number of publishes; never wraps */
    bool asymmetric; /* readers announce with a MOV, the writer calls membarrier (cowcfg.c);
                      * set by init, read-only after; the environment variable
                      * MEMLAB_COWCFG_NO_MEMBARRIER selects the XCHG announce, for comparison */
    enum cowcfg_scheme scheme; /* set by init, read-only after */

    /* Writer state: everything below is written only under writer. */
    CACHE_ALIGNED struct mutex_barging writer;
    atomic_uintptr_t writer_thread;         /* the writer holding the mutex (lock_self), or 0:
                                             * the owner check; always on, writes are slow anyway */
    struct cowcfg_slot *readers;            /* registered slots */
    struct cowcfg_retired *oldest, *newest; /* retired versions, oldest first */
    void (*free_fn)(void *version);
    /* Counters for tests and reports (relaxed: see cowcfg_stats). */
    atomic_uint_least64_t published, freed, pending;
};

struct cowcfg_stats {
    uint64_t published; /* versions handed to cowcfg_publish */
    uint64_t freed;     /* versions passed to free_fn */
    uint64_t pending;   /* retired (replaced) and not yet freed */
};

/* free_fn frees one published version; NULL means free().  cowcfg_init is
 * cowcfg_init_scheme with COWCFG_EPOCH. */
void cowcfg_init(struct cowcfg *c, void (*free_fn)(void *version));
void cowcfg_init_scheme(struct cowcfg *c, void (*free_fn)(void *version),
                        enum cowcfg_scheme scheme);
/* Frees the current version and every retired one.  No thread may be
 * registered (a registered reader is a bug: lock_fatal). */
void cowcfg_destroy(struct cowcfg *c);

/* Readers.  Register takes the writer mutex (so never call it while holding
 * the write lock).  slot memory needs no initialisation; it must stay alive
 * until unregister.  Read sections do not nest. */
void cowcfg_reader_register(struct cowcfg *c, struct cowcfg_slot *slot);
void cowcfg_reader_unregister(struct cowcfg *c, struct cowcfg_slot *slot);

/* Reports a read_lock on an unregistered slot or inside a section; aborts. */
_Noreturn void cowcfg_misuse(struct cowcfg *c, struct cowcfg_slot *slot);

/* The read side is inline: a read section is a handful of MOVs, and three
 * out-of-line calls would cost more than the work (see `make bench`,
 * config_read).  cowcfg_read_lock/cowcfg_read_unlock bracket a section;
 * cowcfg_get returns the current version, or NULL before the first publish.
 * A version is valid only inside a read section (until read_unlock) or while
 * holding the write lock (until write_unlock).  Two calls in one section may
 * return different versions; both stay valid until the section ends. */
static inline void cowcfg_read_lock(struct cowcfg *c, struct cowcfg_slot *slot)
{
    /* Misuse that would let a writer free what we read: a slot the writers
     * do not scan, or a nested section overwriting the outer one's announce.
     * One predicted branch for both.  relaxed: only this thread writes its
     * slot. */
    if (__builtin_expect((slot->owner != c) |
                             (atomic_load_explicit(&slot->active, memory_order_relaxed) != 0),
                         0))
        cowcfg_misuse(c, slot);
    /* acquire: pairs with the release store of gen in cowcfg_publish; if we
     * see a publish's gen, we see its swap of current too (the safety claim
     * at the top of cowcfg.c).  x86: MOV. */
    uint64_t g = atomic_load_explicit(&c->gen, memory_order_acquire);
    if (c->asymmetric) {
        /* relaxed: the writer's membarrier supplies the store-load fence
         * (cowcfg.c); the signal fence only stops the compiler from moving the
         * announce below cowcfg_get's load.  x86: MOV, and no instruction. */
        atomic_store_explicit(&slot->active, g, memory_order_relaxed);
        atomic_signal_fence(memory_order_seq_cst);
        return;
    }
    /* seq_cst: the announce.  It must be visible before cowcfg_get loads
     * current, against the writer's swap and slot scan (the SB shape in
     * cowcfg.c).  x86: XCHG, a full barrier; a plain MOV here would let the
     * load of current pass it. */
    atomic_store_explicit(&slot->active, g, memory_order_seq_cst);
}

static inline const void *cowcfg_get(struct cowcfg *c)
{
    /* seq_cst: the load half of the SB shape, after the announce in
     * cowcfg_read_lock.  It also acquires: pairs with the exchange in
     * cowcfg_publish, so every field the writer wrote before publishing is
     * visible (no half-written version).  x86: MOV. */
    return atomic_load_explicit(&c->current, memory_order_seq_cst);
}

static inline void cowcfg_read_unlock(struct cowcfg *c, struct cowcfg_slot *slot)
{
    (void)c;
    /* No check for an unlock outside a section: it would store the 0 that
     * is already there, which frees nothing early. */
    /* release: every read of the version happens before the writer's scan
     * (reclaim_some) sees 0 and frees it.  x86: MOV. */
    atomic_store_explicit(&slot->active, 0, memory_order_release);
}

/* ---- QSBR (COWCFG_QSBR; cowcfg_qsbr.c) ----------------------------------------
 * A registered reader is "online" and holds back every version retired after
 * its last quiescent state; it reads with cowcfg_qsbr_get alone (no section
 * bracket) and must call cowcfg_qsbr_quiescent, where it holds no version,
 * often enough: a reader that stops reporting while online stalls the writer
 * at COWCFG_MAX_PENDING.  Registering puts the thread online, unregistering
 * takes it offline; a thread about to block for long goes offline
 * (cowcfg_qsbr_offline, then cowcfg_qsbr_online). */
static inline const void *cowcfg_qsbr_get(struct cowcfg *c)
{
    /* acquire: pairs with the exchange in cowcfg_publish, so the version's
     * fields are visible.  No announce: the last quiescent state already
     * told the writer which versions we may hold.  x86: MOV. */
    return atomic_load_explicit(&c->current, memory_order_acquire);
}

static inline void cowcfg_qsbr_quiescent(struct cowcfg *c, struct cowcfg_slot *slot)
{
    /* acquire: pairs with the release store of gen in cowcfg_publish: every
     * version retired with a tag <= g was swapped out before our later loads
     * of current, so they cannot return it.  x86: MOV. */
    uint64_t g = atomic_load_explicit(&c->gen, memory_order_acquire);
    /* release: our reads of the versions we held happen before the writer's
     * scan (acquire) sees g and frees them.  x86: MOV. */
    atomic_store_explicit(&slot->active, g, memory_order_release);
}

void cowcfg_qsbr_offline(struct cowcfg *c, struct cowcfg_slot *slot);
void cowcfg_qsbr_online(struct cowcfg *c, struct cowcfg_slot *slot);

/* ---- hazard pointers (COWCFG_HAZARD; cowcfg_hazard.c) --------------------------
 * A read section protects exactly the version current when it starts; the
 * slot holds its address.  cowcfg_hazard_read_lock returns it (NULL before
 * the first publish), valid until cowcfg_hazard_read_unlock. */
static inline const void *cowcfg_hazard_read_lock(struct cowcfg *c, struct cowcfg_slot *slot)
{
    if (__builtin_expect((slot->owner != c) |
                             (atomic_load_explicit(&slot->active, memory_order_relaxed) != 0),
                         0))
        cowcfg_misuse(c, slot); /* relaxed: only this thread writes its slot */
    /* acquire: pairs with the exchange in cowcfg_publish (the fields).  x86: MOV. */
    void *p = atomic_load_explicit(&c->current, memory_order_acquire);
    for (;;) {
        if (c->asymmetric) {
            /* relaxed: the writer's membarrier, between its swap and its
             * scan, supplies the store-load fence (the SB shape, cowcfg.c);
             * the signal fence keeps the compiler from moving the re-load
             * above the announce.  x86: MOV, no instruction. */
            atomic_store_explicit(&slot->active, (uintptr_t)p, memory_order_relaxed);
            atomic_signal_fence(memory_order_seq_cst);
        } else {
            /* seq_cst: the announce must be visible before the re-load of
             * current (SB against the writer's swap and scan).  x86: XCHG. */
            atomic_store_explicit(&slot->active, (uintptr_t)p, memory_order_seq_cst);
        }
        /* seq_cst: the load half of the SB shape.  If current still is p,
         * any writer that swaps p out later scans after our announce and
         * keeps p.  x86: MOV. */
        void *again = atomic_load_explicit(&c->current, memory_order_seq_cst);
        if (again == p)
            return p;
        p = again; /* a publish slipped in: protect the newer one */
    }
}

static inline void cowcfg_hazard_read_unlock(struct cowcfg *c, struct cowcfg_slot *slot)
{
    (void)c;
    /* release: our reads of the version happen before the writer's scan
     * (acquire) misses it and frees it.  x86: MOV. */
    atomic_store_explicit(&slot->active, 0, memory_order_release);
}

/* Writers.  publish needs the write lock; version must not be NULL, must not
 * have been published before, and belongs to the cowcfg afterwards.  A writer
 * must not publish from inside its own read section: write_unlock may wait
 * for that section to end. */
void cowcfg_write_lock(struct cowcfg *c);
bool cowcfg_write_trylock(struct cowcfg *c);
void cowcfg_publish(struct cowcfg *c, void *version);
void cowcfg_write_unlock(struct cowcfg *c);

/* A snapshot of the counters; each number is exact, but the three are read
 * one after the other, so they agree with each other only when no writer runs. */
struct cowcfg_stats cowcfg_stats(struct cowcfg *c);

#endif
