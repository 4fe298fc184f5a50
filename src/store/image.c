/* image.c - the images repository: Glance's images, image_properties,
 * image_tags and image_members tables. Deleted images keep their row
 * (deleted = 1, status 'deleted') as Glance does, so an id is never reused. */
#include "store/image.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define IMAGE_COLS "i.id, i.name, i.owner, i.status, i.visibility, i.disk_format," \
    " i.container_format, i.size, i.virtual_size, i.checksum, i.os_hash_algo," \
    " i.os_hash_value, i.min_disk, i.min_ram, i.protected, i.os_hidden, i.created_at," \
    " i.updated_at"

static int64_t col_int_or_null(struct db_stmt *st, int i)
{
    return db_col_null(st, i) ? -1 : db_col_int(st, i);
}

static void row_to_image(struct db_stmt *st, struct image *m)
{
    memset(m, 0, sizeof(*m));
    str_copy(m->id, sizeof(m->id), db_col_str(st, 0));
    m->has_name = !db_col_null(st, 1);
    str_copy(m->name, sizeof(m->name), db_col_str(st, 1));
    str_copy(m->owner, sizeof(m->owner), db_col_str(st, 2));
    str_copy(m->status, sizeof(m->status), db_col_str(st, 3));
    str_copy(m->visibility, sizeof(m->visibility), db_col_str(st, 4));
    str_copy(m->disk_format, sizeof(m->disk_format), db_col_str(st, 5));
    str_copy(m->container_format, sizeof(m->container_format), db_col_str(st, 6));
    m->size = col_int_or_null(st, 7);
    m->virtual_size = col_int_or_null(st, 8);
    str_copy(m->checksum, sizeof(m->checksum), db_col_str(st, 9));
    str_copy(m->os_hash_algo, sizeof(m->os_hash_algo), db_col_str(st, 10));
    str_copy(m->os_hash_value, sizeof(m->os_hash_value), db_col_str(st, 11));
    m->min_disk = db_col_int(st, 12);
    m->min_ram = db_col_int(st, 13);
    m->protected_ = db_col_int(st, 14) != 0;
    m->os_hidden = db_col_int(st, 15) != 0;
    m->created_at = db_col_int(st, 16);
    m->updated_at = db_col_int(st, 17);
}

static const char *or_null(const char *s) { return s && *s ? s : NULL; }

int store_image_get(struct db *db, const char *id, struct image *out, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " IMAGE_COLS " FROM images i "
                                     "WHERE i.id = ? AND i.deleted = 0");
    if (!st)
        return cerr_internal(err, "image lookup");
    db_bind_text(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_to_image(st, out);
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, "image lookup");
    if (rc != DB_ROW)
        return cerr_set(err, 404, "Image %s could not be found.", id);
    return 0;
}

json_t *store_image_properties(struct db *db, const char *id)
{
    json_t *props;
    return db_query_json(db, "SELECT name, value FROM image_properties "
                             "WHERE image_id = ? ORDER BY name", id, true, &props) == 0
               ? props : json_object();
}

json_t *store_image_tags(struct db *db, const char *id)
{
    json_t *tags;
    return db_query_json(db, "SELECT tag FROM image_tags WHERE image_id = ? ORDER BY tag", id,
                         false, &tags) == 0 ? tags : json_array();
}

int store_image_list(struct db *db, const char *member, struct image **out, int *count,
                     struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " IMAGE_COLS ", m.status FROM images i "
                                     "LEFT JOIN image_members m ON m.image_id = i.id "
                                     "AND m.member = ? WHERE i.deleted = 0 "
                                     "ORDER BY i.created_at, i.id");
    if (!st)
        return cerr_internal(err, "image list");
    db_bind_text(st, 1, member ? member : "");
    struct image *list = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            list = xrealloc(list, (size_t)cap * sizeof(*list));
        }
        row_to_image(st, &list[n]);
        str_copy(list[n].member_status, sizeof(list[n].member_status), db_col_str(st, 18));
        n++;
    }
    db_done(st);
    if (rc < 0) {
        free(list);
        return cerr_internal(err, "image list");
    }
    *out = list;
    *count = n;
    return 0;
}

/* --- writes --- */

static int put_props(struct db *db, const char *id, const json_t *props)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)props, k, v) {
        if (db_run(db, "INSERT INTO image_properties (image_id, name, value) VALUES (?, ?, ?)",
                   "sss", id, k, json_string_value(v)) < 0)
            return -1;
    }
    return 0;
}

static int put_tags(struct db *db, const char *id, const json_t *tags)
{
    size_t i;
    json_t *v;
    json_array_foreach(tags, i, v) {
        if (db_run(db, "INSERT INTO image_tags (image_id, tag) VALUES (?, ?)"
                       " ON CONFLICT (image_id, tag) DO NOTHING",
                   "ss", id, json_string_value(v)) < 0)
            return -1;
    }
    return 0;
}

static int insert_row(struct db *db, const struct image *m)
{
    return (int)db_run(db, "INSERT INTO images (id, name, owner, status, visibility,"
                           " disk_format, container_format, size, virtual_size, checksum,"
                           " os_hash_algo, os_hash_value, min_disk, min_ram, protected,"
                           " os_hidden, created_at, updated_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, -1), NULLIF(?, -1), ?, ?,"
                           " ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                       "sssssssiisssiibbii",
                       m->id, m->has_name ? m->name : NULL, or_null(m->owner), m->status,
                       m->visibility, or_null(m->disk_format), or_null(m->container_format),
                       m->size, m->virtual_size, or_null(m->checksum),
                       or_null(m->os_hash_algo), or_null(m->os_hash_value), m->min_disk,
                       m->min_ram, m->protected_, m->os_hidden, m->created_at,
                       m->updated_at);
}

int store_image_insert(struct db *db, struct image *img, const json_t *props,
                       const json_t *tags, struct cerr *err)
{
    img->created_at = img->updated_at = clock_now_us();
    if (db_begin(db) < 0)
        return cerr_internal(err, "image insert");
    int n = insert_row(db, img);
    if (n < 0)
        goto fail;
    if (n == 0) {
        db_rollback(db);
        return cerr_set(err, 409, "Image with identifier %s already exists!", img->id);
    }
    if ((props && put_props(db, img->id, props) < 0) || (tags && put_tags(db, img->id, tags) < 0))
        goto fail;
    if (db_commit(db) < 0)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return cerr_internal(err, "image insert");
}

static int update_row(struct db *db, const struct image *m)
{
    return (int)db_run(db, "UPDATE images SET name = ?, owner = ?, visibility = ?,"
                           " disk_format = ?, container_format = ?, min_disk = ?, min_ram = ?,"
                           " protected = ?, os_hidden = ?, updated_at = ?"
                           " WHERE id = ? AND deleted = 0",
                       "sssssiibbis", m->has_name ? m->name : NULL, or_null(m->owner),
                       m->visibility, or_null(m->disk_format), or_null(m->container_format),
                       m->min_disk, m->min_ram, m->protected_, m->os_hidden, m->updated_at,
                       m->id);
}

int store_image_update(struct db *db, struct image *img, const json_t *props,
                       const json_t *tags, struct cerr *err)
{
    img->updated_at = clock_now_us();
    if (db_begin(db) < 0)
        return cerr_internal(err, "image update");
    int n = update_row(db, img);
    if (n < 0)
        goto fail;
    if (n == 0) {
        db_rollback(db);
        return cerr_set(err, 404, "Image %s could not be found.", img->id);
    }
    if (props && (db_run(db, "DELETE FROM image_properties WHERE image_id = ?", "s",
                         img->id) < 0 || put_props(db, img->id, props) < 0))
        goto fail;
    if (tags && (db_run(db, "DELETE FROM image_tags WHERE image_id = ?", "s", img->id) < 0 ||
                 put_tags(db, img->id, tags) < 0))
        goto fail;
    if (db_commit(db) < 0)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return cerr_internal(err, "image update");
}

int store_image_set_status(struct db *db, const char *id, const char *from, const char *to)
{
    int64_t n = db_run(db, "UPDATE images SET status = ?, updated_at = ?"
                           " WHERE id = ? AND status = ? AND deleted = 0",
                       "siss", to, clock_now_us(), id, from);
    return n < 0 ? -1 : n > 0;
}

int store_image_set_data(struct db *db, const struct image *m)
{
    int64_t n = db_run(db, "UPDATE images SET status = 'active', size = ?,"
                           " virtual_size = NULLIF(?, -1), checksum = ?, os_hash_algo = ?,"
                           " os_hash_value = ?, updated_at = ?"
                           " WHERE id = ? AND status = 'saving' AND deleted = 0",
                       "iisssis", m->size, m->virtual_size, m->checksum, m->os_hash_algo,
                       m->os_hash_value, clock_now_us(), m->id);
    return n < 0 ? -1 : n > 0;
}

int store_image_delete(struct db *db, const char *id, struct cerr *err)
{
    int64_t now = clock_now_us();
    if (db_begin(db) < 0)
        return cerr_internal(err, "image delete");
    int64_t n = db_run(db, "UPDATE images SET deleted = 1, status = 'deleted', deleted_at = ?,"
                           " updated_at = ? WHERE id = ? AND deleted = 0", "iis", now, now, id);
    if (n == 0) {
        db_rollback(db);
        return cerr_set(err, 404, "Image %s could not be found.", id);
    }
    if (n < 0 || db_run(db, "DELETE FROM image_properties WHERE image_id = ?", "s", id) < 0 ||
        db_run(db, "DELETE FROM image_tags WHERE image_id = ?", "s", id) < 0 ||
        db_run(db, "DELETE FROM image_members WHERE image_id = ?", "s", id) < 0 ||
        db_commit(db) < 0) {
        db_rollback(db);
        return cerr_internal(err, "image delete");
    }
    return 0;
}

/* --- tags --- */

static int touch(struct db *db, const char *id)
{
    return db_run(db, "UPDATE images SET updated_at = ? WHERE id = ?", "is", clock_now_us(),
                  id) < 0 ? -1 : 0;
}

int store_image_tag_add(struct db *db, const char *id, const char *tag, struct cerr *err)
{
    if (db_begin(db) < 0)
        return cerr_internal(err, "image tag add");
    if (db_run(db, "INSERT INTO image_tags (image_id, tag) VALUES (?, ?)"
                   " ON CONFLICT (image_id, tag) DO NOTHING", "ss", id, tag) < 0 ||
        touch(db, id) < 0 || db_commit(db) < 0) {
        db_rollback(db);
        return cerr_internal(err, "image tag add");
    }
    return 0;
}

int store_image_tag_delete(struct db *db, const char *id, const char *tag, struct cerr *err)
{
    if (db_begin(db) < 0)
        return cerr_internal(err, "image tag delete");
    int64_t n = db_run(db, "DELETE FROM image_tags WHERE image_id = ? AND tag = ?", "ss", id,
                       tag);
    if (n == 0) {
        db_rollback(db);
        return cerr_set(err, 404, "Tag %s not found", tag);
    }
    if (n < 0 || touch(db, id) < 0 || db_commit(db) < 0) {
        db_rollback(db);
        return cerr_internal(err, "image tag delete");
    }
    return 0;
}

/* --- members --- */

static void row_to_member(struct db_stmt *st, struct image_member *m)
{
    memset(m, 0, sizeof(*m));
    str_copy(m->image_id, sizeof(m->image_id), db_col_str(st, 0));
    str_copy(m->member, sizeof(m->member), db_col_str(st, 1));
    str_copy(m->status, sizeof(m->status), db_col_str(st, 2));
    m->created_at = db_col_int(st, 3);
    m->updated_at = db_col_int(st, 4);
}

int store_image_member_get(struct db *db, const char *id, const char *member,
                           struct image_member *out, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT image_id, member, status, created_at, updated_at"
                                     " FROM image_members WHERE image_id = ? AND member = ?");
    if (!st)
        return cerr_internal(err, "image member lookup");
    db_bind_text(st, 1, id);
    db_bind_text(st, 2, member);
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_to_member(st, out);
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, "image member lookup");
    if (rc != DB_ROW)
        return cerr_set(err, 404, "%s not found in the member list of the image %s.", member,
                        id);
    return 0;
}

int store_image_member_list(struct db *db, const char *id, struct image_member **out,
                            int *count, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT image_id, member, status, created_at, updated_at"
                                     " FROM image_members WHERE image_id = ?"
                                     " ORDER BY created_at, member");
    if (!st)
        return cerr_internal(err, "image member list");
    db_bind_text(st, 1, id);
    struct image_member *list = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            list = xrealloc(list, (size_t)cap * sizeof(*list));
        }
        row_to_member(st, &list[n++]);
    }
    db_done(st);
    if (rc < 0) {
        free(list);
        return cerr_internal(err, "image member list");
    }
    *out = list;
    *count = n;
    return 0;
}

int store_image_member_add(struct db *db, struct image_member *m, struct cerr *err)
{
    m->created_at = m->updated_at = clock_now_us();
    int64_t n = db_run(db, "INSERT INTO image_members (image_id, member, status, created_at,"
                           " updated_at) VALUES (?, ?, ?, ?, ?)"
                           " ON CONFLICT (image_id, member) DO NOTHING",
                       "sssii", m->image_id, m->member, m->status, m->created_at,
                       m->updated_at);
    if (n < 0)
        return cerr_internal(err, "image member add");
    if (n == 0)
        return cerr_set(err, 409, "Member %s is duplicated for image %s", m->member,
                        m->image_id);
    return 0;
}

int store_image_member_set_status(struct db *db, struct image_member *m, struct cerr *err)
{
    m->updated_at = clock_now_us();
    int64_t n = db_run(db, "UPDATE image_members SET status = ?, updated_at = ?"
                           " WHERE image_id = ? AND member = ?",
                       "siss", m->status, m->updated_at, m->image_id, m->member);
    if (n < 0)
        return cerr_internal(err, "image member update");
    if (n == 0)
        return cerr_set(err, 404, "%s not found in the member list of the image %s.",
                        m->member, m->image_id);
    return 0;
}

int store_image_member_delete(struct db *db, const char *id, const char *member,
                              struct cerr *err)
{
    int64_t n = db_run(db, "DELETE FROM image_members WHERE image_id = ? AND member = ?", "ss",
                       id, member);
    if (n < 0)
        return cerr_internal(err, "image member delete");
    if (n == 0)
        return cerr_set(err, 404, "%s not found in the member list of the image %s.", member,
                        id);
    return 0;
}

int store_image_admin_project(struct db *db, char out[65])
{
    out[0] = '\0';
    struct db_stmt *st = db_prep(db, "SELECT id FROM projects WHERE name = 'admin'"
                                     " AND domain_id = 'default'");
    if (!st)
        return -1;
    int rc = db_step(st);
    if (rc == DB_ROW)
        str_copy(out, 65, db_col_str(st, 0));
    db_done(st);
    return rc == DB_ROW ? 0 : -1;
}
