/* auth.c - token validation for every authenticated request, token
 * hashing, and argon2id password hashing (core/auth.h). */
#include "core/auth.h"
#include "core/identity.h"
#include "store/identity.h"
#include "util/clock.h"
#include "util/mem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Argon2id cost. libsodium's INTERACTIVE limits (2 passes, 64 MiB) cost
 * ~60 ms and 64 MiB per token request, which under concurrent logins
 * (the API pool, benchmarks) multiplies quickly. OWASP's password storage
 * cheat sheet lists t=2, m=19 MiB, p=1 as an equivalent-strength argon2id
 * setting; it costs ~20 ms. Verification reads the cost from the stored
 * string, so raising these later keeps old hashes valid. */
#define PWHASH_OPSLIMIT 2
#define PWHASH_MEMLIMIT (19u * 1024u * 1024u)

void auth_token_hash(const char *token, char out[AUTH_ID_MAX])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, AUTH_ID_MAX, digest, sizeof(digest));
}

int auth_password_hash(const char *password, char *out, int outlen)
{
    if (outlen < (int)crypto_pwhash_STRBYTES)
        return -1;
    return crypto_pwhash_str(out, password, strlen(password), PWHASH_OPSLIMIT,
                             PWHASH_MEMLIMIT) == 0 ? 0 : -1;
}

bool auth_password_verify(const char *hash, const char *password)
{
    /* crypto_pwhash_str_verify compares the derived key in constant time. */
    return hash && password && *hash &&
           crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* Role bits of the token's project: what is assigned plus what it implies. */
static int load_roles(const struct identity_token *t, unsigned *roles, struct cerr *err)
{
    struct identity_role *list = NULL;
    int n = 0;
    *roles = 0;
    if (!t->project.id[0])
        return 0;
    if (store_user_roles(store_db(), t->user.id, t->project.id, &list, &n, err) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        *roles |= identity_role_bits(list[i].name);
    free(list);
    return 0;
}

static void fill(const struct identity_token *t, unsigned roles, struct auth *out)
{
    memset(out, 0, sizeof(*out));
    out->valid = true;
    str_copy(out->user_id, sizeof(out->user_id), t->user.id);
    str_copy(out->user_name, sizeof(out->user_name), t->user.name);
    str_copy(out->user_domain_id, sizeof(out->user_domain_id), t->user.domain_id);
    str_copy(out->user_domain_name, sizeof(out->user_domain_name), t->user.domain_name);
    str_copy(out->project_id, sizeof(out->project_id), t->project.id);
    str_copy(out->project_name, sizeof(out->project_name), t->project.name);
    str_copy(out->project_domain_id, sizeof(out->project_domain_id), t->project.domain_id);
    str_copy(out->project_domain_name, sizeof(out->project_domain_name),
             t->project.domain_name);
    out->roles = roles;
    str_copy(out->token_hash, sizeof(out->token_hash), t->hash);
    str_copy(out->audit_id, sizeof(out->audit_id), t->audit_id);
    str_copy(out->methods, sizeof(out->methods), t->methods);
    out->issued_at = t->issued_at;
    out->expires_at = t->expires_at;
}

int auth_token_validate(const char *token, struct auth *out, struct cerr *err)
{
    static const char denied[] = "The request you have made requires authentication.";
    struct identity_token t;
    char hash[AUTH_ID_MAX];
    unsigned roles;
    struct db *db = store_db();
    if (!db)
        return cerr_internal(err, "token validation");
    if (!token || !*token || strlen(token) >= IDENTITY_TOKEN_MAX)
        return cerr_set(err, 401, denied);
    auth_token_hash(token, hash);
    struct cerr lookup;
    if (store_token_get(db, hash, &t, &lookup) < 0) {
        if (lookup.status != 404) {
            *err = lookup;
            return -1;
        }
        return cerr_set(err, 401, denied);
    }
    /* The row was found by its hash through an index; compare again in
     * constant time so the check itself never depends on a secret. */
    if (sodium_memcmp(t.hash, hash, strlen(hash)) != 0 || t.revoked ||
        t.expires_at <= clock_now_us() || !t.user.enabled ||
        (t.project.id[0] && !t.project.enabled))
        return cerr_set(err, 401, denied);
    if (load_roles(&t, &roles, err) < 0)
        return -1;
    fill(&t, roles, out);
    return 0;
}
