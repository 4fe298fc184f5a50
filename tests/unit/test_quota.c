/* test_quota.c - Nova's quota arithmetic and messages (core/quota.c):
 * instances/cores/ram with min/max counts, unlimited (-1) quotas,
 * metadata, personality files and per-user key pairs, on a fresh SQLite
 * store with no servers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/quota.h"
#include "store/keypair.h"
#include "testdb.h"

static struct cirrus_config cfg;
static struct db *db;
static char path[] = "/tmp/cirrus-test-quota-XXXXXX";

static int setup(void **state) { return testdb_open(path, &db); }

static int teardown(void **state) { return testdb_close(path); }

static int reset(void **state)
{
    config_defaults(&cfg);
    return 0;
}

struct server_case {
    int instances, cores, ram;              /* quotas */
    int64_t min, max, vcpus, ram_mb;        /* request */
    int64_t allowed;                        /* -1: refused with message */
    const char *message;
};

static const struct server_case server_cases[] = {
    { 10, 20, 51200, 1, 1, 1, 512, 1, NULL },
    { 10, 20, 51200, 2, 5, 2, 1024, 5, NULL },
    { 0, 20, 51200, 1, 1, 1, 512, -1,
      "Quota exceeded for instances: Requested 1, but already used 0 of 0 instances" },
    { 10, 1, 51200, 1, 1, 2, 512, -1,
      "Quota exceeded for cores: Requested 2, but already used 0 of 1 cores" },
    { 10, 20, 100, 1, 1, 1, 512, -1,
      "Quota exceeded for ram: Requested 512, but already used 0 of 100 ram" },
    { 3, 20, 51200, 1, 5, 1, 512, 3, NULL },
    { 3, 20, 51200, 4, 5, 1, 512, -1,
      "Quota exceeded for instances: Requested 4-5, but already used 0 of 3 instances" },
    { 10, -1, 1000, 1, 3, 1, 512, 1, NULL },
    { 10, 2, 1024, 2, 2, 2, 1024, -1,
      "Quota exceeded for cores, ram: Requested 4, 2048, but already used 0, 0 of 2, 1024 "
      "cores, ram" },
    { -1, -1, -1, 100, 100, 64, 1 << 20, 100, NULL },
};

static void test_servers(void **state)
{
    for (size_t i = 0; i < sizeof(server_cases) / sizeof(server_cases[0]); i++) {
        const struct server_case *c = &server_cases[i];
        struct cerr err = {0};
        int64_t allowed = 0;
        cfg.quota_instances = c->instances;
        cfg.quota_cores = c->cores;
        cfg.quota_ram = c->ram;
        int rc = quota_check_servers(db, &cfg, "p1", c->min, c->max, c->vcpus, c->ram_mb,
                                     &allowed, &err);
        if (c->allowed >= 0) {
            assert_int_equal(rc, 0);
            assert_int_equal(allowed, c->allowed);
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(err.status, 403);
            assert_string_equal(err.message, c->message);
        }
    }
}

static void test_metadata(void **state)
{
    struct cerr err = {0};
    assert_int_equal(quota_check_metadata(&cfg, 128, &err), 0);
    assert_int_equal(quota_check_metadata(&cfg, 129, &err), -1);
    assert_int_equal(err.status, 403);
    assert_string_equal(err.message, "Maximum number of metadata items exceeds 128");
    cfg.quota_metadata_items = -1;
    assert_int_equal(quota_check_metadata(&cfg, 100000, &err), 0);
}

static void test_personality(void **state)
{
    struct cerr err = {0};
    assert_int_equal(quota_check_personality(&cfg, 5, 255, 10240, &err), 0);
    assert_int_equal(quota_check_personality(&cfg, 6, 1, 1, &err), -1);
    assert_string_equal(err.message, "Personality file limit exceeded");
    assert_int_equal(quota_check_personality(&cfg, 1, 256, 10241, &err), -1);
    assert_string_equal(err.message, "Personality file path exceeds maximum 255");
    assert_int_equal(quota_check_personality(&cfg, 1, 10, 10241, &err), -1);
    assert_int_equal(err.status, 403);
    assert_string_equal(err.message, "Personality file content exceeds maximum 10240");
}

static void add_keypair(const char *user, const char *name)
{
    struct keypair k = { .public_key = (char *)"ssh-ed25519 AAAA" };
    struct cerr err;
    strcpy(k.user_id, user);
    strcpy(k.name, name);
    strcpy(k.type, "ssh");
    strcpy(k.fingerprint, "00");
    assert_int_equal(store_keypair_insert(db, &k, &err), 0);
}

static void test_keypairs(void **state)
{
    struct cerr err = {0};
    cfg.quota_key_pairs = 2;
    assert_int_equal(quota_check_keypairs(db, &cfg, "u1", &err), 0);
    add_keypair("u1", "a");
    add_keypair("u1", "b");
    add_keypair("u2", "a");
    assert_int_equal(quota_check_keypairs(db, &cfg, "u1", &err), -1);
    assert_int_equal(err.status, 403);
    assert_string_equal(err.message, "Quota exceeded, too many key pairs.");
    assert_int_equal(quota_check_keypairs(db, &cfg, "u2", &err), 0);
    cfg.quota_key_pairs = -1;
    assert_int_equal(quota_check_keypairs(db, &cfg, "u1", &err), 0);
}

static void test_usage_of_empty_project(void **state)
{
    struct quota_usage u = { 1, 1, 1, 1 };
    struct cerr err;
    assert_int_equal(quota_usage_get(db, "nobody", &u, &err), 0);
    assert_int_equal(u.instances + u.cores + u.ram_mb + u.server_groups, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_servers, reset),
        cmocka_unit_test_setup(test_metadata, reset),
        cmocka_unit_test_setup(test_personality, reset),
        cmocka_unit_test_setup(test_keypairs, reset),
        cmocka_unit_test_setup(test_usage_of_empty_project, reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
