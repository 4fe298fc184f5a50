/* server_read.c - the read half of the instances repository: one server
 * by uuid, its metadata, tags and latest fault, a project's usage, and
 * the batched metadata/tags/addresses of a list page. The list query
 * itself is in store/server_list.c. */
#include "store/server_read.h"
#include "util/log.h"
#include "util/mem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- rows --- */

void server_clear(struct server *s)
{
    if (!s)
        return;
    free(s->description);
    free(s->flavor_extra_specs);
    free(s->key_data);
    free(s->locked_reason);
    free(s->user_data);
    free(s->security_groups);
    free(s->personality);
    free(s->scheduler_hints);
    free(s->requested_networks);
    free(s->block_device_mapping);
    free(s->system_metadata);
    s->description = s->flavor_extra_specs = s->key_data = s->locked_reason = NULL;
    s->user_data = s->security_groups = s->personality = s->scheduler_hints = NULL;
    s->requested_networks = s->block_device_mapping = s->system_metadata = NULL;
}

void server_free(struct server *s)
{
    server_clear(s);
    free(s);
}

void server_list_free(struct server **list, int count)
{
    for (int i = 0; list && i < count; i++)
        server_free(list[i]);
    free(list);
}

/* The same columns as SERVER_SELECT_COLS, one by one (dynamic lists
 * select only what they load; tests/unit/test_server_query.c checks the
 * two agree). */
const char *const server_col_sql[SC__COUNT] = {
    "i.id", "i.uuid", "i.project_id", "i.user_id", "i.name", "i.hostname", "i.description",
    "i.image_ref", "i.flavorid", "i.flavor_name", "i.vcpus", "i.memory_mb", "i.root_gb",
    "i.ephemeral_gb", "i.swap", "i.flavor_extra_specs", "i.key_name", "i.key_data",
    "i.vm_state", "i.task_state", "i.power_state", "i.host", "i.node", "i.availability_zone",
    "i.launched_at", "i.terminated_at", "i.created_at", "i.updated_at", "i.deleted_at",
    "i.deleted", "i.locked_by", "i.locked_reason", "i.access_ip_v4", "i.access_ip_v6",
    "i.config_drive", "i.user_data", "i.reservation_id", "i.launch_index", "i.progress",
    "i.disk_config", "i.root_device_name", "i.kernel_id", "i.ramdisk_id", "i.security_groups",
    "i.personality", "i.scheduler_hints", "i.requested_networks", "i.block_device_mapping",
    "i.system_metadata",
};

bool server_col_loaded(enum server_rows rows, int c)
{
    switch (rows) {
    case SERVER_ROWS_FULL:
        return true;
    case SERVER_ROWS_VIEW:
        return c != SC_KEY_DATA && c != SC_PERSONALITY && c != SC_REQUESTED_NETWORKS &&
               c != SC_BLOCK_DEVICE_MAPPING;
    case SERVER_ROWS_BRIEF:
        return c == SC_ID || c == SC_UUID || c == SC_PROJECT_ID || c == SC_USER_ID ||
               c == SC_NAME || c == SC_CREATED_AT || c == SC_UPDATED_AT || c == SC_DELETED;
    }
    return true;
}

#define TEXT(field, col) str_copy(s->field, sizeof(s->field), db_col_str(st, col))
#define HEAP(field, col) (s->field = xstrdup(db_col_text(st, col)))
#define INT(col) db_col_int(st, col)

static void load_brief(struct db_stmt *st, struct server *s)
{
    s->id = INT(SC_ID);
    TEXT(uuid, SC_UUID);
    TEXT(project_id, SC_PROJECT_ID);
    TEXT(user_id, SC_USER_ID);
    TEXT(name, SC_NAME);
    s->created_at = INT(SC_CREATED_AT);
    s->updated_at = INT(SC_UPDATED_AT);
    s->deleted = INT(SC_DELETED) != 0;
}

/* Everything a server body shows. */
static void load_view(struct db_stmt *st, struct server *s)
{
    load_brief(st, s);
    TEXT(hostname, SC_HOSTNAME);
    HEAP(description, SC_DESCRIPTION);
    TEXT(image_ref, SC_IMAGE_REF);
    TEXT(flavorid, SC_FLAVORID);
    TEXT(flavor_name, SC_FLAVOR_NAME);
    s->vcpus = INT(SC_VCPUS);
    s->memory_mb = INT(SC_MEMORY_MB);
    s->root_gb = INT(SC_ROOT_GB);
    s->ephemeral_gb = INT(SC_EPHEMERAL_GB);
    s->swap = INT(SC_SWAP);
    HEAP(flavor_extra_specs, SC_FLAVOR_EXTRA_SPECS);
    TEXT(key_name, SC_KEY_NAME);
    TEXT(vm_state, SC_VM_STATE);
    TEXT(task_state, SC_TASK_STATE);
    s->power_state = (int)INT(SC_POWER_STATE);
    TEXT(host, SC_HOST);
    TEXT(node, SC_NODE);
    TEXT(availability_zone, SC_AVAILABILITY_ZONE);
    s->launched_at = INT(SC_LAUNCHED_AT);
    s->terminated_at = INT(SC_TERMINATED_AT);
    s->deleted_at = INT(SC_DELETED_AT);
    TEXT(locked_by, SC_LOCKED_BY);
    HEAP(locked_reason, SC_LOCKED_REASON);
    TEXT(access_ip_v4, SC_ACCESS_IP_V4);
    TEXT(access_ip_v6, SC_ACCESS_IP_V6);
    TEXT(config_drive, SC_CONFIG_DRIVE);
    HEAP(user_data, SC_USER_DATA);
    TEXT(reservation_id, SC_RESERVATION_ID);
    s->launch_index = (int)INT(SC_LAUNCH_INDEX);
    s->progress = (int)INT(SC_PROGRESS);
    TEXT(disk_config, SC_DISK_CONFIG);
    TEXT(root_device_name, SC_ROOT_DEVICE_NAME);
    HEAP(security_groups, SC_SECURITY_GROUPS);
    HEAP(scheduler_hints, SC_SCHEDULER_HINTS);
    HEAP(system_metadata, SC_SYSTEM_METADATA);
}

void server_row_load_as(struct db_stmt *st, struct server *s, enum server_rows rows)
{
    memset(s, 0, sizeof(*s));
    if (rows == SERVER_ROWS_BRIEF) {
        load_brief(st, s);
        return;
    }
    load_view(st, s);
    if (rows == SERVER_ROWS_FULL) {
        HEAP(key_data, SC_KEY_DATA);
        HEAP(personality, SC_PERSONALITY);
        HEAP(requested_networks, SC_REQUESTED_NETWORKS);
        HEAP(block_device_mapping, SC_BLOCK_DEVICE_MAPPING);
    }
}

void server_row_load(struct db_stmt *st, struct server *s)
{
    server_row_load_as(st, s, SERVER_ROWS_FULL);
}

/* --- statements built at run time --- */

struct db_stmt *server_dyn_prepare(struct db *db, const char *sql)
{
    /* The cache in store.c is keyed by the SQL's address, which a built
     * string does not keep; the backend prepares it directly. */
    if (strcmp(store_backend(), store_sqlite_ops.name) != 0) {
        log_error("server list: no dynamic statements on backend %s", store_backend());
        return NULL;
    }
    return store_sqlite_ops.prepare(db, sql);
}

void server_dyn_finalize(struct db_stmt *st)
{
    if (st)
        store_sqlite_ops.finalize(st);
}

/* --- one server --- */

int store_server_get(struct db *db, const char *uuid, const char *project_id,
                     struct server **out, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " SERVER_SELECT_COLS " FROM instances i "
                                     "WHERE i.uuid = ? AND i.deleted = 0 "
                                     "AND (? IS NULL OR i.project_id = ?)");
    if (!st)
        return cerr_internal(err, "server lookup");
    db_bind_text(st, 1, uuid);
    db_bind_text(st, 2, project_id);
    db_bind_text(st, 3, project_id);
    int rc = db_step(st);
    struct server *s = NULL;
    if (rc == DB_ROW) {
        s = xmalloc(sizeof(*s));
        server_row_load(st, s);
    }
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, "server lookup");
    if (!s)
        return cerr_set(err, 404, "Instance %s could not be found.", uuid);
    *out = s;
    return 0;
}

int store_server_metadata(struct db *db, const char *uuid, json_t **out)
{
    return db_query_json(db, "SELECT key, value FROM instance_metadata "
                             "WHERE instance_uuid = ? ORDER BY key", uuid, true, out);
}

int store_server_tags(struct db *db, const char *uuid, json_t **out)
{
    return db_query_json(db, "SELECT tag FROM instance_tags "
                             "WHERE instance_uuid = ? ORDER BY tag", uuid, false, out);
}

/* Quota usage counts every live server of the project, whatever its
 * state (Nova counts instances that are not deleted). */
int store_server_usage(struct db *db, const char *project_id, int64_t *instances,
                       int64_t *cores, int64_t *ram_mb)
{
    struct db_stmt *st = db_prep(db, "SELECT COUNT(*), COALESCE(SUM(vcpus), 0), "
                                     "COALESCE(SUM(memory_mb), 0) FROM instances "
                                     "WHERE project_id = ? AND deleted = 0");
    if (!st)
        return -1;
    db_bind_text(st, 1, project_id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        *instances = db_col_int(st, 0);
        *cores = db_col_int(st, 1);
        *ram_mb = db_col_int(st, 2);
    }
    db_done(st);
    return rc == DB_ROW ? 0 : -1;
}

/* out->details is heap text the caller frees (NULL when none). */
int store_server_fault_get(struct db *db, const char *uuid, struct server_fault *out)
{
    struct db_stmt *st = db_prep(db, "SELECT code, message, details, created_at "
                                     "FROM instance_faults WHERE instance_uuid = ? "
                                     "ORDER BY id DESC LIMIT 1");
    if (!st)
        return -1;
    db_bind_text(st, 1, uuid);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        memset(out, 0, sizeof(*out));
        out->code = (int)db_col_int(st, 0);
        str_copy(out->message, sizeof(out->message), db_col_str(st, 1));
        out->details = db_col_null(st, 2) ? NULL : xstrdup(db_col_text(st, 2));
        out->created_at = db_col_int(st, 3);
    }
    db_done(st);
    return rc == DB_ROW ? 1 : rc < 0 ? -1 : 0;
}

/* --- a list page's metadata, tags and addresses --- */

/* Page queries take the uuids in IN lists of a fixed size, unused slots
 * left NULL (never equal), so each is one statement text prepared once
 * per connection and kept by the statement cache. The texts are built
 * once and keep their address, which is the cache's key. */
#define PAGE_CHUNK 100

static char metadata_sql[256 + 3 * PAGE_CHUNK], tags_sql[256 + 3 * PAGE_CHUNK];
static char addrs_sql[384 + 3 * PAGE_CHUNK];
static pthread_once_t page_sql_once = PTHREAD_ONCE_INIT;

static void page_sql_build_one(char *out, size_t n, const char *head, const char *tail)
{
    size_t len = (size_t)snprintf(out, n, "%s IN (?", head);
    for (int i = 1; i < PAGE_CHUNK && len + 3 < n; i++, len += 2)
        memcpy(out + len, ",?", 3);
    snprintf(out + len, n - len, ")%s", tail);
}

static void page_sql_build(void)
{
    page_sql_build_one(metadata_sql, sizeof(metadata_sql),
                       "SELECT instance_uuid, key, value FROM instance_metadata "
                       "WHERE instance_uuid", " ORDER BY instance_uuid, key");
    page_sql_build_one(tags_sql, sizeof(tags_sql),
                       "SELECT instance_uuid, tag FROM instance_tags WHERE instance_uuid",
                       " ORDER BY instance_uuid, tag");
    /* no JOIN or ORDER BY: labels come from one read of networks and C
     * sorts, which halves the cost of a page's addresses */
    page_sql_build_one(addrs_sql, sizeof(addrs_sql),
                       "SELECT instance_uuid, network_id, address, mac, version, addr_index "
                       "FROM fixed_ips WHERE instance_uuid", "");
}

/* Rows gathered into one arena: offsets while it grows, pointers after.
 * kind 0 metadata (uuid, key, value), 1 tags (uuid, tag), 2 addresses
 * (uuid, network_id, address, mac, version, addr_index). */
struct kv_acc {
    struct buf *arena;
    struct { size_t col[4]; int version; int64_t index; } *rows;
    int n, cap, kind;
};

static size_t arena_add(struct buf *b, const char *s)
{
    size_t at = b->len;
    buf_append(b, s, strlen(s) + 1);
    return at;
}

static void kv_row(struct kv_acc *a, struct db_stmt *st)
{
    static const int ncols[] = { 3, 2, 4 };
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->rows = xrealloc(a->rows, (size_t)a->cap * sizeof(*a->rows));
    }
    for (int c = 0; c < ncols[a->kind]; c++)
        a->rows[a->n].col[c] = arena_add(a->arena, db_col_str(st, c));
    a->rows[a->n].version = a->kind == 2 ? (int)db_col_int(st, 4) : 0;
    a->rows[a->n++].index = a->kind == 2 ? db_col_int(st, 5) : 0;
}

/* Runs sql for list[from..to) and gathers its rows. */
static void for_chunk(struct db *db, const char *sql, struct server *const *list, int from,
                      int to, struct kv_acc *acc)
{
    struct db_stmt *st = db_prep(db, sql);
    if (!st)
        return;
    for (int i = from; i < to; i++)
        db_bind_text(st, i - from + 1, list[i]->uuid);
    while (db_step(st) == DB_ROW)
        kv_row(acc, st);
    db_done(st);
}

static void for_page(struct db *db, const char *sql, struct server *const *list, int count,
                     struct kv_acc *acc)
{
    for (int from = 0; from < count; from += PAGE_CHUNK)
        for_chunk(db, sql, list, from, from + PAGE_CHUNK < count ? from + PAGE_CHUNK : count,
                  acc);
}

static int kv_cmp(const void *a, const void *b)
{
    const struct server_kv *x = a, *y = b;
    int c = strcmp(x->uuid, y->uuid);
    return c ? c : strcmp(x->key, y->key);
}

/* The gathered rows as a sorted kv array pointing into arena. */
static struct server_kv *kv_finish(struct kv_acc *a, const char *arena, int *n)
{
    struct server_kv *kv = xcalloc((size_t)a->n + 1, sizeof(*kv));
    for (int i = 0; i < a->n; i++) {
        kv[i].uuid = arena + a->rows[i].col[0];
        kv[i].key = arena + a->rows[i].col[1];
        kv[i].value = a->kind == 0 ? arena + a->rows[i].col[2] : NULL;
    }
    qsort(kv, (size_t)a->n, sizeof(*kv), kv_cmp);
    *n = a->n;
    free(a->rows);
    return kv;
}

/* Addresses by uuid, then network label, version and allocation order
 * (seq carries addr_index until sorted). */
static int addr_cmp(const void *a, const void *b)
{
    const struct server_addr *x = a, *y = b;
    int c = strcmp(x->uuid, y->uuid);
    if (!c)
        c = strcmp(x->label, y->label);
    if (!c)
        c = (x->version > y->version) - (x->version < y->version);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}


static json_t *network_labels(struct db *db)
{
    json_t *labels;
    return db_query_json(db, "SELECT id, label FROM networks", NULL, true, &labels) == 0
               ? labels : json_object();
}

static struct server_addr *addr_finish(struct kv_acc *a, const char *arena, const json_t *labels,
                                       int *n)
{
    struct server_addr *out = xcalloc((size_t)a->n + 1, sizeof(*out));
    int k = 0;
    for (int i = 0; i < a->n; i++) {
        /* network id -> label; an address of a vanished network is not
         * shown (network_addresses() joins the two tables) */
        const char *label = json_string_value(json_object_get(labels,
                                                              arena + a->rows[i].col[1]));
        if (!label)
            continue;
        out[k].uuid = arena + a->rows[i].col[0];
        out[k].label = label;
        out[k].addr = arena + a->rows[i].col[2];
        out[k].mac = arena + a->rows[i].col[3];
        out[k].version = a->rows[i].version;
        out[k++].seq = (int)a->rows[i].index;
    }
    qsort(out, (size_t)k, sizeof(*out), addr_cmp);
    *n = k;
    free(a->rows);
    return out;
}

int server_kv_find(const struct server_kv *kv, int n, const char *uuid, int *first)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(kv[mid].uuid, uuid) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int end = lo;
    while (end < n && strcmp(kv[end].uuid, uuid) == 0)
        end++;
    *first = lo;
    return end - lo;
}

int server_addr_find(const struct server_addr *a, int n, const char *uuid, int *first)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (strcmp(a[mid].uuid, uuid) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int end = lo;
    while (end < n && strcmp(a[end].uuid, uuid) == 0)
        end++;
    *first = lo;
    return end - lo;
}

void store_server_page_extras(struct db *db, struct server *const *list, int count,
                              bool tags, struct server_page_extras *x)
{
    struct buf arena = {0};
    struct kv_acc md = { .arena = &arena, .kind = 0 }, tg = { .arena = &arena, .kind = 1 };
    struct kv_acc ad = { .arena = &arena, .kind = 2 };
    memset(x, 0, sizeof(*x));
    pthread_once(&page_sql_once, page_sql_build);
    for_page(db, metadata_sql, list, count, &md);
    if (tags)
        for_page(db, tags_sql, list, count, &tg);
    for_page(db, addrs_sql, list, count, &ad);
    x->arena = arena.data ? arena.data : xstrdup("");
    x->metadata = kv_finish(&md, x->arena, &x->n_metadata);
    x->tags = kv_finish(&tg, x->arena, &x->n_tags);
    x->labels = ad.n ? network_labels(db) : json_object();
    x->addrs = addr_finish(&ad, x->arena, x->labels, &x->n_addrs);
}

void server_page_extras_clear(struct server_page_extras *x)
{
    free(x->metadata);
    free(x->tags);
    free(x->addrs);
    free(x->arena);
    json_decref(x->labels);
    memset(x, 0, sizeof(*x));
}
