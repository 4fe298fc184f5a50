/* view.c - Glance's image and member bodies, the lookups every image
 * handler starts with, and the image schema: which attributes a create
 * body or a patch may set, with Glance's 400/403/413 answers
 * (glance/api/v2/images.py RequestDeserializer, glance/domain). */
#include "api/image/image_api.h"
#include "util/clock.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <stdio.h>
#include <string.h>

static json_t *str_or_null(const char *s) { return *s ? json_string(s) : json_null(); }
static json_t *int_or_null(int64_t v) { return v >= 0 ? json_integer(v) : json_null(); }

static json_t *iso(int64_t us)
{
    char t[CLOCK_TEXT_MAX];
    clock_iso(us, t);
    return json_string(t);
}

json_t *image_view(struct db *db, const struct image *m)
{
    /* Custom properties first; Glance puts the base attributes over them. */
    json_t *o = store_image_properties(db, m->id);
    char *self = xasprintf("/v2/images/%s", m->id);
    char *file = xasprintf("/v2/images/%s/file", m->id);
    json_object_set_new(o, "name", m->has_name ? json_string(m->name) : json_null());
    json_object_set_new(o, "disk_format", str_or_null(m->disk_format));
    json_object_set_new(o, "container_format", str_or_null(m->container_format));
    json_object_set_new(o, "visibility", json_string(m->visibility));
    json_object_set_new(o, "size", int_or_null(m->size));
    json_object_set_new(o, "virtual_size", int_or_null(m->virtual_size));
    json_object_set_new(o, "status", json_string(m->status));
    json_object_set_new(o, "checksum", str_or_null(m->checksum));
    json_object_set_new(o, "protected", json_boolean(m->protected_));
    json_object_set_new(o, "min_ram", json_integer(m->min_ram));
    json_object_set_new(o, "min_disk", json_integer(m->min_disk));
    json_object_set_new(o, "owner", str_or_null(m->owner));
    json_object_set_new(o, "os_hidden", json_boolean(m->os_hidden));
    json_object_set_new(o, "os_hash_algo", str_or_null(m->os_hash_algo));
    json_object_set_new(o, "os_hash_value", str_or_null(m->os_hash_value));
    json_object_set_new(o, "id", json_string(m->id));
    json_object_set_new(o, "created_at", iso(m->created_at));
    json_object_set_new(o, "updated_at", iso(m->updated_at));
    json_object_set_new(o, "tags", store_image_tags(db, m->id));
    json_object_set_new(o, "self", json_string(self));
    json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "schema", json_string("/v2/schemas/image"));
    free(self);
    free(file);
    return o;
}

json_t *image_member_view(const struct image_member *m)
{
    return json_pack("{s:o,s:s,s:s,s:s,s:s,s:o}", "created_at", iso(m->created_at),
                     "image_id", m->image_id, "member_id", m->member,
                     "schema", "/v2/schemas/member", "status", m->status,
                     "updated_at", iso(m->updated_at));
}

int image_api_load(struct http_request *req, struct db *db, const char *id, struct image *out,
                   struct cerr *err)
{
    if (!db)
        return cerr_internal(err, "image: no database");
    if (image_get_for(db, &req->auth, id, out, err) < 0) {
        if (err->status == 404)
            cerr_set(err, 404, "No image found with ID %s", id);
        return -1;
    }
    return 0;
}

int image_api_writable(const struct http_request *req, const struct image *img,
                       const char *action, struct cerr *err)
{
    if (image_writable(img, &req->auth))
        return 0;
    return cerr_set(err, 403, "You are not authorized to complete %s action.", action);
}

/* --- the image schema --- */

static bool in(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static const char *const visibilities[] = { "public", "private", "shared", "community", NULL };
static const char *const container_formats[] = {
    "ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed", NULL };
static const char *const disk_formats[] = {
    "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop", NULL };
/* Set by Glance only; "id" may be chosen at create time. */
static const char *const readonly[] = {
    "created_at", "updated_at", "status", "checksum", "os_hash_algo", "os_hash_value", "size",
    "virtual_size", "direct_url", "self", "file", "schema", "stores", "locations", NULL };
static const char *const reserved[] = { "location", "deleted", "deleted_at", NULL };

static int schema_fail(struct cerr *err, const json_t *v, const char *what)
{
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    cerr_set(err, 400, "Provided object does not match schema 'image': %s %s",
             text ? text : "null", what);
    free(text);
    return -1;
}

static int check_string(const json_t *v, bool nullable, const char *const *allowed,
                        struct cerr *err)
{
    if (json_is_null(v) && nullable)
        return 0;
    if (!json_is_string(v))
        return schema_fail(err, v, "is not of type 'string'");
    if (json_string_length(v) > 255)
        return schema_fail(err, v, "is too long");
    if (allowed && !in(json_string_value(v), allowed))
        return schema_fail(err, v, "is not one of the allowed values");
    return 0;
}

static int check_int(const char *key, const json_t *v, struct cerr *err)
{
    if (!json_is_integer(v))
        return schema_fail(err, v, "is not of type 'integer'");
    json_int_t n = json_integer_value(v);
    if (n < 0)
        return cerr_set(err, 400, "Invalid value '%lld' for parameter '%s': Cannot be a "
                        "negative value.", (long long)n, key);
    if (n > 2147483647)
        return cerr_set(err, 400, "'%s' value out of range, must not exceed 2147483647", key);
    return 0;
}

static int check_tags(const json_t *v, struct cerr *err)
{
    if (!json_is_array(v))
        return schema_fail(err, v, "is not of type 'array'");
    size_t i;
    json_t *t;
    json_array_foreach(v, i, t)
        if (check_string(t, false, NULL, err) < 0)
            return -1;
    return 0;
}

int image_attr_name_check(const char *key, struct cerr *err)
{
    if (in(key, readonly))
        return cerr_set(err, 403, "Attribute '%s' is read-only.", key);
    if (strncmp(key, "os_glance", 9) == 0 || in(key, reserved))
        return cerr_set(err, 403, "Attribute '%s' is reserved.", key);
    return 0;
}

static int check_custom(const char *key, const json_t *v, struct cerr *err)
{
    if (strlen(key) > 255)
        return cerr_set(err, 400, "Custom property should not be greater than 255 characters.");
    if (!*key)
        return cerr_set(err, 400, "Custom property name must not be empty.");
    if (!json_is_string(v))
        return schema_fail(err, v, "is not of type 'string'");
    return 0;
}

int image_attr_check(const char *key, const json_t *v, struct cerr *err)
{
    if (image_attr_name_check(key, err) < 0)
        return -1;
    if (strcmp(key, "id") == 0) {
        if (!json_is_string(v) || !uuid_is_valid(json_string_value(v)) ||
            json_string_length(v) != 36)
            return schema_fail(err, v, "does not match '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-"
                               "([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'");
        return 0;
    }
    if (strcmp(key, "name") == 0 || strcmp(key, "owner") == 0)
        return check_string(v, true, NULL, err);
    if (strcmp(key, "visibility") == 0)
        return check_string(v, false, visibilities, err);
    if (strcmp(key, "container_format") == 0)
        return check_string(v, true, container_formats, err);
    if (strcmp(key, "disk_format") == 0)
        return check_string(v, true, disk_formats, err);
    if (strcmp(key, "protected") == 0 || strcmp(key, "os_hidden") == 0)
        return json_is_boolean(v) ? 0 : schema_fail(err, v, "is not of type 'boolean'");
    if (strcmp(key, "min_ram") == 0 || strcmp(key, "min_disk") == 0)
        return check_int(key, v, err);
    if (strcmp(key, "tags") == 0)
        return check_tags(v, err);
    return check_custom(key, v, err);
}

/* --- applying a checked attribute --- */

static const char *sv(const json_t *v) { return json_is_string(v) ? json_string_value(v) : ""; }

static int apply_format(struct image *img, const char *key, const json_t *v, char *field,
                        size_t size, struct cerr *err)
{
    if (img->created_at && strcmp(img->status, "queued") != 0 && strcmp(field, sv(v)) != 0)
        return cerr_set(err, 403, "Attribute %s can be only replaced for a queued image.", key);
    str_copy(field, size, sv(v));
    return 0;
}

static int apply_visibility(const struct http_request *req, struct image *img, const json_t *v,
                            struct cerr *err)
{
    const char *want = sv(v);
    if (strcmp(want, "public") == 0 && strcmp(img->visibility, "public") != 0 &&
        !http_is_admin(req))
        return cerr_set(err, 403, "You are not authorized to complete publicize_image action.");
    str_copy(img->visibility, sizeof(img->visibility), want);
    return 0;
}

static int apply_owner(const struct http_request *req, struct image *img, const json_t *v,
                       struct cerr *err)
{
    const char *want = sv(v);
    if (!http_is_admin(req) && strcmp(want, img->owner) != 0) {
        if (!img->created_at)
            return cerr_set(err, 403, "You are not permitted to create images owned by '%s'.",
                            want);
        return cerr_set(err, 403, "You are not permitted to modify 'owner' on this image.");
    }
    str_copy(img->owner, sizeof(img->owner), want);
    return 0;
}

static json_t *unique_tags(const json_t *v)
{
    json_t *out = json_array();
    size_t i, j;
    json_t *t, *u;
    json_array_foreach(v, i, t) {
        bool dup = false;
        json_array_foreach(out, j, u)
            dup = dup || json_equal(t, u);
        if (!dup)
            json_array_append(out, t);
    }
    return out;
}

int image_attr_apply(const struct http_request *req, struct image *img, json_t *props,
                     json_t **tags, const char *key, const json_t *v, struct cerr *err)
{
    if (strcmp(key, "name") == 0) {
        img->has_name = !json_is_null(v);
        str_copy(img->name, sizeof(img->name), sv(v));
    } else if (strcmp(key, "id") == 0) {
        str_copy(img->id, sizeof(img->id), sv(v));
    } else if (strcmp(key, "visibility") == 0) {
        return apply_visibility(req, img, v, err);
    } else if (strcmp(key, "owner") == 0) {
        return apply_owner(req, img, v, err);
    } else if (strcmp(key, "container_format") == 0) {
        return apply_format(img, key, v, img->container_format, sizeof(img->container_format),
                            err);
    } else if (strcmp(key, "disk_format") == 0) {
        return apply_format(img, key, v, img->disk_format, sizeof(img->disk_format), err);
    } else if (strcmp(key, "protected") == 0) {
        img->protected_ = json_is_true(v);
    } else if (strcmp(key, "os_hidden") == 0) {
        img->os_hidden = json_is_true(v);
    } else if (strcmp(key, "min_ram") == 0) {
        img->min_ram = json_integer_value(v);
    } else if (strcmp(key, "min_disk") == 0) {
        img->min_disk = json_integer_value(v);
    } else if (strcmp(key, "tags") == 0) {
        json_decref(*tags);
        *tags = unique_tags(v);
    } else {
        json_object_set(props, key, (json_t *)v);
    }
    return 0;
}

int image_quota_check(const json_t *props, const json_t *tags, struct cerr *err)
{
    size_t np = json_object_size(props), nt = json_array_size(tags);
    if (np > IMAGE_PROPERTY_QUOTA)
        return cerr_set(err, 413, "The limit has been exceeded on the number of allowed image "
                        "properties. Attempted: %zu, Maximum: %d", np, IMAGE_PROPERTY_QUOTA);
    if (nt > IMAGE_TAG_QUOTA)
        return cerr_set(err, 413, "The limit has been exceeded on the number of allowed image "
                        "tags. Attempted: %zu, Maximum: %d", nt, IMAGE_TAG_QUOTA);
    return 0;
}
