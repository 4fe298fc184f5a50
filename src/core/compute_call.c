/* compute_call.c - the compute side of the two server actions Nova runs
 * as synchronous RPC calls: changePassword (manager.set_admin_password)
 * and os-getConsoleOutput (manager.get_console_output). The agent answers
 * through task_results in the transaction that finishes the task; the API
 * handler waiting for it turns the answer into the HTTP response. */
#include "core/compute_power.h"
#include "core/console_text.h"
#include "core/instance.h"
#include "store/action.h"
#include "store/server.h"
#include "store/task_result.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One transaction: the answer, the task finished. */
static int answer(struct db *db, const struct task *t, int status, const char *body,
                  struct cerr *err)
{
    if (db_begin(db) < 0)
        return cerr_internal(err, "task answer");
    bool ok = store_task_result_put(db, t->id, status, body) == 0 &&
              store_task_finish(db, t->id) == 0;
    return agent_commit_or_fail(db, ok, err, "task answer");
}

/* Loads the server of a call; when it is gone the caller is told 404. */
static int call_server(const struct task *t, struct server **s, json_t **md,
                       struct virt_instance *vi, struct cerr *err)
{
    struct db *db = store_db();
    *s = NULL;
    *md = NULL;
    int rc = agent_load_server(db, t->instance_uuid, s, err);
    if (rc == 0) {
        char msg[96];
        snprintf(msg, sizeof(msg), "Instance %s could not be found.", t->instance_uuid);
        return answer(db, t, 404, msg, err) < 0 ? -1 : 0;
    }
    if (rc < 0)
        return -1;
    store_server_metadata(db, (*s)->uuid, md);
    agent_instance_of(*s, *md, vi);
    return 1;
}

/* --- changePassword --- */

/* The end of set_admin_password: task_state cleared, the event and the
 * action finished, a fault when it failed (wrap_instance_fault), and the
 * answer for the waiting API handler (202, or 409 with Nova's
 * message). */
static int password_done(struct db *db, const struct task *t, const struct server *s,
                         int status, const char *message, struct cerr *err)
{
    if (db_begin(db) < 0)
        return cerr_internal(err, "password commit");
    struct cerr lost = {0};
    bool ok = true;
    if (store_server_set_state(db, s->uuid, "updating_password", NULL, "", POWER_KEEP,
                               &lost) < 0) {
        ok = lost.status == 409;   /* overtaken by a delete: only the answer is left */
        status = 409;
        message = "Unexpected task state: expecting updating_password";
    } else if (status != 202) {
        ok = store_server_fault_add(db, s->uuid, status, message, message, s->host) >= 0;
    }
    if (ok && t->request_id[0]) {
        store_action_event_finish(db, s->uuid, t->request_id, EV_PASSWORD,
                                  status == 202 ? "Success" : "Error",
                                  status == 202 ? NULL : message);
        store_action_finish(db, s->uuid, t->request_id, status == 202 ? NULL : "Error");
    }
    ok = ok && store_task_result_put(db, t->id, status, status == 202 ? "" : message) == 0 &&
         store_task_finish(db, t->id) == 0;
    return agent_commit_or_fail(db, ok, err, "password commit");
}

int compute_do_set_password(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *md = NULL, *args = json_loads(t->args, 0, NULL);
    struct virt_instance vi;
    int rc = call_server(t, &s, &md, &vi, err);
    if (rc <= 0)
        goto cleanup;
    char msg[CERR_MSG_MAX];
    if (strcmp(s->task_state, "updating_password") != 0) {
        snprintf(msg, sizeof(msg), "Unexpected task state: expecting updating_password but the "
                 "actual state is %s", s->task_state[0] ? s->task_state : "None");
        rc = answer(db, t, 409, msg, err);
        goto cleanup;
    }
    if (t->request_id[0])
        store_action_event_start(db, s->uuid, t->request_id, EV_PASSWORD, a->host);
    const char *password = json_string_value(json_object_get(args, "admin_password"));
    struct cerr why = {0};
    int status = 202;
    /* InstancePasswordSetFailed (409) when the guest does not run;
     * a driver's own 409 (libvirt's InstanceAgentNotEnabled: "QEMU guest
     * agent is not enabled") is passed on as Nova does; any other driver
     * error becomes the generic reason, so the password never reaches a
     * message. */
    if (compute_power_of(a, &vi, POWER_NOSTATE) != POWER_RUNNING) {
        snprintf(msg, sizeof(msg), "Failed to set admin password on %s because instance %s is "
                 "not running", s->uuid, s->uuid);
        status = 409;
    } else if (a->driver->set_admin_password(a->vh, &vi, password ? password : "", &why) < 0) {
        if (why.status == 409)
            snprintf(msg, sizeof(msg), "%s", why.message);
        else
            snprintf(msg, sizeof(msg), "Failed to set admin password on %s because error "
                     "setting admin password", s->uuid);
        status = 409;
    }
    rc = password_done(db, t, s, status, status == 202 ? NULL : msg, err);
cleanup:
    json_decref(args);
    json_decref(md);
    server_free(s);
    return rc;
}

/* --- os-getConsoleOutput --- */

int compute_do_console_output(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *md = NULL, *args = json_loads(t->args, 0, NULL);
    char *raw = NULL, *clean = NULL;
    struct virt_instance vi;
    int rc = call_server(t, &s, &md, &vi, err);
    if (rc <= 0)
        goto cleanup;
    struct cerr why = {0};
    if (a->driver->get_console_output(a->vh, &vi, &raw, &why) < 0) {
        rc = answer(db, t, why.status >= 400 ? why.status : 500, why.message, err);
        goto cleanup;
    }
    const json_t *length = json_object_get(args, "length");
    clean = console_tail(raw, json_is_integer(length), json_integer_value(length));
    rc = answer(db, t, 200, clean, err);
cleanup:
    free(raw);
    free(clean);
    json_decref(args);
    json_decref(md);
    server_free(s);
    return rc;
}
