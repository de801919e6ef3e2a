/* test_lkmm_armv8.c: the kernel (LKMM) and ARMv8 models against known verdicts.
 *
 * LKMM: on every shared-corpus test, the set of final states the model allows
 * is exactly the set herd7 lists in the test's .expected file (both ways: a
 * state memlab forbids and herd7 allows would call a buggy program correct).
 * ARMv8: the textbook results of Pulte et al. (POPL 2018) on catalog tests. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "litmus/exec.h"
#include "litmus/expected.h"
#include "litmus/model.h"
#include "litmus/unit/unit.h"

static struct lt_test *load(const char *path)
{
    char err[256];
    struct lt_test *t = lt_parse_file(path, err, sizeof err);
    if (!t)
        fail_msg("%s: %s", path, err);
    return t;
}

static void run_model(const struct lt_test *t, const char *name, struct lt_verdict *v)
{
    const struct lt_model *m = lt_model_find(name);
    assert_non_null(m);
    lt_exec_run(t, &m, 1, LT_EXEC_BUDGET, LT_MODEL_BUDGET, v);
    if (v->too_large || v->na)
        fail_msg("%s: %s %s", t->name, name, v->too_large ? v->why : v->na);
}

/* Number of final states in a not in b (a and b in test->obs order). */
static int missing(const struct lt_test *t, const struct lt_expected *e, const struct lt_verdict *v, bool herd_side)
{
    int n = 0;
    if (herd_side) {
        for (int i = 0; i < e->nstates; i++)
            if (!lt_verdict_allows(v, &e->vals[i * t->nobs]))
                n++;
    } else {
        for (int i = 0; i < v->nfinal; i++)
            if (!lt_expected_allows(e, &v->final[i * t->nobs]))
                n++;
    }
    return n;
}

static void lkmm_allows_exactly_the_expected_states_on_the_corpus(void **state)
{
    (void)state;
    DIR *d = opendir(corpus_dir());
    if (!d)
        fail_msg("cannot open %s", corpus_dir());
    int checked = 0, differ = 0, unreadable = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 8 || strcmp(de->d_name + len - 7, ".litmus") != 0)
            continue;
        char path[1024], exp[1100], err[256];
        snprintf(path, sizeof path, "%s/%s", corpus_dir(), de->d_name);
        snprintf(exp, sizeof exp, "%s.expected", path);
        struct lt_test *t = load(path);
        struct lt_expected e;
        if (lt_expected_load(t, exp, &e, err, sizeof err) != 0) {
            /* expected.c reads numbers only; pointer-valued states ("1:r0=x") are
             * compared by scripts/litmus_agree.py in make test instead. */
            unreadable++;
            lt_test_free(t);
            continue;
        }
        struct lt_verdict v;
        run_model(t, "lkmm", &v);
        int unsound = missing(t, &e, &v, true), looser = missing(t, &e, &v, false);
        if (unsound || looser) {
            printf("   %s: herd7 allows %d states memlab's LKMM forbids; memlab allows %d herd7 forbids\n",
                   t->name, unsound, looser);
            differ++;
        }
        checked++;
        lt_verdict_free(&v);
        lt_expected_free(&e);
        lt_test_free(t);
    }
    closedir(d);
    printf("   LKMM vs herd7 on the shared corpus: %d tests, %d differ (%d with pointer values left to "
           "litmus-agree-fast)\n", checked, differ, unreadable);
    assert_int_equal(differ, 0);
    assert_int_equal(checked + unreadable, 79);
    assert_true(checked >= 70);
}

static const char *armv8_word(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/litmus/tests/%s.litmus", MEMLAB_ROOT, name);
    struct lt_test *t = load(path);
    struct lt_verdict v;
    run_model(t, "armv8", &v);
    const char *w = v.reachable ? "allowed" : "forbidden";
    lt_verdict_free(&v);
    lt_test_free(t);
    return w;
}

static void armv8_gives_the_textbook_results(void **state)
{
    (void)state;
    static const struct {
        const char *test, *want, *why;
    } cases[] = {
        {"MP", "allowed", "message passing with plain ldr/str"},
        {"LB", "allowed", "load buffering: ARM may commit a store before an earlier load"},
        {"MP+wmb+rmb", "forbidden", "dmb ishst / dmb ishld on both sides"},
        {"MP+rel-acq", "forbidden", "stlr / ldar"},
        {"IRIW+rel-acq", "forbidden", "ARMv8 is multi-copy atomic: ldar readers agree on the order of writes"},
        {"2+2W", "allowed", "plain stores to two locations"},
        {"SB", "allowed", "store buffering"},
        {"SB+relacqs", "forbidden", "stlr then ldar keep their order (unlike C11's release/acquire)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = armv8_word(cases[i].test);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: ARMv8 says %s, expected %s (%s)", cases[i].test, got, cases[i].want, cases[i].why);
    }
}

/* Each rule below was once missing or wrong in memlab; herd7 (the kernel
 * model of herdtools7's catalogue, litmus/corpora/README.md) gives these
 * verdicts, recorded in litmus/corpora/ref/. */
static void the_models_follow_herd7_on_tests_that_found_bugs(void **state)
{
    (void)state;
    static const struct {
        const char *test, *model, *want, *why;
    } cases[] = {
        {"paulmckrcu-litmus/manual/kernel/crypto-control-data.litmus", "lkmm", "allowed",
         "a register set to a constant in one branch carries no dependency after the if on that path"},
        {"paulmckrcu-litmus/manual/kernel/crypto-control-data.litmus", "armv8", "forbidden",
         "the compiled branch orders the later store whichever way it goes, even with nothing inside the if"},
        {"herdtools7/catalogue/c11popl15/tests/illustrative/cyc_na.litmus", "lkmm", "allowed",
         "a value only a write under an if stores, justified in a cycle, must be offered to reads"},
        {"herdtools7/catalogue/c11popl15/tests/illustrative/cyc_na.litmus", "c11", "forbidden",
         "RC11 forbids the same cycle (po and rf acyclic)"},
        {"paulmckrcu-litmus/manual/oota/C-JO-OOTA-3.litmus", "lkmm", "allowed",
         "a register overwritten inside an if carries the new read's dependency, not the old one's"},
        {"paulmckrcu-litmus/manual/demo/C-LB+ldref-o+o-o+o-dep-o.litmus", "lkmm", "allowed",
         "a register only the init section names gets no dependency from a reused register slot"},
        {"paulmckrcu-litmus/manual/plain/C-non-race4.litmus", "lkmm", "forbidden",
         "a dependency carried through a value stored and read back by the same thread (carry-dep)"},
        {"perfbook/CodeSamples/formal/herd/C-SRCU-readers-no-nest.litmus", "lkmm", "allowed",
         "srcu_read_unlock(s, idx) ends the section idx came from, so sections may overlap"},
        {"paulmckrcu-litmus/manual/kernel/C-MPrelseq+o-r+rmwinc+a-o.litmus", "lkmm", "forbidden",
         "a release reaches through an RMW that read from it (rmw-sequence)"},
        {"paulmckrcu-litmus/manual/kernel/C-srcu-mb-5.litmus", "lkmm", "allowed",
         "smp_mb__after_srcu_read_unlock orders only what precedes an srcu_read_unlock before it"},
        {"paulmckrcu-litmus/manual/kernel/C-srcu-mb-2.litmus", "lkmm", "forbidden",
         "... and it does order what precedes that srcu_read_unlock"},
    };
    int wrong = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/litmus/corpora/%s", MEMLAB_ROOT, cases[i].test);
        struct lt_test *t = load(path);
        struct lt_verdict v;
        run_model(t, cases[i].model, &v);
        const char *got = v.reachable ? "allowed" : "forbidden";
        if (strcmp(got, cases[i].want) != 0) {
            print_message("   %s under %s: memlab says %s, herd7 %s (%s)\n", cases[i].test, cases[i].model, got,
                          cases[i].want, cases[i].why);
            wrong++;
        }
        lt_verdict_free(&v);
        lt_test_free(t);
    }
    assert_int_equal(wrong, 0);
}

int main(void)
{
    watchdog(120);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lkmm_allows_exactly_the_expected_states_on_the_corpus),
        cmocka_unit_test(armv8_gives_the_textbook_results),
        cmocka_unit_test(the_models_follow_herd7_on_tests_that_found_bugs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
