/* resources.c - read-only Identity resources: /v3/domains, /v3/projects,
 * /v3/users, /v3/roles and /v3/role_assignments. Listings take the admin
 * role; a user may read their own user, projects and domain (Keystone's
 * default policies for get_user, list_user_projects, get_project). */
#include "api/api.h"
#include "api/identity/views.h"
#include "core/identity.h"
#include "util/mem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int forbidden(struct cerr *err, const char *action)
{
    return cerr_set(err, 403, "You are not authorized to perform the requested action: "
                    "identity:%s.", action);
}

static int need_admin(const struct http_request *req, const char *action, struct cerr *err)
{
    return http_is_admin(req) ? 0 : forbidden(err, action);
}

/* ?include_names and similar flags: present and not "0"/"false". */
static bool query_flag(const struct http_request *req, const char *key)
{
    const char *v = http_query(req, key);
    return v && strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0;
}

/* Single-entity reads look the target up before the policy check, as
 * Keystone builds the policy target from the stored row: 404 first. */

/* --- domains --- */

static int domain_list(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct identity_filter f = { .name = http_query(req, "name") };
    struct identity_domain *list = NULL;
    int n = 0;
    if (need_admin(req, "list_domains", err) < 0 ||
        store_domain_list(store_db(), &f, &list, &n, err) < 0)
        return -1;
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, view_domain(req, &list[i]));
    free(list);
    return view_list(req, res, "domains", items);
}

static int domain_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct identity_domain d;
    const char *id = req->params[0];
    const struct auth *a = &req->auth;
    if (store_domain_get(store_db(), id, &d, err) < 0)
        return -1;
    if (!http_is_admin(req) && strcmp(id, a->user_domain_id) != 0 &&
        strcmp(id, a->project_domain_id) != 0)
        return forbidden(err, "get_domain");
    http_json(res, 200, json_pack("{s:o}", "domain", view_domain(req, &d)));
    return 0;
}

/* --- projects --- */

static int reply_projects(struct http_request *req, struct http_response *res,
                          const struct identity_filter *f, struct cerr *err)
{
    struct identity_project *list = NULL;
    int n = 0;
    if (store_project_list(store_db(), f, &list, &n, err) < 0)
        return -1;
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, view_project(req, &list[i]));
    free(list);
    return view_list(req, res, "projects", items);
}

static int project_list(struct http_request *req, struct http_response *res,
                        struct cerr *err)
{
    struct identity_filter f = { .name = http_query(req, "name"),
                                 .domain_id = http_query(req, "domain_id") };
    if (need_admin(req, "list_projects", err) < 0)
        return -1;
    return reply_projects(req, res, &f, err);
}

static int project_show(struct http_request *req, struct http_response *res,
                        struct cerr *err)
{
    struct identity_project p;
    const char *id = req->params[0];
    if (store_project_get(store_db(), id, &p, err) < 0)
        return -1;
    if (!http_is_admin(req) && strcmp(id, req->auth.project_id) != 0)
        return forbidden(err, "get_project");
    http_json(res, 200, json_pack("{s:o}", "project", view_project(req, &p)));
    return 0;
}

/* --- users --- */

static int user_list(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct identity_filter f = { .name = http_query(req, "name"),
                                 .domain_id = http_query(req, "domain_id") };
    struct identity_user *list = NULL;
    int n = 0;
    if (need_admin(req, "list_users", err) < 0 ||
        store_user_list(store_db(), &f, &list, &n, err) < 0)
        return -1;
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, view_user(req, &list[i]));
    free(list);
    return view_list(req, res, "users", items);
}

static int user_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct identity_user u;
    const char *id = req->params[0];
    if (store_user_get(store_db(), id, &u, err) < 0)
        return -1;
    if (!http_is_admin(req) && strcmp(id, req->auth.user_id) != 0)
        return forbidden(err, "get_user");
    http_json(res, 200, json_pack("{s:o}", "user", view_user(req, &u)));
    return 0;
}

static int user_projects(struct http_request *req, struct http_response *res,
                         struct cerr *err)
{
    struct identity_user u;
    struct identity_filter f = { .user_id = req->params[0] };
    if (!http_is_admin(req) && strcmp(f.user_id, req->auth.user_id) != 0)
        return forbidden(err, "list_user_projects");
    if (store_user_get(store_db(), f.user_id, &u, err) < 0)
        return -1;
    return reply_projects(req, res, &f, err);
}

/* --- roles --- */

static int role_list(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct identity_filter f = { .name = http_query(req, "name") };
    struct identity_role *list = NULL;
    int n = 0;
    if (need_admin(req, "list_roles", err) < 0 ||
        store_role_list(store_db(), &f, &list, &n, err) < 0)
        return -1;
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, view_role(req, &list[i]));
    free(list);
    return view_list(req, res, "roles", items);
}

static int role_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct identity_role r;
    if (need_admin(req, "get_role", err) < 0 ||
        store_role_get(store_db(), req->params[0], &r, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:o}", "role", view_role(req, &r)));
    return 0;
}

/* --- role assignments --- */

static bool has_assignment(const struct identity_assignment *list, int n,
                           const struct identity_assignment *a, const char *role_id)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i].user.id, a->user.id) && !strcmp(list[i].project.id, a->project.id) &&
            !strcmp(list[i].role.id, role_id))
            return true;
    return false;
}

/* ?effective also lists the roles each assignment implies, as Keystone
 * does once implied roles exist (admin -> manager -> member -> reader). */
static int expand_implied(struct identity_assignment **list, int *n, struct cerr *err)
{
    struct identity_filter all = { 0 };
    struct identity_role *roles = NULL;
    int nroles = 0, count = *n;
    if (store_role_list(store_db(), &all, &roles, &nroles, err) < 0)
        return -1;
    for (int i = 0; i < count; i++) {
        unsigned bits = identity_role_bits((*list)[i].role.name);
        for (int r = 0; r < nroles; r++) {
            unsigned implied = identity_role_bits(roles[r].name);
            if (!implied || (bits & implied) != implied ||
                has_assignment(*list, *n, &(*list)[i], roles[r].id))
                continue;
            *list = xrealloc(*list, (size_t)(*n + 1) * sizeof(**list));
            (*list)[*n] = (*list)[i];
            (*list)[*n].role = roles[r];
            (*n)++;
        }
    }
    free(roles);
    return 0;
}

/* Keystone filters role assignments on user, project scope and role; the
 * group and domain filters select nothing cirrus stores. */
static int assignment_list(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    struct identity_filter f = { .user_id = http_query(req, "user.id"),
                                 .project_id = http_query(req, "scope.project.id") };
    const char *role_id = http_query(req, "role.id");
    struct identity_assignment *list = NULL;
    int n = 0;
    bool names = query_flag(req, "include_names"), effective = query_flag(req, "effective");
    bool none = http_query(req, "group.id") || http_query(req, "scope.domain.id") ||
                http_query(req, "scope.system");
    if (need_admin(req, "list_role_assignments", err) < 0)
        return -1;
    /* With ?effective the role filter applies after expansion. */
    if (!effective)
        f.role_id = role_id;
    if (!none && (store_assignment_list(store_db(), &f, &list, &n, err) < 0 ||
                  (effective && expand_implied(&list, &n, err) < 0))) {
        free(list);
        return -1;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        if (!role_id || !strcmp(role_id, list[i].role.id))
            json_array_append_new(items, view_assignment(req, &list[i], names));
    free(list);
    return view_list(req, res, "role_assignments", items);
}

const struct route api_identity_resource_routes[] = {
    { "GET", "/v3/domains", domain_list, 0, 0, 0 },
    { "GET", "/v3/domains/{id}", domain_show, 0, 0, 0 },
    { "GET", "/v3/projects", project_list, 0, 0, 0 },
    { "GET", "/v3/projects/{id}", project_show, 0, 0, 0 },
    { "GET", "/v3/users", user_list, 0, 0, 0 },
    { "GET", "/v3/users/{id}", user_show, 0, 0, 0 },
    { "GET", "/v3/users/{id}/projects", user_projects, 0, 0, 0 },
    { "GET", "/v3/roles", role_list, 0, 0, 0 },
    { "GET", "/v3/roles/{id}", role_show, 0, 0, 0 },
    { "GET", "/v3/role_assignments", assignment_list, 0, 0, 0 },
    { 0 }
};
