/* mutex_barging.h: the barging futex mutex, callable directly (other locks use it as an inner guard). */
#ifndef MEMLAB_MUTEX_BARGING_H
#define MEMLAB_MUTEX_BARGING_H

#include <stdbool.h>

#include "locks/sys.h"

/* word: 0 = unlocked, 1 = locked and nobody sleeps, 2 = locked and a
 * thread may be sleeping on the futex.  See mutex_barging.c. */
struct mutex_barging {
    atomic_uint word;
};

#define MUTEX_BARGING_INIT {0}

void mutex_barging_init(struct mutex_barging *m);
void mutex_barging_lock(struct mutex_barging *m);
bool mutex_barging_trylock(struct mutex_barging *m);
void mutex_barging_unlock(struct mutex_barging *m);

/* A racy peek for spinners: true when the lock looked free just now.
 * relaxed: only a hint before a trylock, which is what acquires. */
static inline bool mutex_barging_looks_free(struct mutex_barging *m)
{
    return atomic_load_explicit(&m->word, memory_order_relaxed) == 0;
}

#endif
