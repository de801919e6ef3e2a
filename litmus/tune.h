/* tune.h: the runner's settings, the short search that picks them per machine and test, and the cache of winners. */
#ifndef MEMLAB_LITMUS_TUNE_H
#define MEMLAB_LITMUS_TUNE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which thread resets a variable before each batch (see run.c). */
enum lt_reset { LT_RESET_READER, LT_RESET_WRITER, LT_RESET_FIRST };

/* How the runner lays out and paces a batch.  None of these changes which
 * final states are possible (every instance still runs the test's threads
 * on fresh memory holding the initial values); they change how often the
 * threads' accesses meet within the window that shows a reordering. */
struct lt_setting {
    long period;            /* nanoseconds from one instance's start to the next; 0: back to back */
    long batch;             /* instances per batch */
    long stride;            /* ints between two instances' copies of a variable */
    bool shuffle;           /* visit the instances' memory in a random order per batch */
    enum lt_reset reset;    /* who resets the variables */
};

/* The settings the search may change, as a mask (the others stay as given). */
enum {
    LT_TUNE_PERIOD = 1, LT_TUNE_BATCH = 2, LT_TUNE_STRIDE = 4, LT_TUNE_SHUFFLE = 8, LT_TUNE_RESET = 16,
    LT_TUNE_ALL = 31
};

/* The search is LT_TUNE_STEPS steps, each over the values of one setting;
 * its position is the step it is at, LT_TUNE_END when it is done. */
enum { LT_TUNE_MAX_BATCH = 4000, LT_TUNE_MAX_STRIDE = 64, LT_TUNE_VALUES = 20, LT_TUNE_STEPS = 7,
       LT_TUNE_END = LT_TUNE_STEPS, LT_TUNE_QUOTA = 24 /* measured batches per value and step (tune.c) */ };

/* The least budget a search starts with, in instances: a value's quota of
 * batches of the biggest size (a run with less searches nothing and keeps
 * the cached setting; a batch bigger than LT_TUNE_MAX_BATCH from the
 * options raises it alike). */
#define LT_TUNE_MIN_BUDGET ((long)LT_TUNE_QUOTA * LT_TUNE_MAX_BATCH)

/* One value's measured batches in the current step, as sums (so a step cut
 * by the end of a run goes on in the next with what it had).  The unit of
 * the error is a block (the batches a value runs in a row, tune.c): with w a
 * block's witnesses (plus a thousandth of its instances) and t its ns. */
struct lt_tune_samples {
    int n;                      /* batches counted */
    int blocks;                 /* blocks summed below */
    double inst, w, t;          /* sums of instances, w and t */
    double ww, wt, tt;          /* sums of w*w, w*t, t*t: the rate's error */
    double fastest;             /* the least ns per instance of any batch (0: none) */
    double pw, pt;              /* the block being run: w and t so far (not in the sums yet) */
};

/* What a search that has not ended hands to the next run (the cache keeps it). */
struct lt_tune_state {
    struct lt_setting best;     /* the best setting so far */
    int position;               /* the step it is at; LT_TUNE_END: done */
    long cost;                  /* the ns per instance its periods are multiples of (0: not measured yet) */
    int nvals;                  /* values of that step measured so far (0: none) */
    struct lt_tune_samples samples[LT_TUNE_VALUES];
};

/* A coordinate search: for each free setting in turn, run batches of the
 * best setting so far and of each alternative value of that one setting,
 * interleaved, and move to the value that caught the most witnesses per
 * second if it did so clearly (tune.c says what that means).  The runner
 * calls lt_tuner_batch after every batch run with tu->cur and runs the next
 * batch with tu->cur; when tu->done, tu->cur is what the rest of the run
 * runs: the winner (tu->best) when the search is complete, else the leader
 * of the step it was cut in. */
struct lt_tuner {
    unsigned free;                  /* LT_TUNE_* the search may change */
    long cost;                      /* ns per instance back to back: the period's unit */
    uint64_t budget_ns;             /* the whole search stops after this long */
    long budget_instances;          /* ... or after this many instances */
    struct lt_setting best, cur;
    int step;                       /* index of the step being run (LT_TUNE_STEPS: done) */
    int nvals;                      /* values of this step; vals[0] is the best so far */
    struct lt_setting vals[LT_TUNE_VALUES];
    struct lt_tune_samples samples[LT_TUNE_VALUES];
    int at;                         /* the value cur is */
    uint64_t rng;                   /* picks the order of the blocks */
    int block;                      /* batches left in the current value's block */
    bool warming;                   /* the current batch warms up: not measured */
    uint64_t used_ns;
    long used_instances;
    int tried;                      /* values measured to a decision, over all steps */
    bool done;
    bool complete;                  /* the search ran to its end (not cut by its budget) */
};

/* Start a search from start (every value valid), over the settings in free;
 * cost is the measured ns per instance with period 0.  resume: NULL to
 * begin, or the state of a search an earlier run cut (lt_tuner_state): it
 * goes on in the step it stopped in, with that step's measurements and the
 * cost its periods were built from. */
void lt_tuner_start(struct lt_tuner *tu, const struct lt_setting *start, unsigned free, long cost,
                    const struct lt_tune_state *resume, uint64_t budget_ns, long budget_instances);

/* Where the search is: LT_TUNE_END when complete. */
int lt_tuner_position(const struct lt_tuner *tu);

/* The state to hand to the next run (complete: position LT_TUNE_END, no samples). */
void lt_tuner_state(const struct lt_tuner *tu, struct lt_tune_state *st);

/* One batch of tu->cur ran: instances, of which witnesses satisfied the
 * condition, in ns of wall time (reset, run and count).  Moves tu->cur on. */
void lt_tuner_batch(struct lt_tuner *tu, long instances, uint64_t witnesses, uint64_t ns);

/* "period 300 ns, batch 2000, stride 16, shuffle, reset by reader". */
void lt_setting_text(const struct lt_setting *s, char *buf, size_t size);

const char *lt_reset_name(enum lt_reset r);

/* The cache of winners: one line per machine and test in
 * $LITMUS_TUNE_CACHE, else $XDG_CACHE_HOME/memlab/litmus-tune, else
 * ~/.cache/memlab/litmus-tune.  The key names the CPU model, its count of
 * CPUs and the test's name and text hash, so a changed test is tuned again.
 * LITMUS_TUNE_CACHE=off disables it.  A line holds a search's state: the
 * winner when it is done; when a run (a short one, a busy machine) cut it,
 * the best setting so far and the measurements of the step it was in, and
 * the next run goes on from there.  Lookups return false when there is
 * nothing usable; stores are best effort (a read-only home is no error). */
void lt_tune_key(char *buf, size_t size, const char *test_name, const char *test_text);
bool lt_tune_cache_get(const char *key, struct lt_tune_state *st);
void lt_tune_cache_put(const char *key, const struct lt_tune_state *st);

#endif
