/* images.c - Image API v2 image records: create, show, delete, the
 * deactivate/reactivate actions and single tags (glance-api-ref
 * images-images-v2.inc, images-tags.inc), plus the route table that also
 * serves list.c and patch.c. */
#include "api/api.h"
#include "api/image/image_api.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <string.h>

static bool may_add(const struct http_request *req)
{
    return http_is_admin(req) || (req->auth.roles & ROLE_MEMBER);
}

static int apply_body(struct http_request *req, struct image *m, json_t *props, json_t **tags,
                      struct cerr *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(req->json, key, v) {
        if (image_attr_check(key, v, err) < 0 ||
            image_attr_apply(req, m, props, tags, key, v, err) < 0)
            return -1;
    }
    return image_quota_check(props, *tags, err);
}

static void new_image(const struct http_request *req, struct image *m)
{
    memset(m, 0, sizeof(*m));
    str_copy(m->owner, sizeof(m->owner), req->auth.project_id);
    str_copy(m->status, sizeof(m->status), "queued");
    str_copy(m->visibility, sizeof(m->visibility), "private");
    m->size = m->virtual_size = -1;
}

static int image_create(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    int rc = -1;
    if (!db)
        return cerr_internal(err, "image create: no database");
    if (!may_add(req))
        return cerr_set(err, 403, "You are not authorized to complete add_image action.");
    if (!req->json)
        return cerr_set(err, 400, "Body expected in request.");
    if (!json_is_object(req->json))
        return cerr_set(err, 400, "Provided object does not match schema 'image': the body is "
                        "not of type 'object'");
    new_image(req, &m);
    json_t *props = json_object(), *tags = json_array();
    if (apply_body(req, &m, props, &tags, err) < 0)
        goto cleanup;
    if (!m.id[0]) {
        char id[UUID_TEXT];
        uuid_generate_text(id);
        str_copy(m.id, sizeof(m.id), id);
    }
    if (store_image_insert(db, &m, props, tags, err) < 0)
        goto cleanup;
    char *location = xasprintf("%s/image/v2/images/%s", http_base_url(req), m.id);
    http_set_header(res, "Location", location);
    free(location);
    http_json(res, 201, image_view(db, &m));
    rc = 0;
cleanup:
    json_decref(props);
    json_decref(tags);
    return rc;
}

static int image_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    if (image_api_load(req, db, req->params[0], &m, err) < 0)
        return -1;
    http_json(res, 200, image_view(db, &m));
    return 0;
}

static int image_destroy(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    if (image_api_load(req, db, req->params[0], &m, err) < 0 ||
        image_api_writable(req, &m, "delete_image", err) < 0 ||
        image_delete(req->cfg, db, &m, err) < 0)
        return -1;
    http_empty(res, 204);
    return 0;
}

/* Glance's Image.deactivate()/reactivate(): only between active and
 * deactivated, the same state again being a no-op; admin only by policy. */
static int set_active(struct http_request *req, struct http_response *res, struct cerr *err,
                      bool active)
{
    struct db *db = store_db();
    struct image m;
    const char *action = active ? "reactivate" : "deactivate";
    const char *to = active ? "active" : "deactivated", *from = active ? "deactivated" : "active";
    if (image_api_load(req, db, req->params[0], &m, err) < 0)
        return -1;
    if (!http_is_admin(req))
        return cerr_set(err, 403, "You are not authorized to complete %s action.", action);
    if (strcmp(m.status, to) != 0) {
        if (strcmp(m.status, from) != 0)
            return cerr_set(err, 403, "Not allowed to %s image in status '%s'", action,
                            m.status);
        int rc = store_image_set_status(db, m.id, from, to);
        if (rc < 0)
            return cerr_internal(err, "image status");
        if (rc == 0)
            return cerr_set(err, 409, "Image %s changed status meanwhile; try again.", m.id);
    }
    http_empty(res, 204);
    return 0;
}

static int image_deactivate(struct http_request *req, struct http_response *res,
                            struct cerr *err)
{
    return set_active(req, res, err, false);
}

static int image_reactivate(struct http_request *req, struct http_response *res,
                            struct cerr *err)
{
    return set_active(req, res, err, true);
}

static int tag_add(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    const char *tag = req->params[1];
    if (image_api_load(req, db, req->params[0], &m, err) < 0 ||
        image_api_writable(req, &m, "modify_image", err) < 0)
        return -1;
    if (strlen(tag) > 255)
        return cerr_set(err, 400, "Provided object does not match schema 'image': tag is too "
                        "long");
    /* a path segment is raw bytes: one that is not UTF-8 could be stored but
     * never shown again (every image body is JSON) */
    json_t *probe = json_string(tag);
    if (!probe)
        return cerr_set(err, 400, "Provided object does not match schema 'image': tag is not "
                        "a valid UTF-8 string");
    json_decref(probe);
    json_t *tags = store_image_tags(db, m.id);
    bool present = false;
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
        present = present || strcmp(json_string_value(t), tag) == 0;
    size_t count = json_array_size(tags) + (present ? 0 : 1);
    json_decref(tags);
    if (count > IMAGE_TAG_QUOTA)
        return cerr_set(err, 413, "The limit has been exceeded on the number of allowed image "
                        "tags. Attempted: %zu, Maximum: %d", count, IMAGE_TAG_QUOTA);
    if (store_image_tag_add(db, m.id, tag, err) < 0)
        return -1;
    http_empty(res, 204);
    return 0;
}

static int tag_delete(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    if (image_api_load(req, db, req->params[0], &m, err) < 0 ||
        image_api_writable(req, &m, "modify_image", err) < 0 ||
        store_image_tag_delete(db, m.id, req->params[1], err) < 0)
        return -1;
    http_empty(res, 204);
    return 0;
}

const struct route api_image_images_routes[] = {
    { "GET", "/v2/images", image_list_handler, 0, 0, 0 },
    { "POST", "/v2/images", image_create, ROUTE_JSON, 0, 0 },
    { "GET", "/v2/images/{id}", image_show, 0, 0, 0 },
    { "PATCH", "/v2/images/{id}", image_patch_handler, ROUTE_JSON, 0, 0 },
    { "DELETE", "/v2/images/{id}", image_destroy, 0, 0, 0 },
    { "POST", "/v2/images/{id}/actions/deactivate", image_deactivate, 0, 0, 0 },
    { "POST", "/v2/images/{id}/actions/reactivate", image_reactivate, 0, 0, 0 },
    { "PUT", "/v2/images/{id}/tags/{tag}", tag_add, 0, 0, 0 },
    { "DELETE", "/v2/images/{id}/tags/{tag}", tag_delete, 0, 0, 0 },
    { 0 }
};
