/* test_parse.c: the litmus parser on the shared corpus, the catalog, and bad input. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "litmus/unit/unit.h"

static int has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Every one of the corpus's 79 tests parses or is refused with "file:line: reason". */
static void corpus_parses_or_is_refused_with_a_reason(void **state)
{
    (void)state;
    const char *dir = corpus_dir();
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("litmus corpus not found at %s (set MEMLAB_LITMUS_CORPUS)", dir);
    int files = 0, parsed = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!has_suffix(e->d_name, ".litmus"))
            continue;
        char path[4096], err[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        files++;
        struct lt_test *t = lt_parse_file(path, err, sizeof err);
        if (t) {
            parsed++;
            assert_true(t->nthreads >= 1);
            assert_non_null(t->prop);
            lt_test_free(t);
            continue;
        }
        /* "path:LINE: reason" */
        size_t plen = strlen(path);
        assert_int_equal(strncmp(err, path, plen), 0);
        assert_true(err[plen] == ':');
        char *end;
        long line = strtol(err + plen + 1, &end, 10);
        assert_true(line >= 1);
        assert_true(end[0] == ':' && end[1] == ' ' && strlen(end + 2) > 10);
        printf("   refused %s\n", err + strlen(dir) + 1);
    }
    closedir(d);
    printf("   corpus: %d of %d tests parse, %d refused\n", parsed, files, files - parsed);
    assert_int_equal(files, 79);
    assert_true(parsed >= 60);
}

/* Every prefix of every corpus file either parses or is refused: no crash, no hang. */
static void truncated_files_never_crash_the_parser(void **state)
{
    (void)state;
    const char *dir = corpus_dir();
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    long tries = 0;
    while ((e = readdir(d))) {
        if (!has_suffix(e->d_name, ".litmus"))
            continue;
        char path[4096], err[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text = lt_read_file(path);
        assert_non_null(text);
        size_t len = strlen(text);
        for (size_t cut = 0; cut < len; cut += LT_SCALE(3, 17)) {
            char saved = text[cut];
            text[cut] = '\0';
            struct lt_test *t = lt_parse(path, text, err, sizeof err);
            lt_test_free(t);
            text[cut] = saved;
            tries++;
        }
        free(text);
    }
    closedir(d);
    assert_true(tries > 1000);
}

static const char *const catalog_names[] = {
    "SB", "SB+mfences", "SB+xchgs", "SB+scs", "SB+relacqs", "SB+rfi-pos", "R", "MP", "MP+wmb+rmb",
    "MP+relacq", "LB", "S", "2+2W", "WRC", "IRIW", "CoRR", "CoRW", "CoWR", "CoWW",
    /* C11 twins of the shapes: relaxed, release/acquire, seq_cst, fences (C11: keys) */
    "2+2W+fence-sc", "2+2W+rel", "2+2W+rlx", "2+2W+sc", "IRIW+fence-sc", "IRIW+rel-acq", "IRIW+rlx",
    "IRIW+sc", "LB+fence-rel-acq", "LB+rel-acq", "LB+rlx", "LB+sc", "MP+fence-rel-acq", "MP+rel-acq",
    "MP+rlx", "MP+sc", "R+fence-sc", "R+rel-acq", "R+rlx", "R+sc", "S+fence-rel-acq", "S+rel-acq",
    "S+rlx", "S+sc", "SB+fence-sc", "SB+rel-acq", "SB+rlx", "WRC+fence-rel-acq", "WRC+rel-acq",
    "WRC+rlx", "WRC+sc",
};

/* The catalog holds the tests the issue asks for, each with its header keys. */
static void catalog_files_carry_their_model_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof catalog_names / sizeof catalog_names[0]; i++) {
        char path[4096], err[1024];
        catalog_path(path, sizeof path, catalog_names[i]);
        struct lt_test *t = lt_parse_file(path, err, sizeof err);
        if (!t)
            fail_msg("%s", err);
        assert_string_equal(t->name, catalog_names[i]);
        const char *sc = lt_key(t, "SC"), *tso = lt_key(t, "x86-TSO");
        assert_non_null(lt_key(t, "Question"));
        assert_non_null(lt_key(t, "Outcome"));
        assert_non_null(sc);
        assert_non_null(tso);
        assert_true(strcmp(sc, "allowed") == 0 || strcmp(sc, "forbidden") == 0);
        assert_true(strcmp(tso, "allowed") == 0 || strcmp(tso, "forbidden") == 0);
        /* x86-TSO is weaker than SC: what SC allows, TSO allows */
        assert_false(strcmp(sc, "allowed") == 0 && strcmp(tso, "forbidden") == 0);
        lt_test_free(t);
    }
    /* and the build-time catalog is that same set */
    assert_int_equal(lt_catalog_count, (int)(sizeof catalog_names / sizeof catalog_names[0]));
}

struct refusal {
    const char *why;
    const char *body;      /* P0's body; P0 is (int *x, int *y) */
    int line;              /* expected line of the message */
    const char *message;   /* expected part of the message */
};

/* Line 1 "C T", 2 "{}", 3 "P0(...)", 4 "{", body from line 5. */
static const struct refusal refusals[] = {
    {"spin_lock", "spin_lock(x);", 5, "locks"},
    {"rcu", "rcu_read_lock();", 5, "RCU is not supported"},
    {"srcu", "int r0;\nr0 = srcu_read_lock(x);", 6, "SRCU"},
    {"atomic_t op", "atomic_inc(x);", 5, "atomic_t operations"},
    {"loop", "int r0;\nwhile (r0) r0 = 0;", 6, "loops"},
    {"for loop", "for (;;) ;", 5, "loops"},
    {"plain store", "*x = 1;", 5, "plain access"},
    {"plain load", "int r0;\nr0 = *x;", 6, "plain access"},
    {"access in expression", "int r0;\nr0 = READ_ONCE(*x) + 1;", 6, "whole right-hand side"},
    {"undeclared register", "r9 = 1;", 5, "not a declared register"},
    {"pointer register", "int *r0;", 5, "pointer registers"},
    {"release load", "int r0;\nr0 = atomic_load_explicit(x, memory_order_release);", 6, "release"},
    {"unknown call", "frobnicate(x);", 5, "frobnicate() is not supported"},
    {"division", "int r0;\nr0 = 4 / 2;", 6, "operator '/'"},
    {"not a parameter", "WRITE_ONCE(*z, 1);", 5, "not a parameter of P0"},
    {"READ_ONCE without star", "int r0;\nr0 = READ_ONCE(x);", 6, "takes '*x'"},
    {"bad memory order", "atomic_thread_fence(memory_order_bogus);", 5, "not a memory_order"},
    {"address of", "int r0;\nr0 = &x;", 6, "addresses"},
    {"smp_mb__after_atomic", "smp_mb__after_atomic();", 5, "not supported"},
    {"access in a condition", "if (READ_ONCE(*x)) WRITE_ONCE(*y, 1);", 5, "whole statements"},
    {"compound assignment", "int r0;\nr0 += 1;", 6, "assignments"},
};

static void unsupported_constructs_are_refused_with_file_and_line(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        char text[1024], err[1024], want[64];
        snprintf(text, sizeof text, "C T\n{}\nP0(int *x, int *y)\n{\n%s\n}\nexists (x=1)\n", refusals[i].body);
        struct lt_test *t = lt_parse("t.litmus", text, err, sizeof err);
        if (t)
            fail_msg("%s: accepted", refusals[i].why);
        snprintf(want, sizeof want, "t.litmus:%d: ", refusals[i].line);
        if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, refusals[i].message))
            fail_msg("%s: got \"%s\", want \"%s...%s\"", refusals[i].why, err, want, refusals[i].message);
    }
}

static void malformed_files_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "X86 SB\n",
        "C\n",
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\n",                          /* no condition */
        "C T\n{}\nP1(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n",          /* threads start at P0 */
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1);\nexists (x=1)\n",            /* unclosed body */
        "C T\n(* never closed\n{}\n",
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (0:r0=1)\n",       /* no such register */
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=y)\n",          /* pointer value */
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1) junk\n",
        "C T\n{ int *p = &x; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n",
        "C T\n{}\nP0(int **x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n",
        "C T\n{}\nP0(spinlock_t *s) { spin_lock(s); }\nexists (true)\n",
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 99999999999); }\nexists (x=1)\n",
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nfilter (x=1)\nexists (x=1)\n",
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1) }\nexists (x=1)\n",
        "C T\n{}\nP0(int *x) { \x01 }\nexists (x=1)\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[1024];
        struct lt_test *t = lt_parse("bad.litmus", bad[i], err, sizeof err);
        if (t)
            fail_msg("case %zu accepted:\n%s", i, bad[i]);
        assert_int_equal(strncmp(err, "bad.litmus:", 11), 0);
        assert_null(strchr(err, '\n')); /* one line */
    }
    /* deep nesting is refused, not a stack overflow */
    size_t n = 100000;
    char *deep = malloc(4 * n + 200);
    assert_non_null(deep);
    strcpy(deep, "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists ");
    size_t len = strlen(deep);
    memset(deep + len, '(', n);
    strcpy(deep + len + n, "x=1");
    memset(deep + len + n + 3, ')', n);
    deep[len + 2 * n + 3] = '\0';
    char err[256];
    assert_null(lt_parse("deep.litmus", deep, err, sizeof err));
    assert_non_null(strstr(err, "nested"));
    strcpy(deep, "C T\n{}\nP0(int *x) { int r; r = ");
    len = strlen(deep);
    memset(deep + len, '!', n);
    strcpy(deep + len + n, "1; }\nexists (x=1)\n");
    assert_null(lt_parse("deep.litmus", deep, err, sizeof err));
    assert_non_null(strstr(err, "nested"));
    free(deep);
    assert_null(lt_parse_file("/nonexistent/x.litmus", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/x.litmus"));
}

/* The condition language: /\ \/ ~ not ( ), ~exists, forall, and its evaluation. */
static void conditions_parse_and_evaluate(void **state)
{
    (void)state;
    const char *text =
        "C T\n{ x=0; y=5; }\nP0(int *x, int *y)\n{\n int r0;\n int r1 = -1;\n"
        " r0 = READ_ONCE(*x);\n if (r0 == 1 && r1 != 2) { r1 = r0 * 3 + 1; } else r1 = -r0;\n}\n"
        "P1(int *x) { int r0; r0 = xchg_acquire(x, 1); }\n"
        "locations [y]\n"
        "forall (~(0:r0=1 /\\ not 1:r0=0) \\/ (x=1 /\\ [x]=1))\n";
    char err[512];
    struct lt_test *t = lt_parse("c.litmus", text, err, sizeof err);
    if (!t)
        fail_msg("%s", err);
    assert_int_equal(t->quant, LT_FORALL);
    assert_int_equal(t->nobs, 4); /* 0:r0, 1:r0, x, y: registers first */
    char name[64];
    lt_loc_name(t, 0, name, sizeof name);
    assert_string_equal(name, "0:r0");
    lt_loc_name(t, 3, name, sizeof name);
    assert_string_equal(name, "y");
    assert_int_equal(t->vars[1].init, 5);
    int s1[] = {1, 1, 0, 5}; /* 0:r0=1, 1:r0=1: left false; x=0: right false */
    int s2[] = {1, 0, 0, 5}; /* 1:r0=0: left true */
    int s3[] = {1, 1, 1, 5}; /* x=1: right true */
    assert_false(lt_prop_eval(t->prop, s1));
    assert_true(lt_prop_eval(t->prop, s2));
    assert_true(lt_prop_eval(t->prop, s3));
    assert_int_equal(t->threads[1].body.stmts[0].kind, LT_S_RMW);
    assert_int_equal(t->threads[1].body.stmts[0].mo, LT_ACQUIRE);
    lt_test_free(t);

    t = lt_parse("n.litmus", "C N\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\n~exists (x=2)\n", err, sizeof err);
    assert_non_null(t);
    assert_int_equal(t->quant, LT_NOT_EXISTS);
    assert_string_equal(t->cond_text, "x=2");
    lt_test_free(t);
}

int main(void)
{
    watchdog(300);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus_parses_or_is_refused_with_a_reason),
        cmocka_unit_test(truncated_files_never_crash_the_parser),
        cmocka_unit_test(catalog_files_carry_their_model_keys),
        cmocka_unit_test(unsupported_constructs_are_refused_with_file_and_line),
        cmocka_unit_test(malformed_files_are_refused),
        cmocka_unit_test(conditions_parse_and_evaluate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
