/* server_metadata.c - /servers/{id}/metadata[/{key}] (nova
 * server_metadata.py, metadata.inc): list, merge (POST), replace (PUT),
 * show, set and delete one item. Writes follow compute API
 * update_instance_metadata: lock, then vm_state (DIGEST b.3 "metadata
 * write"), then the metadata_items quota on the resulting set. */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/validate.h"
#include "core/instance.h"
#include "core/policy.h"
#include "core/quota.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLICY_ROOT "os_compute_api:server-metadata:"

/* --- request bodies (schemas/server_metadata.py) --- */

/* The root after its one property was checked, in jsonschema's keyword
 * order: required, then additionalProperties. */
static int root_rest(const json_t *body, const char *key, struct cerr *err)
{
    const char *const allowed[] = { key, NULL };
    if (!json_object_get(body, key))
        return cerr_set(err, 400, "'%s' is a required property", key);
    return v_body(body, allowed, NULL, err);
}

/* create / update_all: {"metadata": {...}} and nothing else. */
static int parse_all(const json_t *body, const json_t **out, struct cerr *err)
{
    if (!json_is_object(body))
        return v_body(body, NULL, NULL, err);
    const json_t *md = json_object_get(body, "metadata");
    if ((md && v_metadata(md, "metadata", err) < 0) || root_rest(body, "metadata", err) < 0)
        return -1;
    *out = md;
    return 0;
}

/* update: {"meta": {<exactly one item>}}, the key the URL's. */
static int parse_one(const json_t *body, const char *key, const json_t **out, struct cerr *err)
{
    if (!json_is_object(body))
        return v_body(body, NULL, NULL, err);
    const json_t *meta = json_object_get(body, "meta");
    if (meta) {
        char *text = json_dumps(meta, JSON_COMPACT);
        int rc = v_metadata(meta, "meta", err);
        if (rc == 0 && json_object_size(meta) < 1)
            rc = v_fail(err, "meta", meta, "%s does not have enough properties", text);
        if (rc == 0 && json_object_size(meta) > 1)
            rc = v_fail(err, "meta", meta, "%s has too many properties", text);
        free(text);
        if (rc < 0)
            return -1;
    }
    if (root_rest(body, "meta", err) < 0)
        return -1;
    if (!json_object_get(meta, key))
        return cerr_set(err, 400, "Request body and URI mismatch");
    *out = meta;
    return 0;
}

/* --- shared steps --- */

static const json_t *body_of(const struct http_request *req)
{
    return req->json ? req->json : json_null();
}

/* Loads the server (404 first, as get_instance runs before the policy). */
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

/* The lock and state guard; nova names the delete 'delete metadata'. */
static int guard(const struct http_request *req, const struct server *s, bool deleting,
                 struct cerr *err)
{
    if (instance_check(OP_METADATA_WRITE, s->uuid, s->vm_state, s->task_state, s->locked_by,
                       policy_is_admin(&req->auth), err) == 0)
        return 0;
    static const char from[] = "Cannot 'update metadata'";
    if (deleting && strncmp(err->message, from, sizeof(from) - 1) == 0) {
        char rest[CERR_MSG_MAX];
        str_copy(rest, sizeof(rest), err->message + sizeof(from) - 1);
        cerr_set(err, err->status, "Cannot 'delete metadata'%s", rest);
    }
    return -1;
}

enum md_op { MD_MERGE, MD_REPLACE, MD_DELETE };

/* The new set for op, checked against the quota. */
static json_t *next_metadata(const json_t *current, enum md_op op, const json_t *items,
                             const char *key)
{
    json_t *next = op == MD_REPLACE ? json_deep_copy(items) : json_deep_copy(current);
    if (op == MD_MERGE)
        json_object_update(next, (json_t *)items);
    if (op == MD_DELETE)
        json_object_del(next, key);
    return next;
}

static int store_metadata(struct db *db, const char *uuid, enum md_op op, const json_t *items,
                          const char *key, struct cerr *err)
{
    if (op == MD_REPLACE)
        return store_server_metadata_replace(db, uuid, items, err);
    if (op == MD_DELETE)
        return store_server_metadata_delete(db, uuid, key, err);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)items, k, v) {
        if (store_server_metadata_set(db, uuid, k, json_string_value(v), err) < 0)
            return -1;
    }
    return 0;
}

/* One transaction: the row is read again under the write lock, so the
 * guard and the quota see what the write changes. *out gets the new set. */
static int metadata_write(struct http_request *req, struct db *db, enum md_op op,
                          const json_t *items, const char *key, json_t **out,
                          struct cerr *err)
{
    struct server *s = NULL;
    json_t *current = NULL, *next = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "metadata transaction");
    int rc = api_server_load(req, db, req->params[0], &s, err);
    if (rc == 0 && op == MD_DELETE && store_server_metadata(db, s->uuid, &current) == 0 &&
        !json_object_get(current, key))
        rc = cerr_set(err, 404, "Metadata item was not found");
    if (rc == 0)
        rc = guard(req, s, op == MD_DELETE, err);
    if (rc == 0 && !current && store_server_metadata(db, s->uuid, &current) < 0)
        rc = cerr_internal(err, "metadata read");
    if (rc == 0) {
        next = next_metadata(current, op, items, key);
        rc = quota_check_metadata(req->cfg, (int64_t)json_object_size(next), err);
    }
    if (rc == 0)
        rc = store_metadata(db, s->uuid, op, items, key, err);
    if (rc == 0 && db_commit(db) < 0)
        rc = cerr_internal(err, "metadata commit");
    if (rc < 0) {
        db_rollback(db);
        json_decref(next);
        next = NULL;
    }
    *out = next;
    json_decref(current);
    server_free(s);
    return rc;
}

static int read_metadata(struct db *db, const struct server *s, json_t **out,
                         struct cerr *err)
{
    return store_server_metadata(db, s->uuid, out) < 0 ? cerr_internal(err, "metadata read") : 0;
}

/* --- handlers --- */

static int metadata_index(struct http_request *req, struct http_response *res,
                          struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *md = NULL;
    if (load_for(req, db, "index", POLICY_READER, &s, err) < 0)
        return -1;
    int rc = read_metadata(db, s, &md, err);
    server_free(s);
    if (rc == 0)
        http_json(res, 200, json_pack("{s:o}", "metadata", md));
    return rc;
}

static int metadata_show(struct http_request *req, struct http_response *res,
                         struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *md = NULL;
    const char *key = req->params[1];
    if (load_for(req, db, "show", POLICY_READER, &s, err) < 0)
        return -1;
    int rc = read_metadata(db, s, &md, err);
    server_free(s);
    json_t *value = json_object_get(md, key);
    if (rc == 0 && !value)
        rc = cerr_set(err, 404, "Metadata item was not found");
    if (rc == 0)
        http_json(res, 200, json_pack("{s:{s:O}}", "meta", key, value));
    json_decref(md);
    return rc;
}

/* POST merges, PUT replaces; both answer with the whole new set. */
static int metadata_write_all(struct http_request *req, struct http_response *res,
                              enum md_op op, struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    const json_t *items = NULL;
    json_t *next;
    if (parse_all(body_of(req), &items, err) < 0 ||
        load_for(req, db, op == MD_MERGE ? "create" : "update_all", POLICY_MEMBER, &s, err) < 0)
        return -1;
    server_free(s);
    if (metadata_write(req, db, op, items, NULL, &next, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:o}", "metadata", next));
    return 0;
}

static int metadata_create(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    return metadata_write_all(req, res, MD_MERGE, err);
}

static int metadata_update_all(struct http_request *req, struct http_response *res,
                               struct cerr *err)
{
    return metadata_write_all(req, res, MD_REPLACE, err);
}

static int metadata_update(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    const json_t *meta = NULL;
    json_t *next;
    if (parse_one(body_of(req), req->params[1], &meta, err) < 0 ||
        load_for(req, db, "update", POLICY_MEMBER, &s, err) < 0)
        return -1;
    server_free(s);
    if (metadata_write(req, db, MD_MERGE, meta, NULL, &next, err) < 0)
        return -1;
    json_decref(next);
    http_json(res, 200, json_pack("{s:O}", "meta", meta));
    return 0;
}

static int metadata_delete(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    json_t *next;
    if (load_for(req, db, "delete", POLICY_MEMBER, &s, err) < 0)
        return -1;
    server_free(s);
    if (metadata_write(req, db, MD_DELETE, NULL, req->params[1], &next, err) < 0)
        return -1;
    json_decref(next);
    http_empty(res, 204);
    return 0;
}

const struct route api_server_metadata_routes[] = {
    {"GET", "/servers/{id}/metadata", metadata_index, 0, 0, 0},
    {"POST", "/servers/{id}/metadata", metadata_create, ROUTE_JSON, 0, 0},
    {"PUT", "/servers/{id}/metadata", metadata_update_all, ROUTE_JSON, 0, 0},
    {"GET", "/servers/{id}/metadata/{key}", metadata_show, 0, 0, 0},
    {"PUT", "/servers/{id}/metadata/{key}", metadata_update, ROUTE_JSON, 0, 0},
    {"DELETE", "/servers/{id}/metadata/{key}", metadata_delete, 0, 0, 0},
    {0},
};
