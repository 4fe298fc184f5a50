/* task_result.c - the task_results repository (see task_result.h). */
#include "store/task_result.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdlib.h>

void task_result_clear(struct task_result *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
}

int store_task_result_put(struct db *db, int64_t task_id, int status, const char *body)
{
    return db_run(db, "INSERT INTO task_results (task_id, status, body, created_at)"
                      " VALUES (?, ?, ?, ?)",
                  "iisi", task_id, (int64_t)status, body ? body : "", clock_now_us()) < 0
           ? -1 : 0;
}

int store_task_result_take(struct db *db, int64_t task_id, struct task_result *out)
{
    struct db_stmt *st = db_prep(db, "SELECT status, body FROM task_results WHERE task_id = ?");
    if (!st)
        return -1;
    db_bind_int(st, 1, task_id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        out->status = (int)db_col_int(st, 0);
        out->body = xstrdup(db_col_str(st, 1));
    }
    db_done(st);
    if (rc != DB_ROW)
        return rc < 0 ? -1 : 0;
    if (db_run(db, "DELETE FROM task_results WHERE task_id = ?", "i", task_id) < 0) {
        task_result_clear(out);
        return -1;
    }
    return 1;
}

int store_task_result_expire(struct db *db, int64_t before_us)
{
    return db_run(db, "DELETE FROM task_results WHERE created_at < ?", "i", before_us) < 0
           ? -1 : 0;
}
