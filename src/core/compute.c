/* compute.c - what a compute host agent does with each task kind: the
 * driver call first, outside any transaction (it may take seconds), then
 * every state change that follows it as one transaction, re-checked
 * against the row so a delete that overtook the operation wins. */
#include "core/agent.h"
#include "core/instance.h"
#include "core/network.h"
#include "core/scheduler.h"
#include "core/task.h"
#include "store/action.h"
#include "store/server.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- helpers shared with conductor.c --- */

int agent_load_server(struct db *db, const char *uuid, struct server **out, struct cerr *err)
{
    struct cerr lookup = {0};
    if (store_server_get(db, uuid, NULL, out, &lookup) == 0)
        return 1;
    if (lookup.status == 404)
        return 0;
    *err = lookup;
    return -1;
}

int agent_finish_only(struct db *db, const struct task *t, struct cerr *err)
{
    if (db_begin(db) < 0)
        return cerr_internal(err, "task finish");
    if (store_task_finish(db, t->id) < 0 || db_commit(db) < 0) {
        db_rollback(db);
        return cerr_internal(err, "task finish");
    }
    return 0;
}

int agent_commit_or_fail(struct db *db, bool ok, struct cerr *err, const char *what)
{
    if (ok && db_commit(db) == 0)
        return 0;
    db_rollback(db);
    if (!err->message[0])
        cerr_internal(err, what);
    return -1;
}

void agent_instance_of(const struct server *s, const json_t *metadata, struct virt_instance *vi)
{
    virt_instance_init(vi, s->id, s->uuid);
    str_copy(vi->display_name, sizeof(vi->display_name), s->name);
    vi->flavor = (struct virt_flavor){ s->vcpus, s->memory_mb, s->root_gb, s->ephemeral_gb,
                                       s->swap };
    str_copy(vi->image_ref, sizeof(vi->image_ref), s->image_ref);
    str_copy(vi->host, sizeof(vi->host), s->host);
    str_copy(vi->availability_zone, sizeof(vi->availability_zone), s->availability_zone);
    str_copy(vi->vm_state, sizeof(vi->vm_state), s->vm_state);
    vi->power_state = s->power_state;
    vi->metadata = metadata;
}

int agent_still_in(struct db *db, const char *uuid, const char *expect_task,
                    struct server **out, struct cerr *err)
{
    int rc = agent_load_server(db, uuid, out, err);
    if (rc == 1 && expect_task && strcmp((*out)->task_state, expect_task) != 0) {
        server_free(*out);
        *out = NULL;
        rc = 0;
    }
    return rc;
}

/* --- spawn --- */

static int spawn_succeeded(struct db *db, const struct task *t, const char *root_device,
                           struct cerr *err)
{
    struct server *s = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "spawn commit");
    int rc = agent_still_in(db, t->instance_uuid, "spawning", &s, err);
    bool ok = rc >= 0;
    if (rc == 1) {
        s->launched_at = clock_now_us();
        if (root_device)
            str_copy(s->root_device_name, sizeof(s->root_device_name), root_device);
        ok = store_server_set_state(db, s->uuid, "spawning", VM_ACTIVE, "", POWER_RUNNING,
                                    err) == 0 &&
             store_server_update(db, s, err) == 0;
        if (ok && t->request_id[0]) {
            store_action_event_finish(db, s->uuid, t->request_id, EV_BUILD, "Success", NULL);
            store_action_finish(db, s->uuid, t->request_id, NULL);
        }
    }
    ok = ok && store_task_finish(db, t->id) == 0;
    server_free(s);
    return agent_commit_or_fail(db, ok, err, "spawn commit");
}

/* Nova's BuildAbortException path: error state with a fault, the host's
 * claim given back and host/node cleared (abort_instance_claim), the
 * addresses released. */
static int spawn_failed(struct db *db, const struct task *t, const struct cerr *why,
                        struct cerr *err)
{
    struct server *s = NULL;
    char msg[CERR_MSG_MAX + 96];
    snprintf(msg, sizeof(msg), "Build of instance %s aborted: %s", t->instance_uuid,
             why->message);
    if (db_begin(db) < 0)
        return cerr_internal(err, "spawn failure commit");
    int rc = agent_still_in(db, t->instance_uuid, "spawning", &s, err);
    bool ok = rc >= 0;
    if (rc == 1) {
        struct host_usage u;
        scheduler_usage_of(s, &u);
        ok = store_server_set_state(db, s->uuid, "spawning", VM_ERROR, "", POWER_NOSTATE,
                                    err) == 0 &&
             store_server_fault_add(db, s->uuid, 500, msg, why->message, s->host) >= 0 &&
             scheduler_release(db, s->host, &u) == 0;
        s->host[0] = s->node[0] = '\0';
        ok = ok && store_server_update(db, s, err) == 0 && network_release(db, s->uuid) >= 0;
        if (ok && t->request_id[0]) {
            store_action_event_finish(db, s->uuid, t->request_id, EV_BUILD, "Error", msg);
            store_action_finish(db, s->uuid, t->request_id, "Error");
        }
    }
    ok = ok && store_task_finish(db, t->id) == 0;
    server_free(s);
    if (ok)
        log_warn("%s", msg);
    return agent_commit_or_fail(db, ok, err, "spawn failure commit");
}

static int do_spawn(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *md = NULL, *net = NULL, *files = NULL, *args = json_loads(t->args, 0, NULL);
    int rc = agent_load_server(db, t->instance_uuid, &s, err);
    if (rc <= 0 || strcmp(s->task_state, "spawning") != 0) {
        rc = rc < 0 ? -1 : agent_finish_only(db, t, err);
        goto cleanup;
    }
    if (t->request_id[0])
        store_action_event_start(db, s->uuid, t->request_id, EV_BUILD, a->host);
    store_server_metadata(db, s->uuid, &md);
    net = network_addresses(db, s->uuid, true);
    files = json_loads(s->personality ? s->personality : "[]", 0, NULL);
    struct virt_instance vi;
    agent_instance_of(s, md, &vi);
    struct virt_boot boot = {
        .network_info = net, .user_data = s->user_data, .injected_files = files,
        .admin_password = json_string_value(json_object_get(args, "admin_password")),
    };
    struct cerr why = {0};
    if (a->driver->spawn(a->vh, &vi, &boot, &why) == 0) {
        rc = spawn_succeeded(db, t, a->driver->root_device_name, err);
    } else {
        struct cerr ignored;
        a->driver->destroy(a->vh, &vi, &ignored);   /* leave nothing half-built */
        rc = spawn_failed(db, t, &why, err);
    }
cleanup:
    json_decref(md);
    json_decref(net);
    json_decref(files);
    json_decref(args);
    server_free(s);
    return rc;
}

/* --- delete --- */

static int delete_failed(struct db *db, const struct task *t, const struct cerr *why,
                         struct cerr *err)
{
    char msg[CERR_MSG_MAX + 64];
    snprintf(msg, sizeof(msg), "Failed to terminate instance: %s", why->message);
    if (db_begin(db) < 0)
        return cerr_internal(err, "delete failure commit");
    struct cerr lost;
    bool ok = true;
    if (store_server_set_state(db, t->instance_uuid, NULL, VM_ERROR, "", POWER_KEEP,
                               &lost) == 0) {
        ok = store_server_fault_add(db, t->instance_uuid, 500, msg, why->message,
                                    t->host) >= 0;
        if (ok && t->request_id[0]) {
            store_action_event_finish(db, t->instance_uuid, t->request_id, EV_DELETE, "Error",
                                      msg);
            store_action_finish(db, t->instance_uuid, t->request_id, "Error");
        }
    }
    ok = ok && store_task_finish(db, t->id) == 0;
    return agent_commit_or_fail(db, ok, err, "delete failure commit");
}

static int delete_succeeded(struct db *db, const struct task *t, struct cerr *err)
{
    struct server *s = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "delete commit");
    int rc = agent_still_in(db, t->instance_uuid, NULL, &s, err);
    bool ok = rc >= 0;
    if (rc == 1) {
        struct host_usage u;
        scheduler_usage_of(s, &u);
        ok = scheduler_release(db, s->host, &u) == 0 && network_release(db, s->uuid) >= 0 &&
             store_server_mark_deleted(db, s->uuid, err) == 0;
        if (ok && t->request_id[0]) {
            store_action_event_finish(db, s->uuid, t->request_id, EV_DELETE, "Success", NULL);
            store_action_finish(db, s->uuid, t->request_id, NULL);
        }
    }
    ok = ok && store_task_finish(db, t->id) == 0;
    server_free(s);
    return agent_commit_or_fail(db, ok, err, "delete commit");
}

static int do_delete(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *md = NULL;
    int rc = agent_load_server(db, t->instance_uuid, &s, err);
    if (rc <= 0) {
        rc = rc < 0 ? -1 : agent_finish_only(db, t, err);
        goto cleanup;
    }
    if (t->request_id[0])
        store_action_event_start(db, s->uuid, t->request_id, EV_DELETE, a->host);
    store_server_metadata(db, s->uuid, &md);
    struct virt_instance vi;
    agent_instance_of(s, md, &vi);
    struct cerr why = {0};
    if (a->driver->destroy(a->vh, &vi, &why) == 0)
        rc = delete_succeeded(db, t, err);
    else
        rc = delete_failed(db, t, &why, err);
cleanup:
    json_decref(md);
    server_free(s);
    return rc;
}

/* --- dispatch and start-up --- */

static const struct agent_handler compute_build_handlers[] = {
    { TASK_SPAWN, do_spawn },
    { TASK_DELETE, do_delete },
    { 0 }
};

static const struct agent_handler *const compute_tables[] = {
    compute_build_handlers,
    compute_power_handlers,
    compute_rescue_handlers,
    compute_migrate_handlers,
    compute_live_handlers,
    NULL,
};

int compute_run(struct agent *a, const struct task *t, struct cerr *err)
{
    if (!store_db())
        return cerr_internal(err, "no database connection");
    for (int i = 0; compute_tables[i]; i++)
        for (const struct agent_handler *h = compute_tables[i]; h->kind; h++)
            if (strcmp(h->kind, t->kind) == 0)
                return h->run(a, t, err);
    char msg[HOST_NAME_LEN + 96];
    snprintf(msg, sizeof(msg), "compute host %s has no handler for task kind %s", a->host,
             t->kind);
    return worker_task_give_up(store_db(), t, msg) == 0 ? 0 : cerr_internal(err, msg);
}

#define INIT_PAGE 500

/* One page of this host's servers into the driver; returns the count. */
static int init_page(struct agent *a, struct db *db, int64_t *after)
{
    struct host_instance *list = NULL;
    int n = store_host_instances(db, a->host, *after, INIT_PAGE, &list);
    if (n < 0) {
        log_error("%s: cannot list its servers", a->host);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        const struct host_instance *in = &list[i];
        struct virt_instance vi;
        struct cerr err = {0};
        virt_instance_init(&vi, in->id, in->uuid);
        str_copy(vi.display_name, sizeof(vi.display_name), in->name);
        vi.flavor = (struct virt_flavor){ in->vcpus, in->memory_mb, in->root_gb,
                                          in->ephemeral_gb, in->swap };
        str_copy(vi.image_ref, sizeof(vi.image_ref), in->image_ref);
        str_copy(vi.host, sizeof(vi.host), a->host);
        str_copy(vi.vm_state, sizeof(vi.vm_state), in->vm_state);
        vi.power_state = in->power_state;
        if (a->driver->init_instance(a->vh, &vi, &err) < 0)
            log_warn("%s: server %s: %s", a->host, in->uuid, err.message);
        *after = in->id;
    }
    free(list);
    return n;
}

void compute_init_instances(struct agent *a)
{
    struct db *db = store_db();
    if (!db)
        return;
    int64_t after = 0;
    int total = 0, n;
    do {
        n = init_page(a, db, &after);
        total += n;
    } while (n == INIT_PAGE);
    if (total > 0)
        log_info("%s: %d server%s back under the %s driver", a->host, total,
                 total == 1 ? "" : "s", a->driver->name);
}
