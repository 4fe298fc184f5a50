/* compute_sync.c - the compute agent's periodic power state sync, Nova's
 * ComputeManager._sync_power_states / _query_driver_power_state_and_sync /
 * _sync_instance_power_state: the hypervisor is the authority on whether a
 * guest runs, so a QEMU that died (or a guest that powered itself off)
 * shows up in the API as SHUTOFF, and a guest running behind a stopped
 * server is powered off again. The stop goes through the same path as
 * os-stop (task_state powering-off, a "stop" action, TASK_POWER_OFF run
 * by compute_power.c), as Nova calls compute_api.stop rather than writing
 * vm_state directly. */
#include "core/agent.h"
#include "core/instance.h"
#include "core/power_task.h"
#include "core/task.h"
#include "store/action.h"
#include "store/server.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNC_PAGE 500

static bool is_one_of(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(v, *list) == 0)
            return true;
    return false;
}

/* _sync_instance_power_state's table, vm_state by vm_state. */
enum power_sync_action power_sync_decide(const char *vm_state, int vm_power)
{
    /* "we ignore these vm_state for now" (Nova). */
    static const char *const ignored[] = {VM_BUILDING, VM_RESCUED, VM_RESIZED, VM_SUSPENDED,
                                          VM_ERROR, NULL};
    if (!vm_state || is_one_of(vm_state, ignored))
        return POWER_SYNC_NONE;
    if (strcmp(vm_state, VM_ACTIVE) == 0) {
        /* "Instance shutdown by itself" / "suspended unexpectedly": stop.
         * Paused (external instrumentation, bug 1097806) and NOSTATE
         * (hypervisor restarting, instance not found) are only logged. */
        return vm_power == POWER_SHUTDOWN || vm_power == POWER_CRASHED ||
                       vm_power == POWER_SUSPENDED
                   ? POWER_SYNC_STOP
                   : POWER_SYNC_NONE;
    }
    if (strcmp(vm_state, VM_STOPPED) == 0) {
        /* "Instance is not (soft-)stopped": force_stop. */
        return vm_power == POWER_NOSTATE || vm_power == POWER_SHUTDOWN ||
                       vm_power == POWER_CRASHED
                   ? POWER_SYNC_NONE
                   : POWER_SYNC_STOP;
    }
    if (strcmp(vm_state, VM_PAUSED) == 0) {
        /* "Paused instance shutdown by itself": force_stop. */
        return vm_power == POWER_SHUTDOWN || vm_power == POWER_CRASHED ? POWER_SYNC_STOP
                                                                      : POWER_SYNC_NONE;
    }
    /* soft-delete, deleted, shelved...: nothing here (Nova only logs, and
     * leaves running leftovers to _cleanup_running_deleted_instances). */
    return POWER_SYNC_NONE;
}

/* The compute API's stop with an admin context: task_state powering-off
 * (instance.save(expected_task_state=[None])), the "stop" action with no
 * user or project, and the RPC to this host as a task. */
static int stop_by_system(struct agent *a, struct db *db, const struct server *s, int vm_power,
                          struct cerr *err)
{
    char id[UUID_TEXT], request_id[UUID_TEXT + 8];
    uuid_generate_text(id);
    snprintf(request_id, sizeof(request_id), "req-%s", id);
    if (store_server_set_state(db, s->uuid, "", NULL, "powering-off", vm_power, err) < 0 ||
        store_action_start(db, s->uuid, "stop", request_id, NULL, NULL, err) < 0 ||
        task_enqueue(db, TASK_POWER_OFF, s->uuid, a->host, NULL, request_id, err) < 0)
        return -1;
    log_warn("%s: server %s (vm_state %s) found with power state %d by the hypervisor: "
             "calling the stop API (%s)", a->host, s->uuid, s->vm_state, vm_power, request_id);
    return 0;
}

/* The transaction of one server: the row is read again, as Nova's
 * db_instance.refresh(), and the decision taken on that fresh row so a
 * user action committed since get_info wins. */
static int sync_commit(struct agent *a, struct db *db, const char *uuid, int vm_power,
                       struct cerr *err)
{
    struct server *s = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "power sync begin");
    int rc = agent_still_in(db, uuid, "", &s, err);
    bool ok = rc >= 0;
    /* Moved to another host (a migration finished meanwhile): that host's
     * agent owns it now. */
    if (rc == 1 && strcmp(s->host, a->host) == 0) {
        if (power_sync_decide(s->vm_state, vm_power) == POWER_SYNC_STOP) {
            ok = stop_by_system(a, db, s, vm_power, err) == 0;
        } else if (s->power_state != vm_power) {
            ok = store_server_set_state(db, uuid, "", NULL, NULL, vm_power, err) == 0;
            if (ok)
                log_info("%s: server %s power state %d -> %d (hypervisor)", a->host, uuid,
                         s->power_state, vm_power);
        }
    }
    server_free(s);
    return agent_commit_or_fail(db, ok, err, "power sync commit");
}

/* _query_driver_power_state_and_sync for one server. */
static void sync_one(struct agent *a, struct db *db, const char *uuid)
{
    struct server *s = NULL;
    json_t *md = NULL;
    struct cerr err = {0};
    int rc = agent_load_server(db, uuid, &s, &err);
    if (rc < 0)
        log_error("%s: power sync of server %s: %s", a->host, uuid, err.message);
    /* A pending task owns the server: skip it, the next pass looks again. */
    if (rc <= 0 || s->task_state[0] || strcmp(s->host, a->host) != 0)
        goto cleanup;
    store_server_metadata(db, uuid, &md);
    struct virt_instance vi;
    agent_instance_of(s, md, &vi);
    struct virt_info info;
    struct cerr why = {0};
    int vm_power;
    if (a->driver->get_info(a->vh, &vi, &info, &why) == 0) {
        vm_power = info.power_state;
    } else if (why.status == 404) {
        vm_power = POWER_NOSTATE;           /* Nova: InstanceNotFound -> NOSTATE */
    } else {
        log_warn("%s: power sync of server %s: %s", a->host, uuid, why.message);
        goto cleanup;
    }
    /* The common case writes nothing and takes no write lock. */
    if (vm_power == s->power_state &&
        power_sync_decide(s->vm_state, vm_power) == POWER_SYNC_NONE)
        goto cleanup;
    if (sync_commit(a, db, uuid, vm_power, &err) < 0)
        log_error("%s: power sync of server %s: %s", a->host, uuid, err.message);
cleanup:
    json_decref(md);
    server_free(s);
}

void compute_sync_power_states(struct agent *a)
{
    int interval = a->cfg->sync_power_state_interval;
    int64_t now = clock_now_us();
    struct db *db = store_db();
    if (interval <= 0 || !a->host[0] || !db || !a->driver->get_info ||
        (a->last_power_sync && now - a->last_power_sync < (int64_t)interval * 1000000))
        return;
    a->last_power_sync = now;
    int64_t after = 0;
    int n;
    do {
        struct host_instance *list = NULL;
        n = store_host_instances(db, a->host, after, SYNC_PAGE, &list);
        if (n < 0) {
            log_error("%s: power sync cannot list its servers", a->host);
            return;
        }
        for (int i = 0; i < n; i++) {
            sync_one(a, db, list[i].uuid);
            after = list[i].id;
        }
        free(list);
    } while (n == SYNC_PAGE);
}

int compute_sync_wait_ms(const struct agent *a, int max_ms)
{
    int interval = a->cfg->sync_power_state_interval;
    /* Not run yet: compute_sync_power_states() could not (no database
     * connection); no reason to spin until it can. */
    if (interval <= 0 || !a->host[0] || !a->last_power_sync)
        return max_ms;
    int64_t left_us = a->last_power_sync + (int64_t)interval * 1000000 - clock_now_us();
    if (left_us <= 0)
        return 0;
    return left_us / 1000 < max_ms ? (int)(left_us / 1000) + 1 : max_ms;
}
