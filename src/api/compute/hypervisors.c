/* hypervisors.c - /os-hypervisors (nova-api-ref os-hypervisors.inc; nova
 * hypervisors.py): list and detail with paging (2.33) and the 2.53 query
 * parameters, show, statistics and uptime (until 2.87), and the search and
 * servers routes (until 2.52). A hypervisor is a hosts row (store/host.h):
 * capacity and usage as the claims left them; its service is the same row. */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/validate.h"
#include "core/policy.h"
#include "store/host.h"
#include "util/clock.h"
#include "util/mem.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#define MV_CPU_INFO_DICT MV(2, 28)   /* cpu_info an object, not JSON text */
#define MV_PAGING        MV(2, 33)
#define MV_UUID          MV(2, 53)   /* uuid ids, query params replace search/servers */
#define MV_EMPTY_SERVERS MV(2, 75)   /* with_servers always shows "servers" */
#define MV_SLIM          MV(2, 88)   /* no resource fields, uptime in the detail view */

#define POLICY(x) "os_compute_api:os-hypervisors:" x

/* SQL LIKE '%pattern%' as Nova's compute_node_search_by_hypervisor runs
 * it: '%' any run, '_' any one character, ASCII case-insensitive. */
static bool like_at(const char *s, const char *p)
{
    for (; *p; p++, s++) {
        if (*p == '%') {
            for (; *s; s++)
                if (like_at(s, p + 1))
                    return true;
            return like_at(s, p + 1);
        }
        if (!*s || (*p != '_' && tolower((unsigned char)*p) != tolower((unsigned char)*s)))
            return false;
    }
    return *s == '\0';
}

static bool hostname_matches(const char *name, const char *pattern)
{
    char *p = xasprintf("%%%s%%", pattern);
    bool ok = like_at(name, p);
    free(p);
    return ok;
}

/* What `uptime` prints on the host, as Nova's libvirt driver returns it:
 * " 08:32:11 up 93 days, 18:25,  0 users,  load average: 0.20, 0.12, 0.14". */
static void uptime_text(char *out, size_t len)
{
    double up = 0, l1 = 0, l5 = 0, l15 = 0;
    FILE *f = fopen("/proc/uptime", "r");
    if (f) {
        if (fscanf(f, "%lf", &up) != 1)
            up = 0;
        fclose(f);
    }
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) != 3)
            l1 = l5 = l15 = 0;
        fclose(f);
    }
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    long secs = (long)up, days = secs / 86400, hours = secs % 86400 / 3600,
         mins = secs % 3600 / 60;
    char span[64];
    int w = days ? snprintf(span, sizeof(span), "%ld day%s, ", days, days == 1 ? "" : "s") : 0;
    if (hours)
        snprintf(span + w, sizeof(span) - (size_t)w, "%2ld:%02ld", hours, mins);
    else
        snprintf(span + w, sizeof(span) - (size_t)w, "%ld min", mins);
    snprintf(out, len, " %02d:%02d:%02d up %s,  0 users,  load average: %.2f, %.2f, %.2f",
             tm.tm_hour, tm.tm_min, tm.tm_sec, span, l1, l5, l15);
}

/* The fake driver's cpu_info as Nova's fake driver reports it, with the
 * host's architecture and the hypervisor's vCPUs as sockets. */
static json_t *cpu_info(const struct host_row *h)
{
    struct utsname u;
    const char *arch = uname(&u) == 0 ? u.machine : "x86_64";
    return json_pack("{s:s, s:s, s:s, s:[], s:{s:i, s:i, s:I}}", "arch", arch, "model",
                     "Nehalem", "vendor", "Intel", "features", "topology", "cores", 1,
                     "threads", 1, "sockets", (json_int_t)h->vcpus);
}

/* Nova's _view_hypervisor. servers (stolen, may be NULL) is shown when
 * non-empty, or empty from 2.75 when with_servers asked for it. */
static json_t *hv_view(const struct http_request *req, struct db *db, const struct host_row *h,
                       bool detail, json_t *servers, bool with_servers)
{
    bool uuids = req->mv >= MV_UUID;
    json_t *o = json_pack("{s:o, s:s, s:s, s:s}", "id",
                          uuids ? json_string(h->hypervisor_uuid) : json_integer(h->id),
                          "hypervisor_hostname", h->host, "state",
                          host_row_is_up(h, clock_now_us()) ? "up" : "down", "status",
                          h->disabled ? "disabled" : "enabled");
    if (detail) {
        json_object_set_new(o, "hypervisor_type", json_string(h->hypervisor_type));
        json_object_set_new(o, "hypervisor_version", json_integer(h->hypervisor_version));
        json_object_set_new(o, "host_ip", json_string(h->host_ip));
        json_object_set_new(o, "service", json_pack("{s:o, s:s, s:o}", "id",
            uuids ? json_string(h->uuid) : json_integer(h->id), "host", h->host,
            "disabled_reason", h->has_disabled_reason ? json_string(h->disabled_reason)
                                                      : json_null()));
    }
    if (detail && req->mv < MV_SLIM) {
        int64_t workload = 0;
        if (store_host_workload(db, h->host, &workload) < 0)
            workload = 0;
        int64_t free_disk = h->local_gb - h->local_gb_used;
        json_t *res = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
            "vcpus", (json_int_t)h->vcpus, "memory_mb", (json_int_t)h->memory_mb,
            "local_gb", (json_int_t)h->local_gb, "vcpus_used", (json_int_t)h->vcpus_used,
            "memory_mb_used", (json_int_t)h->memory_mb_used,
            "local_gb_used", (json_int_t)h->local_gb_used,
            "free_ram_mb", (json_int_t)(h->memory_mb - h->memory_mb_used),
            "free_disk_gb", (json_int_t)free_disk, "current_workload", (json_int_t)workload,
            "running_vms", (json_int_t)h->running_vms,
            "disk_available_least", (json_int_t)free_disk);
        json_object_update(o, res);
        json_decref(res);
        json_t *cpu = cpu_info(h);
        if (req->mv >= MV_CPU_INFO_DICT) {
            json_object_set_new(o, "cpu_info", cpu);
        } else {
            char *text = json_dumps(cpu, JSON_PRESERVE_ORDER);
            json_object_set_new(o, "cpu_info", json_string(text));
            free(text);
            json_decref(cpu);
        }
    } else if (detail) {
        /* 2.88 folds the uptime route into the view; null when the
         * compute service cannot answer (down). */
        char up[160];
        uptime_text(up, sizeof(up));
        json_object_set_new(o, "uptime", host_row_is_up(h, clock_now_us()) ? json_string(up)
                                                                           : json_null());
    }
    if (servers && json_array_size(servers) > 0)
        json_object_set(o, "servers", servers);
    else if (with_servers && req->mv >= MV_EMPTY_SERVERS)
        json_object_set_new(o, "servers", json_array());
    json_decref(servers);
    return o;
}

/* [{"name", "uuid"}] of the live servers on a host, all projects. */
static int host_servers(struct db *db, const char *host, json_t **out, struct cerr *err)
{
    json_t *list = json_array();
    int64_t after = 0;
    for (;;) {
        struct host_instance *page = NULL;
        int n = store_host_instances(db, host, after, 500, &page);
        if (n < 0) {
            json_decref(list);
            return cerr_internal(err, "host servers");
        }
        for (int i = 0; i < n; i++)
            json_array_append_new(list, json_pack("{s:s, s:s}", "name", page[i].name, "uuid",
                                                  page[i].uuid));
        after = n > 0 ? page[n - 1].id : after;
        free(page);
        if (n < 500)
            break;
    }
    *out = list;
    return 0;
}

/* The hosts whose name matches pattern; 404 when none (Nova's
 * _get_compute_nodes_by_name_pattern). Compacts rows in place. */
static int match_pattern(struct host_row *hosts, int *n, const char *pattern,
                         struct cerr *err)
{
    int kept = 0;
    for (int i = 0; i < *n; i++)
        if (hostname_matches(hosts[i].host, pattern))
            hosts[kept++] = hosts[i];
    *n = kept;
    if (!kept)
        return cerr_set(err, 404, "No hypervisor matching '%s' could be found.", pattern);
    return 0;
}

struct list_query {
    bool paging, with_servers;
    const char *marker, *pattern;
    int limit, link_limit;
};

static int bool_query(const struct http_request *req, const char *key, bool *out,
                      struct cerr *err)
{
    const char *v = http_query(req, key);
    if (!v)
        return 0;
    int b = parse_boolish(v);
    if (b < 0) {
        char reason[320];
        snprintf(reason, sizeof(reason), "'%s' is not one of [True, 'True', 'TRUE', 'true', "
                 "'1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', "
                 "'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']", v);
        return vq_fail(err, key, v, reason);
    }
    *out = b == 1;
    return 0;
}

/* parameter_types.non_negative_integer: pattern ^[0-9]*$, minLength 1. */
static int limit_query(const char *v, int64_t *out, struct cerr *err)
{
    char reason[320];
    if (!*v)
        return vq_fail(err, "limit", v, "'' is too short");
    if (strspn(v, "0123456789") != strlen(v)) {
        snprintf(reason, sizeof(reason), "'%.280s' does not match '^[0-9]*$'", v);
        return vq_fail(err, "limit", v, reason);
    }
    errno = 0;
    long long n = strtoll(v, NULL, 10);
    *out = errno == ERANGE ? INT64_MAX : n;
    return 0;
}

/* list_query_schema_v233 / _v253 and common.get_limit_and_marker. */
static int parse_list_query(const struct http_request *req, struct list_query *q,
                            struct cerr *err)
{
    static const char *const v253[] = { "limit", "marker", "hypervisor_hostname_pattern",
                                        "with_servers", NULL };
    memset(q, 0, sizeof(*q));
    if (req->mv < MV_PAGING)
        return 0;
    q->paging = true;
    if (req->mv >= MV_UUID && vq_only(req, v253, err) < 0)
        return -1;
    int64_t max = req->cfg->max_limit > 0 ? req->cfg->max_limit : 1000, n = max;
    const char *v = http_query(req, "limit");
    if (v && limit_query(v, &n, err) < 0)
        return -1;
    q->link_limit = (int)(n < max ? n : max);
    q->limit = (int)(n > 0 && n < max ? n : max);
    q->marker = http_query(req, "marker");
    if (req->mv < MV_UUID)
        return 0;
    q->pattern = http_query(req, "hypervisor_hostname_pattern");
    /* parameter_types.fqdn */
    const char *p = q->pattern;
    if (p) {
        char reason[400];
        size_t len = utf8_len(p);
        if (len == 0 || len > 255) {
            snprintf(reason, sizeof(reason), "'%.300s' is too %s", p, len ? "long" : "short");
            return vq_fail(err, "hypervisor_hostname_pattern", p, reason);
        }
        for (const char *c = p; *c; c++)
            if (!isalnum((unsigned char)*c) && !strchr("-._", *c)) {
                snprintf(reason, sizeof(reason), "'%.300s' does not match "
                         "'^[a-zA-Z0-9-._]*$'", p);
                return vq_fail(err, "hypervisor_hostname_pattern", p, reason);
            }
    }
    return bool_query(req, "with_servers", &q->with_servers, err);
}

/* Index of the marker host: the hypervisor uuid when uuid-like, else the
 * integer id (HostAPI.compute_node_get_all); 400 when absent. */
static int find_marker(const struct host_row *hosts, int n, const char *marker,
                       struct cerr *err)
{
    bool by_uuid = is_uuid_like(marker);
    char *end = NULL;
    long long id = by_uuid ? 0 : strtoll(marker, &end, 10);
    for (int i = 0; i < n; i++) {
        if (by_uuid ? strcasecmp(hosts[i].hypervisor_uuid, marker) == 0
                    : (end && end != marker && !*end && hosts[i].id == id))
            return i;
    }
    return cerr_set(err, 400, "marker [%s] not found", marker);
}

static int hv_list(struct http_request *req, struct http_response *res, struct cerr *err,
                   bool detail)
{
    struct list_query q;
    struct host_row *hosts = NULL;
    int n = 0, rc = -1;
    if (parse_list_query(req, &q, err) < 0 ||
        policy_check(&req->auth, POLICY_ADMIN, detail ? POLICY("list-detail") : POLICY("list"),
                     err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (store_host_list(db, &hosts, &n, err) < 0)
        return -1;
    int first = 0, last = n;
    bool links = q.paging;
    if (q.pattern) {
        /* Nova checks for 'limit' in the request itself, not its value. */
        if (http_query_has(req, "limit") || q.marker) {
            cerr_set(err, 400, "Paging over hypervisors with the hypervisor_hostname_pattern "
                     "query parameter is not supported.");
            goto cleanup;
        }
        links = false;
        if (match_pattern(hosts, &n, q.pattern, err) < 0)
            goto cleanup;
        last = n;
    } else if (q.paging) {
        if (q.marker && (first = find_marker(hosts, n, q.marker, err) + 1) <= 0)
            goto cleanup;
        last = first + q.limit < n ? first + q.limit : n;
    }
    json_t *items = json_array();
    for (int i = first; i < last; i++) {
        json_t *servers = NULL;
        if (q.with_servers && host_servers(db, hosts[i].host, &servers, err) < 0) {
            json_decref(items);
            goto cleanup;
        }
        json_array_append_new(items, hv_view(req, db, &hosts[i], detail, servers,
                                             q.with_servers));
    }
    json_t *body = json_pack("{s:o}", "hypervisors", items);
    size_t shown = json_array_size(items);
    if (links && q.link_limit > 0 && shown == (size_t)q.link_limit) {
        const struct host_row *h = &hosts[last - 1];
        char id[40];
        if (req->mv >= MV_UUID)
            str_copy(id, sizeof(id), h->hypervisor_uuid);
        else
            snprintf(id, sizeof(id), "%lld", (long long)h->id);
        json_object_set_new(body, "hypervisors_links",
                            api_next_link(req, detail ? "os-hypervisors/detail"
                                                      : "os-hypervisors", id));
    }
    http_json(res, 200, body);
    rc = 0;
cleanup:
    free(hosts);
    return rc;
}

static int hv_index(struct http_request *req, struct http_response *res, struct cerr *err)
{
    return hv_list(req, res, err, false);
}

static int hv_detail(struct http_request *req, struct http_response *res, struct cerr *err)
{
    return hv_list(req, res, err, true);
}

/* _validate_id, then compute_node_get: an integer before 2.53 (anything
 * else is simply not found), a uuid from 2.53 (anything else is a 400). */
static int load_hypervisor(const struct http_request *req, struct db *db, const char *id,
                           struct host_row *out, struct cerr *err)
{
    struct cerr e = {0};
    if (req->mv >= MV_UUID) {
        if (!is_uuid_like(id))
            return cerr_set(err, 400, "Invalid uuid %s", id);
        if (store_host_get_by_uuid(db, id, out, &e) == 0 &&
            strcasecmp(out->hypervisor_uuid, id) == 0)
            return 0;
    } else {
        char *end;
        long long n = strtoll(id, &end, 10);
        if (end != id && !*end && store_host_get_by_id(db, n, out, &e) == 0)
            return 0;
    }
    if (e.status && e.status != 404) {
        *err = e;
        return -1;
    }
    return cerr_set(err, 404, "Hypervisor with ID '%s' could not be found.", id);
}

static int hv_show(struct http_request *req, struct http_response *res, struct cerr *err)
{
    static const char *const v253[] = { "with_servers", NULL };
    bool with_servers = false;
    struct host_row h;
    json_t *servers = NULL;
    if (req->mv >= MV_UUID && (vq_only(req, v253, err) < 0 ||
                               bool_query(req, "with_servers", &with_servers, err) < 0))
        return -1;
    if (policy_check(&req->auth, POLICY_ADMIN, POLICY("show"), err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (load_hypervisor(req, db, req->params[0], &h, err) < 0 ||
        (with_servers && host_servers(db, h.host, &servers, err) < 0))
        return -1;
    http_json(res, 200, json_pack("{s:o}", "hypervisor",
                                  hv_view(req, db, &h, true, servers, with_servers)));
    return 0;
}

static int hv_uptime(struct http_request *req, struct http_response *res, struct cerr *err)
{
    struct host_row h;
    if (policy_check(&req->auth, POLICY_ADMIN, POLICY("uptime"), err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (load_hypervisor(req, db, req->params[0], &h, err) < 0)
        return -1;
    /* HostAPI.get_host_uptime asks the compute service, which must be up. */
    if (!host_row_is_up(&h, clock_now_us()))
        return cerr_set(err, 400, "Compute service of %s is unavailable at this time.", h.host);
    char up[160];
    uptime_text(up, sizeof(up));
    json_t *o = hv_view(req, db, &h, false, NULL, false);
    json_object_set_new(o, "uptime", json_string(up));
    http_json(res, 200, json_pack("{s:o}", "hypervisor", o));
    return 0;
}

/* compute_node_statistics: sums over the hosts whose service is enabled. */
static int hv_statistics(struct http_request *req, struct http_response *res,
                         struct cerr *err)
{
    /* Served at every version so that 2.88+ does not fall through to
     * GET /os-hypervisors/{id}: Nova has no such method there (404). */
    if (req->mv >= MV_SLIM)
        return cerr_set(err, 404, "The resource could not be found.");
    if (policy_check(&req->auth, POLICY_ADMIN, POLICY("statistics"), err) < 0)
        return -1;
    struct db *db = store_db();
    struct host_row *hosts = NULL;
    int n = 0;
    if (!db)
        return cerr_internal(err, "no database");
    if (store_host_list(db, &hosts, &n, err) < 0)
        return -1;
    int64_t s[12] = {0};   /* in the order of the names below */
    for (int i = 0; i < n; i++) {
        const struct host_row *h = &hosts[i];
        if (h->disabled)
            continue;
        int64_t workload = 0;
        if (store_host_workload(db, h->host, &workload) < 0)
            workload = 0;
        int64_t v[12] = { 1, h->vcpus, h->memory_mb, h->local_gb, h->vcpus_used,
                          h->memory_mb_used, h->local_gb_used, h->memory_mb - h->memory_mb_used,
                          h->local_gb - h->local_gb_used, workload, h->running_vms,
                          h->local_gb - h->local_gb_used };
        for (int k = 0; k < 12; k++)
            s[k] += v[k];
    }
    free(hosts);
    static const char *const names[12] = { "count", "vcpus", "memory_mb", "local_gb",
        "vcpus_used", "memory_mb_used", "local_gb_used", "free_ram_mb", "free_disk_gb",
        "current_workload", "running_vms", "disk_available_least" };
    json_t *o = json_object();
    for (int k = 0; k < 12; k++)
        json_object_set_new(o, names[k], json_integer(s[k]));
    http_json(res, 200, json_pack("{s:o}", "hypervisor_statistics", o));
    return 0;
}

/* search / servers before 2.53: the path segment is the pattern. */
static int hv_search_common(struct http_request *req, struct http_response *res,
                            struct cerr *err, bool with_servers)
{
    struct host_row *hosts = NULL;
    int n = 0, rc = -1;
    if (policy_check(&req->auth, POLICY_ADMIN, with_servers ? POLICY("servers")
                                                            : POLICY("search"), err) < 0)
        return -1;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (store_host_list(db, &hosts, &n, err) < 0)
        return -1;
    if (match_pattern(hosts, &n, req->params[0], err) < 0)
        goto cleanup;
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        json_t *servers = NULL;
        if (with_servers && host_servers(db, hosts[i].host, &servers, err) < 0) {
            json_decref(items);
            goto cleanup;
        }
        json_array_append_new(items, hv_view(req, db, &hosts[i], false, servers, false));
    }
    http_json(res, 200, json_pack("{s:o}", "hypervisors", items));
    rc = 0;
cleanup:
    free(hosts);
    return rc;
}

static int hv_search(struct http_request *req, struct http_response *res, struct cerr *err)
{
    return hv_search_common(req, res, err, false);
}

static int hv_servers(struct http_request *req, struct http_response *res, struct cerr *err)
{
    return hv_search_common(req, res, err, true);
}

const struct route api_hypervisors_routes[] = {
    { "GET", "/os-hypervisors", hv_index, 0, 0, 0 },
    { "GET", "/os-hypervisors/detail", hv_detail, 0, 0, 0 },
    { "GET", "/os-hypervisors/statistics", hv_statistics, 0, 0, 0 },
    { "GET", "/os-hypervisors/{id}", hv_show, 0, 0, 0 },
    { "GET", "/os-hypervisors/{id}/uptime", hv_uptime, 0, 0, MV(2, 87) },
    { "GET", "/os-hypervisors/{pattern}/search", hv_search, 0, 0, MV(2, 52) },
    { "GET", "/os-hypervisors/{pattern}/servers", hv_servers, 0, 0, MV(2, 52) },
    {0},
};
