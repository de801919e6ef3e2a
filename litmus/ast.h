/* ast.h: a parsed C litmus test, as a tree that the generator, the runner and a
 * model enumerator all walk.
 *
 * One test is: shared variables (each an int, with an initial value), threads
 * (each a list of statements over its own int registers), the observables
 * (the registers and variables whose final values make a "state") and the
 * final condition (exists / ~exists / forall over a proposition on the
 * observables).
 *
 * Invariants the parser guarantees, so walkers need no checks of their own:
 * - every memory access is a whole statement (LT_S_LOAD, LT_S_STORE, LT_S_RMW),
 *   never inside an expression, so each statement does at most one access;
 * - expressions (lt_expr) read only registers and constants;
 * - var indexes are < test->nvars, reg indexes are < thread->nregs, every
 *   register starts at its declared value (0 when none is given);
 * - memory orders are valid for their operation (no release load).
 * All nodes live in the test's arena and are freed by lt_test_free().
 */
#ifndef MEMLAB_LITMUS_AST_H
#define MEMLAB_LITMUS_AST_H

#include <stdbool.h>

/* Limits of the generated code's ABI (litmus/abi.h). */
#define LT_MAX_THREADS 8
#define LT_MAX_VARS 16
#define LT_MAX_REGS 32

/* C11 memory orders; consume is parsed as acquire (as compilers do). */
enum lt_mo { LT_RELAXED, LT_ACQUIRE, LT_RELEASE, LT_ACQ_REL, LT_SEQ_CST };

/* The source primitive, kept so output can name what the test wrote. */
enum lt_prim {
    LT_P_READ_ONCE, LT_P_WRITE_ONCE, LT_P_LOAD_ACQUIRE, LT_P_STORE_RELEASE,
    LT_P_ATOMIC_LOAD, LT_P_ATOMIC_STORE, LT_P_XCHG, LT_P_ATOMIC_EXCHANGE,
    LT_P_CMPXCHG, LT_P_SMP_MB, LT_P_SMP_RMB, LT_P_SMP_WMB, LT_P_BARRIER,
    LT_P_THREAD_FENCE, LT_P_NONE
};

enum lt_expr_kind { LT_E_CONST, LT_E_REG, LT_E_UNARY, LT_E_BINARY };

/* Operators: binary + - * & | ^ == != < <= > >= && ||, unary - ! ~.
 * Stored as their first character(s) packed in an int (LT_OP('<','=')). */
#define LT_OP(a, b) ((int)(a) | ((int)(b) << 8))

struct lt_expr {
    enum lt_expr_kind kind;
    int op;                 /* LT_E_UNARY / LT_E_BINARY */
    int value;              /* LT_E_CONST */
    int reg;                /* LT_E_REG: register index in the thread */
    struct lt_expr *a, *b;  /* operands */
};

enum lt_stmt_kind {
    LT_S_LOAD,   /* reg = load(var, mo) */
    LT_S_STORE,  /* store(var, value, mo) */
    LT_S_RMW,    /* reg = xchg(var, value, mo), or cmpxchg(var, expected, value, mo, mo_fail); reg may be -1 */
    LT_S_FENCE,  /* fence(mo); prim LT_P_BARRIER is a compiler-only barrier */
    LT_S_ASSIGN, /* reg = value (registers and constants only) */
    LT_S_IF      /* if (value) then else els */
};

struct lt_stmt;
struct lt_block {
    struct lt_stmt *stmts;
    int n;
};

struct lt_stmt {
    enum lt_stmt_kind kind;
    enum lt_prim prim;
    int line;                   /* source line, for messages */
    enum lt_mo mo, mo_fail;     /* mo_fail: cmpxchg's order when it fails */
    bool is_cmpxchg;            /* LT_S_RMW */
    int reg;                    /* destination register, -1 for none */
    int var;                    /* accessed shared variable */
    struct lt_expr *value;      /* stored / new value; assigned value; if condition */
    struct lt_expr *expected;   /* cmpxchg's expected value */
    struct lt_block then, els;  /* LT_S_IF */
};

struct lt_var {
    const char *name;
    int init;
};

struct lt_reg {
    const char *name;
    int init;
};

struct lt_thread {
    int nparams;
    int params[LT_MAX_VARS];    /* shared variables this thread names, as var indexes */
    struct lt_reg regs[LT_MAX_REGS];
    int nregs;
    struct lt_block body;
};

/* An observable location: a register (thread >= 0) or a shared variable. */
struct lt_loc {
    int thread;   /* -1 for a shared variable */
    int index;    /* register index in that thread, or var index */
};

enum lt_prop_kind { LT_C_TRUE, LT_C_FALSE, LT_C_ATOM, LT_C_NOT, LT_C_AND, LT_C_OR };

struct lt_prop {
    enum lt_prop_kind kind;
    int obs;                 /* LT_C_ATOM: index into test->obs */
    struct lt_loc loc;       /* LT_C_ATOM: the location itself */
    int value;               /* LT_C_ATOM: obs == value (or != when neq) */
    bool neq;
    struct lt_prop *a, *b;
};

enum lt_quant { LT_EXISTS, LT_NOT_EXISTS, LT_FORALL };

/* "Key: value" lines from the comment that opens the file (SC, x86-TSO, ...). */
struct lt_key {
    const char *key, *value;
};

struct lt_arena;

struct lt_test {
    const char *name;
    const char *path;
    struct lt_var vars[LT_MAX_VARS];
    int nvars;
    struct lt_thread threads[LT_MAX_THREADS];
    int nthreads;
    struct lt_loc obs[LT_MAX_THREADS * LT_MAX_REGS + LT_MAX_VARS];
    int nobs;                /* observables, sorted: registers by thread, then variables */
    enum lt_quant quant;
    struct lt_prop *prop;
    const char *cond_text;   /* the proposition as written, whitespace folded */
    struct lt_key keys[32];
    int nkeys;
    struct lt_arena *arena;
};

/* Value of a header key (case-insensitive name), or NULL. */
const char *lt_key(const struct lt_test *t, const char *key);

/* Evaluate the proposition on one state (values in test->obs order). */
bool lt_prop_eval(const struct lt_prop *p, const int *state);

/* Write an observable's name ("0:r0" or "x") into buf. */
void lt_loc_name(const struct lt_test *t, int obs, char *buf, int size);

/* Write the proposition in litmus syntax ("0:r0=0 /\ 1:r0=0") into buf. */
void lt_prop_print(const struct lt_test *t, const struct lt_prop *p, char *buf, int size);

/* Name of a memory order ("relaxed", ...) and of a primitive ("READ_ONCE"). */
const char *lt_mo_name(enum lt_mo mo);
const char *lt_prim_name(enum lt_prim p);

void lt_test_free(struct lt_test *t);

#endif
