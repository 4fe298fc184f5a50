/* identity.c - the identity repository: all SQL on domains, projects,
 * users, roles, role_assignments and tokens. Optional list filters use
 * "(? = 0 OR col = ?)" pairs, so every statement is a cacheable literal. */
#include "store/identity.h"
#include "util/mem.h"

#include <stdlib.h>
#include <string.h>

#define PROJECT_COLS "p.id, p.name, p.domain_id, d.name, p.description, p.enabled"
#define PROJECT_FROM " FROM projects p JOIN domains d ON d.id = p.domain_id"
#define USER_COLS "u.id, u.name, u.domain_id, d.name, u.password_hash," \
                  " COALESCE(u.default_project_id, ''), COALESCE(u.email, ''), u.enabled"
#define USER_FROM " FROM users u JOIN domains d ON d.id = u.domain_id"

typedef void (*row_fn)(struct db_stmt *st, int col, void *out);

static void row_domain(struct db_stmt *st, int c, void *out)
{
    struct identity_domain *d = out;
    memset(d, 0, sizeof(*d));
    str_copy(d->id, sizeof(d->id), db_col_str(st, c));
    str_copy(d->name, sizeof(d->name), db_col_str(st, c + 1));
    str_copy(d->description, sizeof(d->description), db_col_str(st, c + 2));
    d->enabled = db_col_int(st, c + 3) != 0;
}

static void row_project(struct db_stmt *st, int c, void *out)
{
    struct identity_project *p = out;
    memset(p, 0, sizeof(*p));
    str_copy(p->id, sizeof(p->id), db_col_str(st, c));
    str_copy(p->name, sizeof(p->name), db_col_str(st, c + 1));
    str_copy(p->domain_id, sizeof(p->domain_id), db_col_str(st, c + 2));
    str_copy(p->domain_name, sizeof(p->domain_name), db_col_str(st, c + 3));
    str_copy(p->description, sizeof(p->description), db_col_str(st, c + 4));
    p->enabled = db_col_int(st, c + 5) != 0;
}

static void row_user(struct db_stmt *st, int c, void *out)
{
    struct identity_user *u = out;
    memset(u, 0, sizeof(*u));
    str_copy(u->id, sizeof(u->id), db_col_str(st, c));
    str_copy(u->name, sizeof(u->name), db_col_str(st, c + 1));
    str_copy(u->domain_id, sizeof(u->domain_id), db_col_str(st, c + 2));
    str_copy(u->domain_name, sizeof(u->domain_name), db_col_str(st, c + 3));
    str_copy(u->password_hash, sizeof(u->password_hash), db_col_str(st, c + 4));
    str_copy(u->default_project_id, sizeof(u->default_project_id), db_col_str(st, c + 5));
    str_copy(u->email, sizeof(u->email), db_col_str(st, c + 6));
    u->enabled = db_col_int(st, c + 7) != 0;
}

static void row_role(struct db_stmt *st, int c, void *out)
{
    struct identity_role *r = out;
    memset(r, 0, sizeof(*r));
    str_copy(r->id, sizeof(r->id), db_col_str(st, c));
    str_copy(r->name, sizeof(r->name), db_col_str(st, c + 1));
}

/* Steps a bound statement to its one row. 0 found, -1 with 404 or 500. */
static int fetch_one(struct db_stmt *st, row_fn fn, void *out, const char *kind,
                     const char *key, struct cerr *err)
{
    int rc = db_step(st);
    if (rc == DB_ROW)
        fn(st, 0, out);
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, kind);
    if (rc != DB_ROW)
        return cerr_set(err, 404, "Could not find %s: %s.", kind, key);
    return 0;
}

/* Steps a bound statement to the end, one element of `size` per row. */
static int fetch_all(struct db_stmt *st, row_fn fn, size_t size, void **out, int *count,
                     const char *what, struct cerr *err)
{
    char *list = NULL;
    int n = 0, cap = 0, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            list = xrealloc(list, (size_t)cap * size);
        }
        fn(st, 0, list + (size_t)n * size);
        n++;
    }
    db_done(st);
    if (rc < 0) {
        free(list);
        return cerr_internal(err, what);
    }
    *out = list;
    *count = n;
    return 0;
}

/* Binds an optional filter as the pair (flag, value) at idx, idx+1. */
static void bind_opt(struct db_stmt *st, int idx, const char *value)
{
    db_bind_int(st, idx, value ? 1 : 0);
    db_bind_text(st, idx + 1, value ? value : "");
}

/* --- bootstrap --- */

int store_domain_ensure(struct db *db, const char *id, const char *name, struct cerr *err)
{
    if (db_run(db, "INSERT INTO domains (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
               "ss", id, name) < 0)
        return cerr_internal(err, "domain insert");
    return 0;
}

int store_project_ensure(struct db *db, const char *name, const char *domain_id,
                         const char *new_id, char id[IDENTITY_ID_MAX], struct cerr *err)
{
    struct identity_project p;
    if (db_run(db, "INSERT INTO projects (id, name, domain_id) VALUES (?, ?, ?)"
                   " ON CONFLICT DO NOTHING", "sss", new_id, name, domain_id) < 0)
        return cerr_internal(err, "project insert");
    if (store_project_by_name(db, name, domain_id, &p, err) < 0)
        return -1;
    str_copy(id, IDENTITY_ID_MAX, p.id);
    return 0;
}

int store_role_ensure(struct db *db, const char *name, const char *new_id,
                      char id[IDENTITY_ID_MAX], struct cerr *err)
{
    if (db_run(db, "INSERT INTO roles (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
               "ss", new_id, name) < 0)
        return cerr_internal(err, "role insert");
    struct db_stmt *st = db_prep(db, "SELECT id, name FROM roles WHERE name = ?");
    if (!st)
        return cerr_internal(err, "role lookup");
    db_bind_text(st, 1, name);
    struct identity_role r;
    if (fetch_one(st, row_role, &r, "role", name, err) < 0)
        return -1;
    str_copy(id, IDENTITY_ID_MAX, r.id);
    return 0;
}

int store_user_ensure(struct db *db, const char *name, const char *domain_id,
                      const char *new_id, const char *password_hash,
                      struct identity_user *out, struct cerr *err)
{
    if (db_run(db, "INSERT INTO users (id, name, domain_id, password_hash) VALUES (?, ?, ?, ?)"
                   " ON CONFLICT DO NOTHING", "ssss", new_id, name, domain_id,
               password_hash) < 0)
        return cerr_internal(err, "user insert");
    return store_user_by_name(db, name, domain_id, out, err);
}

int store_user_set_password(struct db *db, const char *user_id, const char *password_hash,
                            struct cerr *err)
{
    if (db_run(db, "UPDATE users SET password_hash = ? WHERE id = ?", "ss", password_hash,
               user_id) < 0)
        return cerr_internal(err, "user update");
    return 0;
}

int store_role_assign(struct db *db, const char *user_id, const char *project_id,
                      const char *role_id, struct cerr *err)
{
    if (db_run(db, "INSERT INTO role_assignments (user_id, project_id, role_id)"
                   " VALUES (?, ?, ?) ON CONFLICT DO NOTHING", "sss", user_id, project_id,
               role_id) < 0)
        return cerr_internal(err, "role assignment insert");
    return 0;
}

/* --- lookups --- */

int store_domain_get(struct db *db, const char *id, struct identity_domain *out,
                     struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT id, name, description, enabled FROM domains"
                                     " WHERE id = ?");
    if (!st)
        return cerr_internal(err, "domain");
    db_bind_text(st, 1, id);
    return fetch_one(st, row_domain, out, "domain", id, err);
}

int store_domain_by_name(struct db *db, const char *name, struct identity_domain *out,
                         struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT id, name, description, enabled FROM domains"
                                     " WHERE name = ?");
    if (!st)
        return cerr_internal(err, "domain");
    db_bind_text(st, 1, name);
    return fetch_one(st, row_domain, out, "domain", name, err);
}

int store_project_get(struct db *db, const char *id, struct identity_project *out,
                      struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " PROJECT_COLS PROJECT_FROM " WHERE p.id = ?");
    if (!st)
        return cerr_internal(err, "project");
    db_bind_text(st, 1, id);
    return fetch_one(st, row_project, out, "project", id, err);
}

int store_project_by_name(struct db *db, const char *name, const char *domain_id,
                          struct identity_project *out, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " PROJECT_COLS PROJECT_FROM
                                     " WHERE p.name = ? AND p.domain_id = ?");
    if (!st)
        return cerr_internal(err, "project");
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, domain_id);
    return fetch_one(st, row_project, out, "project", name, err);
}

int store_user_get(struct db *db, const char *id, struct identity_user *out,
                   struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " USER_COLS USER_FROM " WHERE u.id = ?");
    if (!st)
        return cerr_internal(err, "user");
    db_bind_text(st, 1, id);
    return fetch_one(st, row_user, out, "user", id, err);
}

int store_user_by_name(struct db *db, const char *name, const char *domain_id,
                       struct identity_user *out, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " USER_COLS USER_FROM
                                     " WHERE u.name = ? AND u.domain_id = ?");
    if (!st)
        return cerr_internal(err, "user");
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, domain_id);
    return fetch_one(st, row_user, out, "user", name, err);
}

int store_role_get(struct db *db, const char *id, struct identity_role *out,
                   struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT id, name FROM roles WHERE id = ?");
    if (!st)
        return cerr_internal(err, "role");
    db_bind_text(st, 1, id);
    return fetch_one(st, row_role, out, "role", id, err);
}

/* --- listings --- */

int store_domain_list(struct db *db, const struct identity_filter *f,
                      struct identity_domain **out, int *count, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT id, name, description, enabled FROM domains"
                                     " WHERE (? = 0 OR name = ?) ORDER BY name");
    if (!st)
        return cerr_internal(err, "domain list");
    bind_opt(st, 1, f->name);
    return fetch_all(st, row_domain, sizeof(**out), (void **)out, count, "domain list", err);
}

int store_project_list(struct db *db, const struct identity_filter *f,
                       struct identity_project **out, int *count, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " PROJECT_COLS PROJECT_FROM
                                     " WHERE (? = 0 OR p.name = ?) AND (? = 0 OR p.domain_id = ?)"
                                     " AND (? = 0 OR p.id IN (SELECT project_id FROM"
                                     " role_assignments WHERE user_id = ?)) ORDER BY p.name");
    if (!st)
        return cerr_internal(err, "project list");
    bind_opt(st, 1, f->name);
    bind_opt(st, 3, f->domain_id);
    bind_opt(st, 5, f->user_id);
    return fetch_all(st, row_project, sizeof(**out), (void **)out, count, "project list", err);
}

int store_user_list(struct db *db, const struct identity_filter *f,
                    struct identity_user **out, int *count, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT " USER_COLS USER_FROM
                                     " WHERE (? = 0 OR u.name = ?) AND (? = 0 OR u.domain_id = ?)"
                                     " ORDER BY u.name");
    if (!st)
        return cerr_internal(err, "user list");
    bind_opt(st, 1, f->name);
    bind_opt(st, 3, f->domain_id);
    return fetch_all(st, row_user, sizeof(**out), (void **)out, count, "user list", err);
}

int store_role_list(struct db *db, const struct identity_filter *f,
                    struct identity_role **out, int *count, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT id, name FROM roles WHERE (? = 0 OR name = ?)"
                                     " ORDER BY name");
    if (!st)
        return cerr_internal(err, "role list");
    bind_opt(st, 1, f->name);
    return fetch_all(st, row_role, sizeof(**out), (void **)out, count, "role list", err);
}

int store_user_roles(struct db *db, const char *user_id, const char *project_id,
                     struct identity_role **out, int *count, struct cerr *err)
{
    struct db_stmt *st = db_prep(db, "SELECT r.id, r.name FROM role_assignments a"
                                     " JOIN roles r ON r.id = a.role_id"
                                     " WHERE a.user_id = ? AND a.project_id = ? ORDER BY r.name");
    if (!st)
        return cerr_internal(err, "user roles");
    db_bind_text(st, 1, user_id);
    db_bind_text(st, 2, project_id);
    return fetch_all(st, row_role, sizeof(**out), (void **)out, count, "user roles", err);
}

static void row_assignment(struct db_stmt *st, int c, void *out)
{
    struct identity_assignment *a = out;
    memset(a, 0, sizeof(*a));
    str_copy(a->user.id, sizeof(a->user.id), db_col_str(st, c));
    str_copy(a->user.name, sizeof(a->user.name), db_col_str(st, c + 1));
    str_copy(a->user.domain_id, sizeof(a->user.domain_id), db_col_str(st, c + 2));
    str_copy(a->user.domain_name, sizeof(a->user.domain_name), db_col_str(st, c + 3));
    str_copy(a->project.id, sizeof(a->project.id), db_col_str(st, c + 4));
    str_copy(a->project.name, sizeof(a->project.name), db_col_str(st, c + 5));
    str_copy(a->project.domain_id, sizeof(a->project.domain_id), db_col_str(st, c + 6));
    str_copy(a->project.domain_name, sizeof(a->project.domain_name), db_col_str(st, c + 7));
    row_role(st, c + 8, &a->role);
}

int store_assignment_list(struct db *db, const struct identity_filter *f,
                          struct identity_assignment **out, int *count, struct cerr *err)
{
    struct db_stmt *st = db_prep(
        db, "SELECT u.id, u.name, u.domain_id, ud.name, p.id, p.name, p.domain_id, pd.name,"
            " r.id, r.name FROM role_assignments a"
            " JOIN users u ON u.id = a.user_id JOIN domains ud ON ud.id = u.domain_id"
            " JOIN projects p ON p.id = a.project_id JOIN domains pd ON pd.id = p.domain_id"
            " JOIN roles r ON r.id = a.role_id"
            " WHERE (? = 0 OR a.user_id = ?) AND (? = 0 OR a.project_id = ?)"
            " AND (? = 0 OR a.role_id = ?) ORDER BY u.name, p.name, r.name");
    if (!st)
        return cerr_internal(err, "role assignment list");
    bind_opt(st, 1, f->user_id);
    bind_opt(st, 3, f->project_id);
    bind_opt(st, 5, f->role_id);
    return fetch_all(st, row_assignment, sizeof(**out), (void **)out, count,
                     "role assignment list", err);
}

/* --- tokens --- */

int store_token_insert(struct db *db, const char *hash, const char *user_id,
                       const char *project_id, const char *methods, const char *audit_id,
                       int64_t issued_at, int64_t expires_at, struct cerr *err)
{
    if (db_run(db, "INSERT INTO tokens (hash, user_id, project_id, methods, audit_id,"
                   " issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)", "sssssii", hash,
               user_id, project_id && *project_id ? project_id : NULL, methods, audit_id,
               issued_at, expires_at) < 0)
        return cerr_internal(err, "token insert");
    return 0;
}

static void row_token(struct db_stmt *st, int c, void *out)
{
    struct identity_token *t = out;
    memset(t, 0, sizeof(*t));
    str_copy(t->hash, sizeof(t->hash), db_col_str(st, c));
    str_copy(t->methods, sizeof(t->methods), db_col_str(st, c + 1));
    str_copy(t->audit_id, sizeof(t->audit_id), db_col_str(st, c + 2));
    t->issued_at = db_col_int(st, c + 3);
    t->expires_at = db_col_int(st, c + 4);
    t->revoked = db_col_int(st, c + 5) != 0;
    row_user(st, c + 6, &t->user);
    if (!db_col_null(st, c + 14))
        row_project(st, c + 14, &t->project);
}

int store_token_get(struct db *db, const char *hash, struct identity_token *out,
                    struct cerr *err)
{
    /* One join per validation: every authenticated request runs it. */
    struct db_stmt *st = db_prep(
        db, "SELECT t.hash, t.methods, t.audit_id, t.issued_at, t.expires_at, t.revoked, "
            USER_COLS ", p.id, p.name, p.domain_id, pd.name, p.description, p.enabled"
            " FROM tokens t JOIN users u ON u.id = t.user_id JOIN domains d ON d.id = u.domain_id"
            " LEFT JOIN projects p ON p.id = t.project_id"
            " LEFT JOIN domains pd ON pd.id = p.domain_id WHERE t.hash = ?");
    if (!st)
        return cerr_internal(err, "token");
    db_bind_text(st, 1, hash);
    int rc = db_step(st);
    if (rc == DB_ROW)
        row_token(st, 0, out);
    db_done(st);
    if (rc < 0)
        return cerr_internal(err, "token");
    if (rc != DB_ROW)
        return cerr_set(err, 404, "Could not find token.");
    return 0;
}

int store_token_revoke(struct db *db, const char *hash, struct cerr *err)
{
    int64_t n = db_run(db, "UPDATE tokens SET revoked = 1 WHERE hash = ?", "s", hash);
    if (n < 0)
        return cerr_internal(err, "token revoke");
    if (n == 0)
        return cerr_set(err, 404, "Could not find token.");
    return 0;
}

int64_t store_token_purge(struct db *db, int64_t before)
{
    return db_run(db, "DELETE FROM tokens WHERE expires_at < ?", "i", before);
}
