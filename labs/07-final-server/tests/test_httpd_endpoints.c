/* test_httpd_endpoints.c: httpd answers curl and raw sockets as HTTP/1.1 says, refuses hostile input with the right status, and leaks no descriptor.
 *
 * Each test starts its own httpd on a free loopback port and ends it with
 * SIGTERM, expecting exit 0 and a clean --check-leaks line.
 */
#include "labs/07-final-server/tests/httpd_harness.h"

#define URL "http://127.0.0.1:%d"

static void expect_curl(int port, const char *args_fmt, const char *want)
{
    char args[512], full[640], out[8192];
    snprintf(args, sizeof args, args_fmt, port);
    snprintf(full, sizeof full, "%s", args);
    int st = curl(full, out, sizeof out);
    if (st != 0 || !strstr(out, want))
        fail_msg("curl %s: exit %d, want output containing '%s'; got:\n%s", full, st, want, out);
}

static void test_curl_every_endpoint(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "--workers 2") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    expect_curl(h.port, "-i " URL "/", "hello from memlab httpd\n");
    expect_curl(h.port, "-i " URL "/", "HTTP/1.1 200 OK");
    expect_curl(h.port, URL "/healthz", "ok\n");
    expect_curl(h.port, URL "/sleep?ms=30", "slept 30 ms\n");
    expect_curl(h.port, "-i " URL "/sleep?ms=abc", "HTTP/1.1 400");
    expect_curl(h.port, "-i " URL "/nope", "HTTP/1.1 404");
    expect_curl(h.port, "-i " URL "/echo", "HTTP/1.1 405");
    expect_curl(h.port, "-i -X DELETE " URL "/", "HTTP/1.1 501");
    expect_curl(h.port, "--data-binary 'hello, echo' " URL "/echo", "hello, echo");
    expect_curl(h.port, "-I " URL "/", "Content-Length: 24");
    expect_curl(h.port, URL "/stats", "\"requests\":");
    expect_curl(h.port, URL "/stats", "\"idle_connections\":");

    /* HEAD: the headers of GET, no body. */
    char out[4096];
    char args[256];
    snprintf(args, sizeof args, "-I " URL "/healthz", h.port);
    assert_int_equal(curl(args, out, sizeof out), 0);
    assert_null(strstr(out, "ok\n"));
    assert_non_null(strstr(out, "Content-Length: 3"));

    /* A 300 KB POST comes back byte for byte. */
    char in_path[] = "/tmp/memlab-httpd-echo-XXXXXX";
    int fd = mkstemp(in_path);
    assert_true(fd >= 0);
    size_t big = 300 * 1000;
    char *body = malloc(big);
    assert_non_null(body);
    for (size_t i = 0; i < big; i++)
        body[i] = (char)('a' + i % 26);
    assert_int_equal(write(fd, body, big), (ssize_t)big);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "curl -sS --max-time 20 --data-binary @%s " URL "/echo | cmp -s - %s", in_path,
             h.port, in_path);
    int st = system(cmd);
    unlink(in_path);
    free(body);
    if (st != 0)
        fail_msg("a 300 KB POST /echo did not come back identical (%s)", cmd);
    httpd_stop_clean(&h);
    httpd_reap(&h);
}

/* Every fixed answer's Content-Length is the length of the body that follows
 * (server.c counts literal bodies with sizeof, not by hand). */
static void test_fixed_answers_say_their_own_length(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "--workers 1") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    static const struct {
        const char *req;
        int status;
        const char *body;
    } cases[] = {
        {"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, "hello from memlab httpd\n"},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, "ok\n"},
        {"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "404 Not Found\n"},
        {"GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 405, "405 use POST\n"},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 405, "405 use GET\n"},
        {"GET /sleep?ms=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400, "400 want /sleep?ms=0..60000\n"},
        {"DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 501, "501 Not Implemented: method\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[4096];
        bool eof = false;
        int st = raw_request(h.port, cases[i].req, strlen(cases[i].req), buf, sizeof buf, &eof);
        const char *cl = strstr(buf, "Content-Length: ");
        const char *body = strstr(buf, "\r\n\r\n");
        long said = cl ? strtol(cl + 16, NULL, 10) : -1;
        size_t got = body ? strlen(body + 4) : 0;
        if (st != cases[i].status || !body || said != (long)got || strcmp(body + 4, cases[i].body) != 0)
            fail_msg("%.*s: status %d (want %d), Content-Length %ld, body of %zu bytes (want '%s'):\n%s",
                     (int)strcspn(cases[i].req, "\r"), cases[i].req, st, cases[i].status, said, got,
                     cases[i].body, buf);
    }
    httpd_stop_clean(&h);
    httpd_reap(&h);
}

static void test_keep_alive_reuse_and_pipelining(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    /* curl reuses one connection for two URLs. */
    char args[256], out[8192];
    snprintf(args, sizeof args, "-v " URL "/ " URL "/healthz", h.port, h.port);
    if (curl(args, out, sizeof out) != 0 || !strstr(out, "Re-using existing connection"))
        fail_msg("curl %s did not reuse its connection:\n%s", args, out);

    /* Three pipelined requests in one write: three answers, in order. */
    int fd = tcp_connect(h.port);
    assert_true(fd >= 0);
    const char req[] = "GET /sleep?ms=20 HTTP/1.1\r\nHost: t\r\n\r\n"
                       "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                       "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n";
    assert_true(send_all(fd, req, sizeof req - 1));
    char buf[4096];
    bool eof;
    recv_until(fd, buf, sizeof buf, "Content-Length: 24\r\n", HANG_NS, &eof);
    const char *a = strstr(buf, "slept 20 ms"), *b = strstr(buf, "ok\n"), *c = strstr(buf, "Content-Length: 24");
    if (!a || !b || !c || !(a < b && b < c))
        fail_msg("pipelined answers missing or out of order:\n%s", buf);
    assert_null(strstr(buf, "hello")); /* HEAD: no body */

    /* Expect: 100-continue: the interim answer, then the echo. */
    const char head[] = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
    assert_true(send_all(fd, head, sizeof head - 1));
    recv_until(fd, buf, sizeof buf, "\r\n\r\n", HANG_NS, &eof);
    if (!strstr(buf, "HTTP/1.1 100 Continue"))
        fail_msg("want 100 Continue, got:\n%s", buf);
    assert_true(send_all(fd, "hello", 5));
    recv_until(fd, buf, sizeof buf, "hello", HANG_NS, &eof);
    if (!strstr(buf, "HTTP/1.1 200 OK") || !strstr(buf, "hello"))
        fail_msg("want the echo after 100 Continue, got:\n%s", buf);
    close(fd);
    httpd_stop_clean(&h);
    httpd_reap(&h);
}

static void test_http10_and_connection_close_end_the_connection(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    char buf[4096];
    bool eof;
    const char r10[] = "GET / HTTP/1.0\r\n\r\n";
    int st = raw_request(h.port, r10, sizeof r10 - 1, buf, sizeof buf, &eof);
    if (st != 200 || !eof || strncmp(buf, "HTTP/1.0 200", 12) != 0 || !strstr(buf, "hello"))
        fail_msg("HTTP/1.0: want a 1.0 answer and the connection closed, got eof=%d:\n%s", eof, buf);

    /* HTTP/1.0 with keep-alive stays open: a second request on it works. */
    int fd = tcp_connect(h.port);
    const char ka[] = "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    assert_true(send_all(fd, ka, sizeof ka - 1));
    recv_until(fd, buf, sizeof buf, "ok\n", HANG_NS, &eof);
    assert_non_null(strstr(buf, "Connection: keep-alive"));
    assert_true(send_all(fd, ka, sizeof ka - 1));
    recv_until(fd, buf, sizeof buf, "ok\n", HANG_NS, &eof);
    assert_non_null(strstr(buf, "ok\n"));
    close(fd);

    const char rc[] = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    st = raw_request(h.port, rc, sizeof rc - 1, buf, sizeof buf, &eof);
    if (st != 200 || !eof || !strstr(buf, "Connection: close"))
        fail_msg("Connection: close: want 200, the header and EOF, got eof=%d:\n%s", eof, buf);
    httpd_stop_clean(&h);
    httpd_reap(&h);
}

/* Every hostile case over a socket: its status, Connection: close, EOF. */
static const struct {
    const char *name;
    const char *req;
    int status;
} HOSTILE[] = {
    {"malformed request line", "GARBAGE\r\n\r\n", 400},
    {"bad method character", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"target not origin-form", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"missing Host on 1.1", "GET / HTTP/1.1\r\n\r\n", 400},
    {"duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
    {"whitespace before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
    {"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n", 400},
    {"bare LF", "GET / HTTP/1.1\nHost: a\n\n", 400},
    {"NUL in a header", "GET / HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n", 400},
    {"both Content-Length and Transfer-Encoding",
     "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400},
    {"bad Content-Length", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400},
    {"duplicate Content-Length", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
     400},
    {"body over 1 MiB", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n", 413},
    {"chunked body", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 501},
    {"unknown transfer coding", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
    {"unsupported HTTP version", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
    {"unknown method", "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", 501},
};

static void expect_refusal(int port, const char *name, const char *req, size_t len, int want)
{
    char buf[4096];
    bool eof;
    int st = raw_request(port, req, len, buf, sizeof buf, &eof);
    if (st != want || !eof || !strstr(buf, "Connection: close"))
        fail_msg("%s: want %d, Connection: close and EOF; got status %d, eof %d:\n%.600s", name, want, st, eof, buf);
    print_message("  %-42s %d\n", name, st);
}

static void test_hostile_input_gets_its_status_and_the_server_lives_on(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    for (size_t i = 0; i < sizeof HOSTILE / sizeof HOSTILE[0]; i++)
        expect_refusal(h.port, HOSTILE[i].name, HOSTILE[i].req, strlen(HOSTILE[i].req), HOSTILE[i].status);

    /* Sizes: a 5000-byte request line (414), 9 KiB of headers (431). */
    static char big[16384];
    int n = snprintf(big, sizeof big, "GET /");
    memset(big + n, 'a', 5000);
    n += 5000;
    n += snprintf(big + n, sizeof big - (size_t)n, " HTTP/1.1\r\nHost: a\r\n\r\n");
    expect_refusal(h.port, "request line too long", big, (size_t)n, 414);
    n = snprintf(big, sizeof big, "GET / HTTP/1.1\r\nHost: a\r\n");
    while (n < 9 * 1024)
        n += snprintf(big + n, sizeof big - (size_t)n, "X-Filler: %0100d\r\n", 1);
    n += snprintf(big + n, sizeof big - (size_t)n, "\r\n");
    expect_refusal(h.port, "headers over 8 KiB", big, (size_t)n, 431);

    /* A 2 MB body sent in full, without waiting: the 413 must still
     * arrive (httpd reads and drops the rest instead of resetting). */
    static char huge[2 * 1024 * 1024 + 128];
    n = snprintf(huge, sizeof huge, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n", 2 * 1024 * 1024);
    memset(huge + n, 'z', 2 * 1024 * 1024);
    expect_refusal(h.port, "body over 1 MiB, sent in full", huge, (size_t)n + 2 * 1024 * 1024, 413);

    /* The server is fine: a normal request on a new connection. */
    char buf[4096];
    bool eof;
    const char ok[] = "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    assert_int_equal(raw_request(h.port, ok, sizeof ok - 1, buf, sizeof buf, &eof), 200);
    int fds = settle_fds(h.pid, h.base_fds);
    if (fds != h.base_fds)
        fail_msg("httpd holds %d descriptors after every client left, %d at start", fds, h.base_fds);
    httpd_stop_clean(&h);
    httpd_reap(&h);
}

static void test_slow_headers_get_408_and_cost_one_slot(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "--header-timeout 0.5 --workers 1") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    /* A slowloris: one byte every 50 ms.  Trickling does not extend the
     * deadline: it runs from the request's first byte. */
    int slow = tcp_connect(h.port);
    assert_true(slow >= 0);
    const char *req = "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    char buf[4096] = "";
    bool eof = false;
    uint64_t end = now_ns() + HANG_NS;
    size_t i = 0;
    for (; now_ns() < end && req[i]; i++) {
        if (!send_all(slow, req + i, 1))
            break;
        struct pollfd p = {.fd = slow, .events = POLLIN};
        if (poll(&p, 1, 50) > 0)
            break; /* the answer is coming */
        if (i == 3) {
            /* Meanwhile the server serves others at once, on the same worker. */
            char ok[2048];
            bool e2;
            const char r[] = "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
            assert_int_equal(raw_request(h.port, r, sizeof r - 1, ok, sizeof ok, &e2), 200);
        }
    }
    recv_until(slow, buf, sizeof buf, NULL, HANG_NS, &eof);
    close(slow);
    if (strncmp(buf, "HTTP/1.1 408", 12) != 0 || !eof)
        fail_msg("a client trickling its headers: want 408 and EOF, got eof=%d after %zu bytes sent:\n%s", eof, i, buf);

    /* A client that connects and sends nothing is closed, silently. */
    int mute = tcp_connect(h.port);
    recv_until(mute, buf, sizeof buf, NULL, HANG_NS, &eof);
    close(mute);
    if (!eof || buf[0])
        fail_msg("a silent client: want EOF and no bytes, got eof=%d:\n%s", eof, buf);
    assert_true(wait_stats_at_least(h.port, "timeouts", 2) >= 2);
    httpd_stop_clean(&h);
    httpd_reap(&h);
}

static void test_connections_over_max_conns_are_refused_cleanly(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "--max-conns 3") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    int held[3];
    char buf[4096];
    bool eof;
    const char r[] = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n";
    for (int i = 0; i < 3; i++) { /* each answered once, so each is surely accepted */
        held[i] = tcp_connect(h.port);
        assert_true(held[i] >= 0);
        assert_true(send_all(held[i], r, sizeof r - 1));
        recv_until(held[i], buf, sizeof buf, "ok\n", HANG_NS, &eof);
        assert_non_null(strstr(buf, "ok\n"));
    }
    int st = raw_request(h.port, r, sizeof r - 1, buf, sizeof buf, &eof);
    if (st != 503 || !eof)
        fail_msg("the 4th connection with --max-conns 3: want 503 and EOF, got %d eof=%d:\n%s", st, eof, buf);
    close(held[0]);
    /* The slot frees when httpd sees the close: retry until it has. */
    uint64_t end = now_ns() + HANG_NS;
    const char rc[] = "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
    while ((st = raw_request(h.port, rc, sizeof rc - 1, buf, sizeof buf, &eof)) == 503 && now_ns() < end)
        sleep_ns(10 * MS);
    assert_int_equal(st, 200);
    close(held[1]);
    close(held[2]);
    assert_true(wait_stats_at_least(h.port, "refused", 1) >= 1);
    httpd_stop_clean(&h);
    httpd_reap(&h);
}

static void test_no_descriptor_or_thread_growth_under_many_clients(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "--workers 2") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    char buf[4096];
    bool eof;
    const char r[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    int fds[32];
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 32; i++) {
            fds[i] = tcp_connect(h.port);
            assert_true(fds[i] >= 0);
            assert_true(send_all(fds[i], r, sizeof r - 1));
        }
        for (int i = 0; i < 32; i++) {
            recv_until(fds[i], buf, sizeof buf, "httpd\n", HANG_NS, &eof);
            if (!strstr(buf, "hello from memlab httpd"))
                fail_msg("client %d of round %d: no answer:\n%s", i, round, buf);
            if (i % 2)
                shutdown(fds[i], SHUT_RDWR); /* half of them hang up rudely */
            close(fds[i]);
        }
    }
    int threads = count_proc_dir(h.pid, "task");
    if (threads != h.base_threads)
        fail_msg("httpd had %d threads at start and %d after 160 clients: a thread per connection?",
                 h.base_threads, threads);
    int n = settle_fds(h.pid, h.base_fds);
    if (n != h.base_fds)
        fail_msg("httpd holds %d descriptors after 160 clients left, %d at start", n, h.base_fds);
    httpd_stop_clean(&h);
    httpd_reap(&h);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_curl_every_endpoint),
    cmocka_unit_test(test_fixed_answers_say_their_own_length),
    cmocka_unit_test(test_keep_alive_reuse_and_pipelining),
    cmocka_unit_test(test_http10_and_connection_close_end_the_connection),
    cmocka_unit_test(test_hostile_input_gets_its_status_and_the_server_lives_on),
    cmocka_unit_test(test_slow_headers_get_408_and_cost_one_slot),
    cmocka_unit_test(test_connections_over_max_conns_are_refused_cleanly),
    cmocka_unit_test(test_no_descriptor_or_thread_growth_under_many_clients),
};

LAB_MAIN("lab 07: httpd endpoints and hostile input", tests)
