/* rc11.c: C11 atomics as repaired by RC11, as axioms over a candidate execution.
 *
 * Lahav, Vafeiadis, Kang, Hur, Dreyer, "Repairing sequential consistency
 * in C/C++11", PLDI 2017 (section 3, the model RC11), in this project's
 * words.  Every access has a mode: non-atomic (a plain access), relaxed,
 * acquire, release, acq_rel or seq_cst; fences have one too.  "At least
 * release" means release, acq_rel or seq_cst, and so on.
 *
 *   release sequence  rs  = [W]; (po ∩ loc)?; [W atomic]; (rf; rmw)*
 *       a release write, the same thread's later atomic writes to the
 *       location, and the read-modify-writes that continue from them;
 *   synchronises-with sw  = [at least release]; ([F]; po)?; rs; rf;
 *                           [R atomic]; (po; [F])?; [at least acquire]
 *       an acquire read (or a read followed by an acquire fence) that
 *       reads from a release sequence (headed by a release write, or by a
 *       write after a release fence);
 *   happens-before    hb  = (po ∪ sw)⁺ (the initial writes come before all);
 *   extended coherence eco = (rf ∪ co ∪ fr)⁺.
 *
 * The axioms:
 *   coherence    hb; eco? is irreflexive: no event sees, or is overwritten
 *                by, something it happens before in the wrong direction;
 *   atomicity    rmw ∩ (fr; co) is empty;
 *   sc           psc is acyclic: the seq_cst accesses and fences are in one
 *                total order consistent with what they observe, where
 *                scb  = po ∪ (po≠loc; hb; po≠loc) ∪ (hb ∩ loc) ∪ co ∪ fr,
 *                psc  = ([E sc] ∪ [F sc]; hb?); scb; ([E sc] ∪ hb?; [F sc])
 *                     ∪ [F sc]; (hb ∪ hb; eco; hb); [F sc];
 *   no-thin-air  po ∪ rf is acyclic: no value justifies itself.  This is
 *                RC11's choice; ISO C11 allows load buffering with relaxed
 *                atomics (and ARM can show it), RC11 forbids it so that
 *                out-of-thin-air values are ruled out.
 * A consistent execution with two conflicting accesses (same location,
 * different threads, one a write, one non-atomic) not ordered by hb has a
 * data race: the whole program's behaviour is undefined, which the output
 * says, naming the two accesses.
 */
#include "litmus/exec.h"

static bool at_least_rel(enum lt_mo m)
{
    return m == LT_RELEASE || m == LT_ACQ_REL || m == LT_SEQ_CST;
}

static bool at_least_acq(enum lt_mo m)
{
    return m == LT_ACQUIRE || m == LT_ACQ_REL || m == LT_SEQ_CST;
}

struct modes {
    lt_set atomic, rel, acq, sc, fsc, na;
};

static struct modes modes_of(const struct lt_exec *x)
{
    struct modes m = {0};
    for (int e = 0; e < x->n; e++) {
        const struct lt_xev *ev = &x->ev[e];
        bool fence = ev->kind == LT_X_FENCE;
        if (fence && (ev->tags & LT_TAG_BARRIER))
            continue; /* a compiler barrier (atomic_signal_fence) orders nothing between threads */
        if (!fence && !ev->atomic) {
            m.na |= lt_bit(e);
            continue;
        }
        if (!fence)
            m.atomic |= lt_bit(e);
        if (at_least_rel(ev->mo))
            m.rel |= lt_bit(e);
        if (at_least_acq(ev->mo))
            m.acq |= lt_bit(e);
        if (ev->mo == LT_SEQ_CST)
            m.sc |= lt_bit(e);
    }
    m.fsc = m.sc & x->F;
    return m;
}

static lt_rel happens_before(const struct lt_exec *x, const struct modes *m)
{
    lt_rel poloc = lt_inter(x->po, x->loc);
    lt_rel rs = lt_seq(lt_id(x->W), lt_seq(lt_opt(poloc, x->all), lt_id(x->W & m->atomic)));
    rs = lt_seq(rs, lt_star(lt_seq(x->rf, x->rmw), x->all));
    lt_rel fpo = lt_opt(lt_seq(lt_id(x->F), x->po), x->all);
    lt_rel pof = lt_opt(lt_seq(x->po, lt_id(x->F)), x->all);
    lt_rel sw = lt_seq(lt_id(m->rel), fpo);
    sw = lt_seq(sw, lt_seq(rs, x->rf));
    sw = lt_seq(sw, lt_seq(lt_id(x->R & m->atomic), pof));
    sw = lt_seq(sw, lt_id(m->acq));
    lt_rel hb = lt_plus(lt_union(x->po, sw));
    /* The initial writes happen before every other event. */
    return lt_union(hb, lt_cross(x->IW, x->all & ~x->IW));
}

static lt_rel partial_sc(const struct lt_exec *x, const struct modes *m, lt_rel hb, lt_rel eco)
{
    lt_rel po_nloc = lt_minus(x->po, x->loc);
    lt_rel scb = lt_union3(x->po, lt_seq(lt_seq(po_nloc, hb), po_nloc), lt_inter(hb, x->loc));
    scb = lt_union3(scb, x->co, x->fr);
    lt_rel hbq = lt_opt(hb, x->all);
    lt_rel left = lt_union(lt_id(m->sc & ~x->F), lt_seq(lt_id(m->fsc), hbq));
    lt_rel right = lt_union(lt_id(m->sc & ~x->F), lt_seq(hbq, lt_id(m->fsc)));
    lt_rel psc = lt_seq(lt_seq(left, scb), right);
    lt_rel fences = lt_union(hb, lt_seq(lt_seq(hb, eco), hb));
    return lt_union(psc, lt_restrict(fences, m->fsc, m->fsc));
}

static bool rc11_consistent(const struct lt_exec *x, struct lt_check *why)
{
    struct modes m = modes_of(x);
    lt_rel hb = happens_before(x, &m);
    lt_rel eco = lt_plus(lt_union3(x->rf, x->co, x->fr));
    lt_rel coh = lt_seq(hb, lt_opt(eco, x->all));
    if (!lt_irreflexive(coh)) {
        why->axiom = "coherence: hb;eco? irreflexive";
        why->culprit_name = "hb";
        why->culprit = lt_union(hb, lt_union3(x->rf, x->co, x->fr));
        return false;
    }
    if (!lt_is_empty(lt_inter(x->rmw, lt_seq(x->fr, x->co)))) {
        why->axiom = "atomicity";
        why->culprit = lt_union(x->rmw, lt_seq(x->fr, x->co));
        return false;
    }
    lt_rel psc = partial_sc(x, &m, hb, eco);
    if (!lt_acyclic(psc)) {
        why->axiom = "sc: acyclic(psc)";
        why->culprit_name = "psc";
        why->culprit = psc;
        return false;
    }
    lt_rel porf = lt_union(x->po, x->rf);
    if (!lt_acyclic(porf)) {
        why->axiom = "no-thin-air: acyclic(po | rf)";
        why->culprit = porf;
        return false;
    }
    /* Races: conflicting accesses, one non-atomic, unordered by hb. */
    lt_rel hbs = lt_union(hb, lt_inv(hb));
    for (int a = 0; a < x->n; a++) {
        if (!lt_in(m.na, a) || lt_in(x->IW, a))
            continue;
        lt_set conflict = x->loc.row[a] & x->ext.row[a] & x->M & ~x->IW & ~hbs.row[a];
        conflict &= lt_in(x->W, a) ? x->M : x->W;
        if (conflict) {
            why->race[0] = a < __builtin_ctzll(conflict) ? a : __builtin_ctzll(conflict);
            why->race[1] = a < __builtin_ctzll(conflict) ? __builtin_ctzll(conflict) : a;
            break;
        }
    }
    return true;
}

static const char *rc11_not_defined(const struct lt_exec *x)
{
    unsigned rcu = LT_TAG_RCU_LOCK | LT_TAG_RCU_UNLOCK | LT_TAG_SYNC_RCU | LT_TAG_SRCU_LOCK | LT_TAG_SRCU_UNLOCK |
                   LT_TAG_SYNC_SRCU;
    for (int e = 0; e < x->n; e++)
        if (x->ev[e].tags & rcu)
            return "C11 has no RCU: read-side critical sections and grace periods are the kernel's";
    return NULL;
}

const struct lt_model lt_model_rc11 = {
    .name = "c11",
    .label = "C11",
    .header_key = "C11",
    .title = "C11 atomics as repaired by RC11 (Lahav, Vafeiadis, Kang, Hur, Dreyer, PLDI 2017)",
    .machine = -1,
    .not_defined = rc11_not_defined,
    .consistent = rc11_consistent,
    .teaches = "C11 (RC11) forbids an outcome when it would break coherence (a read seeing a write that "
               "happens-after it, or an older one than it must), atomicity of read-modify-writes, the single "
               "order of seq_cst operations, or no-thin-air (a cycle of program order and reads-from); "
               "happens-before comes from release writes read by acquire reads.",
};
