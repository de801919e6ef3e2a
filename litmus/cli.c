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

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "litmus/expected.h"
#include "litmus/explain.h"
#include "litmus/gen.h"
#include "litmus/load.h"
#include "litmus/model.h"
#include "litmus/parse.h"
#include "litmus/run.h"
#include "locks/sys.h"

struct item {
    const char *arg;          /* as named on the command line */
    char *path;
    char *source;             /* owned text, NULL for a catalog entry */
    struct lt_test *test;
    const lt_thread_fn *fns;
    int lib_index;            /* position among the tests compiled on the fly, or -1 */
    char error[1024];         /* why it cannot run */
    bool ran;
    struct lt_result res;
    int expect;               /* 0 unchecked, 1 met, -1 failed */
    char expect_msg[512];
    bool modeled;             /* sc and tso enumerated (each may be too_large) */
    struct lt_model_result sc, tso;
};

struct cli {
    struct lt_options opt;
    bool seed_given, iterations_given, json, summary_only, expect, emit_c, list, catalog, explain, model_only,
         no_tune;
    long model_budget;        /* machine states the enumerator may visit per test and model */
    struct item *items;
    int nitems;
    const char *label;        /* test being run, for progress */
    bool progress_shown;
};

static const char usage[] =
    "usage: litmus [options] FILE.litmus... | NAME... | --catalog\n"
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
    "      --model-budget N  machine states the enumerator may visit per test (default 1M)\n"
    "  Runner settings: each one given is used as given; the others the runner tunes itself\n"
    "  (a short search the first time a test runs on this machine, then its cached winner):\n"
    "      --batch N       instances per batch (untuned: 400)\n"
    "      --period NS     nanoseconds between instances (untuned: 1.5 x an instance's cost)\n"
    "      --stride N      ints between two instances' copies of a variable (untuned: a cache line)\n"
    "      --shuffle       visit the instances' memory in a random order in each batch\n"
    "      --reset-by WHO  reader|writer|first: which thread resets a variable before a batch\n"
    "      --no-tune       no search, no cache: the untuned values for every setting not given\n"
    "      --retune        search again even when the cache has a winner (and store the new one)\n"
    "  -h, --help          this help\n"
    "Environment: CC and LITMUS_CFLAGS (default -O2) compile tests outside the catalog;\n"
    "LITMUS_TUNE_CACHE names the tuning cache (default $XDG_CACHE_HOME/memlab/litmus-tune; off: none).\n";

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
           O_PERIOD, O_STRIDE, O_SHUFFLE, O_RESET, O_MODEL_ONLY, O_EXPLAIN, O_BUDGET, O_NO_TUNE, O_RETUNE };
    static const struct option longs[] = {
        {"iterations", required_argument, 0, 'n'}, {"cpus", required_argument, 0, O_CPUS},
        {"seed", required_argument, 0, O_SEED},    {"expect", no_argument, 0, O_EXPECT},
        {"json", no_argument, 0, O_JSON},          {"summary", no_argument, 0, O_SUMMARY},
        {"catalog", no_argument, 0, O_CATALOG},    {"list", no_argument, 0, O_LIST},
        {"emit-c", no_argument, 0, O_EMIT},        {"batch", required_argument, 0, O_BATCH},
        {"period", required_argument, 0, O_PERIOD},{"stride", required_argument, 0, O_STRIDE},
        {"shuffle", no_argument, 0, O_SHUFFLE},    {"reset-by", required_argument, 0, O_RESET},
        {"model-only", no_argument, 0, O_MODEL_ONLY}, {"explain", no_argument, 0, O_EXPLAIN},
        {"model-budget", required_argument, 0, O_BUDGET},
        {"no-tune", no_argument, 0, O_NO_TUNE},   {"retune", no_argument, 0, O_RETUNE},
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
            c->iterations_given = true;
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
        case O_SHUFFLE: c->opt.shuffle = true; c->opt.tune &= ~(unsigned)LT_TUNE_SHUFFLE; break;
        case O_NO_TUNE: c->no_tune = true; break;
        case O_RETUNE: c->opt.retune = true; break;
        case O_MODEL_ONLY: c->model_only = true; break;
        case O_EXPLAIN: c->explain = true; break;
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
            c->opt.tune &= ~(unsigned)LT_TUNE_RESET;
            break;
        case O_BATCH:
            if (!parse_count(optarg, 1, 1000000, &c->opt.batch))
                return bad_usage("--batch: '%s' is not in 1..1000000", optarg);
            c->opt.tune &= ~(unsigned)LT_TUNE_BATCH;
            break;
        case O_PERIOD:
            if (!parse_count(optarg, 1, 2000000, &v))
                return bad_usage("--period: '%s' is not in 1..2000000 ns", optarg);
            c->opt.period = v;
            c->opt.tune &= ~(unsigned)LT_TUNE_PERIOD;
            break;
        case O_STRIDE:
            if (!parse_count(optarg, 1, 4096, &c->opt.stride))
                return bad_usage("--stride: '%s' is not in 1..4096", optarg);
            c->opt.tune &= ~(unsigned)LT_TUNE_STRIDE;
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

static void add_catalog_item(struct item *it, const struct lt_catalog_entry *e)
{
    it->path = strdup(e->path);
    it->test = lt_parse(e->path, e->source, it->error, sizeof it->error);
    if (it->test && it->test->nthreads != e->nthreads)
        snprintf(it->error, sizeof it->error, "%s: the catalog is out of date (rebuild)", e->path);
    it->fns = e->fns;
}

static void add_item(struct item *it, const char *arg)
{
    it->arg = arg;
    it->lib_index = -1;
    if (access(arg, F_OK) != 0 && strchr(arg, '/') == NULL && !strstr(arg, ".litmus")) {
        const struct lt_catalog_entry *e = catalog_by_name(arg);
        if (e)
            add_catalog_item(it, e);
        else if (lt_catalog_suggest(arg))
            snprintf(it->error, sizeof it->error, "%s: no such file, nor a test in the catalog: did you mean %s?",
                     arg, lt_catalog_suggest(arg));
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
        struct item *it = &c->items[i];
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

/* ---- expectations ------------------------------------------------------------- */

static bool starts_ci(const char *s, const char *prefix)
{
    return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether the header says x86 can never satisfy the proposition: its
 * "x86-TSO: forbidden", else the kernel model's "Result: Never" (x86 is
 * stronger than the Linux kernel memory model). */
static bool tso_forbids(const struct lt_test *t)
{
    const char *tso = lt_key(t, "x86-TSO");
    if (tso)
        return starts_ci(tso, "forbidden");
    return starts_ci(lt_key(t, "Result"), "Never");
}

static void state_text(const struct lt_test *t, const int *vals, char *buf, size_t size)
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

/* ---- models ------------------------------------------------------------------- */

static void model_item(const struct cli *c, struct item *it)
{
    lt_model_run(it->test, LT_MODEL_SC, c->model_budget, &it->sc);
    lt_model_run(it->test, LT_MODEL_TSO, c->model_budget, &it->tso);
    it->modeled = true;
}

/* What model m says of the condition's proposition. */
static const char *model_word(const struct lt_model_result *m)
{
    return m->too_large ? "too large" : m->reachable ? "allowed" : "forbidden";
}

/* Whether the header's key for m ("SC:", "x86-TSO:") contradicts the
 * enumeration; a key that is neither allowed nor forbidden contradicts it too. */
static bool header_disagrees(const struct item *it, const struct lt_model_result *m)
{
    const char *h = lt_key(it->test, lt_model_name(m->model));
    if (!h || !it->modeled || m->too_large)
        return false;
    if (starts_ci(h, "allowed"))
        return !m->reachable;
    if (starts_ci(h, "forbidden"))
        return m->reachable;
    return true;
}

static bool headers_disagree(const struct item *it)
{
    return header_disagrees(it, &it->sc) || header_disagrees(it, &it->tso);
}

/* Whether a header key disagrees; if so, "the header says SC: allowed, the
 * enumerator says forbidden" (the first one) in buf. */
static bool disagreement(const struct item *it, char *buf, size_t size)
{
    if (!headers_disagree(it))
        return false;
    const struct lt_model_result *m = header_disagrees(it, &it->sc) ? &it->sc : &it->tso;
    snprintf(buf, size, "the header says %s: %.40s, the enumerator says %s", lt_model_name(m->model),
             lt_key(it->test, lt_model_name(m->model)), model_word(m));
    return true;
}

/* Index of the first state seen on the hardware from index from on that x86-TSO forbids, or -1. */
static int next_tso_forbidden(const struct item *it, int from)
{
    if (!it->ran || !it->modeled || it->tso.too_large)
        return -1;
    for (int i = from; i < it->res.nstates; i++)
        if (!lt_model_allows(&it->tso, it->res.states[i].vals))
            return i;
    return -1;
}

/* The expectation the models alone decide: the header keys agree with them. */
static bool check_headers(struct item *it)
{
    char why[200];
    if (!disagreement(it, why, sizeof why))
        return true;
    it->expect = -1;
    snprintf(it->expect_msg, sizeof it->expect_msg, "%s: %s", it->test->name, why);
    return false;
}

/* --model-only --expect: the headers agree, and every state SC reaches is
 * one FILE.litmus.expected lists (SC is stronger than any model herd7 runs). */
static void check_model_expect(struct item *it)
{
    if (!check_headers(it))
        return;
    it->expect = lt_key(it->test, "SC") || lt_key(it->test, "x86-TSO") ? 1 : 0;
    char epath[4200], err[512];
    snprintf(epath, sizeof epath, "%s.expected", it->path);
    if (access(epath, R_OK) != 0 || it->sc.too_large)
        return;
    struct lt_expected e;
    if (lt_expected_load(it->test, epath, &e, err, sizeof err) != 0) {
        it->expect = -1;
        snprintf(it->expect_msg, sizeof it->expect_msg, "%.500s", err);
        return;
    }
    it->expect = 1;
    for (int i = 0; i < it->sc.nfinal && it->expect > 0; i++) {
        const int *vals = &it->sc.final[i * it->test->nobs];
        if (!lt_expected_allows(&e, vals)) {
            char st[256];
            state_text(it->test, vals, st, sizeof st);
            it->expect = -1;
            snprintf(it->expect_msg, sizeof it->expect_msg, "%s: SC reaches %.200s, which %.200s does not list",
                     it->test->name, st, epath);
        }
    }
    lt_expected_free(&e);
}

static void check_expect(struct item *it)
{
    const struct lt_test *t = it->test;
    bool checked = false;
    int bad = next_tso_forbidden(it, 0);
    if (bad >= 0) {
        char st[256];
        state_text(t, it->res.states[bad].vals, st, sizeof st);
        it->expect = -1;
        snprintf(it->expect_msg, sizeof it->expect_msg, "%s: OBSERVED A STATE x86-TSO FORBIDS: %s (seen %llu times)",
                 t->name, st, (unsigned long long)it->res.states[bad].count);
        return;
    }
    if (!check_headers(it))
        return;
    checked = it->modeled && !it->tso.too_large;
    if (lt_key(t, "x86-TSO") || lt_key(t, "Result")) {
        checked = true;
        if (tso_forbids(t) && it->res.positive > 0) {
            it->expect = -1;
            snprintf(it->expect_msg, sizeof it->expect_msg,
                     "%s: a state forbidden on x86-TSO was seen %llu times", t->name,
                     (unsigned long long)it->res.positive);
            return;
        }
    }
    char epath[4200];
    snprintf(epath, sizeof epath, "%s.expected", it->path);
    if (access(epath, R_OK) == 0) {
        struct lt_expected e;
        char err[512];
        if (lt_expected_load(t, epath, &e, err, sizeof err) != 0) {
            it->expect = -1;
            snprintf(it->expect_msg, sizeof it->expect_msg, "%.500s", err);
            return;
        }
        checked = true;
        for (int i = 0; i < it->res.nstates; i++) {
            if (!lt_expected_allows(&e, it->res.states[i].vals)) {
                char st[256];
                state_text(t, it->res.states[i].vals, st, sizeof st);
                it->expect = -1;
                snprintf(it->expect_msg, sizeof it->expect_msg, "%s: state %.200s (seen %llu times) is not in %.200s",
                         t->name, st, (unsigned long long)it->res.states[i].count, epath);
                break;
            }
        }
        lt_expected_free(&e);
        if (it->expect < 0)
            return;
    }
    it->expect = checked ? 1 : 0;
}

/* ---- output ------------------------------------------------------------------- */

static const char *quant_name(enum lt_quant q)
{
    return q == LT_EXISTS ? "exists" : q == LT_NOT_EXISTS ? "~exists" : "forall";
}

static double rate(double count, double seconds)
{
    return seconds > 0 ? count / seconds : 0;
}

/* "yes", "no", or "?" when the model was too large to enumerate. */
static const char *allows_word(const struct lt_model_result *m, const int *vals)
{
    return m->too_large ? "?" : lt_model_allows(m, vals) ? "yes" : "no";
}

static bool seen_on_hardware(const struct item *it, const int *vals)
{
    for (int i = 0; it->ran && i < it->res.nstates; i++)
        if (memcmp(it->res.states[i].vals, vals, sizeof(int) * (size_t)it->test->nobs) == 0)
            return true;
    return false;
}

/* The final states some model allows that the hardware did not show
 * (all of them with --model-only): x86-TSO's, then any SC state outside
 * them (there should be none: TSO only adds states to SC). */
static int unseen_model_states(const struct item *it, const int **out, int max)
{
    int n = 0, nobs = it->test->nobs;
    const struct lt_model_result *ms[2] = {&it->tso, &it->sc};
    for (int m = 0; m < 2 && it->modeled; m++) {
        for (int i = 0; !ms[m]->too_large && i < ms[m]->nfinal && n < max; i++) {
            const int *vals = &ms[m]->final[i * nobs];
            if (m == 1 && lt_model_allows(&it->tso, vals))
                continue;
            if (!seen_on_hardware(it, vals))
                out[n++] = vals;
        }
    }
    return n;
}

enum { MAX_LISTED = 4096 };

static int state_width(const struct item *it, const int *const *unseen, int nunseen)
{
    int w = 0;
    char st[512];
    for (int i = 0; it->ran && i < it->res.nstates; i++) {
        state_text(it->test, it->res.states[i].vals, st, sizeof st);
        w = (int)strlen(st) > w ? (int)strlen(st) : w;
    }
    for (int i = 0; i < nunseen; i++) {
        state_text(it->test, unseen[i], st, sizeof st);
        w = (int)strlen(st) > w ? (int)strlen(st) : w;
    }
    return w;
}

/* One histogram line: the count (none with --model-only), the witness mark,
 * the state, and whether SC and x86-TSO allow it. */
static void print_state(const struct item *it, const char *count, const int *vals, int width)
{
    char st[512];
    state_text(it->test, vals, st, sizeof st);
    printf("%s%s> %-*s  %-3s  %s\n", count, lt_prop_eval(it->test->prop, vals) ? "*" : ":", width, st,
           allows_word(&it->sc, vals), allows_word(&it->tso, vals));
}

static void print_histogram(const struct item *it)
{
    const struct lt_result *r = &it->res;
    const int **unseen = calloc(MAX_LISTED, sizeof *unseen);
    if (!unseen)
        abort();
    int nunseen = unseen_model_states(it, unseen, MAX_LISTED);
    int width = state_width(it, unseen, nunseen);
    char title[64], count[32];
    snprintf(title, sizeof title, it->ran ? "Histogram (%d states)" : "States (%d)", it->ran ? r->nstates : nunseen);
    printf("%-*s  %-3s  %s\n", (it->ran ? 14 : 3) + width, title, "SC", "x86-TSO");
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

/* "Models: SC forbidden, x86-TSO allowed (enumerated ...; the header agrees)". */
static void print_models(const struct item *it)
{
    const struct lt_test *t = it->test;
    const struct lt_model_result *sc = &it->sc, *tso = &it->tso;
    printf("Models: SC %s, x86-TSO %s (enumerated: SC %d final states from %ld machine states, x86-TSO %d from "
           "%ld, in %.1f ms", model_word(sc), model_word(tso), sc->nfinal, sc->explored, tso->nfinal,
           tso->explored, (sc->seconds + tso->seconds) * 1e3);
    if (sc->too_large || tso->too_large)
        printf("; too large to enumerate (%ld states)", sc->too_large ? sc->explored : tso->explored);
    char why[200];
    if (disagreement(it, why, sizeof why))
        printf("; HEADER DISAGREES: %s", why);
    else if (lt_key(t, "SC") || lt_key(t, "x86-TSO"))
        printf("; the header agrees");
    if (lt_key(t, "Result"))
        printf("; Linux kernel memory model: %s", lt_key(t, "Result"));
    printf(")\n");
}

/* After a hardware run: every state seen is one x86-TSO allows, or loudly not. */
static void print_verdict(const struct item *it)
{
    if (it->tso.too_large) {
        printf("Verdict: x86-TSO too large to enumerate (%ld states); the states seen are not checked\n",
               it->tso.explored);
        return;
    }
    int bad = next_tso_forbidden(it, 0);
    if (bad < 0) {
        printf("Verdict: hardware within x86-TSO (%d states seen, x86-TSO allows every one)\n", it->res.nstates);
        return;
    }
    printf("Verdict: !!! OBSERVED A STATE x86-TSO FORBIDS !!! (a bug in the model, the compiler's translation "
           "or the test)\n");
    for (; bad >= 0; bad = next_tso_forbidden(it, bad + 1)) {
        char st[512];
        state_text(it->test, it->res.states[bad].vals, st, sizeof st);
        printf("         %s seen %llu times\n", st, (unsigned long long)it->res.states[bad].count);
    }
}

/* "Settings: period 120 ns, batch 2000, ... (searched: 24 settings in 0.21 s, cached)". */
static void print_settings(const struct lt_result *r)
{
    char set[256];
    lt_setting_text(&r->setting, set, sizeof set);
    printf("Settings: %s; timebase %.1f MHz; ", set, r->timebase_mhz);
    if (strcmp(r->tuned, "search") == 0)
        printf("tuned here: %d settings tried in %.2f s (%ld instances, counted above)\n", r->tune_tried,
               r->tune_seconds, r->tune_instances);
    else if (strcmp(r->tuned, "cache") == 0)
        printf("tuned: this machine's cached winner for the test (--retune searches again)\n");
    else
        printf("as given\n");
}

static void print_text(const struct item *it, const struct lt_options *o)
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
    printf("%s, seed %llu, threads preempted %ld times\n", r->oversubscribed ? " (more threads than CPUs: shared)" : "",
           (unsigned long long)o->seed, r->preempted);
    print_settings(r);
    if (it->expect < 0)
        printf("EXPECTATION FAILED: %s\n", it->expect_msg);
    printf("\n");
}

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

static void json_values(const struct lt_test *t, const int *vals)
{
    printf("{");
    for (int k = 0; k < t->nobs; k++) {
        char name[96];
        lt_loc_name(t, k, name, sizeof name);
        printf("%s", k ? ", " : "");
        json_string(name);
        printf(": %d", vals[k]);
    }
    printf("}");
}

/* true, false, or null when the model was too large to enumerate. */
static const char *json_allows(const struct lt_model_result *m, const int *vals)
{
    return m->too_large ? "null" : lt_model_allows(m, vals) ? "true" : "false";
}

static const char *hardware_verdict(const struct item *it)
{
    if (it->tso.too_large)
        return "x86-TSO too large to enumerate";
    return next_tso_forbidden(it, 0) >= 0 ? "OBSERVED A STATE x86-TSO FORBIDS" : "hardware within x86-TSO";
}

/* "model": what SC and x86-TSO allow, and every state either model reaches. */
static void json_model(const struct item *it)
{
    const struct lt_test *t = it->test;
    printf(",\n   \"model\": {\"sc\": \"%s\", \"x86_tso\": \"%s\", \"too_large\": %s, \"sc_explored\": %ld, "
           "\"x86_tso_explored\": %ld, \"seconds\": %.6f, \"header_agrees\": %s, \"states\": [",
           model_word(&it->sc), model_word(&it->tso), it->sc.too_large || it->tso.too_large ? "true" : "false",
           it->sc.explored, it->tso.explored, it->sc.seconds + it->tso.seconds,
           headers_disagree(it) ? "false" : "true");
    const struct lt_model_result *ms[2] = {&it->tso, &it->sc};
    int n = 0;
    for (int m = 0; m < 2; m++) {
        for (int i = 0; !ms[m]->too_large && i < ms[m]->nfinal; i++) {
            const int *vals = &ms[m]->final[i * t->nobs];
            if (m == 1 && lt_model_allows(&it->tso, vals))
                continue;
            printf("%s\n     {\"witness\": %s, \"sc\": %s, \"x86_tso\": %s, \"values\": ", n++ ? "," : "",
                   lt_prop_eval(t->prop, vals) ? "true" : "false", json_allows(&it->sc, vals),
                   json_allows(&it->tso, vals));
            json_values(t, vals);
            printf("}");
        }
    }
    printf("]}");
}

/* "settings": what the run used after its search, and where it came from. */
static void json_settings(const struct lt_result *r)
{
    const struct lt_setting *s = &r->setting;
    printf("\n   \"settings\": {\"period_ns\": %ld, \"batch\": %ld, \"stride\": %ld, \"shuffle\": %s, "
           "\"reset\": \"%s\", \"tuned\": \"%s\", \"tried\": %d, \"tune_seconds\": %.6f, \"tune_instances\": %ld, "
           "\"timebase_mhz\": %.3f},",
           s->period, s->batch, s->stride, s->shuffle ? "true" : "false", lt_reset_name(s->reset), r->tuned,
           r->tune_tried, r->tune_seconds, r->tune_instances, r->timebase_mhz);
}

static void json_hardware(const struct cli *c, const struct item *it)
{
    const struct lt_test *t = it->test;
    const struct lt_result *r = &it->res;
    printf(",\n   \"iterations\": %ld, \"seconds\": %.6f, \"positive\": %llu, \"negative\": %llu, "
           "\"observation\": \"%s\", \"condition_holds\": %s,\n   \"iterations_per_second\": %.0f, "
           "\"witnesses_per_second\": %.0f, \"witness_percent\": %.3f, \"seed\": %llu, \"period_ns\": %ld, \"preempted\": %ld,",
           r->iterations, r->seconds, (unsigned long long)r->positive, (unsigned long long)r->negative,
           lt_observation(r), lt_condition_holds(t, r) ? "true" : "false",
           rate((double)r->iterations, r->seconds), rate((double)r->positive, r->seconds),
           r->iterations ? 100.0 * (double)r->positive / (double)r->iterations : 0.0,
           (unsigned long long)c->opt.seed, r->period, r->preempted);
    json_settings(r);
    printf(" \"cpus\": [");
    for (int k = 0; k < t->nthreads; k++)
        printf("%s%d", k ? ", " : "", r->cpu_of[k]);
    printf("],\n   \"verdict\": \"%s\"", hardware_verdict(it));
    printf(",\n   \"states\": [");
    for (int s = 0; s < r->nstates; s++) {
        printf("%s\n     {\"count\": %llu, \"witness\": %s, \"sc\": %s, \"x86_tso\": %s, \"values\": ", s ? "," : "",
               (unsigned long long)r->states[s].count, r->states[s].witness ? "true" : "false",
               json_allows(&it->sc, r->states[s].vals), json_allows(&it->tso, r->states[s].vals));
        json_values(t, r->states[s].vals);
        printf("}");
    }
    printf("]");
}

static void print_json(const struct cli *c)
{
    printf("{\"tests\": [");
    bool ok = true;
    for (int i = 0; i < c->nitems; i++) {
        const struct item *it = &c->items[i];
        printf("%s\n  {\"file\": ", i ? "," : "");
        json_string(it->path ? it->path : it->arg);
        bool done = c->model_only ? it->modeled && !it->sc.too_large && !it->tso.too_large : it->ran;
        if (!done) {
            ok = false;
            printf(", \"error\": ");
            if (it->modeled && (it->sc.too_large || it->tso.too_large) && !it->error[0]) {
                char msg[128];
                snprintf(msg, sizeof msg, "too large to enumerate (%ld states)",
                         it->sc.too_large ? it->sc.explored : it->tso.explored);
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
        printf(", \"sc\": ");
        json_string(lt_key(t, "SC"));
        printf(", \"x86_tso\": ");
        json_string(lt_key(t, "x86-TSO"));
        if (it->ran)
            json_hardware(c, it);
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

/* The summary's verdict: from the enumeration when there is one, else the header. */
static const char *verdict(const struct item *it)
{
    bool seen = it->res.positive > 0;
    if (next_tso_forbidden(it, 0) >= 0)
        return "FAIL: TSO-forbidden state seen";
    if (it->expect < 0)
        return "FAIL";
    if (it->modeled && !it->tso.too_large) {
        if (!it->tso.reachable)
            return "ok: never seen";
        return seen ? "ok: seen" : "allowed, not seen";
    }
    const char *tso = lt_key(it->test, "x86-TSO");
    if (!tso && !lt_key(it->test, "Result"))
        return seen ? "seen" : "not seen";
    if (tso_forbids(it->test))
        return seen ? "FAIL: forbidden, seen" : "ok: never seen";
    return seen ? "ok: seen" : "allowed, not seen";
}

/* A model column of the summary: the enumerator's word, starred when the header says otherwise. */
static void model_cell(const struct item *it, const struct lt_model_result *m, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s", model_word(m), header_disagrees(it, m) ? "*" : "");
}

/* Under the summary: each header key the enumeration contradicts. */
static void print_disagreements(const struct cli *c)
{
    for (int i = 0; i < c->nitems; i++) {
        const struct item *it = &c->items[i];
        char why[200];
        if (it->test && disagreement(it, why, sizeof why))
            printf("* %s: %s\n", it->test->name, why);
    }
}

static int cond_width(const struct cli *c, int *wname)
{
    int wcond = 19;
    *wname = 4;
    for (int i = 0; i < c->nitems; i++) {
        const struct item *it = &c->items[i];
        if (!it->test)
            continue;
        int n = (int)strlen(it->test->name), m = (int)strlen(it->test->cond_text) + 1;
        *wname = n > *wname ? n : *wname;
        wcond = m > wcond ? m : wcond;
    }
    return wcond > 44 ? 44 : wcond;
}

static void cond_cell(const struct lt_test *t, int wcond, char *cond, size_t size)
{
    snprintf(cond, size, "%s%s", t->quant == LT_EXISTS ? "" : t->quant == LT_FORALL ? "~" : "", t->cond_text);
    if ((int)strlen(cond) > wcond)
        snprintf(cond + wcond - 3, 4, "...");
}

/* --model-only --summary: what each model allows, and what the enumeration cost. */
static void print_model_summary(const struct cli *c)
{
    int wname, wcond = cond_width(c, &wname);
    printf("%-*s  %-*s  %-10s  %-10s  %13s  %15s  %9s\n", wname, "test", wcond, "outcome of interest", "SC",
           "x86-TSO", "final SC/TSO", "machine states", "time");
    for (int i = 0; i < c->nitems; i++) {
        const struct item *it = &c->items[i];
        if (!it->modeled) {
            printf("%-*s  refused: %s\n", wname, it->arg ? it->arg : it->path, it->error);
            continue;
        }
        char cond[1100], sc[32], tso[32], finals[32], states[32];
        cond_cell(it->test, wcond, cond, sizeof cond);
        model_cell(it, &it->sc, sc, sizeof sc);
        model_cell(it, &it->tso, tso, sizeof tso);
        snprintf(finals, sizeof finals, "%d/%d", it->sc.nfinal, it->tso.nfinal);
        snprintf(states, sizeof states, "%ld", it->sc.explored + it->tso.explored);
        printf("%-*s  %-*s  %-10s  %-10s  %13s  %15s  %6.1f ms\n", wname, it->test->name, wcond, cond, sc, tso,
               finals, states, (it->sc.seconds + it->tso.seconds) * 1e3);
    }
    print_disagreements(c);
}

/* The summary table; SC and x86-TSO are the enumerator's verdicts, starred
 * (and explained under the table) where the test's header says otherwise. */
static void print_summary(const struct cli *c)
{
    int wname, wcond = cond_width(c, &wname);
    printf("%-*s  %-*s  %-10s  %-10s  %25s  %14s  %s\n", wname, "test", wcond, "outcome of interest", "SC",
           "x86-TSO", "observed/iterations", "witnesses/s", "verdict");
    for (int i = 0; i < c->nitems; i++) {
        const struct item *it = &c->items[i];
        if (!it->ran) {
            printf("%-*s  refused: %s\n", wname, it->arg ? it->arg : it->path, it->error);
            continue;
        }
        const struct lt_result *r = &it->res;
        char cond[1100], obs[64], pct[16], wps[32], sc[32], tso[32];
        cond_cell(it->test, wcond, cond, sizeof cond);
        snprintf(pct, sizeof pct, "%.1f%%",
                 r->iterations ? 100.0 * (double)r->positive / (double)r->iterations : 0.0);
        snprintf(obs, sizeof obs, "%llu/%ld %s", (unsigned long long)r->positive, r->iterations,
                 r->positive ? pct : "");
        if (r->positive)
            snprintf(wps, sizeof wps, "%.3f M/s", rate((double)r->positive, r->seconds) / 1e6);
        else
            snprintf(wps, sizeof wps, "-");
        model_cell(it, &it->sc, sc, sizeof sc);
        model_cell(it, &it->tso, tso, sizeof tso);
        printf("%-*s  %-*s  %-10s  %-10s  %25s  %14s  %s\n", wname, it->test->name, wcond, cond, sc, tso, obs, wps,
               verdict(it));
    }
    print_disagreements(c);
}

/* --model-only: the states each model allows, the verdicts, the cost. */
static void print_model_text(const struct item *it)
{
    const struct lt_test *t = it->test;
    printf("Test %s (%s)\n", t->name, it->path);
    const char *q = lt_key(t, "Question");
    if (q)
        printf("Question: %s\n", q);
    print_histogram(it);
    printf("Condition %s (%s): SC %s, x86-TSO %s\n", quant_name(t->quant), t->cond_text, model_word(&it->sc),
           model_word(&it->tso));
    print_models(it);
    if (it->expect < 0)
        printf("EXPECTATION FAILED: %s\n", it->expect_msg);
    printf("\n");
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
        struct item *it = &c->items[i];
        if (it->ran)
            lt_result_free(&it->res);
        lt_model_free(&it->sc);
        lt_model_free(&it->tso);
        lt_test_free(it->test);
        free(it->source);
        free(it->path);
    }
    free(c->items);
}

/* --explain: one x86-TSO execution per test; a test too large is a one-line error. */
static int explain_items(struct cli *c, int status)
{
    for (int i = 0; i < c->nitems; i++) {
        struct item *it = &c->items[i];
        if (!it->test)
            continue;
        char err[512];
        if (i > 0)
            printf("\n");
        fflush(stdout);
        if (lt_explain(stdout, it->test, c->model_budget, err, sizeof err) != 0) {
            fflush(stdout);
            fprintf(stderr, "litmus: %s\n", err);
            status = 2;
        }
    }
    return status;
}

static bool too_large(const struct item *it)
{
    return it->sc.too_large || it->tso.too_large;
}

/* --model-only: enumerate, print, check --expect; no code is compiled or run. */
static int model_only(struct cli *c, int status)
{
    for (int i = 0; i < c->nitems; i++) {
        struct item *it = &c->items[i];
        if (!it->modeled)
            continue;
        if (too_large(it)) {
            snprintf(it->error, sizeof it->error, "%s: too large to enumerate (%ld states)", it->test->name,
                     it->sc.too_large ? it->sc.explored : it->tso.explored);
            if (!c->json)
                fprintf(stderr, "litmus: %s\n", it->error);
            it->modeled = false; /* shown as refused */
            status = 2;
            continue;
        }
        if (c->expect)
            check_model_expect(it);
        if (it->expect < 0 && status == 0)
            status = 1;
        if (!c->json && !c->summary_only)
            print_model_text(it);
    }
    if (c->json)
        print_json(c);
    else if (c->summary_only || c->nitems > 1)
        print_model_summary(c);
    for (int i = 0; i < c->nitems && !c->json; i++)
        if (c->items[i].expect < 0)
            fprintf(stderr, "litmus: expectation failed: %s\n", c->items[i].expect_msg);
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
        status = 2;
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
        struct item *it = &c->items[i];
        if (!it->test || !it->fns)
            continue;
        model_item(c, it);
        c->label = it->test->name;
        char err[512], key[1024];
        lt_tune_key(key, sizeof key, it->test->name, it->test->cond_text);
        c->opt.tune_key = key;
        /* a test whose instances are slow (a grace period each) names its own default */
        struct lt_options o = c->opt;
        const char *own = lt_key(it->test, "Iterations");
        if (own && !c->iterations_given && atol(own) > 0 && atol(own) < o.iterations)
            o.iterations = atol(own);
        if (lt_run(it->test, it->fns, &o, &it->res, err, sizeof err) != 0) {
            snprintf(it->error, sizeof it->error, "%s: %s", it->path, err);
            fprintf(stderr, "litmus: %s\n", it->error);
            status = 2;
            continue;
        }
        if (c->progress_shown) {
            fputs("\r\033[K", stderr);
            c->progress_shown = false;
        }
        it->ran = true;
        if (c->expect)
            check_expect(it);
        if (it->expect < 0 && status == 0)
            status = 1;
        if (!c->json && !c->summary_only)
            print_text(it, &c->opt);
        fflush(stdout);
    }
    if (c->json)
        print_json(c);
    else if (c->summary_only || c->nitems > 1)
        print_summary(c);
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
    c.opt.tune = LT_TUNE_ALL; /* each setting option given clears its bit */
    c.model_budget = LT_MODEL_BUDGET;
    int rc = parse_options(&c, argc, argv);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (c.no_tune)
        c.opt.tune = 0;
    if (c.list) {
        list_catalog();
        return 0;
    }
    int nfiles = argc - optind;
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
    for (int i = optind; i < argc; i++)
        add_item(&c.items[c.nitems++], argv[i]);

    int status = 0;
    for (int i = 0; i < c.nitems; i++) {
        if (!c.items[i].test) {
            if (!c.json)
                fprintf(stderr, "litmus: %s\n", c.items[i].error);
            status = 2;
        }
    }
    if (c.explain) {
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
    return status;
}
