/* servers_create.c - POST /servers (nova servers.py create() and compute
 * API create(), DIGEST e.1): the validated request is checked against
 * flavors, images, keypairs, zones, hosts and quotas in nova's order, then
 * min_count..max_count server rows, their addresses, a "create" action and
 * a BUILD task each are written in one transaction, and the conductor is
 * woken. 202 with the first server, or {"reservation_id"} when asked. */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/compute/servers_validate.h"
#include "api/validate.h"
#include "core/image.h"
#include "core/network.h"
#include "core/policy.h"
#include "core/quota.h"
#include "core/task.h"
#include "core/worker.h"
#include "store/action.h"
#include "store/flavor.h"
#include "store/host.h"
#include "store/keypair.h"
#include "util/clock.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GIB (1024LL * 1024 * 1024)
#define PASSWORD_LENGTH 12           /* nova CONF.password_length */

struct create_ctx {
    struct http_request *req;
    struct db *db;
    struct server_create_req r;
    struct flavor flavor;
    struct image image;
    json_t *image_props;             /* the image's extra properties */
    struct keypair key;
    bool has_key;
    char *password;                  /* adminPass, or generated */
    char reservation_id[16];
    bool auto_disk;
    int64_t count;                   /* servers the quota allowed */
    char first_uuid[UUID_TEXT];
};

static void ctx_clear(struct create_ctx *c)
{
    json_decref(c->image_props);
    free(c->password);
    if (c->has_key)
        keypair_clear(&c->key);
}

/* --- policy (nova policies/servers.py) --- */

static int check_policies(struct create_ctx *c, struct cerr *err)
{
    const struct auth *a = &c->req->auth;
    const struct server_create_req *r = &c->r;
    if (policy_check(a, POLICY_MEMBER, "os_compute_api:servers:create", err) < 0)
        return -1;
    if (json_array_size(r->trusted_certs) &&
        policy_check(a, POLICY_MEMBER, "os_compute_api:servers:create:trusted_certs", err) < 0)
        return -1;
    bool forced = r->forced_host[0] || r->forced_node[0];
    if (forced && policy_check(a, POLICY_ADMIN, "os_compute_api:servers:create:forced_host",
                               err) < 0)
        return -1;
    if (r->host || r->hypervisor_hostname) {
        if (policy_check(a, POLICY_ADMIN, "compute:servers:create:requested_destination",
                         err) < 0)
            return -1;
        if (forced)
            return cerr_set(err, 400, "One mechanism with host and/or hypervisor_hostname and "
                            "another mechanism with zone:host:node are mutually exclusive.");
    }
    return 0;
}

/* --- lookups --- */

/* A lookup's 404 is the request's fault here: nova answers 400 with its
 * own text. Other failures pass through. */
static bool not_found(const struct cerr *e, struct cerr *err)
{
    if (e->status == 404)
        return true;
    *err = *e;
    return false;
}

static int load_flavor(struct create_ctx *c, struct cerr *err)
{
    struct cerr e;
    const char *id = c->r.flavor_id;
    if (store_flavor_get(c->db, id, &c->flavor, &e) < 0)
        return not_found(&e, err) ? cerr_set(err, 400, "Flavor %s could not be found.", id) : -1;
    if (!policy_is_admin(&c->req->auth) &&
        !store_flavor_accessible(c->db, &c->flavor, c->req->auth.project_id))
        return cerr_set(err, 400, "Flavor %s could not be found.", id);
    return 0;
}

/* compute API create(): requests that cannot hold for several servers. */
static int check_multiple(struct create_ctx *c, struct cerr *err)
{
    if (c->r.max_count <= 1)
        return 0;
    size_t i;
    json_t *net;
    json_array_foreach(c->r.networks, i, net) {
        const json_t *port = json_object_get(net, "port");
        if (json_object_get(net, "fixed_ip") && json_object_get(net, "uuid"))
            return cerr_set(err, 400, "Failed to launch instances: max_count cannot be greater "
                            "than 1 if an fixed_ip is specified.");
        if (port && !json_is_null(port))
            return cerr_set(err, 400, "Failed to launch instances: Unable to launch multiple "
                            "instances with a single configured port ID. Please launch your "
                            "instance one by one with different ports.");
    }
    if (c->r.hostname)
        return cerr_set(err, 400, "Unable to allocate a single hostname to multiple "
                        "instances");
    return 0;
}

/* Zones of enabled compute services (get_availability_zones with
 * get_only_available); a forced host skips the check, as in nova. */
static int check_zone(struct create_ctx *c, struct cerr *err)
{
    if (!c->r.availability_zone[0] || c->r.forced_host[0])
        return 0;
    struct host_row *hosts = NULL;
    int n = 0;
    bool found = false;
    if (store_host_list(c->db, &hosts, &n, err) < 0)
        return -1;
    for (int i = 0; i < n && !found; i++)
        found = !hosts[i].disabled && strcmp(hosts[i].zone, c->r.availability_zone) == 0;
    free(hosts);
    if (!found)
        return cerr_set(err, 400, "The requested availability zone is not available");
    return 0;
}

/* 2.74 _validate_host_or_node: a node is its host's hypervisor here. */
static int check_requested_host(struct create_ctx *c, struct cerr *err)
{
    const char *host = c->r.host, *node = c->r.hypervisor_hostname;
    struct host_row h;
    struct cerr e;
    const char *name = host ? host : node;
    if (!name)
        return 0;
    if (store_host_get(c->db, name, &h, &e) < 0)
        return not_found(&e, err) ?
               cerr_set(err, 400, "Compute host %s could not be found.", name) : -1;
    if (host && node && strcmp(host, node) != 0)
        return cerr_set(err, 400, "Compute host %s could not be found.", host);
    return 0;
}

static int load_image(struct create_ctx *c, struct cerr *err)
{
    struct cerr e;
    const char *id = c->r.image_ref;
    if (image_get_for(c->db, &c->req->auth, id, &c->image, &e) < 0) {
        if (!not_found(&e, err))
            return -1;
        if (c->r.volume_boot)
            return cerr_set(err, 400, "Block Device Mapping is Invalid: failed to get image "
                            "%s.", id);
        return cerr_set(err, 400, "Can not find requested image");
    }
    c->image_props = store_image_properties(c->db, c->image.id);
    return 0;
}

/* _check_auto_disk_config, and the default nova inherits from the image's
 * auto_disk_config property when the request names none. */
static int check_disk_config(struct create_ctx *c, struct cerr *err)
{
    const char *prop = json_string_value(json_object_get(c->image_props, "auto_disk_config"));
    const char *asked = c->r.disk_config;
    if (asked) {
        c->auto_disk = strcmp(asked, "AUTO") == 0;
        if (c->auto_disk && prop && strcasecmp(prop, "disabled") == 0)
            return cerr_set(err, 400, "Requested image %s has automatic disk resize disabled.",
                            c->image.id);
        return 0;
    }
    c->auto_disk = prop && parse_boolish(prop) == 1;
    return 0;
}

static int load_keypair(struct create_ctx *c, struct cerr *err)
{
    struct cerr e;
    if (!c->r.key_name)
        return 0;
    if (store_keypair_get(c->db, c->req->auth.user_id, c->r.key_name, &c->key, &e) < 0)
        return not_found(&e, err) ? cerr_set(err, 400, "Invalid key_name provided.") : -1;
    c->has_key = true;
    return 0;
}

static int check_quotas(struct create_ctx *c, struct cerr *err)
{
    const struct cirrus_config *cfg = c->req->cfg;
    if (c->r.metadata && quota_check_metadata(cfg, (int64_t)json_object_size(c->r.metadata),
                                              err) < 0)
        return -1;
    if (c->r.personality &&
        quota_check_personality(cfg, c->r.personality_files, c->r.personality_max_path,
                                c->r.personality_max_content, err) < 0)
        return -1;
    return 0;
}

/* _validate_flavor_image: the image must be active and fit the flavor. */
static int check_image_fits(struct create_ctx *c, struct cerr *err)
{
    const struct image *img = &c->image;
    const struct flavor *f = &c->flavor;
    if (strcmp(img->status, "active") != 0)
        return cerr_set(err, 400, "Image %s is not active.", img->id);
    if (img->min_ram > f->memory_mb)
        return cerr_set(err, 400, "Flavor's memory is too small for requested image.");
    int64_t dest = f->root_gb * GIB, size = img->size > 0 ? img->size : 0;
    if (dest == 0)
        return policy_check(&c->req->auth, POLICY_ADMIN,
                            "os_compute_api:servers:create:zero_disk_flavor", NULL) == 0 ? 0 :
               cerr_set(err, 403, "Only volume-backed servers are allowed for flavors with "
                        "zero disk.");
    if (size > dest)
        return cerr_set(err, 400, "Flavor's disk is too small for requested image. Flavor disk "
                        "is %lld bytes, image is %lld bytes.", (long long)dest,
                        (long long)size);
    if (img->min_disk * GIB > dest)
        return cerr_set(err, 400, "Flavor's disk is smaller than the minimum size specified "
                        "in image metadata. Flavor disk is %lld bytes, minimum size is %lld "
                        "bytes.", (long long)dest, (long long)(img->min_disk * GIB));
    return 0;
}

/* Before 2.37 an absent (or empty) list means "allocate as usual". */
static const json_t *requested_networks(const struct create_ctx *c)
{
    const json_t *n = c->r.networks;
    return json_is_array(n) && json_array_size(n) == 0 ? NULL : n;
}

static int check_request(struct create_ctx *c, struct cerr *err)
{
    const json_t *nets = requested_networks(c);
    if (check_policies(c, err) < 0 || load_flavor(c, err) < 0 || check_multiple(c, err) < 0 ||
        check_zone(c, err) < 0 || check_requested_host(c, err) < 0 || load_image(c, err) < 0 ||
        check_disk_config(c, err) < 0)
        return -1;
    if (c->flavor.disabled)
        return cerr_set(err, 400, "Flavor %s could not be found.", c->r.flavor_id);
    if ((nets && network_validate(c->db, nets, err) < 0) || load_keypair(c, err) < 0 ||
        check_quotas(c, err) < 0 || check_image_fits(c, err) < 0)
        return -1;
    return 0;
}

/* --- the rows --- */

/* nova utils.generate_uid('r'): "r-" and 8 of [0-9a-z]. */
static void reservation_id(char out[16])
{
    static const char set[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    out[0] = 'r';
    out[1] = '-';
    for (int i = 0; i < 8; i++)
        out[2 + i] = set[randombytes_uniform(sizeof(set) - 1)];
    out[10] = '\0';
}

static char *dump(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

/* Requested security group names, deduplicated, or nova's default. */
static char *security_groups_text(const json_t *requested)
{
    json_t *out = json_array(), *seen = json_object(), *g;
    size_t i;
    json_array_foreach(requested, i, g) {
        const char *name = json_string_value(json_object_get(g, "name"));
        if (name && name[0] && !json_object_get(seen, name)) {
            json_object_set_new(seen, name, json_true());
            json_array_append_new(out, json_pack("{s:s}", "name", name));
        }
    }
    if (json_array_size(out) == 0)
        json_array_append_new(out, json_pack("{s:s}", "name", "default"));
    char *text = dump(out);
    json_decref(out);
    json_decref(seen);
    return text;
}

/* Image properties as nova keeps them at boot (image_<key>), the zone the
 * request pinned (2.96 pinned_availability_zone) and the trusted
 * certificate ids. */
static char *system_metadata_text(const struct create_ctx *c)
{
    json_t *sm = json_object(), *v;
    const char *key;
    json_object_foreach(c->image_props, key, v) {
        if (json_is_string(v)) {
            char *k = xasprintf("image_%s", key);
            json_object_set(sm, k, v);
            free(k);
        }
    }
    if (c->r.availability_zone[0])
        json_object_set_new(sm, "pinned_availability_zone",
                            json_string(c->r.availability_zone));
    if (json_array_size(c->r.trusted_certs))
        json_object_set(sm, "trusted_image_certificates", (json_t *)c->r.trusted_certs);
    char *text = dump(sm);
    json_decref(sm);
    return text;
}

/* The columns every server of the request shares. */
static void server_template(const struct create_ctx *c, struct server *s)
{
    const struct http_request *req = c->req;
    const struct server_create_req *r = &c->r;
    memset(s, 0, sizeof(*s));
    str_copy(s->project_id, sizeof(s->project_id), req->auth.project_id);
    str_copy(s->user_id, sizeof(s->user_id), req->auth.user_id);
    s->description = xstrdup(r->description);
    str_copy(s->image_ref, sizeof(s->image_ref), c->image.id);
    str_copy(s->flavorid, sizeof(s->flavorid), c->flavor.flavorid);
    str_copy(s->flavor_name, sizeof(s->flavor_name), c->flavor.name);
    s->vcpus = c->flavor.vcpus;
    s->memory_mb = c->flavor.memory_mb;
    s->root_gb = c->flavor.root_gb;
    s->ephemeral_gb = c->flavor.ephemeral_gb;
    s->swap = c->flavor.swap;
    json_t *specs = store_flavor_extra_specs(c->db, c->flavor.flavorid);
    s->flavor_extra_specs = dump(specs);
    json_decref(specs);
    if (c->has_key) {
        str_copy(s->key_name, sizeof(s->key_name), c->key.name);
        s->key_data = xstrdup(c->key.public_key);
    }
    str_copy(s->vm_state, sizeof(s->vm_state), "building");
    str_copy(s->task_state, sizeof(s->task_state), "scheduling");
    str_copy(s->availability_zone, sizeof(s->availability_zone), r->availability_zone);
    s->created_at = s->updated_at = clock_now_us();
    str_copy(s->access_ip_v4, sizeof(s->access_ip_v4), r->access_ip_v4 ? r->access_ip_v4 : "");
    str_copy(s->access_ip_v6, sizeof(s->access_ip_v6), r->access_ip_v6 ? r->access_ip_v6 : "");
    str_copy(s->config_drive, sizeof(s->config_drive), r->config_drive ? "True" : "");
    s->user_data = xstrdup(r->user_data);
    str_copy(s->reservation_id, sizeof(s->reservation_id), c->reservation_id);
    str_copy(s->disk_config, sizeof(s->disk_config), c->auto_disk ? "AUTO" : "MANUAL");
    s->security_groups = security_groups_text(r->security_groups);
    s->personality = r->personality ? dump(r->personality) : NULL;
    s->scheduler_hints = r->scheduler_hints ? dump(r->scheduler_hints) : NULL;
    const json_t *nets = requested_networks(c);
    s->requested_networks = nets ? dump(nets) : NULL;
    s->block_device_mapping = r->block_device_mapping ? dump(r->block_device_mapping) : NULL;
    s->system_metadata = system_metadata_text(c);
}

/* compute API _populate_instance_names: with several servers both the
 * name and the hostname get "-<n>" (1-based). */
static void server_names(const struct create_ctx *c, struct server *s, int64_t index)
{
    const struct server_create_req *r = &c->r;
    char host[SRV_NAME];
    uuid_generate_text(s->uuid);
    s->launch_index = (int)index;
    if (r->hostname) {
        str_copy(host, sizeof(host), r->hostname);
    } else {
        server_sanitize_hostname(r->name, host, sizeof(host));
        if (!host[0])
            snprintf(host, sizeof(host), "Server-%s", s->uuid);
        else if (c->count > 1)
            snprintf(host + strlen(host), sizeof(host) - strlen(host), "-%lld",
                     (long long)index + 1);
    }
    str_copy(s->hostname, sizeof(s->hostname), host);
    if (c->count > 1)
        snprintf(s->name, sizeof(s->name), "%s-%lld", r->name, (long long)index + 1);
    else
        str_copy(s->name, sizeof(s->name), r->name);
}

static json_t *build_args(const struct create_ctx *c)
{
    const struct server_create_req *r = &c->r;
    json_t *args = json_pack("{s:s}", "request_id", c->req->request_id);
    const char *host = r->host ? r->host : r->forced_host;
    const char *node = r->hypervisor_hostname ? r->hypervisor_hostname : r->forced_node;
    if (host && host[0])
        json_object_set_new(args, "host", json_string(host));
    if (node && node[0])
        json_object_set_new(args, "node", json_string(node));
    /* The admin "az:host[:node]" form forces the host past the scheduler's
     * up/zone filters as Nova's force_hosts does; 2.74 host/hypervisor_hostname
     * are only requests that every filter still judges. */
    if (!r->host && !r->hypervisor_hostname && (r->forced_host[0] || r->forced_node[0]))
        json_object_set_new(args, "forced", json_true());
    json_object_set_new(args, "admin_password", json_string(c->password));
    return args;
}

static int insert_one(struct create_ctx *c, struct server *s, const json_t *args,
                      struct cerr *err)
{
    const struct http_request *req = c->req;
    if (store_server_insert(c->db, s, c->r.metadata, c->r.tags, err) < 0 ||
        network_allocate(c->db, s->uuid, requested_networks(c), err) < 0 ||
        store_action_start(c->db, s->uuid, "create", req->request_id, req->auth.user_id,
                           req->auth.project_id, err) < 0 ||
        task_enqueue(c->db, TASK_BUILD, s->uuid, NULL, args, req->request_id, err) < 0)
        return -1;
    return 0;
}

/* One transaction: the quota is counted under the write lock, so racing
 * creates cannot both take the last slot. */
static int write_servers(struct create_ctx *c, struct cerr *err)
{
    const struct http_request *req = c->req;
    struct server s;
    json_t *args = build_args(c);
    int rc = -1;
    server_template(c, &s);
    if (db_begin(c->db) < 0) {
        cerr_internal(err, "create transaction");
        goto cleanup;
    }
    if (quota_check_servers(c->db, req->cfg, req->auth.project_id, c->r.min_count,
                            c->r.max_count, c->flavor.vcpus, c->flavor.memory_mb, &c->count,
                            err) < 0)
        goto rollback;
    for (int64_t i = 0; i < c->count; i++) {
        server_names(c, &s, i);
        if (i == 0)
            str_copy(c->first_uuid, sizeof(c->first_uuid), s.uuid);
        if (insert_one(c, &s, args, err) < 0)
            goto rollback;
    }
    if (db_commit(c->db) < 0) {
        cerr_internal(err, "create commit");
        goto rollback;
    }
    worker_kick();
    rc = 0;
    goto cleanup;
rollback:
    db_rollback(c->db);
cleanup:
    server_clear(&s);
    json_decref(args);
    return rc;
}

/* --- the handler --- */

/* views/servers.py create(): id, links, diskConfig, the requested security
 * groups as sent (default [{"name": "default"}]) and the password. */
static json_t *create_body(const struct create_ctx *c)
{
    struct http_request *req = c->req;
    const json_t *asked = json_object_get(c->r.server, "security_groups");
    json_t *groups = asked ? json_deep_copy(asked) : json_pack("[{s:s}]", "name", "default");
    json_t *srv = json_pack("{s:s, s:o, s:s, s:o}", "id", c->first_uuid,
                            "links", api_links(req, "servers", c->first_uuid),
                            "OS-DCF:diskConfig", c->auto_disk ? "AUTO" : "MANUAL",
                            "security_groups", groups);
    if (req->cfg->enable_instance_password)
        json_object_set_new(srv, "adminPass", json_string(c->password));
    return json_pack("{s:o}", "server", srv);
}

static int servers_create(struct http_request *req, struct http_response *res,
                          struct cerr *err)
{
    struct create_ctx c = { .req = req, .db = store_db() };
    int rc = -1;
    if (!c.db)
        return cerr_internal(err, "no database");
    if (server_create_parse(req->json ? req->json : json_null(), req->mv, &c.r, err) < 0 ||
        check_request(&c, err) < 0)
        goto cleanup;
    if (c.r.admin_pass) {
        c.password = xstrdup(c.r.admin_pass);
    } else {
        c.password = xmalloc(PASSWORD_LENGTH + 1);
        random_password(c.password, PASSWORD_LENGTH);
    }
    reservation_id(c.reservation_id);
    if (write_servers(&c, err) < 0)
        goto cleanup;
    if (c.r.return_reservation_id) {
        http_json(res, 202, json_pack("{s:s}", "reservation_id", c.reservation_id));
    } else {
        char *location = api_self_url(req, "servers", c.first_uuid);
        http_json(res, 202, create_body(&c));
        http_set_header(res, "Location", location);
        free(location);
    }
    rc = 0;
cleanup:
    ctx_clear(&c);
    return rc;
}

const struct route api_servers_create_routes[] = {
    {"POST", "/servers", servers_create, ROUTE_JSON, 0, 0},
    {0},
};
