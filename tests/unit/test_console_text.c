/* test_console_text.c - os-getConsoleOutput's text (core/console_text.c)
 * as a table: Python's split('\n')[-length:] for positive, zero, negative
 * and oversized lengths, the ASCII decode with U+FFFD, and the control
 * characters Nova's API strips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/console_text.h"

struct row {
    const char *log;
    bool has_length;
    int64_t length;
    const char *want;
};

static void test_tail_table(void **state)
{
    static const struct row rows[] = {
        {"a\nb\nc", false, 0, "a\nb\nc"},
        {"a\nb\nc", true, 1, "c"},
        {"a\nb\nc", true, 2, "b\nc"},
        {"a\nb\nc", true, 3, "a\nb\nc"},
        {"a\nb\nc", true, 99, "a\nb\nc"},
        {"a\nb\nc", true, 0, ""},
        {"a\nb\nc", true, -1, "b\nc"},          /* [1:] */
        {"a\nb\nc", true, -2, "c"},
        {"a\nb\nc", true, -3, ""},
        {"a\nb\nc", true, -9, ""},
        {"a\nb\n", true, 1, ""},                /* the empty last element */
        {"a\nb\n", true, 2, "b\n"},
        {"", true, 1, ""},
        {"", false, 0, ""},
        {"x\x01y\x1fz\x7f\tw\r\n", false, 0, "xyz\x7f\tw\n"},
        {"caf\xc3\xa9", false, 0, "caf\xEF\xBF\xBD\xEF\xBF\xBD"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *got = console_tail(rows[i].log, rows[i].has_length, rows[i].length);
        if (strcmp(got, rows[i].want) != 0)
            fail_msg("row %zu: got \"%s\" want \"%s\"", i, got, rows[i].want);
        free(got);
    }
}

static void test_null_log(void **state)
{
    char *got = console_tail(NULL, false, 0);
    assert_string_equal(got, "");
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tail_table),
        cmocka_unit_test(test_null_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
