/* test_races.c: lab 03: each demo, built with ThreadSanitizer, runs to the end with the right result and no TSan report. */
#include "labs/labtest.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>

/* Run prog with stdout and stderr into out; returns the wait status, or -1
 * when it could not run.  Kills it after 60 s (a hang is a failure). */
static int run_capture(const char *prog, char *out, size_t size)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        execl(prog, prog, (char *)NULL);
        fprintf(stderr, "cannot run %s\n", prog);
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    uint64_t end = now_ns() + 60 * SEC;
    for (;;) {
        struct pollfd p = {.fd = fd[0], .events = POLLIN};
        int n = poll(&p, 1, 100);
        if (n > 0) {
            char tmp[4096];
            ssize_t r = read(fd[0], tmp, sizeof tmp);
            if (r <= 0)
                break;
            size_t take = (size_t)r < size - 1 - len ? (size_t)r : size - 1 - len;
            memcpy(out + len, tmp, take);
            len += take;
        } else if (now_ns() > end) {
            kill(pid, SIGKILL);
            break;
        }
    }
    out[len] = '\0';
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

/* Runs one demo; asserts it exited 0 without a TSan report and printed want. */
static void demo_is_clean(const char *name, const char *want)
{
    char prog[512];
    static char out[1 << 16];
    const char *build = getenv("MEMLAB_BUILD");
    snprintf(prog, sizeof prog, "%s/bin/lab03/%s", build ? build : "build", name);
    int status = run_capture(prog, out, sizeof out);
    bool reported = strstr(out, "WARNING: ThreadSanitizer") != NULL;
    bool exited_0 = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (reported || !exited_0 || !strstr(out, want)) {
        /* the first lines of the report say what raced with what, and where */
        char *end = out;
        for (int lines = 0; *end && lines < 14; end++)
            lines += *end == '\n';
        *end = '\0';
        print_message("%s: %s, %s\n%s\n", name, reported ? "TSan reported a race" : "no TSan report",
                      exited_0 ? "exit 0" : "did not exit 0", out);
    }
    assert_false(reported);
    assert_true(exited_0);
    assert_non_null(strstr(out, want));
}

static void test_counter_is_race_free_and_exact(void **state)
{
    (void)state;
    demo_is_clean("racy_counter", "(0 lost)");
}

static void test_stop_flag_is_race_free(void **state)
{
    (void)state;
    demo_is_clean("racy_stop_flag", "worker stopped");
}

static void test_config_publish_is_race_free(void **state)
{
    (void)state;
    demo_is_clean("racy_config", "saw 0 inconsistent");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_counter_is_race_free_and_exact),
    cmocka_unit_test(test_stop_flag_is_race_free),
    cmocka_unit_test(test_config_publish_is_race_free),
};

LAB_MAIN("lab 03: data races", tests)
