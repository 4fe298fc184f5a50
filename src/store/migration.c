/* migration.c - the migrations repository (store/migration.h): Nova's
 * migrations table as nova/db/main/api.py reads and writes it, including
 * migration_get_all_by_filters' filters and its 2.59 paging order. */
#include "store/migration.h"
#include "util/clock.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

/* nova/db/main/api.py migration_get_in_progress_by_instance excludes
 * exactly these. */
bool migration_status_is_final(const char *status)
{
    static const char *const final[] = {
        MIGRATION_CONFIRMED, MIGRATION_REVERTED, MIGRATION_ERROR, MIGRATION_FAILED,
        MIGRATION_COMPLETED, MIGRATION_CANCELLED, MIGRATION_DONE,
    };
    for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
        if (strcmp(status, final[i]) == 0)
            return true;
    return false;
}

void migration_row_clear(struct migration_row *m)
{
    if (!m)
        return;
    free(m->old_flavor);
    free(m->new_flavor);
    m->old_flavor = m->new_flavor = NULL;
}

void migration_list_free(struct migration_row *list, int count)
{
    for (int i = 0; list && i < count; i++)
        migration_row_clear(&list[i]);
    free(list);
}

#define MIGRATION_COLS                                                                         \
    "id, uuid, instance_uuid, source_compute, dest_compute, source_node, dest_node,"           \
    " dest_host, old_instance_type_id, new_instance_type_id, old_flavorid, new_flavorid,"      \
    " status, migration_type, user_id, project_id, memory_total, memory_processed,"            \
    " memory_remaining, disk_total, disk_processed, disk_remaining, cross_cell_move, hidden,"  \
    " old_vm_state, old_flavor, new_flavor, created_at, updated_at"

static int64_t col_opt(struct db_stmt *st, int i, int64_t null_value)
{
    return db_col_null(st, i) ? null_value : db_col_int(st, i);
}

static void row_to_migration(struct db_stmt *st, struct migration_row *m)
{
    memset(m, 0, sizeof(*m));
    m->id = db_col_int(st, 0);
    str_copy(m->uuid, sizeof(m->uuid), db_col_str(st, 1));
    str_copy(m->instance_uuid, sizeof(m->instance_uuid), db_col_str(st, 2));
    str_copy(m->source_compute, sizeof(m->source_compute), db_col_str(st, 3));
    str_copy(m->dest_compute, sizeof(m->dest_compute), db_col_str(st, 4));
    str_copy(m->source_node, sizeof(m->source_node), db_col_str(st, 5));
    str_copy(m->dest_node, sizeof(m->dest_node), db_col_str(st, 6));
    str_copy(m->dest_host, sizeof(m->dest_host), db_col_str(st, 7));
    m->old_instance_type_id = col_opt(st, 8, 0);
    m->new_instance_type_id = col_opt(st, 9, 0);
    str_copy(m->old_flavorid, sizeof(m->old_flavorid), db_col_str(st, 10));
    str_copy(m->new_flavorid, sizeof(m->new_flavorid), db_col_str(st, 11));
    str_copy(m->status, sizeof(m->status), db_col_str(st, 12));
    str_copy(m->migration_type, sizeof(m->migration_type), db_col_str(st, 13));
    str_copy(m->user_id, sizeof(m->user_id), db_col_str(st, 14));
    str_copy(m->project_id, sizeof(m->project_id), db_col_str(st, 15));
    m->memory_total = col_opt(st, 16, -1);
    m->memory_processed = col_opt(st, 17, -1);
    m->memory_remaining = col_opt(st, 18, -1);
    m->disk_total = col_opt(st, 19, -1);
    m->disk_processed = col_opt(st, 20, -1);
    m->disk_remaining = col_opt(st, 21, -1);
    m->cross_cell_move = db_col_int(st, 22) != 0;
    m->hidden = db_col_int(st, 23) != 0;
    str_copy(m->old_vm_state, sizeof(m->old_vm_state), db_col_str(st, 24));
    m->old_flavor = xstrdup(db_col_text(st, 25));
    m->new_flavor = xstrdup(db_col_text(st, 26));
    m->created_at = db_col_int(st, 27);
    m->updated_at = db_col_int(st, 28);
}

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

static int bind_opt_int(struct db_stmt *st, int idx, int64_t v, int64_t null_value)
{
    return v == null_value ? db_bind_text(st, idx, NULL) : db_bind_int(st, idx, v);
}

int store_migration_insert(struct db *db, struct migration_row *m, struct cerr *err)
{
    if (!m->uuid[0])
        uuid_generate_text(m->uuid);
    m->created_at = m->updated_at = clock_now_us();
    struct db_stmt *st = db_prep(
        db, "INSERT INTO migrations (uuid, instance_uuid, source_compute, dest_compute,"
            " source_node, dest_node, dest_host, old_instance_type_id, new_instance_type_id,"
            " old_flavorid, new_flavorid, status, migration_type, user_id, project_id,"
            " memory_total, memory_processed, memory_remaining, disk_total, disk_processed,"
            " disk_remaining, cross_cell_move, hidden, old_vm_state, old_flavor, new_flavor,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    int i = 1;
    bool ok = st &&
        db_bind_text(st, i++, m->uuid) >= 0 && db_bind_text(st, i++, m->instance_uuid) >= 0 &&
        db_bind_text(st, i++, or_null(m->source_compute)) >= 0 &&
        db_bind_text(st, i++, or_null(m->dest_compute)) >= 0 &&
        db_bind_text(st, i++, or_null(m->source_node)) >= 0 &&
        db_bind_text(st, i++, or_null(m->dest_node)) >= 0 &&
        db_bind_text(st, i++, or_null(m->dest_host)) >= 0 &&
        bind_opt_int(st, i++, m->old_instance_type_id, 0) >= 0 &&
        bind_opt_int(st, i++, m->new_instance_type_id, 0) >= 0 &&
        db_bind_text(st, i++, or_null(m->old_flavorid)) >= 0 &&
        db_bind_text(st, i++, or_null(m->new_flavorid)) >= 0 &&
        db_bind_text(st, i++, m->status) >= 0 && db_bind_text(st, i++, m->migration_type) >= 0 &&
        db_bind_text(st, i++, or_null(m->user_id)) >= 0 &&
        db_bind_text(st, i++, or_null(m->project_id)) >= 0 &&
        bind_opt_int(st, i++, m->memory_total, -1) >= 0 &&
        bind_opt_int(st, i++, m->memory_processed, -1) >= 0 &&
        bind_opt_int(st, i++, m->memory_remaining, -1) >= 0 &&
        bind_opt_int(st, i++, m->disk_total, -1) >= 0 &&
        bind_opt_int(st, i++, m->disk_processed, -1) >= 0 &&
        bind_opt_int(st, i++, m->disk_remaining, -1) >= 0 &&
        db_bind_int(st, i++, m->cross_cell_move) >= 0 && db_bind_int(st, i++, m->hidden) >= 0 &&
        db_bind_text(st, i++, or_null(m->old_vm_state)) >= 0 &&
        db_bind_text(st, i++, m->old_flavor) >= 0 && db_bind_text(st, i++, m->new_flavor) >= 0 &&
        db_bind_int(st, i++, m->created_at) >= 0 && db_bind_int(st, i++, m->updated_at) >= 0;
    if (ok && db_step(st) == DB_ROW)
        m->id = db_col_int(st, 0);
    else
        ok = false;
    db_done(st);
    return ok ? 0 : cerr_internal(err, "migration insert");
}

/* One row by a single text or integer key: 1 found, 0 none, -1 error. */
static int get_one(struct db_stmt *st, struct migration_row *out)
{
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_to_migration(st, out);
    db_done(st);
    return rc < 0 ? -1 : rc == DB_ROW;
}

int store_migration_get(struct db *db, int64_t id, struct migration_row *out, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " MIGRATION_COLS " FROM migrations WHERE id = ?");
    if (!st || db_bind_int(st, 1, id) < 0) {
        db_done(st);
        return cerr_internal(err, "migration get");
    }
    int rc = get_one(st, out);
    if (rc < 0)
        return cerr_internal(err, "migration get");
    if (rc == 0)
        return cerr_set(err, 404, "Migration %lld could not be found.", (long long)id);
    return 0;
}

int store_migration_get_by_uuid(struct db *db, const char *uuid, struct migration_row *out,
                                struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " MIGRATION_COLS " FROM migrations WHERE uuid = ?");
    if (!st || db_bind_text(st, 1, uuid) < 0) {
        db_done(st);
        return cerr_internal(err, "migration get");
    }
    int rc = get_one(st, out);
    if (rc < 0)
        return cerr_internal(err, "migration get");
    if (rc == 0)
        return cerr_set(err, 404, "Migration %s could not be found.", uuid);
    return 0;
}

int store_migration_get_by_instance_status(struct db *db, const char *instance_uuid,
                                           const char *status, struct migration_row *out)
{
    struct db_stmt *st = db_prep(db, "SELECT " MIGRATION_COLS " FROM migrations WHERE"
                                     " instance_uuid = ? AND status = ?"
                                     " ORDER BY created_at DESC, id DESC LIMIT 1");
    if (!st || db_bind_text(st, 1, instance_uuid) < 0 || db_bind_text(st, 2, status) < 0) {
        db_done(st);
        return -1;
    }
    return get_one(st, out);
}

int store_migration_in_progress(struct db *db, const char *instance_uuid, const char *type,
                                struct migration_row *out)
{
    struct db_stmt *st = db_prep(
        db, "SELECT " MIGRATION_COLS " FROM migrations WHERE instance_uuid = ?"
            " AND (? IS NULL OR migration_type = ?) AND status NOT IN ('confirmed', 'reverted',"
            " 'error', 'failed', 'completed', 'cancelled', 'done')"
            " ORDER BY created_at DESC, id DESC LIMIT 1");
    if (!st || db_bind_text(st, 1, instance_uuid) < 0 || db_bind_text(st, 2, type) < 0 ||
        db_bind_text(st, 3, type) < 0) {
        db_done(st);
        return -1;
    }
    return get_one(st, out);
}

/* The WHERE clause both orders share: unset filters bind NULL and drop
 * out, so one cached statement per order serves every combination. */
#define LIST_WHERE                                                                             \
    " WHERE (? IS NULL OR source_compute = ? OR dest_compute = ?)"                             \
    " AND (? IS NULL OR source_compute = ?) AND (? IS NULL OR status = ?)"                     \
    " AND (? IS NULL OR instance_uuid = ?) AND (? IS NULL OR migration_type = ?)"              \
    " AND (? IS NULL OR user_id = ?) AND (? IS NULL OR project_id = ?)"                        \
    " AND updated_at >= ? AND updated_at <= ? AND (? = 1 OR hidden = 0)"                       \
    " AND (? = 0 OR status NOT IN ('confirmed', 'reverted', 'error', 'failed', 'completed',"   \
    " 'cancelled', 'done'))"

static int bind_pair(struct db_stmt *st, int *i, const char *v, int times)
{
    for (int k = 0; k < times; k++)
        if (db_bind_text(st, (*i)++, v) < 0)
            return -1;
    return 0;
}

static int bind_filters(struct db_stmt *st, const struct migration_query *q, int *i)
{
    if (bind_pair(st, i, q->host, 3) < 0 || bind_pair(st, i, q->source_compute, 2) < 0 ||
        bind_pair(st, i, q->status, 2) < 0 || bind_pair(st, i, q->instance_uuid, 2) < 0 ||
        bind_pair(st, i, q->migration_type, 2) < 0 || bind_pair(st, i, q->user_id, 2) < 0 ||
        bind_pair(st, i, q->project_id, 2) < 0)
        return -1;
    if (db_bind_int(st, (*i)++, q->changes_since ? q->changes_since : INT64_MIN) < 0 ||
        db_bind_int(st, (*i)++, q->changes_before ? q->changes_before : INT64_MAX) < 0 ||
        db_bind_int(st, (*i)++, q->include_hidden) < 0 ||
        db_bind_int(st, (*i)++, q->in_progress_only) < 0)
        return -1;
    return 0;
}

int store_migration_list(struct db *db, const struct migration_query *q,
                         struct migration_row **out, int *count, struct cerr *err)
{
    struct migration_row marker = {0}, *rows = NULL;
    int n = 0, cap = 0, rc, i = 1;
    if (q->marker) {
        /* Nova looks the marker up among all migrations, filters aside. */
        struct cerr e2 = {0};
        if (store_migration_get_by_uuid(db, q->marker, &marker, &e2) < 0) {
            if (e2.status == 404)
                return cerr_set(err, 400, "Marker %s could not be found.", q->marker);
            return cerr_internal(err, "migration marker");
        }
        migration_row_clear(&marker);
    }
    struct db_stmt *st;
    if (q->newest_first)
        st = db_prep(db, "SELECT " MIGRATION_COLS " FROM migrations" LIST_WHERE
                         " AND (created_at < ? OR (created_at = ? AND id < ?))"
                         " ORDER BY created_at DESC, id DESC LIMIT ?");
    else
        st = db_prep(db, "SELECT " MIGRATION_COLS " FROM migrations" LIST_WHERE
                         " ORDER BY id LIMIT ?");
    if (!st || bind_filters(st, q, &i) < 0)
        goto fail;
    if (q->newest_first) {
        int64_t mcreated = q->marker ? marker.created_at : INT64_MAX;
        int64_t mid = q->marker ? marker.id : INT64_MAX;
        if (db_bind_int(st, i++, mcreated) < 0 || db_bind_int(st, i++, mcreated) < 0 ||
            db_bind_int(st, i++, mid) < 0)
            goto fail;
    }
    if (db_bind_int(st, i++, q->limit > 0 ? q->limit : INT64_MAX) < 0)
        goto fail;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            rows = xrealloc(rows, (size_t)cap * sizeof(*rows));
        }
        row_to_migration(st, &rows[n++]);
    }
    db_done(st);
    if (rc < 0) {
        migration_list_free(rows, n);
        return cerr_internal(err, "migration list");
    }
    *out = rows;
    *count = n;
    return 0;
fail:
    db_done(st);
    return cerr_internal(err, "migration list");
}

int store_migration_set_status(struct db *db, int64_t id, const char *expect, const char *status)
{
    int64_t n = db_run(db, "UPDATE migrations SET status = ?, updated_at = ?"
                           " WHERE id = ? AND (? IS NULL OR status = ?)",
                       "siiss", status, clock_now_us(), id, expect, expect);
    return n < 0 ? -1 : n > 0;
}

int store_migration_set_dest(struct db *db, int64_t id, const char *dest_compute,
                             const char *dest_node, const char *dest_host)
{
    return db_run(db, "UPDATE migrations SET dest_compute = ?, dest_node = ?, dest_host = ?,"
                      " updated_at = ? WHERE id = ?",
                  "sssii", dest_compute, dest_node ? dest_node : dest_compute, dest_host,
                  clock_now_us(), id) < 0 ? -1 : 0;
}

int store_migration_set_progress(struct db *db, int64_t id, const struct migration_progress *p)
{
    return db_run(db, "UPDATE migrations SET memory_total = ?, memory_processed = ?,"
                      " memory_remaining = ?, disk_total = ?, disk_processed = ?,"
                      " disk_remaining = ?, updated_at = ? WHERE id = ?",
                  "iiiiiiii", p->memory_total, p->memory_processed, p->memory_remaining,
                  p->disk_total, p->disk_processed, p->disk_remaining, clock_now_us(), id) < 0
               ? -1 : 0;
}

int store_migration_place_instance(struct db *db, const char *instance_uuid, const char *host,
                                   const char *flavor_json, struct cerr *err)
{
    int64_t now = clock_now_us();
    json_t *f = flavor_json ? json_loads(flavor_json, 0, NULL) : NULL;
    int rc = -1;
    if (flavor_json && !json_is_object(f)) {
        cerr_internal(err, "migration flavor is not JSON");
        goto cleanup;
    }
    if (db_run(db, "UPDATE instances SET host = ?, node = ?, updated_at = ?"
                   " WHERE uuid = ? AND deleted = 0", "ssis", host, host, now, instance_uuid) < 0) {
        cerr_internal(err, "instance move");
        goto cleanup;
    }
    if (f) {
        char *specs = json_dumps(json_object_get(f, "extra_specs"), JSON_COMPACT | JSON_SORT_KEYS);
        int64_t n = db_run(
            db, "UPDATE instances SET flavorid = ?, flavor_name = ?, vcpus = ?, memory_mb = ?,"
                " root_gb = ?, ephemeral_gb = ?, swap = ?, flavor_extra_specs = ?"
                " WHERE uuid = ? AND deleted = 0", "ssiiiiiss",
            json_string_value(json_object_get(f, "flavorid")),
            json_string_value(json_object_get(f, "name")),
            json_integer_value(json_object_get(f, "vcpus")),
            json_integer_value(json_object_get(f, "memory_mb")),
            json_integer_value(json_object_get(f, "root_gb")),
            json_integer_value(json_object_get(f, "ephemeral_gb")),
            json_integer_value(json_object_get(f, "swap")), specs ? specs : "{}", instance_uuid);
        free(specs);
        if (n < 0) {
            cerr_internal(err, "instance flavor");
            goto cleanup;
        }
    }
    rc = 0;
cleanup:
    json_decref(f);
    return rc;
}
