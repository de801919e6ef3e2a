/* test_corpus.c: every state the hardware shows for the shared corpus is one its .expected
 * allows, and one the x86-TSO enumeration (model.c) reaches. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "litmus/expected.h"
#include "litmus/model.h"
#include "litmus/unit/unit.h"

static void state_line(const struct lt_test *t, const int *vals, char *st, size_t size)
{
    st[0] = '\0';
    for (int k = 0; k < t->nobs; k++) {
        char name[64];
        lt_loc_name(t, k, name, sizeof name);
        snprintf(st + strlen(st), size - strlen(st), "%s=%d; ", name, vals[k]);
    }
}

/* States seen on the hardware that x86-TSO does not reach: a bug in the
 * model, in the generated code or in the CPU.  Each is printed. */
static int outside_tso(const struct lt_test *t, const struct lt_result *r)
{
    struct lt_model_result tso;
    if (!hardware_is_tso())
        return 0; /* aarch64 (or qemu) shows what TSO forbids (unit.h): the .expected files still judge it */
    if (lt_model_run(t, LT_MODEL_TSO, LT_MODEL_BUDGET, &tso) != 0)
        fail_msg("%s: too large to enumerate (%ld states)", t->name, tso.explored);
    int outside = 0;
    for (int s = 0; s < r->nstates; s++) {
        if (lt_model_allows(&tso, r->states[s].vals))
            continue;
        char st[256];
        state_line(t, r->states[s].vals, st, sizeof st);
        printf("   FAIL %s: state %s seen %llu times is one x86-TSO forbids\n", t->name, st,
               (unsigned long long)r->states[s].count);
        outside++;
    }
    lt_model_free(&tso);
    return outside;
}

static void hardware_states_are_allowed_by_the_expected_files(void **state)
{
    (void)state;
    const char *dir = corpus_dir();
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("litmus corpus not found at %s (set MEMLAB_LITMUS_CORPUS)", dir);
    char *names[MAX_FILES];
    int nnames = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nnames < MAX_FILES) {
        size_t len = strlen(e->d_name);
        if (len > 7 && strcmp(e->d_name + len - 7, ".litmus") == 0)
            names[nnames++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)nnames, sizeof names[0], name_cmp);

    struct lt_test *tests[MAX_FILES];
    char *paths[MAX_FILES];
    int n = 0;
    for (int i = 0; i < nnames; i++) {
        char path[4096], err[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct lt_test *t = lt_parse_file(path, err, sizeof err);
        if (t) {
            paths[n] = strdup(path);
            tests[n++] = t;
        }
        free(names[i]);
    }
    /* one compiler run for all of them */
    char err[4096];
    struct lt_library lib;
    if (lt_compile(tests, n, &lib, err, sizeof err) != 0)
        fail_msg("%s", err);

    int failures = 0, tso_failures = 0;
    long total = 0;
    for (int i = 0; i < n; i++) {
        struct lt_test *t = tests[i];
        struct lt_options o;
        lt_options_default(&o);
        /* threads beyond the CPUs take turns: fewer iterations for those */
        o.iterations = t->nthreads > 2 ? LT_SCALE(3000, 1000) : LT_SCALE(30000, 5000);
        o.seed = (uint64_t)i + 1;
        struct lt_result r;
        if (lt_run(t, lib.fns[i], &o, &r, err, sizeof err) != 0)
            fail_msg("%s: %s", paths[i], err);
        total += r.iterations;
        char epath[4200];
        snprintf(epath, sizeof epath, "%s.expected", paths[i]);
        struct lt_expected ex;
        if (lt_expected_load(t, epath, &ex, err, sizeof err) != 0)
            fail_msg("%s", err);
        tso_failures += outside_tso(t, &r);
        for (int s = 0; s < r.nstates; s++) {
            if (!lt_expected_allows(&ex, r.states[s].vals)) {
                char st[256];
                state_line(t, r.states[s].vals, st, sizeof st);
                printf("   FAIL %s: state %s seen %llu times is not allowed by its .expected\n", t->name, st,
                       (unsigned long long)r.states[s].count);
                failures++;
            }
        }
        /* the kernel model's "Result: Never" is a promise x86 must keep too */
        const char *result = lt_key(t, "Result");
        if (result && strncmp(result, "Never", 5) == 0 && r.positive) {
            printf("   FAIL %s: Result: Never, but the condition held %llu times\n", t->name,
                   (unsigned long long)r.positive);
            failures++;
        }
        lt_expected_free(&ex);
        lt_result_free(&r);
    }
    printf("   corpus: %d of %d tests ran (%ld iterations), %d disagreements with .expected, "
           "%d states x86-TSO forbids\n", n, nnames, total, failures, tso_failures);
    lt_library_close(&lib);
    for (int i = 0; i < n; i++) {
        lt_test_free(tests[i]);
        free(paths[i]);
    }
    assert_int_equal(failures, 0);
    assert_int_equal(tso_failures, 0);
    assert_true(n >= 60);
}

int main(void)
{
    watchdog(600);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hardware_states_are_allowed_by_the_expected_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
