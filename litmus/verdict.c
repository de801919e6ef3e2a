/* verdict.c: the models against the hardware, the header's keys and herd7's
 * `.expected` file; every check --expect makes is written here once.
 *
 * The rules:
 * - hardware: every state seen must be one x86-TSO allows (the CPU is x86);
 * - header: each model's key (`SC:`, `x86-TSO:`, `C11:`, `LKMM:`) must say
 *   what that model says of the condition (`allowed` / `forbidden`);
 * - `Result: Never` (the kernel model's verdict, used by the corpus) must
 *   not be contradicted by the hardware;
 * - `.expected` (herd7's states for the kernel model, weaker than SC and
 *   x86-TSO): every state seen, and every state SC reaches, must be listed.
 */
#include "litmus/verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "litmus/expected.h"
#include "locks/arch.h"

static bool starts_ci(const char *s, const char *prefix)
{
    return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

void lt_state_text(const struct lt_test *t, const int *vals, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < t->nobs && len < size; k++) {
        char name[96];
        lt_loc_name(t, k, name, sizeof name);
        char value[96];
        lt_value_name(t, vals[k], value, sizeof value); /* a pointer shows as its variable's name */
        int w = snprintf(buf + len, size - len, "%s%s=%s;", k ? " " : "", name, value);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

int lt_item_nmodels(const struct lt_item *it)
{
    int n = 0;
    while (it->modeled && n < LT_MAX_MODELS && it->v[n].model)
        n++;
    return n;
}

const char *lt_state_word(const struct lt_verdict *v, const int *vals)
{
    if (v->too_large)
        return "?";
    if (v->na)
        return "n/a";
    if (!lt_verdict_allows(v, vals))
        return "no";
    return lt_verdict_races(v, vals) ? "race" : "yes";
}

int lt_select_models(const char *spec, struct lt_selection *sel, char *err, size_t errsize)
{
    sel->n = 0;
    if (!spec) {
        for (int i = 0; lt_models[i] && sel->n < LT_MAX_MODELS; i++)
            sel->m[sel->n++] = lt_models[i];
        return 0;
    }
    bool want[LT_MAX_MODELS] = {false};
    const char *p = spec;
    while (*p) {
        size_t len = strcspn(p, ",");
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), p);
        const struct lt_model *m = lt_model_find(name);
        if (!m) {
            snprintf(err, errsize, "--model: unknown model '%s' (known:", name);
            for (int i = 0; lt_models[i]; i++)
                snprintf(err + strlen(err), errsize - strlen(err), " %s", lt_models[i]->name);
            snprintf(err + strlen(err), errsize - strlen(err), ")");
            return -1;
        }
        for (int i = 0; lt_models[i] && i < LT_MAX_MODELS; i++)
            if (lt_models[i] == m)
                want[i] = true;
        p += len;
        if (*p == ',')
            p++;
    }
    for (int i = 0; lt_models[i] && i < LT_MAX_MODELS; i++)
        if (want[i])
            sel->m[sel->n++] = lt_models[i];
    return 0;
}

void lt_item_model(struct lt_item *it, const struct lt_selection *sel, long machine_budget, long exec_budget)
{
    struct lt_verdict v[LT_MAX_MODELS];
    memset(v, 0, sizeof v);
    lt_exec_run(it->test, sel->m, sel->n, exec_budget, machine_budget, v);
    for (int i = 0; i < sel->n; i++)
        it->v[i] = v[i];
    it->modeled = true;
}

const struct lt_verdict *lt_item_verdict(const struct lt_item *it, const char *name)
{
    for (int i = 0; it->modeled && i < LT_MAX_MODELS && it->v[i].model; i++)
        if (strcmp(it->v[i].model->name, name) == 0)
            return &it->v[i];
    return NULL;
}

bool lt_item_too_large(const struct lt_item *it, const struct lt_verdict **which)
{
    for (int i = 0; it->modeled && i < LT_MAX_MODELS && it->v[i].model; i++)
        if (it->v[i].too_large) {
            if (which)
                *which = &it->v[i];
            return true;
        }
    return false;
}

bool lt_header_disagrees(const struct lt_item *it, const struct lt_verdict *v)
{
    if (!v || !v->model || !v->model->header_key || !it->modeled || v->too_large)
        return false;
    const char *h = lt_key(it->test, v->model->header_key);
    if (!h)
        return false;
    if (v->na)
        return !starts_ci(h, "n/a");
    if (starts_ci(h, "allowed"))
        return !v->reachable;
    if (starts_ci(h, "forbidden"))
        return v->reachable;
    return true;
}

bool lt_disagreement(const struct lt_item *it, char *buf, size_t size)
{
    for (int i = 0; it->modeled && i < LT_MAX_MODELS && it->v[i].model; i++) {
        const struct lt_verdict *v = &it->v[i];
        if (lt_header_disagrees(it, v)) {
            snprintf(buf, size, "the header says %s: %.40s, the enumerator says %s", v->model->label,
                     lt_key(it->test, v->model->header_key), lt_verdict_word(v));
            return true;
        }
    }
    return false;
}

/* The model this CPU's runs are checked against: x86-TSO on x86-64, ARMv8
 * on aarch64 (locks/arch.h); the function keeps its x86 name. */
int lt_next_tso_forbidden(const struct lt_item *it, int from)
{
    const struct lt_verdict *tso = lt_item_verdict(it, ARCH_HARDWARE_MODEL);
    if (!it->ran || !tso || tso->too_large)
        return -1;
    for (int i = from; i < it->res.nstates; i++)
        if (!lt_verdict_allows(tso, it->res.states[i].vals))
            return i;
    return -1;
}

/* Whether the header says x86 can never satisfy the proposition: its
 * "x86-TSO: forbidden", else the kernel model's "Result: Never" (x86 is
 * stronger than the Linux kernel memory model). */
static bool header_tso_forbids(const struct lt_test *t)
{
    const char *tso = lt_key(t, "x86-TSO");
    if (tso)
        return starts_ci(tso, "forbidden");
    return starts_ci(lt_key(t, "Result"), "Never");
}

static bool has_model_key(const struct lt_item *it)
{
    for (int i = 0; lt_models[i]; i++)
        if (lt_models[i]->header_key && lt_key(it->test, lt_models[i]->header_key))
            return true;
    return false;
}

/* The expectation the models alone decide: the header keys agree with them. */
static bool check_headers(struct lt_item *it)
{
    char why[200];
    if (!lt_disagreement(it, why, sizeof why))
        return true;
    it->expect = -1;
    snprintf(it->expect_msg, sizeof it->expect_msg, "%s: %s", it->test->name, why);
    return false;
}

/* Every state in vals[0..n) is listed in FILE.litmus.expected (when there is
 * one); what names the states' source in the message ("SC reaches", "state"). */
static void check_expected_file(struct lt_item *it, const int *vals, int n, int stride_states,
                                const unsigned long long *counts, const char *what)
{
    char epath[4200], err[512];
    snprintf(epath, sizeof epath, "%s.expected", it->path);
    if (access(epath, R_OK) != 0)
        return;
    struct lt_expected e;
    if (lt_expected_load(it->test, epath, &e, err, sizeof err) != 0) {
        it->expect = -1;
        snprintf(it->expect_msg, sizeof it->expect_msg, "%.500s", err);
        return;
    }
    it->expect = 1;
    for (int i = 0; i < n; i++) {
        const int *st_vals = vals + (size_t)i * (size_t)stride_states;
        if (lt_expected_allows(&e, st_vals))
            continue;
        char st[256];
        lt_state_text(it->test, st_vals, st, sizeof st);
        it->expect = -1;
        if (counts)
            snprintf(it->expect_msg, sizeof it->expect_msg, "%s: %s %.200s (seen %llu times) is not in %.200s",
                     it->test->name, what, st, counts[i], epath);
        else
            snprintf(it->expect_msg, sizeof it->expect_msg, "%s: %s %.200s, which %.200s does not list",
                     it->test->name, what, st, epath);
        break;
    }
    lt_expected_free(&e);
}

void lt_check_model_expect(struct lt_item *it)
{
    if (!check_headers(it))
        return;
    it->expect = has_model_key(it) ? 1 : 0;
    const struct lt_verdict *sc = lt_item_verdict(it, "sc");
    if (sc && !sc->too_large)
        check_expected_file(it, sc->final, sc->nfinal, it->test->nobs, NULL, "SC reaches");
}

void lt_check_expect(struct lt_item *it)
{
    const struct lt_test *t = it->test;
    int bad = lt_next_tso_forbidden(it, 0);
    if (bad >= 0) {
        char st[256];
        lt_state_text(t, it->res.states[bad].vals, st, sizeof st);
        it->expect = -1;
        snprintf(it->expect_msg, sizeof it->expect_msg, "%s: OBSERVED A STATE " ARCH_HARDWARE_MODEL_LABEL " FORBIDS: %s (seen %llu times)",
                 t->name, st, (unsigned long long)it->res.states[bad].count);
        return;
    }
    if (!check_headers(it))
        return;
    const struct lt_verdict *tso = lt_item_verdict(it, ARCH_HARDWARE_MODEL);
    bool checked = tso && !tso->too_large;
    /* The header's x86-TSO claim binds only an x86 CPU. */
    if (ARCH_HARDWARE_TSO && (lt_key(t, "x86-TSO") || lt_key(t, "Result"))) {
        checked = true;
        if (header_tso_forbids(t) && it->res.positive > 0) {
            it->expect = -1;
            snprintf(it->expect_msg, sizeof it->expect_msg, "%s: a state forbidden on x86-TSO was seen %llu times",
                     t->name, (unsigned long long)it->res.positive);
            return;
        }
    }
    int n = it->res.nstates;
    int *vals = calloc((size_t)n * (size_t)t->nobs + 1, sizeof *vals);
    unsigned long long *counts = calloc((size_t)n + 1, sizeof *counts);
    if (!vals || !counts)
        abort();
    for (int i = 0; i < n; i++) {
        memcpy(vals + (size_t)i * (size_t)t->nobs, it->res.states[i].vals, sizeof(int) * (size_t)t->nobs);
        counts[i] = (unsigned long long)it->res.states[i].count;
    }
    it->expect = 0;
    check_expected_file(it, vals, n, t->nobs, counts, "state");
    free(vals);
    free(counts);
    if (it->expect < 0)
        return;
    it->expect = checked || it->expect > 0 ? 1 : 0;
}

const char *lt_summary_verdict(const struct lt_item *it)
{
    bool seen = it->res.positive > 0;
    if (lt_next_tso_forbidden(it, 0) >= 0)
        return "FAIL: " ARCH_HARDWARE_MODEL_LABEL "-forbidden state seen";
    if (it->expect < 0)
        return "FAIL";
    const struct lt_verdict *tso = lt_item_verdict(it, ARCH_HARDWARE_MODEL);
    if (tso && !tso->too_large) {
        if (!tso->reachable)
            return "ok: never seen";
        return seen ? "ok: seen" : "allowed, not seen";
    }
    const char *h = lt_key(it->test, "x86-TSO");
    if (!ARCH_HARDWARE_TSO || (!h && !lt_key(it->test, "Result")))
        return seen ? "seen" : "not seen";
    if (header_tso_forbids(it->test))
        return seen ? "FAIL: forbidden, seen" : "ok: never seen";
    return seen ? "ok: seen" : "allowed, not seen";
}

const char *lt_hardware_verdict(const struct lt_item *it)
{
    const struct lt_verdict *tso = lt_item_verdict(it, ARCH_HARDWARE_MODEL);
    if (!tso)
        return ARCH_HARDWARE_MODEL_LABEL " not asked for";
    if (tso->too_large)
        return ARCH_HARDWARE_MODEL_LABEL " too large to enumerate";
    return lt_next_tso_forbidden(it, 0) >= 0 ? "OBSERVED A STATE " ARCH_HARDWARE_MODEL_LABEL " FORBIDS"
                                             : "hardware within " ARCH_HARDWARE_MODEL_LABEL;
}
