/* server_actions_live.c - POST /servers/{id}/action {"os-migrateLive": ...}
 * (nova migrate_server.py _migrate_live, compute API live_migrate). The
 * body's schema changes at 2.25 (disk_over_commit gone, block_migration
 * "auto"), 2.30 (force) and 2.68 (force gone). Before 2.34 the conductor's
 * pre-checks run inside this request and their failures are 400s; from
 * 2.34 they run in the conductor and show only in the instance action. */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/compute/server_actions.h"
#include "api/validate.h"
#include "core/instance.h"
#include "core/live_migration.h"
#include "core/policy.h"
#include "core/task.h"
#include "core/worker.h"
#include "store/action.h"
#include "store/flavor.h"
#include "store/host.h"
#include "store/migration.h"
#include "store/migration_live.h"
#include "util/mem.h"

#include <string.h>

#define MV_NO_DISK_OVER_COMMIT MV(2, 25)   /* and block_migration "auto" */
#define MV_FORCE               MV(2, 30)
#define MV_ASYNC               MV(2, 34)
#define MV_NO_FORCE            MV(2, 68)

#define FIELD "os-migrateLive"

struct live_request_body {
    const char *host;    /* NULL = null */
    bool force;          /* 2.30-2.67 */
};

/* parameter_types.boolean, plus "auto" from 2.25 (migrate_live_v2_25). */
static int check_block_migration(const json_t *v, int mv, struct cerr *err)
{
    bool b;
    if (mv < MV_NO_DISK_OVER_COMMIT)
        return v_boolean(v, "block_migration", &b, err);
    if (json_is_string(v) && strcmp(json_string_value(v), "auto") == 0)
        return 0;
    if (json_is_boolean(v) || (json_is_string(v) && parse_boolish(json_string_value(v)) >= 0))
        return 0;
    char val[256];
    v_repr(v, val, sizeof(val));
    if (!json_is_string(v))
        return v_fail(err, "block_migration", v, "%s is not of type 'boolean', 'string'", val);
    return v_fail(err, "block_migration", v, "%s is not one of [True, 'True', 'TRUE', 'true', "
                  "'1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', "
                  "'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no', 'auto']", val);
}

/* host: parameter_types.fqdn with type ['string', 'null']. */
static int check_host(const json_t *v, struct cerr *err)
{
    if (json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        char val[256];
        v_repr(v, val, sizeof(val));
        return v_fail(err, "host", v, "%s is not of type 'string', 'null'", val);
    }
    return v_fqdn(v, "host", err);
}

/* The schema of this microversion, checked in jsonschema's order: the
 * properties present (schema order), then required, then
 * additionalProperties. */
static int validate(const json_t *args, int mv, struct live_request_body *out, struct cerr *err)
{
    static const char *const v2_1[] = {"block_migration", "disk_over_commit", "host", NULL};
    static const char *const v2_25[] = {"block_migration", "host", NULL};
    static const char *const v2_30[] = {"block_migration", "host", "force", NULL};
    const char *const *allowed = mv < MV_NO_DISK_OVER_COMMIT ? v2_1
                                 : mv >= MV_FORCE && mv < MV_NO_FORCE ? v2_30 : v2_25;
    if (!json_is_object(args))
        return v_object(args, FIELD, allowed, err);
    const json_t *x;
    bool b;
    if ((x = json_object_get(args, "block_migration")) && check_block_migration(x, mv, err) < 0)
        return -1;
    if (mv < MV_NO_DISK_OVER_COMMIT && (x = json_object_get(args, "disk_over_commit")) &&
        v_boolean(x, "disk_over_commit", &b, err) < 0)
        return -1;
    if ((x = json_object_get(args, "host")) && check_host(x, err) < 0)
        return -1;
    if (mv >= MV_FORCE && mv < MV_NO_FORCE && (x = json_object_get(args, "force")) &&
        v_boolean(x, "force", &out->force, err) < 0)
        return -1;
    for (int i = 0; allowed[i] && strcmp(allowed[i], "force") != 0; i++)
        if (v_required_in(args, FIELD, allowed[i], err) < 0)
            return -1;
    if (v_object(args, FIELD, allowed, err) < 0)
        return -1;
    out->host = json_string_value(json_object_get(args, "host"));
    return 0;
}

/* The migration record the conductor creates (status accepted). */
static int insert_migration(struct http_request *req, struct db *db, const struct server *s,
                            const struct live_target *t, int64_t *id, struct cerr *err)
{
    struct migration_row m = {0};
    struct flavor f;
    struct cerr no_flavor = {0};
    str_copy(m.instance_uuid, sizeof(m.instance_uuid), s->uuid);
    str_copy(m.status, sizeof(m.status), MIGRATION_ACCEPTED);
    str_copy(m.migration_type, sizeof(m.migration_type), MIGRATION_TYPE_LIVE);
    str_copy(m.source_compute, sizeof(m.source_compute), s->host);
    str_copy(m.source_node, sizeof(m.source_node), s->node[0] ? s->node : s->host);
    /* Only a forced destination is known before the scheduler ran. */
    if (t->force && t->host)
        str_copy(m.dest_compute, sizeof(m.dest_compute), t->host);
    if (store_flavor_get(db, s->flavorid, &f, &no_flavor) == 0)
        m.old_instance_type_id = m.new_instance_type_id = f.id;
    str_copy(m.old_flavorid, sizeof(m.old_flavorid), s->flavorid);
    str_copy(m.new_flavorid, sizeof(m.new_flavorid), s->flavorid);
    str_copy(m.user_id, sizeof(m.user_id), req->auth.user_id);
    str_copy(m.project_id, sizeof(m.project_id), req->auth.project_id);
    str_copy(m.old_vm_state, sizeof(m.old_vm_state), s->vm_state);
    m.memory_total = m.memory_processed = m.memory_remaining = -1;
    m.disk_total = m.disk_processed = m.disk_remaining = -1;
    int rc = store_migration_insert(db, &m, err);
    *id = m.id;
    migration_row_clear(&m);
    return rc;
}

/* From 2.34 the conductor does the rest after the 202. */
static int enqueue_conductor(struct http_request *req, struct db *db, const struct server *s,
                             int64_t migration_id, const struct live_target *t,
                             struct cerr *err)
{
    json_t *args = json_pack("{s:I, s:o, s:b}", "migration_id", (json_int_t)migration_id,
                             "host", t->host ? json_string(t->host) : json_null(), "force",
                             t->force);
    int rc = task_enqueue(db, TASK_LIVE_MIGRATE, s->uuid, NULL, args, req->request_id, err);
    json_decref(args);
    return rc;
}

/* One transaction: guard (lock, then vm_state/task_state), the requested
 * host's existence (ComputeHostNotFound is a 400 at every version),
 * task_state migrating, the action, the migration, then the conductor's
 * work: queued (2.34+) or run here. A pre-check failure here is committed
 * (the action and the failed migration stay, as in Nova) and answered 400. */
static int migrate_live_txn(struct http_request *req, struct db *db,
                            const struct live_target *t, char dest[HOST_NAME_LEN],
                            struct cerr *err)
{
    struct server *s = NULL;
    struct host_row h;
    struct cerr why = {0};
    int64_t migration_id = 0;
    bool refused = false;
    if (db_begin(db) < 0)
        return cerr_internal(err, "live migration transaction");
    int rc = api_server_load(req, db, req->params[0], &s, err);
    if (rc == 0)
        rc = instance_check(OP_LIVE_MIGRATE, s->uuid, s->vm_state, s->task_state, s->locked_by,
                            policy_is_admin(&req->auth), err);
    if (rc == 0 && t->host && store_host_get(db, t->host, &h, err) < 0)
        rc = err->status == 404 ? cerr_set(err, 400, "Compute host %s could not be found.",
                                           t->host)
                                : -1;
    if (rc == 0)
        rc = store_server_set_state(db, s->uuid, "", NULL, "migrating", POWER_KEEP, err);
    if (rc == 0)
        rc = store_action_start(db, s->uuid, LIVE_ACTION, req->request_id, req->auth.user_id,
                                req->auth.project_id, err);
    if (rc == 0)
        rc = insert_migration(req, db, s, t, &migration_id, err);
    if (rc == 0 && req->mv >= MV_ASYNC) {
        rc = enqueue_conductor(req, db, s, migration_id, t, err);
    } else if (rc == 0) {
        str_copy(s->task_state, sizeof(s->task_state), "migrating");
        int done = live_migration_schedule(db, s, migration_id, t, req->request_id, dest, &why,
                                           err);
        rc = done < 0 ? -1 : 0;
        refused = done == 1;
    }
    if (rc == 0 && db_commit(db) < 0)
        rc = cerr_internal(err, "live migration commit");
    if (rc < 0)
        db_rollback(db);
    server_free(s);
    if (rc == 0 && refused) {
        dest[0] = '\0';
        return cerr_set(err, 400, "%s", why.message);
    }
    return rc;
}

static int migrate_live(struct http_request *req, struct http_response *res, const json_t *args,
                        struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    struct live_request_body body = {0};
    char dest[HOST_NAME_LEN] = "";
    if (!db)
        return cerr_internal(err, "no database");
    if (validate(args, req->mv, &body, err) < 0 ||
        api_server_load(req, db, req->params[0], &s, err) < 0)
        return -1;
    server_free(s);
    /* Naming the destination needs the admin rule (migrate_live:host). */
    if (policy_check(&req->auth, body.host ? POLICY_ADMIN : POLICY_MANAGER,
                     body.host ? "os_compute_api:os-migrate-server:migrate_live:host"
                               : "os_compute_api:os-migrate-server:migrate_live",
                     err) < 0)
        return -1;
    if (body.force && !body.host)
        return cerr_set(err, 400, "Can't force to a non-provided destination");
    /* Before 2.30 a named host is always forced (force None); from 2.30
     * only with force=true, else the scheduler checks it as the
     * requested_destination; 2.68 removed force. */
    bool forced = req->mv < MV_FORCE || (req->mv < MV_NO_FORCE && body.force);
    struct live_target t = { body.host, body.host && forced };
    if (migrate_live_txn(req, db, &t, dest, err) < 0)
        return -1;
    worker_kick();
    http_empty(res, 202);
    return 0;
}

const struct server_action server_actions_live[] = {
    { "os-migrateLive", migrate_live, 0, 0 },
    { 0 }
};
