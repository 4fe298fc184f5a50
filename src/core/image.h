/* image.h - images as both APIs see them: visibility rules, Glance's list
 * semantics (filters, sort keys, markers), the data file's life (upload
 * with its hashes, download, delete), and where an image's bytes live
 * (<data_dir>/images/<id>). */
#ifndef CIRRUS_CORE_IMAGE_H
#define CIRRUS_CORE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/auth.h"
#include "store/image.h"
#include "util/config.h"

/* Whether the caller may see/use the image (owner, public, community,
 * shared with a membership, or admin). */
bool image_visible(struct db *db, const struct image *img, const struct auth *a);
/* Loads an image the caller may use; 404 like Glance when not visible. */
int image_get_for(struct db *db, const struct auth *a, const char *id, struct image *out,
                  struct cerr *err);
/* Whether the caller may change the image: admin, or a member of the
 * owning project (Glance's modify/delete/upload policy). */
bool image_writable(const struct image *img, const struct auth *a);
/* Path of the image's data file (caller frees). The one place that knows
 * the layout. */
char *image_file_path(const struct cirrus_config *cfg, const char *id);

/* --- listing (GET /v2/images, GET /v2.1/images) --- */

enum image_op { IMAGE_EQ, IMAGE_NEQ, IMAGE_GT, IMAGE_GTE, IMAGE_LT, IMAGE_LTE, IMAGE_IN };

/* One filter: a base attribute (name, status, size, created_at, ...) or
 * an extra property. IN takes Glance's comma list ("a",b). Values were
 * validated by the API (ints, booleans, ISO times). */
struct image_filter {
    const char *key;
    enum image_op op;
    const char *value;
};

struct image_sort { const char *key; bool desc; };

#define IMAGE_QUERY_MAX 16

struct image_query {
    struct image_filter filters[IMAGE_QUERY_MAX];
    int nfilters;
    const char *tags[IMAGE_QUERY_MAX];   /* all must be present */
    int ntags;
    const char *visibility;      /* NULL: Glance's default list; "all" or one visibility */
    const char *member_status;   /* shared images: NULL = "accepted"; "all" */
    bool os_hidden;              /* list hidden images instead of visible ones */
    struct image_sort sort[IMAGE_QUERY_MAX];   /* created_at desc when none */
    int nsort;
    const char *marker;          /* id of the last image seen, or NULL */
    int limit;
};

struct image_page {
    struct image *items;
    int count;
    bool more;                   /* images remain after this page */
};

/* Whether key is one of Glance's list sort keys. */
bool image_sort_key_valid(const char *key);
/* Whether key names a base attribute rather than an extra property. */
bool image_is_base_attr(const char *key);
/* The caller's images matching q, sorted, one page. 400 "Invalid marker.
 * Image <m> could not be found." for a marker the caller cannot see. */
int image_list(struct db *db, const struct auth *a, const struct image_query *q,
               struct image_page *out, struct cerr *err);
void image_page_free(struct image_page *p);

/* --- data --- */

struct image_digest {
    int64_t size;
    char md5[33];
    char sha512[129];
    unsigned char head[512];     /* first bytes, for format inspection */
    size_t head_len;
};

/* Reads fd to its end computing size, MD5 and SHA-512; 0 or -1 (errno). */
int image_digest_fd(int fd, struct image_digest *out);
/* Virtual size from the data's header: qcow2's header field, the size
 * itself for raw; -1 when unknown (Glance's format inspector). */
int64_t image_virtual_size(const char *disk_format, const struct image_digest *d);
/* Stores a spooled upload as the image's data: queued -> saving -> active
 * with size, checksum and os_hash_* (Glance image_data.upload).
 * expected_size < 0 = no x-openstack-image-size. 409 when not queued,
 * 400 when formats are unset or the size mismatches, 410 when the image
 * was deleted meanwhile. */
int image_upload(const struct cirrus_config *cfg, struct db *db, const char *id,
                 const char *spool_path, int64_t expected_size, struct cerr *err);
/* Opens the image's data for download: *fd (owned by the caller) and
 * *size; 0, or 1 when the image has no data (204). */
int image_open_data(const struct cirrus_config *cfg, const struct image *img, int *fd,
                    int64_t *size, struct cerr *err);
/* Deletes the record and its file; 403 when protected. */
int image_delete(const struct cirrus_config *cfg, struct db *db, const struct image *img,
                 struct cerr *err);

#endif
