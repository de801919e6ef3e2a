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
enum { LT_TUNE_MAX_BATCH = 4000, LT_TUNE_MAX_STRIDE = 64, LT_TUNE_VALUES = 12, LT_TUNE_SAMPLES = 32,
       LT_TUNE_STEPS = 12, LT_TUNE_END = LT_TUNE_STEPS };

/* The least budget a search starts with, in instances: two batches of the
 * biggest size for each value of the biggest step, so every step fits in
 * one run (a run with less searches nothing and keeps the cached setting;
 * a batch bigger than LT_TUNE_MAX_BATCH from the options raises it alike). */
#define LT_TUNE_MIN_BUDGET (2L * LT_TUNE_MAX_BATCH * LT_TUNE_VALUES)

/* One value's batches in the current step. */
struct lt_tune_samples {
    int n;
    double wit[LT_TUNE_SAMPLES], ns[LT_TUNE_SAMPLES], inst[LT_TUNE_SAMPLES];
};

/* A coordinate search: for each free setting in turn, run batches of the
 * best setting so far and of each alternative value of that one setting,
 * interleaved batch by batch, and keep the value that caught the most
 * witnesses per second; two passes (tune.c says why).  The runner calls
 * lt_tuner_batch after every batch run with tu->cur and runs the next batch
 * with tu->cur; when tu->done, tu->best is the winner. */
struct lt_tuner {
    unsigned free;                  /* LT_TUNE_* the search may change */
    long cost;                      /* ns per instance back to back: the period's unit */
    uint64_t budget_ns;             /* the whole search stops after this long */
    long budget_instances;          /* ... or after this many instances */
    struct lt_setting best, cur;
    int step;                       /* index of the step being run (LT_TUNE_STEPS: done) */
    int first_step;                 /* the step this run began in */
    int nvals;                      /* values of this step; vals[0] is the best so far */
    struct lt_setting vals[LT_TUNE_VALUES];
    struct lt_tune_samples samples[LT_TUNE_VALUES];
    double score[LT_TUNE_VALUES];   /* each value's witnesses per second so far */
    int at;                         /* the value cur is */
    int quota;                      /* batches each value of this step runs (measured ones) */
    int block;                      /* batches left in the current value's block */
    bool warming;                   /* the current batch warms up: not measured */
    uint64_t used_ns;
    long used_instances;
    int tried;                      /* values measured, over all steps */
    bool done;
    bool complete;                  /* the search ran to its end (not cut by its budget) */
};

/* Start a search from start (every value valid), over the settings in free,
 * at position first (0: the beginning; lt_tuner_position of a cut search
 * goes on at the step it stopped in); cost is the measured ns per instance
 * with period 0. */
void lt_tuner_start(struct lt_tuner *tu, const struct lt_setting *start, unsigned free, long cost, int first,
                    uint64_t budget_ns, long budget_instances);

/* Where the search is: LT_TUNE_END when complete. */
int lt_tuner_position(const struct lt_tuner *tu);

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
 * LITMUS_TUNE_CACHE=off disables it.  Lookups return false when there is
 * nothing usable; stores are best effort (a read-only home is no error). */
void lt_tune_key(char *buf, size_t size, const char *test_name, const char *test_text);
bool lt_tune_cache_get(const char *key, struct lt_setting *s, int *position);
/* position: how far the search got (LT_TUNE_END: to its end).  A search cut
 * by its budget (a short run, a busy machine) is cached with its position,
 * and the next run goes on from there with the best setting found so far. */
void lt_tune_cache_put(const char *key, const struct lt_setting *s, int position);

#endif
