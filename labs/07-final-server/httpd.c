/* httpd.c: the final lab's program: an errgroup whose members (server, signal watcher, stats logger, test hook) live and die together.
 *
 * Who cancels whom (README.md has the picture):
 *   - every member receives the group's context; the first member to
 *     return an error cancels it (errgroup), and every other member returns
 *     when it sees it done: one exits, all exit.
 *   - the signal watcher is the only thread that takes SIGINT and SIGTERM
 *     (main blocks them before any thread starts, so every thread inherits
 *     the mask, and the watcher reads them from a signalfd).  The first one
 *     cancels the group's context with the cause HTTPD_SIGNALED: graceful
 *     shutdown.  The watcher stays until the server is done, and a second
 *     signal cancels `force`: the server cuts what is left at once.
 *   - main owns `force` and `server_done`; the server cancels server_done as
 *     it returns, which is how the watcher knows it may go.
 *
 * Exit status: 0 after a clean signal-triggered shutdown; 1 when a member
 * failed (one line says which and why); 2 for bad flags; 3 when requests
 * were cut at the shutdown deadline or by a second signal; 4 when
 * --check-leaks found a thread or descriptor left over.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "labs/07-final-server/server.h"
#include "labs/toolkit/errgroup.h"
#include "locks/sys.h"

/* The signal watcher's error: not a failure, the reason the group stops. */
enum { HTTPD_SIGNALED = -101, HTTPD_HOOK_FAILED = -102 };

#define NS_PER_S 1000000000.0

struct member {
    const char *name;
    errgroup_fn fn;
    struct app *app;
    int err;
    char msg[200];
};

struct app {
    struct server srv;
    struct ctx *force;        /* cancelled by a second signal */
    struct ctx *server_done;  /* cancelled by the server as it returns */
    sigset_t signals;         /* SIGINT, SIGTERM */
    int signal_fd;            /* main's; read by the signal watcher only */
    uint64_t stats_interval_ns;
    uint64_t fail_after_ns;
    bool check_leaks;
    int first_signal;
};

/* ---- flags ---- */

static const char USAGE[] =
    "usage: httpd [--addr HOST:PORT] [--workers N] [--shutdown-timeout SEC] [--max-conns N]\n"
    "             [--header-timeout SEC] [--idle-timeout SEC] [--stats-interval SEC]\n"
    "             [--fail-after MS] [--check-leaks]\n"
    "\n"
    "A small HTTP/1.1 server (memlab lab 07).  SIGINT or SIGTERM starts a graceful\n"
    "shutdown: stop accepting, close idle keep-alive connections, finish in-flight\n"
    "requests; a second signal, or the shutdown timeout, cuts what is left.\n"
    "\n"
    "  --addr HOST:PORT        IPv4 address to listen on (default 127.0.0.1:8080);\n"
    "                          port 0 picks a free port.  The bound address is\n"
    "                          printed as 'httpd: listening on HOST:PORT'.\n"
    "  --workers N             worker threads, each an epoll loop (default: CPUs; 1-256)\n"
    "  --shutdown-timeout SEC  how long in-flight requests may take after a signal\n"
    "                          (default 10; 0-86400, fractions allowed)\n"
    "  --max-conns N           open connections at most; more get 503 and are closed\n"
    "                          (default 1024; 1-1000000)\n"
    "  --header-timeout SEC    a request's head must arrive within this, else 408\n"
    "                          (default 10; 0.01-3600)\n"
    "  --idle-timeout SEC      close a keep-alive connection idle this long (default 60)\n"
    "  --stats-interval SEC    a stats logger member prints a line this often (default 0: off)\n"
    "  --fail-after MS         test hook: a member that fails on purpose after MS ms,\n"
    "                          which must bring the whole server down gracefully\n"
    "  --check-leaks           at exit, check that every thread was joined and every\n"
    "                          descriptor closed (exit 4 if not)\n"
    "  --help                  this text\n"
    "\n"
    "Endpoints: /  /healthz  /sleep?ms=N  /echo (POST)  /stats (JSON)\n"
    "Exit status: 0 clean shutdown, 1 a member failed, 2 bad flags, 3 requests cut, 4 leak.\n";

static _Noreturn void usage_error(const char *flag, const char *value, const char *want)
{
    if (value)
        fprintf(stderr, "httpd: %s: '%s': %s (see --help)\n", flag, value, want);
    else
        fprintf(stderr, "httpd: %s: %s (see --help)\n", flag, want);
    exit(2);
}

static unsigned long parse_uint(const char *flag, const char *s, unsigned long lo, unsigned long hi)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || *end || errno || v < lo || v > hi) {
        char want[80];
        snprintf(want, sizeof want, "want a whole number from %lu to %lu", lo, hi);
        usage_error(flag, s, want);
    }
    return v;
}

static uint64_t parse_seconds(const char *flag, const char *s, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!((s[0] >= '0' && s[0] <= '9') || s[0] == '.') || *end || errno || !isfinite(v) || v < lo || v > hi) {
        char want[80];
        snprintf(want, sizeof want, "want seconds from %g to %g", lo, hi);
        usage_error(flag, s, want);
    }
    return (uint64_t)(v * NS_PER_S);
}

static void parse_addr(struct server_opts *o, const char *s)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof o->host)
        usage_error("--addr", s, "want HOST:PORT, e.g. 127.0.0.1:8080");
    memcpy(o->host, s, (size_t)(colon - s));
    o->host[colon - s] = '\0';
    if (strcmp(o->host, "localhost") == 0)
        strcpy(o->host, "127.0.0.1");
    unsigned char probe[4];
    if (sscanf(o->host, "%hhu.%hhu.%hhu.%hhu", &probe[0], &probe[1], &probe[2], &probe[3]) != 4)
        usage_error("--addr", s, "HOST must be an IPv4 address such as 127.0.0.1");
    o->port = (uint16_t)parse_uint("--addr", colon + 1, 0, 65535);
}

static void parse_flags(int argc, char **argv, struct app *a)
{
    enum { F_ADDR = 256, F_WORKERS, F_SHUTDOWN, F_MAXCONNS, F_HEADER, F_IDLE, F_STATS, F_FAIL, F_LEAKS };
    static const struct option opts[] = {
        {"addr", required_argument, 0, F_ADDR},
        {"workers", required_argument, 0, F_WORKERS},
        {"shutdown-timeout", required_argument, 0, F_SHUTDOWN},
        {"max-conns", required_argument, 0, F_MAXCONNS},
        {"header-timeout", required_argument, 0, F_HEADER},
        {"idle-timeout", required_argument, 0, F_IDLE},
        {"stats-interval", required_argument, 0, F_STATS},
        {"fail-after", required_argument, 0, F_FAIL},
        {"check-leaks", no_argument, 0, F_LEAKS},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    struct server_opts *o = &a->srv.opts;
    strcpy(o->host, "127.0.0.1");
    o->port = 8080;
    o->workers = (unsigned)online_cpus();
    o->max_conns = 1024;
    o->shutdown_timeout_ns = 10ull * 1000000000;
    o->header_timeout_ns = 10ull * 1000000000;
    o->idle_timeout_ns = 60ull * 1000000000;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case F_ADDR: parse_addr(o, optarg); break;
        case F_WORKERS: o->workers = (unsigned)parse_uint("--workers", optarg, 1, 256); break;
        case F_SHUTDOWN: o->shutdown_timeout_ns = parse_seconds("--shutdown-timeout", optarg, 0, 86400); break;
        case F_MAXCONNS: o->max_conns = (unsigned)parse_uint("--max-conns", optarg, 1, 1000000); break;
        case F_HEADER: o->header_timeout_ns = parse_seconds("--header-timeout", optarg, 0.01, 3600); break;
        case F_IDLE: o->idle_timeout_ns = parse_seconds("--idle-timeout", optarg, 0.01, 86400); break;
        case F_STATS: a->stats_interval_ns = parse_seconds("--stats-interval", optarg, 0, 86400); break;
        case F_FAIL: a->fail_after_ns = parse_uint("--fail-after", optarg, 1, 86400000) * 1000000ull; break;
        case F_LEAKS: a->check_leaks = true; break;
        case 'h': fputs(USAGE, stdout); exit(0);
        case ':': usage_error(argv[optind - 1], NULL, "needs a value");
        default: usage_error(argv[optind - 1], NULL, "unknown option");
        }
    }
    if (optind < argc)
        usage_error(argv[optind], NULL, "unexpected argument");
    if (o->workers < 1)
        o->workers = 1;
}

/* ---- the members ---- */

/* Every member runs through this, so main can say which one failed. */
static int run_member(struct ctx *ctx, void *arg)
{
    struct member *m = arg;
    m->err = m->fn(ctx, m);
    return m->err;
}

/* The signal watcher: the only thread that takes SIGINT and SIGTERM. */
static int watch_signals(struct ctx *ctx, void *arg)
{
    struct member *m = arg;
    int err = 0;
    /* BEGIN SOLUTION: wait on the signalfd and the context; 1st signal: cancel the group (cause HTTPD_SIGNALED); 2nd: cancel force; return once the server is done */
    struct app *a = m->app;
    /* Phase 1: a signal (stop) or the group stopping for another reason.
     * Phase 2: the server finishing, or a signal (force). */
    struct pollfd p[2] = {{.fd = a->signal_fd, .events = POLLIN}, {.fd = ctx_done_fd(ctx), .events = POLLIN}};
    bool stopping = false;
    for (;;) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            snprintf(m->msg, sizeof m->msg, "poll: %s", strerror(errno));
            ctx_cancel(a->force);
            break;
        }
        struct signalfd_siginfo si;
        if ((p[0].revents & POLLIN) && read(a->signal_fd, &si, sizeof si) == sizeof si) {
            if (!stopping && !ctx_done(ctx)) {
                a->first_signal = (int)si.ssi_signo;
                fprintf(stderr, "httpd: SIG%s: shutting down gracefully (send it again to stop at once)\n",
                        sigabbrev_np((int)si.ssi_signo));
                ctx_cancel_cause(ctx, HTTPD_SIGNALED);
            } else {
                fprintf(stderr, "httpd: SIG%s during shutdown: cutting what is left\n", sigabbrev_np((int)si.ssi_signo));
                ctx_cancel(a->force);
            }
        }
        if (!stopping && ctx_done(ctx)) {
            stopping = true;
            p[1].fd = ctx_done_fd(a->server_done);
        } else if (stopping && ctx_done(a->server_done)) {
            break;
        }
    }
    if (!err && a->first_signal)
        err = HTTPD_SIGNALED;
    /* END SOLUTION (stub: (void)ctx; (void)m; return -1;) */
    return err;
}

static int run_server(struct ctx *ctx, void *arg)
{
    struct member *m = arg;
    int err = server_run(ctx, &m->app->srv);
    snprintf(m->msg, sizeof m->msg, "%s", m->app->srv.errmsg);
    return err;
}

/* Prints a line of counters every --stats-interval, until the group stops. */
static int log_stats(struct ctx *ctx, void *arg)
{
    struct member *m = arg;
    while (ctx_wait_timeout(ctx, m->app->stats_interval_ns) == TK_TIMEOUT) {
        struct server_totals t;
        server_totals(&m->app->srv, &t);
        fprintf(stderr, "httpd: stats: requests %llu, connections %lld (%lld idle, %lld sleeping), errors %llu, "
                "timeouts %llu, refused %llu\n", (unsigned long long)t.requests, (long long)t.active,
                (long long)t.idle, (long long)t.sleeping, (unsigned long long)t.errors,
                (unsigned long long)t.timeouts, (unsigned long long)t.refused);
    }
    return 0;
}

/* The test hook: a member that fails on purpose. */
static int fail_on_purpose(struct ctx *ctx, void *arg)
{
    struct member *m = arg;
    if (ctx_wait_timeout(ctx, m->app->fail_after_ns) != TK_TIMEOUT)
        return 0; /* the group stopped first */
    snprintf(m->msg, sizeof m->msg, "failing on purpose after %llu ms (--fail-after)",
             (unsigned long long)(m->app->fail_after_ns / 1000000));
    return HTTPD_HOOK_FAILED;
}

/* ---- leak check ---- */

static int count_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void *no_op(void *arg) { return arg; }

static int leak_check(int fds0, int threads0)
{
    /* The context timer thread lingers ~50 ms after its last deadline. */
    int threads = count_dir("/proc/self/task"), fds = count_dir("/proc/self/fd");
    for (int i = 0; i < 400 && threads > threads0; i++) {
        sleep_ns(5 * 1000 * 1000);
        threads = count_dir("/proc/self/task");
    }
    bool ok = fds <= fds0 && threads <= threads0 && ctx_live() == 0;
    fprintf(stderr, "httpd: leak check: descriptors %d -> %d, threads %d -> %d, contexts %ld: %s\n", fds0, fds,
            threads0, threads, ctx_live(), ok ? "ok" : "LEAK");
    return ok ? 0 : 4;
}

/* ---- main ---- */

/* The status says why, whatever order the members returned in (the watcher
 * and the server finish at about the same time, so the group's "first
 * error" may be either): a real failure first, then cut requests. */
static int exit_status(struct member *members, int n, int first)
{
    struct member *failed = NULL;
    bool cut = false;
    for (int i = 0; i < n; i++) {
        int e = members[i].err;
        cut |= e == SERVER_ERR_CUT;
        if (e != 0 && e != HTTPD_SIGNALED && e != SERVER_ERR_CUT && (!failed || e == first))
            failed = &members[i];
    }
    if (failed) {
        fprintf(stderr, "httpd: %s failed: %s\n", failed->name, failed->msg[0] ? failed->msg : tk_strerror(failed->err));
        return 1;
    }
    return cut ? 3 : 0; /* the server has said how many were cut */
}

int main(int argc, char **argv)
{
    static struct app a;
    parse_flags(argc, argv, &a);

    /* SIGPIPE: a client that went away makes send() fail with EPIPE, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&a.signals);
    sigaddset(&a.signals, SIGINT);
    sigaddset(&a.signals, SIGTERM);
    /* BEGIN SOLUTION: block SIGINT and SIGTERM here, before any thread exists: threads inherit the mask */
    pthread_sigmask(SIG_BLOCK, &a.signals, NULL);
    /* END SOLUTION */

    int fds0 = 0, threads0 = 0;
    if (a.check_leaks) { /* ThreadSanitizer starts a thread of its own at the first pthread_create */
        pthread_t t;
        if (pthread_create(&t, NULL, no_op, NULL) == 0)
            pthread_join(t, NULL);
        fds0 = count_dir("/proc/self/fd");
        threads0 = count_dir("/proc/self/task");
    }

    a.force = ctx_with_cancel(ctx_background());
    a.server_done = ctx_with_cancel(ctx_background());
    a.srv.force = a.force;
    a.srv.done = a.server_done;
    if (!a.force || !a.server_done || server_init(&a.srv) != 0) {
        fprintf(stderr, "httpd: out of memory\n");
        return 1;
    }
    /* The server goes last: when it prints its address, every thread the
     * process will run exists (tests count them then). */
    struct member all[] = {
        {"signal watcher", watch_signals, &a, 0, ""},
        {"stats logger", log_stats, &a, 0, ""},
        {"fail-after test hook", fail_on_purpose, &a, 0, ""},
        {"server", run_server, &a, 0, ""},
    };
    struct member members[4];
    int n = 0;
    for (int i = 0; i < 4; i++)
        if ((i != 1 || a.stats_interval_ns > 0) && (i != 2 || a.fail_after_ns > 0))
            members[n++] = all[i];

    struct ctx *gctx;
    struct errgroup *g = errgroup_with_context(ctx_background(), &gctx);
    /* Made here, before any member runs, so every descriptor the process
     * keeps exists by the time the server prints its address (tests take
     * /proc/PID/fd then as the baseline). */
    a.signal_fd = signalfd(-1, &a.signals, SFD_CLOEXEC | SFD_NONBLOCK);
    if (!g || a.signal_fd < 0 || ctx_done_fd(gctx) < 0 || ctx_done_fd(a.server_done) < 0) {
        fprintf(stderr, "httpd: cannot start: %s\n", strerror(errno));
        return 1;
    }
    /* BEGIN SOLUTION: start every member in the group; a member that cannot start stops the others */
    for (int i = 0; i < n; i++) {
        int err = errgroup_go(g, run_member, &members[i]);
        if (err) {
            snprintf(members[i].msg, sizeof members[i].msg, "cannot start: %s", tk_strerror(err));
            members[i].err = err;
            ctx_cancel_cause(gctx, err);
            break;
        }
    }
    /* END SOLUTION (stub: (void)run_member;) */
    int err = errgroup_wait(g);
    for (int i = 0; i < n && !err; i++)
        err = members[i].err; /* a member that could not start */
    errgroup_free(g);
    close(a.signal_fd);

    int status = exit_status(members, n, err);
    ctx_close(a.force);
    ctx_close(a.server_done);
    server_free(&a.srv);
    if (a.check_leaks && status == 0)
        status = leak_check(fds0, threads0);
    else if (a.check_leaks)
        leak_check(fds0, threads0);
    return status;
}
