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
    "usage: lockstress --lock NAME [--threads N] [--seconds S] [--cs-ns NS] [--read-pct P]\n"
    "                  [--pin] [--json]\n"
    "       lockstress --list\n";

static const char help[] =
    "Each thread loops: acquire, a critical section of about NS nanoseconds that checks\n"
    "it is alone (plain owner field and counter), release.  Reports acquisitions per\n"
    "second, per-thread counts, the Jain fairness index, handoffs (owner changes), the\n"
    "longest wait, and violations.  Exit status 1 on any violation.\n"
    "\n"
    "  --lock NAME     a lock from --list\n"
    "  --threads N     threads, 1..1024 (default 2); more than the CPUs oversubscribes\n"
    "  --seconds S     how long to run, 0.001..3600 (default 1)\n"
    "  --cs-ns NS      busy work inside each critical section, 0..10000000 ns (default 0)\n"
    "  --read-pct P    for rwlocks and configs: P %% of operations are reads (default 90\n"
    "                  for those kinds; not allowed for plain mutexes)\n"
    "  --pin           pin thread i to CPU i (wrapping)\n"
    "  --json          print one JSON object instead of the table\n"
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
    printf("  Jain index    %12.4f  (whole run; 1 = every thread equal, %.3f = one thread took all)\n",
           r->jain, 1.0 / r->threads);
    printf("  Jain, %2d ms   %12.4f  (mean over %u windows of %d ms: short-term fairness)\n",
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
    printf("],\"jain\":%.6f,\"jain_window\":%.6f,\"window_ms\":%d,\"handoffs\":%llu,"
           "\"wait_p50_ns\":%llu,\"wait_p99_ns\":%llu,\"wait_p999_ns\":%llu,\"max_wait_ns\":%llu,"
           "\"violations\":%llu}\n",
           r->jain, r->jain_window, STRESS_WINDOW_MS, (unsigned long long)r->handoffs,
           (unsigned long long)r->wait_p50_ns, (unsigned long long)r->wait_p99_ns,
           (unsigned long long)r->wait_p999_ns, (unsigned long long)r->max_wait_ns,
           (unsigned long long)r->violations);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"lock", required_argument, 0, 'l'},    {"threads", required_argument, 0, 't'},
        {"seconds", required_argument, 0, 's'}, {"cs-ns", required_argument, 0, 'c'},
        {"read-pct", required_argument, 0, 'r'}, {"pin", no_argument, 0, 'p'},
        {"json", no_argument, 0, 'j'},          {"list", no_argument, 0, 'L'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    struct stress_config cfg = {.threads = 2, .duration_ns = 1000000000ull, .read_pct = -1};
    const char *name = NULL;
    bool json = false, read_pct_given = false;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'l': name = optarg; break;
        case 't': cfg.threads = parse_whole("--threads", optarg, 1, STRESS_MAX_THREADS); break;
        case 's': cfg.duration_ns = (uint64_t)(parse_number("--seconds", optarg, 0.001, 3600) * 1e9); break;
        case 'c': cfg.cs_ns = parse_whole("--cs-ns", optarg, 0, 1e7); break;
        case 'r': cfg.read_pct = (int)parse_whole("--read-pct", optarg, 0, 100); read_pct_given = true; break;
        case 'p': cfg.pin = true; break;
        case 'j': json = true; break;
        case 'L': list_locks(); return 0;
        case 'h': printf("%s\n%s", usage, help); return 0;
        default: bad_usage("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        bad_usage("unexpected argument '%s'", argv[optind]);
    if (!name)
        bad_usage("%s--lock NAME is required (see lockstress --list)", "");
    cfg.ops = lock_find(name);
    if (!cfg.ops)
        bad_usage("unknown lock '%s' (see lockstress --list)", name);
    if (cfg.ops->kind == LOCK_KIND_MUTEX && read_pct_given)
        bad_usage("--read-pct needs a reader-writer lock or a config; '%s' is a mutex", name);
    if (cfg.ops->kind != LOCK_KIND_MUTEX && !read_pct_given)
        cfg.read_pct = 90;

    struct stress_result *r = malloc(sizeof *r);
    if (!r) {
        fprintf(stderr, "lockstress: out of memory\n");
        return 1;
    }
    enum stress_status st = stress_run(&cfg, r);
    if (st == STRESS_BAD_CONFIG)
        return 2;
    if (st == STRESS_HUNG)
        _exit(3); /* threads are stuck inside the lock; do not wait for them */
    if (json)
        print_json(&cfg, r);
    else
        print_table(&cfg, r);
    free(r);
    return st == STRESS_OK ? 0 : 1;
}
