/* flavor_extra_specs.c - /flavors/{id}/os-extra_specs[/{key}]
 * (nova-api-ref os-flavor-extra-specs.inc; nova flavors_extraspecs.py):
 * reads need the project reader role, writes the admin role; values may
 * be strings or numbers (stored as text) and are validated from 2.86. */
#include "api/api.h"
#include "api/compute/flavors.h"
#include "api/validate.h"
#include "core/policy.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MV_VALIDATE MV(2, 86)

static bool key_ok(const char *key)
{
    size_t n = strlen(key);
    if (n < 1 || n > 255)
        return false;
    for (const char *p = key; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-_:. ", *p))
            return false;
    return true;
}

/* The flavors_extraspecs schema: keys as metadata keys, values strings
 * (<= 255 characters) or numbers. */
static int check_specs(const json_t *specs, const char *field, struct cerr *err)
{
    const char *key;
    json_t *v;
    if (!json_is_object(specs)) {
        char reason[CERR_MSG_MAX];
        v_body(specs, NULL, NULL, err);     /* "<value> is not of type 'object'" */
        str_copy(reason, sizeof(reason), err->message);
        return v_fail(err, field, specs, "%s", reason);
    }
    json_object_foreach((json_t *)specs, key, v) {
        if (!key_ok(key))
            return v_fail(err, field, specs, "Additional properties are not allowed ('%s' was "
                          "unexpected)", key);
        if (json_is_string(v) && utf8_len(json_string_value(v)) > 255)
            return v_fail(err, key, v, "'%.40s...' is too long", json_string_value(v));
        if (!json_is_string(v) && !json_is_number(v))
            return v_fail(err, key, v, "%s is not of type 'string', 'number'",
                          json_is_null(v) ? "None" : json_is_true(v) ? "True" :
                          json_is_false(v) ? "False" : json_is_array(v) ? "[...]" : "{...}");
    }
    return 0;
}

/* _check_extra_specs_value(): numbers become their text form (<= 255
 * characters); 2.86+ runs Nova's validators. Returns the text values. */
static json_t *spec_texts(const struct http_request *req, const json_t *specs,
                          struct cerr *err)
{
    json_t *out = json_object();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)specs, key, v) {
        char text[512];
        if (json_is_number(v))
            api_number_text(v, text, sizeof(text));
        else
            str_copy(text, sizeof(text), json_string_value(v));
        if (strlen(text) > 255 ||
            (req->mv >= MV_VALIDATE && flavor_extra_spec_validate(key, text, err) < 0)) {
            if (strlen(text) > 255)
                cerr_set(err, 400, "Invalid input received: extra_specs value has more than "
                         "255 characters.");
            json_decref(out);
            return NULL;
        }
        json_object_set_new(out, key, json_string(text));
    }
    return out;
}

static int load(struct http_request *req, struct db **db, struct flavor *f, struct cerr *err)
{
    *db = store_db();
    if (!*db)
        return cerr_internal(err, "no database");
    return api_flavor_load(req, *db, req->params[0], f, err);
}

static int specs_index(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db;
    struct flavor f;
    if (policy_check(&req->auth, POLICY_READER, "os_compute_api:os-flavor-extra-specs:index",
                     err) < 0 || load(req, &db, &f, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:o}", "extra_specs",
                                  store_flavor_extra_specs(db, f.flavorid)));
    return 0;
}

static int specs_write(struct http_request *req, struct http_response *res, struct cerr *err,
                       const json_t *specs)
{
    struct db *db;
    struct flavor f;
    json_t *texts = spec_texts(req, specs, err);
    if (!texts)
        return -1;
    int rc = load(req, &db, &f, err) < 0 ||
             store_flavor_extra_specs_set(db, f.flavorid, texts, err) < 0 ? -1 : 0;
    json_decref(texts);
    if (rc == 0)   /* Nova echoes the request: numbers stay numbers here */
        http_json(res, 200, json_incref(req->json));
    return rc;
}

static int specs_create(struct http_request *req, struct http_response *res, struct cerr *err)
{
    static const char *const root[] = { "extra_specs", NULL };
    const json_t *specs = json_object_get(req->json, "extra_specs");
    if (v_body(req->json, root, "extra_specs", err) < 0 ||
        check_specs(specs, "extra_specs", err) < 0 ||
        policy_check(&req->auth, POLICY_ADMIN, "os_compute_api:os-flavor-extra-specs:create",
                     err) < 0)
        return -1;
    return specs_write(req, res, err, specs);
}

static int specs_update(struct http_request *req, struct http_response *res, struct cerr *err)
{
    if (!json_is_object(req->json))
        return v_body(req->json, NULL, NULL, err);
    size_t n = json_object_size(req->json);
    if (n != 1) {
        char *text = json_dumps(req->json, JSON_COMPACT | JSON_SORT_KEYS);
        cerr_set(err, 400, "%.200s %s", text ? text : "{}",
                 n ? "has too many properties" : "does not have enough properties");
        free(text);
        return -1;
    }
    const char *key = json_object_iter_key(json_object_iter(req->json));
    if (!key_ok(key))
        return cerr_set(err, 400, "Additional properties are not allowed ('%s' was unexpected)",
                        key);
    if (check_specs(req->json, key, err) < 0 ||
        policy_check(&req->auth, POLICY_ADMIN, "os_compute_api:os-flavor-extra-specs:update",
                     err) < 0)
        return -1;
    if (strcmp(key, req->params[1]) != 0)
        return cerr_set(err, 400, "Request body and URI mismatch");
    return specs_write(req, res, err, req->json);
}

static int spec_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db;
    struct flavor f;
    const char *key = req->params[1];
    if (policy_check(&req->auth, POLICY_READER, "os_compute_api:os-flavor-extra-specs:show",
                     err) < 0 || load(req, &db, &f, err) < 0)
        return -1;
    json_t *specs = store_flavor_extra_specs(db, f.flavorid);
    json_t *v = json_object_get(specs, key);
    if (!v) {
        json_decref(specs);
        return cerr_set(err, 404, "Flavor %s has no extra specs with key %s.", f.flavorid, key);
    }
    http_json(res, 200, json_pack("{s:O}", key, v));
    json_decref(specs);
    return 0;
}

static int spec_delete(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db;
    struct flavor f;
    if (policy_check(&req->auth, POLICY_ADMIN, "os_compute_api:os-flavor-extra-specs:delete",
                     err) < 0 || load(req, &db, &f, err) < 0 ||
        store_flavor_extra_spec_delete(db, f.flavorid, req->params[1], err) < 0)
        return -1;
    http_empty(res, 200);
    return 0;
}

const struct route api_flavor_extra_specs_routes[] = {
    { "GET", "/flavors/{id}/os-extra_specs", specs_index, 0, 0, 0 },
    { "POST", "/flavors/{id}/os-extra_specs", specs_create, ROUTE_JSON, 0, 0 },
    { "GET", "/flavors/{id}/os-extra_specs/{key}", spec_show, 0, 0, 0 },
    { "PUT", "/flavors/{id}/os-extra_specs/{key}", specs_update, ROUTE_JSON, 0, 0 },
    { "DELETE", "/flavors/{id}/os-extra_specs/{key}", spec_delete, 0, 0, 0 },
    { 0 }
};
