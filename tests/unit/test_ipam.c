/* test_ipam.c - address arithmetic (core/ipam.c) as tables, then the
 * built-in network (core/network.c) on a fresh SQLite store: bootstrap,
 * request validation messages, lowest-free allocation with gaps, fixed
 * IPs, exhaustion, release and the addresses view. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ipam.h"
#include "core/network.h"

/* --- pure arithmetic --- */

static const struct { const char *in; int ok; const char *canon; } cidr_rows[] = {
    {"10.0.0.0/24", 0, "10.0.0.0/24"},
    {"10.0.0.77/24", 0, "10.0.0.0/24"},
    {"10.0.0.0/16", 0, "10.0.0.0/16"},
    {"192.168.1.129/25", 0, "192.168.1.128/25"},
    {"0.0.0.0/0", 0, "0.0.0.0/0"},
    {"10.0.0.1/32", 0, "10.0.0.1/32"},
    {"fd00:c1::/64", 0, "fd00:c1::/64"},
    {"fd00:c1::1234/64", 0, "fd00:c1::/64"},
    {"FD00:C1:0:0::/120", 0, "fd00:c1::/120"},
    {"2001:db8::ff/127", 0, "2001:db8::fe/127"},
    {"10.0.0.0/33", -1, NULL},
    {"fd00::/129", -1, NULL},
    {"10.0.0.0", -1, NULL},
    {"10.0.0.0/", -1, NULL},
    {"10.0.0.0/-1", -1, NULL},
    {"10.0.0.0/+8", -1, NULL},
    {"10.0.0.0/8x", -1, NULL},
    {"10.0.0/8", -1, NULL},
    {"bogus/8", -1, NULL},
    {"", -1, NULL},
};

static void test_parse_cidr(void **state)
{
    for (size_t i = 0; i < sizeof(cidr_rows) / sizeof(cidr_rows[0]); i++) {
        struct ipam_cidr c;
        char text[IPAM_ADDR_TEXT + 4];
        int rc = ipam_parse_cidr(cidr_rows[i].in, &c);
        if (rc != cidr_rows[i].ok)
            fail_msg("%s: rc %d", cidr_rows[i].in, rc);
        if (rc == 0) {
            ipam_cidr_text(&c, text);
            if (strcmp(text, cidr_rows[i].canon) != 0)
                fail_msg("%s: %s, want %s", cidr_rows[i].in, text, cidr_rows[i].canon);
        }
    }
}

static const struct { const char *in; int version; } addr_rows[] = {
    {"10.0.0.1", 4}, {"255.255.255.255", 4}, {"0.0.0.0", 4}, {"::", 6}, {"fd00::1", 6},
    {"::ffff:10.0.0.1", 6}, {"10.0.0.256", 0}, {"10.0.0", 0}, {"10.0.0.01", 0},
    {"10.0.0.1/24", 0}, {"fd00:::1", 0}, {"fe80::1%eth0", 0}, {"abc", 0}, {"", 0},
    {" 10.0.0.1", 0},
};

static void test_parse_addr(void **state)
{
    for (size_t i = 0; i < sizeof(addr_rows) / sizeof(addr_rows[0]); i++) {
        struct ipam_addr a;
        int rc = ipam_parse_addr(addr_rows[i].in, &a);
        if ((rc == 0) != (addr_rows[i].version != 0) ||
            (rc == 0 && a.version != addr_rows[i].version))
            fail_msg("%s: rc %d", addr_rows[i].in, rc);
    }
}

static const struct { const char *cidr, *addr; int64_t index; } index_rows[] = {
    {"10.0.0.0/24", "10.0.0.0", 0},
    {"10.0.0.0/24", "10.0.0.1", 1},
    {"10.0.0.0/24", "10.0.0.255", 255},
    {"10.0.0.0/24", "10.0.1.0", -1},
    {"10.0.0.0/16", "10.0.1.2", 258},
    {"10.0.0.0/16", "10.1.0.0", -1},
    {"10.0.0.0/8", "10.255.255.254", 16777214},
    {"10.0.0.0/24", "fd00::1", -1},
    {"fd00:c1::/64", "fd00:c1::2", 2},
    {"fd00:c1::/64", "fd00:c1::1:0", 65536},
    {"fd00:c1::/64", "fd00:c1::7fff:ffff:ffff:ffff", INT64_MAX},
    {"fd00:c1::/64", "fd00:c1::8000:0:0:0", -1},   /* index beyond int64 */
    {"fd00:c1::/64", "fd00:c2::2", -1},
    {"fd00:c1::/120", "fd00:c1::ff", 255},
    {"fd00:c1::/120", "fd00:c1::100", -1},
    {"fd00:c1::/64", "10.0.0.1", -1},
};

static void test_index_roundtrip(void **state)
{
    for (size_t i = 0; i < sizeof(index_rows) / sizeof(index_rows[0]); i++) {
        struct ipam_cidr c;
        struct ipam_addr a, back;
        char text[IPAM_ADDR_TEXT];
        assert_int_equal(ipam_parse_cidr(index_rows[i].cidr, &c), 0);
        assert_int_equal(ipam_parse_addr(index_rows[i].addr, &a), 0);
        int64_t got = ipam_index_of(&c, &a);
        if (got != index_rows[i].index)
            fail_msg("%s in %s: %lld", index_rows[i].addr, index_rows[i].cidr, (long long)got);
        /* the upper half of a /64 is inside, yet has no int64 index */
        bool upper = strcmp(index_rows[i].addr, "fd00:c1::8000:0:0:0") == 0;
        assert_int_equal(ipam_contains(&c, &a), got >= 0 || upper);
        if (got < 0)
            continue;
        assert_int_equal(ipam_addr_at(&c, got, &back), 0);
        ipam_addr_text(&back, text);
        assert_string_equal(text, index_rows[i].addr);
    }
}

static void test_addr_at_bounds(void **state)
{
    struct ipam_cidr c;
    struct ipam_addr a;
    assert_int_equal(ipam_parse_cidr("10.0.0.0/24", &c), 0);
    assert_int_equal(ipam_addr_at(&c, 256, &a), -1);
    assert_int_equal(ipam_addr_at(&c, -1, &a), -1);
    assert_int_equal(ipam_parse_cidr("10.0.0.0/0", &c), 0);
    assert_int_equal(ipam_addr_at(&c, 0xffffffffLL, &a), 0);
    assert_int_equal(ipam_addr_at(&c, 0x100000000LL, &a), -1);
}

static const struct { const char *cidr; int64_t first, last; } range_rows[] = {
    {"10.0.0.0/24", 2, 254},
    {"10.0.0.0/16", 2, 65534},
    {"10.0.0.0/30", 2, 2},
    {"10.0.0.0/31", 2, 0},
    {"10.0.0.0/32", 2, -1},
    {"fd00::/120", 2, 255},
    {"fd00::/126", 2, 3},
    {"fd00::/127", 2, 1},
    {"fd00::/64", 2, INT64_MAX},
    {"fd00::/48", 2, INT64_MAX},
};

static void test_range(void **state)
{
    for (size_t i = 0; i < sizeof(range_rows) / sizeof(range_rows[0]); i++) {
        struct ipam_cidr c;
        int64_t first, last;
        assert_int_equal(ipam_parse_cidr(range_rows[i].cidr, &c), 0);
        ipam_range(&c, &first, &last);
        if (first != range_rows[i].first || last != range_rows[i].last)
            fail_msg("%s: [%lld, %lld]", range_rows[i].cidr, (long long)first, (long long)last);
    }
}

static const struct { const char *cidr, *addr; enum ipam_verdict v; } fixed_rows[] = {
    {"10.0.0.0/24", "10.0.0.0", IPAM_OUTSIDE},
    {"10.0.0.0/24", "10.0.0.1", IPAM_GATEWAY},
    {"10.0.0.0/24", "10.0.0.2", IPAM_OK},
    {"10.0.0.0/24", "10.0.0.254", IPAM_OK},
    {"10.0.0.0/24", "10.0.0.255", IPAM_OUTSIDE},
    {"10.0.0.0/24", "10.0.1.5", IPAM_OUTSIDE},
    {"fd00::/64", "fd00::", IPAM_OUTSIDE},
    {"fd00::/64", "fd00::1", IPAM_GATEWAY},
    {"fd00::/64", "fd00::ffff", IPAM_OK},
    {"fd00::/120", "fd00::ff", IPAM_OK},
};

static void test_check_fixed(void **state)
{
    for (size_t i = 0; i < sizeof(fixed_rows) / sizeof(fixed_rows[0]); i++) {
        struct ipam_cidr c;
        struct ipam_addr a;
        int64_t index = -7;
        assert_int_equal(ipam_parse_cidr(fixed_rows[i].cidr, &c), 0);
        assert_int_equal(ipam_parse_addr(fixed_rows[i].addr, &a), 0);
        enum ipam_verdict v = ipam_check_fixed(&c, &a, &index);
        if (v != fixed_rows[i].v)
            fail_msg("%s in %s: verdict %d", fixed_rows[i].addr, fixed_rows[i].cidr, v);
        if (v == IPAM_OK)
            assert_int_equal(index, ipam_index_of(&c, &a));
    }
}

static void test_mac(void **state)
{
    char mac[IPAM_MAC_TEXT];
    ipam_mac_format((const uint8_t[]){0x00, 0xab, 0xff}, mac);
    assert_string_equal(mac, "fa:16:3e:00:ab:ff");
}

/* --- the network on a store --- */

static char path[] = "/tmp/cirrus-test-ipam-XXXXXX";
static struct cirrus_config cfg;
static struct db *db;
static char net_id[40];

static int store_setup(void **state)
{
    int fd = mkstemp(path);
    struct cerr err;
    close(fd);
    config_defaults(&cfg);
    strcpy(cfg.network_name, "private");
    strcpy(cfg.ipv4_cidr, "10.9.0.0/29");          /* .2 - .6 allocatable */
    strcpy(cfg.ipv6_cidr, "fd00:9::/64");
    if (store_init(path, &err) < 0 || network_bootstrap(&cfg, &err) < 0) {
        fprintf(stderr, "setup: %s\n", err.message);
        return -1;
    }
    db = store_db();
    char label[64];
    return network_default(db, net_id, label, &err);
}

static int store_teardown(void **state)
{
    char extra[sizeof(path) + 8];
    store_shutdown();
    unlink(path);
    snprintf(extra, sizeof(extra), "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof(extra), "%s-shm", path);
    unlink(extra);
    return 0;
}

static void test_bootstrap_idempotent(void **state)
{
    struct cerr err;
    char id[40], label[64];
    assert_int_equal(network_bootstrap(&cfg, &err), 0);
    assert_int_equal(network_default(db, id, label, &err), 0);
    assert_string_equal(id, net_id);
    assert_string_equal(label, "private");
    struct cirrus_config bad = cfg;
    strcpy(bad.ipv4_cidr, "fd00::/64");
    assert_int_equal(network_bootstrap(&bad, &err), -1);
    strcpy(bad.ipv4_cidr, "10.0.0.0/24");
    strcpy(bad.ipv6_cidr, "10.1.0.0/24");
    assert_int_equal(network_bootstrap(&bad, &err), -1);
}

static json_t *js(const char *text)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(j);
    return j;
}

/* Expands %N in a template to the default network id. */
static json_t *req(const char *tmpl)
{
    char buf[1024] = "";
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '%' && p[1] == 'N') {
            strcat(buf, net_id);
            p++;
        } else {
            strncat(buf, p, 1);
        }
    }
    return js(buf);
}

static const struct { const char *req; int status; const char *msg; } validate_rows[] = {
    {"\"auto\"", 0, NULL},
    {"\"none\"", 0, NULL},
    {"null", 0, NULL},
    {"[]", 0, NULL},
    {"[{\"uuid\": \"%N\"}]", 0, NULL},
    {"[{\"uuid\": \"%N\"}, {\"uuid\": \"%N\"}]", 0, NULL},
    {"[{\"uuid\": \"%N\", \"fixed_ip\": \"10.9.0.3\"}]", 0, NULL},
    {"[{\"uuid\": \"%N\", \"fixed_ip\": \"fd00:9::42\"}]", 0, NULL},
    {"[{\"uuid\": \"%N\", \"port\": null, \"fixed_ip\": null}]", 0, NULL},
    {"\"bogus\"", 400, "Bad networks format"},
    {"[1]", 400, "Bad networks format"},
    {"[{}]", 400, "Bad network format: missing 'uuid'"},
    {"[{\"uuid\": \"x\"}]", 400,
     "Bad networks format: network uuid is not in proper format (x)"},
    {"[{\"uuid\": \"11111111-2222-3333-4444-555555555555\"}]", 400,
     "Network 11111111-2222-3333-4444-555555555555 could not be found."},
    {"[{\"port\": \"p1\"}]", 400, "Port id p1 could not be found."},
    {"[{\"port\": \"p1\", \"fixed_ip\": \"10.9.0.3\"}]", 400,
     "Specified Fixed IP '10.9.0.3' cannot be used with port 'p1': the two cannot be "
     "specified together."},
    {"[{\"uuid\": \"%N\", \"fixed_ip\": \"10.9.0.300\"}]", 400,
     "Invalid fixed IP address (10.9.0.300)"},
    {"[{\"uuid\": \"%N\", \"fixed_ip\": \"10.9.0.1\"}]", 400, "Fixed IP 10.9.0.1 is already in use."},
    {"[{\"uuid\": \"%N\", \"fixed_ip\": \"10.9.0.7\"}]", 400,
     "Invalid input received: Fixed IP 10.9.0.7 is not a valid ip address for network %N."},
    {"[{\"uuid\": \"%N\", \"fixed_ip\": \"10.8.0.3\"}]", 400,
     "Invalid input received: Fixed IP 10.8.0.3 is not a valid ip address for network %N."},
};

static void test_validate(void **state)
{
    for (size_t i = 0; i < sizeof(validate_rows) / sizeof(validate_rows[0]); i++) {
        struct cerr err = {0};
        json_t *r = req(validate_rows[i].req);
        int rc = network_validate(db, r, &err);
        json_decref(r);
        if (validate_rows[i].status == 0) {
            if (rc != 0)
                fail_msg("%s: %s", validate_rows[i].req, err.message);
            continue;
        }
        char msg[512] = "";
        for (const char *p = validate_rows[i].msg; *p; p++) {
            if (p[0] == '%' && p[1] == 'N') {
                strcat(msg, net_id);
                p++;
            } else {
                strncat(msg, p, 1);
            }
        }
        if (rc != -1 || err.status != validate_rows[i].status || strcmp(err.message, msg) != 0)
            fail_msg("%s: rc %d %d '%s', want '%s'", validate_rows[i].req, rc, err.status,
                     err.message, msg);
    }
}

static const char *addr_of(json_t *addrs, int i)
{
    return json_string_value(json_object_get(
        json_array_get(json_object_get(addrs, "private"), (size_t)i), "addr"));
}

static int alloc(const char *uuid, const char *request, struct cerr *err)
{
    json_t *r = request ? req(request) : NULL;
    assert_int_equal(db_begin(db), 0);
    int rc = network_allocate(db, uuid, r, err);
    if (rc == 0)
        assert_int_equal(db_commit(db), 0);
    else
        db_rollback(db);
    json_decref(r);
    return rc;
}

static void test_allocate_lifecycle(void **state)
{
    struct cerr err;
    json_t *a;
    assert_int_equal(alloc("s1", NULL, &err), 0);
    a = network_addresses(db, "s1", true);
    assert_int_equal(json_array_size(json_object_get(a, "private")), 2);
    assert_string_equal(addr_of(a, 0), "10.9.0.2");
    assert_string_equal(addr_of(a, 1), "fd00:9::2");
    json_t *first = json_array_get(json_object_get(a, "private"), 0);
    json_t *second = json_array_get(json_object_get(a, "private"), 1);
    assert_int_equal(json_integer_value(json_object_get(first, "version")), 4);
    assert_int_equal(json_integer_value(json_object_get(second, "version")), 6);
    assert_string_equal(json_string_value(json_object_get(first, "OS-EXT-IPS:type")), "fixed");
    const char *mac = json_string_value(json_object_get(first, "OS-EXT-IPS-MAC:mac_addr"));
    assert_non_null(mac);
    assert_int_equal(strncmp(mac, "fa:16:3e:", 9), 0);
    /* one port: both addresses share the MAC */
    assert_string_equal(mac, json_string_value(json_object_get(second, "OS-EXT-IPS-MAC:mac_addr")));
    json_decref(a);

    /* the /ips form */
    a = network_addresses(db, "s1", false);
    assert_int_equal(json_object_size(json_array_get(json_object_get(a, "private"), 0)), 2);
    json_decref(a);

    /* fixed: taken, then a free one; auto fills the gap below it */
    assert_int_equal(alloc("s2", "[{\"uuid\": \"%N\", \"fixed_ip\": \"10.9.0.2\"}]", &err), -1);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.message, "Fixed IP address 10.9.0.2 is already in use on instance s1.");
    assert_int_equal(alloc("s2", "[{\"uuid\": \"%N\", \"fixed_ip\": \"10.9.0.4\"}]", &err), 0);
    a = network_addresses(db, "s2", true);
    assert_int_equal(json_array_size(json_object_get(a, "private")), 1);
    json_decref(a);
    assert_int_equal(alloc("s3", "\"auto\"", &err), 0);
    a = network_addresses(db, "s3", false);
    assert_string_equal(addr_of(a, 0), "10.9.0.3");
    assert_string_equal(addr_of(a, 1), "fd00:9::3");
    json_decref(a);

    /* an empty list is "auto" */
    assert_int_equal(alloc("s7", "[]", &err), 0);
    a = network_addresses(db, "s7", false);
    assert_string_equal(addr_of(a, 0), "10.9.0.5");
    json_decref(a);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(network_release(db, "s7"), 2);
    assert_int_equal(db_commit(db), 0);

    /* "none" allocates nothing; unknown servers have {} */
    assert_int_equal(alloc("s4", "\"none\"", &err), 0);
    a = network_addresses(db, "s4", true);
    assert_int_equal(json_object_size(a), 0);
    json_decref(a);

    /* two entries, two ports with different MACs: .5 and .6 - full */
    assert_int_equal(alloc("s5", "[{\"uuid\": \"%N\"}, {\"uuid\": \"%N\"}]", &err), 0);
    a = network_addresses(db, "s5", true);
    assert_int_equal(json_array_size(json_object_get(a, "private")), 4);
    assert_string_equal(addr_of(a, 0), "10.9.0.5");
    assert_string_equal(addr_of(a, 1), "10.9.0.6");
    json_decref(a);
    assert_int_equal(alloc("s6", NULL, &err), -1);
    assert_int_equal(err.status, 403);

    /* release frees the lowest: the next server gets 10.9.0.3 back */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(network_release(db, "s3"), 2);
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(alloc("s6", NULL, &err), 0);
    a = network_addresses(db, "s6", false);
    assert_string_equal(addr_of(a, 0), "10.9.0.3");
    json_decref(a);
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_parse_cidr),
        cmocka_unit_test(test_parse_addr),
        cmocka_unit_test(test_index_roundtrip),
        cmocka_unit_test(test_addr_at_bounds),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_check_fixed),
        cmocka_unit_test(test_mac),
    };
    const struct CMUnitTest stored[] = {
        cmocka_unit_test(test_bootstrap_idempotent),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_allocate_lifecycle),
    };
    int failed = cmocka_run_group_tests(pure, NULL, NULL);
    return failed + cmocka_run_group_tests(stored, store_setup, store_teardown);
}
