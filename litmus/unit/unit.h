/* unit.h: helpers shared by the litmus unit tests (each test file is one CMocka program). */
#ifndef MEMLAB_LITMUS_UNIT_H
#define MEMLAB_LITMUS_UNIT_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "litmus/cli.h"
#include "litmus/load.h"
#include "litmus/parse.h"
#include "litmus/run.h"
#include "locks/sys.h"

#ifndef MEMLAB_ROOT
#define MEMLAB_ROOT "."
#endif

/* Sanitized builds run fewer iterations: the runner's own code is 5-20x slower. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LT_SANITIZED 1
#endif
#endif
#ifndef LT_SANITIZED
#define LT_SANITIZED 0
#endif
/* ... and so does the code under an emulator (qemu-user: make test-arm64). */
#define LT_SCALE(plain, sanitized) (LT_SANITIZED || running_emulated() ? (sanitized) : (plain))

/* The shared corpus: $MEMLAB_LITMUS_CORPUS if set, else the first that
 * exists of ../shared/litmus-corpus beside the project root this test was
 * built in (a checkout in the team's workplace) and the workplace's own
 * /work/shared/litmus-corpus (a checkout cloned elsewhere, as CI's may be).
 * When none exists the tests fail and name the first place they looked. */
static inline const char *corpus_dir(void)
{
    const char *env = getenv("MEMLAB_LITMUS_CORPUS");
    if (env && *env)
        return env;
    static const char *const places[] = {
        MEMLAB_ROOT "/../shared/litmus-corpus",
        "/work/shared/litmus-corpus",
    };
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
        if (access(places[i], R_OK | X_OK) == 0)
            return places[i];
    return places[0];
}

static inline void catalog_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/litmus/tests/%s.litmus", MEMLAB_ROOT, name);
}

/* Whether the hardware here keeps x86-TSO's order, so that states seen may
 * be checked against it: on x86-64.  Not on a real aarch64 CPU, which shows
 * what TSO forbids (MP, LB, ...), and not under qemu-user (make test-arm64):
 * it runs aarch64's STLR and LDAR as plain x86 MOVs with no fence between,
 * so SB with seq_cst accesses shows its forbidden outcome there, which
 * neither x86-TSO nor ARMv8 allows. */
static inline bool hardware_is_tso(void)
{
    return ARCH_HARDWARE_TSO && !running_emulated();
}

/* The only timing in these tests: a hang kills the program (and fails the test). */
static inline void watchdog(unsigned seconds)
{
    alarm(seconds);
}

/* Run a catalog file through the on-the-fly path (parse, generate, compile,
 * dlopen, run); returns the parsed test (caller frees) and fills r. */
static inline struct lt_test *run_file(const char *path, long iterations, struct lt_result *r)
{
    char err[2048];
    struct lt_test *t = lt_parse_file(path, err, sizeof err);
    if (!t) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    struct lt_library lib;
    if (lt_compile(&t, 1, &lib, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        lt_test_free(t);
        return NULL;
    }
    struct lt_options o;
    lt_options_default(&o);
    o.iterations = iterations;
    int rc = lt_run(t, lib.fns[0], &o, r, err, sizeof err);
    lt_library_close(&lib);
    if (rc != 0) {
        fprintf(stderr, "%s\n", err);
        lt_test_free(t);
        return NULL;
    }
    return t;
}

/* Silence stdout around noisy calls (the CLI prints its results). */
static inline int stdout_off(void)
{
    fflush(stdout);
    int saved = dup(1);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    close(null);
    return saved;
}

static inline void stdout_on(int saved)
{
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
}

/* The litmus command in-process, its standard output thrown away; returns its exit status. */
static inline int cli(int argc, char **argv)
{
    int saved = stdout_off();
    int rc = lt_main(argc, argv);
    stdout_on(saved);
    return rc;
}

/* Directory listing for the model tests (needs <cmocka.h> and <dirent.h> first). */
#ifdef fail_msg
enum { MAX_FILES = 128 };

static inline int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .litmus files of dir, sorted, as malloc'd paths; returns how many. */
static inline int list_tests(const char *dir, char **paths)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("no litmus tests at %s (set MEMLAB_LITMUS_CORPUS for the corpus)", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < MAX_FILES) {
        size_t len = strlen(e->d_name);
        if (len <= 7 || strcmp(e->d_name + len - 7, ".litmus") != 0)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        paths[n++] = strdup(path);
    }
    closedir(d);
    qsort(paths, (size_t)n, sizeof paths[0], name_cmp);
    return n;
}

static inline void free_paths(char **paths, int n)
{
    for (int i = 0; i < n; i++)
        free(paths[i]);
}

#endif

#endif
