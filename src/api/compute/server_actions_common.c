/* server_actions_common.c - the API half every power/admin server action
 * shares (see server_actions_common.h). Nova's order is kept: schema (by
 * the caller), get_instance (404), context.can (403), then the compute
 * API's decorators: check_instance_lock, check_instance_host,
 * check_instance_state (launched_at last), and
 * instance.save(expected_task_state=...) before
 * _record_action_start and the RPC to the host. */
#include "api/compute/server_actions_common.h"
#include "api/compute/common.h"
#include "core/worker.h"
#include "store/action.h"
#include "store/task.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* check_instance_lock -> check_instance_host -> check_instance_state. */
static int guard(const struct http_request *req, const struct action_spec *spec,
                 const struct server *s, struct cerr *err)
{
    bool admin = policy_is_admin(&req->auth);
    if (spec->op == OP__COUNT)
        return 0;
    if (spec->needs_host && !s->host[0]) {
        if (instance_op_checks_lock(spec->op) && s->locked_by[0] && !admin)
            return cerr_set(err, 409, "Instance %s is locked", s->uuid);
        return cerr_set(err, 409, "Instance %s is not ready", s->uuid);
    }
    if (instance_check(spec->op, s->uuid, s->vm_state, s->task_state, s->locked_by, admin,
                       err) < 0)
        return -1;
    /* check_instance_state(must_have_launched=True) */
    return instance_check_launched(spec->op, s->uuid, s->launched_at != 0, err);
}

static int run_in_txn(struct http_request *req, struct db *db, const struct action_spec *spec,
                      const json_t *task_args, action_txn_fn fn, void *ctx, int64_t *task_id,
                      struct cerr *err)
{
    struct server *s = NULL;
    char *args = NULL;
    if (db_begin(db) < 0)
        return cerr_internal(err, "action transaction");
    int rc = api_server_load(req, db, req->params[0], &s, err);
    if (rc == 0)
        rc = guard(req, spec, s, err);
    /* instance.save(expected_task_state=...): the task_state read above,
     * so a request racing this one loses with 409. */
    if (rc == 0 && spec->task_state) {
        rc = store_server_set_state(db, s->uuid, s->task_state, NULL, spec->task_state,
                                    POWER_KEEP, err);
        if (rc == 0)
            str_copy(s->task_state, sizeof(s->task_state), spec->task_state);
    }
    if (rc == 0 && spec->action)
        rc = store_action_start(db, s->uuid, spec->action, req->request_id, req->auth.user_id,
                                req->auth.project_id, err);
    if (rc == 0 && fn)
        rc = fn(req, db, s, ctx, err);
    /* An action that needs no host (injectNetworkInfo) has nothing to
     * tell a server that was never placed. */
    if (rc == 0 && spec->task_kind && s->host[0]) {
        args = task_args ? json_dumps(task_args, JSON_COMPACT) : NULL;
        rc = store_task_insert(db, spec->task_kind, s->uuid, s->host, args, req->request_id, 0,
                               task_id, err);
    }
    if (rc == 0 && db_commit(db) < 0)
        rc = cerr_internal(err, "action commit");
    if (rc < 0)
        db_rollback(db);
    free(args);
    server_free(s);
    return rc;
}

int server_action_run(struct http_request *req, const struct action_spec *spec,
                      const json_t *task_args, action_txn_fn fn, void *ctx, int64_t *task_id,
                      struct cerr *err)
{
    struct db *db = store_db();
    struct server *s = NULL;
    if (!db)
        return cerr_internal(err, "no database");
    if (api_server_load(req, db, req->params[0], &s, err) < 0)
        return -1;
    server_free(s);
    if (policy_check(&req->auth, spec->rule, spec->policy, err) < 0 ||
        run_in_txn(req, db, spec, task_args, fn, ctx, task_id, err) < 0)
        return -1;
    if (spec->task_kind)
        worker_kick();
    return 0;
}

#define WAIT_TIMEOUT_US (60LL * 1000 * 1000)
#define WAIT_STEP_MS 5

int server_action_wait(int64_t task_id, struct task_result *out, struct cerr *err)
{
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    int64_t deadline = clock_now_us() + WAIT_TIMEOUT_US;
    for (;;) {
        int rc = store_task_result_take(db, task_id, out);
        if (rc == 1)
            return 0;
        if (rc < 0)
            return cerr_internal(err, "task result");
        if (clock_now_us() > deadline)
            break;
        struct timespec ts = { 0, WAIT_STEP_MS * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
    /* Nova's MessagingTimeout surfaces as a 500 as well. */
    log_warn("task %lld: no answer in %lld s", (long long)task_id,
             (long long)(WAIT_TIMEOUT_US / 1000000));
    store_task_result_expire(db, clock_now_us() - WAIT_TIMEOUT_US);
    return cerr_set(err, 500, "Timed out waiting for a reply to message ID %lld",
                    (long long)task_id);
}
