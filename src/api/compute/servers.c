/* servers.c - PUT /servers/{id} and DELETE /servers/{id} (nova servers.py
 * update() and delete(), DIGEST e.2 and b.3). An update edits the
 * user-editable columns and answers with the server body; a delete marks
 * a placed server deleting and queues its host's DELETE task, which
 * finishes it, and deletes an unplaced one at once. POST /servers is
 * servers_create.c's. */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/compute/server_view.h"
#include "api/compute/servers_validate.h"
#include "core/instance.h"
#include "core/migrate.h"
#include "core/network.h"
#include "core/policy.h"
#include "core/task.h"
#include "core/worker.h"
#include "store/action.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

/* --- PUT /servers/{id} --- */

static void apply_update(const json_t *body, struct server *s)
{
    const json_t *u = json_object_get(body, "server"), *v;
    const char *t;
    if ((t = json_string_value(json_object_get(u, "name"))))
        str_copy(s->name, sizeof(s->name), t);
    if ((v = json_object_get(u, "description"))) {
        free(s->description);
        s->description = xstrdup(json_string_value(v));   /* null removes it */
    }
    if ((t = json_string_value(json_object_get(u, "accessIPv4"))))
        str_copy(s->access_ip_v4, sizeof(s->access_ip_v4), t);
    if ((t = json_string_value(json_object_get(u, "accessIPv6"))))
        str_copy(s->access_ip_v6, sizeof(s->access_ip_v6), t);
    if ((t = json_string_value(json_object_get(u, "OS-DCF:diskConfig"))))
        str_copy(s->disk_config, sizeof(s->disk_config), t);
    if ((t = json_string_value(json_object_get(u, "hostname"))))
        str_copy(s->hostname, sizeof(s->hostname), t);
}

/* Before 2.75 the update answer is the show body without the extended
 * attributes (show_AZ, show_config_drive, show_keypair, show_srv_usg,
 * show_sec_grp, show_extended_status/attr/volumes, host_status all off)
 * and with plain {version, addr} addresses. */
static void strip_pre_275(json_t *view)
{
    static const char *const drop[] = { "OS-EXT-AZ:availability_zone", "config_drive",
                                        "key_name", "security_groups", "host_status",
                                        "os-extended-volumes:volumes_attached", NULL };
    static const char *const prefixes[] = { "OS-EXT-SRV-ATTR:", "OS-EXT-STS:", "OS-SRV-USG:",
                                            NULL };
    const char *key;
    json_t *v, *addrs, *a;
    void *tmp;
    for (int i = 0; drop[i]; i++)
        json_object_del(view, drop[i]);
    json_object_foreach_safe(view, tmp, key, v) {
        for (int i = 0; prefixes[i]; i++)
            if (strncmp(key, prefixes[i], strlen(prefixes[i])) == 0) {
                json_object_del(view, key);
                break;
            }
    }
    json_object_foreach(json_object_get(view, "addresses"), key, addrs) {
        size_t i;
        json_array_foreach(addrs, i, a) {
            json_object_del(a, "OS-EXT-IPS:type");
            json_object_del(a, "OS-EXT-IPS-MAC:mac_addr");
        }
    }
}

static int update_in_txn(struct http_request *req, struct db *db, const char *uuid,
                         struct cerr *err)
{
    struct server *s = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "update transaction");
    int rc = api_server_load(req, db, uuid, &s, err);
    if (rc == 0) {
        apply_update(req->json, s);
        rc = store_server_update(db, s, err);
    }
    if (rc == 0 && db_commit(db) < 0)
        rc = cerr_internal(err, "update commit");
    if (rc < 0)
        db_rollback(db);
    server_free(s);
    return rc;
}

static int server_update(struct http_request *req, struct http_response *res,
                         struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    const char *uuid = req->params[0];
    if (server_update_parse(req->json ? req->json : json_null(), req->mv, err) < 0)
        return -1;
    if (!db)
        return cerr_internal(err, "no database");
    if (api_server_load(req, db, uuid, &s, err) < 0)
        return -1;
    /* update_instance() has no lock or state guard; instance_check says so */
    int rc = policy_check(&req->auth, POLICY_MEMBER, "os_compute_api:servers:update", err);
    if (rc == 0)
        rc = instance_check(OP_UPDATE, s->uuid, s->vm_state, s->task_state, s->locked_by,
                            policy_is_admin(&req->auth), err);
    server_free(s);
    s = NULL;
    if (rc < 0 || update_in_txn(req, db, uuid, err) < 0 ||
        api_server_load(req, db, uuid, &s, err) < 0)
        return -1;
    json_t *view = server_view(req, db, s);
    server_free(s);
    if (req->mv < MV_SRV_FULL_UPDATE)
        strip_pre_275(view);
    http_json(res, 200, json_pack("{s:o}", "server", view));
    return 0;
}

/* --- DELETE /servers/{id} --- */

/* compute API _delete: a server no host holds (never scheduled, or its
 * build failed and gave the claim back) is deleted here and now, as nova's
 * _local_delete does: addresses released, row marked deleted, the action
 * closed. Reading the row inside this transaction orders it against the
 * conductor's scheduling transaction, so the two cannot both win. */
static int delete_local(struct http_request *req, struct db *db, const struct server *s,
                        struct cerr *err)
{
    if (network_release(db, s->uuid) < 0)
        return cerr_internal(err, "address release");
    if (store_server_mark_deleted(db, s->uuid, err) < 0)
        return -1;
    return store_action_finish(db, s->uuid, req->request_id, NULL) < 0 ?
           cerr_internal(err, "delete action") : 0;
}

/* A placed server: task_state deleting without an expected task_state (a
 * second delete while the first runs is accepted too), and the host's
 * DELETE task, which destroys the VM and finishes the job. */
static int delete_on_host(struct http_request *req, struct db *db, const struct server *s,
                          struct cerr *err)
{
    if (store_server_set_state(db, s->uuid, NULL, NULL, "deleting", POWER_KEEP, err) < 0 ||
        migrate_confirm_on_delete(db, s->uuid, err) < 0)   /* VERIFY_RESIZE: drop the source */
        return -1;
    return task_enqueue(db, TASK_DELETE, s->uuid, s->host, NULL, req->request_id, err);
}

static int delete_in_txn(struct http_request *req, struct db *db, const char *uuid,
                         struct cerr *err)
{
    struct server *s = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "delete transaction");
    int rc = api_server_load(req, db, uuid, &s, err);
    if (rc == 0)
        rc = instance_check(OP_DELETE, s->uuid, s->vm_state, s->task_state, s->locked_by,
                            policy_is_admin(&req->auth), err);
    if (rc == 0)
        rc = store_action_start(db, s->uuid, "delete", req->request_id, req->auth.user_id,
                                req->auth.project_id, err);
    if (rc == 0)
        rc = s->host[0] ? delete_on_host(req, db, s, err) : delete_local(req, db, s, err);
    if (rc == 0 && db_commit(db) < 0)
        rc = cerr_internal(err, "delete commit");
    if (rc < 0)
        db_rollback(db);
    server_free(s);
    return rc;
}

static int server_delete(struct http_request *req, struct http_response *res,
                         struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    if (!db)
        return cerr_internal(err, "no database");
    if (api_server_load(req, db, req->params[0], &s, err) < 0)
        return -1;
    server_free(s);
    if (policy_check(&req->auth, POLICY_MEMBER, "os_compute_api:servers:delete", err) < 0 ||
        delete_in_txn(req, db, req->params[0], err) < 0)
        return -1;
    worker_kick();
    http_empty(res, 204);
    return 0;
}

const struct route api_servers_routes[] = {
    {"PUT", "/servers/{id}", server_update, ROUTE_JSON, 0, 0},
    {"DELETE", "/servers/{id}", server_delete, 0, 0, 0},
    {0},
};
