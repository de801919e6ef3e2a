/* test_races.c: lab 03: each demo, built with ThreadSanitizer, runs to the end with the right result and no TSan report. */
#include "labs/labtest.h"

/* Runs one demo; asserts it exited 0 without a TSan report and printed want. */
static void demo_is_clean(const char *name, const char *want)
{
    char prog[256];
    static char out[1 << 16];
    snprintf(prog, sizeof prog, "bin/lab03/%s", name);
    int status = run_build(prog, "", out, sizeof out);
    bool reported = strstr(out, "WARNING: ThreadSanitizer") != NULL;
    bool exited_0 = status == 0;
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
