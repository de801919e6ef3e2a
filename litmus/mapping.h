/* mapping.h: the one operation table.  Every kernel and C11 operation a litmus
 * test may call, with what it means: its statement kind, the kernel's
 * annotation (LKMM), its C11 operation and memory order(s), and its x86-64
 * and AArch64 code as text.  The parser fills statements from it, the
 * generator emits its C11 form, the SC/x86-TSO enumerators and the axiomatic
 * models read the same fields, and docs (litmus/README.md, --list-ops) print
 * it.  Nothing else in litmus/ may decide what an operation means.
 *
 * C11 meaning of the kernel's ordering classes (Documentation/atomic_t.txt,
 * memory-barriers.txt):
 *   _relaxed, non-returning RMWs   relaxed RMW
 *   _acquire / _release            acquire / release RMW (the read / the write half)
 *   value-returning, no suffix     fully ordered: seq_cst fence, relaxed RMW, seq_cst fence
 *                                  ("as if smp_mb() before and after"; C11 has no single op that strong)
 *   a failed cmpxchg / add_unless  a relaxed read (no ordering), except _acquire keeps acquire
 */
#ifndef MEMLAB_LITMUS_MAPPING_H
#define MEMLAB_LITMUS_MAPPING_H

#include <stdbool.h>

#include "litmus/ast.h"

/* How the arguments are written: L a location, V a value, M a memory_order,
 * &R a register's address (C11 compare_exchange's "expected"). */
enum lt_shape {
    LT_SH_NONE,        /* ()                 rcu_read_lock(), smp_mb() */
    LT_SH_M,           /* (M)                atomic_thread_fence(mo) */
    LT_SH_L,           /* (L)                READ_ONCE(*x), spin_lock(l), atomic_inc(v) */
    LT_SH_LM,          /* (L, M)             atomic_load_explicit */
    LT_SH_LV,          /* (L, V)             WRITE_ONCE, xchg, atomic_set, srcu_read_unlock */
    LT_SH_LVM,         /* (L, V, M)          atomic_store_explicit, atomic_fetch_add_explicit */
    LT_SH_VL,          /* (V, L)             atomic_add(i, v), atomic_add_return(i, v) */
    LT_SH_LEV,         /* (L, expected, V)   cmpxchg(x, old, new) */
    LT_SH_LVE,         /* (L, V, unless)     atomic_add_unless(v, a, u) */
    LT_SH_LRV,         /* (L, &R, V)         atomic_compare_exchange_strong */
    LT_SH_LRVMM        /* (L, &R, V, M, M)   atomic_compare_exchange_strong_explicit */
};

struct lt_opinfo {
    const char *name;
    enum lt_stmt_kind kind;
    enum lt_shape shape;
    bool star;               /* the location is written *x (READ_ONCE(*x)), not x */
    enum lt_ann ann;         /* the kernel's annotation; LT_ANN_C11 for <stdatomic.h> */
    enum lt_mo mo;           /* C11 order (the default when the shape has M) */
    bool full;               /* fully ordered kernel RMW: seq_cst fences around a relaxed RMW */
    enum lt_fence fence;     /* LT_S_FENCE */
    enum lt_rmw_op rmw;      /* LT_S_RMW */
    enum lt_rmw_cond cond;
    enum lt_rmw_ret ret;
    int operand;             /* atomic_inc & co: the implicit operand (1); 0 when an argument gives it */
    bool rcu_domain;         /* SRCU: the location is the srcu_struct */
    bool then_fence_mb;      /* smp_store_mb: a store, then smp_mb() */
    const char *c11;         /* its C11 form */
    const char *x86;         /* x86-64 code (gcc/clang, Linux's own for kernel ops) */
    const char *arm64;       /* AArch64 code (ARMv8.1 LSE atomics where the kernel uses them) */
};

/* The table row for a name, or NULL.  c11_order: for the names that the
 * kernel and C11 both use with different arguments (atomic_fetch_add(i, v)
 * vs atomic_fetch_add(obj, arg)), pick the C11 one. */
const struct lt_opinfo *lt_op_find(const char *name, bool c11_order);

/* The whole table (for docs and tests). */
const struct lt_opinfo *lt_op_table(int *n);

/* The names of an annotation ("once", "acquire", ...) and a fence ("mb", ...). */
const char *lt_ann_name(enum lt_ann a);
const char *lt_fence_name(enum lt_fence f);

/* Whether a kind of statement reads memory and writes a register (a read event). */
bool lt_stmt_reads(const struct lt_stmt *s);
/* Whether it may write memory. */
bool lt_stmt_writes(const struct lt_stmt *s);

/* An RMW's new value from the old one, and what it returns (into s->reg). */
int lt_rmw_new(const struct lt_stmt *s, int old, int operand);
bool lt_rmw_writes(const struct lt_stmt *s, int old, int expected);
int lt_rmw_result(const struct lt_stmt *s, int old, int new_value, bool wrote);

/* Whether x86-TSO treats the statement as MFENCE (a full barrier that waits
 * for the store buffer): smp_mb(), seq_cst fences, a seq_cst store's
 * trailing fence is separate (see model.c). */
bool lt_is_x86_full_fence(const struct lt_stmt *s);

#endif
