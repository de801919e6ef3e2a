/* sc.c: sequential consistency, as axioms over a candidate execution.
 *
 * Lamport, "How to make a multiprocessor computer that correctly executes
 * multiprocess programs", IEEE Trans. Computers 1979: the result is as if
 * the operations of all threads ran in one interleaving that keeps each
 * thread's program order.  In the vocabulary of candidate executions
 * (Alglave, Maranget, Tautschnig, "Herding cats", TOPLAS 2014, section 4):
 *
 *   sc:        po ∪ rf ∪ co ∪ fr is acyclic.  One total order of all
 *              accesses exists that contains program order and in which
 *              every read sees the last write before it: rf, co and fr are
 *              exactly the edges that order would have to contain.
 *   atomicity: rmw ∩ (fr;co) is empty: no write to the location comes
 *              between a read-modify-write's read and its write.
 *
 * Fences add nothing: there is nothing left for them to order.  The
 * operational enumerator (model.c, enum lt_machine LT_MODEL_SC) gives the
 * histogram's column; these axioms are checked against it on every catalog
 * and corpus test (litmus/unit/test_exec.c).
 */
#include "litmus/exec.h"

static bool sc_consistent(const struct lt_exec *x, struct lt_check *why)
{
    if (!lt_is_empty(lt_inter(x->rmw, lt_seq(x->fr, x->co)))) {
        why->axiom = "atomicity";
        why->culprit_name = "rmw";
        why->culprit = lt_union(x->rmw, lt_seq(x->fr, x->co));
        return false;
    }
    lt_rel order = lt_union(lt_union(x->po, x->rf), lt_union(x->co, x->fr));
    if (!lt_acyclic(order)) {
        why->axiom = "sc: acyclic(po | rf | co | fr)";
        why->culprit_name = "sc";
        why->culprit = order;
        return false;
    }
    return true;
}

const struct lt_model lt_model_sc = {
    .name = "sc",
    .label = "SC",
    .header_key = "SC",
    .title = "sequential consistency (Lamport 1979): one interleaving of the threads",
    .machine = 0, /* LT_MODEL_SC */
    .consistent = sc_consistent,
    .teaches = "SC allows an outcome when one interleaving of the threads' accesses, each read seeing the "
               "latest write, produces it: a cycle of program order, reads-from, coherence and from-read "
               "edges means no such interleaving exists.",
};
