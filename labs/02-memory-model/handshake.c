/* handshake.c: lab 02: raise my flag, then look at yours: the litmus test SB as a (broken) way to exclude each other.
 *
 * Broken on purpose in the handout: with relaxed accesses (plain MOVs on
 * x86) both threads can enter, because each store can wait in its CPU's
 * store buffer while the load after it reads memory (build/bin/litmus SB).
 * Choose the orders (or add a fence) so that cannot happen, then read the
 * instructions the compiler chose:
 *     objdump -d --no-show-raw-insn build/obj/labs/02-memory-model/handshake.o
 */
#include "labs/02-memory-model/memmodel.h"

bool handshake_try_enter(struct handshake *h, int me)
{
    /* BEGIN SOLUTION: raise my flag, then read the other's; which ordering keeps the load from passing the store (compare SB, SB+relacqs, SB+mfences)? */
    /* seq_cst on both: the store and the load are in the single total
     * order of seq_cst operations, so one thread's store comes first and
     * the other's load sees it.  Release/acquire would not do: they never
     * order a store before a later load.  x86: XCHG (clang; gcc: MOV +
     * MFENCE) for the store, MOV for the load. */
    atomic_store_explicit(&h->flag[me], 1, memory_order_seq_cst);
    return atomic_load_explicit(&h->flag[1 - me], memory_order_seq_cst) == 0;
    /* END SOLUTION (stub: atomic_store_explicit(&h->flag[me], 1, memory_order_relaxed); return atomic_load_explicit(&h->flag[1 - me], memory_order_relaxed) == 0;) */
}
