/* task.c - queueing background work: the API side's half of the tasks
 * table. The row is written inside the caller's transaction, so a task
 * exists exactly when the state change that asked for it committed. */
#include "core/task.h"
#include "store/task.h"

#include <stdlib.h>

int task_enqueue(struct db *db, const char *kind, const char *instance_uuid, const char *host,
                 const json_t *args, const char *request_id, struct cerr *err)
{
    char *text = args ? json_dumps(args, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (args && !text)
        return cerr_internal(err, "task arguments are not JSON");
    int rc = store_task_insert(db, kind, instance_uuid, host && host[0] ? host : NULL, text,
                               request_id && request_id[0] ? request_id : NULL, 0, NULL, err);
    free(text);
    return rc;
}
