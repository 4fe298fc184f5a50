/* live_migration.h - live migration (os-migrateLive), shared by the API
 * action (server_actions_live.c), the conductor (conductor_live.c) and the
 * compute agents (compute_live.c): task kinds, event names, and the
 * conductor's pre-checks, which the API runs itself before 2.34 (Nova's
 * synchronous conductor call, whose failures are the API's 400) and the
 * conductor runs from 2.34 (failures only show in the instance action).
 *
 * The move, as Nova's ComputeManager runs it:
 *   conductor  TASK_LIVE_MIGRATE  pre-checks, destination claim   accepted -> queued
 *   dest       TASK_LIVE_PRE      pre_live_migration              preparing -> running
 *   source     TASK_LIVE_RUN      live_migration (progress), post_live_migration
 *   dest       TASK_LIVE_POST     post_live_migration_at_destination, host switch,
 *                                 source claim released            completed
 *   dest       TASK_LIVE_ROLLBACK rollback_live_migration, destination claim
 *                                 released, server back to its source
 *                                                                  error / cancelled
 * Task args: {"migration_id", "source", "dest", "vcpus", "memory_mb",
 * "disk_gb"} (the claim, kept so it can be released even if the server
 * is gone), plus "status" and "message" for a rollback. */
#ifndef CIRRUS_LIVE_MIGRATION_H
#define CIRRUS_LIVE_MIGRATION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "store/host.h"
#include "store/server.h"
#include "util/err.h"

#define TASK_LIVE_MIGRATE  "live_migrate"
#define TASK_LIVE_PRE      "live_pre"
#define TASK_LIVE_RUN      "live_run"
#define TASK_LIVE_POST     "live_post"
#define TASK_LIVE_ROLLBACK "live_rollback"

/* Instance action events, as Nova's wrap_instance_event names them. */
#define EV_LIVE_CONDUCTOR  "conductor_live_migrate_instance"
#define EV_LIVE_CHECK_DEST "compute_check_can_live_migrate_destination"
#define EV_LIVE_CHECK_SRC  "compute_check_can_live_migrate_source"
#define EV_LIVE_PRE        "compute_pre_live_migration"
#define EV_LIVE_RUN        "compute_live_migration"
#define EV_LIVE_POST_DEST  "compute_post_live_migration_at_destination"
#define EV_LIVE_ROLLBACK   "compute_rollback_live_migration_at_destination"
#define EV_LIVE_ABORT      "compute_live_migration_abort"
#define EV_LIVE_FORCE      "compute_live_migration_force_complete"

/* Where the caller asked the server to go. */
struct live_target {
    const char *host;    /* NULL = the scheduler picks */
    bool force;          /* skip the scheduler: a host before 2.30, or force=true */
};

/* The conductor's LiveMigrationTask for migration migration_id of server
 * s (task_state migrating), inside the caller's transaction: checks, picks
 * and claims the destination, records the conductor and check events, and
 * queues the destination's TASK_LIVE_PRE (migration "queued").
 * 0 handed on (dest filled); 1 a pre-check failed (why holds Nova's
 * message): the server is back to its vm_state with no task, the migration
 * is "error", the action's events say why; -1 store error (err). */
int live_migration_schedule(struct db *db, const struct server *s, int64_t migration_id,
                            const struct live_target *t, const char *request_id,
                            char dest[HOST_NAME_LEN], struct cerr *why, struct cerr *err);

/* The task args above for a claim of u from source to dest. */
json_t *live_task_args(int64_t migration_id, const char *source, const char *dest,
                       const struct host_usage *u);

#endif
