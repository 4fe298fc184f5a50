/* image.h - the images repository (Image API v2 records and properties). */
#ifndef CIRRUS_STORE_IMAGE_H
#define CIRRUS_STORE_IMAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"
#include "util/err.h"

struct image {
    char id[40];
    char name[256];             /* "" with has_name false = null */
    bool has_name;
    char owner[65];             /* "" = null */
    char status[24];            /* queued, saving, active, ... */
    char visibility[16];        /* public, private, shared, community */
    char disk_format[24], container_format[24];   /* "" = null */
    int64_t size, virtual_size; /* -1 = null */
    char checksum[40];          /* "" = null, also os_hash_* */
    char os_hash_algo[16];
    char os_hash_value[136];
    int64_t min_disk, min_ram;
    bool protected_, os_hidden;
    int64_t created_at, updated_at;
    char member_status[16];     /* store_image_list only: the viewer's membership, "" none */
};

/* 0 found (not deleted); -1 with 404 "Image <id> could not be found." */
int store_image_get(struct db *db, const char *id, struct image *out, struct cerr *err);
/* Extra properties as {"name": "value"}; never NULL. */
json_t *store_image_properties(struct db *db, const char *id);
/* Tags as a sorted array of strings; never NULL. */
json_t *store_image_tags(struct db *db, const char *id);

/* Every image not deleted, oldest first, each with `member` (a project id,
 * may be NULL)'s membership status filled in. Caller frees *out. */
int store_image_list(struct db *db, const char *member, struct image **out, int *count,
                     struct cerr *err);

/* Inserts a new record with its properties ({"k": "v"}) and tags (array of
 * strings), both may be NULL, in one transaction. created_at/updated_at
 * are set here. 409 "Image with identifier <id> already exists!" */
int store_image_insert(struct db *db, struct image *img, const json_t *props,
                       const json_t *tags, struct cerr *err);
/* Rewrites a record's mutable attributes and replaces its properties and
 * tags with the given sets, in one transaction; 404 when gone. */
int store_image_update(struct db *db, struct image *img, const json_t *props,
                       const json_t *tags, struct cerr *err);
/* Compare-and-set of the status: 1 changed, 0 not in `from`, -1 error. */
int store_image_set_status(struct db *db, const char *id, const char *from, const char *to);
/* Records uploaded data and moves the image from saving to active:
 * 1 done, 0 no longer saving (deleted meanwhile), -1 error. */
int store_image_set_data(struct db *db, const struct image *img);
/* Marks the image deleted (status deleted, rows of properties, tags and
 * members removed); 404 when already gone. */
int store_image_delete(struct db *db, const char *id, struct cerr *err);

/* Tags one by one (PUT/DELETE /v2/images/{id}/tags/{tag}). add: 0 ok
 * (existing tag too); delete: 404 "Tag <t> not found" when absent. */
int store_image_tag_add(struct db *db, const char *id, const char *tag, struct cerr *err);
int store_image_tag_delete(struct db *db, const char *id, const char *tag, struct cerr *err);

/* Image members (sharing). */
struct image_member {
    char image_id[40];
    char member[65];
    char status[16];            /* pending, accepted, rejected */
    int64_t created_at, updated_at;
};
/* 404 "<member> not found in the member list of the image <id>." */
int store_image_member_get(struct db *db, const char *id, const char *member,
                           struct image_member *out, struct cerr *err);
int store_image_member_list(struct db *db, const char *id, struct image_member **out,
                            int *count, struct cerr *err);
/* 409 "Member <m> is duplicated for image <id>" when present. */
int store_image_member_add(struct db *db, struct image_member *m, struct cerr *err);
int store_image_member_set_status(struct db *db, struct image_member *m, struct cerr *err);
int store_image_member_delete(struct db *db, const char *id, const char *member,
                              struct cerr *err);

/* The id of the project named "admin" in the default domain; 0 found,
 * -1 when identity has not been bootstrapped (out left "") or on error. */
int store_image_admin_project(struct db *db, char out[65]);

#endif
