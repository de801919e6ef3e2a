/* fixed_error_to_owner.c: exit_from_worker with the worker returning its error to the owner, which shuts down in order.
 *
 * Question: what should a worker do with an error it cannot handle?  Return
 * it to whoever started it (Go: return err, and let errgroup.Wait hand the
 * first one to the owner).  The owner -- the one thread that knows every
 * part of the program -- stops the other parts in order, lets their cleanup
 * run, and only then ends the process with a failure status.
 * Expected: exit status 1 after the "cleanup:" line and the three records,
 * then "owner: ...".  (labs/07-final-server builds this into an errgroup.)
 *
 * expect: run=runs-cleanup
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "litmus/races/stage.h"
#include "notes/demos/logger.h"

struct job {
    const char *input;
    long answer;     /* valid when error is NULL */
    const char *error; /* NULL, or what went wrong */
};

static void *worker(void *arg)
{
    struct job *job = arg;
    stage_wait(1); /* stage: the logger has buffered its records */
    char *end;
    long n = strtol(job->input, &end, 10);
    if (*job->input == '\0' || *end != '\0') {
        job->error = "bad input"; /* hand the error back: join publishes it */
        return NULL;
    }
    job->answer = n * n;
    return NULL;
}

int main(void)
{
    struct logger log;
    logger_start(&log);
    struct job job = {.input = "12x"}; /* bad input: the worker fails */
    pthread_t w;
    pthread_create(&w, NULL, worker, &job);

    pthread_join(w, NULL); /* everything the worker wrote is visible now */
    logger_stop(&log);     /* its cleanup handler runs: the records are written */
    if (job.error != NULL) {
        printf("owner: worker failed (%s \"%s\"); shut down cleanly\n", job.error, job.input);
        return 1;
    }
    printf("owner: %s squared is %ld; shut down cleanly\n", job.input, job.answer);
    return 0;
}
