/* test_validate_fuzz.c - a deterministic fuzz of the pure validators: the
 * server create/update schemas (api/compute/servers_validate.c) and the
 * Nova parameter types of api/validate.c get random JSON values and
 * mutations of valid bodies (fixed seed, fixed iteration count, so a
 * failure reproduces). Invariants: every call returns 0 or -1; a -1 carries
 * a 400 whose message is non-empty valid UTF-8 (the fault renders it as
 * JSON text); an accepted create body has 1 <= min_count <= max_count.
 * Under the ASan build any overflow, leak or undefined behaviour fails the
 * binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api/compute/servers_validate.h"
#include "api/validate.h"

#define SEED 0x5eedc0ffee123457ULL
#define ITERATIONS 2000

static uint64_t rng = SEED;

static uint64_t next(void)
{
    /* xorshift64*: small, fast, and the same sequence on every platform */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

static unsigned pick(unsigned n)
{
    return (unsigned)(next() % n);
}

/* Field names the schemas know, so mutations reach deep checks. */
static const char *const keys[] = {
    "server", "name", "imageRef", "flavorRef", "adminPass", "metadata", "networks",
    "OS-DCF:diskConfig", "accessIPv4", "accessIPv6", "availability_zone",
    "block_device_mapping", "block_device_mapping_v2", "config_drive", "key_name",
    "min_count", "max_count", "return_reservation_id", "security_groups", "user_data",
    "personality", "description", "tags", "trusted_image_certificates", "host",
    "hypervisor_hostname", "hostname", "uuid", "port", "fixed_ip", "tag", "path", "contents",
    "boot_index", "source_type", "destination_type", "volume_size", "device_name",
    "delete_on_termination", "os:scheduler_hints", "group", "x", "",
};

/* Strings that sit on the edges of the checks. */
static const char *const strings[] = {
    "", " ", "a", "auto", "none", "AUTO", "MANUAL", "true", "False", "1", "0", "-1",
    "999999999999999999999", "1.5", "1.2.3.4", "::1", "999.1.1.1", "fe80::1%eth0",
    "70a599e0-31e7-49b7-b260-868f441e862b", "70a599e031e749b7b260868f441e862b", "not-a-uuid",
    "aGVsbG8=", "aGVsbG8", "====", "a,b", "a/b", "az:host:node", "::", "az::node",
    "http://x/flavors/1", "http://x/", "\xc3\xa9t\xc3\xa9", "\xe2\x80\xae", "\xf0\x9f\x98\x80",
    "\x01\x1f", "tab\there", " lead", "trail ", "-host-", "UPPER.lower-1_2",
};

static char *random_text(void)
{
    unsigned kind = pick(6);
    if (kind < 3)
        return strdup(strings[pick(sizeof(strings) / sizeof(strings[0]))]);
    /* random length, mixing ASCII, multi-byte UTF-8 and control characters */
    size_t len = kind == 5 ? (pick(40) ? 200 + pick(3000) : 70000) : pick(300);
    static const char *const units[] = { "a", "Z", "9", "-", ".", " ", ",", "/", "=", ":",
                                         "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                         "\x01", "\x7f", "\xc2\x85", "'", "\"", "\\" };
    char *s = malloc(len * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        const char *u = units[pick(sizeof(units) / sizeof(units[0]))];
        size_t k = strlen(u);
        memcpy(s + o, u, k);
        o += k;
    }
    s[o] = '\0';
    return s;
}

static json_t *random_value(int depth)
{
    unsigned kind = pick(depth > 0 ? 10 : 7);
    switch (kind) {
    case 0: return json_null();
    case 1: return json_boolean(pick(2));
    case 2: {
        static const json_int_t ints[] = { 0, 1, -1, 2, 50, 51, 255, 256, 65535, 65536,
                                           2147483647, 2147483648LL, INT64_MAX, INT64_MIN };
        return json_integer(pick(3) ? ints[pick(14)] : (json_int_t)next());
    }
    case 3: return json_real(pick(2) ? 1.5 : -0.25);
    case 4: case 5: case 6: {
        char *s = random_text();
        json_t *v = json_string(s);
        free(s);
        return v;
    }
    case 7: case 8: {
        json_t *o = json_object();
        for (unsigned i = pick(5); i > 0; i--)
            json_object_set_new(o, keys[pick(sizeof(keys) / sizeof(keys[0]))],
                                random_value(depth - 1));
        return o;
    }
    default: {
        json_t *a = json_array();
        bool longer = pick(8) == 0;      /* past maxItems (tags 50, ...), small items */
        unsigned n = longer ? 60 : pick(4);
        for (unsigned i = 0; i < n; i++)
            json_array_append_new(a, longer ? json_integer(i) : random_value(depth - 1));
        return a;
    }
    }
}

/* Replaces or adds one random member somewhere inside v (objects and
 * arrays), or deletes one. */
static void mutate(json_t *v, int depth)
{
    if (json_is_object(v) && json_object_size(v) > 0 && depth > 0 && pick(3)) {
        size_t i = pick((unsigned)json_object_size(v));
        void *it = json_object_iter(v);
        while (i-- > 0)
            it = json_object_iter_next(v, it);
        json_t *child = json_object_iter_value(it);
        if (json_is_object(child) || json_is_array(child)) {
            mutate(child, depth - 1);
            return;
        }
    }
    if (json_is_array(v) && json_array_size(v) > 0 && depth > 0 && pick(2)) {
        mutate(json_array_get(v, pick((unsigned)json_array_size(v))), depth - 1);
        return;
    }
    if (json_is_object(v)) {
        const char *k = keys[pick(sizeof(keys) / sizeof(keys[0]))];
        if (pick(5) == 0)
            json_object_del(v, k);
        else
            json_object_set_new(v, k, random_value(2));
    } else if (json_is_array(v)) {
        if (json_array_size(v) > 0 && pick(2))
            json_array_set_new(v, pick((unsigned)json_array_size(v)), random_value(2));
        else
            json_array_append_new(v, random_value(2));
    }
}

static void check_failure(int rc, const struct cerr *err, const char *what)
{
    if (rc == 0)
        return;
    if (rc != -1 || err->status != 400 || !err->message[0])
        fail_msg("%s: rc %d status %d message '%s'", what, rc, err->status, err->message);
    json_t *probe = json_string(err->message);     /* NULL when not valid UTF-8 */
    if (!probe)
        fail_msg("%s: message is not valid UTF-8: '%s'", what, err->message);
    json_decref(probe);
}

static const char *const seeds[] = {
    "{\"server\": {\"name\": \"s\", \"flavorRef\": \"1\", "
    "\"imageRef\": \"70a599e0-31e7-49b7-b260-868f441e862b\", \"networks\": \"auto\"}}",
    "{\"server\": {\"name\": \"s\", \"flavorRef\": 1, \"imageRef\": \"\", \"networks\": "
    "[{\"uuid\": \"3cb9bc59-5699-4588-a4b1-b87f96708bc6\", \"fixed_ip\": \"10.0.0.2\"}], "
    "\"block_device_mapping_v2\": [{\"boot_index\": 0, \"uuid\": "
    "\"70a599e0-31e7-49b7-b260-868f441e862b\", \"source_type\": \"image\", "
    "\"destination_type\": \"local\"}], \"metadata\": {\"k\": \"v\"}, \"min_count\": 2, "
    "\"max_count\": \"3\", \"tags\": [\"a\"], \"user_data\": \"aGVsbG8=\", "
    "\"accessIPv4\": \"1.2.3.4\", \"accessIPv6\": \"::1\", \"config_drive\": true, "
    "\"OS-DCF:diskConfig\": \"AUTO\", \"description\": null, \"hostname\": \"h\", "
    "\"personality\": [{\"path\": \"/a\", \"contents\": \"aGVsbG8=\"}]}, "
    "\"os:scheduler_hints\": {\"group\": \"70a599e0-31e7-49b7-b260-868f441e862b\"}}",
    "{\"server\": {\"name\": \"renamed\", \"description\": \"d\", \"accessIPv4\": "
    "\"1.2.3.4\", \"hostname\": \"h1\"}}",
};

static void test_server_bodies(void **state)
{
    (void)state;
    int accepted = 0, rejected = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        int mv = MV(2, 1 + (int)pick(100));
        json_t *body;
        if (pick(4) == 0) {
            body = random_value(4);
        } else {
            body = json_loads(seeds[pick(3)], 0, NULL);
            assert_non_null(body);
            for (unsigned m = pick(3); m > 0; m--)     /* 0: the seed as it is */
                mutate(body, 4);
        }
        struct server_create_req r;
        struct cerr err = {0};
        int rc = server_create_parse(body, mv, &r, &err);
        check_failure(rc, &err, "server_create_parse");
        if (rc == 0) {
            accepted++;
            assert_true(r.min_count >= 1 && r.min_count <= r.max_count);
        } else {
            rejected++;
        }
        struct cerr uerr = {0};
        check_failure(server_update_parse(body, mv, &uerr), &uerr, "server_update_parse");
        json_decref(body);
    }
    print_message("%d accepted, %d rejected\n", accepted, rejected);
    /* the generator reaches both outcomes, or it tests nothing */
    assert_true(accepted > 50);
    assert_true(rejected > 1000);
}

static void test_parameter_types(void **state)
{
    (void)state;
    static const char *const allowed[] = { "name", "metadata", NULL };
    static const char *const values[] = { "AUTO", "MANUAL", NULL };
    for (int i = 0; i < ITERATIONS; i++) {
        json_t *v = random_value(3);
        struct cerr err = {0};
        bool b;
        int64_t n;
        size_t len;
        char repr[256];
#define CHECK(call) do { memset(&err, 0, sizeof(err)); check_failure((call), &err, #call); } \
    while (0)
        CHECK(v_name(v, "name", &err));
        CHECK(v_string(v, "s", 1, 255, &err));
        CHECK(v_description(v, "description", &err));
        CHECK(v_uuid(v, "uuid", &err));
        CHECK(v_boolean(v, "b", &b, &err));
        CHECK(v_int(v, "i", 0, 2147483647, &n, &err));
        CHECK(v_ipv4(v, "accessIPv4", &err));
        CHECK(v_ipv6(v, "accessIPv6", &err));
        CHECK(v_metadata(v, "metadata", &err));
        CHECK(v_tag(v, "tag", &err));
        CHECK(v_base64(v, "user_data", &len, &err));
        CHECK(v_object(v, "o", allowed, &err));
        CHECK(v_body(v, allowed, "name", &err));
        CHECK(v_fqdn(v, "host", &err));
        CHECK(v_hostname(v, "hostname", &err));
        CHECK(v_array(v, "a", 50, &err));
        CHECK(v_enum(v, "e", values, &err));
        CHECK(v_required_in(v, "o", "name", &err));
#undef CHECK
        v_repr(v, repr, sizeof(repr));
        assert_true(strlen(repr) < sizeof(repr));
        if (json_is_string(v)) {
            const char *s = json_string_value(v);
            (void)is_printable_utf8(s);
            (void)is_uuid_like(s);
            (void)is_ipv4(s);
            (void)is_ipv6(s);
            (void)parse_boolish(s);
            assert_true(utf8_len(s) <= strlen(s));
            char host[128];
            server_sanitize_hostname(s, host, sizeof(host));
            assert_true(strlen(host) <= 63);
            /* a bounded copy of valid text stays valid text (it is echoed in faults) */
            char id[256], zone[256], zhost[256], znode[256];
            server_id_from_href(s, id, sizeof(id));
            json_t *probe = json_string(id);
            assert_non_null(probe);
            json_decref(probe);
            memset(&err, 0, sizeof(err));
            check_failure(server_parse_az(s, zone, sizeof(zone), zhost, sizeof(zhost), znode,
                                          sizeof(znode), &err), &err, "server_parse_az");
            (void)server_base64_ok(s);
        }
        json_decref(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_bodies),
        cmocka_unit_test(test_parameter_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
