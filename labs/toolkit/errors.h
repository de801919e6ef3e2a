/* errors.h: the toolkit's error values: 0 is Go's nil, positive numbers are errno values, negative ones are the toolkit's own.
 *
 * Go's errors are interface values; C has ints.  Every toolkit call that can
 * fail returns one of these, and a task or handler reports its own failure
 * the same way (an errno value such as EADDRINUSE, or any other non-zero int
 * the program chooses).  Comparing is `==`, the C spelling of errors.Is for
 * these sentinel errors.  Nothing here allocates, so an error never needs
 * freeing.
 */
#ifndef MEMLAB_TOOLKIT_ERRORS_H
#define MEMLAB_TOOLKIT_ERRORS_H

enum {
    TK_OK = 0,
    TK_CANCELED = -1,          /* context.Canceled: the context was cancelled by hand */
    TK_DEADLINE_EXCEEDED = -2, /* context.DeadlineExceeded: the context's deadline passed */
    TK_CLOSED = -3,            /* the channel (or the queue built on one) is closed */
    TK_TIMEOUT = -4,           /* a wait's own timeout passed (no context involved) */
    TK_WOULD_BLOCK = -5,       /* a try-operation found nothing ready (select's default:) */
    TK_INVALID = -6,           /* an impossible argument (a call that could only block for ever) */
};

/* A message for err: the toolkit's name for its own codes, strerror for
 * errno values, "ok" for 0.  The string is static; never free it. */
const char *tk_strerror(int err);

#endif
