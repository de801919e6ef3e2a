/* test_httpd_cli.c: bad flags get one line and status 2; when one member of httpd's errgroup exits, all exit.
 */
#include "labs/07-final-server/tests/httpd_harness.h"

/* Run httpd with args (a shell word list); all its output in out. */
static int run_httpd(const char *args, char *out, size_t cap)
{
    return run_build("bin/httpd", args, out, cap);
}

static void expect_usage_error(const char *args, const char *message)
{
    char out[4096];
    int st = run_httpd(args, out, sizeof out);
    char *nl = strchr(out, '\n');
    if (st != 2 || !strstr(out, message) || !nl || nl[1] != '\0')
        fail_msg("httpd %s: exit %d, want 2 and one line with '%s'; got:\n%s", args, st, message, out);
}

static void test_given_bad_flags_get_one_line_and_status_2(void **state)
{
    (void)state;
    expect_usage_error("--workers 0", "--workers: '0'");
    expect_usage_error("--workers many", "--workers: 'many'");
    expect_usage_error("--workers -3", "--workers: '-3'");
    expect_usage_error("--max-conns 0", "--max-conns: '0'");
    expect_usage_error("--max-conns 99999999999999999999", "--max-conns");
    expect_usage_error("--shutdown-timeout -1", "--shutdown-timeout: '-1'");
    expect_usage_error("--shutdown-timeout nan", "--shutdown-timeout: 'nan'");
    expect_usage_error("--shutdown-timeout 1e9", "--shutdown-timeout: '1e9'");
    expect_usage_error("--header-timeout 0", "--header-timeout: '0'");
    expect_usage_error("--addr 127.0.0.1", "--addr: '127.0.0.1'");
    expect_usage_error("--addr 127.0.0.1:70000", "--addr: '70000'");
    expect_usage_error("--addr example.com:80", "IPv4");
    expect_usage_error("--addr", "needs a value");
    expect_usage_error("--frobnicate", "unknown option");
    expect_usage_error("extra", "unexpected argument");
}

static void test_given_help_describes_every_flag(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(run_httpd("--help", out, sizeof out), 0);
    const char *flags[] = {"--addr", "--workers", "--shutdown-timeout", "--max-conns", "--header-timeout",
                           "--idle-timeout", "--stats-interval", "--fail-after", "--check-leaks"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (!strstr(out, flags[i]))
            fail_msg("--help does not describe %s:\n%s", flags[i], out);
}

/* The address in use: the server member fails, the group's context is
 * cancelled, the signal watcher returns, httpd exits 1 within 1 s (plus
 * SLACK for the sanitizers and the load) with one line saying why, and
 * --check-leaks finds every thread joined. */
static void test_address_in_use_exits_within_1s_and_names_the_cause(void **state)
{
    (void)state;
    struct httpd first, second;
    if (httpd_start(&first, "") != 0)
        fail_msg("httpd did not start: exit %d\n%s", first.status, first.err);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", first.port);
    assert_int_not_equal(httpd_start_addr(&second, addr, ""), 0);
    /* httpd_start_addr returned when the pipe closed: the process exited. */
    uint64_t took = now_ns() - second.started_ns;
    if (second.status != 1 || !strstr(second.err, "server failed: listen on") ||
        !strstr(second.err, "Address already in use"))
        fail_msg("second httpd on %s: exit %d, want 1 and 'server failed: ... Address already in use':\n%s", addr,
                 second.status, second.err);
    if (took > SEC + SLACK_NS)
        fail_msg("second httpd took %.3f s to exit, want at most 1 s (+%.1f s slack)", (double)took / 1e9,
                 (double)SLACK_NS / 1e9);
    if (!strstr(second.err, "leak check") || !strstr(second.err, ": ok"))
        fail_msg("a thread or descriptor was left behind:\n%s", second.err);
    print_message("  exited %d after %.3f s: %s", second.status, (double)took / 1e9, second.err);
    httpd_reap(&second);
    httpd_stop_clean(&first);
    httpd_reap(&first);
}

/* The test hook: a member fails on purpose while a request is in flight.
 * The server shuts down gracefully: the request still gets its whole 200,
 * new connections are refused, httpd exits 1 naming the member. */
static void test_a_failing_member_brings_the_server_down_gracefully(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "--fail-after 1000") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    int fd = tcp_connect(h.port);
    assert_true(fd >= 0);
    const char r[] = "GET /sleep?ms=2000 HTTP/1.1\r\nHost: t\r\n\r\n";
    assert_true(send_all(fd, r, sizeof r - 1));
    char buf[4096];
    bool eof;
    recv_until(fd, buf, sizeof buf, NULL, HANG_NS, &eof);
    close(fd);
    if (!strstr(buf, "HTTP/1.1 200 OK") || !strstr(buf, "slept 2000 ms") || !strstr(buf, "Connection: close") || !eof)
        fail_msg("the in-flight request did not get its whole answer before the close (eof=%d):\n%s", eof, buf);
    int again = tcp_connect(h.port);
    int e = errno;
    if (again >= 0)
        close(again);
    if (again >= 0 || e != ECONNREFUSED)
        fail_msg("a new connection during shutdown was not refused (fd %d, errno %d)", again, e);
    if (!httpd_wait(&h, HANG_NS))
        fail_msg("httpd did not exit:\n%s", h.err);
    if (h.status != 1 || !strstr(h.err, "fail-after test hook failed: failing on purpose") ||
        !strstr(h.err, "every in-flight request answered"))
        fail_msg("want exit 1 naming the test hook after a graceful shutdown; got %d:\n%s", h.status, h.err);
    httpd_reap(&h);
}

/* A third member, the stats logger, prints while the server runs and
 * returns with the group: SIGTERM still ends in exit 0 and no leak. */
static void test_the_stats_logger_member_stops_with_the_group(void **state)
{
    (void)state;
    struct httpd h;
    if (httpd_start(&h, "--stats-interval 0.02") != 0)
        fail_msg("httpd did not start: exit %d\n%s", h.status, h.err);
    uint64_t end = now_ns() + HANG_NS;
    while (!strstr(h.err, "httpd: stats: requests") && now_ns() < end) {
        sleep_ns(5 * MS);
        httpd_drain_stderr(&h);
    }
    if (!strstr(h.err, "httpd: stats: requests"))
        fail_msg("no stats line on stderr:\n%s", h.err);
    httpd_stop_clean(&h);
    httpd_reap(&h);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_given_bad_flags_get_one_line_and_status_2),
    cmocka_unit_test(test_given_help_describes_every_flag),
    cmocka_unit_test(test_address_in_use_exits_within_1s_and_names_the_cause),
    cmocka_unit_test(test_a_failing_member_brings_the_server_down_gracefully),
    cmocka_unit_test(test_the_stats_logger_member_stops_with_the_group),
};

LAB_MAIN("lab 07: httpd command line and one-exits-all-exit", tests)
