/* run.h: run a litmus test's generated threads on the hardware and count final states. */
#ifndef MEMLAB_LITMUS_RUN_H
#define MEMLAB_LITMUS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "litmus/abi.h"
#include "litmus/ast.h"
#include "litmus/tune.h"

#define LT_MAX_CPUS 256

struct lt_options {
    long iterations;        /* instances to run in all (default 1000000) */
    long batch;             /* instances per batch (default 400) */
    long stride;            /* ints between two instances' copies of a variable (default 16: a line) */
    long period;            /* ns between instances' starts; 0: automatic (1.5 x an instance's cost) */
    uint64_t seed;          /* thread-to-CPU placement, and the memory slot order with shuffle */
    bool shuffle;           /* visit the instances' memory in a random order per batch */
    enum lt_reset reset;    /* who resets the variables (default: a reader) */
    unsigned tune;          /* LT_TUNE_* settings the runner searches for itself (tune.h); 0: use the above */
    const char *tune_key;   /* lt_tune_key of the test: start from its cached winner, store a new one; NULL: no cache */
    bool retune;            /* search even when the cache holds a winner */
    int cpus[LT_MAX_CPUS];  /* CPUs to pin threads to, in order; ncpus == 0: all allowed */
    int ncpus;
    /* Called by the runner between batches, at most every ~200 ms; may be NULL. */
    void (*progress)(void *ctx, long done, long total);
    void *progress_ctx;
};

/* The defaults above, with ncpus == 0 and seed 1. */
void lt_options_default(struct lt_options *o);

/* One distinct final state: values in test->obs order. */
struct lt_state {
    int *vals;
    uint64_t count;
    bool witness;           /* satisfies the condition's proposition */
};

struct lt_result {
    long iterations;
    double seconds;         /* wall time of the whole run, counting included */
    uint64_t positive;      /* iterations whose final state satisfies the proposition */
    uint64_t negative;
    struct lt_state *states;/* sorted by values */
    int nstates;
    long period;            /* ns between instances at the end (setting.period) */
    struct lt_setting setting; /* what the run used after its search (all of it without one) */
    const char *tuned;      /* where setting came from: "options", "search" or "cache" */
    int tune_tried;         /* settings the search measured */
    bool tune_complete;     /* the search ended in this run (else the next run goes on with it) */
    long tune_instances;    /* instances run while searching (counted like the others) */
    double tune_seconds;
    double timebase_mhz;    /* the timebase's rate (locks/arch.h) */
    int cpu_of[LT_MAX_THREADS];
    bool oversubscribed;    /* more threads than CPUs: threads yield while waiting */
    long preempted;         /* times a runner thread was descheduled for another process */
};

/* Run test t whose thread k is fns[k].  Returns 0, or -1 with a message in err
 * (bad options, out of threads).  Free r with lt_result_free. */
int lt_run(const struct lt_test *t, const lt_thread_fn *fns, const struct lt_options *o,
           struct lt_result *r, char *err, size_t errsize);

void lt_result_free(struct lt_result *r);

/* Litmus7's verdict on the proposition: "Never", "Sometimes" or "Always". */
const char *lt_observation(const struct lt_result *r);

/* Whether the condition (with its quantifier) holds: exists: seen, ~exists:
 * never seen, forall: always. */
bool lt_condition_holds(const struct lt_test *t, const struct lt_result *r);

#endif
