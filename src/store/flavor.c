/* flavor.c - the flavors repository: flavors, their extra specs and the
 * project access list of private flavors (Nova's API database tables
 * flavors, flavor_extra_specs, flavor_projects). */
#include "store/flavor.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLAVOR_COLS                                                                    \
    "id, flavorid, name, vcpus, memory_mb, root_gb, ephemeral_gb, swap, rxtx_factor, " \
    "is_public, disabled, description, created_at, updated_at"

static void row_to_flavor(struct db_stmt *st, struct flavor *f)
{
    memset(f, 0, sizeof(*f));
    f->id = db_col_int(st, 0);
    str_copy(f->flavorid, sizeof(f->flavorid), db_col_str(st, 1));
    str_copy(f->name, sizeof(f->name), db_col_str(st, 2));
    f->vcpus = db_col_int(st, 3);
    f->memory_mb = db_col_int(st, 4);
    f->root_gb = db_col_int(st, 5);
    f->ephemeral_gb = db_col_int(st, 6);
    f->swap = db_col_int(st, 7);
    f->rxtx_factor = strtod(db_col_str(st, 8), NULL);
    f->is_public = db_col_int(st, 9) != 0;
    f->disabled = db_col_int(st, 10) != 0;
    f->has_description = !db_col_null(st, 11);
    str_copy(f->description, sizeof(f->description), db_col_str(st, 11));
    f->created_at = db_col_int(st, 12);
    f->updated_at = db_col_null(st, 13) ? 0 : db_col_int(st, 13);
}

int store_flavor_get(struct db *db, const char *flavorid, struct flavor *out, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " FLAVOR_COLS " FROM flavors WHERE flavorid = ?");
    if (!st)
        return cerr_internal(err, "flavor lookup");
    db_bind_text(st, 1, flavorid);
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_to_flavor(st, out);
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, "flavor lookup");
    if (rc != DB_ROW)
        return cerr_set(err, 404, "Flavor %s could not be found.", flavorid);
    return 0;
}

json_t *store_flavor_extra_specs(struct db *db, const char *flavorid)
{
    json_t *specs;
    return db_query_json(db, "SELECT key, value FROM flavor_extra_specs "
                             "WHERE flavorid = ? ORDER BY key", flavorid, true, &specs) == 0
               ? specs : json_object();
}

char *store_flavor_description(struct db *db, const char *flavorid)
{
    char *text = NULL;
    struct db_stmt *st = db_prep(db, "SELECT description FROM flavors WHERE flavorid = ?");
    if (!st)
        return NULL;
    db_bind_text(st, 1, flavorid);
    if (db_step(st) == DB_ROW)
        text = xstrdup(db_col_text(st, 0));
    db_done(st);
    return text;
}

bool store_flavor_accessible(struct db *db, const struct flavor *f, const char *project_id)
{
    if (f->is_public)
        return true;
    if (!project_id)
        return false;
    int64_t n = 0;
    if (db_query_int(db, &n, "SELECT COUNT(*) FROM flavor_projects "
                             "WHERE flavorid = ? AND project_id = ?",
                     "ss", f->flavorid, project_id) < 0)
        return false;
    return n > 0;
}

int64_t store_flavor_count(struct db *db)
{
    int64_t n = 0;
    if (db_query_int(db, &n, "SELECT COUNT(*) FROM flavors", "") < 0)
        return -1;
    return n;
}

/* --- listing: filters in SQL, Nova's paginate_query order in C --- */

static const char *const sort_keys[] = {
    "created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id",
    "is_public", "memory_mb", "name", "root_gb", "rxtx_factor", "swap",
    "updated_at", "vcpu_weight", "vcpus", NULL,
};

bool store_flavor_sort_key_valid(const char *key)
{
    for (int i = 0; sort_keys[i]; i++)
        if (strcmp(sort_keys[i], key) == 0)
            return true;
    return false;
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

static int cmp_key(const struct flavor *a, const struct flavor *b, const char *key)
{
    if (!strcmp(key, "flavorid")) return strcmp(a->flavorid, b->flavorid);
    if (!strcmp(key, "name")) return strcmp(a->name, b->name);
    if (!strcmp(key, "description")) {
        if (a->has_description != b->has_description)
            return a->has_description ? 1 : -1;   /* NULL sorts first, as in SQL */
        return strcmp(a->description, b->description);
    }
    if (!strcmp(key, "created_at")) return CMP(a->created_at, b->created_at);
    if (!strcmp(key, "updated_at")) return CMP(a->updated_at, b->updated_at);
    if (!strcmp(key, "disabled")) return CMP(a->disabled, b->disabled);
    if (!strcmp(key, "is_public")) return CMP(a->is_public, b->is_public);
    if (!strcmp(key, "ephemeral_gb")) return CMP(a->ephemeral_gb, b->ephemeral_gb);
    if (!strcmp(key, "memory_mb")) return CMP(a->memory_mb, b->memory_mb);
    if (!strcmp(key, "root_gb")) return CMP(a->root_gb, b->root_gb);
    if (!strcmp(key, "rxtx_factor")) return CMP(a->rxtx_factor, b->rxtx_factor);
    if (!strcmp(key, "swap")) return CMP(a->swap, b->swap);
    if (!strcmp(key, "vcpus")) return CMP(a->vcpus, b->vcpus);
    return 0;   /* id, and vcpu_weight which cirrus keeps NULL for every flavor */
}

/* paginate_query(sort_keys=[key, 'id'], sort_dirs=[dir, dir]). */
static int cmp_order(const struct flavor *a, const struct flavor *b,
                     const struct flavor_list_query *q)
{
    int c = cmp_key(a, b, q->sort_key);
    if (c == 0)
        c = CMP(a->id, b->id);
    return q->sort_desc ? -c : c;
}

static int qsort_cmp(const void *a, const void *b, void *q) { return cmp_order(a, b, q); }

static int load_marker(struct db *db, const struct flavor_list_query *q, struct flavor *m,
                       struct cerr *err)
{
    struct cerr ignored;
    if (store_flavor_get(db, q->marker, m, &ignored) < 0 ||
        (q->marker_project && !store_flavor_accessible(db, m, q->marker_project)))
        return cerr_set(err, 400, "marker [%s] not found", q->marker);
    return 0;
}

static int load_rows(struct db *db, const struct flavor_list_query *q, struct flavor **rows,
                     int *n, struct cerr *err)
{
    struct db_stmt *st = db_prep(db,
        "SELECT " FLAVOR_COLS " FROM flavors f WHERE memory_mb >= ? AND root_gb >= ?"
        " AND (? = 0 OR disabled = 0)"
        " AND (? = 0 OR (? = 1 AND (is_public = 1 OR EXISTS (SELECT 1 FROM flavor_projects p"
        "   WHERE p.flavorid = f.flavorid AND p.project_id = ?))) OR (? = 2 AND is_public = 0))"
        " ORDER BY id");
    if (!st)
        return cerr_internal(err, "flavor list");
    int vis = q->visibility == FLAVOR_LIST_ALL ? 0 : q->visibility == FLAVOR_LIST_PUBLIC ? 1 : 2;
    db_bind_int(st, 1, q->min_ram);
    db_bind_int(st, 2, q->min_disk);
    db_bind_int(st, 3, q->hide_disabled ? 1 : 0);
    db_bind_int(st, 4, vis);
    db_bind_int(st, 5, vis);
    db_bind_text(st, 6, q->project_id ? q->project_id : "");
    db_bind_int(st, 7, vis);
    int rc, cap = 0;
    *rows = NULL;
    *n = 0;
    while ((rc = db_step(st)) == DB_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *rows = xrealloc(*rows, (size_t)cap * sizeof(**rows));
        }
        row_to_flavor(st, &(*rows)[(*n)++]);
    }
    db_done(st);
    if (rc < 0) {
        free(*rows);
        *rows = NULL;
        return cerr_internal(err, "flavor list");
    }
    return 0;
}

int store_flavor_list(struct db *db, const struct flavor_list_query *q, struct flavor **out,
                      int *count, struct cerr *err)
{
    struct flavor marker, *rows = NULL;
    int n = 0;
    if (q->marker && load_marker(db, q, &marker, err) < 0)
        return -1;
    if (load_rows(db, q, &rows, &n, err) < 0)
        return -1;
    if (n == 0) {           /* rows is NULL: qsort_r/memmove must not see it (UBSan) */
        *out = rows;
        *count = 0;
        return 0;
    }
    qsort_r(rows, (size_t)n, sizeof(*rows), qsort_cmp, (void *)q);
    int start = 0;
    while (q->marker && start < n && cmp_order(&rows[start], &marker, q) <= 0)
        start++;
    int len = n - start < q->limit ? n - start : q->limit;
    memmove(rows, rows + start, (size_t)len * sizeof(*rows));
    *out = rows;
    *count = len;
    return 0;
}

/* --- writes --- */

int store_flavor_create(struct db *db, struct flavor *f, const char *description,
                        struct cerr *err)
{
    char rxtx[64];
    int64_t n = 0;
    snprintf(rxtx, sizeof(rxtx), "%.17g", f->rxtx_factor);
    f->created_at = clock_now_us();
    f->has_description = description != NULL;
    str_copy(f->description, sizeof(f->description), description ? description : "");
    if (db_begin(db) < 0)
        return cerr_internal(err, "flavor create");
    if (db_query_int(db, &n, "SELECT COUNT(*) FROM flavors WHERE flavorid = ?", "s",
                     f->flavorid) < 0)
        goto fail;
    if (n > 0) {
        db_rollback(db);
        return cerr_set(err, 409, "Flavor with ID %s already exists.", f->flavorid);
    }
    if (db_query_int(db, &n, "SELECT COUNT(*) FROM flavors WHERE name = ?", "s", f->name) < 0)
        goto fail;
    if (n > 0) {
        db_rollback(db);
        return cerr_set(err, 409, "Flavor with name %s already exists.", f->name);
    }
    if (db_query_int(db, &f->id,
                     "INSERT INTO flavors (flavorid, name, vcpus, memory_mb, root_gb,"
                     " ephemeral_gb, swap, rxtx_factor, is_public, disabled, description,"
                     " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS DOUBLE PRECISION),"
                     " ?, ?, ?, ?) RETURNING id",
                     "ssiiiiisbbsi", f->flavorid, f->name, f->vcpus, f->memory_mb, f->root_gb,
                     f->ephemeral_gb, f->swap, rxtx, (int)f->is_public, (int)f->disabled,
                     description, f->created_at) != 1)
        goto fail;
    if (db_commit(db) < 0)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return cerr_internal(err, "flavor create");
}

int store_flavor_set_description(struct db *db, const char *flavorid, const char *description,
                                 struct cerr *err)
{
    int64_t n = db_run(db, "UPDATE flavors SET description = ?, updated_at = ? WHERE flavorid = ?",
                       "sis", description, clock_now_us(), flavorid);
    if (n < 0)
        return cerr_internal(err, "flavor update");
    if (n == 0)
        return cerr_set(err, 404, "Flavor %s could not be found.", flavorid);
    return 0;
}

int store_flavor_delete(struct db *db, const char *flavorid, struct cerr *err)
{
    if (db_begin(db) < 0)
        return cerr_internal(err, "flavor delete");
    int64_t n = db_run(db, "DELETE FROM flavors WHERE flavorid = ?", "s", flavorid);
    if (n == 0) {
        db_rollback(db);
        return cerr_set(err, 404, "Flavor %s could not be found.", flavorid);
    }
    if (n < 0 ||
        db_run(db, "DELETE FROM flavor_extra_specs WHERE flavorid = ?", "s", flavorid) < 0 ||
        db_run(db, "DELETE FROM flavor_projects WHERE flavorid = ?", "s", flavorid) < 0 ||
        db_commit(db) < 0) {
        db_rollback(db);
        return cerr_internal(err, "flavor delete");
    }
    return 0;
}

int store_flavor_extra_specs_set(struct db *db, const char *flavorid, const json_t *specs,
                                 struct cerr *err)
{
    const char *key;
    json_t *value;
    if (db_begin(db) < 0)
        return cerr_internal(err, "extra specs update");
    json_object_foreach((json_t *)specs, key, value) {
        if (db_run(db, "INSERT INTO flavor_extra_specs (flavorid, key, value) VALUES (?, ?, ?) "
                       "ON CONFLICT (flavorid, key) DO UPDATE SET value = excluded.value",
                   "sss", flavorid, key, json_string_value(value)) < 0) {
            db_rollback(db);
            return cerr_internal(err, "extra specs update");
        }
    }
    if (db_commit(db) < 0) {
        db_rollback(db);
        return cerr_internal(err, "extra specs update");
    }
    return 0;
}

int store_flavor_extra_spec_delete(struct db *db, const char *flavorid, const char *key,
                                   struct cerr *err)
{
    int64_t n = db_run(db, "DELETE FROM flavor_extra_specs WHERE flavorid = ? AND key = ?", "ss",
                       flavorid, key);
    if (n < 0)
        return cerr_internal(err, "extra spec delete");
    if (n == 0)
        return cerr_set(err, 404, "Flavor %s has no extra specs with key %s.", flavorid, key);
    return 0;
}

json_t *store_flavor_projects(struct db *db, const char *flavorid)
{
    json_t *list;
    return db_query_json(db, "SELECT project_id FROM flavor_projects "
                             "WHERE flavorid = ? ORDER BY project_id", flavorid, false,
                         &list) == 0 ? list : json_array();
}

int store_flavor_access_add(struct db *db, const char *flavorid, const char *project_id,
                            struct cerr *err)
{
    int64_t n = db_run(db, "INSERT INTO flavor_projects (flavorid, project_id) VALUES (?, ?) "
                           "ON CONFLICT (flavorid, project_id) DO NOTHING",
                       "ss", flavorid, project_id);
    if (n < 0)
        return cerr_internal(err, "flavor access add");
    if (n == 0)
        return cerr_set(err, 409, "Flavor access already exists for flavor %s and project %s "
                        "combination.", flavorid, project_id);
    return 0;
}

int store_flavor_access_remove(struct db *db, const char *flavorid, const char *project_id,
                               struct cerr *err)
{
    int64_t n = db_run(db, "DELETE FROM flavor_projects WHERE flavorid = ? AND project_id = ?",
                       "ss", flavorid, project_id);
    if (n < 0)
        return cerr_internal(err, "flavor access remove");
    if (n == 0)
        return cerr_set(err, 404, "Flavor access not found for %s / %s combination.",
                        flavorid, project_id);
    return 0;
}
