/* test_parse.c: the litmus parser on the shared corpus, the catalog, and bad input. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "litmus/mapping.h"
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
    assert_int_equal(parsed, 79);
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
    "MP+locks", "MP+rcu-pointer", "RCU+sync+free", "Counter+read-set", "Counter+atomic_inc",
    /* C11 twins of the shapes: relaxed, release/acquire, seq_cst, fences (C11: keys) */
    "2+2W+fence-sc", "2+2W+rel", "2+2W+rlx", "2+2W+sc", "IRIW+fence-sc", "IRIW+rel-acq", "IRIW+rlx",
    "IRIW+sc", "LB+fence-rel-acq", "LB+rel-acq", "LB+rlx", "LB+sc", "MP+fence-rel-acq", "MP+rel-acq",
    "MP+rlx", "MP+sc", "R+fence-sc", "R+rel-acq", "R+rlx", "R+sc", "S+fence-rel-acq", "S+rel-acq",
    "S+rlx", "S+sc", "SB+fence-sc", "SB+rel-acq", "SB+rlx", "WRC+fence-rel-acq", "WRC+rel-acq",
    "WRC+rlx", "WRC+sc",
    /* a data race on plain variables, and the release/acquire flag that removes it */
    "MP+plain", "MP+plain+rel-acq",
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
    /* a name that is not one gets the close one suggested (issue 12 item 7) */
    assert_string_equal(lt_catalog_suggest("sb"), "SB");
    assert_string_equal(lt_catalog_suggest("mp+relaq"), "MP+relacq");
    assert_null(lt_catalog_suggest("zzzz"));
}

struct refusal {
    const char *why;
    const char *body;      /* P0's body; P0 is (int *x, int *y) */
    int line;              /* expected line of the message */
    const char *message;   /* expected part of the message */
};

/* Line 1 "C T", 2 "{}", 3 "P0(...)", 4 "{", body from line 5.  What the
 * dialect still lacks, each refused with its line and the reason. */
static const struct refusal refusals[] = {
    {"loop", "int r0;\nwhile (r0) r0 = 0;", 6, "loops"},
    {"for loop", "for (;;) ;", 5, "loops"},
    {"goto", "goto out;", 5, "'goto' is not supported"},
    {"release load", "int r0;\nr0 = atomic_load_explicit(x, memory_order_release);", 6, "release"},
    {"acquire store", "atomic_store_explicit(x, 1, memory_order_acquire);", 5, "acquire"},
    {"unknown call", "frobnicate(x);", 5, "frobnicate() is not an operation memlab knows"},
    {"READ_ONCE without star", "int r0;\nr0 = READ_ONCE(x);", 6, "takes '*x'"},
    {"bad memory order", "atomic_thread_fence(memory_order_bogus);", 5, "not a memory_order"},
    {"address of a register", "int r0;\nint r1;\nr0 = &r1;", 7, "only the address of a shared variable"},
    {"compound assignment", "int r0;\nr0 += 1;", 6, "'r0+=' is not supported"},
    {"increment", "int r0;\nr0++;", 6, "'r0++' is not supported"},
    {"access right of &&", "int r0;\nr0 = 1 && READ_ONCE(*x);", 6, "right of '&&'"},
    {"access in ?:", "int r0;\nr0 = 1 ? READ_ONCE(*x) : 0;", 6, "inside '?:'"},
    {"array", "int r0[2];", 5, "arrays"},
    {"struct field", "int r0;\nr0 = READ_ONCE(*x).f;", 6, "'.' is not supported"},
    {"struct type", "struct foo *p;", 5, "structs are not supported"},
    {"spin_unlock_wait", "spin_unlock_wait(x);", 5, "spin_unlock_wait() is gone"},
    {"mutex", "mutex_lock(x);", 5, "mutexes"},
    {"call_rcu", "call_rcu(x);", 5, "call_rcu"},
    {"atomic64", "atomic64_inc(x);", 5, "atomic64_t"},
    {"smp_cond_load", "int r0;\nr0 = smp_cond_load_acquire(x, VAL);", 6, "a loop"},
    {"store has no value", "int r0;\nr0 = WRITE_ONCE(*x, 1);", 6, "has no value"},
    {"noreturn RMW has no value", "int r0;\nr0 = atomic_inc(x);", 6, "has no value"},
    {"assign to a variable", "x = 1;", 5, "shared variable's address"},
    {"a constant location", "WRITE_ONCE(*1, 1);", 5, "not a pointer"},
    {"static", "static int r0;", 5, "static"},
    {"failure order release",
     "int r0;\natomic_compare_exchange_strong_explicit(x, &r0, 1, memory_order_seq_cst, memory_order_release);", 6,
     "cannot be release"},
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
        "AArch64 MP\n\"a description\"\n{ 0:X1=x; }\n P0 | P1 ;\n MOV W0,#1 | LDR W0,[X1] ;\nexists (1:X0=1)\n",
        "LISA SB\n{}\n P0 | P1 ;\n w[] x 1 | w[] y 1 ;\nexists (0:r0=0)\n",
        "C\n",
        "C T\n{ __int128_t x = 1; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\n",       /* unknown type */
        "C T\n{}\nP1(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n",          /* threads start at P0 */
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1);\nexists (x=1)\n",            /* unclosed body */
        "C T\n(* never closed\n{}\n",
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (0:r0=1)\n",       /* no such register */
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=y)\n",          /* no variable y */
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1) junk\n",
        "C T\n{}\nP0(int x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n",           /* not a pointer */
        "C T\n{}\nP0(float *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n",
        "C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 99999999999); }\nexists (x=1)\n",
        "C T\n{ 3:r0=1; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n",  /* no P3 */
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

/* Tests in other formats are refused as such, in one line. */
static void other_formats_are_refused_in_one_line(void **state)
{
    (void)state;
    const char *const archs[] = {"X86", "AArch64", "LISA", "PPC", "ARM", "RISCV"};
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        char text[256], err[512], want[128];
        snprintf(text, sizeof text, "%s T\n{ 0:r1=x; }\n P0 ;\n nop ;\nexists (0:r0=0)\n", archs[i]);
        assert_null(lt_parse("a.litmus", text, err, sizeof err));
        snprintf(want, sizeof want, "a.litmus:1: not a C litmus test: this one is for '%s'", archs[i]);
        if (strncmp(err, want, strlen(want)) != 0 || strchr(err, '\n'))
            fail_msg("got \"%s\", want \"%s...\"", err, want);
    }
}

static const struct lt_stmt *ev(const struct lt_test *t, int thread, int id)
{
    assert_true(id < t->threads[thread].naccesses);
    const struct lt_stmt *s = t->threads[thread].access[id];
    assert_non_null(s);
    assert_int_equal(s->id, id);
    return s;
}

static struct lt_test *parse_ok(const char *text)
{
    char err[1024];
    struct lt_test *t = lt_parse("ok.litmus", text, err, sizeof err);
    if (!t)
        fail_msg("refused: %s\n%s", err, text);
    return t;
}

static int var_named(const struct lt_test *t, const char *name)
{
    for (int i = 0; i < t->nvars; i++)
        if (strcmp(t->vars[i].name, name) == 0)
            return i;
    fail_msg("no variable %s", name);
    return -1;
}

static int reg_named(const struct lt_thread *th, const char *name)
{
    for (int r = 0; r < th->nregs; r++)
        if (strcmp(th->regs[r].name, name) == 0)
            return r;
    fail_msg("no register %s", name);
    return -1;
}

/* Layout: diy7's metadata lines, every comment style, init forms (pointers,
 * register values, declarations with types), filter, loc=loc, P0:r names. */
static void layout_init_and_conditions(void **state)
{
    (void)state;
    struct lt_test *t = parse_ok(
        "C MP+diy\n\"PodWW Rfe PodRR Fre\"\nCycle=Rfe PodRR Fre PodWW\nRelax=\nSafe=Rfe\n"
        "Prefetch=0:x=F,1:y=T\nCom=Rf Fr\nOrig=PodWW Rfe\nGenerator=diy7 (version 7.56)\n"
        "(* Result: Never *)\n/* block */ // line\n"
        "{\n int y = 1; int *p = &y; q=y; atomic_t v = ATOMIC_INIT(3); spinlock_t l;\n"
        " struct srcu_struct s; 0:r3=2; 1:r1=p; int *1:r5;\n}\n"
        "P0(int *x, int **p, atomic_t *v) { r0 = READ_ONCE(*x); }\n"
        "void P1(volatile int *y, intptr_t *q, spinlock_t *l, struct srcu_struct *s) { r2 = 7 / 2 % 3 << 1 >> 1; }\n"
        "locations [y; 1:r2;]\nfilter (0:r3=2)\nexists (1:r1=p /\\ P1:r2=1:r2 /\\ q=y);\n");
    assert_string_equal(t->name, "MP+diy");
    assert_string_equal(lt_key(t, "Result"), "Never");
    int y = var_named(t, "y"), p = var_named(t, "p"), v = var_named(t, "v"), l = var_named(t, "l"),
        s = var_named(t, "s"), q = var_named(t, "q");
    assert_int_equal(t->vars[y].init, 1);
    assert_int_equal(t->vars[p].init, LT_PTR(y));
    assert_int_equal(t->vars[p].type, LT_VT_PTR);
    assert_int_equal(t->vars[q].init, LT_PTR(y));
    assert_int_equal(t->vars[v].init, 3);
    assert_int_equal(t->vars[v].type, LT_VT_ATOMIC_T);
    assert_int_equal(t->vars[l].type, LT_VT_LOCK);
    assert_int_equal(t->vars[s].type, LT_VT_SRCU);
    /* registers: undeclared (r0, r2), from the init block (0:r3, 1:r1, 1:r5) */
    const struct lt_thread *p0 = &t->threads[0], *p1 = &t->threads[1];
    assert_int_equal(p0->regs[reg_named(p0, "r3")].init, 2);
    assert_int_equal(p1->regs[reg_named(p1, "r1")].init, LT_PTR(p));
    assert_int_equal(p1->regs[reg_named(p1, "r5")].init, 0);
    assert_int_equal(p0->body.stmts[0].kind, LT_S_LOAD);
    assert_int_equal(p1->body.stmts[0].kind, LT_S_ASSIGN);
    assert_int_equal(lt_binop('/', 7, 2), 3);
    assert_int_equal(lt_binop('/', 7, 0), 0);
    assert_int_equal(lt_binop('%', 7, 0), 0);
    assert_int_equal(lt_binop(LT_OP('<', '<'), 1, 33), 2);
    assert_non_null(t->filter);
    assert_non_null(strstr(t->cond_text, "1:r1=p"));
    assert_non_null(strstr(t->cond_text, "1:r2=1:r2"));
    char buf[64];
    lt_value_name(t, LT_PTR(y), buf, sizeof buf);
    assert_string_equal(buf, "y");
    lt_value_name(t, -4, buf, sizeof buf);
    assert_string_equal(buf, "-4");
    lt_test_free(t);
}

/* Every operation family, with what the table says about it. */
static void operations_kernel_c11_locks_rcu(void **state)
{
    (void)state;
    struct lt_test *t = parse_ok(
        "C OPS\n{}\n"
        "P0(int *x, atomic_t *v, atomic_int *c, spinlock_t *l, struct srcu_struct *s)\n{\n"
        " int r0; int r1; int r2; int r3; int r4; int r5; int r6; int r7;\n"
        " *x = 1;\n"                                    /* 0 plain store */
        " r0 = *x;\n"                                   /* 1 plain load */
        " smp_store_mb(*x, 2);\n"                       /* 2 store, 3 mb */
        " smp_mb__before_atomic();\n"                   /* 4 */
        " atomic_add(2, v);\n"                          /* 5 noreturn */
        " r1 = atomic_add_return_relaxed(1, v);\n"      /* 6 */
        " r2 = atomic_fetch_sub_acquire(1, v);\n"       /* 7 */
        " r3 = atomic_dec_and_test(v);\n"               /* 8 */
        " r4 = atomic_add_unless(v, 1, 5);\n"           /* 9 */
        " r5 = atomic_cmpxchg_release(v, 1, 2);\n"      /* 10 */
        " smp_mb__after_atomic();\n"                    /* 11 */
        " spin_lock(l);\n smp_mb__after_spinlock();\n spin_unlock(l);\n" /* 12 13 14 */
        " r6 = spin_trylock(l);\n r7 = spin_is_locked(l);\n smp_mb__after_unlock_lock();\n" /* 15 16 17 */
        " rcu_read_lock();\n rcu_read_unlock();\n synchronize_rcu();\n" /* 18 19 20 */
        " r0 = srcu_read_lock(s);\n srcu_read_unlock(s, r0);\n synchronize_srcu(s);\n" /* 21 22 23 */
        " r1 = atomic_fetch_add_explicit(c, 2, memory_order_release);\n" /* 24 */
        " r2 = atomic_compare_exchange_strong(c, &r3, 5);\n" /* 25 */
        " atomic_thread_fence(memory_order_acq_rel);\n"  /* 26 */
        " r4 = atomic_fetch_add(c, 1);\n"               /* 27: C11 argument order */
        "}\nexists (0:r0=0)\n");
    const struct lt_thread *th = &t->threads[0];
    assert_int_equal(th->naccesses, 28);
    assert_true(ev(t, 0, 0)->plain && ev(t, 0, 0)->kind == LT_S_STORE && ev(t, 0, 0)->ann == LT_ANN_PLAIN);
    assert_true(ev(t, 0, 1)->plain && ev(t, 0, 1)->kind == LT_S_LOAD);
    assert_int_equal(ev(t, 0, 2)->kind, LT_S_STORE);
    assert_int_equal(ev(t, 0, 3)->fence, LT_F_MB);
    assert_int_equal(ev(t, 0, 4)->fence, LT_F_BEFORE_ATOMIC);
    assert_int_equal(ev(t, 0, 5)->ann, LT_ANN_NORETURN);
    assert_int_equal(ev(t, 0, 5)->ret, LT_RET_NONE);
    assert_int_equal(ev(t, 0, 5)->reg, -1);
    assert_int_equal(ev(t, 0, 6)->ann, LT_ANN_ONCE);
    assert_int_equal(ev(t, 0, 6)->ret, LT_RET_NEW);
    assert_int_equal(ev(t, 0, 7)->ann, LT_ANN_ACQUIRE);
    assert_int_equal(ev(t, 0, 7)->rmw, LT_RMW_SUB);
    assert_int_equal(ev(t, 0, 7)->ret, LT_RET_OLD);
    assert_int_equal(ev(t, 0, 8)->ann, LT_ANN_MB);
    assert_true(ev(t, 0, 8)->op->full);
    assert_int_equal(ev(t, 0, 8)->ret, LT_RET_ZERO);
    assert_int_equal(ev(t, 0, 9)->cond, LT_RMW_IF_NE);
    assert_int_equal(ev(t, 0, 9)->ret, LT_RET_WROTE);
    assert_int_equal(ev(t, 0, 10)->cond, LT_RMW_IF_EQ);
    assert_int_equal(ev(t, 0, 10)->ann, LT_ANN_RELEASE);
    assert_int_equal(ev(t, 0, 11)->fence, LT_F_AFTER_ATOMIC);
    assert_int_equal(ev(t, 0, 12)->kind, LT_S_LOCK);
    assert_int_equal(ev(t, 0, 13)->fence, LT_F_AFTER_SPINLOCK);
    assert_int_equal(ev(t, 0, 14)->kind, LT_S_UNLOCK);
    assert_int_equal(ev(t, 0, 15)->kind, LT_S_TRYLOCK);
    assert_int_equal(ev(t, 0, 16)->kind, LT_S_ISLOCKED);
    assert_int_equal(ev(t, 0, 17)->fence, LT_F_AFTER_UNLOCK_LOCK);
    assert_int_equal(ev(t, 0, 18)->kind, LT_S_RCU_LOCK);
    assert_int_equal(ev(t, 0, 18)->domain, -1);
    assert_int_equal(ev(t, 0, 19)->kind, LT_S_RCU_UNLOCK);
    assert_int_equal(ev(t, 0, 20)->kind, LT_S_SYNC_RCU);
    assert_int_equal(ev(t, 0, 21)->kind, LT_S_RCU_LOCK);
    assert_true(ev(t, 0, 21)->domain >= 0 && ev(t, 0, 21)->reg >= 0);
    assert_int_equal(ev(t, 0, 22)->domain, ev(t, 0, 21)->domain);
    assert_int_equal(ev(t, 0, 23)->kind, LT_S_SYNC_RCU);
    assert_int_equal(ev(t, 0, 24)->ann, LT_ANN_C11);
    assert_int_equal(ev(t, 0, 24)->mo, LT_RELEASE);
    assert_int_equal(ev(t, 0, 25)->reg_expected, 3);
    assert_int_equal(ev(t, 0, 25)->ret, LT_RET_WROTE);
    assert_int_equal(ev(t, 0, 26)->mo, LT_ACQ_REL);
    assert_int_equal(ev(t, 0, 27)->ann, LT_ANN_C11);
    assert_true(t->has_locks && t->has_rcu);
    lt_test_free(t);
}

/* Accesses in expressions are hoisted in order; dependencies follow registers. */
static void hoisting_pointers_and_dependencies(void **state)
{
    (void)state;
    struct lt_test *t = parse_ok(
        "C DEPS\n{ p = x; }\n"
        "P0(int *x, int **p, int *y, int *z)\n{\n"
        " int *r0; int r1; int r2;\n"
        " r0 = rcu_dereference(*p);\n"                        /* 0 */
        " r1 = READ_ONCE(*r0);\n"                              /* 1: addr dep on 0 */
        " WRITE_ONCE(*y, r1 + 1);\n"                           /* 2: data dep on 1 */
        " if (READ_ONCE(*z) == 1)\n"                           /* 3: hoisted */
        "   WRITE_ONCE(*x, 1);\n"                              /* 4: ctrl dep on 3 */
        " r2 = (int)READ_ONCE(*(int *)x) + READ_ONCE(*y);\n"  /* 5, 6 in order */
        " WRITE_ONCE(*z, 0);\n"                                /* 7: no dependency */
        "}\nexists (0:r1=0 /\\ 0:r0=x)\n");
    const struct lt_thread *th = &t->threads[0];
    int x = var_named(t, "x"), y = var_named(t, "y"), p = var_named(t, "p");
    assert_int_equal(th->naccesses, 8);
    assert_int_equal(ev(t, 0, 0)->reg, reg_named(th, "r0")); /* no hidden register for a whole right side */
    assert_int_equal(ev(t, 0, 1)->var, -1);                  /* through a pointer register */
    assert_int_equal(ev(t, 0, 1)->addr->kind, LT_E_REG);
    assert_true(ev(t, 0, 1)->addr_deps == 1u << 0);
    assert_true(ev(t, 0, 2)->data_deps == 1u << 1);
    assert_true(ev(t, 0, 2)->addr_deps == 0);
    assert_true(th->regs[ev(t, 0, 3)->reg].hidden);
    assert_true(ev(t, 0, 4)->ctrl_deps == 1u << 3);
    assert_int_equal(ev(t, 0, 5)->var, x);
    assert_int_equal(ev(t, 0, 6)->var, y);
    assert_true(ev(t, 0, 7)->ctrl_deps == 0 && ev(t, 0, 7)->data_deps == 0);
    assert_int_equal(t->vars[p].init, LT_PTR(x));
    assert_true(t->has_pointers);
    assert_non_null(strstr(t->cond_text, "0:r0=x"));
    assert_string_equal(ev(t, 0, 1)->text, "READ_ONCE(*r0)");
    lt_test_free(t);

    /* a register assigned in one branch carries the read of either path */
    t = parse_ok("C M\n{}\nP0(int *x, int *y) { int r0 = 0; int r1;\n"
                 " r1 = READ_ONCE(*x);\n if (r1) r0 = READ_ONCE(*y);\n WRITE_ONCE(*x, r0); }\nexists (x=1)\n");
    assert_true(ev(t, 0, 2)->data_deps == 1u << 1);
    assert_true(ev(t, 0, 1)->ctrl_deps == 1u << 0);
    lt_test_free(t);
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
        cmocka_unit_test(other_formats_are_refused_in_one_line),
        cmocka_unit_test(layout_init_and_conditions),
        cmocka_unit_test(operations_kernel_c11_locks_rcu),
        cmocka_unit_test(hoisting_pointers_and_dependencies),
        cmocka_unit_test(conditions_parse_and_evaluate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
