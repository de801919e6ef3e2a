/* tune.c: a short coordinate search over the runner's settings, and the per-machine cache of its winners.
 *
 * Why a search: how often a reordering shows depends on the machine (line
 * size, store-buffer drain time, prefetchers, SMT) and on the test's shape;
 * a setting that doubles SB's rate on one CPU halves it on another.  Why a
 * coordinate search: the settings interact weakly, so changing one at a time
 * from the best so far (period first, then batch, shuffle, reset side and
 * stride, then the period again, since its best value follows the others)
 * finds the best of a full sweep's ~400 points in ~25 measurements.
 * Noise: each candidate runs for a slice of several batches, and batches
 * that took more than twice the slice's fastest per instance (the threads
 * were preempted) are left out of its rate; the best so far is measured
 * again at the start of each setting, so a change in the machine's load
 * between settings does not favour old or new; and a candidate that beats
 * the best must beat it again in a second pair of slices, so a lull in the
 * machine's load during one slice does not crown it.
 */
#include "litmus/tune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "locks/sys.h"

/* The order of the search; PERIOD twice (see above). */
static const unsigned order[] = {LT_TUNE_PERIOD, LT_TUNE_BATCH, LT_TUNE_SHUFFLE, LT_TUNE_RESET,
                                 LT_TUNE_STRIDE, LT_TUNE_PERIOD};
enum { NDIMS = sizeof order / sizeof order[0], MAX_VALUES = LT_TUNE_VALUES, MIN_BATCHES = 3 };
_Static_assert((int)NDIMS == (int)LT_TUNE_STEPS, "tune.h's LT_TUNE_STEPS counts the search's steps");

/* A candidate must beat the best so far by this much to replace it. */
#define MARGIN 1.03

/* Periods as multiples of an instance's cost (at least MIN_UNIT ns: a body
 * that costs less than that is mostly the timebase read), from back to back
 * to well apart: which wins depends on how long the stores take to drain. */
static const double period_factors[] = {0, 0.5, 1.0, 2.0, 4.0, 8.0};
enum { MIN_UNIT = 20 };
static const long batches[] = {250, 500, 1000, 2000, LT_TUNE_MAX_BATCH};

/* The values of setting dim (an LT_TUNE_* bit) to try, as settings derived from base. */
static int values(const struct lt_tuner *tu, unsigned dim, const struct lt_setting *base, struct lt_setting *out)
{
    int n = 0;
    long line = CACHE_LINE / (long)sizeof(int);
    switch (dim) {
    case LT_TUNE_PERIOD:
        for (size_t i = 0; i < sizeof period_factors / sizeof period_factors[0]; i++) {
            out[n] = *base;
            out[n++].period = (long)(period_factors[i] * (double)(tu->cost > MIN_UNIT ? tu->cost : MIN_UNIT) + 0.5);
        }
        break;
    case LT_TUNE_BATCH:
        for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
            out[n] = *base;
            out[n++].batch = batches[i];
        }
        break;
    case LT_TUNE_SHUFFLE:
        for (int s = 0; s < 2; s++) {
            out[n] = *base;
            out[n++].shuffle = s;
        }
        break;
    case LT_TUNE_RESET:
        for (int r = LT_RESET_READER; r <= LT_RESET_FIRST; r++) {
            out[n] = *base;
            out[n++].reset = (enum lt_reset)r;
        }
        break;
    case LT_TUNE_STRIDE:
        for (long s = line; s <= LT_TUNE_MAX_STRIDE; s *= 2) {
            out[n] = *base;
            out[n++].stride = s;
        }
        break;
    }
    return n;
}

static bool same(const struct lt_setting *a, const struct lt_setting *b)
{
    return a->period == b->period && a->batch == b->batch && a->stride == b->stride && a->shuffle == b->shuffle &&
           a->reset == b->reset;
}

/* Move to the next candidate: the next value of this setting that differs
 * from the best, or the next free setting (its first slice measures the best
 * again), or the end. */
static void advance(struct lt_tuner *tu)
{
    tu->nsamples = 0;
    for (;;) {
        if (tu->dim >= 0 && (tu->free & order[tu->dim])) {
            struct lt_setting vals[MAX_VALUES];
            int n = values(tu, order[tu->dim], &tu->best, vals);
            if (++tu->cand == 0 && tu->resume_cand > 0) { /* the best measured again: skip what was done */
                tu->cand = tu->resume_cand;
                tu->resume_cand = 0;
            }
            for (; tu->cand < n; tu->cand++) {
                if (!same(&vals[tu->cand], &tu->best)) {
                    tu->cur = vals[tu->cand];
                    return;
                }
            }
        }
        if (++tu->dim >= NDIMS) {
            tu->done = true;
            tu->complete = true;
            tu->cur = tu->best;
            return;
        }
        tu->cand = -1;
        if (tu->free & order[tu->dim]) {
            tu->cur = tu->best; /* measure the best so far again first */
            return;
        }
    }
}

void lt_tuner_start(struct lt_tuner *tu, const struct lt_setting *start, unsigned free, long cost, int first,
                    uint64_t budget_ns, long budget_instances)
{
    memset(tu, 0, sizeof *tu);
    tu->free = free & LT_TUNE_ALL;
    tu->cost = cost > 0 ? cost : 1;
    tu->slice_ns = budget_ns / 40 > 2000000u ? budget_ns / 40 : 2000000u;
    tu->budget_ns = budget_ns;
    tu->budget_instances = budget_instances;
    tu->best = tu->cur = *start;
    if (first < 0 || first > LT_TUNE_END)
        first = 0;
    tu->dim = first / MAX_VALUES - 1;
    tu->cand = MAX_VALUES; /* nothing left of the step before the first */
    tu->resume_cand = first % MAX_VALUES;
    advance(tu);
}

int lt_tuner_position(const struct lt_tuner *tu)
{
    if (tu->complete || tu->dim >= NDIMS)
        return LT_TUNE_END;
    return tu->dim * MAX_VALUES + (tu->cand < 0 ? 0 : tu->cand);
}

/* The slice's witnesses per second, leaving out preempted batches; instances
 * count a thousandth of a witness, so a test whose condition never shows is
 * tuned for speed (more chances to see a forbidden state). */
static double slice_score(const struct lt_tuner *tu)
{
    double fastest = 1e300;
    for (int i = 0; i < tu->nsamples; i++)
        if (tu->inst[i] > 0 && tu->ns[i] / tu->inst[i] < fastest)
            fastest = tu->ns[i] / tu->inst[i];
    double wit = 0, ns = 0;
    for (int i = 0; i < tu->nsamples; i++) {
        if (tu->inst[i] <= 0 || tu->ns[i] / tu->inst[i] > 2 * fastest)
            continue;
        wit += tu->wit[i] + 1e-3 * tu->inst[i];
        ns += tu->ns[i];
    }
    return ns > 0 ? wit / ns * 1e9 : 0;
}

void lt_tuner_batch(struct lt_tuner *tu, long instances, uint64_t witnesses, uint64_t ns)
{
    if (tu->done)
        return;
    tu->used_ns += ns;
    tu->used_instances += instances;
    if (tu->nsamples < LT_TUNE_SAMPLES) {
        tu->wit[tu->nsamples] = (double)witnesses;
        tu->ns[tu->nsamples] = (double)ns;
        tu->inst[tu->nsamples] = (double)instances;
        tu->nsamples++;
    }
    double slice = 0;
    for (int i = 0; i < tu->nsamples; i++)
        slice += tu->ns[i];
    if ((slice < (double)tu->slice_ns || tu->nsamples < MIN_BATCHES) && tu->nsamples < LT_TUNE_SAMPLES)
        return;
    double score = slice_score(tu);
    tu->tried++;
    bool next = true; /* on to the next candidate (else: a confirmation slice) */
    if (tu->confirming == 1) { /* the best again, then the challenger again */
        tu->best_score = score;
        tu->confirming = 2;
        next = false;
    } else if (tu->confirming == 2) {
        tu->confirming = 0;
        if (score > tu->best_score * MARGIN) {
            tu->best = tu->challenger;
            tu->best_score = score;
        }
    } else if (tu->cand == -1) {
        tu->best_score = score; /* the best so far, measured again under today's load */
    } else if (score > tu->best_score * MARGIN) {
        tu->challenger = tu->cur; /* one win may be a lull in the load: it must win twice */
        tu->confirming = 1;
        next = false;
    }
    if (tu->used_ns >= tu->budget_ns || tu->used_instances >= tu->budget_instances) {
        tu->done = true; /* a challenger not yet confirmed loses */
        tu->confirming = 0;
        tu->cur = tu->best;
        return;
    }
    if (next) {
        advance(tu);
        return;
    }
    tu->nsamples = 0;
    tu->cur = tu->confirming == 1 ? tu->best : tu->challenger;
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
