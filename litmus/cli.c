/* cli.c: the litmus command: pick tests, get their code, run them, report.
 *
 *   litmus [options] FILE.litmus... | NAME... | --catalog
 *
 * A catalog test whose file is unchanged runs the code compiled into the
 * binary; any other file is generated and compiled on the fly (load.c), all
 * such files in one compiler run.  Every test is also enumerated under SC
 * and x86-TSO (model.c) before it runs, so each state seen is printed with
 * what the two models say of it; --model-only stops there (no hardware,
 * so it works on any CPU) and --explain prints one TSO execution instead
 * (explain.c).  Exit status: 0 all well, 1 an expectation failed
 * (--expect), 2 a bad option, file or test (or a test too large to
 * enumerate, when only the model was asked for).
 */
#include "litmus/cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "litmus/expected.h"
#include "litmus/explain.h"
#include "litmus/gen.h"
#include "litmus/graph.h"
#include "litmus/html.h"
#include "litmus/load.h"
#include "litmus/model.h"
#include "litmus/report.h"
#include "litmus/verdict.h"
#include "litmus/parse.h"
#include "litmus/run.h"
#include "locks/sys.h"


struct cli {
    struct lt_options opt;
    bool seed_given, json, summary_only, expect, emit_c, list, catalog, explain, model_only;
    long model_budget;        /* machine states the enumerator may visit per test and model */
    long exec_budget;         /* candidate executions the axiomatic engine may build per test */
    const char *model_spec;   /* --model NAME[,NAME], or NULL for every model */
    const char *graph_dir;    /* --graph DIR: draw executions there */
    const char *state_spec;   /* --state: the final state to draw (default: the condition's witness) */
    const char *html_dir;     /* --html DIR: a page per test and an index */
    struct lt_selection models;
    struct lt_item *items;
    int nitems;
    const char *label;        /* test being run, for progress */
    bool progress_shown;
};

static const char usage[] =
    "usage: litmus [options] FILE.litmus... | DIR/ | @INDEX | NAME... | --catalog\n"
    "Run C litmus tests on this machine's CPUs and count every final state.\n"
    "\n"
    "  -n, --iterations N  instances to run per test (default 1000000; k, M suffixes)\n"
    "      --cpus LIST     CPUs to pin threads to, e.g. 0,1 or 2-3 (default: all allowed)\n"
    "      --seed N        seed for thread-to-CPU placement (and --shuffle)\n"
    "      --expect        exit 1 if a state the header forbids on x86-TSO (or the kernel's\n"
    "                      'Result: Never') appears, or one FILE.litmus.expected does not list\n"
    "      --json          print results as JSON\n"
    "      --summary       print only the summary table\n"
    "      --catalog       run every test of the built-in catalog (litmus/tests)\n"
    "      --list          list the catalog\n"
    "      --emit-c        print the C generated for the tests and exit\n"
    "      --model-only    only enumerate what SC and x86-TSO allow; run nothing on the CPU\n"
    "      --explain       print one x86-TSO execution reaching each test's condition, step by step\n"
    "      --model NAME[,NAME]  which models to run (default all: sc,x86_tso,c11,...)\n"
    "      --graph DIR     draw one execution per test and model as DIR/TEST.MODEL.dot and .svg\n"
    "      --html DIR      write DIR/index.html and a page per test (verdicts, states, graphs, source)\n"
    "      --state STATE   with --graph: the final state to draw, e.g. '1:r0=1; 1:r1=0;'\n"
    "                      (default: one satisfying the condition)\n"
    "      --model-budget N  machine states the enumerator may visit per test (default 1M)\n"
    "      --batch N       instances per batch (default 400)\n"
    "      --period TICKS  time-stamp-counter ticks between instances (default: adaptive)\n"
    "      --stride N      ints between two instances' copies of a variable (default 16)\n"
    "      --shuffle       visit the instances' memory in a random order in each batch\n"
    "      --reset-by WHO  reader|writer|first: which thread resets a variable before a batch\n"
    "  -h, --help          this help\n"
    "Environment: CC and LITMUS_CFLAGS (default -O2) compile tests outside the catalog.\n";

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("litmus: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (try litmus --help)\n", stderr);
    va_end(ap);
    return 2;
}

/* "1000", "10k", "2M", "1G" within [min, max]. */
static bool parse_count(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno || v < 0)
        return false;
    long long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1000;
    else if (*end == 'm' || *end == 'M')
        mul = 1000000;
    else if (*end == 'g' || *end == 'G')
        mul = 1000000000;
    if (mul != 1)
        end++;
    if (*end || v > max / mul || v * mul < min)
        return false;
    *out = (long)(v * mul);
    return true;
}

static bool cpu_allowed(int cpu)
{
    int n = online_cpus();
    for (int i = 0; i < n; i++)
        if (nth_allowed_cpu(i) == cpu)
            return true;
    return false;
}

static int parse_cpus(struct cli *c, const char *s)
{
    c->opt.ncpus = 0;
    const char *p = s;
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10), b;
        if (end == p || a < 0)
            return bad_usage("--cpus: bad CPU list '%s'", s);
        b = a;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            if (end == p + 1 || b < a)
                return bad_usage("--cpus: bad CPU range in '%s'", s);
            p = end;
        }
        for (long cpu = a; cpu <= b; cpu++) {
            if (cpu >= 100000 || !cpu_allowed((int)cpu))
                return bad_usage("--cpus: CPU %ld is not available to this process", cpu);
            if (c->opt.ncpus == LT_MAX_CPUS)
                return bad_usage("--cpus: more than %d CPUs", LT_MAX_CPUS);
            c->opt.cpus[c->opt.ncpus++] = (int)cpu;
        }
        if (*p == ',')
            p++;
        else if (*p)
            return bad_usage("--cpus: bad CPU list '%s'", s);
    }
    if (c->opt.ncpus == 0)
        return bad_usage("--cpus: empty CPU list");
    return 0;
}

static int parse_options(struct cli *c, int argc, char **argv)
{
    enum { O_CPUS = 256, O_SEED, O_EXPECT, O_JSON, O_SUMMARY, O_CATALOG, O_LIST, O_EMIT, O_BATCH,
           O_PERIOD, O_STRIDE, O_SHUFFLE, O_RESET, O_MODEL_ONLY, O_EXPLAIN, O_BUDGET, O_MODEL, O_GRAPH, O_STATE, O_HTML };
    static const struct option longs[] = {
        {"iterations", required_argument, 0, 'n'}, {"cpus", required_argument, 0, O_CPUS},
        {"seed", required_argument, 0, O_SEED},    {"expect", no_argument, 0, O_EXPECT},
        {"json", no_argument, 0, O_JSON},          {"summary", no_argument, 0, O_SUMMARY},
        {"catalog", no_argument, 0, O_CATALOG},    {"list", no_argument, 0, O_LIST},
        {"emit-c", no_argument, 0, O_EMIT},        {"batch", required_argument, 0, O_BATCH},
        {"period", required_argument, 0, O_PERIOD},{"stride", required_argument, 0, O_STRIDE},
        {"shuffle", no_argument, 0, O_SHUFFLE},    {"reset-by", required_argument, 0, O_RESET},
        {"model-only", no_argument, 0, O_MODEL_ONLY}, {"explain", no_argument, 0, O_EXPLAIN},
        {"model-budget", required_argument, 0, O_BUDGET}, {"model", required_argument, 0, O_MODEL},
        {"graph", required_argument, 0, O_GRAPH},  {"state", required_argument, 0, O_STATE},
        {"html", required_argument, 0, O_HTML},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    opterr = 0;
    optind = 1;
    int ch;
    long v;
    while ((ch = getopt_long(argc, argv, ":n:h", longs, NULL)) != -1) {
        switch (ch) {
        case 'n':
            if (!parse_count(optarg, 1, 1000000000000L, &c->opt.iterations))
                return bad_usage("-n: '%s' is not a number of iterations (1 or more)", optarg);
            break;
        case O_CPUS:
            if (parse_cpus(c, optarg) != 0)
                return 2;
            break;
        case O_SEED: {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(optarg, &end, 0);
            if (end == optarg || *end || errno || optarg[0] == '-')
                return bad_usage("--seed: '%s' is not a number", optarg);
            c->opt.seed = s;
            c->seed_given = true;
            break;
        }
        case O_EXPECT: c->expect = true; break;
        case O_JSON: c->json = true; break;
        case O_SUMMARY: c->summary_only = true; break;
        case O_CATALOG: c->catalog = true; break;
        case O_LIST: c->list = true; break;
        case O_EMIT: c->emit_c = true; break;
        case O_SHUFFLE: c->opt.shuffle = true; break;
        case O_MODEL_ONLY: c->model_only = true; break;
        case O_EXPLAIN: c->explain = true; break;
        case O_MODEL:
            c->model_spec = optarg;
            break;
        case O_GRAPH:
            c->graph_dir = optarg;
            break;
        case O_STATE:
            c->state_spec = optarg;
            break;
        case O_HTML:
            c->html_dir = optarg;
            break;
        case O_BUDGET:
            if (!parse_count(optarg, 1, 100000000, &c->model_budget))
                return bad_usage("--model-budget: '%s' is not in 1..100M states", optarg);
            break;
        case O_RESET:
            if (strcmp(optarg, "reader") == 0)
                c->opt.reset = LT_RESET_READER;
            else if (strcmp(optarg, "writer") == 0)
                c->opt.reset = LT_RESET_WRITER;
            else if (strcmp(optarg, "first") == 0)
                c->opt.reset = LT_RESET_FIRST;
            else
                return bad_usage("--reset-by: '%s' is not reader, writer or first", optarg);
            break;
        case O_BATCH:
            if (!parse_count(optarg, 1, 1000000, &c->opt.batch))
                return bad_usage("--batch: '%s' is not in 1..1000000", optarg);
            break;
        case O_PERIOD:
            if (!parse_count(optarg, 1, 1 << 22, &v))
                return bad_usage("--period: '%s' is not in 1..%d ticks", optarg, 1 << 22);
            c->opt.period = v;
            break;
        case O_STRIDE:
            if (!parse_count(optarg, 1, 4096, &c->opt.stride))
                return bad_usage("--stride: '%s' is not in 1..4096", optarg);
            break;
        case 'h':
            fputs(usage, stdout);
            return -1;
        case ':':
            return bad_usage("option '%s' needs a value", argv[optind - 1]);
        default:
            return bad_usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    return 0;
}

/* ---- many files at once: directories and @index files --------------------------- */

struct names {
    char **v;
    int n, cap;
};

static void add_name(struct names *ns, const char *s)
{
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? 2 * ns->cap : 64;
        ns->v = realloc(ns->v, sizeof *ns->v * (size_t)ns->cap);
        if (!ns->v)
            abort();
    }
    ns->v[ns->n] = strdup(s);
    if (!ns->v[ns->n])
        abort();
    ns->n++;
}

static void free_names(struct names *ns)
{
    for (int i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Every *.litmus file under dir (subfolders too), sorted by path. */
static int add_dir(struct names *ns, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "litmus: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int first = ns->n;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", e->d_name);
        if (ends_with(e->d_name, ".litmus"))
            add_name(ns, path);
        else if (depth < 8 && is_dir(path) && add_dir(ns, path, depth + 1) != 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    qsort(ns->v + first, (size_t)(ns->n - first), sizeof *ns->v, name_cmp);
    return 0;
}

/* @INDEX: one test path per line, relative to the index file's folder
 * (herd's convention); blank lines and lines starting with # are skipped. */
static int add_index(struct names *ns, const char *index)
{
    FILE *f = fopen(index, "r");
    if (!f) {
        fprintf(stderr, "litmus: @%s: %s\n", index, strerror(errno));
        return -1;
    }
    const char *slash = strrchr(index, '/');
    int dirlen = slash ? (int)(slash - index) + 1 : 0;
    char line[4096], path[8300];
    while (fgets(line, sizeof line, f)) {
        char *p = line + strspn(line, " \t");
        p[strcspn(p, "\r\n")] = '\0';
        for (size_t len = strlen(p); len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'); len--)
            p[len - 1] = '\0';
        if (!*p || *p == '#')
            continue;
        if (*p == '/')
            snprintf(path, sizeof path, "%s", p);
        else
            snprintf(path, sizeof path, "%.*s%s", dirlen, index, p);
        if (is_dir(path)) {
            if (add_dir(ns, path, 0) != 0) {
                fclose(f);
                return -1;
            }
        } else {
            add_name(ns, path);
        }
    }
    fclose(f);
    return 0;
}

static int expand_arg(struct names *ns, const char *arg)
{
    if (arg[0] == '@' && arg[1])
        return add_index(ns, arg + 1);
    if (is_dir(arg))
        return add_dir(ns, arg, 0);
    add_name(ns, arg);
    return 0;
}

/* ---- choosing tests and their code ------------------------------------------ */

static const struct lt_catalog_entry *catalog_by_source(const char *text)
{
    for (int i = 0; i < lt_catalog_count; i++)
        if (strcmp(lt_catalog[i].source, text) == 0)
            return &lt_catalog[i];
    return NULL;
}

static const struct lt_catalog_entry *catalog_by_name(const char *name)
{
    for (int i = 0; i < lt_catalog_count; i++)
        if (strcmp(lt_catalog[i].name, name) == 0)
            return &lt_catalog[i];
    return NULL;
}

/* Teaching order for --catalog: by family (the name up to its first '+'),
 * families in this order and unknown ones after, the bare test first. */
static int family_rank(const char *name)
{
    static const char *const families[] = {"SB", "R", "MP", "LB", "S", "2", "WRC", "IRIW",
                                           "CoRR", "CoRW", "CoWR", "CoWW"};
    size_t len = strcspn(name, "+");
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (strlen(families[i]) == len && strncmp(families[i], name, len) == 0)
            return (int)i;
    return (int)(sizeof families / sizeof families[0]);
}

static int catalog_cmp(const void *pa, const void *pb)
{
    const struct lt_catalog_entry *a = *(const struct lt_catalog_entry *const *)pa;
    const struct lt_catalog_entry *b = *(const struct lt_catalog_entry *const *)pb;
    int ra = family_rank(a->name), rb = family_rank(b->name);
    if (ra != rb)
        return ra - rb;
    bool bare_a = !strchr(a->name, '+'), bare_b = !strchr(b->name, '+');
    if (bare_a != bare_b)
        return bare_a ? -1 : 1;
    return strcmp(a->name, b->name);
}

static void sorted_catalog(const struct lt_catalog_entry **out)
{
    for (int i = 0; i < lt_catalog_count; i++)
        out[i] = &lt_catalog[i];
    qsort(out, (size_t)lt_catalog_count, sizeof out[0], catalog_cmp);
}

static void add_catalog_item(struct lt_item *it, const struct lt_catalog_entry *e)
{
    it->path = strdup(e->path);
    it->test = lt_parse(e->path, e->source, it->error, sizeof it->error);
    if (it->test && it->test->nthreads != e->nthreads)
        snprintf(it->error, sizeof it->error, "%s: the catalog is out of date (rebuild)", e->path);
    it->fns = e->fns;
    it->text = e->source;
}

static void add_item(struct lt_item *it, const char *arg)
{
    it->arg = arg;
    it->lib_index = -1;
    if (access(arg, F_OK) != 0 && strchr(arg, '/') == NULL && !strstr(arg, ".litmus")) {
        const struct lt_catalog_entry *e = catalog_by_name(arg);
        if (e)
            add_catalog_item(it, e);
        else
            snprintf(it->error, sizeof it->error, "%s: no such file, nor a test in the catalog (see --list)", arg);
        return;
    }
    it->path = strdup(arg);
    it->source = lt_read_file(arg);
    if (!it->source) {
        snprintf(it->error, sizeof it->error, "%s: %s", arg, errno == EILSEQ ? "not a text file" : strerror(errno));
        return;
    }
    it->text = it->source;
    const struct lt_catalog_entry *e = catalog_by_source(it->source);
    it->test = lt_parse(arg, it->source, it->error, sizeof it->error);
    if (it->test && e && e->nthreads == it->test->nthreads)
        it->fns = e->fns; /* unchanged catalog file: use the code built into the binary */
}

static int compile_items(struct cli *c, struct lt_library *lib)
{
    struct lt_test **tests = calloc((size_t)c->nitems + 1, sizeof *tests);
    if (!tests)
        abort();
    int n = 0;
    for (int i = 0; i < c->nitems; i++) {
        struct lt_item *it = &c->items[i];
        if (it->test && !it->fns) {
            it->lib_index = n;
            tests[n++] = it->test;
        }
    }
    int rc = 0;
    if (n > 0 && c->emit_c) {
        lt_gen(stdout, tests, n, "lt_", true);
    } else if (n > 0) {
        char err[4096];
        if (lt_compile(tests, n, lib, err, sizeof err) != 0) {
            fprintf(stderr, "litmus: %s\n", err);
            rc = 2;
        } else {
            for (int i = 0; i < c->nitems; i++)
                if (c->items[i].lib_index >= 0)
                    c->items[i].fns = lib->fns[c->items[i].lib_index];
        }
    }
    free(tests);
    return rc;
}

static void progress(void *ctx, long done, long total)
{
    struct cli *c = ctx;
    fprintf(stderr, "\r  %s: %3ld%% (%ld/%ld)", c->label, total ? done * 100 / total : 100, done, total);
    c->progress_shown = true;
}

static void list_catalog(void)
{
    const struct lt_catalog_entry **cat = calloc((size_t)lt_catalog_count + 1, sizeof *cat);
    if (!cat)
        abort();
    sorted_catalog(cat);
    for (int i = 0; i < lt_catalog_count; i++) {
        char err[512];
        struct lt_test *t = lt_parse(cat[i]->path, cat[i]->source, err, sizeof err);
        const char *q = t ? lt_key(t, "Question") : NULL;
        printf("%-12s %s\n", cat[i]->name, q ? q : "");
        lt_test_free(t);
    }
    free(cat);
}

static void free_items(struct cli *c)
{
    for (int i = 0; i < c->nitems; i++) {
        struct lt_item *it = &c->items[i];
        if (it->ran)
            lt_result_free(&it->res);
        for (int m = 0; m < LT_MAX_MODELS; m++)
            lt_verdict_free(&it->v[m]);
        lt_test_free(it->test);
        free(it->source);
        free(it->path);
    }
    free(c->items);
}

/* --explain: one x86-TSO execution per test; a test too large is a one-line error. */
/* --explain, after the x86-TSO steps: one sentence per model on what decides its verdict. */
static void explain_models(const struct cli *c, const struct lt_test *t)
{
    printf("\nWhat each model says of the condition's outcome, and why:\n");
    struct lt_exec *x = malloc(sizeof *x);
    int *final = calloc((size_t)t->nobs + 1, sizeof *final);
    if (!x || !final)
        abort();
    for (int m = 0; m < c->models.n; m++) {
        const struct lt_model *model = c->models.m[m];
        if (!model->consistent)
            continue;
        struct lt_check why;
        memset(&why, 0, sizeof why);
        char err[256];
        int found = lt_exec_find(t, model, NULL, c->exec_budget, x, final, &why, err, sizeof err);
        if (found < 0)
            printf("  %-8s %s.\n", model->label, err);
        else if (found == 1 && why.race[0] >= 0)
            printf("  %-8s allowed, and with a data race: an execution reaching it is consistent, but two "
                   "accesses race, so the program is undefined.\n", model->label);
        else if (found == 1)
            printf("  %-8s allowed: an execution reaching it satisfies every axiom.\n", model->label);
        else
            printf("  %-8s forbidden: the executions reaching it break an axiom; the closest one breaks %s "
                   "(litmus --graph DIR --model %s draws it).\n", model->label, why.axiom, model->name);
    }
    free(x);
    free(final);
}

static int explain_items(struct cli *c, int status)
{
    for (int i = 0; i < c->nitems; i++) {
        struct lt_item *it = &c->items[i];
        if (!it->test)
            continue;
        char err[512];
        if (i > 0)
            printf("\n");
        fflush(stdout);
        if (lt_explain(stdout, it->test, c->model_budget, err, sizeof err) != 0) {
            fflush(stdout);
            fprintf(stderr, "litmus: %s\n", err);
            status = status == 1 ? 1 : 2;
            continue;
        }
        explain_models(c, it->test);
    }
    return status;
}

static void model_item(const struct cli *c, struct lt_item *it)
{
    lt_item_model(it, &c->models, c->model_budget, c->exec_budget);
}

/* --html DIR after the models (and the hardware) ran. */
static int write_html(const struct cli *c, int status)
{
    if (!c->html_dir)
        return status;
    char err[600];
    if (lt_html_write(c->html_dir, c->items, c->nitems, c->exec_budget, err, sizeof err) != 0) {
        fprintf(stderr, "litmus: %s\n", err);
        return status == 1 ? 1 : 2;
    }
    if (!c->json)
        fprintf(stderr, "litmus: wrote %s/index.html\n", c->html_dir);
    return status;
}

/* --model-only: enumerate, print, check --expect; no code is compiled or run. */
static int model_only(struct cli *c, int status)
{
    for (int i = 0; i < c->nitems; i++) {
        struct lt_item *it = &c->items[i];
        if (!it->modeled)
            continue;
        const struct lt_verdict *big;
        if (lt_item_too_large(it, &big)) {
            snprintf(it->error, sizeof it->error, "%s: too large to enumerate (%s: %s)", it->test->name,
                     big->model->label, big->why);
            if (!c->json)
                fprintf(stderr, "litmus: %s\n", it->error);
            it->modeled = false; /* shown as refused */
            status = status == 1 ? 1 : 2;
            continue;
        }
        if (c->expect)
            lt_check_model_expect(it);
        if (it->expect < 0)
            status = 1;
        if (!c->json && !c->summary_only)
            lt_report_model_text(it);
    }
    if (c->json)
        lt_report_json(c->items, c->nitems, true, c->opt.seed);
    else if (c->summary_only || c->nitems > 1)
        lt_report_model_summary(c->items, c->nitems);
    status = write_html(c, status);
    for (int i = 0; i < c->nitems && !c->json; i++)
        if (c->items[i].expect < 0)
            fprintf(stderr, "litmus: expectation failed: %s\n", c->items[i].expect_msg);
    return status;
}

/* --graph DIR: one picture per test and model (models without axioms are skipped). */
static int graph_items(struct cli *c, int status)
{
    if (mkdir(c->graph_dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "litmus: --graph %s: %s\n", c->graph_dir, strerror(errno));
        return 2;
    }
    for (int i = 0; i < c->nitems; i++) {
        const struct lt_test *t = c->items[i].test;
        if (!t)
            continue;
        int *vals = NULL, buf[LT_MAX_THREADS * LT_MAX_REGS + LT_MAX_VARS];
        char err[512];
        if (c->state_spec) {
            if (lt_state_parse(t, c->state_spec, buf, err, sizeof err) != 0) {
                fprintf(stderr, "litmus: %s: %s\n", t->name, err);
                status = status == 1 ? 1 : 2;
                continue;
            }
            vals = buf;
        }
        for (int m = 0; m < c->models.n; m++) {
            const struct lt_model *model = c->models.m[m];
            if (!model->consistent)
                continue;
            char dot[4200], svg[4200], caption[1024];
            snprintf(dot, sizeof dot, "%s/%s.%s.dot", c->graph_dir, t->name, model->name);
            snprintf(svg, sizeof svg, "%s/%s.%s.svg", c->graph_dir, t->name, model->name);
            if (lt_graph_write(t, model, vals, c->exec_budget, dot, svg, caption, sizeof caption, err,
                               sizeof err) != 0) {
                fprintf(stderr, "litmus: %s under %s: %s\n", t->name, model->label, err);
                status = status == 1 ? 1 : 2;
                continue;
            }
            printf("%s\n", svg);
            for (char *line = strtok(caption, "\n"); line; line = strtok(NULL, "\n"))
                printf("  %s\n", line);
        }
    }
    return status;
}

/* The hardware run: compile what the catalog lacks, run, print, check --expect. */
static int run_items(struct cli *c, int status)
{
    struct lt_library lib = {0};
    if (compile_items(c, &lib) != 0) {
        for (int i = 0; i < c->nitems; i++)
            if (c->items[i].lib_index >= 0) {
                snprintf(c->items[i].error, sizeof c->items[i].error, "could not be compiled");
                c->items[i].fns = NULL;
            }
        status = status == 1 ? 1 : 2;
    }
    if (c->emit_c) {
        for (int i = 0; i < c->nitems; i++)
            if (c->items[i].test && c->items[i].lib_index < 0)
                lt_gen(stdout, &c->items[i].test, 1, "lt_", true);
        return status;
    }
    bool show_progress = isatty(2) && !c->json;
    if (show_progress) {
        c->opt.progress = progress;
        c->opt.progress_ctx = c;
    }
    for (int i = 0; i < c->nitems; i++) {
        struct lt_item *it = &c->items[i];
        if (!it->test || !it->fns)
            continue;
        model_item(c, it);
        c->label = it->test->name;
        char err[512];
        if (lt_run(it->test, it->fns, &c->opt, &it->res, err, sizeof err) != 0) {
            snprintf(it->error, sizeof it->error, "%s: %s", it->path, err);
            fprintf(stderr, "litmus: %s\n", it->error);
            status = status == 1 ? 1 : 2;
            continue;
        }
        if (c->progress_shown) {
            fputs("\r\033[K", stderr);
            c->progress_shown = false;
        }
        it->ran = true;
        if (c->expect)
            lt_check_expect(it);
        if (it->expect < 0)
            status = 1;
        if (!c->json && !c->summary_only)
            lt_report_text(it, c->opt.seed);
        fflush(stdout);
    }
    if (c->json)
        lt_report_json(c->items, c->nitems, false, c->opt.seed);
    else if (c->summary_only || c->nitems > 1)
        lt_report_summary(c->items, c->nitems);
    status = write_html(c, status);
    for (int i = 0; i < c->nitems && !c->json; i++)
        if (c->items[i].expect < 0)
            fprintf(stderr, "litmus: expectation failed: %s\n", c->items[i].expect_msg);
    lt_library_close(&lib);
    return status;
}

int lt_main(int argc, char **argv)
{
    struct cli c;
    memset(&c, 0, sizeof c);
    lt_options_default(&c.opt);
    c.model_budget = LT_MODEL_BUDGET;
    c.exec_budget = LT_EXEC_BUDGET;
    int rc = parse_options(&c, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    char merr[256];
    if (lt_select_models(c.model_spec, &c.models, merr, sizeof merr) != 0)
        return bad_usage("%s", merr);
    if (c.list) {
        list_catalog();
        return 0;
    }
    struct names names = {0};
    for (int i = optind; i < argc; i++) {
        if (expand_arg(&names, argv[i]) != 0) {
            free_names(&names);
            return 2;
        }
        if (argv[i][0] == '@' || is_dir(argv[i]))
            c.summary_only = true; /* many files: one table */
    }
    int nfiles = names.n;
    if (nfiles == 0 && !c.catalog)
        return bad_usage("no tests: name FILE.litmus files, catalog tests, or --catalog");
    if (!c.seed_given)
        c.opt.seed = (now_ns() ^ ((uint64_t)getpid() << 32)) % 1000000007u + 1;

    c.items = calloc((size_t)(nfiles + (c.catalog ? lt_catalog_count : 0)) + 1, sizeof *c.items);
    if (!c.items)
        abort();
    if (c.catalog) {
        const struct lt_catalog_entry **cat = calloc((size_t)lt_catalog_count + 1, sizeof *cat);
        if (!cat)
            abort();
        sorted_catalog(cat);
        for (int i = 0; i < lt_catalog_count; i++) {
            c.items[c.nitems].lib_index = -1;
            add_catalog_item(&c.items[c.nitems++], cat[i]);
        }
        free(cat);
    }
    for (int i = 0; i < names.n; i++)
        add_item(&c.items[c.nitems++], names.v[i]);

    int status = 0;
    for (int i = 0; i < c.nitems; i++) {
        if (!c.items[i].test) {
            if (!c.json)
                fprintf(stderr, "litmus: %s\n", c.items[i].error);
            status = status == 1 ? 1 : 2;
        }
    }
    if (c.graph_dir) {
        status = graph_items(&c, status);
    } else if (c.explain) {
        status = explain_items(&c, status);
    } else if (c.model_only) {
        for (int i = 0; i < c.nitems; i++)
            if (c.items[i].test)
                model_item(&c, &c.items[i]);
        status = model_only(&c, status);
    } else {
        status = run_items(&c, status);
    }
    free_items(&c);
    free_names(&names);
    return status;
}
