/* image_api.h - what the Image API handler files share: Glance's image
 * view, lookups with Glance's 404/403 wording, the image schema checks
 * (glance/api/v2/images.py get_schema) and the handlers images.c routes. */
#ifndef CIRRUS_API_IMAGE_API_H
#define CIRRUS_API_IMAGE_API_H

#include <jansson.h>

#include "core/image.h"
#include "http/http.h"

/* Glance's limits (image_property_quota, image_tag_quota) and its
 * api_limit_max / limit_param_default. */
#define IMAGE_PROPERTY_QUOTA 128
#define IMAGE_TAG_QUOTA 128
#define IMAGE_LIMIT_MAX 1000
#define IMAGE_LIMIT_DEFAULT 25

/* The flat image object of GET /v2/images/{id}. */
json_t *image_view(struct db *db, const struct image *img);
/* A member object (GET /v2/images/{id}/members/{member}). */
json_t *image_member_view(const struct image_member *m);

/* Loads an image the caller can see; 404 "No image found with ID <id>". */
int image_api_load(struct http_request *req, struct db *db, const char *id, struct image *out,
                   struct cerr *err);
/* 403 "You are not authorized to complete <action> action." unless the
 * caller may change the image. */
int image_api_writable(const struct http_request *req, const struct image *img,
                       const char *action, struct cerr *err);

/* 403 "Attribute '<key>' is read-only." / "... is reserved." for names
 * only Glance sets (also what a patch may not remove). */
int image_attr_name_check(const char *key, struct cerr *err);
/* Checks one attribute as the create body or a patch would set it:
 * read-only and reserved names (403), the schema (400), custom property
 * names and values (400). */
int image_attr_check(const char *key, const json_t *value, struct cerr *err);
/* Applies a checked attribute to img (base attributes), props (custom
 * properties) or tags; 403 for visibility/owner changes the caller may
 * not make. */
int image_attr_apply(const struct http_request *req, struct image *img, json_t *props,
                     json_t **tags, const char *key, const json_t *value, struct cerr *err);
/* The quotas on properties and tags: 413. */
int image_quota_check(const json_t *props, const json_t *tags, struct cerr *err);

/* Handlers routed by images.c. */
int image_list_handler(struct http_request *req, struct http_response *res, struct cerr *err);
int image_patch_handler(struct http_request *req, struct http_response *res, struct cerr *err);

#endif
