/* members.c - image sharing (glance/api/v2/image_members.py): the owner
 * adds projects as members of a "shared" image; each member accepts or
 * rejects it, and accepted images join the member's default list. */
#include "api/api.h"
#include "api/image/image_api.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define IMAGE_MEMBER_QUOTA 128

/* The image, visible to the caller and shared (403 otherwise, as Glance
 * refuses members on other visibilities). */
static int load_shared(struct http_request *req, struct db *db, struct image *m,
                       struct cerr *err)
{
    if (image_api_load(req, db, req->params[0], m, err) < 0)
        return -1;
    if (strcmp(m->visibility, "shared") != 0)
        return cerr_set(err, 403, "Only shared images have members.");
    return 0;
}

static bool is_member_self(const struct http_request *req, const char *member)
{
    return req->auth.project_id[0] && strcmp(req->auth.project_id, member) == 0;
}

static int member_count_check(struct db *db, const char *id, struct cerr *err)
{
    struct image_member *list = NULL;
    int n = 0;
    if (store_image_member_list(db, id, &list, &n, err) < 0)
        return -1;
    free(list);
    if (n + 1 > IMAGE_MEMBER_QUOTA)
        return cerr_set(err, 413, "The limit has been exceeded on the number of allowed image "
                        "members for this image. Attempted: %d, Maximum: %d", n + 1,
                        IMAGE_MEMBER_QUOTA);
    return 0;
}

static int member_create(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    if (load_shared(req, db, &m, err) < 0 || image_api_writable(req, &m, "add_member", err) < 0)
        return -1;
    const char *who = json_string_value(json_object_get(req->json, "member"));
    if (!who || !*who)
        return cerr_set(err, 400, "Member to be added not specified");
    if (strlen(who) > 64)
        return cerr_set(err, 400, "Member %s is too long", who);
    struct image_member mb = {0};
    str_copy(mb.image_id, sizeof(mb.image_id), m.id);
    str_copy(mb.member, sizeof(mb.member), who);
    str_copy(mb.status, sizeof(mb.status), "pending");
    if (member_count_check(db, m.id, err) < 0 || store_image_member_add(db, &mb, err) < 0)
        return -1;
    http_json(res, 200, image_member_view(&mb));
    return 0;
}

static int member_index(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    struct image_member *list = NULL;
    int n = 0;
    if (load_shared(req, db, &m, err) < 0 ||
        store_image_member_list(db, m.id, &list, &n, err) < 0)
        return -1;
    /* A member sees only its own membership; the owner and admins all. */
    bool all = image_writable(&m, &req->auth);
    json_t *members = json_array();
    for (int i = 0; i < n; i++)
        if (all || is_member_self(req, list[i].member))
            json_array_append_new(members, image_member_view(&list[i]));
    free(list);
    http_json(res, 200, json_pack("{s:o,s:s}", "members", members,
                                  "schema", "/v2/schemas/members"));
    return 0;
}

static int member_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    struct image_member mb;
    const char *who = req->params[1];
    if (load_shared(req, db, &m, err) < 0)
        return -1;
    if (!image_writable(&m, &req->auth) && !is_member_self(req, who))
        return cerr_set(err, 404, "%s not found in the member list of the image %s.", who,
                        m.id);
    if (store_image_member_get(db, m.id, who, &mb, err) < 0)
        return -1;
    http_json(res, 200, image_member_view(&mb));
    return 0;
}

static int member_update(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    struct image_member mb;
    const char *who = req->params[1];
    if (load_shared(req, db, &m, err) < 0 || store_image_member_get(db, m.id, who, &mb, err) < 0)
        return -1;
    if (!is_member_self(req, who) && !http_is_admin(req))
        return cerr_set(err, 403, "You are not authorized to complete modify_member action.");
    const char *status = json_string_value(json_object_get(req->json, "status"));
    if (!status)
        return cerr_set(err, 400, "Status not specified");
    if (strcmp(status, "pending") != 0 && strcmp(status, "accepted") != 0 &&
        strcmp(status, "rejected") != 0)
        return cerr_set(err, 400, "Invalid status: %s", status);
    str_copy(mb.status, sizeof(mb.status), status);
    if (store_image_member_set_status(db, &mb, err) < 0)
        return -1;
    http_json(res, 200, image_member_view(&mb));
    return 0;
}

static int member_delete(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct image m;
    if (load_shared(req, db, &m, err) < 0 ||
        image_api_writable(req, &m, "delete_member", err) < 0 ||
        store_image_member_delete(db, m.id, req->params[1], err) < 0)
        return -1;
    http_empty(res, 204);
    return 0;
}

const struct route api_image_members_routes[] = {
    { "GET", "/v2/images/{id}/members", member_index, 0, 0, 0 },
    { "POST", "/v2/images/{id}/members", member_create, ROUTE_JSON, 0, 0 },
    { "GET", "/v2/images/{id}/members/{member}", member_show, 0, 0, 0 },
    { "PUT", "/v2/images/{id}/members/{member}", member_update, ROUTE_JSON, 0, 0 },
    { "DELETE", "/v2/images/{id}/members/{member}", member_delete, 0, 0, 0 },
    { 0 }
};
