/* aggregate.c - the host aggregates repository. Aggregates live in the
 * API database in Nova and are hard-deleted, so rows here are too; hosts
 * and metadata go with their aggregate (ON DELETE CASCADE) and a host's
 * memberships go with its hosts row. */
#include "store/aggregate.h"
#include "util/clock.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AGG_COLS "id, uuid, name, created_at, updated_at"

void aggregate_clear(struct aggregate *a)
{
    if (!a)
        return;
    free(a->name);
    json_decref(a->hosts);
    json_decref(a->metadata);
    memset(a, 0, sizeof(*a));
}

void aggregate_list_free(struct aggregate *list, int count)
{
    for (int i = 0; list && i < count; i++)
        aggregate_clear(&list[i]);
    free(list);
}

static void row_to_aggregate(struct db_stmt *st, struct aggregate *a)
{
    memset(a, 0, sizeof(*a));
    a->id = db_col_int(st, 0);
    str_copy(a->uuid, sizeof(a->uuid), db_col_str(st, 1));
    a->name = xstrdup(db_col_str(st, 2));
    a->created_at = db_col_int(st, 3);
    a->updated_at = db_col_null(st, 4) ? 0 : db_col_int(st, 4);
}

/* Fills hosts and metadata of a loaded aggregate. */
static int load_members(struct db *db, struct aggregate *a)
{
    struct db_stmt *st = db_prep(db, "SELECT host FROM aggregate_hosts WHERE aggregate_id = ?"
                                     " ORDER BY id");
    if (!st)
        return -1;
    db_bind_int(st, 1, a->id);
    a->hosts = json_array();
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        json_array_append_new(a->hosts, json_string(db_col_str(st, 0)));
    db_done(st);
    if (rc < 0)
        return -1;
    st = db_prep(db, "SELECT key, value FROM aggregate_metadata WHERE aggregate_id = ?"
                     " ORDER BY key");
    if (!st)
        return -1;
    db_bind_int(st, 1, a->id);
    a->metadata = json_object();
    while ((rc = db_step(st)) == DB_ROW)
        json_object_set_new(a->metadata, db_col_str(st, 0), json_string(db_col_str(st, 1)));
    db_done(st);
    return rc < 0 ? -1 : 0;
}

int store_aggregate_get(struct db *db, int64_t id, const char *what, struct aggregate *out,
                        struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " AGG_COLS " FROM aggregates WHERE id = ?");
    if (!st)
        return cerr_internal(err, "aggregate lookup");
    db_bind_int(st, 1, id);
    struct aggregate a;
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_to_aggregate(st, &a);
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, "aggregate lookup");
    if (rc != DB_ROW)
        return cerr_set(err, 404, "Aggregate %s could not be found.", what);
    if (load_members(db, &a) < 0) {
        aggregate_clear(&a);
        return cerr_internal(err, "aggregate lookup");
    }
    *out = a;
    return 0;
}

int store_aggregate_list(struct db *db, struct aggregate **out, int *count, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " AGG_COLS " FROM aggregates ORDER BY id");
    if (!st)
        return cerr_internal(err, "aggregate list");
    struct aggregate *rows = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            rows = xrealloc(rows, (size_t)cap * sizeof(*rows));
        }
        row_to_aggregate(st, &rows[n++]);
    }
    db_done(st);
    for (int i = 0; rc >= 0 && i < n; i++)
        if (load_members(db, &rows[i]) < 0)
            rc = -1;
    if (rc < 0) {
        aggregate_list_free(rows, n);
        return cerr_internal(err, "aggregate list");
    }
    *out = rows;
    *count = n;
    return 0;
}

/* Another aggregate than `self` named `name`? 1 yes, 0 no, -1 error. */
static int name_taken(struct db *db, const char *name, int64_t self)
{
    int64_t n = 0;
    int rc = db_query_int(db, &n, "SELECT COUNT(*) FROM aggregates WHERE name = ? AND id <> ?",
                          "si", name, self);
    return rc < 0 ? -1 : n > 0;
}

int store_aggregate_create(struct db *db, const char *name, const char *az, int64_t *id,
                           struct cerr *err)
{
    int taken = name_taken(db, name, 0);
    if (taken < 0)
        return cerr_internal(err, "aggregate create");
    if (taken)
        return cerr_set(err, 409, "Aggregate %s already exists.", name);
    char uuid[UUID_TEXT];
    uuid_generate_text(uuid);
    if (db_query_int(db, id, "INSERT INTO aggregates (uuid, name, created_at) VALUES (?, ?, ?)"
                             " RETURNING id", "ssi", uuid, name, clock_now_us()) != 1)
        return cerr_internal(err, "aggregate create");
    if (az && db_run(db, "INSERT INTO aggregate_metadata (aggregate_id, key, value)"
                         " VALUES (?, ?, ?)", "iss", *id, AGGREGATE_AZ_KEY, az) < 0)
        return cerr_internal(err, "aggregate create");
    return 0;
}

int store_aggregate_update(struct db *db, int64_t id, const char *name, struct cerr *err)
{
    if (name) {
        int taken = name_taken(db, name, id);
        if (taken < 0)
            return cerr_internal(err, "aggregate update");
        if (taken)
            return cerr_set(err, 409, "Aggregate %s already exists.", name);
    }
    int64_t n = name ? db_run(db, "UPDATE aggregates SET name = ?, updated_at = ? WHERE id = ?",
                              "sii", name, clock_now_us(), id)
                     : db_run(db, "UPDATE aggregates SET updated_at = ? WHERE id = ?", "ii",
                              clock_now_us(), id);
    return n < 0 ? cerr_internal(err, "aggregate update") : 0;
}

int store_aggregate_delete(struct db *db, int64_t id, struct cerr *err)
{
    /* Explicit child deletes: the backend may run without FK enforcement. */
    if (db_run(db, "DELETE FROM aggregate_hosts WHERE aggregate_id = ?", "i", id) < 0 ||
        db_run(db, "DELETE FROM aggregate_metadata WHERE aggregate_id = ?", "i", id) < 0 ||
        db_run(db, "DELETE FROM aggregates WHERE id = ?", "i", id) < 0)
        return cerr_internal(err, "aggregate delete");
    return 0;
}

int store_aggregate_host_add(struct db *db, int64_t id, const char *host, struct cerr *err)
{
    int64_t n = 0;
    if (db_query_int(db, &n, "SELECT COUNT(*) FROM aggregate_hosts"
                             " WHERE aggregate_id = ? AND host = ?", "is", id, host) != 1)
        return cerr_internal(err, "aggregate add host");
    if (n > 0)
        return cerr_set(err, 409, "Aggregate %lld already has host %s.", (long long)id, host);
    if (db_run(db, "INSERT INTO aggregate_hosts (aggregate_id, host) VALUES (?, ?)", "is", id,
               host) < 0)
        return cerr_internal(err, "aggregate add host");
    return 0;
}

int store_aggregate_host_remove(struct db *db, int64_t id, const char *host)
{
    int64_t n = db_run(db, "DELETE FROM aggregate_hosts WHERE aggregate_id = ? AND host = ?",
                       "is", id, host);
    return n < 0 ? -1 : n > 0 ? 1 : 0;
}

int store_aggregate_metadata_update(struct db *db, int64_t id, const json_t *updates,
                                    struct cerr *err)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)updates, key, value) {
        int64_t n = json_is_null(value)
            ? db_run(db, "DELETE FROM aggregate_metadata WHERE aggregate_id = ? AND key = ?",
                     "is", id, key)
            : db_run(db, "INSERT INTO aggregate_metadata (aggregate_id, key, value)"
                         " VALUES (?, ?, ?) ON CONFLICT (aggregate_id, key)"
                         " DO UPDATE SET value = excluded.value",
                     "iss", id, key, json_string_value(value));
        if (n < 0)
            return cerr_internal(err, "aggregate metadata");
    }
    return 0;
}

static bool holds(const json_t *hosts, const char *host)
{
    size_t i;
    json_t *h;
    json_array_foreach((json_t *)hosts, i, h)
        if (strcmp(json_string_value(h), host) == 0)
            return true;
    return false;
}

int store_aggregate_zones_of(struct db *db, const json_t *hosts, int64_t except_id,
                             json_t **out, struct cerr *err)
{
    struct db_stmt *st = db_prep(db,
        "SELECT m.aggregate_id, m.value, h.host FROM aggregate_metadata m"
        " JOIN aggregate_hosts h ON h.aggregate_id = m.aggregate_id"
        " WHERE m.key = '" AGGREGATE_AZ_KEY "' AND m.aggregate_id <> ?"
        " ORDER BY m.aggregate_id, h.id");
    if (!st)
        return cerr_internal(err, "aggregate zones");
    db_bind_int(st, 1, except_id);
    json_t *zones = json_array();
    int64_t last = 0;
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        int64_t agg = db_col_int(st, 0);
        if (agg != last && holds(hosts, db_col_str(st, 2))) {
            json_array_append_new(zones, json_string(db_col_str(st, 1)));
            last = agg;
        }
    }
    db_done(st);
    if (rc < 0) {
        json_decref(zones);
        return cerr_internal(err, "aggregate zones");
    }
    *out = zones;
    return 0;
}

int store_aggregate_sync_zones(struct db *db, const char *default_zone)
{
    /* Nova forbids a host in two zones, so MIN() picks the only one. */
    if (db_run(db,
            "UPDATE hosts SET zone = COALESCE((SELECT MIN(m.value) FROM aggregate_hosts h"
            "  JOIN aggregate_metadata m ON m.aggregate_id = h.aggregate_id"
            "  WHERE h.host = hosts.host AND m.key = '" AGGREGATE_AZ_KEY "'), ?)",
            "s", default_zone) < 0)
        return -1;
    /* A placed server is in its host's zone: Nova's server view answers
     * get_instance_availability_zone(), the host's zone of the moment. */
    return db_run(db,
        "UPDATE instances SET availability_zone ="
        "  (SELECT z.zone FROM hosts z WHERE z.host = instances.host)"
        " WHERE deleted = 0 AND host IN (SELECT host FROM hosts) AND"
        "  (availability_zone IS NULL OR availability_zone <>"
        "   (SELECT z.zone FROM hosts z WHERE z.host = instances.host))",
        "") < 0 ? -1 : 0;
}
