/* server_actions_migrate.c - the cold-move server actions: migrate
 * (os-migrate-server, `host` from 2.56), resize, confirmResize and
 * revertResize (servers.py). As in Nova, the destination is chosen while
 * the request waits (compute_api.resize calls the conductor
 * synchronously), so "No valid host" is this request's 400, recorded as a
 * failed action and an errored migration; the rest runs on the hosts
 * (core/compute_migrate.c). */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/compute/server_actions.h"
#include "api/validate.h"
#include "core/instance.h"
#include "core/migrate.h"
#include "core/policy.h"
#include "core/quota.h"
#include "core/task.h"
#include "core/worker.h"
#include "store/action.h"
#include "store/flavor.h"
#include "store/host.h"
#include "store/migration.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MV_MIGRATE_HOST MV(2, 56)

/* What one move request asks for. */
struct move_req {
    enum instance_op op;
    const char *action;           /* instance action name */
    const char *type;             /* migration_type */
    const char *host;             /* requested destination (migrate, 2.56+), NULL = any */
    const char *flavor_id;        /* resize: the new flavor */
    const char *disk_config;      /* resize: OS-DCF:diskConfig, NULL = keep */
};

/* Nova's check_instance_host(check_is_up=True): the source's service
 * must be up, else 409 ServiceUnavailable. */
static int source_up(struct db *db, const struct server *s, struct cerr *err)
{
    struct host_row h;
    struct cerr lookup = {0};
    if (store_host_get(db, s->host, &h, &lookup) < 0 || !host_row_is_up(&h, clock_now_us()))
        return cerr_set(err, 409, "Service is unavailable at this time.");
    return 0;
}

/* compute_api.resize's checks on a requested host (2.56). */
static int requested_host_ok(struct db *db, const struct server *s, const char *host,
                             struct cerr *err)
{
    struct host_row h;
    struct cerr lookup = {0};
    if (strcmp(host, s->host) == 0)
        return cerr_set(err, 400, "The target host can't be the same one.");
    if (store_host_get(db, host, &h, &lookup) < 0)
        return lookup.status == 404 ? cerr_set(err, 400, "Compute host %s could not be found.",
                                               host)
                                    : cerr_internal(err, "host lookup");
    return 0;
}

/* _check_quota_for_upsize: only growth counts, cores then ram. */
static int upsize_quota(struct http_request *req, struct db *db, const struct server *s,
                        const struct flavor *f, struct cerr *err)
{
    struct quota_usage use;
    int64_t cores = f->vcpus - s->vcpus, ram = f->memory_mb - s->memory_mb;
    if (cores <= 0 && ram <= 0)
        return 0;
    if (quota_usage_get(db, s->project_id, &use, err) < 0)
        return -1;
    int64_t lc = req->cfg->quota_cores, lr = req->cfg->quota_ram;
    if (cores > 0 && lc >= 0 && use.cores + cores > lc)
        return cerr_set(err, 403, "Quota exceeded for cores: Requested %lld, but already used "
                        "%lld of %lld cores", (long long)cores, (long long)use.cores,
                        (long long)lc);
    if (ram > 0 && lr >= 0 && use.ram_mb + ram > lr)
        return cerr_set(err, 403, "Quota exceeded for ram: Requested %lld, but already used "
                        "%lld of %lld ram", (long long)ram, (long long)use.ram_mb,
                        (long long)lr);
    return 0;
}

/* The new flavor of a resize as compute_api.resize checks it; *out is
 * its JSON as the migration keeps it. */
static int resize_flavor(struct http_request *req, struct db *db, const struct server *s,
                         const char *flavor_id, struct flavor *f, json_t **out,
                         struct cerr *err)
{
    struct cerr lookup = {0};
    if (store_flavor_get(db, flavor_id, f, &lookup) < 0) {
        if (lookup.status != 404)
            return cerr_internal(err, "flavor lookup");
        return cerr_set(err, 400, "Unable to locate requested flavor.");
    }
    if (!policy_is_admin(&req->auth) && !store_flavor_accessible(db, f, req->auth.project_id))
        return cerr_set(err, 400, "Unable to locate requested flavor.");
    if (f->root_gb == 0 && s->root_gb != 0 && s->image_ref[0])
        return cerr_set(err, 400, "Server disk was unable to be resized because: Resize to "
                        "zero disk flavor is not allowed.");
    bool same = strcmp(f->flavorid, s->flavorid) == 0;
    if (!same && f->disabled)
        return cerr_set(err, 400, "Unable to locate requested flavor.");
    if (same)
        return cerr_set(err, 400, "Resize requires a flavor change.");
    if (upsize_quota(req, db, s, f, err) < 0)
        return -1;
    *out = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:b}", "flavorid", f->flavorid,
                     "name", f->name, "vcpus", (json_int_t)f->vcpus, "memory_mb",
                     (json_int_t)f->memory_mb, "root_gb", (json_int_t)f->root_gb,
                     "ephemeral_gb", (json_int_t)f->ephemeral_gb, "swap", (json_int_t)f->swap,
                     "extra_specs", store_flavor_extra_specs(db, f->flavorid), "image_backed",
                     s->image_ref[0] != '\0');
    return 0;
}

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

/* NoValidHost, as the conductor leaves it: server back to its state (it
 * never left it here), migration in error, a fault, the action and its
 * conductor event failed. The request still answers 400. */
static int no_valid_host(struct http_request *req, struct db *db, const struct server *s,
                         int64_t migration_id, const char *why, struct cerr *err)
{
    bool ok = store_migration_set_status(db, migration_id, NULL, MIGRATION_ERROR) >= 0 &&
              store_server_fault_add(db, s->uuid, 500, NO_VALID_HOST, why, NULL) >= 0;
    store_action_event_finish(db, s->uuid, req->request_id, EV_MIGRATE_SERVER, "Error",
                              NO_VALID_HOST);
    store_action_finish(db, s->uuid, req->request_id, "Error");
    if (!ok || db_commit(db) < 0) {
        db_rollback(db);
        return cerr_internal(err, "migration failure");
    }
    return cerr_set(err, 400, NO_VALID_HOST);
}

/* Inside the transaction, after the guards: migration row, action,
 * scheduling and the destination's first task. 1 = committed with a
 * NoValidHost answer in err (already -1 returned by the caller). */
static int move_begin(struct http_request *req, struct db *db, struct server *s,
                      const struct move_req *mr, json_t *new_flavor, int64_t new_type_id,
                      char *dest, struct cerr *err)
{
    json_t *old_flavor = migrate_flavor_of_server(s);
    struct migration_row m = {0};
    struct flavor of;
    struct cerr ignored;
    int rc = -1;
    str_copy(m.instance_uuid, sizeof(m.instance_uuid), s->uuid);
    str_copy(m.source_compute, sizeof(m.source_compute), s->host);
    str_copy(m.source_node, sizeof(m.source_node), s->node[0] ? s->node : s->host);
    str_copy(m.status, sizeof(m.status), MIGRATION_PRE_MIGRATING);
    str_copy(m.migration_type, sizeof(m.migration_type), mr->type);
    str_copy(m.user_id, sizeof(m.user_id), req->auth.user_id);
    str_copy(m.project_id, sizeof(m.project_id), req->auth.project_id);
    str_copy(m.old_flavorid, sizeof(m.old_flavorid), s->flavorid);
    str_copy(m.new_flavorid, sizeof(m.new_flavorid),
             json_string_value(json_object_get(new_flavor ? new_flavor : old_flavor,
                                               "flavorid")));
    /* The flavor's integer id; 0 (null) when it was deleted since. */
    m.old_instance_type_id = store_flavor_get(db, s->flavorid, &of, &ignored) == 0 ? of.id : 0;
    m.new_instance_type_id = new_flavor ? new_type_id : m.old_instance_type_id;
    m.memory_total = m.memory_processed = m.memory_remaining = -1;
    m.disk_total = m.disk_processed = m.disk_remaining = -1;
    str_copy(m.old_vm_state, sizeof(m.old_vm_state), s->vm_state);
    m.old_flavor = dump(old_flavor);
    m.new_flavor = dump(new_flavor ? new_flavor : old_flavor);
    if (store_migration_insert(db, &m, err) < 0 ||
        store_action_start(db, s->uuid, mr->action, req->request_id, req->auth.user_id,
                           req->auth.project_id, err) < 0 ||
        store_action_event_start(db, s->uuid, req->request_id, EV_MIGRATE_SERVER, NULL) < 0)
        goto cleanup;
    struct host_usage u;
    struct sched_result res;
    struct cerr why = {0};
    migrate_flavor_usage(new_flavor ? new_flavor : old_flavor, s->image_ref, &u);
    int picked = migrate_schedule(db, s, &u, mr->host, &res, &why);
    if (picked < 0) {
        *err = why;
        goto cleanup;
    }
    if (picked == 1) {
        no_valid_host(req, db, s, m.id, res.why, err);
        rc = 1;
        goto cleanup;
    }
    struct host_row dh;
    json_t *args = json_pack("{s:I}", "migration_id", (json_int_t)m.id);
    if (mr->disk_config)
        str_copy(s->disk_config, sizeof(s->disk_config), mr->disk_config);
    s->progress = 0;
    bool ok = store_host_get(db, res.host, &dh, err) == 0 &&
              store_migration_set_dest(db, m.id, res.host, res.host, dh.host_ip) == 0 &&
              store_server_set_state(db, s->uuid, "", NULL, "resize_prep", POWER_KEEP, err) == 0 &&
              store_server_update(db, s, err) == 0 &&
              store_action_event_finish(db, s->uuid, req->request_id, EV_MIGRATE_SERVER,
                                        "Success", NULL) == 0 &&
              task_enqueue(db, TASK_PREP_RESIZE, s->uuid, res.host, args, req->request_id,
                           err) == 0;
    json_decref(args);
    if (ok) {
        str_copy(dest, HOST_NAME_LEN, res.host);
        rc = 0;
    } else if (!err->message[0]) {
        cerr_internal(err, "migration start");
    }
cleanup:
    if (rc < 0 && !err->message[0])
        cerr_internal(err, "migration start");
    migration_row_clear(&m);
    json_decref(old_flavor);
    return rc;
}

static int move_start(struct http_request *req, struct http_response *res,
                      const struct move_req *mr, const char *policy_rule,
                      enum policy_rule rule, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *new_flavor = NULL;
    struct flavor nf = {0};
    char dest[HOST_NAME_LEN] = "";
    int rc = -1;
    if (!db)
        return cerr_internal(err, "no database");
    if (api_server_load(req, db, req->params[0], &s, err) < 0)
        return -1;
    server_free(s);
    s = NULL;
    if (policy_check(&req->auth, rule, policy_rule, err) < 0)
        return -1;
    if (db_begin(db) < 0)
        return cerr_internal(err, "migrate transaction");
    if (api_server_load(req, db, req->params[0], &s, err) < 0 ||
        instance_check(mr->op, s->uuid, s->vm_state, s->task_state, s->locked_by,
                       policy_is_admin(&req->auth), err) < 0 ||
        source_up(db, s, err) < 0 || (mr->host && requested_host_ok(db, s, mr->host, err) < 0) ||
        (mr->flavor_id && resize_flavor(req, db, s, mr->flavor_id, &nf, &new_flavor, err) < 0))
        goto fail;
    rc = move_begin(req, db, s, mr, new_flavor, nf.id, dest, err);
    if (rc == 1) {          /* committed; err holds the 400 */
        rc = -1;
        goto cleanup;
    }
    if (rc < 0)
        goto fail;
    if (db_commit(db) < 0) {
        rc = cerr_internal(err, "migrate commit");
        goto fail;
    }
    worker_kick();
    http_empty(res, 202);
    rc = 0;
    goto cleanup;
fail:
    db_rollback(db);
    rc = -1;
cleanup:
    json_decref(new_flavor);
    server_free(s);
    return rc;
}

/* --- migrate --- */

/* migrate_v2_56: null or {"host": fqdn-or-null}; before 2.56 the value is
 * not looked at (the schema does not apply). */
static int act_migrate(struct http_request *req, struct http_response *res, const json_t *args,
                       struct cerr *err)
{
    struct move_req mr = { OP_MIGRATE, "migrate", MIGRATION_TYPE_MIGRATION, NULL, NULL, NULL };
    if (req->mv >= MV_MIGRATE_HOST && !json_is_null(args)) {
        static const char *const keys[] = { "host", NULL };
        char r[256];
        v_repr(args, r, sizeof(r));
        if (!json_is_object(args))
            return v_fail(err, "migrate", args, "%s is not of type 'object', 'null'", r);
        if (v_object(args, "migrate", keys, err) < 0)
            return -1;
        const json_t *h = json_object_get(args, "host");
        if (h && !json_is_null(h)) {
            if (v_fqdn(h, "migrate/host", err) < 0)
                return -1;
            mr.host = json_string_value(h);
        }
    }
    /* Nova: a requested host needs the admin-only migrate:host rule. */
    if (mr.host)
        return move_start(req, res, &mr, "os_compute_api:os-migrate-server:migrate:host",
                          POLICY_ADMIN, err);
    return move_start(req, res, &mr, "os_compute_api:os-migrate-server:migrate",
                      POLICY_MANAGER, err);
}

/* --- resize --- */

static int act_resize(struct http_request *req, struct http_response *res, const json_t *args,
                      struct cerr *err)
{
    static const char *const keys[] = { "flavorRef", "OS-DCF:diskConfig", NULL };
    static const char *const disk_configs[] = { "AUTO", "MANUAL", NULL };
    char flavor_id[256];
    struct move_req mr = { OP_RESIZE, "resize", MIGRATION_TYPE_RESIZE, NULL, flavor_id, NULL };
    if (v_object(args, "resize", keys, err) < 0 ||
        v_required_in(args, "resize", "flavorRef", err) < 0)
        return -1;
    const json_t *f = json_object_get(args, "flavorRef");
    if (json_is_integer(f)) {
        snprintf(flavor_id, sizeof(flavor_id), "%lld", (long long)json_integer_value(f));
    } else if (json_is_string(f)) {
        if (v_string(f, "resize/flavorRef", 1, -1, err) < 0)
            return -1;
        str_copy(flavor_id, sizeof(flavor_id), json_string_value(f));
    } else {
        char r[256];
        v_repr(f, r, sizeof(r));
        return v_fail(err, "resize/flavorRef", f, "%s is not of type 'string', 'integer'", r);
    }
    const json_t *dc = json_object_get(args, "OS-DCF:diskConfig");
    if (dc) {
        if (v_enum(dc, "resize/OS-DCF:diskConfig", disk_configs, err) < 0)
            return -1;
        mr.disk_config = json_string_value(dc);
    }
    return move_start(req, res, &mr, "os_compute_api:servers:resize", POLICY_MEMBER, err);
}

/* --- confirmResize / revertResize --- */

/* The guard, then the finished migration (else 400 "Instance has not
 * been resized."), inside the caller's transaction. */
static int finished_move(struct http_request *req, struct db *db, enum instance_op op,
                         struct server **s, struct migration_row *m, struct cerr *err)
{
    if (api_server_load(req, db, req->params[0], s, err) < 0 ||
        instance_check(op, (*s)->uuid, (*s)->vm_state, (*s)->task_state, (*s)->locked_by,
                       policy_is_admin(&req->auth), err) < 0)
        return -1;
    int rc = store_migration_get_by_instance_status(db, (*s)->uuid, MIGRATION_FINISHED, m);
    if (rc < 0)
        return cerr_internal(err, "migration lookup");
    if (rc == 0)
        return cerr_set(err, 400, "Instance has not been resized.");
    return 0;
}

static int settle_move(struct http_request *req, struct http_response *res, bool confirm,
                       struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    struct migration_row m = {0};
    const char *action = confirm ? "confirmResize" : "revertResize";
    int rc = -1;
    if (!db)
        return cerr_internal(err, "no database");
    if (api_server_load(req, db, req->params[0], &s, err) < 0)
        return -1;
    server_free(s);
    s = NULL;
    if (policy_check(&req->auth, POLICY_MEMBER, confirm ? "os_compute_api:servers:confirm_resize"
                                                        : "os_compute_api:servers:revert_resize",
                     err) < 0)
        return -1;
    if (db_begin(db) < 0)
        return cerr_internal(err, "resize transaction");
    if (finished_move(req, db, confirm ? OP_CONFIRM_RESIZE : OP_REVERT_RESIZE, &s, &m, err) < 0 ||
        store_action_start(db, s->uuid, action, req->request_id, req->auth.user_id,
                           req->auth.project_id, err) < 0)
        goto fail;
    if (confirm) {
        /* Nova leaves task_state alone: VERIFY_RESIZE while it runs. */
        if (migrate_confirm_enqueue(db, &m, req->request_id, err) < 0)
            goto fail;
    } else {
        json_t *args = json_pack("{s:I}", "migration_id", (json_int_t)m.id);
        bool ok = store_migration_set_status(db, m.id, MIGRATION_FINISHED, MIGRATION_REVERTING)
                      == 1 &&
                  store_server_set_state(db, s->uuid, "", NULL, "resize_reverting", POWER_KEEP,
                                         err) == 0 &&
                  task_enqueue(db, TASK_REVERT_RESIZE, s->uuid, m.dest_compute, args,
                               req->request_id, err) == 0;
        json_decref(args);
        if (!ok) {
            if (!err->message[0])
                cerr_internal(err, "revert start");
            goto fail;
        }
    }
    if (db_commit(db) < 0) {
        cerr_internal(err, "resize commit");
        goto fail;
    }
    worker_kick();
    http_empty(res, confirm ? 204 : 202);
    rc = 0;
    goto cleanup;
fail:
    db_rollback(db);
cleanup:
    migration_row_clear(&m);
    server_free(s);
    return rc;
}

/* Nova applies no schema to these: any value under the key is accepted. */
static int act_confirm(struct http_request *req, struct http_response *res, const json_t *args,
                       struct cerr *err)
{
    return settle_move(req, res, true, err);
}

static int act_revert(struct http_request *req, struct http_response *res, const json_t *args,
                      struct cerr *err)
{
    return settle_move(req, res, false, err);
}

const struct server_action server_actions_migrate[] = {
    { "migrate", act_migrate, 0, 0 },
    { "resize", act_resize, 0, 0 },
    { "confirmResize", act_confirm, 0, 0 },
    { "revertResize", act_revert, 0, 0 },
    { 0 }
};
