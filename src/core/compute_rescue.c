/* compute_rescue.c - what a compute host does with the rescue and
 * unrescue tasks (nova/compute/manager.py rescue_instance /
 * unrescue_instance): the driver call outside any transaction, then one
 * transaction that re-checks the row (a delete that overtook the task
 * wins), sets the end state, finishes the action event and the task.
 * A driver failure ends in ERROR with a fault, as Nova's
 * _error_out_instance_on_exception does, never in a task state. */
#include "core/agent.h"
#include "core/instance.h"
#include "core/task.h"
#include "store/action.h"
#include "store/server.h"
#include "util/clock.h"
#include "util/log.h"

#include <stdio.h>
#include <string.h>

#define EV_RESCUE   "compute_rescue_instance"
#define EV_UNRESCUE "compute_unrescue_instance"

/* One kind of task: names and end states. */
struct rescue_op {
    const char *task_state;      /* what the API set: rescuing / unrescuing */
    const char *event;
    const char *end_vm_state;    /* rescued / active */
};

static const struct rescue_op op_rescue = { "rescuing", EV_RESCUE, VM_RESCUED };
static const struct rescue_op op_unrescue = { "unrescuing", EV_UNRESCUE, VM_ACTIVE };

/* The driver succeeded. Nova sets power_state from the driver (running in
 * both cases: an unrescue ends ACTIVE even when the server was stopped
 * before the rescue) and, for a rescue, launched_at. */
static int op_succeeded(struct db *db, const struct task *t, const struct rescue_op *op,
                        struct cerr *err)
{
    struct server *s = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "rescue commit");
    int rc = agent_still_in(db, t->instance_uuid, op->task_state, &s, err);
    bool ok = rc >= 0;
    if (rc == 1) {
        ok = store_server_set_state(db, s->uuid, op->task_state, op->end_vm_state, "",
                                    POWER_RUNNING, err) == 0;
        if (ok && op == &op_rescue) {
            s->launched_at = clock_now_us();
            ok = store_server_update(db, s, err) == 0;
        }
        if (ok && t->request_id[0]) {
            store_action_event_finish(db, s->uuid, t->request_id, op->event, "Success", NULL);
            store_action_finish(db, s->uuid, t->request_id, NULL);
        }
    }
    ok = ok && store_task_finish(db, t->id) == 0;
    server_free(s);
    return agent_commit_or_fail(db, ok, err, "rescue commit");
}

static int op_failed(struct db *db, const struct task *t, const struct rescue_op *op,
                     const struct cerr *why, struct cerr *err)
{
    struct server *s = NULL;
    char msg[CERR_MSG_MAX + 128];
    /* rescue: InstanceNotRescuable(reason="Driver Error: ..."); unrescue:
     * the driver's own exception becomes the fault. */
    if (op == &op_rescue)
        snprintf(msg, sizeof(msg), "Instance %s cannot be rescued: Driver Error: %s",
                 t->instance_uuid, why->message);
    else
        snprintf(msg, sizeof(msg), "%s", why->message);
    if (db_begin(db) < 0)
        return cerr_internal(err, "rescue failure commit");
    int rc = agent_still_in(db, t->instance_uuid, op->task_state, &s, err);
    bool ok = rc >= 0;
    if (rc == 1) {
        ok = store_server_set_state(db, s->uuid, op->task_state, VM_ERROR, "", POWER_KEEP,
                                    err) == 0 &&
             store_server_fault_add(db, s->uuid, 500, msg, why->message, s->host) >= 0;
        if (ok && t->request_id[0]) {
            store_action_event_finish(db, s->uuid, t->request_id, op->event, "Error", msg);
            store_action_finish(db, s->uuid, t->request_id, "Error");
        }
    }
    ok = ok && store_task_finish(db, t->id) == 0;
    server_free(s);
    if (ok && rc == 1)
        log_warn("%s", msg);
    return agent_commit_or_fail(db, ok, err, "rescue failure commit");
}

/* Both tasks: the row must still be in the API's task_state (else a
 * delete or a reset took over and the task just ends). */
static int run_op(struct agent *a, const struct task *t, const struct rescue_op *op,
                  struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *md = NULL, *args = json_loads(t->args, 0, NULL);
    int rc = agent_load_server(db, t->instance_uuid, &s, err);
    if (rc <= 0 || strcmp(s->task_state, op->task_state) != 0) {
        rc = rc < 0 ? -1 : agent_finish_only(db, t, err);
        goto cleanup;
    }
    if (t->request_id[0])
        store_action_event_start(db, s->uuid, t->request_id, op->event, a->host);
    store_server_metadata(db, s->uuid, &md);
    struct virt_instance vi;
    agent_instance_of(s, md, &vi);
    struct cerr why = {0};
    int drc;
    if (op == &op_rescue) {
        struct virt_rescue r = {
            .image_ref = json_string_value(json_object_get(args, "image_ref")),
            .admin_password = json_string_value(json_object_get(args, "admin_password")),
            .rescue_device = json_string_value(json_object_get(args, "rescue_device")),
            .rescue_bus = json_string_value(json_object_get(args, "rescue_bus")),
        };
        drc = a->driver->rescue(a->vh, &vi, &r, &why);
    } else {
        drc = a->driver->unrescue(a->vh, &vi, &why);
    }
    rc = drc == 0 ? op_succeeded(db, t, op, err) : op_failed(db, t, op, &why, err);
cleanup:
    json_decref(md);
    json_decref(args);
    server_free(s);
    return rc;
}

static int do_rescue(struct agent *a, const struct task *t, struct cerr *err)
{
    return run_op(a, t, &op_rescue, err);
}

static int do_unrescue(struct agent *a, const struct task *t, struct cerr *err)
{
    return run_op(a, t, &op_unrescue, err);
}

const struct agent_handler compute_rescue_handlers[] = {
    { TASK_RESCUE, do_rescue },
    { TASK_UNRESCUE, do_unrescue },
    { 0 }
};
