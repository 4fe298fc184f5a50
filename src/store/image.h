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
    char owner[65];
    char status[24];            /* queued, saving, active, ... */
    char visibility[16];        /* public, private, shared, community */
    char disk_format[24], container_format[24];
    int64_t size, virtual_size; /* -1 = null */
    char checksum[40];
    char os_hash_algo[16];
    char os_hash_value[136];
    int64_t min_disk, min_ram;
    bool protected_, os_hidden;
    int64_t created_at, updated_at;
};

/* 0 found (not deleted); -1 with 404 "Image <id> could not be found." */
int store_image_get(struct db *db, const char *id, struct image *out, struct cerr *err);
/* Extra properties as {"name": "value"}; never NULL. */
json_t *store_image_properties(struct db *db, const char *id);

#endif
