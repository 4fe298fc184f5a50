/* migrate.h - cold migration and resize, shared by the API actions
 * (server_actions_migrate.c), the conductor (conductor_migrate.c) and the
 * compute agents (compute_migrate.c): task kinds, event names, and the
 * destination choice, which runs while the API request waits, as Nova's
 * conductor call does (a NoValidHost there is the API's 400). */
#ifndef CIRRUS_MIGRATE_H
#define CIRRUS_MIGRATE_H

#include <jansson.h>
#include <stdbool.h>

#include "core/scheduler.h"
#include "store/db.h"
#include "store/host.h"
#include "store/migration.h"
#include "store/server.h"
#include "util/err.h"

/* Task kinds; args {"migration_id": N}. The host each runs on: */
#define TASK_PREP_RESIZE          "prep_resize"           /* destination */
#define TASK_RESIZE_INSTANCE      "resize_instance"       /* source */
#define TASK_FINISH_RESIZE        "finish_resize"         /* destination */
#define TASK_CONFIRM_RESIZE       "confirm_resize"        /* source */
#define TASK_REVERT_RESIZE        "revert_resize"         /* destination */
#define TASK_FINISH_REVERT_RESIZE "finish_revert_resize"  /* source */
#define TASK_AUTO_CONFIRM_RESIZE  "auto_confirm_resize"   /* conductor, delayed */

/* Instance action events, as Nova records them. */
#define EV_MIGRATE_SERVER      "conductor_migrate_server"
#define EV_PREP_RESIZE         "compute_prep_resize"
#define EV_RESIZE_INSTANCE     "compute_resize_instance"
#define EV_FINISH_RESIZE       "compute_finish_resize"
#define EV_CONFIRM_RESIZE      "compute_confirm_resize"
#define EV_REVERT_RESIZE       "compute_revert_resize"
#define EV_FINISH_REVERT       "compute_finish_revert_resize"

/* Picks a destination other than the source (the server's host) for u,
 * honouring requested_host ("" = any) and the scheduler's filters, and
 * claims u there, inside the caller's transaction. 0 with out filled; 1
 * no host fits (err 400 NO_VALID_HOST, out->why filled); -1 store error. */
int migrate_schedule(struct db *db, const struct server *s, const struct host_usage *u,
                     const char *requested_host, struct sched_result *out, struct cerr *err);

/* A flavor as a migration row keeps it (old_flavor / new_flavor JSON):
 * the server's current one, with "image_backed" (a local root disk). */
json_t *migrate_flavor_of_server(const struct server *s);
/* What a server with that flavor holds on a host: the flavor's
 * "image_backed" decides whether the root disk is local, else image_ref
 * ("" or NULL = volume-backed). */
void migrate_flavor_usage(const json_t *flavor, const char *image_ref, struct host_usage *u);

/* The source handing the move back after confirm, for the API (in the
 * caller's transaction): migration "confirming" and the source's
 * confirm_resize task. */
int migrate_confirm_enqueue(struct db *db, const struct migration_row *m,
                            const char *request_id, struct cerr *err);

/* Deleting a server in VERIFY_RESIZE confirms its move first, as Nova's
 * _confirm_resize_on_deleting: the source drops its copy and its claim
 * (the delete frees the destination's). In the delete's transaction;
 * nothing when the server has no finished move. */
int migrate_confirm_on_delete(struct db *db, const char *instance_uuid, struct cerr *err);

#endif
