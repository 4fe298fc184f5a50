/* flavors.c - GET/POST /flavors, /flavors/detail, GET/PUT/DELETE
 * /flavors/{id} (nova-api-ref flavors.inc; nova flavors.py and
 * flavor_manage.py): the bodies per microversion, Nova's list filters,
 * sorting and pagination, and flavor-manage validation. */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/compute/flavors.h"
#include "api/validate.h"
#include "core/policy.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MV_DESCRIPTION MV(2, 55)
#define MV_EXTRA_SPECS MV(2, 61)
#define MV_SWAP_INT    MV(2, 75)
#define MV_STRICT_QUERY MV(2, 75)

int api_flavor_load(const struct http_request *req, struct db *db, const char *flavorid,
                    struct flavor *out, struct cerr *err)
{
    if (store_flavor_get(db, flavorid, out, err) < 0)
        return -1;
    if (!policy_is_admin(&req->auth) && !store_flavor_accessible(db, out, req->auth.project_id))
        return cerr_set(err, 404, "Flavor %s could not be found.", flavorid);
    return 0;
}

void api_number_text(const json_t *v, char *out, size_t n)
{
    if (json_is_integer(v)) {
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
        return;
    }
    double d = json_number_value(v);
    char sci[64];
    int p = 1;
    for (; p < 17; p++) {   /* shortest round-trip digits, like repr() */
        snprintf(sci, sizeof(sci), "%.*e", p - 1, d);
        if (strtod(sci, NULL) == d)
            break;
    }
    snprintf(sci, sizeof(sci), "%.*e", p - 1, d);
    int exp10 = atoi(strchr(sci, 'e') + 1);
    if (exp10 >= -4 && exp10 < 16) {
        int decimals = p - 1 - exp10;
        snprintf(out, n, "%.*f", decimals > 0 ? decimals : 1, d);
    } else {
        char *e = strchr(sci, 'e');
        *e = '\0';
        snprintf(out, n, "%se%c%02d", sci, exp10 < 0 ? '-' : '+', abs(exp10));
    }
}

/* --- views (nova/api/openstack/compute/views/flavors.py) --- */

static bool can_see_extra_specs(const struct http_request *req)
{
    return policy_check(&req->auth, POLICY_READER, "extra specs", NULL) == 0;
}

static json_t *flavor_basic(const struct http_request *req, struct db *db,
                            const struct flavor *f)
{
    json_t *o = json_pack("{s:s,s:s,s:o}", "id", f->flavorid, "name", f->name,
                          "links", api_links(req, "flavors", f->flavorid));
    if (req->mv >= MV_DESCRIPTION) {
        /* struct flavor keeps 255 bytes; a description may hold 65535. */
        char *text = f->has_description ? store_flavor_description(db, f->flavorid) : NULL;
        json_object_set_new(o, "description", text ? json_string(text) : json_null());
        free(text);
    }
    return o;
}

static json_t *flavor_detail(const struct http_request *req, struct db *db,
                             const struct flavor *f)
{
    json_t *o = flavor_basic(req, db, f);
    json_object_set_new(o, "ram", json_integer(f->memory_mb));
    json_object_set_new(o, "disk", json_integer(f->root_gb));
    json_object_set_new(o, "vcpus", json_integer(f->vcpus));
    /* swap 0 was "" until 2.75 made it an integer everywhere. */
    json_object_set_new(o, "swap", f->swap || req->mv >= MV_SWAP_INT ? json_integer(f->swap)
                                                                      : json_string(""));
    json_object_set_new(o, "OS-FLV-EXT-DATA:ephemeral", json_integer(f->ephemeral_gb));
    json_object_set_new(o, "OS-FLV-DISABLED:disabled", json_boolean(f->disabled));
    json_object_set_new(o, "os-flavor-access:is_public", json_boolean(f->is_public));
    json_object_set_new(o, "rxtx_factor", json_real(f->rxtx_factor));
    /* 2.61: extra_specs only for callers the extra-specs index policy allows. */
    if (req->mv >= MV_EXTRA_SPECS && can_see_extra_specs(req))
        json_object_set_new(o, "extra_specs", store_flavor_extra_specs(db, f->flavorid));
    return o;
}

/* --- list --- */

static int parse_min(const char *v, const char *what, int64_t *out, struct cerr *err)
{
    char *end;
    if (!v)
        return 0;
    long long n = strtoll(v, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (end == v || *end)
        return cerr_set(err, 400, "Invalid %s filter [%s]", what, v);
    *out = n;
    return 0;
}

static int parse_is_public(const struct http_request *req, struct flavor_list_query *q,
                           struct cerr *err)
{
    const char *v = http_query(req, "is_public");
    q->visibility = FLAVOR_LIST_PUBLIC;
    if (!policy_is_admin(&req->auth)) {   /* only admins may query other flavor types */
        q->hide_disabled = true;
        return 0;
    }
    if (!v)
        return 0;
    if (strcasecmp(v, "none") == 0) {
        q->visibility = FLAVOR_LIST_ALL;
        return 0;
    }
    static const char *const yes[] = { "1", "t", "true", "on", "y", "yes", NULL };
    static const char *const no[] = { "0", "f", "false", "off", "n", "no", NULL };
    for (int i = 0; yes[i]; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return 0;
    for (int i = 0; no[i]; i++)
        if (strcasecmp(v, no[i]) == 0) {
            q->visibility = FLAVOR_LIST_PRIVATE;
            return 0;
        }
    return cerr_set(err, 400, "Invalid is_public filter [%s]", v);
}

static int parse_sort(const struct http_request *req, struct flavor_list_query *q,
                      struct cerr *err)
{
    const char *key = http_query(req, "sort_key"), *dir = http_query(req, "sort_dir");
    char reason[400];
    if (key && !store_flavor_sort_key_valid(key)) {
        snprintf(reason, sizeof(reason), "'%.60s' is not one of ['created_at', 'description', "
                 "'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb', "
                 "'name', 'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', "
                 "'vcpus']", key);
        return vq_fail(err, "sort_key", key, reason);
    }
    if (dir && strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0) {
        snprintf(reason, sizeof(reason), "'%.60s' is not one of ['asc', 'desc']", dir);
        return vq_fail(err, "sort_dir", dir, reason);
    }
    q->sort_key = key ? key : "flavorid";
    q->sort_desc = dir && strcmp(dir, "desc") == 0;
    return 0;
}

/* The limit the list uses, and the one its next link compares with
 * (nova common.get_limit_and_marker / _get_collection_links). */
static int parse_limit(const struct http_request *req, int *limit, int *link_limit,
                       struct cerr *err)
{
    int64_t max = req->cfg->max_limit > 0 ? req->cfg->max_limit : 1000, n = max;
    const char *v = http_query(req, "limit");
    if (v && vq_int(v, "limit", 0, &n, err) < 0)
        return -1;
    *link_limit = (int)(n < max ? n : max);
    *limit = (int)(n > 0 && n < max ? n : max);
    return 0;
}

static const char *const list_params[] = {
    "limit", "marker", "is_public", "minRam", "minDisk", "sort_key", "sort_dir", NULL,
};

static int flavors_list(struct http_request *req, struct http_response *res, struct cerr *err,
                        bool detail)
{
    struct flavor_list_query q = { .project_id = req->auth.project_id };
    struct flavor *rows = NULL;
    int count = 0, link_limit;
    if ((req->mv >= MV_STRICT_QUERY && vq_only(req, list_params, err) < 0) ||
        parse_is_public(req, &q, err) < 0 || parse_sort(req, &q, err) < 0 ||
        parse_min(http_query(req, "minRam"), "minRam", &q.min_ram, err) < 0 ||
        parse_min(http_query(req, "minDisk"), "minDisk", &q.min_disk, err) < 0 ||
        parse_limit(req, &q.limit, &link_limit, err) < 0)
        return -1;
    q.marker = http_query(req, "marker");
    q.marker_project = policy_is_admin(&req->auth) ? NULL : req->auth.project_id;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (store_flavor_list(db, &q, &rows, &count, err) < 0)
        return -1;
    json_t *list = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(list, detail ? flavor_detail(req, db, &rows[i])
                                           : flavor_basic(req, db, &rows[i]));
    json_t *body = json_pack("{s:o}", "flavors", list);
    if (link_limit > 0 && count == link_limit)
        json_object_set_new(body, "flavors_links",
                            api_next_link(req, detail ? "flavors/detail" : "flavors",
                                          rows[count - 1].flavorid));
    free(rows);
    http_json(res, 200, body);
    return 0;
}

static int flavors_index(struct http_request *req, struct http_response *res, struct cerr *err)
{
    return flavors_list(req, res, err, false);
}

static int flavors_detail(struct http_request *req, struct http_response *res,
                          struct cerr *err)
{
    return flavors_list(req, res, err, true);
}

static int flavor_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct flavor f;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (api_flavor_load(req, db, req->params[0], &f, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:o}", "flavor", flavor_detail(req, db, &f)));
    return 0;
}

/* --- flavor-manage: create, update, delete --- */

/* Flavor id: string matching ^(?! )[a-zA-Z0-9. _-]+(?<! )$, a number, or
 * null (a UUID is generated, as for an absent or falsy id). */
static int parse_flavor_id(const json_t *v, struct flavor *f, struct cerr *err)
{
    if (!v || json_is_null(v) || (json_is_integer(v) && json_integer_value(v) == 0)) {
        char id[UUID_TEXT];
        uuid_generate_text(id);
        str_copy(f->flavorid, sizeof(f->flavorid), id);
        return 0;
    }
    if (json_is_number(v)) {
        api_number_text(v, f->flavorid, sizeof(f->flavorid));
        return 0;
    }
    if (v_string(v, "id", 1, 255, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    bool ok = s[0] != ' ' && s[strlen(s) - 1] != ' ';
    for (const char *p = s; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || strchr(". _-", *p);
    if (!ok)
        return v_fail(err, "id", v, "'%s' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'", s);
    str_copy(f->flavorid, sizeof(f->flavorid), s);
    return 0;
}

/* rxtx_factor: a number or digit string, > 0 and <= SQL_SP_FLOAT_MAX. */
static int parse_rxtx(const json_t *v, double *out, struct cerr *err)
{
    double d;
    if (json_is_number(v)) {
        d = json_number_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v), *p = s;
        while (isdigit((unsigned char)*p))
            p++;
        if (p > s && *p == '.' && isdigit((unsigned char)p[1]))
            for (p++; isdigit((unsigned char)*p); p++)
                ;
        if (p == s || *p)
            return v_fail(err, "rxtx_factor", v, "'%s' does not match "
                          "'^[0-9]+(\\\\.[0-9]+)?$'", s);
        d = strtod(s, NULL);
    } else {
        return v_fail(err, "rxtx_factor", v, "%s is not of type 'number', 'string'",
                      json_is_boolean(v) ? "boolean" : "value");
    }
    /* The schema bounds numbers; nova flavors.create() bounds strings too. */
    if (json_is_string(v) && (d <= 0 || d > 3.40282e+38))
        return cerr_set(err, 400, "Invalid input received: 'rxtx_factor' argument must be a "
                        "float between 0 and 3.40282e+38");
    if (d <= 0)
        return v_fail(err, "rxtx_factor", v, "%g is less than or equal to the minimum of 0", d);
    if (d > 3.40282e+38)
        return v_fail(err, "rxtx_factor", v, "%g is greater than the maximum of 3.40282e+38", d);
    *out = d;
    return 0;
}

/* 2.55 flavor description: null (*out NULL) or up to 65535 printable
 * characters (*out borrows the JSON string). */
static int parse_description(const json_t *v, const char **out, struct cerr *err)
{
    if (json_is_null(v)) {
        *out = NULL;
        return 0;
    }
    if (v_string(v, "description", 0, 65535, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
            return v_fail(err, "description", v, "'%s' does not match printable characters", s);
    *out = s;
    return 0;
}

static int parse_size(const json_t *body, const char *key, int64_t min, int64_t *out,
                      struct cerr *err)
{
    const json_t *v = json_object_get(body, key);
    if (!v)
        return 0;
    return v_int(v, key, min, 2147483647, out, err);
}

static int parse_flavor(const struct http_request *req, const json_t *fl, struct flavor *f,
                        const char **description, struct cerr *err)
{
    static const char *const keys[] = {
        "name", "id", "ram", "vcpus", "disk", "OS-FLV-EXT-DATA:ephemeral", "swap",
        "rxtx_factor", "os-flavor-access:is_public", "description", NULL,
    };
    static const char *const required[] = { "name", "ram", "vcpus", "disk", NULL };
    /* description exists from 2.55: drop it from the allowed list before. */
    const char *const *allowed = keys;
    const char *older[11];
    if (req->mv < MV_DESCRIPTION) {
        memcpy(older, keys, sizeof(older));
        older[9] = NULL;
        allowed = older;
    }
    if (v_object(fl, "flavor", allowed, err) < 0)
        return -1;
    for (int i = 0; required[i]; i++)
        if (v_required_in(fl, "flavor", required[i], err) < 0)
            return -1;
    const json_t *v;
    if (v_name(json_object_get(fl, "name"), "name", err) < 0 ||
        parse_flavor_id(json_object_get(fl, "id"), f, err) < 0 ||
        parse_size(fl, "ram", 1, &f->memory_mb, err) < 0 ||
        parse_size(fl, "vcpus", 1, &f->vcpus, err) < 0 ||
        parse_size(fl, "disk", 0, &f->root_gb, err) < 0 ||
        parse_size(fl, "OS-FLV-EXT-DATA:ephemeral", 0, &f->ephemeral_gb, err) < 0 ||
        parse_size(fl, "swap", 0, &f->swap, err) < 0)
        return -1;
    str_copy(f->name, sizeof(f->name), json_string_value(json_object_get(fl, "name")));
    if ((v = json_object_get(fl, "rxtx_factor")) && parse_rxtx(v, &f->rxtx_factor, err) < 0)
        return -1;
    if ((v = json_object_get(fl, "os-flavor-access:is_public")) &&
        v_boolean(v, "os-flavor-access:is_public", &f->is_public, err) < 0)
        return -1;
    if ((v = json_object_get(fl, "description")) && parse_description(v, description, err) < 0)
        return -1;
    return 0;
}

static int flavor_create(struct http_request *req, struct http_response *res, struct cerr *err)
{
    static const char *const root[] = { "flavor", NULL };
    struct flavor f = { .rxtx_factor = 1.0, .is_public = true };
    const char *description = NULL;
    if (v_body(req->json, root, "flavor", err) < 0 ||
        parse_flavor(req, json_object_get(req->json, "flavor"), &f, &description, err) < 0 ||
        policy_check(&req->auth, POLICY_ADMIN, "os_compute_api:os-flavor-manage:create",
                     err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (store_flavor_create(db, &f, description, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:o}", "flavor", flavor_detail(req, db, &f)));
    return 0;
}

static int flavor_update(struct http_request *req, struct http_response *res, struct cerr *err)
{
    static const char *const root[] = { "flavor", NULL };
    static const char *const keys[] = { "description", NULL };
    struct flavor f;
    const char *desc = NULL;
    const json_t *fl = json_object_get(req->json, "flavor");
    if (v_body(req->json, root, "flavor", err) < 0 || v_object(fl, "flavor", keys, err) < 0 ||
        v_required_in(fl, "flavor", "description", err) < 0 ||
        parse_description(json_object_get(fl, "description"), &desc, err) < 0 ||
        policy_check(&req->auth, POLICY_ADMIN, "os_compute_api:os-flavor-manage:update",
                     err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (store_flavor_set_description(db, req->params[0], desc, err) < 0 ||
        store_flavor_get(db, req->params[0], &f, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:o}", "flavor", flavor_detail(req, db, &f)));
    return 0;
}

static int flavor_delete(struct http_request *req, struct http_response *res, struct cerr *err)
{
    if (policy_check(&req->auth, POLICY_ADMIN, "os_compute_api:os-flavor-manage:delete",
                     err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (store_flavor_delete(db, req->params[0], err) < 0)
        return -1;
    http_empty(res, 202);
    return 0;
}

const struct route api_flavors_routes[] = {
    { "GET", "/flavors", flavors_index, 0, 0, 0 },
    { "POST", "/flavors", flavor_create, ROUTE_JSON, 0, 0 },
    { "GET", "/flavors/detail", flavors_detail, 0, 0, 0 },
    { "GET", "/flavors/{id}", flavor_show, 0, 0, 0 },
    { "PUT", "/flavors/{id}", flavor_update, ROUTE_JSON, MV(2, 55), 0 },
    { "DELETE", "/flavors/{id}", flavor_delete, 0, 0, 0 },
    { 0 }
};
