/* test_forkcow.c: notes/fork-cow.md's demo: after fork, each page the parent writes is copied once, and the child still sees the fork-time contents. */
#include "labs/labtest.h"

#include <stdlib.h>

/* forkcow with args; its exit status, all it printed in out. */
static int run(const char *args, char *out, size_t size)
{
    return run_build("bin/forkcow", args, out, size);
}

static void test_pages_copied_equal_pages_written(void **state)
{
    (void)state;
    if (running_emulated()) { /* qemu-user takes page faults of its own in the same process */
        print_message("skipped under an emulator: its own page faults count with the program's\n");
        skip();
    }
    static char out[4096];
    int status = run("--mib 16 --every 4", out, sizeof out);
    print_message("%s", out);
    assert_int_equal(status, 0);
    unsigned long written = 0;
    const char *w = strstr(out, "parent wrote ");
    assert_non_null(w);
    assert_int_equal(sscanf(w, "parent wrote %lu pages", &written), 1);
    assert_int_equal(written, (16ul << 20) / (unsigned long)sysconf(_SC_PAGESIZE) / 4);
    assert_non_null(strstr(out, "pages copied = pages written: yes"));
}

static void test_bad_arguments_are_refused(void **state)
{
    (void)state;
    static char out[4096];
    int status = run("--mib 0", out, sizeof out);
    assert_int_equal(status, 2);
    assert_non_null(strstr(out, "--mib wants"));
    status = run("--bogus", out, sizeof out);
    assert_int_equal(status, 2);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pages_copied_equal_pages_written),
    cmocka_unit_test(test_bad_arguments_are_refused),
};

LAB_MAIN("notes: fork and copy-on-write", tests)
