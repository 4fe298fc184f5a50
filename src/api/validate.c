/* validate.c - Nova's parameter types as C checks. */
#include "api/validate.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void value_text(const json_t *v, char *out, size_t n)
{
    if (!v) {
        snprintf(out, n, "None");
    } else if (json_is_string(v)) {
        snprintf(out, n, "%s", json_string_value(v));
    } else if (json_is_null(v)) {
        snprintf(out, n, "None");
    } else if (json_is_true(v)) {
        snprintf(out, n, "True");
    } else if (json_is_false(v)) {
        snprintf(out, n, "False");
    } else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(out, n, "%s", s ? s : "?");
        free(s);
    }
    if (strlen(out) > 200)
        strcpy(out + 197, "...");
}

int v_fail(struct cerr *err, const char *field, const json_t *value, const char *fmt, ...)
{
    char reason[300], val[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    value_text(value, val, sizeof(val));
    return cerr_set(err, 400, "Invalid input for field/attribute %s. Value: %s. %s", field, val,
                    reason);
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER: return "integer";
    case JSON_REAL: return "number";
    case JSON_TRUE: case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

int v_object(const json_t *v, const char *field, const char *const *allowed, struct cerr *err)
{
    if (!json_is_object(v)) {
        char val[256];
        value_text(v, val, sizeof(val));
        return v_fail(err, field, v, "%s is not of type 'object'", val);
    }
    const char *key;
    json_t *x;
    json_object_foreach((json_t *)v, key, x) {
        bool ok = false;
        for (int i = 0; allowed && allowed[i]; i++)
            if (strcmp(allowed[i], key) == 0)
                ok = true;
        if (!ok)
            return v_fail(err, field, v, "Additional properties are not allowed ('%s' was "
                          "unexpected)", key);
    }
    return 0;
}

int v_required(const json_t *obj, const char *key, struct cerr *err)
{
    if (json_object_get(obj, key))
        return 0;
    return cerr_set(err, 400, "Invalid input for field/attribute %s. Value: None. '%s' is a "
                    "required property", key, key);
}

size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

bool is_printable_utf8(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static int need_string(const json_t *v, const char *field, struct cerr *err)
{
    if (json_is_string(v))
        return 0;
    char val[256];
    value_text(v, val, sizeof(val));
    return v_fail(err, field, v, "%s is not of type 'string'", val);
}

int v_string(const json_t *v, const char *field, int min, int max, struct cerr *err)
{
    if (need_string(v, field, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    size_t n = utf8_len(s);
    if ((int)n < min)
        return v_fail(err, field, v, "'%s' is too short", s);
    if (max >= 0 && (int)n > max)
        return v_fail(err, field, v, "'%.40s...' is too long", s);
    return 0;
}

int v_name(const json_t *v, const char *field, struct cerr *err)
{
    if (v_string(v, field, 1, 255, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    if (!is_printable_utf8(s) || isspace((unsigned char)s[0]) || isspace((unsigned char)s[n - 1]))
        return v_fail(err, field, v, "'%s' does not match "
                      "'^(?![\\ ])[\\x20-\\x7e\\u00a0-\\U0010ffff]*(?<![\\ ])$'", s);
    return 0;
}

int v_description(const json_t *v, const char *field, struct cerr *err)
{
    if (json_is_null(v))
        return 0;
    if (v_string(v, field, 0, 255, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
            return v_fail(err, field, v, "'%s' does not match printable characters", s);
    return 0;
}

bool is_uuid_like(const char *s) { return uuid_is_valid(s); }

int v_uuid(const json_t *v, const char *field, struct cerr *err)
{
    if (need_string(v, field, err) < 0)
        return -1;
    if (!is_uuid_like(json_string_value(v)))
        return v_fail(err, field, v, "'%s' is not a 'uuid'", json_string_value(v));
    return 0;
}

int parse_boolish(const char *s)
{
    static const char *const yes[] = { "True", "TRUE", "true", "1", "ON", "On", "on",
                                       "YES", "Yes", "yes", NULL };
    static const char *const no[] = { "False", "FALSE", "false", "0", "OFF", "Off", "off",
                                      "NO", "No", "no", NULL };
    for (int i = 0; yes[i]; i++)
        if (strcmp(s, yes[i]) == 0)
            return 1;
    for (int i = 0; no[i]; i++)
        if (strcmp(s, no[i]) == 0)
            return 0;
    return -1;
}

int v_boolean(const json_t *v, const char *field, bool *out, struct cerr *err)
{
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    int b = json_is_string(v) ? parse_boolish(json_string_value(v)) : -1;
    if (b < 0)
        return v_fail(err, field, v, "%s is not of type 'boolean', 'string'",
                      json_is_string(v) ? "value" : type_name(v));
    *out = b == 1;
    return 0;
}

int v_int(const json_t *v, const char *field, int64_t min, int64_t max, int64_t *out,
          struct cerr *err)
{
    int64_t n;
    if (json_is_integer(v)) {
        n = json_integer_value(v);
    } else if (json_is_string(v) && json_string_value(v)[0]) {
        const char *s = json_string_value(v);
        for (const char *p = s; *p; p++)
            if (!isdigit((unsigned char)*p) && !(p == s && *p == '-'))
                return v_fail(err, field, v, "'%s' does not match '^[0-9]+$'", s);
        n = strtoll(s, NULL, 10);
    } else {
        return v_fail(err, field, v, "%s is not of type 'integer', 'string'", type_name(v));
    }
    if (n < min)
        return v_fail(err, field, v, "%lld is less than the minimum of %lld", (long long)n,
                      (long long)min);
    if (n > max)
        return v_fail(err, field, v, "%lld is greater than the maximum of %lld", (long long)n,
                      (long long)max);
    *out = n;
    return 0;
}

bool is_ipv4(const char *s)
{
    struct in_addr a;
    return inet_pton(AF_INET, s, &a) == 1;
}

bool is_ipv6(const char *s)
{
    struct in6_addr a;
    return inet_pton(AF_INET6, s, &a) == 1;
}

int v_ipv4(const json_t *v, const char *field, struct cerr *err)
{
    if (need_string(v, field, err) < 0)
        return -1;
    if (!is_ipv4(json_string_value(v)))
        return v_fail(err, field, v, "'%s' is not a 'ipv4'", json_string_value(v));
    return 0;
}

int v_ipv6(const json_t *v, const char *field, struct cerr *err)
{
    if (need_string(v, field, err) < 0)
        return -1;
    if (!is_ipv6(json_string_value(v)))
        return v_fail(err, field, v, "'%s' is not a 'ipv6'", json_string_value(v));
    return 0;
}

int v_metadata(const json_t *v, const char *field, struct cerr *err)
{
    if (!json_is_object(v))
        return v_fail(err, field, v, "%s is not of type 'object'", type_name(v));
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        size_t n = strlen(key);
        bool ok = n >= 1 && utf8_len(key) <= 255;
        for (const char *p = key; ok && *p; p++)
            ok = isalnum((unsigned char)*p) || strchr("-_:. ", *p);
        if (!ok)
            return v_fail(err, field, v, "Additional properties are not allowed ('%s' was "
                          "unexpected)", key);
        if (!json_is_string(val))
            return v_fail(err, field, val, "%s is not of type 'string'", type_name(val));
        if (utf8_len(json_string_value(val)) > 255)
            return v_fail(err, field, val, "'%.40s...' is too long", json_string_value(val));
    }
    return 0;
}

int v_tag(const json_t *v, const char *field, struct cerr *err)
{
    if (v_string(v, field, 1, 60, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    if (strchr(s, ',') || strchr(s, '/'))
        return v_fail(err, field, v, "'%s' does not match '^[^,/]*$'", s);
    return 0;
}

int v_base64(const json_t *v, const char *field, size_t *decoded_len, struct cerr *err)
{
    if (need_string(v, field, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    size_t n = strlen(s), pad = 0;
    bool ok = n % 4 == 0;
    for (size_t i = 0; ok && i < n; i++) {
        char c = s[i];
        if (c == '=') {
            ok = i >= n - 2;
            pad++;
        } else {
            ok = pad == 0 && (isalnum((unsigned char)c) || c == '+' || c == '/');
        }
    }
    if (!ok)
        return v_fail(err, field, v, "'%.40s' is not a 'base64'", s);
    if (decoded_len)
        *decoded_len = n / 4 * 3 - pad;
    return 0;
}

int vq_fail(struct cerr *err, const char *param, const char *value, const char *reason)
{
    return cerr_set(err, 400, "Invalid input for query parameters %s. Value: %s. %s", param,
                    value, reason);
}

int vq_int(const char *value, const char *param, int64_t min, int64_t *out, struct cerr *err)
{
    char *end;
    if (!value || !*value)
        return vq_fail(err, param, value ? value : "", "'' is not an integer");
    long long n = strtoll(value, &end, 10);
    if (*end || n < min) {
        char reason[128];
        snprintf(reason, sizeof(reason), "'%s' is not an integer or is below %lld", value,
                 (long long)min);
        return vq_fail(err, param, value, reason);
    }
    *out = n;
    return 0;
}
