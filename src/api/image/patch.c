/* patch.c - PATCH /v2/images/{id}: Glance's JSON-patch media types
 * (application/openstack-images-v2.1-json-patch, and the deprecated v2.0
 * draft-4 form), with its 400/403/409/413/415 answers
 * (glance/api/v2/images.py RequestDeserializer.update and
 * ImagesController._do_add/_do_replace/_do_remove). */
#include "api/image/image_api.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum patch_op { OP_ADD, OP_REMOVE, OP_REPLACE };

struct change {
    enum patch_op op;
    char *key;              /* the decoded single-segment path */
    const json_t *value;    /* borrowed; NULL for remove */
};

static const char *const op_names[] = { "add", "remove", "replace" };

/* 10 for v2.1 (RFC 6902), 4 for v2.0 (draft 4); 415 otherwise. */
static int patch_version(const struct http_request *req, struct http_response *res,
                         int *version, struct cerr *err)
{
    static const char v21[] = "application/openstack-images-v2.1-json-patch";
    static const char v20[] = "application/openstack-images-v2.0-json-patch";
    const char *ct = http_header(req, "Content-Type");
    size_t n = ct ? strcspn(ct, ";") : 0;
    while (n > 0 && ct[n - 1] == ' ')
        n--;
    if (ct && n == strlen(v21) && strncasecmp(ct, v21, n) == 0)
        *version = 10;
    else if (ct && n == strlen(v20) && strncasecmp(ct, v20, n) == 0)
        *version = 4;
    else {
        http_set_header(res, "Accept-Patch", "application/openstack-images-v2.0-json-patch, "
                        "application/openstack-images-v2.1-json-patch");
        return cerr_set(err, 415, "The request media type %.*s is not supported by this "
                        "server.", (int)n, ct ? ct : "None");
    }
    return 0;
}

static int pointer_fail(struct cerr *err, const char *p, const char *why)
{
    return cerr_set(err, 400, "Pointer `%s` %s", p, why);
}

/* A JSON pointer naming one attribute: "/name" -> "name" (~1 is '/', ~0 '~'). */
static int decode_pointer(const char *p, char **out, struct cerr *err)
{
    size_t len = strlen(p);
    if (p[0] != '/')
        return pointer_fail(err, p, "does not start with \"/\".");
    if (strstr(p + 1, "//"))
        return pointer_fail(err, p, "contains adjacent \"/\".");
    if (len > 1 && p[len - 1] == '/')
        return pointer_fail(err, p, "end with \"/\".");
    for (const char *t = strchr(p, '~'); t; t = strchr(t + 1, '~'))
        if (t[1] != '0' && t[1] != '1')
            return pointer_fail(err, p, "contains \"~\" not part of a recognized escape "
                                "sequence.");
    if (strchr(p + 1, '/'))
        return cerr_set(err, 400, "Invalid JSON pointer for this resource: '%s'", p);
    char *key = xmalloc(len), *w = key;
    for (const char *r = p + 1; *r; r++) {
        if (*r == '~') {
            *w++ = r[1] == '1' ? '/' : '~';
            r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    *out = key;
    return 0;
}

static int op_from_name(const char *name, enum patch_op *op)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, op_names[i]) == 0) {
            *op = (enum patch_op)i;
            return 0;
        }
    return -1;
}

static int parse_op_d10(const json_t *raw, enum patch_op *op, const char **path,
                        struct cerr *err)
{
    const json_t *o = json_object_get(raw, "op");
    if (!o)
        return cerr_set(err, 400, "Unable to find `op` in JSON Schema change. It must be one "
                        "of the following: add, remove, replace.");
    if (!json_is_string(o) || op_from_name(json_string_value(o), op) < 0)
        return cerr_set(err, 400, "Invalid operation: `%s`. It must be one of the following: "
                        "add, remove, replace.", json_is_string(o) ? json_string_value(o) : "");
    *path = json_string_value(json_object_get(raw, "path"));
    if (!*path)
        return cerr_set(err, 400, "Unable to find 'path' in JSON Schema change");
    return 0;
}

static int parse_op_d4(const json_t *raw, enum patch_op *op, const char **path,
                       struct cerr *err)
{
    int found = 0;
    for (int i = 0; i < 3; i++) {
        const json_t *p = json_object_get(raw, op_names[i]);
        if (p) {
            found++;
            *op = (enum patch_op)i;
            *path = json_string_value(p);
        }
    }
    if (found != 1 || !*path)
        return cerr_set(err, 400, "Operation objects must contain exactly one member named "
                        "\"add\", \"remove\", or \"replace\".");
    return 0;
}

static bool is_base(const char *key)
{
    return image_is_base_attr(key) || strcmp(key, "tags") == 0;
}

static int parse_change(const json_t *raw, int version, struct change *c, struct cerr *err)
{
    const char *path = NULL;
    if (!json_is_object(raw))
        return cerr_set(err, 400, "Operations must be JSON objects.");
    if ((version == 10 ? parse_op_d10 : parse_op_d4)(raw, &c->op, &path, err) < 0 ||
        decode_pointer(path, &c->key, err) < 0)
        return -1;
    if (strcmp(c->key, "id") == 0)
        return cerr_set(err, 403, "Attribute 'id' is read-only.");
    if (c->op == OP_REMOVE)
        return image_attr_name_check(c->key, err);
    c->value = json_object_get(raw, "value");
    if (!c->value)
        return cerr_set(err, 400, "Operation \"%s\" requires a member named \"value\".",
                        op_names[c->op]);
    return image_attr_check(c->key, c->value, err);
}

static int apply_change(const struct http_request *req, const struct change *c, int version,
                        struct image *m, json_t *props, json_t **tags, struct cerr *err)
{
    bool base = is_base(c->key), exists = base || json_object_get(props, c->key);
    switch (c->op) {
    case OP_ADD:
        if (version == 4 && exists)
            return cerr_set(err, 409, "Property %s already present.", c->key);
        break;
    case OP_REPLACE:
        if (!exists)
            return cerr_set(err, 409, "Property %s does not exist.", c->key);
        break;
    case OP_REMOVE:
        if (base)
            return cerr_set(err, 403, "Property %s may not be removed.", c->key);
        if (!exists)
            return cerr_set(err, 409, "Property %s does not exist.", c->key);
        json_object_del(props, c->key);
        return 0;
    }
    return image_attr_apply(req, m, props, tags, c->key, c->value, err);
}

static int apply_all(const struct http_request *req, const json_t *body, int version,
                     struct image *m, json_t *props, json_t **tags, struct cerr *err)
{
    size_t i;
    json_t *raw;
    json_array_foreach(body, i, raw) {
        struct change c = {0};
        int rc = parse_change(raw, version, &c, err);
        if (rc == 0)
            rc = apply_change(req, &c, version, m, props, tags, err);
        free(c.key);
        if (rc < 0)
            return -1;
    }
    return image_quota_check(props, *tags, err);
}

int image_patch_handler(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    int version = 10;
    if (patch_version(req, res, &version, err) < 0)
        return -1;
    if (!req->json)
        return cerr_set(err, 400, "Body expected in request.");
    if (!json_is_array(req->json))
        return cerr_set(err, 400, "Request body must be a JSON array of operation objects.");
    if (image_api_load(req, db, req->params[0], &m, err) < 0 ||
        image_api_writable(req, &m, "modify_image", err) < 0)
        return -1;
    json_t *props = store_image_properties(db, m.id), *tags = store_image_tags(db, m.id);
    int rc = apply_all(req, req->json, version, &m, props, &tags, err);
    if (rc == 0)
        rc = store_image_update(db, &m, props, tags, err);
    if (rc == 0)
        http_json(res, 200, image_view(db, &m));
    json_decref(props);
    json_decref(tags);
    return rc;
}
