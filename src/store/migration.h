/* migration.h - the migrations repository: one row per move of a server
 * (cold migrate, resize, live migration, evacuation), Nova's Migration
 * object. Read by GET /os-migrations and /servers/{id}/migrations, written
 * by the conductor and the compute agents inside their transactions. */
#ifndef CIRRUS_STORE_MIGRATION_H
#define CIRRUS_STORE_MIGRATION_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

/* migration_type values (2.23+ field). */
#define MIGRATION_TYPE_MIGRATION "migration"        /* cold migrate */
#define MIGRATION_TYPE_RESIZE    "resize"
#define MIGRATION_TYPE_LIVE      "live-migration"
#define MIGRATION_TYPE_EVACUATION "evacuation"

/* status values Nova uses. Cold migrate / resize: pre-migrating ->
 * migrating -> post-migrating -> finished -> confirming -> confirmed, or
 * reverting -> reverted; error. Live: accepted -> queued -> preparing ->
 * running -> completed; error / failed; cancelled. Evacuation: accepted ->
 * pre-migrating -> done. */
#define MIGRATION_ACCEPTED       "accepted"
#define MIGRATION_PRE_MIGRATING  "pre-migrating"
#define MIGRATION_MIGRATING      "migrating"
#define MIGRATION_POST_MIGRATING "post-migrating"
#define MIGRATION_FINISHED       "finished"
#define MIGRATION_CONFIRMING     "confirming"
#define MIGRATION_CONFIRMED      "confirmed"
#define MIGRATION_REVERTING      "reverting"
#define MIGRATION_REVERTED       "reverted"
#define MIGRATION_QUEUED         "queued"
#define MIGRATION_PREPARING      "preparing"
#define MIGRATION_RUNNING        "running"
#define MIGRATION_COMPLETED      "completed"
#define MIGRATION_CANCELLED      "cancelled"
#define MIGRATION_DONE           "done"
#define MIGRATION_ERROR          "error"
#define MIGRATION_FAILED         "failed"

/* Nova's migration_get_in_progress_by_instance: every status but these. */
bool migration_status_is_final(const char *status);

#define MIGRATION_HOST_LEN 256
#define MIGRATION_ID_LEN 72

/* One migrations row. Text fields are "" for SQL NULL; integers 0 for
 * NULL where noted, progress fields -1 for NULL. */
struct migration_row {
    int64_t id;
    char uuid[40];                                  /* 2.59 */
    char instance_uuid[40];
    char source_compute[MIGRATION_HOST_LEN], dest_compute[MIGRATION_HOST_LEN];
    char source_node[MIGRATION_HOST_LEN], dest_node[MIGRATION_HOST_LEN];
    char dest_host[MIGRATION_HOST_LEN];             /* destination host IP */
    int64_t old_instance_type_id, new_instance_type_id;   /* flavors.id; 0 = null */
    char old_flavorid[256], new_flavorid[256];
    char status[32];
    char migration_type[32];
    char user_id[MIGRATION_ID_LEN], project_id[MIGRATION_ID_LEN];   /* 2.80 */
    int64_t memory_total, memory_processed, memory_remaining;       /* -1 = null */
    int64_t disk_total, disk_processed, disk_remaining;
    bool cross_cell_move, hidden;
    /* Internal, not in any view: the server's vm_state before the move
     * (Nova keeps it as system_metadata old_vm_state) and the flavors as
     * the instance held them (Nova's instance.old_flavor / new_flavor),
     * JSON text or NULL. */
    char old_vm_state[24];
    char *old_flavor, *new_flavor;
    int64_t created_at, updated_at;                 /* microseconds */
};
void migration_row_clear(struct migration_row *m);   /* frees the JSON texts */
void migration_list_free(struct migration_row *list, int count);

/* Inserts m. The caller sets instance_uuid, status, migration_type and
 * what it knows of the rest (progress fields -1 for null, a zeroed row
 * is fine otherwise); uuid is generated when "", id, created_at and
 * updated_at are filled here. In the caller's transaction. */
int store_migration_insert(struct db *db, struct migration_row *m, struct cerr *err);

/* 0 found; -1 with 404 "Migration <id> could not be found." otherwise. */
int store_migration_get(struct db *db, int64_t id, struct migration_row *out, struct cerr *err);
int store_migration_get_by_uuid(struct db *db, const char *uuid, struct migration_row *out,
                                struct cerr *err);

/* Nova's Migration.get_by_instance_and_status (the newest such row):
 * 1 found, 0 none, -1 store error. */
int store_migration_get_by_instance_status(struct db *db, const char *instance_uuid,
                                           const char *status, struct migration_row *out);
/* Nova's migration_get_in_progress_by_instance: the newest migration of
 * the instance whose status is not final (type NULL = any type).
 * 1 found, 0 none, -1 store error. */
int store_migration_in_progress(struct db *db, const char *instance_uuid, const char *type,
                                struct migration_row *out);

/* Filters of GET /os-migrations (NULL / 0 = unset). host matches
 * source_compute or dest_compute, as Nova's filter does. */
struct migration_query {
    const char *host, *source_compute, *status, *instance_uuid, *migration_type;
    const char *user_id, *project_id;
    int64_t changes_since, changes_before;   /* updated_at bounds (inclusive) */
    bool in_progress_only;                   /* /servers/{id}/migrations */
    bool include_hidden;
    /* 2.59+: newest first (created_at desc, id desc) and paging with a
     * uuid marker (unknown -> 400 "Marker <m> could not be found.");
     * before that, oldest first by id. */
    bool newest_first;
    const char *marker;
    int limit;                               /* <= 0 = no limit */
};
/* Fills *out (free with migration_list_free). */
int store_migration_list(struct db *db, const struct migration_query *q,
                         struct migration_row **out, int *count, struct cerr *err);

/* Compare-and-set of status (expect NULL = any current status); bumps
 * updated_at. 1 changed, 0 the row was not in expect, -1 store error. */
int store_migration_set_status(struct db *db, int64_t id, const char *expect,
                               const char *status);
/* Records where the move goes (the scheduler's choice / the claim on the
 * destination). dest_node NULL = dest_compute; dest_host may be NULL. */
int store_migration_set_dest(struct db *db, int64_t id, const char *dest_compute,
                             const char *dest_node, const char *dest_host);
/* Live-migration progress (server-migrations memory_* / disk_*). */
struct migration_progress {
    int64_t memory_total, memory_processed, memory_remaining;
    int64_t disk_total, disk_processed, disk_remaining;
};
int store_migration_set_progress(struct db *db, int64_t id, const struct migration_progress *p);

/* The instance row follows a move: host and node, and (flavor_json not
 * NULL) the flavor a migration row keeps, {"flavorid", "name", "vcpus",
 * "memory_mb", "root_gb", "ephemeral_gb", "swap", "extra_specs"}, as
 * Nova's finish_resize / finish_revert_resize set instance.flavor. */
int store_migration_place_instance(struct db *db, const char *instance_uuid, const char *host,
                                   const char *flavor_json, struct cerr *err);

#endif
