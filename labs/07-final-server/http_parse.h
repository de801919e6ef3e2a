/* http_parse.h: a strict, allocation-free HTTP/1.1 request-head parser (RFC 9112), the part of httpd the fuzzer drives.
 *
 * http_parse_request looks at the bytes received so far on a connection and
 * says one of three things: the head is complete and valid (HTTP_PARSE_OK,
 * with every field filled in), more bytes are needed (HTTP_PARSE_INCOMPLETE),
 * or the request is bad and must be answered with req->status and the
 * connection closed (HTTP_PARSE_ERROR).  It errs as early as it can: a bad
 * request line is refused before the headers arrive, and the size limits are
 * enforced on incomplete input, so a client cannot make the server buffer
 * more than HTTP_MAX_REQUEST_LINE + HTTP_MAX_HEADER_BYTES bytes of head.
 *
 * It is a pure function of (buf, len): no state between calls, no
 * allocation, no writes outside *req.  A connection re-parses from the start
 * when more bytes arrive; with the limits above that costs at most a few
 * kilobytes per read, and it keeps the parser small enough to fuzz whole.
 *
 * What it refuses, and with which status (the lab's hostile-input table):
 *   400  malformed request line or header line, whitespace before a colon,
 *        obs-fold (a line starting with SP/HTAB), control characters, a bare
 *        CR or LF, missing Host on HTTP/1.1, duplicate Host, bad or duplicate
 *        Content-Length, Content-Length together with Transfer-Encoding,
 *        a target that is not origin-form ("/...")
 *   413  Content-Length above HTTP_MAX_BODY
 *   414  request line longer than HTTP_MAX_REQUEST_LINE
 *   431  header section longer than HTTP_MAX_HEADER_BYTES, or more than
 *        HTTP_MAX_HEADERS fields
 *   501  any Transfer-Encoding (chunked request bodies are refused, as the
 *        issue allows; unknown codings too)
 *   505  an HTTP version other than 1.x
 * Methods are only checked to be tokens: the server, not the parser, answers
 * 501 for a method it does not implement.
 *
 * Pointers in *req point into buf and are valid as long as buf is.
 */
#ifndef MEMLAB_HTTP_PARSE_H
#define MEMLAB_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_REQUEST_LINE 4096
#define HTTP_MAX_HEADER_BYTES 8192
#define HTTP_MAX_HEADERS 100
#define HTTP_MAX_BODY (1024 * 1024)

enum http_parse_result {
    HTTP_PARSE_ERROR = -1,
    HTTP_PARSE_OK = 0,
    HTTP_PARSE_INCOMPLETE = 1,
};

enum http_method { HTTP_OTHER, HTTP_GET, HTTP_HEAD, HTTP_POST };

struct http_request {
    enum http_method method;
    const char *method_str;
    size_t method_len;
    const char *path;      /* the target up to '?' */
    size_t path_len;
    const char *query;     /* after '?', or NULL */
    size_t query_len;
    int minor;             /* 0 for HTTP/1.0, 1 for HTTP/1.1 (and 1.x) */
    size_t head_len;       /* bytes from buf[0] through the blank line */
    uint64_t content_length;
    bool keep_alive;       /* what the client asked for (version + Connection) */
    bool expect_continue;  /* Expect: 100-continue */
    int status;            /* on HTTP_PARSE_ERROR: 400, 413, 414, 431, 501, 505 */
    const char *error;     /* on HTTP_PARSE_ERROR: a short reason, static */
};

enum http_parse_result http_parse_request(const char *buf, size_t len, struct http_request *req);

/* The value of key in a query string "a=1&b=2": true and *val, *val_len set
 * when present (the value may be empty). */
bool http_query_get(const char *query, size_t query_len, const char *key, const char **val,
                    size_t *val_len);

#endif
