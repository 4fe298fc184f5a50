/* test_action.c - the instance actions repository (store/action.c) on a
 * fresh SQLite store: start/finish with events as Nova's db api writes
 * them (message "Error" once an event fails, updated_at bumps, details),
 * listing newest first with marker, limit and changes-since/-before, and
 * the deleted-server lookup used from 2.21. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/action.h"
#include "testdb.h"

static char path[] = "/tmp/cirrus-test-action-XXXXXX";
static struct db *db;

static int setup(void **state) { return testdb_open(path, &db); }

static int teardown(void **state) { return testdb_close(path); }

static void start(const char *uuid, const char *action, const char *req)
{
    struct cerr err;
    assert_int_equal(store_action_start(db, uuid, action, req, "u1", "p1", &err), 0);
}

static void test_success_flow(void **state)
{
    struct action_row a;
    struct action_event_row *ev;
    int n;
    start("i1", "create", "req-1");
    assert_int_equal(store_action_get(db, "i1", "req-1", &a), 1);
    assert_string_equal(a.action, "create");
    assert_string_equal(a.user_id, "u1");
    assert_string_equal(a.project_id, "p1");
    assert_string_equal(a.message, "");
    assert_int_equal(a.finish_time, 0);
    assert_true(a.updated_at == a.start_time);
    int64_t created = a.updated_at;

    assert_int_equal(store_action_event_start(db, "i1", "req-1", "compute_build", "host-1"), 0);
    /* a re-run continues the open event */
    assert_int_equal(store_action_event_start(db, "i1", "req-1", "compute_build", "host-1"), 0);
    assert_int_equal(store_action_event_finish(db, "i1", "req-1", "compute_build", "Success",
                                               NULL), 0);
    assert_int_equal(store_action_finish(db, "i1", "req-1", NULL), 0);
    assert_int_equal(store_action_get(db, "i1", "req-1", &a), 1);
    assert_string_equal(a.message, "");
    assert_true(a.finish_time > 0);
    assert_true(a.updated_at >= created);

    assert_int_equal(store_action_events(db, a.id, &ev, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ev[0].event, "compute_build");
    assert_string_equal(ev[0].result, "Success");
    assert_string_equal(ev[0].host, "host-1");
    assert_null(ev[0].traceback);
    assert_null(ev[0].details);
    assert_true(ev[0].finish_time >= ev[0].start_time);
    store_action_events_free(ev, n);

    /* unknown action: nothing to attach to */
    assert_int_equal(store_action_event_start(db, "i1", "req-x", "e", NULL), -1);
    assert_int_equal(store_action_get(db, "i1", "req-x", &a), 0);
}

static void test_error_flow(void **state)
{
    struct action_row a;
    struct action_event_row *ev;
    int n;
    start("i2", "create", "req-2");
    assert_int_equal(store_action_event_start(db, "i2", "req-2", "schedule", NULL), 0);
    assert_int_equal(store_action_event_finish(db, "i2", "req-2", "schedule", "Success", NULL), 0);
    assert_int_equal(store_action_event_start(db, "i2", "req-2", "build", "h"), 0);
    assert_int_equal(store_action_event_finish(db, "i2", "req-2", "build", "Error",
                                               "Traceback (most recent call last):\n"
                                               "  File x\nBuildAbortException: no disk\n"), 0);
    /* an event finished without a start is still recorded */
    assert_int_equal(store_action_event_finish(db, "i2", "req-2", "cleanup", "Success", NULL), 0);
    assert_int_equal(store_action_finish(db, "i2", "req-2", NULL), 0);
    assert_int_equal(store_action_get(db, "i2", "req-2", &a), 1);
    assert_string_equal(a.message, "Error");
    assert_int_equal(store_action_events(db, a.id, &ev, &n), 0);
    assert_int_equal(n, 3);
    /* newest first */
    assert_string_equal(ev[0].event, "cleanup");
    assert_string_equal(ev[1].event, "build");
    assert_string_equal(ev[1].result, "Error");
    assert_non_null(ev[1].traceback);
    assert_string_equal(ev[1].details, "BuildAbortException: no disk");
    assert_string_equal(ev[2].event, "schedule");
    store_action_events_free(ev, n);

    /* an explicit message wins */
    start("i2", "stop", "req-3");
    assert_int_equal(store_action_finish(db, "i2", "req-3", "Error"), 0);
    assert_int_equal(store_action_get(db, "i2", "req-3", &a), 1);
    assert_string_equal(a.message, "Error");
}

static void list(const struct action_list_query *q, const char *want)
{
    struct action_row *rows = NULL;
    struct cerr err;
    int n = -1;
    char got[512] = "";
    assert_int_equal(store_action_list(db, q, &rows, &n, &err), 0);
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(got, ",");
        strcat(got, rows[i].request_id);
    }
    free(rows);
    assert_string_equal(got, want);
}

static void test_list(void **state)
{
    char req[16];
    for (int i = 0; i < 5; i++) {
        snprintf(req, sizeof(req), "r%d", i);
        start("i3", "reboot", req);
        usleep(2000);
    }
    struct action_list_query q = { .instance_uuid = "i3" };
    list(&q, "r4,r3,r2,r1,r0");
    q.limit = 2;
    list(&q, "r4,r3");
    q.marker = "r3";
    list(&q, "r2,r1");
    q.marker = "r1";
    list(&q, "r0");
    q.marker = "r0";
    list(&q, "");

    struct action_row r2;
    assert_int_equal(store_action_get(db, "i3", "r2", &r2), 1);
    struct action_list_query since = { .instance_uuid = "i3", .changes_since = r2.updated_at };
    list(&since, "r4,r3,r2");
    struct action_list_query before = { .instance_uuid = "i3", .changes_before = r2.updated_at };
    list(&before, "r2,r1,r0");
    struct action_list_query both = { .instance_uuid = "i3", .changes_since = r2.updated_at,
                                      .changes_before = r2.updated_at };
    list(&both, "r2");

    /* an event on r0 moves its updated_at into the changes-since window */
    assert_int_equal(store_action_event_start(db, "i3", "r0", "e", NULL), 0);
    list(&since, "r4,r3,r2,r0");

    struct action_list_query other = { .instance_uuid = "nope" };
    list(&other, "");

    struct action_row *rows;
    int n;
    struct cerr err;
    struct action_list_query bad = { .instance_uuid = "i3", .marker = "missing" };
    assert_int_equal(store_action_list(db, &bad, &rows, &n, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.message, "Marker missing could not be found.");
}

static void test_deleted_server(void **state)
{
    char owner[ACTION_ID + 8];
    assert_true(db_run(db, "INSERT INTO instances (uuid, project_id, user_id, name, flavorid,"
                           " flavor_name, vcpus, memory_mb, root_gb, vm_state, created_at,"
                           " updated_at, deleted, reservation_id) VALUES ('d1', 'p1', 'u1', 'n',"
                           " '1', 'f', 1, 1, 1, 'deleted', 1, 1, 1, 'r-1'),"
                           " ('l1', 'p1', 'u1', 'n', '1', 'f', 1, 1, 1, 'active', 1, 1, 0, 'r-2')",
                       "") == 2);
    assert_int_equal(store_action_deleted_server(db, "d1", NULL, owner), 1);
    assert_string_equal(owner, "p1");
    assert_int_equal(store_action_deleted_server(db, "d1", "p1", owner), 1);
    assert_int_equal(store_action_deleted_server(db, "d1", "p2", owner), 0);
    assert_int_equal(store_action_deleted_server(db, "l1", NULL, owner), 0);
    assert_int_equal(store_action_deleted_server(db, "zz", NULL, owner), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_flow),
        cmocka_unit_test(test_error_flow),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_deleted_server),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
