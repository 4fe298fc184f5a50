/* test_task_result.c - the task_results repository (store/task_result.c):
 * an answer is taken exactly once, a missing one is "not yet", and
 * answers nobody took expire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "store/task_result.h"
#include "util/clock.h"
#include "testdb.h"

static char path[] = "/tmp/cirrus-test-results-XXXXXX";
static struct db *db;

static int setup(void **state) { return testdb_open(path, &db); }

static int teardown(void **state) { return testdb_close(path); }

static void test_take_once(void **state)
{
    struct task_result r = {0};
    assert_int_equal(store_task_result_take(db, 7, &r), 0);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(store_task_result_put(db, 7, 200, "FAKE CONSOLE OUTPUT"), 0);
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(store_task_result_take(db, 7, &r), 1);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "FAKE CONSOLE OUTPUT");
    task_result_clear(&r);
    assert_null(r.body);
    assert_int_equal(store_task_result_take(db, 7, &r), 0);
}

static void test_null_body_is_empty(void **state)
{
    struct task_result r = {0};
    assert_int_equal(store_task_result_put(db, 8, 409, NULL), 0);
    assert_int_equal(store_task_result_take(db, 8, &r), 1);
    assert_int_equal(r.status, 409);
    assert_string_equal(r.body, "");
    task_result_clear(&r);
}

static void test_expire(void **state)
{
    struct task_result r = {0};
    assert_int_equal(store_task_result_put(db, 9, 202, ""), 0);
    assert_int_equal(store_task_result_expire(db, clock_now_us() - 60000000), 0);
    assert_int_equal(store_task_result_take(db, 9, &r), 1);     /* too young to expire */
    task_result_clear(&r);
    assert_int_equal(store_task_result_put(db, 10, 202, ""), 0);
    assert_int_equal(store_task_result_expire(db, clock_now_us() + 1), 0);
    assert_int_equal(store_task_result_take(db, 10, &r), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_once),
        cmocka_unit_test(test_null_body_is_empty),
        cmocka_unit_test(test_expire),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
