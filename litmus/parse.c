/* parse.c: a recursive-descent parser for the C litmus dialect of herd7,
 * litmus7, klitmus7 and the Linux kernel's tools/memory-model.
 *
 * The file is: "C NAME", an optional quoted description and diy7's
 * "Key=Value" metadata lines, an optional header comment (its "Key: value"
 * lines become test->keys), an init block "{ x=1; int *p = &x; 0:r1=0; }",
 * threads "P0(int *x, spinlock_t *l) { ... }", an optional "locations [...]",
 * an optional "filter (...)" and the final condition "exists|~exists|forall
 * (prop)".  OCaml comments "(* ... *)" are comments outside thread bodies
 * only: inside a body "(*x" is C.  What each operation means comes from the
 * operation table (mapping.c); this file only reads the syntax and builds
 * the tree of ast.h, with access ids and dependencies.
 *
 * Anything outside the dialect stops the parse with "path:line: what"
 * (errors longjmp back to lt_parse, which frees the arena): the parser never
 * guesses, so the generator never miscompiles.
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
    const char *pos, *end; /* where it is in the source */
};

struct reg_init {
    int thread;
    const char *name;
    int value, line;
};

struct stmt_list;

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
    struct stmt_list *list; /* where the statements being read go (hoisted accesses too) */
    int nhidden;            /* hidden registers made in this thread */
    const char *prev_end;   /* end of the last token read, for statement texts */
    struct reg_init reg_inits[256];
    int nreg_inits;
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
    tk->pos = p;
    tk->end = p;
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
        ps->tok.end = ps->p;
        ps->have_tok = true;
    }
    return &ps->tok;
}

static struct tok next(struct parser *ps)
{
    struct tok t = *peek(ps);
    ps->have_tok = false;
    ps->prev_end = t.end;
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
    ps->t->vars[v].type = LT_VT_INT;
    return v;
}

/* A variable's type: the first declaration that says more than "int" wins. */
static void set_var_type(struct lt_test *t, int v, enum lt_var_type type)
{
    if (t->vars[v].type == LT_VT_INT)
        t->vars[v].type = type;
}

static int find_reg(const struct lt_thread *th, const char *name)
{
    for (int i = 0; i < th->nregs; i++)
        if (strcmp(th->regs[i].name, name) == 0)
            return i;
    return -1;
}

static int add_reg(struct parser *ps, struct lt_thread *th, int thread, const char *name, int line)
{
    if (th->nregs == LT_MAX_REGS)
        fail(ps, line, "more than %d registers in P%d", LT_MAX_REGS, thread);
    int r = th->nregs++;
    th->regs[r].name = lt_arena_strdup(ps->t->arena, name);
    th->regs[r].init = 0;
    th->regs[r].hidden = false;
    /* A slot can be reused (a hidden register renamed away frees its slot):
     * a new register carries no read until one is assigned to it. */
    if (th == ps->th)
        ps->regdeps[r] = 0;
    return r;
}

/* Why a call outside the dialect is refused, or NULL when it is not known. */
static const char *unsupported_call(const char *name)
{
    static const struct { const char *prefix, *why; } known[] = {
        {"spin_unlock_wait", "spin_unlock_wait() is gone from the kernel and from herd7's model"},
        {"raw_spin_", "raw spinlocks are not in the kernel model; use spin_lock"},
        {"mutex_", "mutexes are not in the kernel model; use spin_lock"},
        {"call_rcu", "call_rcu() (a callback) is not supported"},
        {"synchronize_sched", "synchronize_sched() is gone from the kernel model; use synchronize_rcu"},
        {"smp_read_barrier_depends", "smp_read_barrier_depends() is gone from the kernel model (READ_ONCE orders dependent loads)"},
        {"smp_cond_load", "smp_cond_load_*() (a loop) is not supported"},
        {"atomic64_", "atomic64_t operations are not supported; use atomic_t"},
        {"atomic_long_", "atomic_long_t operations are not supported; use atomic_t"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strncmp(name, known[i].prefix, strlen(known[i].prefix)) == 0)
            return known[i].why;
    return NULL;
}

/* ---- types ----------------------------------------------------------------- */

/* Type names of variables, parameters and registers: every integer type is
 * one int-sized value here (pointers are values too: ast.h). */
static bool is_type_word(const char *s)
{
    static const char *const words[] = {
        "int", "unsigned", "signed", "long", "short", "char", "bool", "_Bool", "intptr_t", "uintptr_t",
        "size_t", "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "int8_t", "int16_t", "int32_t",
        "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t", "volatile", "const", "_Atomic",
        "atomic_int", "atomic_uint", "atomic_long", "atomic_ulong", "atomic_llong", "atomic_ullong",
        "atomic_intptr_t", "atomic_uintptr_t", "atomic_bool", "atomic_char", "atomic_short", "atomic_size_t",
        "atomic_t", "spinlock_t", "struct", "void",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

static bool at_type(struct parser *ps)
{
    struct tok *t = peek(ps);
    return t->kind == T_ID && is_type_word(t->text);
}

/* Read a type's words ("volatile unsigned long", "struct srcu_struct",
 * "_Atomic(int)") and then its stars; returns what a variable of that base
 * type holds. */
static enum lt_var_type parse_type(struct parser *ps, int *stars)
{
    enum lt_var_type type = LT_VT_INT;
    bool any = false;
    while (at_type(ps)) {
        struct tok t = next(ps);
        any = true;
        if (strcmp(t.text, "atomic_t") == 0)
            type = LT_VT_ATOMIC_T;
        else if (strcmp(t.text, "spinlock_t") == 0)
            type = LT_VT_LOCK;
        else if (strcmp(t.text, "struct") == 0) {
            struct tok tag = expect_id(ps, "a struct name");
            if (strcmp(tag.text, "srcu_struct") != 0)
                fail(ps, tag.line, "struct %s: structs are not supported (struct srcu_struct is)", tag.text);
            type = LT_VT_SRCU;
        } else if (strcmp(t.text, "_Atomic") == 0 && accept(ps, "(")) {
            int inner = 0;
            parse_type(ps, &inner);
            expect(ps, ")");
        }
    }
    if (!any)
        fail(ps, peek(ps)->line, "expected a type but found '%s'", describe(peek(ps)));
    *stars = 0;
    while (accept(ps, "*")) {
        (*stars)++;
        while (is_id(ps, "const") || is_id(ps, "volatile") || is_id(ps, "restrict"))
            next(ps);
    }
    return type;
}

/* After "(", whether a cast's type follows. */
static bool at_cast(struct parser *ps)
{
    return at_type(ps);
}

/* ---- expressions ------------------------------------------------------------- */

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

static struct lt_expr *const_expr(struct parser *ps, int value)
{
    struct lt_expr *e = new_expr(ps, LT_E_CONST);
    e->value = value;
    return e;
}

static struct lt_expr *reg_expr(struct parser *ps, int reg)
{
    struct lt_expr *e = new_expr(ps, LT_E_REG);
    e->reg = reg;
    e->deps = ps->regdeps[reg];
    return e;
}

static struct lt_expr *addr_expr(struct parser *ps, int var)
{
    struct lt_expr *e = new_expr(ps, LT_E_ADDR);
    e->var = var;
    return e;
}

static struct lt_expr *parse_expr(struct parser *ps);
static struct lt_expr *parse_assign_expr(struct parser *ps);
static struct lt_expr *parse_unary(struct parser *ps);
static int parse_call(struct parser *ps, const struct tok *name, int reg, bool want_value);
static int plain_load(struct parser *ps, struct lt_expr *addr, int line, int reg);

/* A fresh hidden register for an access inside an expression. */
static int hidden_reg(struct parser *ps, int line)
{
    char name[16];
    snprintf(name, sizeof name, "_t%d", ++ps->nhidden);
    int r = add_reg(ps, ps->th, ps->thread_index, name, line);
    ps->th->regs[r].hidden = true;
    return r;
}

/* A name in an expression: a register, the address of a shared variable, or
 * (diy7 style) a register nobody declared, which starts at 0. */
static struct lt_expr *name_expr(struct parser *ps, const struct tok *t)
{
    int r = find_reg(ps->th, t->text);
    if (r >= 0)
        return reg_expr(ps, r);
    int v = find_var(ps->t, t->text);
    if (v >= 0)
        return addr_expr(ps, v);
    if (lt_op_find(t->text, false))
        fail(ps, t->line, "%s needs its arguments: %s(...)", t->text, t->text);
    return reg_expr(ps, add_reg(ps, ps->th, ps->thread_index, t->text, t->line));
}

static struct lt_expr *parse_primary(struct parser *ps)
{
    struct tok t = next(ps);
    if (t.kind == T_NUM)
        return const_expr(ps, (int)t.num);
    if (t.kind == T_PUNCT && strcmp(t.text, "(") == 0) {
        struct lt_expr *e = parse_expr(ps);
        expect(ps, ")");
        return e;
    }
    if (t.kind != T_ID)
        fail(ps, t.line, "expected a value but found '%s'", describe(&t));
    if (strcmp(t.text, "NULL") == 0)
        return const_expr(ps, 0);
    if (strcmp(t.text, "true") == 0 || strcmp(t.text, "false") == 0)
        return const_expr(ps, t.text[0] == 't');
    if (is_punct(ps, "(")) {
        int reg = parse_call(ps, &t, -1, true);
        return reg_expr(ps, reg);
    }
    return name_expr(ps, &t);
}

static struct lt_expr *unary_expr(struct parser *ps, int op, struct lt_expr *a)
{
    if (op == '-' && a->kind == LT_E_CONST) {
        a->value = (int)(0u - (unsigned)a->value);
        return a;
    }
    struct lt_expr *e = new_expr(ps, LT_E_UNARY);
    e->op = op;
    e->a = a;
    e->deps = a->deps;
    return e;
}

static struct lt_expr *parse_unary(struct parser *ps)
{
    struct tok *t = peek(ps);
    if (is_punct(ps, "-") || is_punct(ps, "!") || is_punct(ps, "~") || is_punct(ps, "+")) {
        struct tok op = next(ps);
        enter(ps);
        struct lt_expr *a = parse_unary(ps);
        ps->depth--;
        return op.text[0] == '+' ? a : unary_expr(ps, op.text[0], a);
    }
    if (is_punct(ps, "*")) {
        /* a plain load: r = *x, if (*x) */
        struct tok star = next(ps);
        enter(ps);
        struct lt_expr *addr = parse_unary(ps);
        ps->depth--;
        return reg_expr(ps, plain_load(ps, addr, star.line, -1));
    }
    if (is_punct(ps, "&")) {
        struct tok amp = next(ps);
        struct tok name = expect_id(ps, "a shared variable after '&'");
        int v = find_var(ps->t, name.text);
        if (v < 0 || find_reg(ps->th, name.text) >= 0)
            fail(ps, amp.line, "'&%s': only the address of a shared variable is a value", name.text);
        return addr_expr(ps, v);
    }
    if (is_punct(ps, "++") || is_punct(ps, "--"))
        fail(ps, t->line, "'%s' is not supported (write r = r + 1)", t->text);
    if (is_punct(ps, "(")) {
        /* a cast, or a parenthesised expression: look past the "(" */
        struct tok open = next(ps);
        if (at_cast(ps)) {
            int stars;
            parse_type(ps, &stars);
            expect(ps, ")");
            enter(ps);
            struct lt_expr *e = parse_unary(ps); /* every value is int-sized: a cast changes nothing */
            ps->depth--;
            return e;
        }
        struct lt_expr *e = parse_expr(ps);
        expect(ps, ")");
        (void)open;
        if (is_punct(ps, "++") || is_punct(ps, "--") || is_punct(ps, "[") || is_punct(ps, "->"))
            fail(ps, peek(ps)->line, "'%s' is not supported", peek(ps)->text);
        return e;
    }
    struct lt_expr *e = parse_primary(ps);
    if (is_punct(ps, "++") || is_punct(ps, "--") || is_punct(ps, "[") || is_punct(ps, "->") ||
        is_punct(ps, "."))
        fail(ps, peek(ps)->line, "'%s' is not supported", peek(ps)->text);
    return e;
}

/* Binary operators by precedence level, loosest first. */
static const char *const levels[][5] = {
    {"||"}, {"&&"}, {"|"}, {"^"}, {"&"}, {"==", "!="}, {"<", "<=", ">", ">="}, {"<<", ">>"}, {"+", "-"},
    {"*", "/", "%"},
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
        const char *op = NULL;
        for (int i = 0; i < 5 && levels[level][i]; i++)
            if (strcmp(t->text, levels[level][i]) == 0)
                op = levels[level][i];
        if (!op)
            return e;
        struct tok optok = next(ps);
        int before = ps->th->naccesses;
        struct lt_expr *b = new_expr(ps, LT_E_BINARY);
        b->op = LT_OP(op[0], op[1]);
        b->a = e;
        b->b = parse_level(ps, level + 1);
        /* C would not evaluate the right side of && / || every time: an
         * access there is conditional, which a hoisted statement is not */
        if ((level <= 1) && ps->th->naccesses != before)
            fail(ps, optok.line, "a memory access on the right of '%s' is not supported "
                 "(C evaluates it only sometimes): read it into a register in an if", op);
        b->deps = b->a->deps | b->b->deps;
        e = b;
    }
}

static struct lt_expr *parse_expr(struct parser *ps)
{
    enter(ps);
    struct lt_expr *e = parse_level(ps, 0);
    if (is_punct(ps, "?")) {
        struct tok q = next(ps);
        int before = ps->th->naccesses;
        struct lt_expr *c = new_expr(ps, LT_E_COND);
        c->a = e;
        c->b = parse_expr(ps);
        expect(ps, ":");
        c->c = parse_expr(ps);
        if (ps->th->naccesses != before)
            fail(ps, q.line, "a memory access inside '?:' is not supported: use an if");
        c->deps = c->a->deps | c->b->deps | c->c->deps;
        e = c;
    }
    ps->depth--;
    return e;
}

/* An argument: an expression without the comma operator. */
static struct lt_expr *parse_assign_expr(struct parser *ps)
{
    return parse_expr(ps);
}

/* ---- events -------------------------------------------------------------------- */

struct stmt_list {
    struct lt_stmt *v;
    int n, cap;
};

static struct lt_stmt *push_stmt(struct parser *ps, struct stmt_list *l, const struct lt_stmt *s)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        struct lt_stmt *v = lt_arena_alloc(ps->t->arena, (size_t)cap * sizeof *v);
        if (l->n)
            memcpy(v, l->v, (size_t)l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = *s;
    return &l->v[l->n++];
}

static struct lt_stmt new_stmt(enum lt_stmt_kind kind, int line)
{
    return (struct lt_stmt){.kind = kind, .line = line, .id = -1, .reg = -1, .reg_expected = -1, .var = -1,
                            .domain = -1, .prim = LT_P_NONE};
}

/* The source text from 'from' to the end of the last token read, whitespace folded. */
static const char *source_text(struct parser *ps, const char *from)
{
    size_t n = from && ps->prev_end > from ? (size_t)(ps->prev_end - from) : 0;
    char *s = lt_arena_alloc(ps->t->arena, n + 1);
    size_t k = 0;
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)from[i])) {
            space = k > 0;
            continue;
        }
        if (space)
            s[k++] = ' ';
        space = false;
        s[k++] = from[i];
    }
    s[k] = '\0';
    return s;
}

/* The old prim field, for the code that still reads it. */
static enum lt_prim old_prim(const struct lt_stmt *s)
{
    const char *n = s->op->name;
    if (s->kind == LT_S_FENCE)
        return s->fence == LT_F_MB ? LT_P_SMP_MB : s->fence == LT_F_RMB ? LT_P_SMP_RMB
             : s->fence == LT_F_WMB ? LT_P_SMP_WMB : s->fence == LT_F_C11 ? LT_P_THREAD_FENCE : LT_P_BARRIER;
    if (strcmp(n, "READ_ONCE") == 0)
        return LT_P_READ_ONCE;
    if (strcmp(n, "WRITE_ONCE") == 0)
        return LT_P_WRITE_ONCE;
    if (s->kind == LT_S_LOAD)
        return s->ann == LT_ANN_C11 ? LT_P_ATOMIC_LOAD : LT_P_LOAD_ACQUIRE;
    if (s->kind == LT_S_STORE)
        return s->ann == LT_ANN_C11 ? LT_P_ATOMIC_STORE : LT_P_STORE_RELEASE;
    if (s->kind == LT_S_RMW)
        return s->cond == LT_RMW_IF_EQ ? LT_P_CMPXCHG : s->ann == LT_ANN_C11 ? LT_P_ATOMIC_EXCHANGE : LT_P_XCHG;
    return LT_P_NONE;
}

/* Add an event to the current list: its access id, its dependencies (ast.h),
 * and what its result register now depends on.  Returns its id. */
static int add_event(struct parser *ps, struct lt_stmt *s)
{
    if (ps->th->naccesses == LT_MAX_ACCESSES)
        fail(ps, s->line, "more than %d memory accesses in P%d", LT_MAX_ACCESSES, ps->thread_index);
    s->id = ps->th->naccesses++;
    if (s->addr) {
        s->addr_deps = s->addr->deps;
        if (s->addr->kind == LT_E_ADDR)
            s->var = s->addr->var;
        else if (s->addr->kind == LT_E_CONST)
            fail(ps, s->line, "%s: the location %d is not a pointer", s->op->name, s->addr->value);
        else
            ps->t->has_pointers = true;
    }
    s->data_deps = (s->value ? s->value->deps : 0) | (s->expected ? s->expected->deps : 0);
    s->ctrl_deps = ps->ctrl;
    s->prim = old_prim(s);
    s->is_cmpxchg = s->kind == LT_S_RMW && s->cond == LT_RMW_IF_EQ;
    if (s->reg >= 0)
        ps->regdeps[s->reg] = (lt_deps)1 << s->id;
    if (s->reg_expected >= 0)
        ps->regdeps[s->reg_expected] = (lt_deps)1 << s->id;
    if (s->kind == LT_S_LOCK || s->kind == LT_S_UNLOCK || s->kind == LT_S_TRYLOCK || s->kind == LT_S_ISLOCKED)
        ps->t->has_locks = true;
    if (s->kind == LT_S_RCU_LOCK || s->kind == LT_S_RCU_UNLOCK || s->kind == LT_S_SYNC_RCU)
        ps->t->has_rcu = true;
    push_stmt(ps, ps->list, s);
    return s->id;
}

static void fill_from_op(struct lt_stmt *s, const struct lt_opinfo *op)
{
    s->op = op;
    s->kind = op->kind;
    s->ann = op->ann;
    s->ann_fail = op->ann == LT_ANN_C11 ? LT_ANN_C11 : LT_ANN_ONCE;
    s->plain = op->ann == LT_ANN_PLAIN;
    s->mo = op->mo;
    s->mo_fail = op->kind == LT_S_RMW && op->ann == LT_ANN_ACQUIRE ? LT_ACQUIRE : LT_RELAXED;
    if (op->ann == LT_ANN_C11)
        s->mo_fail = op->mo == LT_ACQ_REL ? LT_ACQUIRE : op->mo == LT_RELEASE ? LT_RELAXED : op->mo;
    s->fence = op->fence;
    s->rmw = op->rmw;
    s->cond = op->cond;
    s->ret = op->ret;
}

/* "r = *addr" (a plain load), into reg or a hidden register; returns the register. */
static int plain_load(struct parser *ps, struct lt_expr *addr, int line, int reg)
{
    struct lt_stmt s = new_stmt(LT_S_LOAD, line);
    fill_from_op(&s, lt_op_find("(plain load)", false));
    s.addr = addr;
    s.reg = reg >= 0 ? reg : hidden_reg(ps, line);
    s.text = "(plain load)";
    add_event(ps, &s);
    return s.reg;
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

/* The location argument: "*x" for the kernel's READ_ONCE family (star), else
 * a pointer value ("x", "&x", "(int *)r1"). */
static struct lt_expr *parse_location(struct parser *ps, const struct lt_opinfo *op)
{
    struct tok *t = peek(ps);
    if (op->star) {
        if (!is_punct(ps, "*"))
            fail(ps, t->line, "%s takes '*x' (a dereferenced pointer) but found '%s'", op->name, describe(t));
        next(ps);
        return parse_unary(ps);
    }
    return parse_assign_expr(ps);
}

static void check_mo(struct parser *ps, const struct lt_stmt *s)
{
    if (s->kind == LT_S_LOAD && (s->mo == LT_RELEASE || s->mo == LT_ACQ_REL))
        fail(ps, s->line, "%s: a load cannot have release order", s->op->name);
    if (s->kind == LT_S_STORE && (s->mo == LT_ACQUIRE || s->mo == LT_ACQ_REL))
        fail(ps, s->line, "%s: a store cannot have acquire order", s->op->name);
}

/* "&r" for compare_exchange's expected value: the register. */
static int parse_reg_address(struct parser *ps, const struct lt_opinfo *op)
{
    struct tok amp = next(ps);
    if (amp.kind != T_PUNCT || strcmp(amp.text, "&") != 0)
        fail(ps, amp.line, "%s takes '&r' (a register's address) as its second argument", op->name);
    struct tok name = expect_id(ps, "a register name");
    int r = find_reg(ps->th, name.text);
    if (r < 0) {
        if (find_var(ps->t, name.text) >= 0)
            fail(ps, name.line, "%s: the expected value must be a register, not '%s'", op->name, name.text);
        r = add_reg(ps, ps->th, ps->thread_index, name.text, name.line);
    }
    return r;
}

/* Which of the names both the kernel and C11 use is meant: C11's take the
 * location first (atomic_fetch_add(x, 1)), the kernel's last (atomic_fetch_add(1, v)). */
static bool c11_argument_order(struct parser *ps)
{
    struct tok *t = peek(ps);
    if (t->kind == T_PUNCT && strcmp(t->text, "&") == 0)
        return true;
    return t->kind == T_ID && find_reg(ps->th, t->text) < 0 && find_var(ps->t, t->text) >= 0;
}

/* compare_exchange(x, e, v) with e a shared location: "if (!ok) *e = found;". */
static void write_back_expected(struct parser *ps, const struct lt_stmt *cas, struct lt_expr *loc)
{
    struct lt_stmt iff = new_stmt(LT_S_IF, cas->line);
    iff.value = unary_expr(ps, '!', reg_expr(ps, cas->reg));
    iff.text = "(compare_exchange failed)";
    struct stmt_list l = {0}, *saved = ps->list;
    lt_deps saved_ctrl = ps->ctrl;
    ps->list = &l;
    ps->ctrl |= iff.value->deps;
    struct lt_stmt st = new_stmt(LT_S_STORE, cas->line);
    fill_from_op(&st, lt_op_find("(plain store)", false));
    st.addr = loc;
    st.value = reg_expr(ps, cas->reg_expected);
    st.text = "(write back the value found)";
    add_event(ps, &st);
    ps->list = saved;
    ps->ctrl = saved_ctrl;
    iff.then = (struct lt_block){l.v, l.n};
    push_stmt(ps, ps->list, &iff);
}

/* "NAME(args)" for an operation of the table.  The result goes to reg, or to
 * a hidden register when want_value and reg < 0.  Returns the result register
 * (-1 when the operation has no value). */
static int parse_call(struct parser *ps, const struct tok *name, int reg, bool want_value)
{
    const char *from = name->pos;
    expect(ps, "(");
    const struct lt_opinfo *op = lt_op_find(name->text, c11_argument_order(ps));
    if (!op) {
        const char *why = unsupported_call(name->text);
        if (why)
            fail(ps, name->line, "%s(): %s", name->text, why);
        fail(ps, name->line, "%s() is not an operation memlab knows (litmus/README.md lists the dialect)",
             name->text);
    }
    struct lt_stmt s = new_stmt(op->kind, name->line);
    fill_from_op(&s, op);
    struct lt_expr *expected_loc = NULL;
    bool has_value = lt_stmt_reads(&s) && !(s.kind == LT_S_RMW && s.ret == LT_RET_NONE);
    if (s.kind == LT_S_RCU_LOCK && op->rcu_domain)
        has_value = true; /* srcu_read_lock returns an index */
    if (s.kind == LT_S_LOCK)
        has_value = false;
    if ((want_value || reg >= 0) && !has_value)
        fail(ps, name->line, "%s() has no value to use", op->name);
    switch (op->shape) {
    case LT_SH_NONE:
        break;
    case LT_SH_M:
        s.mo = parse_mo(ps);
        break;
    case LT_SH_L:
    case LT_SH_LM:
        s.addr = parse_location(ps, op);
        if (op->shape == LT_SH_LM) {
            expect(ps, ",");
            s.mo = parse_mo(ps);
        }
        break;
    case LT_SH_LV:
    case LT_SH_LVM:
        s.addr = parse_location(ps, op);
        expect(ps, ",");
        s.value = parse_assign_expr(ps);
        if (op->shape == LT_SH_LVM) {
            expect(ps, ",");
            s.mo = parse_mo(ps);
        }
        break;
    case LT_SH_VL:
        s.value = parse_assign_expr(ps);
        expect(ps, ",");
        s.addr = parse_location(ps, op);
        break;
    case LT_SH_LEV:
        s.addr = parse_location(ps, op);
        expect(ps, ",");
        s.expected = parse_assign_expr(ps);
        expect(ps, ",");
        s.value = parse_assign_expr(ps);
        break;
    case LT_SH_LVE:
        s.addr = parse_location(ps, op);
        expect(ps, ",");
        s.value = parse_assign_expr(ps);
        expect(ps, ",");
        s.expected = parse_assign_expr(ps);
        break;
    case LT_SH_LRV:
    case LT_SH_LRVMM:
        s.addr = parse_location(ps, op);
        expect(ps, ",");
        if (is_punct(ps, "&")) {
            s.reg_expected = parse_reg_address(ps, op);
        } else {
            /* expected is a shared location: read it first; on failure the
             * value found is written back to it (after the CAS, below) */
            expected_loc = parse_assign_expr(ps);
            s.reg_expected = plain_load(ps, expected_loc, name->line, -1);
        }
        s.expected = reg_expr(ps, s.reg_expected);
        expect(ps, ",");
        s.value = parse_assign_expr(ps);
        if (op->shape == LT_SH_LRVMM) {
            expect(ps, ",");
            s.mo = parse_mo(ps);
            expect(ps, ",");
            s.mo_fail = parse_mo(ps);
            if (s.mo_fail == LT_RELEASE || s.mo_fail == LT_ACQ_REL)
                fail(ps, name->line, "%s: the failure order cannot be release", op->name);
        } else {
            s.mo_fail = LT_SEQ_CST;
        }
        break;
    }
    expect(ps, ")");
    if (op->operand && !s.value)
        s.value = const_expr(ps, op->operand);
    if (op->ann == LT_ANN_C11 && op->kind == LT_S_RMW && op->shape != LT_SH_LRVMM)
        s.mo_fail = s.mo == LT_ACQ_REL ? LT_ACQUIRE : s.mo == LT_RELEASE ? LT_RELAXED : s.mo;
    check_mo(ps, &s);
    if (op->rcu_domain) {
        if (!s.addr || s.addr->kind != LT_E_ADDR)
            fail(ps, name->line, "%s: the srcu_struct must be a parameter", op->name);
        s.domain = s.addr->var;
        set_var_type(ps->t, s.domain, LT_VT_SRCU);
    }
    if (s.kind == LT_S_LOCK || s.kind == LT_S_UNLOCK || s.kind == LT_S_TRYLOCK || s.kind == LT_S_ISLOCKED) {
        if (s.addr->kind == LT_E_ADDR)
            set_var_type(ps->t, s.addr->var, LT_VT_LOCK);
    }
    s.text = source_text(ps, from);
    if (has_value && (want_value || reg >= 0 || expected_loc))
        s.reg = reg >= 0 ? reg : hidden_reg(ps, name->line);
    add_event(ps, &s);
    if (expected_loc)
        write_back_expected(ps, &s, expected_loc);
    if (op->then_fence_mb) {
        struct lt_stmt f = new_stmt(LT_S_FENCE, name->line);
        fill_from_op(&f, lt_op_find("smp_mb", false));
        f.text = s.text;
        add_event(ps, &f);
    }
    return s.reg;
}

/* ---- statements ------------------------------------------------------------ */

static void parse_stmt(struct parser *ps);

/* Parse statements into a fresh list (a block), restoring the current one. */
static struct lt_block parse_branch(struct parser *ps)
{
    struct stmt_list l = {0}, *saved = ps->list;
    ps->list = &l;
    enter(ps);
    if (accept(ps, "{")) {
        while (!is_punct(ps, "}")) {
            if (peek(ps)->kind == T_EOF)
                fail(ps, peek(ps)->line, "'{' is never closed");
            parse_stmt(ps);
        }
        next(ps);
    } else {
        parse_stmt(ps);
    }
    ps->depth--;
    ps->list = saved;
    return (struct lt_block){l.v, l.n};
}

/* "reg = expr": an access written straight into reg when the expression is
 * one (r = READ_ONCE(*x)), else an assignment. */
static void assign(struct parser *ps, int reg, int line, const char *from)
{
    int before = ps->list->n, hidden_before = ps->th->nregs;
    struct lt_expr *e = parse_assign_expr(ps);
    struct lt_stmt *last = ps->list->n > before ? &ps->list->v[ps->list->n - 1] : NULL;
    if (e->kind == LT_E_REG && last && last->id >= 0 && last->reg == e->reg && ps->th->regs[e->reg].hidden &&
        e->reg == ps->th->nregs - 1 && hidden_before < ps->th->nregs) {
        /* the whole right-hand side is one access: let it write reg itself */
        last->reg = reg;
        ps->th->nregs--;
        ps->nhidden--;
        ps->regdeps[reg] = (lt_deps)1 << last->id;
        return;
    }
    struct lt_stmt s = new_stmt(LT_S_ASSIGN, line);
    s.reg = reg;
    s.value = e;
    s.text = source_text(ps, from);
    push_stmt(ps, ps->list, &s);
    ps->regdeps[reg] = e->deps;
}

/* A register to assign: declared, or (diy7 style) declared by first use. */
static int target_reg(struct parser *ps, const struct tok *t)
{
    int r = find_reg(ps->th, t->text);
    if (r >= 0)
        return r;
    if (find_var(ps->t, t->text) >= 0)
        fail(ps, t->line, "'%s' is a shared variable's address: write *%s = ... or WRITE_ONCE(*%s, ...)",
             t->text, t->text, t->text);
    return add_reg(ps, ps->th, ps->thread_index, t->text, t->line);
}

static void parse_decl(struct parser *ps)
{
    int stars0;
    parse_type(ps, &stars0);
    int stars = stars0;
    for (;;) {
        struct tok name = expect_id(ps, "a register name");
        if (find_reg(ps->th, name.text) >= 0 && !ps->th->regs[find_reg(ps->th, name.text)].hidden) {
            /* declared again (diy7 declares at first use, herd7 allows it): the same register */
        }
        if (find_var(ps->t, name.text) >= 0 && find_reg(ps->th, name.text) < 0) {
            bool param = false;
            for (int i = 0; i < ps->th->nparams; i++)
                param |= strcmp(ps->t->vars[ps->th->params[i]].name, name.text) == 0;
            if (param)
                fail(ps, name.line, "register '%s' has the name of a parameter", name.text);
        }
        if (is_punct(ps, "["))
            fail(ps, name.line, "arrays are not supported");
        int r = find_reg(ps->th, name.text);
        if (r < 0)
            r = add_reg(ps, ps->th, ps->thread_index, name.text, name.line);
        (void)stars;
        if (accept(ps, "="))
            assign(ps, r, name.line, name.pos);
        if (!accept(ps, ","))
            break;
        stars = 0;
        while (accept(ps, "*"))
            stars++;
    }
    expect(ps, ";");
}

static void parse_if(struct parser *ps, const struct tok *t)
{
    struct lt_stmt s = new_stmt(LT_S_IF, t->line);
    const char *from = t->pos;
    expect(ps, "(");
    s.value = parse_expr(ps);
    expect(ps, ")");
    s.text = source_text(ps, from);
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
    push_stmt(ps, ps->list, &s);
}

static void parse_stmt(struct parser *ps)
{
    struct tok t = *peek(ps);
    if (accept(ps, ";"))
        return;
    if (t.kind == T_PUNCT && strcmp(t.text, "{") == 0) {
        struct lt_block b = parse_branch(ps);
        for (int i = 0; i < b.n; i++)
            push_stmt(ps, ps->list, &b.stmts[i]);
        return;
    }
    if (t.kind == T_PUNCT && strcmp(t.text, "*") == 0) {
        /* a plain store: *x = v */
        next(ps);
        struct lt_expr *addr = parse_unary(ps);
        struct tok eq = next(ps);
        if (eq.kind != T_PUNCT || strcmp(eq.text, "=") != 0)
            fail(ps, eq.line, "expected '=' after '*...' but found '%s'", describe(&eq));
        struct lt_stmt s = new_stmt(LT_S_STORE, t.line);
        fill_from_op(&s, lt_op_find("(plain store)", false));
        s.addr = addr;
        s.value = parse_assign_expr(ps);
        s.text = source_text(ps, t.pos);
        add_event(ps, &s);
        expect(ps, ";");
        return;
    }
    if (t.kind == T_PUNCT && strcmp(t.text, "(") == 0) {
        /* "(void)expr;" or a parenthesised call */
        struct lt_expr *e = parse_expr(ps);
        (void)e;
        expect(ps, ";");
        return;
    }
    if (t.kind != T_ID)
        fail(ps, t.line, "expected a statement but found '%s'", describe(&t));
    if (strcmp(t.text, "while") == 0 || strcmp(t.text, "for") == 0 || strcmp(t.text, "do") == 0)
        fail(ps, t.line, "loops ('%s') are not supported", t.text);
    if (strcmp(t.text, "goto") == 0 || strcmp(t.text, "return") == 0 || strcmp(t.text, "switch") == 0 ||
        strcmp(t.text, "break") == 0 || strcmp(t.text, "continue") == 0)
        fail(ps, t.line, "'%s' is not supported", t.text);
    if (strcmp(t.text, "static") == 0)
        fail(ps, t.line, "static variables inside a thread are not supported");
    if (at_type(ps)) {
        parse_decl(ps);
        return;
    }
    next(ps);
    if (strcmp(t.text, "if") == 0) {
        parse_if(ps, &t);
        return;
    }
    if (strcmp(t.text, "else") == 0)
        fail(ps, t.line, "'else' without 'if'");
    if (is_punct(ps, "(")) {
        parse_call(ps, &t, -1, false);
        expect(ps, ";");
        return;
    }
    struct tok op = next(ps);
    if (op.kind == T_PUNCT && (strcmp(op.text, "++") == 0 || strcmp(op.text, "--") == 0 ||
                               (op.text[1] == '=' && strchr("+-*/|&^%", op.text[0]))))
        fail(ps, op.line, "'%s%s' is not supported (write %s = %s %c ...)", t.text, op.text, t.text, t.text,
             op.text[0]);
    if (op.kind != T_PUNCT || strcmp(op.text, "=") != 0)
        fail(ps, op.line, "'%s %s': expected 'register = value;'", t.text, describe(&op));
    int r = target_reg(ps, &t);
    assign(ps, r, t.line, t.pos);
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
        if (accept(ps, ")"))
            return;
        fail(ps, peek(ps)->line, "parameter type 'void' is not supported");
    }
    do {
        if (!at_type(ps))
            fail(ps, peek(ps)->line, "parameter type '%s' is not supported (int *x, atomic_t *v, spinlock_t *l, "
                 "struct srcu_struct *s, int **p, ...)", peek(ps)->text);
        int stars;
        enum lt_var_type type = parse_type(ps, &stars);
        struct tok name = expect_id(ps, "a parameter name");
        if (stars == 0)
            fail(ps, name.line, "parameter '%s' must be a pointer (int *%s)", name.text, name.text);
        if (type == LT_VT_INT && stars > 1)
            type = LT_VT_PTR;
        int v = add_var(ps, name.text, name.line);
        set_var_type(ps->t, v, type);
        for (int i = 0; i < ps->th->nparams; i++)
            if (ps->th->params[i] == v)
                fail(ps, name.line, "parameter '%s' appears twice", name.text);
        ps->th->params[ps->th->nparams++] = v;
    } while (accept(ps, ","));
    expect(ps, ")");
}

/* thread->access[id] for every event, now that the statements stay where they are. */
static void index_accesses(struct lt_thread *th, const struct lt_block *b)
{
    for (int i = 0; i < b->n; i++) {
        const struct lt_stmt *s = &b->stmts[i];
        if (s->kind == LT_S_IF) {
            index_accesses(th, &s->then);
            index_accesses(th, &s->els);
        } else if (s->kind != LT_S_ASSIGN) {
            th->access[s->id] = s;
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
    ps->nhidden = 0;
    parse_params(ps);
    ps->ocaml_comments = false; /* before the body's first token is read: "(*x" is C here */
    expect(ps, "{");
    struct stmt_list l = {0};
    ps->list = &l;
    while (!is_punct(ps, "}")) {
        if (peek(ps)->kind == T_EOF)
            fail(ps, name.line, "P%d's body is never closed", index);
        parse_stmt(ps);
    }
    ps->list = NULL;
    ps->ocaml_comments = true;
    next(ps);
    ps->th->body = (struct lt_block){l.v, l.n};
    index_accesses(ps->th, &ps->th->body);
}

/* ---- init block, locations, condition --------------------------------------- */

/* A value in the init block or the condition: an integer, a variable's
 * address ("x", "&x"), NULL, ATOMIC_INIT(n), a cast of one of these. */
static int parse_value(struct parser *ps, bool create_vars)
{
    while (is_punct(ps, "(")) {
        next(ps);
        if (!at_cast(ps)) {
            int v = parse_value(ps, create_vars);
            expect(ps, ")");
            return v;
        }
        int stars;
        parse_type(ps, &stars);
        expect(ps, ")");
    }
    if (accept(ps, "&")) {
        struct tok name = expect_id(ps, "a variable name after '&'");
        int v = create_vars ? add_var(ps, name.text, name.line) : find_var(ps->t, name.text);
        if (v < 0)
            fail(ps, name.line, "'&%s': there is no shared variable '%s'", name.text, name.text);
        return LT_PTR(v);
    }
    struct tok *t = peek(ps);
    if (t->kind == T_ID) {
        struct tok name = next(ps);
        if (strcmp(name.text, "NULL") == 0)
            return 0;
        if (strcmp(name.text, "ATOMIC_INIT") == 0) {
            expect(ps, "(");
            int v = parse_value(ps, create_vars);
            expect(ps, ")");
            return v;
        }
        if (strcmp(name.text, "true") == 0 || strcmp(name.text, "false") == 0)
            return name.text[0] == 't';
        int v = create_vars ? add_var(ps, name.text, name.line) : find_var(ps->t, name.text);
        if (v < 0)
            fail(ps, name.line, "'%s' is neither a number nor a shared variable", name.text);
        return LT_PTR(v);
    }
    return expect_int(ps);
}

static void parse_init(struct parser *ps)
{
    expect(ps, "{");
    while (!accept(ps, "}")) {
        if (accept(ps, ";"))
            continue;
        struct tok *p = peek(ps);
        if (p->kind == T_NUM || (p->kind == T_ID && p->text[0] == 'P' && isdigit((unsigned char)p->text[1]) &&
                                 strspn(p->text + 1, "0123456789") == strlen(p->text + 1))) {
            /* 0:r1=0; a register's initial value (applied once the threads are read) */
            struct tok th = next(ps);
            int k = th.kind == T_NUM ? (int)th.num : atoi(th.text + 1);
            expect(ps, ":");
            if (at_type(ps)) {
                int stars;
                parse_type(ps, &stars);
            }
            struct tok r = expect_id(ps, "a register name");
            int value = 0;
            if (accept(ps, "="))
                value = parse_value(ps, true);
            if (ps->nreg_inits == (int)(sizeof ps->reg_inits / sizeof ps->reg_inits[0]))
                fail(ps, th.line, "too many register initial values");
            ps->reg_inits[ps->nreg_inits++] =
                (struct reg_init){k, lt_arena_strdup(ps->t->arena, r.text), value, th.line};
            expect(ps, ";");
            continue;
        }
        enum lt_var_type type = LT_VT_INT;
        int stars = 0;
        bool declared = at_type(ps);
        if (declared)
            type = parse_type(ps, &stars);
        if (declared && (peek(ps)->kind == T_NUM || (peek(ps)->kind == T_ID && peek(ps)->text[0] == 'P' &&
                                                     ps->p[0] == ':'))) {
            /* "int *1:r1;": a register's type (every value is int-sized) and maybe its value */
            struct tok th = next(ps);
            int k = th.kind == T_NUM ? (int)th.num : atoi(th.text + 1);
            expect(ps, ":");
            struct tok r = expect_id(ps, "a register name");
            int value = accept(ps, "=") ? parse_value(ps, true) : 0;
            if (ps->nreg_inits == (int)(sizeof ps->reg_inits / sizeof ps->reg_inits[0]))
                fail(ps, th.line, "too many register initial values");
            ps->reg_inits[ps->nreg_inits++] = (struct reg_init){k, lt_arena_strdup(ps->t->arena, r.text), value, th.line};
            expect(ps, ";");
            continue;
        }
        if (!declared && peek(ps)->kind == T_ID) {
            /* "TYPE name" with a type this dialect lacks (__int128_t x = 1;) */
            const char *q = ps->p;
            while (*q == ' ' || *q == '\t')
                q++;
            if (isalpha((unsigned char)*q) || *q == '_' || *q == '*')
                fail(ps, peek(ps)->line, "type '%s' is not supported (int, intptr_t, atomic_t, spinlock_t, "
                     "pointers, ...)", peek(ps)->text);
        }
        bool bracket = accept(ps, "[");
        struct tok name = expect_id(ps, "a variable name");
        if (bracket)
            expect(ps, "]");
        if (is_punct(ps, "["))
            fail(ps, name.line, "'%s': arrays are not supported", name.text);
        int v = add_var(ps, name.text, name.line);
        if (type == LT_VT_INT && stars > 0)
            type = LT_VT_PTR;
        set_var_type(ps->t, v, type);
        if (accept(ps, "=")) {
            ps->t->vars[v].init = parse_value(ps, true);
            if (ps->t->vars[v].init >= LT_PTR_BASE)
                set_var_type(ps->t, v, LT_VT_PTR);
        }
        if (!accept(ps, ",") && !is_punct(ps, "}")) /* the last ';' may be missing */
            expect(ps, ";");
    }
}

static void apply_reg_inits(struct parser *ps)
{
    for (int i = 0; i < ps->nreg_inits; i++) {
        struct reg_init *ri = &ps->reg_inits[i];
        if (ri->thread < 0 || ri->thread >= ps->t->nthreads)
            fail(ps, ri->line, "%d:%s: there is no thread P%d", ri->thread, ri->name, ri->thread);
        struct lt_thread *th = &ps->t->threads[ri->thread];
        int r = find_reg(th, ri->name);
        if (r < 0)
            r = add_reg(ps, th, ri->thread, ri->name, ri->line);
        th->regs[r].init = ri->value;
    }
}

/* A location in the condition: "0:r0", "P0:r0", "x", "[x]", "*x" (the same). */
static struct lt_loc parse_loc(struct parser *ps)
{
    struct tok t = next(ps);
    if (t.kind == T_NUM || (t.kind == T_ID && t.text[0] == 'P' && isdigit((unsigned char)t.text[1]) &&
                            is_punct(ps, ":"))) {
        long k = t.kind == T_NUM ? t.num : atol(t.text + 1);
        expect(ps, ":");
        struct tok r = expect_id(ps, "a register name");
        if (k >= ps->t->nthreads)
            fail(ps, t.line, "%ld:%s: there is no thread P%ld", k, r.text, k);
        int reg = find_reg(&ps->t->threads[k], r.text);
        if (reg < 0 || ps->t->threads[k].regs[reg].hidden)
            fail(ps, t.line, "%ld:%s: P%ld has no register '%s'", k, r.text, k, r.text);
        return (struct lt_loc){(int)k, reg};
    }
    bool bracket = t.kind == T_PUNCT && strcmp(t.text, "[") == 0;
    bool star = t.kind == T_PUNCT && strcmp(t.text, "*") == 0;
    if (bracket || star)
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
    struct tok *v = peek(ps);
    if (v->kind == T_NUM && ps->p[0] == ':') {
        p->vs_loc = true;
        p->loc2 = parse_loc(ps);
    } else {
        p->value = parse_value(ps, false);
    }
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
    if (p->kind == LT_C_ATOM && p->vs_loc)
        add_obs(ps, p->loc2);
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
        for (int i = 0; i < t->nobs; i++) {
            if (same_loc(t->obs[i], p->loc))
                p->obs = i;
            if (p->vs_loc && same_loc(t->obs[i], p->loc2))
                p->obs2 = i;
        }
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
    if (is_id(ps, "filter")) {
        next(ps);
        ps->t->filter = parse_or(ps);
        collect_obs(ps, ps->t->filter);
    }
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
    } else if (t.kind == T_ID && is_punct(ps, "(")) {
        fail(ps, t.line, "expected thread P%d or the final condition but found '%s('",
             ps->t->nthreads, t.text);
    } else {
        fail(ps, t.line, "expected the final condition (exists, ~exists or forall) but found '%s'",
             describe(&t));
    }
    ps->t->prop = parse_or(ps);
    collect_obs(ps, ps->t->prop);
    accept(ps, ";");
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

/* After "C NAME": diy7's quoted description and "Key=Value" lines
 * (Cycle=, Relax=, Safe=, Prefetch=, Com=, Orig=, Generator=, ...), and
 * comments, which are the header. */
static void skip_metadata(struct parser *ps)
{
    for (;;) {
        skip_space(ps);
        const char *p = ps->p;
        size_t n = 0;
        while (isalnum((unsigned char)p[n]) || p[n] == '_')
            n++;
        if (*p == '"' || (n > 0 && p[n] == '=')) {
            while (*ps->p && *ps->p != '\n')
                ps->p++;
            continue;
        }
        return;
    }
}

static void parse_test(struct parser *ps)
{
    struct tok arch = next(ps);
    if (arch.kind != T_ID)
        fail(ps, arch.line, "a litmus test starts with 'C NAME'");
    if (strcmp(arch.text, "C") != 0)
        fail(ps, arch.line, "not a C litmus test: this one is for '%s' (memlab reads C tests only)", arch.text);
    /* The name runs to the next white space: "C-SB+o-o+o-o", "Z6.0+...". */
    while (*ps->p == ' ' || *ps->p == '\t')
        ps->p++;
    size_t n = strcspn(ps->p, " \t\r\n");
    if (n == 0)
        fail(ps, arch.line, "the test has no name (C NAME)");
    ps->t->name = lt_arena_strndup(ps->t->arena, ps->p, n);
    ps->p += n;
    ps->in_header = true;
    skip_metadata(ps);
    ps->in_header = false; /* the header is what came before the init block */
    if (is_punct(ps, "{"))
        parse_init(ps);
    /* litmus7's C prelude, a second block ("{ #include \"api.h\" }"): host code, not the test */
    while (is_punct(ps, "{")) {
        int depth = 0, line = peek(ps)->line;
        do {
            struct tok t = next(ps);
            if (t.kind == T_EOF)
                fail(ps, line, "'{' is never closed");
            depth += t.kind == T_PUNCT && t.text[0] == '{' ? 1 : t.kind == T_PUNCT && t.text[0] == '}' ? -1 : 0;
        } while (depth > 0);
    }
    for (;;) {
        if (is_id(ps, "void"))
            next(ps);
        struct tok *t = peek(ps);
        if (!(t->kind == T_ID && t->text[0] == 'P' && isdigit((unsigned char)t->text[1])))
            break;
        parse_thread(ps);
    }
    if (ps->t->nthreads == 0)
        fail(ps, peek(ps)->line, "expected thread P0 but found '%s'", describe(peek(ps)));
    apply_reg_inits(ps);
    if (is_id(ps, "locations"))
        parse_locations(ps);
    if (peek(ps)->kind == T_EOF) {
        /* no final condition (herd7 then lists the states): every state is a witness */
        ps->t->quant = LT_EXISTS;
        ps->t->prop = new_prop(ps, LT_C_TRUE);
    } else {
        parse_condition(ps);
    }
    for (int i = 0; i < ps->t->nthreads; i++)
        if (ps->t->threads[i].nparams == 0 && ps->t->threads[i].body.n == 0)
            fail(ps, arch.line, "P%d is empty", i);
    sort_test = ps->t;
    qsort(ps->t->obs, (size_t)ps->t->nobs, sizeof ps->t->obs[0], loc_cmp);
    number_obs(ps->t, ps->t->prop);
    number_obs(ps->t, ps->t->filter);
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
