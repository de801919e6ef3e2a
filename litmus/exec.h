/* exec.h: candidate executions of a litmus test, and the interface every
 * axiomatic memory model implements (the files in litmus/models/).
 *
 * The engine (exec.c) runs each thread symbolically: every read may return
 * any value some write to its location could store, so one thread has one
 * *path* per choice of read values that its branches allow.  One path per
 * thread gives the events; then every way of choosing, for each read, the
 * write it reads from (same location, same value: rf) and, for each
 * location, an order of its writes (the initial write first: co) gives one
 * *candidate execution*.  A read-modify-write is a read and a write joined
 * by rmw; atomicity is the models' business (most say: no write to the
 * location comes between them in co).  Each model then says of each
 * candidate whether it is consistent; the final states of the consistent
 * candidates are what the model allows.  That is the axiomatic method of
 * herd7 (Alglave, Maranget, Tautschnig, "Herding cats", TOPLAS 2014).
 *
 * A model is one `const struct lt_model` in its own file under
 * litmus/models/, listed in litmus/models/registry.c.  It sees only this
 * header and rel.h; it never walks the AST.  Conventions:
 * - events are numbered 0..n-1; the initial writes come first (thread -1,
 *   one per location), then thread 0's events in program order, then
 *   thread 1's, and so on: so po only goes from lower to higher numbers;
 * - every relation holds only between events of this execution;
 * - fr, the loc/int/ext relations and the event sets are filled in by the
 *   engine before a model sees the execution, so models never recompute them.
 */
#ifndef MEMLAB_LITMUS_EXEC_H
#define MEMLAB_LITMUS_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "litmus/ast.h"
#include "litmus/rel.h"

enum lt_xkind {
    LT_X_READ,   /* a load, or the read half of a read-modify-write */
    LT_X_WRITE,  /* a store, the write half of an RMW, or an initial write */
    LT_X_FENCE   /* a fence, or a marker event with no location (rcu_read_lock, ...) */
};

/* What the source operation was, beyond its C11 memory order: the Linux
 * kernel's annotations (herd7's tags of the same names), for LKMM and
 * ARMv8.  A C11 operation carries the tag of its order too (LT_TAG_ACQUIRE
 * for an acquire load), so kernel models can read C11 tests. */
enum lt_tag {
    LT_TAG_INIT = 1u << 0,          /* an initial write */
    LT_TAG_PLAIN = 1u << 1,         /* plain C access (`*x = 1`, `r = *x`): not atomic in C11 */
    LT_TAG_ONCE = 1u << 2,          /* READ_ONCE, WRITE_ONCE, relaxed atomics */
    LT_TAG_ACQUIRE = 1u << 3,       /* smp_load_acquire, _acquire RMWs, acquire atomics */
    LT_TAG_RELEASE = 1u << 4,       /* smp_store_release, _release RMWs, release atomics */
    LT_TAG_MB = 1u << 5,            /* smp_mb, fully ordered RMWs (value-returning atomic_t, xchg, cmpxchg) */
    LT_TAG_RMB = 1u << 6,           /* smp_rmb */
    LT_TAG_WMB = 1u << 7,           /* smp_wmb */
    LT_TAG_BARRIER = 1u << 8,       /* barrier(), atomic_signal_fence: compiler only */
    LT_TAG_BEFORE_ATOMIC = 1u << 9, /* smp_mb__before_atomic */
    LT_TAG_AFTER_ATOMIC = 1u << 10, /* smp_mb__after_atomic */
    LT_TAG_AFTER_SPINLOCK = 1u << 11,   /* smp_mb__after_spinlock */
    LT_TAG_AFTER_UNLOCK_LOCK = 1u << 12, /* smp_mb__after_unlock_lock */
    LT_TAG_NORETURN = 1u << 13,     /* an RMW whose value is not returned (atomic_inc): unordered in the kernel */
    LT_TAG_LOCK = 1u << 14,         /* spin_lock / successful spin_trylock: the read (LKR) and write (LKW) halves */
    LT_TAG_UNLOCK = 1u << 15,       /* spin_unlock: a release write of the lock (UL) */
    LT_TAG_LOCK_TEST = 1u << 16,    /* a read of a lock that does not take it: failed trylock, spin_is_locked */
    LT_TAG_RCU_LOCK = 1u << 17,     /* rcu_read_lock (a fence-kind marker) */
    LT_TAG_RCU_UNLOCK = 1u << 18,   /* rcu_read_unlock */
    LT_TAG_SYNC_RCU = 1u << 19,     /* synchronize_rcu (a fence-kind event: a grace period) */
    LT_TAG_SRCU_LOCK = 1u << 20,    /* srcu_read_lock (loc: the srcu_struct) */
    LT_TAG_SRCU_UNLOCK = 1u << 21,  /* srcu_read_unlock */
    LT_TAG_SYNC_SRCU = 1u << 22,    /* synchronize_srcu */
    LT_TAG_DEREF = 1u << 23,        /* rcu_dereference */
    LT_TAG_ASSIGN_PTR = 1u << 24,   /* rcu_assign_pointer (also RELEASE) */
    LT_TAG_SC = 1u << 25,           /* C11 seq_cst access or fence (also in mo) */
    /* A fence that only the C11 meaning of a fully ordered kernel RMW adds
     * (seq_cst fences around it, mapping.h): C11 models read it; kernel and
     * hardware models skip it, they see the RMW's LT_TAG_MB instead. */
    LT_TAG_IMPLICIT = 1u << 26,
    /* smp_mb__after_srcu_read_unlock, besides LT_TAG_MB (what it compiles to):
     * the kernel model orders with it only what precedes an srcu_read_unlock
     * before it, not every access before it */
    LT_TAG_AFTER_SRCU_UNLOCK = 1u << 27
};

struct lt_xev {
    enum lt_xkind kind;
    int thread;          /* -1 for an initial write */
    int loc;             /* variable index (test->vars), -1 for fences; a lock or srcu_struct is a variable too */
    int value;           /* read or written */
    enum lt_mo mo;       /* its C11 meaning (through the mapping table for kernel operations) */
    bool atomic;         /* a C11 atomic access; false for plain accesses (they can race) */
    bool rmw;            /* part of a read-modify-write instruction, a failed cmpxchg's lone read included
                          * (x86: a locked instruction either way) */
    unsigned tags;       /* enum lt_tag bits: its kernel meaning */
    int line;            /* source line, 0 for an initial write */
    const struct lt_stmt *stmt; /* the statement it comes from, NULL for an initial write */
    char label[48];      /* herd-style text without the event's letter: "W[once] x=1", "R[acquire] y=0", "F[mb]" */
};

/* One candidate execution.  The engine fills every field before a model looks. */
struct lt_exec {
    const struct lt_test *test;
    int n;                    /* events */
    struct lt_xev ev[LT_REL_MAX];
    /* event sets */
    lt_set all, R, W, F, IW;  /* IW: the initial writes */
    lt_set M;                 /* memory accesses: R ∪ W */
    lt_set thread[LT_MAX_THREADS];
    /* the program */
    lt_rel po;                /* program order, transitive, within a thread */
    lt_rel addr, data, ctrl;  /* read -> later access whose address / stored value / execution depends on its value */
    lt_rel branch;            /* read -> every later event of its thread past a conditional branch on its value,
                                 taken or not: the control dependency of compiled code (ctrl is herd7's C one,
                                 the events inside the if only) */
    lt_rel srcu_idx;          /* srcu_read_lock -> the srcu_read_unlock given its index (through registers):
                                 which section an unlock ends, when sections overlap without nesting */
    lt_rel rmw;               /* read half -> write half of one RMW (a failed cmpxchg is a lone read) */
    lt_rel loc;               /* same location (accesses and, for srcu, the srcu_struct), reflexive */
    lt_rel intra, ext;        /* same thread (reflexive) / different threads; initial writes are in no thread */
    /* the choices of this candidate */
    lt_rel rf;                /* write -> read that returns its value */
    lt_rel co;                /* coherence: per location, a total order of its writes, initial write first (transitive) */
    lt_rel fr;                /* from-read: rf⁻¹;co, read -> writes coherence-after the one it read */
    /* its outcome */
    const int *final;         /* the final state, in test->obs order */
};

/* What a model says about one candidate. */
struct lt_check {
    const char *axiom;        /* when inconsistent: the axiom that fails ("coherence", "sc", ...) */
    lt_rel culprit;           /* the relation that axiom needs acyclic or irreflexive (for the picture's cycle) */
    const char *culprit_name; /* how a picture labels the culprit's edges that are not po, rf, co or fr
                               * ("hb", "psc", "ghb"), or NULL for the axiom's name */
    int race[2];              /* a data race in this execution (two events), or -1, -1; only for models that flag races */
};

struct lt_model {
    const char *name;         /* "sc", "x86_tso", "c11", "lkmm", "armv8": --model NAME and JSON model.NAME */
    const char *label;        /* column and text label: "SC", "x86-TSO", "C11", "LKMM", "ARMv8" */
    const char *header_key;   /* the catalog header key checked against it ("C11"), or NULL */
    const char *title;        /* one line: the model and its paper */
    /* >= 0: the histogram's column comes from the operational enumerator
     * (model.c, enum lt_machine) and the axioms here are cross-checked
     * against it; -1: from the axioms below. */
    int machine;
    /* Why the model does not define something in this execution (C11 has no
     * RCU), or NULL.  Called on every candidate; any reason makes the whole
     * test n/a for this model.  May be NULL. */
    const char *(*not_defined)(const struct lt_exec *x);
    /* Whether x is consistent.  When not, set why->axiom and why->culprit.
     * A model that flags data races sets why->race for a consistent x with a race. */
    bool (*consistent)(const struct lt_exec *x, struct lt_check *why);
    /* One sentence, for --explain, on what decides a verdict in this model. */
    const char *teaches;
};

/* The registry (litmus/models/registry.c): NULL-terminated, in column order. */
extern const struct lt_model *const lt_models[];
const struct lt_model *lt_model_find(const char *name);  /* by name or label, case-insensitive */
int lt_model_count(void);

/* For models without RCU grace periods (SC and x86-TSO's axioms): why they
 * do not define x when it has a synchronize_rcu or synchronize_srcu, else NULL. */
const char *lt_exec_no_grace_periods(const struct lt_exec *x);

/* ---- the engine ----------------------------------------------------------------- */

/* Candidate executions the engine may build per test before it calls the
 * test too large (the models are checked on each). */
#define LT_EXEC_BUDGET 300000L

/* Called for every candidate; return false to stop the enumeration. */
typedef bool lt_exec_visit(void *ctx, const struct lt_exec *x);

/* Build every candidate execution of t and call visit on each.  Returns 0
 * when all were visited (or visit stopped it), -1 with a one-line reason in
 * err when the test cannot be handled (more events than LT_REL_MAX, more
 * than budget candidates, a construct the engine does not know). */
int lt_exec_enumerate(const struct lt_test *t, long budget, lt_exec_visit *visit, void *ctx, char *err,
                      size_t errsize);

/* What one model allows for a test: the result of lt_exec_run. */
struct lt_verdict {
    const struct lt_model *model;
    bool too_large;           /* the engine refused or ran out of budget: final[] is incomplete */
    const char *na;           /* the model does not define a construct of this test: why; final[] unused */
    char why[160];            /* too_large: the engine's reason */
    long explored;            /* candidates (or machine states, for an operational column) */
    int nobs;
    int nfinal;               /* distinct final states the model allows, sorted, nfinal * nobs values */
    int *final;
    unsigned char *final_race;/* per final state: 1 if an execution reaching it has a data race */
    bool reachable;           /* some allowed final state satisfies the condition's proposition */
    bool race;                /* some consistent execution has a data race (the program is undefined) */
    int race_ev[2];           /* that race's two events, described in race_text */
    char race_text[200];      /* "P0 line 12 W x=1 and P1 line 20 R x" */
    double seconds;
};

/* Run models[0..n-1] over t's candidates (one enumeration for all, at most
 * budget candidates), filling out[0..n-1].  A model with machine >= 0 is run
 * on the operational enumerator instead (model.c), visiting at most
 * machine_budget machine states. */
void lt_exec_run(const struct lt_test *t, const struct lt_model *const *models, int n, long budget,
                 long machine_budget, struct lt_verdict *out);

bool lt_verdict_allows(const struct lt_verdict *v, const int *vals);
bool lt_verdict_races(const struct lt_verdict *v, const int *vals);  /* allowed only by racy executions */
void lt_verdict_free(struct lt_verdict *v);

/* "allowed", "forbidden", "too large", "n/a" for the condition's proposition. */
const char *lt_verdict_word(const struct lt_verdict *v);

/* ---- one execution, for pictures and explanations ---------------------------------- */

/* Find an execution of t that ends in final state vals (t->nobs ints; NULL:
 * any state satisfying the condition's proposition): one model m allows if
 * there is one (returns 1), else one m forbids, with the failing axiom in
 * *why (returns 0).  Returns -1 with err when there is no candidate at all
 * reaching that state, or the test is too large.  *x is filled in. */
int lt_exec_find(const struct lt_test *t, const struct lt_model *m, const int *vals, long budget, struct lt_exec *x,
                 int *final_out, struct lt_check *why, char *err, size_t errsize);

/* "a: W[once] x=1": the event's letter (a, b, ... by thread and program
 * order; initial writes unnamed) and label. */
void lt_xev_name(const struct lt_exec *x, int e, char *buf, size_t size);

#endif
