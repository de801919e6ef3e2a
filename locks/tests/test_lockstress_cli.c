/* test_lockstress_cli.c: lockstress answers bad input with one line and exit status 2, and good input with a clean run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labs/toolkit/tests/testutil.h"
#include "locks/lock.h"
#include "locks/sys.h"

/* Run lockstress with args (a shell word list); stdout+stderr in out. */
static int run(const char *args, char *out, size_t outsize)
{
    return run_build("bin/lockstress", args, out, outsize);
}

static void expect_usage_error(const char *args, const char *message)
{
    char out[4096];
    int st = run(args, out, sizeof out);
    if (st != 2 || !strstr(out, message) || !strstr(out, "usage:"))
        fail_msg("lockstress %s: exit %d, want 2 with '%s' and usage; got:\n%s", args, st,
                 message, out);
}

static void bad_input_gets_a_message_and_status_2(void **state)
{
    (void)state;
    expect_usage_error("", "give exactly one of --lock NAME and --all");
    expect_usage_error("--lock nosuchlock", "unknown lock 'nosuchlock'");
    expect_usage_error("--lock tas --threads 0", "--threads: '0'");
    expect_usage_error("--lock tas --threads 2,abc", "--threads: 'abc'");
    expect_usage_error("--lock tas --threads 2000", "--threads: '2000'");
    expect_usage_error("--lock tas --seconds -1", "--seconds: '-1'");
    expect_usage_error("--lock tas --seconds inf", "--seconds: 'inf'");
    expect_usage_error("--lock tas --cs-ns 1.5", "--cs-ns: '1.5' is not a whole number");
    expect_usage_error("--lock rwlock --read-pct 101", "--read-pct: '101'");
    expect_usage_error("--lock tas --read-pct 50", "'tas' is a mutex");
    expect_usage_error("--lock tas --frobnicate", "unknown or incomplete option");
    expect_usage_error("--lock tas extra", "unexpected argument 'extra'");
    /* An option given twice would let one silently win. */
    expect_usage_error("--lock ticket --lock tas", "--lock given twice ('ticket' and 'tas')");
    expect_usage_error("--lock tas --threads 2 --threads 4", "--threads given twice");
    /* Every comma separates two counts. */
    expect_usage_error("--lock tas --threads 2,", "--threads: '2,' has an empty count");
    expect_usage_error("--lock tas --threads ,2", "--threads: ',2' has an empty count");
    expect_usage_error("--lock tas --threads 2,,4", "--threads: '2,,4' has an empty count");
    expect_usage_error("--lock tas --threads ''", "--threads: '' has an empty count");
}

static void help_exits_0(void **state)
{
    (void)state;
    char out[8192];
    int st = run("--help", out, sizeof out);
    if (st != 0 || !strstr(out, "usage: lockstress"))
        fail_msg("lockstress --help: exit %d, want 0 and the usage:\n%s", st, out);
}

/* A test program run by hand from another directory, without make's
 * MEMLAB_BUILD, still finds the programs it runs (testutil.h build_dir). */
static void finds_its_programs_from_any_directory(void **state)
{
    (void)state;
    if (running_emulated()) {
        /* Under qemu-user /proc/self/exe names qemu, not this test. */
        print_message("  skipped under emulation: the test's own path is qemu's\n");
        skip();
    }
    char cwd[PATH_MAX], saved[PATH_MAX] = "";
    assert_non_null(getcwd(cwd, sizeof cwd));
    const char *env = getenv("MEMLAB_BUILD");
    if (env)
        snprintf(saved, sizeof saved, "%s", env);
    unsetenv("MEMLAB_BUILD");
    assert_int_equal(chdir("/"), 0);
    char out[8192];
    int st = run("--list", out, sizeof out);
    const char *dir = build_dir();
    assert_int_equal(chdir(cwd), 0);
    if (env)
        setenv("MEMLAB_BUILD", saved, 1);
    if (st != 0 || !strstr(out, "mutex_handoff"))
        fail_msg("from /, without MEMLAB_BUILD: build dir '%s', lockstress --list exit %d:\n%s", dir, st, out);
    assert_true(dir[0] == '/');
}

static void list_shows_every_registry_entry(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(run("--list", out, sizeof out), 0);
    for (const struct lock_ops *const *p = lock_registry; *p; p++)
        if (!strstr(out, (*p)->name))
            fail_msg("--list does not show '%s':\n%s", (*p)->name, out);
}

static void a_short_run_reports_zero_violations(void **state)
{
    (void)state;
    char out[4096];
    int st = run("--lock mutex_handoff --threads 2,3 --seconds 0.05 --json", out, sizeof out);
    if (st != 0 || !strstr(out, "\"lock\":\"mutex_handoff\"") || !strstr(out, "\"threads\":3") ||
        !strstr(out, "\"violations\":0"))
        fail_msg("want exit 0 and two JSON lines with 0 violations, got exit %d:\n%s", st, out);
    st = run("--lock cowcfg --threads 3 --seconds 0.05 --read-pct 99", out, sizeof out);
    if (st != 0 || !strstr(out, "99 % reads") || !strstr(out, "violations               0"))
        fail_msg("cowcfg run: exit %d:\n%s", st, out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_input_gets_a_message_and_status_2),
        cmocka_unit_test(list_shows_every_registry_entry),
        cmocka_unit_test(help_exits_0),
        cmocka_unit_test(finds_its_programs_from_any_directory),
        cmocka_unit_test(a_short_run_reports_zero_violations),
    };
    return cmocka_run_group_tests_name("lockstress command line", tests, NULL, NULL);
}
