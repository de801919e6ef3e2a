/* ast.h: a parsed C litmus test, as a tree that the generator, the runner, the
 * operational enumerators (model.c) and the axiomatic models all walk.
 *
 * One test is: shared variables (each holds one int-sized value: an integer,
 * a pointer to another shared variable, a lock word; each with an initial
 * value), threads (each a list of statements over its own registers), the
 * observables (the registers and variables whose final values make a
 * "state"), an optional filter and the final condition (exists / ~exists /
 * forall over a proposition on the observables).
 *
 * VALUES.  Every value is an int.  A pointer to shared variable v is the
 * tagged value LT_PTR(v) (LT_PTR_BASE + v), so pointers are values like any
 * other: they are stored, loaded, compared and printed ("1:r0=x").  NULL is
 * 0.  A dereference of a value that is not LT_PTR(some var) is a bad access
 * (the enumerators drop that execution; the generated code touches a spare
 * word instead, never wild memory).
 *
 * EVENTS AND ACCESS IDS.  Every statement that is an event in a model's sense
 * (a load, store, read-modify-write, fence, lock operation, RCU/SRCU
 * operation: every kind but LT_S_ASSIGN and LT_S_IF) has an access id: its
 * index among its thread's events, numbered 0, 1, 2, ... in source order,
 * walking an if's then-block before its else-block.  Ids are per thread, so
 * (thread, id) names one static event; thread->access[id] is its statement,
 * thread->naccesses counts them (at most LT_MAX_ACCESSES, so a set of ids is
 * one 64-bit word, lt_deps).  In an execution an event runs at most once
 * (tests have no loops), so a model may use (thread, id) as the event's name
 * and a bit of lt_deps as "depends on that read".
 *
 * DEPENDENCIES (what the kernel and ARM models order by).  Each expression
 * node carries deps: the ids of the reads (loads, RMWs, trylock, is_locked,
 * srcu_read_lock: events with a result register) whose values it was
 * computed from, through registers, as the parser saw the program in order.
 * Each event statement carries:
 *   addr_deps  reads its address was computed from (*r0 where r0 = READ_ONCE(*p));
 *   data_deps  reads its stored value (and a cmpxchg's expected value, an
 *              RMW's operand) was computed from;
 *   ctrl_deps  reads that the conditions of the enclosing ifs were computed
 *              from (an event inside "if (r0) ..." depends on r0's read).
 * The sets follow registers through assignments (r1 = r0 + 1 carries r0's
 * deps).  After an if/else, a register assigned in a branch carries the union
 * of what it carries on each path (exact for straight-line code and for the
 * usual "if (r) WRITE_ONCE(...)" shapes).  ctrl_deps cover the events inside
 * the branches only, as herd7's C semantics does (code after the if runs
 * either way).  These static sets describe the program for readers and
 * tests; the axiomatic engine (exec.c) computes the same sets path by path
 * as it runs each thread, which is exact where the union above is not (a
 * register overwritten in one branch carries, after the if, only what the
 * branch taken gave it).
 *
 * ACCESSES IN EXPRESSIONS.  C allows "if (READ_ONCE(*x))" or
 * "r = READ_ONCE(*x) + READ_ONCE(*y)".  The parser hoists each such access
 * into its own statement, in C's evaluation order (left to right; && || and
 * ?: become ifs, so a read that C would not evaluate is not done), writing a
 * hidden register (lt_reg.hidden, named "_tN", never observable).  So:
 *
 * Invariants the parser guarantees, so walkers need no checks of their own:
 * - every memory access is a whole statement, never inside an expression:
 *   each statement is at most one event; expressions (lt_expr) read only
 *   registers, constants and addresses of shared variables (LT_E_ADDR);
 * - s->var is the accessed variable when the address is a known variable
 *   (the address expression is LT_E_ADDR), else -1 and s->addr must be
 *   evaluated (a pointer register: *r0);
 * - var indexes are < test->nvars, reg indexes are < thread->nregs, every
 *   register starts at its declared value (0 when none is given);
 * - memory orders are valid for their operation (no release load);
 * - s->op is never NULL for an event; it is the row of the operation table
 *   (mapping.h) for what the source wrote, so output can name it.
 * All nodes live in the test's arena and are freed by lt_test_free().
 */
#ifndef MEMLAB_LITMUS_AST_H
#define MEMLAB_LITMUS_AST_H

#include <stdbool.h>
#include <stdint.h>

/* Limits (the generated code's ABI, litmus/abi.h, has LT_MAX_VARS slots).
 * Real tests: kernel-style generated tests reach 19 threads and ~40 variables. */
#define LT_MAX_THREADS 24
#define LT_MAX_VARS 64
#define LT_MAX_REGS 64
#define LT_MAX_ACCESSES 64 /* events per thread: a set of them is one lt_deps word */

/* A pointer to shared variable v, as a value. */
#define LT_PTR_BASE 0x40000000
#define LT_PTR(v) (LT_PTR_BASE + (v))

/* A set of access ids of one thread (bit i: the read with id i). */
typedef uint64_t lt_deps;

/* C11 memory orders; consume is parsed as acquire (as compilers do). */
enum lt_mo { LT_RELAXED, LT_ACQUIRE, LT_RELEASE, LT_ACQ_REL, LT_SEQ_CST };

/* The source primitive of the first version of the AST: kept while gen.c,
 * model.c and explain.c move to s->op (mapping.h); new code reads s->op. */
enum lt_prim {
    LT_P_READ_ONCE, LT_P_WRITE_ONCE, LT_P_LOAD_ACQUIRE, LT_P_STORE_RELEASE,
    LT_P_ATOMIC_LOAD, LT_P_ATOMIC_STORE, LT_P_XCHG, LT_P_ATOMIC_EXCHANGE,
    LT_P_CMPXCHG, LT_P_SMP_MB, LT_P_SMP_RMB, LT_P_SMP_WMB, LT_P_BARRIER,
    LT_P_THREAD_FENCE, LT_P_NONE
};

/* The kernel's (LKMM's) annotation of an access: what ordering the
 * operation as written promises.  C11 operations are LT_ANN_C11 (read mo). */
enum lt_ann {
    LT_ANN_PLAIN,    /* *x = v, r = *x: a plain C access (racy ones are data races) */
    LT_ANN_ONCE,     /* READ_ONCE, WRITE_ONCE, atomic_read/set, _relaxed RMWs, rcu_dereference */
    LT_ANN_ACQUIRE,  /* smp_load_acquire, _acquire RMWs, spin_lock's read */
    LT_ANN_RELEASE,  /* smp_store_release, rcu_assign_pointer, _release RMWs, spin_unlock */
    LT_ANN_MB,       /* value-returning RMWs without suffix: fully ordered (smp_mb before and after) */
    LT_ANN_NORETURN, /* non-returning RMWs (atomic_add, atomic_inc, ...): no ordering */
    LT_ANN_C11       /* a <stdatomic.h> operation: its lt_mo says it all */
};

enum lt_stmt_kind {
    LT_S_LOAD,        /* reg = load(addr) */
    LT_S_STORE,       /* store(addr, value) */
    LT_S_RMW,         /* reg = read-modify-write(addr, ...): see lt_rmw_op/cond/ret */
    LT_S_FENCE,       /* a fence: see lt_fence */
    LT_S_LOCK,        /* spin_lock(addr): wait until the lock word is 0, set it to 1 (acquire) */
    LT_S_UNLOCK,      /* spin_unlock(addr): lock word = 0 (release) */
    LT_S_TRYLOCK,     /* reg = spin_trylock(addr): 1 and locked if it was free, else 0 (no write) */
    LT_S_ISLOCKED,    /* reg = spin_is_locked(addr): reads the lock word (!= 0) */
    LT_S_RCU_LOCK,    /* rcu_read_lock(), reg = srcu_read_lock(addr): enter a read-side section */
    LT_S_RCU_UNLOCK,  /* rcu_read_unlock(), srcu_read_unlock(addr, value): leave it */
    LT_S_SYNC_RCU,    /* synchronize_rcu(), synchronize_srcu(addr): wait for pre-existing sections */
    LT_S_ASSIGN,      /* reg = value (no memory) */
    LT_S_IF           /* if (value) then else els */
};

/* The fence a LT_S_FENCE statement is. */
enum lt_fence {
    LT_F_MB,                /* smp_mb() */
    LT_F_RMB,               /* smp_rmb() */
    LT_F_WMB,               /* smp_wmb() */
    LT_F_BEFORE_ATOMIC,     /* smp_mb__before_atomic() */
    LT_F_AFTER_ATOMIC,      /* smp_mb__after_atomic() */
    LT_F_AFTER_SPINLOCK,    /* smp_mb__after_spinlock() */
    LT_F_AFTER_UNLOCK_LOCK, /* smp_mb__after_unlock_lock() */
    LT_F_AFTER_SRCU_UNLOCK, /* smp_mb__after_srcu_read_unlock() */
    LT_F_BARRIER,           /* barrier(): the compiler only */
    LT_F_C11,               /* atomic_thread_fence(mo) */
    LT_F_C11_SIGNAL         /* atomic_signal_fence(mo): the compiler only */
};

/* What a read-modify-write computes: new = old OP operand. */
enum lt_rmw_op {
    LT_RMW_XCHG,   /* new = operand */
    LT_RMW_ADD, LT_RMW_SUB, LT_RMW_AND, LT_RMW_OR, LT_RMW_XOR,
    LT_RMW_ANDNOT  /* new = old & ~operand (atomic_andnot) */
};

/* When it writes (when it does not, it is only a read, ordered by mo_fail / ann_fail). */
enum lt_rmw_cond {
    LT_RMW_ALWAYS,
    LT_RMW_IF_EQ,  /* old == expected: cmpxchg, atomic_compare_exchange_* */
    LT_RMW_IF_NE   /* old != expected: atomic_add_unless(v, a, u), atomic_inc_not_zero */
};

/* What it returns into reg. */
enum lt_rmw_ret {
    LT_RET_OLD,     /* xchg, cmpxchg, fetch_* */
    LT_RET_NEW,     /* *_return */
    LT_RET_WROTE,   /* 1 if it wrote: add_unless, inc_not_zero, compare_exchange (bool) */
    LT_RET_ZERO,    /* new == 0: dec_and_test, sub_and_test, inc_and_test */
    LT_RET_NEG,     /* new < 0: add_negative */
    LT_RET_NONE     /* non-returning (atomic_add, ...): reg is -1 */
};

enum lt_expr_kind {
    LT_E_CONST,   /* value */
    LT_E_REG,     /* reg */
    LT_E_ADDR,    /* the pointer to shared variable var: value LT_PTR(var) (&x, or x as a value) */
    LT_E_UNARY,   /* op a */
    LT_E_BINARY,  /* a op b */
    LT_E_COND     /* a ? b : c (registers only; c is in expr->c) */
};

/* Operators: binary + - * / % << >> & | ^ == != < <= > >= && ||, unary - ! ~.
 * Stored as their first character(s) packed in an int (LT_OP('<','=')).
 * Arithmetic wraps; / and % by zero give 0 (no undefined behaviour). */
#define LT_OP(a, b) ((int)(a) | ((int)(b) << 8))

struct lt_expr {
    enum lt_expr_kind kind;
    int op;                     /* LT_E_UNARY / LT_E_BINARY */
    int value;                  /* LT_E_CONST */
    int reg;                    /* LT_E_REG: register index in the thread */
    int var;                    /* LT_E_ADDR: shared variable index */
    struct lt_expr *a, *b, *c;  /* operands */
    lt_deps deps;               /* reads this value was computed from (see the top) */
};

struct lt_opinfo; /* a row of the operation table, mapping.h */

struct lt_stmt;
struct lt_block {
    struct lt_stmt *stmts;
    int n;
};

struct lt_stmt {
    enum lt_stmt_kind kind;
    const struct lt_opinfo *op; /* the operation as written (NULL for ASSIGN / IF) */
    const char *text;           /* the statement as written, whitespace folded, for output */
    int line;                   /* source line, for messages */
    int id;                     /* access id (see the top); -1 for ASSIGN and IF */
    bool plain;                 /* a plain C access (ann LT_ANN_PLAIN): compiled as relaxed */
    enum lt_ann ann, ann_fail;  /* kernel annotation; ann_fail: a failed RMW's (a read only) */
    enum lt_mo mo, mo_fail;     /* C11 order; mo_fail: a failed conditional RMW's */
    enum lt_fence fence;        /* LT_S_FENCE */
    enum lt_rmw_op rmw;         /* LT_S_RMW */
    enum lt_rmw_cond cond;      /* LT_S_RMW */
    enum lt_rmw_ret ret;        /* LT_S_RMW */
    int reg;                    /* destination register, -1 for none */
    int reg_expected;           /* atomic_compare_exchange_*(x, &r, v): r gets the old value on failure; else -1 */
    int var;                    /* accessed shared variable when known statically, else -1 */
    struct lt_expr *addr;       /* the accessed location (a pointer value); NULL for fences and RCU */
    int domain;                 /* RCU kinds: -1 for RCU, else the srcu_struct variable (also in addr) */
    struct lt_expr *value;      /* stored value / RMW operand / new value; assigned value; if condition;
                                   srcu_read_unlock's index */
    struct lt_expr *expected;   /* cmpxchg's expected value, add_unless's "unless" value */
    struct lt_block then, els;  /* LT_S_IF */
    lt_deps addr_deps, data_deps, ctrl_deps;
    enum lt_prim prim;          /* old: going away (read op) */
    bool is_cmpxchg;            /* old: going away (read cond) */
};

/* What a shared variable holds (for the generator and for output). */
enum lt_var_type {
    LT_VT_INT,      /* int, long, intptr_t, atomic_int, ... */
    LT_VT_PTR,      /* a pointer (int *p, int **p parameters, int *x = &y) */
    LT_VT_ATOMIC_T, /* atomic_t */
    LT_VT_LOCK,     /* spinlock_t: 0 free, 1 held */
    LT_VT_SRCU      /* struct srcu_struct: names an SRCU domain, holds nothing */
};

struct lt_var {
    const char *name;
    int init;               /* initial value (LT_PTR(v) for a pointer) */
    enum lt_var_type type;
};

struct lt_reg {
    const char *name;
    int init;
    bool hidden;            /* made by the parser for an access inside an expression */
};

struct lt_thread {
    int nparams;
    int params[LT_MAX_VARS];    /* shared variables this thread names, as var indexes */
    struct lt_reg regs[LT_MAX_REGS];
    int nregs;
    struct lt_block body;
    int naccesses;                                  /* events (access ids 0..naccesses-1) */
    const struct lt_stmt *access[LT_MAX_ACCESSES];  /* access[id] is the event's statement */
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
    int value;               /* LT_C_ATOM: obs == value (or != when neq); LT_PTR(v) for "=x" */
    bool neq;
    bool vs_loc;             /* LT_C_ATOM "1:r1=0:r1": compare with location loc2 (obs2) instead of value */
    struct lt_loc loc2;
    int obs2;
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
    struct lt_prop *filter;  /* "filter (...)": only final states satisfying it count; NULL if none
                                (its locations are observables too) */
    const char *cond_text;   /* the proposition as written, whitespace folded */
    struct lt_key keys[32];
    int nkeys;
    bool has_locks, has_rcu, has_pointers; /* what the generator and the runner must set up */
    struct lt_arena *arena;
};

/* Value of a header key (case-insensitive name), or NULL. */
const char *lt_key(const struct lt_test *t, const char *key);

/* Evaluate the proposition on one state (values in test->obs order). */
bool lt_prop_eval(const struct lt_prop *p, const int *state);

/* Whether a state (test->obs order) passes the test's filter (true when none). */
bool lt_filter_pass(const struct lt_test *t, const int *state);

/* Write an observable's name ("0:r0" or "x") into buf. */
void lt_loc_name(const struct lt_test *t, int obs, char *buf, int size);

/* Write a value as litmus output shows it: a number, or a variable's name for LT_PTR(v). */
void lt_value_name(const struct lt_test *t, int value, char *buf, int size);

/* The variable a pointer value points to, or -1 when it is not one. */
int lt_ptr_var(const struct lt_test *t, int value);

/* Write the proposition in litmus syntax ("0:r0=0 /\ 1:r0=0") into buf. */
void lt_prop_print(const struct lt_test *t, const struct lt_prop *p, char *buf, int size);

/* a OP b for a binary operator (LT_OP), as the generated code computes it:
 * wrapping arithmetic, x/0 and x%0 are 0, shift counts taken mod 32. */
int lt_binop(int op, int a, int b);

/* The value of expression e with the thread's registers regs (lt_binop's
 * meaning for each operator; && and || stop early, as in C).  The one
 * evaluator the operational machines (model.c) and the axiomatic engine
 * (exec.c) share. */
int lt_eval(const struct lt_expr *e, const int *regs);

/* Name of a memory order ("relaxed", ...) and (old) of a primitive. */
const char *lt_mo_name(enum lt_mo mo);
const char *lt_prim_name(enum lt_prim p);

void lt_test_free(struct lt_test *t);

#endif
