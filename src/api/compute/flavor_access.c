/* flavor_access.c - the project access list of private flavors: GET
 * /flavors/{id}/os-flavor-access and the addTenantAccess /
 * removeTenantAccess actions on POST /flavors/{id}/action (nova
 * flavor_access.py; admin only). */
#include "api/api.h"
#include "api/compute/flavors.h"
#include "api/validate.h"
#include "core/policy.h"

#include <string.h>

/* {"flavor_access": [{"flavor_id": f, "tenant_id": p}, ...]} */
static json_t *access_body(struct db *db, const char *flavorid)
{
    json_t *projects = store_flavor_projects(db, flavorid), *list = json_array(), *p;
    size_t i;
    json_array_foreach(projects, i, p)
        json_array_append_new(list, json_pack("{s:s,s:O}", "flavor_id", flavorid,
                                              "tenant_id", p));
    json_decref(projects);
    return json_pack("{s:o}", "flavor_access", list);
}

static int access_index(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct flavor f;
    struct db *db = store_db();
    if (policy_check(&req->auth, POLICY_ADMIN, "os_compute_api:os-flavor-access", err) < 0)
        return -1;
    if (!db)
        return cerr_internal(err, "no database");
    if (api_flavor_load(req, db, req->params[0], &f, err) < 0)
        return -1;
    if (f.is_public)
        return cerr_set(err, 404, "Access list not available for public flavors.");
    http_json(res, 200, access_body(db, f.flavorid));
    return 0;
}

/* {"<action>": {"tenant": "<1-255 chars>"}} with nothing else. */
static int parse_tenant(const struct http_request *req, const char *action,
                        const char **tenant, struct cerr *err)
{
    static const char *const keys[] = { "tenant", NULL };
    const char *const root[] = { action, NULL };
    const json_t *args = json_object_get(req->json, action);
    if (v_body(req->json, root, action, err) < 0 || v_object(args, action, keys, err) < 0 ||
        v_required_in(args, action, "tenant", err) < 0 ||
        v_string(json_object_get(args, "tenant"), "tenant", 1, 255, err) < 0)
        return -1;
    *tenant = json_string_value(json_object_get(args, "tenant"));
    return 0;
}

static int access_change(struct http_request *req, struct http_response *res,
                         struct cerr *err, bool add)
{
    const char *action = add ? "addTenantAccess" : "removeTenantAccess", *tenant;
    struct flavor f;
    if (parse_tenant(req, action, &tenant, err) < 0 ||
        policy_check(&req->auth, POLICY_ADMIN, add ?
                     "os_compute_api:os-flavor-access:add_tenant_access" :
                     "os_compute_api:os-flavor-access:remove_tenant_access", err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (api_flavor_load(req, db, req->params[0], &f, err) < 0)
        return -1;
    /* 2.7: granting access to a public flavor is a conflict, not a no-op. */
    if (add && f.is_public && req->mv >= MV(2, 7))
        return cerr_set(err, 409, "Can not add access to a public flavor.");
    if ((add ? store_flavor_access_add : store_flavor_access_remove)(db, f.flavorid, tenant,
                                                                      err) < 0)
        return -1;
    http_json(res, 200, access_body(db, f.flavorid));
    return 0;
}

static int flavor_action(struct http_request *req, struct http_response *res, struct cerr *err)
{
    /* Nova's action_peek: exactly one key names the action; the lookup
     * fails before dispatch, so those faults carry no version headers. */
    if (!json_is_object(req->json) || json_object_size(req->json) != 1) {
        res->unversioned = true;
        return cerr_set(err, 400, "Malformed request body");
    }
    const char *name = json_object_iter_key(json_object_iter(req->json));
    if (strcmp(name, "addTenantAccess") == 0)
        return access_change(req, res, err, true);
    if (strcmp(name, "removeTenantAccess") == 0)
        return access_change(req, res, err, false);
    res->unversioned = true;
    return cerr_set(err, 400, "There is no such action: %s", name);
}

const struct route api_flavor_access_routes[] = {
    { "GET", "/flavors/{id}/os-flavor-access", access_index, 0, 0, 0 },
    { "POST", "/flavors/{id}/action", flavor_action, ROUTE_JSON, 0, 0 },
    { 0 }
};
