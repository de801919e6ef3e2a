/* test_coverage.c: how much of each source of real C litmus tests memlab reads, kept as data.
 *
 * litmus/coverage.txt records, per source (the shared corpus, perfbook's
 * herd tests, herdtools7's C tests, paulmckrcu/litmus), how many files it
 * has, how many are C tests, how many of those parse, enumerate under SC
 * and x86-TSO within the default search budget, and run on the hardware.
 * This test parses every source present on this machine (a few thousand
 * files in about a second) and enumerates the small ones, and fails when
 * fewer parse or enumerate than recorded: a regression in the dialect
 * shows.  Sources not on this machine are skipped with a line saying so.
 * The "ran" column is measured by a full hardware run (litmus/README.md). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "litmus/model.h"
#include "litmus/unit/unit.h"

enum { MAX_PATHS = 20000, SMALL = 300, BUDGET = 100000 };

struct counts {
    int files, c_tests, parsed, enumerated;
};

static char *paths[MAX_PATHS];
static int npaths;

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && npaths < MAX_PATHS) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        size_t len = strlen(e->d_name);
        if (S_ISDIR(st.st_mode))
            walk(path);
        else if (len > 7 && strcmp(e->d_name + len - 7, ".litmus") == 0)
            paths[npaths++] = strdup(path);
    }
    closedir(d);
}

/* Whether a file is a C test: its first word is "C". */
static bool is_c_test(const char *text)
{
    while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
        text++;
    return text[0] == 'C' && (text[1] == ' ' || text[1] == '\t');
}

static struct counts measure(const char *dir, bool enumerate)
{
    struct counts c = {0};
    npaths = 0;
    walk(dir);
    for (int i = 0; i < npaths; i++) {
        c.files++;
        char *text = lt_read_file(paths[i]);
        if (text && is_c_test(text)) {
            c.c_tests++;
            char err[1024];
            struct lt_test *t = lt_parse(paths[i], text, err, sizeof err);
            if (t) {
                c.parsed++;
                if (enumerate) {
                    struct lt_model_result sc, tso;
                    int a = lt_model_run(t, LT_MODEL_SC, BUDGET, &sc);
                    int b = a == 0 ? lt_model_run(t, LT_MODEL_TSO, BUDGET, &tso) : -1;
                    c.enumerated += a == 0 && b == 0;
                    lt_model_free(&sc);
                    if (a == 0)
                        lt_model_free(&tso);
                }
                lt_test_free(t);
            }
        }
        free(text);
        free(paths[i]);
    }
    return c;
}

/* The sources: the curated copies in litmus/corpora with their figures in
 * litmus/corpora/coverage.txt, or, when MEMLAB_LITMUS_CORPORA names a folder
 * holding the whole sources, those with litmus/coverage.txt. */
static const char *corpora_dir(void)
{
    const char *env = getenv("MEMLAB_LITMUS_CORPORA");
    return env && *env ? env : MEMLAB_ROOT "/litmus/corpora";
}

static const char *coverage_file(void)
{
    const char *env = getenv("MEMLAB_LITMUS_CORPORA");
    return env && *env ? MEMLAB_ROOT "/litmus/coverage.txt" : MEMLAB_ROOT "/litmus/corpora/coverage.txt";
}

static void every_source_parses_at_least_as_recorded(void **state)
{
    (void)state;
    FILE *f = fopen(coverage_file(), "r");
    assert_non_null(f);
    char line[1024];
    int checked = 0, regressions = 0;
    printf("   %-20s %7s %7s %7s %10s   (recorded: parsed enumerated)\n", "source", "files", "C", "parsed",
           "enumerated");
    while (fgets(line, sizeof line, f)) {
        char name[128], dir[512];
        int files, c_tests, parsed, enumerated, ran;
        if (line[0] == '#' || sscanf(line, "%127s %511s %d %d %d %d %d", name, dir, &files, &c_tests, &parsed,
                                     &enumerated, &ran) != 7)
            continue;
        char path[1024];
        if (strcmp(dir, "corpus") == 0)
            snprintf(path, sizeof path, "%s", corpus_dir());
        else
            snprintf(path, sizeof path, "%s/%s", corpora_dir(), dir);
        if (access(path, R_OK | X_OK) != 0) {
            printf("   %-20s not on this machine (%s): skipped\n", name, path);
            continue;
        }
        bool small = files <= SMALL;
        struct counts c = measure(path, small);
        printf("   %-20s %7d %7d %7d %10s   (%d %d)\n", name, c.files, c.c_tests, c.parsed,
               small ? (snprintf(line, sizeof line, "%d", c.enumerated), line) : "-", parsed, enumerated);
        if (c.parsed < parsed) {
            printf("   FAIL %s: %d C tests parse, %d did when coverage.txt was written\n", name, c.parsed, parsed);
            regressions++;
        }
        if (small && c.enumerated < enumerated) {
            printf("   FAIL %s: %d tests enumerate, %d did when coverage.txt was written\n", name, c.enumerated,
                   enumerated);
            regressions++;
        }
        checked++;
    }
    fclose(f);
    assert_true(checked >= 1); /* the shared corpus at least */
    assert_int_equal(regressions, 0);
}

int main(void)
{
    watchdog(300);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_source_parses_at_least_as_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
