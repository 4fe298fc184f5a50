/* task.c - the tasks repository. The claim is a portable compare-and-swap
 * (UPDATE ... WHERE state = 'pending'), so it works the same when several
 * cirrusd processes poll one database. */
#include "store/task.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define TASK_COLS \
    "id, kind, instance_uuid, host, state, args, request_id, owner, attempts, run_after, " \
    "created_at, updated_at"

void task_clear(struct task *t)
{
    if (!t)
        return;
    free(t->args);
    t->args = NULL;
}

void task_list_free(struct task *list, int count)
{
    for (int i = 0; list && i < count; i++)
        task_clear(&list[i]);
    free(list);
}

static void row_to_task(struct db_stmt *st, struct task *t)
{
    memset(t, 0, sizeof(*t));
    t->id = db_col_int(st, 0);
    str_copy(t->kind, sizeof(t->kind), db_col_str(st, 1));
    str_copy(t->instance_uuid, sizeof(t->instance_uuid), db_col_str(st, 2));
    str_copy(t->host, sizeof(t->host), db_col_str(st, 3));
    str_copy(t->state, sizeof(t->state), db_col_str(st, 4));
    t->args = xstrdup(db_col_text(st, 5) ? db_col_text(st, 5) : "{}");
    str_copy(t->request_id, sizeof(t->request_id), db_col_str(st, 6));
    str_copy(t->owner, sizeof(t->owner), db_col_str(st, 7));
    t->attempts = (int)db_col_int(st, 8);
    t->run_after = db_col_int(st, 9);
    t->created_at = db_col_int(st, 10);
    t->updated_at = db_col_int(st, 11);
}

int store_task_insert(struct db *db, const char *kind, const char *instance_uuid,
                      const char *host, const char *args_json, const char *request_id,
                      int64_t run_after, int64_t *id_out, struct cerr *err)
{
    int64_t now = clock_now_us(), id = 0;
    int rc = db_query_int(db, &id,
                          "INSERT INTO tasks (kind, instance_uuid, host, state, args, request_id,"
                          "  run_after, created_at, updated_at)"
                          " VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?) RETURNING id",
                          "sssssiii", kind, instance_uuid, host, args_json ? args_json : "{}",
                          request_id, run_after, now, now);
    if (rc != 1)
        return cerr_internal(err, "task insert");
    if (id_out)
        *id_out = id;
    return 0;
}

/* The id of the oldest runnable pending task of a queue; 0 none. */
static int next_pending(struct db *db, const char *host, int64_t now_us, int64_t *id)
{
    if (host)
        return db_query_int(db, id, "SELECT id FROM tasks WHERE state = 'pending' AND host = ?"
                                    " AND run_after <= ? ORDER BY id LIMIT 1", "si", host, now_us);
    return db_query_int(db, id, "SELECT id FROM tasks WHERE state = 'pending' AND host IS NULL"
                                " AND run_after <= ? ORDER BY id LIMIT 1", "i", now_us);
}

static int read_task(struct db *db, int64_t id, struct task *out)
{
    struct db_stmt *st = db_prep(db, "SELECT " TASK_COLS " FROM tasks WHERE id = ?");
    if (!st)
        return -1;
    db_bind_int(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_to_task(st, out);
    db_done(st);
    return rc == DB_ROW ? 1 : rc < 0 ? -1 : 0;
}

int store_task_claim_next(struct db *db, const char *host, const char *owner, int64_t now_us,
                          struct task *out)
{
    /* Losing the swap means another worker took that row: look again. The
     * bound keeps a pathological race from spinning forever. */
    for (int tries = 0; tries < 16; tries++) {
        int64_t id = 0;
        int rc = next_pending(db, host, now_us, &id);
        if (rc <= 0)
            return rc;
        int64_t won = db_run(db, "UPDATE tasks SET state = 'running', owner = ?, updated_at = ?"
                                 " WHERE id = ? AND state = 'pending'", "sii", owner, now_us, id);
        if (won < 0)
            return -1;
        if (won == 1)
            return read_task(db, id, out);
    }
    return 0;
}

int store_task_pending_queues(struct db *db, char ***hosts, int *count, bool *conductor)
{
    struct db_stmt *st = db_prep(db, "SELECT DISTINCT host FROM tasks WHERE state = 'pending'");
    if (!st)
        return -1;
    char **list = NULL;
    int n = 0, cap = 0, rc;
    *conductor = false;
    while ((rc = db_step(st)) == DB_ROW) {
        if (db_col_null(st, 0)) {
            *conductor = true;
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            list = xrealloc(list, (size_t)cap * sizeof(*list));
        }
        list[n++] = xstrdup(db_col_str(st, 0));
    }
    db_done(st);
    *hosts = list;
    *count = n;
    return rc < 0 ? -1 : 0;
}

int store_task_finish(struct db *db, int64_t id)
{
    return db_run(db, "DELETE FROM tasks WHERE id = ?", "i", id) < 0 ? -1 : 0;
}

int store_task_fail(struct db *db, int64_t id)
{
    return db_run(db, "UPDATE tasks SET state = 'failed', updated_at = ? WHERE id = ?", "ii",
                  clock_now_us(), id) < 0 ? -1 : 0;
}

int store_task_retry(struct db *db, int64_t id, int64_t run_after)
{
    return db_run(db, "UPDATE tasks SET state = 'pending', owner = NULL,"
                      " attempts = attempts + 1, run_after = ?, updated_at = ? WHERE id = ?",
                  "iii", run_after, clock_now_us(), id) < 0 ? -1 : 0;
}

int store_task_running_by(struct db *db, const char *owner, struct task **out, int *count)
{
    struct db_stmt *st = db_prep(db, "SELECT " TASK_COLS " FROM tasks"
                                     " WHERE state = 'running' AND owner = ? ORDER BY id");
    if (!st)
        return -1;
    db_bind_text(st, 1, owner);
    struct task *list = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            list = xrealloc(list, (size_t)cap * sizeof(*list));
        }
        row_to_task(st, &list[n++]);
    }
    db_done(st);
    if (rc < 0) {
        task_list_free(list, n);
        return -1;
    }
    *out = list;
    *count = n;
    return 0;
}

int store_task_orphans(struct db *db, struct task_orphan **out, int *count)
{
    struct db_stmt *st = db_prep(db,
        "SELECT uuid, vm_state, task_state, host FROM instances i"
        " WHERE deleted = 0 AND task_state IS NOT NULL AND NOT EXISTS ("
        "  SELECT 1 FROM tasks t WHERE t.instance_uuid = i.uuid"
        "   AND t.state IN ('pending', 'running')) ORDER BY id");
    if (!st)
        return -1;
    struct task_orphan *list = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            list = xrealloc(list, (size_t)cap * sizeof(*list));
        }
        struct task_orphan *o = &list[n++];
        str_copy(o->uuid, sizeof(o->uuid), db_col_str(st, 0));
        str_copy(o->vm_state, sizeof(o->vm_state), db_col_str(st, 1));
        str_copy(o->task_state, sizeof(o->task_state), db_col_str(st, 2));
        str_copy(o->host, sizeof(o->host), db_col_str(st, 3));
    }
    db_done(st);
    if (rc < 0) {
        free(list);
        return -1;
    }
    *out = list;
    *count = n;
    return 0;
}
