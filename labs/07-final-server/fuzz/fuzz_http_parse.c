/* fuzz_http_parse.c: libFuzzer target for the request-head parser: no crash, no read past the input, and every answer self-consistent.
 *
 * Built by `make fuzz` with -fsanitize=fuzzer,address,undefined.  The input is
 * copied into a buffer of exactly its size, so ASan catches a read of even
 * one byte past the end.  Beyond "no crash", it checks what a connection
 * relies on: OK means head_len is within the input and ends in CRLF CRLF and
 * every pointer lies inside the head; ERROR carries one of the documented
 * statuses; and a prefix of a complete head is never OK, so a server that
 * parses as bytes arrive sees the same request as one that waits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "labs/07-final-server/http_parse.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

static void check_inside(const char *buf, size_t len, const char *p, size_t n)
{
    if (p)
        check(p >= buf && p + n <= buf + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct http_request r;
    enum http_parse_result res = http_parse_request(buf, size, &r);
    if (res == HTTP_PARSE_OK) {
        check(r.head_len >= 4 && r.head_len <= size);
        check(memcmp(buf + r.head_len - 4, "\r\n\r\n", 4) == 0);
        check(r.content_length <= HTTP_MAX_BODY);
        check(r.minor == 0 || r.minor == 1);
        check_inside(buf, r.head_len, r.method_str, r.method_len);
        check_inside(buf, r.head_len, r.path, r.path_len);
        check_inside(buf, r.head_len, r.query, r.query_len);
        check(r.path_len > 0 && r.path[0] == '/');
        /* A strict prefix of the head is never a complete request. */
        struct http_request p;
        check(http_parse_request(buf, r.head_len - 1, &p) != HTTP_PARSE_OK);
        const char *v;
        size_t vl;
        if (http_query_get(r.query, r.query_len, "ms", &v, &vl))
            check_inside(buf, r.head_len, v, vl);
    } else if (res == HTTP_PARSE_ERROR) {
        int s = r.status;
        check(s == 400 || s == 413 || s == 414 || s == 431 || s == 501 || s == 505);
        check(r.error != NULL);
    } else {
        check(res == HTTP_PARSE_INCOMPLETE);
        check(size <= HTTP_MAX_REQUEST_LINE + HTTP_MAX_HEADER_BYTES + 16);
    }
    free(buf);
    return 0;
}
