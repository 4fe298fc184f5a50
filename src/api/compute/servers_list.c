/* servers_list.c - GET /servers, GET /servers/detail and GET
 * /servers/{id} (nova servers.py index/detail/show, DIGEST (e.8)): the
 * query schema per microversion, which filters a caller may use, status
 * and all_tenants handling, sorting and pagination. Bodies come from
 * server_view.c; the query runs in store/server_list.c. */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/compute/server_view.h"
#include "api/validate.h"
#include "core/instance.h"
#include "core/policy.h"
#include "store/flavor.h"
#include "store/server_read.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MV_IP6            MV(2, 5)
#define MV_TAGS           MV(2, 26)
#define MV_STATUS_400     MV(2, 38)
#define MV_CHANGES_BEFORE MV(2, 66)
#define MV_LOCKED         MV(2, 73)
#define MV_STRICT_QUERY   MV(2, 75)
#define MV_MORE_FILTERS   MV(2, 83)
#define MV_HOSTNAME       MV(2, 90)
#define MV_SHOW_STRICT    MV(2, 102)

/* One list request being parsed: the store query and what it borrows. */
struct list_req {
    struct http_request *req;
    bool admin, detail;
    struct server_list_query q;
    struct server_list_more more;
    int link_limit;
    bool empty;                 /* known to match nothing (unknown flavor, status) */
    char *tag_text[4];          /* split copies the tag arrays point into */
};

/* --- which query parameters exist and who may use them --- */

/* Query schema properties (index_query ... index_query_v275). */
static bool in_schema(int mv, const char *key)
{
    static const char *const base[] = {
        "user_id", "project_id", "tenant_id", "launch_index", "image_ref", "image",
        "kernel_id", "ramdisk_id", "hostname", "key_name", "power_state", "vm_state",
        "task_state", "host", "node", "flavor", "reservation_id", "launched_at",
        "terminated_at", "availability_zone", "name", "display_name", "description",
        "display_description", "locked_by", "uuid", "root_device_name", "config_drive",
        "access_ip_v4", "access_ip_v6", "auto_disk_config", "progress", "sort_key", "sort_dir",
        "all_tenants", "soft_deleted", "deleted", "status", "changes-since", "ip", "ip6",
        "created_at", "block_device_mapping", "services", "metadata", "system_metadata",
        "info_cache", "security_groups", "pci_devices", "limit", "marker", NULL,
    };
    for (int i = 0; base[i]; i++)
        if (strcmp(base[i], key) == 0)
            return true;
    if (mv >= MV_TAGS && (!strcmp(key, "tags") || !strcmp(key, "tags-any") ||
                          !strcmp(key, "not-tags") || !strcmp(key, "not-tags-any")))
        return true;
    if (mv >= MV_CHANGES_BEFORE && !strcmp(key, "changes-before"))
        return true;
    return mv >= MV_LOCKED && !strcmp(key, "locked");
}

/* The filters a non-admin keeps (servers.py _get_server_search_options);
 * everything else is dropped silently (remove_invalid_options). */
static bool member_filter(int mv, const char *key)
{
    static const char *const base[] = { "reservation_id", "name", "status", "image", "flavor",
                                        "ip", "changes-since", "all_tenants", NULL };
    static const char *const v283[] = { "availability_zone", "config_drive", "key_name",
                                        "created_at", "launched_at", "terminated_at",
                                        "power_state", "task_state", "vm_state", "progress",
                                        "user_id", NULL };
    for (int i = 0; base[i]; i++)
        if (!strcmp(base[i], key))
            return true;
    for (int i = 0; mv >= MV_MORE_FILTERS && v283[i]; i++)
        if (!strcmp(v283[i], key))
            return true;
    if (mv >= MV_IP6 && !strcmp(key, "ip6"))
        return true;
    if (mv >= MV_TAGS && (!strcmp(key, "tags") || !strcmp(key, "tags-any") ||
                          !strcmp(key, "not-tags") || !strcmp(key, "not-tags-any")))
        return true;
    if (mv >= MV_CHANGES_BEFORE && !strcmp(key, "changes-before"))
        return true;
    if (mv >= MV_LOCKED && !strcmp(key, "locked"))
        return true;
    return mv >= MV_HOSTNAME && !strcmp(key, "hostname");
}

static bool paging_param(const char *key)
{
    return !strcmp(key, "sort_key") || !strcmp(key, "sort_dir") || !strcmp(key, "limit") ||
           !strcmp(key, "marker");
}

/* A filter's value as nova's search_opts holds it: the last one given
 * (dict.update over webob's MultiDict), NULL when absent or not allowed
 * for this caller. */
static const char *opt(const struct list_req *l, const char *key)
{
    const struct http_request *req = l->req;
    if (paging_param(key) || (!l->admin && !member_filter(req->mv, key)))
        return NULL;
    const char *v = NULL;
    for (int i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].key, key) == 0)
            v = req->query[i].value ? req->query[i].value : "";
    return v;
}

/* --- schema checks (formats), done before anything else --- */

static const char *const regex_params[] = {
    "kernel_id", "ramdisk_id", "hostname", "key_name", "power_state", "node", "flavor",
    "reservation_id", "launched_at", "terminated_at", "availability_zone", "name",
    "display_name", "description", "display_description", "locked_by", "root_device_name",
    "config_drive", "access_ip_v4", "access_ip_v6", "auto_disk_config", "progress", "ip",
    "ip6", "created_at", "tags", "tags-any", "not-tags", "not-tags-any", NULL,
};

static int check_formats(const struct http_request *req, struct cerr *err)
{
    for (int i = 0; i < req->nquery; i++) {
        const char *k = req->query[i].key, *v = req->query[i].value ? req->query[i].value : "";
        bool is_regex = false;
        for (int j = 0; regex_params[j] && !is_regex; j++)
            is_regex = strcmp(regex_params[j], k) == 0 && in_schema(req->mv, k);
        regex_t re;
        if (is_regex) {
            if (server_regex_compile(&re, v) < 0) {
                char reason[300];
                snprintf(reason, sizeof(reason), "'%.200s' is not a 'regex'", v);
                return vq_fail(err, k, v, reason);
            }
            regfree(&re);
        }
        int64_t t;
        if ((!strcmp(k, "changes-since") || (!strcmp(k, "changes-before") &&
                                              req->mv >= MV_CHANGES_BEFORE)) &&
            vq_datetime(v, k, &t, err) < 0)
            return -1;
    }
    return 0;
}

/* Sort keys the schema accepts: VALID_SORT_KEYS and, before 2.75, the
 * legacy keys Nova then drops (SERVER_LIST_IGNORE_SORT_KEY). */
static const char *const ignored_sort_keys[] = {
    "architecture", "cell_name", "cleaned", "default_ephemeral_device", "default_swap_device",
    "deleted", "deleted_at", "disable_terminate", "ephemeral_gb", "ephemeral_key_uuid", "id",
    "key_data", "launched_on", "locked", "memory_mb", "os_type", "reservation_id", "root_gb",
    "shutdown_terminate", "user_data", "vcpus", "vm_mode", NULL,
};

static bool sort_key_ignored(int mv, const char *key)
{
    if (mv >= MV_LOCKED && !strcmp(key, "locked"))
        return false;
    for (int i = 0; ignored_sort_keys[i]; i++)
        if (!strcmp(ignored_sort_keys[i], key))
            return true;
    return false;
}

static bool sort_key_valid(int mv, const char *key)
{
    if (sort_key_ignored(mv, key))
        return mv < MV_STRICT_QUERY;
    if (!strcmp(key, "id") || (!strcmp(key, "locked") && mv < MV_LOCKED))
        return false;
    return store_server_sort_key_known(key);
}

static int check_schema(const struct http_request *req, struct cerr *err)
{
    for (int i = 0; i < req->nquery; i++) {
        const char *k = req->query[i].key, *v = req->query[i].value ? req->query[i].value : "";
        if (req->mv >= MV_STRICT_QUERY && !in_schema(req->mv, k) && k[0] != '_')
            return cerr_set(err, 400, "Additional properties are not allowed ('%s' was "
                            "unexpected)", k);
        if (!strcmp(k, "sort_key") && !sort_key_valid(req->mv, v)) {
            char reason[300];
            snprintf(reason, sizeof(reason), "'%.200s' is not one of the valid sort keys", v);
            return vq_fail(err, "sort_key", v, reason);
        }
        int64_t n;
        if (!strcmp(k, "limit") && vq_int(v, "limit", 0, &n, err) < 0)
            return -1;
    }
    return check_formats(req, err);
}

/* --- filters --- */

/* oslo strutils.bool_from_string: 1 true, 0 false, -1 neither. */
static int bool_word(const char *v)
{
    static const char *const yes[] = { "1", "t", "true", "on", "y", "yes", NULL };
    static const char *const no[] = { "0", "f", "false", "off", "n", "no", NULL };
    while (*v == ' ')
        v++;
    size_t n = strlen(v);
    while (n > 0 && v[n - 1] == ' ')
        n--;
    for (int i = 0; yes[i]; i++)
        if (strlen(yes[i]) == n && strncasecmp(v, yes[i], n) == 0)
            return 1;
    for (int i = 0; no[i]; i++)
        if (strlen(no[i]) == n && strncasecmp(v, no[i], n) == 0)
            return 0;
    return -1;
}

/* bool_from_string(strict=True) wrapped in InvalidInput, as
 * common.is_all_tenants / is_locked raise it. */
static int bool_strict(const char *v, bool *out, struct cerr *err)
{
    int b = bool_word(v);
    if (b < 0)
        return cerr_set(err, 400, "Invalid input received: Unrecognized value '%s', acceptable "
                        "values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', "
                        "'true', 'y', 'yes'", v);
    *out = b == 1;
    return 0;
}

static void add_state(const char **arr, int *n, const char *v)
{
    for (int i = 0; i < *n; i++)
        if (!strcmp(arr[i], v))
            return;
    if (*n < SERVER_LIST_MAX_VALUES)
        arr[(*n)++] = v;
}

/* ?status= (repeatable): the union of the states each maps to (nova
 * common.task_and_vm_state_from_status). 1 = nothing matched. */
static int parse_status(struct list_req *l, struct cerr *err)
{
    const char *st[HTTP_MAX_QUERY];
    int ns = http_query_all(l->req, "status", st, HTTP_MAX_QUERY);
    bool any_default = false;
    struct server_list_query *q = &l->q;
    if (ns == 0)
        return 0;
    for (int i = 0; i < ns; i++) {
        const char *vm[SERVER_LIST_MAX_VALUES], *task[SERVER_LIST_MAX_VALUES];
        int nvm = 0, ntask = 0;
        bool task_any = false;
        if (!instance_states_for_status(st[i], vm, &nvm, task, &ntask, &task_any,
                                        SERVER_LIST_MAX_VALUES))
            continue;
        any_default = any_default || task_any;
        for (int j = 0; j < nvm; j++)
            add_state(q->vm_states, &q->n_vm_states, vm[j]);
        for (int j = 0; j < ntask; j++)
            add_state(q->task_states, &q->n_task_states, task[j]);
    }
    if (q->n_vm_states == 0) {
        if (l->req->mv >= MV_STATUS_400)
            return cerr_set(err, 400, "Invalid status value");
        return 1;
    }
    if (any_default)
        q->n_task_states = 0;   /* a default cell matched: no task filter */
    if (q->n_vm_states == 1 && !strcmp(q->vm_states[0], VM_DELETED)) {
        if (!l->admin)
            return cerr_set(err, 403, "Only administrators may list deleted instances");
        q->deleted = 1;
    }
    return 0;
}

static int parse_changes(struct list_req *l, struct cerr *err)
{
    const char *since = opt(l, "changes-since"), *before = opt(l, "changes-before");
    if (since && clock_parse_iso(since, &l->q.changes_since) < 0)
        return cerr_set(err, 400, "Invalid filter field: changes-since.");
    if (before && clock_parse_iso(before, &l->q.changes_before) < 0)
        return cerr_set(err, 400, "Invalid filter field: changes-before.");
    /* 0 means unset in the query; the epoch itself is as good as unset */
    if (since && !l->q.changes_since)
        l->q.changes_since = 1;
    if (before && !l->q.changes_before)
        l->q.changes_before = 1;
    if (since && before && l->q.changes_before < l->q.changes_since)
        return cerr_set(err, 400, "The value of changes-since must be less than or equal to "
                        "changes-before.");
    return 0;
}

/* Comma-separated tag lists (2.26+). */
static void split_tags(struct list_req *l, int slot, const char *key, const char **arr, int *n)
{
    const char *v = l->req->mv >= MV_TAGS ? opt(l, key) : NULL;
    if (!v)
        return;
    char *p = l->tag_text[slot] = xstrdup(v);
    *n = 0;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*n < SERVER_LIST_MAX_VALUES)
            arr[(*n)++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
}

static void parse_tags(struct list_req *l)
{
    struct server_list_query *q = &l->q;
    split_tags(l, 0, "tags", q->tags, &q->n_tags);
    split_tags(l, 1, "tags-any", q->tags_any, &q->n_tags_any);
    split_tags(l, 2, "not-tags", q->not_tags, &q->n_not_tags);
    split_tags(l, 3, "not-tags-any", q->not_tags_any, &q->n_not_tags_any);
}

/* all_tenants: present and empty, or true-ish, lists every project
 * (admin only); otherwise the caller's project, and tenant_id is ignored. */
static int parse_tenancy(struct list_req *l, struct cerr *err)
{
    const char *all = opt(l, "all_tenants");
    bool all_tenants = all != NULL;
    if (all && all[0] && bool_strict(all, &all_tenants, err) < 0)
        return -1;
    if (!all_tenants) {
        l->q.project_id = l->req->auth.project_id;
        return 0;
    }
    if (policy_check(&l->req->auth, POLICY_ADMIN, l->detail
                     ? "os_compute_api:servers:detail:get_all_tenants"
                     : "os_compute_api:servers:index:get_all_tenants", err) < 0)
        return -1;
    const char *pid = opt(l, "project_id"), *tid = opt(l, "tenant_id");
    l->q.project_id = pid ? pid : tid;
    return 0;
}

static int joined_table_check(const struct list_req *l, struct cerr *err)
{
    static const char *const joined[] = { "block_device_mapping", "services", "metadata",
                                          "system_metadata", "info_cache", "security_groups",
                                          "pci_devices", NULL };
    for (int i = 0; i < l->req->nquery; i++) {
        const char *k = l->req->query[i].key;
        if (!opt(l, k) && !(l->admin && k[0] == '_'))
            continue;
        bool bad = k[0] == '_';
        for (int j = 0; joined[j] && !bad; j++)
            bad = !strcmp(joined[j], k);
        if (bad)
            return cerr_set(err, 400, "Invalid filter field: %s.", k);
    }
    return 0;
}

static void parse_regex_filters(struct list_req *l)
{
    struct server_list_query *q = &l->q;
    q->name_regex = opt(l, "name") ? opt(l, "name") : opt(l, "display_name");
    q->reservation_id = opt(l, "reservation_id");
    q->node = opt(l, "node");
    q->availability_zone = opt(l, "availability_zone");
    q->key_name = opt(l, "key_name");
    q->hostname = opt(l, "hostname");
    q->locked_by = opt(l, "locked_by");
    q->ip_regex = opt(l, "ip");
    q->ip6_regex = opt(l, "ip6");
    for (int c = 0; c < SRX__COUNT; c++)
        l->more.regex[c] = opt(l, server_regex_col_param((enum server_regex_col)c));
    if (!l->more.regex[SRX_DESCRIPTION])
        l->more.regex[SRX_DESCRIPTION] = opt(l, "display_description");
}

/* Exact filters (nova db exact_match_filter_names). */
static int parse_exact_filters(struct list_req *l, struct db *db, struct cerr *err)
{
    struct server_list_query *q = &l->q;
    q->image = opt(l, "image") ? opt(l, "image") : opt(l, "image_ref");
    q->host = opt(l, "host");
    q->uuid = opt(l, "uuid");
    q->user_id = opt(l, "user_id");
    const char *vm = opt(l, "vm_state"), *task = opt(l, "task_state");
    if (vm && q->n_vm_states == 0)
        q->vm_states[q->n_vm_states++] = vm;
    if (task && q->n_task_states == 0)
        q->task_states[q->n_task_states++] = task;
    const char *locked = l->req->mv >= MV_LOCKED ? opt(l, "locked") : NULL;
    bool b = false;
    if (locked) {
        if (bool_strict(locked, &b, err) < 0)
            return -1;
        q->locked = b ? 1 : 0;
    }
    /* deleted: bool_from_string(default=False); only admins keep it */
    const char *deleted = opt(l, "deleted");
    if (deleted && q->deleted != 1)
        q->deleted = bool_word(deleted) == 1 ? 1 : 0;
    q->flavor = opt(l, "flavor");
    struct flavor f;
    struct cerr ignored;
    if (q->flavor && store_flavor_get(db, q->flavor, &f, &ignored) < 0)
        l->empty = true;   /* FlavorNotFound: an empty list, not an error */
    return 0;
}

/* --- sorting and paging --- */

/* common.get_sort_params + remove_invalid_sort_keys + the db layer's
 * process_sort_params checks. */
static int parse_sort(struct list_req *l, struct cerr *err)
{
    const char *keys[HTTP_MAX_QUERY], *dirs[HTTP_MAX_QUERY];
    int nk = http_query_all(l->req, "sort_key", keys, HTTP_MAX_QUERY);
    int nd = http_query_all(l->req, "sort_dir", dirs, HTTP_MAX_QUERY);
    if (nk == 0)
        keys[nk++] = "created_at";
    if (nd == 0)
        dirs[nd++] = "desc";
    for (int i = 0; i < nk;) {
        if (sort_key_ignored(l->req->mv, keys[i])) {   /* dropped with its direction */
            if (nd > i) {
                memmove(&dirs[i], &dirs[i + 1], (size_t)(nd - i - 1) * sizeof(*dirs));
                nd--;
            }
            memmove(&keys[i], &keys[i + 1], (size_t)(nk - i - 1) * sizeof(*keys));
            nk--;
            continue;
        }
        if (!l->admin && (!strcmp(keys[i], "host") || !strcmp(keys[i], "node")))
            return cerr_set(err, 403, "Only administrators can sort servers by %s", keys[i]);
        i++;
    }
    for (int i = 0; i < nd; i++)
        if (strcmp(dirs[i], "asc") != 0 && strcmp(dirs[i], "desc") != 0)
            return cerr_set(err, 400, "Invalid input received: Unknown sort direction, must be "
                            "'desc' or 'asc'");
    if (nd > nk)
        return cerr_set(err, 400, "Invalid input received: Sort direction size exceeds sort "
                        "key size");
    struct server_list_query *q = &l->q;
    for (int i = 0; i < nk && q->n_sort < 8; i++) {
        q->sort_keys[q->n_sort] = keys[i];
        q->sort_dirs[q->n_sort++] = i < nd ? dirs[i] : (nd > 0 ? dirs[0] : "desc");
    }
    return 0;
}

static const char *last_query(const struct http_request *req, const char *key)
{
    const char *v = NULL;
    for (int i = 0; i < req->nquery; i++)
        if (!strcmp(req->query[i].key, key))
            v = req->query[i].value ? req->query[i].value : "";
    return v;
}

/* limit: min(limit, max_limit); 0 lists max_limit without a next link
 * (DIGEST e.8). */
static int parse_paging(struct list_req *l, struct cerr *err)
{
    int64_t max = l->req->cfg->max_limit > 0 ? l->req->cfg->max_limit : 1000, n = max;
    const char *v = last_query(l->req, "limit");
    if (v && vq_int(v, "limit", 0, &n, err) < 0)
        return -1;
    l->link_limit = (int)(n < max ? n : max);
    l->q.limit = (int)(n > 0 && n < max ? n : max);
    l->q.marker = last_query(l->req, "marker");
    return 0;
}

/* --- handlers --- */

/* 1 = the answer is an empty list whatever else was asked. */
static int parse_list(struct list_req *l, struct db *db, struct cerr *err)
{
    int rc;
    if (check_schema(l->req, err) < 0 ||
        policy_check(&l->req->auth, POLICY_READER, l->detail ? "os_compute_api:servers:detail"
                                                             : "os_compute_api:servers:index",
                     err) < 0 ||
        joined_table_check(l, err) < 0 || (rc = parse_status(l, err)) < 0)
        return -1;
    if (rc == 1)
        return 1;
    parse_tags(l);
    if (parse_changes(l, err) < 0 || parse_tenancy(l, err) < 0 ||
        parse_exact_filters(l, db, err) < 0)
        return -1;
    parse_regex_filters(l);
    if (parse_sort(l, err) < 0 || parse_paging(l, err) < 0)
        return -1;
    return l->empty ? 1 : 0;
}

/* {"servers": [...], "servers_links": [...]} written as text: a page of
 * 1000 detailed servers is a megabyte of JSON. */
static void list_body(struct list_req *l, struct db *db, struct server **list, int count,
                      struct http_response *res)
{
    struct buf out = {0};
    buf_puts(&out, "{\"servers\":");
    server_view_list_text(l->req, db, list, count, l->detail, &out);
    if (l->link_limit > 0 && count == l->link_limit) {
        json_t *links = api_next_link(l->req, l->detail ? "servers/detail" : "servers",
                                      list[count - 1]->uuid);
        char *text = json_dumps(links, JSON_COMPACT);
        buf_puts(&out, ",\"servers_links\":");
        buf_puts(&out, text);
        free(text);
        json_decref(links);
    }
    buf_puts(&out, "}");
    http_empty(res, 200);
    res->body = out.data;
    res->body_len = out.len;
}

static int servers_list(struct http_request *req, struct http_response *res, struct cerr *err,
                        bool detail)
{
    struct list_req l = { .req = req, .detail = detail, .admin = policy_is_admin(&req->auth) };
    l.q.deleted = -1;
    l.q.locked = -1;
    l.more.rows = detail ? SERVER_ROWS_VIEW : SERVER_ROWS_BRIEF;
    struct server **list = NULL;
    int count = 0, rc = -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    int parsed = parse_list(&l, db, err);
    if (parsed < 0)
        goto cleanup;
    if (parsed == 0 && store_server_list_more(db, &l.q, &l.more, &list, &count, err) < 0)
        goto cleanup;
    list_body(&l, db, list, count, res);
    rc = 0;
cleanup:
    server_list_free(list, count);
    for (int i = 0; i < 4; i++)
        free(l.tag_text[i]);
    return rc;
}

static int servers_index(struct http_request *req, struct http_response *res, struct cerr *err)
{
    return servers_list(req, res, err, false);
}

static int servers_detail(struct http_request *req, struct http_response *res,
                          struct cerr *err)
{
    return servers_list(req, res, err, true);
}

static int server_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct server *s = NULL;
    /* 2.102 closed the show query schema (additionalProperties false). */
    if (req->mv >= MV_SHOW_STRICT && vq_only(req, NULL, err) < 0)
        return -1;
    if (policy_check(&req->auth, POLICY_READER, "os_compute_api:servers:show", err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (api_server_load(req, db, req->params[0], &s, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:o}", "server", server_view(req, db, s)));
    server_free(s);
    return 0;
}

const struct route api_servers_list_routes[] = {
    {"GET", "/servers", servers_index, 0, 0, 0},
    {"GET", "/servers/detail", servers_detail, 0, 0, 0},
    {"GET", "/servers/{id}", server_show, 0, 0, 0},
    {0},
};
