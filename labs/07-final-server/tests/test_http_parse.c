/* test_http_parse.c: the request parser (given to students, hence test_given_*) accepts HTTP/1.1 as written and refuses each hostile case with its status.
 *
 * These run the parser in-process, so they are fast and exact; the same
 * cases are sent to the real server over sockets in test_httpd_endpoints.c.
 */
#include "labs/07-final-server/http_parse.h"
#include "labs/labtest.h"

static enum http_parse_result parse(const char *s, struct http_request *r)
{
    return http_parse_request(s, strlen(s), r);
}

static void test_given_parser_accepts_a_plain_get(void **state)
{
    (void)state;
    struct http_request r;
    const char *s = "GET /sleep?ms=20&x=1 HTTP/1.1\r\nHost: example\r\nUser-Agent: t\r\n\r\nGET / HTTP/1.1";
    assert_int_equal(parse(s, &r), HTTP_PARSE_OK);
    assert_int_equal(r.method, HTTP_GET);
    assert_int_equal(r.minor, 1);
    assert_true(r.keep_alive);
    assert_int_equal(r.path_len, 6);
    assert_memory_equal(r.path, "/sleep", 6);
    assert_int_equal(r.head_len, strlen("GET /sleep?ms=20&x=1 HTTP/1.1\r\nHost: example\r\nUser-Agent: t\r\n\r\n"));
    const char *v;
    size_t vl;
    assert_true(http_query_get(r.query, r.query_len, "ms", &v, &vl));
    assert_int_equal(vl, 2);
    assert_memory_equal(v, "20", 2);
    assert_false(http_query_get(r.query, r.query_len, "m", &v, &vl));
}

static void test_given_parser_reads_connection_and_versions(void **state)
{
    (void)state;
    struct http_request r;
    assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n", &r), HTTP_PARSE_OK);
    assert_int_equal(r.minor, 0);
    assert_false(r.keep_alive);
    assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r), HTTP_PARSE_OK);
    assert_true(r.keep_alive);
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", &r), HTTP_PARSE_OK);
    assert_false(r.keep_alive);
    assert_int_equal(parse("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", &r),
                     HTTP_PARSE_OK);
    assert_int_equal(r.method, HTTP_POST);
    assert_int_equal(r.content_length, 5);
    assert_true(r.expect_continue);
    assert_int_equal(parse("\r\nHEAD / HTTP/1.1\r\nHost: a\r\n\r\n", &r), HTTP_PARSE_OK); /* a leading CRLF */
    assert_int_equal(r.method, HTTP_HEAD);
    assert_int_equal(parse("get / HTTP/1.1\r\nHost: a\r\n\r\n", &r), HTTP_PARSE_OK);
    assert_int_equal(r.method, HTTP_OTHER); /* methods are case-sensitive: the server answers 501 */
}

static void test_given_every_prefix_of_a_request_is_incomplete(void **state)
{
    (void)state;
    const char *s = "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n";
    struct http_request r;
    for (size_t n = 0; n < strlen(s); n++)
        if (http_parse_request(s, n, &r) != HTTP_PARSE_INCOMPLETE)
            fail_msg("prefix of %zu bytes: want INCOMPLETE, got %d (status %d)", n,
                     http_parse_request(s, n, &r), r.status);
    assert_int_equal(parse(s, &r), HTTP_PARSE_OK);
}

/* The hostile-input table, at the parser. */
static const struct {
    const char *name, *req;
    int status;
} HOSTILE[] = {
    {"malformed request line", "GARBAGE\r\n\r\n", 400},
    {"two spaces in request line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"bad method character", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"HTTP/0.9 style line", "GET /\r\n\r\n", 400},
    {"malformed version", "GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400},
    {"target not origin-form", "GET foo HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"control character in target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400},
    {"missing Host on 1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400},
    {"duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
    {"whitespace before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
    {"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400},
    {"header without colon", "GET / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n", 400},
    {"empty header name", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400},
    {"control character in value", "GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", 400},
    {"bare LF", "GET / HTTP/1.1\nHost: a\n\n", 400},
    {"bare CR inside a line", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400},
    {"Content-Length and Transfer-Encoding", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                                             "Transfer-Encoding: chunked\r\n\r\n", 400},
    {"Content-Length not a number", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3x\r\n\r\n", 400},
    {"negative Content-Length", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
    {"empty Content-Length", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400},
    {"Content-Length list", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\n", 400},
    {"duplicate Content-Length", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
     400},
    {"body over 1 MiB", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n", 413},
    {"Content-Length past 2^64", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
     413},
    {"chunked body", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
    {"unknown transfer coding", "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
    {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505},
    {"HTTP/0.9 spelled out", "GET / HTTP/0.9\r\n\r\n", 505},
};

static void test_given_parser_refuses_each_hostile_case_with_its_status(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof HOSTILE / sizeof HOSTILE[0]; i++) {
        struct http_request r;
        enum http_parse_result res = parse(HOSTILE[i].req, &r);
        if (res != HTTP_PARSE_ERROR || r.status != HOSTILE[i].status)
            fail_msg("%s: want status %d, got result %d status %d", HOSTILE[i].name, HOSTILE[i].status, res,
                     r.status);
    }
}

static void test_given_size_limits_hold_before_the_head_completes(void **state)
{
    (void)state;
    struct http_request r;
    size_t n = HTTP_MAX_REQUEST_LINE + 100;
    char *buf = malloc(HTTP_MAX_REQUEST_LINE + HTTP_MAX_HEADER_BYTES + 4096);
    assert_non_null(buf);
    memcpy(buf, "GET /", 5);
    memset(buf + 5, 'a', n - 5);
    assert_int_equal(http_parse_request(buf, n, &r), HTTP_PARSE_ERROR); /* no CRLF yet */
    assert_int_equal(r.status, 414);

    size_t len = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
    while (len < HTTP_MAX_HEADER_BYTES + 200)
        len += (size_t)sprintf(buf + len, "X-Filler: %0100d\r\n", 7);
    assert_int_equal(http_parse_request(buf, len, &r), HTTP_PARSE_ERROR); /* no blank line yet */
    assert_int_equal(r.status, 431);

    len = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
    for (int i = 0; i < HTTP_MAX_HEADERS + 1; i++)
        len += (size_t)sprintf(buf + len, "X: %d\r\n", i);
    len += (size_t)sprintf(buf + len, "\r\n");
    assert_int_equal(http_parse_request(buf, len, &r), HTTP_PARSE_ERROR);
    assert_int_equal(r.status, 431);
    free(buf);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_given_parser_accepts_a_plain_get),
    cmocka_unit_test(test_given_parser_reads_connection_and_versions),
    cmocka_unit_test(test_given_every_prefix_of_a_request_is_incomplete),
    cmocka_unit_test(test_given_parser_refuses_each_hostile_case_with_its_status),
    cmocka_unit_test(test_given_size_limits_hold_before_the_head_completes),
};

LAB_MAIN("lab 07: HTTP request parser", tests)
