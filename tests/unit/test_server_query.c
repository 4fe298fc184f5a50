/* test_server_query.c - the servers read side below HTTP: Nova-style
 * regex translation (store/server_match.c), the list query's filters,
 * sort keyset and marker (store/server_list.c), the batched page reads
 * and single-row reads (store/server_read.c), and the JSON writer the
 * views use (api/compute/server_emit.c) in its two modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/compute/server_emit.h"
#include "store/server_read.h"
#include "testdb.h"

static char path[] = "/tmp/cirrus-test-servers-XXXXXX";
static struct db *db;

static int setup(void **state) { return testdb_open(path, &db); }

static int teardown(void **state) { return testdb_close(path); }

static int clean(void **state)
{
    return db_run(db, "DELETE FROM instances", "") < 0 ||
           db_run(db, "DELETE FROM instance_tags", "") < 0 ||
           db_run(db, "DELETE FROM instance_metadata", "") < 0 ||
           db_run(db, "DELETE FROM instance_faults", "") < 0 ||
           db_run(db, "DELETE FROM fixed_ips", "") < 0 ||
           db_run(db, "DELETE FROM networks", "") < 0 ? -1 : 0;
}

/* --- fixtures --- */

struct row {
    const char *uuid, *project, *name, *vm_state, *task_state, *host, *locked_by, *flavorid;
    int64_t created, updated;
    int deleted, power_state, progress;
};

static void add(const struct row *r)
{
    assert_true(db_run(db,
        "INSERT INTO instances (uuid, project_id, user_id, name, hostname, flavorid, "
        "flavor_name, vcpus, memory_mb, root_gb, vm_state, task_state, power_state, host, node, "
        "created_at, updated_at, deleted, locked_by, reservation_id, progress) "
        "VALUES (?, ?, 'u', ?, ?, ?, 'f', 1, 512, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'r-1', ?)",
        "sssssssissiiisi", r->uuid, r->project ? r->project : "p1", r->name, r->name,
        r->flavorid ? r->flavorid : "1", r->vm_state ? r->vm_state : "active", r->task_state,
        (int64_t)r->power_state, r->host, r->host, r->created, r->updated ? r->updated : r->created,
        (int64_t)r->deleted, r->locked_by, (int64_t)r->progress) == 1);
}

static void tag(const char *uuid, const char *t)
{
    assert_true(db_run(db, "INSERT INTO instance_tags (instance_uuid, tag) VALUES (?, ?)", "ss",
                       uuid, t) == 1);
}

static void ip(const char *uuid, int version, int64_t idx, const char *addr)
{
    assert_true(db_run(db, "INSERT INTO fixed_ips (network_id, version, addr_index, address, "
                           "instance_uuid, mac, created_at) VALUES ('n', ?, ?, ?, ?, 'm', 0)",
                       "iiss", (int64_t)version, idx, addr, uuid) == 1);
}

/* Five servers in p1 (a..e, created 1..5) and one in p2. */
static void seed(void)
{
    add(&(struct row){ .uuid = "a", .name = "web-1", .created = 1, .host = "h1",
                       .power_state = 1, .progress = 10 });
    add(&(struct row){ .uuid = "b", .name = "web-2", .created = 2, .host = "h2",
                       .vm_state = "stopped", .power_state = 4, .locked_by = "owner" });
    add(&(struct row){ .uuid = "c", .name = "db-1", .created = 3, .task_state = "rebooting",
                       .power_state = 1, .flavorid = "2" });
    add(&(struct row){ .uuid = "d", .name = "db-2", .created = 4, .deleted = 1,
                       .vm_state = "deleted", .updated = 50 });
    add(&(struct row){ .uuid = "e", .name = "Web-3", .created = 4, .updated = 40 });
    add(&(struct row){ .uuid = "z", .project = "p2", .name = "other", .created = 9 });
    assert_true(db_run(db, "INSERT INTO networks (id, label, cidr, created_at) "
                           "VALUES ('n', 'private', '10.0.0.0/24', 0)", "") == 1);
    tag("a", "red");
    tag("a", "blue");
    tag("b", "red");
    tag("c", "green");
    ip("a", 4, 1, "10.0.0.11");
    ip("b", 4, 2, "10.0.0.2");
    ip("b", 6, 1, "fd00::2");
}

static struct server_list_query base_query(void)
{
    return (struct server_list_query){ .project_id = "p1", .deleted = -1, .locked = -1,
                                       .limit = 100 };
}

/* The uuids a query returns, concatenated ("cba"). */
static char *run_more(const struct server_list_query *q, const struct server_list_more *m,
                      int expect_rc)
{
    static char out[64];
    struct server **list = NULL;
    int n = 0;
    struct cerr err = {0};
    int rc = store_server_list_more(db, q, m, &list, &n, &err);
    assert_int_equal(rc, expect_rc);
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        strcat(out, list[i]->uuid);
    if (rc < 0)
        snprintf(out, sizeof(out), "%d", err.status);
    server_list_free(list, n);
    return out;
}

static char *run(const struct server_list_query *q)
{
    return run_more(q, NULL, 0);
}

/* --- regexes --- */

static bool rx(const char *pattern, const char *text)
{
    regex_t re;
    assert_int_equal(server_regex_compile(&re, pattern), 0);
    bool hit = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return hit;
}

static void test_regex_python_forms(void **state)
{
    assert_true(rx("web", "my-web-1"));          /* unanchored search */
    assert_false(rx("^web", "my-web-1"));
    assert_true(rx("\\d$", "web-1"));
    assert_false(rx("\\d$", "web-x"));
    assert_true(rx("[\\d.]+", "10.0"));
    assert_true(rx("(?:a|b)c", "xbc"));
    assert_true(rx("\\w+-\\d", "db-2"));
    assert_true(rx("\\s", "a b"));
    assert_false(rx("\\S", "   "));
    assert_true(rx("", "anything"));
    assert_true(rx("10\\.0\\.0\\.1", "10.0.0.11"));
    assert_false(rx("10\\.0\\.0\\.1", "10x0.0.1"));
    regex_t re;
    assert_int_equal(server_regex_compile(&re, "("), -1);
    assert_int_equal(server_regex_compile(&re, "[abc"), -1);
    assert_int_equal(server_regex_compile(&re, "abc\\"), -1);
    assert_true(server_regex_is_literal("web-1"));
    assert_false(server_regex_is_literal("web.1"));
}

/* --- the JSON writer --- */

static void write_sample(struct emit *e)
{
    emit_open(e, NULL, false);
    emit_str(e, "s", "a\"b\\c\n\x01/é");
    emit_str(e, "n", NULL);
    emit_int(e, "i", -42);
    emit_bool(e, "t", true);
    emit_open(e, "arr", true);
    emit_str(e, NULL, "x");
    emit_int(e, NULL, 1);
    emit_open(e, NULL, false);
    emit_close(e);
    emit_close(e);
    json_t *j = json_pack("{s:[i,s]}", "k", 1, "v");
    emit_json(e, "j", j);
    json_decref(j);
    emit_str(e, "long", "0123456789abcdef0123456789abcdef\"0123456789");
    emit_close(e);
}

static void test_emit_modes_agree(void **state)
{
    struct emit e;
    struct buf text = {0};
    emit_tree(&e);
    write_sample(&e);
    json_t *tree = emit_take(&e);
    emit_text(&e, &text);
    write_sample(&e);
    json_error_t jerr;
    json_t *parsed = json_loads(text.data, 0, &jerr);
    assert_non_null(parsed);
    assert_true(json_equal(tree, parsed));
    assert_string_equal(json_string_value(json_object_get(parsed, "s")), "a\"b\\c\n\x01/é");
    char *compact = json_dumps(tree, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(compact, text.data);   /* the same bytes jansson writes */
    free(compact);
    json_decref(tree);
    json_decref(parsed);
    buf_free(&text);
}

static void test_select_columns_agree(void **state)
{
    struct buf b = {0};
    for (int c = 0; c < SC__COUNT; c++) {
        buf_puts(&b, c ? ", " : "");
        buf_puts(&b, server_col_sql[c]);
    }
    assert_string_equal(b.data, SERVER_SELECT_COLS);
    buf_free(&b);
}

/* --- list filters --- */

static void test_default_order_and_project(void **state)
{
    seed();
    struct server_list_query q = base_query();
    assert_string_equal(run(&q), "ecba");          /* created desc, id desc; d deleted */
    q.project_id = NULL;
    assert_string_equal(run(&q), "zecba");
    q.project_id = "p2";
    assert_string_equal(run(&q), "z");
}

static void test_sort_and_marker(void **state)
{
    seed();
    struct server_list_query q = base_query();
    q.sort_keys[0] = "display_name";
    q.sort_dirs[0] = "asc";
    q.n_sort = 1;
    assert_string_equal(run(&q), "ecab");          /* Web-3 db-1 web-1 web-2 (binary) */
    q.marker = "c";
    assert_string_equal(run(&q), "ab");
    q.marker = "d";                                /* deleted rows still serve as markers */
    assert_string_equal(run(&q), "ab");
    q.marker = "nope";
    assert_string_equal(run_more(&q, NULL, -1), "400");
    q = base_query();
    q.sort_keys[0] = "host";                       /* NULL hosts first ascending */
    q.sort_dirs[0] = "asc";
    q.sort_keys[1] = "uuid";
    q.sort_dirs[1] = "desc";
    q.n_sort = 2;
    assert_string_equal(run(&q), "ecab");
    q.marker = "c";
    assert_string_equal(run(&q), "ab");
    q = base_query();
    q.limit = 2;
    assert_string_equal(run(&q), "ec");
    q.marker = "c";
    assert_string_equal(run(&q), "ba");
}

static void test_states_locked_deleted(void **state)
{
    seed();
    struct server_list_query q = base_query();
    q.vm_states[0] = "active";
    q.n_vm_states = 1;
    assert_string_equal(run(&q), "eca");
    q.task_states[0] = "rebooting";
    q.n_task_states = 1;
    assert_string_equal(run(&q), "c");
    q.task_state_null_ok = true;
    assert_string_equal(run(&q), "eca");
    q = base_query();
    q.locked = 1;
    assert_string_equal(run(&q), "b");
    q.locked = 0;
    assert_string_equal(run(&q), "eca");
    q = base_query();
    q.deleted = 1;
    assert_string_equal(run(&q), "d");
    q = base_query();
    q.changes_since = 40;                          /* deleted rows come back with changes-* */
    assert_string_equal(run(&q), "ed");
    q.changes_before = 45;
    assert_string_equal(run(&q), "e");
    q = base_query();
    q.flavor = "2";
    assert_string_equal(run(&q), "c");
    q = base_query();
    q.host = "h1";
    assert_string_equal(run(&q), "a");
}

static void test_tags(void **state)
{
    seed();
    struct server_list_query q = base_query();
    q.tags[0] = "red";
    q.tags[1] = "blue";
    q.n_tags = 2;
    assert_string_equal(run(&q), "a");
    q = base_query();
    q.tags_any[0] = "blue";
    q.tags_any[1] = "green";
    q.n_tags_any = 2;
    assert_string_equal(run(&q), "ca");
    q = base_query();
    q.not_tags[0] = "red";
    q.not_tags[1] = "blue";
    q.n_not_tags = 2;
    assert_string_equal(run(&q), "ecb");
    q = base_query();
    q.not_tags_any[0] = "red";
    q.not_tags_any[1] = "green";
    q.n_not_tags_any = 2;
    assert_string_equal(run(&q), "e");
}

static void test_regex_filters(void **state)
{
    seed();
    struct server_list_query q = base_query();
    q.name_regex = "web";                          /* case-sensitive, as re.search */
    assert_string_equal(run(&q), "ba");
    q.name_regex = "^(db|Web)-\\d";
    assert_string_equal(run(&q), "ec");
    q.name_regex = "(";
    assert_string_equal(run_more(&q, NULL, -1), "400");
    q = base_query();
    q.ip_regex = "10.0.0.1";                       /* 10.0.0.11 matches, a search */
    assert_string_equal(run(&q), "a");
    q.ip_regex = "^10\\.0\\.0\\.2$";
    assert_string_equal(run(&q), "b");
    q = base_query();
    q.ip6_regex = "fd00";
    assert_string_equal(run(&q), "b");
    q.ip_regex = "10.0.0.11";                      /* ip OR ip6 */
    assert_string_equal(run(&q), "ba");
    q = base_query();
    q.node = "h";
    assert_string_equal(run(&q), "ba");            /* NULL nodes never match */
    struct server_list_more m = {0};
    q = base_query();
    m.regex[SRX_POWER_STATE] = "^4$";
    assert_string_equal(run_more(&q, &m, 0), "b");
    m.regex[SRX_POWER_STATE] = NULL;
    m.regex[SRX_PROGRESS] = "1";
    assert_string_equal(run_more(&q, &m, 0), "a");
    m.regex[SRX_PROGRESS] = NULL;
    m.regex[SRX_CREATED_AT] = "1970-01-01 00:00:00";
    m.rows = SERVER_ROWS_BRIEF;
    assert_string_equal(run_more(&q, &m, 0), "ecba");
    q.limit = 1;                                   /* C-side filters still honour limit */
    q.name_regex = "-[12]";
    assert_string_equal(run_more(&q, &m, 0), "c");
}

/* --- single rows, page reads, usage, faults --- */

static void test_get_usage_fault(void **state)
{
    seed();
    struct server *s = NULL;
    struct cerr err;
    assert_int_equal(store_server_get(db, "a", "p1", &s, &err), 0);
    assert_string_equal(s->name, "web-1");
    assert_string_equal(s->host, "h1");
    assert_string_equal(s->task_state, "");
    assert_null(s->description);
    server_free(s);
    assert_int_equal(store_server_get(db, "a", "p2", &s, &err), -1);
    assert_int_equal(err.status, 404);
    assert_string_equal(err.message, "Instance a could not be found.");
    assert_int_equal(store_server_get(db, "d", NULL, &s, &err), -1);   /* deleted */
    int64_t n, cores, ram;
    assert_int_equal(store_server_usage(db, "p1", &n, &cores, &ram), 0);
    assert_true(n == 4 && cores == 4 && ram == 2048);
    struct server_fault f;
    assert_int_equal(store_server_fault_get(db, "a", &f), 0);
    assert_true(db_run(db, "INSERT INTO instance_faults (instance_uuid, code, message, details, "
                           "created_at) VALUES ('a', 500, 'old', '', 1), "
                           "('a', 409, 'new', 'tb', 2)", "") == 2);
    assert_int_equal(store_server_fault_get(db, "a", &f), 1);
    assert_string_equal(f.message, "new");
    assert_string_equal(f.details, "tb");
    free(f.details);
}

static void test_page_extras(void **state)
{
    seed();
    assert_true(db_run(db, "INSERT INTO instance_metadata (instance_uuid, key, value) VALUES "
                           "('b', 'k2', 'v2'), ('b', 'k1', 'v1'), ('c', 'x', 'y')", "") == 3);
    struct server_list_query q = base_query();
    struct server **list = NULL;
    int n = 0, first = 0;
    struct cerr err;
    assert_int_equal(store_server_list(db, &q, &list, &n, &err), 0);
    struct server_page_extras x;
    store_server_page_extras(db, list, n, true, &x);
    assert_int_equal(server_kv_find(x.metadata, x.n_metadata, "b", &first), 2);
    assert_string_equal(x.metadata[first].key, "k1");
    assert_string_equal(x.metadata[first + 1].value, "v2");
    assert_int_equal(server_kv_find(x.metadata, x.n_metadata, "e", &first), 0);
    assert_int_equal(server_kv_find(x.tags, x.n_tags, "a", &first), 2);
    assert_string_equal(x.tags[first].key, "blue");
    assert_null(x.tags[first].value);
    assert_int_equal(server_addr_find(x.addrs, x.n_addrs, "b", &first), 2);
    assert_string_equal(x.addrs[first].label, "private");
    assert_int_equal(x.addrs[first].version, 4);
    assert_string_equal(x.addrs[first].addr, "10.0.0.2");
    assert_string_equal(x.addrs[first + 1].addr, "fd00::2");
    assert_int_equal(server_addr_find(x.addrs, x.n_addrs, "c", &first), 0);
    server_page_extras_clear(&x);
    server_list_free(list, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regex_python_forms),
        cmocka_unit_test(test_emit_modes_agree),
        cmocka_unit_test(test_select_columns_agree),
        cmocka_unit_test_setup(test_default_order_and_project, clean),
        cmocka_unit_test_setup(test_sort_and_marker, clean),
        cmocka_unit_test_setup(test_states_locked_deleted, clean),
        cmocka_unit_test_setup(test_tags, clean),
        cmocka_unit_test_setup(test_regex_filters, clean),
        cmocka_unit_test_setup(test_get_usage_fault, clean),
        cmocka_unit_test_setup(test_page_extras, clean),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
