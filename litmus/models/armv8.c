/* armv8.c: the ARMv8 (AArch64) memory model, as axioms over a candidate execution.
 *
 * Pulte, Flur, Deacon, French, Sarkar, Sewell, "Simplifying ARM concurrency:
 * multicopy-atomic axiomatic and operational models for ARMv8", POPL 2018
 * (section 4, the axiomatic model; herd7's aarch64.cat is its executable
 * form), in this project's words.  ARMv8 is *multi-copy atomic*: a write
 * becomes visible to all other threads at once, so one "ordered-before" order
 * over the whole execution must exist.
 *
 * A C test is read through the compiler mapping of litmus/mapping.c (its
 * AArch64 column; the GCC/Clang mapping of Sewell et al.'s "C/C++11 mappings
 * to processors" with ARMv8.1 LSE atomics, and the kernel's arm64 port):
 *   relaxed load, READ_ONCE, plain load        ldr          (no annotation)
 *   acquire or seq_cst load, smp_load_acquire  ldar         A
 *   relaxed store, WRITE_ONCE, plain store     str
 *   release or seq_cst store, smp_store_release  stlr       L
 *   RMW: read A when acquire, acq_rel, seq_cst or a fully ordered kernel RMW
 *        (swpal, casal, ldaddal); write L when release, acq_rel, seq_cst or
 *        fully ordered; otherwise swp/cas/ldadd without A or L
 *   spin_lock: an acquire RMW (casa); spin_unlock: stlr
 *   smp_mb, seq_cst/acq_rel/release fences, smp_mb__before/after_atomic,
 *   __after_spinlock, __after_unlock_lock     dmb ish      (full)
 *   acquire fence, smp_rmb                     dmb ishld    (orders reads before it)
 *   smp_wmb                                    dmb ishst    (orders writes with writes)
 * RCU and SRCU have no single-instruction form: such tests are n/a here.
 *
 * Relations (po-loc: program order on one location; rfi/rfe, coe, fre: the
 * internal/external parts of rf, co, fr):
 *   obs  observed-by      rfe ∪ coe ∪ fre: what other threads saw, in order;
 *   lrs  local read successor: a write, then the same thread's reads of its
 *        location before any other write of the thread to it;
 *   dob  dependency-ordered-before: addr, data; ctrl to a write; addr then
 *        anything po-later that is a write; addr or data into a write, then
 *        its lrs; (ISB forms are not produced by C);
 *   aob  atomic-ordered-before: rmw; an RMW's write, then an acquire lrs;
 *   bob  barrier-ordered-before: across dmb ish everything; across dmb ishld
 *        from reads; across dmb ishst writes to writes; after an acquire read
 *        everything; before a release write everything; a release write before
 *        a later acquire read; and (an addition of the model as herd7 7.58
 *        states it, which the kernel relies on) the write of an LSE atomic
 *        with both A and L before everything after it; dmb ishld does not
 *        wait for the read of a non-returning atomic (stadd);
 *   lwfs an access before a later write to its location (po-loc; [W]);
 *   ob   (obs ∪ dob ∪ aob ∪ bob ∪ lwfs)⁺.
 * Axioms:
 *   internal  po-loc ∪ rf ∪ co ∪ fr is acyclic (coherence: each location alone
 *             behaves as if sequentially consistent);
 *   external  ob is acyclic (multi-copy atomicity: one order all agree on);
 *   atomic    rmw ∩ (fr; co) is empty.
 * Control dependencies: a conditional branch orders, on ARM, every write after
 * it in program order, not only those inside the if, and whichever way it
 * went (an if with nothing to do on this path still compiles to a branch);
 * so ctrl here is the engine's branch relation (exec.h), with its ctrl
 * extended along po besides.
 */
#include "litmus/exec.h"

struct arm {
    lt_set A, L, noret, dmb_full, dmb_ld, dmb_st;
};

static bool acquire_mo(enum lt_mo m)
{
    return m == LT_ACQUIRE || m == LT_ACQ_REL || m == LT_SEQ_CST;
}

static bool release_mo(enum lt_mo m)
{
    return m == LT_RELEASE || m == LT_ACQ_REL || m == LT_SEQ_CST;
}

static void annotate(const struct lt_exec *x, struct arm *a)
{
    const unsigned full_fence = LT_TAG_MB | LT_TAG_BEFORE_ATOMIC | LT_TAG_AFTER_ATOMIC | LT_TAG_AFTER_SPINLOCK |
                                LT_TAG_AFTER_UNLOCK_LOCK | LT_TAG_SC;
    *a = (struct arm){0};
    for (int e = 0; e < x->n; e++) {
        const struct lt_xev *ev = &x->ev[e];
        unsigned t = ev->tags;
        lt_set b = lt_bit(e);
        if (lt_in(x->IW, e))
            continue;
        if (ev->kind == LT_X_FENCE) {
            if (t & (LT_TAG_BARRIER | LT_TAG_RCU_LOCK | LT_TAG_RCU_UNLOCK | LT_TAG_SYNC_RCU | LT_TAG_SRCU_LOCK |
                     LT_TAG_SRCU_UNLOCK | LT_TAG_SYNC_SRCU))
                continue; /* barrier(): compiler only; RCU: n/a (not_defined) */
            if (t & full_fence)
                a->dmb_full |= b;
            else if (t & LT_TAG_WMB)
                a->dmb_st |= b;
            else if (t & LT_TAG_RMB)
                a->dmb_ld |= b;
            else if (ev->mo == LT_ACQUIRE)
                a->dmb_ld |= b;
            else if (release_mo(ev->mo))
                a->dmb_full |= b;
            continue;
        }
        /* A kernel RMW that is fully ordered (value-returning atomic_t,
         * xchg, successful cmpxchg) is the LSE "al" form: both halves. */
        bool full_rmw = ev->rmw && (t & LT_TAG_MB);
        if (ev->kind == LT_X_READ && (t & LT_TAG_NORETURN))
            a->noret |= b; /* stadd: its read returns nothing, so dmb ishld does not wait for it */
        if (ev->kind == LT_X_READ) {
            bool acq = (t & (LT_TAG_ACQUIRE | LT_TAG_SC)) || full_rmw || ((t & LT_TAG_LOCK) && ev->rmw);
            /* rcu_dereference is a plain ldr: its order comes from the address dependency. */
            if (!(t & (LT_TAG_ACQUIRE | LT_TAG_SC | LT_TAG_ONCE | LT_TAG_PLAIN | LT_TAG_DEREF | LT_TAG_NORETURN)) &&
                acquire_mo(ev->mo))
                acq = true; /* a C11 access the engine tagged only by its order */
            if (acq)
                a->A |= b;
        } else {
            bool rel = (t & (LT_TAG_RELEASE | LT_TAG_SC | LT_TAG_UNLOCK)) || full_rmw;
            if (!(t & (LT_TAG_RELEASE | LT_TAG_SC | LT_TAG_ONCE | LT_TAG_PLAIN | LT_TAG_NORETURN)) && release_mo(ev->mo))
                rel = true;
            if (rel)
                a->L |= b;
        }
    }
}

/* lrs, local read successor: a write and the same thread's later reads of its
 * location with no write to it in between (they read it, or something
 * coherence-later from another thread). */
static lt_rel local_read_successor(const struct lt_exec *x)
{
    lt_rel poloc = lt_inter(x->po, x->loc);
    lt_rel ww = lt_restrict(poloc, x->W, x->W);
    lt_rel wr = lt_restrict(poloc, x->W, x->R);
    return lt_minus(wr, lt_seq(ww, wr));
}

static bool armv8_consistent(const struct lt_exec *x, struct lt_check *why)
{
    struct arm a;
    annotate(x, &a);
    lt_rel po = x->po, poq = lt_opt(x->po, x->all);
    lt_rel poloc = lt_inter(po, x->loc);
    lt_rel internal = lt_union(poloc, lt_union3(x->rf, x->co, x->fr));
    if (!lt_acyclic(internal)) {
        why->axiom = "internal: acyclic(po-loc | rf | co | fr)";
        why->culprit = internal;
        return false;
    }
    if (!lt_is_empty(lt_inter(x->rmw, lt_seq(x->fr, x->co)))) {
        why->axiom = "atomic: rmw & (fr; co) empty";
        why->culprit = lt_union(x->rmw, lt_seq(x->fr, x->co));
        return false;
    }
    lt_set M = x->M, R = x->R, W = x->W;
    lt_rel obs = lt_union3(lt_inter(x->rf, x->ext), lt_inter(x->co, x->ext), lt_inter(x->fr, x->ext));
    lt_rel lrs = local_read_successor(x);
    lt_rel ctrl = lt_union(x->branch, lt_seq(x->ctrl, poq));
    lt_rel dob = lt_union3(x->addr, x->data, lt_seq(ctrl, lt_id(W)));
    dob = lt_union3(dob, lt_seq(lt_seq(x->addr, po), lt_id(W)), lt_seq(lt_union(x->addr, x->data), lrs));
    lt_rel aob = lt_union(x->rmw, lt_seq(lt_seq(x->rmw, lrs), lt_id(a.A)));
    /* An LSE atomic with both A and L (swpal, casal, ldaddal) orders its
     * write before everything after it too: that is what makes the
     * kernel's fully ordered RMWs full barriers on arm64. */
    lt_set al_writes = lt_range(lt_restrict(x->rmw, a.A, a.L));
    lt_rel across_full = lt_seq(lt_seq(po, lt_id(a.dmb_full)), po);
    lt_rel across_ld = lt_seq(lt_seq(lt_id(R & ~a.noret), po), lt_seq(lt_id(a.dmb_ld), po));
    lt_rel across_st = lt_seq(lt_seq(lt_id(W), po), lt_seq(lt_seq(lt_id(a.dmb_st), po), lt_id(W)));
    lt_rel bob = lt_union3(across_full, across_ld, across_st);
    bob = lt_union3(bob, lt_seq(lt_seq(lt_id(a.L), po), lt_id(a.A)), lt_seq(lt_id(a.A), po));
    bob = lt_union3(bob, lt_seq(po, lt_id(a.L)), lt_seq(lt_id(al_writes), po));
    lt_rel lwfs = lt_seq(poloc, lt_id(W));
    lt_rel ob = lt_union3(obs, lt_union(dob, lwfs), lt_union(aob, bob));
    ob = lt_restrict(ob, M, M);
    if (!lt_acyclic(ob)) {
        why->axiom = "external: acyclic(ob)";
        why->culprit = ob;
        return false;
    }
    return true;
}

static const char *armv8_not_defined(const struct lt_exec *x)
{
    unsigned rcu = LT_TAG_RCU_LOCK | LT_TAG_RCU_UNLOCK | LT_TAG_SYNC_RCU | LT_TAG_SRCU_LOCK | LT_TAG_SRCU_UNLOCK |
                   LT_TAG_SYNC_SRCU;
    for (int e = 0; e < x->n; e++)
        if (x->ev[e].tags & rcu)
            return "RCU has no instruction-level form on AArch64 (a grace period is a kernel algorithm)";
    return NULL;
}

const struct lt_model lt_model_armv8 = {
    .name = "armv8",
    .label = "ARMv8",
    .header_key = "ARMv8",
    .title = "ARMv8 AArch64, multi-copy atomic (Pulte, Flur, Deacon, French, Sarkar, Sewell, POPL 2018)",
    .machine = -1,
    .not_defined = armv8_not_defined,
    .consistent = armv8_consistent,
    .teaches = "ARMv8 forbids an outcome when the accesses it needs would form a cycle of ordered-before: what "
               "other threads observed (rf, co, fr between threads) joined by dependencies, dmb barriers, "
               "acquire loads (ldar) and release stores (stlr); a write is seen by all other cores at once.",
};
