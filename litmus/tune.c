/* tune.c: a short coordinate search over the runner's settings, and the per-machine cache of its state.
 *
 * Why a search: how often a reordering shows depends on the machine (line
 * size, store-buffer drain time, prefetchers, SMT) and on the test's shape;
 * a setting that doubles SB's rate on one CPU halves it on another.  Why a
 * coordinate search: one setting at a time, from the best so far, finds the
 * best of a full sweep's ~400 points in ~40 measurements.  The settings do
 * interact (R shows its reordering 15 times as often with big shuffled
 * batches; stride 32 pays for SB only when shuffled), so the search starts
 * from the best of a few far-apart settings (a screen), then searches the
 * period and the reset side together (SB+rfi-pos on the VM: reset by the
 * reader, it peaked at 30 ns with 6.5 M witnesses/s; reset by the writer, at
 * 74 ns with 3.1 M, and at 74 ns the two sides were alike, so a search that
 * took them one at a time stayed on the writer's peak), then the layout
 * (stride and shuffling together: SB+rfi-pos gains 30 % from shuffling at
 * stride 32 and loses 10 % from it at stride 16), the period again in finer
 * steps, the reset side and the layout again, and the batch size last.
 *
 * What the measurements are like (a 2-core EPYC VM, SB): the share of a
 * batch's instances that are witnesses varies from batch to batch with a
 * standard deviation of 45 % of its mean, whatever the batch size (250 or
 * 4000), and one batch says nothing about the next (their correlation is
 * 0.0): inside a batch the threads fall in and out of step in stretches of
 * hundreds of instances.  So what a value's rate is worth depends on how many
 * batches measured it, not how many instances: each value of a step runs
 * QUOTA batches, and every step but the last runs MEASURE_BATCH-instance
 * batches (the batch size is chosen last, among values measured with as many
 * batches each: 4000-instance batches are 16 times dearer than 250's).  On
 * the VM, what pays at 1000 pays at 4000 too; with 250-instance batches
 * shuffling paid less, and on an earlier day not at all for R.
 *
 * A step's race is decided by statistics, not by the highest number: a value
 * replaces the best so far only if it is faster by SWITCH_Z standard errors
 * of the difference, and a value DROP_Z errors below the leader leaves the
 * race early.  Following every lucky winner, a search of 12 steps ended for
 * SB anywhere from 0.3 to 1.0 x the best, since each step moved on noise.
 *
 * Noise from the machine: the load of a shared machine changes within
 * milliseconds, and a preempted batch takes a time slice (milliseconds)
 * instead of microseconds.  So the values of one step are measured
 * interleaved, a few batches of each in turn, as a sweep should be: a change
 * of load hits all of them alike; and a batch that took more than STALL times
 * a value's fastest per instance (preempted) is left out.  A step cut by the
 * end of a run keeps its measurements: the next run goes on with them (the
 * cache holds them), so a search spans runs without measuring anything twice.
 */
#include "litmus/tune.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "locks/sys.h"

/* The order of the search (see above). */
enum { LAYOUT = LT_TUNE_STRIDE | LT_TUNE_SHUFFLE, PACE = LT_TUNE_PERIOD | LT_TUNE_RESET };
static const unsigned order[] = {LT_TUNE_ALL,   PACE,   LAYOUT,       LT_TUNE_PERIOD,
                                 LT_TUNE_RESET, LAYOUT, LT_TUNE_BATCH};
enum { NSTEPS = sizeof order / sizeof order[0] };
_Static_assert((int)NSTEPS == (int)LT_TUNE_STEPS, "tune.h's LT_TUNE_STEPS counts the search's steps");

/* Measured batches per value in a step; at least FEW_BLOCKS blocks before a
 * value may drop out; a block is one warm-up batch and BLOCK measured ones (the
 * warm-up: a batch's rate depends on the cache state the batch before it
 * left; a run repeats one setting, so a value is measured after itself). */
enum { QUOTA = LT_TUNE_QUOTA, FEW_BLOCKS = 4, BLOCK = 2, STALL = 4, MEASURE_BATCH = 1000 };
/* A value whose rate lies DROP_Z standard errors below the leader's leaves the race. */
#define DROP_Z 3.0
/* A value must beat the best so far by SWITCH_Z standard errors of the difference, and by MARGIN, to replace it. */
#define SWITCH_Z 1.0
#define MARGIN 1.03
/* A close call (the best challenger ahead by MARGIN, but by fewer than
 * SWITCH_Z errors): it and the best so far run on, to EXTENDED batches each,
 * before the step is decided; once begun, to the end (stopping as soon as the
 * two lie SWITCH_Z errors apart would decide on whichever stretch of noise
 * first crossed the line: test_tune's changing load moved a search to a
 * worse stride that way). */
enum { EXTENDED = 2 * QUOTA };

/* Periods: back to back, then multiples of an instance's cost from 0.7 to
 * 8, each sqrt(2) times the last, and at least MIN_UNIT ns (a body that costs
 * less than that is mostly the timebase read).  The cost is measured back to
 * back, where the threads fight over the same lines or not as they happen
 * to fall in step: SB+rfi-pos measured 20, 27 and 50 ns in three runs on the
 * VM, while its best period was 40 ns in all of them; so the grid is wide
 * and even on a log scale, and the later period step tries FINE and
 * 2 x FINE either side of the best. */
static const double period_factors[] = {0, 0.707, 1.0, 1.414, 2.0, 2.828, 4.0, 5.657, 8.0};
_Static_assert(2 * sizeof period_factors / sizeof period_factors[0] + 1 <= LT_TUNE_VALUES,
               "the period and reset step holds both sides' periods and the best so far");
enum { MIN_UNIT = 20 };
#define FINE 0.15
static const long batches[] = {250, 500, 1000, 2000, LT_TUNE_MAX_BATCH};

/* The screen's settings, far apart in period (in units of an instance's
 * cost), shuffling and reset side, one of them with a stride of two lines;
 * measured with MEASURE_BATCH-instance batches.  A coordinate search from the untuned
 * setting can stay in its basin when settings pay only together. */
static const struct {
    double period;
    bool shuffle;
    enum lt_reset reset;
    int lines;  /* stride, in cache lines */
} screen[] = {
    {1.5, true, LT_RESET_WRITER, 2}, {1.5, true, LT_RESET_READER, 1}, {2.0, false, LT_RESET_WRITER, 1},
    {1.0, false, LT_RESET_READER, 1}, {0, false, LT_RESET_WRITER, 1},   {3.0, true, LT_RESET_READER, 1},
};

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

static void add_period(struct lt_tuner *tu, const struct lt_setting *from, double ns)
{
    struct lt_setting v = *from;
    v.period = ns <= 0 ? 0 : ns < MIN_UNIT ? MIN_UNIT : (long)(ns + 0.5);
    add_value(tu, &v);
}

/* The values of this step: the best so far first, then the alternatives of
 * its setting.  Until the batch step, the values are measured with
 * MEASURE_BATCH-instance batches when the batch size is free. */
static void step_values(struct lt_tuner *tu)
{
    tu->nvals = 0;
    struct lt_setting v = tu->best;
    if ((tu->free & LT_TUNE_BATCH) && order[tu->step] != LT_TUNE_BATCH)
        v.batch = MEASURE_BATCH;
    add_value(tu, &v);
    double unit = (double)tu->cost;
    switch (order[tu->step]) {
    case LT_TUNE_ALL:
        for (size_t k = 0; k < sizeof screen / sizeof screen[0]; k++) {
            struct lt_setting s = v;
            if (tu->free & LT_TUNE_PERIOD)
                s.period = screen[k].period <= 0 ? 0 : (long)(fmax(screen[k].period * unit, MIN_UNIT) + 0.5);
            if (tu->free & LT_TUNE_SHUFFLE)
                s.shuffle = screen[k].shuffle;
            if (tu->free & LT_TUNE_RESET)
                s.reset = screen[k].reset;
            if (tu->free & LT_TUNE_STRIDE)
                s.stride = screen[k].lines * CACHE_LINE / (long)sizeof(int);
            add_value(tu, &s);
        }
        break;
    case PACE: /* the coarse periods, for each reset side (the ones free) */
        for (int r = LT_RESET_READER; r <= LT_RESET_WRITER; r++) {
            struct lt_setting p = v;
            if (tu->free & LT_TUNE_RESET)
                p.reset = (enum lt_reset)r;
            else if (r != LT_RESET_READER)
                break;
            if (!(tu->free & LT_TUNE_PERIOD)) {
                add_value(tu, &p);
                continue;
            }
            for (size_t i = 0; i < sizeof period_factors / sizeof period_factors[0]; i++)
                add_period(tu, &p, period_factors[i] * unit);
        }
        break;
    case LT_TUNE_PERIOD: /* finer, around the best */
        if (v.period > 0)
            for (int k = -2; k <= 2; k++)
                if (k != 0)
                    add_period(tu, &v, (double)v.period * (1 + k * FINE));
        break;
    case LT_TUNE_BATCH:
        for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
            v.batch = batches[i];
            add_value(tu, &v);
        }
        break;
    case LAYOUT:
        for (int sh = 0; sh < 2; sh++)
            for (long st = CACHE_LINE / (long)sizeof(int); st <= LT_TUNE_MAX_STRIDE; st *= 2) {
                struct lt_setting l = v;
                if (tu->free & LT_TUNE_SHUFFLE)
                    l.shuffle = sh;
                if (tu->free & LT_TUNE_STRIDE)
                    l.stride = st;
                add_value(tu, &l);
            }
        break;
    case LT_TUNE_RESET:
        for (int r = LT_RESET_READER; r <= LT_RESET_FIRST; r++) {
            v.reset = (enum lt_reset)r;
            add_value(tu, &v);
        }
        break;
    }
}

/* Run value i for a block: one batch to warm up, then BLOCK measured. */
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
        start_block(tu, 0);
        return;
    }
    tu->done = true;
    tu->complete = true;
    tu->cur = tu->best;
}

void lt_tuner_start(struct lt_tuner *tu, const struct lt_setting *start, unsigned free, long cost,
                    const struct lt_tune_state *resume, uint64_t budget_ns, long budget_instances)
{
    memset(tu, 0, sizeof *tu);
    tu->rng = 0x9e3779b97f4a7c15u;
    tu->free = free & LT_TUNE_ALL;
    tu->cost = resume && resume->cost > 0 ? resume->cost : cost > 0 ? cost : 1;
    tu->budget_ns = budget_ns;
    tu->budget_instances = budget_instances;
    tu->best = tu->cur = *start;
    tu->step = resume && resume->position > 0 && resume->position <= LT_TUNE_END ? resume->position : 0;
    long biggest = start->batch > LT_TUNE_MAX_BATCH ? start->batch : LT_TUNE_MAX_BATCH;
    if (budget_instances < LT_TUNE_MIN_BUDGET / LT_TUNE_MAX_BATCH * biggest) { /* too few batches to rank anything */
        tu->done = true;
        return;
    }
    int step = tu->step;
    begin_step(tu);
    /* The step the last run was cut in: its measurements so far, if the
     * values are the same (built from the same best and cost: options that
     * fix a setting the last run searched make other values). */
    if (resume && !tu->done && tu->step == step && resume->nvals == tu->nvals && same(&tu->best, &resume->best)) {
        memcpy(tu->samples, resume->samples, sizeof tu->samples);
        start_block(tu, 0);
    }
}

int lt_tuner_position(const struct lt_tuner *tu)
{
    return tu->complete ? LT_TUNE_END : tu->step;
}

void lt_tuner_state(const struct lt_tuner *tu, struct lt_tune_state *st)
{
    memset(st, 0, sizeof *st);
    st->best = tu->best;
    st->position = lt_tuner_position(tu);
    if (tu->complete)
        return;
    st->cost = tu->cost;
    st->nvals = tu->nvals;
    memcpy(st->samples, tu->samples, sizeof st->samples);
}

/* Count a measured batch into the value's current block: its witnesses (a
 * test whose condition never shows counts a thousandth of a witness per
 * instance, so it is tuned for speed: more chances to see a forbidden state)
 * and its time, unless it took more than STALL times the value's fastest
 * batch per instance: a preemption costs a time slice (milliseconds), a
 * batch 10 to 500 microseconds, and beside two CPU-burning processes many
 * batches of 4000 are preempted.  The warm-up batches count towards the
 * fastest too (measured = false), so a value whose first measured batch is
 * preempted does not take it as its standard; and if a batch is STALL times
 * faster than every one before it, those were all preempted: they go. */
static void add_sample(struct lt_tune_samples *sm, double instances, double witnesses, double ns, bool measured)
{
    if (instances <= 0 || ns <= 0)
        return;
    double per = ns / instances;
    if (sm->fastest > 0 && per > STALL * sm->fastest)
        return;
    if (sm->fastest > 0 && per * STALL < sm->fastest) {
        int n = sm->n;
        memset(sm, 0, sizeof *sm);
        sm->n = n; /* the batches still count towards the value's quota */
    }
    if (sm->fastest == 0 || per < sm->fastest)
        sm->fastest = per;
    if (!measured)
        return;
    sm->n++;
    sm->inst += instances;
    sm->pw += witnesses + 1e-3 * instances;
    sm->pt += ns;
}

/* The block ended: add it to the sums. */
static void end_block(struct lt_tune_samples *sm)
{
    if (sm->pt <= 0)
        return;
    sm->blocks++;
    sm->w += sm->pw;
    sm->t += sm->pt;
    sm->ww += sm->pw * sm->pw;
    sm->wt += sm->pw * sm->pt;
    sm->tt += sm->pt * sm->pt;
    sm->pw = sm->pt = 0;
}

/* A value's witnesses per second, and the standard error of that rate: the
 * ratio of sums, with the error of a ratio estimator over blocks (how far
 * each block's witnesses lie from what the rate predicts for its time).  The
 * unit is the block, not the batch: the machine changes mood for a few
 * hundred microseconds at a time (on the VM, one setting caught 45 % of
 * SB+rfi-pos's instances in one step and 12 % in the next, a millisecond
 * later), so the batches of one block are not independent of each other.
 * With fewer than two blocks the error is as large as the rate: nothing is
 * known. */
struct value_rate {
    double rate, se;
    int blocks;
};

static struct value_rate value_rate(const struct lt_tune_samples *sm)
{
    struct value_rate v = {0, 0, sm->blocks};
    if (sm->t <= 0)
        return v;
    double r = sm->w / sm->t; /* witnesses per ns */
    double dev = sm->ww - 2 * r * sm->wt + r * r * sm->tt;
    v.rate = r * 1e9;
    v.se = sm->blocks >= 2 ? sqrt((dev > 0 ? dev : 0) * sm->blocks / (sm->blocks - 1)) / sm->t * 1e9 : v.rate;
    return v;
}

/* How far apart two rates are, in standard errors of their difference. */
static double z_apart(const struct value_rate *hi, const struct value_rate *lo)
{
    double se = sqrt(hi->se * hi->se + lo->se * lo->se);
    return se > 0 ? (hi->rate - lo->rate) / se : hi->rate > lo->rate ? INFINITY : 0;
}

/* The step's values' rates and errors (rates() fills them in), and its
 * leader: the value with the highest rate among those with at least
 * FEW_BLOCKS blocks (-1: none yet). */
struct step_rates {
    struct value_rate v[LT_TUNE_VALUES];
    int lead;
};

/* Value i is out of the race: it has run a few blocks and the leader's
 * rate is DROP_Z standard errors above its own (a clear loser gives its
 * batches to the values still in the race). */
static bool dropped(const struct step_rates *sr, int i)
{
    const struct value_rate *v = sr->v;
    return sr->lead >= 0 && sr->lead != i && v[i].blocks >= FEW_BLOCKS && z_apart(&v[sr->lead], &v[i]) > DROP_Z;
}

/* Value i needs no more batches: it has run its QUOTA, or it is out of the race. */
static bool measured(const struct lt_tuner *tu, const struct step_rates *sr, int i)
{
    return tu->samples[i].n >= QUOTA || dropped(sr, i);
}

/* The step's best challenger: the value other than the best so far (value
 * 0) with the best rate less its error (of two values alike, the steadier: on
 * the VM back to back caught as much as the best period inside a search, but
 * whole runs of it swung between 5 and 9 M witnesses/s from one run to the
 * next); 0 if it does not beat the best so far on that count too. */
static int challenger(const struct lt_tuner *tu, const struct step_rates *sr)
{
    const struct value_rate *vr = sr->v;
    int win = 1;
    for (int i = 2; i < tu->nvals; i++)
        if (vr[i].rate - vr[i].se > vr[win].rate - vr[win].se)
            win = i;
    return win < tu->nvals && vr[win].rate - vr[win].se > vr[0].rate - vr[0].se ? win : 0;
}

/* The challenger wins the step: faster by MARGIN and by SWITCH_Z standard
 * errors of the difference. */
static bool clear_win(const struct step_rates *sr, int win)
{
    const struct value_rate *vr = sr->v;
    return win != 0 && vr[win].rate > vr[0].rate * MARGIN && z_apart(&vr[win], &vr[0]) > SWITCH_Z;
}

/* Whether the challenger is ahead by MARGIN but not clearly: with a load
 * that comes and goes, 24 batches each left a 1.7 x better batch size
 * measured 1.2 x ahead, under one error (test_tune's changing load), and the
 * search kept the worse one; twice the batches halve the variance. */
static bool close_call(const struct step_rates *sr, int win)
{
    return win != 0 && !clear_win(sr, win) && sr->v[win].rate > sr->v[0].rate * MARGIN;
}

/* Every value's rate and error so far, and the leader.  A value's own error
 * rests on a few blocks, and a few blocks can agree by chance (all four in a
 * bad stretch of the machine: an error of zero, and a good value dropped); so no value's
 * error is taken as smaller than what the spread of all the step's blocks
 * says a value with its blocks has (the pooled variance of a block's rate,
 * relative to its value's rate). */
static void rates(const struct lt_tuner *tu, struct step_rates *sr)
{
    struct value_rate *vr = sr->v;
    double pooled = 0, df = 0;
    sr->lead = -1;
    for (int i = 0; i < tu->nvals; i++) {
        vr[i] = value_rate(&tu->samples[i]);
        if (vr[i].blocks >= 2 && vr[i].rate > 0) {
            double rel = vr[i].se / vr[i].rate;
            pooled += rel * rel * vr[i].blocks * (vr[i].blocks - 1);
            df += vr[i].blocks - 1;
        }
        if (vr[i].blocks >= FEW_BLOCKS && (sr->lead < 0 || vr[i].rate > vr[sr->lead].rate))
            sr->lead = i;
    }
    if (df <= 0)
        return;
    pooled /= df;
    for (int i = 0; i < tu->nvals; i++)
        if (vr[i].blocks >= 2)
            vr[i].se = fmax(vr[i].se, vr[i].rate * sqrt(pooled / vr[i].blocks));
}

/* LITMUS_TUNE_TRACE set: each step's values and rates on stderr, to see why the search chose what it did. */
static void trace_step(const struct lt_tuner *tu, const struct step_rates *sr, int win, bool moved)
{
    const struct value_rate *vr = sr->v;
    for (int i = 0; i < tu->nvals; i++) {
        const struct lt_tune_samples *sm = &tu->samples[i];
        char text[160];
        lt_setting_text(&tu->vals[i], text, sizeof text);
        fprintf(stderr, "litmus tune: step %d %c %-62s %7.3f ± %5.3f M witnesses/s, %6.1f %% in %3d batches%s\n",
                tu->step, i == win && moved ? '*' : i == 0 ? '=' : ' ', text, vr[i].rate / 1e6, vr[i].se / 1e6,
                sm->inst > 0 ? 100 * (sm->w - 1e-3 * sm->inst) / sm->inst : 0, sm->n,
                dropped(sr, i) ? ", dropped" : "");
    }
}

/* The challenger replaces the best so far if it wins clearly; then on to the next step. */
static void decide(struct lt_tuner *tu, const struct step_rates *sr)
{
    int win = challenger(tu, sr);
    bool moved = clear_win(sr, win);
    tu->tried += tu->nvals;
    if (getenv("LITMUS_TUNE_TRACE"))
        trace_step(tu, sr, win, moved);
    if (moved)
        tu->best = tu->vals[win];
    tu->step++;
}

/* The next value to run a block: one still short of its measure, among
 * those with the fewest batches, at random (a fixed turn could fall in step
 * with a load that comes and goes, and give one value all the slow
 * stretches); -1 when the race is over: every value has its measure, or only
 * one is left in it. */
static int next_value(struct lt_tuner *tu, const struct step_rates *sr)
{
    int in = 0, fewest = -1, ties = 0, pick = -1, open = 0, on = 0;
    for (int i = 0; i < tu->nvals; i++) {
        in += !dropped(sr, i);
        open += !measured(tu, sr, i);
        on += tu->samples[i].n > QUOTA; /* a close call's run on has begun */
    }
    if (in <= 1)
        return -1;
    int win = challenger(tu, sr);
    bool extend = !open && (on > 0 || close_call(sr, win));
    for (int i = 0; i < tu->nvals; i++) {
        bool runs_on = i == 0 || i == win || tu->samples[i].n > QUOTA;
        if (extend ? !runs_on || tu->samples[i].n >= EXTENDED || dropped(sr, i) : measured(tu, sr, i))
            continue;
        int n = tu->samples[i].n;
        if (fewest < 0 || n < fewest) {
            fewest = n;
            ties = 0;
        }
        if (n == fewest && xorshift64(&tu->rng) % (uint64_t)++ties == 0)
            pick = i; /* each of the ties kept with equal chance */
    }
    return pick;
}

void lt_tuner_batch(struct lt_tuner *tu, long instances, uint64_t witnesses, uint64_t ns)
{
    if (tu->done)
        return;
    tu->used_ns += ns;
    tu->used_instances += instances;
    struct lt_tune_samples *sm = &tu->samples[tu->at];
    bool counted = !tu->warming;
    add_sample(sm, (double)instances, (double)witnesses, (double)ns, counted);
    tu->warming = false;
    /* A block ends early where a quota is reached (not on the warm-up of a
     * value that has its QUOTA already and runs on in a close call) */
    if (--tu->block <= 0 || (counted && (sm->n == QUOTA || sm->n >= EXTENDED))) {
        end_block(sm);
        struct step_rates sr;
        rates(tu, &sr);
        int next = next_value(tu, &sr);
        if (next < 0) {
            decide(tu, &sr);
            begin_step(tu);
        } else {
            start_block(tu, next);
        }
    } /* else the block goes on with the same value */
    if (!tu->done && (tu->used_ns >= tu->budget_ns || tu->used_instances >= tu->budget_instances)) {
        /* Cut: lt_tuner_state hands the step's measurements to the next
         * run; the rest of this one runs the step's leader so far (the
         * first runs of a search would otherwise run the untuned setting). */
        end_block(&tu->samples[tu->at]);
        struct step_rates sr;
        rates(tu, &sr);
        tu->done = true;
        tu->cur = sr.lead >= 0 ? tu->vals[sr.lead] : tu->best;
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

/* One line: KEY, the best setting (period batch stride shuffle reset), the
 * position, the cost and the count of values the step measured, then each
 * value's sums (n blocks inst w t ww wt tt fastest). */
enum { LINE = 8192 };

static bool parse_line(const char *line, const char *key, struct lt_tune_state *st)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0 || line[k] != ' ')
        return false;
    struct lt_tune_state s;
    memset(&s, 0, sizeof s);
    long period, batch, stride;
    int shuffle, reset, used;
    const char *p = line + k + 1;
    if (sscanf(p, "%ld %ld %ld %d %d %d %ld %d%n", &period, &batch, &stride, &shuffle, &reset, &s.position, &s.cost,
               &s.nvals, &used) != 8 ||
        s.position < 0 || s.position > LT_TUNE_END || s.cost < 0 || s.nvals < 0 || s.nvals > LT_TUNE_VALUES)
        return false;
    if (period < 0 || period > 2000000 || batch < 1 || batch > LT_TUNE_MAX_BATCH || stride < 1 ||
        stride > LT_TUNE_MAX_STRIDE || (shuffle != 0 && shuffle != 1) || reset < LT_RESET_READER ||
        reset > LT_RESET_FIRST)
        return false;
    s.best = (struct lt_setting){period, batch, stride, shuffle, (enum lt_reset)reset};
    p += used;
    for (int i = 0; i < s.nvals; i++) {
        struct lt_tune_samples *sm = &s.samples[i];
        if (sscanf(p, "%d %d %lf %lf %lf %lf %lf %lf %lf%n", &sm->n, &sm->blocks, &sm->inst, &sm->w, &sm->t, &sm->ww,
                   &sm->wt, &sm->tt, &sm->fastest, &used) != 9 ||
            sm->n < 0 || sm->blocks < 0 || !(sm->inst >= 0 && sm->w >= 0 && sm->t >= 0 && sm->ww >= 0 && sm->tt >= 0 &&
                           sm->fastest >= 0))
            return false;
        p += used;
    }
    *st = s;
    return true;
}

bool lt_tune_cache_get(const char *key, struct lt_tune_state *st)
{
    char path[4096];
    if (!cache_path(path, sizeof path, false))
        return false;
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char *line = malloc(LINE);
    bool found = false;
    while (line && fgets(line, LINE, f))
        found |= parse_line(line, key, st); /* the last line for a key wins */
    free(line);
    fclose(f);
    return found;
}

/* Rewrite the file without key's old lines, then append the new one, through
 * a temporary file renamed over it: a reader never sees half a file. */
void lt_tune_cache_put(const char *key, const struct lt_tune_state *st)
{
    char path[4096], tmp[4200];
    if (!cache_path(path, sizeof path, true))
        return;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    char *line = malloc(LINE);
    FILE *out = line ? fopen(tmp, "w") : NULL;
    if (!out) {
        free(line);
        return;
    }
    FILE *in = fopen(path, "r");
    size_t k = strlen(key);
    int kept = 0;
    while (in && fgets(line, LINE, in) && kept < 4000) {
        if (strncmp(line, key, k) == 0 && line[k] == ' ')
            continue;
        fputs(line, out);
        kept++;
    }
    if (in)
        fclose(in);
    free(line);
    const struct lt_setting *s = &st->best;
    fprintf(out, "%s %ld %ld %ld %d %d %d %ld %d", key, s->period, s->batch, s->stride, s->shuffle ? 1 : 0,
            (int)s->reset, st->position, st->cost, st->nvals);
    for (int i = 0; i < st->nvals; i++) {
        const struct lt_tune_samples *sm = &st->samples[i];
        fprintf(out, " %d %d %.17g %.17g %.17g %.17g %.17g %.17g %.17g", sm->n, sm->blocks, sm->inst, sm->w, sm->t,
                sm->ww, sm->wt, sm->tt, sm->fastest);
    }
    fputc('\n', out);
    if (fclose(out) != 0 || rename(tmp, path) != 0)
        unlink(tmp);
}
