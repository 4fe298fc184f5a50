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
    char description[256];      /* "" with has_description false = null; the first
                                   255 bytes: store_flavor_description() has it all */
    bool has_description;
    int64_t created_at;
    int64_t updated_at;         /* 0 = never updated */
};

/* 0 found; -1 with 404 "Flavor <id> could not be found." */
int store_flavor_get(struct db *db, const char *flavorid, struct flavor *out, struct cerr *err);
/* {"key": "value", ...}; never NULL (an empty object when none). */
json_t *store_flavor_extra_specs(struct db *db, const char *flavorid);
/* The whole description (up to 65535 characters, 2.55); NULL = null. */
char *store_flavor_description(struct db *db, const char *flavorid);
/* Public flavors, or private ones the project was given access to. */
bool store_flavor_accessible(struct db *db, const struct flavor *f, const char *project_id);

/* A flavor list as the API parsed it (nova flavors index). */
enum flavor_visibility {
    FLAVOR_LIST_ALL,            /* admin, is_public=none */
    FLAVOR_LIST_PUBLIC,         /* public ones plus the project's private ones */
    FLAVOR_LIST_PRIVATE,        /* admin, is_public=false */
};
struct flavor_list_query {
    enum flavor_visibility visibility;
    const char *project_id;     /* the caller's project (FLAVOR_LIST_PUBLIC) */
    bool hide_disabled;
    int64_t min_ram, min_disk;
    const char *sort_key;       /* one of Nova's VALID_SORT_KEYS */
    bool sort_desc;
    const char *marker;         /* flavorid; unknown -> 400 "marker [x] not found" */
    const char *marker_project; /* NULL: the marker may be any flavor (admin) */
    int limit;                  /* > 0 */
};
/* True when key is one of the sort keys Nova accepts for flavors. */
bool store_flavor_sort_key_valid(const char *key);
/* Fills *out (caller frees) with up to q->limit flavors. */
int store_flavor_list(struct db *db, const struct flavor_list_query *q, struct flavor **out,
                      int *count, struct cerr *err);
int64_t store_flavor_count(struct db *db);

/* Inserts f (flavorid, name and sizes set; id, created_at and the
 * description fields filled here from description, NULL = null).
 * 409 "Flavor with ID <id> already exists." / "Flavor with name <n> already exists." */
int store_flavor_create(struct db *db, struct flavor *f, const char *description,
                        struct cerr *err);
/* description NULL = null. 404 when absent. */
int store_flavor_set_description(struct db *db, const char *flavorid, const char *description,
                                 struct cerr *err);
/* Deletes the flavor with its extra specs and access list; 404 when absent. */
int store_flavor_delete(struct db *db, const char *flavorid, struct cerr *err);

/* Merges string values into the flavor's extra specs (one transaction). */
int store_flavor_extra_specs_set(struct db *db, const char *flavorid, const json_t *specs,
                                 struct cerr *err);
/* 404 "Flavor <id> has no extra specs with key <k>." when absent. */
int store_flavor_extra_spec_delete(struct db *db, const char *flavorid, const char *key,
                                   struct cerr *err);

/* Projects given access to a private flavor: ["p1", ...] sorted. */
json_t *store_flavor_projects(struct db *db, const char *flavorid);
/* 409 "Flavor access already exists for flavor <f> and project <p> combination." */
int store_flavor_access_add(struct db *db, const char *flavorid, const char *project_id,
                            struct cerr *err);
/* 404 "Flavor access not found for <f> / <p> combination." */
int store_flavor_access_remove(struct db *db, const char *flavorid, const char *project_id,
                               struct cerr *err);

#endif
