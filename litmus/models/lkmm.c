/* lkmm.c: the Linux kernel memory model, as axioms over a candidate execution.
 *
 * Alglave, Maranget, McKenney, Parri, Stern, "Frightening small children and
 * disconcerting grown-ups: concurrency in the Linux kernel", ASPLOS 2018, and
 * the kernel's tools/memory-model/Documentation/explanation.txt (Stern), in
 * this project's words.  The version followed is the kernel's current one
 * (tools/memory-model: an unlock then a lock in the same thread orders like
 * one read from the other, RCU and SRCU through rcu-order, the plain-access
 * rules), so that verdicts can be checked against herd7 running it.
 *
 * Vocabulary.  A *marked* access is one the kernel annotates (READ_ONCE,
 * WRITE_ONCE, acquire/release, atomics, lock operations) and every non-access
 * event; a *plain* access (`r = *x`) is not, and the compiler may tear, fuse or
 * move it, so most ordering rules speak only of marked events.  int/ext: the
 * same thread or not.  fencerel(F) = po;[F];po: the pairs an F event sits
 * between.  r? adds the identity, r* the reflexive-transitive closure.
 *
 * Ordering a thread keeps (preserved program order, ppo):
 *   fences   smp_mb (and fully ordered RMWs, which act as if an smp_mb stood on
 *            each side; the smp_mb__{before,after}_atomic, __after_spinlock and
 *            __after_unlock_lock forms), smp_wmb between writes, smp_rmb between
 *            reads (not the read of a non-value-returning RMW), a release write
 *            after everything before it, an acquire read before everything after
 *            it, synchronize_rcu/srcu as a full fence (gp);
 *   deps     an address dependency to anything; a data or control dependency to
 *            a write; a dependency to a marked write that the same thread reads
 *            back (rfi); a write overwritten (co or fr) in the same thread;
 *   locks    an unlock, then a lock in the same thread (of any lock).
 * Propagation:
 *   cumul-fence  the fences that make writes propagate in order: a strong fence
 *            or a release, each also covering a write the thread read before it
 *            (A-cumulativity); smp_wmb; an unlock followed by a lock (po or rf);
 *   prop     a write (or a write overwritten by one) that reaches another
 *            thread through those fences, then possibly read there;
 *   hb       happens-before: ppo, reads from another thread, and prop within
 *            one thread, all between marked events;
 *   pb       prop, then a strong fence, then hb*: propagation that must complete
 *            before the fence ends.
 * Axioms:
 *   coherence     po-loc ∪ rf ∪ co ∪ fr is acyclic (one order per variable);
 *   atomicity     no other thread's write comes between an RMW's read and write;
 *   happens-before  hb is acyclic (no event happens before itself);
 *   propagation   pb is acyclic;
 *   rcu           rb = prop; rcu-fence; hb*; pb* is irreflexive, where
 *                 rcu-fence orders across any chain of grace periods and
 *                 read-side critical sections linked by rcu-link with at least
 *                 as many grace periods as critical sections (the RCU guarantee:
 *                 a critical section cannot span a grace period);
 *   plain-coherence  a plain access still reads and overwrites in a coherent way
 *                 when it is ordered (vis, xb) with the conflicting access.
 * Data races: two conflicting accesses in different threads, one plain, not
 * ordered by the model's visibility and execute-before relations.  LKMM flags
 * such an execution (the program's behaviour is undefined) without removing it.
 */
#include "litmus/exec.h"

#include <string.h>

/* The event classes the model speaks of, read off each event's tags. */
struct lk {
    lt_set all, M, R, W, IW;
    lt_set marked, plain;
    lt_set acq, rel, noret;     /* Acquire (incl. lock reads), Release (incl. unlocks), Noreturn reads */
    lt_set rmwev;               /* events of an RMW instruction (herd's RMW set), locks excluded */
    lt_set lkr, lkw, ul;        /* spin_lock's read and write halves, spin_unlock */
    lt_set f_mb, f_rmb, f_wmb, f_before, f_after, f_spin, f_ul_lock, f_sync, f_after_srcu;
    lt_set r_mb, w_mb;          /* halves of fully ordered RMWs (a virtual smp_mb on each side) */
    lt_set rcu_lock, rcu_unlock, srcu_lock, srcu_unlock, sync_rcu, sync_srcu;
    lt_rel po, loc, intra, ext, rf, co, fr, rfe, rfi;
};

static void classify(const struct lt_exec *x, struct lk *k)
{
    memset(k, 0, sizeof *k);
    k->all = x->all;
    k->R = x->R;
    k->W = x->W;
    k->M = x->R | x->W;
    k->IW = x->IW;
    lt_set in_rmw = lt_domain(x->rmw) | lt_range(x->rmw);
    const unsigned lock_tags = LT_TAG_LOCK | LT_TAG_UNLOCK | LT_TAG_LOCK_TEST;
    for (int e = 0; e < x->n; e++) {
        const struct lt_xev *ev = &x->ev[e];
        lt_set b = lt_bit(e);
        unsigned t = ev->tags;
        if (ev->kind == LT_X_FENCE) {
            if (t & LT_TAG_AFTER_SRCU_UNLOCK)
                k->f_after_srcu |= b;
            else if (t & LT_TAG_MB)
                k->f_mb |= b;
            if (t & LT_TAG_RMB)
                k->f_rmb |= b;
            if (t & LT_TAG_WMB)
                k->f_wmb |= b;
            if (t & LT_TAG_BEFORE_ATOMIC)
                k->f_before |= b;
            if (t & LT_TAG_AFTER_ATOMIC)
                k->f_after |= b;
            if (t & LT_TAG_AFTER_SPINLOCK)
                k->f_spin |= b;
            if (t & LT_TAG_AFTER_UNLOCK_LOCK)
                k->f_ul_lock |= b;
            /* A C11 acquire or release fence has no kernel counterpart with
             * the same meaning; the kernel's own fences are the tags above. */
        }
        if (t & LT_TAG_RCU_LOCK)
            k->rcu_lock |= b;
        if (t & LT_TAG_RCU_UNLOCK)
            k->rcu_unlock |= b;
        if (t & LT_TAG_SYNC_RCU)
            k->sync_rcu |= b;
        if (t & LT_TAG_SRCU_LOCK)
            k->srcu_lock |= b;
        if (t & LT_TAG_SRCU_UNLOCK)
            k->srcu_unlock |= b;
        if (t & LT_TAG_SYNC_SRCU)
            k->sync_srcu |= b;
        if (ev->kind == LT_X_FENCE)
            continue;
        bool is_read = ev->kind == LT_X_READ;
        if ((t & LT_TAG_LOCK) && is_read)
            k->lkr |= b;
        if ((t & LT_TAG_LOCK) && !is_read)
            k->lkw |= b;
        if ((t & LT_TAG_UNLOCK) && !is_read)
            k->ul |= b;
        if (ev->rmw && !(t & lock_tags))
            k->rmwev |= b;
        /* Only a read can be an acquire and only a write a release: an
         * _acquire RMW's write and a _release RMW's read are plain once. */
        if (is_read && (t & LT_TAG_ACQUIRE))
            k->acq |= b;
        if (!is_read && (t & LT_TAG_RELEASE))
            k->rel |= b;
        if (is_read && (t & LT_TAG_NORETURN))
            k->noret |= b;
        /* A fully ordered RMW that succeeded brackets itself with smp_mb();
         * a failed cmpxchg (a lone read) orders nothing. */
        if ((t & LT_TAG_MB) && lt_in(in_rmw, e) && !(t & lock_tags)) {
            if (is_read)
                k->r_mb |= b;
            else
                k->w_mb |= b;
        }
        bool plain = !lt_in(x->IW, e) && ((t & LT_TAG_PLAIN) || !ev->atomic) && !lt_in(in_rmw, e) && !ev->rmw &&
                     !(t & lock_tags);
        if (plain)
            k->plain |= b;
    }
    k->acq |= k->lkr;
    k->rel |= k->ul;
    k->f_sync = k->sync_rcu | k->sync_srcu;
    k->marked = k->all & ~k->plain;

    k->po = x->po;
    k->rf = x->rf;
    k->co = x->co;
    k->fr = x->fr;
    for (int a = 0; a < x->n; a++)
        for (int b = 0; b < x->n; b++) {
            const struct lt_xev *ea = &x->ev[a], *eb = &x->ev[b];
            if (ea->loc >= 0 && ea->loc == eb->loc && lt_in(k->M, a) && lt_in(k->M, b))
                lt_add(&k->loc, a, b);
            if (ea->thread == eb->thread)
                lt_add(&k->intra, a, b);
            else
                lt_add(&k->ext, a, b);
        }
    k->rfe = lt_inter(k->rf, k->ext);
    k->rfi = lt_inter(k->rf, k->intra);
}

static lt_rel fencerel(const struct lk *k, lt_set f)
{
    return lt_seq(lt_seq(k->po, lt_id(f)), k->po);
}

/* r?, over all events */
static lt_rel opt(const struct lk *k, lt_rel r)
{
    return lt_opt(r, k->all);
}

static lt_rel star(const struct lk *k, lt_rel r)
{
    return lt_star(r, k->all);
}

/* [S];r;[T] */
static lt_rel only(lt_set s, lt_rel r, lt_set t)
{
    return lt_restrict(r, s, t);
}

/* The full-fence pairs: smp_mb and everything that acts like it. */
static lt_rel full_mb(const struct lk *k)
{
    lt_rel po = k->po, poq = opt(k, k->po);
    /* smp_mb(), and the virtual smp_mb() before and after a fully ordered RMW */
    lt_rel r = fencerel(k, k->f_mb);
    r = lt_union3(r, lt_seq(po, lt_seq(lt_id(k->r_mb), poq)), lt_seq(poq, lt_seq(lt_id(k->w_mb), po)));
    /* smp_mb__before_atomic(): everything before it, to the next RMW and on */
    r = lt_union(r, lt_seq(fencerel(k, k->f_before), lt_seq(lt_id(k->rmwev), poq)));
    /* smp_mb__after_atomic(): an RMW and everything before it, to everything after */
    r = lt_union(r, lt_seq(lt_seq(poq, lt_id(k->rmwev)), fencerel(k, k->f_after)));
    /* smp_mb__after_spinlock(): a lock and everything before it, to everything after */
    r = lt_union(r, lt_seq(lt_seq(poq, lt_id(k->lkw)), fencerel(k, k->f_spin)));
    /* smp_mb__after_srcu_read_unlock(): what comes before an srcu_read_unlock
     * that precedes it, against everything after it (not a full smp_mb) */
    r = lt_union(r, lt_seq(lt_seq(po, lt_id(k->srcu_unlock)), fencerel(k, k->f_after_srcu)));
    /* smp_mb__after_unlock_lock(): an unlock followed (in co or po) by a lock */
    lt_rel handover = lt_seq(lt_seq(po, lt_id(k->ul)), lt_union(k->co, po));
    r = lt_union(r, lt_seq(lt_seq(handover, lt_id(k->lkw)), fencerel(k, k->f_ul_lock)));
    return only(k->M, r, k->M);
}

/* Matching lock/unlock pairs of read-side critical sections, per thread
 * (and per srcu_struct for SRCU).  An srcu_read_unlock given the index an
 * srcu_read_lock returned ends that lock's section, whatever the nesting
 * (two SRCU sections may overlap: lock a, lock b, unlock a, unlock b);
 * otherwise the innermost open section, like parentheses. */
static lt_rel critical_sections(const struct lt_exec *x, lt_set locks, lt_set unlocks, bool by_loc)
{
    lt_rel rscs = lt_empty();
    int stack[LT_REL_MAX];
    int depth = 0;
    for (int e = 0; e < x->n; e++) {
        if (e > 0 && x->ev[e].thread != x->ev[e - 1].thread)
            depth = 0;
        if (lt_in(locks, e)) {
            stack[depth++] = e;
        } else if (lt_in(unlocks, e)) {
            bool named = false;
            for (int i = 0; i < depth && by_loc; i++)
                named |= lt_has(&x->srcu_idx, stack[i], e);
            for (int i = depth - 1; i >= 0; i--) {
                if (by_loc && x->ev[stack[i]].loc != x->ev[e].loc)
                    continue;
                if (named && !lt_has(&x->srcu_idx, stack[i], e))
                    continue;
                lt_add(&rscs, stack[i], e);
                memmove(&stack[i], &stack[i + 1], (size_t)(depth - i - 1) * sizeof stack[0]);
                depth--;
                break;
            }
        }
    }
    return rscs;
}

static lt_rel same_srcu(const struct lt_exec *x)
{
    lt_rel r = lt_empty();
    for (int a = 0; a < x->n; a++)
        for (int b = 0; b < x->n; b++)
            if (x->ev[a].loc >= 0 && x->ev[a].loc == x->ev[b].loc)
                lt_add(&r, a, b);
    return r;
}

/* rcu-order: sequences of grace periods and critical sections joined by
 * rcu-link in which the grace periods are at least as many as the critical
 * sections (SRCU ones only with their own srcu_struct).  Least fixpoint. */
static lt_rel rcu_order(const struct lt_exec *x, const struct lk *k, lt_rel link)
{
    lt_rel gp = lt_id(k->sync_rcu), sgp = lt_id(k->sync_srcu);
    lt_rel rscsi = lt_inv(critical_sections(x, k->rcu_lock, k->rcu_unlock, false));
    lt_rel srscsi = lt_inv(critical_sections(x, k->srcu_lock, k->srcu_unlock, true));
    lt_rel sloc = same_srcu(x);
    lt_rel order = lt_empty();
    for (;;) {
        lt_rel mid = lt_seq(link, lt_seq(order, link));
        lt_rel next = lt_union(gp, sgp);
        next = lt_union3(next, lt_seq(gp, lt_seq(link, rscsi)), lt_seq(rscsi, lt_seq(link, gp)));
        next = lt_union(next, lt_inter(sloc, lt_union(lt_seq(sgp, lt_seq(link, srscsi)),
                                                      lt_seq(srscsi, lt_seq(link, sgp)))));
        next = lt_union3(next, lt_seq(gp, lt_seq(mid, rscsi)), lt_seq(rscsi, lt_seq(mid, gp)));
        next = lt_union(next, lt_inter(sloc, lt_union(lt_seq(sgp, lt_seq(mid, srscsi)),
                                                      lt_seq(srscsi, lt_seq(mid, sgp)))));
        next = lt_union(next, lt_seq(order, lt_seq(link, order)));
        if (memcmp(&next, &order, sizeof order) == 0)
            return order;
        order = next;
    }
}

static bool first_pair(lt_rel r, int *a, int *b)
{
    for (int i = 0; i < LT_REL_MAX; i++)
        if (r.row[i]) {
            *a = i;
            *b = __builtin_ctzll(r.row[i]);
            return true;
        }
    return false;
}

static bool lkmm_consistent(const struct lt_exec *x, struct lt_check *why)
{
    struct lk k;
    classify(x, &k);
    lt_set Mk = k.marked;
    lt_rel po = k.po, intra = k.intra, ext = k.ext;

    /* coherence: each variable has one order its accesses agree on */
    lt_rel com = lt_union3(k.rf, k.co, k.fr);
    lt_rel coh = lt_union(lt_inter(po, k.loc), com);
    if (!lt_acyclic(coh)) {
        why->axiom = "coherence: acyclic(po-loc | rf | co | fr)";
        why->culprit = coh;
        return false;
    }
    /* atomicity: no other thread's write between an RMW's read and write */
    lt_rel fre_coe = lt_seq(lt_inter(k.fr, ext), lt_inter(k.co, ext));
    if (!lt_is_empty(lt_inter(x->rmw, fre_coe))) {
        why->axiom = "atomicity: rmw & (fre;coe) empty";
        why->culprit = lt_union(x->rmw, fre_coe);
        return false;
    }

    /* fences */
    lt_set r4rmb = k.R & ~k.noret;
    lt_rel acq_po = only(k.acq, po, k.M);
    lt_rel po_rel = only(k.M, po, k.rel);
    /* An unlock followed by a lock, in the same thread or reading from it:
     * everything before the unlock is ordered before everything after the
     * lock (po-unlock-lock-po; the kernel's locks are RCtso). */
    lt_rel ul_then_lock = lt_union(po, k.rf);
    lt_rel unlock_lock = lt_seq(lt_seq(lt_seq(po, lt_id(k.ul)), lt_seq(ul_then_lock, lt_id(k.lkr))), po);
    lt_rel rmb = only(r4rmb, fencerel(&k, k.f_rmb), r4rmb);
    lt_rel wmb = only(k.W, fencerel(&k, k.f_wmb), k.W);
    lt_rel mb = full_mb(&k);
    lt_rel gp = lt_seq(lt_seq(po, lt_id(k.f_sync)), opt(&k, po));
    lt_rel strong = lt_union(mb, gp);
    lt_rel nonrw = lt_union3(strong, po_rel, acq_po);
    lt_rel fence = lt_union3(nonrw, wmb, rmb);

    /* Dependencies pass through memory inside a thread: a value stored and
     * read back by the same thread (a plain temporary, say) still depends
     * on the read it was computed from, as it would through a register.  So
     * each dependency may start with any number of data;rfi steps (the
     * kernel model's rule since 2023; dep+plain in the corpus shows it). */
    lt_rel carry = star(&k, lt_seq(x->data, k.rfi));
    lt_rel addr = lt_seq(carry, x->addr), data = lt_seq(carry, x->data), ctrl = lt_seq(carry, x->ctrl);

    /* preserved program order */
    lt_rel dep = lt_union(addr, data);
    lt_rel rwdep = lt_seq(lt_union(dep, ctrl), lt_id(k.W));
    lt_rel overwrite = lt_union(k.co, k.fr);
    lt_rel to_w = lt_union3(rwdep, lt_inter(overwrite, intra), lt_seq(lt_seq(addr, lt_id(k.plain)), wmb));
    lt_rel to_r = lt_union(addr, lt_seq(lt_seq(dep, lt_id(Mk)), k.rfi));
    lt_rel ppo = lt_union(lt_union3(to_r, to_w, fence), lt_inter(unlock_lock, intra));

    /* propagation */
    lt_rel acumul = lt_seq(opt(&k, lt_seq(k.rfe, lt_id(Mk))), lt_union(strong, po_rel));
    /* A release reaches through RMWs that read from it and from each other
     * (atomic_inc on a flag another thread set with a release, say): the
     * kernel model's rmw-sequence, C11's release sequence. */
    lt_rel rmw_seq = star(&k, lt_seq(k.rf, x->rmw));
    lt_rel cumul_fence = lt_seq(only(Mk, lt_union3(acumul, wmb, unlock_lock), Mk), rmw_seq);
    lt_rel prop = lt_seq(lt_id(Mk), opt(&k, lt_inter(overwrite, ext)));
    prop = lt_seq(prop, lt_seq(star(&k, cumul_fence), lt_id(Mk)));
    prop = lt_seq(prop, lt_seq(opt(&k, k.rfe), lt_id(Mk)));
    lt_rel prop_int = lt_inter(lt_minus(prop, lt_id(k.all)), intra);
    lt_rel hb = only(Mk, lt_union3(ppo, k.rfe, prop_int), Mk);
    if (!lt_acyclic(hb)) {
        why->axiom = "happens-before: acyclic(hb)";
        why->culprit = hb;
        return false;
    }
    lt_rel hbs = star(&k, hb);
    lt_rel pb = lt_seq(lt_seq(prop, strong), lt_seq(hbs, lt_id(Mk)));
    if (!lt_acyclic(pb)) {
        why->axiom = "propagation: acyclic(pb)";
        why->culprit = pb;
        return false;
    }
    lt_rel pbs = star(&k, pb);

    /* RCU: a grace period outlasts every critical section that overlaps it */
    lt_rel rcu_fence = lt_empty(), rb = lt_empty();
    if (k.sync_rcu | k.sync_srcu) {
        lt_rel link = lt_seq(lt_seq(opt(&k, po), hbs), lt_seq(pbs, lt_seq(prop, po)));
        rcu_fence = lt_seq(lt_seq(po, rcu_order(x, &k, link)), opt(&k, po));
        rb = lt_seq(lt_seq(prop, rcu_fence), lt_seq(lt_seq(hbs, pbs), lt_id(Mk)));
        if (!lt_irreflexive(rb)) {
            why->axiom = "rcu: irreflexive(rb)";
            why->culprit = rb;
            return false;
        }
    }
    /* From here on the fences include rcu-fence (as the paper's later
     * definitions do); hb and pb above are as they were. */
    lt_rel fence2 = lt_union(fence, rcu_fence), strong2 = lt_union(strong, rcu_fence);

    /* plain accesses: visibility and the bounds of what the compiler may move */
    if (!k.plain)
        return true;
    lt_rel xbs = star(&k, lt_union3(hb, pb, rb));
    lt_rel vis = lt_seq(lt_seq(star(&k, cumul_fence), opt(&k, k.rfe)), lt_id(Mk));
    vis = lt_seq(vis, lt_union(lt_seq(lt_seq(strong2, lt_id(Mk)), xbs), lt_inter(xbs, intra)));
    lt_rel rmb_any = fencerel(&k, k.f_rmb);
    lt_rel w_pre = lt_seq(lt_id(Mk), opt(&k, lt_union(addr, fence2)));
    lt_rel r_pre = lt_seq(lt_id(Mk), opt(&k, lt_union3(addr, nonrw, only(r4rmb, rmb_any, k.all & ~k.noret))));
    lt_rel w_post = lt_seq(lt_seq(opt(&k, fence2), lt_id(Mk)), rmw_seq);
    lt_rel r_post = lt_seq(opt(&k, lt_union(nonrw, only(k.all & ~k.noret, rmb_any, r4rmb))), lt_id(Mk));
    lt_rel ww_vis = lt_union3(fence2, lt_seq(lt_seq(strong2, xbs), w_pre), lt_seq(lt_seq(w_post, vis), w_pre));
    lt_rel wr_vis = lt_union3(fence2, lt_seq(lt_seq(strong2, xbs), r_pre), lt_seq(lt_seq(w_post, vis), r_pre));
    lt_rel rw_xbs = lt_union(fence2, lt_seq(lt_seq(r_post, xbs), w_pre));
    lt_rel pre_race = lt_inter(ext, lt_union(lt_cross(k.plain, k.M), lt_cross(k.M & ~k.IW, k.plain)));
    lt_rel incoh = lt_inter(lt_inter(pre_race, k.rf), lt_inv(rw_xbs));
    incoh = lt_union(incoh, lt_inter(lt_inter(pre_race, k.fr), lt_inv(wr_vis)));
    incoh = lt_union(incoh, lt_inter(lt_inter(pre_race, k.co), lt_inv(ww_vis)));
    if (!lt_is_empty(incoh)) {
        why->axiom = "plain-coherence: a plain access reads or overwrites against the order it is given";
        why->culprit = lt_union(incoh, xbs);
        return false;
    }
    lt_rel ww_ok = lt_inter(ww_vis, lt_union(lt_cross(Mk, k.W), rw_xbs));
    ww_ok = lt_inter(ww_ok, lt_union(lt_cross(k.W, Mk), wr_vis));
    lt_rel race = lt_minus(lt_inter(pre_race, k.co), ww_ok);
    race = lt_union(race, lt_minus(lt_minus(lt_inter(pre_race, lt_seq(opt(&k, k.co), k.rf)), wr_vis), lt_inv(rw_xbs)));
    race = lt_union(race, lt_minus(lt_inter(pre_race, k.fr), rw_xbs));
    int a, b;
    if (first_pair(race, &a, &b)) {
        why->race[0] = a < b ? a : b;
        why->race[1] = a < b ? b : a;
    }
    return true;
}

static const char *lkmm_not_defined(const struct lt_exec *x)
{
    for (int e = 0; e < x->n; e++) {
        const struct lt_xev *ev = &x->ev[e];
        if (ev->kind != LT_X_FENCE && !ev->rmw && (ev->tags & LT_TAG_SC))
            return "the kernel has no seq_cst load or store (it writes smp_mb() around a READ_ONCE/WRITE_ONCE)";
        if (ev->kind == LT_X_FENCE && !(ev->tags & LT_TAG_MB) && (ev->tags & (LT_TAG_ACQUIRE | LT_TAG_RELEASE)))
            return "the kernel has no acquire or release fence (smp_rmb/smp_wmb order differently)";
    }
    return NULL;
}

const struct lt_model lt_model_lkmm = {
    .name = "lkmm",
    .label = "LKMM",
    .header_key = "LKMM",
    .title = "the Linux kernel memory model (Alglave, Maranget, McKenney, Parri, Stern, ASPLOS 2018)",
    .machine = -1,
    .not_defined = lkmm_not_defined,
    .consistent = lkmm_consistent,
    .teaches = "LKMM forbids an outcome when it needs a cycle in happens-before (dependencies, fences, "
               "acquire/release, reads from other threads), a propagation cycle through a strong fence "
               "(smp_mb, a fully ordered RMW, a grace period), a critical section spanning a grace period, "
               "or an incoherent variable; plain accesses that conflict unordered are a data race.",
};
