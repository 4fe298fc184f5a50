/* db.h - the storage seam: a small SQL backend table (like SQLite's VFS)
 * and the helpers every repository in src/store/ uses on top of it.
 *
 * Only files in src/store/ include this header: nothing else writes SQL.
 * SQL text is portable (SQLite and PostgreSQL): '?' placeholders (the
 * PostgreSQL backend renumbers them), BIGINT/TEXT columns, times as BIGINT
 * microseconds, no INSERT OR REPLACE (use ON CONFLICT ... DO UPDATE),
 * RETURNING for generated ids.
 *
 * Each thread has its own connection (store_db()); prepared statements are
 * cached per connection, keyed by the SQL string's address, so repository
 * SQL must be string literals (static storage). */
#ifndef CIRRUS_DB_H
#define CIRRUS_DB_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "util/err.h"

struct db;
struct db_stmt;

enum { DB_DONE = 0, DB_ROW = 1 };   /* db_step(); negative = error */

struct store_ops {
    int version;                    /* STORE_OPS_VERSION */
    const char *name;               /* "sqlite", "postgresql" */
    int  (*open)(const char *target, struct db **out, struct cerr *err);
    void (*close)(struct db *db);
    struct db_stmt *(*prepare)(struct db *db, const char *sql);  /* NULL on error, logged */
    void (*reset)(struct db_stmt *st);                            /* ready for re-use, binds cleared */
    void (*finalize)(struct db_stmt *st);
    int  (*bind_text)(struct db_stmt *st, int idx, const char *v); /* 1-based; NULL binds NULL */
    int  (*bind_int)(struct db_stmt *st, int idx, int64_t v);
    int  (*bind_blob)(struct db_stmt *st, int idx, const void *v, int n);
    int  (*step)(struct db_stmt *st);
    const char *(*col_text)(struct db_stmt *st, int i);            /* NULL for SQL NULL */
    int64_t (*col_int)(struct db_stmt *st, int i);
    bool (*col_null)(struct db_stmt *st, int i);
    int  (*exec)(struct db *db, const char *sql);                  /* multi-statement script */
    int64_t (*changes)(struct db *db);
    const char *(*errmsg)(struct db *db);
    const char *autoid;             /* column type of a generated integer key */
};
#define STORE_OPS_VERSION 1

extern const struct store_ops store_sqlite_ops;

/* Called once at start-up: picks the backend from the target
 * ("postgresql://..." or a file path), opens a first connection and
 * applies pending schema migrations. */
int store_init(const char *target, struct cerr *err);
void store_shutdown(void);
const char *store_backend(void);

/* This thread's connection (opened on first use). NULL only if the
 * database became unreachable; callers then fail with cerr_internal. */
struct db *store_db(void);
/* Closes this thread's connection (worker threads call it on exit). */
void store_thread_done(void);

/* Statement helpers. db_prep() returns a cached, reset statement. */
struct db_stmt *db_prep(struct db *db, const char *sql);
void db_done(struct db_stmt *st);          /* reset; keep cached */
int  db_bind_text(struct db_stmt *st, int idx, const char *v);
int  db_bind_int(struct db_stmt *st, int idx, int64_t v);
int  db_step(struct db_stmt *st);
const char *db_col_text(struct db_stmt *st, int i);
const char *db_col_str(struct db_stmt *st, int i);    /* "" instead of NULL */
int64_t db_col_int(struct db_stmt *st, int i);
bool db_col_null(struct db_stmt *st, int i);
int64_t db_changes(struct db *db);
const char *db_errmsg(struct db *db);

/* Runs one statement with binds described by types: 's' text (NULL ok),
 * 'i' int64, 'b' bool (int). Returns changed rows (>= 0) or -1 (logged). */
int64_t db_run(struct db *db, const char *sql, const char *types, ...);
/* Like db_run for a statement that returns one integer (COUNT, RETURNING
 * id). Returns 1 with *out set, 0 when no row, -1 on error. */
int db_query_int(struct db *db, int64_t *out, const char *sql, const char *types, ...);

/* The rows of sql (one text bind `arg`, or none when NULL) as JSON: with
 * pairs, {col0: col1, ...}; without, [col0, ...]. 0 with *out (new
 * reference), -1 on store errors. */
int db_query_json(struct db *db, const char *sql, const char *arg, bool pairs, json_t **out);

/* Transactions: BEGIN IMMEDIATE on SQLite so writers queue instead of
 * deadlocking on lock upgrade. Nesting is not supported. */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* Schema migrations, per module: each module's list is applied in order
 * and its version recorded in schema_versions(module, version). */
struct store_migration {
    int version;
    const char *sql;   /* may hold several statements; "@AUTOID@" is replaced
                          by the backend's generated-key column type */
};
struct store_module_schema {
    const char *module;
    const struct store_migration *migrations;
    int count;
};
#endif
