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

#endif
