/* test_httpd_shutdown.c: SIGTERM/SIGINT shut httpd down gracefully: in-flight requests answered, idle connections closed, new ones refused, and the deadline cuts what is left.
 *
 * The requests in flight are /sleep?ms=N on connections of their own; each
 * test waits until /stats counts them all as sleeping before it sends the
 * signal, so "in flight" is certain, not a guess about timing.
 */
#include "labs/07-final-server/tests/httpd_harness.h"

enum { CLIENTS = 6, IDLE = 3 };

/* Open n connections each sending /sleep?ms=ms, and wait until httpd has
 * them all sleeping. */
static void start_sleepers(struct httpd *h, int *fds, int n, int ms)
{
    char req[128];
    int len = snprintf(req, sizeof req, "GET /sleep?ms=%d HTTP/1.1\r\nHost: t\r\n\r\n", ms);
    for (int i = 0; i < n; i++) {
        fds[i] = tcp_connect(h->port);
        assert_true(fds[i] >= 0);
        assert_true(send_all(fds[i], req, (size_t)len));
    }
    long got = wait_stats_at_least(h->port, "sleeping", n);
    if (got < n)
        fail_msg("only %ld of %d requests in flight after %llu s", got, n, (unsigned long long)(HANG_NS / SEC));
}

/* Poll connect() until it is refused: the listener was closed. */
static void expect_refused_soon(int port)
{
    uint64_t end = now_ns() + HANG_NS;
    for (;;) {
        int fd = tcp_connect(port);
        if (fd < 0 && errno == ECONNREFUSED)
            return;
        if (fd >= 0)
            close(fd);
        if (now_ns() > end)
            fail_msg("new connections were still accepted %llu s after the signal",
                     (unsigned long long)(HANG_NS / SEC));
        sleep_ns(2 * MS);
    }
}

static void graceful(int signo)
{
    struct httpd h;
    if (httpd_start(&h, "--shutdown-timeout 10") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    /* Idle keep-alive clients: one request answered, then nothing. */
    int idle[IDLE];
    char buf[4096];
    bool eof;
    const char hz[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
    for (int i = 0; i < IDLE; i++) {
        idle[i] = tcp_connect(h.port);
        assert_true(send_all(idle[i], hz, sizeof hz - 1));
        recv_until(idle[i], buf, sizeof buf, "ok\n", HANG_NS, &eof);
        assert_non_null(strstr(buf, "ok\n"));
    }
    int fds[CLIENTS];
    start_sleepers(&h, fds, CLIENTS, 500);
    uint64_t t0 = now_ns();
    kill(h.pid, signo);

    expect_refused_soon(h.port);
    for (int i = 0; i < IDLE; i++) { /* closed without a word */
        size_t n = recv_until(idle[i], buf, sizeof buf, NULL, HANG_NS, &eof);
        if (!eof || n != 0)
            fail_msg("idle keep-alive connection %d: want EOF and no bytes, got eof=%d:\n%s", i, eof, buf);
        close(idle[i]);
    }
    for (int i = 0; i < CLIENTS; i++) { /* each gets its whole answer, then EOF */
        recv_until(fds[i], buf, sizeof buf, NULL, HANG_NS, &eof);
        close(fds[i]);
        if (!eof || strncmp(buf, "HTTP/1.1 200 OK", 15) != 0 || !strstr(buf, "Connection: close") ||
            !strstr(buf, "\r\n\r\nslept 500 ms\n"))
            fail_msg("in-flight request %d: want its complete 200 with Connection: close, then EOF; got eof=%d:\n%s",
                     i, eof, buf);
    }
    if (!httpd_wait(&h, 10 * SEC + SLACK_NS))
        fail_msg("httpd did not exit within the 10 s shutdown timeout (+%.1f s slack):\n%s",
                 (double)SLACK_NS / 1e9, h.err);
    uint64_t took = now_ns() - t0;
    if (h.status != 0 || !strstr(h.err, "every in-flight request answered") || !strstr(h.err, "leak check") ||
        !strstr(h.err, ": ok"))
        fail_msg("want exit 0, every request answered and a clean leak check; got %d:\n%s", h.status, h.err);
    print_message("  %s with %d requests in flight and %d idle: exit %d after %.3f s\n",
                  signo == SIGINT ? "SIGINT" : "SIGTERM", CLIENTS, IDLE, h.status, (double)took / 1e9);
    httpd_reap(&h);
}

static void test_sigterm_answers_every_in_flight_request_then_exits_0(void **state)
{
    (void)state;
    graceful(SIGTERM);
}

static void test_sigint_does_the_same(void **state)
{
    (void)state;
    graceful(SIGINT);
}

/* Requests longer than the timeout: cut at the deadline, exit 3, the count. */
static void test_requests_longer_than_the_timeout_are_cut_and_counted(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "--shutdown-timeout 0.3") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    int fds[3];
    start_sleepers(&h, fds, 3, 20000);
    uint64_t t0 = now_ns();
    kill(h.pid, SIGTERM);
    if (!httpd_wait(&h, 300 * MS + SLACK_NS))
        fail_msg("httpd did not exit within the 0.3 s shutdown timeout (+%.1f s slack):\n%s",
                 (double)SLACK_NS / 1e9, h.err);
    uint64_t took = now_ns() - t0;
    if (h.status != 3 || !strstr(h.err, "3 requests cut (shutdown timeout passed)") || !strstr(h.err, ": ok"))
        fail_msg("want exit 3, '3 requests cut (shutdown timeout passed)' and a clean leak check; got %d:\n%s",
                 h.status, h.err);
    for (int i = 0; i < 3; i++) {
        char buf[1024];
        bool eof;
        size_t n = recv_until(fds[i], buf, sizeof buf, NULL, HANG_NS, &eof);
        close(fds[i]);
        if (!eof || n != 0)
            fail_msg("a cut request: want the connection closed without an answer, got:\n%s", buf);
    }
    print_message("  3 requests of 20 s, timeout 0.3 s: exit %d after %.3f s\n", h.status, (double)took / 1e9);
    httpd_reap(&h);
}

/* A second signal during shutdown cuts at once, long before the timeout. */
static void test_a_second_signal_forces_an_immediate_exit(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "--shutdown-timeout 60") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    int fds[2];
    start_sleepers(&h, fds, 2, 30000);
    kill(h.pid, SIGTERM);
    expect_refused_soon(h.port); /* the first signal has been taken */
    uint64_t t0 = now_ns();
    kill(h.pid, SIGINT);
    if (!httpd_wait(&h, SEC + SLACK_NS))
        fail_msg("httpd did not exit within 1 s (+%.1f s slack) of the second signal:\n%s",
                 (double)SLACK_NS / 1e9, h.err);
    if (h.status != 3 || !strstr(h.err, "2 requests cut (forced by a second signal)") || !strstr(h.err, ": ok"))
        fail_msg("want exit 3 and '2 requests cut (forced by a second signal)'; got %d:\n%s", h.status, h.err);
    print_message("  second signal: exit %d after %.3f s\n", h.status, (double)(now_ns() - t0) / 1e9);
    close(fds[0]);
    close(fds[1]);
    httpd_reap(&h);
}

/* A client that goes away before its answer: the send fails with EPIPE
 * (SIGPIPE is ignored), the server carries on. */
static void test_a_client_that_hangs_up_does_not_kill_the_server(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    static char big[600 * 1024 + 256];
    int n = snprintf(big, sizeof big, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n", 600 * 1024);
    memset(big + n, 'x', 600 * 1024);
    for (int i = 0; i < 5; i++) {
        int fd = tcp_connect(h.port);
        assert_true(fd >= 0);
        int one = 1;
        struct linger lg = {1, 0}; /* close with a reset */
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        send_all(fd, big, (size_t)n + 600 * 1024);
        close(fd); /* the echo is still being written */
    }
    char buf[2048];
    bool eof;
    const char hz[] = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    assert_int_equal(raw_request(h.port, hz, sizeof hz - 1, buf, sizeof buf, &eof), 200); /* still serving */
    int left = settle_fds(h.pid, h.base_fds);
    if (left != h.base_fds)
        fail_msg("httpd holds %d descriptors after the clients left, %d at start", left, h.base_fds);
    httpd_stop_clean(&h);
    httpd_reap(&h);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sigterm_answers_every_in_flight_request_then_exits_0),
    cmocka_unit_test(test_sigint_does_the_same),
    cmocka_unit_test(test_requests_longer_than_the_timeout_are_cut_and_counted),
    cmocka_unit_test(test_a_second_signal_forces_an_immediate_exit),
    cmocka_unit_test(test_a_client_that_hangs_up_does_not_kill_the_server),
};

LAB_MAIN("lab 07: graceful shutdown", tests)
