/* migrations.c - GET /os-migrations (nova migrations.py,
 * nova-api-ref os-migrations.inc): every migration record, filtered.
 * What changes with the microversion: 2.23 adds migration_type and links
 * (in-progress live migrations only), 2.59 uuid, paging (limit, marker by
 * uuid, newest first) and changes-since with unknown query parameters
 * refused, 2.66 changes-before, 2.80 user_id/project_id fields and
 * filters. */
#include "api/api.h"
#include "api/compute/common.h"
#include "api/validate.h"
#include "core/policy.h"
#include "store/migration.h"
#include "util/clock.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MV_MIG_LINKS   MV(2, 23)   /* migration_type, links */
#define MV_MIG_PAGING  MV(2, 59)   /* uuid, limit, marker, changes-since */
#define MV_MIG_BEFORE  MV(2, 66)   /* changes-before */
#define MV_MIG_USER    MV(2, 80)   /* user_id, project_id */

static json_t *text_or_null(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t us)
{
    char t[CLOCK_TEXT_MAX];
    if (!us)
        return json_null();
    clock_iso_usec(us, t);
    return json_string(t);
}

static json_t *type_id(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

/* Nova's live_migration_in_progress list in _output. */
static bool live_in_progress(const struct migration_row *m)
{
    static const char *const states[] = { "queued", "preparing", "running", "post-migrating" };
    if (strcmp(m->migration_type, MIGRATION_TYPE_LIVE) != 0)
        return false;
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
        if (strcmp(m->status, states[i]) == 0)
            return true;
    return false;
}

static json_t *migration_view(const struct http_request *req, const struct migration_row *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "created_at", time_or_null(m->created_at));
    json_object_set_new(o, "dest_compute", text_or_null(m->dest_compute));
    json_object_set_new(o, "dest_host", text_or_null(m->dest_host));
    json_object_set_new(o, "dest_node", text_or_null(m->dest_node));
    json_object_set_new(o, "id", json_integer(m->id));
    json_object_set_new(o, "instance_uuid", json_string(m->instance_uuid));
    json_object_set_new(o, "new_instance_type_id", type_id(m->new_instance_type_id));
    json_object_set_new(o, "old_instance_type_id", type_id(m->old_instance_type_id));
    json_object_set_new(o, "source_compute", text_or_null(m->source_compute));
    json_object_set_new(o, "source_node", text_or_null(m->source_node));
    json_object_set_new(o, "status", json_string(m->status));
    json_object_set_new(o, "updated_at", time_or_null(m->updated_at));
    if (req->mv >= MV_MIG_LINKS) {
        json_object_set_new(o, "migration_type", json_string(m->migration_type));
        if (live_in_progress(m)) {
            char *coll = xasprintf("servers/%s/migrations", m->instance_uuid);
            char id[32];
            snprintf(id, sizeof(id), "%lld", (long long)m->id);
            json_object_set_new(o, "links", api_links(req, coll, id));
            free(coll);
        }
    }
    if (req->mv >= MV_MIG_PAGING)
        json_object_set_new(o, "uuid", json_string(m->uuid));
    if (req->mv >= MV_MIG_USER) {
        json_object_set_new(o, "user_id", text_or_null(m->user_id));
        json_object_set_new(o, "project_id", text_or_null(m->project_id));
    }
    return o;
}

/* --- query --- */

/* From 2.59 the schema has additionalProperties false; limit, marker,
 * changes-*, user_id and project_id are single_param. */
static int params_check(const struct http_request *req, struct cerr *err)
{
    static const char *const v259[] = { "hidden", "host", "instance_uuid", "source_compute",
                                        "status", "migration_type", "limit", "marker",
                                        "changes-since", NULL };
    static const char *const v266[] = { "hidden", "host", "instance_uuid", "source_compute",
                                        "status", "migration_type", "limit", "marker",
                                        "changes-since", "changes-before", NULL };
    static const char *const v280[] = { "hidden", "host", "instance_uuid", "source_compute",
                                        "status", "migration_type", "limit", "marker",
                                        "changes-since", "changes-before", "user_id",
                                        "project_id", NULL };
    static const char *const single[] = { "limit", "marker", "changes-since", "changes-before",
                                          "user_id", "project_id" };
    const char *const *allowed = req->mv >= MV_MIG_USER     ? v280
                                 : req->mv >= MV_MIG_BEFORE ? v266
                                                            : v259;
    if (vq_only(req, allowed, err) < 0)
        return -1;
    for (size_t k = 0; k < sizeof(single) / sizeof(single[0]); k++) {
        const char *vals[2];
        if (http_query_all(req, single[k], vals, 2) > 1)
            return vq_fail(err, single[k], vals[0], "is too long (only one value is allowed)");
    }
    return 0;
}

static int time_param(const struct http_request *req, const char *key, int64_t *out,
                      struct cerr *err)
{
    const char *v = http_query(req, key);
    return v ? vq_datetime(v, key, out, err) : 0;
}

/* search_opts as _index builds them; before 2.59 changes-since/-before
 * are dropped (the schema let them through but the DB never saw them). */
static int list_query(const struct http_request *req, struct migration_query *q,
                      struct cerr *err)
{
    q->host = http_query(req, "host");
    q->source_compute = http_query(req, "source_compute");
    q->status = http_query(req, "status");
    q->instance_uuid = http_query(req, "instance_uuid");
    q->migration_type = http_query(req, "migration_type");
    q->user_id = http_query(req, "user_id");
    q->project_id = http_query(req, "project_id");
    if (req->mv < MV_MIG_PAGING)
        return 0;
    int64_t limit = 0;
    if (params_check(req, err) < 0 ||
        time_param(req, "changes-since", &q->changes_since, err) < 0)
        return -1;
    if (req->mv >= MV_MIG_BEFORE && time_param(req, "changes-before", &q->changes_before, err) < 0)
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
    q->newest_first = true;
    return 0;
}

static int migrations_index(struct http_request *req, struct http_response *res,
                            struct cerr *err)
{
    struct migration_query q = {0};
    struct migration_row *rows = NULL;
    int n = 0;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "no database");
    if (policy_check(&req->auth, POLICY_MANAGER, "os_compute_api:os-migrations:index", err) < 0 ||
        list_query(req, &q, err) < 0)
        return -1;
    /* index:all_projects is admin-only: others see their project's. */
    if (!policy_is_admin(&req->auth))
        q.project_id = req->auth.project_id;
    /* limit=0 reaches nova's db layer, which still looks the marker up
     * and then answers with no rows. */
    if (req->mv >= MV_MIG_PAGING && q.limit == 0) {
        struct migration_row marker = {0};
        struct cerr lookup = {0};
        if (q.marker && store_migration_get_by_uuid(db, q.marker, &marker, &lookup) < 0)
            return lookup.status == 404 ? cerr_set(err, 400, "Marker %s could not be found.",
                                                   q.marker)
                                        : cerr_internal(err, "migration marker");
        migration_row_clear(&marker);
    } else if (store_migration_list(db, &q, &rows, &n, err) < 0) {
        return -1;
    }
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, migration_view(req, &rows[i]));
    json_t *body = json_pack("{s:o}", "migrations", list);
    /* a full page gets a next link (views/migrations.py get_links) */
    if (req->mv >= MV_MIG_PAGING && q.limit > 0 && n == q.limit)
        json_object_set_new(body, "migrations_links",
                            api_next_link(req, "os-migrations", rows[n - 1].uuid));
    migration_list_free(rows, n);
    http_json(res, 200, body);
    return 0;
}

const struct route api_migrations_routes[] = {
    { "GET", "/os-migrations", migrations_index, 0, 0, 0 },
    { 0 }
};
