/* identity.c - Keystone behaviour: the bootstrap users and projects,
 * password and token authentication, token issue, role implication and
 * the service catalog (DESIGN.md "Identity model", DIGEST g.1). */
#include "core/identity.h"
#include "core/bootstrap.h"
#include "store/identity.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/uuid.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DOMAIN_ID   "default"
#define DEFAULT_DOMAIN_NAME "Default"
#define UNAUTHORIZED "The request you have made requires authentication."

/* --- roles --- */

unsigned identity_role_bits(const char *name)
{
    if (str_eq(name, "admin"))
        return ROLE_ADMIN | ROLE_MANAGER | ROLE_MEMBER | ROLE_READER;
    if (str_eq(name, "manager"))
        return ROLE_MANAGER | ROLE_MEMBER | ROLE_READER;
    if (str_eq(name, "member"))
        return ROLE_MEMBER | ROLE_READER;
    if (str_eq(name, "reader"))
        return ROLE_READER;
    return 0;
}

json_t *identity_token_roles(const struct auth *a, struct cerr *err)
{
    struct identity_role *all = NULL, *mine = NULL;
    int nall = 0, nmine = 0;
    struct identity_filter none = { 0 };
    json_t *roles = NULL;
    struct db *db = store_db();
    if (!a->project_id[0])
        return json_array();
    if (!db) {
        cerr_internal(err, "token roles");
        return NULL;
    }
    if (store_role_list(db, &none, &all, &nall, err) < 0 ||
        store_user_roles(db, a->user_id, a->project_id, &mine, &nmine, err) < 0)
        goto cleanup;
    roles = json_array();
    for (int i = 0; i < nall; i++) {
        unsigned bits = identity_role_bits(all[i].name);
        bool assigned = false;
        for (int j = 0; j < nmine; j++)
            assigned = assigned || strcmp(mine[j].id, all[i].id) == 0;
        /* A role counts when assigned, or when implied by an assigned one
         * (Keystone expands implied roles into the token). */
        if (assigned || (bits && (a->roles & bits) == bits))
            json_array_append_new(roles, json_pack("{s:s,s:s}", "id", all[i].id,
                                                   "name", all[i].name));
    }
cleanup:
    free(all);
    free(mine);
    return roles;
}

/* --- bootstrap --- */

struct boot_user {
    const char *name, *password, *project;
    const char *roles[3];
};

/* The user row, holding the configured password: like keystone-manage
 * bootstrap, the configured password replaces a different stored one, so
 * clouds.yaml (written from the same config) always works. Hashing only
 * when a row must change keeps start-up to one argon2 verify per user. */
static int ensure_password(struct db *db, const struct boot_user *b, struct identity_user *u,
                           struct cerr *err)
{
    char hash[256], id[33];
    struct cerr lookup;
    int found = store_user_by_name(db, b->name, DEFAULT_DOMAIN_ID, u, &lookup);
    if (found < 0 && lookup.status != 404) {
        *err = lookup;
        return -1;
    }
    if (found == 0 && auth_password_verify(u->password_hash, b->password))
        return 0;
    if (auth_password_hash(b->password, hash, sizeof(hash)) < 0)
        return cerr_internal(err, "password hash");
    if (found == 0)
        return store_user_set_password(db, u->id, hash, err);
    uuid_generate_hex(id);
    return store_user_ensure(db, b->name, DEFAULT_DOMAIN_ID, id, hash, u, err);
}

static int ensure_user(struct db *db, const struct boot_user *b, struct cerr *err)
{
    char project_id[IDENTITY_ID_MAX], pid[33];
    struct identity_user u;
    uuid_generate_hex(pid);
    if (store_project_ensure(db, b->project, DEFAULT_DOMAIN_ID, pid, project_id, err) < 0 ||
        ensure_password(db, b, &u, err) < 0)
        return -1;
    for (int i = 0; i < 3 && b->roles[i]; i++) {
        char role_id[IDENTITY_ID_MAX], rid[33];
        uuid_generate_hex(rid);
        if (store_role_ensure(db, b->roles[i], rid, role_id, err) < 0 ||
            store_role_assign(db, u.id, project_id, role_id, err) < 0)
            return -1;
    }
    return 0;
}

static int bootstrap_rows(struct db *db, const struct cirrus_config *cfg, struct cerr *err)
{
    static const char *const roles[] = { "admin", "manager", "member", "reader" };
    const struct boot_user users[] = {
        { "admin", cfg->admin_password, "admin", { "admin", NULL, NULL } },
        { "demo", cfg->demo_password, "demo", { "member", "reader", NULL } },
    };
    if (store_domain_ensure(db, DEFAULT_DOMAIN_ID, DEFAULT_DOMAIN_NAME, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
        char id[IDENTITY_ID_MAX], rid[33];
        uuid_generate_hex(rid);
        if (store_role_ensure(db, roles[i], rid, id, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
        if (ensure_user(db, &users[i], err) < 0)
            return -1;
    return 0;
}

int identity_bootstrap(const struct cirrus_config *cfg, struct cerr *err)
{
    struct db *db = store_db();
    if (!db || db_begin(db) < 0)
        return cerr_internal(err, "identity bootstrap");
    if (bootstrap_rows(db, cfg, err) < 0) {
        db_rollback(db);
        return -1;
    }
    if (db_commit(db) < 0)
        return cerr_internal(err, "identity bootstrap commit");
    store_token_purge(db, clock_now_us());
    return 0;
}

/* --- authentication --- */

/* A hash to verify against when the user does not exist, so a login for
 * an unknown name costs what a wrong password costs (no user oracle). */
static char dummy_hash[256];
static void make_dummy_hash(void)
{
    if (auth_password_hash("cirrus-no-such-user", dummy_hash, sizeof(dummy_hash)) < 0)
        dummy_hash[0] = '\0';
}

static int find_domain_id(struct db *db, const char *id, const char *name,
                          char out[IDENTITY_ID_MAX], struct cerr *err)
{
    struct identity_domain d;
    int rc = id ? store_domain_get(db, id, &d, err) : store_domain_by_name(db, name, &d, err);
    if (rc == 0 && !d.enabled)
        rc = cerr_set(err, 401, UNAUTHORIZED);
    if (rc == 0)
        str_copy(out, IDENTITY_ID_MAX, d.id);
    return rc;
}

static int find_user(struct db *db, const struct identity_request *r,
                     struct identity_user *u, struct cerr *err)
{
    char domain_id[IDENTITY_ID_MAX];
    if (r->user_id)
        return store_user_get(db, r->user_id, u, err);
    if (find_domain_id(db, r->user_domain_id, r->user_domain_name, domain_id, err) < 0)
        return -1;
    return store_user_by_name(db, r->user_name, domain_id, u, err);
}

static int check_password(struct db *db, const struct identity_request *r,
                          struct identity_user *u, struct cerr *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct cerr lookup = { 0 };
    bool found = find_user(db, r, u, &lookup) == 0;
    if (!found && lookup.status >= 500) {
        *err = lookup;
        return -1;
    }
    pthread_once(&once, make_dummy_hash);
    bool ok = auth_password_verify(found ? u->password_hash : dummy_hash, r->password);
    if (!found || !ok || !u->enabled) {
        log_info("identity: authentication failed for user %s",
                 r->user_id ? r->user_id : r->user_name);
        return cerr_set(err, 401, UNAUTHORIZED);
    }
    return 0;
}

/* The token method: the presented token must be valid; it names the user
 * and keeps its expiry (Keystone never extends a token by re-scoping). */
static int check_token(const struct identity_request *r, struct auth *parent,
                       struct cerr *err)
{
    struct cerr v;
    if (auth_token_validate(r->token, parent, &v) < 0) {
        if (v.status >= 500) {
            *err = v;
            return -1;
        }
        return cerr_set(err, 404, "Failed to validate token");
    }
    return 0;
}

static int find_project(struct db *db, const struct identity_request *r,
                        struct identity_project *p, struct cerr *err)
{
    char domain_id[IDENTITY_ID_MAX];
    if (r->project_id)
        return store_project_get(db, r->project_id, p, err);
    if (find_domain_id(db, r->project_domain_id, r->project_domain_name, domain_id, err) < 0)
        return -1;
    return store_project_by_name(db, r->project_name, domain_id, p, err);
}

/* Keystone answers 401 both for an unknown project and for one the user
 * holds no role on, so scope cannot be used to probe for projects. */
static int check_scope(struct db *db, const struct identity_request *r, const char *user_id,
                       char project_id[IDENTITY_ID_MAX], struct cerr *err)
{
    struct identity_project p;
    struct identity_role *roles = NULL;
    int n = 0;
    struct cerr lookup = { 0 };
    const char *what = r->project_id ? r->project_id : r->project_name;
    if (find_project(db, r, &p, &lookup) < 0) {
        if (lookup.status >= 500) {
            *err = lookup;
            return -1;
        }
        return cerr_set(err, 401, "User %s has no access to project %s", user_id, what);
    }
    if (store_user_roles(db, user_id, p.id, &roles, &n, err) < 0)
        return -1;
    free(roles);
    if (n == 0 || !p.enabled)
        return cerr_set(err, 401, "User %s has no access to project %s", user_id, what);
    str_copy(project_id, IDENTITY_ID_MAX, p.id);
    return 0;
}

static void random_b64url(char *out, size_t outlen, size_t nbytes)
{
    unsigned char raw[32];
    randombytes_buf(raw, nbytes);
    sodium_bin2base64(out, outlen, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

/* Methods in the order Keystone reports them for a re-scoped token. */
static void methods_json(unsigned methods, const struct auth *parent, char out[64])
{
    bool password = (methods & IDENTITY_METHOD_PASSWORD) ||
                    (parent && strstr(parent->methods, "\"password\""));
    if ((methods & IDENTITY_METHOD_TOKEN) && password)
        snprintf(out, 64, "[\"token\",\"password\"]");
    else if (methods & IDENTITY_METHOD_TOKEN)
        snprintf(out, 64, "[\"token\"]");
    else
        snprintf(out, 64, "[\"password\"]");
}

static int store_new_token(struct db *db, const struct cirrus_config *cfg, const char *user_id,
                           const char *project_id, const char *methods, int64_t expires_at,
                           char token[IDENTITY_TOKEN_MAX], struct cerr *err)
{
    char hash[AUTH_ID_MAX], audit[32];
    int64_t now = clock_now_us();
    random_b64url(token, IDENTITY_TOKEN_MAX, 32);
    random_b64url(audit, sizeof(audit), 16);
    auth_token_hash(token, hash);
    if (!expires_at)
        expires_at = now + (int64_t)cfg->token_ttl * 1000000;
    /* Expired rows can never validate again; dropping them here keeps the
     * table (and its index) the size of the live tokens. */
    if (store_token_purge(db, now) < 0)
        return cerr_internal(err, "token purge");
    return store_token_insert(db, hash, user_id, project_id, methods, audit, now, expires_at,
                              err);
}

int identity_issue(const struct cirrus_config *cfg, const struct identity_request *r,
                   char token[IDENTITY_TOKEN_MAX], struct auth *out, struct cerr *err)
{
    struct db *db = store_db();
    struct identity_user u = { 0 };
    struct auth parent = { 0 };
    char project_id[IDENTITY_ID_MAX] = "", methods[64];
    bool by_token = (r->methods & IDENTITY_METHOD_TOKEN) != 0;
    if (!db)
        return cerr_internal(err, "token issue");
    if ((r->methods & IDENTITY_METHOD_PASSWORD) && check_password(db, r, &u, err) < 0)
        return -1;
    if (by_token && check_token(r, &parent, err) < 0)
        return -1;
    if ((r->methods & IDENTITY_METHOD_PASSWORD) && by_token && strcmp(u.id, parent.user_id))
        return cerr_set(err, 401, UNAUTHORIZED);
    const char *user_id = by_token ? parent.user_id : u.id;
    if (r->scoped && check_scope(db, r, user_id, project_id, err) < 0)
        return -1;
    methods_json(r->methods, by_token ? &parent : NULL, methods);
    if (store_new_token(db, cfg, user_id, project_id, methods, by_token ? parent.expires_at : 0,
                        token, err) < 0)
        return -1;
    return auth_token_validate(token, out, err);
}

int identity_revoke(const struct auth *a, struct cerr *err)
{
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "token revoke");
    return store_token_revoke(db, a->token_hash, err);
}

/* --- catalog --- */

/* Stable ids: the first 32 hex digits of SHA-256 over a fixed label, so
 * every token and every restart shows the same endpoint ids. */
static void stable_id(const char *label, char out[33])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(digest, (const unsigned char *)label, strlen(label));
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    memcpy(out, hex, 32);
    out[32] = '\0';
}

static json_t *service(const struct cirrus_config *cfg, const char *type, const char *name,
                       const char *path)
{
    static const char *const interfaces[] = { "public", "internal", "admin" };
    char id[33], label[160], url[512];
    json_t *endpoints = json_array();
    snprintf(url, sizeof(url), "%s%s", cfg->public_url, path);
    for (size_t i = 0; i < 3; i++) {
        snprintf(label, sizeof(label), "endpoint/%s/%s/%s", type, interfaces[i], cfg->region);
        stable_id(label, id);
        json_array_append_new(endpoints, json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", id,
                                                   "interface", interfaces[i],
                                                   "region", cfg->region,
                                                   "region_id", cfg->region, "url", url));
    }
    snprintf(label, sizeof(label), "service/%s", type);
    stable_id(label, id);
    return json_pack("{s:s,s:s,s:s,s:o}", "id", id, "type", type, "name", name,
                     "endpoints", endpoints);
}

json_t *identity_catalog(const struct cirrus_config *cfg)
{
    return json_pack("[o,o,o]", service(cfg, "identity", "keystone", "/identity"),
                     service(cfg, "compute", "nova", "/v2.1"),
                     service(cfg, "image", "glance", "/image"));
}
