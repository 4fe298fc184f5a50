/* test_task_store.c - the tasks repository (store/task.c) and
 * task_enqueue (core/task.c): per-queue FIFO claims, the pending->running
 * compare-and-swap under a second connection, run_after, retry counting,
 * the running rows a crash leaves, and servers left in a task state with
 * no task to clear it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/task.h"
#include "store/task.h"
#include "util/clock.h"
#include "testdb.h"

static char path[] = "/tmp/cirrus-test-tasks-XXXXXX";
static struct db *db;

static int setup(void **state) { return testdb_open(path, &db); }

static int teardown(void **state) { return testdb_close(path); }

/* Empties the queue between tests. */
static int clean(void **state)
{
    return db_run(db, "DELETE FROM tasks", "") < 0 || db_run(db, "DELETE FROM instances", "") < 0
               ? -1 : 0;
}

static int64_t enqueue(const char *kind, const char *uuid, const char *host)
{
    struct cerr err;
    json_t *args = json_pack("{s:s}", "k", "v");
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(task_enqueue(db, kind, uuid, host, args, "req-1", &err), 0);
    assert_int_equal(db_commit(db), 0);
    json_decref(args);
    int64_t id = 0;
    assert_int_equal(db_query_int(db, &id, "SELECT MAX(id) FROM tasks", ""), 1);
    return id;
}

static void test_fifo_per_queue(void **state)
{
    int64_t b1 = enqueue(TASK_BUILD, "u1", NULL);
    int64_t s1 = enqueue(TASK_SPAWN, "u2", "h1");
    int64_t b2 = enqueue(TASK_BUILD, "u3", "");          /* "" = conductor too */
    int64_t s2 = enqueue(TASK_SPAWN, "u4", "h2");
    int64_t now = clock_now_us();
    struct task t;
    assert_int_equal(store_task_claim_next(db, NULL, "conductor:x", now, &t), 1);
    assert_int_equal(t.id, b1);
    assert_string_equal(t.kind, TASK_BUILD);
    assert_string_equal(t.state, TASK_RUNNING);
    assert_string_equal(t.owner, "conductor:x");
    assert_string_equal(t.host, "");
    assert_string_equal(t.args, "{\"k\":\"v\"}");
    assert_string_equal(t.request_id, "req-1");
    task_clear(&t);
    assert_int_equal(store_task_claim_next(db, NULL, "conductor:x", now, &t), 1);
    assert_int_equal(t.id, b2);
    task_clear(&t);
    assert_int_equal(store_task_claim_next(db, NULL, "conductor:x", now, &t), 0);
    assert_int_equal(store_task_claim_next(db, "h2", "h2", now, &t), 1);
    assert_int_equal(t.id, s2);
    assert_string_equal(t.host, "h2");
    task_clear(&t);
    assert_int_equal(store_task_claim_next(db, "h1", "h1", now, &t), 1);
    assert_int_equal(t.id, s1);
    task_clear(&t);
    assert_int_equal(store_task_claim_next(db, "h1", "h1", now, &t), 0);
}

static void test_finish_fail_retry(void **state)
{
    int64_t id = enqueue(TASK_DELETE, "u1", "h1");
    struct task t;
    int64_t now = clock_now_us();
    assert_int_equal(store_task_claim_next(db, "h1", "h1", now, &t), 1);
    task_clear(&t);
    assert_int_equal(store_task_retry(db, id, now + 5000000), 0);
    assert_int_equal(store_task_claim_next(db, "h1", "h1", now, &t), 0);     /* not yet */
    assert_int_equal(store_task_claim_next(db, "h1", "h1", now + 5000000, &t), 1);
    assert_int_equal(t.attempts, 1);
    assert_string_equal(t.owner, "h1");
    task_clear(&t);
    assert_int_equal(store_task_fail(db, id), 0);
    assert_int_equal(store_task_claim_next(db, "h1", "h1", now + 9000000, &t), 0);
    int64_t n = 0;
    assert_int_equal(db_query_int(db, &n, "SELECT COUNT(*) FROM tasks WHERE state = 'failed'",
                                  ""), 1);
    assert_int_equal(n, 1);
    assert_int_equal(store_task_finish(db, id), 0);
    assert_int_equal(db_query_int(db, &n, "SELECT COUNT(*) FROM tasks", ""), 1);
    assert_int_equal(n, 0);
}

static void test_running_by_owner(void **state)
{
    enqueue(TASK_SPAWN, "u1", "h1");
    enqueue(TASK_SPAWN, "u2", "h1");
    enqueue(TASK_SPAWN, "u3", "h2");
    int64_t now = clock_now_us();
    struct task t;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_task_claim_next(db, "h1", "h1", now, &t), 1);
        task_clear(&t);
    }
    assert_int_equal(store_task_claim_next(db, "h2", "h2", now, &t), 1);
    task_clear(&t);
    struct task *list = NULL;
    int count = 0;
    assert_int_equal(store_task_running_by(db, "h1", &list, &count), 0);
    assert_int_equal(count, 2);
    assert_string_equal(list[0].instance_uuid, "u1");
    assert_string_equal(list[1].instance_uuid, "u2");
    task_list_free(list, count);
    assert_int_equal(store_task_running_by(db, "nobody", &list, &count), 0);
    assert_int_equal(count, 0);
    task_list_free(list, count);
}

/* Two connections race for one row: exactly one wins the swap. */
struct racer { int64_t id; int won; };

static void *race(void *p)
{
    struct racer *r = p;
    struct db *mine = store_db();
    struct task t;
    r->won = store_task_claim_next(mine, "hr", "rival", clock_now_us(), &t);
    if (r->won == 1) {
        r->id = t.id;
        task_clear(&t);
    }
    store_thread_done();
    return NULL;
}

static void test_claim_is_exclusive(void **state)
{
    for (int round = 0; round < 20; round++) {
        enqueue(TASK_SPAWN, "u", "hr");
        struct racer a = {0}, b = {0};
        pthread_t ta, tb;
        pthread_create(&ta, NULL, race, &a);
        pthread_create(&tb, NULL, race, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        assert_int_equal(a.won + b.won, 1);
        assert_int_equal(store_task_finish(db, a.won ? a.id : b.id), 0);
    }
}

static void add_server(const char *uuid, const char *vm, const char *task, const char *host)
{
    int64_t now = clock_now_us();
    assert_true(db_run(db, "INSERT INTO instances (uuid, project_id, user_id, name, flavorid,"
                           " flavor_name, vcpus, memory_mb, root_gb, vm_state, task_state, host,"
                           " created_at, updated_at, reservation_id)"
                           " VALUES (?, 'p', 'u', 'n', '1', 'm1', 1, 1, 1, ?, ?, ?, ?, ?, 'r')",
                       "ssssii", uuid, vm, task, host, now, now) == 1);
}

static void test_orphans(void **state)
{
    add_server("a", "building", "scheduling", NULL);     /* has a pending build */
    add_server("b", "building", "spawning", "h1");       /* its task is gone */
    add_server("c", "active", "deleting", "h1");         /* its task failed */
    add_server("d", "active", NULL, "h1");               /* no task state: fine */
    add_server("e", "active", "pausing", "h2");          /* running on h2 */
    enqueue(TASK_BUILD, "a", NULL);
    int64_t c_task = enqueue(TASK_DELETE, "c", "h1");
    assert_int_equal(store_task_fail(db, c_task), 0);
    enqueue("pause", "e", "h2");
    struct task t;
    assert_int_equal(store_task_claim_next(db, "h2", "h2", clock_now_us(), &t), 1);
    task_clear(&t);
    struct task_orphan *list = NULL;
    int n = 0;
    assert_int_equal(store_task_orphans(db, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].uuid, "b");
    assert_string_equal(list[0].vm_state, "building");
    assert_string_equal(list[0].task_state, "spawning");
    assert_string_equal(list[0].host, "h1");
    assert_string_equal(list[1].uuid, "c");
    assert_string_equal(list[1].task_state, "deleting");
    free(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_fifo_per_queue, clean),
        cmocka_unit_test_setup(test_finish_fail_retry, clean),
        cmocka_unit_test_setup(test_running_by_owner, clean),
        cmocka_unit_test_setup(test_claim_is_exclusive, clean),
        cmocka_unit_test_setup(test_orphans, clean),
    };
    return cmocka_run_group_tests_name("task store", tests, setup, teardown);
}
