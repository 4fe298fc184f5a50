/* server_write.c - the write half of the instances repository: a new
 * server row with its metadata and tags, the compare-and-swap on its
 * state, its editable columns, the soft delete, metadata and tag edits, and
 * instance faults. Every function runs inside the caller's transaction. */
#include "store/server.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nullable columns keep NULL, not "", for "unset", as Nova's do. */
static const char *nz(const char *s)
{
    return s && s[0] ? s : NULL;
}

static void bind_time(struct db_stmt *st, int idx, int64_t us)
{
    if (us)
        db_bind_int(st, idx, us);
    else
        db_bind_text(st, idx, NULL);
}

static const char *json_or(const char *text, const char *dflt)
{
    return text && text[0] ? text : dflt;
}

/* --- insert --- */

static int insert_row(struct db *db, const struct server *s)
{
    struct db_stmt *st = db_prep(db,
        "INSERT INTO instances (uuid, project_id, user_id, name, hostname, description, "
        "image_ref, flavorid, flavor_name, vcpus, memory_mb, root_gb, ephemeral_gb, swap, "
        "flavor_extra_specs, key_name, key_data, vm_state, task_state, power_state, host, "
        "node, availability_zone, launched_at, terminated_at, created_at, updated_at, "
        "deleted, locked_by, locked_reason, access_ip_v4, access_ip_v6, config_drive, "
        "user_data, reservation_id, launch_index, progress, disk_config, root_device_name, "
        "security_groups, personality, scheduler_hints, requested_networks, "
        "block_device_mapping, system_metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?)");
    if (!st)
        return -1;
    int i = 1;
    db_bind_text(st, i++, s->uuid);
    db_bind_text(st, i++, s->project_id);
    db_bind_text(st, i++, s->user_id);
    db_bind_text(st, i++, s->name);
    db_bind_text(st, i++, s->hostname);
    db_bind_text(st, i++, s->description);
    db_bind_text(st, i++, s->image_ref);
    db_bind_text(st, i++, s->flavorid);
    db_bind_text(st, i++, s->flavor_name);
    db_bind_int(st, i++, s->vcpus);
    db_bind_int(st, i++, s->memory_mb);
    db_bind_int(st, i++, s->root_gb);
    db_bind_int(st, i++, s->ephemeral_gb);
    db_bind_int(st, i++, s->swap);
    db_bind_text(st, i++, json_or(s->flavor_extra_specs, "{}"));
    db_bind_text(st, i++, nz(s->key_name));
    db_bind_text(st, i++, s->key_data);
    db_bind_text(st, i++, s->vm_state);
    db_bind_text(st, i++, nz(s->task_state));
    db_bind_int(st, i++, s->power_state);
    db_bind_text(st, i++, nz(s->host));
    db_bind_text(st, i++, nz(s->node));
    db_bind_text(st, i++, nz(s->availability_zone));
    bind_time(st, i++, s->launched_at);
    bind_time(st, i++, s->terminated_at);
    db_bind_int(st, i++, s->created_at);
    db_bind_int(st, i++, s->updated_at ? s->updated_at : s->created_at);
    db_bind_text(st, i++, nz(s->locked_by));
    db_bind_text(st, i++, s->locked_reason);
    db_bind_text(st, i++, s->access_ip_v4);
    db_bind_text(st, i++, s->access_ip_v6);
    db_bind_text(st, i++, s->config_drive);
    db_bind_text(st, i++, s->user_data);
    db_bind_text(st, i++, s->reservation_id);
    db_bind_int(st, i++, s->launch_index);
    db_bind_int(st, i++, s->progress);
    db_bind_text(st, i++, s->disk_config[0] ? s->disk_config : "MANUAL");
    db_bind_text(st, i++, nz(s->root_device_name));
    db_bind_text(st, i++, json_or(s->security_groups, "[]"));
    db_bind_text(st, i++, json_or(s->personality, "[]"));
    db_bind_text(st, i++, json_or(s->scheduler_hints, "{}"));
    db_bind_text(st, i++, json_or(s->requested_networks, "\"auto\""));
    db_bind_text(st, i++, json_or(s->block_device_mapping, "[]"));
    db_bind_text(st, i++, json_or(s->system_metadata, "{}"));
    int rc = db_step(st);
    db_done(st);
    return rc < 0 ? -1 : 0;
}

static int insert_metadata(struct db *db, const char *uuid, const json_t *metadata)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)metadata, key, v) {
        if (store_server_metadata_set(db, uuid, key, json_string_value(v), NULL) < 0)
            return -1;
    }
    return 0;
}

static int insert_tags(struct db *db, const char *uuid, const json_t *tags)
{
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) {
        bool created;
        if (store_server_tag_add(db, uuid, json_string_value(t), &created, NULL) < 0)
            return -1;
    }
    return 0;
}

int store_server_insert(struct db *db, const struct server *s, const json_t *metadata,
                        const json_t *tags, struct cerr *err)
{
    if (insert_row(db, s) < 0 || insert_metadata(db, s->uuid, metadata) < 0 ||
        insert_tags(db, s->uuid, tags) < 0)
        return cerr_internal(err, "server insert");
    return 0;
}

/* --- state --- */

/* Why a compare-and-swap lost: the row is gone (404), or its task_state
 * was not the expected one (409, nova's UnexpectedTaskStateError). */
static int lost_cas(struct db *db, const char *uuid, const char *expect_task,
                    struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT task_state FROM instances "
                                     "WHERE uuid = ? AND deleted = 0");
    if (!st)
        return cerr_internal(err, "server state");
    db_bind_text(st, 1, uuid);
    int rc = db_step(st);
    char actual[40] = "None";
    if (rc == DB_ROW && !db_col_null(st, 0))
        snprintf(actual, sizeof(actual), "'%s'", db_col_text(st, 0));
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, "server state");
    if (rc != DB_ROW)
        return cerr_set(err, 404, "Instance %s could not be found.", uuid);
    char expected[40] = "None";
    if (expect_task && expect_task[0])
        snprintf(expected, sizeof(expected), "'%s'", expect_task);
    return cerr_set(err, 409, "Conflict updating instance %s. Expected: {'task_state': [%s]}. "
                    "Actual: {'task_state': %s}", uuid, expected, actual);
}

int store_server_set_state(struct db *db, const char *uuid, const char *expect_task,
                           const char *vm_state, const char *task_state, int power_state,
                           struct cerr *err)
{
    struct db_stmt *st = db_prep(db,
        "UPDATE instances SET vm_state = COALESCE(?, vm_state), "
        "task_state = CASE WHEN ? = 1 THEN ? ELSE task_state END, "
        "power_state = CASE WHEN ? >= 0 THEN ? ELSE power_state END, updated_at = ? "
        "WHERE uuid = ? AND deleted = 0 AND (? = 0 OR COALESCE(task_state, '') = ?)");
    if (!st)
        return cerr_internal(err, "server state");
    db_bind_text(st, 1, vm_state);
    db_bind_int(st, 2, task_state != NULL);
    db_bind_text(st, 3, task_state ? nz(task_state) : NULL);
    db_bind_int(st, 4, power_state);
    db_bind_int(st, 5, power_state);
    db_bind_int(st, 6, clock_now_us());
    db_bind_text(st, 7, uuid);
    db_bind_int(st, 8, expect_task != NULL);
    db_bind_text(st, 9, expect_task ? expect_task : "");
    int rc = db_step(st);
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, "server state");
    if (db_changes(db) == 0)
        return lost_cas(db, uuid, expect_task, err);
    return 0;
}

int store_server_update(struct db *db, const struct server *s, struct cerr *err)
{
    struct db_stmt *st = db_prep(db,
        "UPDATE instances SET name = ?, hostname = ?, description = ?, access_ip_v4 = ?, "
        "access_ip_v6 = ?, disk_config = ?, locked_by = ?, locked_reason = ?, host = ?, "
        "node = ?, availability_zone = ?, progress = ?, launched_at = ?, terminated_at = ?, "
        "system_metadata = ?, root_device_name = ?, updated_at = ? "
        "WHERE uuid = ? AND deleted = 0");
    if (!st)
        return cerr_internal(err, "server update");
    int i = 1;
    db_bind_text(st, i++, s->name);
    db_bind_text(st, i++, s->hostname);
    db_bind_text(st, i++, s->description);
    db_bind_text(st, i++, s->access_ip_v4);
    db_bind_text(st, i++, s->access_ip_v6);
    db_bind_text(st, i++, s->disk_config[0] ? s->disk_config : "MANUAL");
    db_bind_text(st, i++, nz(s->locked_by));
    db_bind_text(st, i++, s->locked_reason);
    db_bind_text(st, i++, nz(s->host));
    db_bind_text(st, i++, nz(s->node));
    db_bind_text(st, i++, nz(s->availability_zone));
    db_bind_int(st, i++, s->progress);
    bind_time(st, i++, s->launched_at);
    bind_time(st, i++, s->terminated_at);
    db_bind_text(st, i++, json_or(s->system_metadata, "{}"));
    db_bind_text(st, i++, s->root_device_name[0] ? s->root_device_name : NULL);
    db_bind_int(st, i++, clock_now_us());
    db_bind_text(st, i++, s->uuid);
    int rc = db_step(st);
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, "server update");
    if (db_changes(db) == 0)
        return cerr_set(err, 404, "Instance %s could not be found.", s->uuid);
    return 0;
}

int store_server_mark_deleted(struct db *db, const char *uuid, struct cerr *err)
{
    int64_t now = clock_now_us();
    int64_t n = db_run(db, "UPDATE instances SET deleted = 1, deleted_at = ?, "
                           "terminated_at = ?, updated_at = ?, vm_state = 'deleted', "
                           "task_state = NULL, power_state = 0 "
                           "WHERE uuid = ? AND deleted = 0",
                       "iiis", now, now, now, uuid);
    if (n < 0)
        return cerr_internal(err, "server delete");
    if (n == 0)
        return cerr_set(err, 404, "Instance %s could not be found.", uuid);
    return 0;
}

/* --- metadata --- */

/* A metadata change is an instance save in Nova: updated_at moves, so
 * changes-since listings see it. */
static int touch(struct db *db, const char *uuid)
{
    return db_run(db, "UPDATE instances SET updated_at = ? WHERE uuid = ?", "is",
                  clock_now_us(), uuid) < 0 ? -1 : 0;
}

int store_server_metadata_set(struct db *db, const char *uuid, const char *key,
                              const char *value, struct cerr *err)
{
    if (db_run(db, "INSERT INTO instance_metadata (instance_uuid, key, value) VALUES (?, ?, ?) "
                   "ON CONFLICT (instance_uuid, key) DO UPDATE SET value = excluded.value",
               "sss", uuid, key, value ? value : "") < 0 || touch(db, uuid) < 0)
        return cerr_internal(err, "metadata write");
    return 0;
}

int store_server_metadata_delete(struct db *db, const char *uuid, const char *key,
                                 struct cerr *err)
{
    int64_t n = db_run(db, "DELETE FROM instance_metadata WHERE instance_uuid = ? AND key = ?",
                       "ss", uuid, key);
    if (n < 0 || (n > 0 && touch(db, uuid) < 0))
        return cerr_internal(err, "metadata delete");
    if (n == 0)
        return cerr_set(err, 404, "Metadata item was not found");
    return 0;
}

int store_server_metadata_replace(struct db *db, const char *uuid, const json_t *meta,
                                  struct cerr *err)
{
    if (db_run(db, "DELETE FROM instance_metadata WHERE instance_uuid = ?", "s", uuid) < 0 ||
        insert_metadata(db, uuid, meta) < 0 || touch(db, uuid) < 0)
        return cerr_internal(err, "metadata replace");
    return 0;
}

/* --- tags --- */

int store_server_tag_add(struct db *db, const char *uuid, const char *tag, bool *created,
                         struct cerr *err)
{
    int64_t n = db_run(db, "INSERT INTO instance_tags (instance_uuid, tag) VALUES (?, ?) "
                           "ON CONFLICT (instance_uuid, tag) DO NOTHING",
                       "ss", uuid, tag);
    if (n < 0)
        return cerr_internal(err, "tag write");
    *created = n > 0;
    return 0;
}

int store_server_tag_delete(struct db *db, const char *uuid, const char *tag,
                            struct cerr *err)
{
    int64_t n = db_run(db, "DELETE FROM instance_tags WHERE instance_uuid = ? AND tag = ?",
                       "ss", uuid, tag);
    if (n < 0)
        return cerr_internal(err, "tag delete");
    if (n == 0)
        return cerr_set(err, 404, "Instance %s has no tag '%s'", uuid, tag);
    return 0;
}

/* Nova's instance_tag_set: the new set replaces the old one, duplicates
 * in the request collapse. */
int store_server_tags_replace(struct db *db, const char *uuid, const json_t *tags,
                              struct cerr *err)
{
    if (db_run(db, "DELETE FROM instance_tags WHERE instance_uuid = ?", "s", uuid) < 0 ||
        insert_tags(db, uuid, tags) < 0)
        return cerr_internal(err, "tags replace");
    return 0;
}

/* --- faults --- */

/* The fault message column holds 255 characters (nova's
 * exception_to_dict truncates); cut on a UTF-8 boundary. */
static char *truncate_chars(const char *s, size_t max_chars)
{
    size_t chars = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max_chars)
            break;
    }
    return xstrndup(s, i);
}

int store_server_fault_add(struct db *db, const char *uuid, int code, const char *message,
                           const char *details, const char *host)
{
    char *msg = truncate_chars(message ? message : "", 255);
    int64_t n = db_run(db, "INSERT INTO instance_faults (instance_uuid, code, message, details, "
                           "host, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       "sisssi", uuid, (int64_t)code, msg, details ? details : "", nz(host),
                       clock_now_us());
    free(msg);
    if (n < 0) {
        log_error("server %s: fault not recorded", uuid);
        return -1;
    }
    return 0;
}
