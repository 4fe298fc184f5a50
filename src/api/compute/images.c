/* images.c - the compute API's deprecated images proxy (nova-api-ref
 * images.inc, microversions 2.1-2.35): GET /images, /images/detail,
 * /images/{id} and DELETE /images/{id}, answered from the image store
 * with Nova's view (nova/api/openstack/compute/views/images.py) and the
 * filters Nova translates for Glance v2 (nova/image/glance.py). */
#include "api/api.h"
#include "api/compute/common.h"
#include "core/image.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MV_PROXY_MAX MV(2, 35)

/* Nova's _get_status / _get_progress. */
static const char *nova_status(const char *s)
{
    if (strcmp(s, "active") == 0)
        return "ACTIVE";
    if (strcmp(s, "queued") == 0 || strcmp(s, "saving") == 0)
        return "SAVING";
    if (strcmp(s, "deleted") == 0 || strcmp(s, "pending_delete") == 0)
        return "DELETED";
    if (strcmp(s, "killed") == 0)
        return "ERROR";
    return "UNKNOWN";
}

static int nova_progress(const char *s)
{
    if (strcmp(s, "queued") == 0)
        return 25;
    if (strcmp(s, "saving") == 0)
        return 50;
    return strcmp(s, "active") == 0 ? 100 : 0;
}

static json_t *links(const struct http_request *req, const char *id)
{
    json_t *l = api_links(req, "images", id);
    char *alt = xasprintf("%s/image/images/%s", http_base_url(req), id);
    json_array_append_new(l, json_pack("{s:s,s:s,s:s}", "rel", "alternate",
                                       "type", "application/vnd.openstack.image", "href", alt));
    free(alt);
    return l;
}

static json_t *name_of(const struct image *m)
{
    return m->has_name ? json_string(m->name) : json_null();
}

static json_t *basic_view(const struct http_request *req, const struct image *m)
{
    return json_pack("{s:s,s:o,s:o}", "id", m->id, "name", name_of(m), "links",
                     links(req, m->id));
}

/* oslo strutils.bool_from_string, as auto_disk_config is read. */
static bool truthy(const char *s)
{
    static const char *const yes[] = { "1", "t", "true", "on", "y", "yes" };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (strcasecmp(s, yes[i]) == 0)
            return true;
    return false;
}

static void add_server(const struct http_request *req, json_t *o, const char *uuid)
{
    json_object_set_new(o, "server", json_pack("{s:s,s:o}", "id", uuid,
                                               "links", api_links(req, "servers", uuid)));
}

static json_t *detail_view(const struct http_request *req, struct db *db,
                           const struct image *m)
{
    char created[CLOCK_TEXT_MAX], updated[CLOCK_TEXT_MAX];
    clock_iso(m->created_at, created);
    clock_iso(m->updated_at, updated);
    json_t *meta = store_image_properties(db, m->id);
    json_t *o = json_pack("{s:s,s:o,s:I,s:I,s:s,s:s,s:s,s:i,s:o,s:o}", "id", m->id,
                          "name", name_of(m), "minRam", (json_int_t)m->min_ram,
                          "minDisk", (json_int_t)m->min_disk, "created", created,
                          "updated", updated, "status", nova_status(m->status),
                          "progress", nova_progress(m->status),
                          "OS-EXT-IMG-SIZE:size",
                          m->size >= 0 ? json_integer(m->size) : json_null(),
                          "links", links(req, m->id));
    const char *instance = json_string_value(json_object_get(meta, "instance_uuid"));
    if (instance)
        add_server(req, o, instance);
    const char *adc = json_string_value(json_object_get(meta, "auto_disk_config"));
    if (adc)
        json_object_set_new(o, "OS-DCF:diskConfig", json_string(truthy(adc) ? "AUTO"
                                                                                : "MANUAL"));
    json_object_set_new(o, "metadata", meta);
    return o;
}

/* --- list --- */

static int add_filter(struct image_query *q, const char *key, enum image_op op,
                      const char *v)
{
    if (q->nfilters == IMAGE_QUERY_MAX)
        return -1;
    q->filters[q->nfilters++] = (struct image_filter){ key, op, v };
    return 0;
}

/* Nova's SUPPORTED_FILTERS and property-<key>, as Glance v2 filters. */
static int parse_filters(const struct http_request *req, struct image_query *q,
                         struct cerr *err)
{
    static const struct { const char *param, *key; } map[] = {
        {"name", "name"}, {"status", "status"}, {"server", "instance_uuid"},
        {"type", "image_type"}, {"minRam", "min_ram"}, {"minDisk", "min_disk"},
    };
    int64_t t;
    for (int i = 0; i < req->nquery; i++) {
        const char *k = req->query[i].key, *v = req->query[i].value ? req->query[i].value : "";
        int rc = 0;
        if (strncmp(k, "property-", 9) == 0 && k[9])
            rc = add_filter(q, k + 9, IMAGE_EQ, v);
        if (strcmp(k, "changes-since") == 0) {
            if (clock_parse_iso(v, &t) < 0)
                return cerr_set(err, 400, "Invalid time format for updated_at.");
            rc = add_filter(q, "updated_at", IMAGE_GTE, v);
        }
        for (size_t j = 0; j < sizeof(map) / sizeof(map[0]); j++)
            if (strcmp(k, map[j].param) == 0)
                rc = add_filter(q, map[j].key, IMAGE_EQ, v);
        if (rc < 0)
            return cerr_set(err, 400, "Too many filters.");
    }
    return 0;
}

/* nova common.get_pagination_params: limit and marker, limit >= 0. */
static int parse_limit(const struct http_request *req, int64_t *limit, struct cerr *err)
{
    const char *v = http_query(req, "limit");
    *limit = 0;
    if (!v)
        return 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end)
        return cerr_set(err, 400, "Invalid input received: limit must be an integer");
    if (n < 0)
        return cerr_set(err, 400, "Invalid input received: limit must be >= 0");
    *limit = n;
    return 0;
}

static void add_next_link(const struct http_request *req, json_t *body,
                          const struct image_page *p, int64_t limit)
{
    /* views/images.py _get_collection_links: a full page of
     * min(limit, max_limit) items gets a next link. */
    int64_t max = req->cfg->max_limit > 0 ? req->cfg->max_limit : 1000;
    int64_t items = limit > 0 && limit < max ? limit : max;
    if (p->count > 0 && p->count == items)
        json_object_set_new(body, "images_links",
                            api_next_link(req, "images", p->items[p->count - 1].id));
}

static int images_list(struct http_request *req, struct http_response *res, struct cerr *err,
                       bool detail)
{
    struct db *db = store_db();
    struct image_query q = {0};
    struct image_page page = {0};
    int64_t limit;
    if (!db)
        return cerr_internal(err, "images: no database");
    if (parse_filters(req, &q, err) < 0 || parse_limit(req, &limit, err) < 0)
        return -1;
    q.marker = http_query(req, "marker");
    q.limit = limit > 0 && limit < 1000000 ? (int)limit : 1000000;
    if (image_list(db, &req->auth, &q, &page, err) < 0)
        return -1;
    json_t *list = json_array();
    for (int i = 0; i < page.count; i++)
        json_array_append_new(list, detail ? detail_view(req, db, &page.items[i])
                                           : basic_view(req, &page.items[i]));
    json_t *body = json_pack("{s:o}", "images", list);
    add_next_link(req, body, &page, limit);
    image_page_free(&page);
    http_json(res, 200, body);
    return 0;
}

static int images_index(struct http_request *req, struct http_response *res, struct cerr *err)
{
    return images_list(req, res, err, false);
}

static int images_detail(struct http_request *req, struct http_response *res,
                         struct cerr *err)
{
    return images_list(req, res, err, true);
}

static int image_load(struct http_request *req, struct db *db, struct image *m,
                      struct cerr *err)
{
    if (!db)
        return cerr_internal(err, "images: no database");
    if (image_get_for(db, &req->auth, req->params[0], m, err) < 0) {
        if (err->status == 404)
            cerr_set(err, 404, "Image not found.");
        return -1;
    }
    return 0;
}

static int images_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    if (image_load(req, db, &m, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:o}", "image", detail_view(req, db, &m)));
    return 0;
}

static int images_delete(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    if (image_load(req, db, &m, err) < 0)
        return -1;
    /* Glance refuses (403) both other projects' images and protected
     * ones; Nova reports either the same way. */
    if (!image_writable(&m, &req->auth))
        return cerr_set(err, 403, "You are not allowed to delete the image.");
    if (image_delete(req->cfg, db, &m, err) < 0) {
        if (err->status == 403)
            cerr_set(err, 403, "You are not allowed to delete the image.");
        return -1;
    }
    http_empty(res, 204);
    return 0;
}

const struct route api_images_proxy_routes[] = {
    { "GET", "/images", images_index, 0, MV(2, 1), MV_PROXY_MAX },
    { "GET", "/images/detail", images_detail, 0, MV(2, 1), MV_PROXY_MAX },
    { "GET", "/images/{id}", images_show, 0, MV(2, 1), MV_PROXY_MAX },
    { "DELETE", "/images/{id}", images_delete, 0, MV(2, 1), MV_PROXY_MAX },
    { 0 }
};
