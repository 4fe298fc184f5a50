/* store.c - connections (one per thread), the prepared-statement cache,
 * the db_* helpers and the schema migration runner. */
#include "store/db.h"
#include "util/log.h"
#include "util/mem.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

extern const struct store_module_schema *const store_schemas[];
extern const int store_schema_count;

static const struct store_ops *g_ops;
static char *g_target;

#define CACHE_SLOTS 512   /* open addressing; SQL text count stays well below */

struct conn {
    struct db *db;
    struct { const char *sql; struct db_stmt *st; } cache[CACHE_SLOTS];
};

static __thread struct conn *tl_conn;
/* Threads we do not own (libmicrohttpd's pool) never call store_thread_done;
 * the key's destructor closes their connection when they exit. */
static pthread_key_t conn_key;
static pthread_once_t conn_key_once = PTHREAD_ONCE_INIT;

static struct conn *conn_open(struct cerr *err)
{
    struct db *db = NULL;
    if (g_ops->open(g_target, &db, err) < 0)
        return NULL;
    struct conn *c = xcalloc(1, sizeof(*c));
    c->db = db;
    return c;
}

static void conn_close(struct conn *c)
{
    if (!c)
        return;
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (c->cache[i].st)
            g_ops->finalize(c->cache[i].st);
    g_ops->close(c->db);
    free(c);
}

static void conn_destroy(void *p) { conn_close(p); }
static void conn_key_init(void) { pthread_key_create(&conn_key, conn_destroy); }

struct db *store_db(void)
{
    if (!tl_conn) {
        struct cerr err;
        tl_conn = conn_open(&err);
        if (!tl_conn) {
            log_error("%s", err.message);
            return NULL;
        }
        pthread_once(&conn_key_once, conn_key_init);
        pthread_setspecific(conn_key, tl_conn);
    }
    return tl_conn->db;
}

void store_thread_done(void)
{
    if (tl_conn)
        pthread_setspecific(conn_key, NULL);
    conn_close(tl_conn);
    tl_conn = NULL;
}

const char *store_backend(void) { return g_ops ? g_ops->name : "none"; }

struct db_stmt *db_prep(struct db *db, const char *sql)
{
    struct conn *c = tl_conn;
    if (!c || c->db != db)
        return NULL;
    size_t h = ((uintptr_t)sql >> 3) % CACHE_SLOTS;
    for (size_t n = 0; n < CACHE_SLOTS; n++, h = (h + 1) % CACHE_SLOTS) {
        if (c->cache[h].sql == sql)
            return c->cache[h].st;
        if (!c->cache[h].sql) {
            struct db_stmt *st = g_ops->prepare(db, sql);
            if (!st)
                return NULL;
            c->cache[h].sql = sql;
            c->cache[h].st = st;
            return st;
        }
    }
    log_error("statement cache full");
    return NULL;
}

void db_done(struct db_stmt *st) { if (st) g_ops->reset(st); }
int db_bind_text(struct db_stmt *st, int i, const char *v) { return g_ops->bind_text(st, i, v); }
int db_bind_int(struct db_stmt *st, int i, int64_t v) { return g_ops->bind_int(st, i, v); }
int db_step(struct db_stmt *st) { return g_ops->step(st); }
const char *db_col_text(struct db_stmt *st, int i) { return g_ops->col_text(st, i); }
int64_t db_col_int(struct db_stmt *st, int i) { return g_ops->col_int(st, i); }
bool db_col_null(struct db_stmt *st, int i) { return g_ops->col_null(st, i); }
int64_t db_changes(struct db *db) { return g_ops->changes(db); }
const char *db_errmsg(struct db *db) { return g_ops->errmsg(db); }

const char *db_col_str(struct db_stmt *st, int i)
{
    const char *s = g_ops->col_text(st, i);
    return s ? s : "";
}

static int bindv(struct db_stmt *st, const char *types, va_list ap)
{
    for (int i = 0; types[i]; i++) {
        int rc;
        switch (types[i]) {
        case 's': rc = g_ops->bind_text(st, i + 1, va_arg(ap, const char *)); break;
        case 'i': rc = g_ops->bind_int(st, i + 1, va_arg(ap, int64_t)); break;
        case 'b': rc = g_ops->bind_int(st, i + 1, va_arg(ap, int) ? 1 : 0); break;
        default: log_error("db: bad bind type '%c'", types[i]); return -1;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

int64_t db_run(struct db *db, const char *sql, const char *types, ...)
{
    struct db_stmt *st = db_prep(db, sql);
    if (!st)
        return -1;
    va_list ap;
    va_start(ap, types);
    int rc = bindv(st, types, ap);
    va_end(ap);
    if (rc == 0) {
        while ((rc = g_ops->step(st)) == DB_ROW)
            ;
    }
    db_done(st);
    return rc < 0 ? -1 : g_ops->changes(db);
}

int db_query_int(struct db *db, int64_t *out, const char *sql, const char *types, ...)
{
    struct db_stmt *st = db_prep(db, sql);
    if (!st)
        return -1;
    va_list ap;
    va_start(ap, types);
    int rc = bindv(st, types, ap);
    va_end(ap);
    if (rc == 0) {
        rc = g_ops->step(st);
        if (rc == DB_ROW) {
            *out = g_ops->col_int(st, 0);
            while (g_ops->step(st) == DB_ROW)
                ;
            rc = 1;
        }
    }
    db_done(st);
    return rc;
}

int db_query_json(struct db *db, const char *sql, const char *arg, bool pairs, json_t **out)
{
    struct db_stmt *st = db_prep(db, sql);
    if (!st)
        return -1;
    json_t *j = pairs ? json_object() : json_array();
    if (arg)
        db_bind_text(st, 1, arg);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (pairs)
            json_object_set_new(j, db_col_str(st, 0), json_string(db_col_str(st, 1)));
        else
            json_array_append_new(j, json_string(db_col_str(st, 0)));
    }
    db_done(st);
    if (rc < 0) {
        json_decref(j);
        return -1;
    }
    *out = j;
    return 0;
}

int db_begin(struct db *db)
{
    return g_ops->exec(db, strcmp(g_ops->name, "sqlite") == 0 ? "BEGIN IMMEDIATE" : "BEGIN");
}
int db_commit(struct db *db) { return g_ops->exec(db, "COMMIT"); }
void db_rollback(struct db *db) { g_ops->exec(db, "ROLLBACK"); }

static char *expand_autoid(const char *sql)
{
    struct buf b = {0};
    const char *p = sql, *q;
    while ((q = strstr(p, "@AUTOID@"))) {
        buf_append(&b, p, (size_t)(q - p));
        buf_puts(&b, g_ops->autoid);
        p = q + 8;
    }
    buf_puts(&b, p);
    return b.data;
}

static int migrate(struct db *db, struct cerr *err)
{
    if (g_ops->exec(db, "CREATE TABLE IF NOT EXISTS schema_versions ("
                        "module TEXT PRIMARY KEY, version BIGINT NOT NULL)") < 0)
        return cerr_internal(err, "cannot create schema_versions");
    for (int m = 0; m < store_schema_count; m++) {
        const struct store_module_schema *s = store_schemas[m];
        int64_t have = 0;
        if (db_query_int(db, &have, "SELECT version FROM schema_versions WHERE module = ?",
                         "s", s->module) < 0)
            return cerr_internal(err, "cannot read schema_versions");
        for (int i = 0; i < s->count; i++) {
            const struct store_migration *mg = &s->migrations[i];
            if (mg->version <= have)
                continue;
            char *sql = expand_autoid(mg->sql);
            int ok = db_begin(db) == 0 && g_ops->exec(db, sql) == 0 &&
                     db_run(db, "INSERT INTO schema_versions (module, version) VALUES (?, ?) "
                                "ON CONFLICT (module) DO UPDATE SET version = excluded.version",
                            "si", s->module, (int64_t)mg->version) >= 0 &&
                     db_commit(db) == 0;
            free(sql);
            if (!ok) {
                db_rollback(db);
                return cerr_set(err, 500, "schema migration %s/%d failed: %s", s->module,
                                mg->version, db_errmsg(db));
            }
            log_info("store: applied migration %s/%d", s->module, mg->version);
        }
    }
    return 0;
}

int store_init(const char *target, struct cerr *err)
{
    if (strncmp(target, "postgresql://", 13) == 0 || strncmp(target, "postgres://", 11) == 0)
        return cerr_set(err, 500, "the PostgreSQL backend is not part of this build yet; "
                        "use a SQLite path for [database] connection");
    g_ops = &store_sqlite_ops;
    free(g_target);
    g_target = xstrdup(target);
    struct db *db = store_db();
    if (!db)
        return cerr_set(err, 500, "cannot open database %s", target);
    return migrate(db, err);
}

void store_shutdown(void)
{
    store_thread_done();
    free(g_target);
    g_target = NULL;
}
