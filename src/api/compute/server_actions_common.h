/* server_actions_common.h - the path every server action of the power and
 * admin modules walks (server_actions_common.c): look the server up (404
 * for other projects), check policy (403), then in one transaction guard
 * the state (409, Nova's messages), set the task_state, record the
 * instance action and queue the compute task on the server's host. Also
 * the wait for a synchronous task's answer (Nova's RPC "call"s). */
#ifndef CIRRUS_API_SERVER_ACTIONS_COMMON_H
#define CIRRUS_API_SERVER_ACTIONS_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/instance.h"
#include "core/policy.h"
#include "http/http.h"
#include "store/db.h"
#include "store/server.h"
#include "store/task_result.h"

struct action_spec {
    enum instance_op op;          /* the guard; OP__COUNT = none (lock, resetState) */
    const char *policy;           /* e.g. "os_compute_api:servers:start" */
    enum policy_rule rule;
    bool needs_host;              /* 409 "Instance <id> is not ready" without a host */
    const char *task_state;       /* set with a compare-and-swap; NULL = unchanged */
    const char *action;           /* instance action recorded; NULL = none */
    const char *task_kind;        /* task queued on the server's host; NULL = none */
};

/* Runs inside the transaction after the guard passed and the task_state
 * was set, before the task is queued: the handler's own writes. s is the
 * row as read in the transaction. */
typedef int (*action_txn_fn)(struct http_request *req, struct db *db, struct server *s,
                             void *ctx, struct cerr *err);

/* The whole API side of one action. task_args (borrowed, may be NULL) go
 * into the task; *task_id (may be NULL) receives its id. */
int server_action_run(struct http_request *req, const struct action_spec *spec,
                      const json_t *task_args, action_txn_fn fn, void *ctx, int64_t *task_id,
                      struct cerr *err);

/* Waits for the answer of a synchronous task (Nova's rpc_response_timeout
 * of 60 s); 0 with *out, -1 with a 500 when none came. */
int server_action_wait(int64_t task_id, struct task_result *out, struct cerr *err);

/* createImage (server_actions_image.c), listed in server_actions_admin[]. */
int server_action_create_image(struct http_request *req, struct http_response *res,
                               const json_t *args, struct cerr *err);

#endif
