/* views.c - JSON shapes of the Identity API (keystone-api-ref v3 samples):
 * tokens, domains, projects, users, roles and role assignments. */
#include "api/identity/views.h"
#include "core/identity.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdlib.h>

static json_t *self_link(const struct http_request *req, const char *kind, const char *id)
{
    char *url = xasprintf("%s/identity/v3/%s/%s", http_base_url(req), kind, id);
    json_t *links = json_pack("{s:s}", "self", url);
    free(url);
    return links;
}

static json_t *domain_ref(const char *id, const char *name)
{
    return json_pack("{s:s,s:s}", "id", id, "name", name);
}

static json_t *token_user(const struct auth *a)
{
    return json_pack("{s:s,s:s,s:o,s:n}", "id", a->user_id, "name", a->user_name,
                     "domain", domain_ref(a->user_domain_id, a->user_domain_name),
                     "password_expires_at");
}

/* Scoped parts: project, roles and (unless ?nocatalog) the catalog. */
static int add_scope(const struct http_request *req, const struct auth *a, bool catalog,
                     json_t *token, struct cerr *err)
{
    json_t *roles = identity_token_roles(a, err);
    if (!roles)
        return -1;
    json_object_set_new(token, "project",
                        json_pack("{s:s,s:s,s:o}", "id", a->project_id, "name",
                                  a->project_name, "domain",
                                  domain_ref(a->project_domain_id, a->project_domain_name)));
    json_object_set_new(token, "is_domain", json_false());
    json_object_set_new(token, "roles", roles);
    if (catalog)
        json_object_set_new(token, "catalog", identity_catalog(req->cfg));
    return 0;
}

json_t *view_token(const struct http_request *req, const struct auth *a, bool catalog,
                   struct cerr *err)
{
    char issued[CLOCK_TEXT_MAX], expires[CLOCK_TEXT_MAX];
    clock_iso_usec_z(a->issued_at, issued);
    clock_iso_usec_z(a->expires_at, expires);
    json_t *methods = json_loads(a->methods, 0, NULL);
    json_t *token = json_pack("{s:o,s:o,s:[s],s:s,s:s}",
                              "methods", methods ? methods : json_array(),
                              "user", token_user(a), "audit_ids", a->audit_id,
                              "issued_at", issued, "expires_at", expires);
    /* An unscoped token carries neither roles nor a catalog
     * (samples/auth/responses/unscoped-password.json). */
    if (a->project_id[0] && add_scope(req, a, catalog, token, err) < 0) {
        json_decref(token);
        return NULL;
    }
    return json_pack("{s:o}", "token", token);
}

json_t *view_domain(const struct http_request *req, const struct identity_domain *d)
{
    return json_pack("{s:s,s:s,s:s,s:b,s:[],s:{},s:o}", "id", d->id, "name", d->name,
                     "description", d->description, "enabled", d->enabled, "tags", "options",
                     "links", self_link(req, "domains", d->id));
}

json_t *view_project(const struct http_request *req, const struct identity_project *p)
{
    /* A top-level project's parent is its domain (Keystone's is_domain model). */
    return json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:s,s:[],s:{},s:o}", "id", p->id,
                     "name", p->name, "domain_id", p->domain_id,
                     "description", p->description, "enabled", p->enabled,
                     "is_domain", 0, "parent_id", p->domain_id, "tags", "options",
                     "links", self_link(req, "projects", p->id));
}

json_t *view_user(const struct http_request *req, const struct identity_user *u)
{
    json_t *v = json_pack("{s:s,s:s,s:s,s:b,s:n,s:{},s:o}", "id", u->id, "name", u->name,
                          "domain_id", u->domain_id, "enabled", u->enabled,
                          "password_expires_at", "options",
                          "links", self_link(req, "users", u->id));
    if (u->default_project_id[0])
        json_object_set_new(v, "default_project_id", json_string(u->default_project_id));
    if (u->email[0])
        json_object_set_new(v, "email", json_string(u->email));
    return v;
}

json_t *view_role(const struct http_request *req, const struct identity_role *r)
{
    return json_pack("{s:s,s:s,s:n,s:n,s:{},s:o}", "id", r->id, "name", r->name,
                     "domain_id", "description", "options",
                     "links", self_link(req, "roles", r->id));
}

/* A role assignment as GET /v3/role_assignments lists it; names adds the
 * names and domains ?include_names asks for. */
json_t *view_assignment(const struct http_request *req, const struct identity_assignment *a,
                        bool names)
{
    json_t *role = json_pack("{s:s}", "id", a->role.id);
    json_t *user = json_pack("{s:s}", "id", a->user.id);
    json_t *project = json_pack("{s:s}", "id", a->project.id);
    if (names) {
        json_object_set_new(role, "name", json_string(a->role.name));
        json_object_set_new(user, "name", json_string(a->user.name));
        json_object_set_new(user, "domain", domain_ref(a->user.domain_id, a->user.domain_name));
        json_object_set_new(project, "name", json_string(a->project.name));
        json_object_set_new(project, "domain",
                            domain_ref(a->project.domain_id, a->project.domain_name));
    }
    char *url = xasprintf("%s/identity/v3/projects/%s/users/%s/roles/%s", http_base_url(req),
                          a->project.id, a->user.id, a->role.id);
    json_t *v = json_pack("{s:o,s:o,s:{s:o},s:{s:s}}", "role", role, "user", user,
                          "scope", "project", project, "links", "assignment", url);
    free(url);
    return v;
}

json_t *view_list_links(const struct http_request *req, const char *path)
{
    char *url = xasprintf("%s%s", http_base_url(req), path);
    json_t *links = json_pack("{s:s,s:n,s:n}", "self", url, "previous", "next");
    free(url);
    return links;
}

int view_list(struct http_request *req, struct http_response *res, const char *key,
              json_t *items)
{
    http_json(res, 200, json_pack("{s:o,s:o}", key, items, "links",
                                  view_list_links(req, req->url)));
    return 0;
}
