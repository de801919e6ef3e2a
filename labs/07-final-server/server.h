/* server.h: httpd's HTTP/1.1 server: one epoll loop per worker thread, run as one member of httpd's errgroup.
 *
 * Life of a server (server_run is the errgroup task):
 *   1. bind and listen (a failure, e.g. EADDRINUSE, is the member's error:
 *      the group's context is cancelled and every other member returns);
 *      print "httpd: listening on HOST:PORT" on stdout.
 *   2. start the workers in an errgroup of their own, whose context is a
 *      child of the group's: a worker that fails stops the server, and the
 *      group stopping stops the workers.  Each worker owns an epoll set, the
 *      connections it accepted, and their buffers; no connection is ever
 *      touched by two threads.
 *   3. wait until that context is done, then shut down gracefully: stop
 *      accepting (shutdown(2) on the listening socket: new connections are
 *      refused at once), every worker closes its idle keep-alive
 *      connections, answers what is in flight with "Connection: close", and
 *      returns when it has no connection left.
 *   4. if the workers are not done within shutdown_timeout_ns, or `force`
 *      is cancelled (httpd's signal watcher does that on a second signal),
 *      cancel `cut`: the workers close what remains and count it.
 *   5. join the workers, close the listening socket, cancel `done` (so
 *      the signal watcher knows the server is finished), and return 0, the
 *      first worker error, or SERVER_ERR_CUT when requests were cut.
 *
 * Memory: the caller owns struct server (zero it, fill opts, set force and
 * done, server_init), keeps force and done alive until server_run has
 * returned, then calls server_free.
 */
#ifndef MEMLAB_HTTPD_SERVER_H
#define MEMLAB_HTTPD_SERVER_H

#include <stdatomic.h>
#include <stdint.h>

#include "labs/toolkit/context.h"
#include "locks/sys.h"

/* The server's own error values, beside errno values and the toolkit's. */
enum { SERVER_ERR_CUT = -100 };

struct server_opts {
    char host[64];
    uint16_t port;             /* 0: the kernel picks a free port */
    unsigned workers;
    unsigned max_conns;
    uint64_t shutdown_timeout_ns;
    uint64_t header_timeout_ns; /* a request's head (and body) must arrive within this */
    uint64_t idle_timeout_ns;   /* a keep-alive connection with nothing to do is closed after this */
};

/* One worker's counters.  Each field is written by its worker only
 * (single writer: a relaxed load and store, a plain MOV on x86, no locked
 * instruction) and read by /stats and the stats logger from any thread
 * (relaxed loads: a snapshot, each counter exact, the set not atomic).
 * Padded so that two workers' counters never share a cache line. */
struct worker_stats {
    CACHE_ALIGNED atomic_uint_least64_t requests; /* responses sent (any status) */
    atomic_uint_least64_t errors;     /* 4xx/5xx answers to bad input, plus I/O errors */
    atomic_uint_least64_t timeouts;   /* 408s and idle closes */
    atomic_uint_least64_t refused;    /* connections over --max-conns */
    atomic_uint_least64_t cut;        /* requests cut at the shutdown deadline */
    atomic_int_least64_t active;      /* open connections */
    atomic_int_least64_t idle;        /* of which idle keep-alive */
    atomic_int_least64_t sleeping;    /* of which waiting in /sleep */
};

struct server_totals {
    uint64_t requests, errors, timeouts, refused, cut;
    int64_t active, idle, sleeping;
};

struct worker;

struct server {
    struct server_opts opts;
    struct ctx *force;  /* caller's: cancelled means cut everything now */
    struct ctx *done;   /* caller's: server_run cancels it as it returns */
    /* owned by server_run */
    int listen_fd;
    char bound[80];     /* "127.0.0.1:PORT" once listening */
    char errmsg[160];   /* why server_run failed, for httpd's one-line message */
    struct ctx *cut;    /* cancelled when in-flight requests must be cut */
    atomic_int conns;   /* open connections, all workers: the --max-conns check */
    struct worker *workers;
    struct worker_stats *stats; /* opts.workers entries */
    uint64_t shutdown_began_ns;
    bool deadline_passed;
};

/* Allocate the workers' state (before any thread can call server_totals);
 * 0 or ENOMEM.  server_free after server_run has returned. */
int server_init(struct server *s);
void server_free(struct server *s);

/* The errgroup task: arg is the struct server. */
int server_run(struct ctx *ctx, void *arg);

/* Sum every worker's counters (any thread, while the server runs). */
void server_totals(struct server *s, struct server_totals *t);

#endif
