/* exit_from_worker.c: a worker that hits an error calls exit(); the rest of the program never cleans up.
 *
 * Question: what does exit() from a worker skip?  (Go: log.Fatal in a
 * goroutine calls os.Exit: deferred functions never run, a bufio.Writer is
 * never flushed.)  exit() runs the atexit handlers and flushes stdio, then
 * ends every thread wherever it stands: the logger thread's cleanup handler
 * (pthread_cleanup_push, C's `defer`) never runs, so the records it buffered
 * are lost, and main never gets to shut down in order.  It is also unsafe:
 * the atexit handlers and stdio teardown run while other threads still use
 * what they tear down.
 * Expected: exit status 1, no "cleanup:" line, no "owner:" line: the three
 * buffered records are gone.  Fixed twin: fixed_error_to_owner.c.
 *
 * expect: run=skips-cleanup
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "litmus/races/stage.h"
#include "notes/demos/logger.h"

static void *worker(void *arg)
{
    const char *input = arg;
    stage_wait(1); /* stage: the logger has buffered its records */
    char *end;
    long n = strtol(input, &end, 10);
    if (*input == '\0' || *end != '\0') {
        fprintf(stderr, "worker: bad input \"%s\"\n", input);
        exit(1); /* log.Fatal: ends the process here and now */
    }
    printf("worker: %ld squared is %ld\n", n, n * n);
    return NULL;
}

int main(void)
{
    struct logger log;
    logger_start(&log);
    pthread_t w;
    pthread_create(&w, NULL, worker, "12x"); /* bad input: the worker fails */

    pthread_join(w, NULL); /* never returns: the worker exits the process */
    logger_stop(&log);     /* never runs */
    printf("owner: shut down cleanly\n");
    return 0;
}
