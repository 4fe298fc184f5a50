/* test_image.c - core/image.c over a real SQLite store: who sees which
 * image (every visibility x caller x membership, for GET and for the
 * default list), Glance's list filters ("in:" lists, comparisons,
 * properties, tags), sort keys with markers and limits, and the hashes and
 * virtual size computed for uploaded data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/image.h"
#include "testdb.h"

static char path[] = "/tmp/cirrus-test-image-XXXXXX";
static struct db *db;

static int setup(void **state) { return testdb_open(path, &db); }

static int teardown(void **state) { return testdb_close(path); }

static int clean(void **state)
{
    return db_run(db, "DELETE FROM image_members", "") < 0 ||
           db_run(db, "DELETE FROM image_tags", "") < 0 ||
           db_run(db, "DELETE FROM image_properties", "") < 0 ||
           db_run(db, "DELETE FROM images", "") < 0 ? -1 : 0;
}

static struct auth caller(const char *project, unsigned roles)
{
    struct auth a = { .valid = true, .roles = roles };
    strcpy(a.project_id, project);
    return a;
}

static void add_image(const char *id, const char *name, const char *owner, const char *vis,
                      int64_t size, const json_t *props, const json_t *tags)
{
    struct image m = { .has_name = true, .size = size, .virtual_size = -1 };
    struct cerr err;
    strcpy(m.id, id);
    strcpy(m.name, name);
    strcpy(m.owner, owner);
    strcpy(m.visibility, vis);
    strcpy(m.status, size >= 0 ? "active" : "queued");
    assert_int_equal(store_image_insert(db, &m, props, tags, &err), 0);
    usleep(2000);   /* distinct created_at values */
}

static void add_member(const char *id, const char *member, const char *status)
{
    struct image_member mb = {0};
    struct cerr err;
    strcpy(mb.image_id, id);
    strcpy(mb.member, member);
    strcpy(mb.status, status);
    assert_int_equal(store_image_member_add(db, &mb, &err), 0);
}

/* Runs q for a and returns the ids, comma-joined. */
static char *run(const struct auth *a, struct image_query *q)
{
    static char out[512];
    struct image_page p = {0};
    struct cerr err;
    if (!q->limit)
        q->limit = 100;
    assert_int_equal(image_list(db, a, q, &p, &err), 0);
    out[0] = '\0';
    for (int i = 0; i < p.count; i++) {
        strcat(out, i ? "," : "");
        strcat(out, p.items[i].id);
    }
    image_page_free(&p);
    return out;
}

/* --- visibility: GET and the default list --- */

static void test_visibility_table(void **state)
{
    static const struct {
        const char *vis, *owner, *membership; /* membership of project "me" */
        bool admin;
        bool visible, listed, listed_when_asked;
    } rows[] = {
        {"public", "other", "", false, true, true, true},
        {"private", "me", "", false, true, true, true},
        {"private", "other", "", false, false, false, false},
        {"private", "other", "", true, true, true, true},
        {"community", "other", "", false, true, false, true},
        {"community", "me", "", false, true, true, true},
        {"shared", "other", "", false, false, false, false},
        {"shared", "other", "pending", false, true, false, false},
        {"shared", "other", "accepted", false, true, true, true},
        {"shared", "other", "rejected", false, true, false, false},
        {"shared", "me", "", false, true, true, true},
        {"shared", "other", "", true, true, true, true},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        clean(NULL);
        add_image("img", "n", rows[i].owner, rows[i].vis, 1, NULL, NULL);
        if (rows[i].membership[0])
            add_member("img", "me", rows[i].membership);
        struct auth a = caller("me", ROLE_MEMBER | ROLE_READER | (rows[i].admin ? ROLE_ADMIN
                                                                               : 0));
        struct image m;
        struct cerr err;
        assert_int_equal(store_image_get(db, "img", &m, &err), 0);
        if (image_visible(db, &m, &a) != rows[i].visible)
            fail_msg("row %zu: visible", i);
        struct image_query q = {0};
        if ((strcmp(run(&a, &q), "img") == 0) != rows[i].listed)
            fail_msg("row %zu: listed", i);
        struct image_query asked = { .visibility = rows[i].vis };
        if ((strcmp(run(&a, &asked), "img") == 0) != rows[i].listed_when_asked)
            fail_msg("row %zu: listed with visibility=%s", i, rows[i].vis);
    }
}

static void test_writable(void **state)
{
    struct image m = { .owner = "me" };
    struct auth member = caller("me", ROLE_MEMBER | ROLE_READER);
    struct auth reader = caller("me", ROLE_READER);
    struct auth other = caller("other", ROLE_MEMBER);
    struct auth admin = caller("other", ROLE_ADMIN | ROLE_MEMBER);
    assert_true(image_writable(&m, &member));
    assert_false(image_writable(&m, &reader));
    assert_false(image_writable(&m, &other));
    assert_true(image_writable(&m, &admin));
}

static void test_member_status_filter(void **state)
{
    add_image("s1", "a", "other", "shared", 1, NULL, NULL);
    add_image("s2", "b", "other", "shared", 1, NULL, NULL);
    add_member("s1", "me", "pending");
    add_member("s2", "me", "accepted");
    struct auth a = caller("me", ROLE_MEMBER);
    struct image_query q = { .member_status = "pending" };
    assert_string_equal(run(&a, &q), "s1");
    struct image_query all = { .member_status = "all", .sort = {{"name", false}}, .nsort = 1 };
    assert_string_equal(run(&a, &all), "s1,s2");
}

/* --- filters --- */

static void test_filters(void **state)
{
    json_t *red = json_pack("{s:s}", "color", "red"), *tags = json_pack("[s,s]", "x", "y");
    add_image("a", "alpha", "me", "private", 10, red, tags);
    add_image("b", "beta, gamma", "me", "private", 20, NULL, NULL);
    add_image("c", "delta", "me", "private", -1, NULL, NULL);
    json_decref(red);
    json_decref(tags);
    struct auth a = caller("me", ROLE_MEMBER);
    static const struct {
        struct image_filter f;
        const char *want;
    } rows[] = {
        {{"name", IMAGE_EQ, "alpha"}, "a"},
        {{"name", IMAGE_IN, "alpha,\"beta, gamma\""}, "b,a"},
        {{"name", IMAGE_IN, "beta"}, ""},
        {{"status", IMAGE_EQ, "queued"}, "c"},
        {{"size", IMAGE_GTE, "15"}, "b"},
        {{"size", IMAGE_LTE, "15"}, "a"},
        {{"size", IMAGE_NEQ, "10"}, "b"},          /* NULL size matches nothing */
        {{"color", IMAGE_EQ, "red"}, "a"},
        {{"color", IMAGE_EQ, "blue"}, ""},
        {{"protected", IMAGE_EQ, "false"}, "c,b,a"},
        {{"created_at", IMAGE_GT, "2000-01-01T00:00:00Z"}, "c,b,a"},
        {{"created_at", IMAGE_LT, "2000-01-01T00:00:00Z"}, ""},
        {{"id", IMAGE_IN, "a,c"}, "c,a"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct image_query q = { .nfilters = 1 };
        q.filters[0] = rows[i].f;
        const char *got = run(&a, &q);
        if (strcmp(got, rows[i].want) != 0)
            fail_msg("row %zu: got '%s', want '%s'", i, got, rows[i].want);
    }
    struct image_query tagged = { .tags = {"x", "y"}, .ntags = 2 };
    assert_string_equal(run(&a, &tagged), "a");
    struct image_query missing = { .tags = {"x", "z"}, .ntags = 2 };
    assert_string_equal(run(&a, &missing), "");
}

static void test_hidden(void **state)
{
    add_image("h", "hidden", "me", "private", 1, NULL, NULL);
    add_image("v", "visible", "me", "private", 1, NULL, NULL);
    assert_true(db_run(db, "UPDATE images SET os_hidden = 1 WHERE id = 'h'", "") == 1);
    struct auth a = caller("me", ROLE_MEMBER);
    struct image_query q = {0}, hidden = { .os_hidden = true };
    assert_string_equal(run(&a, &q), "v");
    assert_string_equal(run(&a, &hidden), "h");
}

/* --- sort, marker, limit --- */

static void test_sort_marker_limit(void **state)
{
    add_image("i1", "c", "me", "private", 3, NULL, NULL);
    add_image("i2", "a", "me", "private", 1, NULL, NULL);
    add_image("i3", "b", "me", "private", 1, NULL, NULL);
    add_image("i4", "b", "me", "private", 2, NULL, NULL);
    struct auth a = caller("me", ROLE_MEMBER);
    struct image_query newest = {0};
    assert_string_equal(run(&a, &newest), "i4,i3,i2,i1");
    struct image_query by_name = { .sort = {{"name", false}}, .nsort = 1 };
    /* ties on name fall back to created_at then id, in the same direction */
    assert_string_equal(run(&a, &by_name), "i2,i3,i4,i1");
    struct image_query two = { .sort = {{"size", true}, {"name", false}}, .nsort = 2 };
    assert_string_equal(run(&a, &two), "i1,i4,i2,i3");

    struct image_query page = { .sort = {{"name", false}}, .nsort = 1, .limit = 2 };
    struct image_page p = {0};
    struct cerr err;
    assert_int_equal(image_list(db, &a, &page, &p, &err), 0);
    assert_int_equal(p.count, 2);
    assert_true(p.more);
    image_page_free(&p);
    page.marker = "i3";
    assert_string_equal(run(&a, &page), "i4,i1");
    page.marker = "i1";
    assert_string_equal(run(&a, &page), "");

    page.marker = "nope";
    assert_int_equal(image_list(db, &a, &page, &p, &err), -1);
    assert_int_equal(err.status, 400);
}

static void test_marker_must_be_visible(void **state)
{
    add_image("mine", "a", "me", "private", 1, NULL, NULL);
    add_image("theirs", "b", "other", "private", 1, NULL, NULL);
    struct auth a = caller("me", ROLE_MEMBER);
    struct image_query q = { .marker = "theirs", .limit = 10 };
    struct image_page p = {0};
    struct cerr err;
    assert_int_equal(image_list(db, &a, &q, &p, &err), -1);
    assert_int_equal(err.status, 400);
}

static void test_sort_keys(void **state)
{
    assert_true(image_sort_key_valid("name"));
    assert_true(image_sort_key_valid("created_at"));
    assert_false(image_sort_key_valid("owner"));
    assert_true(image_is_base_attr("min_ram"));
    assert_true(image_is_base_attr("os_hidden"));
    assert_false(image_is_base_attr("hw_disk_bus"));
    assert_false(image_is_base_attr("tags"));
}

/* --- data --- */

static struct image_digest digest_of(const void *data, size_t n)
{
    char tmp[] = "/tmp/cirrus-test-image-data-XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    lseek(fd, 0, SEEK_SET);
    struct image_digest d;
    assert_int_equal(image_digest_fd(fd, &d), 0);
    close(fd);
    unlink(tmp);
    return d;
}

static void test_digest(void **state)
{
    struct image_digest d = digest_of("abc", 3);
    assert_int_equal(d.size, 3);
    assert_string_equal(d.md5, "900150983cd24fb0d6963f7d28e17f72");
    assert_string_equal(d.sha512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d3"
                                  "9a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54c"
                                  "a49f");
    d = digest_of("", 0);
    assert_string_equal(d.md5, "d41d8cd98f00b204e9800998ecf8427e");
    size_t big = 200000;
    unsigned char *buf = calloc(1, big);
    d = digest_of(buf, big);
    free(buf);
    assert_int_equal(d.size, (int64_t)big);
    assert_int_equal(d.head_len, sizeof(d.head));
}

static void test_virtual_size(void **state)
{
    unsigned char qcow[64] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    qcow[24 + 4] = 0x40;    /* 1 GiB = 0x40000000, big-endian at offset 24 */
    struct image_digest d = digest_of(qcow, sizeof(qcow));
    assert_int_equal(image_virtual_size("qcow2", &d), 1 << 30);
    assert_int_equal(image_virtual_size("raw", &d), 64);
    assert_int_equal(image_virtual_size("vmdk", &d), -1);
    d = digest_of("not a qcow2 header at all, but long enough to read", 50);
    assert_int_equal(image_virtual_size("qcow2", &d), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_visibility_table, clean),
        cmocka_unit_test(test_writable),
        cmocka_unit_test_setup(test_member_status_filter, clean),
        cmocka_unit_test_setup(test_filters, clean),
        cmocka_unit_test_setup(test_hidden, clean),
        cmocka_unit_test_setup(test_sort_marker_limit, clean),
        cmocka_unit_test_setup(test_marker_must_be_visible, clean),
        cmocka_unit_test(test_sort_keys),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_virtual_size),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
