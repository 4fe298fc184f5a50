/* migration_live.c - reads the pending abort / force-complete requests of
 * a live migration out of instance_actions (see migration_live.h). */
#include "store/migration_live.h"
#include "util/mem.h"

#include <string.h>

int store_live_requests(struct db *db, const char *instance_uuid, int64_t since_us,
                        struct live_request *out, int max)
{
    struct db_stmt *st = db_prep(db, "SELECT action, request_id FROM instance_actions WHERE"
                                     " instance_uuid = ? AND start_time >= ?"
                                     " AND finish_time IS NULL AND action IN"
                                     " ('live_migration_cancel', 'live_migration_force_complete')"
                                     " ORDER BY start_time, id");
    if (!st || db_bind_text(st, 1, instance_uuid) < 0 || db_bind_int(st, 2, since_us) < 0) {
        db_done(st);
        return -1;
    }
    int n = 0, rc;
    while ((rc = db_step(st)) == DB_ROW && n < max) {
        str_copy(out[n].action, sizeof(out[n].action), db_col_str(st, 0));
        str_copy(out[n].request_id, sizeof(out[n].request_id), db_col_str(st, 1));
        n++;
    }
    db_done(st);
    return rc < 0 ? -1 : n;
}
