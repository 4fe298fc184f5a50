/* server_list.c - GET /servers as a query (nova db api
 * instance_get_all_by_filters_sort, DIGEST (e.8)): exact filters, tags and
 * the sort/marker keyset in SQL built from fixed fragments with bound
 * values; Nova's regex filters (name, ip, ...) checked in C on the rows
 * the SQL yields, with a LIKE pre-filter when the pattern is a literal. */
#include "store/server_read.h"
#include "util/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- SQL text plus its binds --- */

#define MAX_BINDS 320

struct sqlb {
    struct buf sql;
    struct { bool is_int; const char *s; int64_t i; } b[MAX_BINDS];
    int n;
    bool overflow;
};

static void put(struct sqlb *q, const char *frag) { buf_puts(&q->sql, frag); }

static void bind_s(struct sqlb *q, const char *v)
{
    if (q->n == MAX_BINDS) {
        q->overflow = true;
        return;
    }
    q->b[q->n].is_int = false;
    q->b[q->n++].s = v;
}

static void bind_i(struct sqlb *q, int64_t v)
{
    if (q->n == MAX_BINDS) {
        q->overflow = true;
        return;
    }
    q->b[q->n].is_int = true;
    q->b[q->n++].i = v;
}

/* " AND <frag>" where frag holds exactly one '?' bound to v. */
static void and_s(struct sqlb *q, const char *frag, const char *v)
{
    put(q, " AND ");
    put(q, frag);
    bind_s(q, v);
}

static void in_list(struct sqlb *q, const char *const *v, int n)
{
    put(q, "(");
    for (int i = 0; i < n; i++) {
        put(q, i ? ", ?" : "?");
        bind_s(q, v[i]);
    }
    put(q, ")");
}

/* --- sort keys: Nova's instance model attributes as SQL expressions.
 * Nullable columns are coalesced so the keyset compares cleanly; NULL
 * sorted first ascending in Nova's MySQL/SQLite, and so does '' / 0. --- */

struct sort_key { const char *key, *expr; bool is_int; };

static const struct sort_key sort_keys[] = {
    {"access_ip_v4", "i.access_ip_v4", false},
    {"access_ip_v6", "i.access_ip_v6", false},
    {"auto_disk_config", "(CASE WHEN i.disk_config = 'AUTO' THEN 1 ELSE 0 END)", true},
    {"availability_zone", "COALESCE(i.availability_zone, '')", false},
    {"config_drive", "i.config_drive", false},
    {"created_at", "i.created_at", true},
    {"display_description", "COALESCE(i.description, '')", false},
    {"display_name", "i.name", false},
    {"host", "COALESCE(i.host, '')", false},
    {"hostname", "i.hostname", false},
    {"image_ref", "i.image_ref", false},
    {"instance_type_id",
     "COALESCE((SELECT f.id FROM flavors f WHERE f.flavorid = i.flavorid), 0)", true},
    {"kernel_id", "i.kernel_id", false},
    {"key_name", "COALESCE(i.key_name, '')", false},
    {"launch_index", "i.launch_index", true},
    {"launched_at", "COALESCE(i.launched_at, 0)", true},
    {"locked", "(CASE WHEN COALESCE(i.locked_by, '') = '' THEN 0 ELSE 1 END)", true},
    {"locked_by", "COALESCE(i.locked_by, '')", false},
    {"node", "COALESCE(i.node, '')", false},
    {"power_state", "i.power_state", true},
    {"progress", "i.progress", true},
    {"project_id", "i.project_id", false},
    {"ramdisk_id", "i.ramdisk_id", false},
    {"root_device_name", "COALESCE(i.root_device_name, '')", false},
    {"task_state", "COALESCE(i.task_state, '')", false},
    {"terminated_at", "COALESCE(i.terminated_at, 0)", true},
    {"updated_at", "i.updated_at", true},
    {"user_id", "i.user_id", false},
    {"uuid", "i.uuid", false},
    {"vm_state", "i.vm_state", false},
    {"id", "i.id", true},
    {NULL, NULL, false},
};

static const struct sort_key *sort_key_find(const char *key)
{
    for (int i = 0; sort_keys[i].key; i++)
        if (strcmp(sort_keys[i].key, key) == 0)
            return &sort_keys[i];
    return NULL;
}

bool store_server_sort_key_known(const char *key)
{
    return sort_key_find(key) != NULL;
}

#define MAX_SORT 10

/* The effective order: the caller's keys, then created_at and id in the
 * first direction (nova db utils process_sort_params). */
struct order {
    const struct sort_key *k[MAX_SORT];
    bool desc[MAX_SORT];
    int n;
    struct { int64_t i; char *s; } marker[MAX_SORT];
};

static void order_add(struct order *o, const char *key, bool desc)
{
    const struct sort_key *k = sort_key_find(key);
    for (int i = 0; i < o->n; i++)
        if (o->k[i] == k)
            return;
    if (k && o->n < MAX_SORT) {
        o->k[o->n] = k;
        o->desc[o->n++] = desc;
    }
}

static void order_build(struct order *o, const struct server_list_query *q)
{
    memset(o, 0, sizeof(*o));
    bool first_desc = q->n_sort > 0 && q->sort_dirs[0] ? strcmp(q->sort_dirs[0], "asc") != 0
                                                       : true;
    for (int i = 0; i < q->n_sort && i < 8; i++)
        order_add(o, q->sort_keys[i], q->sort_dirs[i] ? strcmp(q->sort_dirs[i], "asc") != 0
                                                      : first_desc);
    order_add(o, "created_at", first_desc);
    order_add(o, "id", first_desc);
}

static void order_free(struct order *o)
{
    for (int i = 0; i < o->n; i++)
        free(o->marker[i].s);
}

/* The marker's sort values; any project and deleted rows too, as Nova
 * looks the marker up with an elevated read_deleted context. */
static int load_marker(struct db *db, struct order *o, const char *marker, struct cerr *err)
{
    struct buf sql = {0};
    buf_puts(&sql, "SELECT ");
    for (int i = 0; i < o->n; i++) {
        buf_puts(&sql, i ? ", " : "");
        buf_puts(&sql, o->k[i]->expr);
    }
    buf_puts(&sql, " FROM instances i WHERE i.uuid = ?");
    struct db_stmt *st = server_dyn_prepare(db, sql.data);
    buf_free(&sql);
    if (!st)
        return cerr_internal(err, "server list marker");
    db_bind_text(st, 1, marker);
    int rc = db_step(st);
    for (int i = 0; rc == DB_ROW && i < o->n; i++) {
        if (o->k[i]->is_int)
            o->marker[i].i = db_col_int(st, i);
        else
            o->marker[i].s = xstrdup(db_col_str(st, i));
    }
    server_dyn_finalize(st);
    if (rc < 0)
        return cerr_internal(err, "server list marker");
    if (rc != DB_ROW)
        return cerr_set(err, 400, "marker [%s] not found", marker);
    return 0;
}

static void bind_marker(struct sqlb *q, const struct order *o, int i)
{
    if (o->k[i]->is_int)
        bind_i(q, o->marker[i].i);
    else
        bind_s(q, o->marker[i].s);
}

/* Rows strictly after the marker in the order (oslo.db paginate_query):
 * OR over i of (k0 = m0 AND ... AND ki >/< mi), plus the implied bound
 * on the first key so the index range starts at the marker. */
static void where_after_marker(struct sqlb *q, const struct order *o)
{
    put(q, " AND ");
    put(q, o->k[0]->expr);
    put(q, o->desc[0] ? " <= ?" : " >= ?");
    bind_marker(q, o, 0);
    put(q, " AND (");
    for (int i = 0; i < o->n; i++) {
        put(q, i ? " OR (" : "(");
        for (int j = 0; j < i; j++) {
            put(q, o->k[j]->expr);
            put(q, " = ? AND ");
            bind_marker(q, o, j);
        }
        put(q, o->k[i]->expr);
        put(q, o->desc[i] ? " < ?)" : " > ?)");
        bind_marker(q, o, i);
    }
    put(q, ")");
}

static void order_by(struct sqlb *q, const struct order *o)
{
    put(q, " ORDER BY ");
    for (int i = 0; i < o->n; i++) {
        put(q, i ? ", " : "");
        put(q, o->k[i]->expr);
        put(q, o->desc[i] ? " DESC" : " ASC");
    }
}

/* --- regex filters, checked in C --- */

enum rx_kind { RX_TEXT, RX_INT, RX_TIME, RX_DISK_CONFIG };

struct rx {
    int col;                 /* enum server_col */
    enum rx_kind kind;
    const char *sql;         /* column for the LIKE pre-filter; NULL = none */
    const char *param;
    const char *pattern;
    regex_t re;
};

#define MAX_RX (SRX__COUNT + 8)

struct matcher {
    struct rx rx[MAX_RX];
    int n;
    regex_t ip[2];           /* [0] ip (IPv4 addresses), [1] ip6 */
    bool has_ip[2];
};

static const struct { int col; enum rx_kind kind; const char *sql, *param; } more_cols[] = {
    [SRX_CONFIG_DRIVE] = {SC_CONFIG_DRIVE, RX_TEXT, "i.config_drive", "config_drive"},
    [SRX_POWER_STATE] = {SC_POWER_STATE, RX_INT, NULL, "power_state"},
    [SRX_PROGRESS] = {SC_PROGRESS, RX_INT, NULL, "progress"},
    [SRX_LAUNCH_INDEX] = {SC_LAUNCH_INDEX, RX_INT, NULL, "launch_index"},
    [SRX_KERNEL_ID] = {SC_KERNEL_ID, RX_TEXT, "i.kernel_id", "kernel_id"},
    [SRX_RAMDISK_ID] = {SC_RAMDISK_ID, RX_TEXT, "i.ramdisk_id", "ramdisk_id"},
    [SRX_ROOT_DEVICE_NAME] = {SC_ROOT_DEVICE_NAME, RX_TEXT, "i.root_device_name",
                              "root_device_name"},
    [SRX_ACCESS_IP_V4] = {SC_ACCESS_IP_V4, RX_TEXT, "i.access_ip_v4", "access_ip_v4"},
    [SRX_ACCESS_IP_V6] = {SC_ACCESS_IP_V6, RX_TEXT, "i.access_ip_v6", "access_ip_v6"},
    [SRX_AUTO_DISK_CONFIG] = {SC_DISK_CONFIG, RX_DISK_CONFIG, NULL, "auto_disk_config"},
    [SRX_DESCRIPTION] = {SC_DESCRIPTION, RX_TEXT, "i.description", "description"},
    [SRX_CREATED_AT] = {SC_CREATED_AT, RX_TIME, NULL, "created_at"},
    [SRX_LAUNCHED_AT] = {SC_LAUNCHED_AT, RX_TIME, NULL, "launched_at"},
    [SRX_TERMINATED_AT] = {SC_TERMINATED_AT, RX_TIME, NULL, "terminated_at"},
};

const char *server_regex_col_param(enum server_regex_col col)
{
    return col >= 0 && col < SRX__COUNT ? more_cols[col].param : "";
}

static int regex_fail(struct cerr *err, const char *param, const char *pattern)
{
    return cerr_set(err, 400, "Invalid input for query parameters %s. Value: %s. '%s' is not "
                    "a 'regex'", param, pattern, pattern);
}

static int rx_add(struct matcher *m, int col, enum rx_kind kind, const char *sql,
                  const char *param, const char *pattern, struct cerr *err)
{
    if (!pattern)
        return 0;
    struct rx *r = &m->rx[m->n];
    if (server_regex_compile(&r->re, pattern) < 0)
        return regex_fail(err, param, pattern);
    r->col = col;
    r->kind = kind;
    r->sql = sql;
    r->param = param;
    r->pattern = pattern;
    m->n++;
    return 0;
}

static int ip_add(struct matcher *m, int v, const char *param, const char *pattern,
                  struct cerr *err)
{
    if (!pattern)
        return 0;
    if (server_regex_compile(&m->ip[v], pattern) < 0)
        return regex_fail(err, param, pattern);
    m->has_ip[v] = true;
    return 0;
}

static void matcher_free(struct matcher *m)
{
    for (int i = 0; i < m->n; i++)
        regfree(&m->rx[i].re);
    for (int v = 0; v < 2; v++)
        if (m->has_ip[v])
            regfree(&m->ip[v]);
}

static int matcher_build(struct matcher *m, const struct server_list_query *q,
                         const struct server_list_more *more, struct cerr *err)
{
    const struct { int col; const char *sql, *param, *pattern; } own[] = {
        {SC_NAME, "i.name", "name", q->name_regex},
        {SC_RESERVATION_ID, "i.reservation_id", "reservation_id", q->reservation_id},
        {SC_NODE, "i.node", "node", q->node},
        {SC_AVAILABILITY_ZONE, "i.availability_zone", "availability_zone", q->availability_zone},
        {SC_KEY_NAME, "i.key_name", "key_name", q->key_name},
        {SC_HOSTNAME, "i.hostname", "hostname", q->hostname},
        {SC_LOCKED_BY, "i.locked_by", "locked_by", q->locked_by},
    };
    int rc = 0;
    memset(m, 0, sizeof(*m));
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]) && rc == 0; i++)
        rc = rx_add(m, own[i].col, RX_TEXT, own[i].sql, own[i].param, own[i].pattern, err);
    for (int c = 0; more && c < SRX__COUNT && rc == 0; c++)
        rc = rx_add(m, more_cols[c].col, more_cols[c].kind, more_cols[c].sql,
                    more_cols[c].param, more->regex[c], err);
    if (rc == 0)
        rc = ip_add(m, 0, "ip", q->ip_regex, err);
    if (rc == 0)
        rc = ip_add(m, 1, "ip6", q->ip6_regex, err);
    if (rc != 0)
        matcher_free(m);
    return rc;
}

/* LIKE '%literal%' with '!' escaping: exact for a literal pattern on
 * PostgreSQL, a superset (ASCII case-folded) on SQLite; C decides. */
static char *like_arg(const char *literal)
{
    struct buf b = {0};
    buf_puts(&b, "%");
    for (const char *p = literal; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '!')
            buf_puts(&b, "!");
        buf_append(&b, p, 1);
    }
    buf_puts(&b, "%");
    return b.data;
}

struct likes { char *arg[MAX_RX + 2]; int n; };

static const char *like_keep(struct likes *l, const char *pattern)
{
    return l->arg[l->n++] = like_arg(pattern);
}

static void where_regex_prefilter(struct sqlb *q, const struct matcher *m, struct likes *l,
                                  const struct server_list_query *sq)
{
    for (int i = 0; i < m->n; i++) {
        const struct rx *r = &m->rx[i];
        if (r->sql && server_regex_is_literal(r->pattern)) {
            put(q, " AND ");
            put(q, r->sql);
            put(q, " LIKE ? ESCAPE '!'");
            bind_s(q, like_keep(l, r->pattern));
        }
    }
    if (!m->has_ip[0] && !m->has_ip[1])
        return;
    /* ip OR ip6 (nova _ip_filter matches either); only servers holding
     * an address of the asked version can match. */
    const char *pat[2] = { sq->ip_regex, sq->ip6_regex };
    put(q, " AND (");
    for (int v = 0, first = 1; v < 2; v++) {
        if (!m->has_ip[v])
            continue;
        put(q, first ? "" : " OR ");
        first = 0;
        put(q, v == 0 ? "EXISTS (SELECT 1 FROM fixed_ips f WHERE f.instance_uuid = i.uuid "
                        "AND f.version = 4"
                      : "EXISTS (SELECT 1 FROM fixed_ips f WHERE f.instance_uuid = i.uuid "
                        "AND f.version = 6");
        if (server_regex_is_literal(pat[v])) {
            put(q, " AND f.address LIKE ? ESCAPE '!'");
            bind_s(q, like_keep(l, pat[v]));
        }
        put(q, ")");
    }
    put(q, ")");
}

/* The column's text as Nova's REGEXP sees it; NULL never matches. */
static const char *rx_value(struct db_stmt *st, const struct rx *r, char *tmp, size_t n)
{
    if (db_col_null(st, r->col))
        return NULL;
    switch (r->kind) {
    case RX_TEXT:
        return db_col_text(st, r->col);
    case RX_INT:
        snprintf(tmp, n, "%lld", (long long)db_col_int(st, r->col));
        return tmp;
    case RX_DISK_CONFIG:
        return strcmp(db_col_str(st, r->col), "AUTO") == 0 ? "1" : "0";
    case RX_TIME: {
        time_t sec = (time_t)(db_col_int(st, r->col) / 1000000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        strftime(tmp, n, "%Y-%m-%d %H:%M:%S", &tm);
        return tmp;
    }
    }
    return NULL;
}

static bool ip_matches(struct db *db, const struct matcher *m, const char *uuid)
{
    struct db_stmt *st = db_prep(db, "SELECT version, address FROM fixed_ips "
                                     "WHERE instance_uuid = ?");
    if (!st)
        return false;
    db_bind_text(st, 1, uuid);
    bool hit = false;
    while (!hit && db_step(st) == DB_ROW) {
        int v = db_col_int(st, 0) == 6 ? 1 : 0;
        hit = m->has_ip[v] && regexec(&m->ip[v], db_col_str(st, 1), 0, NULL, 0) == 0;
    }
    db_done(st);
    return hit;
}

static bool row_matches(struct db *db, struct db_stmt *st, const struct matcher *m)
{
    char tmp[64];
    for (int i = 0; i < m->n; i++) {
        const char *v = rx_value(st, &m->rx[i], tmp, sizeof(tmp));
        if (!v || regexec(&m->rx[i].re, v, 0, NULL, 0) != 0)
            return false;
    }
    if (m->has_ip[0] || m->has_ip[1])
        return ip_matches(db, m, db_col_str(st, SC_UUID));
    return true;
}

/* --- WHERE --- */

static void where_states(struct sqlb *q, const struct server_list_query *sq)
{
    if (sq->n_vm_states > 0) {
        put(q, " AND i.vm_state IN ");
        in_list(q, sq->vm_states, sq->n_vm_states);
    }
    if (sq->n_task_states > 0 || sq->task_state_null_ok) {
        put(q, " AND (");
        if (sq->n_task_states > 0) {
            put(q, "i.task_state IN ");
            in_list(q, sq->task_states, sq->n_task_states);
        }
        if (sq->task_state_null_ok)
            put(q, sq->n_task_states > 0 ? " OR i.task_state IS NULL" : "i.task_state IS NULL");
        put(q, ")");
    }
}

/* nova db api: tags = all of, tags-any = any of, not-tags = not all of,
 * not-tags-any = none of. */
static void where_tags(struct sqlb *q, const char *const *tags, int n, bool any, bool negate)
{
    static const char *const has =
        "EXISTS (SELECT 1 FROM instance_tags t WHERE t.instance_uuid = i.uuid AND t.tag ";
    if (n <= 0)
        return;
    put(q, negate ? " AND NOT (" : " AND (");
    if (any) {
        put(q, has);
        put(q, "IN ");
        in_list(q, tags, n);
        put(q, ")");
    } else {
        for (int i = 0; i < n; i++) {
            put(q, i ? " AND " : "");
            put(q, has);
            put(q, "= ?)");
            bind_s(q, tags[i]);
        }
    }
    put(q, ")");
}

static void where_all(struct sqlb *q, const struct server_list_query *sq)
{
    bool changes = sq->changes_since || sq->changes_before;
    if (sq->project_id)
        and_s(q, "i.project_id = ?", sq->project_id);
    if (sq->deleted == 1)
        put(q, " AND i.deleted <> 0");
    else if (sq->deleted == 0 || !changes)
        put(q, " AND i.deleted = 0");
    if (sq->user_id)
        and_s(q, "i.user_id = ?", sq->user_id);
    if (sq->uuid)
        and_s(q, "i.uuid = ?", sq->uuid);
    if (sq->image)
        and_s(q, "i.image_ref = ?", sq->image);
    if (sq->flavor)
        and_s(q, "i.flavorid = ?", sq->flavor);
    if (sq->host)
        and_s(q, "i.host = ?", sq->host);
    where_states(q, sq);
    if (sq->locked == 1)
        put(q, " AND COALESCE(i.locked_by, '') <> ''");
    else if (sq->locked == 0)
        put(q, " AND COALESCE(i.locked_by, '') = ''");
    if (sq->changes_since) {
        put(q, " AND i.updated_at >= ?");
        bind_i(q, sq->changes_since);
    }
    if (sq->changes_before) {
        put(q, " AND i.updated_at <= ?");
        bind_i(q, sq->changes_before);
    }
    where_tags(q, sq->tags, sq->n_tags, false, false);
    where_tags(q, sq->tags_any, sq->n_tags_any, true, false);
    where_tags(q, sq->not_tags, sq->n_not_tags, false, true);
    where_tags(q, sq->not_tags_any, sq->n_not_tags_any, true, true);
}

/* --- the list --- */

/* Columns neither loaded nor filtered on are selected as NULL, keeping
 * SERVER_SELECT_COLS positions: decoding 49 columns of 1000 rows costs
 * more than the rest of a brief page. */
static void select_list(struct sqlb *q, const struct matcher *m, enum server_rows rows)
{
    bool used[SC__COUNT];
    for (int c = 0; c < SC__COUNT; c++)
        used[c] = server_col_loaded(rows, c);
    for (int i = 0; i < m->n; i++)
        used[m->rx[i].col] = true;
    put(q, "SELECT ");
    for (int c = 0; c < SC__COUNT; c++) {
        put(q, c ? ", " : "");
        put(q, used[c] ? server_col_sql[c] : "NULL");
    }
    put(q, " FROM instances i WHERE 1 = 1");
}

static int run(struct db *db, struct sqlb *q, const struct matcher *m, int limit,
               enum server_rows rows, struct server ***out, int *count, struct cerr *err)
{
    if (q->overflow)
        return cerr_set(err, 400, "Too many filter values.");
    struct db_stmt *st = server_dyn_prepare(db, q->sql.data);
    if (!st)
        return cerr_internal(err, "server list");
    for (int i = 0; i < q->n; i++) {
        if (q->b[i].is_int)
            db_bind_int(st, i + 1, q->b[i].i);
        else
            db_bind_text(st, i + 1, q->b[i].s);
    }
    struct server **list = NULL;
    int n = 0, cap = 0, rc = DB_DONE;
    while (n < limit && (rc = db_step(st)) == DB_ROW) {
        if (!row_matches(db, st, m))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            list = xrealloc(list, (size_t)cap * sizeof(*list));
        }
        list[n] = xmalloc(sizeof(**list));
        server_row_load_as(st, list[n++], rows);
    }
    server_dyn_finalize(st);
    if (n < limit && rc < 0) {
        server_list_free(list, n);
        return cerr_internal(err, "server list");
    }
    *out = list;
    *count = n;
    return 0;
}

int store_server_list_more(struct db *db, const struct server_list_query *q,
                           const struct server_list_more *more, struct server ***out,
                           int *count, struct cerr *err)
{
    struct order o;
    struct matcher m;
    struct likes likes = {0};
    struct sqlb *sql = xcalloc(1, sizeof(*sql));
    int limit = q->limit > 0 ? q->limit : 1000, rc = -1;
    order_build(&o, q);
    if (matcher_build(&m, q, more, err) < 0)
        goto cleanup_order;
    if (q->marker && load_marker(db, &o, q->marker, err) < 0)
        goto cleanup;
    select_list(sql, &m, more ? more->rows : SERVER_ROWS_FULL);
    where_all(sql, q);
    where_regex_prefilter(sql, &m, &likes, q);
    if (q->marker)
        where_after_marker(sql, &o);
    order_by(sql, &o);
    if (m.n == 0 && !m.has_ip[0] && !m.has_ip[1]) {
        put(sql, " LIMIT ?");   /* nothing left for C to reject */
        bind_i(sql, limit);
    }
    rc = run(db, sql, &m, limit, more ? more->rows : SERVER_ROWS_FULL, out, count, err);
cleanup:
    matcher_free(&m);
cleanup_order:
    order_free(&o);
    for (int i = 0; i < likes.n; i++)
        free(likes.arg[i]);
    buf_free(&sql->sql);
    free(sql);
    return rc;
}

int store_server_list(struct db *db, const struct server_list_query *q, struct server ***out,
                      int *count, struct cerr *err)
{
    return store_server_list_more(db, q, NULL, out, count, err);
}
