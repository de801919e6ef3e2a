/* lockstress.c: hammer one lock from N threads and report throughput, fairness, handoffs, waits and violations. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "locks/lock.h"
#include "locks/stress.h"

static const char usage[] =
    "usage: lockstress --lock NAME | --all  [--threads N[,N...]] [--seconds S] [--cs-ns NS]\n"
    "                  [--read-pct P] [--pin] [--json]\n"
    "       lockstress --list\n";

static const char help[] =
    "Each thread loops: acquire, a critical section of about NS nanoseconds that checks\n"
    "it is alone (plain owner field and counter), release.  Reports acquisitions per\n"
    "second, per-thread counts, the Jain fairness index, handoffs (owner changes), the\n"
    "longest wait, and violations.  Exit status 1 on any violation.  Each option may\n"
    "be given once (a second --lock is refused, not run instead of the first).\n"
    "\n"
    "  --lock NAME     a lock from --list\n"
    "  --all           every lock in the registry, one table row per run\n"
    "  --threads N     threads, 1..1024 (default 2); more than the CPUs oversubscribes;\n"
    "                  a list such as 2,8 runs each count in turn\n"
    "  --seconds S     how long to run, 0.001..3600 (default 1)\n"
    "  --cs-ns NS      busy work inside each critical section, 0..10000000 ns (default 0)\n"
    "  --read-pct P    for rwlocks and configs: P % of operations are reads (default 90\n"
    "                  for those kinds; not allowed with --lock on a plain mutex)\n"
    "  --pin           pin thread i to CPU i (wrapping)\n"
    "  --json          print one JSON object per run (one per line) instead of tables\n"
    "  --list          list the registry\n";

static _Noreturn void bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "lockstress: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    exit(2);
}

static double parse_number(const char *flag, const char *text, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !isfinite(v) || v < lo || v > hi) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s: '%%s' is not a number from %g to %g", flag, lo, hi);
        bad_usage(msg, text);
    }
    return v;
}

static unsigned parse_whole(const char *flag, const char *text, double lo, double hi)
{
    double v = parse_number(flag, text, lo, hi);
    if (v != floor(v)) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s: '%%s' is not a whole number", flag);
        bad_usage(msg, text);
    }
    return (unsigned)v;
}

static const char *kind_name(enum lock_kind k)
{
    return k == LOCK_KIND_MUTEX ? "mutex" : k == LOCK_KIND_RW ? "rwlock" : "config";
}

static void list_locks(void)
{
    printf("%-26s %-7s %-22s %s\n", "NAME", "KIND", "FLAGS", "WHAT");
    for (const struct lock_ops *const *p = lock_registry; *p; p++) {
        const struct lock_ops *o = *p;
        char flags[64];
        snprintf(flags, sizeof flags, "%s%s%s%s", o->flags & LOCK_FIFO ? "fifo " : "",
                 o->flags & LOCK_SLEEPS ? "sleeps " : "spins ", o->node_size ? "node " : "",
                 o->flags & LOCK_BASELINE ? "baseline" : "");
        printf("%-26s %-7s %-22s %s\n", o->name, kind_name(o->kind), flags, o->summary);
    }
}

/* ns as a short string with a unit people read: "47 ns", "3.2 us", "38.1 ms". */
static char *duration(char buf[16], uint64_t ns)
{
    if (ns < 1000)
        snprintf(buf, 16, "%llu ns", (unsigned long long)ns);
    else if (ns < 1000000)
        snprintf(buf, 16, "%.1f us", (double)ns / 1e3);
    else if (ns < 1000000000)
        snprintf(buf, 16, "%.1f ms", (double)ns / 1e6);
    else
        snprintf(buf, 16, "%.2f s", (double)ns / 1e9);
    return buf;
}

static void print_table(const struct stress_config *c, const struct stress_result *r)
{
    printf("lock %s (%s): %u threads, %.2f s, critical section %llu ns", c->ops->name,
           kind_name(c->ops->kind), r->threads, r->seconds, (unsigned long long)c->cs_ns);
    if (c->read_pct >= 0)
        printf(", %d %% reads", c->read_pct);
    printf("\n");
    printf("  acquisitions  %12llu  (%.0f /s)\n", (unsigned long long)r->total,
           (double)r->total / r->seconds);
    if (c->read_pct >= 0)
        printf("  reads/writes  %12llu / %llu  (at most %u readers inside together)\n",
               (unsigned long long)r->reads, (unsigned long long)r->writes, r->max_readers);
    printf("  per thread   ");
    for (unsigned i = 0; i < r->threads; i++)
        printf(" %llu", (unsigned long long)r->per_thread[i]);
    printf("\n");
    printf("  Jain index    %12.4f  (all threads running; 1 = all equal, %.3f = one took all)\n",
           r->jain, 1.0 / r->threads);
    printf("  Jain, %2d ms   %12.4f  (%u windows of %d ms, weighted by acquisitions)\n",
           STRESS_WINDOW_MS, r->jain_window, r->windows, STRESS_WINDOW_MS);
    printf("  handoffs      %12llu  (%.1f %% of exclusive acquisitions changed the owner)\n",
           (unsigned long long)r->handoffs,
           r->writes ? 100.0 * (double)r->handoffs / (double)r->writes : 0.0);
    char p50[16], p99[16], p999[16], max[16];
    printf("  wait          p50 %s, p99 %s, p99.9 %s, max %s  (asking to holding)\n",
           duration(p50, r->wait_p50_ns), duration(p99, r->wait_p99_ns),
           duration(p999, r->wait_p999_ns), duration(max, r->max_wait_ns));
    printf("  violations    %12llu%s\n", (unsigned long long)r->violations,
           r->violations ? "  <-- MUTUAL EXCLUSION OR SNAPSHOT BROKEN" : "");
}

static void print_json(const struct stress_config *c, const struct stress_result *r)
{
    printf("{\"lock\":\"%s\",\"kind\":\"%s\",\"threads\":%u,\"seconds\":%.6f,\"cs_ns\":%llu,"
           "\"read_pct\":%d,\"acquisitions\":%llu,\"acquisitions_per_sec\":%.1f,"
           "\"reads\":%llu,\"writes\":%llu,\"max_readers\":%u,\"per_thread\":[",
           c->ops->name, kind_name(c->ops->kind), r->threads, r->seconds,
           (unsigned long long)c->cs_ns, c->read_pct, (unsigned long long)r->total,
           (double)r->total / r->seconds, (unsigned long long)r->reads,
           (unsigned long long)r->writes, r->max_readers);
    for (unsigned i = 0; i < r->threads; i++)
        printf("%s%llu", i ? "," : "", (unsigned long long)r->per_thread[i]);
    printf("],\"repeats\":[");
    for (unsigned i = 0; i < r->threads; i++)
        printf("%s%llu", i ? "," : "", (unsigned long long)r->repeats[i]);
    printf("],\"jain\":%.6f,\"jain_window\":%.6f,\"window_ms\":%d,\"handoffs\":%llu,"
           "\"wait_p50_ns\":%llu,\"wait_p99_ns\":%llu,\"wait_p999_ns\":%llu,\"max_wait_ns\":%llu,"
           "\"violations\":%llu}\n",
           r->jain, r->jain_window, STRESS_WINDOW_MS, (unsigned long long)r->handoffs,
           (unsigned long long)r->wait_p50_ns, (unsigned long long)r->wait_p99_ns,
           (unsigned long long)r->wait_p999_ns, (unsigned long long)r->max_wait_ns,
           (unsigned long long)r->violations);
}

enum { MAX_THREAD_COUNTS = 16 };

/* "8" or "1,2,4,8": the thread counts to run.  Every comma separates two
 * counts: "2," or "2,,4" is a typo, refused rather than read as "2" or
 * "2,4" (strtok would skip the empty items). */
static unsigned parse_thread_list(const char *text, unsigned *counts)
{
    char copy[256];
    if (strlen(text) >= sizeof copy)
        bad_usage("--threads: '%s' is too long", text);
    strcpy(copy, text);
    unsigned n = 0;
    char *item = copy;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        if (*item == '\0')
            bad_usage("--threads: '%s' has an empty count (a comma at the start, at the end, or twice)", text);
        if (n == MAX_THREAD_COUNTS)
            bad_usage("--threads: at most 16 counts in '%s'", text);
        counts[n++] = parse_whole("--threads", item, 1, STRESS_MAX_THREADS);
        if (!comma)
            break;
        item = comma + 1;
    }
    return n;
}

/* One row of the --all table; the header comes first. */
static void print_row(const struct stress_config *c, const struct stress_result *r)
{
    char p999[16], max[16];
    if (!c) {
        printf("%-26s %4s %7s %12s %7s %7s %9s %10s %10s %5s\n", "lock", "thr", "reads%",
               "acq/s", "jain", "jain10", "handoff%", "wait99.9", "wait max", "viol");
        return;
    }
    char reads[sizeof "-2147483648"] = "-"; /* room for any int */
    if (c->read_pct >= 0)
        snprintf(reads, sizeof reads, "%d", c->read_pct);
    printf("%-26s %4u %7s %12.0f %7.3f %7.3f %9.1f %10s %10s %5llu\n", c->ops->name, r->threads,
           reads, (double)r->total / r->seconds, r->jain, r->jain_window,
           r->writes ? 100.0 * (double)r->handoffs / (double)r->writes : 0.0,
           duration(p999, r->wait_p999_ns), duration(max, r->max_wait_ns),
           (unsigned long long)r->violations);
}

/* Run one configuration and print it; returns the exit status it earns. */
static int run_one(struct stress_config *cfg, struct stress_result *r, bool json, bool rows)
{
    enum stress_status st = stress_run(cfg, r);
    if (st == STRESS_BAD_CONFIG)
        exit(2);
    if (st == STRESS_HUNG) {
        fflush(stdout);
        _exit(3); /* threads are stuck inside the lock; do not wait for them */
    }
    if (json)
        print_json(cfg, r);
    else if (rows)
        print_row(cfg, r);
    else
        print_table(cfg, r);
    fflush(stdout);
    return st == STRESS_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"lock", required_argument, 0, 'l'},    {"threads", required_argument, 0, 't'},
        {"seconds", required_argument, 0, 's'}, {"cs-ns", required_argument, 0, 'c'},
        {"read-pct", required_argument, 0, 'r'}, {"pin", no_argument, 0, 'p'},
        {"json", no_argument, 0, 'j'},          {"list", no_argument, 0, 'L'},
        {"all", no_argument, 0, 'a'},           {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    struct stress_config cfg = {.duration_ns = 1000000000ull, .read_pct = -1};
    unsigned counts[MAX_THREAD_COUNTS] = {2}, ncounts = 1;
    const char *name = NULL;
    bool json = false, all = false, read_pct_given = false;
    /* An option that takes a value may be given once: with two, one would
     * silently win (`--lock ticket --lock tas` would run tas alone). */
    const char *given[128] = {0};
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (opt > 0 && opt < 128 && optarg) {
            if (given[opt]) {
                const struct option *o = longopts;
                while (o->name && o->val != opt)
                    o++;
                fprintf(stderr, "lockstress: --%s given twice ('%s' and '%s'): give it once\n%s",
                        o->name ? o->name : "?", given[opt], optarg, usage);
                exit(2);
            }
            given[opt] = optarg;
        }
        switch (opt) {
        case 'l': name = optarg; break;
        case 't': ncounts = parse_thread_list(optarg, counts); break;
        case 's': cfg.duration_ns = (uint64_t)(parse_number("--seconds", optarg, 0.001, 3600) * 1e9); break;
        case 'c': cfg.cs_ns = parse_whole("--cs-ns", optarg, 0, 1e7); break;
        case 'r': cfg.read_pct = (int)parse_whole("--read-pct", optarg, 0, 100); read_pct_given = true; break;
        case 'p': cfg.pin = true; break;
        case 'j': json = true; break;
        case 'a': all = true; break;
        case 'L': list_locks(); return 0;
        case 'h': printf("%s\n%s", usage, help); return 0;
        default: bad_usage("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        bad_usage("unexpected argument '%s'", argv[optind]);
    if (all == (name != NULL))
        bad_usage("%sgive exactly one of --lock NAME and --all (see lockstress --list)", "");
    const struct lock_ops *one[2] = {NULL, NULL};
    const struct lock_ops *const *locks = lock_registry;
    if (name) {
        if (!(one[0] = lock_find(name)))
            bad_usage("unknown lock '%s' (see lockstress --list)", name);
        if (one[0]->kind == LOCK_KIND_MUTEX && read_pct_given)
            bad_usage("--read-pct needs a reader-writer lock or a config; '%s' is a mutex", name);
        locks = one;
    }

    struct stress_result *r = malloc(sizeof *r);
    if (!r) {
        fprintf(stderr, "lockstress: out of memory\n");
        return 1;
    }
    bool rows = !json && (all || ncounts > 1);
    if (rows)
        print_row(NULL, NULL);
    int status = 0, given_pct = cfg.read_pct;
    for (const struct lock_ops *const *p = locks; *p; p++)
        for (unsigned i = 0; i < ncounts; i++) {
            cfg.ops = *p;
            cfg.threads = counts[i];
            /* mutexes have no read side; the others default to 90 % reads */
            cfg.read_pct = (*p)->kind == LOCK_KIND_MUTEX ? -1 : read_pct_given ? given_pct : 90;
            if (run_one(&cfg, r, json, rows) != 0)
                status = 1;
        }
    free(r);
    return status;
}
