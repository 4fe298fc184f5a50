/* test_validate.c - Nova's parameter types (api/validate.c) as tables:
 * each row is a JSON value, whether the check accepts it and, when not,
 * the exact 400 message Nova's jsonschema wrapper gives (Python repr of
 * the value, field named by the last path element). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/validate.h"
#include "http/http.h"

static json_t *js(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    if (!j)
        fail_msg("bad JSON in test: %s (%s)", text, e.text);
    return j;
}

/* Runs one row: msg NULL = must pass; else the exact message. */
static void expect(int rc, const struct cerr *err, const char *what, const char *msg)
{
    if (!msg) {
        if (rc != 0)
            fail_msg("%s: refused: %s", what, err->message);
        return;
    }
    if (rc != -1 || err->status != 400 || strcmp(err->message, msg) != 0)
        fail_msg("%s:\n  got  %d '%s'\n  want 400 '%s'", what, rc, err->message, msg);
}

#define F(x) "Invalid input for field/attribute " x
#define BAD_NAME "An invalid 'name' value was provided. The name must be: printable " \
                 "characters. Can not start or end with whitespace."

struct row { const char *json, *msg; };

static void run(const struct row *rows, size_t n,
                int (*check)(const json_t *, const char *, struct cerr *))
{
    for (size_t i = 0; i < n; i++) {
        struct cerr err = {0};
        json_t *v = js(rows[i].json);
        expect(check(v, "name", &err), &err, rows[i].json, rows[i].msg);
        json_decref(v);
    }
}
#define RUN(rows, check) run(rows, sizeof(rows) / sizeof(rows[0]), check)

static const struct row name_rows[] = {
    {"\"server-1\"", NULL},
    {"\"a\"", NULL},
    {"\"with inner  spaces\"", NULL},
    {"\"caf\\u00e9 \\u4e2d\\u6587\"", NULL},
    {"\"a\\u00a0b\"", NULL},                     /* NBSP inside */
    {"\"\"", F("name. Value: . '' is too short")},
    {"\" lead\"", BAD_NAME},
    {"\"trail \"", BAD_NAME},
    {"\"\\u00a0nbsp\"", BAD_NAME},               /* Zs at an end */
    {"\"x\\u3000\"", BAD_NAME},
    {"\"tab\\there\"", BAD_NAME},
    {"\"new\\nline\"", BAD_NAME},
    {"\"del\\u007f\"", BAD_NAME},
    {"\"c1\\u0085\"", BAD_NAME},
    {"\"zw\\u200bsp\"", BAD_NAME},
    {"\"ls\\u2028x\"", BAD_NAME},
    {"\"pua\\ue000\"", BAD_NAME},
    {"12", F("name. Value: 12. 12 is not of type 'string'")},
    {"null", F("name. Value: None. None is not of type 'string'")},
    {"true", F("name. Value: True. True is not of type 'string'")},
    {"[\"a\"]", F("name. Value: ['a']. ['a'] is not of type 'string'")},
};

static void test_name(void **state)
{
    RUN(name_rows, v_name);
    /* 255 characters (multi-byte ones count once) pass, 256 do not */
    char big[256 * 2 + 3];
    big[0] = '"';
    for (int i = 1; i <= 255; i++)
        big[i] = 'x';
    strcpy(big + 256, "\"");
    struct cerr err;
    json_t *v = js(big);
    assert_int_equal(v_name(v, "name", &err), 0);
    json_decref(v);
    strcpy(big + 256, "y\"");
    v = js(big);
    assert_int_equal(v_name(v, "name", &err), -1);
    assert_non_null(strstr(err.message, "is too long"));
    json_decref(v);
    v = js("\"\\u00e9\\u00e9\\u00e9\"");
    assert_int_equal(v_string(v, "s", 3, 3, &err), 0);
    json_decref(v);
}

static int description(const json_t *v, const char *f, struct cerr *e)
{
    return v_description(v, f, e);
}

static const struct row description_rows[] = {
    {"null", NULL},
    {"\"\"", NULL},
    {"\" spaces are fine \"", NULL},
    {"\"line\\nbreak\"", F("name. Value: line\nbreak. 'line\\nbreak' does not match printable "
                           "characters")},
    {"\"tab\\t\"", F("name. Value: tab\t. 'tab\\t' does not match printable characters")},
    {"5", F("name. Value: 5. 5 is not of type 'string'")},
};

static void test_description(void **state)
{
    RUN(description_rows, description);
    char big[300];
    memset(big, 'd', sizeof(big));
    big[0] = '"';
    strcpy(big + 257, "\"");
    struct cerr err;
    json_t *v = js(big);
    assert_int_equal(v_description(v, "description", &err), -1);
    assert_non_null(strstr(err.message, "is too long"));
    json_decref(v);
}

static const struct row uuid_rows[] = {
    {"\"6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44b\"", NULL},
    {"\"6E2BBA65-CF49-4B54-A4BF-0D4CE0E7E44B\"", NULL},
    {"\"6e2bba65cf494b54a4bf0d4ce0e7e44b\"", NULL},
    {"\"{6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44b}\"", NULL},
    {"\"urn:uuid:6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44b\"", NULL},
    {"\"6e2bba65-cf494b54-a4bf0d4ce0e7e44b\"", NULL},     /* dashes anywhere */
    {"\"6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44\"",
     F("name. Value: 6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44. "
       "'6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44' is not a 'uuid'")},
    {"\"6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44bb\"",
     F("name. Value: 6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44bb. "
       "'6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44bb' is not a 'uuid'")},
    {"\"zzzzzzzz-cf49-4b54-a4bf-0d4ce0e7e44b\"",
     F("name. Value: zzzzzzzz-cf49-4b54-a4bf-0d4ce0e7e44b. "
       "'zzzzzzzz-cf49-4b54-a4bf-0d4ce0e7e44b' is not a 'uuid'")},
    {"\"\"", F("name. Value: . '' is not a 'uuid'")},
    {"1", F("name. Value: 1. 1 is not of type 'string'")},
};

static void test_uuid(void **state) { RUN(uuid_rows, v_uuid); }

static const struct row ipv4_rows[] = {
    {"\"10.0.0.1\"", NULL},
    {"\"0.0.0.0\"", NULL},
    {"\"255.255.255.255\"", NULL},
    {"\"10.0.0.256\"", F("name. Value: 10.0.0.256. '10.0.0.256' is not a 'ipv4'")},
    {"\"10.0.0\"", F("name. Value: 10.0.0. '10.0.0' is not a 'ipv4'")},
    {"\"010.0.0.1\"", F("name. Value: 010.0.0.1. '010.0.0.1' is not a 'ipv4'")},
    {"\"::1\"", F("name. Value: ::1. '::1' is not a 'ipv4'")},
    {"\"\"", F("name. Value: . '' is not a 'ipv4'")},
    {"4", F("name. Value: 4. 4 is not of type 'string'")},
};
static const struct row ipv6_rows[] = {
    {"\"::1\"", NULL},
    {"\"fd00:c1::2\"", NULL},
    {"\"::ffff:10.0.0.1\"", NULL},
    {"\"2001:DB8::1\"", NULL},
    {"\"fd00:::1\"", F("name. Value: fd00:::1. 'fd00:::1' is not a 'ipv6'")},
    {"\"10.0.0.1\"", F("name. Value: 10.0.0.1. '10.0.0.1' is not a 'ipv6'")},
    {"\"fe80::1%eth0\"", F("name. Value: fe80::1%eth0. 'fe80::1%eth0' is not a 'ipv6'")},
};

static void test_ip(void **state)
{
    RUN(ipv4_rows, v_ipv4);
    RUN(ipv6_rows, v_ipv6);
}

static int tag(const json_t *v, const char *f, struct cerr *e) { return v_tag(v, f, e); }

static const struct row tag_rows[] = {
    {"\"web\"", NULL},
    {"\"with space\"", NULL},
    {"\"\\u00e9t\\u00e9\"", NULL},
    {"\"a,b\"", F("name. Value: a,b. 'a,b' does not match '^[^,/]*$'")},
    {"\"a/b\"", F("name. Value: a/b. 'a/b' does not match '^[^,/]*$'")},
    {"\"\"", F("name. Value: . '' is too short")},
    {"\"0123456789012345678901234567890123456789012345678901234567890\"",
     F("name. Value: 0123456789012345678901234567890123456789012345678901234567890. "
       "'0123456789012345678901234567890123456789012345678901234567890' is too long")},
    {"7", F("name. Value: 7. 7 is not of type 'string'")},
};

static void test_tag(void **state)
{
    RUN(tag_rows, tag);
    json_t *v = js("\"012345678901234567890123456789012345678901234567890123456789\"");
    struct cerr err;
    assert_int_equal(v_tag(v, "tag", &err), 0);   /* exactly 60 */
    json_decref(v);
}

static const struct { const char *json; int want; } bool_rows[] = {
    {"true", 1}, {"false", 0},
    {"\"True\"", 1}, {"\"TRUE\"", 1}, {"\"true\"", 1}, {"\"1\"", 1}, {"\"ON\"", 1},
    {"\"On\"", 1}, {"\"on\"", 1}, {"\"YES\"", 1}, {"\"Yes\"", 1}, {"\"yes\"", 1},
    {"\"False\"", 0}, {"\"FALSE\"", 0}, {"\"false\"", 0}, {"\"0\"", 0}, {"\"OFF\"", 0},
    {"\"Off\"", 0}, {"\"off\"", 0}, {"\"NO\"", 0}, {"\"No\"", 0}, {"\"no\"", 0},
    {"\"tRUE\"", -1}, {"\"y\"", -1}, {"\"\"", -1}, {"\"2\"", -1}, {"1", -2}, {"null", -2},
    {"[true]", -2},
};

static void test_boolean(void **state)
{
    for (size_t i = 0; i < sizeof(bool_rows) / sizeof(bool_rows[0]); i++) {
        struct cerr err = {0};
        bool out = false;
        json_t *v = js(bool_rows[i].json);
        int rc = v_boolean(v, "config_drive", &out, &err);
        if (bool_rows[i].want >= 0) {
            if (rc != 0 || out != (bool_rows[i].want == 1))
                fail_msg("%s: rc %d out %d", bool_rows[i].json, rc, out);
        } else {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(err.message, bool_rows[i].want == -1
                                                    ? "is not one of [True, 'True'"
                                                    : "is not of type 'boolean', 'string'"));
        }
        json_decref(v);
    }
    struct cerr err;
    bool out;
    json_t *v = js("\"maybe\"");
    v_boolean(v, "config_drive", &out, &err);
    assert_string_equal(err.message,
                        F("config_drive. Value: maybe. 'maybe' is not one of [True, 'True', "
                          "'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, "
                          "'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', "
                          "'no']"));
    json_decref(v);
    assert_int_equal(parse_boolish("yes"), 1);
    assert_int_equal(parse_boolish("Off"), 0);
    assert_int_equal(parse_boolish("nope"), -1);
}

static const struct {
    const char *json;
    int64_t min, max, want;
    const char *msg;
} int_rows[] = {
    {"1", 1, 10, 1, NULL},
    {"\"7\"", 1, 10, 7, NULL},
    {"10", 1, 10, 10, NULL},
    {"\"0\"", 0, 10, 0, NULL},
    {"\"-1\"", -1, 10, -1, NULL},                 /* quota values */
    {"-1", -1, 10, -1, NULL},
    {"0", 1, 10, 0, F("n. Value: 0. 0 is less than the minimum of 1")},
    {"11", 1, 10, 0, F("n. Value: 11. 11 is greater than the maximum of 10")},
    {"\"11\"", 1, 10, 0, F("n. Value: 11. 11 is greater than the maximum of 10")},
    {"\"-5\"", 1, 10, 0, F("n. Value: -5. '-5' does not match '^[0-9]*$'")},
    {"\"-\"", -1, 10, 0, F("n. Value: -. '-' does not match '^-?[0-9]+$'")},
    {"\"1.5\"", 1, 10, 0, F("n. Value: 1.5. '1.5' does not match '^[0-9]*$'")},
    {"\" 1\"", 1, 10, 0, F("n. Value:  1. ' 1' does not match '^[0-9]*$'")},
    {"\"\"", 1, 10, 0, F("n. Value: . '' is too short")},
    {"\"99999999999999999999999\"", 1, 10, 0,
     F("n. Value: 99999999999999999999999. 9223372036854775807 is greater than the maximum "
       "of 10")},
    {"1.5", 1, 10, 0, F("n. Value: 1.5. 1.5 is not of type 'integer', 'string'")},
    {"2.0", 1, 10, 0, F("n. Value: 2.0. 2.0 is not of type 'integer', 'string'")},
    {"null", 1, 10, 0, F("n. Value: None. None is not of type 'integer', 'string'")},
    {"true", 1, 10, 0, F("n. Value: True. True is not of type 'integer', 'string'")},
    {"{\"a\": [1, \"b\"]}", 1, 10, 0,
     F("n. Value: {'a': [1, 'b']}. {'a': [1, 'b']} is not of type 'integer', 'string'")},
};

static void test_int(void **state)
{
    for (size_t i = 0; i < sizeof(int_rows) / sizeof(int_rows[0]); i++) {
        struct cerr err = {0};
        int64_t out = -99;
        json_t *v = js(int_rows[i].json);
        int rc = v_int(v, "n", int_rows[i].min, int_rows[i].max, &out, &err);
        expect(rc, &err, int_rows[i].json, int_rows[i].msg);
        if (!int_rows[i].msg)
            assert_int_equal(out, int_rows[i].want);
        json_decref(v);
    }
}

static int metadata(const json_t *v, const char *f, struct cerr *e)
{
    return v_metadata(v, "metadata", e);
}

static const struct row metadata_rows[] = {
    {"{}", NULL},
    {"{\"a\": \"b\", \"A-z_0:9. x\": \"\"}", NULL},
    {"{\"bad/key\": \"v\"}",
     F("metadata. Value: {'bad/key': 'v'}. Additional properties are not allowed ('bad/key' "
       "was unexpected)")},
    {"{\"\": \"v\"}",
     F("metadata. Value: {'': 'v'}. Additional properties are not allowed ('' was "
       "unexpected)")},
    {"{\"k\\u00e9\": \"v\"}",
     F("metadata. Value: {'k\u00e9': 'v'}. Additional properties are not allowed ('k\u00e9' "
       "was unexpected)")},
    {"{\"key\": 1}", F("key. Value: 1. 1 is not of type 'string'")},
    {"{\"key\": null}", F("key. Value: None. None is not of type 'string'")},
    {"[]", F("metadata. Value: []. [] is not of type 'object'")},
    {"\"x\"", F("metadata. Value: x. 'x' is not of type 'object'")},
};

static void test_metadata(void **state)
{
    RUN(metadata_rows, metadata);
    /* 255-character key and value pass; 256 do not */
    char k[256], val[257];
    memset(k, 'k', 255);
    k[255] = '\0';
    memset(val, 'v', 256);
    val[256] = '\0';
    struct cerr err;
    json_t *m = json_pack("{s:s#}", k, val, 255);
    assert_int_equal(v_metadata(m, "metadata", &err), 0);
    json_decref(m);
    m = json_pack("{s:s}", "key", val);
    assert_int_equal(v_metadata(m, "metadata", &err), -1);
    assert_non_null(strstr(err.message, "is too long"));
    assert_int_equal(strncmp(err.message, F("key. "), strlen(F("key. "))), 0);
    json_decref(m);
    char k256[257];
    memset(k256, 'k', 256);
    k256[256] = '\0';
    m = json_pack("{s:s}", k256, "v");
    assert_int_equal(v_metadata(m, "metadata", &err), -1);
    assert_non_null(strstr(err.message, "Additional properties are not allowed"));
    json_decref(m);
}

static const struct { const char *json; long decoded; } base64_rows[] = {
    {"\"\"", 0},
    {"\"aGVsbG8=\"", 5},
    {"\"aGVsbG8h\"", 6},
    {"\"aGVsbA==\"", 4},
    {"\"aGVs\\nbG8h\\n\"", 6},         /* line breaks are skipped */
    {"\"aGVs bG8h\"", 6},
    {"\"aGVsbA==trailing\"", 4},       /* complete padding ends the input */
    {"\"a=GVsbG8h\"", 6},              /* early '=' is ignored */
    {"\"aGVsbG8\"", -1},               /* incorrect padding */
    {"\"aGVsbG8h!\"", 6},
    {"\"a\"", -1},                     /* one char over a multiple of 4 */
    {"\"aGVsb\"", -1},
    {"\"====\"", 0},
    {"\"YQ=\"", -1},
};

static void test_base64(void **state)
{
    for (size_t i = 0; i < sizeof(base64_rows) / sizeof(base64_rows[0]); i++) {
        struct cerr err = {0};
        size_t n = 12345;
        json_t *v = js(base64_rows[i].json);
        int rc = v_base64(v, "user_data", &n, &err);
        if (base64_rows[i].decoded >= 0 && (rc != 0 || (long)n != base64_rows[i].decoded))
            fail_msg("%s: rc %d len %zu", base64_rows[i].json, rc, n);
        if (base64_rows[i].decoded < 0 && rc != -1)
            fail_msg("%s: accepted", base64_rows[i].json);
        json_decref(v);
    }
    struct cerr err;
    json_t *v = js("\"abc\"");
    assert_int_equal(v_base64(v, "user_data", NULL, &err), -1);
    assert_string_equal(err.message, F("user_data. Value: abc. 'abc' is not a 'base64'"));
    json_decref(v);
    v = js("3");
    assert_int_equal(v_base64(v, "user_data", NULL, &err), -1);
    assert_string_equal(err.message, F("user_data. Value: 3. 3 is not of type 'string'"));
    json_decref(v);
}

static void test_object_and_body(void **state)
{
    static const char *const allowed[] = { "name", "flavorRef", NULL };
    struct cerr err;
    json_t *v = js("{\"name\": \"x\"}");
    assert_int_equal(v_object(v, "server", allowed, &err), 0);
    assert_int_equal(v_required(v, "name", &err), 0);
    assert_int_equal(v_required(v, "flavorRef", &err), -1);
    assert_string_equal(err.message, F("flavorRef. Value: None. 'flavorRef' is a required "
                                       "property"));
    assert_int_equal(v_required_in(v, "server", "flavorRef", &err), -1);
    assert_string_equal(err.message, F("server. Value: {'name': 'x'}. 'flavorRef' is a "
                                       "required property"));
    json_decref(v);
    v = js("{\"name\": \"x\", \"extra\": 1}");
    assert_int_equal(v_object(v, "server", allowed, &err), -1);
    assert_string_equal(err.message, F("server. Value: {'name': 'x', 'extra': 1}. Additional "
                                       "properties are not allowed ('extra' was unexpected)"));
    json_decref(v);
    v = js("\"it's\"");
    assert_int_equal(v_object(v, "server", allowed, &err), -1);
    assert_string_equal(err.message, F("server. Value: it's. \"it's\" is not of type 'object'"));
    json_decref(v);

    static const char *const root[] = { "server", NULL };
    v = js("{\"server\": {}}");
    assert_int_equal(v_body(v, root, "server", &err), 0);
    json_decref(v);
    v = js("{}");
    assert_int_equal(v_body(v, root, "server", &err), -1);
    assert_string_equal(err.message, "'server' is a required property");
    json_decref(v);
    v = js("{\"server\": {}, \"x\": 1}");
    assert_int_equal(v_body(v, root, "server", &err), -1);
    assert_string_equal(err.message, "Additional properties are not allowed ('x' was "
                                     "unexpected)");
    json_decref(v);
    v = js("[1]");
    assert_int_equal(v_body(v, root, "server", &err), -1);
    assert_string_equal(err.message, "[1] is not of type 'object'");
    json_decref(v);
}

static void test_query(void **state)
{
    struct cerr err;
    int64_t n = -1;
    assert_int_equal(vq_int("5", "limit", 0, &n, &err), 0);
    assert_int_equal(n, 5);
    assert_int_equal(vq_int("0", "limit", 0, &n, &err), 0);
    assert_int_equal(vq_int("-1", "limit", 0, &n, &err), -1);
    assert_int_equal(err.status, 400);
    assert_int_equal(strncmp(err.message, "Invalid input for query parameters limit. Value: -1.",
                             51), 0);
    assert_int_equal(vq_int("x", "limit", 0, &n, &err), -1);
    assert_int_equal(vq_int("", "limit", 0, &n, &err), -1);

    struct http_request req = {0};
    static const char *const allowed[] = { "limit", "marker", NULL };
    req.query[0] = (struct http_kv){ "limit", "1" };
    req.query[1] = (struct http_kv){ "marker", "m" };
    req.nquery = 2;
    assert_int_equal(vq_only(&req, allowed, &err), 0);
    req.query[2] = (struct http_kv){ "sort", "x" };
    req.nquery = 3;
    assert_int_equal(vq_only(&req, allowed, &err), -1);
    assert_string_equal(err.message, "Additional properties are not allowed ('sort' was "
                                     "unexpected)");
    assert_int_equal(vq_only(&req, NULL, &err), -1);
    req.nquery = 0;
    assert_int_equal(vq_only(&req, NULL, &err), 0);
}

static void test_predicates(void **state)
{
    assert_int_equal(utf8_len(""), 0);
    assert_int_equal(utf8_len("abc"), 3);
    assert_int_equal(utf8_len("caf\xc3\xa9"), 4);
    assert_int_equal(utf8_len("\xe4\xb8\xad\xf0\x9f\x98\x80"), 2);
    assert_true(is_printable_utf8("hello world"));
    assert_true(is_printable_utf8("\xe4\xb8\xad\xf0\x9f\x98\x80"));   /* CJK, emoji */
    assert_false(is_printable_utf8("a\tb"));
    assert_false(is_printable_utf8("\xc2\x85"));                      /* NEL (Cc) */
    assert_false(is_printable_utf8("\xef\xbb\xbf"));                  /* BOM (Cf) */
    assert_true(is_uuid_like("6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44b"));
    assert_true(is_uuid_like("uuid:6e2bba65cf494b54a4bf0d4ce0e7e44b"));
    assert_false(is_uuid_like("6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44b-"
                              "6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44b-6e2bba65-cf49-4b54-a4bf-"
                              "0d4ce0e7e44b-6e2bba65"));
    assert_false(is_uuid_like(" 6e2bba65-cf49-4b54-a4bf-0d4ce0e7e44b"));
    assert_true(is_ipv4("192.168.0.1"));
    assert_false(is_ipv4("192.168.0.1 "));
    assert_true(is_ipv6("::"));
    assert_false(is_ipv6(":"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name),
        cmocka_unit_test(test_description),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_ip),
        cmocka_unit_test(test_tag),
        cmocka_unit_test(test_boolean),
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_object_and_body),
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_predicates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
