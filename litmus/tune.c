/* tune.c: a short coordinate search over the runner's settings, and the per-machine cache of its winners.
 *
 * Why a search: how often a reordering shows depends on the machine (line
 * size, store-buffer drain time, prefetchers, SMT) and on the test's shape;
 * a setting that doubles SB's rate on one CPU halves it on another.  Why a
 * coordinate search: one setting at a time, from the best so far, finds the
 * best of a full sweep's ~400 points in ~50 measurements.  The settings do
 * interact (R shows its reordering 15 times as often with big shuffled
 * batches, and its best period moves with them), so the search starts from
 * the best of a few far-apart settings and makes two passes: period, batch,
 * shuffle, reset side, stride, then period, shuffle, reset side, stride and
 * batch again from where the first pass ended.
 *
 * The period's landscape has narrow peaks: on one 2-core EPYC VM, SB showed
 * in 28 % of instances at a 40 ns period, in 12 % at 25 ns and 9 % at 50 ns.  So the
 * period values are dense between one and two instance costs (where the
 * threads stop running back to back) and the second pass adds points on
 * either side of the best.
 *
 * Noise: the load of a shared machine changes within milliseconds, and a
 * preempted batch takes a time slice (milliseconds) instead of microseconds.
 * So the values of one step are measured interleaved, one batch of each in
 * turn, as a sweep should be: a change of load hits all of them alike.  A
 * value's batches that took more than 4 times its fastest per instance
 * (preempted) are left out of its rate.  And one batch says little: on that
 * VM a batch's share of witnesses is close to all or close to none (the
 * threads stay in one of two modes for hundreds of instances), so each value
 * runs a share of the budget (many batches), and a clear loser drops out
 * after a few to leave its batches to the others.
 */
#include "litmus/tune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "locks/sys.h"

/* The order of the search: a screen of a few far-apart settings (LT_TUNE_ALL)
 * picks where to start, then two passes (see above), then the screen again
 * against where the passes ended.  That last step is a guard: each step
 * keeps a value that won one noisy race, and a search can drift (SB, once
 * in four searches on a quiet machine, ended on a setting with 0.3 x the
 * witnesses of the best); a far-apart setting that beats the end point in
 * a race of its own sends the search back to ground it has already
 * measured as good. */
static const unsigned order[] = {LT_TUNE_ALL,     LT_TUNE_PERIOD, LT_TUNE_BATCH, LT_TUNE_SHUFFLE,
                                 LT_TUNE_RESET,   LT_TUNE_STRIDE, LT_TUNE_PERIOD, LT_TUNE_SHUFFLE,
                                 LT_TUNE_RESET,   LT_TUNE_STRIDE, LT_TUNE_BATCH,  LT_TUNE_ALL};
enum { NSTEPS = sizeof order / sizeof order[0], SECOND_PASS = 6, MIN_BATCHES = 2, FEW_BATCHES = 4, STALL = 4, BLOCK = 2 };
/* A value that catches less than this share of the leader's rate after FEW_BATCHES drops out of its step. */
#define DROP 0.3
/* A step runs a QUOTA-th of the budget (so most steps fit in what is left of a run). */
#define QUOTA 2
_Static_assert((int)NSTEPS == (int)LT_TUNE_STEPS, "tune.h's LT_TUNE_STEPS counts the search's steps");

/* A value must beat the best so far by this much to replace it. */
#define MARGIN 1.03

/* Periods as multiples of an instance's cost (at least MIN_UNIT ns: a body
 * that costs less than that is mostly the timebase read): back to back, then
 * from one cost (below it the threads run back to back anyway) to six; the
 * second pass adds points FINE and 2 x FINE on either side of its best. */
static const double period_factors[] = {0, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0};
enum { MIN_UNIT = 20 };
#define FINE 0.15
/* The first pass spans the batch sizes, the second fills them in. */
static const long batches[] = {250, 1000, LT_TUNE_MAX_BATCH, 500, 2000};
enum { FIRST_PASS_BATCHES = 3 };

static bool same(const struct lt_setting *a, const struct lt_setting *b)
{
    return a->period == b->period && a->batch == b->batch && a->stride == b->stride && a->shuffle == b->shuffle &&
           a->reset == b->reset;
}

/* Add v to the step's values unless it is there already or they are full. */
static void add_value(struct lt_tuner *tu, const struct lt_setting *v)
{
    for (int i = 0; i < tu->nvals; i++)
        if (same(&tu->vals[i], v))
            return;
    if (tu->nvals < LT_TUNE_VALUES)
        tu->vals[tu->nvals++] = *v;
}

static void add_period(struct lt_tuner *tu, double ns)
{
    struct lt_setting v = tu->best;
    v.period = (long)(ns + 0.5);
    add_value(tu, &v);
}

/* The screen's settings, far apart in every setting but the stride: period
 * (in units of an instance's cost), batch, shuffled, reset side.  A
 * coordinate search from the untuned setting can stay in its basin when
 * the settings pay only together (R: shuffling with big batches). */
static const struct {
    double period;
    long batch;
    bool shuffle;
    enum lt_reset reset;
} screen[] = {
    {1.5, 1000, true, LT_RESET_WRITER}, {2.0, LT_TUNE_MAX_BATCH, true, LT_RESET_READER},
    {1.0, 250, false, LT_RESET_WRITER}, {0, 1000, false, LT_RESET_READER},
    {3.0, LT_TUNE_MAX_BATCH, false, LT_RESET_WRITER},
};

/* A screen setting, on the settings this search may change. */
static void add_screen(struct lt_tuner *tu, size_t k, double unit)
{
    struct lt_setting v = tu->best;
    if (tu->free & LT_TUNE_PERIOD)
        v.period = (long)(screen[k].period * unit + 0.5);
    if (tu->free & LT_TUNE_BATCH)
        v.batch = screen[k].batch;
    if (tu->free & LT_TUNE_SHUFFLE)
        v.shuffle = screen[k].shuffle;
    if (tu->free & LT_TUNE_RESET)
        v.reset = screen[k].reset;
    add_value(tu, &v);
}

/* The values of this step: the best so far first, then the alternatives of its setting. */
static void step_values(struct lt_tuner *tu)
{
    tu->nvals = 0;
    add_value(tu, &tu->best);
    struct lt_setting v = tu->best;
    double unit = (double)(tu->cost > MIN_UNIT ? tu->cost : MIN_UNIT);
    switch (order[tu->step]) {
    case LT_TUNE_ALL:
        for (size_t k = 0; k < sizeof screen / sizeof screen[0]; k++)
            add_screen(tu, k, unit);
        break;
    case LT_TUNE_PERIOD:
        if (tu->step >= SECOND_PASS && tu->best.period > 0)
            for (int k = -2; k <= 2; k++)
                if (k != 0)
                    add_period(tu, (double)tu->best.period * (1 + k * FINE));
        for (size_t i = 0; i < sizeof period_factors / sizeof period_factors[0]; i++)
            add_period(tu, period_factors[i] * unit);
        break;
    case LT_TUNE_BATCH:
        for (size_t i = 0; i < (tu->step >= SECOND_PASS ? sizeof batches / sizeof batches[0] : FIRST_PASS_BATCHES); i++) {
            v.batch = batches[i];
            add_value(tu, &v);
        }
        break;
    case LT_TUNE_SHUFFLE:
        v.shuffle = !v.shuffle;
        add_value(tu, &v);
        break;
    case LT_TUNE_RESET:
        for (int r = LT_RESET_READER; r <= LT_RESET_FIRST; r++) {
            v.reset = (enum lt_reset)r;
            add_value(tu, &v);
        }
        break;
    case LT_TUNE_STRIDE:
        for (long s = CACHE_LINE / (long)sizeof(int); s <= LT_TUNE_MAX_STRIDE; s *= 2) {
            v.stride = s;
            add_value(tu, &v);
        }
        break;
    }
}

/* Run value i for a block: one batch to warm up, then BLOCK measured.  A
 * batch's rate depends on the batch before it: one of 4000 instances 64
 * ints apart leaves the caches cold for the next, which then catches more
 * (in a step over the stride, SB+rfi-pos caught twice as many witnesses
 * per second with stride 16 right after stride 64 as with stride 32 right
 * after 16, the reverse of what whole runs of each show).  A run repeats
 * one setting, so a value is measured after a batch of itself. */
static void start_block(struct lt_tuner *tu, int i)
{
    tu->at = i;
    tu->cur = tu->vals[i];
    tu->warming = true;
    tu->block = BLOCK + 1;
}

/* Begin the next step that has something to compare, from tu->step on; or end. */
static void begin_step(struct lt_tuner *tu)
{
    for (; tu->step < NSTEPS; tu->step++) {
        if (!(tu->free & order[tu->step]))
            continue;
        step_values(tu);
        if (tu->nvals < 2)
            continue;
        memset(tu->samples, 0, sizeof tu->samples);
        memset(tu->score, 0, sizeof tu->score);
        /* Batches per value: the step runs a QUOTA-th of the budget. */
        long round = 0;
        for (int i = 0; i < tu->nvals; i++)
            round += tu->vals[i].batch;
        long quota = tu->budget_instances * BLOCK / (QUOTA * round * (BLOCK + 1));
        tu->quota = quota < MIN_BATCHES ? MIN_BATCHES : quota > LT_TUNE_SAMPLES ? LT_TUNE_SAMPLES : (int)quota;
        start_block(tu, 0);
        return;
    }
    tu->done = true;
    tu->complete = true;
    tu->cur = tu->best;
}

void lt_tuner_start(struct lt_tuner *tu, const struct lt_setting *start, unsigned free, long cost, int first,
                    uint64_t budget_ns, long budget_instances)
{
    memset(tu, 0, sizeof *tu);
    tu->free = free & LT_TUNE_ALL;
    tu->cost = cost > 0 ? cost : 1;
    tu->budget_ns = budget_ns;
    tu->budget_instances = budget_instances;
    tu->best = tu->cur = *start;
    tu->step = first < 0 || first > LT_TUNE_END ? 0 : first;
    long biggest = start->batch > LT_TUNE_MAX_BATCH ? start->batch : LT_TUNE_MAX_BATCH;
    if (budget_instances < LT_TUNE_MIN_BUDGET / LT_TUNE_MAX_BATCH * biggest) { /* too few batches to rank anything */
        tu->done = true;
        return;
    }
    begin_step(tu);
    tu->first_step = tu->step;
}

int lt_tuner_position(const struct lt_tuner *tu)
{
    return tu->complete ? LT_TUNE_END : tu->step;
}

/* A value's witnesses per second over its batches, leaving out those that
 * took more than STALL times its fastest batch per instance: a preemption
 * costs a time slice (milliseconds), a batch 10 to 500 microseconds, and
 * beside two CPU-burning processes most batches of 4000 are preempted, so
 * the median batch would be a preempted one.  Instances count a thousandth
 * of a witness, so a test whose condition never shows is tuned for speed
 * (more chances to see a forbidden state). */
static double value_score(const struct lt_tune_samples *sm)
{
    double fastest = 0;
    for (int i = 0; i < sm->n; i++)
        if (sm->inst[i] > 0 && (fastest == 0 || sm->ns[i] / sm->inst[i] < fastest))
            fastest = sm->ns[i] / sm->inst[i];
    double limit = STALL * fastest, wit = 0, ns = 0;
    for (int i = 0; i < sm->n; i++) {
        if (sm->inst[i] <= 0 || sm->ns[i] / sm->inst[i] > limit)
            continue;
        wit += sm->wit[i] + 1e-3 * sm->inst[i];
        ns += sm->ns[i];
    }
    return ns > 0 ? wit / ns * 1e9 : 0;
}

/* Value i needs no more batches: it has run its share, or it has run a few
 * and catches less than DROP x what the leader does (a clear loser gives its
 * batches to the values still in the race).  Every value of a step runs the
 * same number of batches, whatever its batch size: the rate of a value
 * measured in fewer batches is noisier, and the fastest of noisy rates is
 * too often the noisiest. */
static bool measured(const struct lt_tuner *tu, int i)
{
    const struct lt_tune_samples *sm = &tu->samples[i];
    double lead = 0;
    if (sm->n >= tu->quota)
        return true;
    if (sm->n < FEW_BATCHES)
        return false;
    for (int k = 0; k < tu->nvals; k++)
        if (tu->samples[k].n >= FEW_BATCHES && tu->score[k] > lead)
            lead = tu->score[k];
    return tu->score[i] < DROP * lead;
}

/* LITMUS_TUNE_TRACE set: each step's values and rates on stderr, to see why the search chose what it did. */
static void trace_step(const struct lt_tuner *tu, const double *score, int win)
{
    for (int i = 0; i < tu->nvals; i++) {
        const struct lt_tune_samples *sm = &tu->samples[i];
        double inst = 0, wit = 0;
        for (int k = 0; k < sm->n; k++) {
            inst += sm->inst[k];
            wit += sm->wit[k];
        }
        char text[160];
        lt_setting_text(&tu->vals[i], text, sizeof text);
        fprintf(stderr, "litmus tune: step %d %c %-64s %8.3f M witnesses/s, %5.1f %% of %6.0f in %2d batches\n",
                tu->step, i == win ? '*' : i == 0 ? '=' : ' ', text, score[i] / 1e6, inst > 0 ? 100 * wit / inst : 0,
                inst, sm->n);
    }
}

/* Keep the fastest value if it beats the best so far by MARGIN; on to the next step. */
static void decide(struct lt_tuner *tu)
{
    const double *score = tu->score;
    int win = 0;
    for (int i = 0; i < tu->nvals; i++)
        if (score[i] > score[win])
            win = i;
    tu->tried += tu->nvals;
    if (getenv("LITMUS_TUNE_TRACE"))
        trace_step(tu, score, win);
    if (win != 0 && score[win] > score[0] * MARGIN)
        tu->best = tu->vals[win];
    tu->step++;
}

void lt_tuner_batch(struct lt_tuner *tu, long instances, uint64_t witnesses, uint64_t ns)
{
    if (tu->done)
        return;
    tu->used_ns += ns;
    tu->used_instances += instances;
    struct lt_tune_samples *sm = &tu->samples[tu->at];
    if (!tu->warming && sm->n < LT_TUNE_SAMPLES) {
        sm->wit[sm->n] = (double)witnesses;
        sm->ns[sm->n] = (double)ns;
        sm->inst[sm->n] = (double)instances;
        sm->n++;
        tu->score[tu->at] = value_score(sm);
    }
    tu->warming = false;
    if (--tu->block <= 0 || measured(tu, tu->at)) {
        /* The next value still short of its measure, in turn. */
        int next = -1;
        for (int k = 1; k <= tu->nvals && next < 0; k++) {
            int i = (tu->at + k) % tu->nvals;
            if (!measured(tu, i))
                next = i;
        }
        if (next < 0) {
            decide(tu);
            begin_step(tu);
        } else {
            start_block(tu, next);
        }
    } /* else the block goes on with the same value */
    if (!tu->done && (tu->used_ns >= tu->budget_ns || tu->used_instances >= tu->budget_instances)) {
        /* Cut: the next run measures this step again, with the whole of
         * its budget; but a step that had all of this run's budget and did
         * not fit (a slow test) decides on what it has, if every value ran,
         * so the search still moves on. */
        bool all = tu->step == tu->first_step;
        for (int i = 0; i < tu->nvals; i++)
            all &= tu->samples[i].n > 0;
        if (all) {
            decide(tu);
            begin_step(tu);
        }
        tu->done = true;
        tu->cur = tu->best;
    }
}

const char *lt_reset_name(enum lt_reset r)
{
    return r == LT_RESET_WRITER ? "writer" : r == LT_RESET_FIRST ? "first" : "reader";
}

void lt_setting_text(const struct lt_setting *s, char *buf, size_t size)
{
    snprintf(buf, size, "period %ld ns, batch %ld, stride %ld, %s, reset by %s", s->period, s->batch, s->stride,
             s->shuffle ? "shuffled" : "in order", lt_reset_name(s->reset));
}

/* ---- the cache ---- */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3u;
    }
    return h;
}

/* The CPU's model name from /proc/cpuinfo ("model name" on x86-64; aarch64
 * kernels print no name, so the implementer and part numbers stand in). */
static void cpu_model(char *buf, size_t size)
{
    snprintf(buf, size, "%s", ARCH_NAME);
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512], impl[64] = "", part[64] = "";
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        char *v = colon + 1 + strspn(colon + 1, " \t");
        v[strcspn(v, "\n")] = '\0';
        if (strncmp(line, "model name", 10) == 0) {
            snprintf(buf, size, "%s", v);
            break;
        }
        if (strncmp(line, "CPU implementer", 15) == 0)
            snprintf(impl, sizeof impl, "%s", v);
        if (strncmp(line, "CPU part", 8) == 0)
            snprintf(part, sizeof part, "%s", v);
    }
    fclose(f);
    if (impl[0])
        snprintf(buf, size, "%s implementer %s part %s", ARCH_NAME, impl, part);
    for (char *p = buf; *p; p++)
        if (*p == ' ' || *p == '\t' || *p == '|')
            *p = '_';
}

void lt_tune_key(char *buf, size_t size, const char *test_name, const char *test_text)
{
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    snprintf(buf, size, "%s|%dcpus|%s|%016llx", cpu, online_cpus(), test_name,
             (unsigned long long)fnv1a(test_text));
    for (char *p = buf; *p; p++)
        if (*p == ' ' || *p == '\t' || *p == '\n')
            *p = '_';
}

/* The cache file's path, or false when the cache is off or has no home. */
static bool cache_path(char *buf, size_t size, bool make_dirs)
{
    const char *env = getenv("LITMUS_TUNE_CACHE");
    if (env && *env) {
        if (strcmp(env, "off") == 0)
            return false;
        snprintf(buf, size, "%s", env);
        return true;
    }
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char dir[3072];
    if (xdg && *xdg)
        snprintf(dir, sizeof dir, "%s", xdg);
    else if (home && *home)
        snprintf(dir, sizeof dir, "%s/.cache", home);
    else
        return false;
    if (make_dirs)
        mkdir(dir, 0700);
    snprintf(buf, size, "%s/memlab", dir);
    if (make_dirs)
        mkdir(buf, 0700);
    snprintf(buf, size, "%s/memlab/litmus-tune", dir);
    return true;
}

/* One line: KEY period batch stride shuffle reset position. */
static bool parse_line(const char *line, const char *key, struct lt_setting *s, int *position)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0 || line[k] != ' ')
        return false;
    long period, batch, stride;
    int shuffle, reset, done;
    if (sscanf(line + k + 1, "%ld %ld %ld %d %d %d", &period, &batch, &stride, &shuffle, &reset, &done) != 6 ||
        done < 0 || done > LT_TUNE_END)
        return false;
    if (period < 0 || period > 2000000 || batch < 1 || batch > LT_TUNE_MAX_BATCH || stride < 1 ||
        stride > LT_TUNE_MAX_STRIDE || (shuffle != 0 && shuffle != 1) || reset < LT_RESET_READER ||
        reset > LT_RESET_FIRST)
        return false;
    *s = (struct lt_setting){period, batch, stride, shuffle, (enum lt_reset)reset};
    *position = done;
    return true;
}

bool lt_tune_cache_get(const char *key, struct lt_setting *s, int *position)
{
    char path[4096], line[1024];
    if (!cache_path(path, sizeof path, false))
        return false;
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool found = false;
    while (fgets(line, sizeof line, f))
        found |= parse_line(line, key, s, position); /* the last line for a key wins */
    fclose(f);
    return found;
}

/* Rewrite the file without key's old lines, then append the new one, through
 * a temporary file renamed over it: a reader never sees half a file. */
void lt_tune_cache_put(const char *key, const struct lt_setting *s, int position)
{
    char path[4096], tmp[4200], line[1024];
    if (!cache_path(path, sizeof path, true))
        return;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *out = fopen(tmp, "w");
    if (!out)
        return;
    FILE *in = fopen(path, "r");
    size_t k = strlen(key);
    int kept = 0;
    while (in && fgets(line, sizeof line, in) && kept < 4000) {
        if (strncmp(line, key, k) == 0 && line[k] == ' ')
            continue;
        fputs(line, out);
        kept++;
    }
    if (in)
        fclose(in);
    fprintf(out, "%s %ld %ld %ld %d %d %d\n", key, s->period, s->batch, s->stride, s->shuffle ? 1 : 0, (int)s->reset,
            position);
    if (fclose(out) != 0 || rename(tmp, path) != 0)
        unlink(tmp);
}
