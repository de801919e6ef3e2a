/* mapping.c: the operation table of mapping.h, and the arithmetic of RMWs.
 *
 * Sources for the meanings: the kernel's Documentation/atomic_t.txt and
 * memory-barriers.txt (ordering classes), tools/memory-model (which kernel
 * operation is which event), the C11 standard 7.17 and the usual compiler
 * mappings for x86-64 and AArch64 (Sewell et al., "C/C++11 mappings to
 * processors"; the kernel's arch/arm64/include/asm/atomic_lse.h for the LSE
 * forms).  The x86 and ARM columns are documentation and the ARMv8 model's
 * guide; the generator emits the C11 column.
 */
#include "litmus/mapping.h"

#include <string.h>

#define ROW(...) {__VA_ARGS__}

/* Loads and stores. */
#define LOAD(a_n, a_sh, a_star, a_ann, a_mo, a_c11, a_x86, a_arm) \
    ROW(.name = a_n, .kind = LT_S_LOAD, .shape = a_sh, .star = a_star, .ann = a_ann, .mo = a_mo, .c11 = a_c11, .x86 = a_x86, .arm64 = a_arm)
#define STORE(a_n, a_sh, a_star, a_ann, a_mo, a_c11, a_x86, a_arm) \
    ROW(.name = a_n, .kind = LT_S_STORE, .shape = a_sh, .star = a_star, .ann = a_ann, .mo = a_mo, .c11 = a_c11, .x86 = a_x86, .arm64 = a_arm)

/* A kernel RMW family: the fully ordered form and its _relaxed, _acquire, _release variants. */
#define KRMW1(a_n, a_sh, a_op, a_cond, a_ret, a_operand, a_ann, a_mo, a_full, a_c11, a_x86, a_arm)                                      \
    ROW(.name = a_n, .kind = LT_S_RMW, .shape = a_sh, .ann = a_ann, .mo = a_mo, .full = a_full, .rmw = a_op, .cond = a_cond, \
        .ret = a_ret, .operand = a_operand, .c11 = a_c11, .x86 = a_x86, .arm64 = a_arm)
#define KRMW4(a_n, a_sh, a_op, a_cond, a_ret, a_operand, a_c11, a_x86, a_arm)                                                     \
    KRMW1(a_n, a_sh, a_op, a_cond, a_ret, a_operand, LT_ANN_MB, LT_RELAXED, true,                                           \
          "atomic_thread_fence(seq_cst); " a_c11 "(relaxed); atomic_thread_fence(seq_cst)", a_x86, a_arm "al"),       \
    KRMW1(a_n "_relaxed", a_sh, a_op, a_cond, a_ret, a_operand, LT_ANN_ONCE, LT_RELAXED, false, a_c11 "(relaxed)", a_x86, a_arm), \
    KRMW1(a_n "_acquire", a_sh, a_op, a_cond, a_ret, a_operand, LT_ANN_ACQUIRE, LT_ACQUIRE, false, a_c11 "(acquire)", a_x86,    \
          a_arm "a"),                                                                                             \
    KRMW1(a_n "_release", a_sh, a_op, a_cond, a_ret, a_operand, LT_ANN_RELEASE, LT_RELEASE, false, a_c11 "(release)", a_x86,    \
          a_arm "l")
/* A non-returning kernel RMW: no ordering at all. */
#define KNORET(a_n, a_sh, a_op, a_operand, a_c11, a_x86, a_arm) \
    KRMW1(a_n, a_sh, a_op, LT_RMW_ALWAYS, LT_RET_NONE, a_operand, LT_ANN_NORETURN, LT_RELAXED, false, a_c11 "(relaxed)", a_x86, a_arm)
/* A C11 RMW, plain and _explicit. */
#define CRMW(a_n, a_sh, a_op, a_c11, a_x86, a_arm)                                                                            \
    KRMW1(a_n, a_sh, a_op, LT_RMW_ALWAYS, LT_RET_OLD, 0, LT_ANN_C11, LT_SEQ_CST, false, a_c11, a_x86, a_arm),                 \
    KRMW1(a_n "_explicit", a_sh##M, a_op, LT_RMW_ALWAYS, LT_RET_OLD, 0, LT_ANN_C11, LT_SEQ_CST, false, a_c11, a_x86, a_arm)
#define FENCE(a_n, a_sh, a_f, a_ann, a_mo, a_c11, a_x86, a_arm) \
    ROW(.name = a_n, .kind = LT_S_FENCE, .shape = a_sh, .fence = a_f, .ann = a_ann, .mo = a_mo, .c11 = a_c11, .x86 = a_x86, .arm64 = a_arm)
#define OTHER(a_n, a_k, a_sh, a_ann, a_mo, a_domain, a_c11, a_x86, a_arm) \
    ROW(.name = a_n, .kind = a_k, .shape = a_sh, .ann = a_ann, .mo = a_mo, .rcu_domain = a_domain, .c11 = a_c11, .x86 = a_x86, .arm64 = a_arm)

static const struct lt_opinfo table[] = {
    /* ---- plain C accesses (the parser's names for "r = *x" and "*x = v") ---- */
    LOAD("(plain load)", LT_SH_L, true, LT_ANN_PLAIN, LT_RELAXED,
         "atomic_load_explicit(relaxed) (memlab: a plain load would be a data race in C)", "mov", "ldr"),
    STORE("(plain store)", LT_SH_LV, true, LT_ANN_PLAIN, LT_RELAXED,
          "atomic_store_explicit(relaxed) (memlab: a plain store would be a data race in C)", "mov", "str"),

    /* ---- kernel loads and stores ---- */
    LOAD("READ_ONCE", LT_SH_L, true, LT_ANN_ONCE, LT_RELAXED, "atomic_load_explicit(relaxed)", "mov", "ldr"),
    STORE("WRITE_ONCE", LT_SH_LV, true, LT_ANN_ONCE, LT_RELAXED, "atomic_store_explicit(relaxed)", "mov", "str"),
    LOAD("smp_load_acquire", LT_SH_L, false, LT_ANN_ACQUIRE, LT_ACQUIRE, "atomic_load_explicit(acquire)", "mov",
         "ldar"),
    STORE("smp_store_release", LT_SH_LV, false, LT_ANN_RELEASE, LT_RELEASE, "atomic_store_explicit(release)", "mov",
          "stlr"),
    LOAD("rcu_dereference", LT_SH_L, true, LT_ANN_ONCE, LT_ACQUIRE,
         "atomic_load_explicit(consume), which compilers treat as acquire", "mov", "ldr (the address dependency orders)"),
    STORE("rcu_assign_pointer", LT_SH_LV, true, LT_ANN_RELEASE, LT_RELEASE, "atomic_store_explicit(release)", "mov",
          "stlr"),
    ROW(.name = "smp_store_mb", .kind = LT_S_STORE, .shape = LT_SH_LV, .star = true, .ann = LT_ANN_ONCE,
        .mo = LT_RELAXED, .then_fence_mb = true,
        .c11 = "atomic_store_explicit(relaxed); atomic_thread_fence(seq_cst)", .x86 = "xchg", .arm64 = "str; dmb ish"),
    LOAD("atomic_read", LT_SH_L, false, LT_ANN_ONCE, LT_RELAXED, "atomic_load_explicit(relaxed)", "mov", "ldr"),
    LOAD("atomic_read_acquire", LT_SH_L, false, LT_ANN_ACQUIRE, LT_ACQUIRE, "atomic_load_explicit(acquire)", "mov",
         "ldar"),
    STORE("atomic_set", LT_SH_LV, false, LT_ANN_ONCE, LT_RELAXED, "atomic_store_explicit(relaxed)", "mov", "str"),
    STORE("atomic_set_release", LT_SH_LV, false, LT_ANN_RELEASE, LT_RELEASE, "atomic_store_explicit(release)", "mov",
          "stlr"),

    /* ---- kernel read-modify-writes ---- */
    KRMW4("xchg", LT_SH_LV, LT_RMW_XCHG, LT_RMW_ALWAYS, LT_RET_OLD, 0, "atomic_exchange_explicit", "xchg", "swp"),
    KRMW4("atomic_xchg", LT_SH_LV, LT_RMW_XCHG, LT_RMW_ALWAYS, LT_RET_OLD, 0, "atomic_exchange_explicit", "xchg",
          "swp"),
    KRMW4("cmpxchg", LT_SH_LEV, LT_RMW_XCHG, LT_RMW_IF_EQ, LT_RET_OLD, 0, "atomic_compare_exchange_strong_explicit",
          "lock cmpxchg", "cas"),
    KRMW4("atomic_cmpxchg", LT_SH_LEV, LT_RMW_XCHG, LT_RMW_IF_EQ, LT_RET_OLD, 0,
          "atomic_compare_exchange_strong_explicit", "lock cmpxchg", "cas"),
    KNORET("atomic_add", LT_SH_VL, LT_RMW_ADD, 0, "atomic_fetch_add_explicit", "lock add", "stadd"),
    KNORET("atomic_sub", LT_SH_VL, LT_RMW_SUB, 0, "atomic_fetch_sub_explicit", "lock sub", "stadd (negated)"),
    KNORET("atomic_and", LT_SH_VL, LT_RMW_AND, 0, "atomic_fetch_and_explicit", "lock and", "stclr (inverted)"),
    KNORET("atomic_or", LT_SH_VL, LT_RMW_OR, 0, "atomic_fetch_or_explicit", "lock or", "stset"),
    KNORET("atomic_xor", LT_SH_VL, LT_RMW_XOR, 0, "atomic_fetch_xor_explicit", "lock xor", "steor"),
    KNORET("atomic_andnot", LT_SH_VL, LT_RMW_ANDNOT, 0, "atomic_fetch_and_explicit (~v)", "lock and (~v)", "stclr"),
    KNORET("atomic_inc", LT_SH_L, LT_RMW_ADD, 1, "atomic_fetch_add_explicit", "lock inc", "stadd"),
    KNORET("atomic_dec", LT_SH_L, LT_RMW_SUB, 1, "atomic_fetch_sub_explicit", "lock dec", "stadd (-1)"),
    KRMW4("atomic_add_return", LT_SH_VL, LT_RMW_ADD, LT_RMW_ALWAYS, LT_RET_NEW, 0, "atomic_fetch_add_explicit",
          "lock xadd", "ldadd"),
    KRMW4("atomic_sub_return", LT_SH_VL, LT_RMW_SUB, LT_RMW_ALWAYS, LT_RET_NEW, 0, "atomic_fetch_sub_explicit",
          "lock xadd", "ldadd"),
    KRMW4("atomic_inc_return", LT_SH_L, LT_RMW_ADD, LT_RMW_ALWAYS, LT_RET_NEW, 1, "atomic_fetch_add_explicit",
          "lock xadd", "ldadd"),
    KRMW4("atomic_dec_return", LT_SH_L, LT_RMW_SUB, LT_RMW_ALWAYS, LT_RET_NEW, 1, "atomic_fetch_sub_explicit",
          "lock xadd", "ldadd"),
    KRMW4("atomic_fetch_add", LT_SH_VL, LT_RMW_ADD, LT_RMW_ALWAYS, LT_RET_OLD, 0, "atomic_fetch_add_explicit",
          "lock xadd", "ldadd"),
    KRMW4("atomic_fetch_sub", LT_SH_VL, LT_RMW_SUB, LT_RMW_ALWAYS, LT_RET_OLD, 0, "atomic_fetch_sub_explicit",
          "lock xadd", "ldadd"),
    KRMW4("atomic_fetch_inc", LT_SH_L, LT_RMW_ADD, LT_RMW_ALWAYS, LT_RET_OLD, 1, "atomic_fetch_add_explicit",
          "lock xadd", "ldadd"),
    KRMW4("atomic_fetch_dec", LT_SH_L, LT_RMW_SUB, LT_RMW_ALWAYS, LT_RET_OLD, 1, "atomic_fetch_sub_explicit",
          "lock xadd", "ldadd"),
    KRMW4("atomic_fetch_and", LT_SH_VL, LT_RMW_AND, LT_RMW_ALWAYS, LT_RET_OLD, 0, "atomic_fetch_and_explicit",
          "lock cmpxchg loop", "ldclr"),
    KRMW4("atomic_fetch_or", LT_SH_VL, LT_RMW_OR, LT_RMW_ALWAYS, LT_RET_OLD, 0, "atomic_fetch_or_explicit",
          "lock cmpxchg loop", "ldset"),
    KRMW4("atomic_fetch_xor", LT_SH_VL, LT_RMW_XOR, LT_RMW_ALWAYS, LT_RET_OLD, 0, "atomic_fetch_xor_explicit",
          "lock cmpxchg loop", "ldeor"),
    KRMW4("atomic_fetch_andnot", LT_SH_VL, LT_RMW_ANDNOT, LT_RMW_ALWAYS, LT_RET_OLD, 0,
          "atomic_fetch_and_explicit (~v)", "lock cmpxchg loop", "ldclr"),
    KRMW4("atomic_add_negative", LT_SH_VL, LT_RMW_ADD, LT_RMW_ALWAYS, LT_RET_NEG, 0, "atomic_fetch_add_explicit",
          "lock add; sets", "ldadd"),
    KRMW1("atomic_sub_and_test", LT_SH_VL, LT_RMW_SUB, LT_RMW_ALWAYS, LT_RET_ZERO, 0, LT_ANN_MB, LT_RELAXED, true,
          "atomic_thread_fence(seq_cst); atomic_fetch_sub_explicit(relaxed); atomic_thread_fence(seq_cst)",
          "lock sub; sete", "ldaddal"),
    KRMW1("atomic_dec_and_test", LT_SH_L, LT_RMW_SUB, LT_RMW_ALWAYS, LT_RET_ZERO, 1, LT_ANN_MB, LT_RELAXED, true,
          "atomic_thread_fence(seq_cst); atomic_fetch_sub_explicit(relaxed); atomic_thread_fence(seq_cst)",
          "lock dec; sete", "ldaddal"),
    KRMW1("atomic_inc_and_test", LT_SH_L, LT_RMW_ADD, LT_RMW_ALWAYS, LT_RET_ZERO, 1, LT_ANN_MB, LT_RELAXED, true,
          "atomic_thread_fence(seq_cst); atomic_fetch_add_explicit(relaxed); atomic_thread_fence(seq_cst)",
          "lock inc; sete", "ldaddal"),
    KRMW1("atomic_add_unless", LT_SH_LVE, LT_RMW_ADD, LT_RMW_IF_NE, LT_RET_WROTE, 0, LT_ANN_MB, LT_RELAXED, true,
          "a compare_exchange loop, fully ordered when it adds", "lock cmpxchg loop", "ldxr/stlxr loop; dmb ish"),
    KRMW1("atomic_inc_not_zero", LT_SH_L, LT_RMW_ADD, LT_RMW_IF_NE, LT_RET_WROTE, 1, LT_ANN_MB, LT_RELAXED, true,
          "a compare_exchange loop, fully ordered when it adds", "lock cmpxchg loop", "ldxr/stlxr loop; dmb ish"),

    /* ---- C11 <stdatomic.h> ---- */
    LOAD("atomic_load", LT_SH_L, false, LT_ANN_C11, LT_SEQ_CST, "atomic_load", "mov", "ldar"),
    LOAD("atomic_load_explicit", LT_SH_LM, false, LT_ANN_C11, LT_SEQ_CST, "atomic_load_explicit",
         "mov", "ldr / ldar (acquire, seq_cst)"),
    STORE("atomic_store", LT_SH_LV, false, LT_ANN_C11, LT_SEQ_CST, "atomic_store", "xchg (clang), mov; mfence (gcc)",
          "stlr"),
    STORE("atomic_store_explicit", LT_SH_LVM, false, LT_ANN_C11, LT_SEQ_CST, "atomic_store_explicit",
          "mov; seq_cst: xchg (clang), mov; mfence (gcc)", "str / stlr (release, seq_cst)"),
    CRMW("atomic_exchange", LT_SH_LV, LT_RMW_XCHG, "atomic_exchange_explicit", "xchg", "swp[a][l]"),
    CRMW("atomic_fetch_add", LT_SH_LV, LT_RMW_ADD, "atomic_fetch_add_explicit", "lock xadd", "ldadd[a][l]"),
    CRMW("atomic_fetch_sub", LT_SH_LV, LT_RMW_SUB, "atomic_fetch_sub_explicit", "lock xadd", "ldadd[a][l]"),
    CRMW("atomic_fetch_and", LT_SH_LV, LT_RMW_AND, "atomic_fetch_and_explicit", "lock cmpxchg loop", "ldclr[a][l]"),
    CRMW("atomic_fetch_or", LT_SH_LV, LT_RMW_OR, "atomic_fetch_or_explicit", "lock cmpxchg loop", "ldset[a][l]"),
    CRMW("atomic_fetch_xor", LT_SH_LV, LT_RMW_XOR, "atomic_fetch_xor_explicit", "lock cmpxchg loop", "ldeor[a][l]"),
    KRMW1("atomic_compare_exchange_strong", LT_SH_LRV, LT_RMW_XCHG, LT_RMW_IF_EQ, LT_RET_WROTE, 0, LT_ANN_C11,
          LT_SEQ_CST, false, "atomic_compare_exchange_strong", "lock cmpxchg", "casal"),
    KRMW1("atomic_compare_exchange_strong_explicit", LT_SH_LRVMM, LT_RMW_XCHG, LT_RMW_IF_EQ, LT_RET_WROTE, 0,
          LT_ANN_C11, LT_SEQ_CST, false, "atomic_compare_exchange_strong_explicit", "lock cmpxchg", "cas[a][l]"),
    /* weak may fail spuriously in C; memlab's enumerators never make it fail spuriously (herd7 neither) */
    KRMW1("atomic_compare_exchange_weak", LT_SH_LRV, LT_RMW_XCHG, LT_RMW_IF_EQ, LT_RET_WROTE, 0, LT_ANN_C11,
          LT_SEQ_CST, false, "atomic_compare_exchange_strong (never fails spuriously here)", "lock cmpxchg", "casal"),
    KRMW1("atomic_compare_exchange_weak_explicit", LT_SH_LRVMM, LT_RMW_XCHG, LT_RMW_IF_EQ, LT_RET_WROTE, 0,
          LT_ANN_C11, LT_SEQ_CST, false, "atomic_compare_exchange_strong_explicit (never fails spuriously here)",
          "lock cmpxchg", "cas[a][l]"),

    /* ---- fences ---- */
    FENCE("smp_mb", LT_SH_NONE, LT_F_MB, LT_ANN_MB, LT_SEQ_CST, "atomic_thread_fence(seq_cst)",
          "mfence (the kernel: lock addl $0,-4(%rsp))", "dmb ish"),
    FENCE("smp_rmb", LT_SH_NONE, LT_F_RMB, LT_ANN_ONCE, LT_ACQUIRE,
          "atomic_thread_fence(acquire) (stronger than needed for loads only)", "nothing (compiler barrier)",
          "dmb ishld"),
    FENCE("smp_wmb", LT_SH_NONE, LT_F_WMB, LT_ANN_ONCE, LT_RELEASE,
          "atomic_thread_fence(release) (stronger than needed for stores only)", "nothing (compiler barrier)",
          "dmb ishst"),
    FENCE("smp_mb__before_atomic", LT_SH_NONE, LT_F_BEFORE_ATOMIC, LT_ANN_MB, LT_SEQ_CST,
          "atomic_thread_fence(seq_cst)", "nothing (x86 RMWs are locked: already full barriers)", "dmb ish"),
    FENCE("smp_mb__after_atomic", LT_SH_NONE, LT_F_AFTER_ATOMIC, LT_ANN_MB, LT_SEQ_CST,
          "atomic_thread_fence(seq_cst)", "nothing (x86 RMWs are locked: already full barriers)", "dmb ish"),
    FENCE("smp_mb__after_spinlock", LT_SH_NONE, LT_F_AFTER_SPINLOCK, LT_ANN_MB, LT_SEQ_CST,
          "atomic_thread_fence(seq_cst)", "nothing (the lock's locked RMW is a full barrier)", "dmb ish"),
    FENCE("smp_mb__after_unlock_lock", LT_SH_NONE, LT_F_AFTER_UNLOCK_LOCK, LT_ANN_MB, LT_SEQ_CST,
          "atomic_thread_fence(seq_cst)", "nothing (the lock's locked RMW is a full barrier)", "dmb ish"),
    FENCE("smp_mb__after_srcu_read_unlock", LT_SH_NONE, LT_F_AFTER_SRCU_UNLOCK, LT_ANN_MB, LT_SEQ_CST,
          "atomic_thread_fence(seq_cst)", "mfence", "dmb ish"),
    FENCE("barrier", LT_SH_NONE, LT_F_BARRIER, LT_ANN_ONCE, LT_SEQ_CST, "atomic_signal_fence(seq_cst)",
          "nothing (compiler barrier)", "nothing (compiler barrier)"),
    FENCE("atomic_thread_fence", LT_SH_M, LT_F_C11, LT_ANN_C11, LT_SEQ_CST, "atomic_thread_fence",
          "seq_cst: mfence; others: nothing", "seq_cst, acq_rel, release: dmb ish; acquire: dmb ishld"),
    FENCE("atomic_signal_fence", LT_SH_M, LT_F_C11_SIGNAL, LT_ANN_C11, LT_SEQ_CST, "atomic_signal_fence",
          "nothing (compiler barrier)", "nothing (compiler barrier)"),

    /* ---- spinlocks ---- */
    OTHER("spin_lock", LT_S_LOCK, LT_SH_L, LT_ANN_ACQUIRE, LT_ACQUIRE, false,
          "compare_exchange(0 -> 1, acquire) until it succeeds", "lock cmpxchg loop (the kernel: qspinlock)",
          "casa loop"),
    OTHER("spin_unlock", LT_S_UNLOCK, LT_SH_L, LT_ANN_RELEASE, LT_RELEASE, false, "atomic_store_explicit(0, release)",
          "mov", "stlr"),
    OTHER("spin_trylock", LT_S_TRYLOCK, LT_SH_L, LT_ANN_ACQUIRE, LT_ACQUIRE, false,
          "compare_exchange(0 -> 1, acquire) once", "lock cmpxchg", "casa"),
    OTHER("spin_is_locked", LT_S_ISLOCKED, LT_SH_L, LT_ANN_ONCE, LT_RELAXED, false,
          "atomic_load_explicit(relaxed) != 0", "mov", "ldr"),

    /* ---- RCU and SRCU ---- */
    OTHER("rcu_read_lock", LT_S_RCU_LOCK, LT_SH_NONE, LT_ANN_ONCE, LT_RELAXED, false,
          "liburcu rcu_read_lock() (a compiler barrier and a per-thread counter)", "mov (urcu-memb: counter)",
          "str (counter)"),
    OTHER("rcu_read_unlock", LT_S_RCU_UNLOCK, LT_SH_NONE, LT_ANN_ONCE, LT_RELAXED, false, "liburcu rcu_read_unlock()",
          "mov (urcu-memb: counter)", "str (counter)"),
    OTHER("synchronize_rcu", LT_S_SYNC_RCU, LT_SH_NONE, LT_ANN_MB, LT_SEQ_CST, false,
          "liburcu synchronize_rcu(): waits for every reader that started before it", "membarrier + wait",
          "membarrier + wait"),
    OTHER("synchronize_rcu_expedited", LT_S_SYNC_RCU, LT_SH_NONE, LT_ANN_MB, LT_SEQ_CST, false,
          "liburcu synchronize_rcu()", "membarrier + wait", "membarrier + wait"),
    OTHER("srcu_read_lock", LT_S_RCU_LOCK, LT_SH_L, LT_ANN_ONCE, LT_RELAXED, true,
          "liburcu rcu_read_lock() (memlab's SRCU domains share liburcu's one domain)", "mov", "str"),
    OTHER("srcu_read_unlock", LT_S_RCU_UNLOCK, LT_SH_LV, LT_ANN_ONCE, LT_RELAXED, true, "liburcu rcu_read_unlock()",
          "mov", "str"),
    OTHER("srcu_down_read", LT_S_RCU_LOCK, LT_SH_L, LT_ANN_ONCE, LT_RELAXED, true, "liburcu rcu_read_lock()", "mov",
          "str"),
    OTHER("srcu_up_read", LT_S_RCU_UNLOCK, LT_SH_LV, LT_ANN_ONCE, LT_RELAXED, true, "liburcu rcu_read_unlock()",
          "mov", "str"),
    OTHER("synchronize_srcu", LT_S_SYNC_RCU, LT_SH_L, LT_ANN_MB, LT_SEQ_CST, true, "liburcu synchronize_rcu()",
          "membarrier + wait", "membarrier + wait"),
    OTHER("synchronize_srcu_expedited", LT_S_SYNC_RCU, LT_SH_L, LT_ANN_MB, LT_SEQ_CST, true,
          "liburcu synchronize_rcu()", "membarrier + wait", "membarrier + wait"),
};

#define NTABLE ((int)(sizeof table / sizeof table[0]))

const struct lt_opinfo *lt_op_find(const char *name, bool c11_order)
{
    const struct lt_opinfo *found = NULL;
    for (int i = 0; i < NTABLE; i++) {
        if (strcmp(table[i].name, name) != 0)
            continue;
        /* atomic_fetch_add & co exist twice: kernel (V, L) and C11 (L, V) */
        if (!found || (c11_order && table[i].ann == LT_ANN_C11))
            found = &table[i];
    }
    return found;
}

const struct lt_opinfo *lt_op_table(int *n)
{
    *n = NTABLE;
    return table;
}

const char *lt_ann_name(enum lt_ann a)
{
    static const char *const names[] = {"plain", "once", "acquire", "release", "mb", "noreturn", "c11"};
    return names[a];
}

const char *lt_fence_name(enum lt_fence f)
{
    static const char *const names[] = {"mb", "rmb", "wmb", "before-atomic", "after-atomic", "after-spinlock",
                                        "after-unlock-lock", "after-srcu-read-unlock", "barrier", "c11",
                                        "c11-signal"};
    return names[f];
}

bool lt_stmt_reads(const struct lt_stmt *s)
{
    switch (s->kind) {
    case LT_S_LOAD: case LT_S_RMW: case LT_S_LOCK: case LT_S_TRYLOCK: case LT_S_ISLOCKED:
        return true;
    default:
        return false;
    }
}

bool lt_stmt_writes(const struct lt_stmt *s)
{
    switch (s->kind) {
    case LT_S_STORE: case LT_S_RMW: case LT_S_LOCK: case LT_S_UNLOCK: case LT_S_TRYLOCK:
        return true;
    default:
        return false;
    }
}

int lt_rmw_new(const struct lt_stmt *s, int old, int operand)
{
    unsigned a = (unsigned)old, b = (unsigned)operand;
    switch (s->rmw) {
    case LT_RMW_XCHG: return operand;
    case LT_RMW_ADD: return (int)(a + b);
    case LT_RMW_SUB: return (int)(a - b);
    case LT_RMW_AND: return (int)(a & b);
    case LT_RMW_OR: return (int)(a | b);
    case LT_RMW_XOR: return (int)(a ^ b);
    case LT_RMW_ANDNOT: return (int)(a & ~b);
    }
    return old;
}

bool lt_rmw_writes(const struct lt_stmt *s, int old, int expected)
{
    switch (s->cond) {
    case LT_RMW_ALWAYS: return true;
    case LT_RMW_IF_EQ: return old == expected;
    case LT_RMW_IF_NE: return old != expected;
    }
    return true;
}

int lt_rmw_result(const struct lt_stmt *s, int old, int new_value, bool wrote)
{
    switch (s->ret) {
    case LT_RET_OLD: return old;
    case LT_RET_NEW: return new_value;
    case LT_RET_WROTE: return wrote;
    case LT_RET_ZERO: return new_value == 0;
    case LT_RET_NEG: return new_value < 0;
    case LT_RET_NONE: return 0;
    }
    return old;
}

bool lt_is_x86_full_fence(const struct lt_stmt *s)
{
    if (s->kind != LT_S_FENCE)
        return false;
    switch (s->fence) {
    case LT_F_MB: case LT_F_AFTER_SRCU_UNLOCK:
        return true;
    case LT_F_C11:
        return s->mo == LT_SEQ_CST;
    default:
        /* rmb, wmb, barrier: no instruction; before/after_atomic, after_spinlock,
         * after_unlock_lock: the neighbouring locked RMW is the barrier */
        return false;
    }
}
