/* flavor.h - the flavors repository (flavors, extra specs, access). */
#ifndef CIRRUS_STORE_FLAVOR_H
#define CIRRUS_STORE_FLAVOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

struct flavor {
    int64_t id;                 /* internal id (old_instance_type_id) */
    char flavorid[256];
    char name[256];
    int64_t vcpus, memory_mb, root_gb, ephemeral_gb, swap;
    double rxtx_factor;
    bool is_public, disabled;
    char description[256];      /* "" with has_description false = null */
    bool has_description;
    int64_t created_at;
};

/* 0 found; -1 with 404 "Flavor <id> could not be found." */
int store_flavor_get(struct db *db, const char *flavorid, struct flavor *out, struct cerr *err);
/* {"key": "value", ...}; never NULL (an empty object when none). */
json_t *store_flavor_extra_specs(struct db *db, const char *flavorid);
/* Public flavors, or private ones the project was given access to. */
bool store_flavor_accessible(struct db *db, const struct flavor *f, const char *project_id);

#endif
