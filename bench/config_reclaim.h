/* config_reclaim.h: what bench/config_reclaim.c shares with its liburcu-qsbr file (a separate file: liburcu's flavours cannot share one). */
#ifndef MEMLAB_BENCH_CONFIG_RECLAIM_H
#define MEMLAB_BENCH_CONFIG_RECLAIM_H

#include <stdint.h>

#include "locks/sys.h"

/* A config version: two fields a reader reads, and when the writer retired
 * it (swapped it out), for the publish-to-free latency.  Readers never
 * touch retired_ns; only the writer writes it and the free function (the
 * writer's thread) reads it. */
struct rc_version {
    CACHE_ALIGNED atomic_uint_least64_t limit;
    atomic_uint_least64_t timeout_ms;
    uint64_t retired_ns;
};

static inline uint64_t rc_read_fields(const struct rc_version *v)
{
    /* relaxed: the snapshot's publication ordered them (and atomic only
     * because atomic_ptr's recycled pool rewrites them). */
    return atomic_load_explicit(&v->limit, memory_order_relaxed) +
           atomic_load_explicit(&v->timeout_ms, memory_order_relaxed);
}

/* liburcu, qsbr flavour (config_reclaim_urcu_qsbr.c). */
void rc_urcu_qsbr_reader_enter(void);
void rc_urcu_qsbr_reader_exit(void);
uint64_t rc_urcu_qsbr_read_batch(struct rc_version **current, int n);
/* Swap in v, wait for a grace period, return the old version (to free). */
struct rc_version *rc_urcu_qsbr_replace(struct rc_version **current, struct rc_version *v);

#endif
