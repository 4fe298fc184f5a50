/* validate.h - the building blocks of Nova's JSON schemas
 * (nova/api/validation/parameter_types.py), as C checks that fill a
 * struct cerr with Nova's message form:
 *   "Invalid input for field/attribute <name>. Value: <value>. <reason>"
 * Each returns 0 when valid, -1 with a 400 otherwise. */
#ifndef CIRRUS_VALIDATE_H
#define CIRRUS_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* The standard 400 for a field; value may be NULL. */
int v_fail(struct cerr *err, const char *field, const json_t *value, const char *reason_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Python's repr() of a value as jsonschema messages quote it ('x', 1,
 * True, None, [...], {...}), bounded to n bytes; for custom reasons. */
void v_repr(const json_t *v, char *out, size_t n);

/* Object with only the listed keys (NULL-terminated): Nova's
 * additionalProperties false -> "Additional properties are not allowed
 * ('x' was unexpected)". */
int v_object(const json_t *v, const char *field, const char *const *allowed, struct cerr *err);
/* Required key present in an object. */
int v_required(const json_t *obj, const char *key, struct cerr *err);

/* name: string 1-255, printable, no leading/trailing whitespace. */
int v_name(const json_t *v, const char *field, struct cerr *err);
/* string with min/max length in characters (UTF-8 aware). */
int v_string(const json_t *v, const char *field, int min, int max, struct cerr *err);
/* description: null or string 0-255 printable. */
int v_description(const json_t *v, const char *field, struct cerr *err);
int v_uuid(const json_t *v, const char *field, struct cerr *err);
/* boolean-ish (true/false or the strings Nova accepts) into *out. */
int v_boolean(const json_t *v, const char *field, bool *out, struct cerr *err);
/* integer or digit string within [min, max] into *out. */
int v_int(const json_t *v, const char *field, int64_t min, int64_t max, int64_t *out,
          struct cerr *err);
int v_ipv4(const json_t *v, const char *field, struct cerr *err);
int v_ipv6(const json_t *v, const char *field, struct cerr *err);
/* metadata object: keys ^[a-zA-Z0-9-_:. ]{1,255}$, string values <= 255. */
int v_metadata(const json_t *v, const char *field, struct cerr *err);
/* tag: string 1-60 without ',' or '/'. */
int v_tag(const json_t *v, const char *field, struct cerr *err);
/* base64 text (standard alphabet, padding) into decoded length. */
int v_base64(const json_t *v, const char *field, size_t *decoded_len, struct cerr *err);

/* Query parameter helpers (message "Invalid input for query parameters"). */
int vq_fail(struct cerr *err, const char *param, const char *value, const char *reason);
/* ISO 8601 date-time query value (changes-since, changes-before) into
 * *out (microseconds): "'<v>' is not a 'date-time'" otherwise. */
int vq_datetime(const char *value, const char *param, int64_t *out, struct cerr *err);
/* Non-negative integer query value. */
int vq_int(const char *value, const char *param, int64_t min, int64_t *out, struct cerr *err);

/* Pure predicates used by the checks above (unit-tested). */
bool is_printable_utf8(const char *s);
bool is_uuid_like(const char *s);
bool is_ipv4(const char *s);
bool is_ipv6(const char *s);
/* Parses boolean-ish text; -1 when not one of Nova's spellings. */
int parse_boolish(const char *s);
/* Number of UTF-8 characters in s. */
size_t utf8_len(const char *s);

/* Schema-root checks, reported without a field prefix as Nova does for
 * errors at the root of a schema: body must be an object holding only
 * `allowed` keys (NULL-terminated) and the `required` one (NULL = none). */
int v_body(const json_t *body, const char *const *allowed, const char *required,
           struct cerr *err);
/* `key` missing from the object named `field`:
 * "Invalid input for field/attribute <field>. Value: <obj>. '<key>' is a required property" */
int v_required_in(const json_t *obj, const char *field, const char *key, struct cerr *err);
/* Query parameters outside `allowed` (Nova's additionalProperties false,
 * 2.75+): 400 "Additional properties are not allowed ('x' was unexpected)". */
struct http_request;
int vq_only(const struct http_request *req, const char *const *allowed, struct cerr *err);

/* fqdn (2.74 host/hypervisor_hostname, 2.94+ hostname): string 1-255 of
 * [a-zA-Z0-9-._]. */
int v_fqdn(const json_t *v, const char *field, struct cerr *err);
/* hostname 2.90-2.93: one DNS label, 2-63 characters,
 * ^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$. */
int v_hostname(const json_t *v, const char *field, struct cerr *err);
/* A JSON array of at most max_items (-1 = no limit): "[...] is too long". */
int v_array(const json_t *v, const char *field, int max_items, struct cerr *err);
/* A string among values (NULL-terminated): "'x' is not one of ['a', 'b']". */
int v_enum(const json_t *v, const char *field, const char *const *values, struct cerr *err);

#endif
