/* parker.c: the spin budget for parker_wait_spin and the errgroup pool's idle workers (parker.h). */
#include "labs/toolkit/parker.h"

uint64_t parker_spin_ns(uint64_t want_ns)
{
    /* relaxed: a cache of a value every thread computes the same way; a
     * race only computes it twice.  x86: MOV. */
    static atomic_int cpus;
    int n = atomic_load_explicit(&cpus, memory_order_relaxed);
    if (n == 0) {
        n = online_cpus();
        atomic_store_explicit(&cpus, n, memory_order_relaxed);
    }
    return n > 1 ? want_ns : 0;
}
