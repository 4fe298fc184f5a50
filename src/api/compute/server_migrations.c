/* server_migrations.c - /servers/{id}/migrations (nova
 * server_migrations.py, nova-api-ref server-migrations.inc): the
 * in-progress live migrations of a server (2.23+), force_complete (2.22+)
 * and abort (2.24+; queued and preparing ones too from 2.65). Views gain
 * uuid at 2.59 and user_id/project_id at 2.80.
 *
 * force_complete and abort are recorded as the instance actions Nova
 * records (live_migration_force_complete, live_migration_cancel); the
 * source agent, busy copying memory, finds them from its progress
 * callback and finishes them when the migration settles. */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/validate.h"
#include "core/instance.h"
#include "core/policy.h"
#include "core/worker.h"
#include "store/action.h"
#include "store/migration.h"
#include "store/migration_live.h"
#include "util/clock.h"
#include "util/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MV_FORCE_COMPLETE MV(2, 22)
#define MV_LIST           MV(2, 23)
#define MV_ABORT          MV(2, 24)
#define MV_UUID           MV(2, 59)
#define MV_ABORT_QUEUED   MV(2, 65)
#define MV_USER_PROJECT   MV(2, 80)

#define POLICY_ROOT "os_compute_api:servers:migrations:"

/* Nova's migration_get_in_progress_by_instance list. */
static bool in_progress(const char *status)
{
    return strcmp(status, MIGRATION_QUEUED) == 0 || strcmp(status, MIGRATION_PREPARING) == 0 ||
           strcmp(status, MIGRATION_RUNNING) == 0 ||
           strcmp(status, MIGRATION_POST_MIGRATING) == 0;
}

static json_t *text_or_null(const char *s, bool shown)
{
    return shown && s[0] ? json_string(s) : json_null();
}

static json_t *bytes_or_null(int64_t v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

static json_t *time_or_null(int64_t us)
{
    char t[CLOCK_TEXT_MAX];
    if (!us)
        return json_null();
    clock_iso_usec(us, t);
    return json_string(t);
}

/* server_migrations.output(): host fields only for callers the
 * index:host rule allows (admin), null otherwise. */
static json_t *migration_view(const struct migration_row *m, int mv, bool hosts)
{
    json_t *o = json_object();
    json_object_set_new(o, "created_at", time_or_null(m->created_at));
    json_object_set_new(o, "dest_compute", text_or_null(m->dest_compute, hosts));
    json_object_set_new(o, "dest_host", text_or_null(m->dest_host, hosts));
    json_object_set_new(o, "dest_node", text_or_null(m->dest_node, hosts));
    json_object_set_new(o, "disk_processed_bytes", bytes_or_null(m->disk_processed));
    json_object_set_new(o, "disk_remaining_bytes", bytes_or_null(m->disk_remaining));
    json_object_set_new(o, "disk_total_bytes", bytes_or_null(m->disk_total));
    json_object_set_new(o, "id", json_integer(m->id));
    json_object_set_new(o, "memory_processed_bytes", bytes_or_null(m->memory_processed));
    json_object_set_new(o, "memory_remaining_bytes", bytes_or_null(m->memory_remaining));
    json_object_set_new(o, "memory_total_bytes", bytes_or_null(m->memory_total));
    json_object_set_new(o, "server_uuid", json_string(m->instance_uuid));
    json_object_set_new(o, "source_compute", text_or_null(m->source_compute, hosts));
    json_object_set_new(o, "source_node", text_or_null(m->source_node, hosts));
    json_object_set_new(o, "status", json_string(m->status));
    json_object_set_new(o, "updated_at", time_or_null(m->updated_at));
    if (mv >= MV_UUID)
        json_object_set_new(o, "uuid", json_string(m->uuid));
    if (mv >= MV_USER_PROJECT) {
        json_object_set_new(o, "user_id", text_or_null(m->user_id, true));
        json_object_set_new(o, "project_id", text_or_null(m->project_id, true));
    }
    return o;
}

/* get_instance (404) then context.can (403), as every handler here starts. */
static int load_and_authorize(struct http_request *req, struct db *db, enum policy_rule rule,
                              const char *policy, struct cerr *err)
{
    struct server *s = NULL;
    if (!db)
        return cerr_internal(err, "no database");
    if (api_server_load(req, db, req->params[0], &s, err) < 0)
        return -1;
    server_free(s);
    return policy_check(&req->auth, rule, policy, err);
}

/* Migration.get_by_id_and_instance: 1 found, 0 not this server's (or
 * not a number), -1 store error. */
static int migration_of_server(struct db *db, const char *id_text, const char *server_uuid,
                               struct migration_row *out, struct cerr *err)
{
    char *end;
    errno = 0;
    long long id = strtoll(id_text, &end, 10);
    if (errno || end == id_text || *end || id <= 0)
        return 0;
    struct cerr lookup = {0};
    if (store_migration_get(db, id, out, &lookup) < 0) {
        if (lookup.status == 404)
            return 0;
        *err = lookup;
        return -1;
    }
    if (strcmp(out->instance_uuid, server_uuid) != 0) {
        migration_row_clear(out);
        return 0;
    }
    return 1;
}

static int migrations_index(struct http_request *req, struct http_response *res,
                            struct cerr *err)
{
    struct db *db = store_db();
    struct migration_row *rows = NULL;
    int n = 0;
    if (load_and_authorize(req, db, POLICY_MANAGER, POLICY_ROOT "index", err) < 0)
        return -1;
    bool hosts = policy_is_admin(&req->auth);
    struct migration_query q = {
        .instance_uuid = req->params[0], .migration_type = MIGRATION_TYPE_LIVE,
        .in_progress_only = true, .include_hidden = true,
    };
    if (store_migration_list(db, &q, &rows, &n, err) < 0)
        return -1;
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        if (in_progress(rows[i].status))
            json_array_append_new(list, migration_view(&rows[i], req->mv, hosts));
    migration_list_free(rows, n);
    http_json(res, 200, json_pack("{s:o}", "migrations", list));
    return 0;
}

static int migrations_show(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    struct db *db = store_db();
    struct migration_row m;
    const char *uuid = req->params[0], *id = req->params[1];
    if (load_and_authorize(req, db, POLICY_ADMIN, POLICY_ROOT "show", err) < 0)
        return -1;
    int found = migration_of_server(db, id, uuid, &m, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return cerr_set(err, 404, "In-progress live migration %s is not found for server %s.",
                        id, uuid);
    int rc = 0;
    if (strcmp(m.migration_type, MIGRATION_TYPE_LIVE) != 0)
        rc = cerr_set(err, 404, "Migration %s for server %s is not live-migration.", id, uuid);
    else if (!in_progress(m.status))
        rc = cerr_set(err, 404, "Live migration %s for server %s is not in progress.", id, uuid);
    else
        http_json(res, 200, json_pack("{s:o}", "migration", migration_view(&m, req->mv, true)));
    migration_row_clear(&m);
    return rc;
}

/* What force_complete and abort check, in the compute API's order. */
struct request_kind {
    const char *op;                 /* the name in Nova's 409 state message */
    const char *method;             /* ...and in InvalidMigrationState */
    const char *action;             /* instance action recorded */
    bool vm_state_checked;          /* force_complete: active or paused */
    int not_found_status;           /* MigrationNotFoundForInstance: 400 / 404 */
};

static const struct request_kind FORCE = {
    "force_complete", "force complete", LIVE_ACTION_FORCE, true, 400,
};
static const struct request_kind ABORT = {
    "abort live migration", "abort live migration", LIVE_ACTION_CANCEL, false, 404,
};

static int check_server(const struct http_request *req, const struct request_kind *k,
                        const struct server *s, struct cerr *err)
{
    if (s->locked_by[0] && !policy_is_admin(&req->auth))
        return cerr_set(err, 409, "Instance %s is locked", s->uuid);
    if (k->vm_state_checked && strcmp(s->vm_state, VM_ACTIVE) != 0 &&
        strcmp(s->vm_state, VM_PAUSED) != 0)
        return cerr_set(err, 409, "Cannot '%s' instance %s while it is in vm_state %s", k->op,
                        s->uuid, s->vm_state);
    if (strcmp(s->task_state, "migrating") != 0)
        return cerr_set(err, 409, "Cannot '%s' instance %s while it is in task_state %s", k->op,
                        s->uuid, s->task_state[0] ? s->task_state : "None");
    return 0;
}

/* 2.24-2.64 abort only running migrations; 2.65 adds queued and
 * preparing. force_complete needs running. */
static bool status_allowed(const struct http_request *req, const struct request_kind *k,
                           const char *status)
{
    if (strcmp(status, MIGRATION_RUNNING) == 0)
        return true;
    return k == &ABORT && req->mv >= MV_ABORT_QUEUED &&
           (strcmp(status, MIGRATION_QUEUED) == 0 || strcmp(status, MIGRATION_PREPARING) == 0);
}

static int request_txn(struct http_request *req, struct db *db, const struct request_kind *k,
                       struct cerr *err)
{
    struct server *s = NULL;
    struct migration_row m = {0};
    const char *id = req->params[1];
    int found = 0;
    if (db_begin(db) < 0)
        return cerr_internal(err, "migration request transaction");
    int rc = api_server_load(req, db, req->params[0], &s, err);
    if (rc == 0)
        rc = check_server(req, k, s, err);
    if (rc == 0) {
        found = migration_of_server(db, id, s->uuid, &m, err);
        if (found == 0)
            rc = cerr_set(err, k->not_found_status, "Migration %s not found for instance %s", id,
                          s->uuid);
        else if (found < 0)
            rc = -1;
    }
    if (rc == 0 && !status_allowed(req, k, m.status))
        rc = cerr_set(err, 400, "Migration %s state of instance %s is %s. Cannot %s while the "
                      "migration is in this state.", id, s->uuid, m.status, k->method);
    if (rc == 0)
        rc = store_action_start(db, s->uuid, k->action, req->request_id, req->auth.user_id,
                                req->auth.project_id, err);
    if (rc == 0 && db_commit(db) < 0)
        rc = cerr_internal(err, "migration request commit");
    if (rc < 0)
        db_rollback(db);
    if (found == 1)
        migration_row_clear(&m);
    server_free(s);
    return rc;
}

/* POST .../migrations/{id}/action: the body's single key names the
 * action, as for server actions; force_complete is the only one, its
 * value must be null. */
static int migrations_action(struct http_request *req, struct http_response *res,
                             struct cerr *err)
{
    const json_t *body = req->json;
    if (!json_is_object(body) || json_object_size(body) != 1)
        return cerr_set(err, 400, "Malformed request body");
    const char *name = json_object_iter_key(json_object_iter((json_t *)body));
    if (strcmp(name, "force_complete") != 0)
        return cerr_set(err, 400, "There is no such action: %s", name);
    const json_t *v = json_object_get(body, name);
    if (!json_is_null(v)) {
        char val[256];
        v_repr(v, val, sizeof(val));
        return v_fail(err, "force_complete", v, "%s is not of type 'null'", val);
    }
    struct db *db = store_db();
    if (load_and_authorize(req, db, POLICY_MANAGER, POLICY_ROOT "force_complete", err) < 0 ||
        request_txn(req, db, &FORCE, err) < 0)
        return -1;
    worker_kick();
    http_empty(res, 202);
    return 0;
}

static int migrations_delete(struct http_request *req, struct http_response *res,
                             struct cerr *err)
{
    struct db *db = store_db();
    if (load_and_authorize(req, db, POLICY_MANAGER, POLICY_ROOT "delete", err) < 0 ||
        request_txn(req, db, &ABORT, err) < 0)
        return -1;
    worker_kick();
    http_empty(res, 202);
    return 0;
}

const struct route api_server_migrations_routes[] = {
    { "GET", "/servers/{id}/migrations", migrations_index, 0, MV_LIST, 0 },
    { "GET", "/servers/{id}/migrations/{mid}", migrations_show, 0, MV_LIST, 0 },
    { "DELETE", "/servers/{id}/migrations/{mid}", migrations_delete, 0, MV_ABORT, 0 },
    { "POST", "/servers/{id}/migrations/{mid}/action", migrations_action, ROUTE_JSON,
      MV_FORCE_COMPLETE, 0 },
    { 0 }
};
