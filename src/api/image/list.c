/* list.c - GET /v2/images: Glance's query parameters (filters with the
 * "in:" and comparison operators, old and new sort syntax, limit and
 * marker) into a core image_query, and the "first"/"next" links that keep
 * the caller's other parameters (glance/api/v2/images.py index). */
#include "api/image/image_api.h"
#include "util/clock.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_one_of(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static int add_filter(struct image_query *q, const char *key, enum image_op op, const char *v,
                      struct cerr *err)
{
    if (q->nfilters == IMAGE_QUERY_MAX)
        return cerr_set(err, 400, "Too many filters.");
    q->filters[q->nfilters++] = (struct image_filter){ key, op, v };
    return 0;
}

/* created_at/updated_at: "<op>:<ISO time>" or a bare time (glance
 * utils.split_filter_op). */
static int time_filter(struct image_query *q, const char *key, const char *v, struct cerr *err)
{
    static const struct { const char *name; enum image_op op; } ops[] = {
        {"eq", IMAGE_EQ}, {"neq", IMAGE_NEQ}, {"gt", IMAGE_GT}, {"gte", IMAGE_GTE},
        {"lt", IMAGE_LT}, {"lte", IMAGE_LTE},
    };
    int64_t t;
    if (clock_parse_iso(v, &t) == 0)
        return add_filter(q, key, IMAGE_EQ, v, err);
    const char *colon = strchr(v, ':');
    for (size_t i = 0; colon && i < sizeof(ops) / sizeof(ops[0]); i++) {
        size_t n = (size_t)(colon - v);
        if (strlen(ops[i].name) != n || strncmp(v, ops[i].name, n) != 0)
            continue;
        if (clock_parse_iso(colon + 1, &t) < 0)
            return cerr_set(err, 400, "Invalid time format for %s.", key);
        return add_filter(q, key, ops[i].op, colon + 1, err);
    }
    return cerr_set(err, 400, "Unable to filter using the specified operator.");
}

static bool is_int(const char *s)
{
    char *end;
    if (!*s)
        return false;
    strtoll(s, &end, 10);
    return *end == '\0';
}

/* oslo strutils.bool_from_string(strict=True), as Glance reads the
 * protected and os_hidden filters; -1 when neither. */
static int parse_bool(const char *v)
{
    static const char *const yes[] = { "1", "t", "true", "on", "y", "yes" };
    static const char *const no[] = { "0", "f", "false", "off", "n", "no" };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

static int bool_filter(struct image_query *q, const char *key, const char *v, struct cerr *err)
{
    int b = parse_bool(v);
    if (b < 0)
        return cerr_set(err, 400, "Invalid value '%s' for '%s' filter. Valid values are "
                        "'true' or 'false'.", v, key);
    if (strcmp(key, "os_hidden") == 0) {
        q->os_hidden = b == 1;
        return 0;
    }
    return add_filter(q, key, IMAGE_EQ, b ? "true" : "false", err);
}

static int attr_filter(struct image_query *q, const char *key, const char *v, struct cerr *err)
{
    static const char *const in_ok[] = {
        "name", "id", "status", "container_format", "disk_format", NULL };
    if (is_one_of(key, in_ok) && strncmp(v, "in:", 3) == 0)
        return add_filter(q, key, IMAGE_IN, v + 3, err);
    if (strcmp(key, "created_at") == 0 || strcmp(key, "updated_at") == 0)
        return time_filter(q, key, v, err);
    if (strcmp(key, "size_min") == 0 || strcmp(key, "size_max") == 0) {
        if (!is_int(v))
            return cerr_set(err, 400, "Unable to filter on a range with a nonnumeric value.");
        return add_filter(q, "size", key[5] == 'm' && key[6] == 'i' ? IMAGE_GTE : IMAGE_LTE, v,
                          err);
    }
    if (strcmp(key, "protected") == 0 || strcmp(key, "os_hidden") == 0)
        return bool_filter(q, key, v, err);
    if ((strcmp(key, "min_ram") == 0 || strcmp(key, "min_disk") == 0 ||
         strcmp(key, "size") == 0 || strcmp(key, "virtual_size") == 0) && !is_int(v))
        return cerr_set(err, 400, "Invalid value '%s' for '%s' filter.", v, key);
    return add_filter(q, key, IMAGE_EQ, v, err);
}

static int parse_filters(const struct http_request *req, struct image_query *q,
                         struct cerr *err)
{
    static const char *const special[] = {
        "limit", "marker", "sort", "sort_key", "sort_dir", "member_status", "visibility",
        "tag", NULL };
    static const char *const vis[] = {
        "community", "public", "private", "shared", "all", NULL };
    for (int i = 0; i < req->nquery; i++) {
        const char *k = req->query[i].key, *v = req->query[i].value ? req->query[i].value : "";
        if (strcmp(k, "changes-since") == 0)
            return cerr_set(err, 400, "The \"changes-since\" filter is no longer available on "
                            "v2.");
        if (strcmp(k, "visibility") == 0 && !is_one_of(v, vis))
            return cerr_set(err, 400, "Invalid visibility value: %s", v);
        if (strcmp(k, "visibility") == 0)
            q->visibility = v;
        else if (strcmp(k, "tag") == 0 && q->ntags < IMAGE_QUERY_MAX)
            q->tags[q->ntags++] = v;
        else if (!is_one_of(k, special) && attr_filter(q, k, v, err) < 0)
            return -1;
    }
    const char *ms = http_query(req, "member_status");
    static const char *const member_statuses[] = {
        "pending", "accepted", "rejected", "all", NULL };
    if (ms && !is_one_of(ms, member_statuses))
        return cerr_set(err, 400, "Invalid status: %s", ms);
    q->member_status = ms;
    return 0;
}

/* --- sorting --- */

static int sort_key(struct image_query *q, const char *key, bool desc, struct cerr *err)
{
    if (!image_sort_key_valid(key))
        return cerr_set(err, 400, "Invalid sort key: %s. It must be one of the following: "
                        "name, status, container_format, disk_format, size, id, created_at, "
                        "updated_at.", key);
    if (q->nsort == IMAGE_QUERY_MAX)
        return cerr_set(err, 400, "Too many sort keys.");
    q->sort[q->nsort++] = (struct image_sort){ key, desc };
    return 0;
}

static int sort_dir(const char *dir, bool *desc, struct cerr *err)
{
    if (strcmp(dir, "asc") != 0 && strcmp(dir, "desc") != 0)
        return cerr_set(err, 400, "Invalid sort direction: %s", dir);
    *desc = strcmp(dir, "desc") == 0;
    return 0;
}

/* sort=name:asc,status (direction desc when omitted); keys live in buf. */
static int parse_new_sort(struct image_query *q, char *buf, struct cerr *err)
{
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        bool desc = true;
        if (colon) {
            *colon = '\0';
            if (sort_dir(colon + 1, &desc, err) < 0)
                return -1;
        }
        if (sort_key(q, item, desc, err) < 0)
            return -1;
    }
    return 0;
}

static int parse_old_sort(const struct http_request *req, struct image_query *q,
                          struct cerr *err)
{
    const char *keys[IMAGE_QUERY_MAX], *dirs[IMAGE_QUERY_MAX];
    int nk = http_query_all(req, "sort_key", keys, IMAGE_QUERY_MAX);
    int nd = http_query_all(req, "sort_dir", dirs, IMAGE_QUERY_MAX);
    if (nd > 1 && nd != nk)
        return cerr_set(err, 400, "Number of sort dirs does not match the number of sort keys");
    bool desc = true;
    if (nk == 0)
        keys[nk++] = "created_at";
    for (int i = 0; i < nk; i++) {
        if (nd > 0 && sort_dir(dirs[nd > 1 ? i : 0], &desc, err) < 0)
            return -1;
        if (sort_key(q, keys[i], desc, err) < 0)
            return -1;
    }
    return 0;
}

static int parse_limit(const struct http_request *req, int *out, struct cerr *err)
{
    const char *v = http_query(req, "limit");
    *out = IMAGE_LIMIT_DEFAULT;
    if (!v)
        return 0;
    if (!is_int(v))
        return cerr_set(err, 400, "limit param must be an integer");
    long long n = strtoll(v, NULL, 10);
    if (n < 0)
        return cerr_set(err, 400, "limit param must be positive");
    *out = n > IMAGE_LIMIT_MAX ? IMAGE_LIMIT_MAX : (int)n;
    return 0;
}

/* --- links --- */

static void url_put(struct buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || strchr("_.-~", c))
            buf_append(b, s, 1);
        else if (c == ' ')
            buf_puts(b, "+");
        else
            buf_printf(b, "%%%02X", c);
    }
}

/* /v2/images?<the request's parameters but marker>[&marker=<m>] */
static char *page_link(const struct http_request *req, const char *marker)
{
    struct buf b = {0};
    buf_puts(&b, "/v2/images");
    char sep = '?';
    for (int i = 0; i < req->nquery; i++) {
        if (strcmp(req->query[i].key, "marker") == 0)
            continue;
        buf_append(&b, &sep, 1);
        url_put(&b, req->query[i].key);
        buf_puts(&b, "=");
        url_put(&b, req->query[i].value ? req->query[i].value : "");
        sep = '&';
    }
    if (marker) {
        buf_append(&b, &sep, 1);
        buf_puts(&b, "marker=");
        url_put(&b, marker);
    }
    buf_append(&b, "", 1);
    return b.data;
}

static int parse_query(struct http_request *req, struct image_query *q, char *sortbuf,
                       struct cerr *err)
{
    const char *sort = http_query(req, "sort");
    if (sort && (http_query_has(req, "sort_key") || http_query_has(req, "sort_dir")))
        return cerr_set(err, 400, "Old and new sorting syntax cannot be combined");
    if (parse_filters(req, q, err) < 0 || parse_limit(req, &q->limit, err) < 0)
        return -1;
    q->marker = http_query(req, "marker");
    if (sort)
        return parse_new_sort(q, sortbuf, err);
    return parse_old_sort(req, q, err);
}

int image_list_handler(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image_query q = {0};
    struct image_page page = {0};
    const char *sort = http_query(req, "sort");
    char *sortbuf = xstrdup(sort ? sort : "");
    int rc = -1;
    if (!db) {
        cerr_internal(err, "image list: no database");
        goto cleanup;
    }
    if (parse_query(req, &q, sortbuf, err) < 0 || image_list(db, &req->auth, &q, &page, err) < 0)
        goto cleanup;
    json_t *images = json_array();
    for (int i = 0; i < page.count; i++)
        json_array_append_new(images, image_view(db, &page.items[i]));
    char *first = page_link(req, NULL);
    json_t *body = json_pack("{s:o,s:s,s:s}", "images", images, "first", first,
                             "schema", "/v2/schemas/images");
    free(first);
    if (page.more && page.count > 0) {
        char *next = page_link(req, page.items[page.count - 1].id);
        json_object_set_new(body, "next", json_string(next));
        free(next);
    }
    http_json(res, 200, body);
    rc = 0;
cleanup:
    image_page_free(&page);
    free(sortbuf);
    return rc;
}
