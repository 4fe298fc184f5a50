/* server_actions.c - POST /servers/{id}/action: finds the handler named by
 * the body's single key, as Nova's wsgi action_peek does ("too many body
 * keys" is reported as "Malformed request body"; a key no handler claims at
 * this microversion is 400 "There is no such action: X"). */
#include "api/api.h"
#include "api/compute/server_actions.h"

#include <string.h>

static const struct server_action *const tables[] = {
    server_actions_power,
    server_actions_admin,
    server_actions_rescue,
    server_actions_migrate,
    server_actions_live,
    NULL,
};

static const struct server_action *find_action(const char *name, int mv)
{
    for (int t = 0; tables[t]; t++)
        for (const struct server_action *a = tables[t]; a->name; a++)
            if (strcmp(a->name, name) == 0 && (!a->min_mv || mv >= a->min_mv) &&
                (!a->max_mv || mv <= a->max_mv))
                return a;
    return NULL;
}

static int server_action(struct http_request *req, struct http_response *res, struct cerr *err)
{
    const json_t *body = req->json;
    /* Nova finds the action before dispatch: these faults carry no version headers */
    res->unversioned = true;
    if (!json_is_object(body) || json_object_size(body) != 1)
        return cerr_set(err, 400, "Malformed request body");
    const char *name = json_object_iter_key(json_object_iter((json_t *)body));
    const struct server_action *a = find_action(name, req->mv);
    if (!a)
        return cerr_set(err, 400, "There is no such action: %s", name);
    res->unversioned = false;
    return a->fn(req, res, json_object_get(body, name), err);
}

const struct route api_server_actions_routes[] = {
    { "POST", "/servers/{id}/action", server_action, ROUTE_JSON, 0, 0 },
    { 0 }
};
