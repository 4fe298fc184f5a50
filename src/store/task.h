/* task.h - the tasks repository: durable work rows shared by every cirrusd
 * process on one database. A worker owns a row only after winning the
 * compare-and-swap pending -> running, so two workers never run one task;
 * rows a crash left running are found again by owner at start-up. */
#ifndef CIRRUS_STORE_TASK_H
#define CIRRUS_STORE_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

#define TASK_PENDING "pending"
#define TASK_RUNNING "running"
#define TASK_FAILED  "failed"
/* Finished tasks are deleted, so the table holds only live work and the
 * failures kept for inspection. */

#define TASK_OWNER_LEN 300

struct task {
    int64_t id;
    char kind[32];
    char instance_uuid[40];      /* "" = none */
    char host[256];              /* "" = the conductor's */
    char state[16];
    char *args;                  /* JSON text, never NULL after a read */
    char request_id[64];         /* "" = none */
    char owner[TASK_OWNER_LEN];  /* "" = unclaimed */
    int attempts;                /* failed runs so far (crashes, store errors) */
    int64_t run_after, created_at, updated_at;
};
void task_clear(struct task *t);  /* frees args */

/* Inserts a pending task (host NULL = conductor); *id_out may be NULL. */
int store_task_insert(struct db *db, const char *kind, const char *instance_uuid,
                      const char *host, const char *args_json, const char *request_id,
                      int64_t run_after, int64_t *id_out, struct cerr *err);

/* Claims the oldest runnable pending task of a queue (host NULL = the
 * conductor's) for owner: 1 with *out filled, 0 none, -1 store error. */
int store_task_claim_next(struct db *db, const char *host, const char *owner, int64_t now_us,
                          struct task *out);

/* The queues holding pending work: hosts (caller frees each and the
 * array) and whether the conductor's has any. -1 on store errors. */
int store_task_pending_queues(struct db *db, char ***hosts, int *count, bool *conductor);

/* Done: the row goes away (inside the caller's state-change transaction). */
int store_task_finish(struct db *db, int64_t id);
/* Failed for good: kept with state failed for inspection. */
int store_task_fail(struct db *db, int64_t id);
/* Back to pending after a failed run: attempts + 1, runnable at run_after. */
int store_task_retry(struct db *db, int64_t id, int64_t run_after);

/* Tasks in state running owned by owner (what a crash left behind);
 * caller frees with task_list_free. */
int store_task_running_by(struct db *db, const char *owner, struct task **out, int *count);
void task_list_free(struct task *list, int count);

/* Servers showing a task_state that no pending or running task will ever
 * clear (reconcile after a crash). */
struct task_orphan {
    char uuid[40];
    char vm_state[24];
    char task_state[32];
    char host[256];              /* "" = not scheduled */
};
int store_task_orphans(struct db *db, struct task_orphan **out, int *count);

#endif
