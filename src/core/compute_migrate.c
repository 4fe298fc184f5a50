/* compute_migrate.c - the compute agents' part of cold migration and
 * resize, in nova/compute/manager.py's order: destination prep_resize ->
 * source resize_instance (migrate_disk_and_power_off) -> destination
 * finish_resize (finish_migration) -> VERIFY_RESIZE; then source
 * confirm_resize, or destination revert_resize (destroy) -> source
 * finish_revert_resize.
 *
 * Claims: from the API's scheduling until the move settles, the source
 * holds the old flavor (the server row) and the destination the new one
 * (the migration). finish_resize moves the row to the destination, so
 * until confirm the migration holds the source's; revert_resize moves the
 * row back before it releases the destination. A delete that overtakes a
 * step therefore frees the row's claim and the step frees the other. */
#include "core/agent.h"
#include "core/instance.h"
#include "core/migrate.h"
#include "core/task.h"
#include "store/action.h"
#include "store/migration.h"
#include "store/server.h"
#include "store/task.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One step's view of the move. */
struct move {
    struct migration_row m;
    struct server *s;             /* NULL: the server is gone */
    json_t *md;                   /* its metadata (fake driver's failure hook) */
    json_t *old_flavor, *new_flavor;
};

static void move_free(struct move *mv)
{
    migration_row_clear(&mv->m);
    server_free(mv->s);
    json_decref(mv->md);
    json_decref(mv->old_flavor);
    json_decref(mv->new_flavor);
}

/* 1 loaded (mv->s NULL when the server is gone), 0 the migration is gone,
 * -1 store error. */
static int move_load(struct db *db, const struct task *t, struct move *mv, struct cerr *err)
{
    memset(mv, 0, sizeof(*mv));
    json_t *args = json_loads(t->args, 0, NULL);
    int64_t id = json_integer_value(json_object_get(args, "migration_id"));
    json_decref(args);
    struct cerr lookup = {0};
    if (store_migration_get(db, id, &mv->m, &lookup) < 0) {
        if (lookup.status == 404)
            return 0;
        *err = lookup;
        return -1;
    }
    mv->old_flavor = json_loads(mv->m.old_flavor ? mv->m.old_flavor : "{}", 0, NULL);
    mv->new_flavor = json_loads(mv->m.new_flavor ? mv->m.new_flavor : "{}", 0, NULL);
    if (agent_load_server(db, mv->m.instance_uuid, &mv->s, err) < 0)
        return -1;
    if (mv->s)
        store_server_metadata(db, mv->s->uuid, &mv->md);
    return 1;
}

static bool in_task(const struct move *mv, const char *task_state)
{
    return mv->s && strcmp(mv->s->task_state, task_state) == 0;
}

static void flavor_to_virt(const json_t *f, struct virt_flavor *out)
{
    out->vcpus = json_integer_value(json_object_get(f, "vcpus"));
    out->memory_mb = json_integer_value(json_object_get(f, "memory_mb"));
    out->root_gb = json_integer_value(json_object_get(f, "root_gb"));
    out->ephemeral_gb = json_integer_value(json_object_get(f, "ephemeral_gb"));
    out->swap_mb = json_integer_value(json_object_get(f, "swap"));
}

static void release_flavor(struct db *db, const struct move *mv, const json_t *flavor,
                           const char *host, bool *ok)
{
    struct host_usage u;
    migrate_flavor_usage(flavor, mv->s ? mv->s->image_ref : NULL, &u);
    if (*ok && host[0] && scheduler_release(db, host, &u) < 0)
        *ok = false;
}

static bool event_done(struct db *db, const struct task *t, const char *event,
                       const char *result, const char *traceback, bool finish_action)
{
    if (!t->request_id[0])
        return true;
    store_action_event_finish(db, t->instance_uuid, t->request_id, event, result, traceback);
    if (finish_action)
        store_action_finish(db, t->instance_uuid, t->request_id,
                            strcmp(result, "Success") == 0 ? NULL : "Error");
    return true;
}

static bool hand_on(struct db *db, const struct task *t, const struct move *mv, const char *kind,
                    const char *host, char *kick, struct cerr *err)
{
    json_t *args = json_pack("{s:I}", "migration_id", (json_int_t)mv->m.id);
    bool ok = task_enqueue(db, kind, mv->m.instance_uuid, host, args, t->request_id, err) == 0;
    json_decref(args);
    if (ok)
        str_copy(kick, HOST_NAME_LEN, host);
    return ok;
}

/* Commits the step's transaction, then wakes the next queue. */
static int step_commit(struct db *db, const struct task *t, bool ok, const char *kick,
                       struct cerr *err, const char *what)
{
    ok = ok && store_task_finish(db, t->id) == 0;
    if (agent_commit_or_fail(db, ok, err, what) < 0)
        return -1;
    if (kick && kick[0])
        worker_kick_queue(kick);
    return 0;
}

/* The server went away or another operation took over before this step:
 * give back the claim the step would have handed on (release_host "" =
 * none) and end the migration in error. */
static int abandon(struct db *db, const struct task *t, const struct move *mv,
                   const json_t *flavor, const char *release_host, struct cerr *err)
{
    if (db_begin(db) < 0)
        return cerr_internal(err, "migration abandon");
    bool ok = true;
    if (mv->m.id && !migration_status_is_final(mv->m.status)) {
        release_flavor(db, mv, flavor, release_host, &ok);
        ok = ok && store_migration_set_status(db, mv->m.id, NULL, MIGRATION_ERROR) >= 0;
    }
    log_info("migration %lld of server %s abandoned: the server moved on", (long long)mv->m.id,
             t->instance_uuid);
    return step_commit(db, t, ok, NULL, err, "migration abandon");
}

/* Nova's _error_out_instance_on_exception and errors_out_migration: the
 * server in error with a fault, the migration in error, the step's event
 * and the action finished with "Error"; the claim the move would have
 * used (release_host) is given back. */
static int step_failed(struct db *db, const struct task *t, const struct move *mv,
                       const char *expect_task, const char *event, const char *op,
                       const struct cerr *why, const json_t *flavor, const char *release_host,
                       const char *host, struct cerr *err)
{
    char msg[CERR_MSG_MAX + 64];
    snprintf(msg, sizeof(msg), "%s", why->message);
    if (db_begin(db) < 0)
        return cerr_internal(err, "migration failure commit");
    bool ok = true;
    struct cerr lost;
    if (store_server_set_state(db, mv->m.instance_uuid, expect_task, VM_ERROR, "", POWER_KEEP,
                               &lost) == 0)
        ok = store_server_fault_add(db, mv->m.instance_uuid, why->status ? why->status : 500,
                                    msg, why->message, host) >= 0;
    release_flavor(db, mv, flavor, release_host, &ok);
    ok = ok && store_migration_set_status(db, mv->m.id, NULL, MIGRATION_ERROR) >= 0 &&
         event_done(db, t, event, "Error", msg, true);
    if (ok)
        log_warn("server %s: %s failed: %s", mv->m.instance_uuid, op, why->message);
    return step_commit(db, t, ok, NULL, err, "migration failure commit");
}

/* --- destination: prep_resize --- */

/* The conductor's claim already holds the destination; this step records
 * Nova's compute_prep_resize event and hands the move to the source. */
static int do_prep_resize(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct move mv;
    char kick[HOST_NAME_LEN] = "";
    int rc = move_load(db, t, &mv, err);
    if (rc <= 0) {
        rc = rc < 0 ? -1 : agent_finish_only(db, t, err);
        goto cleanup;
    }
    if (!in_task(&mv, "resize_prep")) {
        rc = abandon(db, t, &mv, mv.new_flavor, mv.m.dest_compute, err);
        goto cleanup;
    }
    if (t->request_id[0])
        store_action_event_start(db, t->instance_uuid, t->request_id, EV_PREP_RESIZE, a->host);
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "prep_resize commit");
        goto cleanup;
    }
    bool ok = event_done(db, t, EV_PREP_RESIZE, "Success", NULL, false) &&
              hand_on(db, t, &mv, TASK_RESIZE_INSTANCE, mv.m.source_compute, kick, err);
    rc = step_commit(db, t, ok, kick, err, "prep_resize commit");
cleanup:
    move_free(&mv);
    return rc;
}

/* --- source: resize_instance --- */

static int do_resize_instance(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct move mv;
    char kick[HOST_NAME_LEN] = "";
    int rc = move_load(db, t, &mv, err);
    if (rc <= 0) {
        rc = rc < 0 ? -1 : agent_finish_only(db, t, err);
        goto cleanup;
    }
    /* resize_migrating too: a re-run after a crash mid-driver-call. */
    if (!in_task(&mv, "resize_prep") && !in_task(&mv, "resize_migrating")) {
        rc = abandon(db, t, &mv, mv.new_flavor, mv.m.dest_compute, err);
        goto cleanup;
    }
    if (t->request_id[0])
        store_action_event_start(db, t->instance_uuid, t->request_id, EV_RESIZE_INSTANCE,
                                 a->host);
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "resize_instance start");
        goto cleanup;
    }
    bool ok = store_server_set_state(db, mv.s->uuid, NULL, NULL, "resize_migrating", POWER_KEEP,
                                     err) == 0 &&
              store_migration_set_status(db, mv.m.id, NULL, MIGRATION_MIGRATING) >= 0;
    if (agent_commit_or_fail(db, ok, err, "resize_instance start") < 0) {
        rc = -1;
        goto cleanup;
    }
    struct virt_instance vi;
    struct virt_flavor nf;
    struct cerr why = {0};
    agent_instance_of(mv.s, mv.md, &vi);
    flavor_to_virt(mv.new_flavor, &nf);
    if (a->driver->migrate_disk_and_power_off(a->vh, &vi, mv.m.dest_compute, &nf, &why) < 0) {
        rc = step_failed(db, t, &mv, "resize_migrating", EV_RESIZE_INSTANCE,
                         "migrate_disk_and_power_off", &why, mv.new_flavor, mv.m.dest_compute,
                         a->host, err);
        goto cleanup;
    }
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "resize_instance commit");
        goto cleanup;
    }
    struct server *now = NULL;
    rc = agent_still_in(db, mv.s->uuid, "resize_migrating", &now, err);
    ok = rc >= 0;
    if (rc == 1) {
        ok = store_server_set_state(db, mv.s->uuid, "resize_migrating", NULL, "resize_migrated",
                                    POWER_SHUTDOWN, err) == 0 &&
             store_migration_set_status(db, mv.m.id, NULL, MIGRATION_POST_MIGRATING) >= 0 &&
             event_done(db, t, EV_RESIZE_INSTANCE, "Success", NULL, false) &&
             hand_on(db, t, &mv, TASK_FINISH_RESIZE, mv.m.dest_compute, kick, err);
    } else if (rc == 0) {
        /* Overtaken (deleted): the destination's claim is ours to free. */
        release_flavor(db, &mv, mv.new_flavor, mv.m.dest_compute, &ok);
        ok = ok && store_migration_set_status(db, mv.m.id, NULL, MIGRATION_ERROR) >= 0;
    }
    server_free(now);
    rc = step_commit(db, t, ok, kick, err, "resize_instance commit");
cleanup:
    move_free(&mv);
    return rc;
}

/* --- destination: finish_resize --- */

static bool power_on_after(const struct move *mv)
{
    /* Nova powers the guest on unless it was stopped before the move
     * (system_metadata old_vm_state). */
    return strcmp(mv->m.old_vm_state, VM_STOPPED) != 0;
}

/* VERIFY_RESIZE: the row moves here with the new flavor; the source's
 * claim now belongs to the migration until confirm or revert. */
static bool finish_resize_commit(struct agent *a, struct db *db, const struct task *t,
                                 const struct move *mv, struct cerr *err)
{
    char *flavor = json_dumps(mv->new_flavor, JSON_COMPACT);
    bool ok = store_migration_place_instance(db, mv->s->uuid, a->host, flavor, err) == 0 &&
              store_server_set_state(db, mv->s->uuid, "resize_finish", VM_RESIZED, "",
                                     power_on_after(mv) ? POWER_RUNNING : POWER_SHUTDOWN,
                                     err) == 0 &&
              store_migration_set_status(db, mv->m.id, NULL, MIGRATION_FINISHED) >= 0 &&
              event_done(db, t, EV_FINISH_RESIZE, "Success", NULL, true);
    free(flavor);
    int window = a->cfg->resize_confirm_window;
    if (ok && window > 0) {
        char args[64];
        snprintf(args, sizeof(args), "{\"migration_id\": %lld}", (long long)mv->m.id);
        ok = store_task_insert(db, TASK_AUTO_CONFIRM_RESIZE, mv->s->uuid, NULL, args, NULL,
                               clock_now_us() + (int64_t)window * 1000000, NULL, err) == 0;
    }
    return ok;
}

static int do_finish_resize(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct move mv;
    int rc = move_load(db, t, &mv, err);
    if (rc <= 0) {
        rc = rc < 0 ? -1 : agent_finish_only(db, t, err);
        goto cleanup;
    }
    if (!in_task(&mv, "resize_migrated") && !in_task(&mv, "resize_finish")) {
        rc = abandon(db, t, &mv, mv.new_flavor, mv.m.dest_compute, err);
        goto cleanup;
    }
    if (t->request_id[0])
        store_action_event_start(db, t->instance_uuid, t->request_id, EV_FINISH_RESIZE, a->host);
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "finish_resize start");
        goto cleanup;
    }
    bool ok = store_server_set_state(db, mv.s->uuid, NULL, NULL, "resize_finish", POWER_KEEP,
                                     err) == 0;
    if (agent_commit_or_fail(db, ok, err, "finish_resize start") < 0) {
        rc = -1;
        goto cleanup;
    }
    struct virt_instance vi;
    struct virt_flavor nf;
    struct cerr why = {0};
    agent_instance_of(mv.s, mv.md, &vi);
    flavor_to_virt(mv.new_flavor, &nf);
    vi.flavor = nf;
    if (a->driver->finish_migration(a->vh, &vi, &nf, power_on_after(&mv), &why) < 0) {
        struct cerr ignored;
        a->driver->destroy(a->vh, &vi, &ignored);   /* nothing half-built stays here */
        rc = step_failed(db, t, &mv, "resize_finish", EV_FINISH_RESIZE, "finish_migration",
                         &why, mv.new_flavor, mv.m.dest_compute, a->host, err);
        goto cleanup;
    }
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "finish_resize commit");
        goto cleanup;
    }
    struct server *now = NULL;
    rc = agent_still_in(db, mv.s->uuid, "resize_finish", &now, err);
    ok = rc >= 0;
    if (rc == 1) {
        ok = finish_resize_commit(a, db, t, &mv, err);
    } else if (rc == 0) {
        struct cerr ignored;
        a->driver->destroy(a->vh, &vi, &ignored);
        release_flavor(db, &mv, mv.new_flavor, mv.m.dest_compute, &ok);
        ok = ok && store_migration_set_status(db, mv.m.id, NULL, MIGRATION_ERROR) >= 0;
    }
    server_free(now);
    rc = step_commit(db, t, ok, NULL, err, "finish_resize commit");
cleanup:
    move_free(&mv);
    return rc;
}

/* --- source: confirm_resize --- */

/* Drops the source's copy and its claim. The server may be gone (a delete
 * of a VERIFY_RESIZE server cleans the source through this step too). */
static int do_confirm_resize(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct move mv;
    int rc = move_load(db, t, &mv, err);
    if (rc <= 0 || strcmp(mv.m.status, MIGRATION_CONFIRMING) != 0) {
        rc = rc < 0 ? -1 : agent_finish_only(db, t, err);
        goto cleanup;
    }
    if (t->request_id[0] && mv.s)
        store_action_event_start(db, t->instance_uuid, t->request_id, EV_CONFIRM_RESIZE,
                                 a->host);
    struct virt_instance vi;
    struct cerr why = {0};
    if (mv.s) {
        agent_instance_of(mv.s, mv.md, &vi);
        str_copy(vi.host, sizeof(vi.host), a->host);
    } else {
        virt_instance_init(&vi, 0, mv.m.instance_uuid);
    }
    flavor_to_virt(mv.old_flavor, &vi.flavor);
    if (a->driver->confirm_migration(a->vh, &vi, &why) < 0 && mv.s) {
        rc = step_failed(db, t, &mv, NULL, EV_CONFIRM_RESIZE, "confirm_migration", &why,
                         mv.old_flavor, mv.m.source_compute, a->host, err);
        goto cleanup;
    }
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "confirm_resize commit");
        goto cleanup;
    }
    bool ok = true;
    release_flavor(db, &mv, mv.old_flavor, mv.m.source_compute, &ok);
    ok = ok && store_migration_set_status(db, mv.m.id, NULL, MIGRATION_CONFIRMED) >= 0;
    struct server *now = NULL;
    rc = agent_still_in(db, mv.m.instance_uuid, NULL, &now, err);
    ok = ok && rc >= 0;
    if (ok && rc == 1 && strcmp(now->vm_state, VM_RESIZED) == 0) {
        /* Nova: stopped when the guest is off, else active. */
        const char *vm = now->power_state == POWER_SHUTDOWN ? VM_STOPPED : VM_ACTIVE;
        struct cerr lost;
        if (store_server_set_state(db, now->uuid, "", vm, NULL, POWER_KEEP, &lost) == 0)
            ok = event_done(db, t, EV_CONFIRM_RESIZE, "Success", NULL, true);
    }
    server_free(now);
    rc = step_commit(db, t, ok, NULL, err, "confirm_resize commit");
cleanup:
    move_free(&mv);
    return rc;
}

/* --- destination: revert_resize --- */

static int do_revert_resize(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct move mv;
    char kick[HOST_NAME_LEN] = "";
    int rc = move_load(db, t, &mv, err);
    if (rc <= 0) {
        rc = rc < 0 ? -1 : agent_finish_only(db, t, err);
        goto cleanup;
    }
    if (!in_task(&mv, "resize_reverting")) {
        /* A delete overtook the revert: it freed this host's claim (the
         * row's); the source's is the migration's. */
        rc = abandon(db, t, &mv, mv.old_flavor, mv.m.source_compute, err);
        goto cleanup;
    }
    if (t->request_id[0])
        store_action_event_start(db, t->instance_uuid, t->request_id, EV_REVERT_RESIZE, a->host);
    struct virt_instance vi;
    struct cerr why = {0};
    agent_instance_of(mv.s, mv.md, &vi);
    if (a->driver->destroy(a->vh, &vi, &why) < 0) {
        rc = step_failed(db, t, &mv, "resize_reverting", EV_REVERT_RESIZE, "destroy", &why,
                         mv.old_flavor, mv.m.source_compute, a->host, err);
        goto cleanup;
    }
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "revert_resize commit");
        goto cleanup;
    }
    struct server *now = NULL;
    rc = agent_still_in(db, mv.s->uuid, "resize_reverting", &now, err);
    bool ok = rc >= 0;
    if (rc == 1) {
        /* The row goes back to the source (old flavor) before this host's
         * claim is freed, so a delete in between frees the right one. */
        char *flavor = json_dumps(mv.old_flavor, JSON_COMPACT);
        release_flavor(db, &mv, mv.new_flavor, a->host, &ok);
        ok = ok &&
             store_migration_place_instance(db, mv.s->uuid, mv.m.source_compute, flavor,
                                            err) == 0 &&
             store_migration_set_status(db, mv.m.id, NULL, MIGRATION_REVERTED) >= 0 &&
             event_done(db, t, EV_REVERT_RESIZE, "Success", NULL, false) &&
             hand_on(db, t, &mv, TASK_FINISH_REVERT_RESIZE, mv.m.source_compute, kick, err);
        free(flavor);
    } else if (rc == 0) {
        release_flavor(db, &mv, mv.old_flavor, mv.m.source_compute, &ok);
        ok = ok && store_migration_set_status(db, mv.m.id, NULL, MIGRATION_ERROR) >= 0;
    }
    server_free(now);
    rc = step_commit(db, t, ok, kick, err, "revert_resize commit");
cleanup:
    move_free(&mv);
    return rc;
}

/* --- source: finish_revert_resize --- */

static int do_finish_revert(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct move mv;
    int rc = move_load(db, t, &mv, err);
    if (rc <= 0 || !in_task(&mv, "resize_reverting")) {
        /* Gone: the row was back here, so its delete freed this claim. */
        rc = rc < 0 ? -1 : agent_finish_only(db, t, err);
        goto cleanup;
    }
    if (t->request_id[0])
        store_action_event_start(db, t->instance_uuid, t->request_id, EV_FINISH_REVERT, a->host);
    struct virt_instance vi;
    struct cerr why = {0};
    agent_instance_of(mv.s, mv.md, &vi);
    bool power_on = power_on_after(&mv);
    if (a->driver->finish_revert_migration(a->vh, &vi, power_on, &why) < 0) {
        rc = step_failed(db, t, &mv, "resize_reverting", EV_FINISH_REVERT,
                         "finish_revert_migration", &why, NULL, "", a->host, err);
        goto cleanup;
    }
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "finish_revert_resize commit");
        goto cleanup;
    }
    struct server *now = NULL;
    rc = agent_still_in(db, mv.s->uuid, "resize_reverting", &now, err);
    bool ok = rc >= 0;
    if (rc == 1)
        ok = store_server_set_state(db, mv.s->uuid, "resize_reverting",
                                    power_on ? VM_ACTIVE : VM_STOPPED, "",
                                    power_on ? POWER_RUNNING : POWER_SHUTDOWN, err) == 0 &&
             event_done(db, t, EV_FINISH_REVERT, "Success", NULL, true);
    server_free(now);
    rc = step_commit(db, t, ok, NULL, err, "finish_revert_resize commit");
cleanup:
    move_free(&mv);
    return rc;
}

const struct agent_handler compute_migrate_handlers[] = {
    { TASK_PREP_RESIZE, do_prep_resize },
    { TASK_RESIZE_INSTANCE, do_resize_instance },
    { TASK_FINISH_RESIZE, do_finish_resize },
    { TASK_CONFIRM_RESIZE, do_confirm_resize },
    { TASK_REVERT_RESIZE, do_revert_resize },
    { TASK_FINISH_REVERT_RESIZE, do_finish_revert },
    { 0 }
};
