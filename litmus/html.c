/* html.c: litmus --html: the same results as the text output, as pages a
 * student can click through: per test the verdict of every model, every
 * final state with what each model says of it (and the hardware's count),
 * the lesson line, one execution graph per model, and the test's source.
 * Everything is static files in one folder: no script, no network.
 */
#include "litmus/html.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "litmus/graph.h"
#include "litmus/report.h"

static const char style[] =
    "body{font-family:system-ui,Helvetica,Arial,sans-serif;margin:2em auto;max-width:70em;color:#222;"
    "line-height:1.4}"
    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
    "th{background:#f3f3f3}td.yes,td.allowed{background:#e6f4e6}td.no,td.forbidden{background:#fbe9e9}"
    "td.race{background:#fff1cc;font-weight:bold}td.na{color:#777}"
    "pre{background:#f7f7f7;border:1px solid #ddd;padding:.8em;overflow-x:auto;font-size:.9em}"
    ".lesson{background:#eef4fb;border-left:4px solid #1f4fbf;padding:.6em .9em}"
    ".graphs{display:flex;flex-wrap:wrap;gap:1.5em}.graph{border:1px solid #ddd;padding:.5em}"
    ".graph img{max-width:100%}"
    "a{color:#1f4fbf}.muted{color:#666;font-size:.9em}";

static void html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A file name for a test: its name with anything but [A-Za-z0-9+._-] as '_'. */
static void file_name(const char *name, char *buf, size_t size)
{
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++) {
        char ch = name[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '+' ||
                  ch == '.' || ch == '-' || ch == '_';
        buf[i] = ok ? ch : '_';
    }
    buf[i] = '\0';
}

static int nmodels(const struct lt_item *it)
{
    int n = 0;
    while (it->modeled && n < LT_MAX_MODELS && it->v[n].model)
        n++;
    return n;
}

static const char *state_word(const struct lt_verdict *v, const int *vals)
{
    if (v->too_large)
        return "?";
    if (v->na)
        return "n/a";
    if (!lt_verdict_allows(v, vals))
        return "no";
    return lt_verdict_races(v, vals) ? "race" : "yes";
}

static const char *css_class(const char *word)
{
    return strcmp(word, "n/a") == 0 ? "na" : strcmp(word, "too large") == 0 || strcmp(word, "?") == 0 ? "" : word;
}

static bool listed(const int *const *v, int n, const int *vals, int nobs)
{
    for (int i = 0; i < n; i++)
        if (memcmp(v[i], vals, sizeof(int) * (size_t)nobs) == 0)
            return true;
    return false;
}

static unsigned long long seen_count(const struct lt_item *it, const int *vals)
{
    for (int i = 0; it->ran && i < it->res.nstates; i++)
        if (memcmp(it->res.states[i].vals, vals, sizeof(int) * (size_t)it->test->nobs) == 0)
            return (unsigned long long)it->res.states[i].count;
    return 0;
}

static void verdict_table(FILE *f, const struct lt_item *it)
{
    const struct lt_test *t = it->test;
    fprintf(f, "<h2>What each model says</h2>\n<table><tr><th>model</th><th>the condition's outcome</th>"
               "<th>final states</th><th>header says</th><th>notes</th></tr>\n");
    for (int m = 0; m < nmodels(it); m++) {
        const struct lt_verdict *v = &it->v[m];
        const char *word = lt_verdict_word(v);
        const char *claim = v->model->header_key ? lt_key(t, v->model->header_key) : NULL;
        fprintf(f, "<tr><td title=\"");
        html_text(f, v->model->title);
        fprintf(f, "\">%s</td><td class=\"%s\">%s</td><td>%d</td><td>", v->model->label, css_class(word), word,
                v->nfinal);
        html_text(f, claim ? claim : "");
        fprintf(f, "%s</td><td>", lt_header_disagrees(it, v) ? " (DISAGREES)" : "");
        if (v->na)
            html_text(f, v->na);
        else if (v->race) {
            fprintf(f, "<b>data race</b> between ");
            html_text(f, v->race_text);
            fprintf(f, ": the program is undefined");
        } else if (v->too_large)
            html_text(f, v->why);
        fprintf(f, "</td></tr>\n");
    }
    fprintf(f, "</table>\n");
}

static void states_table(FILE *f, const struct lt_item *it)
{
    const struct lt_test *t = it->test;
    enum { MAX = 2048 };
    const int **all = calloc(MAX, sizeof *all);
    if (!all)
        abort();
    int n = 0;
    for (int i = 0; it->ran && i < it->res.nstates && n < MAX; i++)
        all[n++] = it->res.states[i].vals;
    for (int m = 0; m < nmodels(it); m++) {
        const struct lt_verdict *v = &it->v[m];
        for (int i = 0; !v->too_large && !v->na && i < v->nfinal && n < MAX; i++)
            if (!listed(all, n, &v->final[i * t->nobs], t->nobs))
                all[n++] = &v->final[i * t->nobs];
    }
    fprintf(f, "<h2>Final states</h2>\n<p class=\"muted\">Every final state the hardware showed or a model "
               "allows; &#9733; marks the ones that satisfy the condition.</p>\n<table><tr><th></th><th>state</th>");
    if (it->ran)
        fprintf(f, "<th>seen on this CPU</th>");
    for (int m = 0; m < nmodels(it); m++)
        fprintf(f, "<th>%s</th>", it->v[m].model->label);
    fprintf(f, "</tr>\n");
    for (int i = 0; i < n; i++) {
        char st[512];
        lt_state_text(t, all[i], st, sizeof st);
        fprintf(f, "<tr><td>%s</td><td><code>", lt_prop_eval(t->prop, all[i]) ? "&#9733;" : "");
        html_text(f, st);
        fprintf(f, "</code></td>");
        if (it->ran)
            fprintf(f, "<td>%llu</td>", seen_count(it, all[i]));
        for (int m = 0; m < nmodels(it); m++) {
            const char *w = state_word(&it->v[m], all[i]);
            fprintf(f, "<td class=\"%s\">%s</td>", css_class(w), w);
        }
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</table>\n");
    free(all);
}

static void graphs(FILE *f, const char *dir, const char *base, const struct lt_item *it, long budget)
{
    fprintf(f, "<h2>One execution per model</h2>\n<p class=\"muted\">Events in columns by thread (program order "
               "top to bottom); <span style=\"color:#d62728\">rf</span> reads-from, "
               "<span style=\"color:#1f4fbf\">co</span> coherence, <span style=\"color:#e07b00\">fr</span> "
               "from-read. When a model forbids the outcome, the cycle that breaks its axiom is bold.</p>\n"
               "<div class=\"graphs\">\n");
    for (int m = 0; m < nmodels(it); m++) {
        const struct lt_model *model = it->v[m].model;
        if (!model->consistent || it->v[m].na)
            continue;
        char dot[4400], svg[4400], svg_rel[600], caption[1024], err[256];
        snprintf(dot, sizeof dot, "%s/%s.%s.dot", dir, base, model->name);
        snprintf(svg, sizeof svg, "%s/%s.%s.svg", dir, base, model->name);
        snprintf(svg_rel, sizeof svg_rel, "%s.%s.svg", base, model->name);
        fprintf(f, "<div class=\"graph\"><b>%s</b><br>", model->label);
        if (lt_graph_write(it->test, model, NULL, budget, dot, svg, caption, sizeof caption, err, sizeof err) != 0) {
            fprintf(f, "<p>");
            html_text(f, err);
            fprintf(f, "</p></div>\n");
            continue;
        }
        fprintf(f, "<a href=\"%s\"><img src=\"%s\" alt=\"", svg_rel, svg_rel);
        html_text(f, caption);
        fprintf(f, "\"></a></div>\n");
    }
    fprintf(f, "</div>\n");
}

static int write_page(const char *dir, const struct lt_item *it, long budget, char *err, size_t errsize)
{
    const struct lt_test *t = it->test;
    char base[256], path[4400];
    file_name(t->name, base, sizeof base);
    snprintf(path, sizeof path, "%s/%s.html", dir, base);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    html_text(f, t->name);
    fprintf(f, " - memlab litmus</title><style>%s</style></head><body>\n<p><a href=\"index.html\">&larr; all "
               "tests</a></p>\n<h1>",
            style);
    html_text(f, t->name);
    fprintf(f, "</h1>\n");
    const char *q = lt_key(t, "Question");
    if (q) {
        fprintf(f, "<p><b>Question:</b> ");
        html_text(f, q);
        fprintf(f, "</p>\n");
    }
    fprintf(f, "<p><b>Condition:</b> <code>%s ", t->quant == LT_EXISTS ? "exists" : t->quant == LT_FORALL ? "forall"
                                                                                                          : "~exists");
    html_text(f, t->cond_text);
    fprintf(f, "</code></p>\n");
    char lesson[1024];
    lt_report_lesson(it, lesson, sizeof lesson);
    if (lesson[0]) {
        fprintf(f, "<p class=\"lesson\">");
        html_text(f, lesson);
        fprintf(f, "</p>\n");
    }
    if (it->ran)
        fprintf(f, "<p>On this CPU: the condition's outcome was seen %llu times in %ld iterations.</p>\n",
                (unsigned long long)it->res.positive, it->res.iterations);
    verdict_table(f, it);
    states_table(f, it);
    graphs(f, dir, base, it, budget);
    fprintf(f, "<h2>The test</h2>\n<p class=\"muted\">");
    html_text(f, it->path);
    fprintf(f, "</p>\n<pre>");
    html_text(f, it->text ? it->text : "");
    fprintf(f, "</pre>\n<p class=\"muted\">Written by <code>litmus --html</code> (memlab). Commands: "
               "<code>build/bin/litmus --model-only ");
    html_text(f, it->path);
    fprintf(f, "</code>, <code>build/bin/litmus --explain ");
    html_text(f, it->path);
    fprintf(f, "</code>.</p>\n</body></html>\n");
    if (fclose(f) != 0) {
        snprintf(err, errsize, "%s: write failed", path);
        return -1;
    }
    return 0;
}

static int write_index(const char *dir, const struct lt_item *items, int n, char *err, size_t errsize)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/index.html", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>memlab litmus: %d tests"
               "</title><style>%s</style></head><body>\n<h1>Litmus tests: what each model allows</h1>\n"
               "<p class=\"muted\">allowed / forbidden: whether the model allows the outcome the test's condition "
               "asks about. Click a test for its states, graphs and source.</p>\n<table><tr><th>test</th>"
               "<th>question</th>",
            n, style);
    const struct lt_item *first = NULL;
    for (int i = 0; i < n && !first; i++)
        if (items[i].modeled)
            first = &items[i];
    for (int m = 0; first && m < nmodels(first); m++)
        fprintf(f, "<th>%s</th>", first->v[m].model->label);
    fprintf(f, "</tr>\n");
    for (int i = 0; i < n; i++) {
        const struct lt_item *it = &items[i];
        if (!it->modeled) {
            fprintf(f, "<tr><td>");
            html_text(f, it->arg ? it->arg : it->path);
            fprintf(f, "</td><td colspan=\"9\">refused: ");
            html_text(f, it->error);
            fprintf(f, "</td></tr>\n");
            continue;
        }
        char base[256];
        file_name(it->test->name, base, sizeof base);
        fprintf(f, "<tr><td><a href=\"%s.html\">", base);
        html_text(f, it->test->name);
        fprintf(f, "</a></td><td>");
        const char *q = lt_key(it->test, "Question");
        html_text(f, q ? q : it->test->cond_text);
        fprintf(f, "</td>");
        for (int m = 0; m < nmodels(it); m++) {
            const char *w = lt_verdict_word(&it->v[m]);
            fprintf(f, "<td class=\"%s\">%s%s</td>", it->v[m].race ? "race" : css_class(w), w,
                    it->v[m].race ? " (race)" : "");
        }
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</table>\n</body></html>\n");
    if (fclose(f) != 0) {
        snprintf(err, errsize, "%s: write failed", path);
        return -1;
    }
    return 0;
}

int lt_html_write(const char *dir, const struct lt_item *items, int n, long exec_budget, char *err, size_t errsize)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errsize, "--html %s: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    err[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (!items[i].modeled)
            continue;
        char e[512];
        if (write_page(dir, &items[i], exec_budget, e, sizeof e) != 0 && rc == 0) {
            snprintf(err, errsize, "%s", e);
            rc = -1;
        }
    }
    char e[512];
    if (write_index(dir, items, n, e, sizeof e) != 0 && rc == 0) {
        snprintf(err, errsize, "%s", e);
        rc = -1;
    }
    return rc;
}
