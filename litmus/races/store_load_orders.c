/* store_load_orders.c: one store-then-load pair written five ways; `make asm` prints what each compiles to on this CPU.
 *
 * Question: what do the memory orders cost on x86?  x86 (TSO) already keeps
 * load->load, load->store and store->store order; the one reordering it does
 * is store->load: a store waits in the core's store buffer while a later
 * load to another address reads the cache (litmus test SB).  So release
 * stores and acquire loads are plain MOVs, and only forbidding the
 * store->load reordering costs a fence: a seq_cst store (clang: XCHG, which
 * is implicitly locked), an explicit seq_cst fence (MFENCE), or any locked
 * read-modify-write (LOCK XADD, LOCK CMPXCHG, ...), which drains the store
 * buffer as a side effect.
 * Not a program: `make asm` compiles it with clang -O2 and prints each
 * function's instructions from objdump.  Each function stores 1 to *x, then
 * returns *y (x and y are different variables, as in SB).
 */
#include <stdatomic.h>

/* Plain accesses: no ordering at all (and a data race if shared). */
int plain(int *x, int *y)
{
    *x = 1;
    return *y;
}

/* Release store, acquire load: the load may still pass the store. */
int release_acquire(atomic_int *x, atomic_int *y)
{
    atomic_store_explicit(x, 1, memory_order_release);
    return atomic_load_explicit(y, memory_order_acquire);
}

/* seq_cst store, seq_cst load: the store->load order is kept. */
int seq_cst(atomic_int *x, atomic_int *y)
{
    atomic_store(x, 1);
    return atomic_load(y);
}

/* Relaxed accesses with a seq_cst fence between them. */
int relaxed_fence(atomic_int *x, atomic_int *y)
{
    atomic_store_explicit(x, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    return atomic_load_explicit(y, memory_order_relaxed);
}

/* A locked read-modify-write instead of the store. */
int locked_rmw(atomic_int *x, atomic_int *y)
{
    atomic_fetch_add(x, 1);
    return atomic_load_explicit(y, memory_order_relaxed);
}
