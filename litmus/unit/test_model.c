/* test_model.c: the SC and x86-TSO enumerator against the catalog headers, known verdicts and the corpus. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "litmus/cli.h"
#include "litmus/expected.h"
#include "litmus/explain.h"
#include "litmus/model.h"
#include "litmus/unit/unit.h"

static struct lt_test *parse_text(const char *text)
{
    char err[1024];
    struct lt_test *t = lt_parse("inline.litmus", text, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    return t;
}

static struct lt_test *parse_catalog(const char *name)
{
    char path[4096], err[1024];
    catalog_path(path, sizeof path, name);
    struct lt_test *t = lt_parse_file(path, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    return t;
}

/* Enumerate t under m; the test must fit the default budget. */
static void enumerate(const struct lt_test *t, enum lt_machine m, struct lt_model_result *r)
{
    if (lt_model_run(t, m, LT_MODEL_BUDGET, r) != 0)
        fail_msg("%s: too large to enumerate under %s (%ld states)", t->name, lt_model_name(m), r->explored);
}

static const char *word(bool allowed)
{
    return allowed ? "allowed" : "forbidden";
}

/* A grace period waits for the SRCU sections open when it starts, and only
 * those: srcu_read_unlock(s, idx) ends the section idx came from, so two
 * sections of one thread may overlap (lock a, lock b, unlock a, unlock b)
 * and the grace period that began inside a, after b began, need not wait
 * for b.  Sequentially consistent, the outcome happens (herd7's kernel
 * model allows it too); with the sections merged into one it could not. */
static void overlapping_srcu_sections_end_one_by_one(void **state)
{
    (void)state;
    char path[4096], err[1024];
    snprintf(path, sizeof path, "%s/litmus/corpora/perfbook/CodeSamples/formal/herd/C-SRCU-readers-no-nest.litmus",
             MEMLAB_ROOT);
    struct lt_test *t = lt_parse_file(path, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    struct lt_model_result sc;
    enumerate(t, LT_MODEL_SC, &sc);
    if (!sc.reachable)
        fail_msg("%s: SC forbids the outcome: the grace period waited for a section begun after it", t->name);
    lt_model_free(&sc);
    lt_test_free(t);
}

/* Each catalog header's SC and x86-TSO keys say what the enumerator computes. */
static void catalog_headers_agree_with_the_enumerator(void **state)
{
    (void)state;
    char dir[4096], *paths[MAX_FILES];
    snprintf(dir, sizeof dir, "%s/litmus/tests", MEMLAB_ROOT);
    int n = list_tests(dir, paths), failures = 0;
    for (int i = 0; i < n; i++) {
        char err[1024];
        struct lt_test *t = lt_parse_file(paths[i], err, sizeof err);
        if (!t)
            fail_msg("%s", err);
        struct lt_model_result r[2];
        enumerate(t, LT_MODEL_SC, &r[0]);
        enumerate(t, LT_MODEL_TSO, &r[1]);
        for (int m = 0; m < 2; m++) {
            const char *key = lt_model_name(r[m].model), *header = lt_key(t, key);
            if (!header || strcmp(header, word(r[m].reachable)) != 0) {
                printf("   FAIL %s: the header says %s: %s, the enumerator says %s\n", t->name, key,
                       header ? header : "(no key)", word(r[m].reachable));
                failures++;
            }
            lt_model_free(&r[m]);
        }
        lt_test_free(t);
    }
    free_paths(paths, n);
    printf("   catalog: %d tests, %d header keys disagree with the enumerator\n", n, failures);
    assert_true(n >= 19);
    assert_int_equal(failures, 0);
}

/* The x86-TSO verdicts the literature gives (Owens, Sarkar, Sewell 2009; Intel SDM 8.2.3). */
static void known_tso_verdicts_hold(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        bool tso_allows;
    } known[] = {
        {"SB", true},          {"R", true},           {"SB+rfi-pos", true}, {"SB+relacqs", true},
        {"MP", false},         {"LB", false},         {"S", false},         {"2+2W", false},
        {"WRC", false},        {"IRIW", false},       {"SB+mfences", false}, {"SB+xchgs", false},
        {"SB+scs", false},     {"MP+wmb+rmb", false}, {"MP+relacq", false},  {"CoRR", false},
        {"CoRW", false},       {"CoWR", false},       {"CoWW", false},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        struct lt_test *t = parse_catalog(known[i].name);
        struct lt_model_result sc, tso;
        enumerate(t, LT_MODEL_SC, &sc);
        enumerate(t, LT_MODEL_TSO, &tso);
        if (tso.reachable != known[i].tso_allows)
            fail_msg("%s: x86-TSO %s, want %s", known[i].name, word(tso.reachable), word(known[i].tso_allows));
        if (sc.reachable) /* every one of these outcomes is a non-SC one */
            fail_msg("%s: SC allows the outcome", known[i].name);
        lt_model_free(&sc);
        lt_model_free(&tso);
        lt_test_free(t);
    }
}

static void assert_states(const struct lt_model_result *r, const int *want, int nwant)
{
    assert_false(r->too_large);
    if (r->nfinal != nwant)
        fail_msg("%s: %d final states, want %d", lt_model_name(r->model), r->nfinal, nwant);
    for (int i = 0; i < nwant; i++)
        assert_true(lt_model_allows(r, &want[i * r->nobs]));
}

/* SB's final states, by hand: SC has three, TSO adds both-zero. */
static void sb_states_are_exactly_the_known_ones(void **state)
{
    (void)state;
    struct lt_test *t = parse_catalog("SB");
    struct lt_model_result sc, tso;
    enumerate(t, LT_MODEL_SC, &sc);
    enumerate(t, LT_MODEL_TSO, &tso);
    static const int sc_states[] = {0, 1, 1, 0, 1, 1};
    static const int tso_states[] = {0, 0, 0, 1, 1, 0, 1, 1};
    assert_states(&sc, sc_states, 3);
    assert_states(&tso, tso_states, 4);
    assert_false(lt_model_allows(&sc, tso_states));
    lt_model_free(&sc);
    lt_model_free(&tso);
    lt_test_free(t);
}

/* cmpxchg that fails writes nothing, if/else follows the register, the arithmetic wraps,
 * a seq_cst store waits for its buffer (it is XCHG or MOV+MFENCE), and a locked
 * RMW with a relaxed order is still locked on x86. */
static void statements_have_their_x86_meaning(void **state)
{
    (void)state;
    struct lt_test *t = parse_text("C T\n{ x=5; }\nP0(int *x, int *y)\n{\n int r0; int r1 = 2147483647; int r2;\n"
                                   " r0 = cmpxchg(x, 4, 9);\n if (r0 == 5) { r1 = r1 + 2; } else r1 = 7;\n"
                                   " r2 = cmpxchg_relaxed(x, 5, 6);\n}\nexists (0:r0=5 /\\ 0:r1=-2147483647 /\\ "
                                   "0:r2=5 /\\ x=6)\n");
    for (int m = 0; m < 2; m++) {
        struct lt_model_result r;
        enumerate(t, (enum lt_machine)m, &r);
        assert_int_equal(r.nfinal, 1);
        assert_true(r.reachable);
        lt_model_free(&r);
    }
    lt_test_free(t);

    /* SB with a seq_cst store in one thread and xchg_relaxed in the other: no SB outcome */
    t = parse_text("C T\n{}\nP0(int *x, int *y)\n{\n int r0;\n"
                   " atomic_store_explicit(x, 1, memory_order_seq_cst);\n r0 = READ_ONCE(*y);\n}\n"
                   "P1(int *x, int *y)\n{\n int r0; int r1;\n r1 = xchg_relaxed(y, 1);\n r0 = READ_ONCE(*x);\n}\n"
                   "exists (0:r0=0 /\\ 1:r0=0)\n");
    struct lt_model_result tso;
    enumerate(t, LT_MODEL_TSO, &tso);
    assert_false(tso.reachable);
    lt_model_free(&tso);
    lt_test_free(t);

    /* a release store and an acquire fence stop nothing: SB stays */
    t = parse_text("C T\n{}\nP0(int *x, int *y)\n{\n int r0;\n smp_store_release(x, 1);\n"
                   " atomic_thread_fence(memory_order_acq_rel);\n r0 = READ_ONCE(*y);\n}\n"
                   "P1(int *x, int *y)\n{\n int r0;\n WRITE_ONCE(*y, 1);\n smp_wmb();\n smp_rmb();\n"
                   " r0 = smp_load_acquire(x);\n}\nexists (0:r0=0 /\\ 1:r0=0)\n");
    enumerate(t, LT_MODEL_TSO, &tso);
    assert_true(tso.reachable);
    lt_model_free(&tso);
    lt_test_free(t);
}

/* TSO only adds behaviours to SC: every SC state is a TSO state. */
static void sc_states_are_tso_states(const struct lt_test *t, const struct lt_model_result *sc,
                                     const struct lt_model_result *tso)
{
    for (int i = 0; i < sc->nfinal; i++)
        if (!lt_model_allows(tso, &sc->final[i * t->nobs]))
            fail_msg("%s: a state SC reaches is not a TSO state", t->name);
}

static void state_line(const struct lt_test *t, const int *vals, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int k = 0; k < t->nobs; k++) {
        char name[64];
        lt_loc_name(t, k, name, sizeof name);
        snprintf(buf + strlen(buf), size - strlen(buf), "%s=%d; ", name, vals[k]);
    }
}

/* How many of m's final states the .expected file does not list (each printed). */
static int states_not_expected(const struct lt_test *t, const struct lt_model_result *m,
                               const struct lt_expected *e)
{
    int missing = 0;
    for (int i = 0; i < m->nfinal; i++) {
        const int *vals = &m->final[i * t->nobs];
        if (lt_expected_allows(e, vals))
            continue;
        missing++;
        char st[512];
        state_line(t, vals, st, sizeof st);
        printf("   FAIL %s: %s reaches %s, which its .expected does not list\n", t->name,
               lt_model_name(m->model), st);
    }
    return missing;
}

/* Every state SC reaches is one the kernel's model (the .expected file) allows:
 * LKMM is weaker than SC, never stronger.  x86-TSO's states are counted
 * against it too: the kernel runs on x86, so LKMM must allow them. */
static void corpus_sc_states_are_allowed_by_the_kernel_model(void **state)
{
    (void)state;
    char *paths[MAX_FILES];
    int n = list_tests(corpus_dir(), paths), parsed = 0, sc_failures = 0, tso_outside = 0, never_allowed = 0;
    long sc_states = 0, tso_states = 0, explored = 0;
    double seconds = 0, slowest = 0;
    const char *slowest_name = "";
    char slowest_buf[128] = "";
    for (int i = 0; i < n; i++) {
        char err[1024], epath[4200];
        struct lt_test *t = lt_parse_file(paths[i], err, sizeof err);
        if (!t)
            continue;
        parsed++;
        struct lt_model_result sc, tso;
        enumerate(t, LT_MODEL_SC, &sc);
        enumerate(t, LT_MODEL_TSO, &tso);
        sc_states_are_tso_states(t, &sc, &tso);
        snprintf(epath, sizeof epath, "%s.expected", paths[i]);
        struct lt_expected e;
        if (lt_expected_load(t, epath, &e, err, sizeof err) != 0)
            fail_msg("%s", err);
        sc_failures += states_not_expected(t, &sc, &e);
        tso_outside += states_not_expected(t, &tso, &e);
        /* the kernel model says Never: x86-TSO, stronger, must forbid it too */
        const char *result = lt_key(t, "Result");
        if (result && strncmp(result, "Never", 5) == 0 && tso.reachable) {
            printf("   FAIL %s: Result: Never, yet x86-TSO reaches the condition\n", t->name);
            never_allowed++;
        }
        sc_states += sc.nfinal;
        tso_states += tso.nfinal;
        explored += sc.explored + tso.explored;
        double s = sc.seconds + tso.seconds;
        seconds += s;
        if (s > slowest) {
            slowest = s;
            snprintf(slowest_buf, sizeof slowest_buf, "%s", t->name);
            slowest_name = slowest_buf;
        }
        lt_expected_free(&e);
        lt_model_free(&sc);
        lt_model_free(&tso);
        lt_test_free(t);
    }
    free_paths(paths, n);
    printf("   corpus: %d of %d tests enumerated (%ld machine states, %.1f ms; slowest %s %.2f ms): "
           "%ld SC and %ld x86-TSO final states; %d SC and %d x86-TSO states outside .expected\n",
           parsed, n, explored, seconds * 1e3, slowest_name, slowest * 1e3, sc_states, tso_states, sc_failures,
           tso_outside);
    assert_int_equal(parsed, 79);
    assert_int_equal(sc_failures, 0);
    assert_int_equal(tso_outside, 0);
    assert_int_equal(never_allowed, 0);
}

/* --explain finds an execution for every catalog test whose condition TSO
 * reaches, names the relaxed edge when SC forbids it, and says so when TSO
 * forbids the condition. */
static void explain_works_on_every_catalog_test(void **state)
{
    (void)state;
    char dir[4096], *paths[MAX_FILES];
    snprintf(dir, sizeof dir, "%s/litmus/tests", MEMLAB_ROOT);
    int n = list_tests(dir, paths);
    for (int i = 0; i < n; i++) {
        char err[1024], *text = NULL;
        size_t len = 0;
        struct lt_test *t = lt_parse_file(paths[i], err, sizeof err);
        assert_non_null(t);
        FILE *out = open_memstream(&text, &len);
        assert_non_null(out);
        int rc = lt_explain(out, t, LT_MODEL_BUDGET, err, sizeof err);
        fclose(out);
        if (rc != 0)
            fail_msg("%s: %s", t->name, err);
        bool tso = strcmp(lt_key(t, "x86-TSO"), "allowed") == 0, sc = strcmp(lt_key(t, "SC"), "allowed") == 0;
        if (tso && !strstr(text, "Final state:"))
            fail_msg("%s: no execution printed:\n%s", t->name, text);
        if (tso && !sc && !strstr(text, ") -> "))
            fail_msg("%s: no relaxed store->load edge named:\n%s", t->name, text);
        if (!tso && !strstr(text, "x86-TSO forbids it"))
            fail_msg("%s: does not say TSO forbids it:\n%s", t->name, text);
        free(text);
        lt_test_free(t);
    }
    free_paths(paths, n);
}

/* The execution --explain prints really ends in the condition's state: replay it. */
struct last_mem {
    int mem[LT_MAX_VARS];
    int events;
};

static void remember(void *ctx, const struct lt_event *ev, const struct lt_view *v)
{
    (void)ev;
    struct last_mem *lm = ctx;
    memcpy(lm->mem, v->mem, sizeof(int) * (size_t)v->nvars);
    lm->events++;
}

static void witness_replays_to_its_state(void **state)
{
    (void)state;
    struct lt_test *t = parse_catalog("R");
    struct lt_step *steps;
    int nsteps, vals[8];
    long explored;
    assert_int_equal(lt_model_witness(t, LT_MODEL_TSO, LT_MODEL_BUDGET, &steps, &nsteps, vals, &explored), 1);
    assert_true(lt_prop_eval(t->prop, vals));
    struct last_mem lm = {{0}, 0};
    assert_int_equal(lt_model_replay(t, LT_MODEL_TSO, steps, nsteps, remember, &lm), 0);
    assert_true(lm.events >= nsteps);
    assert_int_equal(lm.mem[1], 2); /* y ends as 2 */
    steps[0].drain = true;           /* a drain from an empty buffer is not a step */
    assert_int_equal(lt_model_replay(t, LT_MODEL_TSO, steps, nsteps, remember, &lm), -1);
    free(steps);
    assert_int_equal(lt_model_witness(t, LT_MODEL_SC, LT_MODEL_BUDGET, &steps, &nsteps, vals, &explored), 0);
    free(steps);
    lt_test_free(t);
}


/* A test beyond the budget is refused with a message and exit 2, never a hang. */
static void too_large_tests_are_refused(void **state)
{
    (void)state;
    struct lt_test *t = parse_catalog("IRIW");
    struct lt_model_result r;
    assert_int_equal(lt_model_run(t, LT_MODEL_TSO, 10, &r), -1);
    assert_true(r.too_large);
    assert_int_equal(r.explored, 10);
    assert_false(lt_model_allows(&r, (int[8]){0}));
    lt_model_free(&r);
    char err[256];
    FILE *null = fopen("/dev/null", "w");
    assert_int_equal(lt_explain(null, t, 10, err, sizeof err), -1);
    fclose(null);
    assert_string_equal(err, "IRIW: too large to enumerate (10 states)");
    lt_test_free(t);

    char *big[] = {"litmus", "--model-only", "--model-budget", "10", "IRIW"};
    assert_int_equal(cli(5, big), 2);
    char *big_explain[] = {"litmus", "--explain", "--model-budget", "10", "IRIW"};
    assert_int_equal(cli(5, big_explain), 2);
    char *unknown[] = {"litmus", "--explain", "NoSuchTest"};
    assert_int_equal(cli(3, unknown), 2);
    char *bad_budget[] = {"litmus", "--model-only", "--model-budget", "0", "SB"};
    assert_int_equal(cli(5, bad_budget), 2);
}

/* --model-only runs nothing on the CPU and checks the headers with --expect. */
static void model_only_command_line(void **state)
{
    (void)state;
    char *catalog[] = {"litmus", "--model-only", "--expect", "--catalog"};
    assert_int_equal(cli(4, catalog), 0);
    char *json[] = {"litmus", "--model-only", "--json", "SB", "IRIW"};
    assert_int_equal(cli(5, json), 0);
    char *explain[] = {"litmus", "--explain", "SB", "MP"};
    assert_int_equal(cli(4, explain), 0);

    /* a header that contradicts the enumerator fails --expect */
    char path[] = "/tmp/memlab-model-XXXXXX.litmus";
    int fd = mkstemps(path, 7);
    assert_true(fd >= 0);
    static const char wrong[] = "C SB-wrong\n(*\n * SC: forbidden\n * x86-TSO: forbidden\n *)\n{}\n"
                                "P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }\n"
                                "P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }\n"
                                "exists (0:r0=0 /\\ 1:r0=0)\n";
    assert_int_equal(write(fd, wrong, sizeof wrong - 1), (ssize_t)(sizeof wrong - 1));
    close(fd);
    char *check[] = {"litmus", "--model-only", "--expect", path};
    assert_int_equal(cli(4, check), 1);
    unlink(path);
}

int main(void)
{
    watchdog(300);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catalog_headers_agree_with_the_enumerator),
        cmocka_unit_test(known_tso_verdicts_hold),
        cmocka_unit_test(overlapping_srcu_sections_end_one_by_one),
        cmocka_unit_test(sb_states_are_exactly_the_known_ones),
        cmocka_unit_test(statements_have_their_x86_meaning),
        cmocka_unit_test(corpus_sc_states_are_allowed_by_the_kernel_model),
        cmocka_unit_test(explain_works_on_every_catalog_test),
        cmocka_unit_test(witness_replays_to_its_state),
        cmocka_unit_test(too_large_tests_are_refused),
        cmocka_unit_test(model_only_command_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
