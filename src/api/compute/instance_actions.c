/* instance_actions.c - GET /servers/{id}/os-instance-actions[/{request_id}]
 * (nova instance_actions.py, nova-api-ref os-instance-actions.inc): the
 * actions recorded for a server, newest first, and one action with its
 * events. Deleted servers' actions stay readable from 2.21; paging and
 * changes-since arrive at 2.58, changes-before at 2.66; what events show
 * depends on the caller and the microversion (2.51, 2.62, 2.84). */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/validate.h"
#include "core/policy.h"
#include "store/action.h"
#include "util/clock.h"
#include "util/mem.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MV_DELETED      MV(2, 21)   /* actions of deleted servers */
#define MV_EVENTS       MV(2, 51)   /* events for non-admins (no traceback) */
#define MV_PAGING       MV(2, 58)   /* limit, marker, changes-since, updated_at */
#define MV_EVENT_HOST   MV(2, 62)   /* event host (admin) and hostId */
#define MV_BEFORE       MV(2, 66)   /* changes-before */
#define MV_DETAILS      MV(2, 84)   /* event details (admin) */

/* The server the actions belong to: its project, or 404 as
 * common.get_instance gives (read_deleted='yes' from 2.21). */
static int load_server(struct http_request *req, struct db *db, char project[ACTION_ID + 8],
                       struct cerr *err)
{
    struct server *s = NULL;
    const char *uuid = req->params[0];
    if (api_server_load(req, db, uuid, &s, err) == 0) {
        str_copy(project, ACTION_ID + 8, s->project_id);
        server_free(s);
        return 0;
    }
    if (err->status != 404 || req->mv < MV_DELETED)
        return -1;
    const char *scope = policy_is_admin(&req->auth) ? NULL : req->auth.project_id;
    int rc = store_action_deleted_server(db, uuid, scope, project);
    if (rc < 0)
        return cerr_internal(err, "deleted server lookup");
    return rc ? 0 : cerr_set(err, 404, "Instance %s could not be found.", uuid);
}

static void put_time(json_t *o, const char *key, int64_t us)
{
    char t[CLOCK_TEXT_MAX];
    if (!us) {
        json_object_set_new(o, key, json_null());
        return;
    }
    clock_iso_usec(us, t);
    json_object_set_new(o, key, json_string(t));
}

static json_t *str_or_null(const char *s) { return s && s[0] ? json_string(s) : json_null(); }

/* ACTION_KEYS (+ updated_at from 2.58); finish_time is not shown. */
static json_t *action_view(const struct http_request *req, const struct action_row *a)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "action", a->action,
                          "instance_uuid", a->instance_uuid, "request_id", a->request_id,
                          "user_id", str_or_null(a->user_id), "project_id",
                          str_or_null(a->project_id), "message", str_or_null(a->message));
    put_time(o, "start_time", a->start_time);
    if (req->mv >= MV_PAGING)
        put_time(o, "updated_at", a->updated_at);
    return o;
}

/* --- list --- */

/* One value per parameter (Nova's single_param) and no others (2.58+). */
static int list_params_check(const struct http_request *req, struct cerr *err)
{
    static const char *const v258[] = { "limit", "marker", "changes-since", NULL };
    static const char *const v266[] = { "limit", "marker", "changes-since", "changes-before",
                                        NULL };
    if (vq_only(req, req->mv >= MV_BEFORE ? v266 : v258, err) < 0)
        return -1;
    for (int i = 0; i < req->nquery; i++)
        for (int j = i + 1; j < req->nquery; j++)
            if (strcmp(req->query[i].key, req->query[j].key) == 0)
                return vq_fail(err, req->query[i].key, req->query[i].value,
                               "is too long (only one value is allowed)");
    return 0;
}

static int time_param(const struct http_request *req, const char *key, int64_t *out,
                      struct cerr *err)
{
    const char *v = http_query(req, key);
    return v ? vq_datetime(v, key, out, err) : 0;
}

/* Paging and filters exist from 2.58 only; before, every action is listed. */
static int list_query(const struct http_request *req, struct action_list_query *q,
                      struct cerr *err)
{
    int64_t limit = 0;
    if (req->mv < MV_PAGING)
        return 0;
    if (list_params_check(req, err) < 0 || time_param(req, "changes-since", &q->changes_since,
                                                      err) < 0)
        return -1;
    if (req->mv >= MV_BEFORE && time_param(req, "changes-before", &q->changes_before, err) < 0)
        return -1;
    if (q->changes_since && q->changes_before && q->changes_before < q->changes_since)
        return cerr_set(err, 400, "The value of changes-since must be less than or equal to "
                        "changes-before.");
    const char *lv = http_query(req, "limit");
    if (lv && vq_int(lv, "limit", 0, &limit, err) < 0)
        return -1;
    int max = req->cfg->max_limit > 0 ? req->cfg->max_limit : 1000;
    q->limit = !lv || limit > max ? max : (int)limit;
    q->marker = http_query(req, "marker");
    return 0;
}

static int actions_index(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct action_list_query q = { .instance_uuid = req->params[0] };
    struct action_row *rows = NULL;
    char project[ACTION_ID + 8];
    int n = 0;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (load_server(req, db, project, err) < 0 ||
        policy_check(&req->auth, POLICY_READER, "os_compute_api:os-instance-actions:list",
                     err) < 0 ||
        list_query(req, &q, err) < 0)
        return -1;
    /* limit=0 reaches nova's db layer, which answers with no rows */
    if (!(req->mv >= MV_PAGING && q.limit == 0) && store_action_list(db, &q, &rows, &n, err) < 0)
        return -1;
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, action_view(req, &rows[i]));
    json_t *body = json_pack("{s:o}", "instanceActions", list);
    /* a full page gets a next link (views/instance_actions.py get_links) */
    if (req->mv >= MV_PAGING && q.limit > 0 && n == q.limit) {
        char *path = xasprintf("servers/%s/os-instance-actions", req->params[0]);
        json_object_set_new(body, "links", api_next_link(req, path, rows[n - 1].request_id));
        free(path);
    }
    free(rows);
    http_json(res, 200, body);
    return 0;
}

/* --- show --- */

/* utils.generate_hostid: sha224(project_id + host), "" without a host. */
static json_t *host_id(const char *project_id, const char *host)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1] = "";
    if (!host[0])
        return json_string("");
    char *key = xasprintf("%s%s", project_id, host);
    if (EVP_Digest(key, strlen(key), md, &n, EVP_sha224(), NULL) == 1)
        for (unsigned int i = 0; i < n; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
    free(key);
    return json_string(hex);
}

struct event_view {
    bool traceback, host, host_id, details;
    const char *project_id;    /* for hostId */
};

static json_t *event_json(const struct action_event_row *e, const struct event_view *v)
{
    json_t *o = json_pack("{s:s, s:o}", "event", e->event, "result", str_or_null(e->result));
    put_time(o, "start_time", e->start_time);
    put_time(o, "finish_time", e->finish_time);
    if (v->traceback)
        json_object_set_new(o, "traceback", str_or_null(e->traceback));
    if (v->host)
        json_object_set_new(o, "host", str_or_null(e->host));
    if (v->host_id)
        json_object_set_new(o, "hostId", host_id(v->project_id, e->host));
    if (v->details)
        json_object_set_new(o, "details", str_or_null(e->details));
    return o;
}

/* Events: admins always (events policy) with traceback, host from 2.62 and
 * details from 2.84; others from 2.51 without those; hostId for all from
 * 2.62, hashed with the action's project (the server's when unset). */
static int add_events(struct http_request *req, struct db *db, const struct action_row *a,
                      const char *server_project, json_t *body, struct cerr *err)
{
    bool admin = policy_is_admin(&req->auth);
    struct event_view v = {
        .traceback = admin, .host = admin && req->mv >= MV_EVENT_HOST,
        .host_id = req->mv >= MV_EVENT_HOST, .details = admin && req->mv >= MV_DETAILS,
        .project_id = a->project_id[0] ? a->project_id : server_project,
    };
    struct action_event_row *events = NULL;
    int n = 0;
    if (!admin && req->mv < MV_EVENTS)
        return 0;
    if (store_action_events(db, a->id, &events, &n) < 0)
        return cerr_internal(err, "instance action events");
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, event_json(&events[i], &v));
    json_object_set_new(body, "events", list);
    store_action_events_free(events, n);
    return 0;
}

static int actions_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct action_row a;
    char project[ACTION_ID + 8];
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (req->mv >= MV(2, 102) && vq_only(req, NULL, err) < 0)
        return -1;
    if (load_server(req, db, project, err) < 0 ||
        policy_check(&req->auth, POLICY_READER, "os_compute_api:os-instance-actions:show",
                     err) < 0)
        return -1;
    int rc = store_action_get(db, req->params[0], req->params[1], &a);
    if (rc < 0)
        return cerr_internal(err, "instance action lookup");
    if (rc == 0)
        return cerr_set(err, 404, "Action %s not found", req->params[1]);
    json_t *action = action_view(req, &a);
    if (add_events(req, db, &a, project, action, err) < 0) {
        json_decref(action);
        return -1;
    }
    http_json(res, 200, json_pack("{s:o}", "instanceAction", action));
    return 0;
}

const struct route api_instance_actions_routes[] = {
    {"GET", "/servers/{id}/os-instance-actions", actions_index, 0, 0, 0},
    {"GET", "/servers/{id}/os-instance-actions/{request_id}", actions_show, 0, 0, 0},
    {0},
};
