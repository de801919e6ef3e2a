/* test_run.c: the runner on real hardware: SB shows, fences and x86's ordering hold, bad input fails cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "litmus/cli.h"
#include "litmus/model.h"
#include "litmus/unit/unit.h"

static uint64_t count_of(const struct lt_result *r, bool witness)
{
    uint64_t n = 0;
    for (int i = 0; i < r->nstates; i++)
        if (r->states[i].witness == witness)
            n += r->states[i].count;
    return n;
}

/* Every state seen is one the x86-TSO enumeration reaches. */
static void assert_within_tso(const struct lt_test *t, const struct lt_result *r)
{
    if (!hardware_is_tso())
        return; /* aarch64 (or qemu) shows what TSO forbids: unit.h, hardware_is_tso */
    struct lt_model_result tso;
    assert_int_equal(lt_model_run(t, LT_MODEL_TSO, LT_MODEL_BUDGET, &tso), 0);
    for (int s = 0; s < r->nstates; s++)
        if (!lt_model_allows(&tso, r->states[s].vals))
            fail_msg("%s: a state x86-TSO forbids was seen %llu times", t->name,
                     (unsigned long long)r->states[s].count);
    lt_model_free(&tso);
}

/* Store buffering shows up within a bounded number of iterations. */
static void sb_is_observed_within_a_bounded_run(void **state)
{
    (void)state;
    char path[4096];
    catalog_path(path, sizeof path, "SB");
    long chunk = LT_SCALE(200000, 50000), total = 0;
    uint64_t seen = 0;
    for (int round = 0; round < 10 && seen == 0; round++) {
        struct lt_result r;
        struct lt_test *t = run_file(path, chunk, &r);
        assert_non_null(t);
        assert_int_equal(r.iterations, chunk);
        assert_int_equal(r.positive + r.negative, (uint64_t)chunk);
        assert_int_equal(count_of(&r, true), r.positive);
        for (int i = 0; i < r.nstates; i++) /* every value is 0 or 1 */
            for (int k = 0; k < t->nobs; k++)
                assert_true(r.states[i].vals[k] == 0 || r.states[i].vals[k] == 1);
        assert_within_tso(t, &r);
        seen += r.positive;
        total += r.iterations;
        printf("   SB: %llu of %ld iterations in %.3f s (%.2f M witnesses/s)\n", (unsigned long long)r.positive,
               r.iterations, r.seconds, r.seconds > 0 ? (double)r.positive / r.seconds / 1e6 : 0.0);
        lt_result_free(&r);
        lt_test_free(t);
    }
    if (seen == 0)
        fail_msg("SB never observed in %ld iterations", total);
}

/* Tests whose outcome x86-TSO forbids never show it, nor any other state TSO forbids. */
static void forbidden_outcomes_never_appear(void **state)
{
    (void)state;
    if (!hardware_is_tso()) {
        printf("   skipped: %s\n", running_emulated() ? "under qemu-user, whose STLR/LDAR keep no store->load "
                                                        "order on x86 (SB+scs shows)"
                                                      : "this CPU is weaker than x86-TSO (MP, LB, S, 2+2W show)");
        skip();
    }
    static const char *const names[] = {"SB+mfences", "SB+xchgs", "SB+scs", "MP", "MP+relacq", "LB", "S", "2+2W"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4096];
        catalog_path(path, sizeof path, names[i]);
        struct lt_result r;
        struct lt_test *t = run_file(path, LT_SCALE(200000, 20000), &r);
        assert_non_null(t);
        assert_string_equal(lt_key(t, "x86-TSO"), "forbidden");
        assert_int_equal(r.positive + r.negative, (uint64_t)r.iterations);
        if (strcmp(names[i], "2+2W") == 0) /* both stores to each variable ran */
            for (int s = 0; s < r.nstates; s++)
                assert_true(r.states[s].vals[0] != 0 && r.states[s].vals[1] != 0);
        printf("   %-11s %llu forbidden of %ld iterations, %d states\n", names[i], (unsigned long long)r.positive,
               r.iterations, r.nstates);
        if (r.positive != 0)
            fail_msg("%s: forbidden outcome seen %llu times", names[i], (unsigned long long)r.positive);
        assert_within_tso(t, &r);
        assert_true(r.nstates >= 1);
        lt_result_free(&r);
        lt_test_free(t);
    }
}

/* A one-thread test, and a three-thread one that shares the CPUs. */
static void odd_thread_counts_run(void **state)
{
    (void)state;
    static const char *const names[] = {"CoWW", "WRC"};
    for (size_t i = 0; i < 2; i++) {
        char path[4096];
        catalog_path(path, sizeof path, names[i]);
        struct lt_result r;
        struct lt_test *t = run_file(path, LT_SCALE(20000, 3000), &r);
        assert_non_null(t);
        assert_int_equal(r.positive, 0);
        assert_int_equal(r.negative, (uint64_t)r.iterations);
        if (i == 0) { /* CoWW: every instance ran, so x always ends as 2 */
            assert_int_equal(r.nstates, 1);
            assert_int_equal(r.states[0].vals[0], 2);
        }
        lt_result_free(&r);
        lt_test_free(t);
    }
}

static void runner_rejects_bad_options(void **state)
{
    (void)state;
    char path[4096], err[512];
    catalog_path(path, sizeof path, "SB");
    struct lt_test *t = lt_parse_file(path, err, sizeof err);
    assert_non_null(t);
    const lt_thread_fn fns[2] = {lt_catalog[0].fns[0], lt_catalog[0].fns[1]};
    struct lt_options o;
    struct lt_result r;
    lt_options_default(&o);
    o.batch = 0;
    assert_int_equal(lt_run(t, fns, &o, &r, err, sizeof err), -1);
    lt_options_default(&o);
    o.stride = 0;
    assert_int_equal(lt_run(t, fns, &o, &r, err, sizeof err), -1);
    lt_test_free(t);
}

/* The compiler failing is an error message, not a crash. */
static void a_missing_compiler_is_reported(void **state)
{
    (void)state;
    char path[4096], err[2048];
    catalog_path(path, sizeof path, "SB");
    struct lt_test *t = lt_parse_file(path, err, sizeof err);
    assert_non_null(t);
    const char *old = getenv("CC");
    char *saved = old ? strdup(old) : NULL;
    struct lt_library lib;
    setenv("CC", "/nonexistent/cc", 1);
    assert_int_equal(lt_compile(&t, 1, &lib, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/cc"));
    setenv("CC", "false", 1);
    assert_int_equal(lt_compile(&t, 1, &lib, err, sizeof err), -1);
    assert_non_null(strstr(err, "failed"));
    if (saved)
        setenv("CC", saved, 1);
    else
        unsetenv("CC");
    free(saved);
    lt_test_free(t);
}


/* Bad options and files: exit status 2, no crash; good runs: 0. */
static void command_line_errors_exit_2(void **state)
{
    (void)state;
    char sb[4096];
    catalog_path(sb, sizeof sb, "SB");
    char *cases[][4] = {
        {"litmus", "--bogus", sb, NULL},
        {"litmus", "-n", "0", sb},
        {"litmus", "-n", "lots", sb},
        {"litmus", "--cpus", "99999", sb},
        {"litmus", "--cpus", "1-0", sb},
        {"litmus", "--seed", "-3", sb},
        {"litmus", "/nonexistent.litmus", NULL, NULL},
        {"litmus", "NoSuchTest", NULL, NULL},
        {"litmus", NULL, NULL, NULL},
        {"litmus", "-n", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int argc = 0;
        while (argc < 4 && cases[i][argc])
            argc++;
        int rc = cli(argc, cases[i]);
        if (rc != 2)
            fail_msg("case %zu (%s %s) exited %d, want 2", i, cases[i][1] ? cases[i][1] : "",
                     cases[i][2] ? cases[i][2] : "", rc);
    }
    char *ok1[] = {"litmus", "--list"};
    assert_int_equal(cli(2, ok1), 0);
    char *ok2[] = {"litmus", "-n", "2k", "--json", "--expect", "SB+mfences", sb};
    assert_int_equal(cli(7, ok2), 0);
}

/* Run the command line with stdout in a file; returns the exit status and the output (free it). */
static int cli_capture(int argc, char **argv, char **out)
{
    char path[] = "/tmp/memlab-out-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    int rc = lt_main(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(fd);
    *out = lt_read_file(path);
    unlink(path);
    assert_non_null(*out);
    return rc;
}

/* A compiler that gets the test wrong (here a wrapper that adds 1 to every
 * load) shows states x86-TSO forbids: the verdict says so loudly and
 * --expect fails.  This is the check that guards the generator. */
static void a_state_tso_forbids_fails_loudly(void **state)
{
    (void)state;
    char dir[] = "/tmp/memlab-cc-XXXXXX", script[256], test[256];
    assert_non_null(mkdtemp(dir));
    snprintf(script, sizeof script, "%s/broken-cc", dir);
    snprintf(test, sizeof test, "%s/SB-broken.litmus", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\n# a broken compiler: every load returns one more than memory holds\n"
          "for last; do :; done\nsed -i 's/= atomic_load_explicit(/= 1 + atomic_load_explicit(/' \"$last\"\n"
          "exec ${MEMLAB_REAL_CC:-cc} \"$@\"\n", f);
    fclose(f);
    assert_int_equal(chmod(script, 0755), 0);
    f = fopen(test, "w");
    assert_non_null(f);
    fputs("C SB-broken\n{}\nP0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }\n"
          "P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }\nexists (0:r0=0 /\\ 1:r0=0)\n", f);
    fclose(f);

    const char *old = getenv("CC");
    char *saved = old ? strdup(old) : NULL;
    if (old && *old) /* the compiler that builds for this CPU (a cross one under make test-arm64) */
        setenv("MEMLAB_REAL_CC", old, 1);
    setenv("CC", script, 1);
    char *out, *argv[] = {"litmus", "--expect", "-n", "2000", test};
    int rc = cli_capture(5, argv, &out);
    if (saved)
        setenv("CC", saved, 1);
    else
        unsetenv("CC");
    free(saved);
    if (rc != 1 || !strstr(out, "OBSERVED A STATE " ARCH_HARDWARE_MODEL_LABEL " FORBIDS"))
        fail_msg("exit %d, want 1 and the loud verdict; output:\n%s", rc, out);
    free(out);
    unlink(test);
    unlink(script);
    rmdir(dir);
}

int main(void)
{
    watchdog(600);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sb_is_observed_within_a_bounded_run),
        cmocka_unit_test(forbidden_outcomes_never_appear),
        cmocka_unit_test(odd_thread_counts_run),
        cmocka_unit_test(runner_rejects_bad_options),
        cmocka_unit_test(a_missing_compiler_is_reported),
        cmocka_unit_test(command_line_errors_exit_2),
        cmocka_unit_test(a_state_tso_forbids_fails_loudly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
