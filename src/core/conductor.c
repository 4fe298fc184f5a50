/* conductor.c - the host-less tasks (Nova's nova-conductor and scheduler):
 * BUILD picks a host, claims its resources and hands the server to that
 * host's agent as SPAWN, all in one transaction; DELETE of a server that
 * never reached a host is finished here. */
#include "core/agent.h"
#include "core/instance.h"
#include "core/network.h"
#include "core/scheduler.h"
#include "core/task.h"
#include "store/action.h"
#include "store/server.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nova's conductor records an event on the create action only when it
 * buries a server it could not schedule (_create_instance_action_for_cell0:
 * "conductor_schedule_and_build_instances", host = the conductor's host,
 * finished with the failure); a scheduled build shows the compute's event
 * alone. */
static void event_failed(struct db *db, const struct task *t, const char *conductor_host,
                         const char *traceback)
{
    if (!t->request_id[0])
        return;
    store_action_event_start(db, t->instance_uuid, t->request_id, EV_SCHEDULE, conductor_host);
    store_action_event_finish(db, t->instance_uuid, t->request_id, EV_SCHEDULE, "Error",
                              traceback);
    store_action_finish(db, t->instance_uuid, t->request_id, "Error");
}

/* NoValidHost: error with the fault Nova shows (code 500); the addresses
 * the API allocated go back, as Nova never allocates ports then. */
static bool no_valid_host(struct db *db, const struct task *t, const char *conductor_host,
                          const char *why, struct cerr *err)
{
    bool ok = store_server_set_state(db, t->instance_uuid, "scheduling", VM_ERROR, "",
                                     POWER_KEEP, err) == 0 &&
              store_server_fault_add(db, t->instance_uuid, 500, NO_VALID_HOST, why, NULL) >= 0 &&
              network_release(db, t->instance_uuid) >= 0;
    if (ok) {
        event_failed(db, t, conductor_host, why);
        log_info("server %s: %s (%s)", t->instance_uuid, NO_VALID_HOST, why);
    }
    return ok;
}

/* The server goes to the chosen host: host/node/zone, task spawning, and
 * the host's SPAWN task carrying the same arguments. */
static bool hand_to_host(struct db *db, const struct task *t, struct server *s,
                         const struct sched_result *res, const json_t *args, struct cerr *err)
{
    str_copy(s->host, sizeof(s->host), res->host);
    str_copy(s->node, sizeof(s->node), res->host);
    /* Nova records the chosen host's zone when none was requested, and
     * replaces the "az:host" forced form with the plain zone. */
    str_copy(s->availability_zone, sizeof(s->availability_zone), res->zone);
    bool ok = store_server_set_state(db, s->uuid, "scheduling", NULL, "spawning", POWER_KEEP,
                                     err) == 0 &&
              store_server_update(db, s, err) == 0 &&
              task_enqueue(db, TASK_SPAWN, s->uuid, res->host, args, t->request_id, err) == 0;
    return ok;
}

/* 1 handed on (to_host filled) or failed for good (to_host ""), 0 the
 * server moved on, -1 store error. */
static int schedule(struct db *db, const struct agent *a, const struct task *t,
                    const json_t *args, char to_host[HOST_NAME_LEN], struct cerr *err)
{
    struct server *s = NULL;
    int rc = agent_load_server(db, t->instance_uuid, &s, err);
    if (rc == 1 && strcmp(s->task_state, "scheduling") != 0)
        rc = 0;   /* deleted or reset while queued */
    if (rc <= 0)
        goto cleanup;
    struct sched_request req;
    struct sched_result res;
    struct cerr why = {0};
    scheduler_request_for(s, args, &req);
    int picked = scheduler_select(db, &req, &res, &why);
    if (picked < 0) {
        *err = why;
        rc = -1;
    } else if (picked == 1) {
        rc = no_valid_host(db, t, a->cfg->host, res.why, err) ? 1 : -1;
    } else {
        rc = hand_to_host(db, t, s, &res, args, err) ? 1 : -1;
        if (rc == 1) {
            str_copy(to_host, HOST_NAME_LEN, res.host);
            log_debug("server %s scheduled to %s", s->uuid, res.host);
        }
    }
cleanup:
    server_free(s);
    return rc;
}

static int do_build(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    json_t *args = json_loads(t->args, 0, NULL);
    int rc = -1;
    if (db_begin(db) < 0) {
        cerr_internal(err, "build transaction");
        goto cleanup;
    }
    char to_host[HOST_NAME_LEN] = "";
    int done = schedule(db, a, t, args, to_host, err);
    if (done < 0 || store_task_finish(db, t->id) < 0 || db_commit(db) < 0) {
        db_rollback(db);
        if (!err->message[0])
            cerr_internal(err, "build commit");
        goto cleanup;
    }
    if (to_host[0])
        worker_kick_queue(to_host);
    rc = 0;
cleanup:
    json_decref(args);
    return rc;
}

/* DELETE on the conductor: the server had no host when the API looked. If
 * it got one since (a build won the race), the delete follows it there. */
static int do_delete(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "delete transaction");
    int rc = agent_load_server(db, t->instance_uuid, &s, err);
    bool ok = rc >= 0;
    char moved_to[HOST_NAME_LEN] = "";
    if (rc == 1 && s->host[0]) {
        str_copy(moved_to, sizeof(moved_to), s->host);
        ok = task_enqueue(db, TASK_DELETE, s->uuid, s->host, NULL, t->request_id, err) == 0;
    } else if (rc == 1) {
        ok = network_release(db, s->uuid) >= 0 && store_server_mark_deleted(db, s->uuid, err) == 0;
        if (ok && t->request_id[0])
            store_action_finish(db, s->uuid, t->request_id, NULL);
    }
    server_free(s);
    if (!ok || store_task_finish(db, t->id) < 0 || db_commit(db) < 0) {
        db_rollback(db);
        if (!err->message[0])
            cerr_internal(err, "delete commit");
        return -1;
    }
    if (moved_to[0])
        worker_kick_queue(moved_to);
    return 0;
}

int conductor_run(struct agent *a, const struct task *t, struct cerr *err)
{
    if (!store_db())
        return cerr_internal(err, "no database connection");
    if (strcmp(t->kind, TASK_BUILD) == 0)
        return do_build(a, t, err);
    if (strcmp(t->kind, TASK_DELETE) == 0)
        return do_delete(a, t, err);
    for (const struct agent_handler *h = conductor_migrate_handlers; h->kind; h++)
        if (strcmp(h->kind, t->kind) == 0)
            return h->run(a, t, err);
    for (const struct agent_handler *h = conductor_live_handlers; h->kind; h++)
        if (strcmp(h->kind, t->kind) == 0)
            return h->run(a, t, err);
    char msg[160];
    snprintf(msg, sizeof(msg), "the conductor has no handler for task kind %s", t->kind);
    return worker_task_give_up(store_db(), t, msg) == 0 ? 0 : cerr_internal(err, msg);
}
