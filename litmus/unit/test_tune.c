/* test_tune.c: the runner's settings search finds the best of a sweep, survives preempted batches, a changing load, coin-flip batches and interacting settings, keeps its budget; the cache round-trips; a tuned run sees only states a fixed run may. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>

#include "litmus/model.h"
#include "litmus/tune.h"
#include "litmus/unit/unit.h"
#include "locks/sys.h"

/* A made-up machine: witnesses per microsecond for a setting, best at
 * period 2 x cost, batch 2000, shuffled, reset by the writer, stride 32;
 * each setting's effect multiplies. */
static double landscape(const struct lt_setting *s, long cost)
{
    double p = (double)s->period / (double)cost;
    double f = 1.0 / (1.0 + (p - 2.0) * (p - 2.0));
    f *= 1.0 / (1.0 + fabs(log((double)s->batch / 2000.0)));
    f *= s->shuffle ? 1.3 : 1.0;
    f *= s->reset == LT_RESET_WRITER ? 1.2 : s->reset == LT_RESET_FIRST ? 0.9 : 1.0;
    f *= s->stride == 32 ? 1.1 : 1.0;
    return f;
}

/* A machine whose settings interact, as R's did on a 2-core EPYC: shuffling
 * and a period of 1.5 x cost pay only with batches of 1000 or more (the
 * search measures with 1000 until its batch step); with the untuned batch
 * (400), back to back wins, so a search that measured with the batch it
 * starts from would end at period 0, in order. */
static double interacting(const struct lt_setting *s, long cost)
{
    double p = (double)s->period / (double)cost, big = s->batch >= 1000 ? 1.0 : 0.0;
    double f = p == 0 ? 1.0 : 0.5 + big * 2.0 / (1.0 + 8.0 * (p - 1.5) * (p - 1.5));
    f *= 0.3 + 0.7 * (double)s->batch / 4000.0;
    f *= s->shuffle ? (big ? 2.0 : 0.8) : 1.0;
    return f;
}

struct machine {
    double (*rate)(const struct lt_setting *s, long cost);
    int preempt;        /* one batch in every `preempt` (0: none) takes 50 times as long */
    int load_stretch;   /* 0, or: batches alternate between stretches this long at full speed and at a third */
    bool coin;          /* each batch's witnesses are 1.7 or 0.3 times the mean, on a fair coin */
    uint64_t seed;      /* of the coin (0: 12345), and of the tuner's block order (0: its own) */
    int phase;          /* batches of the load's cycle gone by before the search starts */
};

/* Feed the tuner batches from the machine until it is done.  Returns the batches run. */
static int drive(struct lt_tuner *tu, long cost, const struct machine *m)
{
    int batches = 0, at = m->phase;
    uint64_t rng = m->seed ? m->seed : 12345;
    while (!tu->done && batches < 100000) {
        const struct lt_setting *s = &tu->cur;
        double us = (double)s->batch * (double)(s->period > cost ? s->period : cost) / 1000.0 + 20.0;
        double wit = m->rate(s, cost) * us;
        if (m->coin)
            wit *= xorshift64(&rng) & 1 ? 1.7 : 0.3;
        if (m->load_stretch && ((batches + at) / m->load_stretch) % 2)
            us *= 3; /* the same witnesses, in thrice the time */
        if (m->preempt && batches % m->preempt == m->preempt / 2)
            us *= 50;
        lt_tuner_batch(tu, s->batch, (uint64_t)wit, (uint64_t)(us * 1000.0));
        batches++;
    }
    return batches;
}

static struct lt_setting untuned(long cost)
{
    return (struct lt_setting){cost * 3 / 2 < 180 ? 180 : cost * 3 / 2, 400, CACHE_LINE / (long)sizeof(int), false,
                               LT_RESET_READER};
}

/* The best point of a full sweep over the values the search draws from. */
static double sweep_best(double (*rate)(const struct lt_setting *, long), long cost, struct lt_setting *best)
{
    static const double pf[] = {0, 0.707, 1.0, 1.414, 2.0, 2.828, 4.0, 5.657, 8.0};
    static const long batches[] = {250, 500, 1000, 2000, 4000};
    double top = -1;
    for (size_t a = 0; a < sizeof pf / sizeof pf[0]; a++)
        for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++)
            for (long st = CACHE_LINE / (long)sizeof(int); st <= LT_TUNE_MAX_STRIDE; st *= 2)
                for (int sh = 0; sh < 2; sh++)
                    for (int r = 0; r < 3; r++) {
                        struct lt_setting s = {(long)(pf[a] * (double)cost + 0.5), batches[b], st, sh, r};
                        double v = rate(&s, cost);
                        if (v > top) {
                            top = v;
                            *best = s;
                        }
                    }
    return top;
}

/* A whole search on a made-up machine, in runs of at most budget
 * instances each (a cut search goes on in the next run from the state the
 * cache would keep: its best setting, its step and that step's
 * measurements); asserts it ends within 12 runs, at `share` x the sweep's
 * best or better, having decided on at most 60 values per run.  Prints what
 * it found, or writes it to line when given. */
static double search_and_compare(const char *what, const struct machine *m, double share, long budget, char *line,
                                  size_t size)
{
    long cost = 100;
    const struct lt_setting start = untuned(cost);
    struct lt_setting best = start, grid;
    double top = sweep_best(m->rate, cost, &grid);
    struct lt_tuner tu;
    struct lt_tune_state st;
    int batches = 0, runs = 0, tried = 0;
    bool resume = false;
    do {
        /* a budget of 100 s: preemptions take time */
        lt_tuner_start(&tu, &best, LT_TUNE_ALL, cost, resume ? &st : NULL, 100000000000u, budget);
        if (m->seed) /* draws differ in the order of their blocks too */
            tu.rng ^= m->seed * 0x2545f4914f6cdd1dull + (uint64_t)runs;
        batches += drive(&tu, cost, m);
        best = tu.best;
        lt_tuner_state(&tu, &st);
        resume = true;
        tried += tu.tried;
        if (tu.tried > 60)
            fail_msg("%s: a run of the search measured %d values, want at most 60", what, tu.tried);
    } while (!tu.complete && ++runs < 12);
    double got = m->rate(&best, cost);
    char a[256], b[256];
    lt_setting_text(&best, a, sizeof a);
    lt_setting_text(&grid, b, sizeof b);
    char out[1024];
    snprintf(out, sizeof out, "   %s: %s (%.3f) after %d values, %d batches, %d runs; sweep: %s (%.3f); untuned %.3f\n",
             what, a, got, tried, batches, runs + 1, b, top, m->rate(&start, cost));
    if (line)
        snprintf(line, size, "%s", out);
    else
        fputs(out, stdout);
    if (!tu.complete)
        fail_msg("%s: the search did not end in 12 runs:\n%s", what, out);
    if (got < share * top)
        fail_msg("%s: the search found %.3f, below %.2f x the sweep's %.3f", what, got, share, top);
    return got / top;
}

static void search_reaches_the_sweeps_best(void **state)
{
    (void)state;
    search_and_compare("search", &(struct machine){landscape, 0, 0, false, 0, 0}, 0.9, 100000000, NULL, 0);
}

/* A batch stretched 50x by a preemption must not decide the winner. */
static void preempted_batches_do_not_mislead(void **state)
{
    (void)state;
    search_and_compare("with preemptions", &(struct machine){landscape, 7, 0, false, 0, 0}, 0.9, 100000000, NULL, 0);
}

/* Draws of a noisy machine per test: a search's decisions there are a
 * draw, and what matters is how good they are over many.  With 8 draws the
 * worst of them moved from 0.73 to 0.41 x the sweep's best between x86-64
 * and aarch64 (whose wider cache line changes the strides searched): the
 * tail of a few draws says little, the mean of 40 says something. */
enum { DRAWS = 40 };

/* At least this share of the sweep's best in every draw: the untuned
 * setting gets 0.21 to 0.24 of it, so a draw below LEAST is a search that
 * lost (almost) everything it could gain, not an unlucky one (the worst of
 * 40 draws measured 0.49 to 0.83 with the close-call rule). */
#define LEAST 0.35

/* The mean of search_and_compare over DRAWS machines that differ in their
 * coin and in where their load's cycle stands when the search starts.
 * Fails below `mean` on average or below LEAST once. */
static void over_draws(const char *what, struct machine m, long budget, double mean)
{
    double sum = 0, low = 1e9, below_09 = 0;
    char line[1024], worst[1024] = "";
    for (int d = 1; d <= DRAWS; d++) {
        m.seed = (uint64_t)d * 7919;
        m.phase = d * 3;
        double got = search_and_compare(what, &m, 0, budget, line, sizeof line);
        sum += got;
        if (got < low)
            memcpy(worst, line, sizeof worst);
        low = got < low ? got : low;
        below_09 += got < 0.9;
    }
    printf("   %s: %.2f x the sweep's best on average over %d draws, %.2f at least, %.0f below 0.9; the worst:\n%s",
           what, sum / DRAWS, DRAWS, low, below_09, worst);
    if (sum / DRAWS < mean || low < LEAST)
        fail_msg("%s: %.2f x the sweep's best on average (want %.2f), %.2f at least (want %.2f)", what, sum / DRAWS,
                 mean, low, LEAST);
}

/* A machine whose load changes every few batches: the values of a step run
 * interleaved, in an order drawn at random, so the slow stretches hit all
 * of them alike, on average.  A load that triples every batch's time for
 * five batches in ten is harsher than anything measured on the VM: a
 * value's 24 batches then hold anywhere from a third to two thirds of slow
 * ones, and a 1.7 x better batch size can measure slower than a worse one.
 * When this was written: 0.93 (x86-64) and 0.92 (aarch64) on average, 0.99
 * and 0.97 with the slow load; before the close-call rule, 0.88 and 0.87,
 * 0.93 and 0.93. */
static void a_changing_load_does_not_mislead(void **state)
{
    (void)state;
    over_draws("under a changing load", (struct machine){landscape, 0, 5, false, 0, 0}, 100000000, 0.8);
    over_draws("under a slowly changing load", (struct machine){landscape, 0, 40, false, 0, 0}, 100000000, 0.9);
}

/* Batches that catch 1.7 or 0.3 times their setting's rate, on a coin (on
 * the VM, a batch's rate has a spread of 45 % of its mean: this coin's is
 * 70 %): enough batches per value still rank the settings, with a run's
 * whole budget and in the runner's budget for runs of 300000 instances,
 * where a search takes several runs.  When this was written: 0.91 to 0.96
 * on average on the two CPUs (0.85 to 0.91 before the close-call rule). */
static void noisy_batches_still_rank(void **state)
{
    (void)state;
    over_draws("with coin-flip batches", (struct machine){landscape, 0, 0, true, 0, 0}, 100000000, 0.85);
    over_draws("with coin-flip batches, in runs of 300000", (struct machine){landscape, 0, 0, true, 0, 0}, 180000,
               0.85);
}

/* Settings that pay only together: the second pass finds them. */
static void interacting_settings_are_found(void **state)
{
    (void)state;
    search_and_compare("interacting settings", &(struct machine){interacting, 0, 0, false, 0, 0}, 0.9, 100000000,
                       NULL, 0);
}

/* Only the free settings change; the budget ends the search early, flagged. */
static void fixed_settings_stay_and_budget_holds(void **state)
{
    (void)state;
    long cost = 100;
    const struct machine plain = {landscape, 0, 0, false, 0, 0};
    struct lt_setting start = untuned(cost);
    start.batch = 777;
    struct lt_tuner tu;
    lt_tuner_start(&tu, &start, LT_TUNE_ALL & ~(unsigned)LT_TUNE_BATCH, cost, NULL, 10000000000u, 100000000);
    drive(&tu, cost, &plain);
    assert_int_equal(tu.best.batch, 777);
    assert_true(tu.complete);

    lt_tuner_start(&tu, &start, LT_TUNE_ALL, cost, NULL, 20000000u, 100000000); /* 20 ms */
    drive(&tu, cost, &plain);
    assert_true(tu.done);
    assert_false(tu.complete);
    if (tu.used_ns > 20000000u + 2500000u) /* the budget, plus the batch that crossed it (4000 x 600 ns) */
        fail_msg("a 20 ms budget ran %.1f ms", (double)tu.used_ns / 1e6);

    lt_tuner_start(&tu, &start, LT_TUNE_ALL, cost, NULL, 10000000000u, 120000); /* 120000 instances */
    drive(&tu, cost, &plain);
    assert_true(tu.done);
    assert_false(tu.complete);
    if (tu.used_instances > 120000 + LT_TUNE_MAX_BATCH)
        fail_msg("a budget of 120000 instances ran %ld", tu.used_instances);

    lt_tuner_start(&tu, &start, LT_TUNE_ALL, cost, NULL, 10000000000u, LT_TUNE_MIN_BUDGET - 1); /* too short a run */
    assert_true(tu.done);
    assert_false(tu.complete);
    assert_int_equal(tu.tried, 0);
    assert_int_equal(lt_tuner_position(&tu), 0);

    lt_tuner_start(&tu, &start, 0, cost, NULL, 1000000000u, 100000000); /* nothing free: done at once */
    assert_true(tu.done);
    assert_int_equal(tu.tried, 0);

    /* A search resumed at a step goes on from there: fewer values. */
    lt_tuner_start(&tu, &start, LT_TUNE_ALL, cost, NULL, 10000000000u, 100000000);
    drive(&tu, cost, &plain);
    int all = tu.tried;
    struct lt_tune_state at3 = {.best = start, .position = 3};
    lt_tuner_start(&tu, &start, LT_TUNE_ALL, cost, &at3, 10000000000u, 100000000);
    drive(&tu, cost, &plain);
    assert_true(tu.complete);
    if (tu.tried >= all)
        fail_msg("resumed at step 3: %d values, a whole search %d", tu.tried, all);
    assert_int_equal(lt_tuner_position(&tu), LT_TUNE_END);
    lt_tuner_start(&tu, &start, LT_TUNE_ALL, cost, NULL, 10000000000u, 150000); /* cut: a position inside */
    drive(&tu, cost, &plain);
    if (!(lt_tuner_position(&tu) > 0 && lt_tuner_position(&tu) < LT_TUNE_END))
        fail_msg("a search cut after 150000 instances is at step %d of %d", lt_tuner_position(&tu), LT_TUNE_END);
}

/* A step cut by the end of a run goes on in the next with the batches it
 * had measured: two runs of half a step's budget do what one run of a
 * whole step does, and nothing is measured twice. */
static void a_cut_step_keeps_its_measurements(void **state)
{
    (void)state;
    long cost = 100;
    const struct machine plain = {landscape, 0, 0, false, 0, 0};
    struct lt_setting start = untuned(cost);
    struct lt_tuner tu;
    struct lt_tune_state st;
    lt_tuner_start(&tu, &start, LT_TUNE_ALL, cost, NULL, 10000000000u, LT_TUNE_MIN_BUDGET);
    drive(&tu, cost, &plain);
    lt_tuner_state(&tu, &st);
    assert_false(tu.complete);
    int step = st.position, batches = 0;
    for (int i = 0; i < st.nvals; i++)
        batches += st.samples[i].n;
    if (st.nvals < 2 || batches == 0)
        fail_msg("a cut search kept %d values and %d batches of step %d", st.nvals, batches, step);
    /* The next run starts where this one stopped, with those batches. */
    struct lt_setting best = tu.best;
    lt_tuner_start(&tu, &best, LT_TUNE_ALL, 999 /* a new run's cost */, &st, 10000000000u, LT_TUNE_MIN_BUDGET);
    assert_int_equal(tu.step, step);
    assert_int_equal(tu.cost, cost); /* the cut step's periods are built from the cost they were measured with */
    int kept = 0;
    for (int i = 0; i < tu.nvals; i++)
        kept += tu.samples[i].n;
    assert_int_equal(kept, batches);
    /* A finished search hands on only its winner. */
    lt_tuner_start(&tu, &start, LT_TUNE_ALL, cost, NULL, 10000000000u, 100000000);
    drive(&tu, cost, &plain);
    lt_tuner_state(&tu, &st);
    assert_int_equal(st.position, LT_TUNE_END);
    assert_int_equal(st.nvals, 0);
}

static void cache_round_trips(void **state)
{
    (void)state;
    char path[] = "/tmp/memlab-tune-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    setenv("LITMUS_TUNE_CACHE", path, 1);
    char k1[512], k2[512];
    lt_tune_key(k1, sizeof k1, "SB", "exists (0:r0=0 /\\ 1:r0=0)");
    lt_tune_key(k2, sizeof k2, "SB", "exists (0:r0=1 /\\ 1:r0=0)");
    assert_string_not_equal(k1, k2); /* a changed test is tuned again */
    struct lt_tune_state a = {.best = {120, 2000, 32, true, LT_RESET_WRITER}, .position = LT_TUNE_END};
    struct lt_tune_state b = {.best = {0, 250, 16, false, LT_RESET_FIRST}, .position = 2, .cost = 31, .nvals = 3};
    b.samples[1] = (struct lt_tune_samples){.n = 7, .blocks = 2, .inst = 7000, .w = 3456.5, .t = 812345, .ww = 1.75e6,
                                            .wt = 4.1e8, .tt = 9.9e10, .fastest = 101.25};
    struct lt_tune_state got;
    assert_false(lt_tune_cache_get(k1, &got));
    lt_tune_cache_put(k1, &a);
    lt_tune_cache_put(k2, &b);
    assert_true(lt_tune_cache_get(k1, &got));
    assert_int_equal(got.position, LT_TUNE_END);
    assert_true(got.best.period == a.best.period && got.best.batch == a.best.batch &&
                got.best.stride == a.best.stride && got.best.shuffle == a.best.shuffle &&
                got.best.reset == a.best.reset);
    b.position = LT_TUNE_END;
    lt_tune_cache_put(k1, &b); /* replaces, does not add */
    b.position = 2;
    assert_true(lt_tune_cache_get(k1, &got));
    assert_int_equal(got.best.batch, 250);
    FILE *f = fopen(path, "a");
    fprintf(f, "%s 1 99999999 16 0 0 1 30 0\n%s garbage\n", k2, k2); /* out of range, malformed: ignored */
    fprintf(f, "%s 1 1000 16 0 0 1 30 2 5 1 1 1 1 1 1 1 1\n", k2); /* a value's sums cut short: ignored */
    fclose(f);
    assert_true(lt_tune_cache_get(k2, &got));
    assert_int_equal(got.best.batch, 250);
    assert_int_equal(got.position, 2); /* a cut search: the next run goes on from step 2 ... */
    assert_int_equal(got.cost, 31);
    assert_int_equal(got.nvals, 3); /* ... with what that step had measured */
    assert_memory_equal(&got.samples[1], &b.samples[1], sizeof b.samples[1]);
    setenv("LITMUS_TUNE_CACHE", "off", 1);
    assert_false(lt_tune_cache_get(k1, &got));
    unsetenv("LITMUS_TUNE_CACHE");
    unlink(path);
}

/* Tuning changes how often states show, never which: a searched run of SB
 * counts every instance and sees only states x86-TSO (or, on an emulator,
 * the host) allows, and reports the setting it chose. */
static void tuned_run_counts_every_instance(void **state)
{
    (void)state;
    char path[4096], err[512];
    catalog_path(path, sizeof path, "SB");
    struct lt_test *t = lt_parse_file(path, err, sizeof err);
    assert_non_null(t);
    int sb = 0;
    while (sb < lt_catalog_count && strcmp(lt_catalog[sb].name, "SB") != 0)
        sb++;
    assert_true(sb < lt_catalog_count);
    const lt_thread_fn fns[2] = {lt_catalog[sb].fns[0], lt_catalog[sb].fns[1]};
    struct lt_options o;
    lt_options_default(&o);
    o.iterations = LT_SCALE(300000, 30000);
    o.tune = LT_TUNE_ALL;
    struct lt_result r;
    assert_int_equal(lt_run(t, fns, &o, &r, err, sizeof err), 0);
    char set[256];
    lt_setting_text(&r.setting, set, sizeof set);
    printf("   SB tuned: %s; %d settings in %.3f s; %llu witnesses of %ld\n", set, r.tune_tried, r.tune_seconds,
           (unsigned long long)r.positive, r.iterations);
    assert_string_equal(r.tuned, "search");
    assert_int_equal(r.iterations, o.iterations);
    assert_int_equal(r.positive + r.negative, (uint64_t)o.iterations);
    assert_true(r.tune_instances <= o.iterations);
    assert_true(r.setting.batch >= 1 && r.setting.batch <= LT_TUNE_MAX_BATCH);
    if (hardware_is_tso()) {
        struct lt_model_result tso;
        assert_int_equal(lt_model_run(t, LT_MODEL_TSO, LT_MODEL_BUDGET, &tso), 0);
        for (int s = 0; s < r.nstates; s++)
            if (!lt_model_allows(&tso, r.states[s].vals))
                fail_msg("a tuned run saw a state x86-TSO forbids, %llu times",
                         (unsigned long long)r.states[s].count);
        lt_model_free(&tso);
    }
    lt_result_free(&r);
    lt_test_free(t);
}

int main(void)
{
    watchdog(120);
    setenv("LITMUS_TUNE_CACHE", "off", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(search_reaches_the_sweeps_best),
        cmocka_unit_test(preempted_batches_do_not_mislead),
        cmocka_unit_test(a_changing_load_does_not_mislead),
        cmocka_unit_test(noisy_batches_still_rank),
        cmocka_unit_test(interacting_settings_are_found),
        cmocka_unit_test(fixed_settings_stay_and_budget_holds),
        cmocka_unit_test(a_cut_step_keeps_its_measurements),
        cmocka_unit_test(cache_round_trips),
        cmocka_unit_test(tuned_run_counts_every_instance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
