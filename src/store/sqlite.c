/* sqlite.c - the SQLite backend of struct store_ops: WAL journal, a busy
 * timeout so concurrent writers wait instead of failing, foreign keys on. */
#include "store/db.h"
#include "util/log.h"
#include "util/mem.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct db { sqlite3 *h; };
/* struct db_stmt is sqlite3_stmt itself, cast at the boundary. */
#define ST(s) ((sqlite3_stmt *)(void *)(s))

static int sq_open(const char *target, struct db **out, struct cerr *err)
{
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(target, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        cerr_set(err, 500, "cannot open database %s: %s", target,
                 h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        sqlite3_close(h);
        return -1;
    }
    sqlite3_busy_timeout(h, 10000);
    char *msg = NULL;
    rc = sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                         "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                         "PRAGMA cache_size=-16000;", NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        cerr_set(err, 500, "cannot configure database: %s", msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(h);
        return -1;
    }
    struct db *db = xcalloc(1, sizeof(*db));
    db->h = h;
    *out = db;
    return 0;
}

static void sq_close(struct db *db)
{
    if (!db)
        return;
    sqlite3_close_v2(db->h);
    free(db);
}

static struct db_stmt *sq_prepare(struct db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        log_error("sqlite prepare failed: %s: %s", sqlite3_errmsg(db->h), sql);
        return NULL;
    }
    return (struct db_stmt *)(void *)st;
}

static void sq_reset(struct db_stmt *s)
{
    sqlite3_reset(ST(s));
    sqlite3_clear_bindings(ST(s));
}

static void sq_finalize(struct db_stmt *s) { sqlite3_finalize(ST(s)); }

static int sq_bind_text(struct db_stmt *s, int i, const char *v)
{
    int rc = v ? sqlite3_bind_text(ST(s), i, v, -1, SQLITE_TRANSIENT)
               : sqlite3_bind_null(ST(s), i);
    return rc == SQLITE_OK ? 0 : -1;
}

static int sq_bind_int(struct db_stmt *s, int i, int64_t v)
{
    return sqlite3_bind_int64(ST(s), i, v) == SQLITE_OK ? 0 : -1;
}

static int sq_bind_blob(struct db_stmt *s, int i, const void *v, int n)
{
    return sqlite3_bind_blob(ST(s), i, v, n, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

static int sq_step(struct db_stmt *s)
{
    int rc = sqlite3_step(ST(s));
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    sqlite3 *h = sqlite3_db_handle(ST(s));
    log_error("sqlite step failed (%d): %s: %s", rc, sqlite3_errmsg(h), sqlite3_sql(ST(s)));
    return -1;
}

static const char *sq_col_text(struct db_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(ST(s), i);
}

static int64_t sq_col_int(struct db_stmt *s, int i) { return sqlite3_column_int64(ST(s), i); }
static bool sq_col_null(struct db_stmt *s, int i) { return sqlite3_column_type(ST(s), i) == SQLITE_NULL; }

static int sq_exec(struct db *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("sqlite exec failed: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int64_t sq_changes(struct db *db) { return sqlite3_changes64(db->h); }
static const char *sq_errmsg(struct db *db) { return sqlite3_errmsg(db->h); }

const struct store_ops store_sqlite_ops = {
    .version = STORE_OPS_VERSION,
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .prepare = sq_prepare,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .bind_text = sq_bind_text,
    .bind_int = sq_bind_int,
    .bind_blob = sq_bind_blob,
    .step = sq_step,
    .col_text = sq_col_text,
    .col_int = sq_col_int,
    .col_null = sq_col_null,
    .exec = sq_exec,
    .changes = sq_changes,
    .errmsg = sq_errmsg,
    .autoid = "INTEGER PRIMARY KEY",
};
