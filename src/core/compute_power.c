/* compute_power.c - what a compute host agent does for the power and admin
 * server actions: start, stop, reboot, pause, unpause, suspend, resume
 * (nova/compute/manager.py *_instance), injectNetworkInfo and
 * resetNetwork. Like compute.c: the driver call outside any transaction,
 * then one transaction that re-checks the row (a delete or a hard reboot
 * may have overtaken the operation), sets the final state and finishes the
 * action event and the task. A driver failure clears the task_state
 * (reverts_task_state), records a fault (wrap_instance_fault) and finishes
 * the event and the action with Error. Snapshots live in
 * compute_snapshot.c, the synchronous calls in compute_call.c. */
#include "core/compute_power.h"
#include "core/instance.h"
#include "core/network.h"
#include "store/action.h"
#include "store/server.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nova's CONF.shutdown_timeout: how long a clean shutdown may take. */
#define SHUTDOWN_TIMEOUT_S 60

static bool in_list(const char *const *list, const char *v)
{
    for (; list && *list; list++)
        if (strcmp(*list, v) == 0)
            return true;
    return false;
}

/* The server moved on before the task ran (deleted, or a hard reboot took
 * over): Nova's instance.save(expected_task_state=...) fails with
 * UnexpectedTaskStateError, so the action ends in Error and nothing else
 * changes. */
static int abandon(struct db *db, const struct task *t, const char *event, struct cerr *err)
{
    if (db_begin(db) < 0)
        return cerr_internal(err, "task finish");
    bool ok = store_task_finish(db, t->id) == 0;
    if (ok && t->request_id[0]) {
        if (event)
            store_action_event_finish(db, t->instance_uuid, t->request_id, event, "Error",
                                      "UnexpectedTaskStateError: the server's task state "
                                      "changed while the operation was queued");
        store_action_finish(db, t->instance_uuid, t->request_id, "Error");
    }
    return agent_commit_or_fail(db, ok, err, "task finish");
}

int compute_task_server(const struct task *t, const char *expect_task, struct server **s,
                        json_t **md, struct virt_instance *vi, struct cerr *err)
{
    struct db *db = store_db();
    *s = NULL;
    *md = NULL;
    int rc = agent_load_server(db, t->instance_uuid, s, err);
    if (rc == 1 && expect_task && strcmp((*s)->task_state, expect_task) != 0)
        rc = 0;
    if (rc <= 0) {
        server_free(*s);
        *s = NULL;
        if (rc == 0 && abandon(db, t, NULL, err) < 0)
            return -1;
        return rc;
    }
    store_server_metadata(db, (*s)->uuid, md);
    agent_instance_of(*s, *md, vi);
    return 1;
}

int compute_power_of(struct agent *a, const struct virt_instance *vi, int fallback)
{
    struct virt_info info;
    struct cerr ignored = {0};
    if (a->driver->get_info && a->driver->get_info(a->vh, vi, &info, &ignored) == 0)
        return info.power_state;
    return fallback;
}

/* The end of a successful operation: vm_state, no task, power state. */
static int op_succeeded(struct db *db, const struct task *t, const char *expect_task,
                        const char *event, const char *vm_state, int power, const char *warning,
                        struct cerr *err)
{
    struct server *s = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "operation commit");
    int rc = agent_still_in(db, t->instance_uuid, expect_task, &s, err);
    bool ok = rc >= 0;
    if (rc == 1) {
        ok = store_server_set_state(db, s->uuid, expect_task, vm_state, "", power, err) == 0;
        /* A reboot that failed while the guest kept running: Nova records
         * the fault but lets the reboot end normally. */
        if (ok && warning)
            ok = store_server_fault_add(db, s->uuid, 500, warning, warning, s->host) >= 0;
        if (ok && t->request_id[0]) {
            store_action_event_finish(db, s->uuid, t->request_id, event, "Success", NULL);
            store_action_finish(db, s->uuid, t->request_id, NULL);
        }
    } else if (rc == 0 && t->request_id[0]) {
        store_action_event_finish(db, t->instance_uuid, t->request_id, event, "Error",
                                  "UnexpectedTaskStateError: the server's task state changed "
                                  "during the operation");
        store_action_finish(db, t->instance_uuid, t->request_id, "Error");
    }
    ok = ok && store_task_finish(db, t->id) == 0;
    server_free(s);
    return agent_commit_or_fail(db, ok, err, "operation commit");
}

/* reverts_task_state + wrap_instance_fault: task cleared, vm_state as
 * given (NULL = unchanged), a fault, the event and action in Error. */
static int op_failed(struct db *db, const struct task *t, const char *expect_task,
                     const char *event, const char *vm_state, int power, const struct cerr *why,
                     struct cerr *err)
{
    struct server *s = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "operation failure commit");
    int rc = agent_still_in(db, t->instance_uuid, expect_task, &s, err);
    bool ok = rc >= 0;
    if (rc == 1) {
        int code = why->status >= 400 && why->status < 600 ? why->status : 500;
        ok = store_server_set_state(db, s->uuid, expect_task, vm_state, "", power, err) == 0 &&
             store_server_fault_add(db, s->uuid, code, why->message, why->message, s->host) >= 0;
        if (ok && t->request_id[0]) {
            store_action_event_finish(db, s->uuid, t->request_id, event, "Error", why->message);
            store_action_finish(db, s->uuid, t->request_id, "Error");
        }
    }
    ok = ok && store_task_finish(db, t->id) == 0;
    if (ok && rc == 1)
        log_warn("%s of server %s failed: %s", t->kind, t->instance_uuid, why->message);
    server_free(s);
    return agent_commit_or_fail(db, ok, err, "operation failure commit");
}

/* --- start, stop, pause, unpause, suspend, resume --- */

typedef int (*power_call)(struct agent *a, const struct virt_instance *vi, struct cerr *why);

struct power_op {
    const char *kind;
    const char *event;
    const char *task_state;       /* what the API set */
    const char *vm_done;          /* vm_state once done */
    int power_done;               /* power state when the driver cannot tell */
    power_call call;
};

static int call_power_on(struct agent *a, const struct virt_instance *vi, struct cerr *why)
{
    return a->driver->power_on(a->vh, vi, why);
}

static int call_power_off(struct agent *a, const struct virt_instance *vi, struct cerr *why)
{
    return a->driver->power_off(a->vh, vi, SHUTDOWN_TIMEOUT_S, why);
}

static int call_pause(struct agent *a, const struct virt_instance *vi, struct cerr *why)
{
    return a->driver->pause(a->vh, vi, why);
}

static int call_unpause(struct agent *a, const struct virt_instance *vi, struct cerr *why)
{
    return a->driver->unpause(a->vh, vi, why);
}

static int call_suspend(struct agent *a, const struct virt_instance *vi, struct cerr *why)
{
    return a->driver->suspend(a->vh, vi, why);
}

static int call_resume(struct agent *a, const struct virt_instance *vi, struct cerr *why)
{
    return a->driver->resume(a->vh, vi, why);
}

static const struct power_op power_ops[] = {
    {TASK_POWER_ON, EV_START, "powering-on", VM_ACTIVE, POWER_RUNNING, call_power_on},
    {TASK_POWER_OFF, EV_STOP, "powering-off", VM_STOPPED, POWER_SHUTDOWN, call_power_off},
    {TASK_PAUSE, EV_PAUSE, "pausing", VM_PAUSED, POWER_PAUSED, call_pause},
    {TASK_UNPAUSE, EV_UNPAUSE, "unpausing", VM_ACTIVE, POWER_RUNNING, call_unpause},
    {TASK_SUSPEND, EV_SUSPEND, "suspending", VM_SUSPENDED, POWER_SUSPENDED, call_suspend},
    {TASK_RESUME, EV_RESUME, "resuming", VM_ACTIVE, POWER_RUNNING, call_resume},
};

static int do_power(struct agent *a, const struct task *t, struct cerr *err)
{
    const struct power_op *op = NULL;
    for (size_t i = 0; i < sizeof(power_ops) / sizeof(power_ops[0]); i++)
        if (strcmp(power_ops[i].kind, t->kind) == 0)
            op = &power_ops[i];
    if (!op)
        return cerr_internal(err, "unknown power task");
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *md = NULL;
    struct virt_instance vi;
    int rc = compute_task_server(t, op->task_state, &s, &md, &vi, err);
    if (rc <= 0)
        goto cleanup;
    if (t->request_id[0])
        store_action_event_start(db, s->uuid, t->request_id, op->event, a->host);
    struct cerr why = {0};
    if (op->call(a, &vi, &why) == 0)
        rc = op_succeeded(db, t, op->task_state, op->event, op->vm_done,
                          compute_power_of(a, &vi, op->power_done), NULL, err);
    else
        rc = op_failed(db, t, op->task_state, op->event, NULL, POWER_KEEP, &why, err);
cleanup:
    json_decref(md);
    server_free(s);
    return rc;
}

/* --- reboot --- */

/* manager.reboot_instance: rebooting(_hard) -> reboot_pending(_hard) ->
 * reboot_started(_hard) -> driver -> active with no task. A re-run after
 * a crash finds one of the later states. */
static const char *const soft_states[] = {"rebooting", "reboot_pending", "reboot_started", NULL};
static const char *const hard_states[] = {"rebooting_hard", "reboot_pending_hard",
                                          "reboot_started_hard", NULL};

static int reboot_advance(struct db *db, const struct server *s, const char *const *states,
                          struct cerr *err)
{
    if (strcmp(s->task_state, states[2]) == 0)
        return 0;
    if (strcmp(s->task_state, states[0]) == 0 &&
        store_server_set_state(db, s->uuid, states[0], NULL, states[1], POWER_KEEP, err) < 0)
        return -1;
    return store_server_set_state(db, s->uuid, states[1], NULL, states[2], POWER_KEEP, err);
}

static int reboot_failed(struct agent *a, const struct task *t, const struct virt_instance *vi,
                         const char *started, const struct cerr *why, struct cerr *err)
{
    struct db *db = store_db();
    int power = compute_power_of(a, vi, POWER_NOSTATE);
    /* Nova: a reboot that failed while the guest still runs is no error
     * (a fault is recorded); otherwise the server goes to ERROR. */
    if (power == POWER_RUNNING) {
        char msg[CERR_MSG_MAX];
        snprintf(msg, sizeof(msg), "%s", why->message);
        return op_succeeded(db, t, started, EV_REBOOT, VM_ACTIVE, power, msg, err);
    }
    return op_failed(db, t, started, EV_REBOOT, VM_ERROR, power, why, err);
}

static int do_reboot(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *md = NULL, *args = json_loads(t->args, 0, NULL);
    const char *type = json_string_value(json_object_get(args, "reboot_type"));
    bool hard = type && strcmp(type, "HARD") == 0;
    const char *const *states = hard ? hard_states : soft_states;
    struct virt_instance vi;
    int rc = compute_task_server(t, NULL, &s, &md, &vi, err);
    if (rc <= 0)
        goto cleanup;
    struct cerr lost = {0};
    if (!in_list(states, s->task_state) || reboot_advance(db, s, states, &lost) < 0) {
        rc = lost.status && lost.status != 409 ? cerr_internal(err, "reboot state")
                                               : abandon(db, t, NULL, err);
        goto cleanup;
    }
    if (t->request_id[0])
        store_action_event_start(db, s->uuid, t->request_id, EV_REBOOT, a->host);
    struct cerr why = {0};
    if (a->driver->reboot(a->vh, &vi, hard, &why) == 0)
        rc = op_succeeded(db, t, states[2], EV_REBOOT, VM_ACTIVE,
                          compute_power_of(a, &vi, POWER_RUNNING), NULL, err);
    else
        rc = reboot_failed(a, t, &vi, states[2], &why, err);
cleanup:
    json_decref(args);
    json_decref(md);
    server_free(s);
    return rc;
}

/* --- injectNetworkInfo, resetNetwork --- */

/* No task_state and no instance action (Nova casts these without either);
 * a driver failure leaves only a fault (wrap_instance_fault). */
static int network_done(struct db *db, const struct task *t, const struct server *s,
                        const struct cerr *why, struct cerr *err)
{
    if (db_begin(db) < 0)
        return cerr_internal(err, "network task commit");
    bool ok = store_task_finish(db, t->id) == 0;
    if (ok && why) {
        int code = why->status >= 400 && why->status < 600 ? why->status : 500;
        ok = store_server_fault_add(db, s->uuid, code, why->message, why->message, s->host) >= 0;
    }
    if (ok && why)
        log_warn("%s of server %s failed: %s", t->kind, s->uuid, why->message);
    return agent_commit_or_fail(db, ok, err, "network task commit");
}

static int do_network(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *md = NULL, *net = NULL;
    struct virt_instance vi;
    int rc = compute_task_server(t, NULL, &s, &md, &vi, err);
    if (rc <= 0)
        goto cleanup;
    struct cerr why = {0};
    int drc;
    if (strcmp(t->kind, TASK_INJECT_NETWORK) == 0) {
        net = network_addresses(db, s->uuid, true);
        drc = a->driver->inject_network_info(a->vh, &vi, net, &why);
    } else {
        drc = a->driver->reset_network(a->vh, &vi, &why);
    }
    rc = network_done(db, t, s, drc == 0 ? NULL : &why, err);
cleanup:
    json_decref(net);
    json_decref(md);
    server_free(s);
    return rc;
}

const struct agent_handler compute_power_handlers[] = {
    {TASK_POWER_ON, do_power},
    {TASK_POWER_OFF, do_power},
    {TASK_PAUSE, do_power},
    {TASK_UNPAUSE, do_power},
    {TASK_SUSPEND, do_power},
    {TASK_RESUME, do_power},
    {TASK_REBOOT, do_reboot},
    {TASK_INJECT_NETWORK, do_network},
    {TASK_RESET_NETWORK, do_network},
    {TASK_SNAPSHOT, compute_do_snapshot},
    {TASK_SET_PASSWORD, compute_do_set_password},
    {TASK_CONSOLE_OUTPUT, compute_do_console_output},
    { 0 }
};
