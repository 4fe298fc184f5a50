/* action.h - instance actions and their events (os-instance-actions), and
 * migration records. Written inside the caller's transaction. */
#ifndef CIRRUS_STORE_ACTION_H
#define CIRRUS_STORE_ACTION_H

#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

/* Records the start of a user-visible action (action names as Nova's:
 * "create", "delete", "reboot", "live-migration", ...). */
int store_action_start(struct db *db, const char *instance_uuid, const char *action,
                       const char *request_id, const char *user_id, const char *project_id,
                       struct cerr *err);
/* Sets finish_time (and message, e.g. "Error", when the action failed). */
int store_action_finish(struct db *db, const char *instance_uuid, const char *request_id,
                        const char *message);
/* Events inside an action, e.g. "compute__do_build_and_run_instance". */
int store_action_event_start(struct db *db, const char *instance_uuid, const char *request_id,
                             const char *event, const char *host);
/* result "Success" or "Error"; traceback may be NULL. */
int store_action_event_finish(struct db *db, const char *instance_uuid,
                              const char *request_id, const char *event, const char *result,
                              const char *traceback);

#endif
