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
/* result "Success" or "Error"; traceback may be NULL. An Error also sets
 * the action's message to "Error" and the event's details (2.84) to the
 * last line of traceback, Nova's fault message. */
int store_action_event_finish(struct db *db, const char *instance_uuid,
                              const char *request_id, const char *event, const char *result,
                              const char *traceback);

/* --- reads for os-instance-actions (store/action.c) --- */

#define ACTION_ID 64
#define ACTION_NAME 64

/* One instance_actions row; times in microseconds, 0 = null. */
struct action_row {
    int64_t id;
    char instance_uuid[ACTION_ID];
    char request_id[ACTION_ID];
    char action[ACTION_NAME];
    char user_id[ACTION_ID + 8], project_id[ACTION_ID + 8];   /* "" = null */
    int64_t start_time, finish_time, updated_at;
    char message[256];                                        /* "" = null */
};

struct action_event_row {
    char event[128];
    int64_t start_time, finish_time;    /* 0 = null */
    char result[16];                    /* "" = null */
    char *traceback, *details;          /* NULL = null */
    char host[256];                     /* "" = null */
};

/* Newest first (start time, then id, as nova sorts created_at, id). */
struct action_list_query {
    const char *instance_uuid;
    int64_t changes_since, changes_before;   /* updated_at bounds; 0 = unset */
    const char *marker;                      /* request_id; unknown -> 400 */
    int limit;                               /* <= 0 = no limit */
};
int store_action_list(struct db *db, const struct action_list_query *q, struct action_row **out,
                      int *count, struct cerr *err);
/* The newest action of a server with that request id: 1 found, 0 none, -1 error. */
int store_action_get(struct db *db, const char *instance_uuid, const char *request_id,
                     struct action_row *out);
/* Events of an action, newest first. Free with store_action_events_free. */
int store_action_events(struct db *db, int64_t action_id, struct action_event_row **out,
                        int *count);
void store_action_events_free(struct action_event_row *events, int count);

/* A deleted server's project (actions stay readable from 2.21): 1 found
 * (in project_id when that is not NULL), 0 none, -1 error. */
int store_action_deleted_server(struct db *db, const char *uuid, const char *project_id,
                                char owner[ACTION_ID + 8]);

#endif
