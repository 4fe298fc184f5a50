/* aggregates.c - /os-aggregates (nova aggregates.py, schemas/aggregates.py
 * and aggregate_images.py; api-ref os-aggregates): admin-only host
 * aggregates. Create, list, show, update, delete, the add_host /
 * remove_host / set_metadata actions and, from 2.81, image pre-caching.
 * The availability_zone metadata key makes an aggregate an availability
 * zone; every change that can move a host's zone re-derives hosts.zone in
 * the same transaction (store_aggregate_sync_zones). Views carry uuid from
 * 2.41. Bodies are checked before policy, as Nova's schema decorator runs
 * before the handler. */
#include "api/api.h"
#include "api/validate.h"
#include "core/image.h"
#include "core/policy.h"
#include "store/aggregate.h"
#include "store/host.h"
#include "util/clock.h"
#include "util/mem.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POLICY(x) "os_compute_api:os-aggregates:" x
#define MV_UUID   MV(2, 41)
#define MV_IMAGES MV(2, 81)

/* The hosts' zone changes only through one of these (Nova's
 * _raise_invalid_aggregate_exc picks the message by action). */
enum az_action { AZ_ADD, AZ_UPDATE, AZ_UPDATE_META };

/* --- views --- */

static json_t *time_or_null(int64_t us)
{
    if (!us)
        return json_null();
    char text[CLOCK_TEXT_MAX];
    clock_iso_usec(us, text);
    return json_string(text);
}

/* _marshall_aggregate: every field of the Aggregate object plus its
 * availability_zone; create's answer drops hosts and metadata. */
static json_t *aggregate_view(const struct http_request *req, const struct aggregate *a,
                              bool full)
{
    json_t *az = json_object_get(a->metadata, AGGREGATE_AZ_KEY);
    json_t *o = json_pack("{s:O, s:o, s:b, s:n, s:I, s:s, s:o}",
                          "availability_zone", az ? az : json_null(),
                          "created_at", time_or_null(a->created_at), "deleted", 0,
                          "deleted_at", "id", (json_int_t)a->id, "name", a->name,
                          "updated_at", time_or_null(a->updated_at));
    if (full) {
        json_object_set(o, "hosts", a->hosts);
        json_object_set(o, "metadata", a->metadata);
    }
    if (req->mv >= MV_UUID)
        json_object_set_new(o, "uuid", json_string(a->uuid));
    return o;
}

/* Reloads the aggregate after a change and answers with its full view. */
static int reply(struct http_request *req, struct http_response *res, struct db *db,
                 int64_t id, struct cerr *err)
{
    struct aggregate a;
    if (store_aggregate_get(db, id, req->params[0], &a, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:o}", "aggregate", aggregate_view(req, &a, true)));
    aggregate_clear(&a);
    return 0;
}

/* --- request checks --- */

/* nova utils.validate_integer: Python's int(str(id)) - surrounding
 * whitespace, a sign and '_' between digits pass. Values past int64 can
 * name no aggregate: they become 0, which is never an id. */
static int parse_id(const char *text, int64_t *out, struct cerr *err)
{
    char digits[64];
    size_t n = 0;
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '+' || *p == '-')
        digits[n++] = *p++;
    bool ok = isdigit((unsigned char)*p);
    for (; ok && *p && !isspace((unsigned char)*p); p++) {
        if (*p == '_' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[-1]))
            continue;
        ok = isdigit((unsigned char)*p) != 0;
        if (n < sizeof(digits) - 1)
            digits[n++] = *p;
    }
    while (ok && isspace((unsigned char)*p))
        p++;
    if (!ok || *p)
        return cerr_set(err, 400, "Invalid input received: id must be an integer");
    digits[n] = '\0';
    errno = 0;
    long long v = strtoll(digits, NULL, 10);
    *out = errno == ERANGE ? 0 : v;
    return 0;
}

/* Length of the Unicode space (Zs) at p, 0 when p holds something else. */
static size_t space_at(const unsigned char *p)
{
    if (p[0] == 0x20)
        return 1;
    if (p[0] == 0xc2 && p[1] == 0xa0)
        return 2;
    if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80)
        return 3;                                              /* U+1680 */
    if (p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0x80 && p[2] <= 0x8a) || p[2] == 0xaf))
        return 3;                                              /* U+2000-200A, U+202F */
    if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f)
        return 3;                                              /* U+205F */
    if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
        return 3;                                              /* U+3000 */
    return 0;
}

/* common.normalize_name: str.strip() of the spaces a name may carry. */
static char *strip_spaces(const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    for (size_t k; (k = space_at(p)) > 0;)
        p += k;
    const unsigned char *last = p;
    for (const unsigned char *q = p; q < end;) {
        size_t k = space_at(q);
        if (k) {
            q += k;
            continue;
        }
        q++;
        while (q < end && (*q & 0xc0) == 0x80)
            q++;
        last = q;
    }
    return xasprintf("%.*s", (int)(last - p), (const char *)p);
}

/* parameter_types.name_with_leading_trailing_spaces (PUT's name): 1-255
 * printable characters, at least one of them not a space. */
static int check_spaced_name(const json_t *v, struct cerr *err)
{
    if (v_string(v, "name", 1, 255, err) < 0)
        return -1;
    const char *s = json_string_value(v);
    char *stripped = strip_spaces(s);
    bool ok = is_printable_utf8(s) && stripped[0];
    free(stripped);
    if (ok)
        return 0;
    return cerr_set(err, 400, "An invalid 'name' value was provided. The name must be: "
                    "printable characters with at least one non space character");
}

/* {'oneOf': [parameter_types.az_name, {'type': 'null'}]}: null, or a name
 * (printable, no edge spaces) without ':'. oneOf reports no detail. */
static int check_az_name(const json_t *v, struct cerr *err)
{
    struct cerr scratch = {0};
    if (json_is_null(v) ||
        (v_name(v, "availability_zone", &scratch) == 0 && !strchr(json_string_value(v), ':')))
        return 0;
    char val[256];
    v_repr(v, val, sizeof(val));
    return v_fail(err, "availability_zone", v, "%s is not valid under any of the given "
                  "schemas", val);
}

/* An object `field` whose schema lists only `allowed` keys (type first,
 * additionalProperties after the properties, as jsonschema orders them). */
static int need_object(const json_t *v, const char *field, struct cerr *err)
{
    return json_is_object(v) ? 0 : v_object(v, field, NULL, err);
}

/* create: {"aggregate": {"name", "availability_zone"}} */
static int check_create(const json_t *body, struct cerr *err)
{
    static const char *const root[] = { "aggregate", NULL };
    static const char *const keys[] = { "name", "availability_zone", NULL };
    const json_t *agg = json_object_get(body, "aggregate"), *v;
    if (!json_is_object(body))
        return v_body(body, root, "aggregate", err);
    if (agg && (need_object(agg, "aggregate", err) < 0 ||
                ((v = json_object_get(agg, "name")) && v_name(v, "name", err) < 0) ||
                ((v = json_object_get(agg, "availability_zone")) &&
                 check_az_name(v, err) < 0) ||
                v_required_in(agg, "aggregate", "name", err) < 0 ||
                v_object(agg, "aggregate", keys, err) < 0))
        return -1;
    return v_body(body, root, "aggregate", err);
}

/* update: name (spaces at the ends allowed) and/or availability_zone. */
static int check_update(const json_t *body, struct cerr *err)
{
    static const char *const root[] = { "aggregate", NULL };
    static const char *const keys[] = { "name", "availability_zone", NULL };
    const json_t *agg = json_object_get(body, "aggregate"), *v;
    if (!json_is_object(body))
        return v_body(body, root, "aggregate", err);
    if (agg && (need_object(agg, "aggregate", err) < 0 ||
                ((v = json_object_get(agg, "name")) && check_spaced_name(v, err) < 0) ||
                ((v = json_object_get(agg, "availability_zone")) &&
                 check_az_name(v, err) < 0) ||
                v_object(agg, "aggregate", keys, err) < 0))
        return -1;
    if (agg && !json_object_get(agg, "name") && !json_object_get(agg, "availability_zone")) {
        char val[256];
        v_repr(agg, val, sizeof(val));
        return v_fail(err, "aggregate", agg, "%s is not valid under any of the given schemas",
                      val);
    }
    return v_body(body, root, "aggregate", err);
}

/* add_host / remove_host: {"<action>": {"host": fqdn}} */
static int check_host_action(const json_t *body, const char *action, struct cerr *err)
{
    static const char *const keys[] = { "host", NULL };
    const json_t *v;
    if (need_object(body, action, err) < 0 ||
        ((v = json_object_get(body, "host")) && v_fqdn(v, "host", err) < 0) ||
        v_required_in(body, action, "host", err) < 0 || v_object(body, action, keys, err) < 0)
        return -1;
    return 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* parameter_types.metadata_with_null: values are checked before keys
 * (patternProperties, then additionalProperties). */
static int check_metadata(const json_t *md, struct cerr *err)
{
    char val[256];
    const char *key;
    json_t *item;
    if (!json_is_object(md))
        return need_object(md, "metadata", err);
    json_t *bad = json_array();
    int rc = 0;
    json_object_foreach((json_t *)md, key, item) {
        size_t n = strlen(key);
        bool ok = n >= 1 && n <= 255;
        for (const char *p = key; ok && *p; p++)
            ok = isalnum((unsigned char)*p) || strchr("-_:. ", *p);
        if (!ok) {
            json_array_append_new(bad, json_string(key));
            continue;
        }
        v_repr(item, val, sizeof(val));
        if (!json_is_string(item) && !json_is_null(item))
            rc = v_fail(err, key, item, "%s is not of type 'string', 'null'", val);
        else if (json_is_string(item) && utf8_len(json_string_value(item)) > 255)
            rc = v_fail(err, key, item, "%s is too long", val);
        if (rc < 0)
            goto cleanup;
    }
    if (json_array_size(bad) > 0) {
        /* jsonschema names the unmatched keys sorted, comma separated. */
        size_t nb = json_array_size(bad);
        const char **sorted = xcalloc(nb, sizeof(*sorted));
        for (size_t i = 0; i < nb; i++)
            sorted[i] = json_string_value(json_array_get(bad, i));
        qsort(sorted, nb, sizeof(*sorted), str_cmp);
        struct buf names = {0};
        for (size_t i = 0; i < nb; i++) {
            json_t *k = json_string(sorted[i]);
            v_repr(k, val, sizeof(val));
            json_decref(k);
            buf_printf(&names, "%s%s", i ? ", " : "", val);
        }
        rc = v_fail(err, "metadata", md, "%s %s not match any of the regexes: "
                    "'^[a-zA-Z0-9-_:. ]{1,255}$'", names.data, nb == 1 ? "does" : "do");
        free(sorted);
        buf_free(&names);
    }
cleanup:
    json_decref(bad);
    return rc;
}

static int check_set_metadata(const json_t *body, struct cerr *err)
{
    static const char *const keys[] = { "metadata", NULL };
    const json_t *v;
    if (need_object(body, "set_metadata", err) < 0 ||
        ((v = json_object_get(body, "metadata")) && check_metadata(v, err) < 0) ||
        v_required_in(body, "set_metadata", "metadata", err) < 0 ||
        v_object(body, "set_metadata", keys, err) < 0)
        return -1;
    return 0;
}

/* --- shared steps --- */

/* Policy, then the id, then the database: Nova's order in every member
 * handler (context.can, utils.validate_integer, the lookup). */
static int prologue(struct http_request *req, const char *action, int64_t *id,
                    struct db **db, struct cerr *err)
{
    if (policy_check(&req->auth, POLICY_ADMIN, action, err) < 0 ||
        parse_id(req->params[0], id, err) < 0)
        return -1;
    *db = store_db();
    return *db ? 0 : cerr_internal(err, "no database");
}

static int az_fail(enum az_action action, int64_t id, const char *reason, struct cerr *err)
{
    switch (action) {
    case AZ_ADD:
        return cerr_set(err, 409, "Cannot add host to aggregate %lld. Reason: %s.",
                        (long long)id, reason);
    case AZ_UPDATE:
        return cerr_set(err, 400, "Cannot update aggregate %lld. Reason: %s.", (long long)id,
                        reason);
    case AZ_UPDATE_META:
        break;
    }
    return cerr_set(err, 400, "Cannot update metadata of aggregate %lld. Reason: %s.",
                    (long long)id, reason);
}

/* AggregateAPI.is_safe_to_update_az: a zone must be named, a host may sit
 * in one zone only, and (updates) a zone holding servers cannot be
 * renamed - the servers would silently change zone. `hosts` NULL means
 * the aggregate's own; `name` is the aggregate's name after the update. */
static int check_zone_change(struct db *db, const json_t *metadata, const struct aggregate *a,
                             const char *name, const json_t *hosts, enum az_action action,
                             struct cerr *err)
{
    const json_t *az = json_object_get(metadata, AGGREGATE_AZ_KEY);
    if (!az)
        return 0;
    const char *zone = json_string_value(az);
    if (!zone || !zone[0]) {
        char reason[1100];
        snprintf(reason, sizeof(reason), "Aggregate %s does not support empty named "
                 "availability zone", name);
        return az_fail(action, a->id, reason, err);
    }
    hosts = hosts ? hosts : a->hosts;
    json_t *zones = NULL, *conflicts = json_array(), *z;
    int rc = 0;
    size_t i;
    if (store_aggregate_zones_of(db, hosts, a->id, &zones, err) < 0) {
        rc = -1;
        goto cleanup;
    }
    json_array_foreach(zones, i, z)
        if (strcmp(json_string_value(z), zone) != 0)
            json_array_append(conflicts, z);
    if (json_array_size(conflicts) > 0) {
        char list[256], reason[400];
        v_repr(conflicts, list, sizeof(list));
        snprintf(reason, sizeof(reason), "One or more hosts already in availability zone(s) %s",
                 list);
        rc = az_fail(action, a->id, reason, err);
        goto cleanup;
    }
    const char *current = json_string_value(json_object_get(a->metadata, AGGREGATE_AZ_KEY));
    if (action == AZ_ADD || (current && strcmp(current, zone) == 0))
        goto cleanup;
    json_t *h;
    json_array_foreach(hosts, i, h) {
        int64_t servers = 0;
        if (store_host_server_count(db, json_string_value(h), &servers) < 0) {
            rc = cerr_internal(err, "aggregate zone check");
            goto cleanup;
        }
        if (servers > 0) {
            rc = az_fail(action, a->id, "One or more hosts contain instances in this zone", err);
            goto cleanup;
        }
    }
cleanup:
    json_decref(zones);
    json_decref(conflicts);
    return rc;
}

/* Ends a change: hosts' zones re-derived, then commit; rolls back on any
 * failure so a rejected request changes nothing. */
static int finish(struct http_request *req, struct db *db, int rc, struct cerr *err)
{
    if (rc == 0 && (store_aggregate_sync_zones(db, req->cfg->availability_zone) < 0 ||
                    db_commit(db) < 0))
        rc = cerr_internal(err, "aggregate update");
    if (rc != 0)
        db_rollback(db);
    return rc;
}

/* --- collection --- */

static int aggregates_index(struct http_request *req, struct http_response *res,
                            struct cerr *err)
{
    if (policy_check(&req->auth, POLICY_ADMIN, POLICY("index"), err) < 0)
        return -1;
    struct db *db = store_db();
    struct aggregate *list = NULL;
    int n = 0;
    if (!db)
        return cerr_internal(err, "no database");
    if (store_aggregate_list(db, &list, &n, err) < 0)
        return -1;
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, aggregate_view(req, &list[i], true));
    aggregate_list_free(list, n);
    http_json(res, 200, json_pack("{s:o}", "aggregates", items));
    return 0;
}

/* 200, not 201, as Nova keeps for compatibility. */
static int aggregates_create(struct http_request *req, struct http_response *res,
                             struct cerr *err)
{
    if (check_create(req->json, err) < 0 ||
        policy_check(&req->auth, POLICY_ADMIN, POLICY("create"), err) < 0)
        return -1;
    const json_t *agg = json_object_get(req->json, "aggregate");
    const char *name = json_string_value(json_object_get(agg, "name"));
    const char *az = json_string_value(json_object_get(agg, "availability_zone"));
    struct db *db = store_db();
    int64_t id = 0;
    if (!db)
        return cerr_internal(err, "no database");
    if (db_begin(db) < 0)
        return cerr_internal(err, "aggregate create");
    if (store_aggregate_create(db, name, az, &id, err) < 0 || db_commit(db) < 0) {
        db_rollback(db);
        return err->status ? -1 : cerr_internal(err, "aggregate create");
    }
    struct aggregate a;
    char what[32];
    snprintf(what, sizeof(what), "%lld", (long long)id);
    if (store_aggregate_get(db, id, what, &a, err) < 0)
        return -1;
    http_json(res, 200, json_pack("{s:o}", "aggregate", aggregate_view(req, &a, false)));
    aggregate_clear(&a);
    return 0;
}

/* --- member --- */

static int aggregates_show(struct http_request *req, struct http_response *res,
                           struct cerr *err)
{
    struct db *db;
    int64_t id;
    if (prologue(req, POLICY("show"), &id, &db, err) < 0)
        return -1;
    return reply(req, res, db, id, err);
}

/* AggregateAPI.update_aggregate: rename, then the zone as metadata. */
static int aggregates_update(struct http_request *req, struct http_response *res,
                             struct cerr *err)
{
    struct db *db;
    int64_t id;
    if (check_update(req->json, err) < 0 || prologue(req, POLICY("update"), &id, &db, err) < 0)
        return -1;
    const json_t *body = json_object_get(req->json, "aggregate");
    const json_t *name_v = json_object_get(body, "name");
    char *name = name_v ? strip_spaces(json_string_value(name_v)) : NULL;
    json_t *meta = json_object();
    const json_t *az = json_object_get(body, "availability_zone");
    if (az)
        json_object_set(meta, AGGREGATE_AZ_KEY, (json_t *)az);
    struct aggregate a = {0};
    int rc = -1;
    if (db_begin(db) < 0) {
        cerr_internal(err, "aggregate update");
        goto cleanup;
    }
    rc = store_aggregate_get(db, id, req->params[0], &a, err);
    if (rc == 0)
        rc = store_aggregate_update(db, id, name, err);
    if (rc == 0)
        rc = check_zone_change(db, meta, &a, name ? name : a.name, NULL, AZ_UPDATE, err);
    if (rc == 0)
        rc = store_aggregate_metadata_update(db, id, meta, err);
    rc = finish(req, db, rc, err);
    if (rc == 0)
        rc = reply(req, res, db, id, err);
cleanup:
    aggregate_clear(&a);
    json_decref(meta);
    free(name);
    return rc;
}

/* 200 with no body (Nova's compatibility code); an aggregate that still
 * holds hosts is refused. */
static int aggregates_delete(struct http_request *req, struct http_response *res,
                             struct cerr *err)
{
    struct db *db;
    int64_t id;
    if (prologue(req, POLICY("delete"), &id, &db, err) < 0)
        return -1;
    struct aggregate a = {0};
    if (db_begin(db) < 0)
        return cerr_internal(err, "aggregate delete");
    int rc = store_aggregate_get(db, id, req->params[0], &a, err);
    if (rc == 0 && json_array_size(a.hosts) > 0)
        rc = cerr_set(err, 400, "Cannot remove host from aggregate %lld. Reason: Host aggregate "
                      "is not empty.", (long long)id);
    if (rc == 0)
        rc = store_aggregate_delete(db, id, err);
    aggregate_clear(&a);
    if (finish(req, db, rc, err) < 0)
        return -1;
    http_empty(res, 200);
    return 0;
}

/* --- actions --- */

static int action_add_host(struct http_request *req, struct http_response *res,
                           const json_t *body, struct cerr *err)
{
    struct db *db;
    int64_t id;
    if (check_host_action(body, "add_host", err) < 0 ||
        prologue(req, POLICY("add_host"), &id, &db, err) < 0)
        return -1;
    const char *host = json_string_value(json_object_get(body, "host"));
    struct host_row h;
    struct aggregate a = {0};
    json_t *one = json_pack("[s]", host);
    if (db_begin(db) < 0) {
        json_decref(one);
        return cerr_internal(err, "aggregate add host");
    }
    /* The compute service first (ComputeHostNotFound), then the aggregate. */
    int rc = store_host_get(db, host, &h, err);
    if (rc == 0)
        rc = store_aggregate_get(db, id, req->params[0], &a, err);
    if (rc == 0)
        rc = check_zone_change(db, a.metadata, &a, a.name, one, AZ_ADD, err);
    if (rc == 0)
        rc = store_aggregate_host_add(db, id, host, err);
    rc = finish(req, db, rc, err);
    aggregate_clear(&a);
    json_decref(one);
    return rc == 0 ? reply(req, res, db, id, err) : -1;
}

/* Every failure names the host and aggregate alike, as Nova's handler
 * rewrites them. */
static int action_remove_host(struct http_request *req, struct http_response *res,
                              const json_t *body, struct cerr *err)
{
    struct db *db;
    int64_t id;
    if (check_host_action(body, "remove_host", err) < 0 ||
        prologue(req, POLICY("remove_host"), &id, &db, err) < 0)
        return -1;
    const char *host = json_string_value(json_object_get(body, "host"));
    struct host_row h;
    struct aggregate a = {0};
    if (db_begin(db) < 0)
        return cerr_internal(err, "aggregate remove host");
    int rc = store_host_get(db, host, &h, err);
    if (rc == 0)
        rc = store_aggregate_get(db, id, req->params[0], &a, err);
    if (rc == 0) {
        int removed = store_aggregate_host_remove(db, id, host);
        rc = removed < 0 ? cerr_internal(err, "aggregate remove host") : removed ? 0 : -1;
    }
    aggregate_clear(&a);
    if (rc != 0 && err->status != 500)
        cerr_set(err, 404, "Cannot remove host %s in aggregate %s", host, req->params[0]);
    if (finish(req, db, rc, err) < 0)
        return -1;
    return reply(req, res, db, id, err);
}

/* AggregateAPI.update_aggregate_metadata: null deletes a key. */
static int action_set_metadata(struct http_request *req, struct http_response *res,
                               const json_t *body, struct cerr *err)
{
    struct db *db;
    int64_t id;
    if (check_set_metadata(body, err) < 0 ||
        prologue(req, POLICY("set_metadata"), &id, &db, err) < 0)
        return -1;
    const json_t *meta = json_object_get(body, "metadata");
    struct aggregate a = {0};
    if (db_begin(db) < 0)
        return cerr_internal(err, "aggregate metadata");
    int rc = store_aggregate_get(db, id, req->params[0], &a, err);
    if (rc == 0)
        rc = check_zone_change(db, meta, &a, a.name, NULL, AZ_UPDATE_META, err);
    if (rc == 0)
        rc = store_aggregate_metadata_update(db, id, meta, err);
    if (rc == 0)
        rc = store_aggregate_update(db, id, NULL, err);
    aggregate_clear(&a);
    if (finish(req, db, rc, err) < 0)
        return -1;
    return reply(req, res, db, id, err);
}

static const struct {
    const char *name;
    int (*fn)(struct http_request *, struct http_response *, const json_t *, struct cerr *);
} actions[] = {
    { "add_host", action_add_host },
    { "remove_host", action_remove_host },
    { "set_metadata", action_set_metadata },
};

/* Nova's wsgi action_peek: one body key names the action. */
static int aggregates_action(struct http_request *req, struct http_response *res,
                             struct cerr *err)
{
    const json_t *body = req->json;
    res->unversioned = true;
    if (!json_is_object(body) || json_object_size(body) != 1)
        return cerr_set(err, 400, "Malformed request body");
    const char *name = json_object_iter_key(json_object_iter((json_t *)body));
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(actions[i].name, name) == 0) {
            res->unversioned = false;
            return actions[i].fn(req, res, json_object_get(body, name), err);
        }
    }
    return cerr_set(err, 400, "There is no such action: %s", name);
}

/* --- 2.81 image pre-caching --- */

/* aggregate_images.aggregate_images: {"cache": [{"id": uuid}, ...]} */
static int check_images(const json_t *body, struct cerr *err)
{
    static const char *const root[] = { "cache", NULL };
    static const char *const keys[] = { "id", NULL };
    const json_t *cache = json_object_get(body, "cache"), *item, *v;
    size_t i;
    if (!json_is_object(body))
        return v_body(body, root, "cache", err);
    if (cache) {
        char val[256];
        v_repr(cache, val, sizeof(val));
        if (!json_is_array(cache))
            return v_fail(err, "cache", cache, "%s is not of type 'array'", val);
        if (json_array_size(cache) == 0)
            return v_fail(err, "cache", cache, "[] is too short");
        json_array_foreach(cache, i, item) {
            char field[24];
            snprintf(field, sizeof(field), "%zu", i);
            if (need_object(item, field, err) < 0 ||
                ((v = json_object_get(item, "id")) && v_uuid(v, "id", err) < 0) ||
                v_object(item, field, keys, err) < 0 ||
                v_required_in(item, field, "id", err) < 0)
                return -1;
        }
    }
    return v_body(body, root, "cache", err);
}

/* Nova validates each image with Glance, then casts the caching to the
 * aggregate's computes and answers 202. Drivers here keep no image cache
 * apart from the image files, which every host already reads, so the
 * accepted request has nothing left to do. */
static int aggregates_images(struct http_request *req, struct http_response *res,
                             struct cerr *err)
{
    if (check_images(req->json, err) < 0)
        return -1;
    struct db *db;
    int64_t id;
    if (policy_check(&req->auth, POLICY_ADMIN, "compute:aggregates:images", err) < 0 ||
        parse_id(req->params[0], &id, err) < 0)
        return -1;
    const json_t *cache = json_object_get(req->json, "cache");
    size_t n = json_array_size(cache);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_object_get(json_array_get(cache, i), "id")),
                       json_string_value(json_object_get(json_array_get(cache, j), "id"))) == 0)
                return cerr_set(err, 400, "Duplicate images in request");
    if (!(db = store_db()))
        return cerr_internal(err, "no database");
    struct aggregate a;
    if (store_aggregate_get(db, id, req->params[0], &a, err) < 0)
        return -1;
    aggregate_clear(&a);
    for (size_t i = 0; i < n; i++) {
        const char *image = json_string_value(json_object_get(json_array_get(cache, i), "id"));
        struct image img;
        struct cerr e = {0};
        if (image_get_for(db, &req->auth, image, &img, &e) < 0) {
            if (e.status != 404) {
                *err = e;
                return -1;
            }
            return cerr_set(err, 400, "Image %s could not be found.", image);
        }
    }
    http_empty(res, 202);
    return 0;
}

const struct route api_aggregates_routes[] = {
    { "GET", "/os-aggregates", aggregates_index, 0, 0, 0 },
    { "POST", "/os-aggregates", aggregates_create, ROUTE_JSON, 0, 0 },
    { "GET", "/os-aggregates/{id}", aggregates_show, 0, 0, 0 },
    { "PUT", "/os-aggregates/{id}", aggregates_update, ROUTE_JSON, 0, 0 },
    { "DELETE", "/os-aggregates/{id}", aggregates_delete, 0, 0, 0 },
    { "POST", "/os-aggregates/{id}/action", aggregates_action, ROUTE_JSON, 0, 0 },
    { "POST", "/os-aggregates/{id}/images", aggregates_images, ROUTE_JSON, MV_IMAGES, 0 },
    {0},
};
