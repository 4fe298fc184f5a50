/* disks.h - a host's disk files for the qemu driver: the per-host image
 * cache <host dir>/_base/<image id> filled from the Image API's data
 * files, qcow2 overlays on it sized to the flavor, blank ephemeral/swap
 * disks, copies for snapshots and cold migration; plus the few file
 * helpers the driver needs. */
#ifndef CIRRUS_VIRT_QEMU_DISKS_H
#define CIRRUS_VIRT_QEMU_DISKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/config.h"
#include "util/err.h"

/* "qcow2" or "raw", from the file's magic (what Glance's format
 * inspector would say for the formats cirrus boots). */
const char *qemu_image_format(const char *path);
/* Makes sure <host_dir>/_base/<image_id> holds the image (hard link to
 * the Image API's file when possible, else a copy); *base is malloc'd.
 * 404-free: an image without data is a 500 "Image ... has no data". */
int qemu_image_cache(const struct cirrus_config *cfg, const char *host_dir,
                     const char *image_id, char **base, struct cerr *err);
/* A qcow2 overlay on base, grown to size_gb when that is larger than the
 * image (a flavor's root_gb of 0 means "the image's size", as in Nova). */
int qemu_disk_overlay(const char *qemu_img, const char *base, const char *path,
                      int64_t size_gb, struct cerr *err);
/* A blank qcow2 disk of size_mb. */
int qemu_disk_blank(const char *qemu_img, const char *path, int64_t size_mb, struct cerr *err);
/* Points an overlay at another copy of its base (same bytes). */
int qemu_disk_rebase(const char *qemu_img, const char *path, const char *base,
                     struct cerr *err);
/* Grows a disk to size_gb (never shrinks). */
int qemu_disk_grow(const char *qemu_img, const char *path, int64_t size_gb, struct cerr *err);
/* Flattens a disk (with its backing chain) into a standalone qcow2. */
int qemu_disk_flatten(const char *qemu_img, const char *src, const char *dst, struct cerr *err);
/* Virtual size in bytes, -1 when unknown. */
int64_t qemu_disk_virtual_size(const char *qemu_img, const char *path);

/* --- files --- */
bool qemu_file_exists(const char *path);
int qemu_mkdirs(const char *path, struct cerr *err);
/* Copy through a temporary name and rename, so a reader never sees half. */
int qemu_copy_file(const char *src, const char *dst, struct cerr *err);
int qemu_write_file(const char *path, const void *data, size_t len, struct cerr *err);
/* Whole file (NUL-terminated, malloc'd), NULL when unreadable. */
char *qemu_read_file(const char *path, size_t *len);
void qemu_rm_rf(const char *path);
/* A file, or a directory with everything in it, copied to dst. */
int qemu_copy_tree(const char *src, const char *dst, struct cerr *err);

#endif
