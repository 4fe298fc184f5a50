/* network.c - SQL for networks and fixed_ips. Address allocation finds
 * the lowest free offset by walking the (network_id, version, addr_index)
 * primary key from the bottom of the range and stopping at the first gap,
 * so a create reads only the dense run of taken addresses below it. */
#include "store/network.h"
#include "util/clock.h"
#include "util/mem.h"

#include <string.h>

static void row_load(struct db_stmt *st, struct network_row *n)
{
    str_copy(n->id, sizeof(n->id), db_col_str(st, 0));
    str_copy(n->label, sizeof(n->label), db_col_str(st, 1));
    str_copy(n->cidr, sizeof(n->cidr), db_col_str(st, 2));
    str_copy(n->cidr6, sizeof(n->cidr6), db_col_str(st, 3));
}

int store_network_default(struct db *db, struct network_row *out)
{
    struct db_stmt *st = db_prep(db, "SELECT id, label, cidr, cidr6 FROM networks "
                                     "ORDER BY created_at, id LIMIT 1");
    if (!st)
        return -1;
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_load(st, out);
    db_done(st);
    return rc < 0 ? -1 : rc == DB_ROW;
}

int store_network_insert(struct db *db, const struct network_row *n)
{
    return db_run(db, "INSERT INTO networks (id, label, cidr, cidr6, created_at) "
                      "VALUES (?, ?, ?, ?, ?)",
                  "ssssi", n->id, n->label, n->cidr, n->cidr6, clock_now_us()) < 0 ? -1 : 0;
}

int store_network_update(struct db *db, const struct network_row *n)
{
    return db_run(db, "UPDATE networks SET label = ?, cidr = ?, cidr6 = ? WHERE id = ?", "ssss",
                  n->label, n->cidr, n->cidr6, n->id) < 0 ? -1 : 0;
}

int64_t store_fixed_ip_count(struct db *db, const char *network_id)
{
    int64_t n = 0;
    if (db_query_int(db, &n, "SELECT COUNT(*) FROM fixed_ips WHERE network_id = ?", "s",
                     network_id) < 0)
        return -1;
    return n;
}

int store_fixed_ip_owner(struct db *db, const char *network_id, int version, int64_t index,
                         char owner[40])
{
    struct db_stmt *st = db_prep(db, "SELECT instance_uuid FROM fixed_ips WHERE network_id = ? "
                                     "AND version = ? AND addr_index = ?");
    if (!st || db_bind_text(st, 1, network_id) < 0 || db_bind_int(st, 2, version) < 0 ||
        db_bind_int(st, 3, index) < 0) {
        db_done(st);
        return -1;
    }
    int rc = db_step(st);
    if (rc == DB_ROW)
        str_copy(owner, 40, db_col_str(st, 0));
    db_done(st);
    return rc < 0 ? -1 : rc == DB_ROW;
}

int store_fixed_ip_lowest_free(struct db *db, const char *network_id, int version,
                               int64_t first, int64_t *out)
{
    char owner[40];
    int taken = store_fixed_ip_owner(db, network_id, version, first, owner);
    if (taken <= 0) {
        *out = first;
        return taken;
    }
    /* first is taken: the answer follows the first taken index whose
     * successor is free, found in primary-key order. */
    int64_t next = 0;
    int rc = db_query_int(db, &next,
                          "SELECT f.addr_index + 1 FROM fixed_ips f WHERE f.network_id = ? "
                          "AND f.version = ? AND f.addr_index >= ? AND NOT EXISTS ("
                          "SELECT 1 FROM fixed_ips g WHERE g.network_id = f.network_id "
                          "AND g.version = f.version AND g.addr_index = f.addr_index + 1) "
                          "ORDER BY f.addr_index LIMIT 1",
                          "sii", network_id, (int64_t)version, first);
    if (rc <= 0)
        return -1;
    *out = next;
    return 0;
}

int store_fixed_ip_mac_used(struct db *db, const char *mac)
{
    int64_t one = 0;
    return db_query_int(db, &one, "SELECT 1 FROM fixed_ips WHERE mac = ? LIMIT 1", "s", mac);
}

int store_fixed_ip_insert(struct db *db, const char *network_id, int version, int64_t index,
                          const char *address, const char *instance_uuid, const char *mac)
{
    return db_run(db, "INSERT INTO fixed_ips (network_id, version, addr_index, address, "
                      "instance_uuid, mac, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  "siisssi", network_id, (int64_t)version, index, address, instance_uuid, mac,
                  clock_now_us()) < 0 ? -1 : 0;
}

int64_t store_fixed_ip_release(struct db *db, const char *instance_uuid)
{
    return db_run(db, "DELETE FROM fixed_ips WHERE instance_uuid = ?", "s", instance_uuid);
}

int store_fixed_ip_each(struct db *db, const char *instance_uuid,
                        void (*fn)(void *ctx, const struct fixed_ip_row *row), void *ctx)
{
    struct db_stmt *st = db_prep(db, "SELECT n.label, f.version, f.address, f.mac "
                                     "FROM fixed_ips f JOIN networks n ON n.id = f.network_id "
                                     "WHERE f.instance_uuid = ? "
                                     "ORDER BY n.label, f.version, f.addr_index");
    if (!st || db_bind_text(st, 1, instance_uuid) < 0) {
        db_done(st);
        return -1;
    }
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct fixed_ip_row row = {
            .label = db_col_str(st, 0), .version = (int)db_col_int(st, 1),
            .address = db_col_str(st, 2), .mac = db_col_str(st, 3),
        };
        fn(ctx, &row);
    }
    db_done(st);
    return rc < 0 ? -1 : 0;
}
