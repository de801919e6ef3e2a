/* rel.h: relations over the events of one candidate execution, as bitsets.
 *
 * An execution has at most LT_REL_MAX (64) events, so a set of events is one
 * 64-bit word (bit i: event i) and a relation is one word per event (row i:
 * the events that event i is related to).  Every operation a memory model
 * needs is a few word operations per row: union and intersection are one OR
 * or AND per row, sequence (r1;r2) ORs the rows of r2 that r1's row selects,
 * the transitive closure is Warshall's algorithm on rows.  A test with more
 * events than fit is refused by the engine (exec.c) with a message, never
 * truncated.
 *
 * Relations are values (struct copies of 512 bytes), so a model reads like
 * its paper:
 *     lt_rel hb = lt_plus(lt_union(po, sw));
 *     if (!lt_irreflexive(lt_seq(hb, eco))) ...
 * Names follow the notation of the papers and of herd's cat language:
 * r1 ∪ r2 lt_union, r1 ∩ r2 lt_inter, r1 \ r2 lt_minus, r1;r2 lt_seq,
 * r⁻¹ lt_inv, r⁺ lt_plus, r* lt_star, r? lt_opt, [S] lt_id, S×T lt_cross,
 * [S];r;[T] lt_restrict.
 */
#ifndef MEMLAB_LITMUS_REL_H
#define MEMLAB_LITMUS_REL_H

#include <stdbool.h>
#include <stdint.h>

#define LT_REL_MAX 64

typedef uint64_t lt_set;

typedef struct lt_rel {
    lt_set row[LT_REL_MAX];
} lt_rel;

static inline lt_set lt_bit(int i)
{
    return (lt_set)1 << i;
}

static inline bool lt_in(lt_set s, int i)
{
    return (s >> i) & 1u;
}

static inline lt_rel lt_empty(void)
{
    lt_rel r = {{0}};
    return r;
}

static inline void lt_add(lt_rel *r, int a, int b)
{
    r->row[a] |= lt_bit(b);
}

static inline bool lt_has(const lt_rel *r, int a, int b)
{
    return lt_in(r->row[a], b);
}

static inline lt_rel lt_union(lt_rel a, lt_rel b)
{
    for (int i = 0; i < LT_REL_MAX; i++)
        a.row[i] |= b.row[i];
    return a;
}

static inline lt_rel lt_union3(lt_rel a, lt_rel b, lt_rel c)
{
    return lt_union(lt_union(a, b), c);
}

static inline lt_rel lt_inter(lt_rel a, lt_rel b)
{
    for (int i = 0; i < LT_REL_MAX; i++)
        a.row[i] &= b.row[i];
    return a;
}

static inline lt_rel lt_minus(lt_rel a, lt_rel b)
{
    for (int i = 0; i < LT_REL_MAX; i++)
        a.row[i] &= ~b.row[i];
    return a;
}

/* a;b: x -> z when x a y and y b z for some y. */
static inline lt_rel lt_seq(lt_rel a, lt_rel b)
{
    lt_rel r = lt_empty();
    for (int i = 0; i < LT_REL_MAX; i++)
        for (lt_set s = a.row[i]; s; s &= s - 1)
            r.row[i] |= b.row[__builtin_ctzll(s)];
    return r;
}

static inline lt_rel lt_inv(lt_rel a)
{
    lt_rel r = lt_empty();
    for (int i = 0; i < LT_REL_MAX; i++)
        for (lt_set s = a.row[i]; s; s &= s - 1)
            r.row[__builtin_ctzll(s)] |= lt_bit(i);
    return r;
}

/* a⁺, by Warshall: after step k, x reaches z through intermediates < k. */
static inline lt_rel lt_plus(lt_rel a)
{
    for (int k = 0; k < LT_REL_MAX; k++)
        for (int i = 0; i < LT_REL_MAX; i++)
            if (lt_in(a.row[i], k))
                a.row[i] |= a.row[k];
    return a;
}

/* [S]: the identity on the events of S. */
static inline lt_rel lt_id(lt_set s)
{
    lt_rel r = lt_empty();
    for (; s; s &= s - 1) {
        int i = __builtin_ctzll(s);
        r.row[i] = lt_bit(i);
    }
    return r;
}

/* r? = r ∪ [S], S the events of the execution. */
static inline lt_rel lt_opt(lt_rel a, lt_set events)
{
    return lt_union(a, lt_id(events));
}

/* r* = r⁺ ∪ [S]. */
static inline lt_rel lt_star(lt_rel a, lt_set events)
{
    return lt_opt(lt_plus(a), events);
}

/* S × T. */
static inline lt_rel lt_cross(lt_set s, lt_set t)
{
    lt_rel r = lt_empty();
    for (; s; s &= s - 1)
        r.row[__builtin_ctzll(s)] = t;
    return r;
}

/* [S];r;[T]: the pairs of r from S to T. */
static inline lt_rel lt_restrict(lt_rel a, lt_set s, lt_set t)
{
    for (int i = 0; i < LT_REL_MAX; i++)
        a.row[i] = lt_in(s, i) ? a.row[i] & t : 0;
    return a;
}

static inline lt_set lt_domain(lt_rel a)
{
    lt_set d = 0;
    for (int i = 0; i < LT_REL_MAX; i++)
        if (a.row[i])
            d |= lt_bit(i);
    return d;
}

static inline lt_set lt_range(lt_rel a)
{
    lt_set d = 0;
    for (int i = 0; i < LT_REL_MAX; i++)
        d |= a.row[i];
    return d;
}

static inline bool lt_is_empty(lt_rel a)
{
    for (int i = 0; i < LT_REL_MAX; i++)
        if (a.row[i])
            return false;
    return true;
}

static inline bool lt_irreflexive(lt_rel a)
{
    for (int i = 0; i < LT_REL_MAX; i++)
        if (lt_in(a.row[i], i))
            return false;
    return true;
}

static inline bool lt_acyclic(lt_rel a)
{
    return lt_irreflexive(lt_plus(a));
}

/* A shortest path from a to b along r: its events, path[0] = a and
 * path[n-1] = b.  Returns n (>= 2), or 0 when b cannot be reached from a in
 * one or more steps (or the path is longer than max). */
int lt_shortest_path(lt_rel r, int a, int b, int *path, int max);

/* A cycle of a (a not acyclic): its events in order, written to path[0..n-1]
 * (a path[n-1] -> path[0] edge closes it).  Returns n, or 0 when a is
 * acyclic.  The cycle found is a shortest one through its first event, so a
 * picture of it has no detours. */
int lt_find_cycle(lt_rel a, int *path, int max);

#endif
