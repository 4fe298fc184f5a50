/* tokens.c - /v3/auth: issuing tokens (password and token methods, project
 * scope or none), validating, checking and revoking them, and the scopes
 * and catalog a token may use (keystone-api-ref authenticate-v3.inc). */
#include "api/api.h"
#include "api/identity/views.h"
#include "core/identity.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define UNAUTHORIZED "The request you have made requires authentication."

static int bad(struct cerr *err, const char *field, const char *reason)
{
    return cerr_set(err, 400, "Invalid input for field '%s': %s", field, reason);
}

/* A required string member; NULL (with a 400) when missing or not text. */
static const char *req_string(const json_t *obj, const char *key, const char *field,
                              struct cerr *err)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s || !*s)
        bad(err, field, "a non-empty string is required");
    return s;
}

/* {"id"} or {"name", "domain": {"id"} | {"name"}} into the four out-params. */
static int parse_named(const json_t *obj, const char *field, const char **id,
                       const char **name, const char **domain_id, const char **domain_name,
                       struct cerr *err)
{
    if (!json_is_object(obj))
        return bad(err, field, "an object is required");
    if (json_object_get(obj, "id"))
        return (*id = req_string(obj, "id", field, err)) ? 0 : -1;
    if (!(*name = req_string(obj, "name", field, err)))
        return -1;
    const json_t *domain = json_object_get(obj, "domain");
    if (!json_is_object(domain))
        return bad(err, field, "'domain' (with an id or a name) is required with a name");
    if (json_object_get(domain, "id"))
        return (*domain_id = req_string(domain, "id", "domain", err)) ? 0 : -1;
    return (*domain_name = req_string(domain, "name", "domain", err)) ? 0 : -1;
}

static int parse_password(const json_t *identity, struct identity_request *r,
                          struct cerr *err)
{
    const json_t *user = json_object_get(json_object_get(identity, "password"), "user");
    if (!user)
        return bad(err, "password", "'user' is a required property");
    if (parse_named(user, "user", &r->user_id, &r->user_name, &r->user_domain_id,
                    &r->user_domain_name, err) < 0)
        return -1;
    r->password = json_string_value(json_object_get(user, "password"));
    return r->password ? 0 : bad(err, "user", "'password' is a required property");
}

static int parse_methods(const json_t *identity, struct identity_request *r,
                         struct cerr *err)
{
    const json_t *methods = json_object_get(identity, "methods");
    size_t i;
    const json_t *m;
    if (!json_is_array(methods) || json_array_size(methods) == 0)
        return bad(err, "identity", "'methods' must be a non-empty array");
    json_array_foreach(methods, i, m) {
        const char *name = json_string_value(m);
        if (!name)
            return bad(err, "methods", "every method must be a string");
        if (strcmp(name, "password") == 0)
            r->methods |= IDENTITY_METHOD_PASSWORD;
        else if (strcmp(name, "token") == 0)
            r->methods |= IDENTITY_METHOD_TOKEN;
        else
            return cerr_set(err, 401, "Attempted to authenticate with an unsupported method.");
    }
    if ((r->methods & IDENTITY_METHOD_PASSWORD) && parse_password(identity, r, err) < 0)
        return -1;
    if (r->methods & IDENTITY_METHOD_TOKEN) {
        const json_t *token = json_object_get(identity, "token");
        if (!(r->token = req_string(token, "id", "token", err)))
            return -1;
    }
    return 0;
}

/* scope: absent or "unscoped" -> unscoped; {"project": ...} -> scoped.
 * Domain and system scopes need assignments cirrus does not model, so
 * they fail the way Keystone fails a user without such roles. */
static int parse_scope(const json_t *scope, struct identity_request *r, struct cerr *err)
{
    if (!scope || (json_is_string(scope) && strcmp(json_string_value(scope), "unscoped") == 0))
        return 0;
    if (!json_is_object(scope))
        return bad(err, "scope", "an object or \"unscoped\" is required");
    if (json_object_get(scope, "domain") || json_object_get(scope, "system"))
        return cerr_set(err, 401, UNAUTHORIZED);
    const json_t *project = json_object_get(scope, "project");
    if (!project)
        return bad(err, "scope", "one of 'project', 'domain' or 'system' is required");
    r->scoped = true;
    return parse_named(project, "project", &r->project_id, &r->project_name,
                       &r->project_domain_id, &r->project_domain_name, err);
}

static int parse_auth(const json_t *body, struct identity_request *r, struct cerr *err)
{
    const json_t *auth = json_object_get(body, "auth");
    if (!json_is_object(auth))
        return bad(err, "auth", "'auth' is a required property");
    const json_t *identity = json_object_get(auth, "identity");
    if (!json_is_object(identity))
        return bad(err, "auth", "'identity' is a required property");
    if (parse_methods(identity, r, err) < 0)
        return -1;
    return parse_scope(json_object_get(auth, "scope"), r, err);
}

static int reply_token(struct http_request *req, struct http_response *res, int status,
                       const struct auth *a, const char *token, struct cerr *err)
{
    json_t *body = view_token(req, a, !http_query_has(req, "nocatalog"), err);
    if (!body)
        return -1;
    http_set_header(res, "X-Subject-Token", token);
    http_json(res, status, body);
    return 0;
}

static int token_issue(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct identity_request r = { 0 };
    char token[IDENTITY_TOKEN_MAX];
    struct auth a;
    if (!json_is_object(req->json))
        return bad(err, "auth", "a JSON object body is required");
    if (parse_auth(req->json, &r, err) < 0 || identity_issue(req->cfg, &r, token, &a, err) < 0)
        return -1;
    int rc = reply_token(req, res, 201, &a, token, err);
    sodium_memzero(token, sizeof(token));
    return rc;
}

/* The X-Subject-Token's identity. Keystone lets a caller look at its own
 * tokens; anyone else's take the admin role (identity:validate_token). */
static int subject(struct http_request *req, const char *action, struct auth *out,
                   const char **token, struct cerr *err)
{
    *token = http_header(req, "X-Subject-Token");
    if (!*token || !**token)
        return cerr_set(err, 400, "Invalid input for field 'X-Subject-Token': the header is "
                        "required.");
    if (auth_token_validate(*token, out, err) < 0)
        return err->status == 401 ? cerr_set(err, 404, "Failed to validate token") : -1;
    if (!http_is_admin(req) && strcmp(out->user_id, req->auth.user_id) != 0)
        return cerr_set(err, 403, "You are not authorized to perform the requested action: "
                        "identity:%s.", action);
    return 0;
}

static int token_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct auth a;
    const char *token;
    if (subject(req, "validate_token", &a, &token, err) < 0)
        return -1;
    return reply_token(req, res, 200, &a, token, err);
}

static int token_check(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct auth a;
    const char *token;
    if (subject(req, "check_token", &a, &token, err) < 0)
        return -1;
    http_empty(res, 200);
    return 0;
}

static int token_revoke(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct auth a;
    const char *token;
    if (subject(req, "revoke_token", &a, &token, err) < 0 || identity_revoke(&a, err) < 0)
        return -1;
    http_empty(res, 204);
    return 0;
}

static int auth_catalog(struct http_request *req, struct http_response *res, struct cerr *err)
{
    if (!req->auth.project_id[0])
        return cerr_set(err, 403, "A project-scoped token is required to produce a service "
                        "catalog.");
    http_json(res, 200, json_pack("{s:o,s:o}", "catalog", identity_catalog(req->cfg),
                                  "links", view_list_links(req, req->url)));
    return 0;
}

static int auth_projects(struct http_request *req, struct http_response *res,
                         struct cerr *err)
{
    struct identity_filter f = { .user_id = req->auth.user_id };
    struct identity_project *list = NULL;
    int n = 0;
    if (store_project_list(store_db(), &f, &list, &n, err) < 0)
        return -1;
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        if (list[i].enabled)
            json_array_append_new(items, view_project(req, &list[i]));
    free(list);
    return view_list(req, res, "projects", items);
}

/* Domain scopes come from role assignments on a domain itself; cirrus
 * assigns roles on projects only, so no domain is a valid scope. */
static int auth_domains(struct http_request *req, struct http_response *res,
                        struct cerr *err)
{
    return view_list(req, res, "domains", json_array());
}

const struct route api_identity_auth_routes[] = {
    { "POST", "/v3/auth/tokens", token_issue, ROUTE_NO_AUTH | ROUTE_JSON, 0, 0 },
    { "GET", "/v3/auth/tokens", token_show, 0, 0, 0 },
    { "HEAD", "/v3/auth/tokens", token_check, 0, 0, 0 },
    { "DELETE", "/v3/auth/tokens", token_revoke, 0, 0, 0 },
    { "GET", "/v3/auth/catalog", auth_catalog, 0, 0, 0 },
    { "GET", "/v3/auth/projects", auth_projects, 0, 0, 0 },
    { "GET", "/v3/auth/domains", auth_domains, 0, 0, 0 },
    { 0 }
};
