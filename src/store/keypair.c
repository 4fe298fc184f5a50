/* keypair.c - the keypairs repository: one row per (user, name), as in
 * Nova's API database key_pairs table. */
#include "store/keypair.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define KEYPAIR_COLS "id, user_id, name, type, public_key, fingerprint, created_at"

void keypair_clear(struct keypair *k)
{
    if (!k)
        return;
    free(k->public_key);
    k->public_key = NULL;
}

void keypair_list_free(struct keypair *list, int count)
{
    for (int i = 0; i < count; i++)
        keypair_clear(&list[i]);
    free(list);
}

static void row_to_keypair(struct db_stmt *st, struct keypair *k)
{
    memset(k, 0, sizeof(*k));
    k->id = db_col_int(st, 0);
    str_copy(k->user_id, sizeof(k->user_id), db_col_str(st, 1));
    str_copy(k->name, sizeof(k->name), db_col_str(st, 2));
    str_copy(k->type, sizeof(k->type), db_col_str(st, 3));
    k->public_key = xstrdup(db_col_str(st, 4));
    str_copy(k->fingerprint, sizeof(k->fingerprint), db_col_str(st, 5));
    k->created_at = db_col_int(st, 6);
}

int store_keypair_get(struct db *db, const char *user_id, const char *name,
                      struct keypair *out, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " KEYPAIR_COLS " FROM keypairs "
                                     "WHERE user_id = ? AND name = ?");
    if (!st)
        return cerr_internal(err, "keypair lookup");
    db_bind_text(st, 1, user_id);
    db_bind_text(st, 2, name);
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_to_keypair(st, out);
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, "keypair lookup");
    if (rc != DB_ROW)
        return cerr_set(err, 404, "Keypair %s not found for user %s", name, user_id);
    return 0;
}

int store_keypair_list(struct db *db, const char *user_id, const char *marker, int limit,
                       struct keypair **out, int *count, struct cerr *err)
{
    int64_t found = 0;
    if (marker) {
        if (db_query_int(db, &found, "SELECT COUNT(*) FROM keypairs WHERE user_id = ? "
                                     "AND name = ?", "ss", user_id, marker) < 0)
            return cerr_internal(err, "keypair list");
        if (!found)
            return cerr_set(err, 400, "Marker %s could not be found.", marker);
    }
    struct db_stmt *st = db_prep(db, "SELECT " KEYPAIR_COLS " FROM keypairs WHERE user_id = ? "
                                     "AND (? = 0 OR name > ?) ORDER BY name LIMIT ?");
    if (!st)
        return cerr_internal(err, "keypair list");
    db_bind_text(st, 1, user_id);
    db_bind_int(st, 2, marker ? 1 : 0);
    db_bind_text(st, 3, marker ? marker : "");
    db_bind_int(st, 4, limit);
    struct keypair *list = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            list = xrealloc(list, (size_t)cap * sizeof(*list));
        }
        row_to_keypair(st, &list[n++]);
    }
    db_done(st);
    if (rc < 0) {
        keypair_list_free(list, n);
        return cerr_internal(err, "keypair list");
    }
    *out = list;
    *count = n;
    return 0;
}

int64_t store_keypair_count(struct db *db, const char *user_id)
{
    int64_t n = 0;
    if (db_query_int(db, &n, "SELECT COUNT(*) FROM keypairs WHERE user_id = ?", "s",
                     user_id) < 0)
        return -1;
    return n;
}

int store_keypair_insert(struct db *db, struct keypair *k, struct cerr *err)
{
    k->created_at = clock_now_us();
    int rc = db_query_int(db, &k->id,
                          "INSERT INTO keypairs (user_id, name, type, public_key, fingerprint,"
                          " created_at) VALUES (?, ?, ?, ?, ?, ?)"
                          " ON CONFLICT (user_id, name) DO NOTHING RETURNING id",
                          "sssssi", k->user_id, k->name, k->type, k->public_key,
                          k->fingerprint, k->created_at);
    if (rc < 0)
        return cerr_internal(err, "keypair insert");
    if (rc == 0)
        return cerr_set(err, 409, "Key pair '%s' already exists.", k->name);
    return 0;
}

int store_keypair_delete(struct db *db, const char *user_id, const char *name,
                         struct cerr *err)
{
    int64_t n = db_run(db, "DELETE FROM keypairs WHERE user_id = ? AND name = ?", "ss",
                       user_id, name);
    if (n < 0)
        return cerr_internal(err, "keypair delete");
    if (n == 0)
        return cerr_set(err, 404, "Keypair %s not found for user %s", name, user_id);
    return 0;
}
