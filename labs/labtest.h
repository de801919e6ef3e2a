/* labtest.h: the main() of every lab test program: run all tests, one test (--run NAME), or list them (--list).
 *
 * `make check LAB=NN` (scripts/handout.py) lists a program's tests and runs
 * each in a process of its own, so a stub that crashes or calls exit() fails
 * its own test and no other.  Run without arguments, the program runs every
 * test in order, as `make test` does.  An alarm is the last resort against a
 * hang: a student's half-written lock must fail a test, not freeze the class.
 * Tests use the toolkit's watchdog helpers (labs/toolkit/tests/testutil.h).
 */
#ifndef MEMLAB_LABTEST_H
#define MEMLAB_LABTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "labs/toolkit/tests/testutil.h"

/* A lab test has a minute; the checker gives the whole process two. */
enum { LAB_ALARM_S = 60 };

static inline int lab_main(const char *group, const struct CMUnitTest *tests, size_t n,
                           int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--run") == 0) {
        size_t i = 0;
        while (i < n && strcmp(tests[i].name, argv[2]) != 0)
            i++;
        if (i == n) {
            fprintf(stderr, "%s: no test called %s (--list shows them)\n", argv[0], argv[2]);
            return 2;
        }
        cmocka_set_test_filter(argv[2]);
    } else if (argc != 1) {
        fprintf(stderr, "usage: %s [--list | --run TEST]\n", argv[0]);
        return 2;
    }
    /* Line-buffered, so that CMocka's failure lines (stderr) and the test's
     * own (stdout) arrive in order when both go to one pipe. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(argc == 1 ? (unsigned)(LAB_ALARM_S * n) : LAB_ALARM_S);
    thread_baseline();
    return _cmocka_run_group_tests(group, tests, n, NULL, NULL);
}

#define LAB_MAIN(group, tests) \
    int main(int argc, char **argv) { return lab_main(group, tests, sizeof tests / sizeof tests[0], argc, argv); }

#endif
