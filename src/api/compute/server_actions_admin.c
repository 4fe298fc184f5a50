/* server_actions_admin.c - lock / unlock (lock_server.py), os-resetState,
 * injectNetworkInfo and resetNetwork (admin_actions.py),
 * os-getConsoleOutput (console_output.py), changePassword
 * (admin_password.py), and the table entry of createImage
 * (server_actions_image.c). Nova answers resetNetwork with 410 since the
 * nova-network removal; cirrus still runs it through the driver. */
#include "api/compute/server_actions.h"
#include "api/compute/common.h"
#include "api/compute/server_actions_common.h"
#include "api/validate.h"
#include "core/power_task.h"
#include "store/action.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MV_LOCKED_REASON MV(2, 73)

/* --- lock / unlock --- */

struct lock_ctx {
    const char *reason;           /* 2.73 locked_reason, or NULL */
    bool unlock;
};

/* A jsonschema "type" failure naming several types, with Nova's form
 * "<repr> is not of type 'a', 'b'". */
static int type_fail(struct cerr *err, const char *field, const json_t *v, const char *types)
{
    char repr[256];
    v_repr(v, repr, sizeof(repr));
    return v_fail(err, field, v, "%s is not of type %s", repr, types);
}

/* lock_v273: null, or {"locked_reason": string 1-255} and nothing else. */
static int lock_parse(const json_t *args, int mv, const char **reason, struct cerr *err)
{
    static const char *const keys[] = {"locked_reason", NULL};
    *reason = NULL;
    if (mv < MV_LOCKED_REASON || json_is_null(args))
        return 0;
    if (!json_is_object(args))
        return type_fail(err, "lock", args, "'object', 'null'");
    if (v_object(args, "lock", keys, err) < 0)
        return -1;
    const json_t *r = json_object_get(args, "locked_reason");
    if (r && v_string(r, "locked_reason", 1, 255, err) < 0)
        return -1;
    *reason = json_string_value(r);
    return 0;
}

/* compute API lock()/unlock(): the row change and the "api_lock" /
 * "api_unlock" event (wrap_instance_event prefix api), all at once. */
static int lock_write(struct http_request *req, struct db *db, struct server *s, void *vctx,
                      struct cerr *err)
{
    const struct lock_ctx *ctx = vctx;
    bool owner = strcmp(s->project_id, req->auth.project_id) == 0;
    const char *event = ctx->unlock ? "api_unlock" : "api_lock";
    if (ctx->unlock) {
        s->locked_by[0] = '\0';
        free(s->locked_reason);
        s->locked_reason = NULL;
    } else {
        str_copy(s->locked_by, sizeof(s->locked_by), owner ? "owner" : "admin");
        if (ctx->reason) {
            free(s->locked_reason);
            s->locked_reason = xstrdup(ctx->reason);
        }
    }
    if (store_server_update(db, s, err) < 0 ||
        store_action_event_start(db, s->uuid, req->request_id, event, req->cfg->host) < 0 ||
        store_action_event_finish(db, s->uuid, req->request_id, event, "Success", NULL) < 0 ||
        store_action_finish(db, s->uuid, req->request_id, NULL) < 0)
        return cerr_internal(err, "lock");
    return 0;
}

static int load_visible(struct http_request *req, struct server **s, struct cerr *err)
{
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    return api_server_load(req, db, req->params[0], s, err);
}

static int action_lock(struct http_request *req, struct http_response *res, const json_t *args,
                       struct cerr *err)
{
    struct lock_ctx ctx = {0};
    struct server *s = NULL;
    if (lock_parse(args, req->mv, &ctx.reason, err) < 0 || load_visible(req, &s, err) < 0)
        return -1;
    /* compute API lock(): the owner locking a locked server is a no-op,
     * no action recorded; an admin of another project re-locks it. */
    bool noop = s->locked_by[0] && strcmp(s->project_id, req->auth.project_id) == 0;
    server_free(s);
    static const struct action_spec spec = {
        .op = OP__COUNT, .policy = "os_compute_api:os-lock-server:lock", .rule = POLICY_MEMBER,
        .action = "lock",
    };
    static const struct action_spec noop_spec = {
        .op = OP__COUNT, .policy = "os_compute_api:os-lock-server:lock", .rule = POLICY_MEMBER,
    };
    if (server_action_run(req, noop ? &noop_spec : &spec, NULL, noop ? NULL : lock_write, &ctx,
                          NULL, err) < 0)
        return -1;
    http_empty(res, 202);
    return 0;
}

static int action_unlock(struct http_request *req, struct http_response *res,
                         const json_t *args, struct cerr *err)
{
    (void)args;   /* unlock's schema leaves the value unchecked */
    struct lock_ctx ctx = { .unlock = true };
    struct server *s = NULL;
    if (load_visible(req, &s, err) < 0)
        return -1;
    /* is_expected_locked_by(): a lock set by the other side (owner vs
     * admin) needs the unlock_override rule (admin) as well. */
    bool owner = strcmp(s->project_id, req->auth.project_id) == 0;
    bool other = s->locked_by[0] && strcmp(s->locked_by, owner ? "owner" : "admin") != 0;
    server_free(s);
    if (policy_check(&req->auth, POLICY_MEMBER, "os_compute_api:os-lock-server:unlock",
                     err) < 0 ||
        (other && policy_check(&req->auth, POLICY_ADMIN,
                               "os_compute_api:os-lock-server:unlock:unlock_override", err) < 0))
        return -1;
    static const struct action_spec spec = {
        .op = OP__COUNT, .policy = "os_compute_api:os-lock-server:unlock",
        .rule = POLICY_MEMBER, .action = "unlock",
    };
    if (server_action_run(req, &spec, NULL, lock_write, &ctx, NULL, err) < 0)
        return -1;
    http_empty(res, 202);
    return 0;
}

/* --- os-resetState --- */

static int reset_write(struct http_request *req, struct db *db, struct server *s, void *vctx,
                       struct cerr *err)
{
    /* instance.save(admin_state_reset=True): no expected task_state. */
    if (store_server_set_state(db, s->uuid, NULL, (const char *)vctx, "", POWER_KEEP, err) < 0)
        return -1;
    return store_action_finish(db, s->uuid, req->request_id, NULL) < 0
           ? cerr_internal(err, "resetState action") : 0;
}

static int action_reset_state(struct http_request *req, struct http_response *res,
                              const json_t *args, struct cerr *err)
{
    static const char *const keys[] = {"state", NULL};
    static const char *const states[] = {"active", "error", NULL};
    if (v_object(args, "os-resetState", keys, err) < 0 ||
        v_required_in(args, "os-resetState", "state", err) < 0 ||
        v_enum(json_object_get(args, "state"), "state", states, err) < 0)
        return -1;
    const char *state = json_string_value(json_object_get(args, "state"));
    static const struct action_spec spec = {
        .op = OP__COUNT, .policy = "os_compute_api:os-admin-actions:reset_state",
        .rule = POLICY_ADMIN, .action = "resetState",
    };
    if (server_action_run(req, &spec, NULL, reset_write, (void *)state, NULL, err) < 0)
        return -1;
    http_empty(res, 202);
    return 0;
}

/* --- injectNetworkInfo, resetNetwork --- */

static int action_inject_network(struct http_request *req, struct http_response *res,
                                 const json_t *args, struct cerr *err)
{
    (void)args;
    static const struct action_spec spec = {
        .op = OP_INJECT_NETWORK, .policy = "os_compute_api:os-admin-actions:inject_network_info",
        .rule = POLICY_ADMIN, .task_kind = TASK_INJECT_NETWORK,
    };
    if (server_action_run(req, &spec, NULL, NULL, NULL, NULL, err) < 0)
        return -1;
    http_empty(res, 202);
    return 0;
}

static int action_reset_network(struct http_request *req, struct http_response *res,
                                const json_t *args, struct cerr *err)
{
    (void)args;
    static const struct action_spec spec = {
        .op = OP_RESET_NETWORK, .policy = "os_compute_api:os-admin-actions:reset_network",
        .rule = POLICY_ADMIN, .task_kind = TASK_RESET_NETWORK,
    };
    if (server_action_run(req, &spec, NULL, NULL, NULL, NULL, err) < 0)
        return -1;
    http_empty(res, 202);
    return 0;
}

/* --- os-getConsoleOutput --- */

/* console_output.py: length is an integer >= -1, a string matching
 * ^-?[0-9]+$ (any negative number passes as a string), or null. */
static int length_parse(const json_t *v, bool *set, int64_t *n, struct cerr *err)
{
    char repr[256];
    *set = false;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v)) {
        if (json_integer_value(v) < -1) {
            v_repr(v, repr, sizeof(repr));
            return v_fail(err, "length", v, "%s is less than the minimum of -1", repr);
        }
        *n = json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v), *p = s + (s[0] == '-');
        bool ok = *p != '\0';
        for (; *p; p++)
            ok = ok && *p >= '0' && *p <= '9';
        if (!ok) {
            v_repr(v, repr, sizeof(repr));
            return v_fail(err, "length", v, "%s does not match '^-?[0-9]+$'", repr);
        }
        *n = strtoll(s, NULL, 10);
    } else {
        return type_fail(err, "length", v, "'integer', 'string', 'null'");
    }
    *set = true;
    return 0;
}

/* reject_instance_state(task_state=[DELETING, MIGRATING]). */
static int console_check(struct http_request *req, struct db *db, struct server *s, void *ctx,
                         struct cerr *err)
{
    if (strcmp(s->task_state, "deleting") == 0 || strcmp(s->task_state, "migrating") == 0)
        return cerr_set(err, 409, "Instance %s in task_state %s. Cannot get_console_output "
                        "while the instance is in this state.", s->uuid, s->task_state);
    return 0;
}

static int action_console_output(struct http_request *req, struct http_response *res,
                                 const json_t *args, struct cerr *err)
{
    static const char *const keys[] = {"length", NULL};
    bool set;
    int64_t length = 0, task_id = 0;
    if (v_object(args, "os-getConsoleOutput", keys, err) < 0 ||
        length_parse(json_object_get(args, "length"), &set, &length, err) < 0)
        return -1;
    static const struct action_spec spec = {
        .op = OP_CONSOLE_OUTPUT, .policy = "os_compute_api:os-console-output",
        .rule = POLICY_MEMBER, .needs_host = true, .task_kind = TASK_CONSOLE_OUTPUT,
    };
    json_t *targs = set ? json_pack("{s:I}", "length", (json_int_t)length) : json_object();
    int rc = server_action_run(req, &spec, targs, console_check, NULL, &task_id, err);
    json_decref(targs);
    struct task_result r = {0};
    if (rc < 0 || server_action_wait(task_id, &r, err) < 0)
        return -1;
    if (r.status == 200)
        http_json(res, 200, json_pack("{s:s}", "output", r.body));
    else
        cerr_set(err, r.status, "%s", r.body);
    task_result_clear(&r);
    return err->status ? -1 : 0;
}

/* --- changePassword --- */

static int action_change_password(struct http_request *req, struct http_response *res,
                                  const json_t *args, struct cerr *err)
{
    static const char *const keys[] = {"adminPass", NULL};
    if (v_object(args, "changePassword", keys, err) < 0 ||
        v_required_in(args, "changePassword", "adminPass", err) < 0)
        return -1;
    const json_t *pass = json_object_get(args, "adminPass");
    if (!json_is_string(pass))
        return type_fail(err, "adminPass", pass, "'string'");
    static const struct action_spec spec = {
        .op = OP_CHANGE_PASSWORD, .policy = "os_compute_api:os-admin-password",
        .rule = POLICY_MEMBER, .needs_host = true, .task_state = "updating_password",
        .action = "changePassword", .task_kind = TASK_SET_PASSWORD,
    };
    /* Nova's set_admin_password is an RPC call: the answer (202, or the
     * 409 of the compute side) comes back before the response. */
    json_t *targs = json_pack("{s:O}", "admin_password", pass);
    int64_t task_id = 0;
    int rc = server_action_run(req, &spec, targs, NULL, NULL, &task_id, err);
    json_decref(targs);
    struct task_result r = {0};
    if (rc < 0 || server_action_wait(task_id, &r, err) < 0)
        return -1;
    if (r.status == 202)
        http_empty(res, 202);
    else
        cerr_set(err, r.status, "%s", r.body);
    task_result_clear(&r);
    return err->status ? -1 : 0;
}

const struct server_action server_actions_admin[] = {
    {"lock", action_lock, 0, 0},
    {"unlock", action_unlock, 0, 0},
    {"os-resetState", action_reset_state, 0, 0},
    {"injectNetworkInfo", action_inject_network, 0, 0},
    {"resetNetwork", action_reset_network, 0, 0},
    {"os-getConsoleOutput", action_console_output, 0, 0},
    {"changePassword", action_change_password, 0, 0},
    {"createImage", server_action_create_image, 0, 0},
    { 0 }
};
