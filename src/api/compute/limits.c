/* limits.c - GET /limits (nova-api-ref limits.inc; nova limits.py and
 * views/limits.py): the project's absolute limits and usage, "rate"
 * always empty. Keys leave the body as Nova dropped them: network ones at
 * 2.36, maxImageMeta at 2.39, the personality ones at 2.57. */
#include "api/api.h"
#include "api/validate.h"
#include "core/policy.h"
#include "core/quota.h"

static void put(json_t *o, const char *key, int64_t value)
{
    json_object_set_new(o, key, json_integer(value));
}

static json_t *absolute(const struct http_request *req, const struct quota_usage *u)
{
    const struct cirrus_config *c = req->cfg;
    json_t *o = json_object();
    put(o, "maxServerMeta", c->quota_metadata_items);
    put(o, "maxTotalInstances", c->quota_instances);
    put(o, "maxTotalCores", c->quota_cores);
    put(o, "maxTotalRAMSize", c->quota_ram);
    put(o, "maxTotalKeypairs", c->quota_key_pairs);
    put(o, "maxServerGroups", c->quota_server_groups);
    put(o, "maxServerGroupMembers", c->quota_server_group_members);
    put(o, "totalInstancesUsed", u->instances);
    put(o, "totalCoresUsed", u->cores);
    put(o, "totalRAMUsed", u->ram_mb);
    put(o, "totalServerGroupsUsed", u->server_groups);
    if (req->mv < MV(2, 36)) {   /* networking is Neutron's: unlimited here, none used */
        put(o, "maxSecurityGroups", -1);
        put(o, "maxSecurityGroupRules", -1);
        put(o, "maxTotalFloatingIps", -1);
        put(o, "totalSecurityGroupsUsed", 0);
        put(o, "totalFloatingIpsUsed", 0);
    }
    if (req->mv < MV(2, 39))
        put(o, "maxImageMeta", c->quota_metadata_items);
    if (req->mv < MV(2, 57)) {
        put(o, "maxPersonality", c->quota_injected_files);
        put(o, "maxPersonalitySize", c->quota_injected_file_content_bytes);
    }
    return o;
}

static int limits_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    static const char *const params[] = { "tenant_id", NULL };
    const char *project = req->auth.project_id, *tenant = http_query(req, "tenant_id");
    struct quota_usage usage;
    if (req->mv >= MV(2, 75) && vq_only(req, params, err) < 0)
        return -1;
    if (tenant) {
        if (policy_check(&req->auth, POLICY_ADMIN, "os_compute_api:limits:other_project",
                         err) < 0)
            return -1;
        project = tenant;
    }
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (quota_usage_get(db, project, &usage, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:{s:[],s:o}}", "limits", "rate", "absolute",
                                  absolute(req, &usage)));
    return 0;
}

const struct route api_limits_routes[] = {
    { "GET", "/limits", limits_show, 0, 0, 0 },
    { 0 }
};
