/* cowcfg.h: a copy-on-write configuration (Go's atomic.Value config pattern) with epoch-based reclamation.
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

#include "locks/mutex_barging.h"
#include "locks/sys.h"

/* Versions retired but not yet freed, at most, once a write_unlock returns.
 * A writer that would leave more waits in write_unlock (yielding) until
 * readers move on: memory stays bounded even with a slow reader, at the price
 * of a writer that waits for a reader parked inside its read section. */
enum { COWCFG_MAX_PENDING = 64 };

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

    /* Writer state: everything below is written only under writer. */
    CACHE_ALIGNED struct mutex_barging writer;
    bool writing;                           /* debug: a writer holds the mutex */
    bool asymmetric; /* readers announce with a MOV, the writer calls membarrier (cowcfg.c);
                      * set by init; the environment variable MEMLAB_COWCFG_NO_MEMBARRIER
                      * selects the XCHG announce instead, for comparison */
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

/* free_fn frees one published version; NULL means free(). */
void cowcfg_init(struct cowcfg *c, void (*free_fn)(void *version));
/* Frees the current version and every retired one.  No thread may be
 * registered (a registered reader is a bug: lock_fatal). */
void cowcfg_destroy(struct cowcfg *c);

/* Readers.  Register takes the writer mutex (so never call it while holding
 * the write lock).  slot memory needs no initialisation; it must stay alive
 * until unregister.  Read sections do not nest. */
void cowcfg_reader_register(struct cowcfg *c, struct cowcfg_slot *slot);
void cowcfg_reader_unregister(struct cowcfg *c, struct cowcfg_slot *slot);
void cowcfg_read_lock(struct cowcfg *c, struct cowcfg_slot *slot);
void cowcfg_read_unlock(struct cowcfg *c, struct cowcfg_slot *slot);

/* The current version, or NULL before the first publish.  Valid only inside
 * a read section (until read_unlock) or while holding the write lock (until
 * write_unlock).  Two calls in one section may return different versions;
 * both stay valid until the section ends. */
const void *cowcfg_get(struct cowcfg *c);

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
