/* tso.c: x86-TSO, as axioms over a candidate execution.
 *
 * Owens, Sarkar, Sewell, "A better x86 memory model: x86-TSO", TPHOLs 2009,
 * in the axiomatic form of Alglave, Maranget, Tautschnig, "Herding cats",
 * TOPLAS 2014 (section 4.4).  A store waits in a FIFO buffer before memory
 * sees it; so, of program order, every pair survives except a store
 * followed by a load, and a thread may read its own buffered store before
 * the others can (that read-from edge orders nothing globally).
 *
 *   coherence: (po ∩ loc) ∪ rf ∪ co ∪ fr is acyclic: per location, SC.
 *   atomicity: rmw ∩ (fr;co) is empty: a locked instruction's read and
 *              write are adjacent in the location's coherence order.
 *   tso:       ppo ∪ fenced ∪ rfe ∪ co ∪ fr is acyclic, where
 *     ppo    = po minus the (store, later load) pairs: what the buffer keeps;
 *     fenced = the (store, later load) pairs the buffer cannot reorder:
 *              an MFENCE between them (smp_mb, a seq_cst fence: the
 *              events tagged LT_TAG_MB; smp_mb__before_atomic and friends
 *              emit nothing on x86, their RMW is the barrier), a locked
 *              instruction on either side (every RMW on x86, a failed
 *              cmpxchg too), or a seq_cst store (compiled to XCHG, or MOV
 *              then MFENCE);
 *     rfe    = rf between threads: a thread's read of its own buffered
 *              store (rfi) happens before others see it, so it is left out.
 *
 * Acquire, release and relaxed accesses are plain MOVs and smp_rmb,
 * smp_wmb and acquire/release fences emit nothing: TSO orders what they
 * ask for already.  The operational machine (model.c, LT_MODEL_TSO) gives
 * the histogram's column; these axioms are checked against it.
 */
#include "litmus/exec.h"

static lt_set locked(const struct lt_exec *x)
{
    lt_set s = 0;
    for (int e = 0; e < x->n; e++)
        if (x->ev[e].rmw)
            s |= lt_bit(e);
    return s;
}

static lt_set mfences(const struct lt_exec *x)
{
    lt_set s = 0;
    for (int e = 0; e < x->n; e++)
        if (x->ev[e].kind == LT_X_FENCE && (x->ev[e].tags & LT_TAG_MB))
            s |= lt_bit(e);
    return s;
}

static lt_set sc_stores(const struct lt_exec *x)
{
    lt_set s = 0;
    for (int e = 0; e < x->n; e++)
        if (x->ev[e].kind == LT_X_WRITE && x->ev[e].mo == LT_SEQ_CST && !x->ev[e].rmw)
            s |= lt_bit(e);
    return s;
}

static bool tso_consistent(const struct lt_exec *x, struct lt_check *why)
{
    lt_rel com = lt_union3(x->rf, x->co, x->fr);
    lt_rel coherence = lt_union(lt_inter(x->po, x->loc), com);
    if (!lt_acyclic(coherence)) {
        why->axiom = "coherence: acyclic(po-loc | rf | co | fr)";
        why->culprit = coherence;
        return false;
    }
    if (!lt_is_empty(lt_inter(x->rmw, lt_seq(x->fr, x->co)))) {
        why->axiom = "atomicity";
        why->culprit = lt_union(x->rmw, lt_seq(x->fr, x->co));
        return false;
    }
    lt_rel pom = lt_restrict(x->po, x->M, x->M);
    lt_rel wr = lt_restrict(pom, x->W, x->R);
    lt_rel ppo = lt_minus(pom, wr);
    lt_set lk = locked(x);
    lt_rel fenced = lt_restrict(lt_seq(lt_seq(x->po, lt_id(mfences(x))), x->po), x->W, x->R);
    fenced = lt_union(fenced, lt_restrict(wr, lk, x->all));
    fenced = lt_union(fenced, lt_restrict(wr, x->all, lk));
    fenced = lt_union(fenced, lt_restrict(wr, sc_stores(x), x->all));
    lt_rel rfe = lt_inter(x->rf, x->ext);
    lt_rel ghb = lt_union(lt_union3(ppo, fenced, rfe), lt_union(x->co, x->fr));
    if (!lt_acyclic(ghb)) {
        why->axiom = "tso: acyclic(ppo | fenced | rfe | co | fr)";
        why->culprit_name = "fenced";
        why->culprit = ghb;
        return false;
    }
    return true;
}

const struct lt_model lt_model_tso = {
    .name = "x86_tso",
    .label = "x86-TSO",
    .header_key = "x86-TSO",
    .title = "x86-TSO (Owens, Sarkar, Sewell 2009): SC plus a FIFO store buffer per CPU",
    .machine = 1, /* LT_MODEL_TSO */
    .consistent = tso_consistent,
    .teaches = "x86-TSO forbids an outcome when it needs a cycle of preserved program order (all but a "
               "store then a later load), external reads-from, coherence and from-read; a store-to-load "
               "pair alone is what the store buffer lets go.",
};
