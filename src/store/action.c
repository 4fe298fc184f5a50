/* action.c - the instance actions repository: what a user asked of a
 * server (one row per request) and the steps the compute side ran for it
 * (events), written as nova/db/main/api.py action_start/action_finish/
 * action_event_start/action_event_finish do, including their updated_at
 * bumps that drive changes-since (2.58). */
#include "store/action.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- writes --- */

int store_action_start(struct db *db, const char *instance_uuid, const char *action,
                       const char *request_id, const char *user_id, const char *project_id,
                       struct cerr *err)
{
    int64_t now = clock_now_us();
    if (db_run(db, "INSERT INTO instance_actions (instance_uuid, request_id, action, user_id,"
                   " project_id, start_time, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
               "sssssii", instance_uuid, request_id, action, user_id, project_id, now, now) < 0)
        return cerr_internal(err, "instance action insert");
    return 0;
}

/* The action a request started on a server (the newest, should a request
 * id repeat): 1 found, 0 none, -1 error. */
static int action_id_of(struct db *db, const char *instance_uuid, const char *request_id,
                        int64_t *id)
{
    return db_query_int(db, id, "SELECT id FROM instance_actions WHERE instance_uuid = ? AND "
                                "request_id = ? ORDER BY start_time DESC, id DESC LIMIT 1",
                        "ss", instance_uuid, request_id);
}

/* A NULL message keeps what the events decided ("Error" once one failed). */
int store_action_finish(struct db *db, const char *instance_uuid, const char *request_id,
                        const char *message)
{
    int64_t id, now = clock_now_us();
    int rc = action_id_of(db, instance_uuid, request_id, &id);
    if (rc <= 0)
        return -1;
    if (db_run(db, "UPDATE instance_actions SET finish_time = ?, updated_at = ?,"
                   " message = COALESCE(?, message) WHERE id = ?",
               "iisi", now, now, message, id) < 0)
        return -1;
    return 0;
}

static int touch_action(struct db *db, int64_t id, int64_t now)
{
    return db_run(db, "UPDATE instance_actions SET updated_at = ? WHERE id = ?", "ii", now, id)
        < 0 ? -1 : 0;
}

/* A task re-run after a restart continues its unfinished event rather
 * than recording a second one. */
int store_action_event_start(struct db *db, const char *instance_uuid, const char *request_id,
                             const char *event, const char *host)
{
    int64_t id, open_event, now = clock_now_us();
    if (action_id_of(db, instance_uuid, request_id, &id) <= 0)
        return -1;
    int rc = db_query_int(db, &open_event, "SELECT id FROM instance_action_events WHERE "
                                           "action_id = ? AND event = ? AND finish_time IS NULL",
                          "is", id, event);
    if (rc < 0)
        return -1;
    if (rc == 0 &&
        db_run(db, "INSERT INTO instance_action_events (action_id, event, start_time, host)"
                   " VALUES (?, ?, ?, ?)", "isis", id, event, now, host) < 0)
        return -1;
    return touch_action(db, id, now);
}

/* Nova stores the fault message as the event's details: the last line
 * of a traceback, or the whole text when it is a single message. */
static char *details_of(const char *traceback)
{
    if (!traceback || !traceback[0])
        return NULL;
    const char *end = traceback + strlen(traceback);
    while (end > traceback && (end[-1] == '\n' || end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > traceback && start[-1] != '\n')
        start--;
    return start < end ? xstrndup(start, (size_t)(end - start)) : NULL;
}

/* The event being finished: the open one of that name, else the newest. */
static int event_id_of(struct db *db, int64_t action_id, const char *event, int64_t *id)
{
    return db_query_int(db, id, "SELECT id FROM instance_action_events WHERE action_id = ? AND"
                                " event = ? ORDER BY CASE WHEN finish_time IS NULL THEN 0"
                                " ELSE 1 END, id DESC LIMIT 1", "is", action_id, event);
}

int store_action_event_finish(struct db *db, const char *instance_uuid,
                              const char *request_id, const char *event, const char *result,
                              const char *traceback)
{
    int64_t action_id, id, now = clock_now_us();
    bool failed = result && strcasecmp(result, "error") == 0;
    char *details = failed ? details_of(traceback) : NULL;
    int rc = -1;
    if (action_id_of(db, instance_uuid, request_id, &action_id) <= 0)
        goto cleanup;
    int found = event_id_of(db, action_id, event, &id);
    /* finishing an event nobody started still records it */
    if (found == 0)
        found = db_query_int(db, &id, "INSERT INTO instance_action_events (action_id, event,"
                                      " start_time) VALUES (?, ?, ?) RETURNING id",
                             "isi", action_id, event, now);
    if (found <= 0)
        goto cleanup;
    if (db_run(db, "UPDATE instance_action_events SET finish_time = ?, result = ?,"
                   " traceback = ?, details = ? WHERE id = ?",
               "isssi", now, result, failed ? traceback : NULL, details, id) < 0)
        goto cleanup;
    if (failed && db_run(db, "UPDATE instance_actions SET message = 'Error' WHERE id = ?", "i",
                         action_id) < 0)
        goto cleanup;
    rc = touch_action(db, action_id, now);
cleanup:
    free(details);
    return rc;
}

/* --- reads --- */

#define ACTION_COLS "id, instance_uuid, request_id, action, user_id, project_id, start_time," \
                    " finish_time, message, updated_at"

static void row_to_action(struct db_stmt *st, struct action_row *a)
{
    memset(a, 0, sizeof(*a));
    a->id = db_col_int(st, 0);
    str_copy(a->instance_uuid, sizeof(a->instance_uuid), db_col_str(st, 1));
    str_copy(a->request_id, sizeof(a->request_id), db_col_str(st, 2));
    str_copy(a->action, sizeof(a->action), db_col_str(st, 3));
    str_copy(a->user_id, sizeof(a->user_id), db_col_str(st, 4));
    str_copy(a->project_id, sizeof(a->project_id), db_col_str(st, 5));
    a->start_time = db_col_int(st, 6);
    a->finish_time = db_col_null(st, 7) ? 0 : db_col_int(st, 7);
    str_copy(a->message, sizeof(a->message), db_col_str(st, 8));
    a->updated_at = db_col_int(st, 9);
}

int store_action_get(struct db *db, const char *instance_uuid, const char *request_id,
                     struct action_row *out)
{
    struct db_stmt *st = db_prep(db, "SELECT " ACTION_COLS " FROM instance_actions WHERE"
                                     " instance_uuid = ? AND request_id = ?"
                                     " ORDER BY start_time DESC, id DESC LIMIT 1");
    if (!st || db_bind_text(st, 1, instance_uuid) < 0 || db_bind_text(st, 2, request_id) < 0) {
        db_done(st);
        return -1;
    }
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_to_action(st, out);
    db_done(st);
    return rc < 0 ? -1 : rc == DB_ROW;
}

/* Unset bounds bind to the extremes, so one cached statement serves every
 * combination of filters: the marker row's (start_time, id) bounds the
 * page from above, as paginate_query does with sort keys created_at, id. */
static int bind_list(struct db_stmt *st, const struct action_list_query *q,
                     const struct action_row *marker)
{
    int64_t mstart = marker ? marker->start_time : INT64_MAX;
    int64_t mid = marker ? marker->id : INT64_MAX;
    return db_bind_text(st, 1, q->instance_uuid) < 0 ||
           db_bind_int(st, 2, q->changes_since ? q->changes_since : INT64_MIN) < 0 ||
           db_bind_int(st, 3, q->changes_before ? q->changes_before : INT64_MAX) < 0 ||
           db_bind_int(st, 4, mstart) < 0 || db_bind_int(st, 5, mstart) < 0 ||
           db_bind_int(st, 6, mid) < 0 ||
           db_bind_int(st, 7, q->limit > 0 ? q->limit : INT64_MAX) < 0 ? -1 : 0;
}

int store_action_list(struct db *db, const struct action_list_query *q, struct action_row **out,
                      int *count, struct cerr *err)
{
    struct action_row marker, *rows = NULL;
    int n = 0, cap = 0, rc;
    if (q->marker) {
        rc = store_action_get(db, q->instance_uuid, q->marker, &marker);
        if (rc < 0)
            return cerr_internal(err, "instance action marker");
        if (rc == 0)
            return cerr_set(err, 400, "Marker %s could not be found.", q->marker);
    }
    struct db_stmt *st = db_prep(db, "SELECT " ACTION_COLS " FROM instance_actions WHERE"
                                     " instance_uuid = ? AND updated_at >= ? AND updated_at <= ?"
                                     " AND (start_time < ? OR (start_time = ? AND id < ?))"
                                     " ORDER BY start_time DESC, id DESC LIMIT ?");
    if (!st || bind_list(st, q, q->marker ? &marker : NULL) < 0) {
        db_done(st);
        return cerr_internal(err, "instance action list");
    }
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            rows = xrealloc(rows, (size_t)cap * sizeof(*rows));
        }
        row_to_action(st, &rows[n++]);
    }
    db_done(st);
    if (rc < 0) {
        free(rows);
        return cerr_internal(err, "instance action list");
    }
    *out = rows;
    *count = n;
    return 0;
}

static void row_to_event(struct db_stmt *st, struct action_event_row *e)
{
    memset(e, 0, sizeof(*e));
    str_copy(e->event, sizeof(e->event), db_col_str(st, 0));
    e->start_time = db_col_int(st, 1);
    e->finish_time = db_col_null(st, 2) ? 0 : db_col_int(st, 2);
    str_copy(e->result, sizeof(e->result), db_col_str(st, 3));
    e->traceback = xstrdup(db_col_text(st, 4));
    str_copy(e->host, sizeof(e->host), db_col_str(st, 5));
    e->details = xstrdup(db_col_text(st, 6));
}

int store_action_events(struct db *db, int64_t action_id, struct action_event_row **out,
                        int *count)
{
    struct action_event_row *rows = NULL;
    int n = 0, cap = 0, rc;
    struct db_stmt *st = db_prep(db, "SELECT event, start_time, finish_time, result, traceback,"
                                     " host, details FROM instance_action_events"
                                     " WHERE action_id = ? ORDER BY start_time DESC, id DESC");
    if (!st || db_bind_int(st, 1, action_id) < 0) {
        db_done(st);
        return -1;
    }
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            rows = xrealloc(rows, (size_t)cap * sizeof(*rows));
        }
        row_to_event(st, &rows[n++]);
    }
    db_done(st);
    if (rc < 0) {
        store_action_events_free(rows, n);
        return -1;
    }
    *out = rows;
    *count = n;
    return 0;
}

void store_action_events_free(struct action_event_row *events, int count)
{
    for (int i = 0; events && i < count; i++) {
        free(events[i].traceback);
        free(events[i].details);
    }
    free(events);
}

int store_action_deleted_server(struct db *db, const char *uuid, const char *project_id,
                                char owner[ACTION_ID + 8])
{
    struct db_stmt *st = db_prep(db, "SELECT project_id FROM instances WHERE uuid = ?"
                                     " AND deleted = 1");
    if (!st || db_bind_text(st, 1, uuid) < 0) {
        db_done(st);
        return -1;
    }
    int rc = db_step(st);
    bool found = rc == DB_ROW && (!project_id || strcmp(db_col_str(st, 0), project_id) == 0);
    if (found)
        str_copy(owner, ACTION_ID + 8, db_col_str(st, 0));
    db_done(st);
    return rc < 0 ? -1 : found;
}
