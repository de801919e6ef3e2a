/* server.c: httpd's workers (an epoll loop each, owning their connections) and the graceful-shutdown sequence.
 *
 * A connection's states (struct conn, owned by one worker):
 *   reading   in[] holds 0..n bytes of the next request(s); when in_len is
 *             0 and nothing is queued to send it is *idle* (a keep-alive
 *             connection between requests), the only state shutdown may
 *             close without answering
 *   sleeping  a /sleep request waits on its timerfd; later pipelined
 *             requests wait in in[] so that answers keep their order
 *   closing   close_after_write: the last answer is queued; close once
 *             out[] is sent
 *   lingering after an error answer: our side is shut down for writing and
 *             whatever the client still sends is read and dropped, until
 *             it closes or LINGER_NS passes; closing at once with unread
 *             input would make the kernel send a reset, which can destroy
 *             the error answer before the client has read it
 * Every state change goes through conn_update(), which keeps the epoll
 * interest mask and the idle/sleeping counters in step with the state.
 *
 * epoll data: a struct conn pointer (8-aligned) for a socket, the same
 * pointer | 1 for its sleep timer, or one of the small TAG_ values.
 */
#include "labs/07-final-server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "labs/07-final-server/http_parse.h"
#include "labs/toolkit/errgroup.h"
#include "labs/toolkit/waitgroup.h"

enum { TAG_LISTEN = 2, TAG_STOP = 4, TAG_CUT = 6 };

#define IN_INITIAL (HTTP_MAX_REQUEST_LINE + HTTP_MAX_HEADER_BYTES + 512)
#define OUT_HIGH_WATER (64 * 1024) /* stop answering pipelined requests until out[] drains */
#define SLEEP_MAX_MS 60000
#define SWEEP_NS (100 * 1000 * 1000ull)
#define LINGER_NS (500 * 1000 * 1000ull)
/* At shutdown an idle keep-alive connection is closed after this grace, not
 * at once: a client such as wrk sends its next request the moment it has an
 * answer, and closing under a request already on the wire makes the client
 * see an error.  In the grace, such a request is answered with Connection:
 * close; a connection that stays silent is closed. */
#define DRAIN_IDLE_GRACE_NS (50 * 1000 * 1000ull)

#define ROOT_BODY "hello from memlab httpd\n"

struct conn {
    int fd;
    int timer_fd;            /* -1 unless sleeping */
    struct conn *prev, *next;
    char *in;
    size_t in_len, in_cap;
    char *out;
    size_t out_len, out_off, out_cap;
    uint64_t deadline_ns;    /* header, body or idle timeout */
    bool request_started;    /* bytes of a request have arrived: header timeout runs */
    bool reading_body;       /* its head is complete: each read of the body re-arms the timeout */
    bool sleeping;
    bool sleep_keep_alive, sleep_head; /* the sleeping request's answer */
    unsigned sleep_ms;
    int sleep_minor;
    bool continue_sent;
    bool close_after_write;
    bool linger_on_close;    /* an error answer: linger before closing */
    bool lingering;
    bool peer_eof;
    bool idle, counted_sleeping; /* as last counted in the worker's stats */
    uint32_t events;         /* the epoll interest now registered */
    struct conn *next_dead;  /* closed, freed after the current batch of events */
};

struct worker {
    struct server *srv;
    struct worker_stats *st;
    int ep;
    struct conn *conns;
    unsigned nconns;         /* open connections on the list above */
    struct conn *dead;       /* closed this batch: later events may still name them */
    bool draining;           /* shutdown began: no new requests on kept-alive connections */
    bool listening;
    time_t date_sec;
    char date[40];           /* "Date: ...\r\n", refreshed once a second */
};

/* ---- counters: single writer (this worker), see struct worker_stats ---- */

static void bump(atomic_uint_least64_t *c, uint64_t by)
{
    single_writer_add(c, by); /* sys.h */
}

static void gauge(atomic_int_least64_t *g, int64_t by)
{
    single_writer_add(g, by); /* sys.h */
}

void server_totals(struct server *s, struct server_totals *t)
{
    memset(t, 0, sizeof *t);
    for (unsigned i = 0; i < s->opts.workers; i++) {
        struct worker_stats *w = &s->stats[i];
        t->requests += atomic_load_explicit(&w->requests, memory_order_relaxed);
        t->errors += atomic_load_explicit(&w->errors, memory_order_relaxed);
        t->timeouts += atomic_load_explicit(&w->timeouts, memory_order_relaxed);
        t->refused += atomic_load_explicit(&w->refused, memory_order_relaxed);
        t->cut += atomic_load_explicit(&w->cut, memory_order_relaxed);
        t->active += atomic_load_explicit(&w->active, memory_order_relaxed);
        t->idle += atomic_load_explicit(&w->idle, memory_order_relaxed);
        t->sleeping += atomic_load_explicit(&w->sleeping, memory_order_relaxed);
    }
}

/* ---- buffers ---- */

static bool reserve(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    char *p = realloc(*buf, n);
    if (!p)
        return false;
    *buf = p;
    *cap = n;
    return true;
}

static bool out_append(struct conn *c, const void *data, size_t n)
{
    if (!reserve(&c->out, &c->out_cap, c->out_len + n))
        return false;
    memcpy(c->out + c->out_len, data, n);
    c->out_len += n;
    return true;
}

static const char *reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

static const char *date_header(struct worker *w)
{
    time_t now = time(NULL);
    if (now != w->date_sec) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(w->date, sizeof w->date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        w->date_sec = now;
    }
    return w->date;
}

/* What a response says. */
struct response {
    int status;
    const char *ctype;
    const void *body;
    size_t len;
    const char *extra; /* more header lines, each ending in \r\n, or NULL */
};

/* How the request wants it answered. */
struct answer {
    int minor;       /* HTTP/1.minor */
    bool head_only;  /* HEAD: the headers of GET, no body */
    bool keep_alive; /* false: Connection: close, and close once it is sent */
};

/* A text/plain response whose body is a string literal, with more header
 * lines (or NULL).  The compiler counts the body ("" literal is a syntax
 * error for anything but a literal, so sizeof never sees a pointer). */
#define TEXT_LITERAL(code, literal, extra_headers)                                                \
    ((struct response){.status = (code), .ctype = "text/plain", .body = "" literal,                \
                       .len = sizeof("" literal) - 1, .extra = (extra_headers)})

/* Queue one whole response. */
static void respond(struct worker *w, struct conn *c, struct answer how, struct response rs)
{
    int status = rs.status, minor = how.minor;
    size_t len = rs.len;
    bool keep_alive = how.keep_alive;
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.%d %d %s\r\nServer: memlab-httpd\r\n%sContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n%s%s\r\n",
                     minor, status, reason(status), date_header(w), rs.ctype, len,
                     keep_alive ? (minor == 0 ? "Connection: keep-alive\r\n" : "") : "Connection: close\r\n",
                     rs.extra ? rs.extra : "");
    if (!out_append(c, head, (size_t)n) || (!how.head_only && !out_append(c, rs.body, len)))
        keep_alive = false; /* out of memory: whatever is queued goes, then close */
    if (!keep_alive)
        c->close_after_write = true;
    bump(&w->st->requests, 1);
    if (status >= 400)
        bump(&w->st->errors, 1);
}

static void respond_error(struct worker *w, struct conn *c, int status, const char *why, int minor)
{
    char body[160];
    int n = snprintf(body, sizeof body, "%d %s: %s\n", status, reason(status), why);
    respond(w, c, (struct answer){.minor = minor},
            (struct response){.status = status, .ctype = "text/plain", .body = body, .len = (size_t)n});
    c->linger_on_close = true;
}

/* ---- endpoints ---- */

static void handle_stats(struct worker *w, struct conn *c, const struct http_request *r, bool ka)
{
    struct server_totals t;
    server_totals(w->srv, &t);
    char body[400];
    int n = snprintf(body, sizeof body,
                     "{\"requests\":%llu,\"active_connections\":%lld,\"idle_connections\":%lld,"
                     "\"sleeping\":%lld,\"errors\":%llu,\"timeouts\":%llu,\"refused\":%llu,"
                     "\"cut\":%llu,\"workers\":%u}\n",
                     (unsigned long long)t.requests, (long long)t.active, (long long)t.idle,
                     (long long)t.sleeping, (unsigned long long)t.errors, (unsigned long long)t.timeouts,
                     (unsigned long long)t.refused, (unsigned long long)t.cut, w->srv->opts.workers);
    respond(w, c, (struct answer){r->minor, r->method == HTTP_HEAD, ka},
            (struct response){.status = 200, .ctype = "application/json", .body = body, .len = (size_t)n});
}

static bool start_sleep(struct worker *w, struct conn *c, unsigned ms);

static bool path_is(const struct http_request *r, const char *p)
{
    return r->path_len == strlen(p) && memcmp(r->path, p, r->path_len) == 0;
}

/* One complete request (head and body).  Returns false when the answer is
 * deferred (/sleep). */
static bool handle_request(struct worker *w, struct conn *c, const struct http_request *r, const char *body)
{
    bool ka = r->keep_alive && !w->draining && !c->peer_eof;
    bool head = r->method == HTTP_HEAD;
    const struct answer as_asked = {r->minor, head, ka}, full_body = {r->minor, false, ka};
    if (r->method == HTTP_OTHER) {
        respond(w, c, (struct answer){.minor = r->minor},
                TEXT_LITERAL(501, "501 Not Implemented: method\n", NULL));
        return true;
    }
    if (path_is(r, "/echo")) {
        if (r->method != HTTP_POST)
            respond(w, c, as_asked, TEXT_LITERAL(405, "405 use POST\n", "Allow: POST\r\n"));
        else
            respond(w, c, full_body,
                    (struct response){.status = 200, .ctype = "application/octet-stream", .body = body,
                                      .len = r->content_length});
        return true;
    }
    if (r->method == HTTP_POST) {
        respond(w, c, full_body, TEXT_LITERAL(405, "405 use GET\n", "Allow: GET, HEAD\r\n"));
        return true;
    }
    if (path_is(r, "/")) {
        respond(w, c, as_asked, TEXT_LITERAL(200, ROOT_BODY, NULL));
    } else if (path_is(r, "/healthz")) {
        respond(w, c, as_asked, TEXT_LITERAL(200, "ok\n", NULL));
    } else if (path_is(r, "/stats")) {
        handle_stats(w, c, r, ka);
    } else if (path_is(r, "/sleep")) {
        const char *v;
        size_t vl;
        unsigned long ms = 0;
        bool ok = http_query_get(r->query, r->query_len, "ms", &v, &vl) && vl > 0 && vl <= 5;
        for (size_t i = 0; ok && i < vl; i++) {
            ok = v[i] >= '0' && v[i] <= '9';
            ms = ms * 10 + (unsigned long)(v[i] - '0');
        }
        if (!ok || ms > SLEEP_MAX_MS) {
            respond(w, c, as_asked, TEXT_LITERAL(400, "400 want /sleep?ms=0..60000\n", NULL));
            return true;
        }
        c->sleep_head = head;
        c->sleep_minor = r->minor;
        c->sleep_keep_alive = r->keep_alive; /* draining is re-checked when it wakes */
        if (!start_sleep(w, c, (unsigned)ms))
            respond(w, c, (struct answer){r->minor, head, false}, TEXT_LITERAL(500, "500 no timer\n", NULL));
        return !c->sleeping;
    } else {
        respond(w, c, as_asked, TEXT_LITERAL(404, "404 Not Found\n", NULL));
    }
    return true;
}

/* ---- connection bookkeeping ---- */

static void conn_set_events(struct worker *w, struct conn *c, uint32_t ev)
{
    if (ev == c->events)
        return;
    struct epoll_event e = {.events = ev, .data.ptr = c};
    epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &e);
    c->events = ev;
}

/* After every step: epoll interest and counters follow the state. */
static void conn_update(struct worker *w, struct conn *c)
{
    bool pending = c->out_off < c->out_len;
    bool can_read = c->lingering ||
                    (!c->sleeping && !c->close_after_write && !c->peer_eof && c->in_len < c->in_cap);
    conn_set_events(w, c, (can_read ? EPOLLIN : 0u) | (pending ? EPOLLOUT : 0u));
    bool idle = !c->sleeping && !pending && c->in_len == 0 && !c->close_after_write;
    if (idle != c->idle) {
        gauge(&w->st->idle, idle ? 1 : -1);
        c->idle = idle;
    }
    if (c->sleeping != c->counted_sleeping) {
        gauge(&w->st->sleeping, c->sleeping ? 1 : -1);
        c->counted_sleeping = c->sleeping;
    }
}

static void conn_close(struct worker *w, struct conn *c)
{
    if (c->timer_fd >= 0)
        close(c->timer_fd);
    close(c->fd); /* also removes it from the epoll set */
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->nconns--;
    if (c->idle)
        gauge(&w->st->idle, -1);
    if (c->counted_sleeping)
        gauge(&w->st->sleeping, -1);
    gauge(&w->st->active, -1);
    atomic_fetch_sub_explicit(&w->srv->conns, 1, memory_order_relaxed); /* a count only: orders nothing */
    c->fd = -1;
    c->timer_fd = -1;
    c->idle = c->counted_sleeping = false;
    c->next_dead = w->dead;
    w->dead = c;
}

static void free_dead(struct worker *w)
{
    while (w->dead) {
        struct conn *c = w->dead;
        w->dead = c->next_dead;
        free(c->in);
        free(c->out);
        free(c);
    }
}

/* A connection still owes an answer (or is receiving a request). */
static bool conn_busy(const struct conn *c)
{
    return c->sleeping || c->out_off < c->out_len || c->in_len > 0;
}

static bool start_sleep(struct worker *w, struct conn *c, unsigned ms)
{
    c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (c->timer_fd < 0)
        return false;
    struct itimerspec it = {.it_value = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L + 1}};
    struct epoll_event e = {.events = EPOLLIN, .data.u64 = (uint64_t)(uintptr_t)c | 1u};
    if (timerfd_settime(c->timer_fd, 0, &it, NULL) < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, c->timer_fd, &e) < 0) {
        close(c->timer_fd);
        c->timer_fd = -1;
        return false;
    }
    c->sleep_ms = ms;
    c->sleeping = true;
    return true;
}

static void process(struct worker *w, struct conn *c);

static void finish_sleep(struct worker *w, struct conn *c)
{
    close(c->timer_fd); /* also removes it from the epoll set */
    c->timer_fd = -1;
    c->sleeping = false;
    char body[48];
    int n = snprintf(body, sizeof body, "slept %u ms\n", c->sleep_ms);
    bool ka = c->sleep_keep_alive && !w->draining && !c->peer_eof;
    respond(w, c, (struct answer){c->sleep_minor, c->sleep_head, ka},
            (struct response){.status = 200, .ctype = "text/plain", .body = body, .len = (size_t)n});
    process(w, c);
}

/* Send what out[] holds; false when the connection is gone. */
static bool flush(struct worker *w, struct conn *c)
{
    if (c->lingering)
        return true; /* nothing left to send */
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            bump(&w->st->errors, 1);
            conn_close(w, c);
            return false;
        }
        c->out_off += (size_t)n;
    }
    if (c->out_off < c->out_len) /* a client that never reads its answers is closed after idle_timeout */
        c->deadline_ns = now_ns() + w->srv->opts.idle_timeout_ns;
    if (c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
        if (c->close_after_write && c->linger_on_close && !c->peer_eof) {
            shutdown(c->fd, SHUT_WR);
            c->lingering = true;
            c->in_len = 0;
            c->deadline_ns = now_ns() + LINGER_NS;
            return true;
        }
        if (c->close_after_write || (c->peer_eof && !c->sleeping && c->in_len == 0)) {
            conn_close(w, c);
            return false;
        }
    }
    return true;
}

/* Parse and answer every complete request in in[], in order, until one
 * sleeps, the answer backlog is high, or the input runs out; then send. */
static bool answer_requests(struct worker *w, struct conn *c)
{
    while (!c->sleeping && !c->close_after_write && c->in_len > 0) {
        if (c->out_len >= OUT_HIGH_WATER)
            return true;
        struct http_request r;
        enum http_parse_result res = http_parse_request(c->in, c->in_len, &r);
        if (res == HTTP_PARSE_ERROR) {
            respond_error(w, c, r.status, r.error, 1);
            break;
        }
        if (res == HTTP_PARSE_INCOMPLETE) {
            if (!c->request_started) {
                c->request_started = true;
                c->deadline_ns = now_ns() + w->srv->opts.header_timeout_ns;
            }
            break;
        }
        size_t need = r.head_len + r.content_length;
        if (c->in_len < need) {
            if (!reserve(&c->in, &c->in_cap, need)) {
                respond_error(w, c, 500, "out of memory", r.minor);
                break;
            }
            if (r.expect_continue && !c->continue_sent) {
                out_append(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
                c->continue_sent = true;
            }
            if (!c->reading_body) {
                c->request_started = c->reading_body = true;
                c->deadline_ns = now_ns() + w->srv->opts.header_timeout_ns;
            }
            break;
        }
        handle_request(w, c, &r, c->in + r.head_len);
        memmove(c->in, c->in + need, c->in_len - need);
        c->in_len -= need;
        c->continue_sent = false;
        c->request_started = c->reading_body = false;
        c->deadline_ns = now_ns() + w->srv->opts.idle_timeout_ns;
    }
    return false;
}

static void process(struct worker *w, struct conn *c)
{
    bool more;
    do {
        more = answer_requests(w, c);
        if (!flush(w, c))
            return;
    } while (more && c->out_len == 0);
    if (c->peer_eof && !c->sleeping && c->out_len == 0) {
        conn_close(w, c); /* nothing more can arrive: a partial request stays unanswered */
        return;
    }
    conn_update(w, c);
}

/* Read and drop until the client closes (see "lingering" above). */
static void linger_read(struct worker *w, struct conn *c)
{
    char sink[4096];
    for (;;) {
        ssize_t n = recv(c->fd, sink, sizeof sink, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        conn_close(w, c); /* EOF or error: done */
        return;
    }
}

static void on_readable(struct worker *w, struct conn *c)
{
    if (c->lingering) {
        linger_read(w, c);
        return;
    }
    for (;;) {
        size_t room = c->in_cap - c->in_len;
        if (room == 0)
            break;
        ssize_t n = recv(c->fd, c->in + c->in_len, room, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0) {
            conn_close(w, c);
            return;
        }
        if (n == 0) {
            c->peer_eof = true;
            if (c->in_len > 0 && http_parse_request(c->in, c->in_len, &(struct http_request){0}) ==
                                     HTTP_PARSE_INCOMPLETE && !c->sleeping) {
                conn_close(w, c); /* half a request, then EOF: nothing to answer */
                return;
            }
            break;
        }
        c->in_len += (size_t)n;
        if (c->reading_body) /* progress on a body keeps it alive; on a head it does not */
            c->deadline_ns = now_ns() + w->srv->opts.header_timeout_ns;
        if ((size_t)n < room)
            break; /* drained: level-triggered epoll says when more comes */
    }
    process(w, c);
}

/* ---- accepting ---- */

static void refuse(struct worker *w, int fd)
{
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nServer: memlab-httpd\r\n"
                               "Content-Type: text/plain\r\nContent-Length: 22\r\nConnection: close\r\n\r\n"
                               "503 too many clients\r\n";
    /* Best effort on a fresh socket, whose send buffer is empty.  Closing
     * with unread input makes the kernel send a reset, which can destroy the
     * 503 before the client reads it: so first say we are done writing and
     * read whatever the client has already sent. */
    if (send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        bump(&w->st->errors, 1);
    shutdown(fd, SHUT_WR);
    char sink[4096];
    while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0)
        ;
    close(fd);
    bump(&w->st->refused, 1);
}

/* Whether this worker already holds more than its share of the open
 * connections.  EPOLLEXCLUSIVE wakes one worker per arrival, but the one
 * that wakes could take a whole burst (a client opening 64 connections at
 * once) and serve it alone while the other workers idle, and every request
 * on those connections then waits behind the others: the tail latency
 * doubles.  A worker over its share takes one connection per wake-up (never
 * none, which could leave one waiting), much as nginx's accept_disabled. */
static bool over_share(const struct worker *w)
{
    if (w->draining)
        return false; /* the backlog is taken whole at the stop (begin_drain) */
    unsigned total = (unsigned)atomic_load_explicit(&w->srv->conns, memory_order_relaxed); /* a count only */
    return w->nconns > total / w->srv->opts.workers + 1;
}

/* Returns how many times it called accept: ACCEPT_BURST when there may be more. */
enum { ACCEPT_BURST = 64 };
static int accept_some(struct worker *w)
{
    struct server *s = w->srv;
    int i = 0;
    for (; i < ACCEPT_BURST && (i == 0 || !over_share(w)); i++) {
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EINVAL) { /* the listener was shut down: stop watching it */
                epoll_ctl(w->ep, EPOLL_CTL_DEL, s->listen_fd, NULL);
                w->listening = false;
            } else if (errno != EAGAIN) {
                bump(&w->st->errors, 1); /* EMFILE and friends: try again on the next wake-up */
                sleep_ns(1000 * 1000);
            }
            return i;
        }
        /* Relaxed: a counter, not a lock, and it guards no other data.
         * fetch_add hands each worker a distinct old value, so at most
         * max_conns connections are ever admitted; the counter itself may
         * read above max_conns for a moment, until the loser undoes its add. */
        if ((unsigned)atomic_fetch_add_explicit(&s->conns, 1, memory_order_relaxed) >= s->opts.max_conns) {
            atomic_fetch_sub_explicit(&s->conns, 1, memory_order_relaxed);
            refuse(w, fd);
            continue;
        }
        struct conn *c = calloc(1, sizeof *c);
        if (c)
            c->in = malloc(IN_INITIAL);
        if (!c || !c->in) {
            atomic_fetch_sub_explicit(&s->conns, 1, memory_order_relaxed);
            if (c)
                free(c);
            refuse(w, fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        c->timer_fd = -1;
        c->in_cap = IN_INITIAL;
        c->deadline_ns = now_ns() + s->opts.header_timeout_ns;
        c->events = EPOLLIN;
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &e) < 0) {
            atomic_fetch_sub_explicit(&s->conns, 1, memory_order_relaxed);
            free(c->in);
            free(c);
            refuse(w, fd);
            continue;
        }
        c->next = w->conns;
        if (w->conns)
            w->conns->prev = c;
        w->conns = c;
        w->nconns++;
        gauge(&w->st->active, 1);
        conn_update(w, c);
    }
    return i;
}

/* ---- timeouts ---- */

static void sweep(struct worker *w, uint64_t now)
{
    struct conn *next;
    for (struct conn *c = w->conns; c; c = next) {
        next = c->next;
        if (c->sleeping || now < c->deadline_ns)
            continue;
        if (c->lingering) {
            conn_close(w, c);
            continue;
        }
        if (!w->draining)
            bump(&w->st->timeouts, 1);
        if (c->in_len == 0 || c->out_off < c->out_len) {
            conn_close(w, c); /* idle (or never sent a byte), or not reading its answers: just close */
            continue;
        }
        c->in_len = 0;
        respond_error(w, c, 408, "request not received in time", 1);
        if (flush(w, c))
            conn_update(w, c);
    }
}

/* ---- shutdown, in the worker ---- */

/* Graceful shutdown began: stop accepting, close idle connections, and let
 * the others finish with Connection: close. */
static void begin_drain(struct worker *w)
{
    /* BEGIN SOLUTION: stop accepting; answer requests already sent on idle connections, close the idle ones after DRAIN_IDLE_GRACE_NS */
    w->draining = true;
    /* Connections the kernel completed before the stop wait in the listen
     * queue, and their clients have sent requests: shutting the listener
     * down resets them (wrk counted 30 to 50 read errors that way).  So the
     * first worker to drain takes the whole queue (answered with Connection:
     * close), then refuses new ones; until then no answer says close, so no
     * client reconnects into a queue about to be reset. */
    if (w->listening) {
        while (accept_some(w) >= ACCEPT_BURST)
            ;
        shutdown(w->srv->listen_fd, SHUT_RDWR); /* new connections are refused from here on */
        epoll_ctl(w->ep, EPOLL_CTL_DEL, w->srv->listen_fd, NULL);
    }
    w->listening = false;
    struct conn *next;
    uint64_t grace_end = now_ns() + DRAIN_IDLE_GRACE_NS;
    for (struct conn *c = w->conns; c; c = next) {
        next = c->next;
        if (c->idle)
            on_readable(w, c); /* a request that arrived unread is in flight: answer it (may close c) */
    }
    for (struct conn *c = w->conns; c; c = next) {
        next = c->next;
        if (c->idle && c->deadline_ns > grace_end)
            c->deadline_ns = grace_end; /* sweep() closes it if it stays idle */
    }
    /* END SOLUTION (stub: (void)w;) */
}

/* The deadline passed or a second signal came: close everything, count it. */
static void cut_all(struct worker *w)
{
    /* BEGIN SOLUTION: close every remaining connection, counting the busy ones as cut */
    while (w->conns) {
        if (conn_busy(w->conns))
            bump(&w->st->cut, 1);
        conn_close(w, w->conns);
    }
    /* END SOLUTION (stub: (void)w; (void)conn_busy;) */
}

/* ---- the worker loop ---- */

struct worker_arg {
    struct worker *w;
    struct waitgroup *running;
};

static int epoll_add(int ep, int fd, uint64_t tag, uint32_t ev)
{
    struct epoll_event e = {.events = ev, .data.u64 = tag};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0 ? errno : 0;
}

static void dispatch(struct worker *w, struct epoll_event *e)
{
    uint64_t d = e->data.u64;
    if (d == TAG_LISTEN) {
        if (w->listening)
            accept_some(w);
    } else if (d & 1u) {
        struct conn *c = (struct conn *)(uintptr_t)(d & ~(uint64_t)1);
        uint64_t ticks;
        if (c->timer_fd >= 0 && read(c->timer_fd, &ticks, sizeof ticks) == sizeof ticks)
            finish_sleep(w, c);
    } else {
        struct conn *c = e->data.ptr;
        if (c->fd < 0)
            return; /* closed earlier in this batch */
        if (e->events & (EPOLLERR | EPOLLHUP)) {
            if (!(e->events & EPOLLIN)) {
                conn_close(w, c);
                return;
            }
        }
        if ((e->events & EPOLLOUT) && !(e->events & EPOLLIN)) {
            if (flush(w, c))
                process(w, c); /* out[] drained below the high-water mark: continue the pipeline */
            return;
        }
        on_readable(w, c);
    }
}

static int worker_loop(struct worker *w, int stop_fd)
{
    struct epoll_event evs[64];
    uint64_t next_sweep = now_ns() + SWEEP_NS;
    for (;;) {
        uint64_t sweep_ns = w->draining ? SWEEP_NS / 4 : SWEEP_NS;
        int n = epoll_wait(w->ep, evs, 64, w->conns ? (int)(sweep_ns / 1000000) : 1000);
        if (n < 0 && errno != EINTR)
            return errno;
        for (int i = 0; i < n; i++) {
            uint64_t d = evs[i].data.u64;
            if (d == TAG_STOP) {
                epoll_ctl(w->ep, EPOLL_CTL_DEL, stop_fd, NULL); /* level-triggered: stays readable */
                begin_drain(w);
                next_sweep = now_ns() + DRAIN_IDLE_GRACE_NS;
            } else if (d == TAG_CUT) {
                cut_all(w);
                free_dead(w);
                return 0;
            } else {
                dispatch(w, &evs[i]);
            }
        }
        free_dead(w);
        uint64_t now = now_ns();
        if (now >= next_sweep) {
            sweep(w, now);
            next_sweep = now + (w->draining ? SWEEP_NS / 4 : SWEEP_NS);
        }
        free_dead(w);
        if (w->draining && !w->conns)
            return 0;
    }
}

static int worker_run(struct ctx *ctx, void *arg)
{
    struct worker_arg *a = arg;
    struct worker *w = a->w;
    int stop_fd = ctx_done_fd(ctx), cut_fd = ctx_done_fd(w->srv->cut); /* made by serve(): cannot fail */
    int err = epoll_add(w->ep, w->srv->listen_fd, TAG_LISTEN, EPOLLIN | EPOLLEXCLUSIVE);
    if (!err)
        err = epoll_add(w->ep, stop_fd, TAG_STOP, EPOLLIN);
    if (!err)
        err = epoll_add(w->ep, cut_fd, TAG_CUT, EPOLLIN);
    w->listening = err == 0;
    if (!err)
        err = worker_loop(w, stop_fd);
    cut_all(w); /* after an error: nothing may outlive the worker */
    free_dead(w);
    waitgroup_done(a->running);
    if (err)
        fprintf(stderr, "httpd: worker: %s\n", tk_strerror(err));
    return err;
}

/* ---- the server member ---- */

static int open_listener(struct server *s)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(s->opts.port)};
    if (inet_pton(AF_INET, s->opts.host, &a.sin_addr) != 1)
        return EINVAL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1024) < 0) {
        int err = errno;
        close(fd);
        return err;
    }
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    snprintf(s->bound, sizeof s->bound, "%s:%u", s->opts.host, ntohs(a.sin_port));
    s->listen_fd = fd;
    return 0;
}

int server_init(struct server *s)
{
    s->listen_fd = -1;
    s->workers = calloc(s->opts.workers, sizeof *s->workers);
    s->stats = xaligned_alloc(s->opts.workers * sizeof *s->stats);
    if (!s->workers)
        return ENOMEM;
    for (unsigned i = 0; i < s->opts.workers; i++) {
        s->workers[i].srv = s;
        s->workers[i].st = &s->stats[i];
        s->workers[i].ep = -1;
    }
    return 0;
}

void server_free(struct server *s)
{
    free(s->workers);
    free(s->stats);
}

static int start_workers(struct server *s, struct errgroup *g, struct worker_arg *args,
                         struct waitgroup *running)
{
    for (unsigned i = 0; i < s->opts.workers; i++) {
        args[i] = (struct worker_arg){&s->workers[i], running};
        waitgroup_add(running, 1);
        int err = errgroup_go(g, worker_run, &args[i]);
        if (err) {
            waitgroup_done(running);
            return err;
        }
    }
    return 0;
}

static int serve(struct ctx *ctx, struct server *s)
{
    int err = open_listener(s);
    if (err) {
        snprintf(s->errmsg, sizeof s->errmsg, "listen on %s:%u: %s", s->opts.host, s->opts.port,
                 tk_strerror(err));
        return err;
    }
    s->cut = ctx_with_cancel(s->force);
    struct worker_arg *args = calloc(s->opts.workers, sizeof *args);
    struct ctx *wctx = NULL;
    struct errgroup *g = s->cut && args ? errgroup_with_context(ctx, &wctx) : NULL;
    if (!g) {
        snprintf(s->errmsg, sizeof s->errmsg, "out of memory");
        free(args);
        if (s->cut)
            ctx_close(s->cut);
        close(s->listen_fd);
        return ENOMEM;
    }
    /* Every descriptor the server will hold is made before it says it is
     * listening, so a test can take that moment's /proc/PID/fd as the
     * baseline: the done fds (owned by their contexts) and an epoll set
     * per worker (owned here: workers come and go, the sets stay). */
    int start_err = ctx_done_fd(wctx) < 0 || ctx_done_fd(s->cut) < 0 ? errno : 0;
    for (unsigned i = 0; i < s->opts.workers && !start_err; i++)
        if ((s->workers[i].ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
            start_err = errno;
    struct waitgroup running = WAITGROUP_INIT;
    struct server_totals t;
    if (!start_err)
        start_err = start_workers(s, g, args, &running);
    /* After the workers exist, so the thread count is final too. */
    printf("httpd: listening on %s\n", s->bound);
    fflush(stdout);
    if (start_err)
        ctx_cancel(wctx);
    /* BEGIN SOLUTION: wait for the stop, stop accepting, give in-flight requests until the deadline, then cut */
    ctx_wait(wctx); /* the group stopping, or a worker failing */
    s->shutdown_began_ns = now_ns(); /* the first worker to drain shuts the listener (begin_drain) */
    server_totals(s, &t);
    fprintf(stderr, "httpd: shutting down: stopped accepting; %lld connections open (%lld idle, closing them), "
            "waiting up to %.3g s for the rest\n", (long long)t.active, (long long)t.idle,
            (double)s->opts.shutdown_timeout_ns / 1e9);
    struct ctx *deadline = ctx_with_timeout(s->force, s->opts.shutdown_timeout_ns);
    if (!deadline || waitgroup_wait_ctx(&running, deadline) != 0) {
        s->deadline_passed = !ctx_done(s->force);
        ctx_cancel(s->cut);
    }
    if (deadline)
        ctx_close(deadline);
    /* END SOLUTION */
    err = errgroup_wait(g); /* joins every worker */
    errgroup_free(g);
    free(args);
    ctx_close(s->cut);
    for (unsigned i = 0; i < s->opts.workers; i++)
        if (s->workers[i].ep >= 0)
            close(s->workers[i].ep);
    close(s->listen_fd);
    s->listen_fd = -1;
    if (start_err || err) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s workers: %s", start_err ? "starting" : "running",
                 tk_strerror(start_err ? start_err : err));
        return start_err ? start_err : err;
    }
    server_totals(s, &t);
    if (t.cut > 0) {
        fprintf(stderr, "httpd: shutdown: %llu requests cut (%s)\n", (unsigned long long)t.cut,
                s->deadline_passed ? "shutdown timeout passed" : "forced by a second signal");
        return SERVER_ERR_CUT;
    }
    fprintf(stderr, "httpd: shutdown: every in-flight request answered (%llu served) in %.3f s\n",
            (unsigned long long)t.requests, (double)(now_ns() - s->shutdown_began_ns) / 1e9);
    return 0;
}

int server_run(struct ctx *ctx, void *arg)
{
    struct server *s = arg;
    int err = serve(ctx, s);
    ctx_cancel(s->done); /* tell the signal watcher the server is finished */
    return err;
}
