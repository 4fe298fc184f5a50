/* host.c - the hosts repository (services + compute nodes in one row).
 * Claims are single conditional UPDATEs so that two schedulers racing for
 * the last slot of a host cannot both win: the loser sees 0 changed rows
 * and moves to its next candidate. */
#include "store/host.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_COLS                                                                            \
    "id, uuid, hypervisor_uuid, host, zone, disabled, disabled_reason, forced_down, "       \
    "last_seen_up, created_at, updated_at, hypervisor_type, host_ip, vcpus, memory_mb, "    \
    "local_gb, vcpus_used, memory_mb_used, local_gb_used, running_vms, "                    \
    "cpu_allocation_ratio, ram_allocation_ratio, disk_allocation_ratio, hypervisor_version"

/* One id space for hosts and services: a compute host's id is both its
 * service id and its hypervisor id, and os-services must never show two
 * services with one id. */
#define NEXT_SERVICE_ID                                                                      \
    "(SELECT COALESCE(MAX(id), 0) + 1 FROM"                                                 \
    " (SELECT id FROM hosts UNION ALL SELECT id FROM services) AS ids)"

bool host_row_is_up(const struct host_row *h, int64_t now_us)
{
    return !h->forced_down && h->last_seen_up > 0 &&
           now_us - h->last_seen_up <= HOST_DOWN_AFTER_US;
}

/* DOUBLE PRECISION columns come back as text so both backends agree. */
static double col_double(struct db_stmt *st, int i)
{
    return strtod(db_col_str(st, i), NULL);
}

static void row_to_host(struct db_stmt *st, struct host_row *h)
{
    memset(h, 0, sizeof(*h));
    h->id = db_col_int(st, 0);
    str_copy(h->uuid, sizeof(h->uuid), db_col_str(st, 1));
    str_copy(h->hypervisor_uuid, sizeof(h->hypervisor_uuid), db_col_str(st, 2));
    str_copy(h->host, sizeof(h->host), db_col_str(st, 3));
    str_copy(h->zone, sizeof(h->zone), db_col_str(st, 4));
    h->disabled = db_col_int(st, 5) != 0;
    h->has_disabled_reason = !db_col_null(st, 6);
    str_copy(h->disabled_reason, sizeof(h->disabled_reason), db_col_str(st, 6));
    h->forced_down = db_col_int(st, 7) != 0;
    h->last_seen_up = db_col_null(st, 8) ? 0 : db_col_int(st, 8);
    h->created_at = db_col_int(st, 9);
    h->updated_at = db_col_null(st, 10) ? 0 : db_col_int(st, 10);
    str_copy(h->hypervisor_type, sizeof(h->hypervisor_type), db_col_str(st, 11));
    str_copy(h->host_ip, sizeof(h->host_ip), db_col_str(st, 12));
    h->vcpus = db_col_int(st, 13);
    h->memory_mb = db_col_int(st, 14);
    h->local_gb = db_col_int(st, 15);
    h->vcpus_used = db_col_int(st, 16);
    h->memory_mb_used = db_col_int(st, 17);
    h->local_gb_used = db_col_int(st, 18);
    h->running_vms = db_col_int(st, 19);
    h->cpu_allocation_ratio = col_double(st, 20);
    h->ram_allocation_ratio = col_double(st, 21);
    h->disk_allocation_ratio = col_double(st, 22);
    h->hypervisor_version = db_col_int(st, 23);
}

int store_host_list(struct db *db, struct host_row **out, int *count, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " HOST_COLS " FROM hosts ORDER BY id");
    if (!st)
        return cerr_internal(err, "host list");
    struct host_row *rows = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            rows = xrealloc(rows, (size_t)cap * sizeof(*rows));
        }
        row_to_host(st, &rows[n++]);
    }
    db_done(st);
    if (rc < 0) {
        free(rows);
        return cerr_internal(err, "host list");
    }
    *out = rows;
    *count = n;
    return 0;
}

/* Runs a one-row lookup prepared by the caller; 404 names what was asked. */
static int get_one(struct db_stmt *st, const char *what, struct host_row *out, struct cerr *err)
{
    if (!st)
        return cerr_internal(err, "host lookup");
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_to_host(st, out);
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, "host lookup");
    if (rc != DB_ROW)
        return cerr_set(err, 404, "Compute host %s could not be found.", what);
    return 0;
}

int store_host_get(struct db *db, const char *host, struct host_row *out, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " HOST_COLS " FROM hosts WHERE host = ?");
    if (st)
        db_bind_text(st, 1, host);
    return get_one(st, host, out, err);
}

int store_host_get_by_id(struct db *db, int64_t id, struct host_row *out, struct cerr *err)
{
    char what[32];
    snprintf(what, sizeof(what), "%lld", (long long)id);
    struct db_stmt *st = db_prep(db, "SELECT " HOST_COLS " FROM hosts WHERE id = ?");
    if (st)
        db_bind_int(st, 1, id);
    return get_one(st, what, out, err);
}

int store_host_get_by_uuid(struct db *db, const char *uuid, struct host_row *out,
                           struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " HOST_COLS " FROM hosts "
                                     "WHERE uuid = ? OR hypervisor_uuid = ?");
    if (st) {
        db_bind_text(st, 1, uuid);
        db_bind_text(st, 2, uuid);
    }
    return get_one(st, uuid, out, err);
}

int store_host_upsert(struct db *db, const struct host_row *h, struct cerr *err)
{
    char cpu[32], ram[32], disk[32];
    snprintf(cpu, sizeof(cpu), "%.17g", h->cpu_allocation_ratio);
    snprintf(ram, sizeof(ram), "%.17g", h->ram_allocation_ratio);
    snprintf(disk, sizeof(disk), "%.17g", h->disk_allocation_ratio);
    int64_t now = clock_now_us();
    int64_t n = db_run(db,
        "INSERT INTO hosts (id, uuid, hypervisor_uuid, host, zone, hypervisor_type, vcpus,"
        "  memory_mb, local_gb, cpu_allocation_ratio, ram_allocation_ratio,"
        "  disk_allocation_ratio, hypervisor_version, created_at, updated_at, last_seen_up)"
        " VALUES (" NEXT_SERVICE_ID ", ?, ?, ?, ?, ?, ?, ?, ?,"
        "  CAST(? AS DOUBLE PRECISION),"
        "  CAST(? AS DOUBLE PRECISION), CAST(? AS DOUBLE PRECISION), ?, ?, NULL, ?)"
        " ON CONFLICT (host) DO UPDATE SET zone = excluded.zone,"
        "  hypervisor_type = excluded.hypervisor_type, vcpus = excluded.vcpus,"
        "  memory_mb = excluded.memory_mb, local_gb = excluded.local_gb,"
        "  cpu_allocation_ratio = excluded.cpu_allocation_ratio,"
        "  ram_allocation_ratio = excluded.ram_allocation_ratio,"
        "  disk_allocation_ratio = excluded.disk_allocation_ratio,"
        "  hypervisor_version = excluded.hypervisor_version,"
        "  last_seen_up = excluded.last_seen_up, updated_at = excluded.created_at",
        "sssssiiisssiii", h->uuid, h->hypervisor_uuid, h->host, h->zone, h->hypervisor_type,
        h->vcpus, h->memory_mb, h->local_gb, cpu, ram, disk, h->hypervisor_version, now, now);
    if (n < 0)
        return cerr_internal(err, "host upsert");
    return 0;
}

int store_host_claim(struct db *db, const char *host, const struct host_usage *u)
{
    int64_t n = db_run(db,
        "UPDATE hosts SET vcpus_used = vcpus_used + ?, memory_mb_used = memory_mb_used + ?,"
        "  local_gb_used = local_gb_used + ?, running_vms = running_vms + 1, updated_at = ?"
        " WHERE host = ? AND vcpus_used + ? <= vcpus * cpu_allocation_ratio"
        "  AND memory_mb_used + ? <= memory_mb * ram_allocation_ratio"
        "  AND local_gb_used + ? <= local_gb * disk_allocation_ratio",
        "iiiisiii", u->vcpus, u->memory_mb, u->disk_gb, clock_now_us(), host, u->vcpus,
        u->memory_mb, u->disk_gb);
    return n < 0 ? -1 : n > 0 ? 1 : 0;
}

int store_host_release(struct db *db, const char *host, const struct host_usage *u)
{
    int64_t n = db_run(db,
        "UPDATE hosts SET"
        "  vcpus_used = CASE WHEN vcpus_used > ? THEN vcpus_used - ? ELSE 0 END,"
        "  memory_mb_used = CASE WHEN memory_mb_used > ? THEN memory_mb_used - ? ELSE 0 END,"
        "  local_gb_used = CASE WHEN local_gb_used > ? THEN local_gb_used - ? ELSE 0 END,"
        "  running_vms = CASE WHEN running_vms > 0 THEN running_vms - 1 ELSE 0 END,"
        "  updated_at = ? WHERE host = ?",
        "iiiiiiis", u->vcpus, u->vcpus, u->memory_mb, u->memory_mb, u->disk_gb, u->disk_gb,
        clock_now_us(), host);
    return n < 0 ? -1 : 0;
}

int store_host_heartbeat(struct db *db, const char *host, int64_t now_us)
{
    return db_run(db, "UPDATE hosts SET last_seen_up = ? WHERE host = ?", "is", now_us,
                  host) < 0 ? -1 : 0;
}

/* 0 when one row changed, 404 when none, 500 on store errors. */
static int changed_one(int64_t n, const char *host, const char *what, struct cerr *err)
{
    if (n < 0)
        return cerr_internal(err, what);
    if (n == 0)
        return cerr_set(err, 404, "Compute host %s could not be found.", host);
    return 0;
}

int store_host_set_disabled(struct db *db, const char *host, bool disabled, const char *reason,
                            struct cerr *err)
{
    int64_t n = db_run(db, "UPDATE hosts SET disabled = ?, disabled_reason = ?, updated_at = ?"
                           " WHERE host = ?", "bsis", disabled, reason, clock_now_us(), host);
    return changed_one(n, host, "host disable", err);
}

int store_host_set_forced_down(struct db *db, const char *host, bool forced_down,
                               struct cerr *err)
{
    int64_t n = db_run(db, "UPDATE hosts SET forced_down = ?, updated_at = ? WHERE host = ?",
                       "bis", forced_down, clock_now_us(), host);
    return changed_one(n, host, "host force-down", err);
}

int store_host_delete(struct db *db, const char *host, struct cerr *err)
{
    int64_t n = db_run(db, "DELETE FROM hosts WHERE host = ?", "s", host);
    return changed_one(n, host, "host delete", err);
}

static void row_to_instance(struct db_stmt *st, struct host_instance *in)
{
    memset(in, 0, sizeof(*in));
    in->id = db_col_int(st, 0);
    str_copy(in->uuid, sizeof(in->uuid), db_col_str(st, 1));
    str_copy(in->name, sizeof(in->name), db_col_str(st, 2));
    str_copy(in->image_ref, sizeof(in->image_ref), db_col_str(st, 3));
    in->vcpus = db_col_int(st, 4);
    in->memory_mb = db_col_int(st, 5);
    in->root_gb = db_col_int(st, 6);
    in->ephemeral_gb = db_col_int(st, 7);
    in->swap = db_col_int(st, 8);
    str_copy(in->vm_state, sizeof(in->vm_state), db_col_str(st, 9));
    in->power_state = (int)db_col_int(st, 10);
}

int store_host_instances(struct db *db, const char *host, int64_t after_id, int limit,
                         struct host_instance **out)
{
    struct db_stmt *st = db_prep(db,
        "SELECT id, uuid, name, image_ref, vcpus, memory_mb, root_gb, ephemeral_gb, swap,"
        "  vm_state, power_state FROM instances"
        " WHERE host = ? AND deleted = 0 AND id > ? ORDER BY id LIMIT ?");
    if (!st)
        return -1;
    db_bind_text(st, 1, host);
    db_bind_int(st, 2, after_id);
    db_bind_int(st, 3, limit);
    struct host_instance *list = xcalloc((size_t)limit + 1, sizeof(*list));
    int n = 0, rc = DB_DONE;
    while (n < limit && (rc = db_step(st)) == DB_ROW)
        row_to_instance(st, &list[n++]);
    db_done(st);
    if (n < limit && rc < 0) {
        free(list);
        return -1;
    }
    *out = list;
    return n;
}

/* One COUNT(*) with a single text argument. */
static int count_of(struct db_stmt *st, int nbind, const char *host, int64_t *out)
{
    if (!st)
        return -1;
    for (int i = 1; i <= nbind; i++)
        db_bind_text(st, i, host);
    int rc = db_step(st);
    if (rc == DB_ROW)
        *out = db_col_int(st, 0);
    db_done(st);
    return rc == DB_ROW ? 0 : -1;
}

int store_host_server_count(struct db *db, const char *host, int64_t *out)
{
    return count_of(db_prep(db, "SELECT COUNT(*) FROM instances"
                                " WHERE host = ? AND deleted = 0"), 1, host, out);
}

int store_host_migration_count(struct db *db, const char *host, int64_t *out)
{
    return count_of(db_prep(db, "SELECT COUNT(*) FROM migrations"
                                " WHERE (source_compute = ? OR dest_compute = ?)"
                                "  AND status NOT IN ('confirmed', 'reverted', 'error',"
                                "  'failed', 'completed', 'cancelled', 'done')"),
                    2, host, out);
}

int store_host_evacuations_done(struct db *db, const char *host, int64_t *out)
{
    return count_of(db_prep(db, "SELECT COUNT(*) FROM migrations WHERE source_compute = ?"
                                " AND status = 'done' AND migration_type = 'evacuation'"),
                    1, host, out);
}

int store_host_workload(struct db *db, const char *host, int64_t *out)
{
    /* nova.compute.stats: vm_state building or one of these task states. */
    return count_of(db_prep(db, "SELECT COUNT(*) FROM instances WHERE host = ? AND deleted = 0"
                                " AND (vm_state = 'building' OR task_state IN"
                                " ('resize_migrating', 'rebuilding', 'resize_prep',"
                                "  'image_snapshot', 'image_backup', 'rescuing',"
                                "  'unshelving'))"),
                    1, host, out);
}

int store_service_list(struct db *db, struct service_row **out, int *count, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT id, uuid, host, binary_name, last_seen_up,"
                                     " created_at FROM services ORDER BY id");
    if (!st)
        return cerr_internal(err, "service list");
    struct service_row *rows = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4;
            rows = xrealloc(rows, (size_t)cap * sizeof(*rows));
        }
        struct service_row *r = &rows[n++];
        memset(r, 0, sizeof(*r));
        r->id = db_col_int(st, 0);
        str_copy(r->uuid, sizeof(r->uuid), db_col_str(st, 1));
        str_copy(r->host, sizeof(r->host), db_col_str(st, 2));
        str_copy(r->binary, sizeof(r->binary), db_col_str(st, 3));
        r->last_seen_up = db_col_null(st, 4) ? 0 : db_col_int(st, 4);
        r->created_at = db_col_int(st, 5);
    }
    db_done(st);
    if (rc < 0) {
        free(rows);
        return cerr_internal(err, "service list");
    }
    *out = rows;
    *count = n;
    return 0;
}

int store_service_ensure(struct db *db, const char *host, const char *binary,
                         const char *uuid, struct cerr *err)
{
    int64_t now = clock_now_us();
    int64_t n = db_run(db,
        "INSERT INTO services (id, uuid, host, binary_name, last_seen_up, created_at)"
        " VALUES (" NEXT_SERVICE_ID ", ?, ?, ?, ?, ?)"
        " ON CONFLICT (host, binary_name) DO UPDATE SET last_seen_up = excluded.last_seen_up",
        "sssii", uuid, host, binary, now, now);
    return n < 0 ? cerr_internal(err, "service register") : 0;
}

int store_service_heartbeat(struct db *db, const char *host, const char *binary,
                            int64_t now_us)
{
    return db_run(db, "UPDATE services SET last_seen_up = ? WHERE host = ? AND binary_name = ?",
                  "iss", now_us, host, binary) < 0 ? -1 : 0;
}

int store_service_delete(struct db *db, int64_t id, const char *uuid)
{
    int64_t n = uuid ? db_run(db, "DELETE FROM services WHERE uuid = ?", "s", uuid)
                     : db_run(db, "DELETE FROM services WHERE id = ?", "i", id);
    return n < 0 ? -1 : n == 0 ? 1 : 0;
}
