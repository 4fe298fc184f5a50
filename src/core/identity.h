/* identity.h - the Keystone side of cirrus: authenticating a user by
 * password or by an existing token, issuing (optionally project-scoped)
 * tokens, role implication, and the service catalog. identity_bootstrap()
 * is declared in core/bootstrap.h. */
#ifndef CIRRUS_CORE_IDENTITY_H
#define CIRRUS_CORE_IDENTITY_H

#include <jansson.h>
#include <stdbool.h>

#include "core/auth.h"
#include "util/config.h"
#include "util/err.h"

/* A token as shown to the client: 32 random bytes, base64url, unpadded. */
#define IDENTITY_TOKEN_MAX 64

enum identity_method {
    IDENTITY_METHOD_PASSWORD = 1 << 0,
    IDENTITY_METHOD_TOKEN    = 1 << 1,
};

/* What a POST /v3/auth/tokens body asked for, already shape-checked by
 * the API layer. A user is named by user_id, or by user_name plus one of
 * user_domain_id / user_domain_name; a project likewise. */
struct identity_request {
    unsigned methods;                          /* enum identity_method bits */
    const char *user_id, *user_name, *user_domain_id, *user_domain_name;
    const char *password;
    const char *token;                         /* token method: the token to re-scope */
    bool scoped;                               /* scope.project was given */
    const char *project_id, *project_name, *project_domain_id, *project_domain_name;
};

/* Authenticates req and issues a token: the new token text in token[]
 * and its identity in *out. 401 for bad credentials or no role on the
 * requested project, 404 when a re-scoped token is unknown. */
int identity_issue(const struct cirrus_config *cfg, const struct identity_request *req,
                   char token[IDENTITY_TOKEN_MAX], struct auth *out, struct cerr *err);

/* Revokes the token a stands for: no request accepts it from now on. */
int identity_revoke(const struct auth *a, struct cerr *err);

/* The role bits a role name grants, its implied roles included (admin ->
 * manager, member, reader; manager -> member, reader; member -> reader);
 * 0 for a role cirrus attaches no meaning to. */
unsigned identity_role_bits(const char *name);

/* The roles a token carries, as Keystone lists them: [{"id", "name"}, ...]
 * for the roles assigned on its project plus the roles they imply. */
json_t *identity_token_roles(const struct auth *a, struct cerr *err);

/* The service catalog (identity, compute, image), identical for every
 * project: [{"id", "type", "name", "endpoints": [...]}, ...]. */
json_t *identity_catalog(const struct cirrus_config *cfg);

#endif
