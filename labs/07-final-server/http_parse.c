/* http_parse.c: the request-head parser: request line, header fields, then the rules that span fields.
 *
 * Lines end in CRLF only: a bare LF or a CR anywhere else is a 400, which
 * closes the request-smuggling doors that lenient line endings open.  Each
 * function takes the next line, checks it, and either records a field or
 * reports the status; http_parse_request checks the size limits first, so
 * that even a head that never completes is refused once it is too big.
 */
#include "labs/07-final-server/http_parse.h"

#include <string.h>
#include <strings.h>

/* RFC 9110 tchar: the characters of a token (method, header name). */
static bool is_tchar(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return true;
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A field value's byte: VCHAR, SP, HTAB or obs-text; never CTL. */
static bool is_value_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

static enum http_parse_result fail(struct http_request *req, int status, const char *why)
{
    req->status = status;
    req->error = why;
    return HTTP_PARSE_ERROR;
}

static bool token_eq(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && strncasecmp(s, lit, n) == 0;
}

/* The end of the line starting at pos: the index of its '\n', or len if not
 * there yet.  *bad is set when the line holds a CR not followed by LF or
 * ends in a bare LF. */
static size_t line_end(const char *buf, size_t pos, size_t len, bool *bad)
{
    const char *lf = memchr(buf + pos, '\n', len - pos);
    size_t end = lf ? (size_t)(lf - buf) : len;
    const char *cr = memchr(buf + pos, '\r', end - pos);
    if (lf && (end == pos || buf[end - 1] != '\r'))
        *bad = true; /* bare LF */
    else if (cr && cr != buf + end - 1 && (size_t)(cr - buf) + 1 < len)
        *bad = true; /* CR inside the line */
    return end;
}

static enum http_parse_result parse_version(struct http_request *req, const char *v, size_t n)
{
    if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
        v[7] < '0' || v[7] > '9')
        return fail(req, 400, "malformed HTTP version");
    if (v[5] != '1')
        return fail(req, 505, "HTTP version not supported");
    req->minor = v[7] == '0' ? 0 : 1; /* 1.x, x > 1, is read as 1.1 (RFC 9110 6.2) */
    return HTTP_PARSE_OK;
}

/* "METHOD SP target SP HTTP/d.d", line without its CRLF. */
static enum http_parse_result parse_request_line(struct http_request *req, const char *line, size_t n)
{
    const char *sp1 = memchr(line, ' ', n);
    if (!sp1 || sp1 == line)
        return fail(req, 400, "malformed request line");
    size_t mlen = (size_t)(sp1 - line);
    if (mlen > 32)
        return fail(req, 400, "method too long");
    for (size_t i = 0; i < mlen; i++)
        if (!is_tchar((unsigned char)line[i]))
            return fail(req, 400, "malformed method");
    const char *target = sp1 + 1;
    const char *end = line + n;
    const char *sp2 = memchr(target, ' ', (size_t)(end - target));
    if (!sp2 || sp2 == target)
        return fail(req, 400, "malformed request line");
    size_t tlen = (size_t)(sp2 - target);
    for (size_t i = 0; i < tlen; i++) {
        unsigned char c = (unsigned char)target[i];
        if (c <= 0x20 || c >= 0x7f)
            return fail(req, 400, "bad character in target");
    }
    if (target[0] != '/')
        return fail(req, 400, "target is not origin-form");
    enum http_parse_result r = parse_version(req, sp2 + 1, (size_t)(end - sp2 - 1));
    if (r != HTTP_PARSE_OK)
        return r;
    req->method_str = line;
    req->method_len = mlen;
    req->method = token_eq(line, mlen, "GET")    ? HTTP_GET
                  : token_eq(line, mlen, "HEAD") ? HTTP_HEAD
                  : token_eq(line, mlen, "POST") ? HTTP_POST
                                                 : HTTP_OTHER;
    /* Methods are case-sensitive: "get" is not GET. */
    if (req->method != HTTP_OTHER && memcmp(line, req->method == HTTP_GET ? "GET" :
                                            req->method == HTTP_HEAD ? "HEAD" : "POST", mlen) != 0)
        req->method = HTTP_OTHER;
    const char *q = memchr(target, '?', tlen);
    req->path = target;
    req->path_len = q ? (size_t)(q - target) : tlen;
    req->query = q ? q + 1 : NULL;
    req->query_len = q ? (size_t)(sp2 - q - 1) : 0;
    return HTTP_PARSE_OK;
}

/* What the headers said, checked together once the head is complete. */
struct seen {
    int host, content_length, transfer_encoding;
    bool conn_close, conn_keep_alive, cl_bad;
};

/* A comma-separated list of tokens: look for close / keep-alive. */
static void parse_connection(struct seen *s, const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
            i++;
        if (token_eq(v + start, i - start, "close"))
            s->conn_close = true;
        else if (token_eq(v + start, i - start, "keep-alive"))
            s->conn_keep_alive = true;
    }
}

static void parse_content_length(struct http_request *req, struct seen *s, const char *v, size_t n)
{
    uint64_t x = 0;
    if (n == 0)
        s->cl_bad = true;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') {
            s->cl_bad = true;
            return;
        }
        if (x > HTTP_MAX_BODY) /* already too big: stop before it can overflow */
            continue;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    req->content_length = x;
}

/* One "name: value" line, without its CRLF. */
static enum http_parse_result parse_field(struct http_request *req, struct seen *s, const char *line, size_t n)
{
    if (line[0] == ' ' || line[0] == '\t')
        return fail(req, 400, "obsolete line folding");
    const char *colon = memchr(line, ':', n);
    if (!colon || colon == line)
        return fail(req, 400, "malformed header line");
    size_t nlen = (size_t)(colon - line);
    for (size_t i = 0; i < nlen; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == ' ' || c == '\t')
            return fail(req, 400, "whitespace before colon");
        if (!is_tchar(c))
            return fail(req, 400, "malformed header name");
    }
    const char *v = colon + 1, *end = line + n;
    for (const char *p = v; p < end; p++)
        if (!is_value_char((unsigned char)*p))
            return fail(req, 400, "control character in header value");
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vlen = (size_t)(end - v);
    if (token_eq(line, nlen, "Host")) {
        s->host++;
    } else if (token_eq(line, nlen, "Content-Length")) {
        s->content_length++;
        parse_content_length(req, s, v, vlen);
    } else if (token_eq(line, nlen, "Transfer-Encoding")) {
        s->transfer_encoding++;
    } else if (token_eq(line, nlen, "Connection")) {
        parse_connection(s, v, vlen);
    } else if (token_eq(line, nlen, "Expect")) {
        if (token_eq(v, vlen, "100-continue"))
            req->expect_continue = true;
    }
    return HTTP_PARSE_OK;
}

/* The rules that span fields (RFC 9112 6.3, 3.2). */
static enum http_parse_result check_fields(struct http_request *req, const struct seen *s)
{
    if (s->content_length && s->transfer_encoding)
        return fail(req, 400, "both Content-Length and Transfer-Encoding");
    if (s->content_length > 1)
        return fail(req, 400, "duplicate Content-Length");
    if (s->cl_bad)
        return fail(req, 400, "bad Content-Length");
    if (s->host > 1)
        return fail(req, 400, "duplicate Host");
    if (req->minor == 1 && s->host == 0)
        return fail(req, 400, "missing Host");
    if (s->transfer_encoding)
        return fail(req, 501, "Transfer-Encoding not supported (send Content-Length)");
    if (req->content_length > HTTP_MAX_BODY)
        return fail(req, 413, "body over 1 MiB");
    req->keep_alive = req->minor == 1 ? !s->conn_close : (s->conn_keep_alive && !s->conn_close);
    return HTTP_PARSE_OK;
}

enum http_parse_result http_parse_request(const char *buf, size_t len, struct http_request *req)
{
    memset(req, 0, sizeof *req);
    size_t pos = 0;
    /* RFC 9112 2.2: ignore at least one empty line before the request line. */
    while (pos < 8 && len - pos >= 2 && buf[pos] == '\r' && buf[pos + 1] == '\n')
        pos += 2;
    if (pos == len || (len - pos == 1 && buf[pos] == '\r'))
        return HTTP_PARSE_INCOMPLETE;

    bool bad = false;
    size_t eol = line_end(buf, pos, len, &bad);
    if (bad)
        return fail(req, 400, "bad line ending in request line");
    if (eol - pos > HTTP_MAX_REQUEST_LINE)
        return fail(req, 414, "request line too long");
    if (eol == len)
        return HTTP_PARSE_INCOMPLETE;
    enum http_parse_result r = parse_request_line(req, buf + pos, eol - 1 - pos);
    if (r != HTTP_PARSE_OK)
        return r;

    struct seen s = {0};
    size_t headers_start = eol + 1;
    int nfields = 0;
    pos = headers_start;
    for (;;) {
        eol = line_end(buf, pos, len, &bad);
        if (bad)
            return fail(req, 400, "bad line ending in header");
        if (eol - headers_start > HTTP_MAX_HEADER_BYTES)
            return fail(req, 431, "header section over 8 KiB");
        if (eol == len)
            return HTTP_PARSE_INCOMPLETE;
        size_t n = eol - 1 - pos;
        if (n == 0)
            break;
        if (++nfields > HTTP_MAX_HEADERS)
            return fail(req, 431, "more than 100 header fields");
        r = parse_field(req, &s, buf + pos, n);
        if (r != HTTP_PARSE_OK)
            return r;
        pos = eol + 1;
    }
    req->head_len = eol + 1;
    return check_fields(req, &s);
}

bool http_query_get(const char *query, size_t query_len, const char *key, const char **val,
                    size_t *val_len)
{
    size_t klen = strlen(key), i = 0;
    while (query && i < query_len) {
        const char *amp = memchr(query + i, '&', query_len - i);
        size_t end = amp ? (size_t)(amp - query) : query_len;
        const char *pair = query + i;
        size_t plen = end - i;
        if (plen >= klen && memcmp(pair, key, klen) == 0 && (plen == klen || pair[klen] == '=')) {
            *val = plen == klen ? pair + plen : pair + klen + 1;
            *val_len = plen == klen ? 0 : plen - klen - 1;
            return true;
        }
        i = end + 1;
    }
    return false;
}
