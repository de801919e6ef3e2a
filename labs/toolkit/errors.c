/* errors.c: messages for the toolkit's error values. */
#include "labs/toolkit/errors.h"

#include <string.h>

const char *tk_strerror(int err)
{
    switch (err) {
    case TK_OK: return "ok";
    case TK_CANCELED: return "context canceled";
    case TK_DEADLINE_EXCEEDED: return "context deadline exceeded";
    case TK_CLOSED: return "closed";
    case TK_TIMEOUT: return "timed out";
    case TK_WOULD_BLOCK: return "would block";
    case TK_INVALID: return "invalid argument";
    }
    /* strerrordesc_np (glibc 2.32) returns the static message, unlike
     * strerror it is thread-safe, and it is NULL for unknown numbers. */
    const char *msg = err > 0 ? strerrordesc_np(err) : NULL;
    return msg ? msg : "unknown error";
}
