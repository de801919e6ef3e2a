/* ast.c: small walkers over a parsed test: keys, condition evaluation, names. */
#include "litmus/ast.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "litmus/arena.h"

const char *lt_key(const struct lt_test *t, const char *key)
{
    for (int i = 0; i < t->nkeys; i++)
        if (strcasecmp(t->keys[i].key, key) == 0)
            return t->keys[i].value;
    return NULL;
}

bool lt_prop_eval(const struct lt_prop *p, const int *state)
{
    switch (p->kind) {
    case LT_C_TRUE: return true;
    case LT_C_FALSE: return false;
    case LT_C_ATOM: return (state[p->obs] == (p->vs_loc ? state[p->obs2] : p->value)) != p->neq;
    case LT_C_NOT: return !lt_prop_eval(p->a, state);
    case LT_C_AND: return lt_prop_eval(p->a, state) && lt_prop_eval(p->b, state);
    case LT_C_OR: return lt_prop_eval(p->a, state) || lt_prop_eval(p->b, state);
    }
    return false;
}

bool lt_filter_pass(const struct lt_test *t, const int *state)
{
    return !t->filter || lt_prop_eval(t->filter, state);
}

int lt_ptr_var(const struct lt_test *t, int value)
{
    if (value < LT_PTR_BASE)
        return -1;
    int v = value - LT_PTR_BASE; /* no overflow: value >= LT_PTR_BASE > 0 */
    return v < t->nvars ? v : -1;
}

void lt_value_name(const struct lt_test *t, int value, char *buf, int size)
{
    int v = lt_ptr_var(t, value);
    if (v >= 0)
        snprintf(buf, (size_t)size, "%s", t->vars[v].name);
    else
        snprintf(buf, (size_t)size, "%d", value);
}

static void loc_name(const struct lt_test *t, struct lt_loc loc, char *buf, int size)
{
    if (loc.thread >= 0)
        snprintf(buf, (size_t)size, "%d:%s", loc.thread, t->threads[loc.thread].regs[loc.index].name);
    else
        snprintf(buf, (size_t)size, "%s", t->vars[loc.index].name);
}

void lt_loc_name(const struct lt_test *t, int obs, char *buf, int size)
{
    loc_name(t, t->obs[obs], buf, size);
}

/* Append to buf (size bytes in all), keeping it NUL-terminated. */
static void append(char *buf, int size, const char *s)
{
    size_t len = strlen(buf);
    if ((int)len < size - 1)
        snprintf(buf + len, (size_t)size - len, "%s", s);
}

static void print_prop(const struct lt_test *t, const struct lt_prop *p, char *buf, int size, int outer)
{
    char tmp[96];
    /* precedence: OR 1, AND 2, NOT/atom 3; parenthesise a looser child */
    int prec = p->kind == LT_C_OR ? 1 : p->kind == LT_C_AND ? 2 : 3;
    if (prec < outer)
        append(buf, size, "(");
    switch (p->kind) {
    case LT_C_TRUE: append(buf, size, "true"); break;
    case LT_C_FALSE: append(buf, size, "false"); break;
    case LT_C_ATOM:
        loc_name(t, p->loc, tmp, sizeof tmp / 2);
        append(buf, size, tmp);
        append(buf, size, p->neq ? "!=" : "=");
        if (p->vs_loc)
            loc_name(t, p->loc2, tmp, sizeof tmp);
        else
            lt_value_name(t, p->value, tmp, sizeof tmp);
        append(buf, size, tmp);
        break;
    case LT_C_NOT:
        append(buf, size, "~");
        print_prop(t, p->a, buf, size, 3);
        break;
    case LT_C_AND:
    case LT_C_OR:
        print_prop(t, p->a, buf, size, prec);
        append(buf, size, p->kind == LT_C_AND ? " /\\ " : " \\/ ");
        print_prop(t, p->b, buf, size, prec + 1);
        break;
    }
    if (prec < outer)
        append(buf, size, ")");
}

void lt_prop_print(const struct lt_test *t, const struct lt_prop *p, char *buf, int size)
{
    buf[0] = '\0';
    print_prop(t, p, buf, size, 0);
}

int lt_binop(int op, int a, int b)
{
    switch (op) {
    case '+': return (int)((unsigned)a + (unsigned)b);
    case '-': return (int)((unsigned)a - (unsigned)b);
    case '*': return (int)((unsigned)a * (unsigned)b);
    case '/': return b == 0 ? 0 : (b == -1 ? (int)(0u - (unsigned)a) : a / b);
    case '%': return b == 0 || b == -1 ? 0 : a % b;
    case LT_OP('<', '<'): return (int)((unsigned)a << (b & 31));
    case LT_OP('>', '>'): return a >> (b & 31);
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
    case '<': return a < b;
    case '>': return a > b;
    case LT_OP('<', '='): return a <= b;
    case LT_OP('>', '='): return a >= b;
    case LT_OP('=', '='): return a == b;
    case LT_OP('!', '='): return a != b;
    case LT_OP('&', '&'): return a && b;
    case LT_OP('|', '|'): return a || b;
    }
    return 0;
}

int lt_eval(const struct lt_expr *e, const int *regs)
{
    switch (e->kind) {
    case LT_E_CONST: return e->value;
    case LT_E_REG: return regs[e->reg];
    case LT_E_ADDR: return LT_PTR(e->var);
    case LT_E_COND: return lt_eval(e->a, regs) ? lt_eval(e->b, regs) : lt_eval(e->c, regs);
    case LT_E_UNARY: {
        int a = lt_eval(e->a, regs);
        if (e->op == '-')
            return (int)(0u - (unsigned)a);
        return e->op == '!' ? !a : ~a;
    }
    case LT_E_BINARY: break;
    }
    int a = lt_eval(e->a, regs);
    if (e->op == LT_OP('&', '&') && !a)
        return 0;
    if (e->op == LT_OP('|', '|') && a)
        return 1;
    return lt_binop(e->op, a, lt_eval(e->b, regs));
}

const char *lt_mo_name(enum lt_mo mo)
{
    static const char *const names[] = {"relaxed", "acquire", "release", "acq_rel", "seq_cst"};
    return names[mo];
}

const char *lt_prim_name(enum lt_prim p)
{
    static const char *const names[] = {
        "READ_ONCE", "WRITE_ONCE", "smp_load_acquire", "smp_store_release", "atomic_load_explicit",
        "atomic_store_explicit", "xchg", "atomic_exchange_explicit", "cmpxchg", "smp_mb", "smp_rmb",
        "smp_wmb", "barrier", "atomic_thread_fence", "",
    };
    return names[p];
}

void lt_test_free(struct lt_test *t)
{
    if (t)
        lt_arena_free(t->arena); /* t itself lives in its arena */
}
