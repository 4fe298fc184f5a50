/* image.h - images as the compute side sees them: visibility rules and
 * where an image's bytes live (<data_dir>/images/<id>). */
#ifndef CIRRUS_CORE_IMAGE_H
#define CIRRUS_CORE_IMAGE_H

#include <stdbool.h>

#include "core/auth.h"
#include "store/image.h"
#include "util/config.h"

/* Whether the caller may see/use the image (owner, public, community,
 * shared with an accepted membership, or admin). */
bool image_visible(struct db *db, const struct image *img, const struct auth *a);
/* Loads an image the caller may use; 404 like Glance when not visible. */
int image_get_for(struct db *db, const struct auth *a, const char *id, struct image *out,
                  struct cerr *err);
/* Path of the image's data file (caller frees). */
char *image_file_path(const struct cirrus_config *cfg, const char *id);

#endif
