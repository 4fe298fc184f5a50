/* identity.h - the identity repository: domains, projects, users, roles,
 * role assignments and issued tokens (Keystone's resource, identity,
 * assignment and token tables reduced to what cirrus serves). */
#ifndef CIRRUS_STORE_IDENTITY_H
#define CIRRUS_STORE_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

#define IDENTITY_ID_MAX   65
#define IDENTITY_NAME_MAX 256

struct identity_domain {
    char id[IDENTITY_ID_MAX];
    char name[IDENTITY_NAME_MAX];
    char description[IDENTITY_NAME_MAX];
    bool enabled;
};

struct identity_project {
    char id[IDENTITY_ID_MAX];
    char name[IDENTITY_NAME_MAX];
    char domain_id[IDENTITY_ID_MAX];
    char domain_name[IDENTITY_NAME_MAX];
    char description[IDENTITY_NAME_MAX];
    bool enabled;
};

struct identity_user {
    char id[IDENTITY_ID_MAX];
    char name[IDENTITY_NAME_MAX];
    char domain_id[IDENTITY_ID_MAX];
    char domain_name[IDENTITY_NAME_MAX];
    char password_hash[256];
    char default_project_id[IDENTITY_ID_MAX];   /* "" when unset */
    char email[IDENTITY_NAME_MAX];              /* "" when unset */
    bool enabled;
};

struct identity_role {
    char id[IDENTITY_ID_MAX];
    char name[IDENTITY_NAME_MAX];
};

/* One (user, project, role) row with the names include_names asks for. */
struct identity_assignment {
    struct identity_user user;       /* id, name, domain_id, domain_name */
    struct identity_project project; /* id, name, domain_id, domain_name */
    struct identity_role role;
};

/* A token row joined with its user and project. */
struct identity_token {
    char hash[IDENTITY_ID_MAX];
    struct identity_user user;
    struct identity_project project;  /* id "" when unscoped */
    char methods[64];
    char audit_id[32];
    int64_t issued_at, expires_at;
    bool revoked;
};

/* Filters of the admin listings; NULL members do not filter. */
struct identity_filter {
    const char *name;
    const char *domain_id;
    const char *user_id;
    const char *project_id;
    const char *role_id;
};

/* --- bootstrap: insert when absent, leave existing rows alone --- */
int store_domain_ensure(struct db *db, const char *id, const char *name, struct cerr *err);
/* Fills id[] with the existing or new (new_id) project's id. */
int store_project_ensure(struct db *db, const char *name, const char *domain_id,
                         const char *new_id, char id[IDENTITY_ID_MAX], struct cerr *err);
int store_role_ensure(struct db *db, const char *name, const char *new_id,
                      char id[IDENTITY_ID_MAX], struct cerr *err);
/* Inserts a user with password_hash when absent; the existing row is
 * returned in *out either way. */
int store_user_ensure(struct db *db, const char *name, const char *domain_id,
                      const char *new_id, const char *password_hash,
                      struct identity_user *out, struct cerr *err);
int store_user_set_password(struct db *db, const char *user_id, const char *password_hash,
                            struct cerr *err);
int store_role_assign(struct db *db, const char *user_id, const char *project_id,
                      const char *role_id, struct cerr *err);

/* --- lookups: 0 found; -1 with 404 "Could not find <kind>: <key>." --- */
int store_domain_get(struct db *db, const char *id, struct identity_domain *out,
                     struct cerr *err);
int store_domain_by_name(struct db *db, const char *name, struct identity_domain *out,
                         struct cerr *err);
int store_project_get(struct db *db, const char *id, struct identity_project *out,
                      struct cerr *err);
int store_project_by_name(struct db *db, const char *name, const char *domain_id,
                          struct identity_project *out, struct cerr *err);
int store_user_get(struct db *db, const char *id, struct identity_user *out,
                   struct cerr *err);
int store_user_by_name(struct db *db, const char *name, const char *domain_id,
                       struct identity_user *out, struct cerr *err);
int store_role_get(struct db *db, const char *id, struct identity_role *out,
                   struct cerr *err);

/* --- listings (ordered by name; caller frees *out with free()) --- */
int store_domain_list(struct db *db, const struct identity_filter *f,
                      struct identity_domain **out, int *count, struct cerr *err);
/* Honours name, domain_id and user_id (projects the user has a role on). */
int store_project_list(struct db *db, const struct identity_filter *f,
                       struct identity_project **out, int *count, struct cerr *err);
int store_user_list(struct db *db, const struct identity_filter *f,
                    struct identity_user **out, int *count, struct cerr *err);
int store_role_list(struct db *db, const struct identity_filter *f,
                    struct identity_role **out, int *count, struct cerr *err);
/* The roles directly assigned to a user on a project (token validation). */
int store_user_roles(struct db *db, const char *user_id, const char *project_id,
                     struct identity_role **out, int *count, struct cerr *err);
/* Honours user_id, project_id and role_id. */
int store_assignment_list(struct db *db, const struct identity_filter *f,
                          struct identity_assignment **out, int *count, struct cerr *err);

/* --- tokens --- */
int store_token_insert(struct db *db, const char *hash, const char *user_id,
                       const char *project_id, const char *methods, const char *audit_id,
                       int64_t issued_at, int64_t expires_at, struct cerr *err);
/* 0 found (revoked and expired rows too: the caller decides); -1 with 404. */
int store_token_get(struct db *db, const char *hash, struct identity_token *out,
                    struct cerr *err);
int store_token_revoke(struct db *db, const char *hash, struct cerr *err);
/* Drops rows that expired before `before`; returns how many, -1 on error. */
int64_t store_token_purge(struct db *db, int64_t before);

#endif
