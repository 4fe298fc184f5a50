/* conductor_live.c - the conductor's part of a live migration (Nova's
 * conductor LiveMigrationTask): pre-checks, the destination's choice and
 * claim, and the hand-over to the destination's agent. The API runs
 * live_migration_schedule() itself before 2.34; from 2.34 it queues
 * TASK_LIVE_MIGRATE here and a failure only shows in the instance action
 * (the server returns to ACTIVE, not ERROR). */
#include "core/agent.h"
#include "core/instance.h"
#include "core/live_migration.h"
#include "core/migrate.h"
#include "core/scheduler.h"
#include "core/task.h"
#include "store/action.h"
#include "store/migration.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *live_task_args(int64_t migration_id, const char *source, const char *dest,
                       const struct host_usage *u)
{
    return json_pack("{s:I, s:s, s:s, s:I, s:I, s:I}", "migration_id", (json_int_t)migration_id,
                     "source", source, "dest", dest, "vcpus", (json_int_t)u->vcpus,
                     "memory_mb", (json_int_t)u->memory_mb, "disk_gb", (json_int_t)u->disk_gb);
}

/* Python's str() of a float (the shortest text that reads back the same),
 * as Nova's memory pre-check message prints the host's available RAM. */
static void py_float(double v, char *out, size_t len)
{
    if (isfinite(v) && v == floor(v) && fabs(v) < 1e16) {
        snprintf(out, len, "%.1f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, len, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

/* The forced-destination path of LiveMigrationTask._execute: the
 * scheduler is skipped, only these checks run, in this order. 0 claimed,
 * 1 refused (why), -1 store error. */
static int check_forced(struct db *db, const struct server *s, const char *dest,
                        const struct host_usage *u, struct cerr *why, struct cerr *err)
{
    struct host_row h;
    struct cerr lookup = {0};
    if (strcmp(dest, s->host) == 0) {
        cerr_set(why, 400, "Unable to migrate instance (%s) to current host (%s).", s->uuid,
                 dest);
        return 1;
    }
    if (store_host_get(db, dest, &h, &lookup) < 0) {
        if (lookup.status != 404) {
            *err = lookup;
            return -1;
        }
        cerr_set(why, 400, "Compute host %s could not be found.", dest);
        return 1;
    }
    if (!host_row_is_up(&h, clock_now_us())) {
        cerr_set(why, 400, "Compute service of %s is unavailable at this time.", dest);
        return 1;
    }
    /* _check_destination_has_enough_memory mimics the RAMFilter, with a
     * strict inequality. */
    double avail = (double)h.memory_mb * h.ram_allocation_ratio - (double)h.memory_mb_used;
    if (!s->memory_mb || avail <= (double)s->memory_mb) {
        char text[64];
        py_float(avail, text, sizeof(text));
        cerr_set(why, 500, "Migration pre-check error: Unable to migrate %s to %s: Lack of "
                 "memory(host:%s <= instance:%lld)", s->uuid, dest, text,
                 (long long)s->memory_mb);
        return 1;
    }
    int won = store_host_claim(db, dest, u);
    if (won < 0)
        return cerr_internal(err, "destination claim");
    if (won == 0) {
        cerr_set(why, 500, "No valid host was found. Unable to move instance %s to host %s. "
                 "There is not enough capacity on the host for the instance.", s->uuid, dest);
        return 1;
    }
    return 0;
}

/* The conductor's failure handling (_set_vm_state with the server's own
 * vm_state, migration "error"): the server stays where it is, usable. */
static int precheck_failed(struct db *db, const struct server *s, int64_t migration_id,
                           const char *request_id, const struct cerr *why, struct cerr *err)
{
    if (store_server_set_state(db, s->uuid, "migrating", NULL, "", POWER_KEEP, err) < 0 ||
        store_server_fault_add(db, s->uuid, why->status, why->message, why->message,
                               s->host) < 0 ||
        store_migration_set_status(db, migration_id, NULL, MIGRATION_ERROR) < 0)
        return err->message[0] ? -1 : cerr_internal(err, "live migration pre-check failure");
    if (request_id && request_id[0]) {
        store_action_event_finish(db, s->uuid, request_id, EV_LIVE_CONDUCTOR, "Error",
                                  why->message);
        store_action_finish(db, s->uuid, request_id, "Error");
    }
    log_info("server %s: live migration refused: %s", s->uuid, why->message);
    return 0;
}

/* The destination accepted: its checks are recorded as Nova's compute
 * services record them, and the destination's agent takes over. */
static int hand_to_dest(struct db *db, const struct server *s, int64_t migration_id,
                        const char *dest, const struct host_usage *u, const char *request_id,
                        struct cerr *err)
{
    struct host_row h;
    const char *ip = store_host_get(db, dest, &h, err) == 0 ? h.host_ip : NULL;
    if (!ip)
        return -1;
    json_t *args = live_task_args(migration_id, s->host, dest, u);
    int rc = store_migration_set_dest(db, migration_id, dest, dest, ip) < 0 ||
             store_migration_set_status(db, migration_id, NULL, MIGRATION_QUEUED) < 0
             ? cerr_internal(err, "live migration destination")
             : task_enqueue(db, TASK_LIVE_PRE, s->uuid, dest, args, request_id, err);
    json_decref(args);
    if (rc == 0 && request_id && request_id[0]) {
        store_action_event_start(db, s->uuid, request_id, EV_LIVE_CHECK_DEST, dest);
        store_action_event_start(db, s->uuid, request_id, EV_LIVE_CHECK_SRC, s->host);
        store_action_event_finish(db, s->uuid, request_id, EV_LIVE_CHECK_SRC, "Success", NULL);
        store_action_event_finish(db, s->uuid, request_id, EV_LIVE_CHECK_DEST, "Success", NULL);
        store_action_event_finish(db, s->uuid, request_id, EV_LIVE_CONDUCTOR, "Success", NULL);
    }
    return rc;
}

int live_migration_schedule(struct db *db, const struct server *s, int64_t migration_id,
                            const struct live_target *t, const char *request_id,
                            char dest[HOST_NAME_LEN], struct cerr *why, struct cerr *err)
{
    struct host_usage u;
    struct host_row src;
    struct cerr lookup = {0};
    int rc;
    scheduler_usage_of(s, &u);
    if (request_id && request_id[0])
        store_action_event_start(db, s->uuid, request_id, EV_LIVE_CONDUCTOR, NULL);
    /* _check_host_is_up(source) comes first. */
    if (store_host_get(db, s->host, &src, &lookup) < 0 && lookup.status != 404) {
        *err = lookup;
        return -1;
    }
    if (lookup.status == 404 || !host_row_is_up(&src, clock_now_us())) {
        cerr_set(why, 400, "Compute service of %s is unavailable at this time.", s->host);
        rc = 1;
    } else if (t->host && t->force) {
        rc = check_forced(db, s, t->host, &u, why, err);
        if (rc == 0)
            str_copy(dest, HOST_NAME_LEN, t->host);
    } else {
        /* _find_destination: the scheduler with the source in ignore_hosts,
         * and a requested host as requested_destination (2.30+ force
         * false). Its destination checks cannot refuse a host the filters
         * passed here, so the retry loop of migrate_max_retries never
         * turns. */
        struct sched_result res;
        rc = migrate_schedule(db, s, &u, t->host, &res, &lookup);
        if (rc < 0)
            *err = lookup;
        else if (rc == 1)
            cerr_set(why, 500, "%s", NO_VALID_HOST);
        else
            str_copy(dest, HOST_NAME_LEN, res.host);
    }
    if (rc < 0)
        return -1;
    if (rc == 1)
        return precheck_failed(db, s, migration_id, request_id, why, err) < 0 ? -1 : 1;
    return hand_to_dest(db, s, migration_id, dest, &u, request_id, err) < 0 ? -1 : 0;
}

/* TASK_LIVE_MIGRATE (2.34+): the same checks, after the API answered. */
static int do_live_migrate(struct agent *a, const struct task *t, struct cerr *err)
{
    (void)a;
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *args = json_loads(t->args, 0, NULL);
    int64_t migration_id = json_integer_value(json_object_get(args, "migration_id"));
    struct live_target target = {
        .host = json_string_value(json_object_get(args, "host")),
        .force = json_is_true(json_object_get(args, "force")),
    };
    char dest[HOST_NAME_LEN] = "";
    struct cerr why = {0};
    int rc = -1;
    if (db_begin(db) < 0) {
        cerr_internal(err, "live migration transaction");
        goto cleanup;
    }
    int found = agent_still_in(db, t->instance_uuid, "migrating", &s, err);
    bool ok = found >= 0;
    if (found == 0)   /* deleted or reset while queued: nothing was claimed */
        ok = store_migration_set_status(db, migration_id, NULL, MIGRATION_ERROR) >= 0;
    else if (found == 1)
        ok = live_migration_schedule(db, s, migration_id, &target, t->request_id, dest, &why,
                                     err) >= 0;
    ok = ok && store_task_finish(db, t->id) == 0;
    if (!ok)
        dest[0] = '\0';
    rc = agent_commit_or_fail(db, ok, err, "live migration commit");
    if (rc == 0 && dest[0])
        worker_kick_queue(dest);
cleanup:
    server_free(s);
    json_decref(args);
    return rc;
}

const struct agent_handler conductor_live_handlers[] = {
    { TASK_LIVE_MIGRATE, do_live_migrate },
    { 0 }
};
