/* task_result.h - answers of synchronous tasks: the few compute operations
 * Nova performs as an RPC call rather than a cast (get_console_output,
 * set_admin_password). The compute agent writes the answer in the same
 * transaction that finishes the task; the API handler that queued it polls
 * for the row and takes it, so the channel works across processes sharing
 * one database, like the tasks table itself. */
#ifndef CIRRUS_STORE_TASK_RESULT_H
#define CIRRUS_STORE_TASK_RESULT_H

#include <stdint.h>

#include "store/db.h"

/* One answer: an HTTP-like status (200 ok, else the status the API should
 * answer with) and a body (the output, or the error message). */
struct task_result {
    int status;
    char *body;                  /* never NULL after a take */
};
void task_result_clear(struct task_result *r);

/* Inside the caller's transaction; body may be NULL ("" is stored). */
int store_task_result_put(struct db *db, int64_t task_id, int status, const char *body);
/* Reads and deletes the answer of task_id: 1 taken into *out, 0 not there
 * yet, -1 store error. */
int store_task_result_take(struct db *db, int64_t task_id, struct task_result *out);
/* Drops answers older than before_us nobody took (their caller timed out). */
int store_task_result_expire(struct db *db, int64_t before_us);

#endif
