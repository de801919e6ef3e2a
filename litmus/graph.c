/* graph.c: an execution as the picture memory-model texts draw.
 *
 * Layout: the initial writes in a row at the top, then one column per
 * thread with its events in program order, top to bottom.  Only program
 * order shapes the layout (heavy, vertical edges); rf, co and fr are drawn
 * with constraint=false so they cross between columns without moving
 * anything.  Edges: po black, rf red, co blue, fr orange, rmw purple,
 * dependencies green and dashed.  co is drawn as its immediate steps and fr
 * to the next write only, as herd7 does, so the picture has no redundant
 * arrows; an edge of the forbidding cycle is always drawn, in bold, and a
 * step that is no single base edge (happens-before through a
 * synchronisation, psc) is drawn dashed with the model's name for it.
 */
#include "litmus/graph.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

int lt_state_parse(const struct lt_test *t, const char *text, int *vals, char *err, size_t errsize)
{
    bool given[LT_MAX_THREADS * LT_MAX_REGS + LT_MAX_VARS] = {false};
    const char *p = text;
    while (*p) {
        p += strspn(p, " \t;,");
        if (!*p)
            break;
        size_t len = strcspn(p, " \t;,");
        char item[128];
        snprintf(item, sizeof item, "%.*s", (int)(len < 127 ? len : 127), p);
        p += len;
        char *eq = strchr(item, '=');
        if (!eq) {
            snprintf(err, errsize, "--state: '%s' is not LOCATION=VALUE", item);
            return -1;
        }
        *eq = '\0';
        char *name = item;
        size_t nl = strlen(name);
        if (name[0] == '[' && nl > 2 && name[nl - 1] == ']') {
            name[nl - 1] = '\0';
            name++;
        }
        char *end;
        long v = strtol(eq + 1, &end, 0);
        if (end == eq + 1 || *end) {
            snprintf(err, errsize, "--state: '%s' is not a number", eq + 1);
            return -1;
        }
        int found = -1;
        for (int k = 0; k < t->nobs && found < 0; k++) {
            char obs[96];
            lt_loc_name(t, k, obs, sizeof obs);
            if (strcmp(obs, name) == 0)
                found = k;
        }
        if (found < 0) {
            snprintf(err, errsize, "--state: %s is not one of the test's observed locations", name);
            return -1;
        }
        vals[found] = (int)v;
        given[found] = true;
    }
    for (int k = 0; k < t->nobs; k++)
        if (!given[k]) {
            char obs[96];
            lt_loc_name(t, k, obs, sizeof obs);
            snprintf(err, errsize, "--state: give every observed location (%s is missing)", obs);
            return -1;
        }
    return 0;
}

static void dot_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (*s == '\n') {
            fputs("\\n", f);
            continue;
        }
        fputc(*s, f);
    }
    fputc('"', f);
}

enum edge_kind { E_PO, E_RF, E_CO, E_FR, E_RMW, E_ADDR, E_DATA, E_CTRL, E_OTHER };

static const char *const edge_name[] = {"po", "rf", "co", "fr", "rmw", "addr", "data", "ctrl", ""};
static const char *const edge_color[] = {"black", "#d62728", "#1f4fbf", "#e07b00", "#8e44ad",
                                         "#2e8b57", "#2e8b57", "#2e8b57", "#7a0000"};

struct edge {
    int a, b;
    enum edge_kind kind;
    bool cycle;
};

struct picture {
    struct edge e[LT_REL_MAX * 8];
    int n;
};

static void add_edge(struct picture *p, int a, int b, enum edge_kind k)
{
    if (p->n < (int)(sizeof p->e / sizeof p->e[0]))
        p->e[p->n++] = (struct edge){a, b, k, false};
}

/* Immediate steps of a transitive order: r minus r;r. */
static lt_rel immediate(lt_rel r)
{
    return lt_minus(r, lt_seq(r, r));
}

static void base_edges(const struct lt_exec *x, struct picture *p)
{
    lt_rel po1 = immediate(x->po);
    lt_rel co1 = immediate(x->co);
    /* fr from an RMW's read to its own write says nothing: left out */
    lt_rel fr1 = lt_minus(lt_seq(lt_inv(x->rf), co1), x->rmw);
    struct {
        lt_rel r;
        enum edge_kind k;
    } rels[] = {{po1, E_PO}, {x->rf, E_RF}, {co1, E_CO}, {fr1, E_FR}, {x->rmw, E_RMW},
                {x->addr, E_ADDR}, {x->data, E_DATA}, {x->ctrl, E_CTRL}};
    for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++)
        for (int a = 0; a < x->n; a++)
            for (lt_set s = rels[i].r.row[a]; s; s &= s - 1) {
                int b = __builtin_ctzll(s);
                /* co and fr from an initial write are implied: drawn only on a cycle */
                if (rels[i].k == E_CO && lt_in(x->IW, a))
                    continue;
                if (rels[i].k == E_CTRL && !lt_in(x->M, b))
                    continue;
                add_edge(p, a, b, rels[i].k);
            }
}

/* Mark the cycle's steps, adding the ones no drawn edge shows. */
static void cycle_edges(const struct lt_exec *x, struct picture *p, const int *cyc, int ncyc, enum edge_kind *kinds)
{
    for (int i = 0; i < ncyc; i++) {
        int a = cyc[i], b = cyc[(i + 1) % ncyc];
        bool marked = false;
        for (int k = 0; k < p->n; k++)
            if (p->e[k].a == a && p->e[k].b == b && p->e[k].kind <= E_FR && !marked) {
                p->e[k].cycle = true;
                kinds[i] = p->e[k].kind;
                marked = true;
            }
        if (marked)
            continue;
        enum edge_kind kind = lt_has(&x->rf, a, b) ? E_RF : lt_has(&x->co, a, b) ? E_CO
                            : lt_has(&x->fr, a, b) ? E_FR : lt_has(&x->po, a, b) ? E_PO : E_OTHER;
        add_edge(p, a, b, kind);
        p->e[p->n - 1].cycle = true;
        kinds[i] = kind;
    }
}

/* A cycle step that is no single base edge (happens-before, psc) drawn as
 * the base edges it is made of, when they exist: first along program order,
 * reads-from and rmw (what happens-before is built from), then along
 * coherence and from-read too. */
static int expand_cycle(const struct lt_exec *x, lt_rel culprit, const int *cyc, int ncyc, int *out, int max)
{
    /* only along the model's own culprit: a path elsewhere could be one the axiom does not mean */
    lt_rel base = lt_inter(lt_union3(immediate(x->po), x->rf, x->rmw), culprit);
    lt_rel wide = lt_inter(lt_union3(base, x->co, x->fr), culprit);
    int n = 0;
    for (int i = 0; i < ncyc; i++) {
        int a = cyc[i], b = cyc[(i + 1) % ncyc];
        bool single = lt_has(&x->rf, a, b) || lt_has(&x->co, a, b) || lt_has(&x->fr, a, b) ||
                      lt_has(&x->po, a, b);
        int path[LT_REL_MAX], np = 0;
        if (!single) {
            np = lt_shortest_path(base, a, b, path, LT_REL_MAX);
            if (np == 0)
                np = lt_shortest_path(wide, a, b, path, LT_REL_MAX);
        }
        if (np < 2) {
            path[0] = a;
            np = 1;
        } else {
            np--; /* the last event starts the next step */
        }
        for (int k = 0; k < np && n < max; k++)
            out[n++] = path[k];
    }
    return n;
}

/* "a" for event a's letter, "W x=0" for an initial write. */
static void short_name(const struct lt_exec *x, int e, char *buf, size_t size)
{
    lt_xev_name(x, e, buf, size);
    char *colon = strchr(buf, ':');
    if (colon && x->ev[e].thread >= 0)
        *colon = '\0';
}

static void node_id(const struct lt_exec *x, int e, char *buf, size_t size)
{
    (void)x;
    snprintf(buf, size, "e%d", e);
}

static bool is_rel(enum lt_mo mo)
{
    return mo == LT_RELEASE || mo == LT_ACQ_REL || mo == LT_SEQ_CST;
}

static bool is_acq(enum lt_mo mo)
{
    return mo == LT_ACQUIRE || mo == LT_ACQ_REL || mo == LT_SEQ_CST;
}

static void write_dot(FILE *f, const struct lt_exec *x, const struct picture *p, const char *caption,
                      const char *other_name, bool sw_labels)
{
    const struct lt_test *t = x->test;
    fprintf(f, "digraph execution {\n  graph [fontname=\"Helvetica\", fontsize=12, labelloc=b, labeljust=l, "
               "nodesep=0.6, ranksep=0.45, newrank=true, label=");
    dot_string(f, caption);
    fprintf(f, "];\n  node [fontname=\"Helvetica\", fontsize=12, shape=box, style=\"rounded\", margin=\"0.08,0.04\"];\n"
               "  edge [fontname=\"Helvetica\", fontsize=10, arrowsize=0.7];\n");
    /* initial writes in one row at the top, only those some edge touches */
    lt_set touched = 0;
    for (int k = 0; k < p->n; k++)
        touched |= lt_bit(p->e[k].a) | lt_bit(p->e[k].b);
    fprintf(f, "  { rank=min;");
    char id[16], label[128];
    for (int e = 0; e < x->n; e++) {
        if (!lt_in(x->IW, e) || !lt_in(touched, e))
            continue;
        node_id(x, e, id, sizeof id);
        lt_xev_name(x, e, label, sizeof label);
        fprintf(f, " %s [label=", id);
        dot_string(f, label);
        fprintf(f, ", style=\"rounded,dashed\", color=gray40, fontcolor=gray25];");
    }
    fprintf(f, " }\n");
    for (int k = 0; k < t->nthreads; k++) {
        fprintf(f, "  subgraph cluster_P%d {\n    label=\"P%d\"; labelloc=t; color=gray80; style=rounded;\n", k, k);
        for (int e = 0; e < x->n; e++) {
            if (x->ev[e].thread != k)
                continue;
            node_id(x, e, id, sizeof id);
            lt_xev_name(x, e, label, sizeof label);
            fprintf(f, "    %s [label=", id);
            dot_string(f, label);
            if (x->ev[e].kind == LT_X_FENCE)
                fprintf(f, ", color=gray50, fontcolor=gray30, fontsize=10");
            fprintf(f, "];\n");
        }
        fprintf(f, "  }\n");
    }
    lt_rel po1 = immediate(x->po);
    for (int k = 0; k < p->n; k++) {
        const struct edge *e = &p->e[k];
        char a[16], b[16];
        node_id(x, e->a, a, sizeof a);
        node_id(x, e->b, b, sizeof b);
        const char *name = e->kind == E_OTHER ? other_name : edge_name[e->kind];
        /* C11: a release write read by an acquire read synchronises: the edge that carries the lesson */
        if (e->kind == E_RF && sw_labels && is_rel(x->ev[e->a].mo) && is_acq(x->ev[e->b].mo))
            name = "rf (sw)";
        fprintf(f, "  %s -> %s [color=\"%s\", fontcolor=\"%s\"", a, b, edge_color[e->kind], edge_color[e->kind]);
        if (e->kind == E_PO && lt_has(&po1, e->a, e->b))
            fprintf(f, ", weight=20");
        else
            fprintf(f, ", constraint=false"); /* only immediate program order shapes the columns */
        if (e->kind != E_PO || e->cycle) {
            fprintf(f, ", label=");
            dot_string(f, name);
        }
        if (e->kind >= E_RMW && e->kind != E_OTHER)
            fprintf(f, ", style=dashed");
        if (e->kind == E_OTHER)
            fprintf(f, ", style=\"dashed,bold\"");
        if (e->cycle)
            fprintf(f, ", penwidth=3.0");
        fprintf(f, "];\n");
    }
    /* Columns in thread order, below the initial writes: invisible edges from
     * each initial write to every thread's first event, and between the
     * first events from left to right. */
    int first[LT_MAX_THREADS], nfirst = 0;
    for (int k = 0; k < t->nthreads; k++)
        for (int e = 0; e < x->n; e++)
            if (x->ev[e].thread == k) {
                first[nfirst++] = e;
                break;
            }
    for (int e = 0; e < x->n; e++)
        if (lt_in(x->IW, e) && lt_in(touched, e))
            for (int k = 0; k < nfirst; k++)
                fprintf(f, "  e%d -> e%d [style=invis];\n", e, first[k]);
    if (nfirst > 1) {
        fprintf(f, "  { rank=same;");
        for (int k = 0; k < nfirst; k++)
            fprintf(f, " e%d;", first[k]);
        fprintf(f, " }\n ");
        for (int k = 0; k < nfirst; k++)
            fprintf(f, "%s e%d", k ? " ->" : "", first[k]);
        fprintf(f, " [style=invis, weight=50];\n");
    }
    fprintf(f, "}\n");
}

static int run_dot(const char *dot_path, const char *svg_path, char *err, size_t errsize)
{
    char *argv[] = {"dot", "-Tsvg", "-o", (char *)svg_path, (char *)dot_path, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "dot", NULL, NULL, argv, environ);
    if (rc != 0) {
        snprintf(err, errsize, "cannot run dot (Debian's graphviz) for the SVG: %s; the .dot file is written",
                 strerror(rc));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            break;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errsize, "dot failed on %.400s", dot_path);
        return -1;
    }
    return 0;
}

int lt_graph_write(const struct lt_test *t, const struct lt_model *m, const int *vals, long budget,
                   const char *dot_path, const char *svg_path, char *caption, size_t capsize, char *err,
                   size_t errsize)
{
    struct lt_exec *x = malloc(sizeof *x);
    int *final = calloc((size_t)t->nobs + 1, sizeof *final);
    struct picture *p = calloc(1, sizeof *p);
    if (!x || !final || !p)
        abort();
    struct lt_check why;
    memset(&why, 0, sizeof why);
    int rc = -1;
    int found = lt_exec_find(t, m, vals, budget, x, final, &why, err, errsize);
    if (found < 0)
        goto out;
    base_edges(x, p);
    char state[512] = "";
    for (int k = 0; k < t->nobs; k++) {
        char name[96], value[64];
        lt_loc_name(t, k, name, sizeof name);
        lt_value_name(t, final[k], value, (int)sizeof value);
        snprintf(state + strlen(state), sizeof state - strlen(state), "%s=%s; ", name, value);
    }
    size_t len = (size_t)snprintf(caption, capsize, "%s under %s: %s\n", t->name, m->label, state);
    if (found == 1) {
        snprintf(caption + len, capsize > len ? capsize - len : 0, "ALLOWED: this execution is %s-consistent%s",
                 m->label, why.race[0] >= 0 ? ",\nbut it has a DATA RACE (bold): the program is undefined" : "");
        if (why.race[0] >= 0) {
            add_edge(p, why.race[0], why.race[1], E_OTHER);
            p->e[p->n - 1].cycle = true;
        }
    } else {
        int cyc[LT_REL_MAX];
        int found_cyc[LT_REL_MAX];
        int nfound = lt_find_cycle(why.culprit, found_cyc, LT_REL_MAX);
        int ncyc = expand_cycle(x, why.culprit, found_cyc, nfound, cyc, LT_REL_MAX);
        len += (size_t)snprintf(caption + len, capsize > len ? capsize - len : 0,
                                "FORBIDDEN: every execution ending here breaks an axiom;\nthis one breaks %s",
                                why.axiom ? why.axiom : "an axiom");
        if (ncyc > 0) {
            enum edge_kind kinds[LT_REL_MAX];
            cycle_edges(x, p, cyc, ncyc, kinds);
            const char *other = why.culprit_name ? why.culprit_name : "axiom";
            len += (size_t)snprintf(caption + len, capsize > len ? capsize - len : 0, "\ncycle (bold): ");
            for (int i = 0; i <= ncyc && len < capsize; i++) {
                char name[96];
                short_name(x, cyc[i % ncyc], name, sizeof name);
                len += (size_t)snprintf(caption + len, capsize - len, "%s", name);
                bool sw = kinds[i] == E_RF && strcmp(m->name, "c11") == 0 && i < ncyc &&
                          is_rel(x->ev[cyc[i]].mo) && is_acq(x->ev[cyc[(i + 1) % ncyc]].mo);
                if (i < ncyc && len < capsize)
                    len += (size_t)snprintf(caption + len, capsize - len, " -%s-> ",
                                            sw ? "rf(sw)" : kinds[i] == E_OTHER ? other : edge_name[kinds[i]]);
            }
        }
    }
    FILE *f = fopen(dot_path, "w");
    if (!f) {
        snprintf(err, errsize, "%.400s: %s", dot_path, strerror(errno));
        goto out;
    }
    const char *other = found == 1 ? "race" : why.culprit_name ? why.culprit_name : "axiom";
    write_dot(f, x, p, caption, other, strcmp(m->name, "c11") == 0);
    if (fclose(f) != 0) {
        snprintf(err, errsize, "%.400s: write failed", dot_path);
        goto out;
    }
    rc = svg_path ? run_dot(dot_path, svg_path, err, errsize) : 0;
out:
    free(x);
    free(final);
    free(p);
    return rc;
}
