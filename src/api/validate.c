/* validate.c - Nova's parameter types as C checks. Messages follow the
 * jsonschema errors Nova wraps (validators.py): Python repr() of the
 * offending value, "Invalid input for field/attribute <last path element>". */
#include "api/validate.h"
#include "http/http.h"
#include "util/clock.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Python's repr() of a decoded JSON value: jsonschema builds its
 * messages from it ("'abc' is too long", "1 is not of type 'string'"). */
static void py_repr(struct buf *b, const json_t *v);

static void py_repr_string(struct buf *b, const char *s)
{
    char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
    buf_append(b, &q, 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\' || *p == (unsigned char)q)
            buf_printf(b, "\\%c", *p);
        else if (*p == '\n')
            buf_puts(b, "\\n");
        else if (*p == '\r')
            buf_puts(b, "\\r");
        else if (*p == '\t')
            buf_puts(b, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            buf_printf(b, "\\x%02x", *p);
        else
            buf_append(b, p, 1);
    }
    buf_append(b, &q, 1);
}

/* repr(float): the shortest text that reads back, with a ".0" when whole. */
static void py_repr_real(struct buf *b, double d)
{
    char t[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(t, sizeof(t), "%.*g", prec, d);
        if (strtod(t, NULL) == d)
            break;
    }
    buf_puts(b, t);
    if (!strpbrk(t, ".eni"))
        buf_puts(b, ".0");
}

static void py_repr(struct buf *b, const json_t *v)
{
    size_t i;
    const char *key;
    json_t *x;
    switch (json_typeof(v)) {
    case JSON_STRING: py_repr_string(b, json_string_value(v)); break;
    case JSON_INTEGER: buf_printf(b, "%lld", (long long)json_integer_value(v)); break;
    case JSON_REAL: py_repr_real(b, json_real_value(v)); break;
    case JSON_TRUE: buf_puts(b, "True"); break;
    case JSON_FALSE: buf_puts(b, "False"); break;
    case JSON_NULL: buf_puts(b, "None"); break;
    case JSON_ARRAY:
        buf_puts(b, "[");
        json_array_foreach((json_t *)v, i, x) {
            buf_puts(b, i ? ", " : "");
            py_repr(b, x);
        }
        buf_puts(b, "]");
        break;
    case JSON_OBJECT:
        buf_puts(b, "{");
        i = 0;
        json_object_foreach((json_t *)v, key, x) {
            buf_puts(b, i++ ? ", " : "");
            py_repr_string(b, key);
            buf_puts(b, ": ");
            py_repr(b, x);
        }
        buf_puts(b, "}");
        break;
    }
}

/* Shortens text longer than 200 bytes to "<first ~197 bytes>...", never
 * inside a UTF-8 character (the message must stay valid JSON text). */
static void cut_text(char *out)
{
    if (strlen(out) <= 200)
        return;
    size_t at = 197;
    while (at > 0 && ((unsigned char)out[at] & 0xc0) == 0x80)
        at--;
    strcpy(out + at, "...");
}

/* repr() into a bounded buffer ("None" for a missing value). */
static void repr_text(const json_t *v, char *out, size_t n)
{
    struct buf b = {0};
    if (v)
        py_repr(&b, v);
    snprintf(out, n, "%s", v ? b.data : "None");
    buf_free(&b);
    cut_text(out);
}

void v_repr(const json_t *v, char *out, size_t n)
{
    repr_text(v, out, n);
}

/* str() of the value, as the "Value: %s" part of Nova's message shows it. */
static void value_text(const json_t *v, char *out, size_t n)
{
    if (v && json_is_string(v)) {
        snprintf(out, n, "%s", json_string_value(v));
        cut_text(out);
        return;
    }
    repr_text(v, out, n);
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

/* jsonschema's additionalProperties message for the keys of obj outside
 * allowed, in body order: "Additional properties are not allowed ('a' was
 * unexpected)", or "('a', 'b' were unexpected)". NULL when there are none;
 * the caller frees it. */
static char *extras_msg(const json_t *obj, const char *const *allowed)
{
    struct buf b = {0};
    const char *key;
    json_t *x;
    int n = 0;
    json_object_foreach((json_t *)obj, key, x) {
        bool ok = false;
        for (int i = 0; allowed && allowed[i]; i++)
            ok = ok || strcmp(allowed[i], key) == 0;
        if (ok)
            continue;
        buf_puts(&b, n++ ? ", " : "Additional properties are not allowed (");
        py_repr_string(&b, key);
    }
    if (n == 0)
        return NULL;
    buf_puts(&b, n == 1 ? " was unexpected)" : " were unexpected)");
    return b.data;
}

int v_object(const json_t *v, const char *field, const char *const *allowed, struct cerr *err)
{
    if (!json_is_object(v)) {
        char val[256];
        repr_text(v, val, sizeof(val));
        return v_fail(err, field, v, "%s is not of type 'object'", val);
    }
    char *extras = extras_msg(v, allowed);
    if (!extras)
        return 0;
    v_fail(err, field, v, "%s", extras);
    free(extras);
    return -1;
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

/* Decodes one UTF-8 sequence at *p (jansson has checked the encoding). */
static uint32_t utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    int extra = s[0] >= 0xf0 ? 3 : s[0] >= 0xe0 ? 2 : s[0] >= 0xc0 ? 1 : 0;
    uint32_t cp = extra ? s[0] & (0x3f >> extra) : s[0];
    int i = 1;
    for (; i <= extra && (s[i] & 0xc0) == 0x80; i++)
        cp = (cp << 6) | (s[i] & 0x3f);
    *p = s + i;
    return cp;
}

/* Unicode's Zs: the spaces a name may hold inside but not at its ends. */
static bool unicode_space(uint32_t c)
{
    return c == 0x20 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
           c == 0x202f || c == 0x205f || c == 0x3000;
}

/* nova parameter_types._is_printable: not a C* category (controls,
 * format characters, surrogates, private use, non-characters) nor a
 * line or paragraph separator (Zl, Zp). */
static bool unicode_printable(uint32_t c)
{
    static const uint32_t not_printable[][2] = {
        {0x0, 0x1f}, {0x7f, 0x9f}, {0xad, 0xad}, {0x600, 0x605}, {0x61c, 0x61c},
        {0x6dd, 0x6dd}, {0x70f, 0x70f}, {0x180e, 0x180e}, {0x200b, 0x200f},
        {0x2028, 0x202e}, {0x2060, 0x2064}, {0x2066, 0x206f}, {0xd800, 0xf8ff},
        {0xfeff, 0xfeff}, {0xfff9, 0xfffb}, {0xfffe, 0xffff}, {0x110bd, 0x110bd},
        {0x1d173, 0x1d17a}, {0xe0001, 0xe0001}, {0xe0020, 0xe007f}, {0xf0000, 0x10ffff},
    };
    for (size_t i = 0; i < sizeof(not_printable) / sizeof(not_printable[0]); i++)
        if (c >= not_printable[i][0] && c <= not_printable[i][1])
            return false;
    return true;
}

bool is_printable_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p)
        if (!unicode_printable(utf8_next(&p)))
            return false;
    return true;
}

static int need_string(const json_t *v, const char *field, struct cerr *err)
{
    if (json_is_string(v))
        return 0;
    char val[256];
    repr_text(v, val, sizeof(val));
    return v_fail(err, field, v, "%s is not of type 'string'", val);
}

/* jsonschema's FormatChecker failure: "'x' is not a 'uuid'". */
static int format_fail(const json_t *v, const char *field, const char *format, struct cerr *err)
{
    char val[256];
    repr_text(v, val, sizeof(val));
    return v_fail(err, field, v, "%s is not a '%s'", val, format);
}

int v_string(const json_t *v, const char *field, int min, int max, struct cerr *err)
{
    if (need_string(v, field, err) < 0)
        return -1;
    size_t n = utf8_len(json_string_value(v));
    char val[256];
    repr_text(v, val, sizeof(val));
    if ((int)n < min)
        return v_fail(err, field, v, "%s is too short", val);
    if (max >= 0 && (int)n > max)
        return v_fail(err, field, v, "%s is too long", val);
    return 0;
}

/* parameter_types.name has format 'name', whose failure is InvalidName:
 * its message replaces the usual field/value form. Zs spaces may sit
 * inside a name, not at either end. */
int v_name(const json_t *v, const char *field, struct cerr *err)
{
    if (v_string(v, field, 1, 255, err) < 0)
        return -1;
    const unsigned char *p = (const unsigned char *)json_string_value(v);
    uint32_t c = utf8_next(&p), first = c;
    bool ok = unicode_printable(c);
    while (ok && *p) {
        c = utf8_next(&p);
        ok = unicode_printable(c);
    }
    if (ok && !unicode_space(first) && !unicode_space(c))
        return 0;
    return cerr_set(err, 400, "An invalid 'name' value was provided. The name must be: "
                    "printable characters. Can not start or end with whitespace.");
}

/* valid_description_regex: printable characters only, so no newline or
 * tab either (they are Cc). */
int v_description(const json_t *v, const char *field, struct cerr *err)
{
    if (json_is_null(v))
        return 0;
    if (v_string(v, field, 0, 255, err) < 0)
        return -1;
    if (is_printable_utf8(json_string_value(v)))
        return 0;
    char val[256];
    repr_text(v, val, sizeof(val));
    return v_fail(err, field, v, "%s does not match printable characters", val);
}

/* oslo uuidutils.is_uuid_like: after dropping "urn:", "uuid:", the
 * surrounding braces and every dash, 32 hex digits remain. */
bool is_uuid_like(const char *s)
{
    static const char *const drop[] = { "urn:", "uuid:" };
    char t[128];
    int n = 0;
    if (strlen(s) >= sizeof(t))
        return false;
    strcpy(t, s);
    for (int d = 0; d < 2; d++) {
        size_t k = strlen(drop[d]);
        for (char *at; (at = strstr(t, drop[d]));)
            memmove(at, at + k, strlen(at + k) + 1);
    }
    size_t len = strlen(t), from = 0;
    while (from < len && (t[from] == '{' || t[from] == '}'))
        from++;
    while (len > from && (t[len - 1] == '{' || t[len - 1] == '}'))
        len--;
    for (size_t i = from; i < len; i++) {
        if (t[i] == '-')
            continue;
        if (!isxdigit((unsigned char)t[i]))
            return false;
        n++;
    }
    return n == 32;
}

int v_uuid(const json_t *v, const char *field, struct cerr *err)
{
    if (need_string(v, field, err) < 0)
        return -1;
    return is_uuid_like(json_string_value(v)) ? 0 : format_fail(v, field, "uuid", err);
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

/* parameter_types.boolean: type boolean or string, then an enum of the
 * spellings - jsonschema reports whichever of the two failed. */
int v_boolean(const json_t *v, const char *field, bool *out, struct cerr *err)
{
    char val[256];
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    int b = json_is_string(v) ? parse_boolish(json_string_value(v)) : -1;
    if (b >= 0) {
        *out = b == 1;
        return 0;
    }
    repr_text(v, val, sizeof(val));
    if (!json_is_string(v))
        return v_fail(err, field, v, "%s is not of type 'boolean', 'string'", val);
    return v_fail(err, field, v, "%s is not one of [True, 'True', 'TRUE', 'true', '1', 'ON', "
                  "'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', "
                  "'OFF', 'Off', 'off', 'NO', 'No', 'no']", val);
}

/* Nova's integer-or-digit-string types: pattern ^[0-9]*$ with minLength
 * 1, or ^-?[0-9]+$ where negatives are allowed (quota values). */
static int int_text(const json_t *v, const char *field, bool negative, int64_t *n,
                    struct cerr *err)
{
    const char *s = json_string_value(v), *p = s;
    char val[256];
    repr_text(v, val, sizeof(val));
    if (!*s)
        return v_fail(err, field, v, "%s is too short", val);
    if (negative && *p == '-')
        p++;
    bool digits = *p != '\0';
    for (; digits && *p; p++)
        digits = isdigit((unsigned char)*p);
    if (!digits)
        return v_fail(err, field, v, "%s does not match '%s'", val,
                      negative ? "^-?[0-9]+$" : "^[0-9]*$");
    errno = 0;
    long long x = strtoll(s, NULL, 10);
    *n = errno == ERANGE ? (x < 0 ? INT64_MIN : INT64_MAX) : x;
    return 0;
}

int v_int(const json_t *v, const char *field, int64_t min, int64_t max, int64_t *out,
          struct cerr *err)
{
    int64_t n = 0;
    char val[256];
    if (json_is_integer(v)) {
        n = json_integer_value(v);
    } else if (json_is_string(v)) {
        if (int_text(v, field, min < 0, &n, err) < 0)
            return -1;
    } else {
        repr_text(v, val, sizeof(val));
        return v_fail(err, field, v, "%s is not of type 'integer', 'string'", val);
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
    return is_ipv4(json_string_value(v)) ? 0 : format_fail(v, field, "ipv4", err);
}

int v_ipv6(const json_t *v, const char *field, struct cerr *err)
{
    if (need_string(v, field, err) < 0)
        return -1;
    return is_ipv6(json_string_value(v)) ? 0 : format_fail(v, field, "ipv6", err);
}

/* Errors inside an item name the item's key, as Nova reports the last
 * element of the error's path. */
int v_metadata(const json_t *v, const char *field, struct cerr *err)
{
    char val[256];
    if (!json_is_object(v)) {
        repr_text(v, val, sizeof(val));
        return v_fail(err, field, v, "%s is not of type 'object'", val);
    }
    const char *key;
    json_t *item;
    json_object_foreach((json_t *)v, key, item) {
        size_t n = strlen(key);
        bool ok = n >= 1 && n <= 255;
        for (const char *p = key; ok && *p; p++)
            ok = isalnum((unsigned char)*p) || strchr("-_:. ", *p);
        if (!ok)
            return v_fail(err, field, v, "Additional properties are not allowed ('%s' was "
                          "unexpected)", key);
        repr_text(item, val, sizeof(val));
        if (!json_is_string(item))
            return v_fail(err, key, item, "%s is not of type 'string'", val);
        if (utf8_len(json_string_value(item)) > 255)
            return v_fail(err, key, item, "%s is too long", val);
    }
    return 0;
}

int v_tag(const json_t *v, const char *field, struct cerr *err)
{
    if (v_string(v, field, 1, 60, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    char val[256];
    if (!strchr(s, ',') && !strchr(s, '/'))
        return 0;
    repr_text(v, val, sizeof(val));
    return v_fail(err, field, v, "%s does not match '^[^,/]*$'", val);
}

/* Nova's 'base64' format is base64.decodebytes(): characters outside the
 * alphabet (line breaks included) are skipped, a complete padding ends
 * the input, and only a dangling quad is an error (binascii non-strict). */
static bool base64_decodes(const char *s, size_t *decoded)
{
    int quad = 0, pads = 0;
    size_t out = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '=') {
            if (quad >= 2 && quad + ++pads >= 4)
                break;
            continue;
        }
        if (!isalnum(c) && c != '+' && c != '/')
            continue;
        pads = 0;
        out += quad ? 1 : 0;
        quad = (quad + 1) % 4;
    }
    if (!*s && quad != 0)
        return false;
    *decoded = out;
    return true;
}

int v_base64(const json_t *v, const char *field, size_t *decoded_len, struct cerr *err)
{
    size_t n;
    if (need_string(v, field, err) < 0)
        return -1;
    if (!base64_decodes(json_string_value(v), &n))
        return format_fail(v, field, "base64", err);
    if (decoded_len)
        *decoded_len = n;
    return 0;
}

int vq_fail(struct cerr *err, const char *param, const char *value, const char *reason)
{
    return cerr_set(err, 400, "Invalid input for query parameters %s. Value: %s. %s", param,
                    value, reason);
}

int vq_datetime(const char *value, const char *param, int64_t *out, struct cerr *err)
{
    char reason[300];
    if (clock_parse_iso(value, out) == 0)
        return 0;
    snprintf(reason, sizeof(reason), "'%.200s' is not a 'date-time'", value);
    return vq_fail(err, param, value, reason);
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

int v_body(const json_t *body, const char *const *allowed, const char *required,
           struct cerr *err)
{
    char val[256];
    /* jsonschema reports the first failing keyword in schema order, and
     * Nova's schemas read type, properties, required, additionalProperties;
     * the type error quotes the value with repr() */
    if (!json_is_object(body)) {
        repr_text(body, val, sizeof(val));
        return cerr_set(err, 400, "%s is not of type 'object'", val);
    }
    if (required && !json_object_get(body, required))
        return cerr_set(err, 400, "'%s' is a required property", required);
    char *extras = extras_msg(body, allowed);
    if (!extras)
        return 0;
    cerr_set(err, 400, "%s", extras);
    free(extras);
    return -1;
}

int v_required_in(const json_t *obj, const char *field, const char *key, struct cerr *err)
{
    if (json_object_get(obj, key))
        return 0;
    return v_fail(err, field, obj, "'%s' is a required property", key);
}

int vq_only(const struct http_request *req, const char *const *allowed, struct cerr *err)
{
    for (int q = 0; q < req->nquery; q++) {
        bool ok = false;
        for (int i = 0; allowed && allowed[i]; i++)
            ok = ok || strcmp(allowed[i], req->query[q].key) == 0;
        if (!ok)
            return cerr_set(err, 400, "Additional properties are not allowed ('%s' was "
                            "unexpected)", req->query[q].key);
    }
    return 0;
}

int v_fqdn(const json_t *v, const char *field, struct cerr *err)
{
    if (v_string(v, field, 1, 255, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-._", *p))
            return v_fail(err, field, v, "'%s' does not match '^[a-zA-Z0-9-._]*$'", s);
    return 0;
}

int v_hostname(const json_t *v, const char *field, struct cerr *err)
{
    if (v_string(v, field, 2, 63, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    bool ok = isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[n - 1]);
    for (const char *p = s; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || *p == '-';
    if (!ok)
        return v_fail(err, field, v, "'%s' does not match "
                      "'^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$'", s);
    return 0;
}

int v_array(const json_t *v, const char *field, int max_items, struct cerr *err)
{
    char val[256];
    value_text(v, val, sizeof(val));
    if (!json_is_array(v))
        return v_fail(err, field, v, "%s is not of type 'array'", val);
    if (max_items >= 0 && json_array_size(v) > (size_t)max_items)
        return v_fail(err, field, v, "%s is too long", val);
    return 0;
}

int v_enum(const json_t *v, const char *field, const char *const *values, struct cerr *err)
{
    if (need_string(v, field, err) < 0)
        return -1;
    struct buf list = {0};
    bool found = false;
    for (int i = 0; values[i]; i++) {
        found = found || strcmp(values[i], json_string_value(v)) == 0;
        buf_printf(&list, "%s'%s'", i ? ", " : "", values[i]);
    }
    if (!found)
        v_fail(err, field, v, "'%s' is not one of [%s]", json_string_value(v), list.data);
    buf_free(&list);
    return found ? 0 : -1;
}
