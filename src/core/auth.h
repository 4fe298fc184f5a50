/* auth.h - who is calling: the identity a token stands for, and the token
 * operations the Identity API and the HTTP auth middleware share.
 *
 * Tokens are 256-bit random values shown once (X-Subject-Token); the store
 * keeps only their SHA-256, so a database dump reveals no usable token.
 * Passwords are argon2id hashes (libsodium crypto_pwhash_str). */
#ifndef CIRRUS_AUTH_H
#define CIRRUS_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

enum auth_role {
    ROLE_READER  = 1 << 0,
    ROLE_MEMBER  = 1 << 1,
    ROLE_MANAGER = 1 << 2,
    ROLE_ADMIN   = 1 << 3,
};

#define AUTH_ID_MAX   65
#define AUTH_NAME_MAX 256

struct auth {
    bool valid;                            /* a token was presented and accepted */
    char user_id[AUTH_ID_MAX];
    char user_name[AUTH_NAME_MAX];
    char user_domain_id[AUTH_ID_MAX];
    char user_domain_name[AUTH_NAME_MAX];
    char project_id[AUTH_ID_MAX];          /* "" for an unscoped token */
    char project_name[AUTH_NAME_MAX];
    char project_domain_id[AUTH_ID_MAX];
    char project_domain_name[AUTH_NAME_MAX];
    unsigned roles;                        /* enum auth_role bits, implied roles included */
    char token_hash[AUTH_ID_MAX];          /* hex SHA-256 of the token */
    char audit_id[32];
    char methods[64];                      /* JSON array text, e.g. ["password"] */
    int64_t issued_at, expires_at;         /* microseconds */
};

/* Validates a token (X-Auth-Token / X-Subject-Token). 0 and *out filled;
 * -1 with 401 (or 404 for_subject) when unknown, expired or revoked. */
int auth_token_validate(const char *token, struct auth *out, struct cerr *err);

/* Hex SHA-256 of a token. */
void auth_token_hash(const char *token, char out[AUTH_ID_MAX]);

/* Argon2id password hashing and constant-time verification. */
int auth_password_hash(const char *password, char *out, int outlen);
bool auth_password_verify(const char *hash, const char *password);

#endif
