/* keypair.h - the keypairs repository. */
#ifndef CIRRUS_STORE_KEYPAIR_H
#define CIRRUS_STORE_KEYPAIR_H

#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

struct keypair {
    int64_t id;
    char user_id[65];
    char name[256];
    char type[8];               /* ssh | x509 */
    char *public_key;           /* heap */
    char fingerprint[128];
    int64_t created_at;
};

void keypair_clear(struct keypair *k);
/* 0 found; -1 with 404 "Keypair <name> not found for user <user_id>". */
int store_keypair_get(struct db *db, const char *user_id, const char *name,
                      struct keypair *out, struct cerr *err);

/* A user's keypairs ordered by name, after `marker` (a name; NULL = from
 * the start; unknown -> 400 "Marker <m> could not be found."), at most
 * limit (> 0). Caller frees with keypair_list_free(). */
int store_keypair_list(struct db *db, const char *user_id, const char *marker, int limit,
                       struct keypair **out, int *count, struct cerr *err);
void keypair_list_free(struct keypair *list, int count);
/* How many keypairs the user has (key_pairs quota); -1 on error. */
int64_t store_keypair_count(struct db *db, const char *user_id);
/* Inserts k (id and created_at filled here); 409 "Key pair '<name>' already exists." */
int store_keypair_insert(struct db *db, struct keypair *k, struct cerr *err);
/* 404 "Keypair <name> not found for user <user_id>" when absent. */
int store_keypair_delete(struct db *db, const char *user_id, const char *name,
                         struct cerr *err);

#endif
