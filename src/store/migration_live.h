/* migration_live.h - what the live-migration code reads beyond the
 * migrations repository: the abort / force-complete requests made while a
 * live migration runs. They are Nova's own records of them, the
 * live_migration_cancel and live_migration_force_complete instance
 * actions, left unfinished until the migration settles; the source agent
 * polls them from its progress callback (it is busy inside the driver). */
#ifndef CIRRUS_STORE_MIGRATION_LIVE_H
#define CIRRUS_STORE_MIGRATION_LIVE_H

#include <stdint.h>

#include "store/action.h"
#include "store/db.h"

/* Instance action names (nova/compute/instance_actions.py). */
#define LIVE_ACTION          "live-migration"
#define LIVE_ACTION_CANCEL   "live_migration_cancel"
#define LIVE_ACTION_FORCE    "live_migration_force_complete"

#define LIVE_REQUESTS_MAX 16

struct live_request {
    char action[ACTION_NAME];      /* LIVE_ACTION_CANCEL or LIVE_ACTION_FORCE */
    char request_id[ACTION_ID];
};

/* The unfinished cancel / force-complete actions of a server started at
 * or after since_us (the migration's creation), oldest first, at most
 * max. Returns the count, -1 on store errors. */
int store_live_requests(struct db *db, const char *instance_uuid, int64_t since_us,
                        struct live_request *out, int max);

#endif
