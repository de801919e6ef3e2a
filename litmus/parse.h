/* parse.h: read a C litmus test (the herd7/litmus7/Linux-kernel format) into an lt_test. */
#ifndef MEMLAB_LITMUS_PARSE_H
#define MEMLAB_LITMUS_PARSE_H

#include <stddef.h>

#include "litmus/ast.h"

/* Parse the test in text; path names it in messages.  Returns the test, or
 * NULL with a one-line "path:line: message" in err (a syntax error, or the
 * construct that is outside memlab's subset and why). */
struct lt_test *lt_parse(const char *path, const char *text, char *err, size_t errsize);

/* Read and parse a file; NULL with the reason in err (also when unreadable). */
struct lt_test *lt_parse_file(const char *path, char *err, size_t errsize);

/* Read a whole file into a NUL-terminated malloc'd string, or NULL (errno set). */
char *lt_read_file(const char *path);

#endif
