/* compute_live.c - the compute agents' part of a live migration, in the
 * order of Nova's ComputeManager (see core/live_migration.h for the whole
 * chain): the destination prepares, the source copies with a progress
 * callback that polls the store for abort / force-complete requests, then
 * the destination takes the server over, or rolls back. Driver calls run
 * outside any transaction; what follows each is one transaction. */
#include "core/agent.h"
#include "core/instance.h"
#include "core/live_migration.h"
#include "core/scheduler.h"
#include "core/task.h"
#include "store/action.h"
#include "store/migration.h"
#include "store/migration_live.h"
#include "store/server.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One stage's view of the move: the task's arguments, the migration row
 * and the server (NULL once deleted; moved_on when another operation took
 * it over, e.g. a delete). */
struct live_job {
    json_t *args;
    int64_t migration_id;
    const char *source, *dest;     /* borrowed from args */
    struct host_usage usage;       /* the destination's claim */
    struct migration_row m;
    struct server *s;
    bool moved_on;
    json_t *md;
};

static void job_clear(struct live_job *j)
{
    json_decref(j->args);
    json_decref(j->md);
    migration_row_clear(&j->m);
    server_free(j->s);
}

static int job_load(struct db *db, const struct task *t, struct live_job *j, struct cerr *err)
{
    memset(j, 0, sizeof(*j));
    j->args = json_loads(t->args, 0, NULL);
    j->migration_id = json_integer_value(json_object_get(j->args, "migration_id"));
    j->source = json_string_value(json_object_get(j->args, "source"));
    j->dest = json_string_value(json_object_get(j->args, "dest"));
    j->usage = (struct host_usage){
        json_integer_value(json_object_get(j->args, "vcpus")),
        json_integer_value(json_object_get(j->args, "memory_mb")),
        json_integer_value(json_object_get(j->args, "disk_gb")),
    };
    if (!j->source || !j->dest)
        return cerr_internal(err, "live migration task without hosts");
    if (store_migration_get(db, j->migration_id, &j->m, err) < 0)
        return -1;
    int rc = agent_load_server(db, t->instance_uuid, &j->s, err);
    if (rc < 0)
        return -1;
    j->moved_on = rc == 0 || strcmp(j->s->task_state, "migrating") != 0;
    if (j->s)
        store_server_metadata(db, j->s->uuid, &j->md);
    return 0;
}

/* --- settling --- */

/* The abort / force-complete requests made during the move get their
 * compute event and are finished: each succeeded if the move ended the
 * way it asked for (an abort that lost the race to completion failed, as
 * Nova's driver abort does when no job runs any more). */
static void finish_requests(struct db *db, const struct live_job *j, const char *outcome)
{
    struct live_request req[LIVE_REQUESTS_MAX];
    int n = store_live_requests(db, j->m.instance_uuid, j->m.created_at, req, LIVE_REQUESTS_MAX);
    for (int i = 0; i < n; i++) {
        bool cancel = strcmp(req[i].action, LIVE_ACTION_CANCEL) == 0;
        const char *ev = cancel ? EV_LIVE_ABORT : EV_LIVE_FORCE;
        bool ok = strcmp(outcome, cancel ? MIGRATION_CANCELLED : MIGRATION_COMPLETED) == 0;
        char msg[320];
        snprintf(msg, sizeof(msg), "Migration %lld state of instance %s is %s. Cannot %s while "
                 "the migration is in this state.", (long long)j->migration_id,
                 j->m.instance_uuid, outcome, cancel ? "abort live migration" : "force complete");
        store_action_event_start(db, j->m.instance_uuid, req[i].request_id, ev, j->source);
        store_action_event_finish(db, j->m.instance_uuid, req[i].request_id, ev,
                                  ok ? "Success" : "Error", ok ? NULL : msg);
        store_action_finish(db, j->m.instance_uuid, req[i].request_id, NULL);
    }
}

/* Nova's _rollback_live_migration, in the caller's transaction: the
 * destination's claim goes back, the server stays on its source with its
 * vm_state and no task (a fault when the move failed), the migration ends
 * in status (error or cancelled). */
static bool settle_rollback(struct db *db, const struct task *t, const struct live_job *j,
                            const char *status, const char *message, struct cerr *err)
{
    bool failed = strcmp(status, MIGRATION_CANCELLED) != 0;
    bool ok = scheduler_release(db, j->dest, &j->usage) == 0 &&
              store_migration_set_status(db, j->migration_id, NULL, status) >= 0;
    /* Re-read here: a delete may have overtaken the move since job_load. */
    struct server *s = NULL;
    int found = ok ? agent_still_in(db, j->m.instance_uuid, "migrating", &s, err) : -1;
    ok = found >= 0;
    if (found == 1) {
        ok = store_server_set_state(db, s->uuid, "migrating", NULL, "", POWER_KEEP, err) == 0;
        if (ok && failed)
            ok = store_server_fault_add(db, s->uuid, 500, message, message, j->source) >= 0;
    }
    server_free(s);
    if (ok && t->request_id[0]) {
        finish_requests(db, j, status);
        store_action_finish(db, j->m.instance_uuid, t->request_id, failed ? "Error" : NULL);
    }
    if (ok && failed)
        log_warn("server %s: live migration to %s failed: %s", j->m.instance_uuid, j->dest,
                 message);
    return ok && store_task_finish(db, t->id) == 0;
}

/* In a transaction: the next stage's task on host (args plus extras). */
static bool hand_on(struct db *db, const struct task *t, const struct live_job *j,
                    const char *kind, const char *host, const char *status, const char *message,
                    struct cerr *err)
{
    json_t *args = json_deep_copy(j->args);
    if (status)
        json_object_set_new(args, "status", json_string(status));
    if (message)
        json_object_set_new(args, "message", json_string(message));
    bool ok = task_enqueue(db, kind, j->m.instance_uuid, host, args, t->request_id, err) == 0 &&
              store_task_finish(db, t->id) == 0;
    json_decref(args);
    return ok;
}

static void event(struct db *db, const struct task *t, const char *ev, const char *host,
                  const struct cerr *why)
{
    if (!t->request_id[0])
        return;
    if (host)
        store_action_event_start(db, t->instance_uuid, t->request_id, ev, host);
    else
        store_action_event_finish(db, t->instance_uuid, t->request_id, ev,
                                  why ? "Error" : "Success", why ? why->message : NULL);
}

/* Whether an abort waits (checked between the stages: Nova's
 * _waiting_live_migrations queue). -1 store error. */
static int abort_pending(struct db *db, const struct live_job *j)
{
    struct live_request req[LIVE_REQUESTS_MAX];
    int n = store_live_requests(db, j->m.instance_uuid, j->m.created_at, req, LIVE_REQUESTS_MAX);
    for (int i = 0; i < n; i++)
        if (strcmp(req[i].action, LIVE_ACTION_CANCEL) == 0)
            return 1;
    return n < 0 ? -1 : 0;
}

/* --- destination: pre_live_migration --- */

/* Settles the move from the destination before the source did anything;
 * pre_started: the pre_live_migration event is open (pre_why = its
 * failure, NULL = it succeeded) and the driver's rollback has run here,
 * which Nova records as the destination's rollback event. */
static int rollback_now(struct db *db, const struct task *t, const struct live_job *j,
                        const char *status, const char *message, bool pre_started,
                        const struct cerr *pre_why, struct cerr *err)
{
    if (db_begin(db) < 0)
        return cerr_internal(err, "live migration rollback");
    if (pre_started) {
        event(db, t, EV_LIVE_PRE, NULL, pre_why);
        event(db, t, EV_LIVE_ROLLBACK, j->dest, NULL);
        event(db, t, EV_LIVE_ROLLBACK, NULL, NULL);
    }
    bool ok = settle_rollback(db, t, j, status, message, err);
    return agent_commit_or_fail(db, ok, err, "live migration rollback");
}

static int do_live_pre(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct live_job j;
    struct virt_instance vi;
    struct cerr why = {0}, ignored = {0};
    int rc = job_load(db, t, &j, err);
    if (rc < 0)
        goto cleanup;
    if (j.moved_on) {
        rc = rollback_now(db, t, &j, MIGRATION_ERROR, "The server left the migration", false,
                          NULL, err);
        goto cleanup;
    }
    /* An abort of a queued migration (2.65) drops it before any work. */
    int aborted = abort_pending(db, &j);
    if (aborted != 0) {
        rc = aborted < 0 ? cerr_internal(err, "live migration requests")
                         : rollback_now(db, t, &j, MIGRATION_CANCELLED, NULL, false, NULL, err);
        goto cleanup;
    }
    if (store_migration_set_status(db, j.migration_id, MIGRATION_QUEUED, MIGRATION_PREPARING) < 0) {
        rc = cerr_internal(err, "live migration status");
        goto cleanup;
    }
    event(db, t, EV_LIVE_PRE, a->host, NULL);
    agent_instance_of(j.s, j.md, &vi);
    if (a->driver->pre_live_migration(a->vh, &vi, &why) < 0) {
        a->driver->rollback_live_migration(a->vh, &vi, &ignored);
        rc = rollback_now(db, t, &j, MIGRATION_ERROR, why.message, true, &why, err);
        goto cleanup;
    }
    /* An abort while preparing (2.65) is honoured once the destination
     * is ready, as _do_live_migration checks after pre_live_migration. */
    aborted = abort_pending(db, &j);
    if (aborted != 0) {
        a->driver->rollback_live_migration(a->vh, &vi, &ignored);
        rc = aborted < 0 ? cerr_internal(err, "live migration requests")
                         : rollback_now(db, t, &j, MIGRATION_CANCELLED, NULL, true, NULL, err);
        goto cleanup;
    }
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "live migration commit");
        goto cleanup;
    }
    event(db, t, EV_LIVE_PRE, NULL, NULL);
    bool ok = store_migration_set_status(db, j.migration_id, MIGRATION_PREPARING,
                                         MIGRATION_RUNNING) >= 0 &&
              hand_on(db, t, &j, TASK_LIVE_RUN, j.source, NULL, NULL, err);
    rc = agent_commit_or_fail(db, ok, err, "live migration commit");
    if (rc == 0)
        worker_kick_queue(j.source);
cleanup:
    job_clear(&j);
    return rc;
}

/* --- source: live_migration --- */

struct progress_ctx {
    struct db *db;
    const struct live_job *job;
};

/* Called by the driver between copy rounds: records the progress shown by
 * GET /servers/{id}/migrations and answers the requests made meanwhile (an
 * abort wins over a force-complete). */
static enum virt_lm_action on_progress(void *ctx, const struct virt_lm_progress *p)
{
    struct progress_ctx *c = ctx;
    const struct live_job *j = c->job;
    struct migration_progress mp = {
        p->memory_total, p->memory_processed, p->memory_remaining,
        p->disk_total, p->disk_processed, p->disk_remaining,
    };
    if (store_migration_set_progress(c->db, j->migration_id, &mp) < 0)
        log_warn("server %s: cannot record live migration progress", j->m.instance_uuid);
    struct live_request req[LIVE_REQUESTS_MAX];
    int n = store_live_requests(c->db, j->m.instance_uuid, j->m.created_at, req,
                                LIVE_REQUESTS_MAX);
    enum virt_lm_action act = VIRT_LM_CONTINUE;
    for (int i = 0; i < n; i++) {
        if (strcmp(req[i].action, LIVE_ACTION_CANCEL) == 0)
            return VIRT_LM_ABORT;
        act = VIRT_LM_FORCE_COMPLETE;
    }
    return act;
}

static int do_live_run(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct live_job j;
    struct virt_instance vi;
    struct cerr why = {0};
    int rc = job_load(db, t, &j, err);
    if (rc < 0)
        goto cleanup;
    const char *next = TASK_LIVE_ROLLBACK, *status = MIGRATION_ERROR, *message = NULL;
    bool run_event = false, run_failed = false;
    if (j.moved_on) {
        message = "The server left the migration";
    } else {
        event(db, t, EV_LIVE_RUN, a->host, NULL);
        run_event = true;
        agent_instance_of(j.s, j.md, &vi);
        struct progress_ctx ctx = { db, &j };
        int copied = a->driver->live_migration(a->vh, &vi, j.dest, on_progress, &ctx, &why);
        if (copied == 0) {
            /* The source's cleanup (_post_live_migration): the VM runs on
             * the destination now, whatever this reports. */
            struct cerr post = {0};
            if (a->driver->post_live_migration(a->vh, &vi, &post) < 0)
                log_warn("server %s: post_live_migration on %s: %s", j.s->uuid, a->host,
                         post.message);
            next = TASK_LIVE_POST;
            status = NULL;
        } else if (copied == 1) {
            status = MIGRATION_CANCELLED;
        } else {
            message = why.message;
            run_failed = true;
        }
    }
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "live migration commit");
        goto cleanup;
    }
    if (run_event)
        event(db, t, EV_LIVE_RUN, NULL, run_failed ? &why : NULL);
    bool ok = hand_on(db, t, &j, next, j.dest, status, message, err);
    rc = agent_commit_or_fail(db, ok, err, "live migration commit");
    if (rc == 0)
        worker_kick_queue(j.dest);
cleanup:
    job_clear(&j);
    return rc;
}

/* --- destination: post_live_migration_at_destination --- */

/* In a transaction: the server now lives on the destination (Nova's
 * post_live_migration_at_destination saves host and node there), the
 * source's claim goes back. A failed driver call leaves it there in
 * ERROR, as Nova does. */
static bool take_over(struct db *db, const struct task *t, struct live_job *j,
                      const struct cerr *why, struct cerr *err)
{
    struct server *s = NULL;
    int found = agent_still_in(db, t->instance_uuid, "migrating", &s, err);
    bool ok = found >= 0;
    if (found == 0) {
        /* Deleted (or reset) meanwhile: the source's claim went with it. */
        ok = scheduler_release(db, j->dest, &j->usage) == 0 &&
             store_migration_set_status(db, j->migration_id, NULL, MIGRATION_ERROR) >= 0;
        if (ok && t->request_id[0]) {
            finish_requests(db, j, MIGRATION_ERROR);
            store_action_finish(db, t->instance_uuid, t->request_id, "Error");
        }
    } else if (found == 1) {
        struct host_usage u;
        struct host_row h;
        struct cerr lookup = {0};
        scheduler_usage_of(s, &u);
        ok = scheduler_release(db, j->source, &u) == 0;
        str_copy(s->host, sizeof(s->host), j->dest);
        str_copy(s->node, sizeof(s->node), j->m.dest_node[0] ? j->m.dest_node : j->dest);
        /* The server's zone follows it, as the conductor sets it from the
         * destination's aggregate. */
        if (store_host_get(db, j->dest, &h, &lookup) == 0 && h.zone[0])
            str_copy(s->availability_zone, sizeof(s->availability_zone), h.zone);
        ok = ok && store_server_update(db, s, err) == 0 &&
             store_server_set_state(db, s->uuid, "migrating", why ? VM_ERROR : NULL, "",
                                    POWER_KEEP, err) == 0 &&
             store_migration_set_status(db, j->migration_id, NULL,
                                        why ? MIGRATION_ERROR : MIGRATION_COMPLETED) >= 0;
        if (ok && why)
            ok = store_server_fault_add(db, s->uuid, 500, why->message, why->message,
                                        j->dest) >= 0;
        if (ok && t->request_id[0]) {
            event(db, t, EV_LIVE_POST_DEST, NULL, why);
            finish_requests(db, j, why ? MIGRATION_ERROR : MIGRATION_COMPLETED);
            store_action_finish(db, s->uuid, t->request_id, why ? "Error" : NULL);
        }
    }
    server_free(s);
    return ok && store_task_finish(db, t->id) == 0;
}

static int do_live_post(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct live_job j;
    struct virt_instance vi;
    struct cerr why = {0};
    int rc = job_load(db, t, &j, err);
    if (rc < 0)
        goto cleanup;
    bool failed = false;
    if (j.s) {
        agent_instance_of(j.s, j.md, &vi);
        if (j.moved_on) {
            /* Nobody will manage the copy that arrived here. */
            a->driver->destroy(a->vh, &vi, &why);
        } else {
            event(db, t, EV_LIVE_POST_DEST, a->host, NULL);
            failed = a->driver->post_live_migration_at_destination(a->vh, &vi, &why) < 0;
        }
    }
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "live migration commit");
        goto cleanup;
    }
    rc = agent_commit_or_fail(db, take_over(db, t, &j, failed ? &why : NULL, err), err,
                              "live migration commit");
    if (rc == 0 && !failed)
        log_info("server %s: live-migrated from %s to %s", t->instance_uuid, j.source, j.dest);
cleanup:
    job_clear(&j);
    return rc;
}

/* --- destination: rollback_live_migration_at_destination --- */

static int do_live_rollback(struct agent *a, const struct task *t, struct cerr *err)
{
    struct db *db = store_db();
    struct live_job j;
    struct virt_instance vi;
    struct cerr why = {0};
    int rc = job_load(db, t, &j, err);
    if (rc < 0)
        goto cleanup;
    const char *status = json_string_value(json_object_get(j.args, "status"));
    const char *message = json_string_value(json_object_get(j.args, "message"));
    bool dropped = true;
    if (j.s) {
        event(db, t, EV_LIVE_ROLLBACK, a->host, NULL);
        agent_instance_of(j.s, j.md, &vi);
        dropped = a->driver->rollback_live_migration(a->vh, &vi, &why) == 0;
        if (!dropped)
            log_warn("server %s: rollback_live_migration on %s: %s", j.s->uuid, a->host,
                     why.message);
    }
    if (db_begin(db) < 0) {
        rc = cerr_internal(err, "live migration rollback");
        goto cleanup;
    }
    if (j.s)
        event(db, t, EV_LIVE_ROLLBACK, NULL, dropped ? NULL : &why);
    bool ok = settle_rollback(db, t, &j, status ? status : MIGRATION_ERROR,
                              message ? message : "Live migration failed", err);
    rc = agent_commit_or_fail(db, ok, err, "live migration rollback");
cleanup:
    job_clear(&j);
    return rc;
}

const struct agent_handler compute_live_handlers[] = {
    { TASK_LIVE_PRE, do_live_pre },
    { TASK_LIVE_RUN, do_live_run },
    { TASK_LIVE_POST, do_live_post },
    { TASK_LIVE_ROLLBACK, do_live_rollback },
    { 0 }
};
