/* test_migration_store.c - the migrations repository (store/migration.c):
 * insert and reads by id / uuid, NULL round trips, the status
 * compare-and-set, in-progress lookup as Nova's
 * migration_get_in_progress_by_instance, and the os-migrations list:
 * every filter, both orders, marker paging and its unknown-marker 400. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/migration.h"
#include "util/mem.h"
#include "testdb.h"

static char path[] = "/tmp/cirrus-test-migrations-XXXXXX";
static struct db *db;

static int setup(void **state) { return testdb_open(path, &db); }

static int teardown(void **state) { return testdb_close(path); }

static int clean(void **state)
{
    return db_run(db, "DELETE FROM migrations", "") < 0 ? -1 : 0;
}

static int64_t add(const char *instance, const char *src, const char *dest, const char *status,
                   const char *type, const char *user, const char *project)
{
    struct migration_row m = {0};
    struct cerr err = {0};
    str_copy(m.instance_uuid, sizeof(m.instance_uuid), instance);
    str_copy(m.source_compute, sizeof(m.source_compute), src);
    str_copy(m.dest_compute, sizeof(m.dest_compute), dest);
    str_copy(m.status, sizeof(m.status), status);
    str_copy(m.migration_type, sizeof(m.migration_type), type);
    str_copy(m.user_id, sizeof(m.user_id), user);
    str_copy(m.project_id, sizeof(m.project_id), project);
    m.memory_total = m.memory_processed = m.memory_remaining = -1;
    m.disk_total = m.disk_processed = m.disk_remaining = -1;
    m.old_instance_type_id = 1;
    m.new_instance_type_id = 2;
    assert_int_equal(store_migration_insert(db, &m, &err), 0);
    assert_true(m.id > 0);
    assert_int_equal((int)strlen(m.uuid), 36);
    return m.id;
}

static void test_insert_and_get(void **state)
{
    struct migration_row m = {0}, by_uuid = {0};
    struct cerr err = {0};
    int64_t id = add("i1", "h1", "", MIGRATION_PRE_MIGRATING, MIGRATION_TYPE_MIGRATION, "u",
                     "");
    assert_int_equal(store_migration_get(db, id, &m, &err), 0);
    assert_string_equal(m.instance_uuid, "i1");
    assert_string_equal(m.source_compute, "h1");
    assert_string_equal(m.dest_compute, "");          /* NULL */
    assert_string_equal(m.project_id, "");
    assert_int_equal(m.memory_total, -1);
    assert_int_equal(m.old_instance_type_id, 1);
    assert_int_equal(m.new_instance_type_id, 2);
    assert_null(m.old_flavor);
    assert_false(m.hidden);
    assert_int_equal(store_migration_get_by_uuid(db, m.uuid, &by_uuid, &err), 0);
    assert_int_equal(by_uuid.id, id);
    assert_int_equal(store_migration_get(db, id + 100, &m, &err), -1);
    assert_int_equal(err.status, 404);
    assert_int_equal(store_migration_get_by_uuid(db, "nope", &m, &err), -1);
    assert_int_equal(err.status, 404);
    migration_row_clear(&m);
    migration_row_clear(&by_uuid);
}

static void test_status_cas_dest_progress(void **state)
{
    struct migration_row m = {0};
    struct cerr err = {0};
    int64_t id = add("i1", "h1", "", MIGRATION_FINISHED, MIGRATION_TYPE_RESIZE, "u", "p");
    assert_int_equal(store_migration_set_status(db, id, MIGRATION_MIGRATING, "x"), 0);
    assert_int_equal(store_migration_set_status(db, id, MIGRATION_FINISHED,
                                                MIGRATION_CONFIRMING), 1);
    assert_int_equal(store_migration_set_status(db, id, NULL, MIGRATION_CONFIRMED), 1);
    assert_int_equal(store_migration_set_dest(db, id, "h2", NULL, "10.0.0.2"), 0);
    struct migration_progress p = { 100, 40, 60, 10, 5, 5 };
    assert_int_equal(store_migration_set_progress(db, id, &p), 0);
    assert_int_equal(store_migration_get(db, id, &m, &err), 0);
    assert_string_equal(m.status, MIGRATION_CONFIRMED);
    assert_string_equal(m.dest_compute, "h2");
    assert_string_equal(m.dest_node, "h2");
    assert_string_equal(m.dest_host, "10.0.0.2");
    assert_int_equal(m.memory_processed, 40);
    assert_int_equal(m.disk_remaining, 5);
    migration_row_clear(&m);
}

static void test_in_progress_and_by_status(void **state)
{
    struct migration_row m = {0};
    add("i1", "h1", "h2", MIGRATION_CONFIRMED, MIGRATION_TYPE_MIGRATION, "u", "p");
    assert_int_equal(store_migration_in_progress(db, "i1", NULL, &m), 0);
    int64_t live = add("i1", "h2", "h3", MIGRATION_RUNNING, MIGRATION_TYPE_LIVE, "u", "p");
    assert_int_equal(store_migration_in_progress(db, "i1", NULL, &m), 1);
    assert_int_equal(m.id, live);
    migration_row_clear(&m);
    assert_int_equal(store_migration_in_progress(db, "i1", MIGRATION_TYPE_RESIZE, &m), 0);
    assert_int_equal(store_migration_in_progress(db, "i2", NULL, &m), 0);
    /* "finished" is still in progress: it waits for confirm or revert */
    int64_t fin = add("i2", "h1", "h2", MIGRATION_FINISHED, MIGRATION_TYPE_RESIZE, "u", "p");
    assert_int_equal(store_migration_in_progress(db, "i2", NULL, &m), 1);
    migration_row_clear(&m);
    assert_int_equal(store_migration_get_by_instance_status(db, "i2", MIGRATION_FINISHED, &m),
                     1);
    assert_int_equal(m.id, fin);
    migration_row_clear(&m);
    assert_int_equal(store_migration_get_by_instance_status(db, "i1", MIGRATION_FINISHED, &m),
                     0);
    assert_true(migration_status_is_final(MIGRATION_DONE));
    assert_false(migration_status_is_final(MIGRATION_POST_MIGRATING));
}

static int list(const struct migration_query *q, int64_t *ids, int max)
{
    struct migration_row *rows = NULL;
    int n = 0;
    struct cerr err = {0};
    assert_int_equal(store_migration_list(db, q, &rows, &n, &err), 0);
    assert_true(n <= max);
    for (int i = 0; i < n; i++)
        ids[i] = rows[i].id;
    migration_list_free(rows, n);
    return n;
}

static void test_list_filters_and_paging(void **state)
{
    int64_t a = add("i1", "h1", "h2", MIGRATION_CONFIRMED, MIGRATION_TYPE_MIGRATION, "u1", "p1");
    int64_t b = add("i2", "h2", "h3", MIGRATION_FINISHED, MIGRATION_TYPE_RESIZE, "u2", "p2");
    int64_t c = add("i3", "h3", "h1", MIGRATION_RUNNING, MIGRATION_TYPE_LIVE, "u1", "p2");
    int64_t ids[8];
    struct migration_query q = {0};
    assert_int_equal(list(&q, ids, 8), 3);
    assert_true(ids[0] == a && ids[1] == b && ids[2] == c);
    q.newest_first = true;
    assert_int_equal(list(&q, ids, 8), 3);
    assert_true(ids[0] == c && ids[2] == a);
    q = (struct migration_query){ .host = "h1" };
    assert_int_equal(list(&q, ids, 8), 2);
    assert_true(ids[0] == a && ids[1] == c);
    q = (struct migration_query){ .source_compute = "h1" };
    assert_int_equal(list(&q, ids, 8), 1);
    q = (struct migration_query){ .status = MIGRATION_FINISHED };
    assert_int_equal(list(&q, ids, 8), 1);
    assert_true(ids[0] == b);
    q = (struct migration_query){ .migration_type = MIGRATION_TYPE_LIVE, .instance_uuid = "i3" };
    assert_int_equal(list(&q, ids, 8), 1);
    q = (struct migration_query){ .user_id = "u1", .project_id = "p2" };
    assert_int_equal(list(&q, ids, 8), 1);
    assert_true(ids[0] == c);
    q = (struct migration_query){ .in_progress_only = true };
    assert_int_equal(list(&q, ids, 8), 2);
    q = (struct migration_query){ .changes_since = INT64_MAX - 1 };
    assert_int_equal(list(&q, ids, 8), 0);
    q = (struct migration_query){ .changes_before = 1 };
    assert_int_equal(list(&q, ids, 8), 0);
    /* paging newest first with a uuid marker */
    struct migration_row mc = {0};
    struct cerr err = {0};
    assert_int_equal(store_migration_get(db, c, &mc, &err), 0);
    q = (struct migration_query){ .newest_first = true, .limit = 1, .marker = mc.uuid };
    assert_int_equal(list(&q, ids, 8), 1);
    assert_true(ids[0] == b);
    migration_row_clear(&mc);
    struct migration_row *rows = NULL;
    int n = 0;
    q = (struct migration_query){ .newest_first = true, .marker = "missing" };
    assert_int_equal(store_migration_list(db, &q, &rows, &n, &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.message, "Marker missing could not be found.");
    /* hidden rows stay out unless asked for */
    assert_true(db_run(db, "UPDATE migrations SET hidden = 1 WHERE id = ?", "i", a) == 1);
    q = (struct migration_query){0};
    assert_int_equal(list(&q, ids, 8), 2);
    q.include_hidden = true;
    assert_int_equal(list(&q, ids, 8), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_insert_and_get, clean),
        cmocka_unit_test_setup(test_status_cas_dest_progress, clean),
        cmocka_unit_test_setup(test_in_progress_and_by_status, clean),
        cmocka_unit_test_setup(test_list_filters_and_paging, clean),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
