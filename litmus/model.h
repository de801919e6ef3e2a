/* model.h: which final states sequential consistency and x86-TSO allow for a litmus test,
 * found by exhaustive search over every execution (the job herd7 does for a memory model).
 *
 * SC (sequential consistency): one shared memory; an execution is any
 * interleaving of the threads' statements, each memory access taking effect
 * at once.  Fences do nothing (there is nothing to order).
 *
 * x86-TSO (Owens, Sarkar and Sewell's model of x86): SC plus one FIFO store
 * buffer per CPU.
 *   - A store enters its CPU's buffer; the buffer's oldest entry may drain to
 *     memory at any step, so stores reach memory in program order.
 *   - A load reads the newest store to its address in its own buffer if there
 *     is one (store forwarding), else memory.
 *   - MFENCE (smp_mb(), atomic_thread_fence(seq_cst)) waits until the own
 *     buffer is empty.
 *   - Locked read-modify-writes (xchg, cmpxchg, atomic_exchange, with any
 *     memory order: x86 has only the locked forms) wait until the own buffer
 *     is empty, then read and write memory in one step.
 *   - A seq_cst store is a store followed by MFENCE (compilers emit XCHG, or
 *     MOV+MFENCE, which have that effect).
 *   - Acquire, release and relaxed loads and stores are plain MOVs, and
 *     smp_rmb(), smp_wmb(), barrier() and acquire/release/acq_rel fences are
 *     no instruction at all: TSO already keeps load->load, load->store and
 *     store->store order, and those fences ask for nothing more.  Only a
 *     store followed by a later load is ever reordered, and only MFENCE or a
 *     locked instruction stops that.
 * The one reordering TSO adds to SC is a load running while an earlier store
 * of the same thread, to another address, still waits in the buffer.
 *
 * A final state is the values of the test's observables (test->obs: the
 * registers and variables its condition and `locations` name), after every
 * thread has finished and, under TSO, every buffer has drained.
 */
#ifndef MEMLAB_LITMUS_MODEL_H
#define MEMLAB_LITMUS_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "litmus/ast.h"

enum lt_machine { LT_MODEL_SC, LT_MODEL_TSO };

/* Distinct machine states the search visits before it gives up on a test as
 * too large (fewer when states are so wide that these would pass 256 MB).
 * Every catalog and corpus test needs under a thousand (see README). */
#define LT_MODEL_BUDGET 1000000L

struct lt_model_result {
    enum lt_machine model;
    bool too_large;      /* the budget ran out: final[] is incomplete, do not use it */
    long explored;       /* distinct machine states visited */
    int nobs;
    int nfinal;          /* distinct final states: nfinal * nobs values, sorted */
    int *final;
    bool reachable;      /* some final state satisfies the condition's proposition */
    double seconds;      /* wall time of the search */
};

/* Enumerate every execution of t under model m, visiting at most budget
 * distinct machine states.  Returns 0, or -1 when the test is too large
 * (r->too_large set, r->explored says how far it got).  Free r with
 * lt_model_free either way. */
int lt_model_run(const struct lt_test *t, enum lt_machine m, long budget, struct lt_model_result *r);

bool lt_model_allows(const struct lt_model_result *r, const int *vals);

void lt_model_free(struct lt_model_result *r);

/* "SC" or "x86-TSO". */
const char *lt_model_name(enum lt_machine m);

/* ---- one execution, step by step (for --explain) ---------------------------- */

/* A step of the machine: thread k runs its next memory operation (with the
 * register work that follows it), or, under TSO, the oldest entry of thread
 * k's store buffer drains to memory. */
struct lt_step {
    int thread;
    bool drain;
};

/* Find one execution under m that ends in a final state satisfying the
 * condition's proposition, with as few steps as any (the search is breadth
 * first).  Returns 1 and a malloc'd *steps (free it) with *nsteps and the
 * final state's values in final_vals (t->nobs ints); 0 when no execution
 * reaches such a state; -1 when the test is too large (*explored says how
 * many states were visited). */
int lt_model_witness(const struct lt_test *t, enum lt_machine m, long budget, struct lt_step **steps, int *nsteps,
                     int *final_vals, long *explored);

enum lt_event_kind {
    LT_EV_STORE_MEM,    /* SC: a store wrote memory */
    LT_EV_STORE_BUF,    /* TSO: a store entered the thread's store buffer */
    LT_EV_LOAD_MEM,     /* a load read memory */
    LT_EV_LOAD_BUF,     /* TSO: a load read the thread's own buffered store (forwarding) */
    LT_EV_RMW,          /* a read-modify-write read and (maybe) wrote memory in one step */
    LT_EV_MFENCE,       /* an MFENCE (or a seq_cst store's) let the thread go on: buffer empty */
    LT_EV_NO_FENCE,     /* a fence that is no instruction on x86 */
    LT_EV_ASSIGN,       /* a register assignment */
    LT_EV_BRANCH,       /* an if: value says which way (1 then, 0 else) */
    LT_EV_DRAIN         /* TSO: the buffer's oldest store reached memory */
};

struct lt_event {
    enum lt_event_kind kind;
    int thread;
    const struct lt_stmt *stmt;  /* the statement; NULL for a drain */
    int var;                     /* accessed variable, or -1 */
    int value;                   /* value read (loads), written (stores, drains), assigned, or branch taken */
    int old;                     /* RMW: the value read */
    bool wrote;                  /* RMW: whether it wrote (a failed cmpxchg does not) */
};

/* The machine after an event: memory and, under TSO, each thread's buffer
 * (pairs of var, value, oldest first). */
struct lt_view {
    int nthreads, nvars;
    const int *mem;
    int buffered[LT_MAX_THREADS];
    const int *buffer[LT_MAX_THREADS];
};

typedef void lt_event_fn(void *ctx, const struct lt_event *ev, const struct lt_view *view);

/* Run steps[0..n-1] from the initial state, calling fn after every event.
 * Returns 0, or -1 if a step is not possible (a bad trace). */
int lt_model_replay(const struct lt_test *t, enum lt_machine m, const struct lt_step *steps, int n, lt_event_fn *fn,
                    void *ctx);

#endif
