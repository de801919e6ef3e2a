/* parse.c: a recursive-descent parser for memlab's subset of C litmus tests.
 *
 * The file is: "C NAME", an optional header comment (its "Key: value" lines
 * become test->keys), an init block "{ x=1; int y=2; }", threads
 * "P0(int *x, int *y) { ... }", an optional "locations [...]" and the final
 * condition "exists|~exists|forall (prop)".  OCaml comments "(* ... *)" are
 * comments outside thread bodies only: inside a body "(*x" is C.
 *
 * Anything outside the subset stops the parse with "path:line: what is not
 * supported" (errors longjmp back to lt_parse, which frees the arena): the
 * parser never guesses, so the generator never miscompiles.
 */
#include "litmus/parse.h"

#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "litmus/arena.h"
#include "litmus/mapping.h"

enum tok_kind { T_EOF, T_ID, T_NUM, T_PUNCT, T_STR };

struct tok {
    enum tok_kind kind;
    char text[64];
    long num;
    int line;
};

struct parser {
    const char *path;
    const char *p;          /* next unread character */
    int line;
    bool ocaml_comments;    /* "(* *)" is a comment here (outside thread bodies) */
    bool in_header;         /* comments seen now are the header */
    struct tok tok;         /* one token of lookahead */
    bool have_tok;
    jmp_buf fail;
    char *err;
    size_t errsize;
    struct lt_test *t;
    struct lt_thread *th;   /* thread being parsed */
    int thread_index;
    char *header;           /* header comment text, in the arena */
    size_t header_len;
    int depth;              /* nesting of expressions, blocks and propositions */
    lt_deps regdeps[LT_MAX_REGS]; /* per register: the reads its value now comes from */
    lt_deps ctrl;           /* reads the enclosing if conditions come from */
};

enum { MAX_DEPTH = 200 };

static void fail(struct parser *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

static void fail(struct parser *ps, int line, const char *fmt, ...)
{
    int n = snprintf(ps->err, ps->errsize, "%s:%d: ", ps->path, line);
    if (n < 0 || (size_t)n >= ps->errsize)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err + n, ps->errsize - (size_t)n, fmt, ap);
    va_end(ap);
    longjmp(ps->fail, 1);
}

/* ---- lexer ---------------------------------------------------------------- */

static void add_header(struct parser *ps, const char *s, size_t len)
{
    if (!ps->in_header)
        return;
    char *h = lt_arena_alloc(ps->t->arena, ps->header_len + len + 2);
    if (ps->header_len)
        memcpy(h, ps->header, ps->header_len);
    memcpy(h + ps->header_len, s, len);
    h[ps->header_len + len] = '\n';
    h[ps->header_len + len + 1] = '\0';
    ps->header = h;
    ps->header_len += len + 1;
}

static void skip_space(struct parser *ps)
{
    for (;;) {
        const char *p = ps->p;
        if (*p == '\n') {
            ps->line++;
            ps->p++;
        } else if (isspace((unsigned char)*p)) {
            ps->p++;
        } else if (p[0] == '/' && p[1] == '/') {
            while (*ps->p && *ps->p != '\n')
                ps->p++;
        } else if ((p[0] == '/' && p[1] == '*') || (ps->ocaml_comments && p[0] == '(' && p[1] == '*')) {
            int start = ps->line;
            char close = p[0] == '/' ? '/' : ')';
            int depth = 1;
            const char *body = p + 2;
            ps->p += 2;
            while (depth > 0) {
                if (!*ps->p)
                    fail(ps, start, "comment is never closed");
                if (*ps->p == '\n')
                    ps->line++;
                if (ps->p[0] == '*' && ps->p[1] == close) {
                    depth--;
                    ps->p += 2;
                } else if (close == ')' && ps->p[0] == '(' && ps->p[1] == '*') {
                    depth++; /* OCaml comments nest */
                    ps->p += 2;
                } else {
                    ps->p++;
                }
            }
            add_header(ps, body, (size_t)(ps->p - 2 - body));
        } else {
            return;
        }
    }
}

static const char *const puncts2[] = {
    "/\\", "\\/", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "->", "++", "--",
    "+=", "-=", "*=", "/=", "|=", "&=", "^=", "%=", NULL,
};

static void lex(struct parser *ps, struct tok *tk)
{
    skip_space(ps);
    const char *p = ps->p;
    tk->line = ps->line;
    tk->text[0] = '\0';
    if (!*p) {
        tk->kind = T_EOF;
        return;
    }
    if (isalpha((unsigned char)*p) || *p == '_') {
        size_t n = 0;
        while (isalnum((unsigned char)p[n]) || p[n] == '_')
            n++;
        if (n >= sizeof tk->text)
            fail(ps, ps->line, "identifier too long");
        memcpy(tk->text, p, n);
        tk->text[n] = '\0';
        tk->kind = T_ID;
        ps->p += n;
        return;
    }
    if (isdigit((unsigned char)*p)) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 0);
        if (errno || v > 2147483647L || isalpha((unsigned char)*end) || *end == '_')
            fail(ps, ps->line, "bad number '%.*s'", (int)(end - p + 1), p);
        tk->kind = T_NUM;
        tk->num = v;
        snprintf(tk->text, sizeof tk->text, "%ld", v);
        ps->p = end;
        return;
    }
    if (*p == '"') {
        const char *q = p + 1;
        while (*q && *q != '"' && *q != '\n')
            q++;
        if (*q != '"')
            fail(ps, ps->line, "string is never closed");
        tk->kind = T_STR;
        ps->p = q + 1;
        return;
    }
    for (int i = 0; puncts2[i]; i++) {
        if (p[0] == puncts2[i][0] && p[1] == puncts2[i][1]) {
            tk->kind = T_PUNCT;
            memcpy(tk->text, p, 2);
            tk->text[2] = '\0';
            ps->p += 2;
            return;
        }
    }
    if (strchr("{}()[];,*=<>+-&|^!~:./%?#'\\@$`", *p)) {
        tk->kind = T_PUNCT;
        tk->text[0] = *p;
        tk->text[1] = '\0';
        ps->p++;
        return;
    }
    fail(ps, ps->line, "unexpected character '%c'", *p);
}

static struct tok *peek(struct parser *ps)
{
    if (!ps->have_tok) {
        lex(ps, &ps->tok);
        ps->have_tok = true;
    }
    return &ps->tok;
}

static struct tok next(struct parser *ps)
{
    struct tok t = *peek(ps);
    ps->have_tok = false;
    return t;
}

static bool is_punct(struct parser *ps, const char *s)
{
    struct tok *t = peek(ps);
    return t->kind == T_PUNCT && strcmp(t->text, s) == 0;
}

static bool is_id(struct parser *ps, const char *s)
{
    struct tok *t = peek(ps);
    return t->kind == T_ID && strcmp(t->text, s) == 0;
}

static bool accept(struct parser *ps, const char *s)
{
    if (is_punct(ps, s)) {
        next(ps);
        return true;
    }
    return false;
}

static const char *describe(const struct tok *t)
{
    switch (t->kind) {
    case T_EOF: return "end of file";
    case T_STR: return "a string";
    default: return t->text;
    }
}

static struct tok expect(struct parser *ps, const char *s)
{
    struct tok t = next(ps);
    if (t.kind != T_PUNCT || strcmp(t.text, s) != 0)
        fail(ps, t.line, "expected '%s' but found '%s'", s, describe(&t));
    return t;
}

static struct tok expect_id(struct parser *ps, const char *what)
{
    struct tok t = next(ps);
    if (t.kind != T_ID)
        fail(ps, t.line, "expected %s but found '%s'", what, describe(&t));
    return t;
}

static int expect_int(struct parser *ps)
{
    bool neg = accept(ps, "-");
    struct tok t = next(ps);
    if (t.kind == T_ID)
        fail(ps, t.line, "'%s': only integer values are supported (pointer values are not)", t.text);
    if (t.kind != T_NUM)
        fail(ps, t.line, "expected an integer but found '%s'", describe(&t));
    return neg ? -(int)t.num : (int)t.num;
}

/* ---- names ---------------------------------------------------------------- */

static int find_var(const struct lt_test *t, const char *name)
{
    for (int i = 0; i < t->nvars; i++)
        if (strcmp(t->vars[i].name, name) == 0)
            return i;
    return -1;
}

static int add_var(struct parser *ps, const char *name, int line)
{
    int v = find_var(ps->t, name);
    if (v >= 0)
        return v;
    if (ps->t->nvars == LT_MAX_VARS)
        fail(ps, line, "more than %d shared variables", LT_MAX_VARS);
    v = ps->t->nvars++;
    ps->t->vars[v].name = lt_arena_strdup(ps->t->arena, name);
    ps->t->vars[v].init = 0;
    return v;
}

static int find_reg(const struct lt_thread *th, const char *name)
{
    for (int i = 0; i < th->nregs; i++)
        if (strcmp(th->regs[i].name, name) == 0)
            return i;
    return -1;
}

/* The shared variable a thread names as a parameter, or -1. */
static int thread_var(const struct lt_test *t, const struct lt_thread *th, const char *name)
{
    int v = find_var(t, name);
    for (int i = 0; v >= 0 && i < th->nparams; i++)
        if (th->params[i] == v)
            return v;
    return -1;
}

/* Why a call outside the subset is refused, or NULL when it is not known. */
static const char *unsupported_call(const char *name)
{
    static const struct { const char *prefix, *why; } known[] = {
        {"spin_", "locks (spin_lock, spin_unlock, ...) are not supported"},
        {"raw_spin_", "locks are not supported"},
        {"mutex_", "locks are not supported"},
        {"srcu_", "SRCU is not supported"},
        {"synchronize_srcu", "SRCU is not supported"},
        {"rcu_", "RCU is not supported"},
        {"synchronize_rcu", "RCU is not supported"},
        {"call_rcu", "RCU is not supported"},
        {"smp_mb__", "smp_mb__before/after_* barriers are not supported"},
        {"smp_store_mb", "smp_store_mb is not supported (write WRITE_ONCE then smp_mb)"},
        {"smp_cond_load", "smp_cond_load_* (a loop) is not supported"},
        {"atomic_compare_exchange", "atomic_compare_exchange_* (it takes &expected) is not supported; use cmpxchg"},
        {"atomic_fetch", "atomic_fetch_* is not supported"},
        {"atomic_", "atomic_t operations are not supported"},
        {"atomic64_", "atomic_t operations are not supported"},
        {"cmpxchg_", "this cmpxchg variant is not supported"},
        {"xchg_", "this xchg variant is not supported"},
        {"READ_ONCE", NULL},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].why && strncmp(name, known[i].prefix, strlen(known[i].prefix)) == 0)
            return known[i].why;
    return NULL;
}

/* ---- expressions (registers and constants only) ---------------------------- */

/* Bound the recursion, so deep nesting is an error and not a stack overflow. */
static void enter(struct parser *ps)
{
    if (++ps->depth > MAX_DEPTH)
        fail(ps, peek(ps)->line, "nested more than %d levels deep", MAX_DEPTH);
}

static struct lt_expr *new_expr(struct parser *ps, enum lt_expr_kind kind)
{
    struct lt_expr *e = lt_arena_alloc(ps->t->arena, sizeof *e);
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->reg = -1;
    e->var = -1;
    return e;
}

static struct lt_expr *parse_expr(struct parser *ps);

static struct lt_expr *parse_primary(struct parser *ps)
{
    struct tok t = next(ps);
    if (t.kind == T_NUM) {
        struct lt_expr *e = new_expr(ps, LT_E_CONST);
        e->value = (int)t.num;
        return e;
    }
    if (t.kind == T_PUNCT && strcmp(t.text, "(") == 0) {
        if (is_id(ps, "int") || is_id(ps, "long") || is_id(ps, "unsigned"))
            fail(ps, t.line, "casts are not supported");
        struct lt_expr *e = parse_expr(ps);
        expect(ps, ")");
        return e;
    }
    if (t.kind == T_PUNCT && strcmp(t.text, "*") == 0)
        fail(ps, t.line, "plain access '*%s' is not supported: racy plain accesses are undefined "
             "behaviour in C; use READ_ONCE/WRITE_ONCE", peek(ps)->text);
    if (t.kind == T_PUNCT && strcmp(t.text, "&") == 0)
        fail(ps, t.line, "addresses ('&%s') are not supported", peek(ps)->text);
    if (t.kind != T_ID)
        fail(ps, t.line, "expected a register or a number but found '%s'", describe(&t));
    if (is_punct(ps, "(")) {
        const char *why = unsupported_call(t.text);
        if (why)
            fail(ps, t.line, "%s(): %s", t.text, why);
        fail(ps, t.line, "%s(): a call inside an expression is not supported; memory accesses must be "
             "whole statements (r = READ_ONCE(*x);)", t.text);
    }
    int r = find_reg(ps->th, t.text);
    if (r >= 0) {
        struct lt_expr *e = new_expr(ps, LT_E_REG);
        e->reg = r;
        e->deps = ps->regdeps[r];
        return e;
    }
    if (find_var(ps->t, t.text) >= 0)
        fail(ps, t.line, "'%s' is the address of a shared variable: pointer values are not supported",
             t.text);
    fail(ps, t.line, "'%s' is not a declared register", t.text);
}

static struct lt_expr *parse_unary(struct parser *ps)
{
    if (is_punct(ps, "-") || is_punct(ps, "!") || is_punct(ps, "~")) {
        struct tok t = next(ps);
        enter(ps);
        struct lt_expr *a = parse_unary(ps);
        ps->depth--;
        if (t.text[0] == '-' && a->kind == LT_E_CONST) {
            a->value = (int)(0u - (unsigned)a->value);
            return a;
        }
        struct lt_expr *e = new_expr(ps, LT_E_UNARY);
        e->op = t.text[0];
        e->a = a;
        e->deps = a->deps;
        return e;
    }
    if (is_punct(ps, "++") || is_punct(ps, "--"))
        fail(ps, peek(ps)->line, "'%s' is not supported", peek(ps)->text);
    struct lt_expr *e = parse_primary(ps);
    if (is_punct(ps, "++") || is_punct(ps, "--") || is_punct(ps, "[") || is_punct(ps, "->") ||
        is_punct(ps, "."))
        fail(ps, peek(ps)->line, "'%s' is not supported", peek(ps)->text);
    return e;
}

/* Binary operators by precedence level, loosest first. */
static const char *const levels[][5] = {
    {"||"}, {"&&"}, {"|"}, {"^"}, {"&"}, {"==", "!="}, {"<", "<=", ">", ">="}, {"+", "-"}, {"*"},
};
#define NLEVELS ((int)(sizeof levels / sizeof levels[0]))

static struct lt_expr *parse_level(struct parser *ps, int level)
{
    if (level == NLEVELS)
        return parse_unary(ps);
    struct lt_expr *e = parse_level(ps, level + 1);
    for (;;) {
        struct tok *t = peek(ps);
        if (t->kind != T_PUNCT)
            return e;
        if (level == NLEVELS - 1 && (strcmp(t->text, "/") == 0 || strcmp(t->text, "%") == 0 ||
                                     strcmp(t->text, "<<") == 0 || strcmp(t->text, ">>") == 0))
            fail(ps, t->line, "operator '%s' is not supported (use + - * & | ^ and comparisons)", t->text);
        const char *op = NULL;
        for (int i = 0; i < 5 && levels[level][i]; i++)
            if (strcmp(t->text, levels[level][i]) == 0)
                op = levels[level][i];
        if (!op)
            return e;
        next(ps);
        struct lt_expr *b = new_expr(ps, LT_E_BINARY);
        b->op = LT_OP(op[0], op[1]);
        b->a = e;
        b->b = parse_level(ps, level + 1);
        b->deps = b->a->deps | b->b->deps;
        e = b;
    }
}

static struct lt_expr *parse_expr(struct parser *ps)
{
    enter(ps);
    if (is_punct(ps, "?"))
        fail(ps, peek(ps)->line, "'?:' is not supported");
    struct lt_expr *e = parse_level(ps, 0);
    if (is_punct(ps, "?"))
        fail(ps, peek(ps)->line, "'?:' is not supported");
    ps->depth--;
    return e;
}

/* ---- memory accesses --------------------------------------------------------- */

enum shape { SH_LOAD, SH_STORE, SH_RMW, SH_CMPXCHG, SH_FENCE };

struct prim_info {
    const char *name;
    enum lt_prim prim;
    enum shape shape;
    bool star;        /* first argument written *x (READ_ONCE/WRITE_ONCE) */
    bool explicit_mo; /* last argument is a memory_order */
    enum lt_mo mo;
};

static const struct prim_info prims[] = {
    {"READ_ONCE", LT_P_READ_ONCE, SH_LOAD, true, false, LT_RELAXED},
    {"WRITE_ONCE", LT_P_WRITE_ONCE, SH_STORE, true, false, LT_RELAXED},
    {"smp_load_acquire", LT_P_LOAD_ACQUIRE, SH_LOAD, false, false, LT_ACQUIRE},
    {"smp_store_release", LT_P_STORE_RELEASE, SH_STORE, false, false, LT_RELEASE},
    {"atomic_load_explicit", LT_P_ATOMIC_LOAD, SH_LOAD, false, true, LT_SEQ_CST},
    {"atomic_load", LT_P_ATOMIC_LOAD, SH_LOAD, false, false, LT_SEQ_CST},
    {"atomic_store_explicit", LT_P_ATOMIC_STORE, SH_STORE, false, true, LT_SEQ_CST},
    {"atomic_store", LT_P_ATOMIC_STORE, SH_STORE, false, false, LT_SEQ_CST},
    {"xchg", LT_P_XCHG, SH_RMW, false, false, LT_SEQ_CST},
    {"xchg_relaxed", LT_P_XCHG, SH_RMW, false, false, LT_RELAXED},
    {"xchg_acquire", LT_P_XCHG, SH_RMW, false, false, LT_ACQUIRE},
    {"xchg_release", LT_P_XCHG, SH_RMW, false, false, LT_RELEASE},
    {"atomic_exchange_explicit", LT_P_ATOMIC_EXCHANGE, SH_RMW, false, true, LT_SEQ_CST},
    {"atomic_exchange", LT_P_ATOMIC_EXCHANGE, SH_RMW, false, false, LT_SEQ_CST},
    {"cmpxchg", LT_P_CMPXCHG, SH_CMPXCHG, false, false, LT_SEQ_CST},
    {"cmpxchg_relaxed", LT_P_CMPXCHG, SH_CMPXCHG, false, false, LT_RELAXED},
    {"cmpxchg_acquire", LT_P_CMPXCHG, SH_CMPXCHG, false, false, LT_ACQUIRE},
    {"cmpxchg_release", LT_P_CMPXCHG, SH_CMPXCHG, false, false, LT_RELEASE},
    {"smp_mb", LT_P_SMP_MB, SH_FENCE, false, false, LT_SEQ_CST},
    {"smp_rmb", LT_P_SMP_RMB, SH_FENCE, false, false, LT_ACQUIRE},
    {"smp_wmb", LT_P_SMP_WMB, SH_FENCE, false, false, LT_RELEASE},
    {"barrier", LT_P_BARRIER, SH_FENCE, false, false, LT_SEQ_CST},
    {"atomic_thread_fence", LT_P_THREAD_FENCE, SH_FENCE, false, true, LT_SEQ_CST},
};

static const struct prim_info *find_prim(const char *name)
{
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (strcmp(prims[i].name, name) == 0)
            return &prims[i];
    return NULL;
}

static enum lt_mo parse_mo(struct parser *ps)
{
    static const struct { const char *name; enum lt_mo mo; } names[] = {
        {"memory_order_relaxed", LT_RELAXED}, {"memory_order_consume", LT_ACQUIRE},
        {"memory_order_acquire", LT_ACQUIRE}, {"memory_order_release", LT_RELEASE},
        {"memory_order_acq_rel", LT_ACQ_REL}, {"memory_order_seq_cst", LT_SEQ_CST},
    };
    struct tok t = expect_id(ps, "a memory_order name");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(t.text, names[i].name) == 0)
            return names[i].mo;
    fail(ps, t.line, "'%s' is not a memory_order name", t.text);
}

/* The shared variable argument: "*x" (star) or "x". */
static int parse_var_arg(struct parser *ps, const struct prim_info *pi)
{
    struct tok t = next(ps);
    if (pi->star) {
        if (t.kind != T_PUNCT || strcmp(t.text, "*") != 0)
            fail(ps, t.line, "%s takes '*x' (a dereferenced parameter)", pi->name);
        t = next(ps);
    } else if (t.kind == T_PUNCT && (strcmp(t.text, "&") == 0 || strcmp(t.text, "*") == 0)) {
        fail(ps, t.line, "%s takes a parameter name (x), not '%s%s'", pi->name, t.text, peek(ps)->text);
    }
    if (t.kind == T_PUNCT && strcmp(t.text, "(") == 0)
        fail(ps, t.line, "%s: casts and computed addresses are not supported", pi->name);
    if (t.kind != T_ID)
        fail(ps, t.line, "%s: expected a shared variable but found '%s'", pi->name, describe(&t));
    int v = thread_var(ps->t, ps->th, t.text);
    if (v < 0) {
        if (find_reg(ps->th, t.text) >= 0)
            fail(ps, t.line, "%s: '%s' is a register; accessing memory through a register (a pointer) "
                 "is not supported", pi->name, t.text);
        fail(ps, t.line, "%s: '%s' is not a parameter of P%d", pi->name, t.text, ps->thread_index);
    }
    return v;
}

/* Fill what the operation table says about s, give it the thread's next
 * access id and record its dependencies (ast.h). */
static void finish_event(struct parser *ps, struct lt_stmt *s, const char *name)
{
    const struct lt_opinfo *op = lt_op_find(name, true);
    if (!op)
        fail(ps, s->line, "%s: not in the operation table", name);
    s->op = op;
    s->ann = op->ann;
    s->ann_fail = op->ann == LT_ANN_C11 ? LT_ANN_C11 : LT_ANN_ONCE;
    s->fence = op->fence;
    s->rmw = op->rmw;
    s->cond = op->cond;
    s->ret = op->ret;
    s->reg_expected = -1;
    s->domain = -1;
    if (s->var >= 0) {
        struct lt_expr *a = lt_arena_alloc(ps->t->arena, sizeof *a);
        memset(a, 0, sizeof *a);
        a->kind = LT_E_ADDR;
        a->reg = -1;
        a->var = s->var;
        s->addr = a;
    }
    if (ps->th->naccesses == LT_MAX_ACCESSES)
        fail(ps, s->line, "more than %d memory accesses in P%d", LT_MAX_ACCESSES, ps->thread_index);
    s->id = ps->th->naccesses++;
    s->addr_deps = s->addr ? s->addr->deps : 0;
    s->data_deps = (s->value ? s->value->deps : 0) | (s->expected ? s->expected->deps : 0);
    s->ctrl_deps = ps->ctrl;
    if (s->reg >= 0)
        ps->regdeps[s->reg] = (lt_deps)1 << s->id;
}

/* Parse "NAME(args)" for a known primitive into stmt; reg is the destination or -1. */
static void parse_access(struct parser *ps, const struct prim_info *pi, struct lt_stmt *s, int reg)
{
    s->prim = pi->prim;
    s->mo = pi->mo;
    s->mo_fail = pi->mo;
    s->reg = reg;
    s->var = -1;
    expect(ps, "(");
    switch (pi->shape) {
    case SH_FENCE:
        s->kind = LT_S_FENCE;
        if (pi->explicit_mo)
            s->mo = parse_mo(ps);
        break;
    case SH_LOAD:
        s->kind = LT_S_LOAD;
        s->var = parse_var_arg(ps, pi);
        if (pi->explicit_mo) {
            expect(ps, ",");
            s->mo = parse_mo(ps);
            if (s->mo == LT_RELEASE || s->mo == LT_ACQ_REL)
                fail(ps, s->line, "%s: a load cannot have release order", pi->name);
        }
        break;
    case SH_STORE:
        s->kind = LT_S_STORE;
        s->var = parse_var_arg(ps, pi);
        expect(ps, ",");
        s->value = parse_expr(ps);
        if (pi->explicit_mo) {
            expect(ps, ",");
            s->mo = parse_mo(ps);
            if (s->mo == LT_ACQUIRE || s->mo == LT_ACQ_REL)
                fail(ps, s->line, "%s: a store cannot have acquire order", pi->name);
        }
        break;
    case SH_RMW:
        s->kind = LT_S_RMW;
        s->var = parse_var_arg(ps, pi);
        expect(ps, ",");
        s->value = parse_expr(ps);
        if (pi->explicit_mo) {
            expect(ps, ",");
            s->mo = parse_mo(ps);
        }
        break;
    case SH_CMPXCHG:
        s->kind = LT_S_RMW;
        s->is_cmpxchg = true;
        s->var = parse_var_arg(ps, pi);
        expect(ps, ",");
        s->expected = parse_expr(ps);
        expect(ps, ",");
        s->value = parse_expr(ps);
        /* A failed cmpxchg only reads: it keeps the acquire half of its order. */
        s->mo_fail = s->mo == LT_RELEASE ? LT_RELAXED : s->mo;
        break;
    }
    expect(ps, ")");
    if (reg >= 0 && (pi->shape == SH_STORE || pi->shape == SH_FENCE))
        fail(ps, s->line, "%s has no value to assign", pi->name);
    finish_event(ps, s, pi->name);
}

/* ---- statements ------------------------------------------------------------ */

struct stmt_list {
    struct lt_stmt *v;
    int n, cap;
};

static struct lt_stmt *push_stmt(struct parser *ps, struct stmt_list *l, enum lt_stmt_kind kind, int line)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        struct lt_stmt *v = lt_arena_alloc(ps->t->arena, (size_t)cap * sizeof *v);
        if (l->n)
            memcpy(v, l->v, (size_t)l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    struct lt_stmt *s = &l->v[l->n++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->line = line;
    s->reg = -1;
    s->var = -1;
    s->id = -1;
    s->reg_expected = -1;
    s->domain = -1;
    s->prim = LT_P_NONE;
    return s;
}

/* "reg = rhs": a memory access or an expression. */
static void parse_rhs(struct parser *ps, struct stmt_list *l, int reg, int line)
{
    struct tok *t = peek(ps);
    if (t->kind == T_ID) {
        const struct prim_info *pi = find_prim(t->text);
        if (pi) {
            next(ps);
            if (pi->shape == SH_STORE || pi->shape == SH_FENCE)
                fail(ps, line, "%s has no value to assign", pi->name);
            struct lt_stmt *s = push_stmt(ps, l, LT_S_LOAD, line);
            parse_access(ps, pi, s, reg);
            if (!is_punct(ps, ";") && !is_punct(ps, ","))
                fail(ps, peek(ps)->line, "a memory access must be the whole right-hand side "
                     "(r = %s(...);): split the computation into two statements", pi->name);
            return;
        }
    }
    struct lt_stmt *s = push_stmt(ps, l, LT_S_ASSIGN, line);
    s->value = parse_expr(ps);
    s->reg = reg;
    ps->regdeps[reg] = s->value->deps;
}

static void parse_stmt(struct parser *ps, struct stmt_list *l);

static struct lt_block parse_branch(struct parser *ps)
{
    struct stmt_list l = {0};
    enter(ps);
    if (accept(ps, "{")) {
        while (!is_punct(ps, "}")) {
            if (peek(ps)->kind == T_EOF)
                fail(ps, peek(ps)->line, "'{' is never closed");
            parse_stmt(ps, &l);
        }
        next(ps);
    } else {
        parse_stmt(ps, &l);
    }
    ps->depth--;
    return (struct lt_block){l.v, l.n};
}

static void parse_decl(struct parser *ps, struct stmt_list *l)
{
    do {
        if (is_punct(ps, "*"))
            fail(ps, peek(ps)->line, "pointer registers (int *r) are not supported");
        struct tok name = expect_id(ps, "a register name");
        if (find_reg(ps->th, name.text) >= 0)
            fail(ps, name.line, "register '%s' is declared twice", name.text);
        if (find_var(ps->t, name.text) >= 0)
            fail(ps, name.line, "register '%s' has the name of a shared variable", name.text);
        if (ps->th->nregs == LT_MAX_REGS)
            fail(ps, name.line, "more than %d registers in one thread", LT_MAX_REGS);
        int r = ps->th->nregs++;
        ps->th->regs[r].name = lt_arena_strdup(ps->t->arena, name.text);
        ps->th->regs[r].init = 0;
        if (is_punct(ps, "["))
            fail(ps, name.line, "arrays are not supported");
        if (accept(ps, "="))
            parse_rhs(ps, l, r, name.line);
    } while (accept(ps, ","));
    expect(ps, ";");
}

static void parse_stmt(struct parser *ps, struct stmt_list *l)
{
    struct tok t = *peek(ps);
    if (accept(ps, ";"))
        return;
    if (t.kind == T_PUNCT && strcmp(t.text, "{") == 0) {
        struct lt_block b = parse_branch(ps);
        for (int i = 0; i < b.n; i++)
            *push_stmt(ps, l, b.stmts[i].kind, b.stmts[i].line) = b.stmts[i];
        return;
    }
    if (t.kind == T_PUNCT && strcmp(t.text, "*") == 0) {
        next(ps);
        fail(ps, t.line, "plain access '*%s' is not supported: racy plain accesses are undefined "
             "behaviour in C; use READ_ONCE/WRITE_ONCE", peek(ps)->text);
    }
    if (t.kind != T_ID)
        fail(ps, t.line, "expected a statement but found '%s'", describe(&t));
    if (strcmp(t.text, "while") == 0 || strcmp(t.text, "for") == 0 || strcmp(t.text, "do") == 0)
        fail(ps, t.line, "loops ('%s') are not supported", t.text);
    if (strcmp(t.text, "goto") == 0 || strcmp(t.text, "return") == 0 || strcmp(t.text, "switch") == 0 ||
        strcmp(t.text, "break") == 0 || strcmp(t.text, "continue") == 0)
        fail(ps, t.line, "'%s' is not supported", t.text);
    next(ps);
    if (strcmp(t.text, "int") == 0) {
        parse_decl(ps, l);
        return;
    }
    if (strcmp(t.text, "const") == 0 || strcmp(t.text, "volatile") == 0 || strcmp(t.text, "unsigned") == 0 ||
        strcmp(t.text, "long") == 0 || strcmp(t.text, "char") == 0 || strcmp(t.text, "atomic_int") == 0 ||
        strcmp(t.text, "atomic_t") == 0 || strcmp(t.text, "spinlock_t") == 0 || strcmp(t.text, "static") == 0)
        fail(ps, t.line, "declarations of type '%s' are not supported (registers are 'int')", t.text);
    if (strcmp(t.text, "if") == 0) {
        struct lt_stmt s = {.kind = LT_S_IF, .line = t.line, .reg = -1, .var = -1, .prim = LT_P_NONE};
        expect(ps, "(");
        s.value = parse_expr(ps);
        expect(ps, ")");
        s.id = -1;
        lt_deps saved_ctrl = ps->ctrl, before[LT_MAX_REGS], after_then[LT_MAX_REGS];
        memcpy(before, ps->regdeps, sizeof before);
        ps->ctrl |= s.value->deps;
        s.then = parse_branch(ps);
        memcpy(after_then, ps->regdeps, sizeof after_then);
        memcpy(ps->regdeps, before, sizeof before);
        if (is_id(ps, "else")) {
            next(ps);
            s.els = parse_branch(ps);
        }
        /* after the if, a register carries what it carries on either path */
        for (int r = 0; r < LT_MAX_REGS; r++)
            ps->regdeps[r] |= after_then[r];
        ps->ctrl = saved_ctrl;
        *push_stmt(ps, l, LT_S_IF, t.line) = s;
        return;
    }
    if (strcmp(t.text, "else") == 0)
        fail(ps, t.line, "'else' without 'if'");
    if (is_punct(ps, "(")) {
        const struct prim_info *pi = find_prim(t.text);
        if (!pi) {
            const char *why = unsupported_call(t.text);
            if (why)
                fail(ps, t.line, "%s(): %s", t.text, why);
            fail(ps, t.line, "%s() is not supported", t.text);
        }
        struct lt_stmt *s = push_stmt(ps, l, LT_S_FENCE, t.line);
        parse_access(ps, pi, s, -1);
        expect(ps, ";");
        return;
    }
    int r = find_reg(ps->th, t.text);
    if (r < 0) {
        if (find_var(ps->t, t.text) >= 0)
            fail(ps, t.line, "assigning to '%s' (a pointer parameter) is not supported", t.text);
        fail(ps, t.line, "'%s' is not a declared register", t.text);
    }
    struct tok op = next(ps);
    if (op.kind != T_PUNCT || strcmp(op.text, "=") != 0)
        fail(ps, op.line, "'%s %s': only 'register = value;' assignments are supported", t.text, describe(&op));
    parse_rhs(ps, l, r, t.line);
    expect(ps, ";");
}

/* ---- threads ---------------------------------------------------------------- */

static void parse_params(struct parser *ps)
{
    expect(ps, "(");
    if (accept(ps, ")"))
        return;
    if (is_id(ps, "void")) {
        next(ps);
        expect(ps, ")");
        return;
    }
    do {
        struct tok type = expect_id(ps, "a parameter type");
        while (strcmp(type.text, "volatile") == 0 || strcmp(type.text, "const") == 0)
            type = expect_id(ps, "a parameter type");
        if (strcmp(type.text, "spinlock_t") == 0)
            fail(ps, type.line, "spinlock_t parameter: locks (spin_lock, spin_unlock) are not supported");
        if (strcmp(type.text, "atomic_t") == 0)
            fail(ps, type.line, "atomic_t parameter: atomic_t operations are not supported");
        if (strcmp(type.text, "int") != 0 && strcmp(type.text, "atomic_int") != 0)
            fail(ps, type.line, "parameter type '%s' is not supported (use int *x)", type.text);
        int stars = 0;
        while (accept(ps, "*"))
            stars++;
        struct tok name = expect_id(ps, "a parameter name");
        if (stars == 0)
            fail(ps, name.line, "parameter '%s' must be a pointer (int *%s)", name.text, name.text);
        if (stars > 1)
            fail(ps, name.line, "pointer-to-pointer parameter '%s' is not supported", name.text);
        int v = add_var(ps, name.text, name.line);
        for (int i = 0; i < ps->th->nparams; i++)
            if (ps->th->params[i] == v)
                fail(ps, name.line, "parameter '%s' appears twice", name.text);
        ps->th->params[ps->th->nparams++] = v;
    } while (accept(ps, ","));
    expect(ps, ")");
}

/* thread->access[id] for every event, now that the statements stay where they are. */
static void index_accesses(struct lt_thread *th, const struct lt_block *b, int *n)
{
    for (int i = 0; i < b->n; i++) {
        const struct lt_stmt *s = &b->stmts[i];
        if (s->kind == LT_S_IF) {
            index_accesses(th, &s->then, n);
            index_accesses(th, &s->els, n);
        } else if (s->kind != LT_S_ASSIGN) {
            th->access[s->id] = s;
            (*n)++;
        }
    }
}

static void parse_thread(struct parser *ps)
{
    struct tok name = next(ps);
    int index = -1;
    char *end;
    if (name.text[0] == 'P' && isdigit((unsigned char)name.text[1]))
        index = (int)strtol(name.text + 1, &end, 10);
    if (index != ps->t->nthreads)
        fail(ps, name.line, "expected thread P%d but found '%s'", ps->t->nthreads, name.text);
    if (ps->t->nthreads == LT_MAX_THREADS)
        fail(ps, name.line, "more than %d threads", LT_MAX_THREADS);
    ps->thread_index = index;
    ps->th = &ps->t->threads[ps->t->nthreads++];
    memset(ps->regdeps, 0, sizeof ps->regdeps);
    ps->ctrl = 0;
    parse_params(ps);
    ps->ocaml_comments = false; /* before the body's first token is read: "(*x" is C here */
    expect(ps, "{");
    struct stmt_list l = {0};
    while (!is_punct(ps, "}")) {
        if (peek(ps)->kind == T_EOF)
            fail(ps, name.line, "P%d's body is never closed", index);
        parse_stmt(ps, &l);
    }
    next(ps);
    ps->ocaml_comments = true;
    ps->th->body = (struct lt_block){l.v, l.n};
    int n = 0;
    index_accesses(ps->th, &ps->th->body, &n);
}

/* ---- init block, locations, condition --------------------------------------- */

static void parse_init(struct parser *ps)
{
    expect(ps, "{");
    while (!accept(ps, "}")) {
        if (accept(ps, ";"))
            continue;
        struct tok t = next(ps);
        if (t.kind == T_NUM && is_punct(ps, ":"))
            fail(ps, t.line, "register initial values in the init block are not supported "
                 "(write 'int r = value;' in the thread)");
        if (t.kind != T_ID)
            fail(ps, t.line, "expected 'x=value;' in the init block but found '%s'", describe(&t));
        struct tok name = t;
        if (peek(ps)->kind == T_ID || is_punct(ps, "*")) {
            /* a declaration: TYPE [*] name */
            if (strcmp(t.text, "atomic_t") == 0)
                fail(ps, t.line, "atomic_t variables: atomic_t operations are not supported");
            if (strcmp(t.text, "spinlock_t") == 0)
                fail(ps, t.line, "spinlock_t variables: locks are not supported");
            if (strcmp(t.text, "int") != 0 && strcmp(t.text, "atomic_int") != 0)
                fail(ps, t.line, "init type '%s' is not supported (variables are int)", t.text);
            if (is_punct(ps, "*"))
                fail(ps, t.line, "pointer variables are not supported");
            name = expect_id(ps, "a variable name");
        }
        int v = add_var(ps, name.text, name.line);
        if (accept(ps, "=")) {
            if (is_punct(ps, "&") || peek(ps)->kind == T_ID)
                fail(ps, name.line, "'%s': pointer initial values are not supported", name.text);
            ps->t->vars[v].init = expect_int(ps);
        }
        expect(ps, ";");
    }
}

/* A location in the condition: "0:r0", "x" or "[x]". */
static struct lt_loc parse_loc(struct parser *ps)
{
    struct tok t = next(ps);
    if (t.kind == T_NUM) {
        expect(ps, ":");
        struct tok r = expect_id(ps, "a register name");
        if (t.num >= ps->t->nthreads)
            fail(ps, t.line, "%ld:%s: there is no thread P%ld", t.num, r.text, t.num);
        int reg = find_reg(&ps->t->threads[t.num], r.text);
        if (reg < 0)
            fail(ps, t.line, "%ld:%s: P%ld has no register '%s'", t.num, r.text, t.num, r.text);
        return (struct lt_loc){(int)t.num, reg};
    }
    bool bracket = t.kind == T_PUNCT && strcmp(t.text, "[") == 0;
    if (bracket)
        t = next(ps);
    if (t.kind != T_ID)
        fail(ps, t.line, "expected a location (0:r0 or x) but found '%s'", describe(&t));
    int v = find_var(ps->t, t.text);
    if (v < 0)
        fail(ps, t.line, "'%s' is not a shared variable", t.text);
    if (bracket)
        expect(ps, "]");
    return (struct lt_loc){-1, v};
}

static struct lt_prop *new_prop(struct parser *ps, enum lt_prop_kind kind)
{
    struct lt_prop *p = lt_arena_alloc(ps->t->arena, sizeof *p);
    memset(p, 0, sizeof *p);
    p->kind = kind;
    return p;
}

static struct lt_prop *parse_or(struct parser *ps);

static struct lt_prop *parse_patom(struct parser *ps)
{
    if (accept(ps, "~") || is_id(ps, "not")) {
        if (is_id(ps, "not"))
            next(ps);
        struct lt_prop *p = new_prop(ps, LT_C_NOT);
        enter(ps);
        p->a = parse_patom(ps);
        ps->depth--;
        return p;
    }
    if (accept(ps, "(")) {
        enter(ps);
        struct lt_prop *p = parse_or(ps);
        ps->depth--;
        expect(ps, ")");
        return p;
    }
    if (is_id(ps, "true") || is_id(ps, "false")) {
        struct tok t = next(ps);
        return new_prop(ps, t.text[0] == 't' ? LT_C_TRUE : LT_C_FALSE);
    }
    struct lt_prop *p = new_prop(ps, LT_C_ATOM);
    p->loc = parse_loc(ps);
    if (accept(ps, "!="))
        p->neq = true;
    else if (!accept(ps, "=") && !accept(ps, "=="))
        fail(ps, peek(ps)->line, "expected '=' after a location but found '%s'", describe(peek(ps)));
    p->value = expect_int(ps);
    return p;
}

static struct lt_prop *parse_and(struct parser *ps)
{
    struct lt_prop *p = parse_patom(ps);
    while (accept(ps, "/\\") || accept(ps, "&&")) {
        struct lt_prop *q = new_prop(ps, LT_C_AND);
        q->a = p;
        q->b = parse_patom(ps);
        p = q;
    }
    return p;
}

static struct lt_prop *parse_or(struct parser *ps)
{
    struct lt_prop *p = parse_and(ps);
    while (accept(ps, "\\/") || accept(ps, "||")) {
        struct lt_prop *q = new_prop(ps, LT_C_OR);
        q->a = p;
        q->b = parse_and(ps);
        p = q;
    }
    return p;
}

static bool same_loc(struct lt_loc a, struct lt_loc b)
{
    return a.thread == b.thread && a.index == b.index;
}

static void add_obs(struct parser *ps, struct lt_loc loc)
{
    for (int i = 0; i < ps->t->nobs; i++)
        if (same_loc(ps->t->obs[i], loc))
            return;
    ps->t->obs[ps->t->nobs++] = loc;
}

static void collect_obs(struct parser *ps, struct lt_prop *p)
{
    if (!p)
        return;
    if (p->kind == LT_C_ATOM)
        add_obs(ps, p->loc);
    collect_obs(ps, p->a);
    collect_obs(ps, p->b);
}

static const struct lt_test *sort_test; /* qsort has no context argument */

static int loc_cmp(const void *pa, const void *pb)
{
    const struct lt_loc *a = pa, *b = pb;
    bool ra = a->thread >= 0, rb = b->thread >= 0;
    if (ra != rb)
        return ra ? -1 : 1;
    if (ra && a->thread != b->thread)
        return a->thread - b->thread;
    const char *na = ra ? sort_test->threads[a->thread].regs[a->index].name : sort_test->vars[a->index].name;
    const char *nb = rb ? sort_test->threads[b->thread].regs[b->index].name : sort_test->vars[b->index].name;
    return strcmp(na, nb);
}

static void number_obs(struct lt_test *t, struct lt_prop *p)
{
    if (!p)
        return;
    if (p->kind == LT_C_ATOM)
        for (int i = 0; i < t->nobs; i++)
            if (same_loc(t->obs[i], p->loc))
                p->obs = i;
    number_obs(t, p->a);
    number_obs(t, p->b);
}

static void parse_locations(struct parser *ps)
{
    next(ps);
    expect(ps, "[");
    while (!accept(ps, "]")) {
        if (accept(ps, ";"))
            continue;
        add_obs(ps, parse_loc(ps));
    }
}

static void parse_condition(struct parser *ps)
{
    struct tok t = next(ps);
    if (t.kind == T_PUNCT && strcmp(t.text, "~") == 0) {
        t = next(ps);
        if (t.kind != T_ID || strcmp(t.text, "exists") != 0)
            fail(ps, t.line, "expected 'exists' after '~'");
        ps->t->quant = LT_NOT_EXISTS;
    } else if (t.kind == T_ID && strcmp(t.text, "exists") == 0) {
        ps->t->quant = LT_EXISTS;
    } else if (t.kind == T_ID && strcmp(t.text, "forall") == 0) {
        ps->t->quant = LT_FORALL;
    } else if (t.kind == T_ID && strcmp(t.text, "filter") == 0) {
        fail(ps, t.line, "'filter' is not supported");
    } else if (t.kind == T_ID && is_punct(ps, "(")) {
        fail(ps, t.line, "expected thread P%d or the final condition but found '%s('",
             ps->t->nthreads, t.text);
    } else {
        fail(ps, t.line, "expected the final condition (exists, ~exists or forall) but found '%s'",
             describe(&t));
    }
    ps->t->prop = parse_or(ps);
    collect_obs(ps, ps->t->prop);
    struct tok end = next(ps);
    if (end.kind != T_EOF)
        fail(ps, end.line, "unexpected '%s' after the final condition", describe(&end));
}

/* "Key: value" lines of the header comment ("SC: forbidden", " * Result: Never"). */
static void parse_keys(struct lt_test *t, char *header)
{
    for (char *line = header; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '*')
            p++;
        char *k = p;
        while (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '+' || *p == '.')
            p++;
        if (p > k && *p == ':' && t->nkeys < (int)(sizeof t->keys / sizeof t->keys[0])) {
            *p++ = '\0';
            while (*p == ' ' || *p == '\t')
                p++;
            char *e = p + strlen(p);
            while (e > p && isspace((unsigned char)e[-1]))
                *--e = '\0';
            if (!lt_key(t, k) && *p)
                t->keys[t->nkeys++] = (struct lt_key){k, p};
        }
        line = nl ? nl + 1 : NULL;
    }
}

static void parse_test(struct parser *ps)
{
    struct tok arch = next(ps);
    if (arch.kind != T_ID)
        fail(ps, arch.line, "a litmus test starts with 'C NAME'");
    if (strcmp(arch.text, "C") != 0)
        fail(ps, arch.line, "only C litmus tests are supported (this one is for '%s')", arch.text);
    /* The name runs to the next white space: "C-SB+o-o+o-o", "Z6.0+...". */
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
    size_t n = strcspn(ps->p, " \t\r\n");
    if (n == 0)
        fail(ps, arch.line, "the test has no name (C NAME)");
    ps->t->name = lt_arena_strndup(ps->t->arena, ps->p, n);
    ps->p += n;
    ps->in_header = true;
    while (peek(ps)->kind == T_STR)
        next(ps);
    ps->in_header = false; /* the header is what came before the init block */
    if (is_punct(ps, "{"))
        parse_init(ps);
    while (peek(ps)->kind == T_ID && peek(ps)->text[0] == 'P' && isdigit((unsigned char)peek(ps)->text[1]))
        parse_thread(ps);
    if (ps->t->nthreads == 0)
        fail(ps, peek(ps)->line, "expected thread P0 but found '%s'", describe(peek(ps)));
    if (is_id(ps, "locations"))
        parse_locations(ps);
    parse_condition(ps);
    for (int i = 0; i < ps->t->nthreads; i++)
        if (ps->t->threads[i].nparams == 0 && ps->t->threads[i].body.n == 0)
            fail(ps, arch.line, "P%d is empty", i);
    sort_test = ps->t;
    qsort(ps->t->obs, (size_t)ps->t->nobs, sizeof ps->t->obs[0], loc_cmp);
    number_obs(ps->t, ps->t->prop);
    if (ps->header)
        parse_keys(ps->t, ps->header);
    char buf[1024];
    lt_prop_print(ps->t, ps->t->prop, buf, sizeof buf);
    ps->t->cond_text = lt_arena_strdup(ps->t->arena, buf);
}

struct lt_test *lt_parse(const char *path, const char *text, char *err, size_t errsize)
{
    struct lt_arena *arena = lt_arena_new();
    struct lt_test *t = lt_arena_alloc(arena, sizeof *t);
    memset(t, 0, sizeof *t);
    t->arena = arena;
    t->path = lt_arena_strdup(arena, path);
    struct parser ps = {
        .path = path, .p = text, .line = 1, .ocaml_comments = true, .err = err, .errsize = errsize, .t = t,
    };
    if (setjmp(ps.fail)) {
        lt_arena_free(arena);
        return NULL;
    }
    parse_test(&ps);
    return t;
}

char *lt_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    errno = 0;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            errno = ENOMEM;
            return NULL;
        }
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        if (cap > (64u << 20)) { /* a litmus test is small; refuse huge files */
            free(buf);
            fclose(f);
            errno = EFBIG;
            return NULL;
        }
        cap *= 2;
        char *nb = realloc(buf, cap);
        if (!nb)
            free(buf);
        buf = nb;
    }
    int bad = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (bad) {
        free(buf);
        errno = bad;
        return NULL;
    }
    buf[len] = '\0';
    if (strlen(buf) != len) { /* a NUL byte: not a text file */
        free(buf);
        errno = EILSEQ;
        return NULL;
    }
    return buf;
}

struct lt_test *lt_parse_file(const char *path, char *err, size_t errsize)
{
    char *text = lt_read_file(path);
    if (!text) {
        snprintf(err, errsize, "%s: %s", path, errno == EILSEQ ? "not a text file" : strerror(errno));
        return NULL;
    }
    struct lt_test *t = lt_parse(path, text, err, errsize);
    free(text);
    return t;
}
