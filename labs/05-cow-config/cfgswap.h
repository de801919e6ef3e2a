/* cfgswap.h: lab 05: a copy-on-write config with epoch reclamation, small enough to write in a lab (the library's full version is locks/cowcfg.h).
 *
 * Readers (reader ids 0 .. CFGSWAP_MAX_READERS-1, one per thread):
 *     cfgswap_read_lock(c, id);              // announce: never blocks
 *     const struct my_config *v = cfgswap_get(c);   // NULL before the first publish
 *     ... read *v, never write it ...
 *     cfgswap_read_unlock(c, id);            // v may be freed from here on
 * Writers:
 *     cfgswap_write_lock(c);                 // serializes writers only
 *     cfgswap_publish(c, new_version);       // c owns it now
 *     cfgswap_write_unlock(c);               // frees what no reader can hold
 * A version is freed with free_fn exactly once: after no reader can still
 * hold it, or at destroy.
 */
#ifndef MEMLAB_LAB05_CFGSWAP_H
#define MEMLAB_LAB05_CFGSWAP_H

#include <pthread.h>
#include <stdint.h>

#include "locks/sys.h"

enum {
    CFGSWAP_MAX_READERS = 16,
    CFGSWAP_MAX_PENDING = 64, /* retired versions a write_unlock may leave unfreed */
};

/* A reader's announcement, on its own cache line: 0 outside a read section;
 * inside, the generation it read on entry (generations start at 1). */
struct cfgswap_slot {
    CACHE_ALIGNED atomic_uint_least64_t active;
};

struct cfgswap_retired {
    void *version;
    uint64_t tag; /* the generation the publish that replaced it stored */
};

struct cfgswap {
    CACHE_ALIGNED _Atomic(void *) current; /* the published version */
    atomic_uint_least64_t gen;             /* 1 + number of publishes */
    struct cfgswap_slot slot[CFGSWAP_MAX_READERS];
    /* writer state, under writer */
    CACHE_ALIGNED pthread_mutex_t writer;
    struct cfgswap_retired retired[CFGSWAP_MAX_PENDING + 1]; /* oldest first */
    unsigned nretired;
    void (*free_fn)(void *version);
    /* counters (relaxed: numbers to report, written under writer) */
    atomic_uint_least64_t published, freed;
};

/* free_fn NULL means free().  c must be cache-line aligned (xaligned_alloc). */
void cfgswap_init(struct cfgswap *c, void (*free_fn)(void *version));
void cfgswap_destroy(struct cfgswap *c);

void cfgswap_read_lock(struct cfgswap *c, unsigned reader);
const void *cfgswap_get(struct cfgswap *c);
void cfgswap_read_unlock(struct cfgswap *c, unsigned reader);

void cfgswap_write_lock(struct cfgswap *c);
void cfgswap_publish(struct cfgswap *c, void *version);
void cfgswap_write_unlock(struct cfgswap *c);

/* Replaced and not yet freed, right now (a snapshot). */
unsigned cfgswap_pending(struct cfgswap *c);

#endif
