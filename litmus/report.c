/* report.c: the litmus command's output: text per test, summary tables, JSON.
 *
 * Columns come from the models that were run (it->v[], registry order), so a
 * new model in litmus/models/registry.c shows up here without a change.
 */
#include "locks/arch.h"
#include "litmus/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "locks/sys.h"


enum { MAX_LISTED = 4096 };

static const char *quant_name(enum lt_quant q)
{
    return q == LT_EXISTS ? "exists" : q == LT_NOT_EXISTS ? "~exists" : "forall";
}

static double rate(double count, double seconds)
{
    return seconds > 0 ? count / seconds : 0;
}

static bool seen_on_hardware(const struct lt_item *it, const int *vals)
{
    for (int i = 0; it->ran && i < it->res.nstates; i++)
        if (memcmp(it->res.states[i].vals, vals, sizeof(int) * (size_t)it->test->nobs) == 0)
            return true;
    return false;
}

static bool listed(const int *const *out, int n, const int *vals, int nobs)
{
    for (int i = 0; i < n; i++)
        if (memcmp(out[i], vals, sizeof(int) * (size_t)nobs) == 0)
            return true;
    return false;
}

/* The final states some model allows that the hardware did not show (all of
 * them with --model-only): x86-TSO's first, then the other models' in
 * column order. */
static int unseen_model_states(const struct lt_item *it, const int **out, int max)
{
    int n = 0, nobs = it->test->nobs, nm = lt_item_nmodels(it);
    const struct lt_verdict *order[LT_MAX_MODELS];
    int no = 0;
    const struct lt_verdict *tso = lt_item_verdict(it, ARCH_HARDWARE_MODEL);
    if (tso)
        order[no++] = tso;
    for (int m = 0; m < nm; m++)
        if (&it->v[m] != tso)
            order[no++] = &it->v[m];
    for (int m = 0; m < no; m++) {
        const struct lt_verdict *v = order[m];
        for (int i = 0; !v->too_large && !v->na && i < v->nfinal && n < max; i++) {
            const int *vals = &v->final[i * nobs];
            if (!seen_on_hardware(it, vals) && !listed(out, n, vals, nobs))
                out[n++] = vals;
        }
    }
    return n;
}

static int state_width(const struct lt_item *it, const int *const *unseen, int nunseen)
{
    int w = 0;
    char st[512];
    for (int i = 0; it->ran && i < it->res.nstates; i++) {
        lt_state_text(it->test, it->res.states[i].vals, st, sizeof st);
        w = (int)strlen(st) > w ? (int)strlen(st) : w;
    }
    for (int i = 0; i < nunseen; i++) {
        lt_state_text(it->test, unseen[i], st, sizeof st);
        w = (int)strlen(st) > w ? (int)strlen(st) : w;
    }
    return w;
}

static int column_width(const struct lt_verdict *v)
{
    int w = (int)strlen(v->model->label);
    int min = v->race ? 4 : 3;
    return w > min ? w : min;
}

/* One histogram line: the count (none with --model-only), the witness mark,
 * the state, and what each model says of it. */
static void print_state(const struct lt_item *it, const char *count, const int *vals, int width)
{
    char st[512];
    lt_state_text(it->test, vals, st, sizeof st);
    printf("%s%s> %-*s", count, lt_prop_eval(it->test->prop, vals) ? "*" : ":", width, st);
    int nm = lt_item_nmodels(it);
    for (int m = 0; m < nm; m++)
        printf("  %-*s", m + 1 < nm ? column_width(&it->v[m]) : 0, lt_state_word(&it->v[m], vals));
    printf("\n");
}

static void print_histogram(const struct lt_item *it)
{
    const struct lt_result *r = &it->res;
    const int **unseen = calloc(MAX_LISTED, sizeof *unseen);
    if (!unseen)
        abort();
    int nunseen = unseen_model_states(it, unseen, MAX_LISTED);
    int width = state_width(it, unseen, nunseen);
    char title[64], count[32];
    snprintf(title, sizeof title, it->ran ? "Histogram (%d states)" : "States (%d)", it->ran ? r->nstates : nunseen);
    printf("%-*s", (it->ran ? 14 : 3) + width, title);
    int nm = lt_item_nmodels(it);
    for (int m = 0; m < nm; m++)
        printf("  %-*s", m + 1 < nm ? column_width(&it->v[m]) : 0, it->v[m].model->label);
    printf("\n");
    for (int i = 0; it->ran && i < r->nstates; i++) {
        snprintf(count, sizeof count, "%-10llu ", (unsigned long long)r->states[i].count);
        print_state(it, count, r->states[i].vals, width);
    }
    if (it->ran && nunseen)
        printf("Not seen in this run, allowed by a model:\n");
    for (int i = 0; i < nunseen; i++)
        print_state(it, it->ran ? "0          " : "", unseen[i], width);
    free(unseen);
}

/* "Models: SC forbidden, x86-TSO allowed, ... (enumerated ...; the header agrees)". */
static void print_models(const struct lt_item *it)
{
    const struct lt_test *t = it->test;
    int nm = lt_item_nmodels(it);
    printf("Models:");
    for (int m = 0; m < nm; m++)
        printf("%s %s %s", m ? "," : "", it->v[m].model->label, lt_verdict_word(&it->v[m]));
    printf(" (enumerated:");
    double seconds = 0;
    for (int m = 0; m < nm; m++) {
        const struct lt_verdict *v = &it->v[m];
        seconds += v->seconds;
        if (v->na)
            continue;
        printf("%s %s %d final states from %ld %s", m ? "," : "", v->model->label, v->nfinal, v->explored,
               v->model->machine >= 0 ? "machine states" : "executions");
    }
    printf(", in %.1f ms", seconds * 1e3);
    const struct lt_verdict *big;
    if (lt_item_too_large(it, &big))
        printf("; %s too large to enumerate (%s)", big->model->label, big->why);
    char why[200];
    if (lt_disagreement(it, why, sizeof why))
        printf("; HEADER DISAGREES: %s", why);
    else {
        bool keyed = false;
        for (int m = 0; m < nm; m++)
            keyed |= it->v[m].model->header_key && lt_key(t, it->v[m].model->header_key);
        if (keyed)
            printf("; the header agrees");
    }
    if (lt_key(t, "Result"))
        printf("; Linux kernel memory model: %s", lt_key(t, "Result"));
    printf(")\n");
    for (int m = 0; m < nm; m++) {
        const struct lt_verdict *v = &it->v[m];
        if (v->na)
            printf("  %s n/a: %s\n", v->model->label, v->na);
        else if (v->race)
            printf("  %s: DATA RACE between %s: the program is undefined in %s\n", v->model->label, v->race_text,
                   v->model->label);
    }
}

/* After a hardware run: every state seen is one this CPU's model allows
 * (x86-TSO, or ARMv8 on aarch64: locks/arch.h), or loudly not. */
static void print_verdict(const struct lt_item *it)
{
    const struct lt_verdict *tso = lt_item_verdict(it, ARCH_HARDWARE_MODEL);
    char lesson[1024];
    lt_report_lesson(it, lesson, sizeof lesson);
    if (!tso) {
        printf("Verdict: " ARCH_HARDWARE_MODEL_LABEL " not asked for; the states seen are not checked%s%s\n", lesson[0] ? "; " : "",
               lesson);
        return;
    }
    if (tso->too_large) {
        printf("Verdict: " ARCH_HARDWARE_MODEL_LABEL " too large to enumerate (%s); the states seen are not checked\n", tso->why);
        return;
    }
    int bad = lt_next_tso_forbidden(it, 0);
    if (bad < 0) {
        printf("Verdict: hardware within " ARCH_HARDWARE_MODEL_LABEL " (%d states seen, " ARCH_HARDWARE_MODEL_LABEL " allows every one)\n", it->res.nstates);
        if (lesson[0])
            printf("%s\n", lesson);
        return;
    }
    if (running_emulated())
        printf("Verdict: !!! OBSERVED A STATE " ARCH_HARDWARE_MODEL_LABEL " FORBIDS !!! (this run is under an emulator: "
               "qemu-user on an x86 host lets a load pass an earlier store-release, which no real ARM allows; "
               "judge on ARM hardware)\n");
    else
        printf("Verdict: !!! OBSERVED A STATE " ARCH_HARDWARE_MODEL_LABEL " FORBIDS !!! (a bug in the model, the compiler's "
               "translation or the test)\n");
    for (; bad >= 0; bad = lt_next_tso_forbidden(it, bad + 1)) {
        char st[512];
        lt_state_text(it->test, it->res.states[bad].vals, st, sizeof st);
        printf("         %s seen %llu times\n", st, (unsigned long long)it->res.states[bad].count);
    }
}

/* Verdicts by name; NULL when the model was not run or could not decide. */
/* "Settings: period 120 ns, batch 2000, ... (searched: 24 settings in 0.21 s, cached)". */
static void print_settings(const struct lt_result *r)
{
    char set[256];
    lt_setting_text(&r->setting, set, sizeof set);
    printf("Settings: %s; timebase %.1f MHz; ", set, r->timebase_mhz);
    if (strcmp(r->tuned, "search") == 0 && r->tune_instances == 0)
        printf("not tuned: too few instances (or too big a batch) to rank settings; a longer run searches\n");
    else if (strcmp(r->tuned, "search") == 0)
        printf("tuned here: %d settings tried in %.2f s (%ld instances, counted above)%s\n", r->tune_tried,
               r->tune_seconds, r->tune_instances,
               r->tune_complete ? "" : "; the search goes on in the next run");
    else if (strcmp(r->tuned, "cache") == 0)
        printf("tuned: this machine's cached winner for the test (--retune searches again)\n");
    else
        printf("as given\n");
}

/* "settings": what the run used after its search, and where it came from. */
static void json_settings(const struct lt_result *r)
{
    const struct lt_setting *s = &r->setting;
    printf("\n   \"settings\": {\"period_ns\": %ld, \"batch\": %ld, \"stride\": %ld, \"shuffle\": %s, "
           "\"reset\": \"%s\", \"tuned\": \"%s\", \"tried\": %d, \"tune_seconds\": %.6f, \"tune_instances\": %ld, "
           "\"search_done\": %s, \"timebase_mhz\": %.3f},",
           s->period, s->batch, s->stride, s->shuffle ? "true" : "false", lt_reset_name(s->reset), r->tuned,
           r->tune_tried, r->tune_seconds, r->tune_instances,
           strcmp(r->tuned, "search") != 0 || r->tune_complete ? "true" : "false", r->timebase_mhz);
}

static const struct lt_verdict *decided(const struct lt_item *it, const char *name)
{
    const struct lt_verdict *v = lt_item_verdict(it, name);
    return v && !v->too_large && !v->na ? v : NULL;
}

void lt_report_lesson(const struct lt_item *it, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!it->modeled)
        return;
    const struct lt_verdict *c11 = decided(it, "c11"), *tso = decided(it, "x86_tso"), *sc = decided(it, "sc");
    const struct lt_verdict *lkmm = decided(it, "lkmm"), *arm = decided(it, "armv8");
    size_t len = 0;
#define SAY(...) (len += (size_t)snprintf(buf + len, len < size ? size - len : 0, __VA_ARGS__))
    const char *what = it->test->quant == LT_EXISTS ? "the outcome" : "the condition's outcome";
    bool seen = it->ran && it->res.positive > 0;
    if (c11 && c11->race)
        SAY("Lesson: the program has a data race (%s), so C11 gives it no meaning at all: any outcome may happen. ",
            c11->race_text);
    else if (c11 && c11->reachable && tso && !tso->reachable)
        SAY("Lesson: %s is %s on this x86 CPU, but C11 allows it: the program is not correct by the language's "
            "rules (the compiler may reorder it, and weaker CPUs may show it). ",
            what, it->ran ? (seen ? "seen" : "never seen") : "impossible");
    else if (c11 && !c11->reachable && tso && tso->reachable)
        SAY("Lesson: C11 forbids %s, and x86-TSO allows it: the program's code must not compile to plain x86 "
            "moves (a seq_cst access or fence becomes MFENCE or XCHG). ", what);
    else if (c11 && !c11->reachable)
        SAY("Lesson: C11 forbids %s: the program is correct by the language's rules, on every CPU. ", what);
    else if (c11 && c11->reachable && sc && !sc->reachable)
        SAY("Lesson: C11 allows %s, like x86: only sequential consistency forbids it. ", what);
    if (c11 || arm || lkmm) {
        /* Which hardware (and the kernel's model) can show it, from the models that decided. */
        const struct lt_verdict *hw[3] = {tso, arm, lkmm};
        const char *hwname[3] = {"x86", "ARMv8", "the Linux kernel's model"};
        int nallow = 0, nforbid = 0;
        for (int i = 0; i < 3; i++)
            if (hw[i])
                hw[i]->reachable ? nallow++ : nforbid++;
        if (nallow) {
            SAY("Allowed on:");
            for (int i = 0, k = 0; i < 3; i++)
                if (hw[i] && hw[i]->reachable)
                    SAY("%s %s", k++ ? "," : "", hwname[i]);
            SAY(nforbid ? "; " : ".");
        }
        if (nforbid) {
            SAY("%s on:", nallow ? "forbidden" : "Forbidden");
            for (int i = 0, k = 0; i < 3; i++)
                if (hw[i] && !hw[i]->reachable)
                    SAY("%s %s", k++ ? "," : "", hwname[i]);
            SAY(".");
        }
    }
#undef SAY
    while (len > 0 && len < size && buf[len - 1] == ' ')
        buf[--len] = '\0';
}

void lt_report_text(const struct lt_item *it, unsigned long long seed)
{
    const struct lt_test *t = it->test;
    const struct lt_result *r = &it->res;
    printf("Test %s (%s)\n", t->name, it->path);
    const char *q = lt_key(t, "Question");
    if (q)
        printf("Question: %s\n", q);
    print_histogram(it);
    printf("%s\nWitnesses\nPositive: %llu, Negative: %llu\n", lt_condition_holds(t, r) ? "Ok" : "No",
           (unsigned long long)r->positive, (unsigned long long)r->negative);
    printf("Condition %s (%s) is %svalidated\n", quant_name(t->quant), t->cond_text,
           lt_condition_holds(t, r) ? "" : "NOT ");
    printf("Observation %s %s %llu %llu\n", t->name, lt_observation(r), (unsigned long long)r->positive,
           (unsigned long long)r->negative);
    print_models(it);
    print_verdict(it);
    printf("Time %s %.3f s: %ld iterations, %.2f M/s; %llu witnesses, %.2f M/s (%.1f %% of iterations)\n",
           t->name, r->seconds, r->iterations, rate((double)r->iterations, r->seconds) / 1e6,
           (unsigned long long)r->positive, rate((double)r->positive, r->seconds) / 1e6,
           r->iterations ? 100.0 * (double)r->positive / (double)r->iterations : 0.0);
    printf("Run on CPUs");
    for (int k = 0; k < t->nthreads; k++)
        printf("%s%d", k ? "," : " ", r->cpu_of[k]);
    printf("%s, seed %llu, threads preempted %ld times\n",
           r->oversubscribed ? " (more threads than CPUs: shared)" : "", seed, r->preempted);
    print_settings(r);
    if (it->expect < 0)
        printf("EXPECTATION FAILED: %s\n", it->expect_msg);
    printf("\n");
}

void lt_report_model_text(const struct lt_item *it)
{
    const struct lt_test *t = it->test;
    printf("Test %s (%s)\n", t->name, it->path);
    const char *q = lt_key(t, "Question");
    if (q)
        printf("Question: %s\n", q);
    print_histogram(it);
    printf("Condition %s (%s):", quant_name(t->quant), t->cond_text);
    for (int m = 0; m < lt_item_nmodels(it); m++)
        printf("%s %s %s", m ? "," : "", it->v[m].model->label, lt_verdict_word(&it->v[m]));
    printf("\n");
    print_models(it);
    char lesson[1024];
    lt_report_lesson(it, lesson, sizeof lesson);
    if (lesson[0])
        printf("%s\n", lesson);
    if (it->expect < 0)
        printf("EXPECTATION FAILED: %s\n", it->expect_msg);
    printf("\n");
}

/* ---- summary tables ----------------------------------------------------------------- */

/* A model column of the summary: the word, starred when the header says otherwise. */
static void model_cell(const struct lt_item *it, const struct lt_verdict *v, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s", lt_verdict_word(v), v->race ? "+race" : "", lt_header_disagrees(it, v) ? "*" : "");
}

/* Under the summary: each header key the enumeration contradicts. */
static void print_disagreements(const struct lt_item *items, int n)
{
    for (int i = 0; i < n; i++) {
        char why[200];
        if (items[i].test && lt_disagreement(&items[i], why, sizeof why))
            printf("* %s: %s\n", items[i].test->name, why);
    }
}

static int cond_width(const struct lt_item *items, int n, int *wname)
{
    int wcond = 19;
    *wname = 4;
    for (int i = 0; i < n; i++) {
        const struct lt_item *it = &items[i];
        const char *name = it->test ? it->test->name : it->arg ? it->arg : it->path;
        int len = name ? (int)strlen(name) : 0;
        *wname = len > *wname ? len : *wname;
        if (!it->test)
            continue;
        int m = (int)strlen(it->test->cond_text) + 1;
        wcond = m > wcond ? m : wcond;
    }
    *wname = *wname > 48 ? 48 : *wname;
    return wcond > 44 ? 44 : wcond;
}

static void cond_cell(const struct lt_test *t, int wcond, char *cond, size_t size)
{
    snprintf(cond, size, "%s%s", t->quant == LT_EXISTS ? "" : t->quant == LT_FORALL ? "~" : "", t->cond_text);
    if ((int)strlen(cond) > wcond)
        snprintf(cond + wcond - 3, 4, "...");
}

/* The model columns' header, from the first item that was modeled. */
static const struct lt_item *first_modeled(const struct lt_item *items, int n)
{
    for (int i = 0; i < n; i++)
        if (items[i].modeled)
            return &items[i];
    return NULL;
}

static void print_model_heads(const struct lt_item *first)
{
    for (int m = 0; first && m < lt_item_nmodels(first); m++)
        printf("  %-10s", first->v[m].model->label);
}

static void print_model_cells(const struct lt_item *it)
{
    for (int m = 0; m < lt_item_nmodels(it); m++) {
        char cell[48];
        model_cell(it, &it->v[m], cell, sizeof cell);
        printf("  %-10s", cell);
    }
}

static void print_refused(const struct lt_item *it, int wname)
{
    const char *name = it->arg ? it->arg : it->path;
    printf("%-*s  refused: %s\n", wname, name ? name : "?", it->error);
}

void lt_report_model_summary(const struct lt_item *items, int n)
{
    int wname, wcond = cond_width(items, n, &wname);
    const struct lt_item *first = first_modeled(items, n);
    printf("%-*s  %-*s", wname, "test", wcond, "outcome of interest");
    print_model_heads(first);
    printf("  %13s  %15s  %9s\n", "final states", "states/execs", "time");
    for (int i = 0; i < n; i++) {
        const struct lt_item *it = &items[i];
        if (!it->modeled) {
            print_refused(it, wname);
            continue;
        }
        char cond[1100], finals[64] = "", states[32];
        cond_cell(it->test, wcond, cond, sizeof cond);
        printf("%-*s  %-*s", wname, it->test->name, wcond, cond);
        print_model_cells(it);
        long explored = 0;
        double seconds = 0;
        for (int m = 0; m < lt_item_nmodels(it); m++) {
            size_t len = strlen(finals);
            snprintf(finals + len, sizeof finals - len, "%s%d", m ? "/" : "", it->v[m].nfinal);
            explored += it->v[m].explored;
            seconds += it->v[m].seconds;
        }
        snprintf(states, sizeof states, "%ld", explored);
        printf("  %13s  %15s  %6.1f ms\n", finals, states, seconds * 1e3);
    }
    print_disagreements(items, n);
}

void lt_report_summary(const struct lt_item *items, int n)
{
    int wname, wcond = cond_width(items, n, &wname);
    const struct lt_item *first = first_modeled(items, n);
    printf("%-*s  %-*s", wname, "test", wcond, "outcome of interest");
    print_model_heads(first);
    printf("  %25s  %14s  %s\n", "observed/iterations", "witnesses/s", "verdict");
    for (int i = 0; i < n; i++) {
        const struct lt_item *it = &items[i];
        if (!it->ran) {
            print_refused(it, wname);
            continue;
        }
        const struct lt_result *r = &it->res;
        char cond[1100], obs[64], pct[16], wps[32];
        cond_cell(it->test, wcond, cond, sizeof cond);
        snprintf(pct, sizeof pct, "%.1f%%",
                 r->iterations ? 100.0 * (double)r->positive / (double)r->iterations : 0.0);
        snprintf(obs, sizeof obs, "%llu/%ld %s", (unsigned long long)r->positive, r->iterations,
                 r->positive ? pct : "");
        if (r->positive)
            snprintf(wps, sizeof wps, "%.3f M/s", rate((double)r->positive, r->seconds) / 1e6);
        else
            snprintf(wps, sizeof wps, "-");
        printf("%-*s  %-*s", wname, it->test->name, wcond, cond);
        print_model_cells(it);
        printf("  %25s  %14s  %s\n", obs, wps, lt_summary_verdict(it));
    }
    print_disagreements(items, n);
}

/* ---- JSON ----------------------------------------------------------------------------- */

static void json_string(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", stdout);
        else if (ch < 32)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void json_string_or_null(const char *s)
{
    if (s)
        json_string(s);
    else
        printf("null");
}

static void json_values(const struct lt_test *t, const int *vals)
{
    printf("{");
    for (int k = 0; k < t->nobs; k++) {
        char name[96];
        lt_loc_name(t, k, name, sizeof name);
        printf("%s", k ? ", " : "");
        json_string(name);
        if (lt_ptr_var(t, vals[k]) >= 0) {
            /* a pointer value: the variable's name, as herd7 prints it ("1:r0=x") */
            char var[96];
            lt_value_name(t, vals[k], var, sizeof var);
            printf(": ");
            json_string(var);
        } else {
            printf(": %d", vals[k]);
        }
    }
    printf("}");
}

/* true, false, or null when the model was too large to enumerate or n/a. */
static const char *json_allows(const struct lt_verdict *v, const int *vals)
{
    return v->too_large || v->na ? "null" : lt_verdict_allows(v, vals) ? "true" : "false";
}

/* Per state: one key per model (true/false/null) and "allowed_by": [labels]. */
static void json_state_models(const struct lt_item *it, const int *vals)
{
    for (int m = 0; m < lt_item_nmodels(it); m++)
        printf("\"%s\": %s, ", it->v[m].model->name, json_allows(&it->v[m], vals));
    printf("\"allowed_by\": [");
    int k = 0;
    for (int m = 0; m < lt_item_nmodels(it); m++)
        if (!it->v[m].too_large && !it->v[m].na && lt_verdict_allows(&it->v[m], vals))
            printf("%s\"%s\"", k++ ? ", " : "", it->v[m].model->name);
    printf("], ");
}

/* "model": each model's verdict, data races, n/a reasons, every state any model reaches. */
static void json_model(const struct lt_item *it)
{
    const struct lt_test *t = it->test;
    int nm = lt_item_nmodels(it);
    printf(",\n   \"model\": {");
    for (int m = 0; m < nm; m++)
        printf("\"%s\": \"%s\", ", it->v[m].model->name, lt_verdict_word(&it->v[m]));
    const struct lt_verdict *big = NULL;
    bool too_large = lt_item_too_large(it, &big);
    printf("\"too_large\": %s, \"data_race\": {", too_large ? "true" : "false");
    for (int m = 0; m < nm; m++) {
        printf("%s\"%s\": ", m ? ", " : "", it->v[m].model->name);
        json_string_or_null(it->v[m].race ? it->v[m].race_text : NULL);
    }
    printf("}, \"not_applicable\": {");
    int k = 0;
    for (int m = 0; m < nm; m++)
        if (it->v[m].na) {
            printf("%s\"%s\": ", k++ ? ", " : "", it->v[m].model->name);
            json_string(it->v[m].na);
        }
    printf("}, \"explored\": {");
    double seconds = 0;
    for (int m = 0; m < nm; m++) {
        printf("%s\"%s\": %ld", m ? ", " : "", it->v[m].model->name, it->v[m].explored);
        seconds += it->v[m].seconds;
    }
    const struct lt_verdict *sc = lt_item_verdict(it, "sc"), *tso = lt_item_verdict(it, "x86_tso");
    printf("}, \"sc_explored\": %ld, \"x86_tso_explored\": %ld", sc ? sc->explored : 0, tso ? tso->explored : 0);
    printf(", \"seconds\": %.6f, \"header_agrees\": %s, \"lesson\": ", seconds,
           lt_disagreement(it, (char[200]){0}, 200) ? "false" : "true");
    char lesson[1024];
    lt_report_lesson(it, lesson, sizeof lesson);
    json_string(lesson);
    printf(", \"states\": [");
    const int **all = calloc(MAX_LISTED, sizeof *all);
    if (!all)
        abort();
    int n = 0;
    for (int m = 0; m < nm; m++) {
        const struct lt_verdict *v = &it->v[m];
        for (int i = 0; !v->too_large && !v->na && i < v->nfinal && n < MAX_LISTED; i++)
            if (!listed(all, n, &v->final[i * t->nobs], t->nobs))
                all[n++] = &v->final[i * t->nobs];
    }
    for (int i = 0; i < n; i++) {
        printf("%s\n     {\"witness\": %s, ", i ? "," : "", lt_prop_eval(t->prop, all[i]) ? "true" : "false");
        json_state_models(it, all[i]);
        printf("\"values\": ");
        json_values(t, all[i]);
        printf("}");
    }
    free(all);
    printf("]}");
}

static void json_hardware(const struct lt_item *it, unsigned long long seed)
{
    const struct lt_test *t = it->test;
    const struct lt_result *r = &it->res;
    printf(",\n   \"iterations\": %ld, \"seconds\": %.6f, \"positive\": %llu, \"negative\": %llu, "
           "\"observation\": \"%s\", \"condition_holds\": %s,\n   \"iterations_per_second\": %.0f, "
           "\"witnesses_per_second\": %.0f, \"witness_percent\": %.3f, \"seed\": %llu, \"period_ns\": %ld, \"preempted\": %ld,",
           r->iterations, r->seconds, (unsigned long long)r->positive, (unsigned long long)r->negative,
           lt_observation(r), lt_condition_holds(t, r) ? "true" : "false",
           rate((double)r->iterations, r->seconds), rate((double)r->positive, r->seconds),
           r->iterations ? 100.0 * (double)r->positive / (double)r->iterations : 0.0, seed, r->period,
           r->preempted);
    json_settings(r);
    printf(" \"cpus\": [");
    for (int k = 0; k < t->nthreads; k++)
        printf("%s%d", k ? ", " : "", r->cpu_of[k]);
    printf("],\n   \"verdict\": \"%s\"", lt_hardware_verdict(it));
    printf(",\n   \"states\": [");
    for (int s = 0; s < r->nstates; s++) {
        printf("%s\n     {\"count\": %llu, \"witness\": %s, ", s ? "," : "", (unsigned long long)r->states[s].count,
               r->states[s].witness ? "true" : "false");
        json_state_models(it, r->states[s].vals);
        printf("\"values\": ");
        json_values(t, r->states[s].vals);
        printf("}");
    }
    printf("]");
}

/* The header's own claims, under names that say so: "header": {"SC": ..., "Result": ...}. */
static void json_header(const struct lt_test *t)
{
    printf(", \"header\": {");
    int k = 0;
    for (int i = 0; lt_models[i]; i++) {
        const char *key = lt_models[i]->header_key;
        if (key && lt_key(t, key)) {
            printf("%s\"%s\": ", k++ ? ", " : "", lt_models[i]->name);
            json_string(lt_key(t, key));
        }
    }
    if (lt_key(t, "Result")) {
        printf("%s\"result\": ", k++ ? ", " : "");
        json_string(lt_key(t, "Result"));
    }
    printf("}");
}

void lt_report_json(const struct lt_item *items, int n, bool model_only, unsigned long long seed)
{
    printf("{\"tests\": [");
    bool ok = true;
    for (int i = 0; i < n; i++) {
        const struct lt_item *it = &items[i];
        printf("%s\n  {\"file\": ", i ? "," : "");
        json_string(it->path ? it->path : it->arg);
        const struct lt_verdict *big = NULL;
        bool done = model_only ? it->modeled && !lt_item_too_large(it, &big) : it->ran;
        if (!done) {
            ok = false;
            printf(", \"error\": ");
            if (it->modeled && lt_item_too_large(it, &big) && !it->error[0]) {
                char msg[256];
                snprintf(msg, sizeof msg, "too large to enumerate (%s: %s)", big->model->label, big->why);
                json_string(msg);
            } else {
                json_string(it->error);
            }
            printf("}");
            continue;
        }
        const struct lt_test *t = it->test;
        printf(", \"name\": ");
        json_string(t->name);
        printf(", \"condition\": ");
        char cond[1200];
        snprintf(cond, sizeof cond, "%s (%s)", quant_name(t->quant), t->cond_text);
        json_string(cond);
        json_header(t);
        if (it->ran)
            json_hardware(it, seed);
        printf(",\n   \"expect\": \"%s\"", it->expect > 0 ? "met" : it->expect < 0 ? "failed" : "unchecked");
        if (it->expect < 0) {
            ok = false;
            printf(", \"expect_message\": ");
            json_string(it->expect_msg);
        }
        json_model(it);
        printf("}");
    }
    printf("\n ], \"ok\": %s}\n", ok ? "true" : "false");
}
