/* task.h - durable background work. The API side writes a task row in the
 * same transaction as the state change it belongs to; a worker claims it
 * (compare-and-swap pending -> running), runs it, and marks it done. After
 * a crash, running rows are re-queued or failed by worker_start()'s
 * reconcile, so no server stays in a task state. */
#ifndef CIRRUS_TASK_H
#define CIRRUS_TASK_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

/* Task kinds. */
#define TASK_BUILD   "build"    /* conductor: schedule, then hand to the host as "spawn" */
#define TASK_SPAWN   "spawn"    /* compute host: create the VM through the driver */
#define TASK_DELETE  "delete"   /* compute host (or conductor when unscheduled) */
#define TASK_RESCUE   "rescue"     /* compute host: boot the rescue image (compute_rescue.c) */
#define TASK_UNRESCUE "unrescue"   /* compute host: back to the server's own disk */

/* Queues a task inside the caller's transaction. host NULL = conductor.
 * args (borrowed, may be NULL) is stored as JSON text. */
int task_enqueue(struct db *db, const char *kind, const char *instance_uuid, const char *host,
                 const json_t *args, const char *request_id, struct cerr *err);

#endif
