/* server_tags.c - /servers/{id}/tags[/{tag}] from 2.26 (nova
 * server_tags.py, os-server-tags.inc): list, replace all, delete all, check
 * one, add one (201 with Location, 204 when present), delete one. Writes
 * need vm_state active, paused, suspended or stopped (no lock and no
 * task_state check: _check_instance_in_valid_state); at most 50 tags. */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/compute/servers_validate.h"
#include "api/validate.h"
#include "core/instance.h"
#include "core/policy.h"
#include "util/mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLICY_ROOT "os_compute_api:os-server-tags:"

/* Loads the server, then the policy (get_instance runs first). */
static int load_for(struct http_request *req, struct db *db, const char *action,
                    enum policy_rule rule, struct server **out, struct cerr *err)
{
    if (!db)
        return cerr_internal(err, "no database");
    if (api_server_load(req, db, req->params[0], out, err) < 0)
        return -1;
    char name[96];
    snprintf(name, sizeof(name), POLICY_ROOT "%s", action);
    if (policy_check(&req->auth, rule, name, err) < 0) {
        server_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* The vm_state guard with the action nova names in its 409. */
static int guard(const struct http_request *req, const struct server *s, const char *action,
                 struct cerr *err)
{
    if (instance_check(OP_TAGS_WRITE, s->uuid, s->vm_state, s->task_state, s->locked_by,
                       policy_is_admin(&req->auth), err) == 0)
        return 0;
    return cerr_set(err, 409, "Cannot '%s' instance %s while it is in vm_state %s", action,
                    s->uuid, s->vm_state);
}

/* Loads the server for a write: policy, then the state guard. */
static int load_for_write(struct http_request *req, struct db *db, const char *policy,
                          const char *action, struct server **out, struct cerr *err)
{
    if (load_for(req, db, policy, POLICY_MEMBER, out, err) < 0)
        return -1;
    if (guard(req, *out, action, err) < 0) {
        server_free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

static int commit_or_rollback(struct db *db, int rc, struct cerr *err)
{
    if (rc == 0 && db_commit(db) < 0)
        rc = cerr_internal(err, "tags commit");
    if (rc < 0)
        db_rollback(db);
    return rc;
}

/* --- collection --- */

static int tags_index(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *tags = NULL;
    if (load_for(req, db, "index", POLICY_READER, &s, err) < 0)
        return -1;
    int rc = store_server_tags(db, s->uuid, &tags) < 0 ? cerr_internal(err, "tags read") : 0;
    server_free(s);
    if (rc == 0)
        http_json(res, 200, json_pack("{s:o}", "tags", tags));
    return rc;
}

/* schemas/server_tags.py update_all: {"tags": [tag, ...]} with <= 50. */
static int parse_tags(const json_t *body, const json_t **out, struct cerr *err)
{
    static const char *const roots[] = { "tags", NULL };
    if (!json_is_object(body))
        return v_body(body, NULL, NULL, err);
    const json_t *tags = json_object_get(body, "tags"), *t;
    if (tags) {
        size_t i;
        char idx[24];
        if (!json_is_array(tags))
            return v_array(tags, "tags", -1, err);
        json_array_foreach(tags, i, t) {
            snprintf(idx, sizeof(idx), "%zu", i);
            if (v_tag(t, idx, err) < 0)
                return -1;
        }
        if (v_array(tags, "tags", SRV_MAX_TAGS, err) < 0)
            return -1;
    } else {
        return cerr_set(err, 400, "'tags' is a required property");
    }
    if (v_body(body, roots, NULL, err) < 0)
        return -1;
    *out = tags;
    return 0;
}

static int tags_update_all(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    const json_t *tags = NULL;
    json_t *now = NULL;
    if (parse_tags(req->json ? req->json : json_null(), &tags, err) < 0 ||
        load_for_write(req, db, "update_all", "update tags", &s, err) < 0)
        return -1;
    int rc = db_begin(db) < 0 ? cerr_internal(err, "tags transaction") : 0;
    if (rc == 0) {
        rc = store_server_tags_replace(db, s->uuid, tags, err);
        if (rc == 0 && store_server_tags(db, s->uuid, &now) < 0)
            rc = cerr_internal(err, "tags read");
        rc = commit_or_rollback(db, rc, err);
    }
    server_free(s);
    if (rc < 0) {
        json_decref(now);
        return -1;
    }
    http_json(res, 200, json_pack("{s:o}", "tags", now));
    return 0;
}

static int tags_delete_all(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    if (load_for_write(req, db, "delete_all", "delete tags", &s, err) < 0)
        return -1;
    json_t *none = json_array();
    int rc = db_begin(db) < 0 ? cerr_internal(err, "tags transaction") : 0;
    if (rc == 0)
        rc = commit_or_rollback(db, store_server_tags_replace(db, s->uuid, none, err), err);
    json_decref(none);
    server_free(s);
    if (rc == 0)
        http_empty(res, 204);
    return rc;
}

/* --- one tag --- */

static bool has_tag(const json_t *tags, const char *tag)
{
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) {
        if (strcmp(json_string_value(t), tag) == 0)
            return true;
    }
    return false;
}

static int tag_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *tags = NULL;
    if (load_for(req, db, "show", POLICY_READER, &s, err) < 0)
        return -1;
    int rc = store_server_tags(db, s->uuid, &tags) < 0 ? cerr_internal(err, "tags read") : 0;
    if (rc == 0 && !has_tag(tags, req->params[1]))
        rc = cerr_set(err, 404, "Server %s has no tag '%s'", req->params[0], req->params[1]);
    if (rc == 0)
        http_empty(res, 204);
    json_decref(tags);
    server_free(s);
    return rc;
}

/* The tag in the URL, checked against parameter_types.tag after the state
 * (nova validates it inside update()). */
static int check_url_tag(const char *tag, struct cerr *err)
{
    char reason[160];
    json_t *probe = json_string(tag);     /* NULL when the URL bytes are not UTF-8 */
    bool utf8 = probe != NULL;
    json_decref(probe);
    if (!utf8)
        /* such a tag could be stored but never listed again (bodies are JSON) */
        snprintf(reason, sizeof(reason), "the tag is not a valid UTF-8 string");
    else if (utf8_len(tag) > 60)
        snprintf(reason, sizeof(reason), "'%.60s...' is too long", tag);
    else if (strchr(tag, ',') || strchr(tag, '/'))
        snprintf(reason, sizeof(reason), "'%s' does not match '^[^,/]*$'", tag);
    else
        return 0;
    return cerr_set(err, 400, "Tag '%.80s' is invalid. It must be a non empty string without "
                    "characters '/' and ','. Validation error message: %s", tag, reason);
}

/* Location: <server self URL>/tags/<tag>, the tag percent-encoded so the
 * header stays valid whatever the tag holds. */
static char *tag_location(const struct http_request *req, const char *uuid, const char *tag)
{
    char *base = api_self_url(req, "servers", uuid);
    struct buf b = {0};
    buf_printf(&b, "%s/tags/", base);
    for (const unsigned char *p = (const unsigned char *)tag; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            buf_append(&b, p, 1);
        else
            buf_printf(&b, "%%%02X", *p);
    }
    free(base);
    return b.data;
}

/* A write in one transaction: over the limit (even for a tag already
 * there, as nova counts first), present (204), or created (201). */
static int add_tag(struct db *db, const struct server *s, const char *tag, bool *created,
                   struct cerr *err)
{
    json_t *tags = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "tags transaction");
    int rc = store_server_tags(db, s->uuid, &tags) < 0 ? cerr_internal(err, "tags read") : 0;
    if (rc == 0 && json_array_size(tags) >= SRV_MAX_TAGS)
        rc = cerr_set(err, 400, "The number of tags exceeded the per-server limit %d",
                      SRV_MAX_TAGS);
    if (rc == 0)
        rc = store_server_tag_add(db, s->uuid, tag, created, err);
    json_decref(tags);
    return commit_or_rollback(db, rc, err);
}

static int tag_update(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    const char *tag = req->params[1];
    bool created = false;
    /* schemas/server_tags.py update: the body is null */
    if (req->json && !json_is_null(req->json)) {
        char *text = json_dumps(req->json, JSON_COMPACT | JSON_ENCODE_ANY);
        cerr_set(err, 400, "%.200s is not of type 'null'", text ? text : "?");
        free(text);
        return -1;
    }
    if (load_for_write(req, db, "update", "update tag", &s, err) < 0)
        return -1;
    int rc = check_url_tag(tag, err);
    if (rc == 0)
        rc = add_tag(db, s, tag, &created, err);
    if (rc == 0 && created) {
        char *location = tag_location(req, s->uuid, tag);
        http_empty(res, 201);
        http_set_header(res, "Location", location);
        free(location);
    } else if (rc == 0) {
        http_empty(res, 204);
    }
    server_free(s);
    return rc;
}

static int tag_delete(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    if (load_for_write(req, db, "delete", "delete tag", &s, err) < 0)
        return -1;
    int rc = db_begin(db) < 0 ? cerr_internal(err, "tags transaction") : 0;
    if (rc == 0)
        rc = commit_or_rollback(db, store_server_tag_delete(db, s->uuid, req->params[1], err),
                                err);
    server_free(s);
    if (rc == 0)
        http_empty(res, 204);
    return rc;
}

const struct route api_server_tags_routes[] = {
    {"GET", "/servers/{id}/tags", tags_index, 0, MV_SRV_TAGS_ROUTES, 0},
    {"PUT", "/servers/{id}/tags", tags_update_all, ROUTE_JSON, MV_SRV_TAGS_ROUTES, 0},
    {"DELETE", "/servers/{id}/tags", tags_delete_all, 0, MV_SRV_TAGS_ROUTES, 0},
    {"GET", "/servers/{id}/tags/{tag}", tag_show, 0, MV_SRV_TAGS_ROUTES, 0},
    {"PUT", "/servers/{id}/tags/{tag}", tag_update, ROUTE_JSON, MV_SRV_TAGS_ROUTES, 0},
    {"DELETE", "/servers/{id}/tags/{tag}", tag_delete, 0, MV_SRV_TAGS_ROUTES, 0},
    {0},
};
