/* keypairs.c - /os-keypairs (nova-api-ref os-keypairs.inc; nova
 * keypairs.py): import or (before 2.92) generate, list with paging
 * (2.35), show, delete. Keypairs belong to users; from 2.10 an admin may
 * name another user with user_id. Status codes moved at 2.2. */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/validate.h"
#include "core/keypair.h"
#include "core/policy.h"
#include "core/quota.h"
#include "store/keypair.h"
#include "util/clock.h"
#include "util/mem.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MV_TYPE      MV(2, 2)    /* type field, 201/204 */
#define MV_USER_ID   MV(2, 10)
#define MV_PAGING    MV(2, 35)
#define MV_STRICT    MV(2, 75)   /* unknown query parameters are 400 */
#define MV_NO_GEN    MV(2, 92)   /* public_key required; '@' and '.' allowed */

/* The user the request acts for: the caller, or (2.10+) user_id from the
 * query or body. Policy: admin or the owner ("user_id:%(user_id)s"). */
static int target_user(const struct http_request *req, const char *requested,
                       const char *action, const char **out, struct cerr *err)
{
    const char *user = req->mv >= MV_USER_ID && requested ? requested : req->auth.user_id;
    if (strcmp(user, req->auth.user_id) != 0 &&
        policy_check(&req->auth, POLICY_ADMIN, action, err) < 0)
        return -1;
    *out = user;
    return 0;
}

static int strict_query(const struct http_request *req, bool paging, struct cerr *err)
{
    static const char *const index_params[] = { "user_id", "limit", "marker", NULL };
    static const char *const item_params[] = { "user_id", NULL };
    if (req->mv < MV_STRICT)
        return 0;
    return vq_only(req, paging ? index_params : item_params, err);
}

static json_t *keypair_brief(const struct http_request *req, const struct keypair *k)
{
    json_t *o = json_pack("{s:s,s:s,s:s}", "name", k->name, "public_key", k->public_key,
                          "fingerprint", k->fingerprint);
    if (req->mv >= MV_TYPE)
        json_object_set_new(o, "type", json_string(k->type));
    return o;
}

/* --- list --- */

static int paging(const struct http_request *req, int *limit, int *link_limit,
                  struct cerr *err)
{
    int64_t max = req->cfg->max_limit > 0 ? req->cfg->max_limit : 1000, n = max;
    const char *v = req->mv >= MV_PAGING ? http_query(req, "limit") : NULL;
    if (v && vq_int(v, "limit", 0, &n, err) < 0)
        return -1;
    *link_limit = req->mv >= MV_PAGING ? (int)(n < max ? n : max) : 0;
    *limit = (int)(n > 0 && n < max ? n : max);
    return 0;
}

static int keypairs_index(struct http_request *req, struct http_response *res,
                          struct cerr *err)
{
    const char *user, *marker = req->mv >= MV_PAGING ? http_query(req, "marker") : NULL;
    int limit, link_limit, count = 0;
    struct keypair *list = NULL;
    if (strict_query(req, true, err) < 0 || paging(req, &limit, &link_limit, err) < 0 ||
        target_user(req, http_query(req, "user_id"), "os_compute_api:os-keypairs:index",
                    &user, err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (store_keypair_list(db, user, marker, limit, &list, &count, err) < 0)
        return -1;
    json_t *items = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(items, json_pack("{s:o}", "keypair",
                                               keypair_brief(req, &list[i])));
    json_t *body = json_pack("{s:o}", "keypairs", items);
    if (link_limit > 0 && count == link_limit)
        json_object_set_new(body, "keypairs_links",
                            api_next_link(req, "os-keypairs", list[count - 1].name));
    keypair_list_free(list, count);
    http_json(res, 200, body);
    return 0;
}

/* --- show, delete --- */

static int keypair_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    const char *user;
    struct keypair k = {0};
    char created[CLOCK_TEXT_MAX];
    if (strict_query(req, false, err) < 0 ||
        target_user(req, http_query(req, "user_id"), "os_compute_api:os-keypairs:show",
                    &user, err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (store_keypair_get(db, user, req->params[0], &k, err) < 0)
        return -1;
    json_t *o = keypair_brief(req, &k);
    clock_iso_usec(k.created_at, created);
    json_object_set_new(o, "user_id", json_string(k.user_id));
    json_object_set_new(o, "created_at", json_string(created));
    json_object_set_new(o, "updated_at", json_null());
    json_object_set_new(o, "deleted_at", json_null());
    json_object_set_new(o, "deleted", json_false());
    json_object_set_new(o, "id", json_integer(k.id));
    keypair_clear(&k);
    http_json(res, 200, json_pack("{s:o}", "keypair", o));
    return 0;
}

static int keypair_delete(struct http_request *req, struct http_response *res,
                          struct cerr *err)
{
    const char *user;
    if (strict_query(req, false, err) < 0 ||
        target_user(req, http_query(req, "user_id"), "os_compute_api:os-keypairs:delete",
                    &user, err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (store_keypair_delete(db, user, req->params[0], err) < 0)
        return -1;
    http_empty(res, req->mv >= MV_TYPE ? 204 : 202);
    return 0;
}

/* --- create --- */

/* parameter_types.keypair_name_special_chars(_v292): a name, of only
 * these characters (nova validators._validate_keypair_name). */
static int check_name(const struct http_request *req, const json_t *v, struct cerr *err)
{
    const char *safe = req->mv >= MV_NO_GEN ? "@._- " : "_- ";
    if (v_name(v, "name", err) < 0)
        return -1;
    for (const char *p = json_string_value(v); *p; p++)
        if (!(isascii((unsigned char)*p) && isalnum((unsigned char)*p)) && !strchr(safe, *p))
            return cerr_set(err, 400, "An invalid 'name' value was provided. The name must "
                            "be: Only expected characters: [%s0123456789abcdefghijklmnopqrstuv"
                            "wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]", safe);
    return 0;
}

static int check_body(const struct http_request *req, const json_t *kp, struct cerr *err)
{
    static const char *const root[] = { "keypair", NULL };
    static const char *const keys[] = { "name", "public_key", "type", "user_id", NULL };
    const char *allowed[5] = { "name", "public_key", NULL, NULL, NULL };
    if (req->mv >= MV_TYPE)
        allowed[2] = "type";
    if (req->mv >= MV_USER_ID)
        memcpy(allowed, keys, sizeof(allowed));
    const json_t *type = json_object_get(kp, "type"), *user = json_object_get(kp, "user_id");
    const json_t *pub = json_object_get(kp, "public_key");
    if (v_body(req->json, root, "keypair", err) < 0 || v_object(kp, "keypair", allowed, err) < 0 ||
        v_required_in(kp, "keypair", "name", err) < 0 ||
        (req->mv >= MV_NO_GEN && v_required_in(kp, "keypair", "public_key", err) < 0) ||
        check_name(req, json_object_get(kp, "name"), err) < 0 ||
        (pub && v_string(pub, "public_key", 0, -1, err) < 0) ||
        (user && v_string(user, "user_id", 0, -1, err) < 0))
        return -1;
    if (type && (!json_is_string(type) || (strcmp(json_string_value(type), "ssh") != 0 &&
                                           strcmp(json_string_value(type), "x509") != 0)))
        return v_fail(err, "type", type, "'%s' is not one of ['ssh', 'x509']",
                      json_is_string(type) ? json_string_value(type) : "value");
    return 0;
}

/* Imports public_key, or generates a key (returned once in *private_key). */
static int key_material(const json_t *kp, struct keypair *k, char **private_key,
                        struct cerr *err)
{
    const json_t *pub = json_object_get(kp, "public_key");
    bool x509 = strcmp(k->type, "x509") == 0;
    if (pub) {
        k->public_key = xstrdup(json_string_value(pub));
    } else if (x509 ? keypair_generate_x509(k->user_id, private_key, &k->public_key, err) < 0
                    : keypair_generate_ssh(private_key, &k->public_key, err) < 0) {
        return -1;
    }
    return x509 ? keypair_x509_fingerprint(k->public_key, k->fingerprint, err)
                : keypair_ssh_fingerprint(k->public_key, k->fingerprint, err);
}

static int keypair_create(struct http_request *req, struct http_response *res,
                          struct cerr *err)
{
    const json_t *kp = json_object_get(req->json, "keypair"), *type;
    const char *user;
    struct keypair k = {0};
    char *private_key = NULL;
    int rc = -1;
    if (check_body(req, kp, err) < 0 ||
        target_user(req, json_string_value(json_object_get(kp, "user_id")),
                    "os_compute_api:os-keypairs:create", &user, err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    str_copy(k.user_id, sizeof(k.user_id), user);
    str_copy(k.name, sizeof(k.name), json_string_value(json_object_get(kp, "name")));
    type = json_object_get(kp, "type");
    str_copy(k.type, sizeof(k.type), type ? json_string_value(type) : "ssh");
    if (quota_check_keypairs(db, req->cfg, k.user_id, err) < 0 ||
        key_material(kp, &k, &private_key, err) < 0 || store_keypair_insert(db, &k, err) < 0)
        goto cleanup;
    json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "name", k.name, "public_key", k.public_key,
                          "fingerprint", k.fingerprint, "user_id", k.user_id);
    if (req->mv >= MV_TYPE)
        json_object_set_new(o, "type", json_string(k.type));
    if (private_key)
        json_object_set_new(o, "private_key", json_string(private_key));
    http_json(res, req->mv >= MV_TYPE ? 201 : 200, json_pack("{s:o}", "keypair", o));
    rc = 0;
cleanup:
    if (private_key)   /* the only copy of the secret key: don't leave it in the heap */
        sodium_memzero(private_key, strlen(private_key));
    free(private_key);
    keypair_clear(&k);
    return rc;
}

const struct route api_keypairs_routes[] = {
    { "GET", "/os-keypairs", keypairs_index, 0, 0, 0 },
    { "POST", "/os-keypairs", keypair_create, ROUTE_JSON, 0, 0 },
    { "GET", "/os-keypairs/{name}", keypair_show, 0, 0, 0 },
    { "DELETE", "/os-keypairs/{name}", keypair_delete, 0, 0, 0 },
    { 0 }
};
