/* registry.c: the list of every lock in memlab; tests, lockstress and benchmarks iterate over it.
 *
 * Adding a lock: write locks/<name>.c ending in a `const struct lock_ops
 * <name>_ops`, declare it below and add it to lock_registry.  Nothing else
 * changes: the tests, lockstress, the benchmarks and their plots pick it up.
 */
#include "locks/lock.h"

#include <string.h>

extern const struct lock_ops tas_ops, ttas_ops, ticket_ops, mcs_ops, mutex_barging_ops,
    mutex_handoff_ops, mutex_spin_ops, mutex_hybrid_ops, rwlock_ops, rwlock_readpref_ops,
    cowcfg_ops, cowcfg_qsbr_ops, cowcfg_hazard_ops;
extern const struct lock_ops pthread_mutex_ops, pthread_mutex_adaptive_ops, pthread_spin_ops,
    pthread_rwlock_ops, pthread_rwlock_writepref_ops;

const struct lock_ops *const lock_registry[] = {
    /* ours, simplest first */
    &tas_ops,
    &ttas_ops,
    &ticket_ops,
    &mcs_ops,
    &mutex_barging_ops,
    &mutex_handoff_ops,
    &mutex_spin_ops,
    &mutex_hybrid_ops,
    &rwlock_ops,
    &rwlock_readpref_ops,
    &cowcfg_ops,
    &cowcfg_qsbr_ops,
    &cowcfg_hazard_ops,
    /* glibc baselines */
    &pthread_mutex_ops,
    &pthread_mutex_adaptive_ops,
    &pthread_spin_ops,
    &pthread_rwlock_ops,
    &pthread_rwlock_writepref_ops,
    NULL,
};

const struct lock_ops *lock_find(const char *name)
{
    for (const struct lock_ops *const *p = lock_registry; *p; p++)
        if (strcmp((*p)->name, name) == 0)
            return *p;
    return NULL;
}
