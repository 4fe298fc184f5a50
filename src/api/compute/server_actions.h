/* server_actions.h - POST /servers/{id}/action: the dispatcher
 * (server_actions.c) and the tables of action handlers it consults, one
 * table per module. Nova's wsgi layer picks the handler from the body's
 * single key; each handler validates the value of that key, loads the
 * server itself (404 for other projects), checks policy and the state
 * guard, and changes state in one transaction with its task and action
 * record. */
#ifndef CIRRUS_API_SERVER_ACTIONS_H
#define CIRRUS_API_SERVER_ACTIONS_H

#include <jansson.h>

#include "http/http.h"

/* args is the value under the action's key (borrowed); the server id is
 * req->params[0]. The handler answers through res (202 empty, or 200 with
 * a body) and returns 0, or -1 with err filled. */
typedef int (*server_action_fn)(struct http_request *req, struct http_response *res,
                                const json_t *args, struct cerr *err);

struct server_action {
    const char *name;          /* body key: "os-start", "rescue", ... */
    server_action_fn fn;
    int min_mv, max_mv;        /* 0 = no bound; outside the range it is unknown */
};

/* Tables ({0}-terminated), listed in server_actions.c. */
extern const struct server_action server_actions_power[];     /* server_actions_power.c */
extern const struct server_action server_actions_admin[];     /* server_actions_admin.c */
extern const struct server_action server_actions_rescue[];    /* server_actions_rescue.c */
extern const struct server_action server_actions_migrate[];   /* server_actions_migrate.c */
extern const struct server_action server_actions_live[];      /* server_actions_live.c */

#endif
