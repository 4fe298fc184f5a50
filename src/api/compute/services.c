/* services.c - /os-services (nova-api-ref os-services.inc; nova
 * services.py): list with host/binary filters (forced_down from 2.11, uuid
 * ids from 2.53), the update actions before 2.53 (PUT /os-services/enable,
 * /disable, /disable-log-reason, /force-down), PUT /os-services/{uuid}
 * from 2.53, and DELETE. Only nova-compute services can be updated; a
 * compute service hosting servers cannot be deleted (409). */
#include "api/compute/services.h"
#include "api/api.h"
#include "api/validate.h"
#include "core/policy.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MV_FORCED_DOWN MV(2, 11)
#define MV_UUID        MV(2, 53)
#define MV_STRICT      MV(2, 75)   /* index_query_schema_275: no other query keys */

#define POLICY(x) "os_compute_api:os-services:" x
/* Nova's report_interval: how often a live service writes its heartbeat. */
#define REPORT_US (10LL * 1000000)

json_t *api_service_time(int64_t us)
{
    if (!us)
        return json_null();
    char text[CLOCK_TEXT_MAX];
    /* MySQL DATETIME keeps whole seconds, hence ".000000" in Nova. */
    clock_iso_usec(us - us % 1000000, text);
    return json_string(text);
}

static void from_host(const struct host_row *h, int64_t now, struct api_service *s)
{
    memset(s, 0, sizeof(*s));
    s->id = h->id;
    str_copy(s->uuid, sizeof(s->uuid), h->uuid);
    str_copy(s->host, sizeof(s->host), h->host);
    str_copy(s->binary, sizeof(s->binary), "nova-compute");
    str_copy(s->zone, sizeof(s->zone), h->zone);
    s->disabled = h->disabled;
    s->forced_down = h->forced_down;
    s->up = host_row_is_up(h, now);
    s->has_reason = h->has_disabled_reason;
    str_copy(s->disabled_reason, sizeof(s->disabled_reason), h->disabled_reason);
    s->updated_at = h->last_seen_up > h->updated_at ? h->last_seen_up : h->updated_at;
}

/* The conductor and scheduler run inside the process answering, so their
 * heartbeat is written here, at most once per report interval. */
static void from_control(const struct http_request *req, struct db *db,
                         const struct service_row *r, int64_t now, struct api_service *s)
{
    memset(s, 0, sizeof(*s));
    s->id = r->id;
    str_copy(s->uuid, sizeof(s->uuid), r->uuid);
    str_copy(s->host, sizeof(s->host), r->host);
    str_copy(s->binary, sizeof(s->binary), r->binary);
    str_copy(s->zone, sizeof(s->zone), INTERNAL_ZONE);
    s->updated_at = r->last_seen_up;
    if (strcmp(r->host, req->cfg->host) == 0 && now - r->last_seen_up >= REPORT_US &&
        store_service_heartbeat(db, r->host, r->binary, now) == 0)
        s->updated_at = now;
    s->up = s->updated_at > 0 && now - s->updated_at <= HOST_DOWN_AFTER_US;
}

int api_service_list(const struct http_request *req, struct db *db, struct api_service **out,
                     int *count, struct cerr *err)
{
    struct host_row *hosts = NULL;
    struct service_row *ctl = NULL;
    int nh = 0, nc = 0;
    if (store_host_list(db, &hosts, &nh, err) < 0)
        return -1;
    if (store_service_list(db, &ctl, &nc, err) < 0) {
        free(hosts);
        return -1;
    }
    int64_t now = clock_now_us();
    struct api_service *list = xcalloc((size_t)(nh + nc) + 1, sizeof(*list));
    int i = 0, j = 0, n = 0;
    while (i < nh || j < nc) {
        if (j >= nc || (i < nh && hosts[i].id < ctl[j].id))
            from_host(&hosts[i++], now, &list[n++]);
        else
            from_control(req, db, &ctl[j++], now, &list[n++]);
    }
    free(hosts);
    free(ctl);
    *out = list;
    *count = n;
    return 0;
}

/* _get_service_detail */
static json_t *service_view(const struct http_request *req, const struct api_service *s,
                            bool forced_down)
{
    json_t *o = json_pack("{s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:o}",
        "id", req->mv >= MV_UUID ? json_string(s->uuid) : json_integer(s->id),
        "binary", s->binary, "host", s->host, "zone", s->zone,
        "status", s->disabled ? "disabled" : "enabled", "state", s->up ? "up" : "down",
        "updated_at", api_service_time(s->updated_at),
        "disabled_reason", s->has_reason ? json_string(s->disabled_reason) : json_null());
    if (forced_down)
        json_object_set_new(o, "forced_down", json_boolean(s->forced_down));
    return o;
}

static int services_index(struct http_request *req, struct http_response *res,
                          struct cerr *err)
{
    static const char *const params[] = { "host", "binary", NULL };
    struct api_service *list = NULL;
    int n = 0;
    if (req->mv >= MV_STRICT && vq_only(req, params, err) < 0)
        return -1;
    if (policy_check(&req->auth, POLICY_ADMIN, POLICY("list"), err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (api_service_list(req, db, &list, &n, err) < 0)
        return -1;
    /* An empty filter value filters nothing ("if host:" in Nova). */
    const char *host = http_query(req, "host"), *binary = http_query(req, "binary");
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        if ((host && host[0] && strcmp(host, list[i].host) != 0) ||
            (binary && binary[0] && strcmp(binary, list[i].binary) != 0))
            continue;
        json_array_append_new(items, service_view(req, &list[i], req->mv >= MV_FORCED_DOWN));
    }
    free(list);
    http_json(res, 200, json_pack("{s:o}", "services", items));
    return 0;
}

/* --- PUT before 2.53: the action is the path segment --- */

/* service_update / service_update_v211: properties first, then the
 * required keys, then unknown keys (jsonschema's keyword order). */
static int check_v21_body(const struct http_request *req, const json_t *body,
                          struct cerr *err)
{
    const json_t *v;
    if (!json_is_object(body))
        return v_body(body, NULL, NULL, err);
    if (((v = json_object_get(body, "host")) && v_fqdn(v, "host", err) < 0) ||
        ((v = json_object_get(body, "binary")) && v_string(v, "binary", 1, 255, err) < 0) ||
        ((v = json_object_get(body, "disabled_reason")) &&
         v_string(v, "disabled_reason", 1, 255, err) < 0))
        return -1;
    bool b;
    if (req->mv >= MV_FORCED_DOWN && (v = json_object_get(body, "forced_down")) &&
        v_boolean(v, "forced_down", &b, err) < 0)
        return -1;
    if (!json_object_get(body, "host"))
        return cerr_set(err, 400, "'host' is a required property");
    if (!json_object_get(body, "binary"))
        return cerr_set(err, 400, "'binary' is a required property");
    static const char *const v21[] = { "host", "binary", "disabled_reason", NULL };
    static const char *const v211[] = { "host", "binary", "disabled_reason", "forced_down",
                                        NULL };
    return v_body(body, req->mv >= MV_FORCED_DOWN ? v211 : v21, NULL, err);
}

/* _check_for_evacuations: forcing a host back up while evacuations from
 * it are still "done" would let it reclaim the evacuated servers. */
static int check_evacuations(struct db *db, const char *host, struct cerr *err)
{
    int64_t n = 0;
    if (store_host_evacuations_done(db, host, &n) < 0)
        return cerr_internal(err, "evacuation check");
    if (n > 0)
        return cerr_set(err, 400, "Unable to force up host %s as `done` evacuation migration "
                        "records remain associated with the host. Ensure the compute service "
                        "has been restarted, allowing these records to move to `completed` "
                        "before retrying this request.", host);
    return 0;
}

/* _update: only nova-compute; the host must exist ("mapped to a cell"). */
static int check_target(struct db *db, const char *host, const char *binary,
                        struct cerr *err)
{
    struct host_row h;
    struct cerr e = {0};
    if (strcmp(binary, "nova-compute") != 0)
        return cerr_set(err, 400, "Updating a %s service is not supported. Only nova-compute "
                        "services can be updated.", binary);
    if (store_host_get(db, host, &h, &e) < 0) {
        if (e.status != 404) {
            *err = e;
            return -1;
        }
        return cerr_set(err, 404, "Host '%s' is not mapped to any cell", host);
    }
    return 0;
}

static int update_v21(struct http_request *req, struct http_response *res, struct cerr *err)
{
    const char *action = req->params[0];
    const json_t *body = req->json;
    if (check_v21_body(req, body, err) < 0 ||
        policy_check(&req->auth, POLICY_ADMIN, POLICY("update"), err) < 0)
        return -1;
    bool enable = strcmp(action, "enable") == 0, disable = strcmp(action, "disable") == 0,
         log_reason = strcmp(action, "disable-log-reason") == 0,
         force = req->mv >= MV_FORCED_DOWN && strcmp(action, "force-down") == 0;
    if (!enable && !disable && !log_reason && !force)
        return cerr_set(err, 404, "Unknown action");
    const char *host = json_string_value(json_object_get(body, "host"));
    const char *binary = json_string_value(json_object_get(body, "binary"));
    const char *reason = json_string_value(json_object_get(body, "disabled_reason"));
    const json_t *fd = json_object_get(body, "forced_down");
    if (log_reason && !reason)
        return cerr_set(err, 400, "Missing disabled reason field");
    if (force && !fd)
        return cerr_set(err, 400, "Missing forced_down field");
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (check_target(db, host, binary, err) < 0)
        return -1;
    json_t *svc = json_pack("{s:s, s:s}", "host", host, "binary", binary);
    int rc;
    if (force) {
        bool down = false;
        v_boolean(fd, "forced_down", &down, err);
        rc = !down && check_evacuations(db, host, err) < 0 ? -1
             : store_host_set_forced_down(db, host, down, err);
        json_object_set_new(svc, "forced_down", json_boolean(down));
    } else {
        /* enable and disable both clear the reason; only
         * disable-log-reason records one. */
        rc = store_host_set_disabled(db, host, !enable, log_reason ? reason : NULL, err);
        json_object_set_new(svc, "status", json_string(enable ? "enabled" : "disabled"));
        if (log_reason)
            json_object_set_new(svc, "disabled_reason", json_string(reason));
    }
    if (rc < 0) {
        json_decref(svc);
        return -1;
    }
    http_json(res, 200, json_pack("{s:o}", "service", svc));
    return 0;
}

/* --- PUT from 2.53: the service uuid is the path segment --- */

static int find_service(const struct http_request *req, struct db *db, const char *id,
                        bool by_uuid, struct api_service *out, struct cerr *err)
{
    struct api_service *list = NULL;
    int n = 0;
    if (api_service_list(req, db, &list, &n, err) < 0)
        return -1;
    int found = -1;
    char *end;
    long long num = by_uuid ? 0 : strtoll(id, &end, 10);
    for (int i = 0; i < n && found < 0; i++)
        if (by_uuid ? strcasecmp(list[i].uuid, id) == 0 : list[i].id == num)
            found = i;
    if (found >= 0)
        *out = list[found];
    free(list);
    return found >= 0 ? 0 : 1;
}

static int update_v253(struct http_request *req, struct http_response *res, struct cerr *err)
{
    static const char *const keys[] = { "status", "disabled_reason", "forced_down", NULL };
    static const char *const states[] = { "enabled", "disabled", NULL };
    const char *id = req->params[0];
    const json_t *body = req->json, *status, *reason, *fd;
    bool down = false;
    if (!json_is_object(body))
        return v_body(body, NULL, NULL, err);
    if (((status = json_object_get(body, "status")) && v_enum(status, "status", states, err) < 0) ||
        ((reason = json_object_get(body, "disabled_reason")) &&
         v_string(reason, "disabled_reason", 1, 255, err) < 0) ||
        ((fd = json_object_get(body, "forced_down")) &&
         v_boolean(fd, "forced_down", &down, err) < 0) ||
        v_body(body, keys, NULL, err) < 0)
        return -1;
    if (!is_uuid_like(id))
        return cerr_set(err, 400, "Invalid uuid %s", id);
    if (policy_check(&req->auth, POLICY_ADMIN, POLICY("update"), err) < 0)
        return -1;
    struct db *db = store_db();
    struct api_service s;
    if (!db)
        return cerr_internal(err, "no database");
    int found = find_service(req, db, id, true, &s, err);
    if (found != 0)
        return found < 0 ? -1 : cerr_set(err, 404, "Service %s could not be found.", id);
    if (strcmp(s.binary, "nova-compute") != 0)
        return cerr_set(err, 400, "Updating a %s service is not supported. Only nova-compute "
                        "services can be updated.", s.binary);
    bool enable = status && strcmp(json_string_value(status), "enabled") == 0;
    if (enable && reason)
        return cerr_set(err, 400, "Specifying 'disabled_reason' with status 'enabled' is "
                        "invalid.");
    if (fd && !down && check_evacuations(db, s.host, err) < 0)
        return -1;
    if (!status && !fd)
        return cerr_set(err, 400, "No updates were requested. Fields 'status' or "
                        "'forced_down' should be specified.");
    if (db_begin(db) < 0)
        return cerr_internal(err, "service update");
    if ((status && store_host_set_disabled(db, s.host, !enable,
                                           enable ? NULL : json_string_value(reason), err) < 0) ||
        (fd && store_host_set_forced_down(db, s.host, down, err) < 0) || db_commit(db) < 0) {
        db_rollback(db);
        return err->status ? -1 : cerr_internal(err, "service update");
    }
    if (find_service(req, db, id, true, &s, err) != 0)
        return err->status ? -1 : cerr_set(err, 404, "Service %s could not be found.", id);
    http_json(res, 200, json_pack("{s:o}", "service", service_view(req, &s, true)));
    return 0;
}

static int services_update(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    return req->mv >= MV_UUID ? update_v253(req, res, err) : update_v21(req, res, err);
}

/* --- DELETE --- */

static int services_delete(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    const char *id = req->params[0];
    if (policy_check(&req->auth, POLICY_ADMIN, POLICY("delete"), err) < 0)
        return -1;
    bool by_uuid = req->mv >= MV_UUID;
    if (by_uuid && !is_uuid_like(id))
        return cerr_set(err, 400, "Invalid uuid %s", id);
    if (!by_uuid) {
        char *end;
        (void)strtoll(id, &end, 10);
        if (end == id || *end)
            return cerr_set(err, 400, "Invalid input received: id must be an integer");
    }
    struct db *db = store_db();
    struct api_service s;
    if (!db)
        return cerr_internal(err, "no database");
    if (db_begin(db) < 0)
        return cerr_internal(err, "service delete");
    int rc = find_service(req, db, id, by_uuid, &s, err);
    if (rc == 1)
        cerr_set(err, 404, "Service %s not found.", id);
    if (rc == 0 && strcmp(s.binary, "nova-compute") == 0) {
        /* Resource accounting would orphan the servers (and migrations)
         * still on the host: Nova refuses with 409. */
        int64_t servers = 0, migrations = 0;
        if (store_host_server_count(db, s.host, &servers) < 0 ||
            store_host_migration_count(db, s.host, &migrations) < 0)
            rc = cerr_internal(err, "service delete");
        else if (servers > 0)
            rc = cerr_set(err, 409, "Unable to delete compute service that is hosting "
                          "instances. Migrate or delete the instances first.");
        else if (migrations > 0)
            rc = cerr_set(err, 409, "Unable to delete compute service that has in-progress "
                          "migrations. Complete the migrations or delete the instances "
                          "first.");
        else
            rc = store_host_delete(db, s.host, err);
    } else if (rc == 0 && store_service_delete(db, s.id, NULL) != 0) {
        rc = cerr_internal(err, "service delete");
    }
    if (rc != 0 || db_commit(db) < 0) {
        db_rollback(db);
        return err->status ? -1 : cerr_internal(err, "service delete");
    }
    http_empty(res, 204);
    return 0;
}

const struct route api_services_routes[] = {
    { "GET", "/os-services", services_index, 0, 0, 0 },
    { "PUT", "/os-services/{id}", services_update, ROUTE_JSON, 0, 0 },
    { "DELETE", "/os-services/{id}", services_delete, 0, 0, 0 },
    {0},
};
